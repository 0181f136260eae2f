/*
 * etk-bundle: court disclosure bundles (man/etk-bundle.1,
 * man/etk-bundle.5).
 *
 *	create -o OUT ...	build OUT and OUT.tar from the case
 *	verify OUT|OUT.tar	the eleven checks of CUSTODY.md §6c
 *
 * create works inside a case (--case, ETK_CASE or the current
 * directory); its journal entry ("export") and the seals around it are
 * written by the library, so this command records no entry of its own.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/extract.h>

#include "cmdutil.h"

enum {
	OPT_EXHIBIT = ETK_OPT_FIRST_PRIVATE,
	OPT_KIND,
	OPT_FROM,
	OPT_TO,
	OPT_PARTY,
	OPT_LOCATORS,
	OPT_REDACT_PARTY,
	OPT_REDACT,
	OPT_CATEGORY,
	OPT_BASIS,
	OPT_DECIDED_BY,
	OPT_APPROVED_BY,
	OPT_COUNTRY,
	OPT_UPTO,
	OPT_VERSION_N,
	OPT_TSA_URL,
	OPT_TSA_REPLY,
	OPT_TSA_CA,
	OPT_TSQ_OUT,
	OPT_NO_TAR,
	OPT_KEY_ID,
	OPT_TAR_SHA256
};

static void
usage(FILE *fp)
{
	static const char *const lines[] = {
		"[-hqV] [--case dir] [--json] create -o out [--exhibit ex]... "
		"[--kind list] [--from time] [--to time] [--party id]... "
		"[--locators file] [--redact-party id]... [--redact rules] "
		"[--category text] [--basis text] [--decided-by name] "
		"[--approved-by name] [--country cc] [--upto seq] "
		"[--bundle-version n] [--tsa-url url | --tsa-reply file] "
		"[--tsa-ca pem] [--tsq-out file] [--no-tar]",
		"[-hqV] [--json] verify [--key-id id]... [--tar-sha256 hex] "
		"[--tsa-ca pem] out | out.tar"
	};
	const char *p = etk_getprogname();
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (fp != stdout)
			fprintf(fp, "%s: usage: %s %s\n", p, p, lines[i]);
		else
			fprintf(fp, "%s %s %s\n", i == 0 ? "usage:" : "      ",
			    p, lines[i]);
	}
	if (fp != stdout)
		return;
	fputs("subcommands:\n"
	    "  create              build a disclosure bundle OUT and OUT.tar\n"
	    "  verify              check a bundle (directory or tar)\n"
	    "create options:\n"
	    "  -o, --output OUT    the bundle directory (must not exist)\n"
	    "      --exhibit EX    only this exhibit (repeatable)\n"
	    "      --kind LIST     messages,calls,contacts,images,carved,files,"
	    "pole\n"
	    "                      (default: all but files; 'all')\n"
	    "      --from T        records at or after T (RFC 3339 or date)\n"
	    "      --to T          records before T\n"
	    "      --party ID      records with this participant (repeatable)\n"
	    "      --locators FILE records named in FILE (one a line, or JSON "
	    "lines)\n"
	    "      --redact-party ID  withhold every spelling of ID "
	    "(repeatable)\n"
	    "      --redact RULES  a redaction rules file (etk-bundle(5))\n"
	    "      --category T    redaction category (--redact-party)\n"
	    "      --basis T       redaction basis\n"
	    "      --decided-by N  who decided the redaction\n"
	    "      --approved-by N who approved it\n"
	    "      --country CC    region of national phone numbers (GB)\n"
	    "      --upto SEQ      bundle the journal up to this seal\n"
	    "      --bundle-version N  the vN of the bundle id (default 1)\n"
	    "      --tsa-url URL   time-stamp SHA256SUMS at this TSA\n"
	    "      --tsa-reply FILE  ... or use this time-stamp reply\n"
	    "      --tsa-ca PEM    the TSA's CA chain\n"
	    "      --tsq-out FILE  write the time-stamp query, no token\n"
	    "      --no-tar        do not write OUT.tar\n"
	    "verify options:\n"
	    "      --key-id ID     a key id confirmed out of band (repeatable)\n"
	    "      --tar-sha256 HEX  the tar's SHA-256 given out of band\n"
	    "      --tsa-ca PEM    trust anchors for time-stamps\n", fp);
	etk_cmd_usage_common(fp);
}

struct strs {
	const char **v;
	size_t n;
};

static int
push(struct strs *s, const char *x)
{
	const char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	s->v = nv;
	s->v[s->n++] = x;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

struct vrep {
	struct etk_cmd *cmd;
	int failed, warned;
};

static void
on_step(void *arg, const struct etk_bundle_step *s)
{
	static const char *const st[] = { "ok", "FAIL", "skipped", "warning" };
	struct vrep *v = arg;
	struct etk_buf b;
	struct etk_json j;
	const char *w = s->status >= 0 && s->status <= 3 ? st[s->status] : "?";

	if (s->status == 1)
		v->failed = 1;
	if (s->status == 3)
		v->warned = 1;
	if (v->cmd->json) {
		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "bundle_step");
		etk_json_kint(&j, "step", s->step);
		etk_json_kstr(&j, "name", s->name);
		etk_json_kstr(&j, "status", s->status == 1 ? "fail" :
		    s->status == 3 ? "warning" : w);
		etk_json_kstr(&j, "message", s->message);
		etk_json_obj_end(&j);
		etk_cmd_emit(v->cmd, &b);
		etk_buf_release(&b);
		return;
	}
	if (v->cmd->quiet && s->status != 1)
		return;
	printf("step %d %s: %s%s%s\n", s->step, s->name != NULL ? s->name :
	    "?", w, s->message != NULL && *s->message ? ": " : "",
	    s->message != NULL ? s->message : "");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "output",	required_argument,	NULL, 'o' },
		{ "exhibit",	required_argument,	NULL, OPT_EXHIBIT },
		{ "kind",	required_argument,	NULL, OPT_KIND },
		{ "from",	required_argument,	NULL, OPT_FROM },
		{ "to",		required_argument,	NULL, OPT_TO },
		{ "party",	required_argument,	NULL, OPT_PARTY },
		{ "locators",	required_argument,	NULL, OPT_LOCATORS },
		{ "redact-party", required_argument,	NULL, OPT_REDACT_PARTY },
		{ "redact",	required_argument,	NULL, OPT_REDACT },
		{ "category",	required_argument,	NULL, OPT_CATEGORY },
		{ "basis",	required_argument,	NULL, OPT_BASIS },
		{ "decided-by",	required_argument,	NULL, OPT_DECIDED_BY },
		{ "approved-by", required_argument,	NULL, OPT_APPROVED_BY },
		{ "country",	required_argument,	NULL, OPT_COUNTRY },
		{ "upto",	required_argument,	NULL, OPT_UPTO },
		{ "bundle-version", required_argument,	NULL, OPT_VERSION_N },
		{ "tsa-url",	required_argument,	NULL, OPT_TSA_URL },
		{ "tsa-reply",	required_argument,	NULL, OPT_TSA_REPLY },
		{ "tsa-ca",	required_argument,	NULL, OPT_TSA_CA },
		{ "tsq-out",	required_argument,	NULL, OPT_TSQ_OUT },
		{ "no-tar",	no_argument,		NULL, OPT_NO_TAR },
		{ "key-id",	required_argument,	NULL, OPT_KEY_ID },
		{ "tar-sha256",	required_argument,	NULL, OPT_TAR_SHA256 },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_error err = { 0 };
	struct etk_bundle_opts bo;
	struct etk_bundle_result res;
	struct etk_bundle_verify_opts vo;
	struct etk_redact_basis basis = { NULL, NULL, NULL, NULL };
	struct etk_redactor *rd = NULL;
	struct strs exhibits = { 0 }, parties = { 0 }, rparties = { 0 },
	    keyids = { 0 };
	const char *subname, *country = NULL, *rules = NULL;
	uint64_t v64;
	int64_t tsec;
	int32_t tns;
	int ch, sargc, rc, status = ETK_EXIT_OK, create;
	char **sargv;
	size_t i;

	struct etk_cmd cmd;

	memset(&bo, 0, sizeof(bo));
	memset(&vo, 0, sizeof(vo));
	if (etk_cmd_begin(&cmd, "etk-bundle", argc, argv) != 0)
		return cmd.exit_now;
	while ((ch = getopt_long(argc, argv, "+" ETK_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (ch >= ETK_OPT_FIRST_PRIVATE || ch == 'o')
			return etk_cmd_usage_error(&cmd, usage,
			    "options go after the subcommand");
		if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
		    ETK_OPT_HANDLED)
			return etk_cmd_leave(&cmd, cmd.exit_now);
	}
	if (optind >= argc)
		return etk_cmd_usage_error(&cmd, usage, "no subcommand given");
	subname = argv[optind];
	if (strcmp(subname, "create") == 0)
		create = 1;
	else if (strcmp(subname, "verify") == 0)
		create = 0;
	else
		return etk_cmd_usage_error(&cmd, usage,
		    "unknown subcommand '%s'", subname);
	sargc = argc - optind;
	sargv = argv + optind;
	/* the common options' messages quote what getopt parses now;
	 * the journal records argv as typed (cmd.argv0) */
	cmd.argc = sargc;
	cmd.argv = sargv;
	optind = 0;	/* glibc: start again, at sargv[1] */
	while ((ch = getopt_long(sargc, sargv, ETK_COMMON_SHORTOPTS "o:",
	    longopts, NULL)) != -1) {
		if (!create && ch != OPT_KEY_ID && ch != OPT_TAR_SHA256 &&
		    ch != OPT_TSA_CA && (ch >= ETK_OPT_FIRST_PRIVATE ||
		    ch == 'o'))
			return etk_cmd_usage_error(&cmd, usage, "option '%s' is "
			    "for 'create' only", sargv[optind - 1]);
		if (create && (ch == OPT_KEY_ID || ch == OPT_TAR_SHA256))
			return etk_cmd_usage_error(&cmd, usage, "option '%s' is "
			    "for 'verify' only", sargv[optind - 1]);
		switch (ch) {
		case 'o':
			bo.out = optarg;
			break;
		case OPT_EXHIBIT:
			if (push(&exhibits, optarg) != 0)
				return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
			break;
		case OPT_KIND:
			if (etk_bundle_kinds_parse(optarg, &bo.sel.kinds, &err)
			    != ETK_OK)
				return etk_cmd_usage_error(&cmd, usage, "%s",
				    err.msg);
			break;
		case OPT_FROM:
		case OPT_TO:
			if (etk_extract_parse_time(optarg, 0, &tsec, &tns) != 0)
				return etk_cmd_usage_error(&cmd, usage,
				    "bad time '%s'", optarg);
			if (ch == OPT_FROM)
				bo.sel.from = optarg;
			else
				bo.sel.to = optarg;
			break;
		case OPT_PARTY:
			if (push(&parties, optarg) != 0)
				return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
			break;
		case OPT_LOCATORS:
			bo.sel.locators_file = optarg;
			break;
		case OPT_REDACT_PARTY:
			if (push(&rparties, optarg) != 0)
				return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
			break;
		case OPT_REDACT:
			rules = optarg;
			break;
		case OPT_CATEGORY:
			basis.category = optarg;
			break;
		case OPT_BASIS:
			basis.basis = optarg;
			break;
		case OPT_DECIDED_BY:
			basis.decided_by = optarg;
			break;
		case OPT_APPROVED_BY:
			basis.approved_by = optarg;
			break;
		case OPT_COUNTRY:
			country = optarg;
			break;
		case OPT_UPTO:
			if (parse_u64(optarg, &bo.upto) != 0 || bo.upto == 0)
				return etk_cmd_usage_error(&cmd, usage,
				    "bad journal line '%s'", optarg);
			break;
		case OPT_VERSION_N:
			if (parse_u64(optarg, &v64) != 0 || v64 == 0 ||
			    v64 > 9999)
				return etk_cmd_usage_error(&cmd, usage,
				    "bad bundle version '%s'", optarg);
			bo.version = (unsigned)v64;
			break;
		case OPT_TSA_URL:
			bo.tsa_url = optarg;
			break;
		case OPT_TSA_REPLY:
			bo.tsa_reply = optarg;
			break;
		case OPT_TSA_CA:
			bo.tsa_ca = optarg;
			vo.tsa_ca = optarg;
			break;
		case OPT_TSQ_OUT:
			bo.tsq_out = optarg;
			break;
		case OPT_NO_TAR:
			bo.no_tar = 1;
			break;
		case OPT_KEY_ID:
			if (push(&keyids, optarg) != 0)
				return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
			break;
		case OPT_TAR_SHA256:
			vo.tar_sha256 = optarg;
			break;
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	sargc -= optind;
	sargv += optind;

	if (!create) {
		struct vrep vr = { &cmd, 0, 0 };

		if (sargc != 1)
			return etk_cmd_usage_error(&cmd, usage, sargc == 0 ?
			    "verify: no bundle given" : "verify: one bundle at "
			    "a time");
		vo.key_ids = keyids.v;
		vo.nkey_ids = keyids.n;
		rc = etk_bundle_verify(sargv[0], &vo, on_step, &vr, &err);
		if (rc == ETK_OK)
			status = ETK_EXIT_OK;
		else if (rc == ETK_EMISMATCH) {
			etk_warnx("%s: does not verify: %s", sargv[0], err.msg);
			status = ETK_EXIT_MISMATCH;
		} else {
			etk_warnx("%s: %s", sargv[0], err.msg);
			status = rc == ETK_EINVAL ? ETK_EXIT_USAGE :
			    ETK_EXIT_FAILURE;
		}
		free(keyids.v);
		return etk_cmd_end(&cmd, NULL, status);
	}

	if (sargc != 0)
		return etk_cmd_usage_error(&cmd, usage,
		    "unexpected argument '%s'", sargv[0]);
	if (bo.out == NULL)
		return etk_cmd_usage_error(&cmd, usage, "create: no -o OUT");
	if (bo.tsa_url != NULL && bo.tsa_reply != NULL)
		return etk_cmd_usage_error(&cmd, usage,
		    "give --tsa-url or --tsa-reply, not both");
	if (rparties.n == 0 && rules == NULL && (basis.category != NULL ||
	    basis.basis != NULL || basis.decided_by != NULL ||
	    basis.approved_by != NULL))
		return etk_cmd_usage_error(&cmd, usage, "--category, --basis, "
		    "--decided-by and --approved-by go with --redact-party");
	if (etk_cmd_open_case(&cmd) != 0)
		return etk_cmd_end(&cmd, NULL, cmd.exit_now);
	if (cmd.kase == NULL) {
		etk_warnx("no case: give --case DIR, set ETK_CASE or run "
		    "inside a case directory");
		return etk_cmd_end(&cmd, NULL, ETK_EXIT_FAILURE);
	}
	bo.sel.exhibits = exhibits.v;
	bo.sel.nexhibits = exhibits.n;
	bo.sel.parties = parties.v;
	bo.sel.nparties = parties.n;
	bo.argv = (const char *const *)cmd.argv0;
	bo.argc = argc;
	rc = ETK_OK;
	if (rparties.n > 0 || rules != NULL) {
		if ((rc = etk_redactor_new(&rd, country, &err)) == ETK_OK &&
		    rules != NULL)
			rc = etk_redactor_load(rd, rules, &err);
		for (i = 0; rc == ETK_OK && i < rparties.n; i++)
			if ((rc = etk_redactor_add_party(rd, rparties.v[i],
			    &basis, &err)) != ETK_OK)
				etk_wrap(&err, "--redact-party");
		if (rc == ETK_OK)
			rc = etk_bundle_expand_parties(cmd.kase, rd, &err);
		bo.redact = rd;
	}
	if (rc == ETK_OK)
		rc = etk_bundle_create(cmd.kase, &bo, &res, &err);
	if (rc != ETK_OK) {
		etk_cmd_error(&cmd, &err);
		status = rc == ETK_EINVAL ? ETK_EXIT_FAILURE : etk_exit_for(rc);
	} else if (cmd.json) {
		struct etk_buf b;
		struct etk_json j;

		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "bundle");
		etk_json_kstr(&j, "bundle_id", res.bundle_id);
		etk_json_kstr(&j, "path", bo.out);
		etk_json_kuint(&j, "upto", res.upto);
		etk_json_kuint(&j, "files", res.files);
		etk_json_kuint(&j, "records", res.records);
		etk_json_kuint(&j, "redactions", res.redactions);
		etk_json_kstr(&j, "sums_sha256", res.sums_sha256);
		etk_json_kstr(&j, "tar_sha256", res.tar_sha256[0] ?
		    res.tar_sha256 : NULL);
		etk_json_kuint(&j, "export_seq", res.export_seq);
		etk_json_obj_end(&j);
		etk_cmd_emit(&cmd, &b);
		etk_buf_release(&b);
	} else if (!cmd.quiet) {
		printf("bundle: %s\n", res.bundle_id);
		printf("journal: lines 1-%llu\n", (unsigned long long)res.upto);
		if (res.tar_sha256[0])
			printf("tar: %s.tar\nsha256: %s\n", bo.out,
			    res.tar_sha256);
		printf("files: %llu\nrecords: %llu\nredactions: %llu\n",
		    (unsigned long long)res.files,
		    (unsigned long long)res.records,
		    (unsigned long long)res.redactions);
	}
	etk_redactor_free(rd);
	free(exhibits.v);
	free(parties.v);
	free(rparties.v);
	free(keyids.v);
	return etk_cmd_end(&cmd, NULL, status);
}

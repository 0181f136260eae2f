/*
 * etk-init: make a case directory: the examiner's signing key (made
 * here, or an existing one copied in), case.json, the case database and
 * the journal's genesis entry (lib/custody, man/etk-init.1).
 *
 * Text output:	case-dir: DIR / case-id: ID / key-id: sha256:... /
 *		key-type: ed25519
 * JSON Lines:	{"record":"case","dir":..,"case_id":..,"examiner":..,
 *		"key_id":..,"key_type":..,"journal_head":..}, then the summary.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"

/* --case is the case id here, not the case directory of other commands,
 * so this command spells out its long options instead of using
 * ETK_COMMON_LONGOPTS. */
enum {
	OPT_CASE_ID = ETK_OPT_FIRST_PRIVATE,
	OPT_EXAMINER,
	OPT_AGENCY,
	OPT_ROLE,
	OPT_KEY,
	OPT_KEY_TYPE
};

static void
usage(FILE *fp)
{
	const char *p = etk_getprogname();

	if (fp != stdout) {	/* message lines all start "etk-init: " */
		fprintf(fp, "%s: usage: %s [-hqV] [--json] dir --case id "
		    "--examiner name [--agency org] [--role role] [--key file] "
		    "[--key-type ed25519|p256]\n", p, p);
		return;
	}
	fprintf(fp, "usage: %s [-hqV] [--json] dir --case id --examiner name\n"
	    "       [--agency org] [--role role] [--key file] "
	    "[--key-type ed25519|p256]\n", p);
	fputs("      --case ID       case reference (required)\n"
	    "      --examiner NAME the examiner's name (required)\n"
	    "      --agency ORG    the examiner's organisation\n"
	    "      --role ROLE     the examiner's role (default: examiner)\n"
	    "      --key FILE      use this PEM private key (Ed25519 or\n"
	    "                      P-256) instead of making one\n"
	    "      --key-type TYPE ed25519 (default) or p256 (ECDSA P-256)\n"
	    "  -h, --help          print this help and exit\n"
	    "  -V, --version       print versions and exit\n"
	    "  -q, --quiet         print errors only\n"
	    "  -j, --threads N     accepted for uniformity; no effect\n"
	    "      --json          JSON Lines on standard output\n"
	    "      --progress, --no-progress\n"
	    "                      accepted for uniformity; no effect\n", fp);
}

static int
init_main(int argc, char *argv[], const char **rec_argv)
{
	static const struct option longopts[] = {
		{ "agency",	required_argument,	NULL, OPT_AGENCY },
		{ "case",	required_argument,	NULL, OPT_CASE_ID },
		{ "examiner",	required_argument,	NULL, OPT_EXAMINER },
		{ "help",	no_argument,		NULL, 'h' },
		{ "json",	no_argument,		NULL, ETK_OPT_JSON },
		{ "key",	required_argument,	NULL, OPT_KEY },
		{ "key-type",	required_argument,	NULL, OPT_KEY_TYPE },
		{ "no-progress", no_argument,	NULL, ETK_OPT_NO_PROGRESS },
		{ "progress",	no_argument,	NULL, ETK_OPT_PROGRESS },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "role",	required_argument,	NULL, OPT_ROLE },
		{ "threads",	required_argument,	NULL, 'j' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };
	struct etk_case *kase = NULL;
	struct etk_json j;
	struct etk_buf b;
	char head[65], *jpath = NULL;
	const char *dir;
	uint64_t seq = 0;
	struct etk_cmd cmd;
	int ch, rc, status = ETK_EXIT_OK;

	if (etk_cmd_begin(&cmd, "etk-init", argc, argv) != 0)
		return cmd.exit_now;
	memset(&o, 0, sizeof(o));
	/* No '+': the directory comes first, options after it. */
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_CASE_ID:
			o.case_id = optarg;
			break;
		case OPT_EXAMINER:
			o.examiner = optarg;
			break;
		case OPT_AGENCY:
			o.agency = optarg;
			break;
		case OPT_ROLE:
			o.role = optarg;
			break;
		case OPT_KEY:
			o.key_file = optarg;
			break;
		case OPT_KEY_TYPE:
			if (strcmp(optarg, "ed25519") != 0 &&
			    strcmp(optarg, "p256") != 0)
				return etk_cmd_usage_error(&cmd, usage, "bad key type '%s': "
				    "expected ed25519 or p256", optarg);
			o.key_type = optarg;
			break;
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return etk_cmd_usage_error(&cmd, usage, "no case directory given");
	if (argc > 1)
		return etk_cmd_usage_error(&cmd, usage, "unexpected argument '%s'", argv[1]);
	if (o.case_id == NULL || o.case_id[0] == '\0')
		return etk_cmd_usage_error(&cmd, usage, "no case id given (--case ID)");
	if (o.examiner == NULL || o.examiner[0] == '\0')
		return etk_cmd_usage_error(&cmd, usage, "no examiner given (--examiner NAME)");
	dir = argv[0];

	o.argv = rec_argv;
	o.argc = cmd.argc;

	if ((rc = etk_case_init(dir, &o, &err)) != ETK_OK) {
		etk_wrap(&err, "cannot create case");
		etk_cmd_error(&cmd, &err);
		status = etk_exit_for(rc);
		if (status == ETK_EXIT_MISMATCH || status == ETK_EXIT_TEMPFAIL)
			status = ETK_EXIT_FAILURE;
		goto out;	/* the message says it all: no summary line */
	}
	if ((rc = etk_case_open(&kase, dir, &err)) != ETK_OK ||
	    (jpath = malloc(strlen(dir) + 16)) == NULL) {
		if (rc == ETK_OK)
			etk_fail(&err, ETK_ENOMEM, 0, "out of memory");
		etk_wrap(&err, "case '%s' made but cannot be opened", dir);
		etk_cmd_error(&cmd, &err);
		status = ETK_EXIT_FAILURE;
		goto out;
	}
	snprintf(jpath, strlen(dir) + 16, "%s/journal.jsonl",
	    etk_case_dir(kase));
	if (etk_journal_head(jpath, &seq, head, &err) != ETK_OK)
		head[0] = '\0';
	etk_summary_add(cmd.sum, dir, "case", ETK_OUTCOME_OK, 1, NULL);
	if (cmd.json) {
		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "case");
		etk_json_kstr(&j, "dir", dir);
		etk_json_kstr(&j, "case_id", etk_case_id(kase));
		etk_json_kstr(&j, "examiner", etk_case_examiner(kase));
		etk_json_kstr(&j, "key_id", etk_case_actor(kase));
		etk_json_kstr(&j, "key_type", etk_case_key_type(kase));
		etk_json_kstr(&j, "journal_head", head[0] ? head : NULL);
		etk_json_obj_end(&j);
		etk_cmd_emit(&cmd, &b);
		etk_buf_release(&b);
	} else if (!cmd.quiet) {
		printf("case-dir: %s\ncase-id: %s\nkey-id: %s\nkey-type: %s\n",
		    dir, etk_case_id(kase), etk_case_actor(kase),
		    etk_case_key_type(kase));
	}
out:
	etk_case_close(kase);
	free(jpath);
	/* No journal entry of our own: the genesis entry is it. */
	return etk_cmd_end(&cmd, NULL, status);
}

int
main(int argc, char *argv[])
{
	const char **rec_argv;
	int i, status;

	/* The genesis entry records the command line as typed: copy it
	 * before getopt_long permutes argv. */
	if ((rec_argv = calloc((size_t)argc + 1, sizeof(*rec_argv))) == NULL) {
		fprintf(stderr, "etk-init: out of memory\n");
		return ETK_EXIT_FAILURE;
	}
	rec_argv[0] = "etk-init";
	for (i = 1; i < argc; i++)
		rec_argv[i] = argv[i];
	status = init_main(argc, argv, rec_argv);
	free(rec_argv);
	return status;
}

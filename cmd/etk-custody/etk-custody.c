/*
 * etk-custody: the case journal (man/etk-custody.1, man/etk-journal.5).
 *
 *	log		one line per entry: SEQ TS TYPE ACTOR SUMMARY
 *			(--json: the journal lines as they are)
 *	note TEXT	append a note (or seize, receive, store, return,
 *			destroy) entry, with optional exhibit fields
 *	seal		append a seal entry signed by the examiner and any
 *			co-signers; optionally ask a TSA for a token
 *	show [SEQ]	one entry, pretty-printed (default: the last)
 *	keygen		make a custodian's key pair (no case needed)
 *	transfer	a hand-over between custodians, sealed by both
 *	timestamp	attach a time-stamp token to an earlier seal
 *	verify		check the chain, every seal and token, one line each
 *	manifest	the case's chain-of-custody manifest (etk-manifest(5))
 *
 * The case is the one named by --case, ETK_CASE or the current
 * directory; opening it verifies the whole chain first (verify and
 * manifest read it without opening, so they can report a broken one).
 * This command records no journal entry of its own beyond the entries
 * asked for.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/manifest.h>

#include "cmdutil.h"

enum sub {
	SUB_LOG, SUB_NOTE, SUB_SEAL, SUB_SHOW, SUB_KEYGEN, SUB_TRANSFER,
	SUB_TIMESTAMP, SUB_VERIFY, SUB_MANIFEST, SUB__COUNT
};
static const char *const subnames[SUB__COUNT] = {
	"log", "note", "seal", "show", "keygen", "transfer", "timestamp",
	"verify", "manifest"
};
#define B(s) (1u << (s))

enum {
	OPT_NOTE = ETK_OPT_FIRST_PRIVATE,
	OPT_COSIGN, OPT_TSA_URL, OPT_TSA_CA, OPT_TSQ_OUT, OPT_TSA_REPLY,
	OPT_SEAL, OPT_OUT, OPT_TYPE, OPT_PUB, OPT_EXHIBIT, OPT_ITEM,
	OPT_LOCATION, OPT_AUTHORITY, OPT_BAG_SEAL, OPT_SEAL_INTACT,
	OPT_NEW_BAG_SEAL, OPT_REASON, OPT_FROM, OPT_FROM_ROLE, OPT_FROM_ORG,
	OPT_FROM_AUTH, OPT_FROM_KEY, OPT_TO, OPT_TO_ROLE, OPT_TO_ORG,
	OPT_TO_AUTH, OPT_TO_KEY, OPT_FORMAT, OPT_UPTO, OPT__END
};

/* Which subcommands take each private option. */
static const struct {
	int id;
	const char *name;
	unsigned subs;
} optsubs[] = {
	{ OPT_NOTE, "note", B(SUB_SEAL) | B(SUB_TRANSFER) },
	{ OPT_COSIGN, "cosign", B(SUB_SEAL) },
	{ OPT_TSA_URL, "tsa-url", B(SUB_SEAL) | B(SUB_TIMESTAMP) },
	{ OPT_TSA_CA, "tsa-ca", B(SUB_SEAL) | B(SUB_TIMESTAMP) |
	    B(SUB_VERIFY) },
	{ OPT_TSQ_OUT, "tsq-out", B(SUB_SEAL) },
	{ OPT_TSA_REPLY, "tsa-reply", B(SUB_SEAL) | B(SUB_TIMESTAMP) },
	{ OPT_SEAL, "seal", B(SUB_TIMESTAMP) },
	{ OPT_OUT, "output", B(SUB_KEYGEN) | B(SUB_MANIFEST) },
	{ OPT_TYPE, "type", B(SUB_KEYGEN) | B(SUB_NOTE) },
	{ OPT_PUB, "pub", B(SUB_KEYGEN) },
	{ OPT_EXHIBIT, "exhibit", B(SUB_NOTE) | B(SUB_TRANSFER) |
	    B(SUB_MANIFEST) },
	{ OPT_ITEM, "item", B(SUB_NOTE) | B(SUB_TRANSFER) },
	{ OPT_LOCATION, "location", B(SUB_NOTE) | B(SUB_TRANSFER) },
	{ OPT_AUTHORITY, "authority", B(SUB_NOTE) | B(SUB_TRANSFER) },
	{ OPT_BAG_SEAL, "bag-seal", B(SUB_NOTE) | B(SUB_TRANSFER) },
	{ OPT_SEAL_INTACT, "seal-intact", B(SUB_NOTE) | B(SUB_TRANSFER) },
	{ OPT_NEW_BAG_SEAL, "new-bag-seal", B(SUB_TRANSFER) },
	{ OPT_REASON, "reason", B(SUB_TRANSFER) },
	{ OPT_FROM, "from", B(SUB_TRANSFER) },
	{ OPT_FROM_ROLE, "from-role", B(SUB_TRANSFER) },
	{ OPT_FROM_ORG, "from-org", B(SUB_TRANSFER) },
	{ OPT_FROM_AUTH, "from-auth", B(SUB_TRANSFER) },
	{ OPT_FROM_KEY, "from-key", B(SUB_TRANSFER) },
	{ OPT_TO, "to", B(SUB_TRANSFER) },
	{ OPT_TO_ROLE, "to-role", B(SUB_TRANSFER) },
	{ OPT_TO_ORG, "to-org", B(SUB_TRANSFER) },
	{ OPT_TO_AUTH, "to-auth", B(SUB_TRANSFER) },
	{ OPT_TO_KEY, "to-key", B(SUB_TRANSFER) },
	{ OPT_FORMAT, "format", B(SUB_MANIFEST) },
	{ OPT_UPTO, "upto", B(SUB_MANIFEST) },
};

static const struct option longopts[] = {
	ETK_COMMON_LONGOPTS,
	{ "note",	required_argument,	NULL, OPT_NOTE },
	{ "cosign",	required_argument,	NULL, OPT_COSIGN },
	{ "tsa-url",	required_argument,	NULL, OPT_TSA_URL },
	{ "tsa-ca",	required_argument,	NULL, OPT_TSA_CA },
	{ "tsq-out",	required_argument,	NULL, OPT_TSQ_OUT },
	{ "tsa-reply",	required_argument,	NULL, OPT_TSA_REPLY },
	{ "seal",	required_argument,	NULL, OPT_SEAL },
	{ "output",	required_argument,	NULL, OPT_OUT },
	{ "type",	required_argument,	NULL, OPT_TYPE },
	{ "pub",	required_argument,	NULL, OPT_PUB },
	{ "exhibit",	required_argument,	NULL, OPT_EXHIBIT },
	{ "item",	required_argument,	NULL, OPT_ITEM },
	{ "location",	required_argument,	NULL, OPT_LOCATION },
	{ "authority",	required_argument,	NULL, OPT_AUTHORITY },
	{ "bag-seal",	required_argument,	NULL, OPT_BAG_SEAL },
	{ "seal-intact", required_argument,	NULL, OPT_SEAL_INTACT },
	{ "new-bag-seal", required_argument,	NULL, OPT_NEW_BAG_SEAL },
	{ "reason",	required_argument,	NULL, OPT_REASON },
	{ "from",	required_argument,	NULL, OPT_FROM },
	{ "from-role",	required_argument,	NULL, OPT_FROM_ROLE },
	{ "from-org",	required_argument,	NULL, OPT_FROM_ORG },
	{ "from-auth",	required_argument,	NULL, OPT_FROM_AUTH },
	{ "from-key",	required_argument,	NULL, OPT_FROM_KEY },
	{ "to",		required_argument,	NULL, OPT_TO },
	{ "to-role",	required_argument,	NULL, OPT_TO_ROLE },
	{ "to-org",	required_argument,	NULL, OPT_TO_ORG },
	{ "to-auth",	required_argument,	NULL, OPT_TO_AUTH },
	{ "to-key",	required_argument,	NULL, OPT_TO_KEY },
	{ "format",	required_argument,	NULL, OPT_FORMAT },
	{ "upto",	required_argument,	NULL, OPT_UPTO },
	{ NULL,		0,			NULL, 0 }
};

#define COSIGN_MAX 15

/* Everything the subcommands' options say. */
struct opts {
	const char *val[OPT__END - OPT_NOTE];	/* by OPT_* - OPT_NOTE */
	const char *cosign[COSIGN_MAX + 1];
	int ncosign;
};
#define OV(o, id) ((o)->val[(id) - OPT_NOTE])

static void
usage(FILE *fp)
{
	static const char *const lines[] = {
		"[-hqV] [--case dir] [--json] log",
		"[-hqV] [--case dir] [--json] note [--type type] "
		    "[--exhibit ex] [--item desc] [--location loc] "
		    "[--authority auth] [--bag-seal n] [--seal-intact yes|no] "
		    "text ...",
		"[-hqV] [--case dir] [--json] seal [--note text] "
		    "[--cosign keyfile]... [--tsa-url url] [--tsa-ca pem] "
		    "[--tsq-out file]",
		"[-hqV] [--case dir] [--json] seal --tsa-reply file "
		    "[--tsa-ca pem]",
		"[-hqV] [--case dir] [--json] show [seq]",
		"[-hqV] [--json] keygen -o file [--type ed25519|p256] "
		    "[--pub file]",
		"[-hqV] [--case dir] [--json] transfer --exhibit ex "
		    "--from name [--from-role r] [--from-org o] "
		    "[--from-auth ref] [--from-key keyfile] --to name "
		    "[--to-role r] [--to-org o] [--to-auth ref] "
		    "--to-key keyfile [--item desc] [--location loc] "
		    "[--reason text] [--authority auth] [--bag-seal n] "
		    "[--seal-intact yes|no] [--new-bag-seal n] [--note text]",
		"[-hqV] [--case dir] [--json] timestamp [--seal seq] "
		    "(--tsa-url url | --tsa-reply file) [--tsa-ca pem]",
		"[-hqV] [--case dir] [--json] verify [--tsa-ca pem]",
		"[-hqV] [--case dir] manifest [--format json|case|dfxml|html] "
		    "[--exhibit ex] [--upto seq] [-o file]"
	};
	const char *p = etk_getprogname();
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (fp != stdout)	/* "etk-custody: " on every line */
			fprintf(fp, "%s: usage: %s %s\n", p, p, lines[i]);
		else
			fprintf(fp, "%s %s %s\n", i == 0 ? "usage:" : "      ",
			    p, lines[i]);
	}
	if (fp != stdout)
		return;
	fputs("subcommands:\n"
	    "  log                 list the journal, one entry a line\n"
	    "  note TEXT           add a contemporaneous note (or a seize,\n"
	    "                      receive, store, return, destroy entry)\n"
	    "  seal                sign the journal up to a new seal entry\n"
	    "  show [SEQ]          print one entry (default: the last)\n"
	    "  keygen              make a custodian's signing key pair\n"
	    "  transfer            record a hand-over, sealed by both parties\n"
	    "  timestamp           attach an RFC 3161 token to a seal\n"
	    "  verify              check the chain, every seal and token\n"
	    "  manifest            print the chain-of-custody manifest\n"
	    "options (see etk-custody(1) for each subcommand's):\n"
	    "      --note TEXT     (seal, transfer) a note in the entry\n"
	    "      --cosign KEY    (seal) a further signer's private key\n"
	    "      --tsa-url URL   (seal, timestamp) ask this RFC 3161 TSA\n"
	    "      --tsa-ca PEM    (seal, timestamp, verify) the TSA's CA\n"
	    "      --tsq-out FILE  (seal) write the time-stamp query here\n"
	    "      --tsa-reply F   (timestamp) a reply obtained offline\n"
	    "  -o, --output FILE   (keygen, manifest) the file to write\n", fp);
	etk_cmd_usage_common(fp);
}

/* Exit status for a library error: 4 when something does not verify. */
static int
fail_status(int rc)
{
	return etk_exit_for(rc) == ETK_EXIT_MISMATCH ? ETK_EXIT_MISMATCH :
	    ETK_EXIT_FAILURE;
}

/* Add s with control bytes shown as '?', so text stays on one line. */
static void
add_clean(struct etk_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		etk_buf_addc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
}

static size_t
arr_len(const struct etk_jval *doc, const char *key)
{
	const struct etk_jval *v = etk_jval_get(doc, key);

	return v != NULL && v->type == ETK_JARR ? v->n : 0;
}

/* ", seal N intact" / ", seal N NOT intact" / ", seal N". */
static void
bag_summary(const struct etk_jval *doc, const char *key, struct etk_buf *b)
{
	const struct etk_jval *v;
	const char *s;

	if ((s = etk_jval_str(doc, key)) == NULL)
		return;
	etk_buf_adds(b, ", seal ");
	add_clean(b, s);
	v = etk_jval_get(doc, "bag_seal_intact");
	if (v != NULL && v->type == ETK_JBOOL)
		etk_buf_adds(b, v->b ? " intact" : " NOT intact");
}

/* "EX-001 A -> B at L, seal N intact, resealed M". */
static void
transfer_summary(const struct etk_jval *doc, struct etk_buf *b)
{
	const struct etk_jval *p;
	const char *s;

	add_clean(b, etk_jval_str(doc, "exhibit"));
	etk_buf_addc(b, ' ');
	p = etk_jval_get(doc, "from");
	add_clean(b, p != NULL ? etk_jval_str(p, "name") : "?");
	etk_buf_adds(b, " -> ");
	p = etk_jval_get(doc, "to");
	add_clean(b, p != NULL ? etk_jval_str(p, "name") : "?");
	if ((s = etk_jval_str(doc, "location")) != NULL) {
		etk_buf_adds(b, " at ");
		add_clean(b, s);
	}
	bag_summary(doc, "bag_seal", b);
	if ((s = etk_jval_str(doc, "new_bag_seal")) != NULL) {
		etk_buf_adds(b, ", resealed ");
		add_clean(b, s);
	}
}

/* Does the case hold the token file a seal names? */
static int
tsr_present(const char *dir, const char *rel)
{
	char path[4096];

	if (strstr(rel, "..") != NULL || rel[0] == '/')
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

/* The SUMMARY column of `log`. */
static void
entry_summary(const struct etk_jval *doc, const char *type,
    const char *dir, struct etk_buf *b)
{
	const struct etk_jval *v, *cv;
	const char *s;
	size_t n;

	if (strcmp(type, "transfer") == 0) {
		transfer_summary(doc, b);
		return;
	}

	if (strcmp(type, "genesis") == 0 &&
	    (cv = etk_jval_get(doc, "case")) != NULL) {
		etk_buf_adds(b, "case ");
		add_clean(b, etk_jval_str(cv, "id"));
		etk_buf_adds(b, ", examiner ");
		add_clean(b, etk_jval_str(cv, "examiner"));
		if ((s = etk_jval_str(cv, "agency")) != NULL) {
			etk_buf_adds(b, " (");
			add_clean(b, s);
			etk_buf_addc(b, ')');
		}
		return;
	}
	if (strcmp(type, "seal") == 0) {
		v = etk_jval_get(doc, "covers");
		etk_buf_printf(b, "covers lines 1-%lld, %zu signer%s",
		    v != NULL && v->is_int ? (long long)v->inum : 0LL,
		    arr_len(doc, "signers"),
		    arr_len(doc, "signers") == 1 ? "" : "s");
		if ((s = etk_jval_str(doc, "tsr")) != NULL)
			etk_buf_adds(b, tsr_present(dir, s) ? ", time-stamped" :
			    ", time-stamp pending");
		if ((s = etk_jval_str(doc, "note")) != NULL) {
			etk_buf_adds(b, ": ");
			add_clean(b, s);
		}
		return;
	}
	if ((s = etk_jval_str(doc, "exhibit")) != NULL) {
		add_clean(b, s);
		if ((s = etk_jval_str(doc, "location")) != NULL) {
			etk_buf_adds(b, " at ");
			add_clean(b, s);
		}
		bag_summary(doc, "bag_seal", b);
		etk_buf_adds(b, etk_jval_str(doc, "note") != NULL ? ": " : "");
	}
	if ((s = etk_jval_str(doc, "note")) != NULL) {
		add_clean(b, s);
		return;
	}
	if ((v = etk_jval_get(doc, "tool")) != NULL &&
	    (s = etk_jval_str(v, "name")) != NULL) {
		add_clean(b, s);
		if ((v = etk_jval_get(doc, "exit")) != NULL && v->is_int)
			etk_buf_printf(b, " exit %lld", (long long)v->inum);
		if ((n = arr_len(doc, "inputs")) != 0)
			etk_buf_printf(b, ", %zu input%s", n, n == 1 ? "" :
			    "s");
		if ((n = arr_len(doc, "outputs")) != 0)
			etk_buf_printf(b, ", %zu output%s", n, n == 1 ? "" :
			    "s");
		if ((n = arr_len(doc, "errors")) != 0)
			etk_buf_printf(b, ", %zu error%s", n, n == 1 ? "" :
			    "s");
	}
}

/* Pretty JSON: two-space indent, members in file order, ASCII. */
static void
pretty(struct etk_buf *b, const struct etk_jval *v, int depth)
{
	size_t i;
	int k;

	switch (v->type) {
	case ETK_JNULL:
		etk_buf_adds(b, "null");
		break;
	case ETK_JBOOL:
		etk_buf_adds(b, v->b ? "true" : "false");
		break;
	case ETK_JNUM:
		if (v->is_int)
			etk_buf_printf(b, "%lld", (long long)v->inum);
		else
			etk_buf_printf(b, "%.17g", v->num);
		break;
	case ETK_JSTR:
		etk_json_quote(b, v->str, v->slen);
		break;
	case ETK_JARR:
	case ETK_JOBJ:
		if (v->n == 0) {
			etk_buf_adds(b, v->type == ETK_JARR ? "[]" : "{}");
			break;
		}
		etk_buf_addc(b, v->type == ETK_JARR ? '[' : '{');
		for (i = 0; i < v->n; i++) {
			etk_buf_adds(b, i ? ",\n" : "\n");
			for (k = 0; k <= depth; k++)
				etk_buf_adds(b, "  ");
			if (v->type == ETK_JOBJ) {
				etk_json_quote(b, v->keys[i],
				    strlen(v->keys[i]));
				etk_buf_adds(b, ": ");
			}
			pretty(b, v->items[i], depth + 1);
		}
		etk_buf_addc(b, '\n');
		for (k = 0; k < depth; k++)
			etk_buf_adds(b, "  ");
		etk_buf_addc(b, v->type == ETK_JARR ? ']' : '}');
		break;
	}
}

static int
print_buf(const struct etk_buf *b)
{
	return fwrite(b->data, 1, b->len, stdout) == b->len ? 0 : -1;
}

/* log and show: read the journal of the open case. */
static int
read_journal(struct etk_cmd *cmd, enum sub sub, uint64_t want)
{
	struct etk_error err = { 0 };
	struct etk_jval *doc = NULL;
	struct etk_buf out;
	char *path, *line = NULL, *last = NULL;
	const char *type, *ts, *actor;
	size_t cap = 0, lastcap = 0;
	ssize_t n, lastn = 0;
	uint64_t seq = 0, shown = 0;
	FILE *fp;
	int status = ETK_EXIT_OK;

	if ((path = malloc(strlen(etk_case_dir(cmd->kase)) + 16)) == NULL)
		return ETK_EXIT_FAILURE;
	sprintf(path, "%s/journal.jsonl", etk_case_dir(cmd->kase));
	if ((fp = fopen(path, "rb")) == NULL) {
		etk_fail(&err, ETK_EIO, errno, "cannot open '%s'", path);
		etk_cmd_error(cmd, &err);
		free(path);
		return ETK_EXIT_FAILURE;
	}
	etk_buf_init(&out);
	while ((n = getline(&line, &cap, fp)) > 0) {
		seq++;
		if (sub == SUB_SHOW) {
			if (want == 0) {	/* keep the last */
				if ((size_t)n + 1 > lastcap) {
					char *p = realloc(last, (size_t)n + 1);

					if (p == NULL)
						break;
					last = p;
					lastcap = (size_t)n + 1;
				}
				memcpy(last, line, (size_t)n + 1);
				lastn = n;
				continue;
			}
			if (seq != want)
				continue;
			last = line;
			lastn = n;
			line = NULL;
			break;
		}
		if (cmd->json) {	/* the bytes of the journal */
			if (fwrite(line, 1, (size_t)n, stdout) != (size_t)n)
				break;
			continue;
		}
		etk_buf_reset(&out);
		if (etk_json_parse(line, (size_t)n - (line[n - 1] == '\n'),
		    &doc, &err) != ETK_OK) {
			etk_buf_printf(&out, "%llu ? ? ? (not JSON)\n",
			    (unsigned long long)seq);
		} else {
			type = etk_jval_str(doc, "type");
			ts = etk_jval_str(doc, "ts");
			actor = etk_jval_str(doc, "actor");
			if (actor != NULL && strncmp(actor, "sha256:", 7) == 0)
				actor += 7;
			etk_buf_printf(&out, "%llu ", (unsigned long long)seq);
			add_clean(&out, ts != NULL ? ts : "?");
			etk_buf_addc(&out, ' ');
			add_clean(&out, type != NULL ? type : "?");
			etk_buf_printf(&out, " %.12s ", actor != NULL ? actor :
			    "?");
			entry_summary(doc, type != NULL ? type : "",
			    etk_case_dir(cmd->kase), &out);
			etk_buf_addc(&out, '\n');
		}
		etk_jval_free(doc);
		doc = NULL;
		if (print_buf(&out) != 0)
			break;
		shown++;
	}
	fclose(fp);
	if (sub == SUB_SHOW) {
		if (last == NULL) {
			if (want != 0)
				etk_fail(&err, ETK_ENOTFOUND, 0,
				    "no entry %llu: the journal has %llu",
				    (unsigned long long)want,
				    (unsigned long long)seq);
			else
				etk_fail(&err, ETK_ENOTFOUND, 0,
				    "the journal is empty");
			etk_cmd_error(cmd, &err);
			status = ETK_EXIT_FAILURE;
		} else if (cmd->json) {
			fwrite(last, 1, (size_t)lastn, stdout);
		} else if (etk_json_parse(last, (size_t)lastn -
		    (last[lastn - 1] == '\n'), &doc, &err) != ETK_OK) {
			etk_wrap(&err, "entry %llu", (unsigned long long)(want ?
			    want : seq));
			etk_cmd_error(cmd, &err);
			status = ETK_EXIT_FAILURE;
		} else {
			etk_buf_reset(&out);
			pretty(&out, doc, 0);
			etk_buf_addc(&out, '\n');
			print_buf(&out);
			etk_jval_free(doc);
		}
	}
	free(line);
	free(last);
	free(path);
	etk_buf_release(&out);
	(void)shown;
	return status;
}

static int
parse_seq(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '1' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Text: "seq: N", "head: SHA256" (when N is still the last line), one
 * "signature: FILE" per signer and an extra "KEY: VALUE" line; JSON: a
 * journal_entry record. */
static void
report_entry(struct etk_cmd *cmd, uint64_t seq, const char *type,
    char sigs[][80], size_t nsig, const char *xkey, const char *xval)
{
	struct etk_error err = { 0 };
	char head[65], *path;
	uint64_t hseq = 0;
	struct etk_json j;
	struct etk_buf b;
	size_t i;

	head[0] = '\0';
	if ((path = malloc(strlen(etk_case_dir(cmd->kase)) + 16)) != NULL) {
		sprintf(path, "%s/journal.jsonl", etk_case_dir(cmd->kase));
		if (etk_journal_head(path, &hseq, head, &err) != ETK_OK ||
		    hseq != seq)
			head[0] = '\0';	/* appended since */
		free(path);
	}
	if (cmd->json) {
		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "journal_entry");
		etk_json_kuint(&j, "seq", seq);
		etk_json_kstr(&j, "type", type);
		etk_json_kstr(&j, "head", head[0] ? head : NULL);
		if (nsig > 0)
			etk_json_kstr(&j, "sig_file", sigs[0]);
		if (nsig > 1) {
			etk_json_key(&j, "sig_files");
			etk_json_arr_begin(&j);
			for (i = 0; i < nsig; i++)
				etk_json_str(&j, sigs[i]);
			etk_json_arr_end(&j);
		}
		if (xkey != NULL)
			etk_json_kstr(&j, xkey, xval);
		etk_json_obj_end(&j);
		etk_cmd_emit(cmd, &b);
		etk_buf_release(&b);
	} else if (!cmd->quiet) {
		printf("seq: %llu\n", (unsigned long long)seq);
		if (head[0] != '\0')
			printf("head: %s\n", head);
		for (i = 0; i < nsig; i++)
			printf("signature: %s\n", sigs[i]);
		if (xkey != NULL)
			printf("%s: %s\n", xkey, xval);
	}
}

static void
sig_file(char out[80], uint64_t seq, const char *keyid)
{
	snprintf(out, 80, "seals/%06llu.%.16s.sig", (unsigned long long)seq,
	    keyid + 7);
}

static char *
case_path(const char *dir, const char *rel)
{
	char *p = malloc(strlen(dir) + strlen(rel) + 2);

	if (p != NULL)
		sprintf(p, "%s/%s", dir, rel);
	return p;
}

static int
exists(const char *dir, const char *rel)
{
	char *p = case_path(dir, rel);
	int ok = p != NULL && access(p, F_OK) == 0;

	free(p);
	return ok;
}

/* "yes" / "no" -> 1 / 0; -1 when not given, -2 when bad. */
static int
yes_no(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "yes") == 0)
		return 1;
	if (strcmp(s, "no") == 0)
		return 0;
	return -2;
}

static int
do_note(struct etk_cmd *cmd, const struct opts *o, int argc, char **argv)
{
	struct etk_error err = { 0 };
	struct etk_buf text, body;
	const char *type = OV(o, OPT_TYPE) != NULL ? OV(o, OPT_TYPE) : "note";
	uint64_t seq = 0;
	struct etk_json j;
	int i, rc, status = ETK_EXIT_OK, intact;

	etk_buf_init(&text);
	etk_buf_init(&body);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			etk_buf_addc(&text, ' ');
		etk_buf_adds(&text, argv[i]);
	}
	intact = yes_no(OV(o, OPT_SEAL_INTACT));
	etk_json_init(&j, &body);
	etk_json_obj_begin(&j);
	if (OV(o, OPT_EXHIBIT) != NULL)
		etk_json_kstr(&j, "exhibit", OV(o, OPT_EXHIBIT));
	if (OV(o, OPT_ITEM) != NULL)
		etk_json_kstr(&j, "item", OV(o, OPT_ITEM));
	if (OV(o, OPT_LOCATION) != NULL)
		etk_json_kstr(&j, "location", OV(o, OPT_LOCATION));
	if (OV(o, OPT_AUTHORITY) != NULL)
		etk_json_kstr(&j, "authority", OV(o, OPT_AUTHORITY));
	if (OV(o, OPT_BAG_SEAL) != NULL)
		etk_json_kstr(&j, "bag_seal", OV(o, OPT_BAG_SEAL));
	if (intact >= 0)
		etk_json_kbool(&j, "bag_seal_intact", intact);
	if (text.len > 0)
		etk_json_kstr(&j, "note", text.data);
	etk_json_obj_end(&j);
	if (body.oom || text.oom)
		status = ETK_EXIT_FAILURE;
	else if ((rc = etk_journal_append(cmd->kase, type, -1, 0, body.data,
	    &seq, &err)) != ETK_OK) {
		etk_cmd_error(cmd, &err);
		status = fail_status(rc);
	} else
		report_entry(cmd, seq, type, NULL, 0, NULL, NULL);
	etk_buf_release(&text);
	etk_buf_release(&body);
	return status;
}

static int
do_seal(struct etk_cmd *cmd, const struct opts *o)
{
	struct etk_error err = { 0 }, kerr = { 0 };
	struct etk_seal_opts so;
	char sigs[COSIGN_MAX + 1][80], id[ETK_KEYID_MAX], rel[64];
	const char *xkey = NULL;
	uint64_t seq = 0;
	size_t n = 0;
	int i, rc, status = ETK_EXIT_OK;

	memset(&so, 0, sizeof(so));
	so.note = OV(o, OPT_NOTE);
	so.cosign_keys = o->ncosign > 0 ? o->cosign : NULL;
	so.tsa_url = OV(o, OPT_TSA_URL);
	so.tsa_ca = OV(o, OPT_TSA_CA);
	so.tsq_out = OV(o, OPT_TSQ_OUT);
	rc = etk_case_seal_opts(cmd->kase, &so, &seq, &err);
	if (rc != ETK_OK) {
		etk_cmd_error(cmd, &err);
		/* A seal made, its token not: partial. */
		status = seq != 0 ? ETK_EXIT_PARTIAL : fail_status(rc);
	}
	if (seq == 0)
		return status;
	sig_file(sigs[n++], seq, etk_case_actor(cmd->kase));
	for (i = 0; i < o->ncosign; i++)
		if (etk_key_file_id(o->cosign[i], id, &kerr) == ETK_OK)
			sig_file(sigs[n++], seq, id);
	if (so.tsa_url != NULL || so.tsq_out != NULL) {
		snprintf(rel, sizeof(rel), "seals/%06llu.tsr",
		    (unsigned long long)seq);
		xkey = "timestamp";
		if (!exists(etk_case_dir(cmd->kase), rel)) {
			snprintf(rel, sizeof(rel), "seals/%06llu.tsq",
			    (unsigned long long)seq);
			xkey = exists(etk_case_dir(cmd->kase), rel) ? "query" :
			    NULL;
		}
	}
	report_entry(cmd, seq, "seal", sigs, n, xkey, rel);
	return status;
}

static int
do_keygen(struct etk_cmd *cmd, const struct opts *o)
{
	struct etk_error err = { 0 };
	const char *type = OV(o, OPT_TYPE) ? OV(o, OPT_TYPE) : "ed25519";
	char id[ETK_KEYID_MAX];
	struct etk_json j;
	struct etk_buf b;
	int rc;

	if ((rc = etk_key_generate(OV(o, OPT_OUT), OV(o, OPT_PUB), type, id,
	    &err)) != ETK_OK) {
		etk_cmd_error(cmd, &err);
		return fail_status(rc);
	}
	if (cmd->json) {
		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "key");
		etk_json_kstr(&j, "id", id);
		etk_json_kstr(&j, "type", type);
		etk_json_kstr(&j, "file", OV(o, OPT_OUT));
		etk_json_kstr(&j, "pub", OV(o, OPT_PUB));
		etk_json_obj_end(&j);
		etk_cmd_emit(cmd, &b);
		etk_buf_release(&b);
	} else if (!cmd->quiet)
		printf("%s\n", id);
	return ETK_EXIT_OK;
}

static int
do_transfer(struct etk_cmd *cmd, const struct opts *o)
{
	struct etk_error err = { 0 };
	struct etk_handover h;
	char sigs[2][80], id[ETK_KEYID_MAX], seal[32];
	uint64_t tseq = 0, sseq = 0;
	int rc;

	memset(&h, 0, sizeof(h));
	h.exhibit = OV(o, OPT_EXHIBIT);
	h.item = OV(o, OPT_ITEM);
	h.from.name = OV(o, OPT_FROM);
	h.from.role = OV(o, OPT_FROM_ROLE);
	h.from.org = OV(o, OPT_FROM_ORG);
	h.from.auth_ref = OV(o, OPT_FROM_AUTH);
	h.from.key_file = OV(o, OPT_FROM_KEY);
	h.to.name = OV(o, OPT_TO);
	h.to.role = OV(o, OPT_TO_ROLE);
	h.to.org = OV(o, OPT_TO_ORG);
	h.to.auth_ref = OV(o, OPT_TO_AUTH);
	h.to.key_file = OV(o, OPT_TO_KEY);
	h.location = OV(o, OPT_LOCATION);
	h.reason = OV(o, OPT_REASON);
	h.authority = OV(o, OPT_AUTHORITY);
	h.bag_seal = OV(o, OPT_BAG_SEAL);
	h.bag_seal_intact = yes_no(OV(o, OPT_SEAL_INTACT));
	h.new_bag_seal = OV(o, OPT_NEW_BAG_SEAL);
	h.note = OV(o, OPT_NOTE);
	rc = etk_case_transfer(cmd->kase, &h, &tseq, &sseq, &err);
	if (rc != ETK_OK)
		etk_cmd_error(cmd, &err);
	if (tseq != 0)
		report_entry(cmd, tseq, "transfer", NULL, 0, NULL, NULL);
	if (sseq != 0) {
		if (h.from.key_file == NULL)
			sig_file(sigs[0], sseq, etk_case_actor(cmd->kase));
		else if (etk_key_file_id(h.from.key_file, id, &err) == ETK_OK)
			sig_file(sigs[0], sseq, id);
		if (etk_key_file_id(h.to.key_file, id, &err) == ETK_OK)
			sig_file(sigs[1], sseq, id);
		snprintf(seal, sizeof(seal), "%llu", (unsigned long long)tseq);
		report_entry(cmd, sseq, "seal", sigs, 2, "transfer", seal);
	}
	return rc == ETK_OK ? ETK_EXIT_OK : fail_status(rc);
}

/* SHA-256 of lines 1..n of the journal. */
static int
prefix_digest(const char *jpath, uint64_t n, unsigned char md[32],
    struct etk_error *err)
{
	struct etk_hasher *h = NULL;
	struct etk_digests d;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t len;
	uint64_t k = 0;
	FILE *fp;
	int rc;

	if ((fp = fopen(jpath, "rb")) == NULL)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s'", jpath);
	if ((rc = etk_hasher_new(&h, ETK_DIGEST_SHA256, err)) != ETK_OK) {
		fclose(fp);
		return rc;
	}
	while (k < n && (len = getline(&line, &cap, fp)) > 0) {
		k++;
		if ((rc = etk_hasher_update(h, line, (size_t)len, err)) !=
		    ETK_OK)
			break;
	}
	fclose(fp);
	free(line);
	if (rc == ETK_OK && k < n)
		rc = etk_fail(err, ETK_ENOTFOUND, 0, "the journal has only "
		    "%llu lines", (unsigned long long)k);
	if (rc == ETK_OK && (rc = etk_hasher_final(h, &d, err)) == ETK_OK)
		for (i = 0; i < 32; i++) {
			unsigned v;

			sscanf(d.sha256 + 2 * i, "%2x", &v);
			md[i] = (unsigned char)v;
		}
	etk_hasher_free(h);
	return rc;
}

/* The seal --seal names, or the last seal whose token is not there. */
static int
waiting_seal(const char *dir, uint64_t want, uint64_t *found,
    struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_jval *doc;
	char *path, *line = NULL, rel[64];
	const char *type, *tsr;
	size_t cap = 0;
	ssize_t len;
	uint64_t k = 0;
	FILE *fp;

	*found = 0;
	if ((path = case_path(dir, "journal.jsonl")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "timestamp");
	fp = fopen(path, "rb");
	free(path);
	if (fp == NULL)
		return etk_fail(err, ETK_EIO, errno, "cannot open the journal");
	while ((len = getline(&line, &cap, fp)) > 0) {
		k++;
		if (want != 0 && k != want)
			continue;
		doc = NULL;
		if (etk_json_parse(line, (size_t)len - (line[len - 1] == '\n'),
		    &doc, &perr) == ETK_OK &&
		    (type = etk_jval_str(doc, "type")) != NULL &&
		    strcmp(type, "seal") == 0 &&
		    (tsr = etk_jval_str(doc, "tsr")) != NULL) {
			snprintf(rel, sizeof(rel), "seals/%06llu.tsr",
			    (unsigned long long)k);
			if (want != 0 || (strcmp(tsr, rel) == 0 &&
			    !exists(dir, rel)))
				*found = k;
		}
		etk_jval_free(doc);
	}
	fclose(fp);
	free(line);
	if (*found == 0) {
		if (want != 0)
			return etk_fail(err, ETK_ENOTFOUND, 0, "line %llu is "
			    "not a seal that names a time-stamp token",
			    (unsigned long long)want);
		return etk_fail(err, ETK_ENOTFOUND, 0, "no seal is waiting "
		    "for a time-stamp token");
	}
	return ETK_OK;
}

/* Ask url for a token over seal N's prefix; the reply goes through a
 * temporary file in seals/ to etk_case_seal_attach_tsr. */
static int
stamp_url(struct etk_cmd *cmd, uint64_t want, const char *url,
    const char *ca, uint64_t *seq, struct etk_error *err)
{
	const char *dir = etk_case_dir(cmd->kase);
	unsigned char md[32], *q = NULL, *reply = NULL;
	size_t qlen = 0, rlen = 0, off = 0;
	uint64_t n = 0;
	char *jpath, *tmp = NULL;
	ssize_t w;
	int rc, fd = -1;

	if ((rc = waiting_seal(dir, want, &n, err)) != ETK_OK)
		return rc;
	if ((jpath = case_path(dir, "journal.jsonl")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "timestamp");
	rc = prefix_digest(jpath, n, md, err);
	free(jpath);
	if (rc != ETK_OK)
		return rc;
	if ((rc = etk_tsa_query(md, &q, &qlen, err)) != ETK_OK ||
	    (rc = etk_tsa_post(url, q, qlen, &reply, &rlen, err)) != ETK_OK ||
	    (rc = etk_tsa_check(reply, rlen, md, q, qlen, NULL, NULL, err)) !=
	    ETK_OK)
		goto out;
	if ((tmp = case_path(dir, "seals/.tsa-reply-XXXXXX")) == NULL ||
	    (fd = mkstemp(tmp)) == -1) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot create a temporary "
		    "file in '%s/seals'", dir);
		goto out;
	}
	while (off < rlen) {
		if ((w = write(fd, reply + off, rlen - off)) <= 0) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot write '%s'",
			    tmp);
			goto out;
		}
		off += (size_t)w;
	}
	close(fd);
	fd = -1;
	rc = etk_case_seal_attach_tsr(cmd->kase, n, tmp, ca, seq, err);
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(q);
	free(reply);
	return rc;
}

static int
do_timestamp(struct etk_cmd *cmd, const struct opts *o, uint64_t want)
{
	struct etk_error err = { 0 };
	uint64_t seq = 0;
	int rc;

	if (OV(o, OPT_TSA_REPLY) != NULL)
		rc = etk_case_seal_attach_tsr(cmd->kase, want,
		    OV(o, OPT_TSA_REPLY), OV(o, OPT_TSA_CA), &seq, &err);
	else
		rc = stamp_url(cmd, want, OV(o, OPT_TSA_URL),
		    OV(o, OPT_TSA_CA), &seq, &err);
	if (rc != ETK_OK) {
		etk_cmd_error(cmd, &err);
		return fail_status(rc);
	}
	report_entry(cmd, seq, "note", NULL, 0, NULL, NULL);
	return ETK_EXIT_OK;
}

/* verify and manifest read the case without opening it. */
static const char *
case_dir_for(struct etk_cmd *cmd)
{
	if (cmd->case_dir != NULL)
		return cmd->case_dir;
	return etk_case_is_dir(".") ? "." : NULL;
}

struct vctx {
	struct etk_cmd *cmd;
	unsigned nfail, npending;
};

static const char *
status_word(int status, const char *message)
{
	if (status == ETK_OK)
		return "ok";
	if (status == ETK_ENOTFOUND && message != NULL &&
	    strncmp(message, "pending: ", 9) == 0)
		return "pending";
	return "FAILED";
}

static void
print_check(struct vctx *v, const char *what, uint64_t seal,
    const char *signer, const char *file, int status, const char *message)
{
	struct etk_json j;
	struct etk_buf b;
	const char *word = status_word(status, message);

	if (v->cmd->json) {
		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "check");
		etk_json_kstr(&j, "what", what);
		if (seal != 0)
			etk_json_kuint(&j, "seal", seal);
		etk_json_kstr(&j, "signer", signer);
		etk_json_kstr(&j, "file", file);
		etk_json_kstr(&j, "result", word);
		etk_json_kstr(&j, "message", message);
		etk_json_obj_end(&j);
		etk_cmd_emit(v->cmd, &b);
		etk_buf_release(&b);
		return;
	}
	if (v->cmd->quiet)
		return;
	if (seal != 0)
		printf("seal %llu ", (unsigned long long)seal);
	printf("%s%s%s: %s", what, file != NULL ? " " : "",
	    file != NULL ? file : "", word);
	if (strcmp(word, "pending") == 0)
		message += 9;	/* "pending: " said once */
	if (message == NULL || (status == ETK_OK && strcmp(message,
	    "verified") == 0))
		;
	else if (status == ETK_OK)
		printf(" (%s)", message);
	else
		printf(": %s", message);
	putchar('\n');
}

static void
on_check(void *arg, const struct etk_seal_check *c)
{
	struct vctx *v = arg;

	print_check(v, c->what, c->seal, c->signer, c->file, c->status,
	    c->message);
	if (c->status != ETK_OK) {
		if (strcmp(status_word(c->status, c->message), "pending") == 0)
			v->npending++;
		else
			v->nfail++;
	}
}

static int
do_verify(struct etk_cmd *cmd, const struct opts *o)
{
	struct etk_error err = { 0 }, serr = { 0 };
	const char *dir = case_dir_for(cmd);
	struct vctx v;
	uint64_t nlines = 0, bad = 0, nseals = 0;
	char *jpath, what[64];
	int crc, src;

	if (dir == NULL) {
		etk_warnx("no case: give --case DIR, set ETK_CASE or run "
		    "inside a case directory");
		return ETK_EXIT_FAILURE;
	}
	if (!etk_case_is_dir(dir)) {
		etk_warnx("'%s': not a case directory (no case.json and "
		    "journal.jsonl)", dir);
		return ETK_EXIT_FAILURE;
	}
	if ((jpath = case_path(dir, "journal.jsonl")) == NULL)
		return ETK_EXIT_FAILURE;
	memset(&v, 0, sizeof(v));
	v.cmd = cmd;
	crc = etk_journal_verify(jpath, &nlines, &bad, &err);
	if (crc == ETK_OK) {
		snprintf(what, sizeof(what), "%llu lines",
		    (unsigned long long)nlines);
		print_check(&v, "chain", 0, NULL, "journal.jsonl", ETK_OK,
		    what);
	} else
		print_check(&v, "chain", 0, NULL, "journal.jsonl",
		    ETK_EMISMATCH, err.msg);
	src = etk_journal_verify_seals(jpath, dir, dir, OV(o, OPT_TSA_CA),
	    &nseals, on_check, &v, &serr);
	free(jpath);
	if (!cmd->json && !cmd->quiet)
		printf("seals: %llu, failed checks: %u, pending time-stamps: "
		    "%u\n", (unsigned long long)nseals, v.nfail, v.npending);
	if (crc != ETK_OK) {
		etk_cmd_error(cmd, &err);
		return fail_status(crc);
	}
	if (src != ETK_OK) {
		etk_cmd_error(cmd, &serr);
		return fail_status(src);
	}
	return ETK_EXIT_OK;
}

static int
do_manifest(struct etk_cmd *cmd, const struct opts *o,
    enum etk_manifest_format fmt, uint64_t upto)
{
	struct etk_error err = { 0 };
	struct etk_manifest_opts mo;
	const char *dir = case_dir_for(cmd);
	struct etk_buf out;
	int rc, status = ETK_EXIT_OK;

	if (dir == NULL) {
		etk_warnx("no case: give --case DIR, set ETK_CASE or run "
		    "inside a case directory");
		return ETK_EXIT_FAILURE;
	}
	if (!etk_case_is_dir(dir)) {
		etk_warnx("'%s': not a case directory (no case.json and "
		    "journal.jsonl)", dir);
		return ETK_EXIT_FAILURE;
	}
	memset(&mo, 0, sizeof(mo));
	mo.upto = upto;
	mo.exhibit = OV(o, OPT_EXHIBIT);
	etk_buf_init(&out);
	if ((rc = etk_manifest_build(dir, fmt, &mo, &out, &err)) != ETK_OK) {
		etk_cmd_error(cmd, &err);
		status = fail_status(rc);
	} else if (out.oom) {
		etk_fail(&err, ETK_ENOMEM, ENOMEM, "manifest");
		etk_cmd_error(cmd, &err);
		status = ETK_EXIT_FAILURE;
	} else if (OV(o, OPT_OUT) != NULL) {
		if ((rc = etk_write_file_atomic(OV(o, OPT_OUT), out.data,
		    out.len, 0, NULL, &err)) != ETK_OK) {
			etk_cmd_error(cmd, &err);
			status = ETK_EXIT_FAILURE;
		}
	} else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0) {
		etk_fail(&err, ETK_EIO, errno, "cannot write the manifest to "
		    "standard output");
		etk_cmd_error(cmd, &err);
		status = ETK_EXIT_FAILURE;
	}
	etk_buf_release(&out);
	return status;
}

static const char *
opt_name(int id)
{
	size_t i;

	for (i = 0; i < sizeof(optsubs) / sizeof(optsubs[0]); i++)
		if (optsubs[i].id == id)
			return optsubs[i].name;
	return "?";
}

/* "'seal', 'transfer'" for a mask. */
static void
sub_list(unsigned mask, char *out, size_t len)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < SUB__COUNT; i++)
		if (mask & B(i))
			n += (size_t)snprintf(out + n, n < len ? len - n : 0,
			    "%s'%s'", n ? ", " : "", subnames[i]);
}

static unsigned
opt_subs(int id)
{
	size_t i;

	for (i = 0; i < sizeof(optsubs) / sizeof(optsubs[0]); i++)
		if (optsubs[i].id == id)
			return optsubs[i].subs;
	return 0;
}

static int
valid_note_type(const char *t)
{
	static const char *const types[] = { "note", "seize", "receive",
	    "store", "return", "destroy" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct etk_error err = { 0 };
	struct etk_cmd cmd;
	struct opts o;
	enum etk_manifest_format fmt = ETK_MANIFEST_JSON;
	const char *subname;
	char subs[128];
	uint64_t want = 0;
	enum sub sub;
	char **sargv;
	int ch, sargc, k, status = ETK_EXIT_OK;
	size_t i;

	if (etk_cmd_begin(&cmd, "etk-custody", argc, argv) != 0)
		return cmd.exit_now;
	memset(&o, 0, sizeof(o));
	/* Common options before the subcommand ('+': stop at it). */
	while ((ch = getopt_long(argc, argv, "+" ETK_COMMON_SHORTOPTS "o:",
	    longopts, NULL)) != -1) {
		if (ch == 'o')
			ch = OPT_OUT;
		if (ch >= OPT_NOTE && ch < OPT__END)
			return etk_cmd_usage_error(&cmd, usage, "option '--%s' "
			    "goes after the subcommand", opt_name(ch));
		if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
		    ETK_OPT_HANDLED)
			return etk_cmd_leave(&cmd, cmd.exit_now);
	}
	if (optind >= argc)
		return etk_cmd_usage_error(&cmd, usage, "no subcommand given");
	subname = argv[optind];
	for (k = 0; k < SUB__COUNT; k++)
		if (strcmp(subname, subnames[k]) == 0)
			break;
	if (k == SUB__COUNT)
		return etk_cmd_usage_error(&cmd, usage,
		    "unknown subcommand '%s'", subname);
	sub = (enum sub)k;

	/* The subcommand's own arguments, options anywhere among them. */
	sargc = argc - optind;
	sargv = argv + optind;
	/* the common options' messages quote what getopt parses now;
	 * the journal records argv as typed (cmd.argv0) */
	cmd.argc = sargc;
	cmd.argv = sargv;
	optind = 0;	/* glibc: start again, at sargv[1] */
	while ((ch = getopt_long(sargc, sargv, ETK_COMMON_SHORTOPTS "o:",
	    longopts, NULL)) != -1) {
		if (ch == 'o')
			ch = OPT_OUT;
		if (ch >= OPT_NOTE && ch < OPT__END) {
			if ((opt_subs(ch) & B(sub)) == 0) {
				sub_list(opt_subs(ch), subs, sizeof(subs));
				return etk_cmd_usage_error(&cmd, usage,
				    "option '--%s' is for %s only",
				    opt_name(ch), subs);
			}
			if (ch == OPT_COSIGN) {
				if (o.ncosign == COSIGN_MAX)
					return etk_cmd_usage_error(&cmd, usage,
					    "more than %d co-signers",
					    COSIGN_MAX);
				o.cosign[o.ncosign++] = optarg;
				continue;
			}
			if (OV(&o, ch) != NULL)
				return etk_cmd_usage_error(&cmd, usage,
				    "option '--%s' given twice", opt_name(ch));
			OV(&o, ch) = optarg;
			continue;
		}
		switch (ch) {
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	sargc -= optind;
	sargv += optind;

	/* Every check that needs no case, before anything is read. */
	if (sub != SUB_NOTE && sub != SUB_SHOW && sargc != 0)
		return etk_cmd_usage_error(&cmd, usage,
		    "unexpected argument '%s'", sargv[0]);
	if (OV(&o, OPT_SEAL_INTACT) != NULL &&
	    yes_no(OV(&o, OPT_SEAL_INTACT)) < 0)
		return etk_cmd_usage_error(&cmd, usage, "--seal-intact: "
		    "expected yes or no, not '%s'", OV(&o, OPT_SEAL_INTACT));
	for (i = 0; i < sizeof(o.val) / sizeof(o.val[0]); i++)
		if (o.val[i] != NULL && o.val[i][0] == '\0')
			return etk_cmd_usage_error(&cmd, usage, "option "
			    "'--%s' has an empty value",
			    opt_name((int)i + OPT_NOTE));
	switch (sub) {
	case SUB_LOG:
	case SUB_VERIFY:
		break;
	case SUB_SEAL:
		/* seal --tsa-reply: no new seal; the reply (to the query
		 * --tsq-out wrote) goes to the seal awaiting it */
		if (OV(&o, OPT_TSA_REPLY) != NULL &&
		    (OV(&o, OPT_TSA_URL) != NULL || OV(&o, OPT_TSQ_OUT) != NULL ||
		    OV(&o, OPT_NOTE) != NULL || OV(&o, OPT_COSIGN) != NULL))
			return etk_cmd_usage_error(&cmd, usage, "seal: "
			    "--tsa-reply attaches a reply to the seal awaiting "
			    "it and takes only --tsa-ca");
		break;
	case SUB_NOTE:
		if (OV(&o, OPT_TYPE) != NULL &&
		    !valid_note_type(OV(&o, OPT_TYPE)))
			return etk_cmd_usage_error(&cmd, usage, "note: bad "
			    "--type '%s' (note, seize, receive, store, "
			    "return, destroy)", OV(&o, OPT_TYPE));
		if (sargc == 1 && sargv[0][0] == '\0')
			return etk_cmd_usage_error(&cmd, usage,
			    "note: empty text");
		if (sargc == 0 && OV(&o, OPT_EXHIBIT) == NULL)
			return etk_cmd_usage_error(&cmd, usage,
			    "note: no text given");
		break;
	case SUB_SHOW:
		if (sargc > 1)
			return etk_cmd_usage_error(&cmd, usage,
			    "unexpected argument '%s'", sargv[1]);
		if (sargc == 1 && parse_seq(sargv[0], &want) != 0)
			return etk_cmd_usage_error(&cmd, usage,
			    "bad entry number '%s'", sargv[0]);
		break;
	case SUB_KEYGEN:
		if (OV(&o, OPT_OUT) == NULL)
			return etk_cmd_usage_error(&cmd, usage,
			    "keygen: no -o FILE given");
		if (OV(&o, OPT_TYPE) != NULL &&
		    strcmp(OV(&o, OPT_TYPE), "ed25519") != 0 &&
		    strcmp(OV(&o, OPT_TYPE), "p256") != 0)
			return etk_cmd_usage_error(&cmd, usage, "keygen: bad "
			    "--type '%s' (ed25519 or p256)", OV(&o, OPT_TYPE));
		break;
	case SUB_TRANSFER:
		if (OV(&o, OPT_EXHIBIT) == NULL || OV(&o, OPT_FROM) == NULL ||
		    OV(&o, OPT_TO) == NULL || OV(&o, OPT_TO_KEY) == NULL)
			return etk_cmd_usage_error(&cmd, usage, "transfer: "
			    "--exhibit, --from, --to and --to-key are "
			    "required");
		break;
	case SUB_TIMESTAMP:
		if ((OV(&o, OPT_TSA_URL) == NULL) ==
		    (OV(&o, OPT_TSA_REPLY) == NULL))
			return etk_cmd_usage_error(&cmd, usage, "timestamp: "
			    "give one of --tsa-url and --tsa-reply");
		if (OV(&o, OPT_SEAL) != NULL &&
		    parse_seq(OV(&o, OPT_SEAL), &want) != 0)
			return etk_cmd_usage_error(&cmd, usage,
			    "bad seal number '%s'", OV(&o, OPT_SEAL));
		break;
	case SUB_MANIFEST:
		if (OV(&o, OPT_FORMAT) != NULL &&
		    etk_manifest_format_parse(OV(&o, OPT_FORMAT), &fmt,
		    &err) != ETK_OK)
			return etk_cmd_usage_error(&cmd, usage, "manifest: bad "
			    "--format '%s' (json, case, dfxml, html)",
			    OV(&o, OPT_FORMAT));
		if (OV(&o, OPT_UPTO) != NULL &&
		    parse_seq(OV(&o, OPT_UPTO), &want) != 0)
			return etk_cmd_usage_error(&cmd, usage,
			    "bad entry number '%s'", OV(&o, OPT_UPTO));
		break;
	case SUB__COUNT:
		break;
	}

	/* keygen needs no case; verify and manifest read it unopened. */
	switch (sub) {
	case SUB_KEYGEN:
		return etk_cmd_end(&cmd, NULL, do_keygen(&cmd, &o));
	case SUB_VERIFY:
		return etk_cmd_end(&cmd, NULL, do_verify(&cmd, &o));
	case SUB_MANIFEST:
		return etk_cmd_end(&cmd, NULL, do_manifest(&cmd, &o, fmt,
		    want));
	default:
		break;
	}
	if (etk_cmd_open_case(&cmd) != 0)
		return etk_cmd_end(&cmd, NULL, cmd.exit_now);
	if (cmd.kase == NULL) {
		etk_warnx("no case: give --case DIR, set ETK_CASE or run "
		    "inside a case directory");
		return etk_cmd_end(&cmd, NULL, ETK_EXIT_FAILURE);
	}

	switch (sub) {
	case SUB_LOG:
	case SUB_SHOW:
		status = read_journal(&cmd, sub, want);
		break;
	case SUB_NOTE:
		status = do_note(&cmd, &o, sargc, sargv);
		break;
	case SUB_SEAL:
		status = OV(&o, OPT_TSA_REPLY) != NULL ?
		    do_timestamp(&cmd, &o, 0) : do_seal(&cmd, &o);
		break;
	case SUB_TRANSFER:
		status = do_transfer(&cmd, &o);
		break;
	case SUB_TIMESTAMP:
		status = do_timestamp(&cmd, &o, want);
		break;
	default:
		break;
	}
	/* The entries asked for are the journal: none for the run itself. */
	return etk_cmd_end(&cmd, NULL, status);
}

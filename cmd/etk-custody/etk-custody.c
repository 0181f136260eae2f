/*
 * etk-custody: the case journal (man/etk-custody.1, man/etk-journal.5).
 *
 *	log		one line per entry: SEQ TS TYPE ACTOR SUMMARY
 *			(--json: the journal lines as they are)
 *	note TEXT	append a note entry
 *	seal		append a seal entry and sign the journal up to it
 *	show [SEQ]	one entry, pretty-printed (default: the last)
 *
 * The case is the one named by --case, ETK_CASE or the current
 * directory; opening it verifies the whole chain first.  This command
 * records no journal entry of its own beyond the note or seal asked for.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"

enum {
	OPT_NOTE = ETK_OPT_FIRST_PRIVATE
};

enum sub { SUB_LOG, SUB_NOTE, SUB_SEAL, SUB_SHOW };

static void
usage(FILE *fp)
{
	static const char *const lines[] = {
		"[-hqV] [--case dir] [--json] log",
		"[-hqV] [--case dir] [--json] note text ...",
		"[-hqV] [--case dir] [--json] seal [--note text]",
		"[-hqV] [--case dir] [--json] show [seq]"
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
	    "  note TEXT           add a contemporaneous note\n"
	    "  seal                sign the journal up to a new seal entry\n"
	    "  show [SEQ]          print one entry (default: the last)\n"
	    "options:\n"
	    "      --note TEXT     (seal) a note in the seal entry\n", fp);
	etk_cmd_usage_common(fp);
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

/* The SUMMARY column of `log`. */
static void
entry_summary(const struct etk_jval *doc, const char *type,
    struct etk_buf *b)
{
	const struct etk_jval *v, *cv;
	const char *s;
	size_t n;

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
		if ((s = etk_jval_str(doc, "note")) != NULL) {
			etk_buf_adds(b, ": ");
			add_clean(b, s);
		}
		return;
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
			entry_summary(doc, type != NULL ? type : "", &out);
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

/* Text: "seq: N" and "head: SHA256"; JSON: a journal_entry record. */
static void
report_entry(struct etk_cmd *cmd, uint64_t seq, const char *type,
    const char *sig)
{
	struct etk_error err = { 0 };
	char head[65], *path;
	uint64_t hseq = 0;
	struct etk_json j;
	struct etk_buf b;

	head[0] = '\0';
	if ((path = malloc(strlen(etk_case_dir(cmd->kase)) + 16)) != NULL) {
		sprintf(path, "%s/journal.jsonl", etk_case_dir(cmd->kase));
		if (etk_journal_head(path, &hseq, head, &err) != ETK_OK ||
		    hseq != seq)
			head[0] = '\0';	/* someone appended since */
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
		if (sig != NULL)
			etk_json_kstr(&j, "sig_file", sig);
		etk_json_obj_end(&j);
		etk_cmd_emit(cmd, &b);
		etk_buf_release(&b);
	} else if (!cmd->quiet) {
		printf("seq: %llu\n", (unsigned long long)seq);
		if (head[0] != '\0')
			printf("head: %s\n", head);
		if (sig != NULL)
			printf("signature: %s\n", sig);
	}
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

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "note",	required_argument,	NULL, OPT_NOTE },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_error err = { 0 };
	struct etk_cmd cmd;
	struct etk_buf text, body;
	struct etk_json j;
	const char *subname, *note = NULL;
	char sig[64];
	uint64_t seq = 0, want = 0;
	enum sub sub;
	char **sargv;
	int ch, sargc, i, rc, status = ETK_EXIT_OK;

	if (etk_cmd_begin(&cmd, "etk-custody", argc, argv) != 0)
		return cmd.exit_now;
	/* Common options before the subcommand ('+': stop at it). */
	while ((ch = getopt_long(argc, argv, "+" ETK_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (ch == OPT_NOTE)
			return etk_cmd_usage_error(&cmd, usage,
			    "option '--note' goes after 'seal'");
		if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
		    ETK_OPT_HANDLED)
			return etk_cmd_leave(&cmd, cmd.exit_now);
	}
	if (optind >= argc)
		return etk_cmd_usage_error(&cmd, usage, "no subcommand given");
	subname = argv[optind];
	if (strcmp(subname, "log") == 0)
		sub = SUB_LOG;
	else if (strcmp(subname, "note") == 0)
		sub = SUB_NOTE;
	else if (strcmp(subname, "seal") == 0)
		sub = SUB_SEAL;
	else if (strcmp(subname, "show") == 0)
		sub = SUB_SHOW;
	else
		return etk_cmd_usage_error(&cmd, usage,
		    "unknown subcommand '%s'", subname);

	/* The subcommand's own arguments, options anywhere among them. */
	sargc = argc - optind;
	sargv = argv + optind;
	optind = 0;	/* glibc: start again, at sargv[1] */
	while ((ch = getopt_long(sargc, sargv, ETK_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_NOTE:
			if (sub != SUB_SEAL)
				return etk_cmd_usage_error(&cmd, usage,
				    "option '--note' is for 'seal' only");
			note = optarg;
			break;
		/* Messages here, as cmd.argv is not what optind counts. */
		case ':':
			if (optopt > 0 && optopt < 256)
				return etk_cmd_usage_error(&cmd, usage,
				    "option '-%c' needs an argument", optopt);
			return etk_cmd_usage_error(&cmd, usage,
			    "option '%s' needs an argument", sargv[optind - 1]);
		case '?':
			if (optopt > 0 && optopt < 256)
				return etk_cmd_usage_error(&cmd, usage,
				    "bad option '-%c'", optopt);
			return etk_cmd_usage_error(&cmd, usage,
			    "bad option '%s'", sargv[optind - 1]);
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	sargc -= optind;
	sargv += optind;
	switch (sub) {
	case SUB_LOG:
	case SUB_SEAL:
		if (sargc != 0)
			return etk_cmd_usage_error(&cmd, usage,
			    "unexpected argument '%s'", sargv[0]);
		break;
	case SUB_NOTE:
		if (sargc == 0)
			return etk_cmd_usage_error(&cmd, usage, "note: no text given");
		if (sargc == 1 && sargv[0][0] == '\0')
			return etk_cmd_usage_error(&cmd, usage, "note: empty text");
		break;
	case SUB_SHOW:
		if (sargc > 1)
			return etk_cmd_usage_error(&cmd, usage,
			    "unexpected argument '%s'", sargv[1]);
		if (sargc == 1 && parse_seq(sargv[0], &want) != 0)
			return etk_cmd_usage_error(&cmd, usage,
			    "bad entry number '%s'", sargv[0]);
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
		etk_buf_init(&text);
		etk_buf_init(&body);
		for (i = 0; i < sargc; i++) {
			if (i > 0)
				etk_buf_addc(&text, ' ');
			etk_buf_adds(&text, sargv[i]);
		}
		etk_json_init(&j, &body);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "note", text.data);
		etk_json_obj_end(&j);
		if (body.oom)
			status = ETK_EXIT_FAILURE;
		else if ((rc = etk_journal_append(cmd.kase, "note", -1, 0,
		    body.data, &seq, &err)) != ETK_OK) {
			etk_cmd_error(&cmd, &err);
			status = etk_exit_for(rc) == ETK_EXIT_MISMATCH ?
			    ETK_EXIT_MISMATCH : ETK_EXIT_FAILURE;
		} else
			report_entry(&cmd, seq, "note", NULL);
		etk_buf_release(&text);
		etk_buf_release(&body);
		break;
	case SUB_SEAL:
		if ((rc = etk_case_seal(cmd.kase, note, &seq, &err)) !=
		    ETK_OK) {
			etk_cmd_error(&cmd, &err);
			status = etk_exit_for(rc) == ETK_EXIT_MISMATCH ?
			    ETK_EXIT_MISMATCH : ETK_EXIT_FAILURE;
		} else {
			snprintf(sig, sizeof(sig), "seals/%06llu.%.16s.sig",
			    (unsigned long long)seq, etk_case_actor(cmd.kase) +
			    7);
			report_entry(&cmd, seq, "seal", sig);
		}
		break;
	}
	/* The note or seal is the journal entry: none for the run itself. */
	return etk_cmd_end(&cmd, NULL, status);
}

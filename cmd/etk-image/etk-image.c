/*
 * etk-image: acquire a block device, a dump file, split raw, an E01 or
 * standard input into E01 (libewf, EnCase 6) or raw (optionally split),
 * hashing MD5, SHA-1 and SHA-256 in the same pass, retrying and
 * zero-filling unreadable sectors, and writing the acquisition record
 * TARGET.json beside the image.  See man/etk-image.1.
 *
 * A logical container (TAR, ZIP, Android backup) also gets
 * TARGET.inventory.jsonl; an iOS backup folder is imaged as a tar stream
 * of the folder, with the inventory.
 *
 * Exit: 0 done; 1 failure (nothing usable, or the image is incomplete:
 * target full, source shrank, interrupted); 2 usage; 3 partial (read
 * errors zero-filled, members that could not be read, all else done);
 * 4 --verify mismatch.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/image.h>

#include "cmdutil.h"

enum {
	OPT_CASE_NUMBER = ETK_OPT_FIRST_PRIVATE,
	OPT_DESCRIPTION,
	OPT_EVIDENCE_NUMBER,
	OPT_EXAMINER,
	OPT_HASH,
	OPT_NOTES,
	OPT_PIECEWISE,
	OPT_RETRIES,
	OPT_VERIFY
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-hqV] [-f e01|raw] "
	    "[-c none|empty-block|fast|best] [-S segsize]\n"
	    "\t[--hash list] [--case-number text] [--evidence-number text]\n"
	    "\t[--examiner name] [--description text] [--notes text] "
	    "[--retries N]\n"
	    "\t[--piecewise size] [--verify] [-j N] [--case DIR] [--json] -o target source\n",
	    etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -f, --format e01|raw    output format (default e01)\n"
	    "  -c, --compress none|empty-block|fast|best\n"
	    "                          E01 compression (default none;\n"
	    "                          empty-block: only chunks of one\n"
	    "                          repeated byte)\n"
	    "  -S, --segment-size SIZE split the image into SIZE-byte files\n"
	    "                          (E01 default 1500M; raw: one file)\n"
	    "  -o, --output TARGET     write TARGET.E01... or TARGET.raw "
	    "and TARGET.json\n"
	    "      --hash LIST         digests of the media: md5,sha1,sha256 "
	    "(default all)\n"
	    "      --case-number TEXT  case number (E01 header and record)\n"
	    "      --evidence-number TEXT\n"
	    "                          evidence number\n"
	    "      --examiner NAME     examiner (default: the case's)\n"
	    "      --description TEXT  description of the evidence\n"
	    "      --notes TEXT        notes\n"
	    "      --retries N         re-reads of an unreadable sector "
	    "(default 2)\n"
	    "      --piecewise SIZE    also a SHA-256 of every SIZE bytes\n"
	    "      --verify            re-read the written image and "
	    "re-hash it\n", fp);
	etk_cmd_usage_common(fp);
}

static void
print_text(const struct etk_image_result *r, const char *source)
{
	const struct etk_jval *rec = NULL, *errs, *e;
	struct etk_error err = { 0 };
	size_t i;

	printf("source: %s\n", source);
	for (i = 0; i < r->nfiles; i++)
		printf("file: %s  %" PRIu64 " bytes  sha256 %s\n",
		    r->files[i].path, r->files[i].size, r->files[i].sha256);
	printf("record: %s  sha256 %s\n", r->record_path, r->record_sha256);
	printf("media size: %" PRIu64 " bytes\n", r->media_size);
	if (r->padding != 0)
		printf("padding: %" PRIu64 " zero bytes complete the last "
		    "sector (E01 holds whole sectors)\n", r->padding);
	if (r->media.md5[0] != '\0')
		printf("md5:    %s\n", r->media.md5);
	if (r->media.sha1[0] != '\0')
		printf("sha1:   %s\n", r->media.sha1);
	if (r->media.sha256[0] != '\0')
		printf("sha256: %s\n", r->media.sha256);
	if (r->nerrors == 0)
		printf("read errors: none\n");
	else {
		printf("read errors: %zu range(s), %" PRIu64
		    " bytes zero-filled\n", r->nerrors, r->bad_bytes);
		if (r->record != NULL && etk_json_parse(r->record,
		    strlen(r->record), (struct etk_jval **)&rec, &err) ==
		    ETK_OK && (errs = etk_jval_get(rec, "errors")) != NULL) {
			for (i = 0; i < errs->n; i++) {
				e = errs->items[i];
				printf("  sector %" PRId64 " count %" PRId64
				    " (offset %" PRId64 " length %" PRId64 ")\n",
				    etk_jval_get(e, "sector")->inum,
				    etk_jval_get(e, "sectors")->inum,
				    etk_jval_get(e, "offset")->inum,
				    etk_jval_get(e, "len")->inum);
			}
		}
		etk_jval_free((struct etk_jval *)rec);
	}
	if (r->dir_stream)
		printf("stream: tar made by etk-image of the folder: %" PRIu64
		    " members (%" PRIu64 " files)\n", r->stream_members,
		    r->stream_files);
	if (r->inventory_path != NULL)
		printf("inventory: %s  %" PRIu64 " members, %" PRIu64
		    " bytes, %" PRIu64 " unreadable  sha256 %s\n",
		    r->inventory_path, r->inv_members, r->inv_bytes,
		    r->inv_unreadable, r->inventory_sha256);
	if (r->verified)
		printf("verify: %s\n", r->verify_match ? "match" :
		    "MISMATCH");
	if (!r->complete)
		printf("status: INCOMPLETE (%s): the image does not hold the "
		    "whole source\n", r->reason != NULL ? r->reason : "?");
}

static int
parse_u(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 1000 || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "case-number",	required_argument, NULL,
		    OPT_CASE_NUMBER },
		{ "compress",		required_argument, NULL, 'c' },
		{ "description",	required_argument, NULL,
		    OPT_DESCRIPTION },
		{ "evidence-number",	required_argument, NULL,
		    OPT_EVIDENCE_NUMBER },
		{ "examiner",		required_argument, NULL, OPT_EXAMINER },
		{ "format",		required_argument, NULL, 'f' },
		{ "hash",		required_argument, NULL, OPT_HASH },
		{ "notes",		required_argument, NULL, OPT_NOTES },
		{ "output",		required_argument, NULL, 'o' },
		{ "piecewise",		required_argument, NULL, OPT_PIECEWISE },
		{ "retries",		required_argument, NULL, OPT_RETRIES },
		{ "segment-size",	required_argument, NULL, 'S' },
		{ "verify",		no_argument,	   NULL, OPT_VERIFY },
		{ NULL,			0,		   NULL, 0 }
	};
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	struct etk_progress *pg = NULL;
	struct sigaction sa;
	struct etk_cmd cmd;
	struct stat st;
	const char *target = NULL, *source;
	char *base = NULL;
	int ch, rc, status = ETK_EXIT_OK;
	size_t i;

	if (etk_cmd_begin(&cmd, "etk-image", argc, argv) != 0)
		return cmd.exit_now;
	/* Keep freed memory in the process: libewf and the per-thread
	 * arenas otherwise return and re-fault buffers for every chunk
	 * (madvise, page faults and TLB shootdowns were a fifth of the
	 * time of a compressed acquisition).  Memory stays bounded by the
	 * ring. */
	(void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_E01;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS "c:f:o:S:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (strcmp(optarg, "none") == 0)
				o.compression = ETK_IMAGE_COMP_NONE;
			else if (strcmp(optarg, "fast") == 0)
				o.compression = ETK_IMAGE_COMP_FAST;
			else if (strcmp(optarg, "best") == 0)
				o.compression = ETK_IMAGE_COMP_BEST;
			else if (strcmp(optarg, "empty-block") == 0)
				o.compression = ETK_IMAGE_COMP_EMPTY;
			else
				return etk_cmd_leave(&cmd,
				    etk_cmd_usage_error(&cmd, usage,
				    "bad compression '%s'", optarg));
			break;
		case 'f':
			if (strcmp(optarg, "e01") == 0 ||
			    strcmp(optarg, "E01") == 0)
				o.format = ETK_IMAGE_E01;
			else if (strcmp(optarg, "raw") == 0)
				o.format = ETK_IMAGE_RAW;
			else
				return etk_cmd_leave(&cmd,
				    etk_cmd_usage_error(&cmd, usage,
				    "bad format '%s'", optarg));
			break;
		case 'o':
			target = optarg;
			break;
		case 'S':
			if (etk_parse_size(optarg, &o.segment_size) != 0 ||
			    o.segment_size == 0)
				return etk_cmd_leave(&cmd,
				    etk_cmd_usage_error(&cmd, usage,
				    "bad segment size '%s'", optarg));
			break;
		case OPT_CASE_NUMBER:
			o.case_number = optarg;
			break;
		case OPT_DESCRIPTION:
			o.description = optarg;
			break;
		case OPT_EVIDENCE_NUMBER:
			o.evidence_number = optarg;
			break;
		case OPT_EXAMINER:
			o.examiner = optarg;
			break;
		case OPT_HASH:
			if (etk_digest_parse(optarg, &o.digests, &err) !=
			    ETK_OK || (o.digests & ETK_DIGEST_SSDEEP) ||
			    o.digests == 0)
				return etk_cmd_leave(&cmd,
				    etk_cmd_usage_error(&cmd, usage,
				    "bad digest list '%s' (md5,sha1,sha256)",
				    optarg));
			break;
		case OPT_NOTES:
			o.notes = optarg;
			break;
		case OPT_PIECEWISE:
			if (etk_parse_size(optarg, &o.piecewise) != 0 ||
			    o.piecewise == 0)
				return etk_cmd_leave(&cmd,
				    etk_cmd_usage_error(&cmd, usage,
				    "bad piecewise size '%s'", optarg));
			break;
		case OPT_RETRIES:
			if (parse_u(optarg, &o.retries) != 0)
				return etk_cmd_leave(&cmd,
				    etk_cmd_usage_error(&cmd, usage,
				    "bad retry count '%s'", optarg));
			o.retries_set = 1;
			break;
		case OPT_VERIFY:
			o.verify = 1;
			break;
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	argc -= optind;
	argv += optind;
	if (target == NULL)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "no target given (-o)"));
	if (argc < 1)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "no source given"));
	if (argc > 1)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "unexpected argument '%s'", argv[1]));
	if (o.format == ETK_IMAGE_E01 && o.segment_size != 0 &&
	    o.segment_size < (1u << 20))
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "E01 segment size must be at least 1M"));
	if (o.format == ETK_IMAGE_RAW && o.compression != ETK_IMAGE_COMP_NONE)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "raw output cannot be compressed"));
	source = argv[0];
	if ((base = etk_image_target_base(target)) == NULL) {
		etk_warnx("out of memory");
		return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
	}
	if (etk_cmd_open_case(&cmd) != 0) {
		free(base);
		return etk_cmd_leave(&cmd, cmd.exit_now);
	}
	if (o.examiner == NULL && cmd.kase != NULL)
		o.examiner = etk_case_examiner(cmd.kase);
	o.threads = cmd.threads > 0 ? cmd.threads : 1;
	o.argc = cmd.argc;
	o.argv = cmd.argv0;
	o.interrupt = &interrupted;

	/* Refuse an existing target before anything is read. */
	if (etk_image_check_target(base, &o, &err) != ETK_OK) {
		etk_cmd_error(&cmd, &err);
		free(base);
		return etk_cmd_end(&cmd, "acquire", ETK_EXIT_FAILURE);
	}
	/* Record the input (its files hashed in a case); a device or
	 * standard input is not read twice. */
	if (strcmp(source, "-") != 0 && stat(source, &st) == 0 &&
	    S_ISREG(st.st_mode))
		etk_cmd_input(&cmd, source);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (etk_progress_new(&pg, stderr, cmd.quiet ? ETK_PROGRESS_OFF :
	    cmd.progress, "image", 0, &err) != ETK_OK)
		pg = NULL;
	o.progress = pg;

	etk_error_clear(&err);
	rc = etk_image_acquire(source, base, &o, &r, &err);
	etk_progress_free(pg);
	if (rc != ETK_OK) {
		etk_cmd_error(&cmd, &err);
		status = ETK_EXIT_FAILURE;
	}
	if (r.record != NULL) {
		if (cmd.json) {
			struct etk_buf b;

			etk_buf_init(&b);
			etk_buf_adds(&b, r.record);
			etk_cmd_emit(&cmd, &b);
			etk_buf_release(&b);
		} else if (!cmd.quiet)
			print_text(&r, source);
	}
	for (i = 0; i < r.nfiles; i++)
		etk_cmd_output(&cmd, r.files[i].path, r.files[i].sha256[0] ?
		    r.files[i].sha256 : NULL, r.files[i].size, NULL);
	if (r.inventory_path != NULL && stat(r.inventory_path, &st) == 0)
		etk_cmd_output(&cmd, r.inventory_path, r.inventory_sha256,
		    (uint64_t)st.st_size, NULL);
	if (r.record_path != NULL && r.record != NULL)
		etk_cmd_output(&cmd, r.record_path, r.record_sha256,
		    strlen(r.record) + 1, NULL);

	if (r.record != NULL) {
		if (!r.complete) {
			etk_summary_add(cmd.sum, source, "source",
			    ETK_OUTCOME_ERROR, r.media_size, r.reason);
			if (rc == ETK_OK)
				etk_warnx("%s: the image is INCOMPLETE (%s)",
				    source, r.reason != NULL ? r.reason : "?");
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		} else if (r.nerrors > 0) {
			char why[96];

			snprintf(why, sizeof(why), "%" PRIu64 " unreadable "
			    "bytes zero-filled in %zu range(s)", r.bad_bytes,
			    r.nerrors);
			etk_summary_add(cmd.sum, source, "source",
			    ETK_OUTCOME_ERROR, r.media_size, why);
			etk_summary_add(cmd.sum, r.record_path, "image",
			    ETK_OUTCOME_OK, r.nfiles, NULL);
			status = etk_exit_worst(status, ETK_EXIT_PARTIAL);
		} else {
			etk_summary_add(cmd.sum, source, "source",
			    ETK_OUTCOME_OK, r.media_size, NULL);
			etk_summary_add(cmd.sum, r.record_path, "image",
			    ETK_OUTCOME_OK, r.nfiles, NULL);
		}
		if (r.stream_problems > 0) {
			/* A folder member read in part: zero-filled. */
			etk_warnx("%s: %s%s", source, r.stream_first_problem !=
			    NULL ? r.stream_first_problem : "?",
			    r.stream_problems > 1 ? " (and more: see the "
			    "record)" : "");
			etk_summary_add(cmd.sum, source, "directory",
			    ETK_OUTCOME_ERROR, r.stream_members,
			    r.stream_first_problem);
			status = etk_exit_worst(status, ETK_EXIT_PARTIAL);
		}
		if (r.inventory_path != NULL) {
			etk_summary_add(cmd.sum, r.inventory_path, "inventory",
			    r.inv_unreadable > 0 ? ETK_OUTCOME_ERROR :
			    ETK_OUTCOME_OK, r.inv_members, r.inv_first_bad);
			if (r.inv_unreadable > 0) {
				etk_warnx("cannot read member %s%s",
				    r.inv_first_bad != NULL ? r.inv_first_bad :
				    "?", r.inv_unreadable > 1 ? " (and more: "
				    "see the inventory)" : "");
				status = etk_exit_worst(status,
				    ETK_EXIT_PARTIAL);
			}
		}
		if (r.verified) {
			etk_summary_add(cmd.sum, r.files[0].path, "verify",
			    r.verify_match ? ETK_OUTCOME_OK :
			    ETK_OUTCOME_ERROR, 1, r.verify_match ? NULL :
			    "the image does not re-hash to the media digests");
			if (!r.verify_match) {
				etk_warnx("%s: verification FAILED: the "
				    "image does not re-hash to the media "
				    "digests", r.files[0].path);
				status = etk_exit_worst(status,
				    ETK_EXIT_MISMATCH);
			}
		}
	} else
		etk_summary_add(cmd.sum, source, "source", ETK_OUTCOME_ERROR, 0,
		    err.msg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		etk_fail(&err, ETK_EIO, errno, "write error");
		etk_cmd_error(&cmd, &err);
		status = etk_exit_worst(status, ETK_EXIT_FAILURE);
	}
	etk_image_result_release(&r);
	free(base);
	if (status == ETK_EXIT_MISMATCH)
		return etk_cmd_end(&cmd, "acquire", status) ==
		    ETK_EXIT_USAGE ? ETK_EXIT_USAGE : ETK_EXIT_MISMATCH;
	return etk_cmd_end(&cmd, "acquire", status);
}

/*
 * Unit tests for lib/manifest: a small case built through the public
 * API (genesis, an acquisition with its record file, a listing of the
 * ext4 fixture recorded in the case database, an extraction with byte
 * runs, a hand-over, a seal), then each format checked: JSON fields and
 * values, determinism (twice, and under another time zone and locale),
 * the journal prefix ("upto"), a broken chain refused, HTML without
 * script or URLs, DFXML well-formed (hostile names included) with byte
 * runs from the evidence, and a CASE graph without blank nodes whose
 * every IRI ends in a UUID.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <etk/etk.h>

static char base[256];		/* private temp dir for this run */
static char casedir[300];	/* the case every test reads */
static char ext4[600];		/* the ext4 fixture (evidence) */
static char media_sha256[65];
static uint64_t n_lines;	/* journal lines of the case */
static uint64_t seq_listing, seq_transfer;

static int
run_cmd(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

static int
run_cmd(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Build the manifest; returns the status, output in *out (caller frees). */
static int
build(const char *dir, enum etk_manifest_format f, uint64_t upto,
    const char *exhibit, char **out, size_t *len)
{
	struct etk_manifest_opts o;
	struct etk_error err = { 0 };
	struct etk_buf b;
	int rc;

	memset(&o, 0, sizeof(o));
	o.upto = upto;
	o.exhibit = exhibit;
	etk_buf_init(&b);
	rc = etk_manifest_build(dir, f, &o, &b, &err);
	if (rc != ETK_OK && getenv("ETK_TEST_VERBOSE") != NULL)
		fprintf(stderr, "manifest: %s\n", err.msg);
	if (len != NULL)
		*len = b.len;
	if (out != NULL)
		*out = etk_buf_detach(&b);
	etk_buf_release(&b);
	return rc;
}

static struct etk_jval *
build_json(uint64_t upto)
{
	struct etk_jval *v = NULL;
	struct etk_error err = { 0 };
	char *out;
	size_t len;

	assert_int_equal(build(casedir, ETK_MANIFEST_JSON, upto, NULL, &out,
	    &len), ETK_OK);
	assert_true(len > 0 && out[len - 1] == '\n');
	assert_int_equal(etk_json_parse(out, len - 1, &v, &err), ETK_OK);
	free(out);
	return v;
}

static const struct etk_jval *
get(const struct etk_jval *v, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (v != NULL && *path != '\0') {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (v->type == ETK_JARR && key[0] >= '0' && key[0] <= '9') {
			size_t i = strtoul(key, NULL, 10);

			v = i < v->n ? v->items[i] : NULL;
		} else
			v = v->type == ETK_JOBJ ? etk_jval_get(v, key) : NULL;
		path += n + (dot != NULL);
	}
	return v;
}

static const char *
gets_(const struct etk_jval *v, const char *path)
{
	const struct etk_jval *m = get(v, path);

	return m != NULL && m->type == ETK_JSTR ? m->str : NULL;
}

static int64_t
geti(const struct etk_jval *v, const char *path)
{
	const struct etk_jval *m = get(v, path);

	assert_non_null(m);
	assert_true(m->type == ETK_JNUM && m->is_int);
	return m->inum;
}

struct walkctx {
	struct etk_case *k;
	int64_t evid;
	uint64_t action;
	int n;
};

static int
on_entry(const struct etk_entry *e, void *arg)
{
	struct walkctx *w = arg;
	struct etk_error err = { 0 };

	if (etk_case_db_file(w->k, w->evid, w->action, e, NULL, &err) == ETK_OK)
		w->n++;
	return 0;
}

/* The case: genesis (1), acquire (2), analyse = listing of the ext4
 * fixture (3), extract with byte runs (4), transfer (5), seal (6). */
static void
make_case(void)
{
	static const char *const argv[] = { "etk-init", "c", "--case",
	    "OP-T" };
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	struct etk_evidence *ev = NULL;
	struct etk_buf b;
	struct walkctx w;
	struct etk_entry hostile;
	char path[700], rec[700], e01[700], e01sha[65], recsha[65],
	    ext4sha[65], actor[ETK_KEYID_MAX];
	uint64_t sz, recsz, seq, ext4sz;
	const char *fix = getenv("ETK_FIXTURES");
	int64_t evid, evid2;

	snprintf(casedir, sizeof(casedir), "%s/case", base);
	memset(&o, 0, sizeof(o));
	o.case_id = "OP-T";
	o.examiner = "T. Tester";
	o.agency = "Lab <North> & \"South\"";
	o.argv = argv;
	o.argc = 4;
	assert_int_equal(etk_case_init(casedir, &o, &err), ETK_OK);
	assert_int_equal(etk_case_open(&k, casedir, &err), ETK_OK);
	snprintf(actor, sizeof(actor), "%s", etk_case_actor(k));

	/* acquisition: a container file and the record etk-image writes */
	snprintf(path, sizeof(path), "%s/exhibits", casedir);
	mkdir(path, 0755);
	snprintf(e01, sizeof(e01), "%s/exhibits/EX-1.E01", casedir);
	write_file(e01, "EVF-container-bytes", 19);
	assert_int_equal(etk_file_sha256(e01, e01sha, &sz, &err), ETK_OK);
	snprintf(media_sha256, sizeof(media_sha256), "%s",
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	etk_buf_init(&b);
	etk_buf_printf(&b, "{\"record\":\"acquisition\",\"v\":"
	    "\"etk-acquisition/1\",\"complete\":true,\"interrupted\":false,"
	    "\"target\":{\"format\":\"e01\",\"compression\":\"none\","
	    "\"files\":[{\"path\":\"EX-1.E01\",\"size\":19,\"sha256\":\"%s\"}]},"
	    "\"source\":{\"path\":\"/dev/sdz\",\"kind\":\"device\",\"size\":4096,"
	    "\"sector_size\":512,\"model\":\"Phone X\",\"serial\":\"SN1\"},"
	    "\"media\":{\"size\":4096,\"md5\":\"098f6bcd4621d373cade4e832627b4f6\","
	    "\"sha1\":\"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3\",\"sha256\":\"%s\"},"
	    "\"errors\":[{\"sector\":3,\"sectors\":1,\"offset\":1536,\"len\":512}],"
	    "\"verify\":{\"method\":\"re-read and re-hash\",\"match\":true},"
	    "\"evidence_number\":\"EX-1\",\"description\":\"Phone X <script>\"}\n",
	    e01sha, media_sha256);
	snprintf(rec, sizeof(rec), "%s/exhibits/EX-1.json", casedir);
	write_file(rec, b.data, b.len);
	assert_int_equal(etk_file_sha256(rec, recsha, &recsz, &err), ETK_OK);
	etk_buf_reset(&b);
	etk_buf_printf(&b, "{\"tool\":{\"name\":\"etk-image\",\"version\":"
	    "\"0.1.0\",\"libs\":{\"libewf\":\"20140813\"},\"argv\":["
	    "\"etk-image\",\"-o\",\"exhibits/EX-1\",\"/dev/sdz\"]},"
	    "\"inputs\":[],\"outputs\":[{\"path\":\"%s\",\"sha256\":\"%s\","
	    "\"size\":19},{\"path\":\"%s\",\"sha256\":\"%s\",\"size\":%" PRIu64
	    "}],\"errors\":[],\"summary\":{\"record\":\"summary\",\"command\":"
	    "\"etk-image\",\"exit\":3,\"items\":[{\"scope\":\"/dev/sdz\","
	    "\"kind\":\"source\",\"status\":\"error\",\"count\":4096,"
	    "\"reason\":\"512 unreadable bytes zero-filled\"}]},\"exit\":3}",
	    e01, e01sha, rec, recsha, recsz);
	assert_int_equal(etk_journal_append(k, "acquire", 1700000000, 0,
	    b.data, &seq, &err), ETK_OK);
	assert_int_equal(seq, 2);

	/* listing of the ext4 fixture, rows in the case database */
	snprintf(ext4, sizeof(ext4), "%s/fs.ext4", fix != NULL ? fix : ".");
	assert_int_equal(etk_file_sha256(ext4, ext4sha, &ext4sz, &err),
	    ETK_OK);
	etk_buf_reset(&b);
	etk_buf_adds(&b, "{\"tool\":{\"name\":\"etk-ls\",\"version\":\"0.1.0\","
	    "\"argv\":[\"etk-ls\",\"-r\",\"fs.ext4\"]},\"inputs\":[{\"path\":");
	etk_json_quote(&b, ext4, strlen(ext4));
	etk_buf_printf(&b, ",\"format\":\"raw\",\"media_size\":%" PRIu64
	    ",\"files\":[{\"path\":", ext4sz);
	etk_json_quote(&b, ext4, strlen(ext4));
	etk_buf_printf(&b, ",\"size\":%" PRIu64 ",\"sha256\":\"%s\"}]}],"
	    "\"outputs\":[],\"errors\":[],\"summary\":{\"record\":\"summary\","
	    "\"command\":\"etk-ls\",\"exit\":0,\"items\":[{\"scope\":"
	    "\"fs.ext4\",\"kind\":\"ext4\",\"status\":\"ok\",\"count\":1,"
	    "\"reason\":null}]},\"exit\":0}", ext4sz, ext4sha);
	/* The rows are staged and take the entry's number when it is
	 * appended (after the commit below). */
	assert_int_equal(etk_case_db_begin(k, &err), ETK_OK);
	assert_int_equal(etk_case_db_evidence(k, "fs.ext4", ext4, "image",
	    ext4sz, ext4sha, &evid, &err), ETK_OK);
	assert_int_equal(etk_evidence_open(&ev, ext4, &err), ETK_OK);
	memset(&w, 0, sizeof(w));
	w.k = k;
	w.evid = evid;
	w.action = 0;
	assert_int_equal(etk_evidence_walk(ev, NULL, ETK_WALK_DEFAULT,
	    on_entry, &w, NULL, &err), ETK_OK);
	etk_evidence_close(ev);
	assert_true(w.n > 3);
	/* a second evidence item that is gone, with a hostile file name */
	assert_int_equal(etk_case_db_evidence(k, "missing.raw",
	    "/nonexistent/missing.raw", "image", 1024, NULL, &evid2, &err),
	    ETK_OK);
	memset(&hostile, 0, sizeof(hostile));
	hostile.locator = "missing.raw:/bad\x01name&<>\"'.txt";
	hostile.volume = -1;
	hostile.path = "/bad\x01name&<>\"'.txt\xff";
	hostile.name = "bad\x01name&<>\"'.txt\xff";
	hostile.size = 5;
	hostile.allocated = 1;
	hostile.meta_type = 'r';
	hostile.has_inode = 1;
	hostile.inode = 12;
	assert_int_equal(etk_case_db_file(k, evid2, 0, &hostile, NULL, &err),
	    ETK_OK);
	assert_int_equal(etk_case_db_commit(k, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "analyse", 1700000100, 0,
	    b.data, &seq_listing, &err), ETK_OK);

	/* extraction with byte runs */
	etk_buf_reset(&b);
	etk_buf_adds(&b, "{\"tool\":{\"name\":\"etk-extract\",\"version\":"
	    "\"0.1.0\",\"argv\":[\"etk-extract\"]},\"inputs\":[{\"path\":");
	etk_json_quote(&b, ext4, strlen(ext4));
	etk_buf_adds(&b, "}],\"outputs\":[{\"exhibit\":\"EX-1/F-000001\","
	    "\"path\":\"exhibits/F-000001_msgstore.db\",\"sha256\":"
	    "\"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752\","
	    "\"size\":5000,\"derived_from\":{\"locator\":\"fs.ext4:/x.db\","
	    "\"inode\":12,\"byte_runs\":[{\"img_offset\":1361920,\"len\":4096},"
	    "{\"img_offset\":2000000,\"len\":904}]}}],\"errors\":[],\"exit\":0}");
	assert_int_equal(etk_journal_append(k, "extract", -1, 0, b.data, &seq,
	    &err), ETK_OK);

	/* a hand-over, as etk_case_transfer writes it */
	etk_buf_reset(&b);
	etk_buf_printf(&b, "{\"exhibit\":\"EX-1\",\"item\":\"Phone <b>X</b> "
	    "IMEI 3520\",\"from\":{\"name\":\"DC Smith\",\"role\":\"exhibits "
	    "officer\",\"org\":\"Police\",\"auth_ref\":\"EO-77\"},\"to\":{"
	    "\"name\":\"T. Tester\",\"role\":\"examiner\",\"org\":\"Lab\","
	    "\"key\":\"%s\"},\"location\":\"Store B, locker 4\",\"reason\":"
	    "\"examination\",\"authority\":\"PACE s.19\",\"bag_seal\":"
	    "\"SEAL-123\",\"bag_seal_intact\":true,\"new_bag_seal\":"
	    "\"SEAL-124\",\"note\":\"see http://example.com/x\"}", actor);
	assert_int_equal(etk_journal_append(k, "transfer", -1, 0, b.data,
	    &seq_transfer, &err), ETK_OK);
	assert_int_equal(etk_case_seal(k, "end", &seq, &err), ETK_OK);
	n_lines = seq;
	etk_buf_release(&b);
	etk_case_close(k);
	/* a row of an action that is not in the journal: never in a
	 * manifest (written behind the library's back) */
	snprintf(path, sizeof(path), "sqlite3 '%s/etk.db' \"INSERT INTO "
	    "files(evidence_id, action, locator, path, name, size, allocated,"
	    " type) VALUES(%lld, 99, 'missing.raw:/later.txt', '/later.txt',"
	    " 'later.txt', 5, 1, 'r')\"", casedir, (long long)evid2);
	assert_int_equal(system(path), 0);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	const char *fix = getenv("ETK_FIXTURES");
	char p[600];
	struct stat st;

	(void)state;
	snprintf(p, sizeof(p), "%s/fs.ext4", fix != NULL ? fix : "");
	if (fix == NULL || stat(p, &st) != 0) {
		fprintf(stderr, "skip: fixtures not built\n");
		exit(77);
	}
	snprintf(base, sizeof(base), "%s/etk-test-manifest.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (getenv("ETK_KEEP_TMP") == NULL)
		run_cmd("rm -rf '%s'", base);
	return 0;
}

static void
test_format_parse(void **state)
{
	struct etk_error err = { 0 };
	enum etk_manifest_format f;

	(void)state;
	assert_int_equal(etk_manifest_format_parse("json", &f, &err), ETK_OK);
	assert_int_equal(f, ETK_MANIFEST_JSON);
	assert_int_equal(etk_manifest_format_parse("case", &f, &err), ETK_OK);
	assert_int_equal(f, ETK_MANIFEST_CASE);
	assert_int_equal(etk_manifest_format_parse("dfxml", &f, &err), ETK_OK);
	assert_int_equal(f, ETK_MANIFEST_DFXML);
	assert_int_equal(etk_manifest_format_parse("html", &f, &err), ETK_OK);
	assert_int_equal(f, ETK_MANIFEST_HTML);
	assert_int_equal(etk_manifest_format_parse("JSON", &f, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_manifest_format_parse("", &f, &err), ETK_EINVAL);
	assert_int_equal(etk_manifest_format_parse(NULL, &f, &err),
	    ETK_EINVAL);
}

static void
test_json(void **state)
{
	struct etk_error err = { 0 };
	struct etk_jval *v;
	const struct etk_jval *a, *x;
	char head[65], jpath[700];
	uint64_t hseq;
	size_t i;
	int found;

	(void)state;
	make_case();
	v = build_json(0);
	assert_string_equal(gets_(v, "format"), "etk-manifest/1");
	assert_string_equal(v->keys[0], "format");
	assert_string_equal(gets_(v, "case.id"), "OP-T");
	assert_string_equal(gets_(v, "case.examiner"), "T. Tester");
	/* the head: line count and the SHA-256 of the last line */
	snprintf(jpath, sizeof(jpath), "%s/journal.jsonl", casedir);
	assert_int_equal(etk_journal_head(jpath, &hseq, head, &err), ETK_OK);
	assert_int_equal(hseq, n_lines);
	assert_int_equal(geti(v, "head.lines"), (int64_t)n_lines);
	assert_string_equal(gets_(v, "head.sha256"), head);
	assert_string_equal(gets_(v, "journal.head_sha256"), head);
	/* keys: the examiner's, from genesis */
	assert_string_equal(gets_(v, "keys.0.name"), "T. Tester");
	assert_int_equal(geti(v, "keys.0.listed_in"), 1);
	/* the acquisition: media hashes from the verified record, the
	 * container file's own SHA-256 apart */
	assert_int_equal(geti(v, "acquisitions.0.seq"), 2);
	assert_string_equal(gets_(v, "acquisitions.0.exhibit"), "EX-1");
	assert_string_equal(gets_(v, "acquisitions.0.record.status"),
	    "verified");
	assert_string_equal(gets_(v, "acquisitions.0.media.sha256"),
	    media_sha256);
	assert_string_equal(gets_(v, "acquisitions.0.container.files.0.path"),
	    "EX-1.E01");
	assert_int_equal(geti(v, "acquisitions.0.errors.0.offset"), 1536);
	assert_true(get(v, "acquisitions.0.verification.match")->b);
	assert_int_equal(geti(v, "acquisitions.0.exit"), 3);
	/* evidence: container hash and the media as first read */
	assert_string_equal(gets_(v, "evidence.0.name"), "fs.ext4");
	assert_non_null(gets_(v, "evidence.0.container.sha256"));
	assert_string_equal(gets_(v, "evidence.0.first_input.input.format"),
	    "raw");
	/* actions: every journal line, tool and argv, statuses */
	a = get(v, "actions");
	assert_non_null(a);
	assert_int_equal(a->n, n_lines);
	assert_string_equal(gets_(v, "actions.1.tool.name"), "etk-image");
	assert_string_equal(gets_(v, "actions.1.tool.argv.3"), "/dev/sdz");
	assert_string_equal(gets_(v, "actions.1.summary.0.status"), "error");
	assert_string_equal(gets_(v, "actions.1.ts_start"),
	    "2023-11-14T22:13:20Z");
	assert_int_equal(geti(v, "actions.2.sealed_by"), (int64_t)n_lines);
	/* derived: byte runs and exhibit of the output */
	x = get(v, "derived");
	for (found = 0, i = 0; x != NULL && i < x->n; i++) {
		if (gets_(x->items[i], "exhibit") == NULL)
			continue;
		assert_string_equal(gets_(x->items[i], "exhibit"),
		    "EX-1/F-000001");
		assert_string_equal(gets_(x->items[i], "evidence"), "fs.ext4");
		assert_int_equal(geti(x->items[i],
		    "derived_from.byte_runs.1.img_offset"), 2000000);
		found = 1;
	}
	assert_true(found);
	/* database rows: the listing, not the later action's row */
	x = get(v, "records.files");
	assert_non_null(x);
	assert_true(x->n > 3);
	for (i = 0; i < x->n; i++)
		assert_null(strstr(gets_(x->items[i], "locator"), "later"));
	assert_string_equal(gets_(v, "records.files.0.fs_type"), "ext4");
	/* the hand-over, both parties */
	assert_int_equal(geti(v, "handovers.0.seq"), (int64_t)seq_transfer);
	assert_string_equal(gets_(v, "handovers.0.from.name"), "DC Smith");
	assert_string_equal(gets_(v, "handovers.0.from.auth_ref"), "EO-77");
	assert_string_equal(gets_(v, "handovers.0.to.name"), "T. Tester");
	assert_true(get(v, "handovers.0.to.key_known")->b);
	assert_string_equal(gets_(v, "handovers.0.location"),
	    "Store B, locker 4");
	assert_string_equal(gets_(v, "handovers.0.bag_seal"), "SEAL-123");
	assert_true(get(v, "handovers.0.bag_seal_intact")->b);
	assert_int_equal(geti(v, "handovers.0.sealed_by"), (int64_t)n_lines);
	/* seals */
	assert_int_equal(geti(v, "seals.0.seq"), (int64_t)n_lines);
	assert_string_equal(gets_(v, "seals.0.signers.0.name"), "T. Tester");
	assert_string_equal(gets_(v, "seals.0.line_sha256"), head);
	/* exhibits: sorted, each once */
	x = get(v, "exhibits");
	assert_non_null(x);
	for (i = 1; i < x->n; i++)
		assert_true(strcmp(gets_(x->items[i - 1], "exhibit"),
		    gets_(x->items[i], "exhibit")) < 0);
	etk_jval_free(v);
}

static void
test_exhibits(void **state)
{
	struct etk_error err = { 0 };
	char **names = NULL;
	size_t n = 0, i;

	(void)state;
	assert_int_equal(etk_manifest_exhibits(casedir, 0, &names, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "EX-1");
	assert_string_equal(names[1], "EX-1/F-000001");
	assert_string_equal(names[2], "fs.ext4");
	assert_string_equal(names[3], "missing.raw");
	for (i = 1; i < n; i++)
		assert_true(strcmp(names[i - 1], names[i]) < 0);
	etk_manifest_names_free(names, n);
	/* up to the acquisition: only its exhibit */
	assert_int_equal(etk_manifest_exhibits(casedir, 2, &names, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "EX-1");
	etk_manifest_names_free(names, n);
	etk_manifest_names_free(NULL, 0);
}

static void
test_determinism(void **state)
{
	static const enum etk_manifest_format fmts[] = { ETK_MANIFEST_JSON,
	    ETK_MANIFEST_CASE, ETK_MANIFEST_DFXML, ETK_MANIFEST_HTML };
	char *a, *b, *c;
	size_t la, lb, lc, i;
	const char *old_tz = getenv("TZ");
	char saved_tz[128];

	(void)state;
	snprintf(saved_tz, sizeof(saved_tz), "%s", old_tz != NULL ? old_tz :
	    "");
	for (i = 0; i < 4; i++) {
		const char *x = fmts[i] == ETK_MANIFEST_DFXML ? "fs.ext4" :
		    NULL;

		assert_int_equal(build(casedir, fmts[i], 0, x, &a, &la),
		    ETK_OK);
		assert_int_equal(build(casedir, fmts[i], 0, x, &b, &lb),
		    ETK_OK);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		setenv("TZ", "Pacific/Auckland", 1);
		tzset();
		setlocale(LC_ALL, "C");
		assert_int_equal(build(casedir, fmts[i], 0, x, &c, &lc),
		    ETK_OK);
		if (old_tz != NULL)
			setenv("TZ", saved_tz, 1);
		else
			unsetenv("TZ");
		tzset();
		assert_int_equal(la, lc);
		assert_memory_equal(a, c, la);
		free(a);
		free(b);
		free(c);
	}
}

static void
test_upto(void **state)
{
	struct etk_jval *v;
	char *out;

	(void)state;
	v = build_json(2);
	assert_int_equal(geti(v, "head.lines"), 2);
	assert_int_equal(geti(v, "journal.lines_in_file"), (int64_t)n_lines);
	assert_int_equal(get(v, "actions")->n, 2);
	assert_int_equal(get(v, "handovers")->n, 0);
	assert_int_equal(get(v, "seals")->n, 0);
	assert_int_equal(get(v, "records.files")->n, 0);
	assert_int_equal(get(v, "evidence")->n, 0);
	etk_jval_free(v);
	v = build_json(seq_transfer);
	assert_int_equal(get(v, "handovers")->n, 1);
	assert_int_equal(get(v, "seals")->n, 0);
	assert_null(get(v, "handovers.0.sealed_by.x"));
	assert_int_equal(get(v, "handovers.0.sealed_by")->type, ETK_JNULL);
	etk_jval_free(v);
	/* past the end of the journal */
	assert_int_equal(build(casedir, ETK_MANIFEST_JSON, n_lines + 1, NULL,
	    &out, NULL), ETK_EINVAL);
	free(out);
}

static void
test_broken_chain(void **state)
{
	static const char *const argv[] = { "etk-init" };
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	struct etk_buf out;
	char dir[400], j[500];
	uint64_t seq;
	int f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/broken", base);
	memset(&o, 0, sizeof(o));
	o.case_id = "OP-B";
	o.examiner = "B";
	o.argv = argv;
	o.argc = 1;
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_OK);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "note", -1, 0,
	    "{\"note\":\"exhibit received\"}", &seq, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "note", -1, 0,
	    "{\"note\":\"third\"}", &seq, &err), ETK_OK);
	etk_case_close(k);
	for (f = 0; f < 4; f++) {
		enum etk_manifest_format fmt = (enum etk_manifest_format)f;

		/* DFXML needs an evidence item; this case has none */
		etk_buf_init(&out);
		assert_int_equal(etk_manifest_build(dir, fmt, NULL, &out,
		    &err), fmt == ETK_MANIFEST_DFXML ? ETK_EINVAL : ETK_OK);
		etk_buf_release(&out);
	}
	/* change one byte of line 2 */
	snprintf(j, sizeof(j), "%s/journal.jsonl", dir);
	assert_int_equal(run_cmd("sed -i 's/exhibit received/exhibit recieved/' "
	    "'%s'", j), 0);
	for (f = 0; f < 4; f++) {
		enum etk_manifest_format fmt = (enum etk_manifest_format)f;

		etk_buf_init(&out);
		etk_buf_adds(&out, "keep");
		assert_int_equal(etk_manifest_build(dir, fmt, NULL, &out,
		    &err), ETK_EMISMATCH);
		/* nothing appended on failure */
		assert_int_equal(out.len, 4);
		etk_buf_release(&out);
	}
	/* even for a prefix before the change: the file does not verify */
	etk_buf_init(&out);
	{
		struct etk_manifest_opts mo = { 1, NULL };

		assert_int_equal(etk_manifest_build(dir, ETK_MANIFEST_JSON,
		    &mo, &out, &err), ETK_EMISMATCH);
	}
	etk_buf_release(&out);
	{
		char **names = NULL;
		size_t n = 0;

		assert_int_equal(etk_manifest_exhibits(dir, 0, &names, &n,
		    &err), ETK_EMISMATCH);
		assert_null(names);
	}
	/* not a case at all */
	etk_buf_init(&out);
	assert_int_not_equal(etk_manifest_build(base, ETK_MANIFEST_JSON, NULL,
	    &out, &err), ETK_OK);
	etk_buf_release(&out);
}

static struct etk_jval *
build_json_exhibit(const char *x)
{
	struct etk_jval *v = NULL;
	struct etk_error err = { 0 };
	char *out;
	size_t len;

	assert_int_equal(build(casedir, ETK_MANIFEST_JSON, 0, x, &out, &len),
	    ETK_OK);
	assert_int_equal(etk_json_parse(out, len - 1, &v, &err), ETK_OK);
	free(out);
	return v;
}

static int
has_action(const struct etk_jval *v, int64_t seq)
{
	const struct etk_jval *a = get(v, "actions");
	size_t i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (geti(a->items[i], "seq") == seq)
			return 1;
	return 0;
}

/* One exhibit only: its evidence, rows, acquisitions, hand-overs and the
 * entries that concern it (genesis and seals always). */
static void
test_one_exhibit(void **state)
{
	struct etk_jval *v;
	char *out;

	(void)state;
	v = build_json_exhibit("EX-1");
	assert_string_equal(gets_(v, "exhibit"), "EX-1");
	assert_int_equal(get(v, "exhibits")->n, 2);
	assert_string_equal(gets_(v, "exhibits.1.exhibit"), "EX-1/F-000001");
	assert_int_equal(get(v, "evidence")->n, 0);
	assert_int_equal(get(v, "records.files")->n, 0);
	assert_int_equal(get(v, "acquisitions")->n, 1);
	assert_int_equal(get(v, "handovers")->n, 1);
	assert_true(has_action(v, 1));
	assert_true(has_action(v, 2));
	assert_false(has_action(v, (int64_t)seq_listing));
	assert_true(has_action(v, (int64_t)seq_transfer));
	assert_true(has_action(v, (int64_t)n_lines));
	etk_jval_free(v);

	v = build_json_exhibit("fs.ext4");
	assert_int_equal(get(v, "evidence")->n, 1);
	assert_true(get(v, "records.files")->n > 3);
	assert_int_equal(get(v, "acquisitions")->n, 0);
	assert_int_equal(get(v, "handovers")->n, 0);
	assert_true(has_action(v, (int64_t)seq_listing));
	assert_false(has_action(v, 2));
	assert_false(has_action(v, (int64_t)seq_transfer));
	etk_jval_free(v);

	/* the whole case: exhibit null */
	v = build_json(0);
	assert_int_equal(get(v, "exhibit")->type, ETK_JNULL);
	etk_jval_free(v);

	assert_int_equal(build(casedir, ETK_MANIFEST_HTML, 0, "EX-9", &out,
	    NULL), ETK_ENOTFOUND);
	free(out);
	assert_int_equal(build(casedir, ETK_MANIFEST_CASE, 0, "EX-1", &out,
	    NULL), ETK_OK);
	assert_non_null(strstr(out, "exhibit EX-1 only"));
	assert_null(strstr(out, "etk-ls"));
	free(out);
}

static void
test_html(void **state)
{
	char *h;
	size_t len;

	(void)state;
	assert_int_equal(build(casedir, ETK_MANIFEST_HTML, 0, NULL, &h, &len),
	    ETK_OK);
	assert_int_equal(strlen(h), len);
	assert_non_null(strstr(h, "<!DOCTYPE html>"));
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<SCRIPT"));
	/* no URL, not even one recorded in a note (its "://" is written
	 * as a character reference: shown the same, never a link) */
	assert_null(strstr(h, "http://"));
	assert_null(strstr(h, "https://"));
	assert_non_null(strstr(h, "see http&#58;//example.com/x"));
	assert_null(strstr(h, "<link"));
	assert_null(strstr(h, "src="));
	/* escaped values */
	assert_non_null(strstr(h, "Phone &lt;b&gt;X&lt;/b&gt; IMEI 3520"));
	assert_null(strstr(h, "<b>X</b>"));
	assert_non_null(strstr(h, "Lab &lt;North&gt; &amp; &quot;South&quot;"));
	assert_non_null(strstr(h, "DC Smith"));
	assert_non_null(strstr(h, "SEAL-123"));
	assert_non_null(strstr(h, media_sha256));
	free(h);
}

static int
python_ok(void)
{
	return run_cmd("python3 -c 'import xml.etree.ElementTree' "
	    ">/dev/null 2>&1") == 0;
}

/* Elements balanced and attribute quotes closed: a small check that
 * works without python or xmllint. */
static void
xml_balanced(const char *s)
{
	char stack[64][64];
	int depth = 0;
	const char *p, *q;
	size_t n;

	for (p = s; (p = strchr(p, '<')) != NULL; p++) {
		if (p[1] == '?' || p[1] == '!') {
			q = strstr(p, p[1] == '?' ? "?>" : "-->");
			assert_non_null(q);
			p = q;
			continue;
		}
		q = strchr(p, '>');
		assert_non_null(q);
		assert_null(memchr(p + 1, '<', (size_t)(q - p - 1)));
		if (p[1] == '/') {
			n = strcspn(p + 2, " >");
			assert_true(depth > 0);
			depth--;
			assert_int_equal(strlen(stack[depth]), n);
			assert_memory_equal(stack[depth], p + 2, n);
		} else if (q[-1] != '/') {
			n = strcspn(p + 1, " >\n");
			assert_true(n < 64 && depth < 64);
			snprintf(stack[depth++], 64, "%.*s", (int)n, p + 1);
		}
		p = q;
	}
	assert_int_equal(depth, 0);
	for (p = s; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
}

static void
test_dfxml(void **state)
{
	char *x, path[600];
	size_t len;

	(void)state;
	/* two evidence items: one must be named */
	assert_int_equal(build(casedir, ETK_MANIFEST_DFXML, 0, NULL, &x,
	    &len), ETK_EINVAL);
	free(x);
	assert_int_equal(build(casedir, ETK_MANIFEST_DFXML, 0, "nope", &x,
	    &len), ETK_ENOTFOUND);
	free(x);

	assert_int_equal(build(casedir, ETK_MANIFEST_DFXML, 0, "fs.ext4", &x,
	    &len), ETK_OK);
	assert_non_null(strstr(x, "<dfxml "));
	assert_non_null(strstr(x, "xmloutputversion=\"1.0\""));
	assert_non_null(strstr(x, "<program>etk</program>"));
	assert_non_null(strstr(x, "<command_line>etk-ls -r fs.ext4"));
	assert_null(strstr(x, "<host>"));
	assert_non_null(strstr(x, "<image_filename>"));
	assert_non_null(strstr(x, "<fileobject>"));
	assert_non_null(strstr(x, "<byte_run file_offset=\"0\" img_offset="));
	assert_non_null(strstr(x, "<inode>"));
	assert_null(strstr(x, "not available"));
	xml_balanced(x);
	snprintf(path, sizeof(path), "%s/fs.xml", base);
	write_file(path, x, len);
	if (python_ok())
		assert_int_equal(run_cmd("python3 -c 'import sys, "
		    "xml.etree.ElementTree as E; E.parse(sys.argv[1])' '%s'",
		    path), 0);
	free(x);

	/* the evidence that is gone: runs omitted, said once; hostile name
	 * escaped; the later action's row left out */
	assert_int_equal(build(casedir, ETK_MANIFEST_DFXML, 0, "missing.raw",
	    &x, &len), ETK_OK);
	assert_non_null(strstr(x, "<!-- the evidence file is not available"));
	assert_null(strstr(x, "<byte_run "));
	assert_non_null(strstr(x, "bad\xef\xbf\xbdname&amp;&lt;&gt;&quot;"));
	assert_null(strstr(x, "later.txt"));
	xml_balanced(x);
	snprintf(path, sizeof(path), "%s/missing.xml", base);
	write_file(path, x, len);
	if (python_ok())
		assert_int_equal(run_cmd("python3 -c 'import sys, "
		    "xml.etree.ElementTree as E; E.parse(sys.argv[1])' '%s'",
		    path), 0);
	free(x);

	/* an exhibit number with no evidence row: the acquisition's media */
	assert_int_equal(build(casedir, ETK_MANIFEST_DFXML, 0, "EX-1", &x,
	    &len), ETK_OK);
	assert_non_null(strstr(x, media_sha256));
	assert_non_null(strstr(x, "EX-1.E01</image_filename>"));
	xml_balanced(x);
	free(x);
}

/* Two evidence items with the same name: DFXML of that name holds
 * both (named apart), and paths with "--" keep comments well-formed. */
static void
test_dfxml_same_name(void **state)
{
	static const char *const argv[] = { "etk-init" };
	static const char *const paths[] = { "/nonexistent/a--b/img.raw-",
	    "/nonexistent/c/img.raw" };
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	struct etk_entry e;
	struct etk_buf b;
	char dir[400], path[500], *x;
	uint64_t seq;
	int64_t evid;
	size_t len, i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/dup", base);
	memset(&o, 0, sizeof(o));
	o.case_id = "OP-D";
	o.examiner = "D";
	o.argv = argv;
	o.argc = 1;
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_OK);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	etk_buf_init(&b);
	etk_buf_printf(&b, "{\"inputs\":[{\"path\":\"%s\"},{\"path\":"
	    "\"%s\"}],\"exit\":0}", paths[0], paths[1]);
	assert_int_equal(etk_case_db_begin(k, &err), ETK_OK);
	for (i = 0; i < 2; i++) {
		assert_int_equal(etk_case_db_evidence(k, "img.raw", paths[i],
		    "image", 512, NULL, &evid, &err), ETK_OK);
		memset(&e, 0, sizeof(e));
		e.locator = i == 0 ? "img.raw:/one" : "img.raw:/two";
		e.volume = -1;
		e.path = i == 0 ? "/one" : "/two";
		e.name = e.path + 1;
		e.size = 1;
		e.allocated = 1;
		e.meta_type = 'r';
		assert_int_equal(etk_case_db_file(k, evid, 0, &e, NULL, &err),
		    ETK_OK);
	}
	assert_int_equal(etk_case_db_commit(k, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "analyse", -1, 0, b.data, &seq,
	    &err), ETK_OK);
	etk_buf_release(&b);
	etk_case_close(k);
	assert_int_equal(build(dir, ETK_MANIFEST_DFXML, 0, "img.raw", &x,
	    &len), ETK_OK);
	assert_non_null(strstr(x, "<filename>one</filename>"));
	assert_non_null(strstr(x, "<filename>two</filename>"));
	assert_non_null(strstr(x, "<etk:image_filename>/nonexistent/c/img.raw"
	    "</etk:image_filename>"));
	/* in text as it is; in the comment without "--" */
	assert_non_null(strstr(x, "<image_filename>/nonexistent/a--b/img.raw-"
	    "</image_filename>"));
	assert_non_null(strstr(x, "(/nonexistent/a- -b/img.raw- ) is not "
	    "available"));
	xml_balanced(x);
	snprintf(path, sizeof(path), "%s/dup.xml", base);
	write_file(path, x, len);
	if (python_ok())
		assert_int_equal(run_cmd("python3 -c 'import sys, "
		    "xml.etree.ElementTree as E; E.parse(sys.argv[1])' '%s'",
		    path), 0);
	free(x);
	/* one of them by path */
	assert_int_equal(build(dir, ETK_MANIFEST_DFXML, 0, paths[1], &x,
	    &len), ETK_OK);
	assert_null(strstr(x, "<filename>one</filename>"));
	assert_non_null(strstr(x, "<filename>two</filename>"));
	free(x);
}

static int
is_uuid5(const char *s)
{
	int i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[14] == '5' && strchr("89ab", s[19]) != NULL;
}

static void
test_case_graph(void **state)
{
	struct etk_jval *v = NULL;
	struct etk_error err = { 0 };
	const char *p, *q;
	char *g, *g2, path[600];
	size_t len, len2, nids = 0;
	int rc;

	(void)state;
	assert_int_equal(build(casedir, ETK_MANIFEST_CASE, 0, NULL, &g, &len),
	    ETK_OK);
	assert_int_equal(etk_json_parse(g, len, &v, &err), ETK_OK);
	assert_non_null(etk_jval_get(v, "@context"));
	assert_non_null(etk_jval_get(v, "@graph"));
	etk_jval_free(v);
	assert_null(strstr(g, "\"_:"));
	/* every @id ends in a UUID (v5, RFC 4122 variant) */
	for (p = g; (p = strstr(p, "\"@id\":\"")) != NULL; p = q) {
		p += 7;
		q = strchr(p, '"');
		assert_non_null(q);
		assert_true(q - p > 36);
		assert_true(is_uuid5(q - 36));
		assert_int_equal(strncmp(p, "kb:", 3), 0);
		nids++;
	}
	assert_true(nids > 50);
	/* what must be there */
	assert_non_null(strstr(g, "\"case-investigation:Investigation\""));
	assert_non_null(strstr(g, "\"uco-core:name\":\"transferred\""));
	assert_non_null(strstr(g, "\"uco-core:name\":\"acquired\""));
	assert_non_null(strstr(g, "\"uco-core:name\":\"extracted\""));
	assert_non_null(strstr(g, "\"uco-observable:rangeOffset\":1361920"));
	assert_non_null(strstr(g, "\"uco-observable:rangeOffset\":2000000"));
	assert_non_null(strstr(g, "\"case-investigation:exhibitNumber\":"
	    "\"EX-1/F-000001\""));
	assert_non_null(strstr(g, "\"case-investigation:rootExhibitNumber\":"
	    "\"EX-1\""));
	assert_non_null(strstr(g, "\"uco-observable:ExtInodeFacet\""));
	assert_non_null(strstr(g, "{\"@type\":\"xsd:hexBinary\",\"@value\":\""));
	assert_non_null(strstr(g, media_sha256));
	assert_non_null(strstr(g, "{\"@type\":\"xsd:dateTime\",\"@value\":"
	    "\"2023-11-14T22:13:20Z\"}"));
	assert_non_null(strstr(g, "\"uco-location:Location\""));
	assert_non_null(strstr(g, "\"uco-observable:serialNumber\":\"SN1\""));
	assert_non_null(strstr(g, "\"uco-action:participant\""));
	/* the same case, the same graph; another case id, other IRIs */
	assert_int_equal(build(casedir, ETK_MANIFEST_CASE, 0, NULL, &g2,
	    &len2), ETK_OK);
	assert_int_equal(len, len2);
	assert_memory_equal(g, g2, len);
	free(g2);
	/* the SHACL validator, when it can run here */
	snprintf(path, sizeof(path), "%s/case.jsonld", base);
	write_file(path, g, len);
	free(g);
	if (getenv("ETK_CASE_VALIDATE") != NULL) {
		rc = run_cmd("'%s' '%s'", getenv("ETK_CASE_VALIDATE"), path);
		assert_true(rc == 0 || rc == 2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_json),	/* builds the case */
		cmocka_unit_test(test_exhibits),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_upto),
		cmocka_unit_test(test_one_exhibit),
		cmocka_unit_test(test_broken_chain),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_dfxml),
		cmocka_unit_test(test_dfxml_same_name),
		cmocka_unit_test(test_case_graph),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

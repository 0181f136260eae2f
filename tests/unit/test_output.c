/* Unit tests: output writers (lib/output): exact bytes of every format,
 * and the real readers (hashdeep -a, python3 csv, XML parsers) accept
 * what is written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <etk/output.h>

#define NREC 6
#define MASK3 (ETK_DIGEST_MD5 | ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256)

/* The odd name: comma, quotes, LF, non-ASCII (é), a control byte. */
#define ODD_PATH "/we,ird \"q\"\nline \xc3\xa9\x01.txt"
#define ODD_NAME "we,ird \"q\"\nline \xc3\xa9\x01.txt"

struct fixture {
	struct etk_entry e[NREC];
	struct etk_digests d[NREC];
	struct etk_file_record r[NREC];
	struct etk_byte_run runs[2];
};

static const char *const known_nsrl[] = { "nsrl" };
static const char *const alert_two[] = { "csam", "bad,set" };

static void
digests(struct etk_digests *d, const char *md5, const char *sha1,
    const char *sha256)
{
	memset(d, 0, sizeof(*d));
	d->mask = MASK3;
	strcpy(d->md5, md5);
	strcpy(d->sha1, sha1);
	strcpy(d->sha256, sha256);
}

/* Six files: content "hello\n", "x", "", "abc", (unreadable), "jpeg". */
static void
fixture_init(struct fixture *f)
{
	struct etk_entry *e;
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < NREC; i++) {
		e = &f->e[i];
		e->source = "disk.raw";
		e->volume = 2;
		e->fs_type = "ntfs";
		e->has_inode = 1;
		e->allocated = 1;
		e->uid = e->gid = -1;
		e->name_type = e->meta_type = 'r';
		f->r[i].entry = e;
		f->r[i].digests = &f->d[i];
	}
	/* 0: a normal file. */
	e = &f->e[0];
	e->locator = "disk.raw:p2:/docs/report.pdf";
	e->inode = 12;
	e->path = "/docs/report.pdf";
	e->name = "report.pdf";
	e->size = 6;
	e->times = ETK_TIME_M | ETK_TIME_A | ETK_TIME_C;
	e->mtime = 1383065788;
	e->mtime_ns = 38000000;
	e->atime = 1383065790;
	e->ctime = 1383065788;
	digests(&f->d[0], "b1946ac92492d2347c6235b4d2611184",
	    "f572d396fae9206628714fb2ce00f72e94f2258f",
	    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	f->r[0].mime = "text/plain";
	/* 1: deleted, named by inode, known, with byte runs. */
	e = &f->e[1];
	e->locator = "disk.raw:p2:i45";
	e->inode = 45;
	e->path = "/old/gone.txt";
	e->name = "gone.txt";
	e->size = 1;
	e->allocated = 0;
	e->deleted = 1;
	e->times = ETK_TIME_M | ETK_TIME_CR;
	e->mtime = 0;
	e->crtime = 1700000000;
	digests(&f->d[1], "9dd4e461268c8034f5c8564e155c67a6",
	    "11f6ad8ec52a2984abaafd7c3b516503785c2072",
	    "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
	f->r[1].mime = "text/plain";
	f->r[1].known = known_nsrl;
	f->r[1].nknown = 1;
	f->runs[0].file_offset = 0;
	f->runs[0].img_offset = 1048576;
	f->runs[0].len = 4096;
	f->runs[1].file_offset = 4096;
	f->runs[1].img_offset = 2097152;
	f->runs[1].len = 512;
	f->r[1].runs = f->runs;
	f->r[1].nruns = 2;
	/* 2: an NTFS alternate data stream, empty, two alert sets. */
	e = &f->e[2];
	e->locator = "disk.raw:p2:i64-128-3";
	e->inode = 64;
	e->has_attr = 1;
	e->attr_type = 128;
	e->attr_id = 3;
	e->path = "/a/b.txt:secret";
	e->name = "b.txt:secret";
	e->size = 0;
	digests(&f->d[2], "d41d8cd98f00b204e9800998ecf8427e",
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	f->r[2].mime = "inode/x-empty";
	f->r[2].alert = alert_two;
	f->r[2].nalert = 2;
	/* 3: the odd name (inside a nested ZIP). */
	e = &f->e[3];
	e->locator = "disk.raw:p2:/x.zip!/we,ird \"q\"%0Aline \xc3\xa9%01.txt";
	e->parent = "disk.raw:p2:/x.zip";
	e->has_inode = 0;
	e->path = ODD_PATH;
	e->name = ODD_NAME;
	e->size = 3;
	digests(&f->d[3], "900150983cd24fb0d6963f7d28e17f72",
	    "a9993e364706816aba3e25717850c26c9cd0d89d",
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 4: unreadable: no digests, a reason; directory evidence. */
	e = &f->e[4];
	e->locator = "dir:/bad<&>.bin";
	e->source = "dir";
	e->volume = -1;
	e->fs_type = "directory";
	e->has_inode = 0;
	e->path = "/bad<&>.bin";
	e->name = "bad<&>.bin";
	e->size = 8192;
	f->r[4].digests = NULL;
	f->r[4].status = ETK_EIO;
	f->r[4].reason = "read at offset 4096: Input/output error";
	/* 5: a JPEG named .dll whose name starts a spreadsheet formula. */
	e = &f->e[5];
	e->locator = "disk.raw:p2:/=evil.dll";
	e->inode = 99;
	e->path = "/=evil.dll";
	e->name = "=evil.dll";
	e->size = 4;
	digests(&f->d[5], "ab4f3ccba74857c5f2ba0d5b7dbf65e1",
	    "14993722cfd06f0e85fcc82a9dc489400beeabb9",
	    "41e5787e9f28562d07b891b1816b492309d646c0f2829743fa4963a9f9cc1d61");
	f->r[5].mime = "image/jpeg";
	f->r[5].ext_mismatch = 1;
}

static char *const test_argv[] = { "etk-hash", "-c", "md5,sha1,sha256",
	"--format", "x", "disk.raw", NULL };

/* Write all fixture records in format fmt; returns the bytes (free). */
static char *
render(enum etk_format fmt, unsigned mask)
{
	struct etk_writer_info info = { "etk-hash", mask, 6, test_argv };
	struct etk_error err = { 0 };
	struct etk_writer *w = NULL;
	struct fixture f;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;
	int i;

	fixture_init(&f);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	if (etk_writer_new(&w, fmt, fp, &info, &err) != ETK_OK)
		fail_msg("new: %s", err.msg);
	assert_int_equal(etk_writer_source(w, "disk.raw", "/ev/disk.raw",
	    1048576 * 4, &err), ETK_OK);
	for (i = 0; i < NREC; i++)
		if (etk_writer_file(w, &f.r[i], &err) != ETK_OK)
			fail_msg("file %d: %s", i, err.msg);
	assert_int_equal(etk_writer_finish(w, &err), ETK_OK);
	etk_writer_free(w);
	fclose(fp);
	return out;
}

static void
check_same(const char *what, const char *got, const char *want)
{
	size_t i;

	if (strcmp(got, want) == 0)
		return;
	for (i = 0; got[i] == want[i]; i++)
		;
	fail_msg("%s differs at byte %zu:\n--- got ---\n%s\n--- want ---\n%s",
	    what, i, got, want);
}

/* Run a shell command; its exit status, or -1. */
static int
run(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return run(cmd) == 0;
}

static void
save(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static char *
tempdir(void)
{
	char tmpl[] = "/tmp/etk-test-output.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void
rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)run(cmd);
}

/* ---- exact bytes ---- */

#define H0 "b1946ac92492d2347c6235b4d2611184 " \
	"f572d396fae9206628714fb2ce00f72e94f2258f " \
	"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define H1 "9dd4e461268c8034f5c8564e155c67a6 " \
	"11f6ad8ec52a2984abaafd7c3b516503785c2072 " \
	"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
#define H2 "d41d8cd98f00b204e9800998ecf8427e " \
	"da39a3ee5e6b4b0d3255bfef95601890afd80709 " \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define H3 "900150983cd24fb0d6963f7d28e17f72 " \
	"a9993e364706816aba3e25717850c26c9cd0d89d " \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define H5 "ab4f3ccba74857c5f2ba0d5b7dbf65e1 " \
	"14993722cfd06f0e85fcc82a9dc489400beeabb9 " \
	"41e5787e9f28562d07b891b1816b492309d646c0f2829743fa4963a9f9cc1d61"

static void
test_text(void **state)
{
	static const char want[] =
	    H0 "  disk.raw:p2:/docs/report.pdf\tmime=text/plain\n"
	    H1 "  disk.raw:p2:i45\tmime=text/plain\tknown=nsrl\n"
	    H2 "  disk.raw:p2:i64-128-3\tmime=inode/x-empty"
	    "\talert=csam,bad,set\n"
	    H3 "  disk.raw:p2:/x.zip!/we,ird \"q\"%0Aline \xc3\xa9%01.txt\n"
	    "- - -  dir:/bad<&>.bin"
	    "\terror=read at offset 4096: Input/output error\n"
	    H5 "  disk.raw:p2:/=evil.dll\tmime=image/jpeg\text_mismatch\n";
	char *got = render(ETK_FMT_TEXT, MASK3);

	(void)state;
	check_same("text", got, want);
	free(got);
}

/* One digest: the md5sum/sha256sum layout; ssdeep not computed: "-". */
static void
test_text_one_digest(void **state)
{
	char *got;

	(void)state;
	got = render(ETK_FMT_TEXT, ETK_DIGEST_SHA256);
	assert_memory_equal(got, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163"
	    "af34d08286a2e846f6be03  disk.raw:p2:/docs/report.pdf\t", 64 + 2 +
	    28 + 1);
	free(got);
	got = render(ETK_FMT_TEXT, ETK_DIGEST_MD5 | ETK_DIGEST_SSDEEP);
	assert_memory_equal(got, "b1946ac92492d2347c6235b4d2611184 -  disk",
	    32 + 2 + 2 + 4);
	free(got);
}

static void
test_json(void **state)
{
	static const char want[] =
	    "{\"record\":\"file\",\"locator\":\"disk.raw:p2:/docs/report.pdf\","
	    "\"source\":\"disk.raw\",\"volume\":2,\"inode\":12,"
	    "\"path\":\"/docs/report.pdf\",\"name\":\"report.pdf\",\"size\":6,"
	    "\"allocated\":true,\"deleted\":false,\"type\":\"text/plain\","
	    "\"ext_mismatch\":false,\"mtime\":\"2013-10-29T16:56:28.038Z\","
	    "\"atime\":\"2013-10-29T16:56:30Z\","
	    "\"ctime\":\"2013-10-29T16:56:28Z\",\"crtime\":null,"
	    "\"md5\":\"b1946ac92492d2347c6235b4d2611184\","
	    "\"sha1\":\"f572d396fae9206628714fb2ce00f72e94f2258f\","
	    "\"sha256\":\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d0828"
	    "6a2e846f6be03\"}\n"
	    "{\"record\":\"file\",\"locator\":\"disk.raw:p2:i45\","
	    "\"source\":\"disk.raw\",\"volume\":2,\"inode\":45,"
	    "\"path\":\"/old/gone.txt\",\"name\":\"gone.txt\",\"size\":1,"
	    "\"allocated\":false,\"deleted\":true,\"type\":\"text/plain\","
	    "\"ext_mismatch\":false,\"mtime\":\"1970-01-01T00:00:00Z\","
	    "\"atime\":null,\"ctime\":null,"
	    "\"crtime\":\"2023-11-14T22:13:20Z\","
	    "\"md5\":\"9dd4e461268c8034f5c8564e155c67a6\","
	    "\"sha1\":\"11f6ad8ec52a2984abaafd7c3b516503785c2072\","
	    "\"sha256\":\"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db022"
	    "58717921a4881\",\"known\":[\"nsrl\"],"
	    "\"byte_runs\":[{\"offset\":1048576,\"len\":4096,"
	    "\"file_offset\":0},{\"offset\":2097152,\"len\":512,"
	    "\"file_offset\":4096}]}\n"
	    "{\"record\":\"file\",\"locator\":\"disk.raw:p2:i64-128-3\","
	    "\"source\":\"disk.raw\",\"volume\":2,\"inode\":64,"
	    "\"path\":\"/a/b.txt:secret\",\"name\":\"b.txt:secret\","
	    "\"size\":0,\"allocated\":true,\"deleted\":false,"
	    "\"type\":\"inode/x-empty\",\"ext_mismatch\":false,"
	    "\"mtime\":null,\"atime\":null,\"ctime\":null,\"crtime\":null,"
	    "\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\","
	    "\"sha1\":\"da39a3ee5e6b4b0d3255bfef95601890afd80709\","
	    "\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca49"
	    "5991b7852b855\",\"alert\":[\"csam\",\"bad,set\"],"
	    "\"attr\":\"128-3\"}\n"
	    "{\"record\":\"file\",\"locator\":\"disk.raw:p2:/x.zip!/we,ird "
	    "\\\"q\\\"%0Aline \\u00e9%01.txt\",\"source\":\"disk.raw\","
	    "\"volume\":2,\"inode\":null,"
	    "\"path\":\"/we,ird \\\"q\\\"\\nline \\u00e9\\u0001.txt\","
	    "\"name\":\"we,ird \\\"q\\\"\\nline \\u00e9\\u0001.txt\","
	    "\"size\":3,\"allocated\":true,\"deleted\":false,\"type\":null,"
	    "\"ext_mismatch\":false,"
	    "\"mtime\":null,\"atime\":null,\"ctime\":null,\"crtime\":null,"
	    "\"md5\":\"900150983cd24fb0d6963f7d28e17f72\","
	    "\"sha1\":\"a9993e364706816aba3e25717850c26c9cd0d89d\","
	    "\"sha256\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb41"
	    "0ff61f20015ad\",\"parent\":\"disk.raw:p2:/x.zip\"}\n"
	    "{\"record\":\"file\",\"locator\":\"dir:/bad<&>.bin\","
	    "\"source\":\"dir\",\"volume\":null,\"inode\":null,"
	    "\"path\":\"/bad<&>.bin\",\"name\":\"bad<&>.bin\",\"size\":8192,"
	    "\"allocated\":true,\"deleted\":false,\"type\":null,"
	    "\"ext_mismatch\":false,"
	    "\"mtime\":null,\"atime\":null,\"ctime\":null,\"crtime\":null,"
	    "\"status\":\"error\","
	    "\"reason\":\"read at offset 4096: Input/output error\"}\n"
	    "{\"record\":\"file\",\"locator\":\"disk.raw:p2:/=evil.dll\","
	    "\"source\":\"disk.raw\",\"volume\":2,\"inode\":99,"
	    "\"path\":\"/=evil.dll\",\"name\":\"=evil.dll\",\"size\":4,"
	    "\"allocated\":true,\"deleted\":false,\"type\":\"image/jpeg\","
	    "\"ext_mismatch\":true,"
	    "\"mtime\":null,\"atime\":null,\"ctime\":null,\"crtime\":null,"
	    "\"md5\":\"ab4f3ccba74857c5f2ba0d5b7dbf65e1\","
	    "\"sha1\":\"14993722cfd06f0e85fcc82a9dc489400beeabb9\","
	    "\"sha256\":\"41e5787e9f28562d07b891b1816b492309d646c0f2829743fa4"
	    "963a9f9cc1d61\"}\n";
	char *got = render(ETK_FMT_JSON, MASK3);

	(void)state;
	check_same("json", got, want);
	free(got);
}

#define HD_HEAD "%%%% HASHDEEP-1.0\n" \
	"%%%% size,md5,sha1,sha256,filename\n" \
	"## Invoked from: etk\n" \
	"## $ etk-hash -c md5,sha1,sha256 --format x disk.raw\n" \
	"## \n"

static const char hd_want[] = HD_HEAD
    "6,b1946ac92492d2347c6235b4d2611184,"
    "f572d396fae9206628714fb2ce00f72e94f2258f,"
    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03,"
    "./docs/report.pdf\n"
    "1,9dd4e461268c8034f5c8564e155c67a6,"
    "11f6ad8ec52a2984abaafd7c3b516503785c2072,"
    "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881,"
    "./old/gone.txt\n"
    "0,d41d8cd98f00b204e9800998ecf8427e,"
    "da39a3ee5e6b4b0d3255bfef95601890afd80709,"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,"
    "./a/b.txt:secret\n"
    "3,900150983cd24fb0d6963f7d28e17f72,"
    "a9993e364706816aba3e25717850c26c9cd0d89d,"
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad,"
    "./we,ird \"q\"?line \xc3\xa9\x01.txt\n"
    "4,ab4f3ccba74857c5f2ba0d5b7dbf65e1,"
    "14993722cfd06f0e85fcc82a9dc489400beeabb9,"
    "41e5787e9f28562d07b891b1816b492309d646c0f2829743fa4963a9f9cc1d61,"
    "./=evil.dll\n";

static void
test_hashdeep(void **state)
{
	char *got = render(ETK_FMT_HASHDEEP, MASK3);
	struct etk_writer_info info = { "etk-hash", ETK_DIGEST_SSDEEP, 0,
	    NULL };
	struct etk_error err = { 0 };
	struct etk_writer *w = NULL;

	(void)state;
	check_same("hashdeep", got, hd_want);
	free(got);
	/* ssdeep is no hashdeep column: leaves nothing to write. */
	assert_int_equal(etk_writer_new(&w, ETK_FMT_HASHDEEP, stdout, &info,
	    &err), ETK_EINVAL);
	assert_null(w);
	got = render(ETK_FMT_HASHDEEP, ETK_DIGEST_SHA256 | ETK_DIGEST_SSDEEP);
	assert_non_null(strstr(got, "%%%% size,sha256,filename\n"));
	assert_non_null(strstr(got, "\n0,e3b0c44298fc1c149afbf4c8996fb92427"
	    "ae41e4649b934ca495991b7852b855,./a/b.txt:secret\n"));
	free(got);
}

/* hashdeep -a over the same files extracted to a folder passes. */
static void
test_hashdeep_audit(void **state)
{
	static const struct { const char *name, *data; } files[] = {
		{ "docs/report.pdf", "hello\n" },
		{ "old/gone.txt", "x" },
		{ "a/b.txt:secret", "" },
		{ "we,ird \"q\"?line \xc3\xa9\x01.txt", "abc" },
		{ "=evil.dll", "jpeg" }
	};
	char *dir, *got, path[512], cmd[1024];
	size_t i;

	(void)state;
	if (!have("hashdeep"))
		skip();
	dir = tempdir();
	got = render(ETK_FMT_HASHDEEP, MASK3);
	snprintf(path, sizeof(path), "%s/known.txt", dir);
	save(path, got, strlen(got));
	snprintf(path, sizeof(path), "%s/tree", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tree/docs", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tree/old", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tree/a", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/tree/%s", dir, files[i].name);
		save(path, files[i].data, strlen(files[i].data));
	}
	snprintf(cmd, sizeof(cmd), "cd '%s/tree' && hashdeep -c md5,sha1,"
	    "sha256 -a -k ../known.txt -r -l . > ../audit.txt 2>&1 && "
	    "grep -q 'Audit passed' ../audit.txt", dir);
	if (run(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s/audit.txt'", dir);
		(void)run(cmd);
		fail_msg("hashdeep audit failed");
	}
	/* Matching mode (-m) with only some columns known. */
	free(got);
	got = render(ETK_FMT_HASHDEEP, ETK_DIGEST_MD5);
	snprintf(path, sizeof(path), "%s/md5.txt", dir);
	save(path, got, strlen(got));
	snprintf(cmd, sizeof(cmd), "cd '%s/tree' && test \"$(hashdeep -c md5 "
	    "-m -k ../md5.txt -r -l . | wc -l)\" -eq 5", dir);
	assert_int_equal(run(cmd), 0);
	free(got);
	rmtree(dir);
	free(dir);
}

static const char csv_want[] =
    "locator,source,volume,inode,path,name,size,allocated,deleted,type,"
    "ext_mismatch,mtime,atime,ctime,crtime,md5,sha1,sha256,known,alert,"
    "status,reason\r\n"
    "disk.raw:p2:/docs/report.pdf,disk.raw,2,12,/docs/report.pdf,"
    "report.pdf,6,true,false,text/plain,false,2013-10-29T16:56:28.038Z,"
    "2013-10-29T16:56:30Z,2013-10-29T16:56:28Z,,"
    "b1946ac92492d2347c6235b4d2611184,"
    "f572d396fae9206628714fb2ce00f72e94f2258f,"
    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03,"
    ",,ok,\r\n"
    "disk.raw:p2:i45,disk.raw,2,45,/old/gone.txt,gone.txt,1,false,true,"
    "text/plain,false,1970-01-01T00:00:00Z,,,2023-11-14T22:13:20Z,"
    "9dd4e461268c8034f5c8564e155c67a6,"
    "11f6ad8ec52a2984abaafd7c3b516503785c2072,"
    "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881,"
    "nsrl,,ok,\r\n"
    "disk.raw:p2:i64-128-3,disk.raw,2,64,/a/b.txt:secret,b.txt:secret,0,"
    "true,false,inode/x-empty,false,,,,,"
    "d41d8cd98f00b204e9800998ecf8427e,"
    "da39a3ee5e6b4b0d3255bfef95601890afd80709,"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,"
    ",\"csam;bad,set\",ok,\r\n"
    "\"disk.raw:p2:/x.zip!/we,ird \"\"q\"\"%0Aline \xc3\xa9%01.txt\","
    "disk.raw,2,,\"/we,ird \"\"q\"\"\nline \xc3\xa9\x01.txt\","
    "\"we,ird \"\"q\"\"\nline \xc3\xa9\x01.txt\",3,true,false,,false,,,,,"
    "900150983cd24fb0d6963f7d28e17f72,"
    "a9993e364706816aba3e25717850c26c9cd0d89d,"
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad,"
    ",,ok,\r\n"
    "dir:/bad<&>.bin,dir,,,/bad<&>.bin,bad<&>.bin,8192,true,false,,false,"
    ",,,,,,,,,error,read at offset 4096: Input/output error\r\n"
    "disk.raw:p2:/=evil.dll,disk.raw,2,99,/=evil.dll,\"'=evil.dll\",4,"
    "true,false,image/jpeg,true,,,,,"
    "ab4f3ccba74857c5f2ba0d5b7dbf65e1,"
    "14993722cfd06f0e85fcc82a9dc489400beeabb9,"
    "41e5787e9f28562d07b891b1816b492309d646c0f2829743fa4963a9f9cc1d61,"
    ",,ok,\r\n";

/* Python reads it back: rows, columns and the odd values. */
static const char csv_check_py[] =
    "import csv,sys\n"
    "rows=list(csv.reader(open(sys.argv[1],newline='',encoding='utf-8')))\n"
    "assert len(rows)==7,len(rows)\n"
    "assert all(len(r)==22 for r in rows),[len(r) for r in rows]\n"
    "h=rows[0]\n"
    "assert h[4]=='path' and h[17]=='sha256' and h[21]=='reason'\n"
    "assert rows[4][4]=='/we,ird \"q\"\\nline \\u00e9\\x01.txt',rows[4][4]\n"
    "assert rows[3][19]=='csam;bad,set'\n"
    "assert rows[5][20]=='error' and rows[5][17]==''\n"
    "assert rows[6][5]==\"'=evil.dll\"\n";

static void
test_csv(void **state)
{
	char *dir, *got, path[512], cmd[1024];

	(void)state;
	got = render(ETK_FMT_CSV, MASK3);
	check_same("csv", got, csv_want);
	if (!have("python3")) {
		free(got);
		skip();
	}
	dir = tempdir();
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	save(path, got, strlen(got));
	snprintf(path, sizeof(path), "%s/check.py", dir);
	save(path, csv_check_py, strlen(csv_check_py));
	snprintf(cmd, sizeof(cmd), "python3 '%s/check.py' '%s/out.csv'", dir,
	    dir);
	assert_int_equal(run(cmd), 0);
	free(got);
	rmtree(dir);
	free(dir);
}

static const char dfxml_want[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<dfxml xmlns=\"http://www.forensicswiki.org/wiki/Category:Digital_"
    "Forensics_XML\"\n"
    "  xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
    "  xmlns:etk=\"urn:etk:dfxml\"\n"
    "  version=\"1.2.0\">\n"
    "  <metadata>\n"
    "    <dc:type>Hash List</dc:type>\n"
    "  </metadata>\n"
    "  <creator version=\"1.0\">\n"
    "    <program>etk-hash</program>\n"
    "    <version>@VERSION@</version>\n"
    "    <execution_environment>\n"
    "      <command_line>etk-hash -c md5,sha1,sha256 --format x disk.raw"
    "</command_line>\n"
    "    </execution_environment>\n"
    "  </creator>\n"
    "  <source>\n"
    "    <image_filename>/ev/disk.raw</image_filename>\n"
    "    <image_size>4194304</image_size>\n"
    "  </source>\n"
    "  <fileobject>\n"
    "    <filename>docs/report.pdf</filename>\n"
    "    <partition>2</partition>\n"
    "    <filesize>6</filesize>\n"
    "    <alloc>1</alloc>\n"
    "    <inode>12</inode>\n"
    "    <mtime>2013-10-29T16:56:28.038Z</mtime>\n"
    "    <ctime>2013-10-29T16:56:28Z</ctime>\n"
    "    <atime>2013-10-29T16:56:30Z</atime>\n"
    "    <hashdigest type=\"md5\">b1946ac92492d2347c6235b4d2611184"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha1\">f572d396fae9206628714fb2ce00f72e94f2258f"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha256\">5891b5b522d5df086d0ff0b110fbd9d21bb4fc"
    "7163af34d08286a2e846f6be03</hashdigest>\n"
    "    <etk:locator>disk.raw:p2:/docs/report.pdf</etk:locator>\n"
    "    <etk:type>text/plain</etk:type>\n"
    "  </fileobject>\n"
    "  <fileobject>\n"
    "    <filename>old/gone.txt</filename>\n"
    "    <partition>2</partition>\n"
    "    <filesize>1</filesize>\n"
    "    <alloc>0</alloc>\n"
    "    <inode>45</inode>\n"
    "    <mtime>1970-01-01T00:00:00Z</mtime>\n"
    "    <crtime>2023-11-14T22:13:20Z</crtime>\n"
    "    <byte_runs>\n"
    "      <byte_run file_offset=\"0\" img_offset=\"1048576\" len=\"4096\"/>\n"
    "      <byte_run file_offset=\"4096\" img_offset=\"2097152\" len=\"512\"/>"
    "\n"
    "    </byte_runs>\n"
    "    <hashdigest type=\"md5\">9dd4e461268c8034f5c8564e155c67a6"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha1\">11f6ad8ec52a2984abaafd7c3b516503785c2072"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha256\">2d711642b726b04401627ca9fbac32f5c8530f"
    "b1903cc4db02258717921a4881</hashdigest>\n"
    "    <etk:locator>disk.raw:p2:i45</etk:locator>\n"
    "    <etk:type>text/plain</etk:type>\n"
    "    <etk:known>nsrl</etk:known>\n"
    "  </fileobject>\n"
    "  <fileobject>\n"
    "    <filename>a/b.txt:secret</filename>\n"
    "    <partition>2</partition>\n"
    "    <filesize>0</filesize>\n"
    "    <alloc>1</alloc>\n"
    "    <inode>64</inode>\n"
    "    <hashdigest type=\"md5\">d41d8cd98f00b204e9800998ecf8427e"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha1\">da39a3ee5e6b4b0d3255bfef95601890afd80709"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha256\">e3b0c44298fc1c149afbf4c8996fb92427ae41"
    "e4649b934ca495991b7852b855</hashdigest>\n"
    "    <etk:locator>disk.raw:p2:i64-128-3</etk:locator>\n"
    "    <etk:type>inode/x-empty</etk:type>\n"
    "    <etk:alert>csam</etk:alert>\n"
    "    <etk:alert>bad,set</etk:alert>\n"
    "  </fileobject>\n"
    "  <fileobject>\n"
    "    <filename>we,ird &quot;q&quot;&#10;line \xc3\xa9\xef\xbf\xbd.txt"
    "</filename>\n"
    "    <partition>2</partition>\n"
    "    <filesize>3</filesize>\n"
    "    <alloc>1</alloc>\n"
    "    <hashdigest type=\"md5\">900150983cd24fb0d6963f7d28e17f72"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha1\">a9993e364706816aba3e25717850c26c9cd0d89d"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha256\">ba7816bf8f01cfea414140de5dae2223b00361"
    "a396177a9cb410ff61f20015ad</hashdigest>\n"
    "    <etk:locator>disk.raw:p2:/x.zip!/we,ird &quot;q&quot;%0Aline "
    "\xc3\xa9%01.txt</etk:locator>\n"
    "  </fileobject>\n"
    "  <fileobject>\n"
    "    <filename>bad&lt;&amp;&gt;.bin</filename>\n"
    "    <error>read at offset 4096: Input/output error</error>\n"
    "    <filesize>8192</filesize>\n"
    "    <alloc>1</alloc>\n"
    "    <etk:locator>dir:/bad&lt;&amp;&gt;.bin</etk:locator>\n"
    "  </fileobject>\n"
    "  <fileobject>\n"
    "    <filename>=evil.dll</filename>\n"
    "    <partition>2</partition>\n"
    "    <filesize>4</filesize>\n"
    "    <alloc>1</alloc>\n"
    "    <inode>99</inode>\n"
    "    <hashdigest type=\"md5\">ab4f3ccba74857c5f2ba0d5b7dbf65e1"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha1\">14993722cfd06f0e85fcc82a9dc489400beeabb9"
    "</hashdigest>\n"
    "    <hashdigest type=\"sha256\">41e5787e9f28562d07b891b1816b492309d646"
    "c0f2829743fa4963a9f9cc1d61</hashdigest>\n"
    "    <etk:locator>disk.raw:p2:/=evil.dll</etk:locator>\n"
    "    <etk:type>image/jpeg</etk:type>\n"
    "    <etk:ext_mismatch>1</etk:ext_mismatch>\n"
    "  </fileobject>\n"
    "</dfxml>\n";

static const char dfxml_check_py[] =
    "import sys,xml.dom.minidom as m\n"
    "d=m.parse(sys.argv[1])\n"
    "f=d.getElementsByTagName('fileobject')\n"
    "assert len(f)==6,len(f)\n"
    "n=f[3].getElementsByTagName('filename')[0].firstChild.data\n"
    "assert n=='we,ird \"q\"\\nline \\u00e9\\ufffd.txt',repr(n)\n"
    "r=f[1].getElementsByTagName('byte_run')\n"
    "assert r[1].getAttribute('img_offset')=='2097152'\n";

static void
test_dfxml(void **state)
{
	char *dir, *got, *p, path[512], cmd[1024];
	struct etk_buf want;

	(void)state;
	/* The version line is the library's. */
	etk_buf_init(&want);
	p = strstr(dfxml_want, "@VERSION@");
	assert_non_null(p);
	etk_buf_add(&want, dfxml_want, (size_t)(p - dfxml_want));
	etk_buf_adds(&want, etk_version());
	etk_buf_adds(&want, p + strlen("@VERSION@"));
	got = render(ETK_FMT_DFXML, MASK3);
	check_same("dfxml", got, want.data);
	etk_buf_release(&want);
	dir = tempdir();
	snprintf(path, sizeof(path), "%s/out.xml", dir);
	save(path, got, strlen(got));
	if (have("python3")) {
		snprintf(path, sizeof(path), "%s/check.py", dir);
		save(path, dfxml_check_py, strlen(dfxml_check_py));
		snprintf(cmd, sizeof(cmd), "python3 '%s/check.py' "
		    "'%s/out.xml'", dir, dir);
		assert_int_equal(run(cmd), 0);
	}
	if (have("xmllint")) {
		snprintf(cmd, sizeof(cmd), "xmllint --noout '%s/out.xml'", dir);
		assert_int_equal(run(cmd), 0);
	}
	free(got);
	rmtree(dir);
	free(dir);
}

/* Invalid UTF-8 and XML-illegal characters never reach the XML. */
static void
test_dfxml_bad_bytes(void **state)
{
	struct etk_writer_info info = { "etk-hash", ETK_DIGEST_SHA256, 0,
	    NULL };
	struct etk_error err = { 0 };
	struct etk_writer *w = NULL;
	struct etk_file_record r;
	struct etk_entry e;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(&r, 0, sizeof(r));
	e.locator = "x:/a";
	e.volume = -1;
	/* Latin-1 e-acute, overlong '/', a surrogate, U+FFFF, ESC, 4-byte. */
	e.path = "/\xe9\xc0\xaf\xed\xa0\x80\xef\xbf\xbf\x1b\xf0\x9f\x98\x80"
	    "\xe2\x82";
	r.entry = &e;
	r.status = ETK_EUNSUPP;
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	assert_int_equal(etk_writer_new(&w, ETK_FMT_DFXML, fp, &info, &err),
	    ETK_OK);
	assert_int_equal(etk_writer_file(w, &r, &err), ETK_OK);
	assert_int_equal(etk_writer_finish(w, &err), ETK_OK);
	etk_writer_free(w);
	fclose(fp);
#define R "\xef\xbf\xbd"
	assert_non_null(strstr(out, "<filename>" R R R R R R R R R R
	    "\xf0\x9f\x98\x80" R R "</filename>\n"
	    "    <error>not supported</error>\n"));
#undef R
	free(out);
}

static void
test_format_parse(void **state)
{
	static const struct { const char *name; enum etk_format f; } t[] = {
		{ "text", ETK_FMT_TEXT }, { "json", ETK_FMT_JSON },
		{ "hashdeep", ETK_FMT_HASHDEEP }, { "CSV", ETK_FMT_CSV },
		{ "dfxml", ETK_FMT_DFXML }
	};
	struct etk_error err = { 0 };
	enum etk_format f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(etk_format_parse(t[i].name, &f, &err), ETK_OK);
		assert_int_equal(f, t[i].f);
	}
	assert_int_equal(etk_format_parse("xml", &f, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "'xml'"));
}

/* A full device: the error comes back as ETK_EIO "write error". */
static void
test_write_error(void **state)
{
	struct etk_writer_info info = { "etk-hash", ETK_DIGEST_SHA256, 0,
	    NULL };
	struct etk_error err = { 0 };
	struct etk_writer *w = NULL;
	struct fixture f;
	FILE *fp;
	int rc, i;

	(void)state;
	if ((fp = fopen("/dev/full", "w")) == NULL)
		skip();
	fixture_init(&f);
	assert_int_equal(etk_writer_new(&w, ETK_FMT_CSV, fp, &info, &err),
	    ETK_OK);
	rc = ETK_OK;
	for (i = 0; i < NREC && rc == ETK_OK; i++)
		rc = etk_writer_file(w, &f.r[i], &err);
	if (rc == ETK_OK)
		rc = etk_writer_finish(w, &err);
	assert_int_equal(rc, ETK_EIO);
	assert_non_null(strstr(err.msg, "write error"));
	/* Finished once, failed or not. */
	assert_int_equal(etk_writer_finish(w, &err), ETK_EINVAL);
	etk_writer_free(w);
	fclose(fp);
	/* Unbuffered: the header write fails in etk_writer_new. */
	if ((fp = fopen("/dev/full", "w")) == NULL)
		skip();
	setvbuf(fp, NULL, _IONBF, 0);
	w = NULL;
	assert_int_equal(etk_writer_new(&w, ETK_FMT_CSV, fp, &info, &err),
	    ETK_EIO);
	assert_null(w);
	assert_non_null(strstr(err.msg, "write error"));
	fclose(fp);
	etk_writer_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_one_digest),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_hashdeep),
		cmocka_unit_test(test_hashdeep_audit),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_dfxml),
		cmocka_unit_test(test_dfxml_bad_bytes),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_write_error)
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for lib/fs/evidence.c and lib/fs/tsk.c.
 *
 * Small images are made at test time in a temporary directory (mkfs.vfat
 * and mtools, mke2fs -d and debugfs, sfdisk, mkntfs and ntfscp when
 * present), so the tests run without the shared fixtures.  The results
 * are compared with The Sleuth Kit's own tools: volumes with mmls, walks
 * with `fls -r -p` (also -d and -u) line for line, content with icat.
 * When $ETK_FIXTURES names a directory, the shared fixtures are checked
 * the same way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <etk/etk.h>

/* Content larger than this is not compared with icat (time). */
#define ICAT_MAX	(32u * 1024 * 1024)

static char tmpdir[64];
static int have_images;		/* the generated images exist */
static int have_ntfs;
static int have_nested;		/* the ext4 image holds archive.zip */

/* ---- helpers ---- */

static int
sh(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

static int
sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int
have_tool(const char *name)
{
	return sh("command -v %s >/dev/null 2>&1", name) == 0;
}

static char *
path_in(const char *dir, const char *name)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static char *
tmp_path(const char *name)
{
	return path_in(tmpdir, name);
}

/* Run cmd and collect its standard output.  Returns 0 when it exited 0. */
static int
capture(const char *cmd, unsigned char **out, size_t *len)
{
	unsigned char *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;
	FILE *fp;
	int rc;

	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	for (;;) {
		if (n + 65536 > cap) {
			cap = cap ? cap * 2 : 131072;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				pclose(fp);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		if (got == 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	rc = pclose(fp);
	*out = buf;
	*len = n;
	return rc == 0 ? 0 : 1;
}

/* Whole content of a source. */
static int
read_all(struct etk_source *src, unsigned char **out, size_t *len,
    struct etk_error *err)
{
	uint64_t size = etk_source_size(src);
	unsigned char *buf;
	size_t n = 0, got;
	int rc;

	*out = NULL;
	*len = 0;
	if ((buf = malloc(size + 1)) == NULL)
		return ETK_ENOMEM;
	/* Odd-sized reads exercise block boundaries. */
	while (n < size) {
		size_t want = size - n > 7777 ? 7777 : (size_t)(size - n);

		if ((rc = etk_source_read(src, n, buf + n, want, &got, err)) !=
		    ETK_OK) {
			free(buf);
			return rc;
		}
		if (got == 0)
			break;
		n += got;
	}
	*out = buf;
	*len = n;
	return ETK_OK;
}

/* ---- collecting entries ---- */

struct rec {
	char *locator, *path, *name, *parent;
	char name_type, meta_type;
	int deleted, allocated, realloc, has_attr, volume;
	uint64_t inode, size, fs_offset;
	uint32_t attr_type;
	uint16_t attr_id;
};

struct recs {
	struct rec *r;
	size_t n, cap;
	size_t stop_after;	/* stop the walk after this many (0: never) */
};

static char *
xdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
collect_cb(const struct etk_entry *e, void *arg)
{
	struct recs *rs = arg;
	struct rec *r;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		assert_non_null(rs->r);
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	assert_non_null(e->locator);
	assert_non_null(e->path);
	assert_non_null(e->name);
	assert_non_null(e->source);
	r->locator = xdup(e->locator);
	r->path = xdup(e->path);
	r->name = xdup(e->name);
	r->parent = xdup(e->parent);
	r->name_type = e->name_type;
	r->meta_type = e->meta_type;
	r->deleted = e->deleted;
	r->allocated = e->allocated;
	r->realloc = e->realloc;
	r->has_attr = e->has_attr;
	r->attr_type = e->attr_type;
	r->attr_id = e->attr_id;
	r->volume = e->volume;
	r->inode = e->inode;
	r->size = e->size;
	r->fs_offset = e->fs_offset;
	return rs->stop_after != 0 && rs->n >= rs->stop_after;
}

static void
recs_free(struct recs *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->r[i].locator);
		free(rs->r[i].path);
		free(rs->r[i].name);
		free(rs->r[i].parent);
	}
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* The line `fls -p` prints for an entry. */
static void
fls_line(const struct rec *r, struct etk_buf *b)
{
	const char *p;

	etk_buf_printf(b, "%c/%c %s%" PRIu64, r->name_type, r->meta_type,
	    r->deleted ? "* " : "", r->inode);
	if (r->has_attr)
		etk_buf_printf(b, "-%" PRIu32 "-%u", r->attr_type,
		    (unsigned)r->attr_id);
	etk_buf_printf(b, "%s:\t", r->realloc ? "(realloc)" : "");
	/* tsk_print_sanitized: bytes 0x00-0x1f become '^' */
	for (p = r->path + (r->path[0] == '/'); *p != '\0'; p++)
		etk_buf_addc(b, (unsigned char)*p < 0x20 ? '^' : *p);
	etk_buf_addc(b, '\n');
}

static int
walk_recs(struct etk_evidence *ev, const char *start, unsigned flags,
    struct recs *rs, struct etk_summary *sum)
{
	struct etk_error err = { 0 };
	int rc;

	memset(rs, 0, sizeof(*rs));
	rc = etk_evidence_walk(ev, start, flags, collect_cb, rs, sum, &err);
	if (rc != ETK_OK)
		print_message("walk: %s\n", err.msg);
	return rc;
}

/* Compare our walk of one volume with fls -r -p [extra] (offset in
 * sectors, -1 for none).  Returns the number of lines compared. */
static size_t
compare_fls(struct etk_evidence *ev, const char *img, int slot,
    uint64_t sector, unsigned flags, const char *extra)
{
	struct etk_buf ours, cmd;
	unsigned char *theirs;
	struct recs rs;
	char start[32];
	size_t len, i, lines = 0;

	etk_buf_init(&ours);
	etk_buf_init(&cmd);
	if (slot >= 0)
		snprintf(start, sizeof(start), "p%d", slot);
	assert_int_equal(walk_recs(ev, slot >= 0 ? start : NULL,
	    flags, &rs, NULL), ETK_OK);
	for (i = 0; i < rs.n; i++) {
		fls_line(&rs.r[i], &ours);
		lines++;
	}
	etk_buf_printf(&cmd, "fls -r -p %s", extra);
	if (slot >= 0)
		etk_buf_printf(&cmd, " -o %" PRIu64, sector);
	etk_buf_printf(&cmd, " '%s' 2>/dev/null", img);
	assert_int_equal(capture(cmd.data, &theirs, &len), 0);
	if (ours.len != len || memcmp(ours.data, theirs, len) != 0) {
		print_message("fls mismatch for %s (%s):\n--- ours\n%s--- fls\n"
		    "%s", img, cmd.data, ours.data != NULL ? ours.data : "",
		    theirs);
		fail();
	}
	free(theirs);
	recs_free(&rs);
	etk_buf_release(&ours);
	etk_buf_release(&cmd);
	return lines;
}

/* Volumes against mmls: same slots, starts and lengths in sectors. */
static void
compare_mmls(struct etk_evidence *ev, const char *img)
{
	const struct etk_volume *v;
	unsigned char *out;
	char cmd[1200], *line, *save;
	size_t n, len, i = 0;
	unsigned slot;
	unsigned long long start, end, slen;
	char col[32];

	n = etk_evidence_volumes(ev, &v);
	snprintf(cmd, sizeof(cmd), "mmls '%s' 2>/dev/null", img);
	if (capture(cmd, &out, &len) != 0) {
		/* mmls found no table: neither did we. */
		assert_null(etk_evidence_vs_type(ev));
		assert_int_equal(n, 1);
		assert_int_equal(v[0].slot, -1);
		free(out);
		return;
	}
	assert_non_null(etk_evidence_vs_type(ev));
	for (line = strtok_r((char *)out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%u: %31s %llu %llu %llu", &slot, col, &start,
		    &end, &slen) != 5)
			continue;
		assert_true(i < n);
		assert_int_equal(v[i].slot, (int)slot);
		assert_int_equal(v[i].start, start * 512);
		assert_int_equal(v[i].len, slen * 512);
		if (strcmp(col, "Meta") == 0)
			assert_true(v[i].flags & ETK_VOL_META);
		else if (strcmp(col, "-------") == 0)
			assert_true(v[i].flags & ETK_VOL_UNALLOC);
		else
			assert_true(v[i].flags & ETK_VOL_ALLOC);
		i++;
	}
	assert_int_equal(i, n);
	free(out);
}

/* Every entry found again by its locator, with the same fields. */
static int
stat_cb(const struct etk_entry *e, void *arg)
{
	struct rec *want = arg;

	assert_string_equal(e->locator, want->locator);
	assert_int_equal(e->inode, want->inode);
	assert_int_equal(e->size, want->size);
	if (want->allocated)
		assert_false(e->deleted);
	assert_int_equal(e->has_attr, want->has_attr);
	if (e->has_attr) {
		assert_int_equal(e->attr_type, want->attr_type);
		assert_int_equal(e->attr_id, want->attr_id);
	}
	want->fs_offset = UINT64_MAX;	/* seen */
	return 0;
}

static void
check_stat_roundtrip(struct etk_evidence *ev, struct recs *rs)
{
	struct etk_error err = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < rs->n; i++) {
		struct rec want = rs->r[i];

		if (want.meta_type == '-' && !want.allocated)
			continue;	/* no metadata: nothing to find */
		rc = etk_evidence_stat(ev, want.locator, stat_cb, &want, &err);
		if (rc != ETK_OK)
			print_message("stat %s: %s\n", want.locator, err.msg);
		assert_int_equal(rc, ETK_OK);
		assert_int_equal(want.fs_offset, UINT64_MAX);
	}
}

/* Content of every regular entry equals icat's (and icat -r for deleted
 * files); byte runs, where there are any, point at the same bytes. */
static size_t
compare_icat(struct etk_evidence *ev, const char *img, int slot,
    uint64_t sector, struct recs *rs)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *top = etk_evidence_source(ev);
	struct etk_byte_run *runs;
	unsigned char *ours, *theirs, *chunk;
	size_t i, j, n, len, tlen, nruns, got, compared = 0;
	char cmd[1400], inode[64];
	int rc;

	for (i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->r[i];

		if (r->volume != slot || r->meta_type != 'r' ||
		    r->size > ICAT_MAX)
			continue;
		if (r->has_attr)
			snprintf(inode, sizeof(inode), "%" PRIu64 "-%" PRIu32
			    "-%u", r->inode, r->attr_type, (unsigned)r->attr_id);
		else
			snprintf(inode, sizeof(inode), "%" PRIu64, r->inode);
		if (slot >= 0)
			snprintf(cmd, sizeof(cmd), "icat -r -o %" PRIu64
			    " '%s' %s 2>/dev/null", sector, img, inode);
		else
			snprintf(cmd, sizeof(cmd), "icat -r '%s' %s 2>/dev/null",
			    img, inode);
		rc = capture(cmd, &theirs, &tlen);
		if (etk_evidence_open_file(ev, r->locator, &src, &err) !=
		    ETK_OK) {
			/* TSK itself could not read it either. */
			if (rc == 0 && tlen > 0)
				print_message("open %s: %s\n", r->locator,
				    err.msg);
			assert_true(rc != 0 || tlen == 0);
			free(theirs);
			continue;
		}
		if (read_all(src, &ours, &len, &err) != ETK_OK) {
			assert_true(rc != 0);
			etk_source_close(src);
			free(theirs);
			continue;
		}
		if (rc == 0) {
			if (len != tlen || memcmp(ours, theirs, len) != 0)
				print_message("content of %s differs from %s "
				    "(%zu vs %zu bytes)\n", r->locator, cmd, len,
				    tlen);
			assert_int_equal(len, tlen);
			assert_memory_equal(ours, theirs, len);
			compared++;
		}
		/* Byte runs read from the top source give the same bytes. */
		rc = etk_evidence_byte_runs(ev, r->locator, &runs, &nruns,
		    &err);
		assert_int_equal(rc, ETK_OK);
		for (j = 0; j < nruns; j++) {
			assert_true(runs[j].file_offset + runs[j].len <= len);
			n = (size_t)runs[j].len;
			chunk = malloc(n);
			assert_non_null(chunk);
			assert_int_equal(etk_source_read(top, runs[j].img_offset,
			    chunk, n, &got, &err), ETK_OK);
			assert_int_equal(got, n);
			assert_memory_equal(chunk, ours + runs[j].file_offset,
			    n);
			free(chunk);
			if (j > 0)
				assert_true(runs[j].file_offset >=
				    runs[j - 1].file_offset + runs[j - 1].len);
		}
		free(runs);
		free(ours);
		free(theirs);
		etk_source_close(src);
	}
	return compared;
}

struct ext_check {
	uint64_t last_end, size, total;
	int n;
};

static int
extent_cb(int volume, uint64_t off, uint64_t len, void *arg)
{
	struct ext_check *x = arg;

	(void)volume;
	assert_true(len > 0);
	assert_true(off >= x->last_end);	/* ascending, disjoint */
	assert_true(off + len <= x->size);
	x->last_end = off + len;
	x->total += len;
	x->n++;
	return 0;
}

/* The whole check of one image against the TSK tools. */
static void
check_image(const char *img, int want_fs)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_summary *sum;
	const struct etk_volume *v;
	struct ext_check x;
	struct recs rs;
	size_t n, i, nfs = 0, lines = 0, icat = 0;
	uint64_t sector;

	if (etk_evidence_open(&ev, img, &err) != ETK_OK)
		print_message("open %s: %s\n", img, err.msg);
	assert_non_null(ev);
	assert_int_equal(etk_evidence_kind(ev), ETK_EV_IMAGE);
	compare_mmls(ev, img);
	n = etk_evidence_volumes(ev, &v);
	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	assert_int_equal(walk_recs(ev, NULL, ETK_WALK_DEFAULT, &rs, sum),
	    ETK_OK);
	check_stat_roundtrip(ev, &rs);
	for (i = 0; i < n; i++) {
		if (v[i].fs_type == NULL)
			continue;
		nfs++;
		sector = v[i].start / 512;
		lines += compare_fls(ev, img, v[i].slot, sector,
		    ETK_WALK_DEFAULT, "");
		compare_fls(ev, img, v[i].slot, sector,
		    ETK_WALK_RECURSE | ETK_WALK_UNALLOC, "-d");
		compare_fls(ev, img, v[i].slot, sector,
		    ETK_WALK_RECURSE | ETK_WALK_ALLOC, "-u");
		icat += compare_icat(ev, img, v[i].slot, sector, &rs);
	}
	recs_free(&rs);
	print_message("%s: %zu file systems, %zu fls lines, %zu files "
	    "compared with icat\n", img, nfs, lines, icat);
	if (want_fs)
		assert_true(nfs > 0);
	memset(&x, 0, sizeof(x));
	x.size = etk_source_size(etk_evidence_source(ev));
	assert_int_equal(etk_evidence_unalloc(ev, -1, extent_cb, &x, &err),
	    ETK_OK);
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

/* ---- making images ---- */

static int
make_images(void)
{
	const char *d = tmpdir;
	int rc;

	if (!have_tool("mkfs.vfat") || !have_tool("mcopy") ||
	    !have_tool("sfdisk") || !have_tool("mke2fs") ||
	    !have_tool("debugfs") || !have_tool("fls"))
		return 0;
	rc = sh("set -e; cd '%s'; mkdir -p t/sub t/Download;"
	    "printf 'hello world\\n' > t/a.txt;"
	    "head -c 100000 /dev/urandom > t/sub/b.bin;"
	    "seq 1 20000 > t/sub/c.txt;"
	    "printf 'gone\\n' > t/sub/gone.txt;"
	    "printf 'odd\\n' > 't/we!rd#na%%me.txt';"
	    "printf 'ctl\\n' > \"t/ctl$(printf '\\001')name\";"
	    "ln -s a.txt t/link;"
	    /* fat.raw: MBR, FAT at 2048, a second partition without fs */
	    "truncate -s 8M fat.raw;"
	    "printf 'label: dos\\nstart=2048, size=12288, type=6\\n"
	    "start=14336, size=2048, type=83\\n' | sfdisk -q fat.raw;"
	    "mkfs.vfat -C part.fat 6144 >/dev/null;"
	    "mmd -i part.fat ::/DCIM ::/DCIM/Camera;"
	    "head -c 30000 /dev/urandom > IMG_0001.jpg;"
	    "head -c 20000 /dev/urandom > IMG_0002.jpg;"
	    "mcopy -i part.fat IMG_0001.jpg ::/DCIM/Camera/IMG_0001.jpg;"
	    "mcopy -i part.fat IMG_0002.jpg ::/DCIM/Camera/IMG_0002.jpg;"
	    "mcopy -i part.fat t/a.txt ::/notes.txt;"
	    "mdel -i part.fat ::/DCIM/Camera/IMG_0002.jpg;"
	    "dd if=part.fat of=fat.raw bs=512 seek=2048 conv=notrunc "
	    "status=none;"
	    "rm part.fat", d);
	if (rc != 0)
		return 0;
	if (have_tool("python3"))
		have_nested = sh("set -e; cd '%s'; python3 -c '"
		    "import zipfile, tarfile, io\n"
		    "z = zipfile.ZipFile(\"t/Download/archive.zip\", \"w\")\n"
		    "z.writestr(\"x.txt\", \"inner text\\n\")\n"
		    "z.writestr(\"sub/y.txt\", \"deeper\\n\")\n"
		    "z.close()\n"
		    "t = tarfile.open(\"t/Download/t.tar.gz\", \"w:gz\")\n"
		    "b = b\"tar member\\n\"\n"
		    "i = tarfile.TarInfo(\"m.txt\"); i.size = len(b)\n"
		    "t.addfile(i, io.BytesIO(b)); t.close()\n"
		    "'", d) == 0;
	rc = sh("set -e; cd '%s';"
	    "mke2fs -q -t ext4 -d t -F ext.img 8M >/dev/null 2>&1;"
	    "debugfs -w -R 'rm /sub/gone.txt' ext.img >/dev/null 2>&1;"
	    /* gpt.raw: ext4 in p1, an empty p2 */
	    "truncate -s 12M gpt.raw;"
	    "printf 'label: gpt\\nfirst-lba: 2048\\nstart=2048, size=16384, "
	    "name=\"userdata\"\\nstart=18432, size=2048, name=\"misc\"\\n' |"
	    " sfdisk -q gpt.raw;"
	    "dd if=ext.img of=gpt.raw bs=512 seek=2048 conv=notrunc "
	    "status=none;"
	    ": > empty.bin; head -c 70000 /dev/urandom > random.bin", d);
	if (rc != 0)
		return 0;
	if (have_tool("mkntfs") && have_tool("ntfscp"))
		have_ntfs = sh("set -e; cd '%s'; truncate -s 4M ntfs.img;"
		    "mkntfs -F -f -q -L EVID ntfs.img >/dev/null 2>&1;"
		    "ntfscp -f -q ntfs.img t/a.txt /a.txt;"
		    "ntfscp -f -q ntfs.img t/sub/b.bin /b.bin;"
		    "printf 'secret stream\\n' > s.txt;"
		    "ntfscp -f -q -N hidden ntfs.img s.txt /a.txt", d) == 0;
	return 1;
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-test-evidence.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	have_images = make_images();
	if (!have_images)
		print_message("image tools missing: image tests skipped\n");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (tmpdir[0] != '\0' && getenv("ETK_TEST_KEEP") == NULL)
		sh("rm -rf '%s'", tmpdir);
	return 0;
}

#define NEED_IMAGES() do { if (!have_images) skip(); } while (0)

/* ---- tests: failure paths ---- */

static void
test_open_bad_args(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev = (struct etk_evidence *)&err;	/* poison */

	(void)state;
	assert_int_equal(etk_evidence_open(&ev, NULL, &err), ETK_EINVAL);
	assert_null(ev);
	assert_int_equal(etk_evidence_open(NULL, "x", &err), ETK_EINVAL);
	ev = (struct etk_evidence *)&err;
	assert_int_not_equal(etk_evidence_open(&ev,
	    "/nonexistent/etk/x.raw", &err), ETK_OK);
	assert_null(ev);
	assert_non_null(strstr(err.msg, "x.raw"));
	assert_int_equal(etk_evidence_open_source(&ev, NULL, "x", &err),
	    ETK_EINVAL);
	etk_evidence_close(NULL);
	assert_null(etk_evidence_name(NULL));
	assert_int_equal(etk_evidence_volumes(NULL, NULL), 0);
}

static void
test_open_empty(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("empty.bin"), &err),
	    ETK_EFORMAT);
	assert_null(ev);
	assert_non_null(strstr(err.msg, "empty.bin"));
}

static void
test_random_bytes(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_summary *sum;
	const struct etk_volume *v;
	const char *scope, *kind, *reason;
	enum etk_outcome o;
	uint64_t count;
	struct recs rs;

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("random.bin"), &err),
	    ETK_OK);
	assert_int_equal(etk_evidence_kind(ev), ETK_EV_IMAGE);
	assert_string_equal(etk_evidence_kind_name(ev), "image");
	assert_null(etk_evidence_vs_type(ev));
	assert_int_equal(etk_evidence_volumes(ev, &v), 1);
	assert_int_equal(v[0].slot, -1);
	assert_null(v[0].fs_type);
	assert_int_equal(v[0].fs_status, ETK_ENOTFOUND);
	assert_non_null(v[0].fs_error);
	/* Walking finds nothing and says so; no error. */
	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	assert_int_equal(walk_recs(ev, NULL, 0, &rs, sum), ETK_OK);
	assert_int_equal(rs.n, 0);
	assert_int_equal(etk_summary_count(sum), 1);
	assert_int_equal(etk_summary_item(sum, 0, &scope, &kind, &o, &count,
	    &reason), ETK_OK);
	assert_string_equal(scope, "random.bin");
	assert_string_equal(kind, "volume");
	assert_int_equal(o, ETK_OUTCOME_ABSENT);
	etk_summary_free(sum);
	/* Lookups name the reason. */
	assert_int_equal(etk_evidence_stat(ev, "/a", collect_cb, &rs, &err),
	    ETK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no file system"));
	/* The whole image is unallocated. */
	{
		struct ext_check x = { 0, 70000, 0, 0 };

		assert_int_equal(etk_evidence_unalloc(ev, -1, extent_cb, &x,
		    &err), ETK_OK);
		assert_int_equal(x.total, 70000);
	}
	etk_evidence_close(ev);
}

static void
test_bad_locators(void **state)
{
	static const struct {
		const char *loc;
		int code;
		const char *msg;
	} cases[] = {
		{ "p2:x", ETK_EINVAL, "bad locator" },
		{ "", ETK_EINVAL, "empty" },
		{ "p9:/a.txt", ETK_ENOTFOUND, "no volume p9" },
		{ "p2:/nope/x.jpg", ETK_ENOTFOUND, "no such file" },
		{ "p2:i999999999", ETK_ENOTFOUND, "out of range" },
		{ "p3:/a.txt", ETK_ENOTFOUND, "no file system" },
		{ "p0:/a.txt", ETK_ENOTFOUND, "p0" },
		{ "/notes.txt", ETK_EINVAL, NULL },	/* no volume, 1 fs: ok */
		{ "other.raw:p2:/notes.txt", ETK_EINVAL, "not 'fat.raw'" },
		{ "p2:@0+999999999999", ETK_ENOTFOUND, "past the end" },
		{ "@99999999+1", ETK_ENOTFOUND, "past the end" },
		{ "p2:/notes.txt!/inner", ETK_EFORMAT, NULL },
	};
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_source *src;
	struct recs rs = { 0 };
	size_t i;
	int rc;

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("fat.raw"), &err),
	    ETK_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		etk_error_clear(&err);
		src = (struct etk_source *)&err;
		rc = etk_evidence_open_file(ev, cases[i].loc, &src, &err);
		if (strcmp(cases[i].loc, "/notes.txt") == 0) {
			/* One file system: the volume may be left out. */
			assert_int_equal(rc, ETK_OK);
			etk_source_close(src);
			continue;
		}
		if (strstr(cases[i].loc, "!/inner") != NULL) {
			/* A text file is no container: opening it as an
			 * image finds no file system. */
			assert_int_not_equal(rc, ETK_OK);
			assert_null(src);
			continue;
		}
		if (rc != cases[i].code)
			print_message("%s: %d %s\n", cases[i].loc, rc, err.msg);
		assert_int_equal(rc, cases[i].code);
		assert_null(src);
		if (cases[i].msg != NULL) {
			if (strstr(err.msg, cases[i].msg) == NULL)
				print_message("%s: %s\n", cases[i].loc,
				    err.msg);
			assert_non_null(strstr(err.msg, cases[i].msg));
		}
		assert_int_equal(etk_evidence_stat(ev, cases[i].loc,
		    collect_cb, &rs, &err), cases[i].code);
	}
	assert_int_equal(rs.n, 0);
	/* Walking a range makes no sense; walking a missing dir fails. */
	assert_int_equal(etk_evidence_walk(ev, "@0+512", 0, collect_cb, &rs,
	    NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_evidence_walk(ev, "p2:/nope", 0, collect_cb, &rs,
	    NULL, &err), ETK_ENOTFOUND);
	assert_int_equal(etk_evidence_walk(ev, "p3", 0, collect_cb, &rs,
	    NULL, &err), ETK_ENOTFOUND);
	assert_int_equal(rs.n, 0);
	assert_int_equal(etk_evidence_walk(ev, NULL, 0, NULL, NULL, NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_evidence_open_file(ev, NULL, &src, &err),
	    ETK_EINVAL);
	etk_evidence_close(ev);
}

/* ---- tests: images against the TSK tools ---- */

static void
test_fat_vs_tsk(void **state)
{
	(void)state;
	NEED_IMAGES();
	check_image(tmp_path("fat.raw"), 1);
}

static void
test_ext4_vs_tsk(void **state)
{
	(void)state;
	NEED_IMAGES();
	check_image(tmp_path("ext.img"), 1);
	check_image(tmp_path("gpt.raw"), 1);
}

static void
test_ntfs_vs_tsk(void **state)
{
	(void)state;
	if (!have_ntfs)
		skip();
	check_image(tmp_path("ntfs.img"), 1);
}

/* A deleted FAT file reads like icat -r, and its locator is by inode. */
static void
test_fat_deleted(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_source *src;
	unsigned char *data, *want;
	size_t len, wlen, i;
	struct recs rs;
	const struct rec *del = NULL;
	FILE *fp;

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("fat.raw"), &err),
	    ETK_OK);
	assert_string_equal(etk_evidence_vs_type(ev), "dos");
	assert_int_equal(walk_recs(ev, NULL, ETK_WALK_DEFAULT, &rs, NULL),
	    ETK_OK);
	for (i = 0; i < rs.n; i++)
		if (rs.r[i].deleted && strstr(rs.r[i].path, "MG_0002.jpg"))
			del = &rs.r[i];
	assert_non_null(del);
	assert_int_equal(del->volume, 2);
	assert_non_null(strstr(del->locator, "fat.raw:p2:i"));
	assert_false(del->allocated);
	assert_int_equal(del->size, 20000);
	assert_int_equal(etk_evidence_open_file(ev, del->locator, &src, &err),
	    ETK_OK);
	assert_int_equal(read_all(src, &data, &len, &err), ETK_OK);
	etk_source_close(src);
	assert_non_null(fp = fopen(tmp_path("IMG_0002.jpg"), "rb"));
	want = malloc(20000);
	wlen = fread(want, 1, 20000, fp);
	fclose(fp);
	assert_int_equal(len, wlen);
	assert_memory_equal(data, want, len);
	free(data);
	free(want);
	/* Allocated entries have path locators that work without "fat.raw:" */
	assert_int_equal(etk_evidence_open_file(ev, "p2:/DCIM/Camera/IMG_0001.jpg",
	    &src, &err), ETK_OK);
	assert_int_equal(etk_source_size(src), 30000);
	etk_source_close(src);
	recs_free(&rs);
	etk_evidence_close(ev);
}

static void
test_walk_start_and_stop(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct recs rs;
	size_t i;

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("gpt.raw"), &err),
	    ETK_OK);
	assert_string_equal(etk_evidence_vs_type(ev), "gpt");
	/* A directory: its entries only, with full paths. */
	assert_int_equal(walk_recs(ev, "gpt.raw:p4:/sub", ETK_WALK_DEFAULT,
	    &rs, NULL), ETK_OK);
	assert_true(rs.n >= 3);
	for (i = 0; i < rs.n; i++) {
		assert_int_equal(strncmp(rs.r[i].path, "/sub/", 5), 0);
		assert_int_equal(rs.r[i].volume, 4);
	}
	recs_free(&rs);
	/* Not recursive: the root only. */
	assert_int_equal(walk_recs(ev, "p4", ETK_WALK_ALLOC, &rs, NULL),
	    ETK_OK);
	for (i = 0; i < rs.n; i++)
		assert_null(strchr(rs.r[i].path + 1, '/'));
	recs_free(&rs);
	/* The callback stops the walk; that is no error. */
	memset(&rs, 0, sizeof(rs));
	rs.stop_after = 2;
	assert_int_equal(etk_evidence_walk(ev, NULL, ETK_WALK_DEFAULT,
	    collect_cb, &rs, NULL, &err), ETK_OK);
	assert_int_equal(rs.n, 2);
	recs_free(&rs);
	/* A file as the start gives that file. */
	assert_int_equal(walk_recs(ev, "p4:/a.txt", ETK_WALK_DEFAULT, &rs,
	    NULL), ETK_OK);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].path, "/a.txt");
	recs_free(&rs);
	etk_evidence_close(ev);
}

/* Names with '!', '#', '%' and control bytes round-trip through their
 * percent-encoded locators. */
static void
test_odd_names(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_source *src;
	unsigned char *data;
	size_t len, i, found = 0;
	struct recs rs;

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("ext.img"), &err),
	    ETK_OK);
	assert_int_equal(walk_recs(ev, NULL, ETK_WALK_DEFAULT, &rs, NULL),
	    ETK_OK);
	for (i = 0; i < rs.n; i++) {
		if (strcmp(rs.r[i].name, "we!rd#na%me.txt") == 0) {
			assert_string_equal(rs.r[i].locator,
			    "ext.img:/we%21rd%23na%25me.txt");
			found++;
		} else if (strcmp(rs.r[i].name, "ctl\001name") == 0) {
			assert_string_equal(rs.r[i].locator,
			    "ext.img:/ctl%01name");
			found++;
		} else
			continue;
		assert_int_equal(etk_evidence_open_file(ev, rs.r[i].locator,
		    &src, &err), ETK_OK);
		assert_int_equal(read_all(src, &data, &len, &err), ETK_OK);
		assert_int_equal(len, 4);
		free(data);
		etk_source_close(src);
	}
	assert_int_equal(found, 2);
	recs_free(&rs);
	etk_evidence_close(ev);
}

static void
test_ranges(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_source *src;
	struct etk_byte_run *runs;
	unsigned char *data, mbr[512];
	size_t len, n, got;
	struct recs rs = { 0 };

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("fat.raw"), &err),
	    ETK_OK);
	assert_int_equal(etk_source_read(etk_evidence_source(ev), 0, mbr, 512,
	    &got, &err), ETK_OK);
	assert_int_equal(etk_evidence_open_file(ev, "fat.raw:@0+512", &src,
	    &err), ETK_OK);
	assert_int_equal(read_all(src, &data, &len, &err), ETK_OK);
	assert_int_equal(len, 512);
	assert_memory_equal(data, mbr, 512);
	free(data);
	etk_source_close(src);
	/* Volume-relative range: the FAT boot sector. */
	assert_int_equal(etk_evidence_open_file(ev, "p2:@510+2", &src, &err),
	    ETK_OK);
	assert_int_equal(read_all(src, &data, &len, &err), ETK_OK);
	assert_int_equal(len, 2);
	assert_int_equal(data[0], 0x55);
	assert_int_equal(data[1], 0xaa);
	free(data);
	etk_source_close(src);
	assert_int_equal(etk_evidence_byte_runs(ev, "p2:@510+2", &runs, &n,
	    &err), ETK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].img_offset, 2048 * 512 + 510);
	assert_int_equal(runs[0].len, 2);
	free(runs);
	/* A volume as a whole, and its stat entry. */
	assert_int_equal(etk_evidence_open_file(ev, "p3", &src, &err), ETK_OK);
	assert_int_equal(etk_source_size(src), 2048 * 512);
	etk_source_close(src);
	assert_int_equal(etk_evidence_stat(ev, "p2:@0+16", collect_cb, &rs,
	    &err), ETK_OK);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].locator, "fat.raw:p2:@0+16");
	assert_int_equal(rs.r[0].size, 16);
	recs_free(&rs);
	/* The row suffix is ignored when opening. */
	assert_int_equal(etk_evidence_open_file(ev,
	    "fat.raw:p2:/notes.txt#message/42", &src, &err), ETK_OK);
	assert_int_equal(etk_source_size(src), 12);
	etk_source_close(src);
	etk_evidence_close(ev);
}

static int
unalloc_find(int volume, uint64_t off, uint64_t len, void *arg)
{
	uint64_t *want = arg;

	(void)volume;
	if (want[0] >= off && want[0] < off + len)
		want[1] = 1;
	return 0;
}

/* The deleted picture's clusters are unallocated; the second partition
 * (no file system) and the gaps count as unallocated too. */
static void
test_unalloc(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_byte_run *runs;
	struct ext_check x;
	uint64_t want[2];
	size_t n;

	(void)state;
	NEED_IMAGES();
	assert_int_equal(etk_evidence_open(&ev, tmp_path("fat.raw"), &err),
	    ETK_OK);
	assert_int_equal(etk_evidence_byte_runs(ev,
	    "p2:/DCIM/Camera/IMG_0001.jpg", &runs, &n, &err), ETK_OK);
	assert_true(n >= 1);
	free(runs);
	memset(&x, 0, sizeof(x));
	x.size = 8 * 1024 * 1024;
	assert_int_equal(etk_evidence_unalloc(ev, -1, extent_cb, &x, &err),
	    ETK_OK);
	assert_true(x.n >= 3);
	/* p3 (no file system) is reported whole. */
	want[0] = 14336 * 512;
	want[1] = 0;
	assert_int_equal(etk_evidence_unalloc(ev, 3, unalloc_find, want, &err),
	    ETK_OK);
	assert_int_equal(want[1], 1);
	/* An allocated file's first byte is not unallocated. */
	assert_int_equal(etk_evidence_byte_runs(ev,
	    "p2:/DCIM/Camera/IMG_0001.jpg", &runs, &n, &err), ETK_OK);
	want[0] = runs[0].img_offset;
	want[1] = 0;
	free(runs);
	assert_int_equal(etk_evidence_unalloc(ev, 2, unalloc_find, want, &err),
	    ETK_OK);
	assert_int_equal(want[1], 0);
	assert_int_equal(etk_evidence_unalloc(ev, 9, unalloc_find, want, &err),
	    ETK_ENOTFOUND);
	etk_evidence_close(ev);
}

/* Evidence over a memory source behaves like the file. */
static void
test_memory_source(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_source *mem;
	unsigned char *buf;
	struct recs a, b;
	size_t len, i;
	FILE *fp;

	(void)state;
	NEED_IMAGES();
	assert_non_null(fp = fopen(tmp_path("gpt.raw"), "rb"));
	len = 12 * 1024 * 1024;
	buf = malloc(len);
	assert_int_equal(fread(buf, 1, len, fp), len);
	fclose(fp);
	assert_int_equal(etk_source_open_mem(&mem, buf, len, "mem.raw", &err),
	    ETK_OK);
	assert_int_equal(etk_evidence_open_source(&ev, mem, NULL, &err),
	    ETK_OK);
	assert_string_equal(etk_evidence_name(ev), "mem.raw");
	assert_int_equal(walk_recs(ev, NULL, 0, &a, NULL), ETK_OK);
	etk_evidence_close(ev);
	assert_int_equal(etk_evidence_open_source(&ev, mem, "phone", &err),
	    ETK_OK);
	assert_int_equal(walk_recs(ev, NULL, 0, &b, NULL), ETK_OK);
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.r[i].inode, b.r[i].inode);
		assert_int_equal(strncmp(b.r[i].locator, "phone:p", 7), 0);
	}
	/* Every read went through the source. */
	assert_true(etk_source_bytes_read(mem) > 0);
	etk_evidence_close(ev);
	etk_source_close(mem);
	recs_free(&a);
	recs_free(&b);
	free(buf);
}

/* ---- nested containers (needs the archive backend) ---- */

static void
test_nested(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev, *zev;
	struct etk_source *src;
	unsigned char *data;
	size_t len, i, inzip = 0, intar = 0;
	struct recs rs;
	const struct rec *zip = NULL;

	(void)state;
	if (!have_images || !have_nested)
		skip();
	/* Only when the archive backend reads a plain zip. */
	if (etk_evidence_open(&zev, path_in(tmpdir, "t/Download/archive.zip"),
	    &err) != ETK_OK) {
		print_message("archive backend unavailable (%s): skipped\n",
		    err.msg);
		skip();
	}
	assert_int_equal(etk_evidence_kind(zev), ETK_EV_ZIP);
	etk_evidence_close(zev);

	assert_int_equal(etk_evidence_open(&ev, tmp_path("gpt.raw"), &err),
	    ETK_OK);
	assert_int_equal(etk_evidence_open_file(ev,
	    "gpt.raw:p4:/Download/archive.zip!/x.txt", &src, &err), ETK_OK);
	assert_int_equal(read_all(src, &data, &len, &err), ETK_OK);
	assert_int_equal(len, 11);
	assert_memory_equal(data, "inner text\n", 11);
	free(data);
	etk_source_close(src);
	assert_int_equal(etk_evidence_open_file(ev,
	    "p4:/Download/t.tar.gz!/m.txt", &src, &err), ETK_OK);
	assert_int_equal(etk_source_size(src), 11);
	etk_source_close(src);
	assert_int_equal(etk_evidence_open_file(ev,
	    "p4:/Download/archive.zip!/nope.txt", &src, &err), ETK_ENOTFOUND);

	assert_int_equal(walk_recs(ev, NULL, ETK_WALK_DEFAULT | ETK_WALK_NESTED,
	    &rs, NULL), ETK_OK);
	for (i = 0; i < rs.n; i++) {
		if (strcmp(rs.r[i].locator,
		    "gpt.raw:p4:/Download/archive.zip") == 0)
			zip = &rs.r[i];
		if (rs.r[i].parent == NULL)
			continue;
		if (strcmp(rs.r[i].parent,
		    "gpt.raw:p4:/Download/archive.zip") == 0) {
			assert_int_equal(strncmp(rs.r[i].locator,
			    "gpt.raw:p4:/Download/archive.zip!/", 34), 0);
			/* The member must come after its container. */
			assert_non_null(zip);
			inzip++;
		} else if (strcmp(rs.r[i].parent,
		    "gpt.raw:p4:/Download/t.tar.gz") == 0)
			intar++;
	}
	assert_true(inzip >= 2);
	assert_true(intar >= 1);
	/* A nested entry found by its locator. */
	for (i = 0; i < rs.n; i++)
		if (rs.r[i].parent != NULL && rs.r[i].meta_type == 'r') {
			struct recs one = { 0 };

			assert_int_equal(etk_evidence_stat(ev, rs.r[i].locator,
			    collect_cb, &one, &err), ETK_OK);
			assert_int_equal(one.n, 1);
			assert_string_equal(one.r[0].parent, rs.r[i].parent);
			recs_free(&one);
		}
	recs_free(&rs);
	etk_evidence_close(ev);
}

/* ---- shared fixtures ---- */

static const char *
fixtures(void)
{
	const char *d = getenv("ETK_FIXTURES");
	struct stat st;

	if (d == NULL || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return d;
}

static void
fixture_image(const char *name)
{
	const char *d = fixtures();
	struct stat st;

	if (d == NULL || stat(path_in(d, name), &st) != 0) {
		print_message("fixture %s not present: skipped\n", name);
		skip();
	}
	check_image(path_in(d, name), 1);
}

static void
test_fx_phone_raw(void **state)
{
	(void)state;
	fixture_image("phone.raw");
}

static void
test_fx_phone_e01(void **state)
{
	(void)state;
	fixture_image("phone.E01");
}

static void
test_fx_sd_raw(void **state)
{
	(void)state;
	fixture_image("sd.raw");
}

static void
test_fx_ntfs_raw(void **state)
{
	(void)state;
	fixture_image("ntfs.raw");
}

static void
test_fx_fs_ext4(void **state)
{
	(void)state;
	fixture_image("fs.ext4");
}

static void
test_fx_sd_split(void **state)
{
	(void)state;
	fixture_image("sd.000");
	fixture_image("sd-split.E01");
}

/* Bad inputs never crash; they fail or open with a reason. */
static void
test_fx_bad(void **state)
{
	static const char *names[] = { "bad/random.bin",
	    "bad/gpt-past-end.raw", "bad/mbr-past-end.raw", "bad/notfs.raw",
	    "bad/empty.bin", "bad/truncated.E01", "bad/corrupt.E01" };
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_summary *sum;
	struct ext_check x;
	const char *d = fixtures();
	struct recs rs;
	struct stat st;
	size_t i;
	int rc;

	(void)state;
	if (d == NULL)
		skip();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (stat(path_in(d, names[i]), &st) != 0)
			continue;
		etk_error_clear(&err);
		rc = etk_evidence_open(&ev, path_in(d, names[i]), &err);
		print_message("%s: open %d %s\n", names[i], rc, err.msg);
		if (st.st_size == 0) {
			assert_int_not_equal(rc, ETK_OK);
			assert_non_null(strstr(err.msg, "empty"));
			continue;
		}
		if (strstr(names[i], ".E01") != NULL && rc != ETK_OK) {
			/* The source layer may refuse a broken E01. */
			assert_null(ev);
			assert_true(err.msg[0] != '\0');
			continue;
		}
		assert_int_equal(rc, ETK_OK);
		assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
		rc = walk_recs(ev, NULL, ETK_WALK_DEFAULT | ETK_WALK_NESTED,
		    &rs, sum);
		print_message("%s: walk %d, %zu entries, %zu summary items\n",
		    names[i], rc, rs.n, etk_summary_count(sum));
		assert_true(etk_summary_count(sum) >= 1);
		if (strstr(names[i], "past-end") != NULL) {
			/* The truncation is named, and is an error. */
			const struct etk_volume *v;
			size_t k, nv = etk_evidence_volumes(ev, &v);
			int named = 0;

			for (k = 0; k < nv; k++)
				if (v[k].fs_error != NULL && strstr(v[k].fs_error,
				    "past the end of the image") != NULL)
					named = 1;
			assert_true(named);
			assert_int_equal(etk_summary_exit(sum),
			    ETK_EXIT_FAILURE);
		}
		recs_free(&rs);
		memset(&x, 0, sizeof(x));
		x.size = etk_source_size(etk_evidence_source(ev));
		(void)etk_evidence_unalloc(ev, -1, extent_cb, &x, &err);
		etk_summary_free(sum);
		etk_evidence_close(ev);
	}
}

/* The nested archive in the phone fixture. */
static void
test_fx_nested(void **state)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev = NULL;
	struct etk_source *src;
	unsigned char *data, *zipdata, *want;
	size_t i, j, len, zlen, wlen;
	struct recs rs;
	const char *d = fixtures();
	char cmd[2048];
	FILE *fp;
	int checked = 0;

	(void)state;
	if (d == NULL || etk_evidence_open(&ev, path_in(d, "phone.raw"),
	    &err) != ETK_OK)
		skip();
	assert_int_equal(walk_recs(ev, NULL, ETK_WALK_DEFAULT | ETK_WALK_NESTED,
	    &rs, NULL), ETK_OK);
	for (i = 0; i < rs.n && !checked; i++) {
		const struct rec *z = &rs.r[i];

		if (z->parent != NULL || strstr(z->path, "archive.zip") == NULL)
			continue;
		/* Save the zip, and compare each member with unzip -p. */
		assert_int_equal(etk_evidence_open_file(ev, z->locator, &src,
		    &err), ETK_OK);
		assert_int_equal(read_all(src, &zipdata, &zlen, &err), ETK_OK);
		etk_source_close(src);
		assert_non_null(fp = fopen(tmp_path("fx.zip"), "wb"));
		assert_int_equal(fwrite(zipdata, 1, zlen, fp), zlen);
		fclose(fp);
		free(zipdata);
		for (j = 0; j < rs.n; j++) {
			const struct rec *m = &rs.r[j];

			if (m->parent == NULL || strcmp(m->parent,
			    z->locator) != 0 || m->meta_type != 'r')
				continue;
			if (etk_evidence_open_file(ev, m->locator, &src,
			    &err) != ETK_OK)
				print_message("%s: %s\n", m->locator, err.msg);
			assert_non_null(src);
			assert_int_equal(read_all(src, &data, &len, &err),
			    ETK_OK);
			etk_source_close(src);
			snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s'",
			    tmp_path("fx.zip"), m->path + 1);
			if (capture(cmd, &want, &wlen) == 0) {
				assert_int_equal(len, wlen);
				assert_memory_equal(data, want, len);
				checked++;
			}
			free(want);
			free(data);
		}
	}
	print_message("phone.raw: %d nested members compared with unzip\n",
	    checked);
	recs_free(&rs);
	etk_evidence_close(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_bad_args),
		cmocka_unit_test(test_open_empty),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_bad_locators),
		cmocka_unit_test(test_fat_vs_tsk),
		cmocka_unit_test(test_ext4_vs_tsk),
		cmocka_unit_test(test_ntfs_vs_tsk),
		cmocka_unit_test(test_fat_deleted),
		cmocka_unit_test(test_walk_start_and_stop),
		cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_unalloc),
		cmocka_unit_test(test_memory_source),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_fx_phone_raw),
		cmocka_unit_test(test_fx_phone_e01),
		cmocka_unit_test(test_fx_sd_raw),
		cmocka_unit_test(test_fx_ntfs_raw),
		cmocka_unit_test(test_fx_fs_ext4),
		cmocka_unit_test(test_fx_sd_split),
		cmocka_unit_test(test_fx_bad),
		cmocka_unit_test(test_fx_nested),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

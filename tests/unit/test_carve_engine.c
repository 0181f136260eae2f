/*
 * Unit tests for the carving engine (lib/carve/engine.c) on its own,
 * with private test formats registered here (etk_carve_with_formats):
 * anchors at odd offsets and at an offset inside the file, ascending
 * order, nothing reported inside a complete file but everything inside
 * a corrupt one, the size cap, byte runs of a bifragment file, a
 * validator that would never stop, shards merged equal to one run
 * (N = 1, 2, 3, 7), ranges, -j1 equal to -j4, the files written (never
 * over an existing one), the unallocated scope on the sd.raw fixture,
 * and offsets past 2^41 on a sparse image.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/etk.h>
#include <etk/carve.h>
#include "carve/engine_int.h"

static char tmpdir[64];

/* ------------------------------------------------------ test formats */

/* "CVT1" u32le L, body, "END!" at L-4: complete; other tail: corrupt
 * (half of it the good prefix); window too short: truncated. */
static enum cv_status
v_cvt(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[8], t[4];
	uint32_t l;

	if (cv_read(s, off, h, 8) != 0)
		return CV_NO;
	l = cv_le32(h + 4);
	if (l < 12)
		return CV_NO;
	if (l > max || off + l > s->end) {
		r->status = CV_TRUNCATED;
		r->len = (s->end - off) < max ? s->end - off : max;
		return r->status;
	}
	if (cv_read(s, off + l - 4, t, 4) != 0)
		return CV_NO;
	if (memcmp(t, "END!", 4) != 0) {
		r->status = CV_CORRUPT;
		r->len = l / 2;
		return r->status;
	}
	r->status = CV_COMPLETE;
	r->len = l;
	return r->status;
}

/* "xyz" "OFFS" u32le L ... "END!": the anchor 3 bytes into the file. */
static enum cv_status
v_offs(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[11], t[4];
	uint32_t l;

	if (cv_read(s, off, h, 11) != 0 || memcmp(h, "xyz", 3) != 0)
		return CV_NO;
	l = cv_le32(h + 7);
	if (l < 15 || l > max || cv_read(s, off + l - 4, t, 4) != 0 ||
	    memcmp(t, "END!", 4) != 0)
		return CV_NO;
	r->status = CV_COMPLETE;
	r->len = l;
	r->ext = "off2";	/* refined extension */
	return r->status;
}

/* "FRG2" u32le len1 u64le off2 u32le len2: two pieces. */
static enum cv_status
v_frag(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[20];
	uint32_t l1, l2;
	uint64_t o2;

	if (cv_read(s, off, h, 20) != 0)
		return CV_NO;
	l1 = cv_le32(h + 4);
	o2 = cv_le64(h + 8);
	l2 = cv_le32(h + 16);
	if (l1 < 20 || l2 == 0 || (uint64_t)l1 + l2 > max ||
	    o2 < off + l1 || o2 >= s->end || l2 > s->end - o2)
		return CV_NO;
	r->status = CV_COMPLETE;
	r->len = (uint64_t)l1 + l2;
	r->nfrag = 2;
	r->frag[0].off = off;
	r->frag[0].len = l1;
	r->frag[1].off = o2;
	r->frag[1].len = l2;
	return r->status;
}

/* "SPIN": reads the same byte until the engine stops giving it. */
static enum cv_status
v_spin(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char c;
	size_t got;

	(void)max;
	(void)r;
	do {
		got = 0;
		if (s->read(s->ctx, off, &c, 1, &got) != 0)
			break;
	} while (got == 1);
	return CV_NO;
}

/* SOI ... EOI, for the JPEGs of sd.raw (no decoding: engine test). */
static enum cv_status
v_soi(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char b[4096];
	uint64_t p = off + 3;
	size_t got, i;

	while (p < s->end && p - off < max) {
		got = 0;
		if (s->read(s->ctx, p, b, sizeof(b), &got) != 0 || got < 2)
			return CV_NO;
		for (i = 0; i + 1 < got; i++)
			if (b[i] == 0xff && b[i + 1] == 0xd9) {
				r->status = CV_COMPLETE;
				r->len = p + i + 2 - off;
				return r->status;
			}
		p += got - 1;
	}
	return CV_NO;
}

static const struct cv_format f_cvt = { "cvt", "cvt", "test container",
	(const unsigned char *)"CVT1", 4, 0, 0, v_cvt };
static const struct cv_format f_offs = { "offs", "off", "anchor at +3",
	(const unsigned char *)"OFFS", 4, 3, 0, v_offs };
static const struct cv_format f_frag = { "frag", "frg", "two pieces",
	(const unsigned char *)"FRG2", 4, 0, 0, v_frag };
static const struct cv_format f_spin = { "spin", "spn", "never stops",
	(const unsigned char *)"SPIN", 4, 0, 0, v_spin };
static const struct cv_format f_soi = { "soi", "jpg", "SOI to EOI",
	(const unsigned char *)"\xff\xd8\xff", 3, 0, 0, v_soi };

static const struct cv_format *const fmts[] = { &f_cvt, &f_offs, &f_frag,
	&f_spin };
#define NFMTS (sizeof(fmts) / sizeof(fmts[0]))

/* ------------------------------------------------------------ helpers */

static void
fill(unsigned char *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		/* no byte of any anchor's first letters */
		b[i] = (unsigned char)('a' + (seed >> 16) % 20);
	}
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static void
put_cvt(unsigned char *img, size_t off, uint32_t len, int good)
{
	memcpy(img + off, "CVT1", 4);
	put_le32(img + off + 4, len);
	memcpy(img + off + len - 4, good ? "END!" : "BAD!", 4);
}

static void
put_offs(unsigned char *img, size_t off, uint32_t len)
{
	memcpy(img + off, "xyzOFFS", 7);
	put_le32(img + off + 7, len);
	memcpy(img + off + len - 4, "END!", 4);
}

static void
write_img(const char *path, const unsigned char *b, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

struct col {
	struct etk_buf b;
	size_t n;
	uint64_t last;
	int ordered;
	int stop_after;		/* 0: never */
};

static int
collect(const struct etk_carved *c, void *arg)
{
	struct col *k = arg;
	size_t i;

	if (k->n > 0 && c->offset <= k->last)
		k->ordered = 0;
	k->last = c->offset;
	k->n++;
	etk_buf_printf(&k->b, "%s %" PRIu64 " %" PRIu64 " %s %s %d %d %s %s "
	    "%s", c->locator, c->offset, c->length, c->type, c->ext,
	    c->validated, c->complete, c->status, c->sha256,
	    c->path != NULL ? c->path : "-");
	for (i = 0; i < c->nruns; i++)
		etk_buf_printf(&k->b, " [%" PRIu64 "+%" PRIu64 "@%" PRIu64 "]",
		    c->runs[i].img_offset, c->runs[i].len,
		    c->runs[i].file_offset);
	etk_buf_addc(&k->b, '\n');
	return k->stop_after != 0 && (int)k->n >= k->stop_after;
}

static void
col_init(struct col *k)
{
	memset(k, 0, sizeof(*k));
	etk_buf_init(&k->b);
	k->ordered = 1;
}

/* The spinning validator gets 100 ms, not 2 s. */
static const struct cv_tune quick = { 0, 0, 100 };

static int
carve(const char *path, const char *outdir, struct etk_carve_opts *o,
    const struct cv_tune *tune, struct col *k, struct etk_summary **sump)
{
	struct etk_summary *sum = NULL;
	struct etk_error err = { 0 };
	int rc;

	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	if (tune == NULL)
		tune = &quick;
	rc = etk_carve_with_formats(path, outdir, o, fmts, NFMTS, tune,
	    collect, k, sum, &err);
	if (rc != ETK_OK)
		fprintf(stderr, "carve: %s\n", err.msg);
	if (getenv("CARVE_DUMP") != NULL) {
		struct etk_buf sb;

		etk_buf_init(&sb);
		etk_summary_text(sum, &sb);
		fprintf(stderr, "%s%s", k->b.data, sb.data);
		etk_buf_release(&sb);
	}
	if (sump != NULL)
		*sump = sum;
	else
		etk_summary_free(sum);
	return rc;
}

static void
sha256_of(const unsigned char *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int l = 0;

	EVP_Digest(p, n, md, &l, EVP_sha256(), NULL);
	etk_hex(md, l, out);
}

/* ------------------------------------------------------- the test image */

#define IMGSZ	(512 * 1024)
static unsigned char *img;
static char imgpath[128];

/* Offsets of what the image holds (see make_image). */
static const size_t at_cvt1 = 1, at_offs = 1001, at_cvt_odd = 5003;
static const size_t at_outer = 10000, at_inner = 11001;
static const size_t at_bad = 20000, at_after_bad = 20101;
static const size_t at_frag = 30001, at_frag2 = 40000;
static const size_t at_spin = 50001, at_after_spin = 50011;

static void
make_image(void)
{
	size_t i, off;
	uint32_t len;
	uint32_t seed = 7;

	img = malloc(IMGSZ);
	assert_non_null(img);
	fill(img, IMGSZ, 1);
	put_cvt(img, at_cvt1, 100, 1);
	put_offs(img, at_offs, 200);
	put_cvt(img, at_cvt_odd, 333, 1);
	/* a complete file with one inside it */
	put_cvt(img, at_outer, 5000, 1);
	put_cvt(img, at_inner, 64, 1);
	/* a corrupt start with a real file inside its prefix */
	put_cvt(img, at_bad, 3000, 0);
	put_cvt(img, at_after_bad, 50, 1);
	/* a bifragment file; a cvt in its gap is reported */
	memcpy(img + at_frag, "FRG2", 4);
	put_le32(img + at_frag + 4, 1000);
	put_le64(img + at_frag + 8, at_frag2);
	put_le32(img + at_frag + 16, 777);
	put_cvt(img, at_frag + 2000, 40, 1);
	/* a validator that would spin, then a file */
	memcpy(img + at_spin, "SPIN", 4);
	put_cvt(img, at_after_spin, 40, 1);
	/* the rest: files at pseudo-random offsets, some nested, some
	 * straddling shard and stripe boundaries */
	for (i = 0, off = 60001; i < 60 && off < IMGSZ - 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		len = 12 + (seed >> 8) % 9000;
		switch ((seed >> 4) % 4) {
		case 0:
			put_offs(img, off, len + 3);
			break;
		case 1:
			put_cvt(img, off, len, 0);
			break;
		default:
			put_cvt(img, off, len, 1);
			if ((seed >> 6) % 2)	/* nested, may poke out */
				put_cvt(img, off + len / 2 + 1, len, 1);
			break;
		}
		off += 5 + (seed >> 12) % 7000;
	}
	/* a file across the boundary of shards 5 and 6 of 7 (449024)
	 * with one inside it after the boundary */
	put_cvt(img, 448001, 8000, 1);
	put_cvt(img, 450001, 100, 1);
	/* a file cut by the end of the image */
	memcpy(img + IMGSZ - 100, "CVT1", 4);
	put_le32(img + IMGSZ - 100 + 4, 5000);
	snprintf(imgpath, sizeof(imgpath), "%s/img.raw", tmpdir);
	write_img(imgpath, img, IMGSZ);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-carve-test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	make_image();
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	free(img);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
has_line(const struct col *k, const char *prefix)
{
	const char *p = k->b.data;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return 1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

static void
test_basic(void **state)
{
	struct etk_carve_opts o;
	struct etk_summary *sum = NULL;
	const char *scope, *kind, *reason;
	enum etk_outcome oc;
	uint64_t count;
	struct col k;
	char want[256], sha[65];
	size_t i;
	int timeouts = 0;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 2;
	col_init(&k);
	assert_int_equal(carve(imgpath, NULL, &o, NULL, &k, &sum), ETK_OK);
	assert_true(k.ordered);
	/* the spinning candidate spent its CPU budget: a timeout item
	 * names it, and the run is partial */
	for (i = 0; i < etk_summary_count(sum); i++) {
		assert_int_equal(etk_summary_item(sum, i, &scope, &kind, &oc,
		    &count, &reason), 0);
		if (oc == ETK_OUTCOME_TIMEOUT) {
			assert_string_equal(scope, "img.raw:@50001");
			timeouts++;
		}
	}
	assert_int_equal(timeouts, 1);
	assert_int_equal(etk_summary_exit(sum), 3);
	etk_summary_free(sum);
	/* odd offsets, the anchor 3 bytes in, the refined extension */
	sha256_of(img + at_cvt1, 100, sha);
	snprintf(want, sizeof(want), "img.raw:@1+100 1 100 cvt cvt 1 1 "
	    "complete %s - [1+100@0]", sha);
	assert_true(has_line(&k, want));
	assert_true(has_line(&k, "img.raw:@1001+200 1001 200 offs off2 1 1 "
	    "complete"));
	assert_true(has_line(&k, "img.raw:@5003+333 5003 333 cvt"));
	/* inside a complete file: hidden; inside a corrupt one: not */
	assert_true(has_line(&k, "img.raw:@10000+5000 "));
	assert_false(has_line(&k, "img.raw:@11001+"));
	assert_true(has_line(&k, "img.raw:@20000+1500 20000 1500 cvt cvt 0 0 "
	    "corrupt"));
	assert_true(has_line(&k, "img.raw:@20101+50 "));
	/* bifragment: runs, and the file in its gap */
	{
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		unsigned char d[EVP_MAX_MD_SIZE];
		unsigned int dl = 0;

		EVP_DigestInit_ex(md, EVP_sha256(), NULL);
		EVP_DigestUpdate(md, img + at_frag, 1000);
		EVP_DigestUpdate(md, img + at_frag2, 777);
		EVP_DigestFinal_ex(md, d, &dl);
		EVP_MD_CTX_free(md);
		etk_hex(d, dl, sha);
	}
	snprintf(want, sizeof(want), "img.raw:@30001+1000 30001 1777 frag "
	    "frg 1 1 complete %s - [30001+1000@0] [40000+777@1000]", sha);
	assert_true(has_line(&k, want));
	assert_true(has_line(&k, "img.raw:@32001+40 "));
	/* the spinning validator did not stop the scan */
	assert_true(has_line(&k, "img.raw:@50011+40 "));
	/* cut by the end of the source */
	snprintf(want, sizeof(want), "img.raw:@%u+100 %u 100 cvt cvt 0 0 "
	    "truncated", IMGSZ - 100, IMGSZ - 100);
	assert_true(has_line(&k, want));
	(void)at_offs;
	(void)at_after_bad;
	(void)at_inner;
	etk_buf_release(&k.b);
}

static void
test_cap(void **state)
{
	struct etk_carve_opts o;
	struct col k;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 1;
	o.max_size = 4096;
	col_init(&k);
	assert_int_equal(carve(imgpath, NULL, &o, NULL, &k, NULL), ETK_OK);
	/* the 5000-byte file is cut at the cap, and no longer hides the
	 * one inside it */
	assert_true(has_line(&k, "img.raw:@10000+4096 10000 4096 cvt cvt 0 0 "
	    "truncated"));
	assert_true(has_line(&k, "img.raw:@11001+64 "));
	etk_buf_release(&k.b);
}

static void
test_types(void **state)
{
	struct etk_carve_opts o;
	struct col k;
	struct etk_summary *sum = NULL;
	struct etk_error err = { 0 };

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 1;
	o.types = "offs";
	col_init(&k);
	assert_int_equal(carve(imgpath, NULL, &o, NULL, &k, NULL), ETK_OK);
	assert_true(k.n > 0);
	assert_false(has_line(&k, "img.raw:@1+"));
	assert_true(has_line(&k, "img.raw:@1001+200 "));
	etk_buf_release(&k.b);
	o.types = "cvt,nosuch";
	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	assert_int_equal(etk_carve_with_formats(imgpath, NULL, &o, fmts,
	    NFMTS, NULL, collect, &k, sum, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "nosuch"));
	etk_summary_free(sum);
}

/* One run with small stripes and blocks (many work items) is the
 * reference for threads, shards and ranges. */
static const struct cv_tune small = { 8192, 4096, 100 };

static void
test_threads(void **state)
{
	struct etk_carve_opts o;
	struct col a, b, c;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 1;
	col_init(&a);
	col_init(&b);
	col_init(&c);
	assert_int_equal(carve(imgpath, NULL, &o, &small, &a, NULL), ETK_OK);
	o.threads = 4;
	assert_int_equal(carve(imgpath, NULL, &o, &small, &b, NULL), ETK_OK);
	assert_int_equal(carve(imgpath, NULL, &o, NULL, &c, NULL), ETK_OK);
	assert_true(a.n > 30);
	assert_true(a.ordered && b.ordered && c.ordered);
	assert_string_equal(a.b.data, b.b.data);
	assert_string_equal(a.b.data, c.b.data);
	etk_buf_release(&a.b);
	etk_buf_release(&b.b);
	etk_buf_release(&c.b);
}

static void
test_shards(void **state)
{
	static const uint64_t ns[] = { 1, 2, 3, 7 };
	struct etk_carve_opts o;
	struct col ref, k;
	struct etk_buf all;
	uint64_t i, n, lo, hi, prev;
	size_t t;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 2;
	o.max_size = 20000;	/* look-back and overlap */
	col_init(&ref);
	assert_int_equal(carve(imgpath, NULL, &o, &small, &ref, NULL),
	    ETK_OK);
	assert_true(has_line(&ref, "img.raw:@448001+8000 "));
	assert_false(has_line(&ref, "img.raw:@450001+"));
	for (t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
		n = ns[t];
		etk_buf_init(&all);
		prev = 0;
		for (i = 0; i < n; i++) {
			o.shard_k = i;
			o.shard_n = n;
			/* the shards tile the source */
			assert_int_equal(etk_carve_owner_range(IMGSZ, &o, &lo,
			    &hi, NULL), ETK_OK);
			assert_int_equal(lo, prev);
			prev = hi;
			col_init(&k);
			assert_int_equal(carve(imgpath, NULL, &o,
			    i % 2 ? &small : NULL, &k, NULL), ETK_OK);
			etk_buf_add(&all, k.b.data, k.b.len);
			etk_buf_release(&k.b);
		}
		assert_int_equal(prev, IMGSZ);
		assert_string_equal(all.data, ref.b.data);
		etk_buf_release(&all);
	}
	o.shard_k = 3;
	o.shard_n = 3;
	assert_int_equal(etk_carve_owner_range(IMGSZ, &o, &lo, &hi, NULL),
	    ETK_EINVAL);
	etk_buf_release(&ref.b);
}

static void
test_ranges(void **state)
{
	static const uint64_t r[][2] = { { 0, 1 }, { 1, 1 }, { 10500, 100 },
		{ 20001, 30000 }, { 100000, 123457 }, { 300000, 1 << 20 },
		{ 449500, 1000 },
		{ 450001, 1 } };
	struct etk_carve_opts o;
	struct col ref, k;
	struct etk_buf want;
	const char *p, *nl;
	uint64_t off;
	size_t i;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 3;
	o.max_size = 20000;
	col_init(&ref);
	assert_int_equal(carve(imgpath, NULL, &o, &small, &ref, NULL),
	    ETK_OK);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		o.has_range = 1;
		o.range_start = r[i][0];
		o.range_len = r[i][1];
		col_init(&k);
		assert_int_equal(carve(imgpath, NULL, &o, NULL, &k, NULL),
		    ETK_OK);
		/* the reference's lines whose offset is in the range */
		etk_buf_init(&want);
		for (p = ref.b.data; *p != '\0'; p = nl + 1) {
			nl = strchr(p, '\n');
			off = strtoull(strchr(p, ' ') + 1, NULL, 10);
			if (off >= r[i][0] && off < r[i][0] + r[i][1])
				etk_buf_add(&want, p, (size_t)(nl - p + 1));
		}
		assert_string_equal(k.b.data, want.data);
		etk_buf_release(&want);
		etk_buf_release(&k.b);
	}
	o.range_start = IMGSZ;
	o.range_len = 10;
	col_init(&k);
	assert_int_not_equal(carve(imgpath, NULL, &o, NULL, &k, NULL),
	    ETK_OK);
	etk_buf_release(&k.b);
	etk_buf_release(&ref.b);
}

static int
file_sha(const char *path, char out[65], size_t *len)
{
	static unsigned char buf[1 << 16];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int l = 0;
	EVP_MD_CTX *c;
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	*len = 0;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		EVP_DigestUpdate(c, buf, n);
		*len += n;
	}
	fclose(fp);
	EVP_DigestFinal_ex(c, md, &l);
	EVP_MD_CTX_free(c);
	etk_hex(md, l, out);
	return 0;
}

static void
test_write(void **state)
{
	struct etk_carve_opts o;
	struct etk_summary *sum = NULL;
	struct col k, k2;
	char out[128], path[512], sha[65], want[65];
	const char *p, *nl;
	size_t len, n = 0;
	uint64_t off, flen;

	(void)state;
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	memset(&o, 0, sizeof(o));
	o.threads = 2;
	o.types = "cvt,offs,frag";	/* not spin: no timeout */
	col_init(&k);
	assert_int_equal(carve(imgpath, out, &o, NULL, &k, &sum), ETK_OK);
	assert_int_equal(etk_summary_exit(sum), 0);
	etk_summary_free(sum);
	/* every record's file: its bytes are the source's at the offset
	 * (single-run records), named by type and zero-padded offset */
	snprintf(path, sizeof(path), "%s/carved/cvt/000001.cvt", out);
	assert_int_equal(file_sha(path, sha, &len), 0);
	sha256_of(img + 1, 100, want);
	assert_string_equal(sha, want);
	snprintf(path, sizeof(path), "%s/partial/cvt/020000.cvt", out);
	assert_int_equal(file_sha(path, sha, &len), 0);
	assert_int_equal(len, 1500);
	for (p = k.b.data; *p != '\0'; p = nl + 1) {
		const char *q;
		char rel[256];

		nl = strchr(p, '\n');
		off = strtoull(strchr(p, ' ') + 1, (char **)&q, 10);
		flen = strtoull(q + 1, NULL, 10);
		/* the 10th field is the path */
		q = p;
		for (int f = 0; f < 9; f++)
			q = strchr(q, ' ') + 1;
		snprintf(rel, sizeof(rel), "%.*s", (int)(strchr(q, ' ') - q),
		    q);
		snprintf(path, sizeof(path), "%s/%s", out, rel);
		assert_int_equal(file_sha(path, sha, &len), 0);
		assert_int_equal(len, flen);
		if (strstr(p, " frag ") == NULL) {
			sha256_of(img + off, (size_t)flen, want);
			assert_string_equal(sha, want);
		}
		assert_non_null(strstr(p, sha));
		n++;
	}
	assert_int_equal(n, k.n);
	/* a second run into the same directory overwrites nothing */
	col_init(&k2);
	assert_int_equal(carve(imgpath, out, &o, NULL, &k2, &sum), ETK_OK);
	assert_int_equal(k2.n, 0);
	assert_int_not_equal(etk_summary_exit(sum), 0);
	etk_summary_free(sum);
	snprintf(path, sizeof(path), "%s/carved/cvt/000001.cvt", out);
	assert_int_equal(file_sha(path, sha, &len), 0);
	sha256_of(img + 1, 100, want);
	assert_string_equal(sha, want);
	etk_buf_release(&k.b);
	etk_buf_release(&k2.b);
}

static void
test_stop(void **state)
{
	struct etk_carve_opts o;
	struct col k;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 4;
	col_init(&k);
	k.stop_after = 3;
	assert_int_equal(carve(imgpath, NULL, &o, &small, &k, NULL), ETK_OK);
	assert_int_equal(k.n, 3);
	etk_buf_release(&k.b);
}

/* The engine's unallocated scope on sd.raw: three JPEGs, one deleted. */
static void
test_unalloc(void **state)
{
	static const struct cv_format *const soi[] = { &f_soi };
	struct etk_summary *sum = NULL;
	struct etk_error err = { 0 };
	struct etk_carve_opts o;
	const char *fix = getenv("ETK_FIXTURES");
	char path[512];
	struct col k;

	(void)state;
	if (fix == NULL) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "%s/sd.raw", fix);
	if (access(path, R_OK) != 0) {
		skip();
		return;
	}
	memset(&o, 0, sizeof(o));
	o.threads = 2;
	col_init(&k);
	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	assert_int_equal(etk_carve_with_formats(path, NULL, &o, soi, 1, NULL,
	    collect, &k, sum, &err), ETK_OK);
	assert_int_equal(k.n, 1);
	/* IMG_0002.jpg, deleted (icat -r -o 2048 sd.raw 38) */
	assert_true(has_line(&k, "sd.raw:@2084352+829 2084352 829 soi jpg"));
	etk_summary_free(sum);
	etk_buf_release(&k.b);
	o.scope = ETK_CARVE_SCOPE_ALL;
	col_init(&k);
	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	assert_int_equal(etk_carve_with_formats(path, NULL, &o, soi, 1, NULL,
	    collect, &k, sum, &err), ETK_OK);
	assert_int_equal(k.n, 3);
	etk_summary_free(sum);
	etk_buf_release(&k.b);
}

/* Offsets past 2^41 bytes (and 2^32 sectors): a sparse 3 TiB image. */
static void
test_far(void **state)
{
	const uint64_t far = ((uint64_t)1 << 41) + 4097;
	struct etk_carve_opts o;
	unsigned char f[300], back[300];
	char path[128], want[256];
	struct col k;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/far.raw", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	if (ftruncate(fd, (off_t)3 << 40) != 0) {
		close(fd);
		unlink(path);
		skip();
		return;
	}
	fill(f, sizeof(f), 9);
	put_cvt(f, 0, 300, 1);
	assert_int_equal(pwrite(fd, f, sizeof(f), (off_t)far), 300);
	close(fd);
	memset(&o, 0, sizeof(o));
	o.threads = 2;
	o.max_size = 1 << 20;
	o.has_range = 1;
	o.range_start = far - 5000;
	o.range_len = 10000;
	col_init(&k);
	assert_int_equal(carve(path, NULL, &o, NULL, &k, NULL), ETK_OK);
	assert_int_equal(k.n, 1);
	snprintf(want, sizeof(want), "far.raw:@%" PRIu64 "+300 %" PRIu64
	    " 300 cvt", far, far);
	assert_true(has_line(&k, want));
	snprintf(want, sizeof(want), "[%" PRIu64 "+300@0]", far);
	assert_non_null(strstr(k.b.data, want));
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, back, 300, (off_t)far), 300);
	close(fd);
	assert_memory_equal(back, f, 300);
	unlink(path);
	etk_buf_release(&k.b);
}

static void
test_formats_list(void **state)
{
	struct etk_buf b;
	const struct cv_format *all[256];
	size_t n, lines = 0, refined = 0;
	char *line, *save = NULL;

	(void)state;
	etk_buf_init(&b);
	etk_carve_formats(&b);
	n = etk_cv_all(all, 256);
	/* one line per format, then the kinds found inside them */
	for (line = strtok_r(b.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, " (found as ") != NULL)
			refined++;
		else {
			assert_int_equal(refined, 0);
			lines++;
		}
	}
	assert_int_equal(lines, n);
	assert_true(refined > 0);
	etk_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_unalloc),
		cmocka_unit_test(test_far),
		cmocka_unit_test(test_formats_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

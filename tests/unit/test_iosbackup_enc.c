/*
 * Unit tests for encrypted iTunes/Finder backups (lib/fs/iosbackup.c,
 * lib/fs/iosenc.c) through the public etk_evidence API.
 *
 * $ETK_FIXTURES/ios-backup-enc is the fixtures' ios-backup encrypted
 * with the password in ios-backup-enc.password (fixtures/README.md).
 * With the right password it must list the same entries as ios-backup
 * and give the same bytes for every file, at any offset; a wrong or
 * missing password is a clear ETK_EINVAL; damaged copies (made here by
 * a Python script with fixtures/src/fxtool.py's AES) fail cleanly with
 * the layer named, or, for one damaged file, only that file fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <etk/etk.h>

static char fix[512];		/* $ETK_FIXTURES */
static char tmp[512];		/* private work folder */
static char python[64] = "python3";

static const char gen_py[] =
    "import hashlib, os, plistlib, random, shutil, struct, sys\n"
    "src, fxdir, out = sys.argv[1], sys.argv[2], sys.argv[3]\n"
    "sys.dont_write_bytecode = True  # no __pycache__ in fixtures/src\n"
    "sys.path.insert(0, fxdir)\n"
    "import fxtool\n"
    "PW = open(src + '.password', 'rb').read().split(b'\\n')[0]\n"
    "def tlvs(kb):\n"
    "    i, out = 0, []\n"
    "    while i + 8 <= len(kb):\n"
    "        n = struct.unpack('>I', kb[i+4:i+8])[0]\n"
    "        out.append([kb[i:i+4], kb[i+8:i+8+n]])\n"
    "        i += 8 + n\n"
    "    return out\n"
    "def join(bl):\n"
    "    return b''.join(t + struct.pack('>I', len(v)) + v for t, v in bl)\n"
    "def variant(name, plist=None, files=None, fmt=plistlib.FMT_BINARY):\n"
    "    d = os.path.join(out, name)\n"
    "    shutil.copytree(src, d)\n"
    "    p = os.path.join(d, 'Manifest.plist')\n"
    "    with open(p, 'rb') as f:\n"
    "        m = plistlib.load(f)\n"
    "    if plist:\n"
    "        plist(m)\n"
    "    with open(p, 'wb') as f:\n"
    "        plistlib.dump(m, f, fmt=fmt)\n"
    "    if files:\n"
    "        files(d)\n"
    "def kb_edit(fn):\n"
    "    def f(m):\n"
    "        bl = tlvs(m['BackupKeyBag'])\n"
    "        fn(bl)\n"
    "        m['BackupKeyBag'] = join(bl)\n"
    "    return f\n"
    "def flip(bl, tag, at=0):\n"
    "    for b in bl:\n"
    "        if b[0] == tag:\n"
    "            v = bytearray(b[1]); v[at] ^= 0x5a; b[1] = bytes(v); return\n"
    "def setint(bl, tag, v):\n"
    "    for b in bl:\n"
    "        if b[0] == tag:\n"
    "            b[1] = struct.pack('>I', v)\n"
    "def flipfile(rel, back):\n"
    "    def f(d):\n"
    "        p = os.path.join(d, rel)\n"
    "        b = bytearray(open(p, 'rb').read())\n"
    "        b[len(b) - back] ^= 0x01\n"
    "        open(p, 'wb').write(b)\n"
    "    return f\n"
    "SMS = '3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28'\n"
    "variant('xml', fmt=plistlib.FMT_XML)\n"
    "variant('kb-wpky', kb_edit(lambda bl: flip(bl, b'WPKY', 7)))\n"
    "variant('kb-dpic', kb_edit(lambda bl: setint(bl, b'DPIC', 0xffffffff)))\n"
    "variant('kb-nosalt', kb_edit(lambda bl: bl.remove([b for b in bl if b[0] == b'SALT'][0])))\n"
    "def past_end(m):\n"
    "    kb = bytearray(m['BackupKeyBag'])\n"
    "    kb[-44:-40] = b'\\xff\\xff\\xff\\xf0'\n"
    "    m['BackupKeyBag'] = bytes(kb)\n"
    "variant('kb-past-end', past_end)\n"
    "variant('kb-empty', lambda m: m.__setitem__('BackupKeyBag', b''))\n"
    "variant('kb-none', lambda m: m.pop('BackupKeyBag'))\n"
    "r = random.Random(7)\n"
    "for i in range(4):\n"
    "    variant('kb-random%d' % i, lambda m: m.__setitem__('BackupKeyBag', r.randbytes(300 + 400 * i)))\n"
    "def mk_flip(m):\n"
    "    v = bytearray(m['ManifestKey']); v[20] ^= 1; m['ManifestKey'] = bytes(v)\n"
    "variant('mk-flip', mk_flip)\n"
    "variant('mk-short', lambda m: m.__setitem__('ManifestKey', m['ManifestKey'][:10]))\n"
    "variant('mk-class', lambda m: m.__setitem__('ManifestKey', struct.pack('<I', 99) + m['ManifestKey'][4:]))\n"
    "variant('db-last', files=flipfile('Manifest.db', 3))\n"
    "variant('file-last', files=flipfile(SMS, 2))\n"
    "def trunc(d):\n"
    "    os.truncate(os.path.join(d, SMS), 4096)\n"
    "variant('file-trunc', files=trunc)\n"
    "# Backups before iOS 10.2: no DPSL/DPIC, class keys wrapped with\n"
    "# PBKDF2-SHA1(password, SALT, ITER) alone.\n"
    "def old_kdf(bl):\n"
    "    a = {t: v for t, v in bl}\n"
    "    kek = hashlib.pbkdf2_hmac('sha1', PW, a[b'SALT'], struct.unpack('>I', a[b'ITER'])[0], 32)\n"
    "    bl[:] = [b for b in bl if b[0] not in (b'DPSL', b'DPIC', b'DPWT')]\n"
    "    cls = None\n"
    "    for b in bl:\n"
    "        if b[0] == b'CLAS':\n"
    "            cls = struct.unpack('>I', b[1])[0]\n"
    "        if b[0] == b'WPKY':\n"
    "            b[1] = fxtool.aes_wrap(kek, fxtool._det('class%d' % cls))\n"
    "variant('old-kdf', kb_edit(old_kdf))\n"
    "# What devices write: DPIC 10,000,000 and ITER 10,000.\n"
    "fxtool.ENC_DPIC, fxtool.ENC_ITER = 10000000, 10000\n"
    "kb, keys = fxtool.ios_keybag(PW)\n"
    "variant('device-counts', lambda m: m.__setitem__('BackupKeyBag', kb))\n"
    "open(os.path.join(out, 'pw-crlf'), 'wb').write(PW + b'\\r\\nsecond line\\n')\n"
    "open(os.path.join(out, 'pw-wrong'), 'wb').write(PW + b'x\\n')\n"
    "open(os.path.join(out, 'pw-empty'), 'wb').write(b'\\n')\n";

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static const char *
F(const char *name)
{
	static char p[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", fix, name);
	return p[k];
}

static const char *
T(const char *name)
{
	static char p[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmp, name);
	return p[k];
}

static int
open_pw(struct etk_evidence **ev, const char *path, const char *pwfile,
    struct etk_error *err)
{
	struct etk_evidence_opts o;

	memset(&o, 0, sizeof(o));
	o.password_file = pwfile;
	memset(err, 0, sizeof(*err));
	return etk_evidence_open_opts(ev, path, &o, err);
}

static struct etk_evidence *
must_open(const char *path, const char *pwfile)
{
	struct etk_evidence *ev = NULL;
	struct etk_error err;

	if (open_pw(&ev, path, pwfile, &err) != ETK_OK)
		fail_msg("open %s: %s", path, err.msg);
	return ev;
}

static void
expect_fail(const char *path, const char *pwfile, int code, const char *msg)
{
	struct etk_evidence *ev = (struct etk_evidence *)&fix;
	struct etk_error err;
	int rc;

	rc = open_pw(&ev, path, pwfile, &err);
	assert_null(ev);
	if (rc != code || strstr(err.msg, msg) == NULL)
		fail_msg("open %s: got %d '%s', want %d '%s'", path, rc,
		    err.msg, code, msg);
	/* One line, naming the evidence. */
	assert_null(strchr(err.msg, '\n'));
}

/* ---- listings ---- */

struct list {
	struct etk_buf b;
	char strip[256];	/* locator prefix to drop: "name:" */
};

static int
list_cb(const struct etk_entry *e, void *arg)
{
	struct list *l = arg;
	const char *loc = e->locator;

	if (strncmp(loc, l->strip, strlen(l->strip)) == 0)
		loc += strlen(l->strip);
	etk_buf_printf(&l->b, "%c %s %" PRIu64 " %" PRId64 " %o %s\n",
	    e->name_type, loc, e->size, e->mtime, (unsigned)e->mode,
	    e->path);
	return 0;
}

/* Entries with the locators' "name:" dropped (the backups' names differ). */
static char *
listing(struct etk_evidence *ev)
{
	struct etk_error err = { 0 };
	struct list l;

	etk_buf_init(&l.b);
	snprintf(l.strip, sizeof(l.strip), "%s:", etk_evidence_name(ev));
	if (etk_evidence_walk(ev, NULL, ETK_WALK_DEFAULT, list_cb, &l, NULL,
	    &err) != ETK_OK)
		fail_msg("walk: %s", err.msg);
	return etk_buf_detach(&l.b);
}

/* The whole content of locator, or NULL with err set. */
static unsigned char *
content(struct etk_evidence *ev, const char *loc, size_t *n,
    struct etk_error *err)
{
	struct etk_source *src = NULL;
	unsigned char *buf;
	uint64_t size;
	size_t got;

	*n = 0;
	memset(err, 0, sizeof(*err));
	if (etk_evidence_open_file(ev, loc, &src, err) != ETK_OK)
		return NULL;
	size = etk_source_size(src);
	assert_true(size < 64 * 1024 * 1024);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	if (etk_source_read(src, 0, buf, (size_t)size + 1, &got, err) !=
	    ETK_OK) {
		free(buf);
		etk_source_close(src);
		return NULL;
	}
	assert_int_equal(got, size);	/* and nothing past the end */
	etk_source_close(src);
	*n = got;
	return buf;
}

static const char *const files[] = {
	"/HomeDomain/Library/SMS/sms.db",
	"/HomeDomain/Library/CallHistoryDB/CallHistory.storedata",
	"/HomeDomain/Library/AddressBook/AddressBook.sqlitedb",
	"/CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG",
	"/MediaDomain/Library/SMS/Attachments/ab/11/"
	    "AB11CDEF-1234-4567-89AB-CDEF01234567/IMG_0002.jpeg",
	NULL
};

/* Same entries and the same bytes as the unencrypted backup. */
static void
same_as_plain(struct etk_evidence *enc)
{
	struct etk_evidence *plain = must_open(F("ios-backup"), NULL);
	struct etk_error err;
	struct etk_source *src;
	char *a, *b, loc[256];
	unsigned char *x, *y, part[5000];
	size_t nx, ny, got, i;
	uint64_t off;
	int nfiles = 0;

	a = listing(plain);
	b = listing(enc);
	assert_string_equal(a, b);
	/* and the listing is the backup, not empty */
	assert_non_null(strstr(b, "r /HomeDomain/Library/SMS/sms.db "));
	free(a);
	free(b);
	for (i = 0; files[i] != NULL; i++) {
		x = content(plain, files[i], &nx, &err);
		if (x == NULL)
			fail_msg("%s (plain): %s", files[i], err.msg);
		y = content(enc, files[i], &ny, &err);
		if (y == NULL)
			fail_msg("%s (encrypted): %s", files[i], err.msg);
		assert_int_equal(nx, ny);
		assert_true(nx > 0);
		assert_memory_equal(x, y, nx);
		/* random access: reads starting and ending anywhere */
		snprintf(loc, sizeof(loc), "%s", files[i]);
		assert_int_equal(etk_evidence_open_file(enc, loc, &src, &err),
		    ETK_OK);
		for (off = 0; off < nx; off += nx / 7 + 13) {
			memset(part, 0, sizeof(part));
			assert_int_equal(etk_source_read(src, off, part,
			    sizeof(part), &got, &err), ETK_OK);
			assert_int_equal(got, nx - off < sizeof(part) ?
			    nx - off : sizeof(part));
			assert_memory_equal(part, x + off, got);
		}
		assert_int_equal(etk_source_read(src, nx, part, 10, &got,
		    &err), ETK_OK);
		assert_int_equal(got, 0);
		etk_source_close(src);
		free(x);
		free(y);
		nfiles++;
	}
	assert_int_equal(nfiles, 5);
	etk_evidence_close(plain);
}

/* ---- tests ---- */

static void
test_right_password(void **state)
{
	struct etk_evidence *ev;

	(void)state;
	unsetenv("ETK_PASSWORD_FILE");
	ev = must_open(F("ios-backup-enc"), F("ios-backup-enc.password"));
	assert_int_equal(etk_evidence_kind(ev), ETK_EV_IOS_BACKUP);
	same_as_plain(ev);
	etk_evidence_close(ev);
	/* A CRLF line end and a second line do not matter. */
	ev = must_open(F("ios-backup-enc"), T("pw-crlf"));
	same_as_plain(ev);
	etk_evidence_close(ev);
	/* The Manifest.plist as XML, as some tools rewrite it. */
	ev = must_open(T("xml"), F("ios-backup-enc.password"));
	etk_evidence_close(ev);
}

static void
test_env(void **state)
{
	struct etk_evidence *ev = NULL;
	struct etk_error err = { 0 };

	(void)state;
	setenv("ETK_PASSWORD_FILE", F("ios-backup-enc.password"), 1);
	assert_int_equal(etk_evidence_open(&ev, F("ios-backup-enc"), &err),
	    ETK_OK);
	etk_evidence_close(ev);
	/* The caller's file wins over the environment. */
	setenv("ETK_PASSWORD_FILE", T("pw-wrong"), 1);
	ev = must_open(F("ios-backup-enc"), F("ios-backup-enc.password"));
	etk_evidence_close(ev);
	expect_fail(F("ios-backup-enc"), NULL, ETK_EINVAL, "wrong password");
	/* An empty variable is no password. */
	setenv("ETK_PASSWORD_FILE", "", 1);
	expect_fail(F("ios-backup-enc"), NULL, ETK_EINVAL,
	    "ios-backup-enc: ios-backup: encrypted backup");
	unsetenv("ETK_PASSWORD_FILE");
	/* Unencrypted evidence ignores a password. */
	ev = must_open(F("ios-backup"), T("pw-wrong"));
	etk_evidence_close(ev);
	ev = must_open(F("ios-ffs.tar"), T("pw-wrong"));
	etk_evidence_close(ev);
}

static void
test_wrong_password(void **state)
{
	(void)state;
	unsetenv("ETK_PASSWORD_FILE");
	expect_fail(F("ios-backup-enc"), T("pw-wrong"), ETK_EINVAL,
	    "ios-backup-enc: ios-backup: wrong password");
	expect_fail(F("ios-backup-enc"), NULL, ETK_EINVAL,
	    "its password is needed");
	expect_fail(F("ios-backup-enc"), T("pw-empty"), ETK_EINVAL,
	    "is empty");
	expect_fail(F("ios-backup-enc"), T("no-such-file"), ETK_EINVAL,
	    "cannot read password file");
}

static void
test_tampered(void **state)
{
	const char *pw = F("ios-backup-enc.password");
	struct etk_evidence *ev;
	struct etk_error err;
	unsigned char *x;
	size_t n;
	char name[32];
	int i, rc;

	(void)state;
	unsetenv("ETK_PASSWORD_FILE");
	/* A changed wrapped class key cannot be told from a wrong
	 * password: the unwrap check fails either way. */
	expect_fail(T("kb-wpky"), pw, ETK_EINVAL, "wrong password");
	expect_fail(T("kb-dpic"), pw, ETK_EFORMAT, "implausible iteration");
	expect_fail(T("kb-nosalt"), pw, ETK_EFORMAT, "no SALT");
	expect_fail(T("kb-past-end"), pw, ETK_EFORMAT, "runs past the end");
	expect_fail(T("kb-empty"), pw, ETK_EFORMAT, "BackupKeyBag");
	expect_fail(T("kb-none"), pw, ETK_EFORMAT, "without a BackupKeyBag");
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "kb-random%d", i);
		ev = NULL;
		rc = open_pw(&ev, T(name), pw, &err);
		assert_int_not_equal(rc, ETK_OK);
		assert_null(ev);
		assert_true(strstr(err.msg, "ios-backup") != NULL);
	}
	expect_fail(T("mk-flip"), pw, ETK_EFORMAT, "ManifestKey does not "
	    "unwrap");
	expect_fail(T("mk-short"), pw, ETK_EFORMAT, "usable ManifestKey");
	expect_fail(T("mk-class"), pw, ETK_EFORMAT, "class 99");
	expect_fail(T("db-last"), pw, ETK_EFORMAT, "Manifest.db does not "
	    "decrypt");

	/* One damaged file: the backup opens, that file fails, the others
	 * read. */
	ev = must_open(T("file-last"), pw);
	x = content(ev, files[0], &n, &err);
	assert_null(x);
	assert_int_equal(err.code, ETK_EFORMAT);
	assert_non_null(strstr(err.msg, "bad padding"));
	x = content(ev, files[1], &n, &err);
	assert_non_null(x);
	free(x);
	etk_evidence_close(ev);
	ev = must_open(T("file-trunc"), pw);
	x = content(ev, files[0], &n, &err);
	assert_null(x);
	assert_int_equal(err.code, ETK_EFORMAT);
	assert_non_null(strstr(err.msg, "sms.db"));
	etk_evidence_close(ev);
}

/* Old (iOS < 10.2) and device iteration counts. */
static void
test_kdf_variants(void **state)
{
	struct etk_evidence *ev;

	(void)state;
	unsetenv("ETK_PASSWORD_FILE");
	ev = must_open(T("old-kdf"), F("ios-backup-enc.password"));
	same_as_plain(ev);
	etk_evidence_close(ev);
	expect_fail(T("old-kdf"), T("pw-wrong"), ETK_EINVAL, "wrong password");
	ev = must_open(T("device-counts"), F("ios-backup-enc.password"));
	same_as_plain(ev);
	etk_evidence_close(ev);
}

static int
group_setup(void **state)
{
	const char *fx = getenv("ETK_FIXTURES"), *srcdir = getenv("ETK_SRC");
	char script[600];
	FILE *fp;

	(void)state;
	if (fx == NULL || srcdir == NULL)
		return -1;
	snprintf(fix, sizeof(fix), "%s", fx);
	if (access("/usr/bin/python3", X_OK) == 0)
		snprintf(python, sizeof(python), "/usr/bin/python3");
	snprintf(tmp, sizeof(tmp), "%s/etk-iosenc-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL)
		return -1;
	snprintf(script, sizeof(script), "%s/gen.py", tmp);
	if ((fp = fopen(script, "w")) == NULL)
		return -1;
	fputs(gen_py, fp);
	fclose(fp);
	if (sh("%s '%s' '%s' '%s/fixtures/src' '%s'", python, script,
	    F("ios-backup-enc"), srcdir, tmp) != 0) {
		fprintf(stderr, "test_iosbackup_enc: cannot make the inputs\n");
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (tmp[0] != '\0' && getenv("ETK_TEST_KEEP") == NULL)
		sh("rm -rf '%s'", tmp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_password),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_kdf_variants),
	};
	const char *fx = getenv("ETK_FIXTURES");
	char p[600];

	if (fx == NULL || getenv("ETK_SRC") == NULL) {
		printf("skip: ETK_FIXTURES and ETK_SRC are needed\n");
		return 77;
	}
	snprintf(p, sizeof(p), "%s/ios-backup-enc/Manifest.plist", fx);
	if (access(p, F_OK) != 0) {
		printf("skip: no %s\n", p);
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

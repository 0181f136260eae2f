/*
 * Unit tests for the container backends: lib/fs/archive.c (TAR, TAR.GZ,
 * ZIP), ab.c (Android backups), dir.c (directory trees) and iosbackup.c
 * (iTunes/Finder backup folders), through the public etk_evidence API.
 *
 * Inputs are made at test time in a temporary directory by a Python
 * script (tarfile, zipfile, zlib, sqlite3, plistlib): plain and
 * compressed archives, evil names, duplicates, truncated and corrupt
 * ones, Android backups (plain, compressed, encrypted, truncated), a
 * tree with symlink loops and a FIFO, iOS backup folders.  When
 * $ETK_FIXTURES names a directory, the shared fixtures are listed too and
 * compared with Python's tarfile/zipfile/sqlite3.
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
#include <sys/wait.h>
#include <unistd.h>

#include <etk/etk.h>

/* clang-format off */
static const char gen_py[] =
    "import io, os, sys, tarfile, zipfile, zlib, gzip, random, sqlite3, hashlib, plistlib\n"
    "out = sys.argv[1]\n"
    "os.chdir(out)\n"
    "T = 1708020000\n"
    "rnd = random.Random(42)\n"
    "big = rnd.randbytes(300000)\n"
    "comp = (b'etk ' * 1000 + bytes(range(256))) * 2000\n"
    "\n"
    "def ti(name, data=None, kind=tarfile.REGTYPE, link='', mode=0o644):\n"
    "    t = tarfile.TarInfo(name)\n"
    "    t.size = len(data) if data is not None else 0\n"
    "    t.type = kind\n"
    "    t.linkname = link\n"
    "    t.mtime = T\n"
    "    t.mode = mode\n"
    "    t.uid = t.gid = 1000\n"
    "    return t\n"
    "\n"
    "def mktar(members, fmt=tarfile.GNU_FORMAT):\n"
    "    b = io.BytesIO()\n"
    "    with tarfile.open(fileobj=b, mode='w', format=fmt) as t:\n"
    "        for m, d in members:\n"
    "            t.addfile(m, io.BytesIO(d) if d is not None else None)\n"
    "    return b.getvalue()\n"
    "\n"
    "def put(name, data):\n"
    "    with open(name, 'wb') as f:\n"
    "        f.write(data)\n"
    "\n"
    "tarm = [\n"
    "    (ti('./dir/', kind=tarfile.DIRTYPE, mode=0o755), None),\n"
    "    (ti('./dir/a.txt', b'alpha\\n'), b'alpha\\n'),\n"
    "    (ti('dir/sub/b.txt', b'bravo\\n'), b'bravo\\n'),\n"
    "    (ti('big.bin', big), big),\n"
    "    (ti('link', kind=tarfile.SYMTYPE, link='dir/a.txt', mode=0o777), None),\n"
    "    (ti('hard', kind=tarfile.LNKTYPE, link='big.bin'), None),\n"
    "    (ti('../../evil', b'evil'), b'evil'),\n"
    "    (ti('/abs/x', b'abs'), b'abs'),\n"
    "    (ti('dup.txt', b'first'), b'first'),\n"
    "    (ti('dup.txt', b'second!'), b'second!'),\n"
    "]\n"
    "t = mktar(tarm)\n"
    "put('t.tar', t)\n"
    "put('t.tar.gz', gzip.compress(t, 9, mtime=0))\n"
    "put('pax.tar', mktar(tarm, tarfile.PAX_FORMAT))\n"
    "put('tr.tar', t[:len(t) * 2 // 3])\n"
    "put('comp.bin', comp)\n"
    "put('big.bin', big)\n"
    "put('comp.tar.gz', gzip.compress(mktar([(ti('comp.bin', comp), comp)]), 6, mtime=0))\n"
    "g = bytearray(gzip.compress(t, 9, mtime=0))\n"
    "g[len(g) // 2] ^= 0x55\n"
    "put('mid.tar.gz', bytes(g))\n"
    "put('bad.tar.gz', b'\\x1f\\x8b\\x08\\x00' + bytes(60))\n"
    "\n"
    "def mkzip(w, seekable=True):\n"
    "    with zipfile.ZipFile(w, 'w') as z:\n"
    "        def add(name, data, ct=zipfile.ZIP_STORED):\n"
    "            i = zipfile.ZipInfo(name, (2024, 2, 15, 18, 0, 0))\n"
    "            i.compress_type = ct\n"
    "            i.external_attr = ((0o40755 if name.endswith('/') else 0o100644) << 16)\n"
    "            z.writestr(i, data)\n"
    "        add('dir/', b'')\n"
    "        add('dir/stored.txt', b'stored\\n')\n"
    "        add('deflated.bin', comp[:1000000], zipfile.ZIP_DEFLATED)\n"
    "        add('bz.txt', b'bzip2 member\\n' * 100, zipfile.ZIP_BZIP2)\n"
    "        add('dup.txt', b'one')\n"
    "        add('dup.txt', b'two!')\n"
    "        add('../zevil', b'zevil')\n"
    "        add('enc.txt', b'secret')\n"
    "\n"
    "import warnings\n"
    "warnings.simplefilter('ignore')\n"
    "def encflag(data):\n"
    "    # Mark enc.txt encrypted (general purpose flag bit 0) in both headers.\n"
    "    z = bytearray(data)\n"
    "    p = z.find(b'PK\\x03\\x04')\n"
    "    while p >= 0:\n"
    "        n = int.from_bytes(z[p + 26:p + 28], 'little')\n"
    "        if z[p + 30:p + 30 + n] == b'enc.txt':\n"
    "            z[p + 6] |= 1\n"
    "        p = z.find(b'PK\\x03\\x04', p + 4)\n"
    "    p = z.find(b'PK\\x01\\x02')\n"
    "    while p >= 0:\n"
    "        n = int.from_bytes(z[p + 28:p + 30], 'little')\n"
    "        if z[p + 46:p + 46 + n] == b'enc.txt':\n"
    "            z[p + 8] |= 1\n"
    "        p = z.find(b'PK\\x01\\x02', p + 4)\n"
    "    return bytes(z)\n"
    "\n"
    "b = io.BytesIO()\n"
    "mkzip(b)\n"
    "z = encflag(b.getvalue())\n"
    "put('z.zip', z)\n"
    "put('trz.zip', z[:len(z) * 3 // 4])\n"
    "\n"
    "class W:\n"
    "    def __init__(self):\n"
    "        self.b = io.BytesIO()\n"
    "    def write(self, d):\n"
    "        return self.b.write(d)\n"
    "    def flush(self):\n"
    "        pass\n"
    "w = W()\n"
    "mkzip(w)\n"
    "put('stream.zip', encflag(w.b.getvalue()))\n"
    "\n"
    "ib = io.BytesIO()\n"
    "with zipfile.ZipFile(ib, 'w') as z2:\n"
    "    z2.writestr(zipfile.ZipInfo('a.txt', (2024, 2, 15, 18, 0, 0)), b'inner\\n')\n"
    "put('n.tar', mktar([(ti('docs/inner.zip', ib.getvalue()), ib.getvalue()), (ti('top.txt', b'top\\n'), b'top\\n')]))\n"
    "\n"
    "abt = mktar([(ti('apps/com.android.providers.telephony/d_f/000000_sms_backup', b'[]'), b'[]'),\n"
    "             (ti('apps/com.example/db/x.db', big), big),\n"
    "             (ti('apps/com.example/f/notes.txt', b'notes\\n'), b'notes\\n')], tarfile.PAX_FORMAT)\n"
    "put('c.ab', b'ANDROID BACKUP\\n5\\n1\\nnone\\n' + zlib.compress(abt, 9))\n"
    "put('u.ab', b'ANDROID BACKUP\\n4\\n0\\nnone\\n' + abt)\n"
    "put('e.ab', b'ANDROID BACKUP\\n5\\n1\\nAES-256\\n' + b'AB' * 64 + b'\\n' * 4 + bytes(100))\n"
    "c = zlib.compress(abt, 9)\n"
    "put('tr.ab', b'ANDROID BACKUP\\n5\\n1\\nnone\\n' + c[:len(c) * 2 // 3])\n"
    "put('v9.ab', b'ANDROID BACKUP\\n9\\n1\\nnone\\n' + c)\n"
    "\n"
    "os.makedirs('tree/a/b')\n"
    "os.makedirs('tree/z')\n"
    "put('tree/a/f.txt', b'file\\n')\n"
    "os.symlink('..', 'tree/a/b/up')\n"
    "os.symlink('loop', 'tree/loop')\n"
    "os.symlink('/etc/passwd', 'tree/abs')\n"
    "os.mkfifo('tree/fifo')\n"
    "put('tree/we ird#!%', b'odd\\n')\n"
    "\n"
    "def mbfile(size, mode, target=None):\n"
    "    objs = ['$null', {'$class': plistlib.UID(2), 'Size': size, 'Mode': mode,\n"
    "            'LastModified': 1700000000, 'Birth': 1690000000,\n"
    "            'LastStatusChange': 1700000005, 'UserID': 501, 'GroupID': 501,\n"
    "            'InodeNumber': 1234, 'RelativePath': plistlib.UID(3)},\n"
    "            {'$classname': 'MBFile', '$classes': ['MBFile', 'NSObject']}, 'x']\n"
    "    if target is not None:\n"
    "        objs.append(target)\n"
    "        objs[1]['Target'] = plistlib.UID(4)\n"
    "    return plistlib.dumps({'$version': 100000, '$archiver': 'NSKeyedArchiver',\n"
    "        '$top': {'root': plistlib.UID(1)}, '$objects': objs}, fmt=plistlib.FMT_BINARY)\n"
    "\n"
    "def mkios(d, rows, plist_enc=None, flat=False):\n"
    "    os.makedirs(d)\n"
    "    db = sqlite3.connect(d + '/Manifest.db')\n"
    "    db.execute('CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)')\n"
    "    db.execute('CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)')\n"
    "    for dom, rel, fl, data, blob in rows:\n"
    "        fid = hashlib.sha1((dom + '-' + rel).encode()).hexdigest()\n"
    "        db.execute('INSERT INTO Files VALUES (?,?,?,?,?)', (fid, dom, rel, fl, blob))\n"
    "        if data is not None and flat:\n"
    "            put(d + '/' + fid, data)\n"
    "        elif data is not None:\n"
    "            os.makedirs(d + '/' + fid[:2], exist_ok=True)\n"
    "            put(d + '/' + fid[:2] + '/' + fid, data)\n"
    "    db.commit()\n"
    "    db.close()\n"
    "    if plist_enc is None:\n"
    "        put(d + '/Manifest.plist', b'<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>IsEncrypted</key>\\n\\t<false/></dict></plist>')\n"
    "    else:\n"
    "        put(d + '/Manifest.plist', plistlib.dumps({'IsEncrypted': plist_enc, 'Version': '10.0'}, fmt=plistlib.FMT_BINARY))\n"
    "\n"
    "rows = [('HomeDomain', '', 2, None, mbfile(0, 0o40755)),\n"
    "        ('HomeDomain', 'Library', 2, None, mbfile(0, 0o40755)),\n"
    "        ('HomeDomain', 'Library/SMS/sms.db', 1, b'sms data', None),\n"
    "        ('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG', 1, b'\\xff\\xd8jpeg', mbfile(6, 0o100644)),\n"
    "        ('HomeDomain', 'Library/missing.db', 1, None, mbfile(77, 0o100644)),\n"
    "        ('HomeDomain', 'Library/link', 4, None, mbfile(0, 0o120777, 'Library/SMS')),\n"
    "        ('HomeDomain', '../../../etc/passwd', 1, b'not really', mbfile(10, 0o100644))]\n"
    "mkios('ios', rows)\n"
    "mkios('iosenc', rows[:3], True)\n"
    "mkios('iosbin', rows[:3], False)\n"
    "mkios('iosflat', rows[:4], flat=True)\n"
    "put('iosflat/Manifest.db-wal', b'not really a wal')\n"
    "os.makedirs('iosnotdb')\n"
    "put('iosnotdb/Manifest.db', rnd.randbytes(4096))\n"
    "\n"
    "os.makedirs('sp')\n"
    "with open('sp/sparse.bin', 'wb') as f:\n"
    "    f.write(b'head')\n"
    "    f.seek(60000)\n"
    "    f.write(b'tail')\n"
    "    f.truncate(65536)\n"
    "import subprocess\n"
    "for fmt in ('gnu', 'pax'):\n"
    "    try:\n"
    "        subprocess.run(['tar', '--sparse', '--format=' + fmt, '-cf', 'sparse-' + fmt + '.tar', '-C', 'sp', 'sparse.bin'], check=True)\n"
    "    except Exception:\n"
    "        pass\n"
    "\n"
    "# 80 MiB of numbered 4 KiB blocks: more checkpoints than the reader keeps.\n"
    "import struct\n"
    "pat = b''.join(struct.pack('<I', i) * 1024 for i in range(80 * 256))\n"
    "put('pat.tar.gz', gzip.compress(mktar([(ti('pat.bin', pat), pat)]), 1, mtime=0))\n"
    "del pat\n"
    "\n"
    "# UTF-8 names in a ZIP (flag bit 11): read whatever the locale is.\n"
    "with zipfile.ZipFile('u8.zip', 'w') as z8:\n"
    "    z8.writestr(zipfile.ZipInfo('caf\\u00e9.txt', (2024, 2, 15, 18, 0, 0)), b'ok')\n"
    "    z8.writestr(zipfile.ZipInfo('\\u65e5\\u672c/x.txt', (2024, 2, 15, 18, 0, 0)), b'ok')\n";

static const char fx_py[] =
    "import io, stat, sys, tarfile, zipfile, zlib, sqlite3\n"
    "kind, p = sys.argv[1], sys.argv[2]\n"
    "def norm(n):\n"
    "    return '/' + '/'.join(c for c in n.split('/') if c not in ('', '.'))\n"
    "out = []\n"
    "if kind == 'zip':\n"
    "    for i in zipfile.ZipFile(p).infolist():\n"
    "        if i.is_dir() or stat.S_ISLNK(i.external_attr >> 16):\n"
    "            continue\n"
    "        out.append((norm(i.filename), i.file_size))\n"
    "elif kind == 'ios':\n"
    "    db = sqlite3.connect('file:' + p + '/Manifest.db?immutable=1', uri=True)\n"
    "    for dom, rel in db.execute('SELECT domain, relativePath FROM Files WHERE flags = 1'):\n"
    "        out.append((norm(dom + '/' + rel), -1))\n"
    "    db.close()\n"
    "else:\n"
    "    if kind == 'ab':\n"
    "        d = open(p, 'rb').read()\n"
    "        pos = 0\n"
    "        for _ in range(4):\n"
    "            pos = d.index(b'\\n', pos) + 1\n"
    "        data = d[pos:]\n"
    "        if d.split(b'\\n')[2] == b'1':\n"
    "            data = zlib.decompress(data)\n"
    "        t = tarfile.open(fileobj=io.BytesIO(data))\n"
    "    else:\n"
    "        t = tarfile.open(p)\n"
    "    for m in t.getmembers():\n"
    "        if m.isreg():\n"
    "            out.append((norm(m.name), m.size))\n"
    "        elif m.islnk():\n"
    "            out.append((norm(m.name), t.getmember(m.linkname).size))\n"
    "for a, b in out:\n"
    "    print('%s\\t%d' % (a, b))\n";
/* clang-format on */

static char tmp[128];		/* the generated inputs */
static char python[64] = "python3";

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

/* tmp/name, in one of a few rotating buffers. */
static const char *
P(const char *name)
{
	static char bufs[8][512];
	static int k;
	char *b = bufs[k++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmp, name);
	return b;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *d;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	d = malloc((size_t)n + 1);
	assert_non_null(d);
	assert_int_equal(fread(d, 1, (size_t)n, fp), (size_t)n);
	d[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return d;
}

static int
write_file(const char *path, const char *data)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(data, fp);
	return fclose(fp);
}

static struct etk_evidence *
ev_open(const char *name)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev = NULL;

	if (etk_evidence_open(&ev, P(name), &err) != ETK_OK)
		fail_msg("open %s: %s", name, err.msg);
	return ev;
}

static void
expect_open_fails(const char *name, int code, const char *msg)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev = (struct etk_evidence *)&err;
	int rc;

	rc = etk_evidence_open(&ev, P(name), &err);
	assert_null(ev);
	if (rc != code || strstr(err.msg, msg) == NULL)
		fail_msg("open %s: got %d '%s', want %d '%s'", name, rc,
		    err.msg, code, msg);
}

static int
list_cb(const struct etk_entry *e, void *arg)
{
	struct etk_buf *b = arg;

	etk_buf_printf(b, "%c %s %" PRIu64 "%s%s\n", e->name_type, e->locator,
	    e->size, e->link_target != NULL ? " -> " : "",
	    e->link_target != NULL ? e->link_target : "");
	/* Every entry is allocated, and its path is inside the archive. */
	assert_int_equal(e->allocated, 1);
	assert_int_equal(e->deleted, 0);
	assert_int_equal(e->volume, -1);
	assert_true(e->path[0] == '/');
	assert_non_null(e->name);
	assert_int_equal(e->name_type, e->meta_type);
	return 0;
}

/* The walk as "T LOCATOR SIZE[ -> TARGET]" lines; caller frees. */
static char *
listing(struct etk_evidence *ev, const char *start, unsigned flags,
    struct etk_summary *sum)
{
	struct etk_error err = { 0 };
	struct etk_buf b;
	int rc;

	etk_buf_init(&b);
	rc = etk_evidence_walk(ev, start, flags, list_cb, &b, sum, &err);
	if (rc != ETK_OK)
		fail_msg("walk %s: %s", start != NULL ? start : "(all)",
		    err.msg);
	assert_false(b.oom);
	return etk_buf_detach(&b);
}

static void
expect_listing(struct etk_evidence *ev, const char *start, unsigned flags,
    const char *want)
{
	char *got = listing(ev, start, flags, NULL);

	if (strcmp(got, want) != 0)
		fail_msg("walk %s:\n--- got\n%s--- want\n%s",
		    start != NULL ? start : "(all)", got, want);
	free(got);
}

/* Content of loc read in odd-sized chunks; caller frees.  Returns the
 * status of the first failing read (content so far in *out). */
static int
cat(struct etk_evidence *ev, const char *loc, char **out, size_t *len,
    struct etk_error *err)
{
	struct etk_source *src = NULL;
	struct etk_buf b;
	char chunk[7777];
	uint64_t off = 0;
	size_t n;
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = etk_evidence_open_file(ev, loc, &src, err)) != ETK_OK)
		return rc;
	etk_buf_init(&b);
	for (;;) {
		rc = etk_source_read(src, off, chunk, sizeof(chunk), &n, err);
		etk_buf_add(&b, chunk, n);
		off += n;
		if (rc != ETK_OK || n < sizeof(chunk))
			break;
	}
	assert_int_equal(b.len, off);
	if (rc == ETK_OK)
		assert_int_equal(off, etk_source_size(src));
	etk_source_close(src);
	*len = b.len;
	*out = etk_buf_detach(&b);
	return rc;
}

static void
expect_content(struct etk_evidence *ev, const char *loc, const void *want,
    size_t wantlen)
{
	struct etk_error err = { 0 };
	char *got;
	size_t n;

	if (cat(ev, loc, &got, &n, &err) != ETK_OK)
		fail_msg("cat %s: %s", loc, err.msg);
	if (n != wantlen || memcmp(got, want, n) != 0)
		fail_msg("cat %s: %zu bytes, want %zu (or content differs)",
		    loc, n, wantlen);
	free(got);
}

static void
expect_content_file(struct etk_evidence *ev, const char *loc,
    const char *name)
{
	size_t n;
	char *want = read_file(P(name), &n);

	expect_content(ev, loc, want, n);
	free(want);
}

static void
expect_cat_fails(struct etk_evidence *ev, const char *loc, int code,
    const char *msg)
{
	struct etk_error err = { 0 };
	char *got;
	size_t n;
	int rc;

	rc = cat(ev, loc, &got, &n, &err);
	free(got);
	if (rc != code || strstr(err.msg, msg) == NULL)
		fail_msg("cat %s: got %d '%s', want %d '%s'", loc, rc, err.msg,
		    code, msg);
}

/* Random reads of loc compared with the file name. */
static void
expect_random_reads(struct etk_evidence *ev, const char *loc,
    const char *name)
{
	static const double at[] = { 0.9, 0.1, 0.5, 0.0, 0.99, 0.3, 0.31,
	    0.75, 0.2 };
	struct etk_error err = { 0 };
	struct etk_source *src;
	char buf[100000];
	size_t n, wantlen, i;
	uint64_t off;
	char *want = read_file(P(name), &wantlen);

	if (etk_evidence_open_file(ev, loc, &src, &err) != ETK_OK)
		fail_msg("open %s: %s", loc, err.msg);
	assert_int_equal(etk_source_size(src), wantlen);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		off = (uint64_t)(at[i] * (double)wantlen);
		if (etk_source_read(src, off, buf, sizeof(buf), &n, &err) !=
		    ETK_OK)
			fail_msg("read %s at %" PRIu64 ": %s", loc, off,
			    err.msg);
		assert_int_equal(n, wantlen - off < sizeof(buf) ?
		    wantlen - off : sizeof(buf));
		assert_memory_equal(buf, want + off, n);
	}
	assert_int_equal(etk_source_read(src, wantlen, buf, 10, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	etk_source_close(src);
	free(want);
}

struct found {
	struct etk_entry e;
	char locator[512];
	char path[512];
	int n;
};

static int
stat_cb(const struct etk_entry *e, void *arg)
{
	struct found *f = arg;

	f->e = *e;
	snprintf(f->locator, sizeof(f->locator), "%s", e->locator);
	snprintf(f->path, sizeof(f->path), "%s", e->path);
	f->e.locator = f->locator;
	f->e.path = f->path;
	f->e.name = NULL;
	f->e.link_target = NULL;
	f->n++;
	return 0;
}

static void
do_stat(struct etk_evidence *ev, const char *loc, struct found *f)
{
	struct etk_error err = { 0 };

	memset(f, 0, sizeof(*f));
	if (etk_evidence_stat(ev, loc, stat_cb, f, &err) != ETK_OK)
		fail_msg("stat %s: %s", loc, err.msg);
	assert_int_equal(f->n, 1);
}

/* The summary item for scope. */
static enum etk_outcome
outcome(struct etk_summary *sum, const char *scope, uint64_t *count,
    const char **reason)
{
	const char *s, *k, *r;
	enum etk_outcome o;
	uint64_t c;
	size_t i;

	for (i = 0; etk_summary_item(sum, i, &s, &k, &o, &c, &r) == ETK_OK;
	    i++) {
		if (strcmp(s, scope) == 0) {
			if (count != NULL)
				*count = c;
			if (reason != NULL)
				*reason = r != NULL ? r : "";
			return o;
		}
	}
	fail_msg("no summary item for %s", scope);
	return ETK_OUTCOME_SKIPPED;
}

static struct etk_summary *
summary(void)
{
	struct etk_error err = { 0 };
	struct etk_summary *sum = NULL;

	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	return sum;
}

/* Replace every "@" in tmpl by name. */
static char *
expand(const char *tmpl, const char *name)
{
	struct etk_buf b;
	const char *p;

	etk_buf_init(&b);
	for (p = tmpl; *p != '\0'; p++) {
		if (*p == '@')
			etk_buf_adds(&b, name);
		else
			etk_buf_addc(&b, *p);
	}
	return etk_buf_detach(&b);
}

/* ---- setup ---- */

static int
setup(void **state)
{
	char script[256];

	(void)state;
	if (access("/usr/bin/python3", X_OK) == 0)
		snprintf(python, sizeof(python), "/usr/bin/python3");
	snprintf(tmp, sizeof(tmp), "%s/etk-cont-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL)
		return -1;
	snprintf(script, sizeof(script), "%s/gen.py", tmp);
	if (write_file(script, gen_py) != 0)
		return -1;
	snprintf(script, sizeof(script), "%s/fx.py", tmp);
	if (write_file(script, fx_py) != 0)
		return -1;
	if (sh("cd '%s' && mkdir in && %s gen.py in", tmp, python) != 0) {
		fprintf(stderr, "test_containers: cannot make the inputs\n");
		return -1;
	}
	strncat(tmp, "/in", sizeof(tmp) - strlen(tmp) - 1);
	return 0;
}

static int
teardown(void **state)
{
	char *slash;

	(void)state;
	if ((slash = strrchr(tmp, '/')) != NULL &&
	    strcmp(slash, "/in") == 0) {
		*slash = '\0';
		if (strstr(tmp, "/etk-cont-") != NULL)
			sh("rm -rf '%s'", tmp);
	}
	return 0;
}

/* ---- TAR ---- */

static const char tar_all[] =
    "d @:/.. 0\n"
    "d @:/../.. 0\n"
    "r @:/../../evil 4\n"
    "d @:/abs 0\n"
    "r @:/abs/x 3\n"
    "r @:/big.bin 300000\n"
    "d @:/dir 0\n"
    "r @:/dir/a.txt 6\n"
    "d @:/dir/sub 0\n"
    "r @:/dir/sub/b.txt 6\n"
    "r @:/dup.txt 5\n"
    "r @:i10 7\n"
    "r @:/hard 300000\n"
    "l @:/link 0 -> dir/a.txt\n";

static const char tar_top[] =
    "d @:/.. 0\n"
    "d @:/abs 0\n"
    "r @:/big.bin 300000\n"
    "d @:/dir 0\n"
    "r @:/dup.txt 5\n"
    "r @:i10 7\n"
    "r @:/hard 300000\n"
    "l @:/link 0 -> dir/a.txt\n";

static const char tar_dir[] =
    "r @:/dir/a.txt 6\n"
    "d @:/dir/sub 0\n"
    "r @:/dir/sub/b.txt 6\n";

static void
check_tar(const char *name, int gz)
{
	struct etk_evidence *ev = ev_open(name);
	struct etk_summary *sum = summary();
	struct etk_error err = { 0 };
	const struct etk_volume *v;
	struct etk_byte_run *runs;
	char *want, *got, loc[256], *raw;
	struct found f;
	uint64_t count;
	size_t n, rawlen;

	assert_int_equal(etk_evidence_kind(ev), ETK_EV_TAR);
	assert_string_equal(etk_evidence_kind_name(ev), "tar");
	assert_int_equal(etk_evidence_volumes(ev, &v), 1);
	assert_int_equal(v[0].slot, -1);
	assert_string_equal(v[0].fs_type, "tar");

	want = expand(tar_all, name);
	got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
	if (strcmp(got, want) != 0)
		fail_msg("--- got\n%s--- want\n%s", got, want);
	free(got);
	free(want);
	assert_int_equal(outcome(sum, name, &count, NULL), ETK_OUTCOME_OK);
	assert_int_equal(count, 14);
	want = expand(tar_top, name);
	expect_listing(ev, NULL, ETK_WALK_ALLOC, want);
	free(want);
	want = expand(tar_dir, name);
	expect_listing(ev, "/dir", ETK_WALK_DEFAULT, want);
	free(want);
	expect_listing(ev, NULL, ETK_WALK_UNALLOC | ETK_WALK_RECURSE, "");

	expect_content(ev, "/dir/a.txt", "alpha\n", 6);
	expect_content(ev, "/./dir//sub/b.txt", "bravo\n", 6);
	expect_content_file(ev, "/big.bin", "big.bin");
	expect_content_file(ev, "/hard", "big.bin");
	expect_content(ev, "/dup.txt", "first", 5);
	expect_content(ev, "i9", "first", 5);
	expect_content(ev, "i10", "second!", 7);
	expect_content(ev, "/../../evil", "evil", 4);
	expect_content(ev, "/abs/x", "abs", 3);
	snprintf(loc, sizeof(loc), "%s:/abs/x", name);
	expect_content(ev, loc, "abs", 3);
	expect_random_reads(ev, "/big.bin", "big.bin");
	expect_cat_fails(ev, "/dir", ETK_EINVAL, "directory");
	expect_cat_fails(ev, "/dir/sub", ETK_EINVAL, "directory");
	expect_cat_fails(ev, "/link", ETK_EINVAL, "symbolic link");
	expect_cat_fails(ev, "/nope", ETK_ENOTFOUND, "no entry '/nope'");
	expect_cat_fails(ev, "i99", ETK_ENOTFOUND, "no member i99");
	expect_cat_fails(ev, "p1:/dir/a.txt", ETK_ENOTFOUND, "p1");

	do_stat(ev, "/dir/sub", &f);
	assert_int_equal(f.e.has_inode, 0);
	assert_int_equal(f.e.name_type, 'd');
	do_stat(ev, "i10", &f);
	snprintf(loc, sizeof(loc), "%s:i10", name);
	assert_string_equal(f.locator, loc);
	assert_string_equal(f.path, "/dup.txt");
	assert_int_equal(f.e.inode, 10);
	do_stat(ev, "/dir/a.txt", &f);
	assert_int_equal(f.e.has_inode, 1);
	assert_int_equal(f.e.inode, 2);
	assert_int_equal(f.e.mode, 0644);
	assert_int_equal(f.e.uid, 1000);
	assert_true(f.e.times & ETK_TIME_M);
	assert_int_equal(f.e.mtime, 1708020000);
	do_stat(ev, "/", &f);
	assert_int_equal(f.e.name_type, 'd');

	/* Stored members of an uncompressed tar have their byte run. */
	assert_int_equal(etk_evidence_byte_runs(ev, "/big.bin", &runs, &n,
	    &err), ETK_OK);
	if (gz) {
		assert_int_equal(n, 0);
	} else {
		assert_int_equal(n, 1);
		assert_int_equal(runs[0].len, 300000);
		raw = read_file(P(name), &rawlen);
		got = read_file(P("big.bin"), &n);
		assert_true(runs[0].img_offset + 300000 <= rawlen);
		assert_memory_equal(raw + runs[0].img_offset, got, 300000);
		free(raw);
		free(got);
	}
	free(runs);
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

static void
test_tar(void **state)
{
	(void)state;
	check_tar("t.tar", 0);
	check_tar("pax.tar", 0);
	check_tar("t.tar.gz", 1);
}

static void
test_tar_gz_random_access(void **state)
{
	struct etk_evidence *ev = ev_open("comp.tar.gz");

	(void)state;
	expect_random_reads(ev, "/comp.bin", "comp.bin");
	expect_content_file(ev, "/comp.bin", "comp.bin");
	expect_random_reads(ev, "/comp.bin", "comp.bin");
	etk_evidence_close(ev);
}

/* GNU and PAX sparse members (made by GNU tar when it is there). */
static void
test_tar_sparse(void **state)
{
	static const char *const names[] = { "sparse-gnu.tar",
	    "sparse-pax.tar" };
	struct etk_evidence *ev;
	struct etk_byte_run *runs;
	struct etk_error err = { 0 };
	char *want, *got;
	size_t i, n;

	(void)state;
	for (i = 0; i < 2; i++) {
		if (access(P(names[i]), F_OK) != 0) {
			fprintf(stderr, "test_containers: no %s (GNU tar?)\n",
			    names[i]);
			continue;
		}
		ev = ev_open(names[i]);
		want = expand("r @:/sparse.bin 65536\n", names[i]);
		got = listing(ev, NULL, ETK_WALK_DEFAULT, NULL);
		if (strcmp(got, want) != 0)
			fail_msg("--- got\n%s--- want\n%s", got, want);
		free(got);
		free(want);
		expect_content_file(ev, "/sparse.bin", "sp/sparse.bin");
		expect_random_reads(ev, "/sparse.bin", "sp/sparse.bin");
		assert_int_equal(etk_evidence_byte_runs(ev, "/sparse.bin",
		    &runs, &n, &err), ETK_OK);
		assert_int_equal(n, 0);
		free(runs);
		etk_evidence_close(ev);
	}
}

/* Reads all over an 80 MiB member of a .tar.gz: the deflate reader
 * keeps at most 64 checkpoints, so it thins them (twice) on the way. */
static void
test_tar_gz_checkpoints(void **state)
{
	struct etk_evidence *ev = ev_open("pat.tar.gz");
	struct etk_error err = { 0 };
	struct etk_source *src;
	unsigned char buf[12000];
	uint32_t v, blk;
	uint64_t off, size = 80u << 20, x = 12345;
	size_t n, i, k;

	(void)state;
	if (etk_evidence_open_file(ev, "/pat.bin", &src, &err) != ETK_OK)
		fail_msg("open: %s", err.msg);
	assert_int_equal(etk_source_size(src), size);
	for (i = 0; i < 60; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		off = (x >> 11) % (size - sizeof(buf)) & ~(uint64_t)3;
		if (i == 0)
			off = size - sizeof(buf);	/* the end first */
		if (etk_source_read(src, off, buf, sizeof(buf), &n, &err) !=
		    ETK_OK)
			fail_msg("read at %" PRIu64 ": %s", off, err.msg);
		assert_int_equal(n, sizeof(buf));
		for (k = 0; k < sizeof(buf); k += 4) {
			blk = (uint32_t)((off + k) / 4096);
			v = (uint32_t)buf[k] | (uint32_t)buf[k + 1] << 8 |
			    (uint32_t)buf[k + 2] << 16 |
			    (uint32_t)buf[k + 3] << 24;
			if (v != blk)
				fail_msg("at %" PRIu64 ": %u, want %u",
				    off + k, v, blk);
		}
	}
	etk_source_close(src);
	etk_evidence_close(ev);
}

static void
test_tar_truncated(void **state)
{
	struct etk_evidence *ev = ev_open("tr.tar");
	struct etk_summary *sum = summary();
	const char *why = NULL;
	char *got;

	(void)state;
	got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
	assert_non_null(strstr(got, "r tr.tar:/dir/a.txt 6\n"));
	assert_non_null(strstr(got, "r tr.tar:/big.bin 300000\n"));
	assert_null(strstr(got, "dup.txt"));
	free(got);
	assert_int_equal(outcome(sum, "tr.tar", NULL, &why),
	    ETK_OUTCOME_ERROR);
	assert_non_null(strstr(why, "stopped after 4 members"));
	expect_content(ev, "/dir/sub/b.txt", "bravo\n", 6);
	expect_cat_fails(ev, "/big.bin", ETK_EFORMAT, "truncated");
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

static void
test_gzip_corrupt(void **state)
{
	struct etk_evidence *ev;
	struct etk_summary *sum = summary();
	struct etk_error err = { 0 };
	const char *why = NULL;
	uint64_t count;
	char *got;

	(void)state;
	ev = (struct etk_evidence *)&err;
	assert_int_not_equal(etk_evidence_open(&ev, P("bad.tar.gz"), &err),
	    ETK_OK);
	assert_null(ev);
	assert_non_null(strstr(err.msg, "gzip"));
	/* A flipped byte: the members are listed, the CRC says so. */
	ev = ev_open("mid.tar.gz");
	got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
	free(got);
	assert_int_equal(outcome(sum, "mid.tar.gz", &count, &why),
	    ETK_OUTCOME_ERROR);
	assert_int_equal(count, 14);
	assert_non_null(strstr(why, "incorrect data check"));
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

static void
test_nested(void **state)
{
	struct etk_evidence *ev = ev_open("n.tar");
	char *got;

	(void)state;
	expect_listing(ev, NULL, ETK_WALK_DEFAULT,
	    "d n.tar:/docs 0\n"
	    "r n.tar:/docs/inner.zip 114\n"
	    "r n.tar:/top.txt 4\n");
	got = listing(ev, NULL, ETK_WALK_DEFAULT | ETK_WALK_NESTED, NULL);
	assert_non_null(strstr(got, "r n.tar:/docs/inner.zip 114\n"
	    "r n.tar:/docs/inner.zip!/a.txt 6\n"));
	free(got);
	expect_content(ev, "n.tar:/docs/inner.zip!/a.txt", "inner\n", 6);
	etk_evidence_close(ev);
}

/* ---- ZIP ---- */

static const char zip_all[] =
    "d @:/.. 0\n"
    "r @:/../zevil 5\n"
    "r @:/bz.txt 1300\n"
    "r @:/deflated.bin 1000000\n"
    "d @:/dir 0\n"
    "r @:/dir/stored.txt 7\n"
    "r @:/dup.txt 3\n"
    "r @:i6 4\n"
    "r @:/enc.txt 6\n";

static void
check_zip(struct etk_evidence *ev, const char *name)
{
	struct etk_summary *sum = summary();
	struct etk_error err = { 0 };
	struct etk_byte_run *runs;
	char *want, *got, *comp, bz[1300 + 1];
	struct found f;
	size_t n, i;

	assert_int_equal(etk_evidence_kind(ev), ETK_EV_ZIP);
	want = expand(zip_all, name);
	got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
	if (strcmp(got, want) != 0)
		fail_msg("--- got\n%s--- want\n%s", got, want);
	free(got);
	free(want);
	assert_int_equal(outcome(sum, name, NULL, NULL), ETK_OUTCOME_OK);

	expect_content(ev, "/dir/stored.txt", "stored\n", 7);
	comp = read_file(P("comp.bin"), &n);
	expect_content(ev, "/deflated.bin", comp, 1000000);
	free(comp);
	for (i = 0; i < 100; i++)
		memcpy(bz + 13 * i, "bzip2 member\n", 13);
	expect_content(ev, "/bz.txt", bz, 1300);
	expect_content(ev, "/dup.txt", "one", 3);
	expect_content(ev, "i6", "two!", 4);
	expect_content(ev, "/../zevil", "zevil", 5);
	expect_cat_fails(ev, "/enc.txt", ETK_EUNSUPP, "encrypted member");
	expect_cat_fails(ev, "/dir", ETK_EINVAL, "directory");

	/* DOS times read as UTC: 2024-02-15 18:00:00. */
	do_stat(ev, "/dir/stored.txt", &f);
	assert_int_equal(f.e.mtime, 1708020000);
	assert_int_equal(f.e.times, ETK_TIME_M);
	assert_int_equal(f.e.mode, 0644);

	assert_int_equal(etk_evidence_byte_runs(ev, "/dir/stored.txt", &runs,
	    &n, &err), ETK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].len, 7);
	free(runs);
	assert_int_equal(etk_evidence_byte_runs(ev, "/deflated.bin", &runs,
	    &n, &err), ETK_OK);
	assert_int_equal(n, 0);
	etk_summary_free(sum);
}

static void
test_zip(void **state)
{
	struct etk_evidence *ev;
	struct etk_error err = { 0 };
	struct etk_source *mem;
	char *data;
	size_t len;

	(void)state;
	ev = ev_open("z.zip");
	check_zip(ev, "z.zip");
	etk_evidence_close(ev);
	/* Written to a pipe: data descriptors after each member. */
	ev = ev_open("stream.zip");
	check_zip(ev, "stream.zip");
	etk_evidence_close(ev);
	/* From memory. */
	data = read_file(P("z.zip"), &len);
	assert_int_equal(etk_source_open_mem(&mem, data, len, "mem.zip",
	    &err), ETK_OK);
	assert_int_equal(etk_evidence_open_source(&ev, mem, NULL, &err),
	    ETK_OK);
	check_zip(ev, "mem.zip");
	etk_evidence_close(ev);
	etk_source_close(mem);
	free(data);
}

static void
put_file(const char *name, const void *data, size_t len)
{
	FILE *fp = fopen(P(name), "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_zip_utf8(void **state)
{
	struct etk_evidence *ev = ev_open("u8.zip");

	(void)state;
	expect_listing(ev, NULL, ETK_WALK_DEFAULT,
	    "r u8.zip:/caf\xc3\xa9.txt 2\n"
	    "d u8.zip:/\xe6\x97\xa5\xe6\x9c\xac 0\n"
	    "r u8.zip:/\xe6\x97\xa5\xe6\x9c\xac/x.txt 2\n");
	expect_content(ev, "/\xe6\x97\xa5\xe6\x9c\xac/x.txt", "ok", 2);
	etk_evidence_close(ev);
}

static void
test_zip_random_access(void **state)
{
	struct etk_evidence *ev = ev_open("z.zip");
	char *comp, bz[1300];
	size_t n, i;

	(void)state;
	comp = read_file(P("comp.bin"), &n);
	put_file("comp1m.bin", comp, 1000000);
	free(comp);
	for (i = 0; i < 100; i++)
		memcpy(bz + 13 * i, "bzip2 member\n", 13);
	put_file("bz.bin", bz, sizeof(bz));
	/* deflate through ab.c's reader, bzip2 through libarchive */
	expect_random_reads(ev, "/deflated.bin", "comp1m.bin");
	expect_random_reads(ev, "/bz.txt", "bz.bin");
	etk_evidence_close(ev);
}

static void
test_zip_truncated(void **state)
{
	struct etk_evidence *ev = ev_open("trz.zip");
	struct etk_summary *sum = summary();
	const char *why = NULL;
	char *got;

	(void)state;
	got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
	assert_non_null(strstr(got, "r trz.zip:/dir/stored.txt 7\n"));
	assert_non_null(strstr(got, "r trz.zip:/deflated.bin 1000000\n"));
	free(got);
	assert_int_equal(outcome(sum, "trz.zip", NULL, &why),
	    ETK_OUTCOME_ERROR);
	assert_non_null(strstr(why, "central directory"));
	expect_content(ev, "/dir/stored.txt", "stored\n", 7);
	expect_cat_fails(ev, "/deflated.bin", ETK_EFORMAT, "deflated.bin");
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

/* ---- Android backups ---- */

static const char ab_all[] =
    "d @:/apps 0\n"
    "d @:/apps/com.android.providers.telephony 0\n"
    "d @:/apps/com.android.providers.telephony/d_f 0\n"
    "r @:/apps/com.android.providers.telephony/d_f/000000_sms_backup 2\n"
    "d @:/apps/com.example 0\n"
    "d @:/apps/com.example/db 0\n"
    "r @:/apps/com.example/db/x.db 300000\n"
    "d @:/apps/com.example/f 0\n"
    "r @:/apps/com.example/f/notes.txt 6\n";

static void
test_android_backup(void **state)
{
	static const char *const names[] = { "c.ab", "u.ab" };
	struct etk_evidence *ev;
	struct etk_summary *sum;
	struct etk_error err = { 0 };
	struct etk_byte_run *runs;
	const struct etk_volume *v;
	const char *why = NULL;
	char *want, *got, *raw, *big;
	size_t i, n, rawlen;

	(void)state;
	for (i = 0; i < 2; i++) {
		ev = ev_open(names[i]);
		sum = summary();
		assert_int_equal(etk_evidence_kind(ev), ETK_EV_ANDROID_BACKUP);
		assert_string_equal(etk_evidence_kind_name(ev),
		    "android-backup");
		assert_int_equal(etk_evidence_volumes(ev, &v), 1);
		assert_string_equal(v[0].fs_type, "android-backup");
		want = expand(ab_all, names[i]);
		got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
		if (strcmp(got, want) != 0)
			fail_msg("--- got\n%s--- want\n%s", got, want);
		free(got);
		free(want);
		assert_int_equal(outcome(sum, names[i], NULL, NULL),
		    ETK_OUTCOME_OK);
		expect_content_file(ev, "/apps/com.example/db/x.db", "big.bin");
		expect_random_reads(ev, "/apps/com.example/db/x.db",
		    "big.bin");
		expect_content(ev, "/apps/com.example/f/notes.txt", "notes\n",
		    6);
		assert_int_equal(etk_evidence_byte_runs(ev,
		    "/apps/com.example/db/x.db", &runs, &n, &err), ETK_OK);
		if (i == 0)
			assert_int_equal(n, 0);
		else {
			assert_int_equal(n, 1);
			raw = read_file(P("u.ab"), &rawlen);
			big = read_file(P("big.bin"), &n);
			assert_true(runs[0].img_offset + 300000 <= rawlen);
			assert_memory_equal(raw + runs[0].img_offset, big,
			    300000);
			free(raw);
			free(big);
		}
		free(runs);
		etk_summary_free(sum);
		etk_evidence_close(ev);
	}
	expect_open_fails("e.ab", ETK_EUNSUPP, "e.ab: android-backup: "
	    "encrypted backup (AES-256) not supported; give the password-free "
	    "backup or decrypt it first");
	expect_open_fails("v9.ab", ETK_EUNSUPP, "version 9 not supported");

	/* Truncated: what came before is listed, the summary says where. */
	ev = ev_open("tr.ab");
	sum = summary();
	got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
	assert_non_null(strstr(got, "r tr.ab:/apps/com.android.providers."
	    "telephony/d_f/000000_sms_backup 2\n"));
	assert_non_null(strstr(got, "r tr.ab:/apps/com.example/db/x.db "
	    "300000\n"));
	assert_null(strstr(got, "notes.txt"));
	free(got);
	assert_int_equal(outcome(sum, "tr.ab", NULL, &why), ETK_OUTCOME_ERROR);
	assert_non_null(strstr(why, "zlib: stream truncated at compressed "
	    "offset"));
	expect_content(ev, "/apps/com.android.providers.telephony/d_f/"
	    "000000_sms_backup", "[]", 2);
	expect_cat_fails(ev, "/apps/com.example/db/x.db", ETK_EFORMAT,
	    "stream truncated");
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

/* ---- directories ---- */

static void
test_directory(void **state)
{
	struct etk_evidence *ev = ev_open("tree");
	struct etk_summary *sum = summary();
	struct found f;
	char loc[128];
	uint64_t count;

	(void)state;
	assert_int_equal(etk_evidence_kind(ev), ETK_EV_DIRECTORY);
	assert_null(etk_evidence_source(ev));
	expect_listing(ev, NULL, ETK_WALK_DEFAULT,
	    "d tree:/a 0\n"
	    "d tree:/a/b 0\n"
	    "l tree:/a/b/up 2 -> ..\n"
	    "r tree:/a/f.txt 5\n"
	    "l tree:/abs 11 -> /etc/passwd\n"
	    "p tree:/fifo 0\n"
	    "l tree:/loop 4 -> loop\n"
	    "r tree:/we ird%23%21%25 4\n"
	    "d tree:/z 0\n");
	expect_listing(ev, NULL, ETK_WALK_ALLOC,
	    "d tree:/a 0\n"
	    "l tree:/abs 11 -> /etc/passwd\n"
	    "p tree:/fifo 0\n"
	    "l tree:/loop 4 -> loop\n"
	    "r tree:/we ird%23%21%25 4\n"
	    "d tree:/z 0\n");
	expect_listing(ev, "/a", ETK_WALK_DEFAULT,
	    "d tree:/a/b 0\n"
	    "l tree:/a/b/up 2 -> ..\n"
	    "r tree:/a/f.txt 5\n");
	expect_listing(ev, "tree:/a/f.txt", ETK_WALK_DEFAULT,
	    "r tree:/a/f.txt 5\n");
	free(listing(ev, NULL, ETK_WALK_DEFAULT, sum));
	assert_int_equal(outcome(sum, "tree", &count, NULL), ETK_OUTCOME_OK);
	assert_int_equal(count, 9);

	expect_content(ev, "/a/f.txt", "file\n", 5);
	expect_content(ev, "tree:/we ird%23%21%25", "odd\n", 4);
	expect_cat_fails(ev, "/fifo", ETK_EINVAL, "FIFO");
	expect_cat_fails(ev, "/abs", ETK_EINVAL, "symbolic link");
	expect_cat_fails(ev, "/a", ETK_EINVAL, "directory");
	expect_cat_fails(ev, "/a/b/up/f.txt", ETK_ENOTFOUND, "not followed");
	expect_cat_fails(ev, "/a/../a/f.txt", ETK_ENOTFOUND, "'..'");
	expect_cat_fails(ev, "/missing", ETK_ENOTFOUND, "/missing");

	do_stat(ev, "/a/f.txt", &f);
	assert_int_equal(f.e.name_type, 'r');
	assert_int_equal(f.e.has_inode, 1);
	assert_true((f.e.times & (ETK_TIME_M | ETK_TIME_A | ETK_TIME_C)) ==
	    (ETK_TIME_M | ETK_TIME_A | ETK_TIME_C));
	snprintf(loc, sizeof(loc), "i%" PRIu64, f.e.inode);
	do_stat(ev, loc, &f);
	assert_string_equal(f.path, "/a/f.txt");
	do_stat(ev, "/", &f);
	assert_int_equal(f.e.name_type, 'd');
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

/* ---- iOS backups ---- */

static const char ios_all[] =
    "d ios:/CameraRollDomain 0\n"
    "d ios:/CameraRollDomain/Media 0\n"
    "d ios:/CameraRollDomain/Media/DCIM 0\n"
    "d ios:/CameraRollDomain/Media/DCIM/100APPLE 0\n"
    "r ios:/CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG 6\n"
    "d ios:/HomeDomain 0\n"
    "d ios:/HomeDomain/.. 0\n"
    "d ios:/HomeDomain/../.. 0\n"
    "d ios:/HomeDomain/../../.. 0\n"
    "d ios:/HomeDomain/../../../etc 0\n"
    "r ios:/HomeDomain/../../../etc/passwd 10\n"
    "d ios:/HomeDomain/Library 0\n"
    "d ios:/HomeDomain/Library/SMS 0\n"
    "r ios:/HomeDomain/Library/SMS/sms.db 8\n"
    "l ios:/HomeDomain/Library/link 0 -> Library/SMS\n"
    "r ios:/HomeDomain/Library/missing.db 77\n";

static void
test_ios_backup(void **state)
{
	struct etk_evidence *ev;
	struct etk_summary *sum = summary();
	struct found f;
	const char *why = NULL;
	char *got;

	(void)state;
	assert_int_equal(sh("cd '%s' && find . -type f | LC_ALL=C sort | "
	    "xargs sha256sum > ../ios.sums && find . | LC_ALL=C sort > "
	    "../ios.files", P("ios")), 0);
	ev = ev_open("ios");
	assert_int_equal(etk_evidence_kind(ev), ETK_EV_IOS_BACKUP);
	assert_string_equal(etk_evidence_kind_name(ev), "ios-backup");
	got = listing(ev, NULL, ETK_WALK_DEFAULT, sum);
	if (strcmp(got, ios_all) != 0)
		fail_msg("--- got\n%s--- want\n%s", got, ios_all);
	free(got);
	assert_int_equal(outcome(sum, "ios", NULL, &why), ETK_OUTCOME_ERROR);
	assert_non_null(strstr(why, "1 file named in Manifest.db missing"));
	expect_listing(ev, "/HomeDomain/Library", ETK_WALK_ALLOC,
	    "d ios:/HomeDomain/Library/SMS 0\n"
	    "l ios:/HomeDomain/Library/link 0 -> Library/SMS\n"
	    "r ios:/HomeDomain/Library/missing.db 77\n");

	expect_content(ev, "/HomeDomain/Library/SMS/sms.db", "sms data", 8);
	expect_content(ev, "ios:/CameraRollDomain/Media/DCIM/100APPLE/"
	    "IMG_0001.JPG", "\xff\xd8jpeg", 6);
	/* The stored file, not the examiner's /etc/passwd. */
	expect_content(ev, "/HomeDomain/../../../etc/passwd", "not really",
	    10);
	expect_cat_fails(ev, "/HomeDomain/Library/missing.db", ETK_ENOTFOUND,
	    "backup file e7/e7f114c544141b3ca601c505d9d7cdc7ddd1ac0b missing");
	expect_cat_fails(ev, "/HomeDomain/Library", ETK_EINVAL, "directory");
	expect_cat_fails(ev, "/HomeDomain/Library/link", ETK_EINVAL,
	    "symbolic link");

	do_stat(ev, "/CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG", &f);
	assert_int_equal(f.e.inode, 4);
	assert_int_equal(f.e.mtime, 1700000000);
	assert_int_equal(f.e.crtime, 1690000000);
	assert_int_equal(f.e.ctime, 1700000005);
	assert_int_equal(f.e.uid, 501);
	assert_int_equal(f.e.mode, 0644);
	do_stat(ev, "i4", &f);
	assert_string_equal(f.path,
	    "/CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG");
	etk_evidence_close(ev);
	etk_summary_free(sum);

	/* Nothing changed, nothing appeared (no -wal, -shm, -journal). */
	assert_int_equal(sh("cd '%s' && sha256sum --quiet -c ../ios.sums && "
	    "find . | LC_ALL=C sort | cmp -s - ../ios.files", P("ios")), 0);

	/* Encrypted, and no password given (test_iosbackup_enc.c has the
	 * rest). */
	unsetenv("ETK_PASSWORD_FILE");
	expect_open_fails("iosenc", ETK_EINVAL, "its password is needed");
	expect_open_fails("iosnotdb", ETK_EUNSUPP,
	    "encrypted iOS backup not supported");
	ev = ev_open("iosbin");	/* binary Manifest.plist, not encrypted */
	expect_content(ev, "/HomeDomain/Library/SMS/sms.db", "sms data", 8);
	etk_evidence_close(ev);

	/* Older layout (files beside Manifest.db), and a -wal left there. */
	ev = ev_open("iosflat");
	sum = summary();
	free(listing(ev, NULL, ETK_WALK_DEFAULT, sum));
	assert_int_equal(outcome(sum, "iosflat", NULL, &why),
	    ETK_OUTCOME_ERROR);
	assert_non_null(strstr(why, "Manifest.db-wal is present"));
	assert_null(strstr(why, "missing"));
	expect_content(ev, "/HomeDomain/Library/SMS/sms.db", "sms data", 8);
	expect_content(ev, "/CameraRollDomain/Media/DCIM/100APPLE/"
	    "IMG_0001.JPG", "\xff\xd8jpeg", 6);
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

/* ---- the shared fixtures ---- */

static int
fx_cb(const struct etk_entry *e, void *arg)
{
	FILE *fp = arg;

	if (e->name_type == 'r')
		fprintf(fp, "%s\t%" PRId64 "\n", e->path,
		    e->fs_type != NULL && strcmp(e->fs_type, "ios-backup") == 0 ?
		    (int64_t)-1 : (int64_t)e->size);
	return 0;
}

/* Regular files with sizes, compared with Python's view of path. */
static void
fx_compare(const char *fx, const char *name, const char *kind)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct etk_summary *sum = summary();
	char mine[512], theirs[512], path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fx, name);
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "test_containers: no fixture %s\n", name);
		etk_summary_free(sum);
		return;
	}
	if (etk_evidence_open(&ev, path, &err) != ETK_OK)
		fail_msg("open %s: %s", path, err.msg);
	snprintf(mine, sizeof(mine), "%s/../fx-mine", tmp);
	snprintf(theirs, sizeof(theirs), "%s/../fx-theirs", tmp);
	fp = fopen(mine, "w");
	assert_non_null(fp);
	if (etk_evidence_walk(ev, NULL, ETK_WALK_DEFAULT, fx_cb, fp, sum,
	    &err) != ETK_OK)
		fail_msg("walk %s: %s", path, err.msg);
	fclose(fp);
	assert_int_equal(outcome(sum, etk_evidence_name(ev), NULL, NULL),
	    ETK_OUTCOME_OK);
	assert_int_equal(sh("%s '%s/../fx.py' %s '%s' > '%s'", python, tmp,
	    kind, path, theirs), 0);
	if (sh("LC_ALL=C sort -o '%s' '%s' && LC_ALL=C sort -o '%s' '%s' && "
	    "cmp -s '%s' '%s'", mine, mine, theirs, theirs, mine, theirs) != 0)
		fail_msg("%s: listing differs from %s's (see %s, %s)", name,
		    kind, mine, theirs);
	etk_summary_free(sum);
	etk_evidence_close(ev);
}

static void
test_fixtures(void **state)
{
	const char *fx = getenv("ETK_FIXTURES");
	struct etk_evidence *ev;
	struct etk_error err = { 0 };
	char path[512], *got;

	(void)state;
	if (fx == NULL || access(fx, F_OK) != 0) {
		skip();
		return;
	}
	fx_compare(fx, "ios-ffs.tar", "tar");
	fx_compare(fx, "ios-ffs.tar.gz", "tar");
	fx_compare(fx, "ios-ffs.zip", "zip");
	fx_compare(fx, "android.ab", "ab");
	fx_compare(fx, "bad/evil.zip", "zip");
	fx_compare(fx, "bad/evil.tar", "tar");
	fx_compare(fx, "ios-backup", "ios");
	snprintf(path, sizeof(path), "%s/android-enc.ab", fx);
	if (access(path, F_OK) == 0) {
		ev = (struct etk_evidence *)&err;
		assert_int_equal(etk_evidence_open(&ev, path, &err),
		    ETK_EUNSUPP);
		assert_null(ev);
		assert_non_null(strstr(err.msg, "android-enc.ab: "
		    "android-backup: encrypted backup (AES-256) not "
		    "supported"));
	}
	snprintf(path, sizeof(path), "%s/bad/symlink-loop", fx);
	if (access(path, F_OK) == 0) {
		if (etk_evidence_open(&ev, path, &err) != ETK_OK)
			fail_msg("open %s: %s", path, err.msg);
		got = listing(ev, NULL, ETK_WALK_DEFAULT, NULL);
		assert_non_null(strstr(got, "\nl symlink-loop:"));
		free(got);
		etk_evidence_close(ev);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar),
		cmocka_unit_test(test_tar_gz_random_access),
		cmocka_unit_test(test_tar_gz_checkpoints),
		cmocka_unit_test(test_tar_sparse),
		cmocka_unit_test(test_tar_truncated),
		cmocka_unit_test(test_gzip_corrupt),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_zip_utf8),
		cmocka_unit_test(test_zip_random_access),
		cmocka_unit_test(test_zip_truncated),
		cmocka_unit_test(test_android_backup),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_ios_backup),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests_name("containers", tests, setup,
	    teardown);
}

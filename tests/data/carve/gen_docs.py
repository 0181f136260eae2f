#!/usr/bin/env python3
# Builds the sample documents, archives and databases that
# tests/unit/test_carve_docs.c places inside random bytes (and that seed
# fuzz/corpus/carve/).  Deterministic except z64e.zip (made by Info-ZIP zip -fz when
# present, with current file times).
# Usage: gen_docs.py OUTDIR
import io, os, sys, struct, zipfile, zlib, gzip, random, sqlite3, tarfile
out = sys.argv[1]
os.chdir(out)
rnd = random.Random(5)
DT = (2020, 1, 2, 3, 4, 6)

def put(name, data):
    with open(name, 'wb') as f:
        f.write(data)

def pdf_objs(text):
    c = ('BT /F1 18 Tf 72 720 Td (%s) Tj ET' % text).encode()
    return [b'<< /Type /Catalog /Pages 2 0 R >>',
            b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
            b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
            b'<< /Length %d >>\nstream\n' % len(c) + c + b'\nendstream',
            b'<< /Length 300 >>\nstream\n' + rnd.randbytes(300) + b'\nendstream']

def pdf(text):
    o = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
    offs = []
    for i, x in enumerate(pdf_objs(text), 1):
        offs.append(len(o))
        o += b'%d 0 obj\n' % i + x + b'\nendobj\n'
    xr = len(o)
    o += b'xref\n0 %d\n0000000000 65535 f \n' % (len(offs) + 1)
    for x in offs:
        o += b'%010d 00000 n \n' % x
    o += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(offs) + 1, xr)
    return bytes(o)

def pdf_inc(text):
    base = pdf(text)
    prev = int(base.rsplit(b'startxref\n', 1)[1].split(b'\n')[0])
    o = bytearray(base)
    off6 = len(o)
    o += b'6 0 obj\n<< /Length 5 >>\nstream\nhello\nendstream\nendobj\n'
    xr = len(o)
    o += b'xref\n0 1\n0000000000 65535 f \n6 1\n%010d 00000 n \n' % off6
    o += b'trailer\n<< /Size 7 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\r\n' % (prev, xr)
    return bytes(o)

put('a.pdf', pdf('plain'))
put('inc.pdf', pdf_inc('incremental'))
# two updates
b = pdf_inc('twice')
prev = int(b.rsplit(b'startxref\n', 1)[1].split(b'\n')[0])
o = bytearray(b)
o7 = len(o)
o += b'7 0 obj\n(seven)\nendobj\n'
xr = len(o)
o += b'xref\n7 1\n%010d 00000 n \ntrailer\n<< /Size 8 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n' % (o7, prev, xr)
put('inc2.pdf', bytes(o))

def mkzip(members, comment=b'', z64=False, stream=False):
    bio = io.BytesIO()
    class NS(io.RawIOBase):
        def writable(self): return True
        def write(self, b):
            bio.write(b); return len(b)
    f = NS() if stream else bio
    with zipfile.ZipFile(f, 'w', allowZip64=True) as z:
        for name, data, comp in members:
            zi = zipfile.ZipInfo(name, DT)
            zi.compress_type = zipfile.ZIP_DEFLATED if comp else zipfile.ZIP_STORED
            with z.open(zi, 'w', force_zip64=z64) as w:
                w.write(data)
        z.comment = comment
    return bio.getvalue()

txt = b'etk carving ' * 300
rb = rnd.randbytes(5000)
put('plain.zip', mkzip([('a.txt', txt, True), ('b.bin', rb, False), ('dir/c.txt', b'c' * 100, True)], comment=b'an archive comment'))
put('stream.zip', mkzip([('a.txt', txt, True), ('b.bin', rb, False), ('c.txt', b'x' * 10, True)], stream=True))
put('z64.zip', mkzip([('a.txt', txt, True), ('b.bin', rb, False)], z64=True))
# ZIP64 end records as well (more than 65535 entries is too slow; use zip -fz? rely on member-level zip64)
ct = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
put('d.docx', mkzip([('[Content_Types].xml', ct, True), ('_rels/.rels', b'<r/>', True), ('word/document.xml', txt, True)]))
put('x.xlsx', mkzip([('[Content_Types].xml', ct, True), ('xl/workbook.xml', txt, True)]))
put('p.pptx', mkzip([('[Content_Types].xml', ct, True), ('ppt/presentation.xml', txt, True)]))
put('o.odt', mkzip([('mimetype', b'application/vnd.oasis.opendocument.text', False), ('content.xml', txt, True), ('META-INF/manifest.xml', b'<m/>', True)]))
put('s.ods', mkzip([('mimetype', b'application/vnd.oasis.opendocument.spreadsheet', False), ('content.xml', txt, True)]))
put('e.epub', mkzip([('mimetype', b'application/epub+zip', False), ('META-INF/container.xml', b'<c/>', True)]))
put('a.apk', mkzip([('AndroidManifest.xml', rb[:300], True), ('classes.dex', b'dex\n035\0' + rb[:500], True), ('META-INF/MANIFEST.MF', b'Manifest-Version: 1.0\n', True)]))
put('j.jar', mkzip([('META-INF/MANIFEST.MF', b'Manifest-Version: 1.0\n', True), ('a/B.class', rb[:400], True)]))
# a zip stored inside a zip
inner = mkzip([('in.txt', txt, True)])
put('nest.zip', mkzip([('first.txt', b'hello', False), ('inner.zip', inner, False), ('z.txt', txt, True)]))

def mkdb(name, ps, autovac=False, rows=300):
    p = name + '.tmp'
    if os.path.exists(p): os.unlink(p)
    c = sqlite3.connect(p)
    c.execute('PRAGMA page_size=%d' % ps)
    if autovac: c.execute('PRAGMA auto_vacuum=FULL')
    c.execute('PRAGMA journal_mode=DELETE')
    c.execute('CREATE TABLE m(id INTEGER PRIMARY KEY, body TEXT, blob BLOB)')
    c.executemany('INSERT INTO m VALUES(?,?,?)', [(i, 'msg %d %s' % (i, 'y' * rnd.randint(10, 300)), rnd.randbytes(rnd.randint(0, 3000))) for i in range(rows)])
    c.commit()
    c.execute('DELETE FROM m WHERE id % 3 = 0')
    c.commit()
    c.close()
    with open(p, 'rb') as f: d = f.read()
    os.unlink(p)
    put(name, d)
mkdb('a.sqlite', 4096)
mkdb('b.sqlite', 1024, autovac=True)
mkdb('c.sqlite', 65536, rows=50)

put('a.gz', gzip.compress(txt * 10 + rb, mtime=0))
tb = io.BytesIO()
with tarfile.open(fileobj=tb, mode='w') as t:
    ti = tarfile.TarInfo('f.txt'); ti.size = len(txt); ti.mtime = 0
    t.addfile(ti, io.BytesIO(txt))
put('t.tar.gz', gzip.compress(tb.getvalue(), mtime=0))

def sevenz():
    nh = bytes([0x01, 0x04, 0x06, 0x00, 0x00]) # Header, MainStreamsInfo?... keep minimal:
    nh = bytes([0x01, 0x00])
    packed = rnd.randbytes(700)
    start = struct.pack('<QQI', len(packed), len(nh), zlib.crc32(nh))
    return b'7z\xbc\xaf\x27\x1c\x00\x04' + struct.pack('<I', zlib.crc32(start)) + start + packed + nh
put('a.7z', sevenz())

rtf = (b'{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\n{\\pard Hello \\{braces\\} and \\\\ '
       b'{\\b bold} {\\*\\blip \\bin8 }}}{{{{ }\\par}\n' + b'{\\pard more text here\\par}\n' * 20 + b'}\r\n')
put('a.rtf', rtf)

def ole(stream_name, nsect_data=9, v4=False):
    shift = 12 if v4 else 9
    ss = 1 << shift
    # sectors: 0 FAT, 1 directory, 2.. data
    nent = ss // 4
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [i + 1 for i in range(2, 2 + nsect_data - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (nent - len(fat))
    hdr = bytearray(512)
    hdr[0:8] = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
    struct.pack_into('<HHHHH', hdr, 24, 0x3e, 4 if v4 else 3, 0xfffe, shift, 6)
    struct.pack_into('<IIIIIIIIII', hdr, 40, 1 if v4 else 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0, 0)
    struct.pack_into('<I', hdr, 76, 0)
    for i in range(1, 109): struct.pack_into('<I', hdr, 76 + 4 * i, 0xFFFFFFFF)
    if v4: hdr += bytes(ss - 512)
    def de(name, typ, child, start, size):
        e = bytearray(128)
        n = name.encode('utf-16-le') + b'\0\0'
        e[0:len(n)] = n
        struct.pack_into('<HBB', e, 64, len(n), typ, 1)
        struct.pack_into('<III', e, 68, 0xFFFFFFFF, 0xFFFFFFFF, child)
        struct.pack_into('<IQ', e, 116, start, size)
        return bytes(e)
    d = de('Root Entry', 5, 1, 0xFFFFFFFE, 0) + de(stream_name, 2, 0xFFFFFFFF, 2, nsect_data * ss)
    d += bytes(ss - len(d))
    data = rnd.randbytes(nsect_data * ss)
    return bytes(hdr) + struct.pack('<%dI' % nent, *fat) + d + data
put('a.doc', ole('WordDocument'))
put('a.xls', ole('Workbook', 12))
put('a.msg', ole('__substg1.0_0037001F', 9, v4=True))
put('a.ole', ole('Contents', 10))
import shutil, subprocess
if shutil.which('zip'):
    put('m1.txt', txt * 3)
    put('m2.bin', rb)
    subprocess.run(['zip', '-q', '-X', '-fz', 'z64e.zip', 'm1.txt', 'm2.bin'], check=True)
    with open('z64e.zip', 'rb') as f: d = f.read()
    assert b'PK\x06\x06' in d and b'PK\x06\x07' in d
    os.unlink('m1.txt'); os.unlink('m2.bin')

# Apple binary plists
import plistlib
pl = {'name': 'etk', 'n': 42, 'list': list(range(40)), 'blob': rnd.randbytes(300), 'f': 1.5, 'ok': True,
      'nested': {'a': 'b' * 50, 'when': __import__('datetime').datetime(2020, 1, 2, 3, 4, 5)}}
put('a.plist', plistlib.dumps(pl, fmt=plistlib.FMT_BINARY))
big = {'k%d' % i: ['v%d' % i, i * 1000] for i in range(400)}
put('b.plist', plistlib.dumps(big, fmt=plistlib.FMT_BINARY))

# SQLite write-ahead logs: one generation, and one rewritten after a
# checkpoint (older frames left after the new ones)
def mkwal(name, restart):
    p = name + '.db'
    for x in (p, p + '-wal', p + '-shm'):
        if os.path.exists(x): os.unlink(x)
    c = sqlite3.connect(p)
    c.execute('PRAGMA page_size=1024')
    c.execute('PRAGMA journal_mode=WAL')
    c.execute('PRAGMA wal_autocheckpoint=0')
    c.execute('CREATE TABLE t(a, b)')
    for i in range(30):
        c.execute('INSERT INTO t VALUES(?, ?)', (i, rnd.randbytes(200)))
        c.commit()
    if restart:
        c.execute('PRAGMA wal_checkpoint(RESTART)')
        c.execute('INSERT INTO t VALUES(?, ?)', (99, b'new'))
        c.commit()
    with open(p + '-wal', 'rb') as f:
        d = f.read()
    put(name, d)
    c.close()
    for x in (p, p + '-wal', p + '-shm'):
        if os.path.exists(x): os.unlink(x)
mkwal('a.wal', False)
mkwal('b.wal', True)

# An APK with a v2 signing block between the members and the directory
def with_sigblock(z):
    e = z.rfind(b'PK\x05\x06')
    cdoff = struct.unpack_from('<I', z, e + 16)[0]
    pairs = struct.pack('<QI', 4 + 200, 0x7109871a) + rnd.randbytes(200)
    size = len(pairs) + 8 + 16
    blk = struct.pack('<Q', size) + pairs + struct.pack('<Q', size) + b'APK Sig Block 42'
    out = bytearray(z[:cdoff] + blk + z[cdoff:])
    e2 = out.rfind(b'PK\x05\x06')
    struct.pack_into('<I', out, e2 + 16, cdoff + len(blk))
    return bytes(out)
put('sig.apk', with_sigblock(mkzip([('AndroidManifest.xml', rb[:300], False), ('classes.dex', b'dex\n035\0' + rb[:500], True), ('resources.arsc', rb[:100], False)])))

"""Sample files for test_carve_media: python3 carve_media_gen.py DIR.

PNG, BMP, WAV, AVI and ISO-BMFF files are built byte by byte; JPEG
(baseline, progressive, restart markers, EXIF thumbnail), animated GIF,
TIFF and WebP come from ImageMagick's convert when it is installed (else
they are simply not written and the tests that need them skip)."""
import os
import random
import shutil
import struct
import subprocess
import sys
import wave
import zlib

out = sys.argv[1]


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def pixels(w, h, seed):
    r = random.Random(seed)
    rows = []
    for y in range(h):
        row = bytearray()
        for x in range(w):
            row += bytes(((x * 3 + y) & 255, (y * 5 + seed) & 255,
                          ((x ^ y) + r.randint(0, 40)) & 255))
        rows.append(bytes(row))
    return rows


def ppm(w, h, seed):
    return b"P6\n%d %d\n255\n" % (w, h) + b"".join(pixels(w, h, seed))


def png(w, h, seed):
    raw = b"".join(b"\x00" + r for r in pixels(w, h, seed))

    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d +
                struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF))
    o = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    o += chunk(b"tEXt", b"Comment\x00etk test")
    c = zlib.compress(raw, 6)
    for i in range(0, len(c), 8192):
        o += chunk(b"IDAT", c[i:i + 8192])
    return o + chunk(b"IEND", b"")


def bmp(w, h, seed):
    pad = (4 - (w * 3) % 4) % 4
    data = b"".join(r + b"\x00" * pad for r in pixels(w, h, seed))
    hdr = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(data), 0, 0, 54) + hdr + data


def box(t, p):
    return struct.pack(">I", 8 + len(p)) + t + p


def bmff(brand, compat, mdat_first, image=False):
    r = random.Random(5)
    media = bytes(r.getrandbits(8) for _ in range(30000))
    ftyp = box(b"ftyp", brand + struct.pack(">I", 0x200) + b"".join(compat))
    if image:
        hdlr = box(b"hdlr", b"\0" * 8 + b"pict" + b"\0" * 13)
        meta = box(b"meta", b"\0\0\0\0" + hdlr + box(b"pitm", b"\0" * 6))
        return ftyp + meta + box(b"mdat", media)
    moov = box(b"moov", box(b"mvhd", b"\0" * 100) +
               box(b"trak", box(b"tkhd", b"\0" * 84)))
    if mdat_first:
        return ftyp + box(b"mdat", media) + moov
    return ftyp + moov + box(b"free", b"\0" * 16) + box(b"mdat", media)


def avi():
    def ck(i, d):
        return i + struct.pack("<I", len(d)) + d + (b"\0" if len(d) & 1 else b"")
    avih = ck(b"avih", struct.pack("<14I", 40000, 0, 0, 0x10, 3, 0, 1, 0, 64, 48, 0, 0, 0, 0))
    hdrl = ck(b"LIST", b"hdrl" + avih)
    r = random.Random(6)
    movi = ck(b"LIST", b"movi" + b"".join(ck(b"00dc", bytes(r.getrandbits(8) for _ in range(n)))
                                          for n in (3001, 2500, 4000)))
    idx = ck(b"idx1", b"\0" * 48)
    body = b"AVI " + hdrl + movi + idx
    return b"RIFF" + struct.pack("<I", len(body)) + body


put("a.png", png(300, 200, 1))
put("a.bmp", bmp(101, 75, 2))
put("a.mp4", bmff(b"isom", (b"isom", b"mp41"), True))
put("b.mp4", bmff(b"mp42", (b"mp42", b"isom"), False))
put("a.mov", bmff(b"qt  ", (b"qt  ",), False))
put("a.heic", bmff(b"heic", (b"mif1", b"heic"), False, image=True))
put("a.avi", avi())


def tiff_be(w, h, seed):
    """Big-endian 8-bit grey TIFF, 4 strips, IFD after the data."""
    pix = b"".join(bytes(x for x in r[::3]) for r in pixels(w, h, seed))
    rps = (h + 3) // 4
    strips = [pix[i * rps * w:(i + 1) * rps * w] for i in range(4)]
    o = bytearray(b"MM\0*\0\0\0\0")
    offs = []
    for st in strips:
        offs.append(len(o))
        o += st
    arr_off = len(o)
    o += b"".join(struct.pack(">I", x) for x in offs)
    cnt_off = len(o)
    o += b"".join(struct.pack(">I", len(x)) for x in strips)
    if len(o) & 1:
        o += b"\0"
    ifd = len(o)
    ents = [(256, 3, 1, w << 16), (257, 3, 1, h << 16), (258, 3, 1, 8 << 16),
            (259, 3, 1, 1 << 16), (262, 3, 1, 1 << 16), (273, 4, 4, arr_off),
            (277, 3, 1, 1 << 16), (278, 3, 1, rps << 16), (279, 4, 4, cnt_off)]
    o += struct.pack(">H", len(ents))
    for e in ents:
        o += struct.pack(">HHII", *e)
    o += struct.pack(">I", 0)
    o[4:8] = struct.pack(">I", ifd)
    return bytes(o)


put("be.tif", tiff_be(120, 90, 4))
wf = wave.open(os.path.join(out, "a.wav"), "wb")
wf.setnchannels(1)
wf.setsampwidth(2)
wf.setframerate(8000)
wf.writeframes(bytes(random.Random(3).getrandbits(8) for _ in range(40001)))
wf.close()

if shutil.which("convert"):
    put("in.ppm", ppm(640, 480, 1))
    put("small.ppm", ppm(160, 120, 2))

    def conv(*a):
        subprocess.run(["convert"] + list(a), check=True, cwd=out,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conv("in.ppm", "-quality", "90", "a.jpg")
    conv("in.ppm", "-interlace", "JPEG", "p.jpg")
    conv("in.ppm", "-define", "jpeg:restart-interval=2", "-sampling-factor", "2x2", "r.jpg")
    conv("small.ppm", "-quality", "70", "t.jpg")
    conv("-delay", "10", "in.ppm", "small.ppm", "in.ppm", "-loop", "0", "anim.gif")
    conv("in.ppm", "a.tif")
    conv("in.ppm", "-compress", "lzw", "-define", "tiff:rows-per-strip=16",
         "-endian", "MSB", "b.tif")
    conv("in.ppm", "a.webp")
    # a JPEG with an EXIF thumbnail (its own SOI..EOI) in APP1
    with open(os.path.join(out, "a.jpg"), "rb") as f:
        main = f.read()
    with open(os.path.join(out, "t.jpg"), "rb") as f:
        th = f.read()
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x010F, 2, 4, 0x00637465) + struct.pack("<I", 26)
    ifd1 = struct.pack("<H", 3) + struct.pack("<HHII", 0x0103, 3, 1, 6)
    thoff = 26 + 2 + 36 + 4
    ifd1 += struct.pack("<HHII", 0x0201, 4, 1, thoff) + struct.pack("<HHII", 0x0202, 4, 1, len(th))
    ifd1 += struct.pack("<I", 0)
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd0 + ifd1 + th
    app1 = b"Exif\0\0" + tiff
    put("exif.jpg", main[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + main[2:])


# --------------------------------------------------------------- audio/video
def id3v2(body):
    n = len(body)
    ss = bytes([(n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127])
    return b"ID3\x03\x00\x00" + ss + body


def mp3(nframes, seed):
    r = random.Random(seed)
    title = b"etk carving test"
    tag = id3v2(b"TIT2" + struct.pack(">I", len(title) + 1) + b"\0\0\0" + title + b"\0" * 64)
    o = bytearray(tag)
    for i in range(nframes):
        pad = 1 if i % 3 == 2 else 0
        n = 144 * 128000 // 44100 + pad          # MPEG-1 layer III, 128 kb/s
        o += bytes([0xFF, 0xFB, 0x90 | (pad << 1), 0x64]) + bytes(r.getrandbits(8) for _ in range(n - 4))
    o += b"TAG" + b"etk".ljust(125, b"\0")
    return bytes(o)


put("a.mp3", mp3(60, 7))

_oggtab = []
for _i in range(256):
    _c = _i << 24
    for _j in range(8):
        _c = ((_c << 1) ^ 0x04C11DB7) if _c & 0x80000000 else (_c << 1)
        _c &= 0xFFFFFFFF
    _oggtab.append(_c)


def oggcrc(b):
    c = 0
    for x in b:
        c = ((c << 8) & 0xFFFFFFFF) ^ _oggtab[((c >> 24) ^ x) & 255]
    return c


def ogg(seed):
    r = random.Random(seed)
    serial = 0x1234ABCD
    pkts = [b"\x01vorbis" + bytes(23)] + [bytes(r.getrandbits(8) for _ in range(r.randint(100, 3000)))
                                         for _ in range(12)]
    o = b""
    for seq, p in enumerate(pkts):
        flags = 2 if seq == 0 else 4 if seq == len(pkts) - 1 else 0
        lace = [255] * (len(p) // 255) + [len(p) % 255]
        hdr = b"OggS\0" + bytes([flags]) + struct.pack("<qIII", seq * 1000, serial, seq, 0) + bytes([len(lace)]) + bytes(lace)
        page = bytearray(hdr + p)
        page[22:26] = struct.pack("<I", oggcrc(page))
        o += bytes(page)
    return o


put("a.ogg", ogg(8))


def ebml(eid, payload, unknown=False):
    n = len(payload)
    size = b"\x01\xff\xff\xff\xff\xff\xff\xff" if unknown else b"\x01" + n.to_bytes(7, "big")
    return eid + size + payload


def mkv(doctype, live, seed):
    r = random.Random(seed)
    hdr = ebml(b"\x1a\x45\xdf\xa3", b"\x42\x86\x81\x01" + b"\x42\xf7\x81\x01" + b"\x42\xf2\x81\x04" +
               b"\x42\xf3\x81\x08" + b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype +
               b"\x42\x87\x81\x04" + b"\x42\x85\x81\x02")
    info = ebml(b"\x15\x49\xa9\x66", b"\x2a\xd7\xb1\x83\x0f\x42\x40")
    tracks = ebml(b"\x16\x54\xae\x6b", ebml(b"\xae", b"\xd7\x81\x01\x83\x81\x01"))
    clusters = b""
    for i in range(4):
        blocks = b"".join(ebml(b"\xa3", b"\x81\x00\x00\x80" + bytes(r.getrandbits(8) for _ in range(2000)))
                          for _ in range(3))
        body = b"\xe7\x81" + bytes([i]) + blocks
        if live:
            clusters += b"\x1f\x43\xb6\x75\x01\xff\xff\xff\xff\xff\xff\xff" + body
        else:
            clusters += ebml(b"\x1f\x43\xb6\x75", body)
    seg = info + tracks + clusters
    return hdr + ebml(b"\x18\x53\x80\x67", seg, unknown=live)


put("a.mkv", mkv(b"matroska", False, 9))
put("live.webm", mkv(b"webm", True, 10))


def asf(seed):
    r = random.Random(seed)
    G = lambda s: bytes.fromhex(s)
    hdr_g = G("3026b2758e66cf11a6d900aa0062ce6c")
    data_g = G("3626b2758e66cf11a6d900aa0062ce6c")
    sidx_g = G("900800 33b1e5cf1189f400a0c90349cb".replace(" ", ""))
    fileprops = G("a1dcab8c47a9cf118ee400c00c205365") + struct.pack("<Q", 24 + 80) + bytes(80)
    sp = (G("9107dcb7b7a9cf118ee600c00c205365") + struct.pack("<Q", 24 + 54) +
          G("c0ef19bc4d5bcf11a8fd00805f5c442b") + bytes(38))
    body = fileprops + sp
    header = hdr_g + struct.pack("<QIBB", 30 + len(body), 2, 1, 2) + body
    packets = bytes(r.getrandbits(8) for _ in range(5000))
    data = data_g + struct.pack("<Q", 50 + len(packets)) + bytes(16) + struct.pack("<QBB", 1, 1, 1) + packets
    idx = sidx_g + struct.pack("<Q", 24 + 32) + bytes(32)
    return header + data + idx


put("a.wmv", asf(11))

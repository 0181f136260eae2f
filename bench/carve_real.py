#!/usr/bin/env python3
"""Real-encoder carving corpus for bench/carve-real.sh.

    carve_real.py make --out DIR [--seed N] [--max-mib M] [--size-mib S]
    carve_real.py table [LABEL=]JSON ...

`make` builds DIR/src/ (files written by ffmpeg, ImageMagick, exiftool,
sqlite3, python's zipfile/gzip when present, and real files found on this
machine), then DIR/image.dd with every file placed once at a seeded offset
(4 KiB-aligned, 512-aligned or unaligned, separated by random or zero
filler), DIR/originals/ and DIR/truth.json in the carving-bench/1 format
score.py reads (../shared/bench/carving).  Files are whole and contiguous:
a miss is a validator that does not know real encoder output.

`table` prints recall per type for several score.py --json outputs (each
column named by its LABEL, else by the tool name in the JSON).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import zipfile

MiB = 1 << 20

# What a file of each extension starts with: the system files kept are
# those that are what their name says.
MAGIC = {
    "jpg": [b"\xff\xd8\xff"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "gif": [b"GIF87a", b"GIF89a"],
    "bmp": [b"BM"],
    "tiff": [b"II*\0", b"MM\0*"],
    "webp": [b"RIFF"],
    "pdf": [b"%PDF-"],
    "doc": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    "xls": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    "ppt": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    "msi": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
    "odt": [b"PK\x03\x04"],
    "ods": [b"PK\x03\x04"],
    "docx": [b"PK\x03\x04"],
    "xlsx": [b"PK\x03\x04"],
    "zip": [b"PK\x03\x04"],
    "gz": [b"\x1f\x8b\x08"],
    "ttf": [b"\0\1\0\0", b"true", b"OTTO"],
    "ico": [b"\0\0\1\0"],
    "wav": [b"RIFF"],
    "mp3": [b"ID3", b"\xff\xfb", b"\xff\xfa", b"\xff\xf3", b"\xff\xf2"],
    "sqlite": [b"SQLite format 3\0"],
    "7z": [b"7z\xbc\xaf\x27\x1c"],
    "rtf": [b"{\\rtf"],
}
SYS_EXT = {  # extension searched -> type in the truth
    "png": "png", "gif": "gif", "jpg": "jpg", "jpeg": "jpg", "pdf": "pdf",
    "doc": "doc", "xls": "xls", "ppt": "ppt", "msi": "msi", "odt": "odt",
    "ods": "ods", "docx": "docx", "xlsx": "xlsx", "ttf": "ttf", "ico": "ico",
    "wav": "wav", "mp3": "mp3", "zip": "zip", "gz": "gz", "bmp": "bmp",
    "tif": "tiff", "tiff": "tiff", "webp": "webp", "db": "sqlite",
    "sqlite": "sqlite", "sqlite3": "sqlite", "7z": "7z", "rtf": "rtf",
}
PER_TYPE = {"png": 12, "gz": 6, "jpg": 12, "zip": 8, "pdf": 4, "gif": 8,
            "wav": 6, "bmp": 6, "webp": 6, "tiff": 4, "ico": 4}
SYS_MAX = 24 * MiB  # per system file
PRUNE = ("/proc", "/sys", "/dev", "/run", "/tmp", "/work", "/var/tmp")


def sha(d):
    return hashlib.sha256(d).hexdigest()


def run(cmd, log, stdout=None):
    r = subprocess.run(cmd, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        log.write("FAILED %s\n%s\n" % (" ".join(cmd), r.stderr.decode(errors="replace")[-2000:]))
        return False
    return True


def ffmpeg_files(src, ff, log):
    """(name, type, argv-after-inputs) made by real encoders."""
    v = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"]
    vbig = ["-f", "lavfi", "-i", "mandelbrot=size=640x480:rate=25"]
    a = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    a2 = ["-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=48000:amplitude=0.3"]
    meta = ["-metadata", "title=etk real corpus", "-metadata", "artist=etk"]
    jobs = [
        ("h264_aac.mp4", "mp4", v + a + ["-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-pix_fmt", "yuv420p"]),
        ("h264_aac_faststart.mp4", "mp4", v + a + ["-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]),
        ("h264_frag.mp4", "mp4", v + a + ["-t", "3", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-pix_fmt", "yuv420p", "-movflags", "+frag_keyframe+empty_moov"]),
        ("big_h264.mp4", "mp4", vbig + a2 + ["-t", "8", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2M", "-c:a", "aac", "-pix_fmt", "yuv420p"]),
        ("h264_aac.mov", "mov", v + a + ["-t", "3", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-pix_fmt", "yuv420p"]),
        ("mjpeg_pcm.mov", "mov", v + a + ["-t", "2", "-c:v", "mjpeg", "-c:a", "pcm_s16le"]),
        ("h263_aac.3gp", "3gp", ["-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15"] + a + ["-t", "4", "-c:v", "h263", "-c:a", "aac", "-ar", "16000", "-ac", "1", "-b:a", "32k"]),
        ("aac.m4a", "m4a", a + meta + ["-t", "5", "-c:a", "aac", "-b:a", "96k"]),
        ("h264_aac.mkv", "mkv", v + a + meta + ["-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-pix_fmt", "yuv420p"]),
        ("mpeg4_flac.mkv", "mkv", v + a + ["-t", "3", "-c:v", "mpeg4", "-c:a", "flac"]),
        ("vp8_vorbis.webm", "webm", v + a + ["-t", "3", "-c:v", "libvpx", "-b:v", "500k", "-c:a", "libvorbis"]),
        ("vp9_opus.webm", "webm", v + a + ["-t", "3", "-c:v", "libvpx-vp9", "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"]),
        ("mpeg4_mp3.avi", "avi", v + a + ["-t", "4", "-c:v", "mpeg4", "-c:a", "libmp3lame"]),
        ("mjpeg_pcm.avi", "avi", v + a + ["-t", "2", "-c:v", "mjpeg", "-c:a", "pcm_s16le"]),
        ("wmv2_wmav2.wmv", "wmv", v + a + ["-t", "4", "-c:v", "wmv2", "-c:a", "wmav2"]),
        ("wmav2.wma", "wma", a + meta + ["-t", "5", "-c:a", "wmav2"]),
        ("id3v2.mp3", "mp3", a + meta + ["-t", "6", "-c:a", "libmp3lame", "-b:a", "128k"]),
        ("id3v2_vbr.mp3", "mp3", a2 + meta + ["-t", "6", "-c:a", "libmp3lame", "-q:a", "4", "-write_id3v1", "1"]),
        ("noid3.mp3", "mp3", a + ["-t", "6", "-c:a", "libmp3lame", "-b:a", "128k", "-write_id3v1", "0", "-id3v2_version", "0"]),
        ("noid3_noxing.mp3", "mp3", a2 + ["-t", "5", "-c:a", "libmp3lame", "-b:a", "96k", "-write_id3v1", "0", "-id3v2_version", "0", "-write_xing", "0"]),
        ("mono22k.mp3", "mp3", ["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=22050"] + ["-t", "5", "-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "3"]),
        ("vorbis.ogg", "ogg", a + meta + ["-t", "6", "-c:a", "libvorbis"]),
        ("theora_less_vorbis.oga", "ogg", a2 + ["-t", "4", "-c:a", "libvorbis", "-q:a", "2"]),
        ("opus.opus", "opus", a + meta + ["-t", "6", "-c:a", "libopus"]),
        ("pcm16.wav", "wav", a + ["-t", "3", "-c:a", "pcm_s16le"]),
        ("pcm16_meta.wav", "wav", a2 + meta + ["-t", "2", "-c:a", "pcm_s16le", "-ac", "2"]),
        ("flac.flac", "flac", a + meta + ["-t", "5", "-c:a", "flac"]),
        ("hd_h264_aac.mp4", "mp4", ["-f", "lavfi", "-i", "mandelbrot=size=1280x720:rate=25"] + a2 + ["-t", "20", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-c:a", "aac", "-pix_fmt", "yuv420p"]),
        ("hd_mjpeg.jpg", "jpg", ["-f", "lavfi", "-i", "mandelbrot=size=1920x1080"] + ["-frames:v", "1", "-c:v", "mjpeg", "-q:v", "2"]),
        ("hd.png", "png", ["-f", "lavfi", "-i", "mandelbrot=size=1920x1080"] + ["-frames:v", "1"]),
        ("long_vorbis.ogg", "ogg", a2 + ["-t", "60", "-c:a", "libvorbis"]),
        ("long.flac", "flac", a2 + ["-t", "30", "-c:a", "flac"]),
        # written to a pipe: the muxer cannot seek back to fill in sizes
        ("pipe_h264_aac.mkv", "mkv", v + a + ["-t", "3", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-pix_fmt", "yuv420p", "-f", "matroska", "pipe:1"]),
        ("pipe_vp8_opus.webm", "webm", v + a + ["-t", "3", "-c:v", "libvpx", "-b:v", "300k", "-c:a", "libopus", "-f", "webm", "pipe:1"]),
        ("live_vp8_vorbis.webm", "webm", v + a + ["-t", "3", "-c:v", "libvpx", "-b:v", "300k", "-c:a", "libvorbis", "-live", "1", "-f", "webm"]),
        ("pipe_frag.mp4", "mp4", v + a + ["-t", "3", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-pix_fmt", "yuv420p", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1"]),
        ("pipe_mpeg4_mp3.avi", "avi", v + a + ["-t", "3", "-c:v", "mpeg4", "-c:a", "libmp3lame", "-f", "avi", "pipe:1"]),
        ("pipe_wmv2_wmav2.wmv", "wmv", v + a + ["-t", "3", "-c:v", "wmv2", "-c:a", "wmav2", "-f", "asf", "pipe:1"]),
        ("pipe_vorbis.ogg", "ogg", a + ["-t", "4", "-c:a", "libvorbis", "-f", "ogg", "pipe:1"]),
        ("pipe.mp3", "mp3", a + meta + ["-t", "4", "-c:a", "libmp3lame", "-f", "mp3", "pipe:1"]),
        ("u8_odd.wav", "wav", a + meta + ["-t", "1.00003", "-c:a", "pcm_u8", "-ac", "1", "-ar", "11025"]),
        ("mjpeg.jpg", "jpg", vbig + ["-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3"]),
        ("mjpeg_small.jpg", "jpg", v + ["-frames:v", "1", "-c:v", "mjpeg", "-pix_fmt", "yuvj444p"]),
        ("ff.png", "png", vbig + ["-frames:v", "1"]),
        ("ff_rgba.png", "png", v + ["-frames:v", "1", "-pix_fmt", "rgba"]),
        ("ff.gif", "gif", v + ["-frames:v", "1"]),
        ("ff_anim.gif", "gif", ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10"] + ["-t", "2"]),
        ("ff.bmp", "bmp", v + ["-frames:v", "1"]),
        ("ff.tiff", "tiff", v + ["-frames:v", "1"]),
        ("ff_deflate.tiff", "tiff", vbig + ["-frames:v", "1", "-compression_algo", "deflate"]),
        ("ff.webp", "webp", vbig + ["-frames:v", "1", "-c:v", "libwebp"]),
        ("ff_lossless.webp", "webp", v + ["-frames:v", "1", "-c:v", "libwebp", "-lossless", "1"]),
        ("ff_anim.webp", "webp", ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10"] + ["-t", "1", "-c:v", "libwebp_anim", "-loop", "0"]),
    ]
    out = []
    for name, typ, args in jobs:
        p = os.path.join(src, name)
        cmd = [ff, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + args
        if args[-1] == "pipe:1":
            with open(p, "wb") as f:
                ok = run(cmd, log, stdout=f)
        else:
            ok = run(cmd + [p], log)
        if ok:
            out.append((p, typ))
    return out


def tool_files(src, log):
    """Files from other real writers on this machine, when present."""
    out = []
    conv = shutil.which("convert")
    ff = os.path.join(src, "ff.png")
    if conv and os.path.exists(ff):
        for name, typ, opt in (("im_progressive.jpg", "jpg", ["-interlace", "Plane", "-quality", "85"]),
            ("im.jpg", "jpg", ["-quality", "92"]),
            ("im_cmyk.jpg", "jpg", ["-colorspace", "CMYK"]),
            ("im.tiff", "tiff", ["-compress", "LZW"]),
            ("im_be.tiff", "tiff", ["-endian", "MSB"]),
            ("im_v3.bmp", "bmp", ["-define", "bmp:format=bmp3"]),
            ("im.gif", "gif", []),
            ("im_interlaced.png", "png", ["-interlace", "PNG"])):
            p = os.path.join(src, name)
            if run([conv, ff] + opt + [p], log):
                out.append((p, typ))
    et = shutil.which("exiftool")
    if et and os.path.exists(os.path.join(src, "mjpeg.jpg")):
        # An EXIF APP1 with a thumbnail: what cameras and phones write.
        th = os.path.join(src, "thumb.jpg")
        p = os.path.join(src, "exif_thumb.jpg")
        if conv and run([conv, os.path.join(src, "mjpeg.jpg"), "-resize", "160x120", th], log):
            shutil.copy(os.path.join(src, "mjpeg.jpg"), p)
            if run([et, "-q", "-overwrite_original", "-Make=etk", "-Model=corpus",
                "-DateTimeOriginal=2026:12:02 03:00:00", "-GPSLatitude=48.85", "-GPSLatitudeRef=N",
                "-ThumbnailImage<=" + th, p], log):
                out.append((p, "jpg"))
    # OLE2 compound files written by libgsf (gsf, as Gnumeric and
    # AbiWord write .xls/.doc) and libmsi (msibuild)
    gsf = shutil.which("gsf")
    ins = [q for q in (os.path.join(src, n) for n in ("ff.bmp", "aac.m4a", "ff.png")) if os.path.exists(q)]
    if gsf and ins:
        for name, parts in (("gsf_small.ole", ins[:1]), ("gsf_big.ole", ins)):
            p = os.path.join(src, name)
            if run([gsf, "createole", p] + parts, log):
                out.append((p, "ole"))
    msib = shutil.which("msibuild")
    if msib and ins:
        p = os.path.join(src, "etk.msi")
        if os.path.exists(p):
            os.unlink(p)
        if run([msib, p, "-s", "etk corpus", "etk", "1.0", "etk"], log) and \
                run([msib, p, "-a", "data.bin", ins[0]], log):
            out.append((p, "msi"))
    # SQLite written by the SQLite library: tables, an index, deleted rows
    # (a freelist) and overflow pages.
    p = os.path.join(src, "py.sqlite")
    db = sqlite3.connect(p)
    db.execute("PRAGMA page_size=1024")
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, blob BLOB)")
    db.execute("CREATE INDEX tn ON t(name)")
    rnd = random.Random(1)
    for i in range(3000):
        db.execute("INSERT INTO t(name, blob) VALUES (?, ?)",
            ("row%d" % i, rnd.randbytes(rnd.randrange(10, 3000 if i % 50 == 0 else 200))))
    db.commit()
    db.execute("DELETE FROM t WHERE id % 3 = 0")
    db.commit()
    db.close()
    out.append((p, "sqlite"))
    p = os.path.join(src, "py_4k.sqlite")
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
    db.executemany("INSERT INTO kv VALUES (?, ?)", (("k%05d" % i, "v" * (i % 300)) for i in range(4000)))
    db.commit()
    db.execute("VACUUM")
    db.close()
    out.append((p, "sqlite"))
    # ZIP and gzip from python's zlib writers (what many tools use).
    p = os.path.join(src, "py_deflate.zip")
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "etk " * 5000)
        z.writestr("data/bin.dat", rnd.randbytes(40000))
        z.writestr("data/empty/", "")
        z.comment = b"etk real corpus"
    out.append((p, "zip"))
    p = os.path.join(src, "py_stream.zip")
    with open(p, "wb") as f:
        with zipfile.ZipFile(_Unseekable(f), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("a.txt", "streamed " * 3000)
            z.writestr("b.txt", "data descriptor " * 2000)
    out.append((p, "zip"))
    p = os.path.join(src, "py.gz")
    with open(p, "wb") as f:
        f.write(gzip.compress(b"etk gzip corpus\n" * 20000, mtime=0))
    out.append((p, "gz"))
    return out


def edited_files(src, files, log):
    """Copies edited in place by exiftool, as users and tools edit
    metadata: PDF incremental updates, XMP boxes and chunks, rewritten
    TIFF directories."""
    et = shutil.which("exiftool")
    out, done = [], set()
    if not et:
        return out
    for p, typ in files:
        if typ not in ("pdf", "mp4", "mov", "m4a", "3gp", "png", "tiff", "jpg", "webp", "gif") or typ in done:
            continue
        q = os.path.join(src, "et_" + os.path.basename(p))
        shutil.copy(p, q)
        if run([et, "-q", "-overwrite_original", "-XMP-dc:Title=etk corpus edit",
                "-Artist=etk", "-Author=etk", q], log):
            out.append((q, typ))
            done.add(typ)
    return out


class _Unseekable(io.RawIOBase):
    """A pipe-like sink: zipfile then writes data descriptors."""
    def __init__(self, f):
        self.f = f

    def writable(self):
        return True

    def write(self, b):
        return self.f.write(b)

    def flush(self):
        self.f.flush()


def system_files(rnd, log):
    found = {}
    for root, dirs, files in os.walk("/", topdown=True):
        if root == "/" or root.startswith(PRUNE):
            dirs[:] = [d for d in dirs if os.path.join(root, d) not in PRUNE]
        dirs.sort()
        for fn in sorted(files):
            ext = fn.rsplit(".", 1)[-1].lower() if "." in fn else ""
            typ = SYS_EXT.get(ext)
            if typ is None:
                continue
            p = os.path.join(root, fn)
            try:
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                sz = os.path.getsize(p)
                if sz < 64 or sz > SYS_MAX:
                    continue
                with open(p, "rb") as f:
                    head = f.read(16)
            except OSError:
                continue
            if not any(head.startswith(m) for m in MAGIC.get(typ, [b""])):
                continue
            if typ == "webp" and head[8:12] != b"WEBP":
                continue
            if typ == "wav" and head[8:12] != b"WAVE":
                continue
            found.setdefault(typ, []).append((sz, p))
    out = []
    for typ in sorted(found):
        c = found[typ]
        rnd.shuffle(c)
        # Prefer variety of sizes: sort the sample by size buckets.
        seen = set()
        k = 0
        for sz, p in c:
            if k >= PER_TYPE.get(typ, 3):
                break
            if sz in seen:  # python.bmp in every pyenv version
                continue
            seen.add(sz)
            out.append((p, typ))
            k += 1
        log.write("system %s: %d found, %d kept\n" % (typ, len(c), k))
    return out


def make(a):
    rnd = random.Random(a.seed)
    src = os.path.join(a.out, "src")
    os.makedirs(src, exist_ok=True)
    log = open(os.path.join(a.out, "make.log"), "w")
    files = []
    if a.ffmpeg:
        files += ffmpeg_files(src, a.ffmpeg, log)
    files += tool_files(src, log)
    if not a.no_system:
        files += system_files(rnd, log)
    files += edited_files(src, files, log)
    # One copy of each content; keep under the size budget.
    objs, seen, total = [], set(), 0
    for p, typ in files:
        with open(p, "rb") as f:
            d = f.read()
        h = sha(d)
        if h in seen or not d:
            continue
        if total + len(d) > a.max_mib * MiB:
            log.write("over budget, skipped %s\n" % p)
            continue
        seen.add(h)
        total += len(d)
        objs.append({"name": os.path.basename(p), "src": p, "type": typ, "data": d, "sha256": h})
    rnd.shuffle(objs)
    orig = os.path.join(a.out, "originals")
    shutil.rmtree(orig, ignore_errors=True)
    os.makedirs(orig)
    img = bytearray()
    regions, truth = [], []
    def filler(n):
        img.extend(b"\0" * n if rnd.random() < 0.5 else rnd.randbytes(n))
    filler(4096 + rnd.randrange(8192))
    for i, o in enumerate(objs):
        r = rnd.random()
        if r < 0.4:
            align, scn = 4096, "contiguous"
        elif r < 0.7:
            align, scn = 512, "contiguous"
        else:
            align, scn = 1, "unaligned"
        pad = (-len(img)) % align
        if align == 1:
            pad = 1 + rnd.randrange(4095)
            if len(img) + pad & 511 == 0:
                pad += 1 + rnd.randrange(7)
        filler(pad)
        off = len(img)
        img.extend(o["data"])
        regions.append({"start": off, "end": len(img), "label": "obj:%s" % o["name"]})
        with open(os.path.join(orig, "%s.%s" % (o["sha256"], o["type"])), "wb") as f:
            f.write(o["data"])
        truth.append({"id": i, "name": o["name"], "source": o["src"], "type": o["type"],
            "size": len(o["data"]), "sha256": o["sha256"], "scenario": scn, "expect": "exact",
            "fragments": [{"file_off": 0, "len": len(o["data"]), "img_off": off}]})
        filler(rnd.choice((0, 512, 4096)) + rnd.randrange(16384))
    if a.size_mib and len(img) < a.size_mib * MiB:
        filler(a.size_mib * MiB - len(img))
    filler((-len(img)) % 4096)
    with open(os.path.join(a.out, "image.dd"), "wb") as f:
        f.write(img)
    t = {"format": "carving-bench/1", "seed": a.seed, "cluster": 4096, "sector": 512,
        "generator": "etk bench/carve_real.py",
        "image": {"path": "image.dd", "size": len(img), "sha256": sha(bytes(img))},
        "objects": truth, "decoys": [], "regions": regions}
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump(t, f, indent=1)
    print("%d files, %.1f MiB of files, image %.1f MiB" % (len(objs), total / MiB, len(img) / MiB))


def table(a):
    rs = []
    for arg in a.json:
        label, _, p = arg.rpartition("=") if "=" in arg else ("", "", arg)
        r = json.load(open(p))
        if label:
            r["tool"] = label
        rs.append(r)
    bench = rs[0]["bench"]
    t = json.load(open(os.path.join(bench, "truth.json")))
    types = sorted({o["type"] for o in t["objects"]})
    w = max(len(r["tool"]) for r in rs)
    print("%-8s %s" % ("type", "  ".join(r["tool"].rjust(max(w, 7)) for r in rs)))
    for ty in types:
        print("%-8s %s" % (ty, "  ".join(r["recall_by_type"].get(ty, "-").rjust(max(w, 7)) for r in rs)))
    print("%-8s %s" % ("all", "  ".join(r["recall_strict"].rjust(max(w, 7)) for r in rs)))
    print("%-8s %s" % ("prec", "  ".join(str(r["precision_strict"]).rjust(max(w, 7)) for r in rs)))
    print("%-8s %s" % ("seconds", "  ".join(str(r.get("seconds")).rjust(max(w, 7)) for r in rs)))
    print()
    for r in rs:
        print("%s missed: %s" % (r["tool"], ", ".join(r["missed"]) or "none"))
        bad = [d for d in r["outputs"] if d["class"] not in ("exact", "embedded")]
        for d in bad:
            print("  %s %-9s %s %d B" % (r["tool"], d["class"], d["ref"], d["size"]))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--max-mib", type=int, default=150)
    m.add_argument("--size-mib", type=int, default=0)
    m.add_argument("--ffmpeg")
    m.add_argument("--no-system", action="store_true")
    t = sub.add_parser("table")
    t.add_argument("json", nargs="+")
    a = ap.parse_args()
    return make(a) if a.cmd == "make" else table(a)


if __name__ == "__main__":
    sys.exit(main())

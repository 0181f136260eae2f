#!/usr/bin/env python3
"""Build a large Android-like phone image for bench/triage.sh, without
mounting anything: a raw disk with a GPT (misc + userdata) whose userdata
is ext4 made with `mke2fs -d` from a staged tree, then a few files deleted
with debugfs (see /work/shared/docs/FIXTURES.md and fixtures/make-fixtures.sh,
whose recipe this follows).

The tree: the fixture phone databases (mmssms.db with its -wal, calllog.db,
contacts2.db, msgstore.db, wa.db, bugle_db: from fixtures/src), thousands
of pictures (the fixture JPEGs, each copy made unique and bigger by a
seeded COM segment before the scan data, so it stays a valid JPEG), a few
big "videos" (an MP4 ftyp/mdat header over seeded bytes), thousands of
small app cache and download files of mixed sizes, then some pictures,
documents and a video deleted.

Reproducible: the same seed, size and tool versions give the same bytes
(seeded random.Random, fixed UUIDs, SOURCE_DATE_EPOCH, E2FSPROGS_FAKE_TIME,
hash_seed, fixed mtimes, MKE2FS_CONFIG from fixtures/src).  Nothing random
comes from the system.

Usage: make-phone-image.py [--seed N] [--size-mib N] [--work DIR] OUT.raw
Needs: mke2fs, debugfs, sfdisk (fdisk), sqlite3, python3.  Writes only OUT
(atomically: OUT.tmp then rename) and the staging area under --work
(removed at the end).
"""
import argparse
import os
import random
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "fixtures", "src")
EPOCH = 1708020000          # "acquisition": 2024-02-15 18:00:00 UTC
DEL_TIME = 1708015500       # deletions: 2024-02-15 16:45:00 UTC
T0 = 1704067200             # files dated from 2024-01-01 on
UUID = "0b5c5f3a-3333-4222-8333-444455556666"
MIB = 1 << 20


def die(msg):
    sys.stderr.write("make-phone-image: %s\n" % msg)
    sys.exit(1)


def run(argv, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        die("%s failed: %s" % (argv[0], r.stderr.decode(errors="replace")[:500]))
    return r


def put(path, data, mtime):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (mtime, mtime))


def unique_jpeg(src, rnd, extra):
    """The JPEG src with a COM segment chain of `extra` seeded bytes inserted
    before SOS: a valid, different, bigger picture."""
    if src[:2] != b"\xff\xd8":
        die("not a JPEG")
    pos = 2
    while pos + 4 <= len(src):
        if src[pos] != 0xFF:
            die("bad JPEG marker")
        m = src[pos + 1]
        if m == 0xDA:
            break
        seglen = struct.unpack(">H", src[pos + 2:pos + 4])[0]
        pos += 2 + seglen
    segs = []
    while extra > 0:
        n = min(extra, 65533)
        segs.append(b"\xff\xfe" + struct.pack(">H", n + 2) + rnd.randbytes(n))
        extra -= n
    return src[:pos] + b"".join(segs) + src[pos:]


def mp4ish(rnd, size):
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")
    body = size - len(ftyp) - 8
    return ftyp + struct.pack(">I4s", body + 8, b"mdat") + rnd.randbytes(body)


def stage(root, rnd, budget):
    """Fill root; returns the list of paths (inside the fs) to delete."""
    tel = "data/data/com.android.providers.telephony"
    con = "data/data/com.android.providers.contacts"
    wa = "data/data/com.whatsapp"
    msg = "data/data/com.google.android.apps.messaging"
    m0 = "media/0"
    used = 0

    def add(rel, data, mtime):
        nonlocal used
        put(os.path.join(root, rel), data, mtime)
        used += len(data)

    # The fixture databases, as make-fixtures.sh places them.
    dbs = os.path.join(root, "..", "db")
    os.makedirs(dbs, exist_ok=True)
    for name in ("calllog", "contacts2", "msgstore", "wa", "bugle_db"):
        out = os.path.join(dbs, name + ".db")
        if os.path.exists(out):
            os.unlink(out)
        with open(os.path.join(SRC, "sql", "android", name + ".sql"), "rb") as f:
            run(["sqlite3", out], input=f.read())

    def rd(p):
        with open(p, "rb") as f:
            return f.read()
    add(tel + "/databases/mmssms.db", rd(os.path.join(SRC, "bin", "mmssms.db")), 1707855000)
    add(tel + "/databases/mmssms.db-wal", rd(os.path.join(SRC, "bin", "mmssms.db-wal")), 1707904860)
    add(con + "/databases/calllog.db", rd(os.path.join(dbs, "calllog.db")), 1707852061)
    add(con + "/databases/contacts2.db", rd(os.path.join(dbs, "contacts2.db")), 1707860000)
    add(wa + "/databases/msgstore.db", rd(os.path.join(dbs, "msgstore.db")), 1707832000)
    add(wa + "/databases/wa.db", rd(os.path.join(dbs, "wa.db")), 1707826000)
    add(msg + "/databases/bugle_db", rd(os.path.join(dbs, "bugle_db.db")), 1707823000)

    imgdir = os.path.join(SRC, "img")
    pics = [rd(os.path.join(imgdir, n)) for n in sorted(os.listdir(imgdir))]
    deleted = []

    # Big media: about 30% of the budget in 6 videos.
    vids = 6
    for i in range(vids):
        size = int(budget * 0.30 / vids * rnd.uniform(0.6, 1.4)) & ~4095
        rel = "%s/DCIM/Camera/VID_202402%02d_%06d.mp4" % (m0, 1 + i * 2, rnd.randrange(10 ** 6))
        add(rel, mp4ish(rnd, size), T0 + rnd.randrange(40 * 86400))
        if i == 3:
            deleted.append(rel)
    # Pictures: about 50% of the budget, 64 KiB..1 MiB each (camera,
    # WhatsApp, screenshots).
    dirs = [m0 + "/DCIM/Camera", m0 + "/Pictures/Screenshots",
            m0 + "/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images",
            m0 + "/Pictures/Instagram"]
    target = used + int(budget * 0.50)
    n = 0
    while used < target:
        d = dirs[n % len(dirs)]
        t = T0 + rnd.randrange(45 * 86400)
        rel = "%s/IMG_%08d_%06d.jpg" % (d, n, t % 1000000)
        add(rel, unique_jpeg(pics[n % len(pics)], rnd, rnd.randrange(64 << 10, 1 << 20)), t)
        if n % 97 == 13:
            deleted.append(rel)
        n += 1
    # Small files: app caches, downloads, documents (256 B .. 96 KiB).
    apps = ["com.android.chrome", "com.google.android.gm", "com.spotify.music",
            "com.instagram.android", "org.telegram.messenger", "com.whatsapp"]
    exts = [".txt", ".json", ".bin", ".pdf", ".log", ".xml", ".dat"]
    target = used + int(budget * 0.12)
    k = 0
    while used < target:
        t = T0 + rnd.randrange(45 * 86400)
        if k % 5 == 0:
            rel = "%s/Download/doc_%05d%s" % (m0, k, exts[k % len(exts)])
        else:
            rel = "%s/Android/data/%s/cache/%02d/c%06d%s" % (
                m0, apps[k % len(apps)], k % 37, k, exts[(k // 3) % len(exts)])
        size = int(rnd.choice((256, 1024, 4096, 16384, 65536)) * rnd.uniform(0.5, 1.5))
        if exts[k % len(exts)] == ".txt":
            data = (b"note %d: " % k + b"lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
        else:
            data = rnd.randbytes(size)
        add(rel, data, t)
        if k % 211 == 7:
            deleted.append(rel)
        k += 1
    # Directories: fixed mtimes, deepest first.
    for dirpath, dirnames, _ in sorted(os.walk(root), key=lambda x: -x[0].count(os.sep)):
        os.utime(dirpath, (EPOCH - 3600, EPOCH - 3600))
    print("make-phone-image: staged %d pictures, %d videos, %d small files, "
          "%.0f MiB; %d to delete" % (n, vids, k, used / MIB, len(deleted)))
    return deleted


def debugfs(cmdfile, img, env):
    """debugfs -w -f CMDFILE IMG, failing on any error message."""
    r = run(["debugfs", "-w", "-f", cmdfile, img], env=env)
    errs = [l for l in r.stderr.decode(errors="replace").splitlines()
            if l and not l.startswith("debugfs ")]
    if errs:
        die("debugfs: " + "; ".join(errs[:5]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size-mib", type=int, default=2048)
    ap.add_argument("--work", default=None)
    ap.add_argument("out")
    a = ap.parse_args()
    if a.size_mib < 64:
        die("--size-mib: at least 64")
    for t in ("mke2fs", "debugfs", "sfdisk", "sqlite3"):
        if shutil.which(t) is None:
            die("missing tool: %s" % t)
    out = os.path.abspath(a.out)
    work = os.path.abspath(a.work or (out + ".work"))
    if os.path.exists(work):
        shutil.rmtree(work)
    root = os.path.join(work, "userdata")
    os.makedirs(root)
    env = dict(os.environ, LC_ALL="C", TZ="UTC", SOURCE_DATE_EPOCH=str(EPOCH),
               E2FSPROGS_FAKE_TIME=str(EPOCH), MKE2FS_CONFIG=os.path.join(SRC, "mke2fs.conf"),
               DEBUGFS_PAGER="__none__")
    for v in ("MKE2FS_SYNC", "MKE2FS_DEVICE_SECTSIZE", "MKE2FS_DEVICE_PHYS_SECTSIZE",
              "MKE2FS_FIRST_META_BG"):
        env.pop(v, None)

    # Layout (512-byte sectors): GPT, misc at 1 MiB (1 MiB), userdata from
    # 2 MiB to 1 MiB before the end (room for the backup GPT).
    total = a.size_mib * MIB
    ud_start = 2 * MIB
    ud_size = total - ud_start - MIB
    rnd = random.Random(a.seed)
    deleted = stage(root, rnd, int(ud_size * 0.80))

    # As make-fixtures.sh: no host xattrs in, and every inode's times and
    # owner set afterwards with debugfs (mke2fs -d copies the host's ctime
    # and atime, which are not reproducible).
    fx = [sys.executable, os.path.join(SRC, "fxtool.py")]
    run(fx + ["strip-xattrs", root])
    ud = os.path.join(work, "userdata.img")
    run(["mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-L", "userdata", "-U", UUID,
         "-E", "hash_seed=%s,root_owner=0:0" % UUID, "-d", root, ud,
         "%dk" % (ud_size // 1024)], env=env)
    attrs = os.path.join(work, "attrs.cmd")
    with open(attrs, "wb") as f:
        f.write(run(fx + ["debugfs-attrs", root, ":1000:1000",
                          "data/data/com.android.providers.telephony:1001:1001",
                          "data/data/com.android.providers.contacts:10012:10012",
                          "data/data/com.whatsapp:10150:10150",
                          "data/data/com.google.android.apps.messaging:10140:10140",
                          "media:1023:1023"], env=env).stdout)
    debugfs(attrs, ud, env)
    shutil.rmtree(root)
    cmds = os.path.join(work, "rm.cmd")
    with open(cmds, "w") as f:
        parents = set()
        for p in deleted:
            f.write('rm "/%s"\n' % p)
            parents.add(os.path.dirname(p))
        for d in sorted(parents):
            f.write('sif "/%s" mtime @%d\nsif "/%s" ctime @%d\n' % (d, DEL_TIME, d, DEL_TIME))
    debugfs(cmds, ud, dict(env, E2FSPROGS_FAKE_TIME=str(DEL_TIME)))

    tmp = out + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    with open(tmp, "wb") as f:
        f.truncate(total)
    misc = bytearray(MIB)
    misc[0:16] = b"boot-recovery\0\0\0"
    with open(tmp, "r+b") as f:
        f.seek(MIB)
        f.write(misc)
    gpt = ("label: gpt\nlabel-id: 11111111-3333-4333-8444-555555555555\nfirst-lba: 2048\n"
           "start=2048, size=2048, name=\"misc\", uuid=aaaaaaaa-3333-4333-8444-555555555555\n"
           "start=%d, size=%d, name=\"userdata\", uuid=cccccccc-3333-4333-8444-555555555555\n"
           % (ud_start // 512, ud_size // 512))
    run(["sfdisk", "-q", tmp], input=gpt.encode(), env=env)
    with open(ud, "rb") as src, open(tmp, "r+b") as dst:
        dst.seek(ud_start)
        while True:
            b = src.read(8 * MIB)
            if not b:
                break
            if b.count(0) == len(b):
                dst.seek(len(b), 1)     # keep it sparse
            else:
                dst.write(b)
        dst.flush()
        os.fsync(dst.fileno())
    os.rename(tmp, out)
    shutil.rmtree(work)
    print("make-phone-image: %s (%d MiB, seed %d, %d deleted files)"
          % (out, a.size_mib, a.seed, len(deleted)))


if __name__ == "__main__":
    main()

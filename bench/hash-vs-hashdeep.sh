#!/bin/sh
# etk hash -c md5,sha1,sha256 over every file of an ext4 image against
# hashdeep -r -c md5,sha1,sha256 over the same files in a directory (the
# tree the image was made from).  Prints times and the ratio
# hashdeep/etk (> 1 means etk is faster; the issue asks for >= 3).
# Usage: sh bench/hash-vs-hashdeep.sh [BUILD_BIN] [WORKDIR]
# Env: RUNS (default 5), ETK_HASH_ARGS (extra etk-hash flags).
# Needs: hyperfine, hashdeep, e2fsprogs, python3.  About 2.6 GiB of disk
# in WORKDIR (the tree and the image); the page cache holds both when
# there is memory enough, so this measures CPU, not the disk.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-$here/../build/release/bin}" && pwd)
work=${2:-$here/work}
mkdir -p "$work"
cd "$work"

if [ ! -f hash-tree.img ] || [ ! -d hash-tree ]; then
	echo "building a 1.1 GiB tree of 4000 files and its ext4 image..."
	rm -rf hash-tree hash-tree.img
	python3 - <<'PY'
import os, random
rnd = random.Random(4)
blob = rnd.randbytes(16 << 20)      # content: windows of a random blob
def content(n):
    out = bytearray()
    while len(out) < n:
        o = rnd.randrange(0, len(blob) - 1)
        out += blob[o:o + min(n - len(out), len(blob) - o)]
    return bytes(out)
sizes = [rnd.randint(1, 64 << 10) for _ in range(3000)]        # small
sizes += [rnd.randint(64 << 10, 1 << 20) for _ in range(900)]  # medium
sizes += [rnd.randint(1 << 20, 10 << 20) for _ in range(100)]  # large
rnd.shuffle(sizes)
for i, n in enumerate(sizes):
    d = f"hash-tree/d{i % 40:02d}/s{i % 7}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:05d}.bin", "wb") as fh:
        fh.write(content(n))
print(f"{len(sizes)} files, {sum(sizes) / (1 << 30):.2f} GiB")
PY
	mke2fs -q -t ext4 -N 8192 -d hash-tree hash-tree.img 1400M
fi
bytes=$(du -sb hash-tree | cut -f1)
files=$(find hash-tree -type f | wc -l)
echo "$files files, $bytes bytes; etk: $bin/etk-hash"
# Warm the page cache for both.
cat hash-tree.img > /dev/null
find hash-tree -type f -exec cat {} + > /dev/null

runs=${RUNS:-5}
# etk with content types (the default: libmagic on the first 64 KiB of
# every file, about 0.5 ms per file whatever its size) and without
# (--no-type: digests only, what hashdeep computes).
hyperfine -w 1 -r "$runs" --export-json hash-vs-hashdeep.json \
    -n hashdeep "hashdeep -r -c md5,sha1,sha256 hash-tree > /dev/null" \
    -n etk "$bin/etk-hash -q --no-progress -c md5,sha1,sha256 ${ETK_HASH_ARGS:-} hash-tree.img > /dev/null" \
    -n etk-no-type "$bin/etk-hash -q --no-progress --no-type -c md5,sha1,sha256 ${ETK_HASH_ARGS:-} hash-tree.img > /dev/null" \
    >/dev/null
python3 - <<'PY'
import json
r = {x["command"]: x for x in json.load(open("hash-vs-hashdeep.json"))["results"]}
h = r["hashdeep"]
def cpu(x):
    return x["user"] + x["system"]
def line(name, x):
    print(f"{name:44s} {x['mean']:6.3f} s (median {x['median']:.3f}, min {x['min']:.3f}; cpu {cpu(x):.2f} s)")
line("hashdeep -r -c md5,sha1,sha256 DIR", h)
line("etk hash -c md5,sha1,sha256 IMAGE", r["etk"])
line("etk hash --no-type -c md5,sha1,sha256 IMAGE", r["etk-no-type"])
print(f"ratio hashdeep/etk:           {h['mean'] / r['etk']['mean']:.2f}x")
print(f"ratio hashdeep/etk --no-type: {h['mean'] / r['etk-no-type']['mean']:.2f}x (target >= 3)")
print(f"cpu-time ratio hashdeep/etk: {cpu(h) / cpu(r['etk']):.2f}x, --no-type: {cpu(h) / cpu(r['etk-no-type']):.2f}x")
PY

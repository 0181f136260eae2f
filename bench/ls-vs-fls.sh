#!/bin/sh
# etk ls -r against TSK's fls -r, and etk cat against icat, on the same
# images.  Prints times and ratios (peer time / etk time: > 1 means etk
# is faster).  Usage: sh bench/ls-vs-fls.sh [BUILD_BIN] [WORKDIR]
# Needs: hyperfine, sleuthkit, e2fsprogs, dosfstools, mtools (scripts/install-deps.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-$here/../build/release/bin}" && pwd)
work=${2:-$here/work}
mkdir -p "$work"
cd "$work"

if [ ! -f ext4-many.img ]; then
	echo "building ext4 image with 30000 files..."
	rm -rf tree && mkdir -p tree
	python3 - <<'PY'
import os
for d in range(300):
    p = f"tree/d{d:03d}/sub{d % 7}"
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        with open(f"{p}/file{f:03d}.txt", "w") as fh:
            fh.write(f"{d} {f}\n" * (f % 5 + 1))
PY
	SOURCE_DATE_EPOCH=1707818400 E2FSPROGS_FAKE_TIME=1707818400 \
	    mke2fs -q -t ext4 -N 40000 -U 0b5c5f3a-1111-4222-8333-444455556666 \
	    -E hash_seed=0b5c5f3a-1111-4222-8333-444455556666 -d tree ext4-many.img 256M
	# 200 deleted files too
	for d in 0 1 2 3; do for f in $(seq 0 49); do
		printf 'rm /d%03d/sub%d/file%03d.txt\n' "$d" $((d % 7)) "$f"
	done; done > rm.cmds
	debugfs -w -f rm.cmds ext4-many.img >/dev/null 2>&1
	rm -rf tree rm.cmds
fi
if [ ! -f fat-many.img ]; then
	echo "building FAT32 image with 3000 files..."
	rm -rf ftree && mkdir -p ftree
	python3 - <<'PY'
import os
for d in range(30):
    p = f"ftree/D{d:02d}"
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        with open(f"{p}/F{f:03d}.TXT", "w") as fh:
            fh.write("x" * (f * 37 % 4000))
PY
	truncate -s 128M fat-many.img
	mkfs.vfat -F 32 -s 1 -i 12345678 --invariant fat-many.img >/dev/null
	mcopy -s -m -i fat-many.img ftree/* ::/
	rm -rf ftree
fi
if [ ! -f big.img ]; then
	echo "building ext4 image with one 96 MiB file..."
	rm -rf btree && mkdir -p btree
	head -c 100663296 /dev/urandom > btree/big.bin
	mke2fs -q -t ext4 -d btree big.img 160M
	rm -rf btree
fi

hf() {	# name, peer command, etk command
	hyperfine -N -w 2 -r "${RUNS:-10}" --export-json "$1.json" \
	    -n peer "$2" -n etk "$3" >/dev/null 2>&1 ||
	    hyperfine -w 2 -r "${RUNS:-10}" --export-json "$1.json" \
	    -n peer "$2 > /dev/null" -n etk "$3 > /dev/null" >/dev/null
	python3 - "$1" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1] + ".json"))["results"]}
p, e = r["peer"]["mean"], r["etk"]["mean"]
print(f"{sys.argv[1]:28s} peer {p*1000:9.1f} ms   etk {e*1000:9.1f} ms   ratio peer/etk {p/e:5.2f}")
PY
}

hf "ls-r ext4 30k files" "fls -r -p ext4-many.img" "$bin/etk-ls -r -q ext4-many.img"
hf "ls-r ext4 30k --json" "fls -r -p ext4-many.img" "$bin/etk-ls -r -q --json ext4-many.img"
hf "ls-r fat32 3k files" "fls -r -p fat-many.img" "$bin/etk-ls -r -q fat-many.img"
inode=$(fls big.img | awk '/big.bin/ { sub(":", "", $2); print $2 }')
hf "cat 96 MiB file" "icat big.img $inode" "$bin/etk-cat -q big.img /big.bin"

#!/bin/sh
# etk carve against foremost and PhotoRec on ground-truth images made by
# the carving benchmark generator (../shared/bench/carving): raw images
# of several seeds with decoys (make_bench.py) and a FAT16 image with
# deleted, fragmented files (make_fs_bench.py).  Each run is timed with
# /usr/bin/time and scored with score.py; prints recall, precision,
# decoy hits, seconds and max RSS per tool and bench, and the ratio of
# each peer's time to etk's (> 1: etk is faster; DESIGN.md §6 asks for
# >= 4 against foremost, and higher recall and precision than both).
#
# Usage: sh bench/carve-vs-peers.sh [BUILD_BIN] [WORKDIR]
# Env:   SEEDS (default "7 11 23"), SIZE_MIB (64), J (etk threads,
#        default: cores), CARVING (the generator's directory, default
#        ../shared/bench/carving beside the tree), KEEP=1 keeps the
#        tools' outputs.
# Needs: python3, foremost, testdisk (photorec), sleuthkit (blkls),
#        mtools + dosfstools (FAT bench), libjpeg-turbo-progs (cjpeg, for
#        the JPEGs of the generator), /usr/bin/time.
# Peer invocations are those of the generator's run_tools.sh.
#
# etk is scored twice: "etk" on DIR/carved (the files it reports
# complete: what an examiner opens) and "etk+partial" on the whole DIR
# (truncated and corrupt prefixes too, as PhotoRec keep_corrupted_file).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-$here/../build/release/bin}" && pwd)
work=${2:-$here/work}
SEEDS=${SEEDS:-7 11 23}
SIZE_MIB=${SIZE_MIB:-64}
J=${J:-$(nproc)}
CARVING=${CARVING:-$(cd "$here/../.." && pwd)/shared/bench/carving}
[ -f "$CARVING/make_bench.py" ] || CARVING=/work/shared/bench/carving
for t in python3 foremost photorec blkls mcopy mkfs.vfat cjpeg; do
	command -v $t >/dev/null 2>&1 || { echo "missing: $t" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "missing: /usr/bin/time" >&2; exit 2; }
[ -x "$bin/etk-carve" ] || { echo "no $bin/etk-carve" >&2; exit 2; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
res=$work/carve-results.tsv
: >"$res"

# run NAME BENCH OUTDIR SCOREDIR CMD...: time CMD, score SCOREDIR
run() {
	n=$1 b=$2 o=$3 sd=$4
	shift 4
	/usr/bin/time -f "%e %M" -o "$o.time" "$@" >"$o.stdout" 2>&1 \
	    </dev/null || echo "  ($n exited $?)" >&2
	read -r s k <"$o.time" || { s=0; k=0; }
	[ -d "$sd" ] || mkdir -p "$sd"
	python3 "$CARVING/score.py" "$b" "$sd" --tool "$n" --seconds "$s" \
	    --maxrss-kib "$k" --json "$o.score.json" -v >"$o.score.txt"
	python3 - "$o.score.json" "$(basename "$b")" >>"$res" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sc = d.get("recall_by_scenario", {})
print("\t".join(str(x) for x in (sys.argv[2], d["tool"], d["recall_strict"],
      d["recall_lenient"], d["partial_recall"], d["precision_strict"],
      d["precision_lenient"], len(d["decoy_hits"]), d["seconds"],
      d["maxrss_kib"], sc.get("unaligned", "-"), sc.get("contiguous", "-"))))
PY
}

pr() { # NAME BENCH IMAGE OUT OPTIONS: PhotoRec /cmd
	rm -rf "$4"
	mkdir -p "$4"
	run "$1" "$2" "$4" "$4" env TERM=dumb photorec /log /logname \
	    "$4.log" /d "$4/recup" /cmd "$3" "$5"
}

etk() { # BENCH IMAGE OUT
	rm -rf "$3"
	run etk "$1" "$3" "$3/carved" "$bin/etk-carve" -q -j "$J" -o "$3" "$2"
	python3 "$CARVING/score.py" "$1" "$3" --tool etk+partial \
	    --seconds "$(cut -d' ' -f1 "$3.time")" \
	    --maxrss-kib "$(cut -d' ' -f2 "$3.time")" \
	    --json "$3.all.score.json" >/dev/null
	python3 - "$3.all.score.json" "$(basename "$1")" >>"$res" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sc = d.get("recall_by_scenario", {})
print("\t".join(str(x) for x in (sys.argv[2], d["tool"], d["recall_strict"],
      d["recall_lenient"], d["partial_recall"], d["precision_strict"],
      d["precision_lenient"], len(d["decoy_hits"]), d["seconds"],
      d["maxrss_kib"], sc.get("unaligned", "-"), sc.get("contiguous", "-"))))
PY
}

first=
for seed in $SEEDS; do
	b=$work/carve-b$seed
	if [ ! -f "$b/truth.json" ]; then
		echo "generating $b ($SIZE_MIB MiB, seed $seed, with decoys)..."
		python3 "$CARVING/make_bench.py" --out "$b" --size-mib "$SIZE_MIB" \
		    --seed "$seed" >/dev/null
	fi
	[ -n "$first" ] || first=$b
	img=$b/image.dd
	o=$work/carve-runs-$seed
	mkdir -p "$o"
	echo "bench $b"
	# Every tool reads the image from the page cache: the first one
	# run must not pay the disk read for the others.
	cat "$img" >/dev/null
	etk "$b" "$img" "$o/etk"
	rm -rf "$o/foremost_all" "$o/foremost_quick"
	run foremost_all "$b" "$o/foremost_all" "$o/foremost_all" \
	    foremost -Q -i "$img" -o "$o/foremost_all"
	run foremost_quick "$b" "$o/foremost_quick" "$o/foremost_quick" \
	    foremost -Q -q -i "$img" -o "$o/foremost_quick"
	pr photorec_default "$b" "$img" "$o/photorec_default" \
	    partition_none,options,paranoid,keep_corrupted_file_no,wholespace,search
	pr photorec_keepcorrupt "$b" "$img" "$o/photorec_keepcorrupt" \
	    partition_none,options,paranoid,keep_corrupted_file,wholespace,search
	[ "${KEEP:-0}" = 1 ] || rm -rf "${o:?}"/*/
done

# The file-system bench: deleted files in FAT16 unallocated space.
fs=$work/carve-fs
if [ ! -f "$fs/truth.json" ]; then
	echo "generating $fs (FAT16 from $first/originals)..."
	python3 "$CARVING/make_fs_bench.py" --out "$fs" \
	    --originals "$first/originals" >/dev/null
fi
o=$work/carve-runs-fs
mkdir -p "$o"
echo "bench $fs"
fimg=$fs/$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['image']['path'])" "$fs/truth.json")
cat "$fimg" >/dev/null
etk "$fs" "$fimg" "$o/etk"
pr photorec_free "$fs" "$fimg" "$o/photorec_free" \
    options,paranoid,keep_corrupted_file_no,freespace,search
rm -rf "$o/foremost_blkls"
run foremost_blkls "$fs" "$o/foremost_blkls" "$o/foremost_blkls" \
    foremost -Q -i "$fs/unalloc.blkls" -o "$o/foremost_blkls"
[ "${KEEP:-0}" = 1 ] || rm -rf "${o:?}"/*/

python3 - "$res" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
hdr = ("bench", "tool", "recall", "lenient", "partial", "prec", "prec_len",
       "decoys", "s", "maxRSS_KiB", "unaligned", "contiguous")
w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(hdr)]
print("  ".join(h.ljust(w[i]) for i, h in enumerate(hdr)))
for r in rows:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
print()
print("time ratio peer/etk (> 1: etk faster):")
for b in sorted({r[0] for r in rows}):
    t = {r[1]: float(r[8]) for r in rows if r[0] == b}
    e = t.get("etk") or 0
    if e > 0:
        print("  %s: " % b + ", ".join("%s %.2fx" % (k, v / e)
              for k, v in sorted(t.items()) if not k.startswith("etk")))
PY
echo "results: $res"

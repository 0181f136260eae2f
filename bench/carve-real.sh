#!/bin/sh
# etk carve against PhotoRec on files made by REAL encoders: ffmpeg
# (MP4/MOV/3GP/M4A/MKV/WebM/AVI/WMV/WMA/MP3/OGG/Opus/WAV/FLAC and
# JPEG/PNG/GIF/BMP/TIFF/WebP pictures, some written to a pipe), and when
# present ImageMagick, exiftool (also editing copies in place: PDF
# incremental updates, XMP), libgsf's gsf and msitools' msibuild (OLE2),
# the SQLite library, python's zipfile/gzip, and real files of
# this machine (pictures, PDFs, documents, fonts, icons, sounds, SQLite
# databases, ZIP and gzip files, a few per type).  bench/carve_real.py
# places each file once at a seeded offset (4 KiB-aligned, 512-aligned or
# unaligned) between random and zero filler and writes the ground truth
# score.py reads (../shared/bench/carving); both tools are scored
# strictly (byte-identical) and recall is printed per type.
#
# Usage: sh bench/carve-real.sh [BUILD_BIN] [WORKDIR]
# Env:   SEED (default 1), MAX_MIB (files, default 150), J (etk threads,
#        default: cores), CARVING (score.py's directory), KEEP=1 keeps
#        the tools' outputs, NO_PHOTOREC=1 skips PhotoRec.
# Needs: python3, ffmpeg (not an etk dependency: without it the script
#        says so and exits 77, skipped), testdisk (photorec) unless
#        NO_PHOTOREC=1, /usr/bin/time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-$here/../build/release/bin}" && pwd)
work=${2:-$here/work}
SEED=${SEED:-1}
MAX_MIB=${MAX_MIB:-150}
J=${J:-$(nproc)}
CARVING=${CARVING:-$(cd "$here/../.." && pwd)/shared/bench/carving}
[ -f "$CARVING/score.py" ] || CARVING=/work/shared/bench/carving
if ! command -v ffmpeg >/dev/null 2>&1; then
	echo "carve-real: SKIP: ffmpeg is not installed (it makes the real" \
	    "media files; it is not an etk dependency)" >&2
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "missing: python3" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "missing: /usr/bin/time" >&2; exit 2; }
[ -x "$bin/etk-carve" ] || { echo "no $bin/etk-carve" >&2; exit 2; }
pr=1
if [ "${NO_PHOTOREC:-0}" = 1 ] || ! command -v photorec >/dev/null 2>&1; then
	echo "carve-real: PhotoRec not run (NO_PHOTOREC=1 or not installed)" >&2
	pr=0
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
b=$work/carve-real-s$SEED
if [ ! -f "$b/truth.json" ]; then
	echo "building $b (seed $SEED, <= $MAX_MIB MiB of files)..."
	python3 "$here/carve_real.py" make --out "$b" --seed "$SEED" \
	    --max-mib "$MAX_MIB" --ffmpeg "$(command -v ffmpeg)"
fi
img=$b/image.dd
o=$work/carve-real-runs-$SEED
rm -rf "$o"
mkdir -p "$o"
echo "image $img ($(($(wc -c <"$img") / 1048576)) MiB)"
echo "etk: $("$bin/etk-carve" --version 2>&1 | head -1)"

# score NAME OUTDIR SCOREDIR
score() {
	read -r s k <"$2.time" || { s=0; k=0; }
	python3 "$CARVING/score.py" "$b" "$3" --tool "$1" --seconds "$s" \
	    --maxrss-kib "$k" --json "$2.score.json" -v >"$2.score.txt"
}

/usr/bin/time -f "%e %M" -o "$o/etk.time" "$bin/etk-carve" -q -j "$J" \
    --scope all -o "$o/etk" "$img" >"$o/etk.stdout" 2>&1 </dev/null ||
    echo "  (etk-carve exited $?)" >&2
score etk "$o/etk" "$o/etk/carved"
jsons=$o/etk.score.json
if [ $pr = 1 ]; then
	echo "PhotoRec: $(photorec /version 2>&1 | head -1)"
	mkdir -p "$o/photorec"
	/usr/bin/time -f "%e %M" -o "$o/photorec.time" env TERM=dumb \
	    photorec /log /logname "$o/photorec.log" /d "$o/photorec/recup" \
	    /cmd "$img" partition_none,options,paranoid,keep_corrupted_file_no,wholespace,search \
	    >"$o/photorec.stdout" 2>&1 </dev/null ||
	    echo "  (photorec exited $?)" >&2
	score photorec "$o/photorec" "$o/photorec"
	jsons="$jsons $o/photorec.score.json"
fi
# shellcheck disable=SC2086
python3 "$here/carve_real.py" table $jsons
[ "${KEEP:-0}" = 1 ] || rm -rf "$o/etk" "$o/photorec"
echo "scores: $o/*.score.txt"

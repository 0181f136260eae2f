#!/bin/sh
# etk image against ewfacquire, dc3dd and dcfldd on 1 GiB of mixed content
# (1/3 random, 1/3 zeros, 1/3 text-like) read from the page cache, with
# MD5 + SHA-1 + SHA-256, plus the single-stage limits (read, each digest
# alone with openssl).  Prints a table: median seconds of RUNS runs,
# MiB/s, max RSS, ratio to ewfacquire -c fast; for the -c none rows,
# time over the two-core limit max(t_read, t_md5, t_sha1 + t_sha256)
# (MD5 on one core, SHA-1 then SHA-256 on the other).  Targets (issue
# 3): -c fast E01 >= 3x ewfacquire -c fast; -c none <= 1.2x the limit.
# Then a memory check: a 4 GiB sparse file imaged to raw, max RSS
# against the 1 GiB run (must stay flat, under 256 MiB).
#
# Usage: sh bench/image-vs-peers.sh [BUILD_BIN] [WORKDIR]
#   BUILD_BIN: where etk-image is (default build/release/bin); when it is
#   missing, the etk rows are skipped and the peers still run.
# Env: RUNS (default 3), OUTDIR (image outputs; default /dev/shm when it
#   has 6 GiB free, else WORKDIR/out), ETK_IMAGE_ARGS (extra flags),
#   SKIP_PEERS=1 (etk rows and limits only), SKIP_MEMCHECK=1.
# Needs: ewfacquire, dc3dd, openssl, python3, GNU time (/usr/bin/time);
# dcfldd when installed.  About 1 GiB in WORKDIR (bench/work, ignored by
# git) and up to 4 GiB in OUTDIR while the memory check runs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/release/bin}
work=${2:-$here/work}
runs=${RUNS:-3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
in=$work/mixed-1g.raw
LC_ALL=C
export LC_ALL

if [ ! -x /usr/bin/time ]; then
	echo "image-vs-peers: needs GNU time (/usr/bin/time)" >&2
	exit 1
fi
free_kb() {
	df -Pk "$1" | awk 'NR == 2 { print $4 }'
}
made=
if [ -n "${OUTDIR:-}" ]; then
	out=$OUTDIR
elif [ -d /dev/shm ] && [ "$(free_kb /dev/shm)" -gt $((6 * 1024 * 1024)) ]; then
	out=/dev/shm/etk-bench.$$
	made=1
else
	out=$work/out
fi
mkdir -p "$out"
cleanup() {
	rm -rf "$out/img" "$out"/img.* "$out/sparse-4g.raw" "$out/t.$$" \
	    "$out/time" "$out/stdout" "$out/stderr"
	[ -z "$made" ] || rmdir "$out" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "work: $work ($(df -h "$work" | awk 'NR == 2 { print $4 }') free), outputs: $out"

if [ ! -f "$in" ] || [ "$(stat -c %s "$in")" != 1073741824 ]; then
	echo "generating $in (1 GiB: random, zeros, text-like)..."
	if [ "$(free_kb "$work")" -lt $((2 * 1024 * 1024)) ]; then
		echo "image-vs-peers: less than 2 GiB free in $work" >&2
		exit 1
	fi
	python3 - "$in" <<'PY'
import os, random, sys
third = (1 << 30) // 3 // (1 << 20) << 20   # 341 MiB
rnd = random.Random(3)
with open(sys.argv[1] + ".tmp", "wb") as f:
    left = third
    while left:                                 # random (encrypted data)
        n = min(left, 16 << 20)
        f.write(os.urandom(n))
        left -= n
    zero = bytes(16 << 20)
    left = third
    while left:                                 # zeros (unused space)
        n = min(left, len(zero))
        f.write(zero[:n])
        left -= n
    words = ("the of and to in is that for it as with was on be by at this "
             "from message call contact time phone user data file system "
             "android ios sqlite record http www com net image photo video "
             "2026 12 01 00 10 20 30 40 sent received read unread").split()
    left = (1 << 30) - 2 * third                # text-like (logs, databases)
    while left:
        line = " ".join(rnd.choices(words, k=4096)).encode() + b"\n"
        chunk = line * 8
        n = min(left, len(chunk))
        f.write(chunk[:n])
        left -= n
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
PY
fi
# Warm the page cache (twice: the first read may come from disk).
cat "$in" >/dev/null
cat "$in" >/dev/null

res=$out/t.$$
: >"$res"
# measure NAME CMD...: RUNS runs, outputs removed before each; appends
# "NAME median_seconds max_rss_kb" to $res.  A failed run is reported.
measure() {
	_name=$1
	shift
	_ts=
	_rss=0
	_i=0
	while [ "$_i" -lt "$runs" ]; do
		rm -rf "$out/img" "$out"/img.*
		sync
		if ! /usr/bin/time -f '%e %M' -o "$out/time" "$@" \
		    >"$out/stdout" 2>"$out/stderr"; then
			echo "  $_name: failed (exit status in $out/time):" >&2
			sed -n '1,5s/^/    /p' "$out/stderr" >&2
			tail -n 1 "$out/time" >&2
			return 0
		fi
		_e=$(tail -n 1 "$out/time" | cut -d' ' -f1)
		_m=$(tail -n 1 "$out/time" | cut -d' ' -f2)
		_ts="$_ts $_e"
		[ "$_m" -gt "$_rss" ] && _rss=$_m
		_i=$((_i + 1))
	done
	rm -rf "$out/img" "$out"/img.*
	_med=$(echo $_ts | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "  $_name: $_ts s (median $_med), max RSS $((_rss / 1024)) MiB"
	echo "$_name $_med $_rss" >>"$res"
}

echo "runs per command: $runs"
echo "single-stage limits:"
measure read cat "$in"
measure md5 openssl dgst -md5 "$in"
measure sha1 openssl dgst -sha1 "$in"
measure sha256 openssl dgst -sha256 "$in"

if [ "${SKIP_PEERS:-0}" != 1 ]; then
	echo "peers:"
	measure ewfacquire-fast ewfacquire -u -q -t "$out/img" -c fast -d sha1 "$in"
	measure ewfacquire-none ewfacquire -u -q -t "$out/img" -c none -d sha1 "$in"
	# hof= also hashes the written output (six digests in all); of=
	# hashes the input only, as etk does.
	measure dc3dd dc3dd if="$in" hof="$out/img" hash=md5 hash=sha1 hash=sha256
	measure dc3dd-of dc3dd if="$in" of="$out/img" hash=md5 hash=sha1 hash=sha256
	if command -v dcfldd >/dev/null 2>&1; then
		measure dcfldd dcfldd if="$in" of="$out/img" hash=md5,sha1,sha256
	else
		echo "  dcfldd: not installed, skipped"
	fi
fi

img=$bin/etk-image
if [ -x "$img" ]; then
	echo "etk ($img):"
	# shellcheck disable=SC2086
	measure etk-e01-fast "$img" ${ETK_IMAGE_ARGS:-} -c fast -f e01 -o "$out/img" "$in"
	# shellcheck disable=SC2086
	measure etk-e01-none "$img" ${ETK_IMAGE_ARGS:-} -c none -f e01 -o "$out/img" "$in"
	# shellcheck disable=SC2086
	measure etk-raw "$img" ${ETK_IMAGE_ARGS:-} -c none -f raw -o "$out/img" "$in"
else
	echo "etk-image not built ($img): etk rows skipped"
fi

echo
# Parenthesised comparisons: in a print list, ">" would redirect.
awk '
function get(n) { return (n in t) ? t[n] : 0 }
function verdict(ok) { return ok ? "met" : "NOT met" }
{ t[$1] = $2; m[$1] = $3; order[++k] = $1 }
END {
	lim = get("read")
	if (get("md5") > lim) lim = get("md5")
	if (get("sha1") + get("sha256") > lim) lim = get("sha1") + get("sha256")
	ef = get("ewfacquire-fast")
	printf "%-18s %9s %9s %9s %12s %10s\n", "tool", "seconds", "MiB/s", "max RSS", "ewf-fast/x", "x/limit"
	for (i = 1; i <= k; i++) {
		n = order[i]
		r = "-"
		if (ef > 0 && t[n] > 0) r = sprintf("%.2fx", ef / t[n])
		l = "-"
		if (n ~ /none|raw|dc3dd|dcfldd/ && lim > 0) l = sprintf("%.2fx", t[n] / lim)
		mibs = (t[n] > 0) ? 1024 / t[n] : 0
		printf "%-18s %9.2f %9.0f %7.1f M %12s %10s\n", n, t[n], mibs, m[n] / 1024, r, l
	}
	printf "\ntwo-core limit for MD5+SHA-1+SHA-256: %.2f s = max(read %.2f, md5 %.2f, sha1+sha256 %.2f)\n", lim, get("read"), get("md5"), get("sha1") + get("sha256")
	x = get("etk-e01-fast")
	if (x > 0 && ef > 0)
		printf "etk -c fast E01: %.2fx ewfacquire -c fast (target >= 3x): %s\n", ef / x, verdict(ef / x >= 3)
	x = get("etk-e01-none")
	if (x > 0 && lim > 0)
		printf "etk -c none E01: %.2fx the limit (target <= 1.2x): %s\n", x / lim, verdict(x / lim <= 1.2)
	x = get("etk-raw")
	if (x > 0 && lim > 0)
		printf "etk raw: %.2fx the limit (target <= 1.2x): %s\n", x / lim, verdict(x / lim <= 1.2)
}' "$res"

if [ -x "$img" ] && [ "${SKIP_MEMCHECK:-0}" != 1 ]; then
	echo
	echo "memory check: 4 GiB sparse source to raw, -c none"
	truncate -s 4G "$out/sparse-4g.raw"
	runs=1
	# shellcheck disable=SC2086
	measure etk-raw-4g "$img" ${ETK_IMAGE_ARGS:-} -c none -f raw -o "$out/img" "$out/sparse-4g.raw"
	rm -f "$out/sparse-4g.raw"
	awk '{ m[$1] = $3 } END {
		if (("etk-raw" in m) && ("etk-raw-4g" in m)) {
			a = m["etk-raw"]; b = m["etk-raw-4g"]
			flat = (b <= 1.25 * a + 8192 && b < 256 * 1024) ? "flat" : "GROWS"
			printf "max RSS: 1 GiB %.1f MiB, 4 GiB %.1f MiB (%s; limit 256 MiB)\n", a / 1024, b / 1024, flat
		}
	}' "$res"
fi

#!/bin/sh
# etk-image: the command contract; raw, split raw and E01 images of the
# phone fixtures whose media digests equal E01-MEDIA.txt; ewfverify and
# ewfinfo on our E01; --verify; refusal to overwrite; standard input;
# the record; logical containers (TAR, TAR.GZ, ZIP, Android backup):
# the archive byte for byte and the inventory checked against tar/unzip,
# -j and TZ invariance, a truncated archive (exit 3); an iOS backup folder
# as a deterministic tar (twice byte-identical, tar lists the folder), a
# missing stored file (exit 3), a FIFO and a plain directory refused;
# read errors through the fault shim (when $ETK_FAULTLIB is
# set): exact error map, retries, exit 3, a source that shrinks; a full
# target; SIGINT; an E01 of more than 64 segments.
. "$ETK_SRC/tests/cli/lib.sh"

P=$FIX/phone.raw
PE=$FIX/phone.E01
# E01-MEDIA.txt: set raw size md5 sha1 sha256
MD5=$(awk '$1 == "phone.E01" { print $4 }' "$FIX/E01-MEDIA.txt")
SHA1=$(awk '$1 == "phone.E01" { print $5 }' "$FIX/E01-MEDIA.txt")
SHA256=$(awk '$1 == "phone.E01" { print $6 }' "$FIX/E01-MEDIA.txt")

# jget FILE EXPR: print a value of the JSON record (python3 expression
# over d).
jget() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); v=$2; print(json.dumps(v) if not isinstance(v, str) else v)" "$1"
}

expect_json() {	# FILE EXPR WANT
	_v=$(jget "$1" "$2" 2>&1)
	if [ "$_v" = "$3" ]; then _ok; else fail "$1: $2 = '$_v', want '$3'"; fi
}

have() {
	command -v "$1" >/dev/null 2>&1
}

contract etk-image

# Usage errors: nothing is read or written.
run etk-image "$P"
expect_rc 2
expect_err_first "etk-image: "
run etk-image -o "$T/u1" -c fastest "$P"
expect_rc 2
run etk-image -o "$T/u1" -f raw -c fast "$P"
expect_rc 2
run etk-image -o "$T/u1" --hash md5,crc "$P"
expect_rc 2
run etk-image -o "$T/u1" -S 100k "$P"
expect_rc 2
run etk-image -o "$T/u1" "$P" extra
expect_rc 2
check "usage errors write nothing" test ! -e "$T/u1.json"

# Raw image of a phone dump: the bytes and the digests.
run etk-image -f raw -o "$T/r1" "$P"
expect_rc 0
expect_out_has "md5:    $MD5"
expect_out_has "sha256: $SHA256"
expect_out_has "read errors: none"
check "raw copy is byte-identical" cmp -s "$P" "$T/r1.raw"
expect_json "$T/r1.json" 'd["record"]' acquisition
expect_json "$T/r1.json" 'd["v"]' etk-acquisition/1
expect_json "$T/r1.json" 'd["complete"]' true
expect_json "$T/r1.json" 'd["interrupted"]' false
expect_json "$T/r1.json" 'd["target"]["format"]' raw
expect_json "$T/r1.json" 'd["target"]["compression"]' null
expect_json "$T/r1.json" 'd["target"]["files"][0]["path"]' r1.raw
expect_json "$T/r1.json" 'd["target"]["files"][0]["sha256"]' "$SHA256"
expect_json "$T/r1.json" 'd["source"]["kind"]' file
expect_json "$T/r1.json" 'd["source"]["size"]' 36700160
expect_json "$T/r1.json" 'd["media"]["md5"]' "$MD5"
expect_json "$T/r1.json" 'd["media"]["sha1"]' "$SHA1"
expect_json "$T/r1.json" 'd["media"]["sha256"]' "$SHA256"
expect_json "$T/r1.json" 'd["errors"]' '[]'
expect_json "$T/r1.json" 'd["verify"]' null
expect_json "$T/r1.json" 'd["tool"]["name"]' etk-image
expect_json "$T/r1.json" 'd["tool"]["argv"][-1]' "$P"
expect_json "$T/r1.json" 'sorted(d.keys()) == sorted(["record","v","complete","interrupted","target","source","media","piecewise","errors","verify","inventory","case_number","evidence_number","examiner","description","notes","tool","started","ended"])' true

# Refuse to overwrite, before reading: the existing files are unchanged.
_before=$(sha256sum "$T/r1.json" "$T/r1.raw")
run etk-image -f raw -o "$T/r1" "$P"
expect_rc 1
expect_err_has "exists: refusing to overwrite"
run etk-image -o "$T/r1.E01" "$P"
expect_rc 1
check "refused target unchanged" test "$_before" = "$(sha256sum "$T/r1.json" "$T/r1.raw")"
check "refused E01 not created" test ! -e "$T/r1.E01"

# E01 of the phone dump, compressed, with case fields, verified.
run etk-image -c fast --case-number C-42 --evidence-number EV7 \
    --examiner "J. Doe" --description "phone dump" --notes "n1" --verify \
    -o "$T/e1" "$P"
expect_rc 0
expect_out_has "verify: match"
expect_json "$T/e1.json" 'd["target"]["format"]' e01
expect_json "$T/e1.json" 'd["target"]["compression"]' fast
expect_json "$T/e1.json" 'd["media"]["md5"]' "$MD5"
expect_json "$T/e1.json" 'd["media"]["sha256"]' "$SHA256"
expect_json "$T/e1.json" 'd["verify"]["match"]' true
expect_json "$T/e1.json" 'd["verify"]["sha256"]' "$SHA256"
expect_json "$T/e1.json" 'd["case_number"]' C-42
expect_json "$T/e1.json" 'd["examiner"]' "J. Doe"
expect_json "$T/e1.json" 'd["target"]["files"][0]["sha256"] == __import__("hashlib").sha256(open(sys.argv[1][:-5] + ".E01","rb").read()).hexdigest()' true
if have ewfverify; then
	run ewfverify -q "$T/e1.E01"
	expect_rc 0
	expect_out_has "ewfverify: SUCCESS"
	expect_out_has "$MD5"
fi
if have ewfinfo; then
	run ewfinfo "$T/e1.E01"
	expect_out_has "C-42"
	expect_out_has "EV7"
	expect_out_has "J. Doe"
	expect_out_has "phone dump"
	expect_out_has "etk "
fi
if have mmls; then
	run mmls "$T/e1.E01"
	_mm=$(mmls "$P" 2>&1)
	check "mmls reads our E01 as the raw" test "$(cat "$T/out")" = "$_mm"
fi

# E01 -> E01 and E01 -> raw: the media digests carry over.
run etk-image -c none --json -o "$T/e2" "$PE"
expect_rc 0
check "--json prints the record first" sh -c "head -n 1 '$T/out' | grep -q '\"record\":\"acquisition\"'"
expect_out_has '"record":"summary"'
expect_json "$T/e2.json" 'd["source"]["kind"]' ewf
expect_json "$T/e2.json" 'd["media"]["sha1"]' "$SHA1"
if have ewfverify; then
	run ewfverify -q "$T/e2.E01"
	expect_out_has "ewfverify: SUCCESS"
fi
run etk-image -f raw -o "$T/r2.raw" "$PE"
expect_rc 0
check "E01 -> raw equals the raw" cmp -s "$P" "$T/r2.raw"
expect_json "$T/r2.json" 'd["media"]["sha256"]' "$SHA256"

# Every compression mode gives an E01 that ewfverify passes and that
# reads back as the source: chunks of one repeated byte (zeros, 0xff)
# shrink under empty-block, random ones are stored as they are, text
# compresses under fast and best.
python3 -c "
import os, sys
r = __import__('random').Random(7)
out = sys.stdout.buffer
out.write(bytes(3 << 20))                       # zeros
out.write(b'\xff' * (1 << 20))                  # one repeated byte
out.write(r.randbytes(2 << 20))                 # incompressible
out.write((b'etk evidence triage kit ' * 100000)[:2 << 20])
" >"$T/modes.bin"
for c in none empty-block fast best; do
	run etk-image -c "$c" -o "$T/m-$c" "$T/modes.bin"
	expect_rc 0
	expect_json "$T/m-$c.json" 'd["target"]["compression"]' "$c"
	if have ewfverify; then
		run ewfverify -q "$T/m-$c.E01"
		expect_out_has "ewfverify: SUCCESS"
	fi
	if have ewfexport; then
		rm -f "$T/m-$c.back.raw"
		ewfexport -q -t "$T/m-$c.back" -f raw -u "$T/m-$c.E01" >/dev/null 2>&1
		check "-c $c reads back as the source" cmp -s "$T/modes.bin" "$T/m-$c.back.raw"
	fi
done
sz() { stat -c %s "$1"; }
check "empty-block is smaller than none" test "$(sz "$T/m-empty-block.E01")" -lt $(( $(sz "$T/m-none.E01") - (3 << 20) ))
check "empty-block stores the rest as is" test "$(sz "$T/m-empty-block.E01")" -gt $(( 4 << 20 ))
check "fast is smaller than empty-block" test "$(sz "$T/m-fast.E01")" -lt $(( $(sz "$T/m-empty-block.E01") - (1 << 20) ))
# (the header sections hold the acquisition time, so sizes can differ
# by a few bytes between runs)
check "best is no larger than fast" test "$(sz "$T/m-best.E01")" -le $(( $(sz "$T/m-fast.E01") + 256 ))

# Split raw, standard input, piecewise.
run etk-image -f raw -S 10M --piecewise 16M -o "$T/s1" "$P"
expect_rc 0
check "4 raw segments" test -f "$T/s1.003" -a ! -e "$T/s1.004"
check "segments concatenate to the source" sh -c "cat '$T'/s1.0* | cmp -s - '$P'"
expect_json "$T/s1.json" 'd["target"]["segment_size"]' 10485760
expect_json "$T/s1.json" 'len(d["target"]["files"])' 4
expect_json "$T/s1.json" '[(p["offset"], p["len"]) for p in d["piecewise"]["pieces"]]' '[[0, 16777216], [16777216, 16777216], [33554432, 3145728]]'
_p0=$(head -c 16777216 "$P" | sha256sum | cut -d' ' -f1)
expect_json "$T/s1.json" 'd["piecewise"]["pieces"][0]["sha256"]' "$_p0"
_l=$(tail -c 3145728 "$P" | sha256sum | cut -d' ' -f1)
expect_json "$T/s1.json" 'd["piecewise"]["pieces"][2]["sha256"]' "$_l"
_last="etk-image -f raw -o $T/in1 - < $P"
RC=0
etk-image -f raw -o "$T/in1" - <"$P" >"$T/out" 2>"$T/err" || RC=$?
expect_rc 0
check "stdin copy" cmp -s "$P" "$T/in1.raw"
expect_json "$T/in1.json" 'd["source"]["kind"]' stdin
expect_json "$T/in1.json" 'd["media"]["sha256"]' "$SHA256"
RC=0
etk-image -c fast -o "$T/in2" - <"$P" >"$T/out" 2>"$T/err" || RC=$?
expect_rc 0
expect_json "$T/in2.json" 'd["media"]["md5"]' "$MD5"
if have ewfverify; then
	run ewfverify -q "$T/in2.E01"
	expect_out_has "ewfverify: SUCCESS"
fi

# A size that is not a whole number of sectors: raw exact, E01 padded.
head -c 1000003 "$P" >"$T/odd.bin"
run etk-image -f raw -o "$T/odd1" "$T/odd.bin"
expect_rc 0
check "odd-size raw copy" cmp -s "$T/odd.bin" "$T/odd1.raw"
run etk-image -o "$T/odd2" "$T/odd.bin"
expect_rc 0
expect_json "$T/odd2.json" 'd["media"]["padding"]' 445
expect_json "$T/odd2.json" 'd["media"]["size"]' 1000448
if have ewfverify; then
	run ewfverify -q "$T/odd2.E01"
	expect_out_has "ewfverify: SUCCESS"
fi

# Logical containers: the archive byte for byte, and
# TARGET.inventory.jsonl with one line per regular member and its SHA-256.
# inv_list INV: "sha256 path" per line (path without the leading /).
inv_list() {
	python3 -c "
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(d['sha256'], d['path'][1:])" "$1"
}
for _a in ios-ffs.tar ios-ffs.tar.gz ios-ffs.zip; do
	run etk-image -f raw -o "$T/c-$_a" "$FIX/$_a"
	expect_rc 0
	expect_out_has "inventory: $T/c-$_a.inventory.jsonl"
	check "$_a: the image is the archive" cmp -s "$FIX/$_a" "$T/c-$_a.raw"
	case $_a in
	*.zip)	_n=$(unzip -Z1 "$FIX/$_a" | grep -vc '/$') ;;
	*)	_n=$(tar tvf "$FIX/$_a" | grep -c '^-') ;;
	esac
	check "$_a: some members" test "$_n" -gt 3
	check "$_a: one line per regular member ($_n)" \
	    test "$(wc -l <"$T/c-$_a.inventory.jsonl")" -eq "$_n"
	expect_json "$T/c-$_a.json" 'd["source"]["container"]' \
	    "$( [ "$_a" = ios-ffs.zip ] && echo zip || echo tar)"
	expect_json "$T/c-$_a.json" 'd["inventory"]["path"]' "c-$_a.inventory.jsonl"
	expect_json "$T/c-$_a.json" 'd["inventory"]["members"]' "$_n"
	expect_json "$T/c-$_a.json" 'd["inventory"]["unreadable"]' 0
	expect_json "$T/c-$_a.json" 'd["inventory"]["sha256"]' \
	    "$(sha256sum <"$T/c-$_a.inventory.jsonl" | cut -d' ' -f1)"
	expect_json "$T/c-$_a.json" 'd["inventory"]["bytes"] == sum(json.loads(l)["size"] for l in open(sys.argv[1][:-5] + ".inventory.jsonl"))' true
	expect_json "$T/c-$_a.json" 'all(json.loads(l)["status"] == "ok" and json.loads(l)["locator"] == "'"$_a"':" + json.loads(l)["path"] for l in open(sys.argv[1][:-5] + ".inventory.jsonl"))' true
	# Every member's digest is that of tar / unzip.
	_bad=0
	inv_list "$T/c-$_a.inventory.jsonl" >"$T/inv.txt"
	while read -r _h _m; do
		case $_a in
		*.zip)	_w=$(unzip -p "$FIX/$_a" "$_m" | sha256sum) ;;
		*)	_w=$(tar -xOf "$FIX/$_a" "$_m" | sha256sum) ;;
		esac
		[ "${_w%% *}" = "$_h" ] || { _bad=1; echo "  $_a $_m: $_h, want ${_w%% *}" >&2; }
	done <"$T/inv.txt"
	check "$_a: every member's sha256 equals the extracted member's" test "$_bad" -eq 0
	check "$_a: every member checked" test "$(wc -l <"$T/inv.txt")" -eq "$_n"
done
# The inventory is the same bytes at -j1 and -j4 and in another TZ.
run etk-image -j1 -f raw -o "$T/cj1" "$FIX/ios-ffs.tar.gz"
expect_rc 0
_last="TZ=Asia/Kolkata etk-image -j4 -f raw -o cj4 ios-ffs.tar.gz"
RC=0
TZ=Asia/Kolkata etk-image -j4 -f raw -o "$T/cj4" "$FIX/ios-ffs.tar.gz" \
    >"$T/out" 2>"$T/err" </dev/null || RC=$?
expect_rc 0
check "inventory: -j1 and -j4/TZ byte-identical" \
    cmp -s "$T/cj1.inventory.jsonl" "$T/cj4.inventory.jsonl"
check "inventory: -j1 equals the default run" \
    cmp -s "$T/cj1.inventory.jsonl" "$T/c-ios-ffs.tar.gz.inventory.jsonl"
# An Android backup: the members of its tar.
run etk-image -f raw -o "$T/ab" "$FIX/android.ab"
expect_rc 0
_n=$(python3 -c "
import io, sys, tarfile, zlib
d = open(sys.argv[1], 'rb').read()
for _ in range(4):
    d = d[d.index(b'\n') + 1:]
t = tarfile.open(fileobj=io.BytesIO(zlib.decompress(d)))
print(sum(1 for m in t if m.isreg()))" "$FIX/android.ab")
check "android.ab: one line per regular member ($_n)" \
    test "$(wc -l <"$T/ab.inventory.jsonl")" -eq "$_n"
expect_json "$T/ab.json" 'd["source"]["container"]' android-backup
expect_json "$T/ab.json" 'd["media"]["sha256"]' "$(sha256sum <"$FIX/android.ab" | cut -d' ' -f1)"
check "android.ab: the image is the backup" cmp -s "$FIX/android.ab" "$T/ab.raw"
# A disk image is not a container: no inventory.
check "no inventory for a disk image" test ! -e "$T/r1.inventory.jsonl"
expect_json "$T/r1.json" 'd["inventory"]' null
expect_json "$T/r1.json" 'd["source"]["container"]' null
# A truncated archive: the members read are listed, the one cut short
# has status unreadable, exit 3 with one line naming it.
# cut in the middle of sms.db's data (where it is depends on the tree)
cut=$(python3 -c 'import sys, tarfile
m = tarfile.open(sys.argv[1]).getmember("private/var/mobile/Library/SMS/sms.db")
print(m.offset_data + m.size // 2)' "$FIX/ios-ffs.tar")
head -c "$cut" "$FIX/ios-ffs.tar" >"$T/trunc.tar"
run etk-image -f raw -o "$T/tr" "$T/trunc.tar"
expect_rc 3
expect_err_has "cannot read member trunc.tar:/private/var/mobile/Library/SMS/sms.db"
check "one error line" test "$(grep -c 'etk-image: ' "$T/err")" -eq 1
check "the image is still the archive" cmp -s "$T/trunc.tar" "$T/tr.raw"
expect_json "$T/tr.json" 'd["complete"]' true
expect_json "$T/tr.json" 'd["inventory"]["unreadable"] >= 1' true
expect_json "$T/tr.json" '[json.loads(l)["status"] for l in open(sys.argv[1][:-5] + ".inventory.jsonl")].count("unreadable") >= 1' true
expect_json "$T/tr.json" '[json.loads(l)["sha256"] for l in open(sys.argv[1][:-5] + ".inventory.jsonl") if json.loads(l)["path"] == "/private/var/mobile/Library/SMS/sms.db"]' '[null]'

# An iOS backup folder: imaged as a tar of the folder made by etk (the
# same bytes every time), with the inventory of its Manifest.db files.
run etk-image -f raw -o "$T/ib1" "$FIX/ios-backup"
expect_rc 0
expect_out_has "stream: tar made by etk-image"
run etk-image -f raw -j1 -o "$T/ib2" "$FIX/ios-backup"
expect_rc 0
check "iOS folder: two images byte-identical" cmp -s "$T/ib1.raw" "$T/ib2.raw"
check "iOS folder: inventories byte-identical" \
    cmp -s "$T/ib1.inventory.jsonl" "$T/ib2.inventory.jsonl"
_want=$(cd "$FIX/ios-backup" && find . -mindepth 1 -type f | sed 's|^\./||' | LC_ALL=C sort)
_got=$(tar tf "$T/ib1.raw" | grep -v '/$')
check "iOS folder: tar lists the folder's files" test "$_got" = "$_want"
check "iOS folder: tar content equals the folder" sh -c "mkdir '$T/ibx' && tar -xf '$T/ib1.raw' -C '$T/ibx' && diff -r '$FIX/ios-backup' '$T/ibx'"
expect_json "$T/ib1.json" 'd["source"]["kind"]' directory
expect_json "$T/ib1.json" 'd["source"]["container"]' ios-backup
expect_json "$T/ib1.json" 'd["source"]["stream"]["format"]' tar
expect_json "$T/ib1.json" 'd["source"]["stream"]["made_by"]' etk-image
expect_json "$T/ib1.json" 'd["source"]["stream"]["members"]' "$(tar tf "$T/ib1.raw" | wc -l)"
expect_json "$T/ib1.json" 'd["source"]["size"]' "$(wc -c <"$T/ib1.raw")"
if have sqlite3; then
	_n=$(sqlite3 "file:$FIX/ios-backup/Manifest.db?immutable=1" 'SELECT count(*) FROM Files WHERE flags = 1')
	check "iOS folder: one line per Manifest.db file ($_n)" \
	    test "$(wc -l <"$T/ib1.inventory.jsonl")" -eq "$_n"
fi
expect_json "$T/ib1.json" 'all(json.loads(l)["sha256"] == __import__("hashlib").sha256(open("'"$FIX"'/ios-backup/" + json.loads(l)["stored"], "rb").read()).hexdigest() for l in open(sys.argv[1][:-5] + ".inventory.jsonl"))' true
expect_json "$T/ib1.json" 'all(json.loads(l)["path"] == "/" + json.loads(l)["domain"] + "/" + json.loads(l)["relative_path"] for l in open(sys.argv[1][:-5] + ".inventory.jsonl"))' true
# The same folder as E01: the same media.
run etk-image -c fast -o "$T/ib3" "$FIX/ios-backup"
expect_rc 0
expect_json "$T/ib3.json" 'd["media"]["sha256"]' "$(sha256sum <"$T/ib1.raw" | cut -d' ' -f1)"
if have ewfverify; then
	run ewfverify -q "$T/ib3.E01"
	expect_out_has "ewfverify: SUCCESS"
fi
# A stored file missing from the folder: exit 3, named.
cp -a "$FIX/ios-backup" "$T/bk"
_gone=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['stored'])" "$T/ib1.inventory.jsonl")
rm "$T/bk/$_gone"
run etk-image -f raw -o "$T/bk1" "$T/bk"
expect_rc 3
expect_err_has "cannot read member bk:/"
expect_err_has "missing"
check "one error line" test "$(grep -c 'etk-image: ' "$T/err")" -eq 1
# Special files are refused before anything is written.
mkfifo "$T/bk/fifo"
run etk-image -f raw -o "$T/bk2" "$T/bk"
expect_rc 1
expect_err_has "FIFO"
check "refused folder: nothing written" test ! -e "$T/bk2.raw" -a ! -e "$T/bk2.json"
# Other directories are refused with a clear message.
mkdir "$T/plain"
run etk-image -f raw -o "$T/d1" "$T/plain"
expect_rc 1
expect_err_has "is a directory and not an iOS backup folder"
check "refused directory: nothing written" test ! -e "$T/d1.json"

# A full target (file size limit: writes fail with EFBIG): exit 1, the
# record says incomplete, nothing claims success.
RC=0
(trap '' XFSZ; ulimit -f 1024; exec etk-image -f raw -o "$T/full" "$P") \
    >"$T/out" 2>"$T/err" || RC=$?
expect_rc 1
expect_err_has "cannot write"
expect_json "$T/full.json" 'd["complete"]' false
expect_json "$T/full.json" 'd["media"]["sha256"]' null

# SIGINT: stop, finalise, say incomplete, exit 1.
mkfifo "$T/fifo"
etk-image -f raw -o "$T/int" - <"$T/fifo" >"$T/out" 2>"$T/err" &
_pid=$!
exec 3>"$T/fifo"
head -c 3000000 "$P" >&3
sleep 1
kill -INT "$_pid"
RC=0
wait "$_pid" || RC=$?
exec 3>&-
_last="etk-image -f raw -o int - (SIGINT)"
expect_rc 1
expect_err_has "INCOMPLETE"
expect_json "$T/int.json" 'd["complete"]' false
expect_json "$T/int.json" 'd["interrupted"]' true
expect_json "$T/int.json" 'd["media"]["size"]' 3000000
check "interrupted raw holds what was read" sh -c "head -c 3000000 '$P' | cmp -s - '$T/int.raw'"

# More than 64 E01 segments (70 MiB, 1 MiB segments, mostly zeros).
head -c 8000000 "$P" >"$T/big.bin"
truncate -s 70M "$T/big.bin"
run etk-image -c none -S 1M -o "$T/big" "$T/big.bin"
expect_rc 0
check "more than 64 segments" test -f "$T/big.E70"
if have ewfverify; then
	run ewfverify -q "$T/big.E01"
	expect_out_has "ewfverify: SUCCESS"
fi
expect_json "$T/big.json" 'd["media"]["sha256"]' "$(sha256sum <"$T/big.bin" | cut -d' ' -f1)"

# Read errors through the fault shim.
if [ -n "${ETK_FAULTLIB:-}" ] && [ -f "$ETK_FAULTLIB" ]; then
	cp "$P" "$T/src.bin"
	fault() {	# RANGES TRANSIENT -- etk-image args
		_r=$1
		_t=$2
		shift 2
		RC=0
		env LD_PRELOAD="$ETK_FAULTLIB" ETK_FAULT_FILE="$T/src.bin" \
		    ETK_FAULT_RANGES="$_r" ETK_FAULT_TRANSIENT="$_t" \
		    "$@" >"$T/out" 2>"$T/err" </dev/null || RC=$?
		_last="fault $_r $_t $*"
	}
	fault "4096+1024,1048576+512,1049088+512,20000768+65536" 0 \
	    etk-image -f raw -o "$T/f1" "$T/src.bin"
	expect_rc 3
	expect_json "$T/f1.json" '[(e["offset"], e["len"], e["sector"], e["sectors"], e["attempts"], e["action"]) for e in d["errors"]]' \
	    '[[4096, 1024, 8, 2, 3, "zero-fill"], [1048576, 1024, 2048, 2, 3, "zero-fill"], [20000768, 65536, 39064, 128, 3, "zero-fill"]]'
	expect_json "$T/f1.json" 'd["complete"]' true
	python3 -c "
import sys
a = bytearray(open(sys.argv[1], 'rb').read())
for o, l in ((4096, 1024), (1048576, 1024), (20000768, 65536)):
    a[o:o + l] = bytes(l)
sys.stdout.buffer.write(a)" "$P" >"$T/zf.bin"
	check "unreadable sectors zero-filled, the rest intact" cmp -s "$T/zf.bin" "$T/f1.raw"
	expect_json "$T/f1.json" 'd["media"]["sha256"]' "$(sha256sum <"$T/zf.bin" | cut -d' ' -f1)"
	fault "4096+1024" 0 etk-image --retries 0 -f raw -o "$T/f2" "$T/src.bin"
	expect_rc 3
	expect_json "$T/f2.json" 'd["errors"][0]["attempts"]' 1
	# E01: the same ranges in the acquiry-error list.
	fault "4096+1024,20000768+65536" 0 etk-image -c fast -o "$T/f3" "$T/src.bin"
	expect_rc 3
	if have ewfinfo; then
		run ewfinfo -e "$T/f3.E01"
		expect_out_has "at sector(s): 8 - 9 number: 2"
		expect_out_has "at sector(s): 39064 - 39191 number: 128"
	fi
	# Transient faults are read on a retry: no errors, exit 0.
	fault "4096+1024,1048576+512" 2 etk-image -f raw -o "$T/f4" "$T/src.bin"
	expect_rc 0
	expect_json "$T/f4.json" 'd["errors"]' '[]'
	check "transient faults: exact copy" cmp -s "$P" "$T/f4.raw"
	# A device that vanishes mid-read: stop there, exit 1, incomplete.
	RC=0
	env LD_PRELOAD="$ETK_FAULTLIB" ETK_FAULT_FILE="$T/src.bin" \
	    ETK_FAULT_VANISH_AT=5000000 etk-image -f raw -o "$T/f5" \
	    "$T/src.bin" >"$T/out" 2>"$T/err" </dev/null || RC=$?
	_last="etk-image (vanish at 5000000)"
	expect_rc 1
	expect_json "$T/f5.json" 'd["complete"]' false
	expect_json "$T/f5.json" 'd["media"]["size"]' 5000000
	expect_json "$T/f5.json" 'd["errors"]' '[]'
	check "vanished: what was read is kept" sh -c "head -c 5000000 '$P' | cmp -s - '$T/f5.raw'"
	# A source that shrinks mid-read (EOF early, and stat says so
	# too): what was read is kept, the record says why it is short.
	RC=0
	env LD_PRELOAD="$ETK_FAULTLIB" ETK_FAULT_FILE="$T/src.bin" \
	    ETK_FAULT_EOF_AT=7000000 etk-image -f raw -o "$T/f6" \
	    "$T/src.bin" >"$T/out" 2>"$T/err" </dev/null || RC=$?
	_last="etk-image (EOF at 7000000)"
	expect_rc 1
	expect_err_oneline "etk-image: "
	expect_json "$T/f6.json" 'd["complete"]' false
	expect_json "$T/f6.json" 'd["media"]["size"]' 7000000
	expect_json "$T/f6.json" '"shrank" in d["reason"]' true
	check "shrank: what was read is kept" sh -c "head -c 7000000 '$P' | cmp -s - '$T/f6.raw'"
else
	echo "skip: fault injection (ETK_FAULTLIB not set)"
fi

finish

#!/bin/sh
# etk-image: the command contract; raw, split raw and E01 images of the
# phone fixtures whose media digests equal E01-MEDIA.txt; ewfverify and
# ewfinfo on our E01; --verify; refusal to overwrite; standard input;
# the record; read errors through the fault shim (when $ETK_FAULTLIB is
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
expect_json "$T/r1.json" 'sorted(d.keys()) == sorted(["record","v","complete","interrupted","target","source","media","piecewise","errors","verify","case_number","evidence_number","examiner","description","notes","tool","started","ended"])' true

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

# A directory is refused with a clear message.
run etk-image -f raw -o "$T/d1" "$FIX/ios-backup"
expect_rc 1
expect_err_has "is a directory"

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
else
	echo "skip: fault injection (ETK_FAULTLIB not set)"
fi

finish

#!/bin/sh
# etk-verify: the command contract; E01 images against their stored
# digests (good, corrupt, truncated); raw images against acquisition
# records; case directories: journal chain (every kind of tamper), seals
# and outputs.  etk-verify only reads evidence: no copies are needed.
. "$ETK_SRC/tests/cli/lib.sh"

contract etk-verify

sha() {
	sha256sum | cut -c1-64
}

# Media digests of the E01 fixtures: set, raw, bytes, md5, sha1, sha256.
media() {
	awk -v s="$1" -v f="$2" '$1 == s { print $f }' "$FIX/E01-MEDIA.txt"
}
MD5=$(media phone.E01 4)
SHA1=$(media phone.E01 5)
SHA256=$(media phone.E01 6)

# ---- E01 ----
run_in "$FIX" etk-verify phone.E01
expect_rc 0
expect_out_has "phone.E01: md5 ok $MD5 (image)"
expect_out_has "phone.E01: sha1 ok $SHA1 (image)"
expect_out_has "phone.E01: sha256 computed $SHA256 (not recorded)"
expect_out_file verify-phone.txt
run etk-verify --json "$FIX/sd-split.E01"
expect_rc 0
expect_out_has '"kind":"ewf","result":"ok","format":"ewf","bytes":'"$(media sd-split.E01 3)"
expect_out_has '"computed":{"md5":"'"$(media sd-split.E01 4)"'","sha1":"'"$(media sd-split.E01 5)"'","sha256":"'"$(media sd-split.E01 6)"'"}'
expect_out_has '"check":"md5","from":"image","expected":"'"$(media sd-split.E01 4)"'"'
check "JSON Lines parse" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out"

run_in "$FIX" etk-verify bad/corrupt.E01
expect_rc 4
expect_out_has "bad/corrupt.E01: read error: "
expect_out_has "checksum error in chunk (sectors 32640-32703) [chunk 510 counting from 0, 64 sectors each]"
expect_out_has "(zero-filled)"
expect_out_has "bad/corrupt.E01: md5 MISMATCH computed "
expect_out_has ", expected $MD5 (image)"
expect_out_has "bad/corrupt.E01: MISMATCH"
expect_out_lacks "bad/corrupt.E01: ok"

run etk-verify "$FIX/bad/truncated.E01"
expect_rc 1
expect_out_empty
expect_err_oneline "etk-verify: "
expect_err_has "truncated.E01"

# ---- raw images and acquisition records ----
run etk-verify "$FIX/phone.raw"
expect_rc 1
expect_out_empty
expect_err_oneline "etk-verify: "
expect_err_has "no acquisition record"
ln -s "$FIX/phone.raw" "$T/phone.raw"
printf '{"sha256":"%s","size":1}\n' "$SHA256" >"$T/phone.raw.json"
run etk-verify "$T/phone.raw"
expect_rc 0
expect_out_has "$T/phone.raw: sha256 ok $SHA256 (phone.raw.json)"
expect_out_has "$T/phone.raw: md5 computed $MD5 (not recorded)"
rm "$T/phone.raw.json"
printf '{"hashes":{"md5":"%s","sha256":"%s"}}\n' "$MD5" \
    "0000000000000000000000000000000000000000000000000000000000000000" >"$T/phone.json"
run etk-verify "$T/phone.raw"
expect_rc 4
expect_out_has "md5 ok $MD5 (phone.json)"
expect_out_has "sha256 MISMATCH computed $SHA256, expected 0000"
printf '{"hashes":{}}\n' >"$T/phone.json"
run etk-verify "$T/phone.raw"
expect_rc 1
expect_err_has "no md5, sha1 or sha256 in the record"
printf '{"sha256":"xyz"}\n' >"$T/phone.json"
run etk-verify "$T/phone.raw"
expect_rc 1
expect_err_has "sha256 is not 64 hex digits"
printf 'not json' >"$T/phone.json"
run etk-verify "$T/phone.raw"
expect_rc 1
expect_err_oneline "etk-verify: "
expect_err_has "phone.json: json: line 1, column 1"
rm "$T/phone.json"

# ---- etk acquisition records (TARGET.json, written by etk image) ----
# Records are made here by hand, in the exact etk-acquisition/1 shape,
# for a raw image, a split raw set and an E01 from ewfacquire.
A=$T/acq
mkdir -p "$A"
digests() {	# FILE...: md5 sha1 sha256 of the concatenation
	_c=$(cat "$@" | md5sum | cut -c1-32)
	_s1=$(cat "$@" | sha1sum | cut -c1-40)
	_s2=$(cat "$@" | sha256sum | cut -c1-64)
	echo "$_c $_s1 $_s2"
}
# record JSON FORMAT COMPLETE MEDIA-FILES -- TARGET-FILES: writes JSON
# with piecewise SHA-256 over 1 MiB windows of the media.
record() {
	_json=$1 _fmt=$2 _complete=$3
	shift 3
	_media=
	while [ "$1" != -- ]; do _media="$_media $1"; shift; done
	shift
	set -- $(digests $_media) "$@"
	_md5=$1 _sha1=$2 _sha256=$3
	shift 3
	_size=$(cat $_media | wc -c)
	_files=
	for _f in "$@"; do
		_files="$_files${_files:+,}{\"path\":\"${_f##*/}\",\"size\":$(wc -c <"$_f"),\"sha256\":\"$(sha <"$_f")\"}"
	done
	_pieces=
	_off=0
	while [ "$_off" -lt "$_size" ]; do
		_len=$((_size - _off < 1048576 ? _size - _off : 1048576))
		_h=$(cat $_media | tail -c +$((_off + 1)) | head -c "$_len" | sha)
		_pieces="$_pieces${_pieces:+,}{\"offset\":$_off,\"len\":$_len,\"sha256\":\"$_h\"}"
		_off=$((_off + _len))
	done
	printf '{"record":"acquisition","v":"etk-acquisition/1","complete":%s,"interrupted":false,"target":{"format":"%s","compression":"none","segment_size":0,"files":[%s]},"source":{"path":"/dev/sdz","size":%s},"media":{"size":%s,"md5":"%s","sha1":"%s","sha256":"%s"},"piecewise":{"window":1048576,"algorithm":"sha256","pieces":[%s]},"errors":[],"verify":null,"case_number":"C-1","tool":{"name":"etk-image"},"started":"2026-12-01T10:00:00Z","ended":"2026-12-01T10:01:00Z"}\n' \
	    "$_complete" "$_fmt" "$_files" "$_size" "$_size" "$_md5" "$_sha1" \
	    "$_sha256" "$_pieces" >"$_json"
}
head -c 1500000 /dev/urandom >"$A/disk.raw"
head -c 1000000 /dev/zero >>"$A/disk.raw"
head -c 700000 /dev/urandom >>"$A/disk.raw"
record "$A/disk.json" raw true "$A/disk.raw" -- "$A/disk.raw"
set -- $(digests "$A/disk.raw")
run etk-verify "$A/disk.raw"
expect_rc 0
expect_out_has "$A/disk.raw: record disk.json: etk-acquisition/1, complete"
expect_out_has "$A/disk.raw: file ok disk.raw sha256 $3 (disk.json)"
expect_out_has "$A/disk.raw: size ok 3200000 bytes (disk.json)"
expect_out_has "$A/disk.raw: md5 ok $1 (disk.json)"
expect_out_has "$A/disk.raw: sha1 ok $2 (disk.json)"
expect_out_has "$A/disk.raw: sha256 ok $3 (disk.json)"
expect_out_has "$A/disk.raw: pieces ok 4 sha256 (disk.json)"
expect_out_has "$A/disk.raw: ok"
# The record itself may be the target; the same checks.
run etk-verify "$A/disk.json"
expect_rc 0
expect_out_has "$A/disk.json: sha256 ok $3 (disk.json)"
expect_out_has "$A/disk.json: pieces ok 4 sha256"
run etk-verify --json "$A/disk.json"
expect_rc 0
expect_out_has '"kind":"raw","result":"ok"'
expect_out_has '"complete":true'
expect_out_has '{"check":"pieces","from":"disk.json","pieces":4,"bad":0,"match":true}'
check "JSON Lines parse" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out"

# One byte flipped in the third MiB: the file's SHA-256, every media
# digest and the third piece (offset 2097152) differ.
cp "$A/disk.raw" "$A/disk.good"
printf '\377' | dd of="$A/disk.raw" bs=1 seek=2500000 conv=notrunc 2>/dev/null
cmp -s "$A/disk.raw" "$A/disk.good" && printf '\000' | dd of="$A/disk.raw" bs=1 seek=2500000 conv=notrunc 2>/dev/null
run etk-verify "$A/disk.raw"
expect_rc 4
expect_out_has "$A/disk.raw: file MISMATCH disk.raw: sha256 computed $(sha <"$A/disk.raw"), expected $3 (disk.json)"
expect_out_has "$A/disk.raw: sha256 MISMATCH computed $(sha <"$A/disk.raw"), expected $3 (disk.json)"
expect_out_has "$A/disk.raw: md5 MISMATCH computed"
expect_out_has "$A/disk.raw: pieces MISMATCH first bad piece at offset 2097152, length 1048576: sha256 computed "
expect_out_has "; 1 of 4 pieces bad (disk.json)"
expect_out_has "$A/disk.raw: MISMATCH"
run etk-verify --json "$A/disk.raw"
expect_rc 4
expect_out_has '"first_bad":{"offset":2097152,"len":1048576,'
# Truncated: the file's size, the media size, the last piece unread.
cp "$A/disk.good" "$A/disk.raw"
truncate -s 3000000 "$A/disk.raw"
run etk-verify "$A/disk.raw"
expect_rc 4
expect_out_has "file MISMATCH disk.raw: size 3000000, expected 3200000 (disk.json)"
expect_out_has "size MISMATCH read 3000000 bytes, expected 3200000 (disk.json)"
expect_out_has "pieces MISMATCH first bad piece at offset 2097152, length 1048576"
# Missing image: named by the record.
rm "$A/disk.raw"
run etk-verify "$A/disk.json"
expect_rc 4
expect_out_has "$A/disk.json: file MISMATCH disk.raw: missing (disk.json)"
expect_out_has "$A/disk.json: media ERROR "
expect_out_has "$A/disk.json: MISMATCH"
mv "$A/disk.good" "$A/disk.raw"
# An incomplete acquisition is said plainly and is not a success.
sed 's/"complete":true,"interrupted":false/"complete":false,"interrupted":true,"reason":"interrupted by SIGINT"/' \
    "$A/disk.json" >"$A/inc.json"
cp "$A/disk.raw" "$A/inc.raw"
sed -i 's/"path":"disk.raw"/"path":"inc.raw"/' "$A/inc.json"
run etk-verify "$A/inc.raw"
expect_rc 1
expect_out_has "$A/inc.raw: record inc.json: etk-acquisition/1, INCOMPLETE (interrupted)"
expect_out_has "$A/inc.raw: record says the acquisition is incomplete (interrupted): interrupted by SIGINT"
expect_out_lacks "$A/inc.raw: ok"
expect_err_oneline "etk-verify: "
expect_err_has "record says the acquisition is incomplete (interrupted)"
# The record's error map is reported.
sed 's/"errors":\[\]/"errors":[{"offset":4096,"len":1024,"sector":8,"sectors":2,"attempts":3,"action":"zero-fill"}]/' \
    "$A/disk.json" >"$A/err.json"
cp "$A/disk.raw" "$A/err.raw"
sed -i 's/"path":"disk.raw"/"path":"err.raw"/' "$A/err.json"
run etk-verify "$A/err.raw"
expect_rc 0
expect_out_has "record lists 1 unreadable source range (1024 bytes zero-filled at acquisition), the first at offset 4096"
# A malformed record.
sed 's/"sha256":"[0-9a-f]*"}\]},"source"/"sha256":"xyz"}]},"source"/' \
    "$A/disk.json" >"$A/bad.json"
cp "$A/disk.raw" "$A/bad.raw"
run etk-verify "$A/bad.raw"
expect_rc 1
expect_err_has "bad.json: a target file's sha256 is not 64 hex digits"
printf '{"hashes":{}}\n' >"$A/other.json"
run etk-verify "$A/other.json"
expect_rc 1
expect_err_has "other.json: not an etk acquisition record"

# Split raw: disk.000 ... disk.003 (1 MiB each, then the rest).
mkdir "$A/split"
split -b 1048576 -d -a 3 "$A/disk.raw" "$A/split/disk."
S=$A/split
record "$S/disk.json" raw true "$S"/disk.0* -- "$S"/disk.0*
run etk-verify "$S/disk.000"
expect_rc 0
expect_out_has "$S/disk.000: file ok disk.002 sha256 $(sha <"$S/disk.002") (disk.json)"
expect_out_has "$S/disk.000: sha256 ok $3 (disk.json)"
expect_out_has "$S/disk.000: pieces ok 4 sha256"
cp "$S/disk.001" "$S/disk.001.good"
printf 'X' | dd of="$S/disk.001" bs=1 seek=10 conv=notrunc 2>/dev/null
run etk-verify "$S/disk.json"
expect_rc 4
expect_out_has "$S/disk.json: file ok disk.000"
expect_out_has "$S/disk.json: file MISMATCH disk.001: sha256 computed $(sha <"$S/disk.001"), expected $(sha <"$S/disk.001.good") (disk.json)"
expect_out_has "$S/disk.json: file ok disk.002"
expect_out_has "pieces MISMATCH first bad piece at offset 1048576, length 1048576"
mv "$S/disk.001.good" "$S/disk.001"
# A segment deleted from the middle, then the last one.
mv "$S/disk.002" "$S/disk.002.gone"
run etk-verify "$S/disk.000"
expect_rc 4
expect_out_has "$S/disk.000: file MISMATCH disk.002: missing (disk.json)"
expect_out_has "$S/disk.000: media ERROR "
expect_out_has "disk.002' is missing but"
mv "$S/disk.002.gone" "$S/disk.002"
mv "$S/disk.003" "$S/disk.003.gone"
run etk-verify "$S/disk.000"
expect_rc 4
expect_out_has "$S/disk.000: file MISMATCH disk.003: missing (disk.json)"
expect_out_has "$S/disk.000: size MISMATCH read 3145728 bytes, expected 3200000 (disk.json)"
expect_out_has "pieces MISMATCH first bad piece at offset 3145728, length 54272: not read (the media ends first); 1 of 4 pieces bad"
mv "$S/disk.003.gone" "$S/disk.003"

# E01 from ewfacquire (two segments) with a record: stored MD5/SHA-1,
# the record's digests, pieces; then a chunk corrupted in segment 2.
if command -v ewfacquire >/dev/null 2>&1; then
	E=$A/e01
	mkdir "$E"
	head -c 3145728 /dev/urandom >"$E/src.raw"
	ewfacquire -u -q -t "$E/ev" -c none -S 1572864 -d sha1 "$E/src.raw" \
	    >/dev/null 2>&1 || fail "ewfacquire"
	record "$E/ev.json" e01 true "$E/src.raw" -- "$E"/ev.E0*
	set -- $(digests "$E/src.raw")
	run etk-verify "$E/ev.E01"
	expect_rc 0
	expect_out_has "$E/ev.E01: file ok ev.E02 sha256"
	expect_out_has "$E/ev.E01: md5 ok $1 (image)"
	expect_out_has "$E/ev.E01: md5 ok $1 (ev.json)"
	expect_out_has "$E/ev.E01: sha1 ok $2 (image)"
	expect_out_has "$E/ev.E01: sha256 ok $3 (ev.json)"
	expect_out_has "$E/ev.E01: pieces ok 3 sha256 (ev.json)"
	cp "$E/ev.E02" "$E/ev.E02.good"
	printf 'XXXX' | dd of="$E/ev.E02" bs=1 seek=800000 conv=notrunc 2>/dev/null
	run etk-verify "$E/ev.json"
	expect_rc 4
	expect_out_has "$E/ev.json: file ok ev.E01"
	expect_out_has "$E/ev.json: file MISMATCH ev.E02: sha256 computed $(sha <"$E/ev.E02"), expected $(sha <"$E/ev.E02.good") (ev.json)"
	expect_out_has "$E/ev.json: read error: "
	expect_out_has "checksum error in chunk (sectors "
	expect_out_has " counting from 0, 64 sectors each]"
	expect_out_has "(zero-filled)"
	expect_out_has "$E/ev.json: md5 MISMATCH computed"
	expect_out_has "$E/ev.json: pieces MISMATCH first bad piece at offset 2097152, length 1048576"
	mv "$E/ev.E02.good" "$E/ev.E02"
	rm "$E/ev.E02"
	run etk-verify "$E/ev.E01"
	expect_rc 4
	expect_out_has "$E/ev.E01: file MISMATCH ev.E02: missing (ev.json)"
	expect_out_has "$E/ev.E01: media ERROR "
fi

# Records written by etk image itself, when it is built: split raw and
# E01 with piecewise digests verify; one flipped byte is found.
if [ -x "$BIN/etk-image" ]; then
	I=$A/img
	mkdir "$I"
	run etk-image -q -f raw -S 1M --piecewise 1M -o "$I/r" "$A/disk.raw"
	run etk-verify "$I/r.000"
	expect_rc 0
	expect_out_has "$I/r.000: record r.json: etk-acquisition/1, complete"
	expect_out_has "$I/r.000: pieces ok 4 sha256 (r.json)"
	expect_out_has "$I/r.000: ok"
	run etk-image -q -c fast -S 1M --piecewise 1M -o "$I/e" "$A/disk.raw"
	run etk-verify "$I/e.json"
	expect_rc 0
	expect_out_has "$I/e.json: sha1 ok "
	expect_out_has "$I/e.json: ok"
	printf 'Z' | dd of="$I/r.001" bs=1 seek=5 conv=notrunc 2>/dev/null
	run etk-verify "$I/r.json"
	expect_rc 4
	expect_out_has "$I/r.json: file MISMATCH r.001: sha256 computed"
	expect_out_has "pieces MISMATCH first bad piece at offset 1048576, length 1048576"
	# A logical container's inventory is checked with the image.
	run etk-image -q -f raw -o "$I/t" "$FIX/ios-ffs.tar"
	expect_rc 0
	run etk-verify "$I/t.json"
	expect_rc 0
	expect_out_has "$I/t.json: file ok t.inventory.jsonl sha256 "
	printf '\n' >>"$I/t.inventory.jsonl"
	run etk-verify "$I/t.json"
	expect_rc 4
	expect_out_has "$I/t.json: file MISMATCH t.inventory.jsonl: sha256 computed"
fi

# Several targets: every one is checked, the worst status wins.
run etk-verify "$FIX/phone.E01" "$FIX/bad/truncated.E01" "$FIX/bad/corrupt.E01"
expect_rc 4
expect_out_has "$FIX/phone.E01: ok"
expect_out_has "$FIX/bad/corrupt.E01: MISMATCH"
expect_err_has "truncated.E01"
run etk-verify "$FIX/phone.E01" "$T/nonexistent"
expect_rc 1
expect_err_has "cannot open '$T/nonexistent'"
run etk-verify "$FIX/bad"
expect_rc 1
expect_err_has "is a directory but not a case directory"

# ---- case directories ----
C=$T/case
J=$C/journal.jsonl
etk-init "$C" --case OP-1 --examiner E >/dev/null 2>&1 || fail "etk-init"
etk-custody --case "$C" note "first" >/dev/null || fail "note"
etk-custody --case "$C" seal >/dev/null || fail "seal"
run etk-verify "$C"
expect_rc 0
expect_out_has "$C: journal ok 3 entries, head $(tail -n 1 "$J" | sha)"
expect_out_has "$C: seals ok 1 verified"
expect_out_has "$C: outputs ok 0 re-hashed"
expect_out_has "$C: ok"

# An entry with outputs, appended by hand as anyone can: it chains.
append_entry() {	# TYPE MEMBERS
	_seq=$(($(wc -l <"$J") + 1))
	_prev=$(tail -n 1 "$J" | sha)
	_actor=$(sed -n 's/.*"key_id":"\(sha256:[0-9a-f]*\)".*/\1/p' "$C/case.json")
	printf '{"v":"dft-custody/1","seq":%d,"prev":"%s","type":"%s","ts":"2026-12-01T10:00:00Z","actor":"%s",%s}\n' \
	    "$_seq" "$_prev" "$1" "$_actor" "$2" >>"$J"
}
mkdir -p "$C/exhibits/EX-1"
printf 'abc' >"$C/exhibits/EX-1/a.txt"
printf 'old' >"$C/exhibits/EX-1/b.txt"
append_entry extract '"outputs":[{"path":"exhibits/EX-1/a.txt","sha256":"'"$(sha <"$C/exhibits/EX-1/a.txt")"'","size":3},{"path":"exhibits/EX-1/b.txt","sha256":"'"$(printf 'older' | sha)"'","size":5},{"path":"/etc/hostname","sha256":"00","size":1},{"path":"'"$(cd "$C" && pwd -P)"'/exhibits/EX-1/a.txt","sha256":"'"$(sha <"$C/exhibits/EX-1/a.txt")"'"}]'
append_entry extract '"outputs":[{"path":"exhibits/EX-1/b.txt","sha256":"'"$(sha <"$C/exhibits/EX-1/b.txt")"'","size":3}]'
run etk-verify "$C"
expect_rc 0
expect_out_has "$C: journal ok 5 entries"
expect_out_has "$C: outputs ok 3 re-hashed"
expect_out_has "$C: outputs: 1 outside the case not checked"
printf 'abd' >"$C/exhibits/EX-1/a.txt"
run etk-verify "$C"
expect_rc 4
expect_out_has "$C: output MISMATCH exhibits/EX-1/a.txt: computed $(printf abd | sha), expected $(printf abc | sha)"
expect_out_has "$C: MISMATCH"
rm "$C/exhibits/EX-1/a.txt"
run etk-verify --json "$C"
expect_rc 4
expect_out_has '"result":"mismatch"'
expect_out_has '"mismatches":[{"path":"exhibits/EX-1/a.txt","expected":"'"$(printf abc | sha)"'","computed":null,"error":"missing"}'
printf 'abc' >"$C/exhibits/EX-1/a.txt"
etk-custody --case "$C" seal >/dev/null || fail "seal"
run etk-verify "$C"
expect_rc 0
expect_out_has "$C: seals ok 2 verified"

# Tampering, each kind reported by its first bad line (journal of 6).
tamper() {	# NAME SED-SCRIPT EXPECTED
	rm -rf "$T/t"
	cp -R "$C" "$T/t"
	sed -i "$2" "$T/t/journal.jsonl"
	run etk-verify "$T/t"
	expect_rc 4
	expect_out_has "$T/t: journal MISMATCH journal.jsonl: line $3"
	expect_out_has "$T/t: MISMATCH"
}
tamper edit '2s/"first"/"frist"/' "3: prev does not match line 2"
tamper delete '3d' "3: seq is 4, expected 3"
tamper insert '3{h;p;}' "4: seq is 3, expected 4"
tamper reorder '3{h;d;};4{G;}' "3: seq is 4, expected 3"
tamper garbage '$a garbage' "7: not JSON"
rm -rf "$T/t"
cp -R "$C" "$T/t"
truncate -s -1 "$T/t/journal.jsonl"
run etk-verify "$T/t"
expect_rc 4
expect_out_has "journal MISMATCH journal.jsonl: line 6: truncated (no newline at the end)"

# The last line (the seal) edited: the chain holds, the seal does not.
rm -rf "$T/t"
cp -R "$C" "$T/t"
sed -i '$s/"covers":6/"covers":6 /' "$T/t/journal.jsonl"
run etk-verify "$T/t"
expect_rc 4
expect_out_has "$T/t: journal ok 6 entries"
expect_out_has "$T/t: seals MISMATCH seal 6: seals/000006."
expect_out_has "signature does not verify"
rm -rf "$T/t"
cp -R "$C" "$T/t"
rm "$T/t"/seals/000003.*
run etk-verify "$T/t"
expect_rc 4
expect_out_has "seals MISMATCH seal 3: seals/000003."
expect_out_has ": missing"

# ---- the run is recorded in the case it runs in ----
n=$(wc -l <"$J")
run_in "$C" etk-verify "$FIX/phone.E01"
expect_rc 0
check "a verify entry was appended" test "$(wc -l <"$J")" = $((n + 1))
check "verify entry: inputs, summary, exit" grep -q '"type":"verify",.*"inputs":\[{"path":"'"$FIX"'/phone.E01","format":"ewf".*"exit":0}$' "$J"
run etk-verify --case "$C" "$C"
expect_rc 0
check "the case verifies itself and records it" test "$(wc -l <"$J")" = $((n + 2))
# A named case that does not verify: reported, targets still checked.
rm -rf "$T/t"
cp -R "$C" "$T/t"
sed -i '2s/"first"/"frist"/' "$T/t/journal.jsonl"
run etk-verify --case "$T/t" "$FIX/phone.E01"
expect_rc 4
expect_out_has "$FIX/phone.E01: ok"
expect_err_has "line 3: prev does not match line 2"

# ---- usage ----
run etk-verify
expect_rc 2
expect_err_prefix "etk-verify: "
expect_err_has "no target given"

finish

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
expect_out_has "checksum error"
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

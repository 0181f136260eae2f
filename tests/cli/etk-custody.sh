#!/bin/sh
# etk-custody: the command contract, notes and seals (checked with the
# openssl command line), log and show (golden, times and keys masked),
# how the case is found, refusal to touch a journal that does not verify.
. "$ETK_SRC/tests/cli/lib.sh"

contract etk-custody

sha() {
	sha256sum | cut -c1-64
}

# Times and key ids vary from run to run.
mask() {
	sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:.]*Z/TS/g' \
	    -e 's/sha256:[0-9a-f]\{64\}/sha256:KEYID/g' \
	    -e 's/"[0-9a-f]\{64\}"/"HASH"/g' \
	    -e 's/^\([0-9]* TS [a-z]*\) [0-9a-f]\{12\} /\1 ACTOR /' \
	    -e 's/\.[0-9a-f]\{16\}\.sig/.KEYID16.sig/g' "$T/out" >"$T/out.m" &&
	    mv "$T/out.m" "$T/out"
}

C=$T/case
etk-init "$C" --case OP-1 --examiner "A. Examiner" --agency "North Lab" \
    >/dev/null 2>&1 || fail "etk-init"
J=$C/journal.jsonl

# ---- notes: --case, ETK_CASE, the current directory ----
run etk-custody --case "$C" note "exhibit EX-001 received from DC Smith," "bag seal 123456 intact"
expect_rc 0
expect_err_empty
expect_out_has "seq: 2"
check "head is the new line's sha256" grep -qx "head: $(tail -n 1 "$J" | sha)" "$T/out"
check "note entry" grep -q '^{"v":"dft-custody/1","seq":2,"prev":"'"$(head -n 1 "$J" | sha)"'","type":"note","ts":"[^"]*","actor":"sha256:[0-9a-f]*","note":"exhibit EX-001 received from DC Smith, bag seal 123456 intact"}$' "$J"
run env ETK_CASE="$C" etk-custody note "placed in store B, locker 4"
expect_rc 0
expect_out_has "seq: 3"
run_in "$C" etk-custody note "$(printf 'caf\303\251 receipt "A"\ttab')"
expect_rc 0
expect_out_has "seq: 4"
check "notes are ASCII-escaped" grep -q '"note":"caf\\u00e9 receipt \\"A\\"\\ttab"}$' "$J"

# ---- seal, verified by openssl ----
run_in "$C" etk-custody seal --note "end of day"
expect_rc 0
expect_err_empty
expect_out_has "seq: 5"
check "seal head" grep -qx "head: $(tail -n 1 "$J" | sha)" "$T/out"
sig=$(sed -n 's/^signature: //p' "$T/out")
check "signature file named by seq and key" sh -c "echo '$sig' | grep -qx 'seals/000005\.[0-9a-f]\{16\}\.sig'"
head -n 5 "$J" >"$T/prefix"
check "openssl verifies the seal" sh -c "openssl pkeyutl -verify -rawin -pubin \
    -inkey '$C/keys/examiner.pub.pem' -in '$T/prefix' -sigfile '$C/$sig' >/dev/null"
printf x >>"$T/prefix"
check "openssl rejects one byte more" sh -c "! openssl pkeyutl -verify -rawin -pubin \
    -inkey '$C/keys/examiner.pub.pem' -in '$T/prefix' -sigfile '$C/$sig' >/dev/null 2>&1"

# The chain by hand, as man/etk-journal.5 shows it.
byhand() {
	prev=0000000000000000000000000000000000000000000000000000000000000000
	n=$(wc -l <"$1")
	i=1
	while [ "$i" -le "$n" ]; do
		sed -n "${i}p" "$1" |
		    grep -q "^{\"v\":\"dft-custody/1\",\"seq\":$i,\"prev\":\"$prev\"," ||
		    return 1
		prev=$(sed -n "${i}p" "$1" | sha)
		i=$((i + 1))
	done
}
check "the chain verifies by hand" byhand "$J"

# ---- log and show ----
run etk-custody --case "$C" log
expect_rc 0
expect_err_empty
mask
expect_out_file custody-log.txt
run etk-custody --case "$C" log --json
expect_rc 0
check "log --json: the journal's bytes" sh -c "head -n 5 '$T/out' | cmp -s - '$J'"
expect_out_has '"record":"summary"'
run etk-custody --case "$C" --json log
expect_rc 0
check "--json before the subcommand" sh -c "head -n 5 '$T/out' | cmp -s - '$J'"
run etk-custody --case "$C" show 2
expect_rc 0
mask
expect_out_file custody-show.txt
run etk-custody --case "$C" show --json 3
expect_rc 0
sed -n 3p "$J" >"$T/line3"
check "show --json: the line's bytes" sh -c "head -n 1 '$T/out' | cmp -s - '$T/line3'"
run etk-custody --case "$C" show
expect_rc 0
expect_out_has '"type": "seal"'
expect_out_has '"covers": 5'
run etk-custody --case "$C" show 99
expect_rc 1
expect_err_oneline "etk-custody: "
expect_err_has "no entry 99: the journal has 5"
run etk-custody --case "$C" show 0
expect_rc 2
run etk-custody --case "$C" show 2x
expect_rc 2
expect_err_has "bad entry number '2x'"

# ---- JSON records of note and seal ----
run etk-custody --case "$C" --json note "json note"
expect_rc 0
expect_out_has '{"record":"journal_entry","seq":6,"type":"note","head":"'"$(tail -n 1 "$J" | sha)"'"}'
run etk-custody --case "$C" seal --json
expect_rc 0
expect_out_has '{"record":"journal_entry","seq":7,"type":"seal","head":"'
expect_out_has '"sig_file":"seals/000007.'
run etk-custody --case "$C" -q note "quiet"
expect_rc 0
expect_out_empty
check "journal of 8 lines" test "$(wc -l <"$J")" = 8
check "etk-verify agrees" sh -c "etk-verify -q '$C' >/dev/null 2>&1"

# ---- P-256: openssl dgst ----
etk-init "$T/p" --case OP-P --examiner E --key-type p256 >/dev/null 2>&1 ||
    fail "etk-init p256"
run etk-custody --case "$T/p" seal
expect_rc 0
sig=$(sed -n 's/^signature: //p' "$T/out")
head -n 2 "$T/p/journal.jsonl" >"$T/prefix"
check "openssl dgst verifies the P-256 seal" sh -c "openssl dgst -sha256 -verify \
    '$T/p/keys/examiner.pub.pem' -signature '$T/p/$sig' '$T/prefix' >/dev/null"

# ---- usage errors (nothing read or written) ----
n=$(wc -l <"$J")
run etk-custody --case "$C"
expect_rc 2
expect_err_prefix "etk-custody: "
expect_err_has "no subcommand given"
run etk-custody --case "$C" frobnicate
expect_rc 2
expect_err_prefix "etk-custody: "
expect_err_has "unknown subcommand 'frobnicate'"
run etk-custody --case "$C" transfer
expect_rc 2
run etk-custody --case "$C" manifest --format bogus
expect_rc 2
expect_err_has "bad --format 'bogus'"
run etk-custody --case "$C" note
expect_rc 2
expect_err_has "no text given"
run etk-custody --case "$C" note ""
expect_rc 2
expect_err_has "empty text"
run etk-custody --case "$C" log extra
expect_rc 2
expect_err_has "unexpected argument 'extra'"
run etk-custody --case "$C" log --note x
expect_rc 2
expect_err_has "'--note' is for 'seal', 'transfer' only"
run etk-custody --case "$C" --note x seal
expect_rc 2
run etk-custody --case "$C" seal --bogus
expect_rc 2
expect_err_prefix "etk-custody: "
expect_err_has "bad option '--bogus'"
run etk-custody --case "$C" log -j
expect_rc 2
expect_err_prefix "etk-custody: "
check "usage errors appended nothing" test "$(wc -l <"$J")" = "$n"

# ---- no case ----
run_in "$T" etk-custody log
expect_rc 1
expect_err_oneline "etk-custody: "
expect_err_has "no case"
run etk-custody --case "$T/nonexistent" log
expect_rc 1
expect_err_prefix "etk-custody: "

# ---- a journal that does not verify: exit 4, nothing added ----
cp -R "$C" "$T/bad"
sed -i '2s/123456/654321/' "$T/bad/journal.jsonl"
n=$(wc -l <"$T/bad/journal.jsonl")
run etk-custody --case "$T/bad" note "after the tamper"
expect_rc 4
expect_err_oneline "etk-custody: "
expect_err_has "journal.jsonl: line 3: prev does not match line 2"
run etk-custody --case "$T/bad" seal
expect_rc 4
run etk-custody --case "$T/bad" log
expect_rc 4
check "nothing appended to a broken journal" test "$(wc -l <"$T/bad/journal.jsonl")" = "$n"
check "no seal made on a broken journal" test "$(ls "$T/bad/seals" | wc -l)" = 2

# A private key that is not the case's key: no seal.
cp -R "$C" "$T/otherkey"
openssl genpkey -algorithm ed25519 -out "$T/otherkey/keys/examiner.key" 2>/dev/null
n=$(wc -l <"$T/otherkey/journal.jsonl")
run etk-custody --case "$T/otherkey" seal
expect_rc 4
expect_err_has "is not the case's key"
check "no seal with a foreign key" test "$(wc -l <"$T/otherkey/journal.jsonl")" = "$n"

finish

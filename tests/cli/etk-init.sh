#!/bin/sh
# etk-init: the command contract, the case layout, key ids as openssl
# computes them, imported keys, refusal to touch a non-empty directory.
. "$ETK_SRC/tests/cli/lib.sh"

contract etk-init

sha() {
	sha256sum | cut -c1-64
}

# ---- a case ----
run etk-init "$T/c1" --case OP-1 --examiner "A. Examiner" --agency "North Lab"
expect_rc 0
expect_out_has "case-dir: $T/c1"
expect_out_has "case-id: OP-1"
expect_out_has "key-type: ed25519"
check "case files" test -f "$T/c1/case.json" -a -f "$T/c1/journal.jsonl" \
    -a -f "$T/c1/etk.db" -a -f "$T/c1/keys/examiner.pub.pem"
check "case dirs" test -d "$T/c1/seals" -a -d "$T/c1/exhibits" -a -d "$T/c1/reports"
check "case dir mode 750" test "$(stat -c %a "$T/c1")" = 750
check "keys dir mode 700" test "$(stat -c %a "$T/c1/keys")" = 700
check "private key mode 600" test "$(stat -c %a "$T/c1/keys/examiner.key")" = 600
check "private key is PKCS#8 PEM" grep -q '^-----BEGIN PRIVATE KEY-----$' "$T/c1/keys/examiner.key"
check "one journal line" test "$(wc -l <"$T/c1/journal.jsonl")" = 1
check "no temporary directory left" test -z "$(ls -d "$T"/c1.tmp-* 2>/dev/null)"
kid=$(sed -n 's/^key-id: sha256://p' "$T/out")
check "key id is what openssl computes" test "$kid" = \
    "$(openssl pkey -pubin -in "$T/c1/keys/examiner.pub.pem" -outform DER | sha)"
check "genesis: fixed fields first" grep -q \
    '^{"v":"dft-custody/1","seq":1,"prev":"0\{64\}","type":"genesis","ts":"[0-9T:.-]*Z","actor":"sha256:'"$kid"'","case":{"id":"OP-1","examiner":"A. Examiner","agency":"North Lab","role":"examiner"},"keys":\[{"id":"sha256:'"$kid"'","type":"ed25519"' \
    "$T/c1/journal.jsonl"
check "genesis: public key digest" grep -q "\"pub_pem_sha256\":\"$(sha <"$T/c1/keys/examiner.pub.pem")\"" \
    "$T/c1/journal.jsonl"
check "genesis: tool and argv" grep -q '"tool":{"name":"etk-init","version":"[^"]*","libs":{"libewf":"[^"]*",.*"argv":\["etk-init","'"$T"'/c1","--case","OP-1",' \
    "$T/c1/journal.jsonl"
check "genesis: clock" grep -q '"clock":{"source":"system","synced":[a-z]*,"tz_offset_min":-\{0,1\}[0-9]*}}$' \
    "$T/c1/journal.jsonl"
check "case.json" grep -q '"format":"etk-case/1","case_id":"OP-1".*"key_id":"sha256:'"$kid"'","key_type":"ed25519"' \
    "$T/c1/case.json"
check "database schema version 1" test "$(sqlite3 "$T/c1/etk.db" 'PRAGMA user_version')" = 1
check "the case opens" sh -c 'etk-custody --case "$1" log >/dev/null' _ "$T/c1"

# Golden text (key id masked), run from the parent directory.
run_in "$T" etk-init golden --case OP-G --examiner E
expect_rc 0
sed 's/sha256:[0-9a-f]\{64\}/sha256:KEYID/' "$T/out" >"$T/out.m" && mv "$T/out.m" "$T/out"
expect_out_file init.txt
run_in "$T" etk-init -q quiet --case OP-Q --examiner E
expect_rc 0
expect_out_empty
expect_err_empty

# ---- JSON, P-256 ----
run etk-init --json "$T/p" --case OP-P --examiner E --key-type p256
expect_rc 0
expect_out_has '"record":"case","dir":"'"$T"'/p","case_id":"OP-P","examiner":"E","key_id":"sha256:'
expect_out_has '"key_type":"p256"'
expect_out_has '"record":"summary"'
check "JSON Lines parse" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out"
check "journal_head is the genesis line's sha256" grep -q "\"journal_head\":\"$(sha <"$T/p/journal.jsonl")\"" "$T/out"
check "P-256 key id is what openssl computes" grep -q "\"key_id\":\"sha256:$(openssl pkey -pubin \
    -in "$T/p/keys/examiner.pub.pem" -outform DER | sha)\"" "$T/out"

# ---- an imported key ----
openssl genpkey -algorithm ed25519 -out "$T/ae.pem" 2>/dev/null
run etk-init "$T/imp" --case OP-I --examiner E --key "$T/ae.pem"
expect_rc 0
check "imported key keeps its id" test "$(sed -n 's/^key-id: sha256://p' "$T/out")" = \
    "$(openssl pkey -in "$T/ae.pem" -pubout -outform DER | sha)"
check "imported key copied with mode 600" test "$(stat -c %a "$T/imp/keys/examiner.key")" = 600
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/p256.pem" 2>/dev/null
run etk-init "$T/imp2" --case OP-I --examiner E --key "$T/p256.pem" --key-type p256
expect_rc 0
expect_out_has "key-type: p256"
run etk-init "$T/imp3" --case OP-I --examiner E --key "$T/ae.pem" --key-type p256
expect_rc 2
expect_err_prefix "etk-init: "
expect_err_has "holds a key of type ed25519, not p256"
openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret -out "$T/enc.pem" 2>/dev/null
run etk-init "$T/imp3" --case OP-I --examiner E --key "$T/enc.pem"
expect_rc 1
expect_err_prefix "etk-init: "
expect_err_has "encrypted"
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa.pem" 2>/dev/null
run etk-init "$T/imp3" --case OP-I --examiner E --key "$T/rsa.pem"
expect_rc 1
expect_err_has "not supported (ed25519 or p256)"
run etk-init "$T/imp3" --case OP-I --examiner E --key "$T/nokey.pem"
expect_rc 1
expect_err_oneline "etk-init: "
expect_err_has "cannot open '$T/nokey.pem'"
check "nothing made for failed imports" test ! -e "$T/imp3"

# ---- refusals: nothing changed ----
mkdir "$T/full"
echo keep >"$T/full/keep.txt"
run etk-init "$T/full" --case X --examiner Y
expect_rc 1
expect_err_oneline "etk-init: "
expect_err_prefix "etk-init: "
expect_err_has "'$T/full' exists and is not empty"
expect_out_empty
check "non-empty directory unchanged" test "$(ls -A "$T/full")" = keep.txt
run etk-init "$T/c1" --case X --examiner Y
expect_rc 1
check "existing case unchanged" test "$(wc -l <"$T/c1/journal.jsonl")" = 1
run etk-init "$T/full/keep.txt" --case X --examiner Y
expect_rc 1
expect_err_has "exists and is not a directory"
run etk-init "$T/no/such/parent" --case X --examiner Y
expect_rc 1
expect_err_prefix "etk-init: "
check "no temporary directories left" test -z "$(find "$T" -name '*.tmp-*')"
mkdir "$T/empty"
run etk-init "$T/empty/" --case X --examiner Y
expect_rc 0
check "an empty directory becomes a case" test -f "$T/empty/journal.jsonl"

# ---- usage errors: nothing made ----
run etk-init --case X --examiner Y
expect_rc 2
expect_err_prefix "etk-init: "
expect_err_has "no case directory given"
run etk-init "$T/u" --examiner Y
expect_rc 2
expect_err_has "no case id given"
run etk-init "$T/u" --case X
expect_rc 2
expect_err_has "no examiner given"
run etk-init "$T/u" --case X --examiner Y --key-type rsa
expect_rc 2
expect_err_prefix "etk-init: "
expect_err_has "bad key type 'rsa'"
run etk-init "$T/u" "$T/v" --case X --examiner Y
expect_rc 2
expect_err_has "unexpected argument"
run etk-init "$T/u" --case
expect_rc 2
expect_err_prefix "etk-init: "
check "nothing made on usage errors" test ! -e "$T/u" -a ! -e "$T/v"

finish

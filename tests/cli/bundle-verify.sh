#!/bin/sh
# Disclosure bundle verification: etk verify (etk_bundle_verify) and the
# bundle's own VERIFY.sh, run by dash with nothing on PATH but sh,
# coreutils, find, sed, grep, tar and openssl.  The bundle is assembled
# here by hand from a real case exactly as etk-bundle/1 lays it out (and,
# when etk-bundle create exists, made by it too); then each tamper must be
# caught by both, naming its cause.
. "$ETK_SRC/tests/cli/lib.sh"

sha() {
	sha256sum | cut -c1-64
}

# ---- a real case: extract, seal, carve, seal ----
C=$T/case
etk-init "$C" --case OP-9 --examiner "A. Examiner" --agency "North Lab" \
    >/dev/null 2>&1 || fail "etk-init"
etk-extract --case "$C" -o "$C/exhibits/phone" "$FIX/phone.E01" \
    >/dev/null 2>&1 || fail "etk-extract"
etk-custody --case "$C" seal --note "after extraction" >/dev/null 2>&1 ||
    fail "seal 1"
etk-carve --case "$C" -o "$C/exhibits/carve" "$FIX/phone.E01" \
    >/dev/null 2>&1 || fail "etk-carve"
etk-custody --case "$C" seal --note "before disclosure" >/dev/null 2>&1 ||
    fail "seal 2"
N=$(wc -l <"$C/journal.jsonl" | tr -d ' ')
check "journal ends in a seal" sh -c "tail -n 1 '$C/journal.jsonl' | grep -q '\"type\":\"seal\"'"

# SHA256SUMS of a bundle directory, as etk-bundle/1 defines it
sums() {
	(cd "$1" && find . -type f ! -path './SHA256SUMS' ! -path './SHA256SUMS.*' |
	    sed 's|^\./||' | sort | while IFS= read -r f; do sha256sum "$f"; done) \
	    >"$1/SHA256SUMS"
}
sign() {	# DIR KEY
	rm -f "$1/SHA256SUMS.ed25519.sig"
	openssl pkeyutl -sign -rawin -inkey "$2" -in "$1/SHA256SUMS" \
	    -out "$1/SHA256SUMS.ed25519.sig"
}
mktar() {	# DIR -> DIR.tar, DIR.tar.sha256
	rm -f "$1.tar" "$1.tar.sha256"
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	    --format=posix --pax-option=delete=atime,delete=ctime \
	    -cf "$1.tar" -C "$1" . &&
	    (cd "$(dirname "$1")" && sha256sum "${1##*/}.tar" >"${1##*/}.tar.sha256")
}

# mkbundle CASE OUT: the bundle of the whole case, by hand, per the spec
mkbundle() {
	c=$1
	o=$2
	E=$o/exhibits/phone.E01
	mkdir -p "$o/custody/seals" "$o/custody/dfxml" "$o/keys" "$o/redaction" \
	    "$E/reports" "$E/pole" "$E/extracted" "$E/carved"
	cp "$c/journal.jsonl" "$o/custody/"
	cp "$c"/seals/*.sig "$o/custody/seals/"
	cp "$c/keys/examiner.pub.pem" "$o/keys/"
	kid=$(openssl pkey -pubin -in "$o/keys/examiner.pub.pem" -outform DER | sha)
	printf '%s  keys/examiner.pub.pem\n' "$kid" >"$o/keys/KEYS.txt"
	for k in messages calls contacts images; do
		cp "$c/exhibits/phone/$k.jsonl" "$E/reports/"
	done
	cp "$c/exhibits/carve/carved.jsonl" "$E/reports/"
	cp "$c/exhibits/phone/pole/entities.jsonl" "$c/exhibits/phone/pole/links.jsonl" "$E/pole/"
	for f in "$c"/exhibits/phone/images/*.jpg; do
		cp "$f" "$E/extracted/$(sha <"$f" | cut -c1-16)_${f##*/}"
	done
	cp "$c"/exhibits/carve/carved/jpeg/*.jpg "$E/carved/"
	: >"$o/redaction/redactions.jsonl"
	cont=$(sha <"$FIX/phone.E01")
	md5=$(sed -n '2s/.*"stored_md5":"\([0-9a-f]*\)".*/\1/p' "$c/journal.jsonl")
	sha1=$(sed -n '2s/.*"stored_sha1":"\([0-9a-f]*\)".*/\1/p' "$c/journal.jsonl")
	printf '{"format":"etk-manifest/1","exhibits":[{"id":"phone.E01","container_sha256":"%s","media_sha256":null}]}\n' \
	    "$cont" >"$o/custody/manifest.json"
	printf '{"@context":{},"@graph":[]}\n' >"$o/custody/case.jsonld"
	printf '<!DOCTYPE html><title>manifest</title>\n' >"$o/custody/manifest.html"
	printf '<?xml version="1.0"?><dfxml/>\n' >"$o/custody/dfxml/phone.E01.dfxml"
	printf 'Disclosure bundle DISC-OP-9-20261202-v1\n' >"$o/README.txt"
	etk-verify --verify-script >"$o/VERIFY.sh"
	chmod 755 "$o/VERIFY.sh"
	head=$(tail -n 1 "$o/custody/journal.jsonl" | sha)
	ts=$(tail -n 1 "$o/custody/journal.jsonl" | sed 's/.*"ts":"\([^"]*\)".*/\1/')
	n=$(wc -l <"$o/custody/journal.jsonl" | tr -d ' ')
	lines() { cat "$@" 2>/dev/null | wc -l | tr -d ' '; }
	printf '{"format":"etk-bundle/1","bundle_id":"DISC-OP-9-20261202-v1",' >"$o/MANIFEST.json"
	printf '"case":{"id":"OP-9","examiner":"A. Examiner","agency":"North Lab","key_id":"sha256:%s"},' "$kid" >>"$o/MANIFEST.json"
	printf '"creator":{"name":"etk-bundle","version":"0.1.0","libs":{}},"created":"%s",' "$ts" >>"$o/MANIFEST.json"
	printf '"journal":{"path":"custody/journal.jsonl","lines":%s,"head_sha256":"%s","last_seal":%s},' "$n" "$head" "$n" >>"$o/MANIFEST.json"
	printf '"selection":{"exhibits":[],"kinds":[],"from":null,"to":null,"parties":[],"locators_sha256":null},' >>"$o/MANIFEST.json"
	printf '"exhibits":[{"id":"phone.E01","dir":"exhibits/phone.E01","kind":"ewf","size":%s,"container_sha256":"%s","media_sha256":null,"stored_md5":"%s","stored_sha1":"%s"}],' \
	    "$(wc -c <"$FIX/phone.E01" | tr -d ' ')" "$cont" "$md5" "$sha1" >>"$o/MANIFEST.json"
	printf '"counts":{"messages":%s,"calls":%s,"contacts":%s,"images":%s,"carved":%s,"files":0,"pole_entities":%s,"pole_links":%s,"exported_files":%s,"redactions":0},' \
	    "$(lines "$E/reports/messages.jsonl")" "$(lines "$E/reports/calls.jsonl")" \
	    "$(lines "$E/reports/contacts.jsonl")" "$(lines "$E/reports/images.jsonl")" \
	    "$(lines "$E/reports/carved.jsonl")" "$(lines "$E/pole/entities.jsonl")" \
	    "$(lines "$E/pole/links.jsonl")" "$(ls "$E/extracted" "$E/carved" | grep -c '\.jpg$')" >>"$o/MANIFEST.json"
	printf '"redaction":{"rules":0,"records":0,"policy":"re-rendered without values; salted commitments"},' >>"$o/MANIFEST.json"
	printf '"signers":["sha256:%s"],"timestamped":false}\n' "$kid" >>"$o/MANIFEST.json"
	sums "$o"
	sign "$o" "$c/keys/examiner.key"
	mktar "$o"
}

G=$T/DISC-OP-9-20261202-v1
mkbundle "$C" "$G"
KID=sha256:$(openssl pkey -pubin -in "$C/keys/examiner.pub.pem" -outform DER | sha)

# VERIFY.sh runs with dash and nothing but these on PATH
RB=$T/rbin
mkdir "$RB"
for t in dash sha256sum cut head tail wc find sort comm tr od sed grep tar \
    openssl mktemp rm dirname split cat mkdir; do
	p=$(command -v "$t") && ln -s "$p" "$RB/$t"
done
ln -s "$(command -v dash)" "$RB/sh"
vsh() {		# vsh DIR [ARGS]: run DIR/VERIFY.sh under dash, restricted PATH
	_d=$1
	shift
	_last="dash $_d/VERIFY.sh $*"
	RC=0
	env -i PATH="$RB" HOME="$T" TMPDIR="$T" "$RB/dash" "$_d/VERIFY.sh" "$@" \
	    >"$T/out" 2>"$T/err" </dev/null || RC=$?
}
copy() {	# fresh copy of the good bundle at $T/$1
	rm -rf "${T:?}/$1" "$T/$1.tar" "$T/$1.tar.sha256"
	cp -R "$G" "$T/$1"
	B=$T/$1
}

# ---- the good bundle passes everything ----
run etk-verify "$G"
expect_rc 0
for s in "step 1 archive: ok" "step 2 safe names: ok" "step 3 keys: ok" \
    "step 4 signature: ok" "step 5 timestamp: skipped" "step 6 files: ok" \
    "step 7 complete: ok" "step 8 journal chain: ok" "step 9 seals: ok" \
    "step 10 cross-checks: ok" "step 11 redactions: ok"; do
	expect_out_has "$s"
done
expect_out_has "$G: ok"
run etk verify "$G.tar" --key-id "$KID" --tar-sha256 "$(sha <"$G.tar")"
expect_rc 0
expect_out_has "step 1 archive: ok"
expect_out_has "step 3 keys: ok"
expect_out_lacks "FAIL"
run etk-verify --json "$G.tar"
expect_rc 0
check "json record of a bundle" grep -q '"record":"verify".*"kind":"bundle","result":"ok".*"step":11,"name":"redactions","status":"ok"' "$T/out"
vsh "$G"
expect_rc 0
expect_out_has "step 4 signature: OK"
expect_out_has "step 9 seals: OK"
expect_out_has "bundle verified"
check "VERIFY.sh: eleven step lines" test "$(grep -c '^step [0-9]* ' "$T/out")" = 11
# from an extraction of the tar, steps 1 and 2 on the tar too
mkdir "$T/x"
tar -xf "$G.tar" -C "$T/x"
vsh "$T/x" "$G.tar" --key-id "$KID"
expect_rc 0
expect_out_has "step 1 archive: OK"
expect_out_has "step 2 safe names: OK"
check "nothing written into the bundle" test -z "$(find "$G" -newer "$G.tar" -type f)"

# expect_both CODE-TEXT SH-TEXT: etk verify fails (4) naming CODE-TEXT,
# VERIFY.sh fails (1) naming SH-TEXT
expect_both() {
	run etk-verify "$B"
	expect_rc 4
	expect_out_has "$1"
	vsh "$B"
	expect_rc 1
	expect_out_has "$2"
}

# ---- a journal line disclosed with a value withheld ----
# The value is replaced by [WITHHELD:<commitment>] and a redaction record
# gives the original line's SHA-256: the chain is checked against it and
# the seals over it verify only against the lab-held original (warnings).
copy w1
val=$C/exhibits/phone
salt=$(printf 'salt' | sha)
cm=$(printf '%s%s' "$salt" "$val" | sha)
orig=$(sed -n 2p "$G/custody/journal.jsonl" | sha)
sed -i "2s|\"$val\"|\"[WITHHELD:$cm]\"|g" "$B/custody/journal.jsonl"
check "a value withheld" grep -q "WITHHELD:$cm" "$B/custody/journal.jsonl"
printf '{"id":"R-000001","item":"custody/journal.jsonl","source_item":"journal:2","line":2,"original_sha256":"%s","rule":"P1","token":"[WITHHELD:%s]","category":"third-party personal data","basis":"CPIA test not met","decided_by":"A. Examiner","approved_by":null,"commitment":"%s","ts":"x"}\n' \
    "$orig" "$cm" "$cm" >"$B/redaction/redactions.jsonl"
sed -i 's/"redactions":0/"redactions":1/; s/"records":0/"records":1/' "$B/MANIFEST.json"
sums "$B"
sign "$B" "$C/keys/examiner.key"
run etk-verify "$B"
expect_rc 0
expect_out_has "step 8 journal chain: warning: custody/journal.jsonl line 2: values withheld (redaction R-000001)"
expect_out_has "step 9 seals: warning: seal"
expect_out_has "verifies only against the lab-held original"
expect_out_has "step 11 redactions: ok"
vsh "$B"
expect_rc 0
expect_out_has "step 8 journal chain: OK (warning: line 2 withheld"
expect_out_has "lab-held original"
# ... the record gone: the chain breaks at the withheld line
: >"$B/redaction/redactions.jsonl"
sed -i 's/"redactions":1/"redactions":0/; s/"records":1/"records":0/' "$B/MANIFEST.json"
sums "$B"
sign "$B" "$C/keys/examiner.key"
expect_both "line 2: holds [WITHHELD:...] but no redaction record" \
    "line 2 holds [WITHHELD:...] but no redaction record"
expect_both "[WITHHELD:$cm] matches no redaction commitment" \
    "[WITHHELD:$cm] matches no redaction commitment"

if etk-bundle create -h >/dev/null 2>&1; then
	# ---- bundles made by etk-bundle create ----
	run etk-bundle --case "$C" create -o "$T/made"
	expect_rc 0
	run etk-verify "$T/made"
	expect_rc 0
	expect_out_lacks "FAIL"
	run etk-verify "$T/made.tar" --key-id "$KID"
	expect_rc 0
	expect_out_has "step 1 archive: ok"
	vsh "$T/made" "$T/made.tar" --key-id "$KID"
	expect_rc 0
	expect_out_lacks "FAILED"
	run etk-bundle verify "$T/made.tar"
	expect_rc 0
	expect_out_has "step 11 redactions: ok"
	# with a party redacted
	run etk-bundle --case "$C" create -o "$T/red" --redact-party "+447700900123" \
	    --category "third-party personal data" --basis "CPIA test not met" \
	    --decided-by "A. Examiner"
	expect_rc 0
	check "records redacted" test -s "$T/red/redaction/redactions.jsonl"
	check "the number is withheld" sh -c "! grep -rq '7700900123' '$T/red/exhibits'"
	run etk-verify "$T/red.tar"
	expect_rc 0
	expect_out_has "step 11 redactions: ok"
	vsh "$T/red"
	expect_rc 0
	expect_out_has "step 11 redactions: OK"
	# a record dropped (SHA256SUMS regenerated): the count and signature fail
	B=$T/red
	sed -i 1d "$B/redaction/redactions.jsonl"
	sums "$B"
	expect_both "step 11 redactions: FAIL: MANIFEST.json counts.redactions is" \
	    "MANIFEST.json counts.redactions is"
	expect_both "step 4 signature: FAIL" "step 4 signature: FAILED"
	# a record without its basis
	sed -i '1s/"basis":"[^"]*",//' "$B/redaction/redactions.jsonl"
	sums "$B"
	expect_both "basis is missing" "basis missing"
	# a token nobody recorded
	sed -i '1s/\[REDACTED-P1\]/[REDACTED-P9]/' "$B/exhibits/phone.E01/reports/messages.jsonl"
	sums "$B"
	expect_both "token [REDACTED-P9] has no redaction record" \
	    "token [REDACTED-P9] has no redaction record"
	# an examiner key of ECDSA P-256: SHA256SUMS.p256.sig
	C2=$T/case2
	etk-init "$C2" --case OP-P --examiner "B. Examiner" --key-type p256 \
	    >/dev/null 2>&1 || fail "etk-init p256"
	etk-custody --case "$C2" note "exhibit received" >/dev/null 2>&1
	run etk-bundle --case "$C2" create -o "$T/p256"
	expect_rc 0
	check "a P-256 signature" test -f "$T/p256/SHA256SUMS.p256.sig"
	run etk-verify "$T/p256.tar"
	expect_rc 0
	expect_out_has "step 4 signature: ok"
	vsh "$T/p256" "$T/p256.tar"
	expect_rc 0
	B=$T/p256
	cp "$T/made/SHA256SUMS.ed25519.sig" "$B/SHA256SUMS.p256.sig"
	expect_both "SHA256SUMS.p256.sig: does not verify" \
	    "SHA256SUMS.p256.sig does not verify"
	# time-stamped: a seal's token and SHA256SUMS.tsr from the test TSA
	. "$ETK_SRC/tests/tsa/lib.sh"
	if tsa_start "$T/tsa"; then
		C3=$T/case3
		etk-init "$C3" --case OP-T --examiner "C. Examiner" >/dev/null 2>&1
		etk-custody --case "$C3" seal --tsa-url "$TSA_URL" \
		    --tsa-ca "$TSA_DIR/tsa-chain.pem" >/dev/null 2>&1 || fail "stamped seal"
		run etk-bundle --case "$C3" create -o "$T/ts" --tsa-url "$TSA_URL" \
		    --tsa-ca "$TSA_DIR/tsa-chain.pem"
		expect_rc 0
		tsa_stop
		run etk-verify "$T/ts.tar"
		expect_rc 0
		expect_out_has "step 5 timestamp: ok: SHA256SUMS.tsr: token over SHA256SUMS verifies"
		expect_out_has "1 token)"
		vsh "$T/ts" "$T/ts.tar"
		expect_rc 0
		expect_out_has "step 5 timestamp: OK: SHA256SUMS time-stamped"
		expect_out_has "1 tokens verified"
		run etk-verify --tsa-ca "$TSA_DIR/other-ca.pem" "$T/ts.tar"
		expect_rc 4
		expect_out_has "step 5 timestamp: FAIL"
		B=$T/ts
		tsr=$(ls "$B"/custody/seals/*.tsr)
		cp "$B/SHA256SUMS.tsr" "$T/sums.tsr"
		cp "$tsr" "$B/SHA256SUMS.tsr"
		expect_both "step 5 timestamp: FAIL: SHA256SUMS.tsr" \
		    "SHA256SUMS.tsr does not verify"
		cp "$T/sums.tsr" "$tsr"
		expect_both "step 9 seals: FAIL: seal" "seals/$(basename "$tsr") does not verify"
	else
		fail "the test TSA did not start"
	fi
	# the made bundle's own tar: one member changed fails step 1
	printf x >>"$T/made.tar"
	run etk-bundle verify "$T/made.tar"
	expect_rc 4
	expect_out_has "step 1 archive: FAIL"
fi

# ---- one journal byte edited, SHA256SUMS regenerated (no key to re-sign) ----
copy t1
sed -i '2s/"ts":"2/"ts":"3/' "$B/custody/journal.jsonl"
sums "$B"
expect_both "journal.jsonl: chain broken at line 3" "chain broken at line 3"
expect_both "step 4 signature: FAIL" "step 4 signature: FAILED"
run etk-verify "$B"
expect_out_has "step 9 seals: FAIL"
expect_out_has "step 8 journal chain: FAIL"

# ---- one byte of an exported file ----
copy t2
f=$(cd "$B" && ls exhibits/phone.E01/extracted/* | head -n 1)
printf 'x' | dd of="$B/$f" bs=1 seek=10 conv=notrunc 2>/dev/null
expect_both "step 6 files: FAIL: $f: SHA-256 is" "changed or missing: $f"

# ---- a file added, a file dropped ----
copy t3
echo extra >"$B/exhibits/phone.E01/reports/extra.txt"
expect_both "exhibits/phone.E01/reports/extra.txt: present but not listed" \
    "present but not listed: exhibits/phone.E01/reports/extra.txt"
copy t4
rm "$B/exhibits/phone.E01/reports/calls.jsonl"
expect_both "exhibits/phone.E01/reports/calls.jsonl: listed in SHA256SUMS" \
    "listed but missing: exhibits/phone.E01/reports/calls.jsonl"

# ---- the signature swapped for a seal's, or made with another key ----
copy t5
cp "$B"/custody/seals/$(printf '%06d' "$N").*.sig "$B/SHA256SUMS.ed25519.sig"
expect_both "SHA256SUMS.ed25519.sig: does not verify over SHA256SUMS with the examiner key" \
    "SHA256SUMS.ed25519.sig does not verify"
copy t6
openssl genpkey -algorithm ed25519 -out "$T/other.key" 2>/dev/null
sign "$B" "$T/other.key"
expect_both "step 4 signature: FAIL" "step 4 signature: FAILED"

# ---- two journal lines swapped, SHA256SUMS regenerated ----
copy t7
J0=$G/custody/journal.jsonl
{ sed -n 1p "$J0"; sed -n 3p "$J0"; sed -n 2p "$J0"; sed -n '4,$p' "$J0"; } \
    >"$B/custody/journal.jsonl"
sums "$B"
expect_both "line 2: seq is 3" "line 2: seq is 3"

# ---- an older seal replayed: its signature over the newer one ----
copy t8
S1=$(grep -n '"type":"seal"' "$G/custody/journal.jsonl" | head -n 1 | cut -d: -f1)
old=$(ls "$B"/custody/seals/$(printf '%06d' "$S1").*.sig)
new=$(ls "$B"/custody/seals/$(printf '%06d' "$N").*.sig)
cp "$old" "$new"
expect_both "step 9 seals: FAIL: seal $N: signature" "seal $N: custody/seals/"
run etk-verify "$B"
expect_out_has "step 9 seals: warning: seal $S1 still verifies: lines 1-$S1 are as sealed"
# ... and the journal cut back to the older seal, SHA256SUMS regenerated
copy t9
head -n "$S1" "$G/custody/journal.jsonl" >"$B/custody/journal.jsonl"
rm "$B"/custody/seals/$(printf '%06d' "$N").*.sig
sums "$B"
expect_both "custody/journal.jsonl has $S1 lines, MANIFEST.json journal.lines says $N" \
    "custody/journal.jsonl has $S1 lines, MANIFEST.json says $N"
expect_both "MANIFEST.json names seal $N" "MANIFEST.json names seal $N"
expect_both "step 4 signature: FAIL" "step 4 signature: FAILED"

# ---- a tar holding ../evil: step 2 fails, nothing is extracted ----
copy t10
mktar "$B"
mkdir -p "$T/ev/in"
echo evil >"$T/ev/evil"
(cd "$T/ev/in" && tar -rPf "$B.tar" ../evil)
mkdir "$T/tmp10"
run env TMPDIR="$T/tmp10" etk-verify "$B.tar"
expect_rc 4
expect_out_has "step 2 safe names: FAIL: archive member '../evil': \"..\" component"
expect_out_has "step 3 keys: skipped: not checked: the archive was not extracted"
check "nothing extracted" test -z "$(ls -A "$T/tmp10")"
check "nothing written beside" test ! -e "$T/evil"
vsh "$G" "$B.tar"
expect_rc 1
expect_out_has "step 2 safe names: FAILED: absolute or .. members in the archive: ../evil"

# ---- other hostile archives: a link, a name with a space, a cut tar ----
mkdir -p "$T/hl"
cp "$G/MANIFEST.json" "$T/hl/"
ln -s /etc/passwd "$T/hl/link"
echo x >"$T/hl/a b.txt"
tar -cf "$T/hl.tar" -C "$T/hl" .
mkdir "$T/tmphl"
run env TMPDIR="$T/tmphl" etk-verify "$T/hl.tar"
expect_rc 4
expect_out_has "archive member './link': symbolic link"
expect_out_has "archive member './a b.txt': byte outside [A-Za-z0-9._-/]"
check "nothing extracted (links)" test -z "$(ls -A "$T/tmphl")"
vsh "$G" "$T/hl.tar"
expect_rc 1
expect_out_has "archive names outside [A-Za-z0-9._-/]: a b.txt"
expect_out_has "archive members neither files nor directories: l"
head -c 20000 "$G.tar" >"$T/cut.tar"
run env TMPDIR="$T/tmphl" etk-verify "$T/cut.tar"
expect_rc 4
expect_out_has "step 2 safe names: FAIL"
check "nothing left behind (cut tar)" test -z "$(ls -A "$T/tmphl")"
run env TMPDIR="$T/tmphl" etk-verify "$G.tar"
expect_rc 0
check "the private extraction directory is removed" test -z "$(ls -A "$T/tmphl")"

# ---- a directory bundle with a link or a FIFO: nothing more is read ----
copy t11
mv "$B/custody" "$T/custody-elsewhere"
ln -s "$T/custody-elsewhere" "$B/custody"
run etk-verify "$B"
expect_rc 4
expect_out_has "step 2 safe names: FAIL: custody: symbolic link"
expect_out_has "step 8 journal chain: skipped: not checked: the bundle holds links"
vsh "$B"
expect_rc 1
expect_out_has "step 2 safe names: FAILED: neither files nor directories: ./custody"
expect_out_has "step 6 files: skipped: not checked: links or special files"
copy t12
rm "$B/SHA256SUMS"
mkfifo "$B/SHA256SUMS"
run etk-verify "$B"
expect_rc 4
expect_out_has "SHA256SUMS: neither a regular file nor a directory"
vsh "$B"
expect_rc 1
expect_out_has "step 6 files: skipped"

# ---- out-of-band values that do not match ----
run etk-verify --tar-sha256 "$(printf 0 | sha)" "$G.tar"
expect_rc 4
expect_out_has "step 1 archive: FAIL"
expect_out_lacks "step 6 files: FAIL"
vsh "$T/x" "$G.tar" --tar-sha256 "$(printf 0 | sha)"
expect_rc 1
expect_out_has "step 1 archive: FAILED"
run etk-verify --key-id "sha256:$(printf 1 | sha)" "$G"
expect_rc 4
expect_out_has "step 3 keys: FAIL: key sha256:$(printf 1 | sha) (confirmed out of band) is not in keys/KEYS.txt"
vsh "$G" --key-id "sha256:$(printf 1 | sha)"
expect_rc 1
expect_out_has "step 3 keys: FAILED"

# ---- not a bundle ----
run etk-verify --verify-script extra
expect_rc 2
mkdir "$T/notabundle"
echo '{}' >"$T/notabundle/MANIFEST.json"
run etk-verify "$T/notabundle"
expect_rc 1

# the good bundle is untouched by all of this
run etk-verify "$G.tar"
expect_rc 0

finish

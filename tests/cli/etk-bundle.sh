#!/bin/sh
# etk-bundle create: a case from the fixtures, then the bundle's layout,
# SHA256SUMS, signature (Ed25519 and P-256) and keys checked with the
# standard tools, the tar, byte-for-byte determinism (also under another
# TZ), refusal to overwrite, selection against sqlite3 counts on the case
# database, redaction (no spelling left anywhere, commitments that check
# with printf | sha256sum, a re-rendered picture), a TSA token, and the
# journal's export entry and seal.  (Tampering and VERIFY.sh: the
# verifier's tests.)
. "$ETK_SRC/tests/cli/lib.sh"

contract etk-bundle

sha() {
	sha256sum | cut -c1-64
}

# jq -e, quietly
jqe() {
	jq "$@" >/dev/null
}

# A case from the fixtures: extract, carve, hash, seal.
mkcase() {
	etk-init "$1" --case OP-7 --examiner "A. Examiner" --agency "North Lab" \
	    ${2:+--key-type "$2"} >/dev/null 2>&1 || return 1
	etk-extract --case "$1" -o "$1/exhibits/x" "$FIX/phone.E01" \
	    >/dev/null 2>&1 || return 1
	etk-carve --case "$1" -o "$1/exhibits/c" "$FIX/phone.E01" \
	    >/dev/null 2>&1 || return 1
	etk-hash --case "$1" "$FIX/phone.E01" >/dev/null 2>&1 || return 1
	etk-custody --case "$1" seal >/dev/null 2>&1
}

C=$T/case
check "case from the fixtures" mkcase "$C"
# The redaction key exists before the copies, so copies give equal bytes.
head -c 32 /dev/urandom >"$C/keys/redaction.key" && chmod 600 "$C/keys/redaction.key"
cp -a "$C" "$T/case2"
cp -a "$C" "$T/case3"
cp -a "$C" "$T/case4"
DB=$C/etk.db
q() {
	sqlite3 "$DB" "$1"
}
lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo missing; fi
}

# ---- usage ----
run etk-bundle --case "$C" create
expect_rc 2
expect_err_has "no -o OUT"
run etk-bundle --case "$C" create -o "$T/x" --kind nonsense
expect_rc 2
run etk-bundle --case "$C" create -o "$T/x" --tsa-url http://a --tsa-reply b
expect_rc 2
run etk-bundle --case "$C" create -o "$T/x" --upto 2
expect_rc 1
expect_err_has "not a seal"
check "nothing left by a refused create" sh -c "! ls -d '$T'/x* 2>/dev/null"

# ---- create: the whole case ----
nlines=$(wc -l <"$C/journal.jsonl")
O=$T/b1
run etk-bundle --case "$C" create -o "$O"
expect_rc 0
expect_out_has "bundle: DISC-OP-7-"
expect_out_has "tar: $O.tar"
expect_out_has "sha256: $(sha <"$O.tar")"
for f in README.txt MANIFEST.json SHA256SUMS SHA256SUMS.ed25519.sig \
    keys/KEYS.txt keys/examiner.pub.pem custody/journal.jsonl \
    custody/manifest.json custody/case.jsonld custody/manifest.html \
    custody/dfxml/phone.E01.dfxml redaction/redactions.jsonl \
    exhibits/phone.E01/reports/messages.jsonl \
    exhibits/phone.E01/reports/messages.csv \
    exhibits/phone.E01/reports/calls.jsonl \
    exhibits/phone.E01/reports/contacts.jsonl \
    exhibits/phone.E01/reports/images.jsonl \
    exhibits/phone.E01/reports/carved.jsonl \
    exhibits/phone.E01/reports/index.html \
    exhibits/phone.E01/pole/entities.jsonl \
    exhibits/phone.E01/pole/links.jsonl; do
	check "layout: $f" test -f "$O/$f"
done
check "no temporary left" sh -c "! ls -d '$O'.tmp-* '$O'.tar.tmp-* 2>/dev/null"
check "names within [A-Za-z0-9._-/]" sh -c "! (cd '$O' && find . | grep -q '[^A-Za-z0-9._/-]')"
check "sha256sum --strict -c SHA256SUMS" sh -c "cd '$O' && sha256sum --quiet --strict -c SHA256SUMS"
check "SHA256SUMS lists every file but SHA256SUMS*" sh -c "cd '$O' && \
    find . -type f ! -name 'SHA256SUMS*' | sed 's|^\./||' | LC_ALL=C sort >'$T/have' && \
    cut -c67- SHA256SUMS >'$T/listed' && LC_ALL=C sort -c '$T/listed' && cmp -s '$T/have' '$T/listed'"
check "openssl verifies the Ed25519 signature" sh -c "cd '$O' && openssl pkeyutl -verify -rawin -pubin \
    -inkey keys/examiner.pub.pem -in SHA256SUMS -sigfile SHA256SUMS.ed25519.sig >/dev/null"
cp "$O/SHA256SUMS" "$T/sums.bad" && printf x >>"$T/sums.bad"
check "and rejects a changed SHA256SUMS" sh -c "cd '$O' && ! openssl pkeyutl -verify -rawin -pubin \
    -inkey keys/examiner.pub.pem -in '$T/sums.bad' -sigfile SHA256SUMS.ed25519.sig >/dev/null 2>&1"
check "KEYS.txt is the DER SPKI sha256" sh -c "cd '$O' && \
    [ \"\$(openssl pkey -pubin -in keys/examiner.pub.pem -outform DER | sha256sum | cut -c1-64)  keys/examiner.pub.pem\" = \"\$(cat keys/KEYS.txt)\" ]"
check "journal prefix byte for byte" cmp -s "$O/custody/journal.jsonl" "$T/case2/journal.jsonl"
check "seal file copied" test -f "$O/custody/seals/$(printf %06d "$nlines").$(sed -n 's/.*"actor":"sha256:\([0-9a-f]\{16\}\).*/\1/p' "$C/journal.jsonl" | head -1).sig"
check "MANIFEST.json format" jqe -e '.format == "etk-bundle/1" and .journal.lines == '"$nlines"' and .journal.last_seal == '"$nlines"' and .timestamped == false' "$O/MANIFEST.json"
check "MANIFEST head_sha256" sh -c "[ \"\$(jq -r .journal.head_sha256 '$O/MANIFEST.json')\" = \"\$(tail -n 1 '$O/custody/journal.jsonl' | sha256sum | cut -c1-64)\" ]"
check "MANIFEST created is the seal's ts" sh -c "[ \"\$(jq -r .created '$O/MANIFEST.json')\" = \"\$(tail -n 1 '$O/custody/journal.jsonl' | jq -r .ts)\" ]"
for k in messages calls contacts images carved; do
	n=$(q "select count(distinct $( [ "$k" = images ] || [ "$k" = carved ] && echo locator || echo source)) from $k")
	check "$k: $n records, as sqlite3 counts" [ "$(lines "$O/exhibits/phone.E01/reports/$k.jsonl")" = "$n" ]
	check "$k: MANIFEST count" [ "$(jq ".counts.$k" "$O/MANIFEST.json")" = "$n" ]
	check "$k.csv: header + one row a record" [ "$(grep -c $(printf '\r$') "$O/exhibits/phone.E01/reports/$k.csv")" -ge "$((n + 1))" ]
done
check "extracted files are journal outputs" sh -c "cd '$O' && for f in exhibits/*/extracted/* exhibits/*/carved/*; do \
    grep -q \"\\\"sha256\\\":\\\"\$(sha256sum <\"\$f\" | cut -c1-64)\\\"\" custody/journal.jsonl || exit 1; done"
check "html has no script" sh -c "! grep -qi '<script' '$O/exhibits/phone.E01/reports/index.html'"
check "tar beside it" test -f "$O.tar"
check "OUT.tar.sha256" sh -c "cd '$T' && sha256sum --quiet -c b1.tar.sha256"
mkdir "$T/x1"
check "tar -xf gives the same files" sh -c "tar -xf '$O.tar' -C '$T/x1' && diff -r '$O' '$T/x1'"
check "tar: owner 0/0, fixed modes" sh -c "tar -tvf '$O.tar' | awk '{print \$1, \$2}' | sort -u | \
    grep -v -e '^drwxr-xr-x 0/0\$' -e '^-rw-r--r-- 0/0\$' -e '^-rwxr-xr-x 0/0\$' | grep -q . && exit 1 || exit 0"
check "tar: safe names" sh -c "! tar -tf '$O.tar' | grep -qE '^/|(^|/)\.\.(/|\$)'"
check "the journal got an export entry" sh -c "[ \"\$(tail -n 2 '$C/journal.jsonl' | head -n 1 | jq -r .type)\" = export ]"
check "export entry names the tar's sha256" sh -c "tail -n 2 '$C/journal.jsonl' | head -n 1 | jq -e '.bundle.tar_sha256 == \"$(sha <"$O.tar")\"' >/dev/null"
check "and a seal after it" sh -c "[ \"\$(tail -n 1 '$C/journal.jsonl' | jq -r .type)\" = seal ]"
check "the lab journal still verifies" sh -c "etk-custody --case '$C' log >/dev/null"

# ---- never overwrite ----
run etk-bundle --case "$C" create -o "$O"
expect_rc 1
expect_err_has "exists"
mkdir "$T/b2"
run etk-bundle --case "$C" create -o "$T/b2" --no-tar
expect_rc 1
: >"$T/b3.tar"
run etk-bundle --case "$C" create -o "$T/b3"
expect_rc 1
check "nothing made" sh -c "[ ! -e '$T/b3' ] && [ ! -s '$T/b3.tar' ]"

# ---- determinism: copies of the case, the same options ----
mkdir "$T/d2" "$T/d3"
run etk-bundle --case "$T/case2" create -o "$T/d2/B" --kind all
expect_rc 0
run env TZ=Pacific/Auckland LC_ALL=C etk-bundle --case "$T/case3" create -o "$T/d3/B" --kind all
expect_rc 0
check "same tar bytes" cmp -s "$T/d2/B.tar" "$T/d3/B.tar"
check "same trees" diff -r "$T/d2/B" "$T/d3/B"
check "--kind all adds files" [ "$(lines "$T/d2/B/exhibits/phone.E01/reports/files.jsonl")" = "$(q 'select count(distinct locator) from files')" ]

# ---- selection ----
S=$T/case4
run etk-bundle --case "$S" create -o "$T/s1" --kind messages,calls --no-tar
expect_rc 0
check "--kind: only those" sh -c "[ ! -e '$T/s1/exhibits/phone.E01/reports/contacts.jsonl' ] && [ ! -e '$T/s1/exhibits/phone.E01/pole' ]"
check "--no-tar" test ! -e "$T/s1.tar"
run etk-bundle --case "$S" create -o "$T/s2" --exhibit nope
expect_rc 1
expect_err_has "no exhibit 'nope'"
run etk-bundle --case "$S" create -o "$T/s3" --exhibit phone.E01 --no-tar
expect_rc 0
check "--exhibit phone.E01: all messages" [ "$(lines "$T/s3/exhibits/phone.E01/reports/messages.jsonl")" = "$(q 'select count(distinct source) from messages')" ]
F=2024-02-13T10:00:00Z
U=2024-02-13T12:00:00Z
run etk-bundle --case "$S" create -o "$T/s4" --from "$F" --to "$U" --no-tar
expect_rc 0
n=$(q "select count(distinct source) from messages where time is not null and julianday(time) >= julianday('$F') and julianday(time) < julianday('$U')")
check "--from/--to: $n messages as sqlite3 counts" [ "$(lines "$T/s4/exhibits/phone.E01/reports/messages.jsonl")" = "$n" ]
check "--from/--to: fewer than all" [ "$n" -lt "$(q 'select count(distinct source) from messages')" ]
n=$(q "select count(distinct source) from calls where julianday(time) >= julianday('$F') and julianday(time) < julianday('$U')")
check "--from/--to: $n calls" [ "$(lines "$T/s4/exhibits/phone.E01/reports/calls.jsonl")" = "$n" ]
check "--from/--to: contacts have no time" [ "$(lines "$T/s4/exhibits/phone.E01/reports/contacts.jsonl")" = 0 ]
run etk-bundle --case "$S" create -o "$T/s5" --party 07700900456 --country GB --no-tar
expect_rc 0
n=$(q "select count(distinct source) from messages where replace(replace(coalesce(sender,'')||recipients,' ',''),'+44','0') like '%07700900456%' or replace(coalesce(sender,'')||recipients,' ','') like '%447700900456%'")
check "--party: $n messages as sqlite3 counts" [ "$(lines "$T/s5/exhibits/phone.E01/reports/messages.jsonl")" = "$n" ]
check "--party: some, not all" [ "$n" -gt 0 ] && [ "$n" -lt "$(q 'select count(distinct source) from messages')" ]
n=$(q "select count(distinct source) from calls where replace(number,' ','') like '%7700900456%'")
check "--party: $n calls" [ "$(lines "$T/s5/exhibits/phone.E01/reports/calls.jsonl")" = "$n" ]
q "select source from messages order by id limit 3" >"$T/locs"
q "select '{\"locator\":\"' || locator || '\"}' from images order by id limit 2" >>"$T/locs"
run etk-bundle --case "$S" create -o "$T/s6" --locators "$T/locs" --no-tar
expect_rc 0
check "--locators: 3 messages" [ "$(lines "$T/s6/exhibits/phone.E01/reports/messages.jsonl")" = 3 ]
check "--locators: 2 images (JSON lines)" [ "$(lines "$T/s6/exhibits/phone.E01/reports/images.jsonl")" = 2 ]
check "--locators: no calls" [ "$(lines "$T/s6/exhibits/phone.E01/reports/calls.jsonl")" = 0 ]
check "--locators: sha256 in MANIFEST" jqe -e '.selection.locators_sha256 == "'"$(sha <"$T/locs")"'"' "$T/s6/MANIFEST.json"
check "selection bundles verify (sums)" sh -c "cd '$T/s6' && sha256sum --quiet --strict -c SHA256SUMS"

# ---- redaction ----
R=$T/case2
cp -a "$R" "$T/case5"
PIC=$(q "select sha256 from images where locator like '%PART_%' limit 1")
printf 'category third-party personal data\nbasis CPIA test not met\ndecided-by DC 1 Smith\nregion %s 0 0 20 20\n' "$PIC" >"$T/rules"
mkdir "$T/r1d" "$T/r2d"
run etk-bundle --case "$R" create -o "$T/r1d/B" --redact-party +447700900123 \
    --country GB --category "third-party personal data" --basis "CPIA test not met" \
    --decided-by "DC 1 Smith" --approved-by "DS 2 Jones" --redact "$T/rules"
expect_rc 0
# every spelling of Alice Smith's identifiers, and her name
for s in +447700900123 447700900123 07700900123 "07700 900123" "+44 7700 900123" \
    "+44 (0)7700 900123" 7700900123 "7700 900123" 00447700900123 \
    "Alice Smith" "alice smith" "ALICE SMITH" alice.smith@example.com \
    ALICE.SMITH@EXAMPLE.COM "020 7946 0123" 02079460123 "+44 20 7946 0123" \
    442079460123 447700900123@s.whatsapp.net; do
	check "no '$s' in OUT" sh -c "! grep -r -F -a -i -q -e '$s' '$T/r1d/B'"
	check "no '$s' in OUT.tar" sh -c "! grep -F -a -i -q -e '$s' '$T/r1d/B.tar'"
done
check "the unredacted bundle held them" grep -r -F -q -e "+447700900123" "$R/exhibits"
check "tokens in the reports" grep -q '\[REDACTED-P1\]' "$T/r1d/B/exhibits/phone.E01/reports/messages.jsonl"
check "redaction records" [ "$(lines "$T/r1d/B/redaction/redactions.jsonl")" -gt 0 ]
check "MANIFEST counts.redactions" [ "$(jq .counts.redactions "$T/r1d/B/MANIFEST.json")" = "$(lines "$T/r1d/B/redaction/redactions.jsonl")" ]
check "records complete" sh -c "jq -e 'select(.category == null or .basis == null or .decided_by == null or (.commitment | test(\"^[0-9a-f]{64}\$\") | not))' '$T/r1d/B/redaction/redactions.jsonl' | grep -q . && exit 1 || exit 0"
check "approved-by recorded" jqe -s -e 'map(select(.rule == "P1")) | length > 0 and all(.approved_by == "DS 2 Jones")' "$T/r1d/B/redaction/redactions.jsonl"
SALTS=$(ls "$R"/disclosure/*/salts.jsonl)
check "salts.jsonl is 0600" sh -c "[ \"\$(stat -c %a '$SALTS')\" = 600 ]"
check "salts are lab-held, not in the bundle" sh -c "! grep -r -q -F \"\$(head -n 1 '$SALTS' | jq -r .salt)\" '$T/r1d/B'"
# every commitment checks with printf '%s%s' SALT VALUE | sha256sum
bad=0
jq -r '[.id, .commitment] | @tsv' "$T/r1d/B/redaction/redactions.jsonl" >"$T/commits"
while IFS="$(printf '\t')" read -r id commit; do
	salt=$(jq -r "select(.id == \"$id\") | .salt" "$SALTS")
	value=$(jq -r "select(.id == \"$id\") | .value" "$SALTS")
	[ "$(printf '%s%s' "$salt" "$value" | sha)" = "$commit" ] || bad=$((bad + 1))
done <"$T/commits"
check "every commitment checks ($(wc -l <"$T/commits") records)" [ "$bad" = 0 ]
check "unredacted renderings held with their sha256" sh -c "jq -r '.unredacted_held_as | \"\\(.sha256)  \\(.path)\"' '$T/r1d/B/redaction/redactions.jsonl' | sort -u | \
    sed 's|  disclosure/|  disclosure/|' | (cd '$R' && sha256sum --quiet -c -)"
check "export entry argv withholds the party" sh -c "tail -n 2 '$R/journal.jsonl' | head -n 1 | grep -q 'WITHHELD:[0-9a-f]\{64\}' && ! tail -n 2 '$R/journal.jsonl' | grep -q 7700900123"
# the region rule: re-rendered, different bytes, no Exif
RP=$(ls "$T/r1d/B"/exhibits/phone.E01/extracted/$(printf %.16s "$PIC")_* 2>/dev/null | head -1)
check "region: picture present" test -n "$RP"
check "region: re-rendered (other sha256)" sh -c "[ \"\$(sha256sum <'$RP' | cut -c1-64)\" != '$PIC' ]"
check "region: no Exif left" sh -c "! grep -a -q Exif '$RP'"
check "region: a record for it" jqe -s -e 'map(select(.region != null)) | length == 1 and .[0].region.w == 20' "$T/r1d/B/redaction/redactions.jsonl"
check "redacted bundle sums" sh -c "cd '$T/r1d/B' && sha256sum --quiet --strict -c SHA256SUMS"
# the same case and options again give the same bytes
run etk-bundle --case "$T/case5" create -o "$T/r2d/B" --redact-party +447700900123 \
    --country GB --category "third-party personal data" --basis "CPIA test not met" \
    --decided-by "DC 1 Smith" --approved-by "DS 2 Jones" --redact "$T/rules"
expect_rc 0
check "redacted bundles are deterministic" cmp -s "$T/r1d/B.tar" "$T/r2d/B.tar"

# field and time rules, and a journal line holding the party's number
W=$T/case6
cp -a "$C" "$W"
etk-custody --case "$W" note "rang the witness on 07700 900123" >/dev/null 2>&1
wl=$(wc -l <"$W/journal.jsonl")
printf 'field messages.body\ntime 2024-02-13T10:00:00Z 2024-02-13T10:30:00Z\n' >"$T/rules2"
run etk-bundle --case "$W" create -o "$T/w1" --redact-party 07700900123 --country GB --redact "$T/rules2"
expect_rc 0
check "no spelling left (journal note too)" sh -c "! grep -r -F -a -q -e '900123' '$T/w1' '$T/w1.tar'"
check "journal line withheld with a commitment" grep -q '\[WITHHELD:[0-9a-f]\{64\}\]' "$T/w1/custody/journal.jsonl"
check "its record names the line and the original's sha256" jqe -s -e 'map(select(.line == '"$wl"')) | length == 1 and .[0].original_sha256 == "'"$(sed -n "${wl}p" "$W/journal.jsonl" | sha)"'"' "$T/w1/redaction/redactions.jsonl"
check "the next line's prev is the original's" sh -c "[ \"\$(sed -n '$((wl + 1))p' '$T/w1/custody/journal.jsonl' | jq -r .prev)\" = \"\$(sed -n '${wl}p' '$W/journal.jsonl' | sha256sum | cut -c1-64)\" ]"
n=$(q "select count(distinct source) from messages where julianday(time) >= julianday('2024-02-13T10:00:00Z') and julianday(time) < julianday('2024-02-13T10:30:00Z')")
check "time rule: $n stubs" [ "$(grep -c '"redacted":"\[REDACTED-T1\]"' "$T/w1/exhibits/phone.E01/reports/messages.jsonl")" = "$n" ]
check "time rule: as many lines as records" [ "$(lines "$T/w1/exhibits/phone.E01/reports/messages.jsonl")" = "$(q 'select count(distinct source) from messages')" ]
check "field rule: no body left" sh -c "! grep -q '\"body\":\"[^[]' '$T/w1/exhibits/phone.E01/reports/messages.jsonl'"
check "field rule: bodies are F1" grep -q '"body":"\[REDACTED-F1\]"' "$T/w1/exhibits/phone.E01/reports/messages.jsonl"
check "the bundle's sums" sh -c "cd '$T/w1' && sha256sum --quiet --strict -c SHA256SUMS"

# ---- P-256 examiner key ----
P=$T/p256
check "a P-256 case" mkcase "$P" p256
run etk-bundle --case "$P" create -o "$T/p1"
expect_rc 0
check "SHA256SUMS.p256.sig verifies with openssl dgst" sh -c "cd '$T/p1' && openssl dgst -sha256 \
    -verify keys/examiner.pub.pem -signature SHA256SUMS.p256.sig SHA256SUMS >/dev/null"

# ---- a TSA token ----
. "$ETK_SRC/tests/tsa/lib.sh"
if tsa_start "$T/tsa"; then
	run etk-bundle --case "$S" create -o "$T/t1" --tsa-url "$TSA_URL" --tsa-ca "$TSA_DIR/tsa-chain.pem"
	expect_rc 0
	check "SHA256SUMS.tsr verifies with openssl ts" sh -c "cd '$T/t1' && openssl ts -verify -data SHA256SUMS \
	    -in SHA256SUMS.tsr -CAfile keys/tsa-chain.pem >/dev/null 2>&1"
	check "MANIFEST timestamped" jqe -e '.timestamped == true' "$T/t1/MANIFEST.json"
	run etk-bundle --case "$S" create -o "$T/t2" --tsq-out "$T/t2.tsq" --no-tar
	expect_rc 0
	check "--tsq-out writes a query" sh -c "openssl ts -query -in '$T/t2.tsq' -text | grep -qi 'sha256'"
	tsa_stop
else
	fail "the test TSA did not start"
fi

finish

#!/bin/sh
# etk-custody keygen, transfer, multi-signer seals, structured notes,
# verify (and what each tamper looks like to it), RFC 3161 time-stamps
# (a test TSA from tests/tsa), manifest.  Every signature and token is
# also checked with the openssl command line, as CUSTODY.md §6c says.
. "$ETK_SRC/tests/cli/lib.sh"

sha() {
	sha256sum | cut -c1-64
}

# The key id of a PEM key, by openssl alone.
openssl_keyid() {
	case $(head -n 1 "$1") in
	*PRIVATE*) openssl pkey -in "$1" -pubout -outform DER ;;
	*) openssl pkey -pubin -in "$1" -outform DER ;;
	esac 2>/dev/null | sha
}

# Re-link the chain after an edit (what a forger would do): each prev
# becomes the SHA-256 of the line before it as it now is.
rechain() {
	_f=$1
	_n=$(wc -l <"$_f")
	: >"$_f.new"
	_prev=0000000000000000000000000000000000000000000000000000000000000000
	_i=1
	while [ "$_i" -le "$_n" ]; do
		sed -n "${_i}p" "$_f" |
		    sed "s/\"prev\":\"[0-9a-f]*\"/\"prev\":\"$_prev\"/" >>"$_f.new"
		_prev=$(tail -n 1 "$_f.new" | sha)
		_i=$((_i + 1))
	done
	mv "$_f.new" "$_f"
}

# sigok KEYTYPE PUB PREFIX SIG: the openssl check of one seal signature.
sigok() {
	if [ "$1" = p256 ]; then
		openssl dgst -sha256 -verify "$2" -signature "$4" "$3" >/dev/null 2>&1
	else
		openssl pkeyutl -verify -rawin -pubin -inkey "$2" -in "$3" \
		    -sigfile "$4" >/dev/null 2>&1
	fi
}

# ---- keygen ----
run etk-custody keygen -o "$T/bob.key" --pub "$T/bob.pub"
expect_rc 0
expect_err_empty
BOB=$(cat "$T/out")
check "keygen prints the key id" sh -c "echo '$BOB' | grep -qx 'sha256:[0-9a-f]\{64\}'"
check "key id = sha256 of the DER SPKI (private)" test "$BOB" = "sha256:$(openssl_keyid "$T/bob.key")"
check "key id = sha256 of the DER SPKI (public)" test "$BOB" = "sha256:$(openssl_keyid "$T/bob.pub")"
check "ed25519 by default" sh -c "openssl pkey -in '$T/bob.key' -noout -text 2>/dev/null | grep -q ED25519"
check "private key mode 0600" test "$(stat -c %a "$T/bob.key")" = 600
run etk-custody keygen -o "$T/carol.key" --type p256
expect_rc 0
CAROL=$(cat "$T/out")
check "p256 key" sh -c "openssl pkey -in '$T/carol.key' -noout -text 2>/dev/null | grep -q 'prime256v1\|P-256'"
check "p256 key id" test "$CAROL" = "sha256:$(openssl_keyid "$T/carol.key")"
run etk-custody keygen -o "$T/carol.key"
expect_rc 1
expect_err_oneline "etk-custody: "
expect_err_has "carol.key' exists"
run etk-custody keygen -o "$T/x.key" --pub "$T/bob.pub"
expect_rc 1
check "a refused keygen leaves no private key" test ! -e "$T/x.key"
run etk-custody keygen -o "$T/x.key" --type rsa
expect_rc 2
expect_err_has "bad --type 'rsa'"
run etk-custody keygen
expect_rc 2
expect_err_has "no -o FILE"
run etk-custody --json keygen -o "$T/dave.key"
expect_rc 0
expect_out_has '"record":"key","id":"sha256:'
DAVE=$(sed -n 's/.*"id":"\(sha256:[0-9a-f]*\)".*/\1/p' "$T/out" | head -n 1)

C=$T/case
etk-init "$C" --case OP-2 --examiner "A. Examiner" --agency "North Lab" \
    >/dev/null 2>&1 || fail "etk-init"
J=$C/journal.jsonl
EX=$(sed -n 's/.*"key_id":"\(sha256:[0-9a-f]*\)".*/\1/p' "$C/case.json")
check "examiner key id" sh -c "echo '$EX' | grep -qx 'sha256:[0-9a-f]\{64\}'"
ex16=$(echo "$EX" | cut -c8-23)
bob16=$(echo "$BOB" | cut -c8-23)
carol16=$(echo "$CAROL" | cut -c8-23)

# ---- structured notes ----
run etk-custody --case "$C" note --type seize --exhibit EX-001 \
    --item "Samsung SM-G991B, IMEI 350000000000001" --location "12 High St" \
    --authority "PACE s.19" --bag-seal A123 --seal-intact yes "seized from the kitchen table"
expect_rc 0
expect_out_has "seq: 2"
check "seize entry, fields in order" grep -q '"type":"seize",.*"actor":"sha256:[0-9a-f]*","exhibit":"EX-001","item":"Samsung SM-G991B, IMEI 350000000000001","location":"12 High St","authority":"PACE s.19","bag_seal":"A123","bag_seal_intact":true,"note":"seized from the kitchen table"}$' "$J"
run etk-custody --case "$C" note --type store --exhibit EX-001 --location "store B"
expect_rc 0
check "a note without text" sh -c "tail -n 1 '$J' | grep -q '\"type\":\"store\",.*\"exhibit\":\"EX-001\",\"location\":\"store B\"}$'"
run etk-custody --case "$C" note --type frobnicate x
expect_rc 2
expect_err_has "bad --type 'frobnicate'"
run etk-custody --case "$C" note --seal-intact maybe x
expect_rc 2
expect_err_has "expected yes or no"
run etk-custody --case "$C" note --from x y
expect_rc 2
expect_err_has "'--from' is for 'transfer' only"

# ---- transfer: examiner -> Bob (Ed25519), Bob -> Carol (P-256) ----
run etk-custody --case "$C" transfer --exhibit EX-001 --item "phone" \
    --from "A. Examiner" --from-role examiner --to "DC Bob" \
    --to-role "exhibits officer" --to-org "North Police" --to-auth "PC 1234" \
    --to-key "$T/bob.key" --location "store B" --reason "to storage" \
    --authority "PACE s.22" --bag-seal A123 --seal-intact yes \
    --new-bag-seal A456 --note "handed over at the front desk"
expect_rc 0
expect_err_empty
expect_out_has "seq: 4"
expect_out_has "seq: 5"
expect_out_has "signature: seals/000005.$ex16.sig"
expect_out_has "signature: seals/000005.$bob16.sig"
expect_out_has "head: $(tail -n 1 "$J" | sha)"
check "transfer entry, fields in order" grep -q '^{"v":"dft-custody/1","seq":4,"prev":"[0-9a-f]*","type":"transfer","ts":"[^"]*","actor":"'"$EX"'","exhibit":"EX-001","item":"phone","from":{"name":"A. Examiner","role":"examiner","key":"'"$EX"'"},"to":{"name":"DC Bob","role":"exhibits officer","org":"North Police","auth_ref":"PC 1234","key":"'"$BOB"'"},"location":"store B","reason":"to storage","authority":"PACE s.22","bag_seal":"A123","bag_seal_intact":true,"new_bag_seal":"A456","note":"handed over at the front desk","keys":\[{"id":"'"$BOB"'","type":"ed25519","name":"DC Bob","role":"exhibits officer","org":"North Police","pub_pem_sha256":"[0-9a-f]\{64\}","file":"keys/custodian-'"$bob16"'.pub.pem"}\]}$' "$J"
check "seal entry lists both signers" grep -q '^{"v":"dft-custody/1","seq":5,.*"type":"seal",.*"signers":\["'"$EX"'","'"$BOB"'"\],"sig_files":\["seals/000005.'"$ex16"'.sig","seals/000005.'"$bob16"'.sig"\],"covers":5}$' "$J"
check "Bob's public key copied into the case" cmp -s "$C/keys/custodian-$bob16.pub.pem" "$T/bob.pub"
check "pub_pem_sha256 is the key file's sha256" grep -q "\"pub_pem_sha256\":\"$(sha <"$C/keys/custodian-$bob16.pub.pem")\"" "$J"
head -n 5 "$J" >"$T/p5"
check "openssl: examiner's signature on seal 5" sigok ed25519 "$C/keys/examiner.pub.pem" "$T/p5" "$C/seals/000005.$ex16.sig"
check "openssl: Bob's signature on seal 5" sigok ed25519 "$C/keys/custodian-$bob16.pub.pem" "$T/p5" "$C/seals/000005.$bob16.sig"
check "openssl: Bob's signature is not the examiner's" sh -c "! openssl pkeyutl -verify -rawin -pubin -inkey '$C/keys/examiner.pub.pem' -in '$T/p5' -sigfile '$C/seals/000005.$bob16.sig' >/dev/null 2>&1"

run etk-custody --case "$C" transfer --exhibit EX-001 --from "DC Bob" \
    --from-key "$T/bob.key" --to "C. Analyst" --to-key "$T/carol.key" \
    --location "lab 2" --bag-seal A456 --seal-intact no
expect_rc 0
expect_out_has "signature: seals/000007.$bob16.sig"
expect_out_has "signature: seals/000007.$carol16.sig"
check "a known key is not listed again" sh -c "sed -n 6p '$J' | grep -q '\"keys\":\[{\"id\":\"$CAROL\",\"type\":\"p256\"' && ! sed -n 6p '$J' | grep -q '\"id\":\"$BOB\"'"
check "from is Bob's key" sh -c "sed -n 6p '$J' | grep -q '\"from\":{\"name\":\"DC Bob\",\"key\":\"$BOB\"}'"
check "bag seal not intact" sh -c "sed -n 6p '$J' | grep -q '\"bag_seal_intact\":false'"
head -n 7 "$J" >"$T/p7"
check "openssl: Bob's signature on seal 7" sigok ed25519 "$C/keys/custodian-$bob16.pub.pem" "$T/p7" "$C/seals/000007.$bob16.sig"
check "openssl dgst: Carol's P-256 signature on seal 7" sigok p256 "$C/keys/custodian-$carol16.pub.pem" "$T/p7" "$C/seals/000007.$carol16.sig"
check "openssl dgst: not over seal 5's prefix" sh -c "! openssl dgst -sha256 -verify '$C/keys/custodian-$carol16.pub.pem' -signature '$C/seals/000007.$carol16.sig' '$T/p5' >/dev/null 2>&1"

# Refusals: nothing appended.
n=$(wc -l <"$J")
run etk-custody --case "$C" transfer --exhibit EX-001 --from A --to B
expect_rc 2
expect_err_has "--to-key are required"
run etk-custody --case "$C" transfer --exhibit EX-001 --from A --to B --to-key "$C/keys/examiner.key"
expect_rc 1
expect_err_oneline "etk-custody: "
expect_err_has "same key"
run etk-custody --case "$C" transfer --exhibit EX-001 --from A --to B --to-key "$T/nonexistent.key"
expect_rc 1
expect_err_has "nonexistent.key"
run etk-custody --case "$C" transfer --exhibit EX-001 --from A --to B --to-key "$T/bob.pub"
expect_rc 1
check "refused transfers appended nothing" test "$(wc -l <"$J")" = "$n"

# ---- seal with a co-signer ----
run etk-custody --case "$C" seal --cosign "$T/dave.key" --note "peer reviewed"
expect_rc 0
expect_out_has "signature: seals/000008.$ex16.sig"
dave16=$(echo "$DAVE" | cut -c8-23)
expect_out_has "signature: seals/000008.$dave16.sig"
check "a new co-signer's key is listed in the seal line" sh -c "sed -n 8p '$J' | grep -q '\"covers\":8,\"note\":\"peer reviewed\",\"keys\":\[{\"id\":\"$DAVE\",\"type\":\"ed25519\",\"name\":null,\"role\":\"co-signer\"'"
head -n 8 "$J" >"$T/p8"
check "openssl: co-signer's signature" sigok ed25519 "$C/keys/custodian-$dave16.pub.pem" "$T/p8" "$C/seals/000008.$dave16.sig"
run etk-custody --case "$C" seal --cosign "$C/keys/examiner.key"
expect_rc 1
expect_err_has "signs twice"

# ---- log ----
run etk-custody --case "$C" log
expect_rc 0
expect_out_has " seize "
expect_out_has "EX-001 at 12 High St, seal A123 intact: seized from the kitchen table"
expect_out_has " transfer "
expect_out_has "EX-001 A. Examiner -> DC Bob at store B, seal A123 intact, resealed A456"
expect_out_has "EX-001 DC Bob -> C. Analyst at lab 2, seal A456 NOT intact"
expect_out_has "covers lines 1-5, 2 signers"

# ---- verify ----
run etk-custody --case "$C" verify
expect_rc 0
expect_err_empty
expect_out_has "chain journal.jsonl: ok (8 lines)"
expect_out_has "seal 5 signature seals/000005.$ex16.sig: ok"
expect_out_has "seal 5 signature seals/000005.$bob16.sig: ok"
expect_out_has "seal 7 signature seals/000007.$carol16.sig: ok"
expect_out_has "seal 8 signature seals/000008.$dave16.sig: ok"
expect_out_has "seals: 3, failed checks: 0"
run etk-custody --case "$C" --json verify
expect_rc 0
expect_out_has '{"record":"check","what":"signature","seal":7,"signer":"'"$CAROL"'","file":"seals/000007.'"$carol16"'.sig","result":"ok"'
check "etk-verify agrees" sh -c "etk-verify -q '$C' >/dev/null 2>&1"

# tamper: one byte in the journal
cp -R "$C" "$T/t1"
sed -i '3s/store B/store C/' "$T/t1/journal.jsonl"
run etk-custody --case "$T/t1" verify
expect_rc 4
expect_err_oneline "etk-custody: "
expect_err_has "journal.jsonl: line 4: prev does not match line 3"
expect_out_has "chain journal.jsonl: FAILED"
expect_out_has "seal 5 signature seals/000005.$ex16.sig: FAILED: signature does not verify"
expect_out_has "seal 5 signature seals/000005.$bob16.sig: FAILED"

# tamper: the two signatures of the transfer seal swapped
cp -R "$C" "$T/t2"
mv "$T/t2/seals/000005.$ex16.sig" "$T/t2/x"
mv "$T/t2/seals/000005.$bob16.sig" "$T/t2/seals/000005.$ex16.sig"
mv "$T/t2/x" "$T/t2/seals/000005.$bob16.sig"
run etk-custody --case "$T/t2" verify
expect_rc 4
expect_err_oneline "etk-custody: "
expect_err_has "seal 5: seals/000005.$ex16.sig: signature does not verify"
expect_out_has "seal 5 signature seals/000005.$bob16.sig: FAILED"
expect_out_has "seal 7 signature seals/000007.$bob16.sig: ok"
expect_out_has "chain journal.jsonl: ok"

# tamper: an older seal's signature under a newer seal's name (replay)
cp -R "$C" "$T/t3"
cp "$T/t3/seals/000005.$bob16.sig" "$T/t3/seals/000007.$bob16.sig"
run etk-custody --case "$T/t3" verify
expect_rc 4
expect_err_has "seal 7: seals/000007.$bob16.sig: signature does not verify"
expect_out_has "seal 5 signature seals/000005.$bob16.sig: ok"
expect_out_has "seal 8 signature seals/000008.$ex16.sig: ok"

# tamper: a signer the journal never listed (keys[] removed, chain and
# signatures redone by openssl, as a forger holding the keys would)
cp -R "$C" "$T/t4"
head -n 5 "$T/t4/journal.jsonl" >"$T/t4/j5"
sed -i '4s/,"keys":\[{[^]]*}\]}$/}/' "$T/t4/j5"
rechain "$T/t4/j5"
mv "$T/t4/j5" "$T/t4/journal.jsonl"
openssl pkeyutl -sign -rawin -inkey "$T/t4/keys/examiner.key" -in "$T/t4/journal.jsonl" \
    -out "$T/t4/seals/000005.$ex16.sig" 2>/dev/null
openssl pkeyutl -sign -rawin -inkey "$T/bob.key" -in "$T/t4/journal.jsonl" \
    -out "$T/t4/seals/000005.$bob16.sig" 2>/dev/null
check "the forged journal chains" sh -c "etk-custody --case '$T/t4' log >/dev/null 2>&1"
check "openssl accepts the forged signature" sigok ed25519 "$T/bob.pub" "$T/t4/journal.jsonl" "$T/t4/seals/000005.$bob16.sig"
run etk-custody --case "$T/t4" verify
expect_rc 4
expect_err_has "seal 5: seals/000005.$bob16.sig: signer $BOB is not in the journal's key list"
expect_out_has "seal 5 signature seals/000005.$ex16.sig: ok"
expect_out_has "seal 5 key seals/000005.$bob16.sig: FAILED"

# tamper: a custodian's key file replaced
cp -R "$C" "$T/t5"
cp "$T/t5/keys/custodian-$carol16.pub.pem" "$T/t5/keys/custodian-$bob16.pub.pem"
run etk-custody --case "$T/t5" verify
expect_rc 4
expect_err_has "seal 5: keys/custodian-$bob16.pub.pem: sha256 differs from the journal's pub_pem_sha256"
expect_out_has "seal 7 key keys/custodian-$bob16.pub.pem: FAILED"
expect_out_has "seal 7 signature seals/000007.$carol16.sig: ok"

# a missing signature
cp -R "$C" "$T/t6"
rm "$T/t6/seals/000007.$carol16.sig"
run etk-custody --case "$T/t6" verify
expect_rc 4
expect_err_has "seal 7: seals/000007.$carol16.sig: missing"

# ---- RFC 3161 time-stamps with the test TSA ----
if [ -f "$ETK_SRC/tests/tsa/tsa-server.py" ] && command -v python3 >/dev/null 2>&1 &&
    sh "$ETK_SRC/tests/tsa/make-tsa.sh" "$T/tsa" >/dev/null 2>&1; then
	rm -f "$T/port"
	python3 "$ETK_SRC/tests/tsa/tsa-server.py" "$T/tsa" "$T/port" 2>/dev/null &
	tsapid=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	URL="http://127.0.0.1:$(cat "$T/port")"

	run etk-custody --case "$C" seal --tsa-url "$URL/tsa" --tsa-ca "$T/tsa/tsa-chain.pem" --note "stamped"
	expect_rc 0
	expect_err_empty
	expect_out_has "seq: 9"
	expect_out_has "timestamp: seals/000009.tsr"
	check "seal line names its token" sh -c "sed -n 9p '$J' | grep -q '\"sig_files\":\[\"seals/000009.$ex16.sig\"\],\"tsr\":\"seals/000009.tsr\",\"covers\":9,'"
	check "TSA chain kept in the case" cmp -s "$C/keys/tsa-chain.pem" "$T/tsa/tsa-chain.pem"
	head -n 9 "$J" >"$T/p9"
	check "openssl ts -verify: token over lines 1-9" sh -c "openssl ts -verify -data '$T/p9' -in '$C/seals/000009.tsr' -CAfile '$T/tsa/tsa-chain.pem' 2>/dev/null | grep -q 'Verification: OK'"
	check "openssl ts -verify: not over lines 1-8" sh -c "! openssl ts -verify -data '$T/p8' -in '$C/seals/000009.tsr' -CAfile '$T/tsa/tsa-chain.pem' >/dev/null 2>&1"
	run etk-custody --case "$C" seal --tsa-ca "$T/tsa/other-ca.pem"
	expect_rc 1
	expect_err_has "tsa-chain.pem' exists with other contents"

	# A TSA that fails: the seal stands (signed), exit 3, the query kept.
	run etk-custody --case "$C" seal --tsa-url "$URL/bad"
	expect_rc 3
	expect_err_oneline "etk-custody: "
	expect_err_has "seal 10 stands without a time-stamp"
	expect_out_has "query: seals/000010.tsq"
	check "the seal was signed" test -s "$C/seals/000010.$ex16.sig"
	check "no token" test ! -e "$C/seals/000010.tsr"
	check "the query is a SHA-256 query" sh -c "openssl ts -query -in '$C/seals/000010.tsq' -text 2>/dev/null | grep -qi 'sha256'"
	run etk-custody --case "$C" verify
	expect_rc 0
	expect_out_has "seal 10 timestamp seals/000010.tsr: pending: no token yet"
	expect_out_has "seal 9 timestamp seals/000009.tsr: ok ("
	expect_out_has "pending time-stamps: 1"

	# The reply obtained offline: one for another prefix is refused.
	openssl ts -query -data "$T/p9" -sha256 -cert -out "$T/q9.tsq" 2>/dev/null
	openssl ts -reply -config "$T/tsa/tsa.cnf" -queryfile "$T/q9.tsq" -out "$T/r9.tsr" 2>/dev/null
	run etk-custody --case "$C" timestamp --seal 10 --tsa-reply "$T/r9.tsr"
	expect_rc 4
	expect_err_oneline "etk-custody: "
	expect_err_has "seal 10"
	check "a refused reply is not attached" test ! -e "$C/seals/000010.tsr"
	openssl ts -reply -config "$T/tsa/tsa.cnf" -queryfile "$C/seals/000010.tsq" -out "$T/r10.tsr" 2>/dev/null
	run etk-custody --case "$C" timestamp --tsa-reply "$T/r10.tsr"
	expect_rc 0
	expect_out_has "seq: 11"
	check "token attached" cmp -s "$C/seals/000010.tsr" "$T/r10.tsr"
	check "attach recorded in a note" sh -c "tail -n 1 '$J' | grep -q '\"type\":\"note\",.*\"seal\":10,\"tsr\":\"seals/000010.tsr\",\"tsr_sha256\":\"$(sha <"$T/r10.tsr")\"'"
	head -n 10 "$J" >"$T/p10"
	check "openssl ts -verify: attached token" sh -c "openssl ts -verify -data '$T/p10' -in '$C/seals/000010.tsr' -CAfile '$T/tsa/tsa-chain.pem' 2>/dev/null | grep -q 'Verification: OK'"
	run etk-custody --case "$C" timestamp --tsa-reply "$T/r10.tsr"
	expect_rc 1
	expect_err_has "no seal is waiting"
	run etk-custody --case "$C" timestamp --seal 10 --tsa-reply "$T/r10.tsr"
	expect_rc 1
	expect_err_has "already has its token"
	run etk-custody --case "$C" verify
	expect_rc 0
	expect_out_has "seal 10 timestamp seals/000010.tsr: ok ("
	expect_out_has "pending time-stamps: 0"

	# --tsq-out, then timestamp --tsa-url later.
	run etk-custody --case "$C" seal --tsq-out "$T/q12.tsq"
	expect_rc 0
	expect_out_has "query: seals/000012.tsq"
	check "query written out" cmp -s "$T/q12.tsq" "$C/seals/000012.tsq"
	run etk-custody --case "$C" seal --tsq-out "$T/q12.tsq"
	expect_rc 1
	expect_err_has "q12.tsq' exists"
	run etk-custody --case "$C" timestamp --seal 12 --tsa-url "$URL/tsa"
	expect_rc 0
	head -n 12 "$J" >"$T/p12"
	check "openssl ts -verify: token got later" sh -c "openssl ts -verify -data '$T/p12' -in '$C/seals/000012.tsr' -CAfile '$T/tsa/tsa-chain.pem' 2>/dev/null | grep -q 'Verification: OK'"
	run etk-custody --case "$C" timestamp --seal 2 --tsa-url "$URL/tsa"
	expect_rc 1
	expect_err_has "line 2 is not a seal"
	run etk-custody --case "$C" log
	expect_out_has "covers lines 1-12, 1 signer, time-stamped"

	# tamper: an older token under a newer seal's name; a wrong anchor
	cp -R "$C" "$T/t7"
	cp "$T/t7/seals/000009.tsr" "$T/t7/seals/000012.tsr"
	run etk-custody --case "$T/t7" verify
	expect_rc 4
	expect_err_has "seal 12: seals/000012.tsr:"
	expect_out_has "seal 9 timestamp seals/000009.tsr: ok"
	run etk-custody --case "$C" verify --tsa-ca "$T/tsa/other-ca.pem"
	expect_rc 4
	expect_out_has "seal 9 timestamp seals/000009.tsr: FAILED"
	cp -R "$C" "$T/t8"
	rm "$T/t8/seals/000012.tsr" "$T/t8/seals/000012.tsq"
	run etk-custody --case "$T/t8" verify
	expect_rc 4
	expect_err_has "seal 12: seals/000012.tsr: missing"

	# offline: seal --tsq-out, the query taken to a TSA, seal --tsa-reply
	cp -R "$C" "$T/t9"
	run etk-custody --case "$T/t9" seal --tsq-out "$T/q9o.tsq"
	expect_rc 0
	n9=$(wc -l <"$T/t9/journal.jsonl")
	s9=$(printf '%06d' "$n9")
	seals9=$(grep -c '"type":"seal"' "$T/t9/journal.jsonl")
	openssl ts -reply -config "$T/tsa/tsa.cnf" -queryfile "$T/q9o.tsq" -out "$T/r9o.tsr" 2>/dev/null
	run etk-custody --case "$T/t9" seal --tsa-reply "$T/r9o.tsr"
	expect_rc 0
	check "seal --tsa-reply makes no new seal" test "$(grep -c '"type":"seal"' "$T/t9/journal.jsonl")" = "$seals9"
	check "seal --tsa-reply stores the token" cmp -s "$T/r9o.tsr" "$T/t9/seals/$s9.tsr"
	head -n "$n9" "$T/t9/journal.jsonl" >"$T/p9o"
	check "openssl ts -verify: offline token" sh -c "openssl ts -verify -data '$T/p9o' -in '$T/t9/seals/$s9.tsr' -CAfile '$T/tsa/tsa-chain.pem' 2>/dev/null | grep -q 'Verification: OK'"
	run etk-custody --case "$T/t9" verify
	expect_rc 0
	run etk-custody --case "$T/t9" seal --tsa-reply "$T/r9o.tsr" --note x
	expect_rc 2
	expect_err_has "takes only --tsa-ca"

	kill "$tsapid" 2>/dev/null
	wait "$tsapid" 2>/dev/null
else
	echo "note: no test TSA (tests/tsa, python3 or openssl missing): time-stamp checks skipped"
fi

# ---- usage ----
run etk-custody --case "$C" timestamp
expect_rc 2
expect_err_has "give one of --tsa-url and --tsa-reply"
run etk-custody --case "$C" timestamp --tsa-url x --tsa-reply y
expect_rc 2
run etk-custody --case "$C" timestamp --seal x --tsa-reply y
expect_rc 2
expect_err_has "bad seal number 'x'"
run etk-custody --case "$C" --cosign x seal
expect_rc 2
expect_err_has "goes after the subcommand"
run etk-custody --case "$C" verify extra
expect_rc 2
run etk-custody verify
expect_rc 1
expect_err_has "no case"

# ---- manifest (etk_manifest_build, lib/manifest) ----
run etk-custody --case "$C" manifest --upto 0
expect_rc 2
run etk-custody --case "$C" manifest --format html --upto x
expect_rc 2
run etk-custody --case "$C" manifest
if [ "$RC" -eq 1 ] && grep -q "not built yet" "$T/err"; then
	echo "note: etk_manifest_build not built yet: manifest output checks skipped"
else
	expect_rc 0
	expect_out_has '"format":"etk-manifest/1"'
	run etk-custody --case "$C" manifest -o "$T/m.json"
	expect_rc 0
	expect_out_empty
	check "manifest file written" test -s "$T/m.json"
	run etk-custody --case "$C" manifest -o "$T/m.json"
	expect_rc 1
	expect_err_oneline "etk-custody: "
	expect_err_has "m.json"
	run etk-custody --case "$T/t1" manifest
	expect_rc 4
fi

finish

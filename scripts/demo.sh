#!/bin/sh
# The main job on the shipped fixtures: install what is needed, build,
# make the test evidence, then triage two phone exhibits (an Android E01
# and an iOS full-file-system E01) into a new case with etk triage: each
# verified, every file listed (deleted ones too) and hashed, messages,
# calls, contacts, pictures and POLE extracted, unallocated space carved,
# the custody manifest and the examiner's HTML report written, every
# step journaled.  A second run skips every step already done.  Then
# hand the phone over (signed by both custodians), seal the journal,
# build a disclosure bundle with one party redacted and verify it with
# etk and with its own VERIFY.sh (openssl and coreutils only).
# Run as root on Debian 12:  sh scripts/demo.sh  [OUTDIR]
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/demo}
sh scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$PWD/build/release/bin
fx=$PWD/build/release/fixtures
sh tests/build-fixtures.sh "$PWD" "$fx"
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
set -x
"$bin/etk" triage -o "$out/case" --case-number DEMO-1 --examiner "Demo Examiner" \
    --agency "etk lab" "$fx/phone.E01" "$fx/ios-ffs.E01"
"$bin/etk" triage -o "$out/case" "$fx/phone.E01" "$fx/ios-ffs.E01"
"$bin/etk" cat "$fx/phone.E01" "phone.E01:p6:/media/0/Download/archive.zip" | od -c | head -2
"$bin/etk" custody keygen -o "$out/dc-jones.key" --pub "$out/dc-jones.pub.pem"
"$bin/etk" custody --case "$out/case" transfer --exhibit phone.E01 \
    --from "Demo Examiner" --to "DC Jones" --to-role "exhibits officer" \
    --to-key "$out/dc-jones.key" --location "exhibits store B" \
    --reason "returned to store after imaging" --bag-seal 123456 --seal-intact yes
"$bin/etk" custody --case "$out/case" log
"$bin/etk" bundle create --case "$out/case" -o "$out/DISC-DEMO-1" \
    --exhibit phone.E01 --kind messages,calls,contacts,images \
    --redact-party "+447700900123" --category "third-party personal data" \
    --basis "CPIA test not met" --decided-by "Demo Examiner"
"$bin/etk" verify "$out/DISC-DEMO-1.tar"
(cd "$out/DISC-DEMO-1" && sh VERIFY.sh ../DISC-DEMO-1.tar)
"$bin/etk" verify "$out/case"
set +x
echo "case: $out/case (journal, case database etk.db, logs/)"
echo "report: $out/case/reports/index.html (open it in a browser; it needs no network)"
echo "custody manifests: $out/case/reports/manifest-*"
echo "disclosure bundle: $out/DISC-DEMO-1 and $out/DISC-DEMO-1.tar"

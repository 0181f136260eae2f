#!/bin/sh
# The main job on the shipped fixtures: install what is needed, build,
# make the test evidence, then work a phone exhibit the way an examiner
# would: open a case, verify the E01, list every file (deleted too) into
# the case, hash every file, extract messages, calls, contacts, pictures
# and POLE, carve the unallocated space, read a file out, hand the
# exhibit over (signed by both custodians), seal the journal, write the
# chain-of-custody manifest, build a redacted disclosure bundle and
# verify it with etk and with its own VERIFY.sh (openssl and coreutils).
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
set -x
"$bin/etk" init "$out/case" --case DEMO-1 --examiner "Demo Examiner" --agency "etk lab"
"$bin/etk" verify "$fx/phone.E01"
"$bin/etk" ls --case "$out/case" "$fx/phone.E01"
"$bin/etk" ls --case "$out/case" -r --json "$fx/phone.E01" > "$out/phone-files.jsonl"
"$bin/etk" ls --case "$out/case" -r -d "$fx/phone.E01"
"$bin/etk" hash --case "$out/case" -c md5,sha1,sha256 "$fx/phone.E01" > "$out/phone-hashes.txt"
"$bin/etk" hash --case "$out/case" -c md5,sha256 --format hashdeep "$fx/ios-ffs.tar" > "$out/ios-hashdeep.txt"
head -5 "$out/phone-hashes.txt"
"$bin/etk" extract --case "$out/case" -o "$out/phone-extract" "$fx/phone.E01"
head -3 "$out/phone-extract/messages.jsonl"
"$bin/etk" extract --case "$out/case" -o "$out/ios-extract" "$fx/ios-ffs.E01"
"$bin/etk" carve --case "$out/case" -o "$out/phone-carve" "$fx/phone.E01"
"$bin/etk" cat --case "$out/case" "$fx/phone.E01" "phone.E01:p6:/media/0/Download/archive.zip" | od -c | head -2
"$bin/etk" custody keygen -o "$out/dc-jones.key" --pub "$out/dc-jones.pub.pem"
"$bin/etk" custody --case "$out/case" transfer --exhibit phone.E01 \
    --from "Demo Examiner" --to "DC Jones" --to-role "exhibits officer" \
    --to-key "$out/dc-jones.key" --location "exhibits store B" \
    --reason "returned to store after imaging" --bag-seal 123456 --seal-intact yes
"$bin/etk" custody --case "$out/case" seal --note "demo finished"
"$bin/etk" custody --case "$out/case" log
"$bin/etk" custody --case "$out/case" manifest --format html -o "$out/manifest.html"
"$bin/etk" bundle create --case "$out/case" -o "$out/DISC-DEMO-1" \
    --kind messages,calls,contacts,images --redact-party "+447700900123" \
    --category "third-party personal data" --basis "CPIA test not met" \
    --decided-by "Demo Examiner"
"$bin/etk" verify "$out/DISC-DEMO-1.tar"
(cd "$out/DISC-DEMO-1" && sh VERIFY.sh ../DISC-DEMO-1.tar)
"$bin/etk" verify "$out/case"
set +x
echo "demo case in $out/case; file listing in $out/phone-files.jsonl; hashes in $out/phone-hashes.txt;"
echo "phone records in $out/phone-extract and $out/ios-extract; carved files in $out/phone-carve;"
echo "custody manifest in $out/manifest.html; disclosure bundle in $out/DISC-DEMO-1 and $out/DISC-DEMO-1.tar"

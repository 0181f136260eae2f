#!/bin/sh
# After every test: no fixture changed (SRC OUT).
set -eu
src=$1
out=$2
cd "$out"
sha256sum --quiet --strict -c SHA256SUMS.local
sha256sum --quiet --strict -c "$src/fixtures/SHA256SUMS"
# Nothing new appeared next to the evidence either (a -wal, a temp file).
find . -type f ! -name .stamp ! -name .etk-fixtures ! -name SHA256SUMS.local | sed 's|^\./||' | LC_ALL=C sort >"${TMPDIR:-/tmp}/etk-fx-have.$$"
awk '{ n = $2; sub(/^\*/, "", n); print n }' SHA256SUMS.local | LC_ALL=C sort >"${TMPDIR:-/tmp}/etk-fx-want.$$"
if ! cmp -s "${TMPDIR:-/tmp}/etk-fx-have.$$" "${TMPDIR:-/tmp}/etk-fx-want.$$"; then
	echo "files appeared or vanished among the fixtures:" >&2
	diff "${TMPDIR:-/tmp}/etk-fx-want.$$" "${TMPDIR:-/tmp}/etk-fx-have.$$" | grep -v SHA256SUMS >&2 || true
	rm -f "${TMPDIR:-/tmp}/etk-fx-have.$$" "${TMPDIR:-/tmp}/etk-fx-want.$$"
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/etk-fx-have.$$" "${TMPDIR:-/tmp}/etk-fx-want.$$"
echo "fixtures unchanged"

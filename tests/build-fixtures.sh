#!/bin/sh
# Build the test evidence once per build tree: SRC OUT.
# Rebuilt when the generator or its sources change.
set -eu
src=$1
out=$2
stamp=$( (cat "$src/fixtures/make-fixtures.sh"; find "$src/fixtures/src" -type f \
    -print | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-64)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] &&
    (cd "$out" && sha256sum --quiet --strict -c SHA256SUMS.local) >/dev/null 2>&1; then
	echo "fixtures up to date in $out"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
sh "$src/fixtures/make-fixtures.sh" "$out"
echo "$stamp" >"$out/.stamp"
echo "fixtures built in $out"

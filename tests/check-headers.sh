#!/bin/sh
# Every public header compiles on its own (as git's check-headers).
set -u
cc=$1
inc=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
failn=0
for h in "$inc"/etk/*.h; do
	n=${h##*/}
	printf '#include <etk/%s>\n#include <etk/%s>\n' "$n" "$n" >"$t/x.c"
	if "$cc" -std=c11 -Wall -Wextra -Werror -I"$inc" -c "$t/x.c" -o "$t/x.o"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $n is not self-contained"
		failn=$((failn + 1))
	fi
done
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ]

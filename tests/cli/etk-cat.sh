#!/bin/sh
# etk-cat: the command contract, content by path, inode, range and
# volume, byte ranges (-o/-n), nested archive members, errors, pipes.
# Every file against icat is in tsk-compare.sh.
. "$ETK_SRC/tests/cli/lib.sh"

P=$FIX/phone.raw
SD=$FIX/sd.raw
TXT=$ETK_SRC/fixtures/src/text
IMG=$ETK_SRC/fixtures/src/img

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

# same FILE: stdout equals FILE
expect_out_same() {
	if cmp -s "$T/out" "$1"; then _ok; else fail "stdout differs from $1"; fi
}

# ---------------------------------------------------------------- contract
contract etk-cat
run etk-cat -h
expect_out_has "--offset"
expect_out_has "--length"
run etk-cat
expect_rc 2
expect_err_has "etk-cat: no source given"
run etk-cat "$SD"
expect_rc 2
expect_err_has "etk-cat: no locator given"
expect_err_has "usage: etk-cat"
run etk-cat "$SD" p2:/x extra
expect_rc 2
run etk-cat -o x "$SD" @0+1
expect_rc 2
expect_err_has "etk-cat: bad offset 'x'"
run etk-cat -n -1 "$SD" @0+1
expect_rc 2
run etk-cat "$SD" 'p2:/a%zz'
expect_rc 2
expect_err_has "etk-cat: bad locator"
expect_out_empty
run etk-cat "$T/no-such-image.raw" p2:/x
expect_rc 1
expect_err_1line "etk-cat: "
expect_err_has "no-such-image.raw"
expect_out_empty

# ----------------------------------------------------------------- content
L=p6:/media/0/Download/readme.txt
run etk-cat -q "$P" "$L"
expect_rc 0
expect_err_empty
expect_out_same "$TXT/android/readme.txt"
# with the source part, as etk ls prints it
run etk-cat -q "$P" "phone.raw:$L"
expect_rc 0
expect_out_same "$TXT/android/readme.txt"
# from the E01 and without -q: the summary goes to stderr only
run etk-cat "$FIX/phone.E01" "$L"
expect_rc 0
expect_out_same "$TXT/android/readme.txt"
expect_err_has "summary: ok phone.E01:$L (file): 57"
# by inode, a name with a space, a non-ASCII name
ino=$(etk-ls -l "$P" "$L" 2>/dev/null | cut -f3)
run etk-cat -q "$P" "p6:i$ino"
expect_out_same "$TXT/android/readme.txt"
run etk-cat -q "$P" "p6:/media/0/Download/shopping list.txt"
expect_out_same "$TXT/android/shopping_list.txt"
run etk-cat -q "$P" "$(printf 'p6:/media/0/Download/R\303\251sum\303\251_2024.txt')"
expect_out_same "$TXT/android/resume_2024.txt"
run etk-cat -q "$P" p6:/media/0/DCIM/Camera/IMG_20240213_100000.jpg
expect_out_same "$IMG/IMG_20240213_100000.jpg"
# --json does not touch the content
run etk-cat -q --json "$P" "$L"
expect_out_same "$TXT/android/readme.txt"
# NTFS: a file, an alternate data stream by its inode locator
run etk-cat -q "$FIX/ntfs.raw" p2:/report.txt
expect_out_same "$TXT/ntfs/report.txt"
run etk-cat -q "$FIX/ntfs.raw" p2:i64-128-4
expect_out_same "$TXT/ntfs/Zone.Identifier"
# a bare file system, and the split copies of the SD card
run etk-cat -q "$FIX/fs.ext4" /etc/hostname
expect_out_same "$TXT/linux/hostname"
for s in sd.raw sd.000 sd-split.E01; do
	run etk-cat -q "$FIX/$s" p2:/DCIM/Camera/IMG_0001.jpg
	expect_rc 0
	expect_out_same "$IMG/SD_IMG_0001.jpg"
done
# a deleted FAT file comes back (icat -r)
DI=$(fls -r -d -o 2048 "$SD" 2>/dev/null | awk -F'[ :\t]+' '/_MG_0002\.jpg/ { print $3; exit }')
run etk-cat -q "$SD" "p2:i${DI:-38}"
expect_rc 0
expect_out_same "$IMG/SD_IMG_0002.jpg"

# -------------------------------------------------- ranges, volumes, -o/-n
dd if="$SD" bs=512 count=1 2>/dev/null >"$T/mbr"
run etk-cat -q "$SD" @0+512
expect_out_same "$T/mbr"
run etk-cat -q "$SD" sd.raw:@0+512
expect_out_same "$T/mbr"
run etk-cat -q -o 446 -n 64 "$SD" @0+512
dd if="$SD" bs=1 skip=446 count=64 2>/dev/null >"$T/ptab"
expect_out_same "$T/ptab"
run etk-cat -q -n 512 "$SD" p2
dd if="$SD" bs=512 skip=2048 count=1 2>/dev/null >"$T/vbr"
expect_out_same "$T/vbr"
run etk-cat -q "$SD" p2:@0+512
expect_out_same "$T/vbr"
run etk-cat -q -n 4K "$SD" p2
check "-n 4K writes 4096 bytes" test "$(wc -c <"$T/out")" -eq 4096
# the whole source by its name: the E01 gives the raw image
run etk-cat -q "$FIX/sd-split.E01" sd-split.E01
expect_rc 0
expect_out_same "$SD"
# byte ranges of a file
run etk-cat -q -o 10 -n 20 "$P" "$L"
tail -c +11 "$TXT/android/readme.txt" | head -c 20 >"$T/part"
expect_out_same "$T/part"
run etk-cat -q -o 50 "$P" "$L"
tail -c +51 "$TXT/android/readme.txt" >"$T/part"
expect_out_same "$T/part"
run etk-cat -q -o 1M "$P" "$L"
expect_rc 0
expect_out_empty
run etk-cat -q -n 0 "$P" "$L"
expect_rc 0
expect_out_empty
run etk-cat -q "$SD" @67108800+100
expect_rc 1
expect_err_has "etk-cat: "

# ----------------------------------------------------------------- nesting
Z=p6:/media/0/Download/archive.zip
run etk-cat -q "$P" "$Z!/notes.txt"
expect_rc 0
expect_out_same "$TXT/android/notes.txt"
run etk-cat -q "$FIX/phone.E01" "phone.E01:$Z!/photo.jpg"
expect_rc 0
expect_out_same "$IMG/photo.jpg"
run etk-cat -q "$P" "$Z!/no-such-member"
expect_rc 1
expect_err_1line "etk-cat: "

# ------------------------------------------------- other kinds of evidence
for f in ios-ffs.tar ios-ffs.tar.gz ios-ffs.zip; do
	run etk-cat -q "$FIX/$f" /private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG
	expect_rc 0
	expect_out_same "$IMG/IMG_0001.JPG"
done
run etk-cat -q "$FIX/ios-ffs.tar" /System/Library/CoreServices/SystemVersion.plist
expect_out_same "$TXT/ios/SystemVersion.plist"
run etk-cat -q "$FIX/android.ab" /apps/com.whatsapp/sp/com.whatsapp_preferences_light.xml
expect_rc 0
expect_out_same "$TXT/android/com.whatsapp_preferences_light.xml"
run etk-cat -q "$FIX/android-enc.ab" /apps/com.whatsapp/db/wa.db
expect_rc 1
expect_err_1line "etk-cat: "
expect_err_has "encrypted"
# every file etk ls lists in these is readable, with the size it lists
for f in ios-ffs.zip android.ab ios-backup; do
	etk-ls -r --json "$FIX/$f" 2>/dev/null |
	    sed -n 's/^{"record":"file","locator":"\([^"]*\)".*"size":\([0-9]*\),"allocated":true,"deleted":false,"kind":"r".*/\1 \2/p' \
	    >"$T/list"
	check "$f: etk ls lists files" test -s "$T/list"
	nbad=0
	while read -r loc size; do
		etk-cat -q "$FIX/$f" "$loc" >"$T/c" 2>"$T/c.err" &&
		    [ "$(wc -c <"$T/c")" -eq "$size" ] || {
			nbad=$((nbad + 1))
			echo "  $loc: $(head -1 "$T/c.err")" >&2
		}
	done <"$T/list"
	check "$f: every listed file reads back at its size" test "$nbad" -eq 0
done
mkdir -p "$T/dir"
printf 'gamma\n' >"$T/dir/c.txt"
run etk-cat -q "$T/dir" /c.txt
expect_rc 0
expect_out_has gamma

# ------------------------------------------------------------------ errors
run etk-cat "$P" p6:/media/0/DCIM
expect_rc 1
expect_err_1line "etk-cat: "
expect_err_has "etk-cat: p6:/media/0/DCIM: is a directory"
expect_out_empty
run etk-cat "$P" p6:/media/0/no-such-file
expect_rc 1
expect_err_1line "etk-cat: "
expect_err_has "no-such-file"
run etk-cat "$P" p9:/x
expect_rc 1
expect_err_has "p9"
run etk-cat "$P" sd.raw:p2:/x
expect_rc 1
expect_err_has "sd.raw"
# writes that fail, readers that go away
if [ -w /dev/full ]; then
	run sh -c 'etk-cat "$1" @0+4096 >/dev/full' sh "$SD"
	expect_rc 1
	expect_err_1line "etk-cat: "
	expect_err_has "etk-cat: write error: No space left on device"
fi
( etk-cat "$SD" @0+8388608 2>"$T/pipe.err"; echo $? >"$T/pipe.rc" ) | head -c 10 >/dev/null
check "broken pipe: exit 0" grep -qx 0 "$T/pipe.rc"
check "broken pipe: quiet" test ! -s "$T/pipe.err"
if command -v python3 >/dev/null 2>&1; then
	run python3 -c "$EPIPE" etk-cat "$SD" p2:/DCIM/Camera/IMG_0001.jpg
	expect_rc 0
	expect_err_empty
fi

# ---------------------------------------------------------------- in a case
if [ -x "$BIN/etk-init" ]; then
	run etk-init "$T/case" --case CAT-1 --examiner "Test Examiner"
	if [ "$RC" -eq 0 ]; then
		run etk-cat -q --case "$T/case" "$P" "$L"
		expect_rc 0
		expect_out_same "$TXT/android/readme.txt"
		tail -1 "$T/case/journal.jsonl" >"$T/entry"
		check "the entry names etk-cat" grep -q '"name":"etk-cat"' "$T/entry"
		check "the entry records the input" grep -qF "\"path\":\"$P\"" "$T/entry"
		check "the entry records the locator" grep -qF "\"$L\"" "$T/entry"
		check "no output file is recorded" grep -q '"outputs":\[\]' "$T/entry"
	else
		fail "etk-init failed: $(head -1 "$T/err")"
	fi
fi

finish

#!/bin/sh
# etk-hash: the command contract; every digest of every file of every
# fixture against icat / tar / unzip piped to md5sum, sha1sum and
# sha256sum at test time; hashdeep reading etk's output and etk auditing
# hashdeep's; output that does not depend on -j, TZ or locale; shards;
# known and alert sets; bad input.
. "$ETK_SRC/tests/cli/lib.sh"

P=$FIX/phone.raw
SD=$FIX/sd.raw
NT=$FIX/ntfs.raw
E4=$FIX/fs.ext4

# ---------------------------------------------------------------- contract
contract etk-hash
run etk-hash -h
for f in --digests --format --known --alert --hide-known --audit --shard \
    --no-type --json --threads; do
	expect_out_has "$f"
done
run etk-hash
expect_rc 2
expect_err_has "etk-hash: no source given"
expect_err_has "usage: etk-hash"
run etk-hash -c md5,tiger "$E4"
expect_rc 2
expect_err_first "etk-hash: unknown digest 'tiger'"
expect_out_empty
run etk-hash --format xml "$E4"
expect_rc 2
expect_err_first "etk-hash: "
run etk-hash --json --format csv "$E4"
expect_rc 2
expect_err_has "conflict"
run etk-hash --shard 3/3 "$E4"
expect_rc 2
expect_err_has "bad shard"
run etk-hash --shard x "$E4"
expect_rc 2
run etk-hash --hide-known "$E4"
expect_rc 2
expect_err_has "--hide-known needs --known"
run etk-hash "$T/no-such-image.raw"
expect_rc 1
expect_err_first "etk-hash: "
expect_err_has "no-such-image.raw"
expect_out_empty

# ------------------------------------------- every file against icat | *sum
# verify.py JSONL IMAGE SLOT=OFFSET...: each hashed record's md5, sha1 and
# sha256 equal `icat -r -o OFF IMAGE INODE[-ATTR] | md5sum` (sha1sum,
# sha256sum); each record without digests is one icat cannot give whole
# (fewer bytes than its size, or size 0 deleted); every regular file fls
# lists is there.  Prints "ok N" or the differences.
cat >"$T/verify.py" <<'PY'
import json, subprocess, sys
jsonl, img = sys.argv[1], sys.argv[2]
offs = dict(a.split("=") for a in sys.argv[3:])
bad, n, seen = [], 0, set()
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True).stdout
for line in open(jsonl):
    r = json.loads(line)
    if r.get("record") != "file" or "!" in r["locator"]:
        continue
    vol = str(r["volume"]) if r["volume"] is not None else "-1"
    off = offs[vol]
    addr = str(r["inode"]) + ("-" + r["attr"] if r.get("attr") else "")
    seen.add((vol, str(r["inode"])))
    icat = f"icat -r -o {off} '{img}' {addr}"
    if "sha256" in r:
        for alg in ("md5", "sha1", "sha256"):
            got = sh(f"{icat} | {alg}sum").split()[0].decode()
            if got != r[alg]:
                bad.append(f"{r['locator']}: {alg} {r[alg]} != icat {got}")
        n += 1
    else:
        size = int(sh(f"{icat} 2>/dev/null | wc -c").strip() or 0)
        if size == r["size"] and not (r["deleted"] and r["size"] == 0) \
                and not r["path"].endswith("$BadClus:$Bad"):
            bad.append(f"{r['locator']}: not hashed ({r.get('reason')}) but icat gives {size} bytes")
for vol, off in offs.items():
    o = f"-o {off}"
    for l in sh(f"fls -r -p {o} '{img}'").decode("utf-8", "replace").splitlines():
        t, rest = l.split(" ", 1)
        if not t.startswith("r/"):
            continue
        ino = rest.lstrip("* ").split(":")[0].split("-")[0].split("(")[0]
        if (vol, ino) not in seen:
            bad.append(f"fls lists {vol}:{ino} ({l.strip()}), etk does not")
print("\n".join(bad) if bad else f"ok {n}")
PY
verify() {	# IMAGE SLOT=OFFSET...
	_img=$1
	shift
	etk-hash -q -c md5,sha1,sha256 --json "$_img" >"$T/v.jsonl" 2>"$T/err"
	_res=$(python3 "$T/verify.py" "$T/v.jsonl" "$_img" "$@")
	case $_res in
	"ok "*) _ok ;;
	*) fail "$(basename "$_img"): $_res" ;;
	esac
	echo "  $(basename "$_img"): $_res files equal icat's digests"
}
if command -v icat >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
	verify "$P" 5=4096 6=20480
	verify "$SD" 2=2048
	verify "$NT" 2=2048
	verify "$E4" -1=0
	verify "$FIX/phone.E01" 5=4096 6=20480
fi
# The deleted picture of the SD card has icat -r's digest; the deleted
# ext4 file (size 0, no extents) none, with the reason.
run etk-hash -c md5 "$SD"
expect_out_has "$(icat -r -o 2048 "$SD" 38 | md5sum | cut -d' ' -f1)  sd.raw:p2:i38	mime=image/jpeg"
run etk-hash "$E4"
expect_rc 0
expect_out_has "-  fs.ext4:i22	error=content not recoverable: size 0 after deletion"
# NTFS alternate data stream, as a file of its own.
run etk-hash -c sha256 "$NT"
expect_out_has "$(icat -o 2048 "$NT" 64-128-4 | sha256sum | cut -d' ' -f1)  ntfs.raw:p2:i64-128-4	mime=text/plain"

# ------------------------------------------------------ archives and backups
sum_of() {	# ALG: digest of stdin
	"${1}sum" | cut -d' ' -f1
}
# expect_member SOURCE-OUTPUT LOCATOR DIGEST
expect_digest() {
	if grep -qF "$3  $2	" "$1"; then
		_ok
	else
		fail "$2: expected $3, got $(grep -F "  $2	" "$1" | cut -c1-64)"
	fi
}
# the iOS tree's files (6, or 9 with the WhatsApp app group)
NFFS=$(tar -tf "$FIX/ios-ffs.tar" | grep -vc '/$')
check "ios-ffs.tar: 6 or more files" test "$NFFS" -ge 6
for a in ios-ffs.tar ios-ffs.tar.gz ios-ffs.zip; do
	etk-hash -q -c sha256 "$FIX/$a" >"$T/a.txt"
	check "$a: $NFFS files" test "$(wc -l <"$T/a.txt")" -eq "$NFFS"
	tar -tf "$FIX/ios-ffs.tar" | grep -v '/$' >"$T/members"
	while read -r m; do
		case $a in
		*.zip) d=$(unzip -p "$FIX/$a" "$m" | sum_of sha256) ;;
		*) d=$(tar -xOf "$FIX/$a" "$m" | sum_of sha256) ;;
		esac
		expect_digest "$T/a.txt" "$a:/$m" "$d"
	done <"$T/members"
done
# android.ab: the tar after the 24-byte header, zlib-compressed.
python3 -c '
import sys, zlib
d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(zlib.decompress(d[24:]))' "$FIX/android.ab" >"$T/ab.tar"
etk-hash -q -c md5,sha256 "$FIX/android.ab" >"$T/a.txt"
n=0
for m in $(tar -tf "$T/ab.tar" | grep -v '/$'); do
	d="$(tar -xOf "$T/ab.tar" "$m" | sum_of md5) $(tar -xOf "$T/ab.tar" "$m" | sum_of sha256)"
	expect_digest "$T/a.txt" "android.ab:/$m" "$d"
	n=$((n + 1))
done
check "android.ab: every member ($n)" test "$(wc -l <"$T/a.txt")" -eq "$n"
# Nested: archive.zip inside phone.raw's userdata.
icat -o 20480 "$P" 53 >"$T/nested.zip"
etk-hash -q -c sha1 "$P" >"$T/a.txt"
for m in notes.txt photo.jpg todo.txt; do
	expect_digest "$T/a.txt" "phone.raw:p6:/media/0/Download/archive.zip!/$m" \
	    "$(unzip -p "$T/nested.zip" "$m" | sum_of sha1)"
done
# iOS backup: files stored under their SHA-1 names.
etk-hash -q "$FIX/ios-backup" >"$T/a.txt"
expect_digest "$T/a.txt" "ios-backup:/HomeDomain/Library/SMS/sms.db" \
    "$(sum_of sha256 <"$FIX/ios-backup/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28")"
expect_digest "$T/a.txt" "ios-backup:/CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG" \
    "$(sum_of sha256 <"$FIX/ios-backup/34/343e26971dfe9c395c425c0ccf799df63ae6261e")"

# ------------------------------------------------------------------ hashdeep
if command -v hashdeep >/dev/null 2>&1; then
	mkdir -p "$T/ffs"
	tar -xf "$FIX/ios-ffs.tar" -C "$T/ffs"
	# hashdeep reads etk's output and audits the extracted files with it.
	run etk-hash -c md5,sha1,sha256 --format hashdeep "$FIX/ios-ffs.tar"
	expect_rc 0
	cp "$T/out" "$T/etk-known.txt"
	run_in "$T/ffs" hashdeep -a -k "$T/etk-known.txt" -r -l .
	expect_rc 0
	expect_out_has "hashdeep: Audit passed"
	# and with matching (-m) every file is known
	run_in "$T/ffs" hashdeep -m -k "$T/etk-known.txt" -r -l .
	check "hashdeep -m matches all $NFFS files" test "$(wc -l <"$T/out")" -eq "$NFFS"
	# etk audits against hashdeep's own run.
	(cd "$T/ffs" && hashdeep -c md5,sha256 -r -l . >"$T/hd-known.txt")
	run etk-hash --audit "$T/hd-known.txt" "$FIX/ios-ffs.tar"
	expect_rc 0
	expect_err_has "etk-hash: Audit passed"
	expect_err_has "Files matched: $NFFS"
	# a changed, a new and a missing file: exit 4
	sed -e '/sms.db$/s/,[0-9a-f]\{32\},/,00000000000000000000000000000000,/' \
	    -e '/SystemVersion.plist$/d' "$T/hd-known.txt" >"$T/hd-bad.txt"
	echo "1,d41d8cd98f00b204e9800998ecf8427e,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,./gone.txt" >>"$T/hd-bad.txt"
	run etk-hash --audit "$T/hd-bad.txt" "$FIX/ios-ffs.tar"
	expect_rc 4
	expect_err_has "etk-hash: Audit failed"
	expect_err_has "Known files not found: 1"
	expect_err_has "audit: missing: ./gone.txt"
	expect_err_has "SystemVersion.plist"
	# the same for fs.ext4, with files copied out by icat
	mkdir -p "$T/e4/etc" "$T/e4/home/alice/Pictures" "$T/e4/var/log"
	for f in etc/hostname etc/passwd home/alice/.bash_history \
	    home/alice/Pictures/holiday.jpg home/alice/notes.txt var/log/auth.log; do
		ino=$(ifind -n "/$f" "$E4")
		icat "$E4" "$ino" >"$T/e4/$f"
	done
	(cd "$T/e4" && hashdeep -c md5,sha1,sha256 -r -l . >"$T/hd-e4.txt")
	run etk-hash --audit "$T/hd-e4.txt" "$E4"
	expect_rc 0
	expect_err_has "Files matched: 6"
	run etk-hash -c md5,sha256 --format hashdeep "$E4"
	cp "$T/out" "$T/etk-e4.txt"
	run_in "$T/e4" hashdeep -a -k "$T/etk-e4.txt" -r -l .
	expect_rc 0
	expect_out_has "hashdeep: Audit passed"
fi

# --------------------------------------- byte-identical whatever TZ, locale, -j
ALL="$P $SD $NT $E4 $FIX/ios-ffs.zip $FIX/android.ab"
etk-hash -c md5,sha1,sha256,ssdeep $ALL >"$T/base.txt" 2>/dev/null
etk-hash -c md5,sha256 --json $ALL >"$T/base.json" 2>/dev/null
for tz in UTC Asia/Kolkata America/St_Johns; do
	for loc in C C.UTF-8; do
		for j in 1 2 8; do
			TZ=$tz LC_ALL=$loc etk-hash -j "$j" -c md5,sha1,sha256,ssdeep $ALL >"$T/o.txt" 2>/dev/null
			TZ=$tz LC_ALL=$loc etk-hash -j "$j" -c md5,sha256 --json $ALL >"$T/o.json" 2>/dev/null
			if cmp -s "$T/o.txt" "$T/base.txt" && cmp -s "$T/o.json" "$T/base.json"; then
				_ok
			else
				fail "output differs under TZ=$tz LC_ALL=$loc -j $j"
			fi
		done
	done
done
# (hashdeep and DFXML headers record the command line: same argv here)
for f in csv dfxml hashdeep; do
	etk-hash -c md5,sha1 --format $f $ALL >"$T/f1" 2>/dev/null
	taskset -c 0 etk-hash -c md5,sha1 --format $f $ALL >"$T/f8" 2>/dev/null ||
	    etk-hash -c md5,sha1 --format $f $ALL >"$T/f8" 2>/dev/null
	check "--format $f: the same on one core" cmp -s "$T/f1" "$T/f8"
	sed '/^## \$ /d; /<command_line>/d' "$T/f1" >"$T/g1"
	etk-hash -j 8 -c md5,sha1 --format $f $ALL 2>/dev/null |
	    sed '/^## \$ /d; /<command_line>/d' >"$T/g8"
	check "--format $f: -j8 agrees (but for the command line)" cmp -s "$T/g1" "$T/g8"
done

# ------------------------------------------------------------ golden files
run etk-hash -c md5,sha256 "$E4"
expect_rc 0
expect_out_file hash-fs-ext4.txt
run etk-hash -c md5,sha1,sha256 --json "$SD"
expect_rc 0
expect_out_file hash-sd.json

# ---------------------------------------------------------- JSON and formats
run etk-hash --json -c md5,sha256 "$SD"
check "every line is a JSON object with a record field" \
    awk '!/^\{"record":"(file|summary)",/ { exit 1 }' "$T/out"
check "the summary is the last record" \
    sh -c 'tail -1 "$1" | grep -q "^{\"record\":\"summary\",\"command\":\"etk-hash\",\"exit\":0,"' sh "$T/out"
grep '"record":"file"' "$T/out" | sed -n 2p |
    grep -oE '"[a-z_0-9]+":' | tr -d '":' | tr '\n' ' ' >"$T/keys"
check "file record fields in contract order ($(cat "$T/keys"))" grep -q \
    '^record locator source volume inode path name size allocated deleted type ext_mismatch mtime atime ctime crtime md5 sha256 ' "$T/keys"
run etk-hash --format csv -c sha256 "$E4"
check "csv header" sh -c 'head -1 "$1" | grep -q "^locator,source,volume,inode,path,name,size,"' sh "$T/out"
check "csv: a header and 7 rows" test "$(wc -l <"$T/out")" -eq 8
run etk-hash --format dfxml -c md5,sha256 "$E4"
expect_rc 0
check "dfxml parses, with byte runs and digests" python3 -c '
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1])
ns = {"d": "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"}
fo = t.getroot().findall(".//d:fileobject", ns)
assert len(fo) >= 6, len(fo)
assert t.getroot().findall(".//d:byte_run", ns)
assert len(t.getroot().findall(".//d:hashdigest", ns)) >= 12' "$T/out"

# ------------------------------------------------------- content type checks
mkdir -p "$T/dir"
cp "$ETK_SRC/fixtures/src/img/photo.jpg" "$T/dir/evil.dll"
cp "$ETK_SRC/fixtures/src/img/photo.jpg" "$T/dir/good.jpg"
printf 'just text\n' >"$T/dir/fake.png"
run etk-hash "$T/dir"
expect_rc 0
expect_out_has "dir:/evil.dll	mime=image/jpeg	ext_mismatch"
expect_out_has "dir:/fake.png	mime=text/plain	ext_mismatch"
check "a JPEG named .jpg is fine" sh -c '! grep "good.jpg.*ext_mismatch" "$1"' sh "$T/out"
run etk-hash --no-type "$T/dir"
expect_rc 0
expect_out_lacks "mime="

# ----------------------------------------------------------------- shards
etk-hash -c md5 --json $ALL 2>/dev/null | grep '"record":"file"' | sort >"$T/all"
: >"$T/parts"
for k in 0 1 2; do
	etk-hash -c md5 --json --shard $k/3 $ALL 2>/dev/null | grep '"record":"file"' >>"$T/parts"
done
sort "$T/parts" >"$T/parts.sorted"
check "three shards hold every file once" cmp -s "$T/all" "$T/parts.sorted"
PARALLEL_SEQ=2 etk-hash -c md5 --shard 3 $ALL >"$T/p2" 2>/dev/null
etk-hash -c md5 --shard 1/3 $ALL >"$T/k1" 2>/dev/null
check "PARALLEL_SEQ=2 is shard 1" cmp -s "$T/p2" "$T/k1"
ETK_SHARD=1 SLURM_ARRAY_TASK_ID=0 etk-hash -c md5 --shard 3 $ALL >"$T/e1" 2>/dev/null
check "ETK_SHARD comes first" cmp -s "$T/e1" "$T/k1"
env -u ETK_SHARD -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX -u PARALLEL_SEQ \
    etk-hash --shard 3 "$E4" >"$T/out" 2>"$T/err" && RC=0 || RC=$?
expect_rc 2
expect_err_has "no shard index"

# ------------------------------------------------------- known and alert sets
etk-hash -q -c sha256 "$E4" | grep -E 'passwd|hostname' | cut -d' ' -f1 |
    sed 's/$/  x/' >"$T/known.sha256"
holiday=$(icat "$E4" 19 | sum_of sha256)
printf '%s  holiday.jpg\n' "$holiday" >"$T/alert.sha256"
run etk-hash --known "$T/known.sha256" --alert "$T/alert.sha256" "$E4"
expect_rc 0
expect_out_has "fs.ext4:/etc/passwd	mime=text/plain	known=known.sha256"
expect_out_has "fs.ext4:/etc/hostname	mime=text/plain	known=known.sha256"
expect_out_has "fs.ext4:/home/alice/Pictures/holiday.jpg	mime=image/jpeg	alert=alert.sha256"
expect_err_has "etk-hash: ALERT: alert.sha256: fs.ext4:/home/alice/Pictures/holiday.jpg $holiday"
run etk-hash --json --known "$T/known.sha256" "$E4"
expect_out_has '"known":["known.sha256"]'
run etk-hash --known "$T/known.sha256" --hide-known "$E4"
expect_rc 0
expect_out_lacks "passwd"
expect_out_lacks "hostname"
expect_out_has "holiday.jpg"
# the same set as a plain list, as md5sum and as a hashdeep file
etk-hash -q -c md5 "$E4" | grep passwd | cut -d' ' -f1 >"$T/known.md5list"
run etk-hash -c md5 --known "$T/known.md5list" "$E4"
expect_out_has "fs.ext4:/etc/passwd	mime=text/plain	known=known.md5list"
# without -c, MD5 is computed too, since the set holds MD5
run etk-hash --known "$T/known.md5list" "$E4"
expect_out_has "$(cut -c1-32 "$T/known.md5list") "
expect_out_has "fs.ext4:/etc/passwd	mime=text/plain	known=known.md5list"
if [ -f "${T}/hd-e4.txt" ]; then
	run etk-hash -c md5,sha256 --known "$T/hd-e4.txt" --hide-known "$E4"
	expect_rc 0
	check "a hashdeep set hides every allocated file" test "$(wc -l <"$T/out")" -eq 1
fi
# A malformed set stops the run before anything is read: exit 1.
printf 'not a hash set\nat all\n' >"$T/bad.set"
run etk-hash --known "$T/bad.set" "$E4"
expect_rc 1
expect_err_first "etk-hash: "
expect_err_has "bad.set"
expect_out_empty
run etk-hash --alert "$T/no-such.set" "$E4"
expect_rc 1
expect_err_has "no-such.set"
run etk-hash --audit "$T/no-such-audit.txt" "$E4"
expect_rc 1
expect_err_has "no-such-audit.txt"

# ------------------------------------------------------------ bad evidence
run etk-hash "$FIX/bad/corrupt.E01"
expect_rc 3
expect_err_has "summary: error corrupt.E01:p6"
expect_err_has "checksum error"
run etk-hash "$FIX/bad/random.bin"
expect_rc 1
expect_err_first "etk-hash: random.bin: "
expect_out_empty
run etk-hash "$FIX/bad/random.bin" "$E4"
expect_rc 3
run etk-hash "$FIX/bad/truncated.E01"
expect_rc 1
expect_err_has "truncated.E01"
run etk-hash "$FIX/bad/symlink-loop"
expect_rc 0
expect_out_has "symlink-loop:/real.txt"
run etk-hash "$FIX/bad/gpt-past-end.raw"
check "gpt-past-end: exit 1 or 3, not a crash (got $RC)" test "$RC" -eq 1 -o "$RC" -eq 3
run etk-hash "$FIX/bad/evil.zip"
expect_rc 0
expect_out_has "ok.txt"

# ---------------------------------------------------------------- progress
# Forced on: the total is the planned file bytes, so the bar ends at 100%
# (deleted files that give less than their size included), and the data
# on stdout is the same as without it.
run etk-hash --progress -c md5 "$SD"
expect_rc 0
tr '\r' '\n' <"$T/err" | grep '%' | tail -1 >"$T/last"
check "the progress bar ends at 100% (got '$(cat "$T/last")')" grep -q ' 100% ' "$T/last"
cp "$T/out" "$T/with-bar"
run etk-hash --no-progress -c md5 "$SD"
check "the bar does not change the output" cmp -s "$T/out" "$T/with-bar"

# ---------------------------------------------------------------- in a case
if [ -x "$BIN/etk-init" ]; then
	run etk-init "$T/case" --case HASH-1 --examiner "Test Examiner"
	if [ "$RC" -eq 0 ]; then
		n0=$(wc -l <"$T/case/journal.jsonl")
		run etk-hash --case "$T/case" -c md5,sha256 "$SD"
		expect_rc 0
		n1=$(wc -l <"$T/case/journal.jsonl")
		check "a journal entry was added" test "$n1" -eq $((n0 + 1))
		tail -1 "$T/case/journal.jsonl" >"$T/entry"
		check "the entry names etk-hash" grep -q '"name":"etk-hash"' "$T/entry"
		check "the entry is of type hash" grep -q '"type":"hash"' "$T/entry"
		check "the entry records the input" grep -qF "\"path\":\"$SD\"" "$T/entry"
		if command -v sqlite3 >/dev/null 2>&1; then
			nf=$(sqlite3 "$T/case/etk.db" 'select count(*) from files' 2>/dev/null)
			check "the files are in the case database (got '$nf')" test "${nf:-0}" -ge 5
			nh=$(sqlite3 "$T/case/etk.db" 'select count(*) from hashes' 2>/dev/null)
			check "every hashed file has a hashes row (got '$nh' of '$nf')" test "${nh:-0}" -eq "$nf"
			# known and alert matches land in the hashes table
			run etk-hash --case "$T/case" -c md5,sha256 --known "$T/known.sha256" \
			    --alert "$T/alert.sha256" "$E4"
			expect_rc 0
			q="select locator, md5 = '$(icat "$E4" 19 | sum_of md5)', known, alert from hashes where action = (select max(action) from hashes) and (known is not null or alert is not null) order by locator"
			sqlite3 -separator '|' "$T/case/etk.db" "$q" >"$T/hk" 2>&1
			printf '%s\n' 'fs.ext4:/etc/hostname|0|known.sha256|' \
			    'fs.ext4:/etc/passwd|0|known.sha256|' \
			    'fs.ext4:/home/alice/Pictures/holiday.jpg|1||alert.sha256' >"$T/hk.want"
			check "known and alert matches are in the hashes table" cmp -s "$T/hk" "$T/hk.want"
		fi
	else
		fail "etk-init failed: $(head -1 "$T/err")"
	fi
fi

finish

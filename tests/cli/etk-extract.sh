#!/bin/sh
# etk-extract: the command contract and usage errors; --list against the
# man page; the phone image (Android) and the iOS extraction forms
# checked against sqlite3's own answers on the same databases (row
# counts per artifact, WAL-only rows, attachments resolved and hashed);
# the same records from phone.raw and phone.E01 and from every iOS form;
# --since/--until and --what; output that does not depend on -j, TZ or
# locale; an unreadable database named, the rest extracted, exit 3;
# DIR refused when not empty; nothing written outside DIR; the case
# journal (scope, outputs) and database.
. "$ETK_SRC/tests/cli/lib.sh"

PY=$(command -v python3 || true)
SQ=$(command -v sqlite3 || true)
PHONE=$FIX/phone.raw

# ---------------------------------------------------------------- contract
contract etk-extract
run etk-extract -h
for f in --what --since --until --country --list --output --json \
    --threads --case --quiet; do
	expect_out_has "$f"
done
run etk-extract
expect_rc 2
expect_err_first "etk-extract: no source given"
expect_err_has "usage: etk-extract"
run etk-extract "$PHONE"
expect_rc 2
expect_err_first "etk-extract: no output directory"
run etk-extract --what messages,faxes -o "$T/x" "$PHONE"
expect_rc 2
expect_err_first "etk-extract: bad --what 'messages,faxes'"
run etk-extract --since yesterday -o "$T/x" "$PHONE"
expect_rc 2
expect_err_first "etk-extract: bad time 'yesterday'"
run etk-extract --until 2024-02-30 -o "$T/x" "$PHONE"
expect_rc 2
expect_err_first "etk-extract: bad time"
run etk-extract --since 2024-02-14T10:00:00+25:00 -o "$T/x" "$PHONE"
expect_rc 2
run etk-extract --since 2024-02-15 --until 2024-02-14 -o "$T/x" "$PHONE"
expect_rc 2
expect_err_first "etk-extract: --since is not before --until"
run etk-extract --country GB -o "$T/x" "$PHONE"
expect_rc 2
expect_err_first "etk-extract: bad country calling code 'GB'"
run etk-extract -o "$T/x" "$PHONE" "$PHONE"
expect_rc 2
expect_err_first "etk-extract: one source at a time"
check "usage errors write nothing" test ! -e "$T/x"
run etk-extract -o "$T/x" "$T/no-such-phone.E01"
expect_rc 1
expect_err_oneline "etk-extract: "
expect_err_has "no-such-phone.E01"
check "a source that does not open leaves no DIR" test ! -e "$T/x"
mkdir "$T/full"
echo keep >"$T/full/notes.txt"
run etk-extract -o "$T/full" "$PHONE"
expect_rc 1
expect_err_first "etk-extract: '$T/full' exists and is not empty"
check "a non-empty DIR is left alone" test "$(ls "$T/full")" = notes.txt

# ------------------------------------------------------------------- list
run etk-extract --list
expect_rc 0
check "--list names artifacts" test -s "$T/out"
cut -f1 "$T/out" >"$T/arts"
while read -r a; do
	if grep -q "^\.It Sy $a " "$ETK_SRC/man/etk-extract.1"; then
		_ok
	else
		fail "artifact $a is not in man/etk-extract.1 ARTIFACTS"
	fi
done <"$T/arts"
for a in android_mmssms android_calllog android_contacts ios_sms \
    ios_callhistory ios_addressbook; do
	check "--list has $a" grep -q "^$a	" "$T/out"
done

if [ -z "$PY" ] || [ -z "$SQ" ]; then
	echo "skip: python3 and sqlite3 are needed for the record checks"
	finish
	exit $?
fi

# count FILE KEY VALUE: records of FILE whose KEY equals VALUE
count() {
	"$PY" - "$@" <<'EOF'
import json, sys
f, k, v = sys.argv[1:4]
n = 0
for l in open(f, encoding="utf-8"):
    r = json.loads(l)
    if str(r.get(k)) == v:
        n += 1
print(n)
EOF
}

# strip DIR: every record file, container fields removed, sorted
strip() {
	"$PY" - "$1" <<'EOF'
import json, os, sys
d = sys.argv[1]
for f in ("messages.jsonl", "calls.jsonl", "contacts.jsonl", "images.jsonl"):
    p = os.path.join(d, f)
    if not os.path.exists(p):
        continue
    rows = []
    for l in open(p, encoding="utf-8"):
        r = json.loads(l)
        for k in ("source", "locator", "attachments"):
            r.pop(k, None)
        rows.append(f + " " + json.dumps(r, sort_keys=True))
    print("\n".join(sorted(rows)))
EOF
}

# sqlite3's answer on a private copy of a database of the evidence (WAL
# applied): sqlq SOURCE LOCATOR [WAL-LOCATOR] SQL
sqlq() {
	_d=$(mktemp -d "$T/db.XXXXXX")
	etk-cat "$1" "$2" >"$_d/db" 2>/dev/null || { echo "cat-failed"; return; }
	if [ $# -eq 4 ]; then
		etk-cat "$1" "$3" >"$_d/db-wal" 2>/dev/null || { echo "cat-failed"; return; }
		shift
	fi
	"$SQ" -init /dev/null -batch "$_d/db" "$3"
}

# ------------------------------------------------------------ phone.raw
OUT=$T/phone
run etk-extract -o "$OUT" "$PHONE"
expect_rc 0
expect_out_has "databases in $OUT"
expect_err_has "summary: ok android_mmssms@phone.raw:p6:/data/data/com.android.providers.telephony/databases/mmssms.db (artifact): 13"
expect_err_has "summary: absent ios_sms (artifact)"
for f in messages.jsonl calls.jsonl contacts.jsonl images.jsonl \
    pole/entities.jsonl pole/links.jsonl SHA256SUMS; do
	check "$f written" test -f "$OUT/$f"
done
check "SHA256SUMS verifies every file" sh -c "cd '$OUT' && sha256sum --quiet --strict -c SHA256SUMS"
n=$(find "$OUT" -type f | wc -l)
m=$(wc -l <"$OUT/SHA256SUMS")
check "every file is in SHA256SUMS ($n files, $m lines)" test "$n" -eq $((m + 1))
check "no temporary file left" test -z "$(find "$OUT" -name '.*')"
check "exported names are content hashes" test -z "$(find "$OUT/images" "$OUT/attachments" -type f | grep -vE '/[0-9a-f]{64}\.[a-z0-9]+$')"

# Android SMS/MMS: every row sqlite3 sees with the WAL applied, once.
MMS=phone.raw:p6:/data/data/com.android.providers.telephony/databases/mmssms.db
want=$(sqlq "$PHONE" "$MMS" "$MMS-wal" "select (select count(*) from sms) + (select count(*) from pdu)")
got=$(count "$OUT/messages.jsonl" artifact android_mmssms)
check "mmssms.db: $got records, sqlite3 has $want rows" test "$got" = "$want"
check "SMS 11 and 12 live only in the WAL" test "$(grep -c '"wal_only":true,"artifact":"android_mmssms"' "$OUT/messages.jsonl")" = 2
check "SMS 7 (deleted in the WAL) is not a live record" test "$(grep -c '482913' "$OUT/messages.jsonl")" = 0
check "SMS 1 with its time, raw value and encoding" grep -qF '"direction":"incoming","from":"+447700900123","from_name":null,"to":[],"time":"2024-02-13T10:00:00Z","time_raw":1707818400000,"time_enc":"unix_ms"' "$OUT/messages.jsonl"
# Calls and contacts.
CL=phone.raw:p6:/data/data/com.android.providers.contacts/databases/calllog.db
want=$(sqlq "$PHONE" "$CL" "select count(*) from calls")
got=$(grep -c "\"source\":\"$CL#" "$OUT/calls.jsonl")
check "calllog.db: $got records, sqlite3 has $want rows" test "$got" = "$want"
# The MMS picture: /data/user/0/... resolved to the file, exported.
att=$(etk-cat "$PHONE" phone.raw:p6:/data/data/com.android.providers.telephony/app_parts/PART_1707821000000.jpg 2>/dev/null | sha256sum | cut -c1-64)
check "MMS attachment resolved to its file" grep -qF '"attachments":["phone.raw:p6:/data/data/com.android.providers.telephony/app_parts/PART_1707821000000.jpg"]' "$OUT/messages.jsonl"
check "MMS attachment hashed" grep -qF "\"sha256\":\"$att\",\"file\":\"attachments/$att.jpg\"" "$OUT/messages.jsonl"
etk-cat "$PHONE" phone.raw:p6:/data/data/com.android.providers.telephony/app_parts/PART_1707821000000.jpg >"$T/part.jpg" 2>/dev/null
check "MMS attachment exported byte for byte" cmp -s "$OUT/attachments/$att.jpg" "$T/part.jpg"
# WhatsApp's relative media path found by its trailing components.
check "WhatsApp media resolved" grep -qF '"stored":"Media/WhatsApp Images/IMG-20240213-WA0001.jpg"' "$OUT/messages.jsonl"
check "WhatsApp media path" grep -qF '"path":"/data/media/0/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images/IMG-20240213-WA0001.jpg"' "$OUT/messages.jsonl"
# Pictures: found by content, also inside archive.zip; the deleted
# kernel-style one has no content left.
got=$(wc -l <"$OUT/images.jsonl")
check "6 pictures on phone.raw (got $got)" test "$got" -eq 6
check "EXIF of the London picture" grep -qF '"taken":"2024-02-13T10:00:00+00:00","taken_utc":"2024-02-13T10:00:00Z","make":"Google","model":"Pixel 7","lat":51.500729,"lon":-0.124625' "$OUT/images.jsonl"
check "a picture inside a nested ZIP" grep -qF '"path":"/data/media/0/Download/archive.zip!/photo.jpg"' "$OUT/images.jsonl"
while read -r sha rel; do
	case $rel in
	images/*) check "images/ name matches its content ($rel)" test "$(sha256sum <"$OUT/$rel" | cut -c1-64)" = "$sha" ;;
	esac
done <"$OUT/SHA256SUMS"
# The record files and pictures are in the summary and totals.
expect_err_has "summary: ok images (images): 6"

# ------------------------------------------------------- same content
run etk-extract -q -o "$T/e01" "$FIX/phone.E01"
expect_rc 0
strip "$OUT" >"$T/a"
strip "$T/e01" >"$T/b"
check "phone.raw and phone.E01 give the same records" cmp -s "$T/a" "$T/b"
polestrip() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l); r.pop("prov", None); print(json.dumps(r, sort_keys=True))' "$1"
}
polestrip "$OUT/pole/entities.jsonl" >"$T/a"
polestrip "$T/e01/pole/entities.jsonl" >"$T/b"
check "... and the same POLE entities" cmp -s "$T/a" "$T/b"
check "... (which are not empty)" test -s "$T/a"
for f in ios-ffs.tar ios-ffs.tar.gz ios-ffs.zip ios-dir ios-ffs.raw \
    ios-ffs.E01 ios-backup; do
	[ -e "$FIX/$f" ] || continue
	run etk-extract -q -o "$T/ios-$f" "$FIX/$f"
	expect_rc 0
	strip "$T/ios-$f" | grep -v '"artifact": "whatsapp_ios"' >"$T/$f.rec"
done
if [ -s "$T/ios-ffs.tar.rec" ]; then
	n=$(grep -c '^messages.jsonl' "$T/ios-ffs.tar.rec")
	check "iOS messages found ($n)" test "$n" -gt 0
	SMS=ios-ffs.tar:/private/var/mobile/Library/SMS/sms.db
	want=$(sqlq "$FIX/ios-ffs.tar" "$SMS" "select count(*) from message")
	got=$(count "$T/ios-ios-ffs.tar/messages.jsonl" db /private/var/mobile/Library/SMS/sms.db)
	check "sms.db: $got records, sqlite3 has $want rows" test "$got" = "$want"
	check "iMessage text from attributedBody" grep -qF '"body":"Check the attachment I sent you"' "$T/ios-ios-ffs.tar/messages.jsonl"
	check "iOS attachment resolved from ~/Library" grep -qF '"path":"/private/var/mobile/Library/SMS/Attachments/ab/11/AB11CDEF-1234-4567-89AB-CDEF01234567/IMG_0002.jpeg","sha256":"' "$T/ios-ios-ffs.tar/messages.jsonl"
	for f in ios-ffs.tar.gz ios-ffs.zip ios-dir ios-ffs.raw ios-ffs.E01 \
	    ios-backup; do
		[ -e "$T/$f.rec" ] || continue
		if cmp -s "$T/ios-ffs.tar.rec" "$T/$f.rec"; then
			_ok
		else
			fail "$f gives other records than ios-ffs.tar"
			diff "$T/ios-ffs.tar.rec" "$T/$f.rec" | head -4 >&2
		fi
	done
	# With its container metadata (as real dumps have), the random
	# app-group folder takes its group name, as in the backup: then
	# WhatsApp's records match too.
	if [ -d "$FIX/ios-dir" ] && [ -d "$FIX/ios-backup" ]; then
		cp -R "$FIX/ios-dir" "$T/iosm"
		"$PY" -c 'import glob, plistlib, sys
d = glob.glob(sys.argv[1] + "/private/var/mobile/Containers/Shared/AppGroup/*")[0]
plistlib.dump({"MCMMetadataIdentifier": "group.net.whatsapp.WhatsApp.shared", "MCMMetadataContentClass": 7},
    open(d + "/.com.apple.mobile_container_manager.metadata.plist", "wb"), fmt=plistlib.FMT_BINARY)' "$T/iosm"
		run etk-extract -q -o "$T/iosm-out" "$T/iosm"
		expect_rc 0
		strip "$T/iosm-out" >"$T/a"
		strip "$T/ios-ios-backup" >"$T/b"
		check "WhatsApp iOS records: full-file-system = backup" cmp -s "$T/a" "$T/b"
		check "... under the group's name" grep -qF '"db":"/private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite"' "$T/iosm-out/messages.jsonl"
	fi
	check "the backup's attachment comes from MediaDomain" grep -qF '"attachments":["ios-backup:/MediaDomain/Library/SMS/Attachments/' "$T/ios-ios-backup/messages.jsonl"
fi

# ----------------------------------------------------------- determinism
TZ=America/New_York LC_ALL=C.UTF-8 etk-extract -q -j1 -o "$T/d1" "$PHONE" >/dev/null 2>&1
TZ=UTC LC_ALL=C etk-extract -q -j2 -o "$T/d2" "$PHONE" >/dev/null 2>&1
for f in messages.jsonl calls.jsonl contacts.jsonl images.jsonl \
    pole/entities.jsonl pole/links.jsonl SHA256SUMS; do
	check "$f: same bytes whatever TZ, locale and -j" cmp -s "$T/d1/$f" "$T/d2/$f"
done
check "... and the same as the first run" cmp -s "$T/d1/SHA256SUMS" "$OUT/SHA256SUMS"

# ------------------------------------------------------------ scope
run etk-extract --what messages --since 2024-02-14 --until 2024-02-14T23:59:59Z -o "$T/s" "$PHONE"
expect_rc 0
expect_out_has "records outside --since/--until left out"
check "--what messages writes messages only" test -f "$T/s/messages.jsonl" -a ! -e "$T/s/calls.jsonl" -a ! -e "$T/s/images.jsonl" -a ! -e "$T/s/pole"
expect_err_has "not in --what"
"$PY" - "$T/s/messages.jsonl" "$OUT/messages.jsonl" >"$T/scope" <<'EOF'
import json, sys
kept = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
full = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
ok = all(r["time"] is None or "2024-02-14T" <= r["time"] < "2024-02-15T" for r in kept)
want = [r for r in full if r["time"] is None or "2024-02-14T" <= r["time"] < "2024-02-15T"]
print("ok" if ok and len(kept) == len(want) and len(kept) > 0 else
      "bad %d kept, %d wanted" % (len(kept), len(want)))
EOF
check "--since/--until keep exactly the day ($(cat "$T/scope"))" test "$(cat "$T/scope")" = ok

# --json: the records on stdout, then the summary.
run etk-extract --json --what calls "$PHONE"
expect_rc 0
check "--json without -o: calls on stdout" test "$(grep -c '^{"record":"call"' "$T/out")" -eq "$(wc -l <"$OUT/calls.jsonl")"
check "--json ends with the summary" sh -c "tail -1 '$T/out' | grep -q '^{\"record\":\"summary\"'"

# --------------------------------------------- unreadable database: exit 3
mkdir -p "$T/bad/data/data/com.android.providers.contacts/databases" "$T/bad/data/data/org.thoughtcrime.securesms/databases"
etk-cat "$PHONE" "$CL" >"$T/bad/data/data/com.android.providers.contacts/databases/calllog.db" 2>/dev/null
"$PY" -c 'import random,sys; r=random.Random(5); sys.stdout.buffer.write(b"SQLite format 3\0"+bytes(r.randrange(256) for _ in range(8192)))' >"$T/bad/data/data/org.thoughtcrime.securesms/databases/signal.db"
run etk-extract -o "$T/bad-out" "$T/bad"
expect_rc 3
expect_err_has "signal.db"
expect_err_has "summary: error"
got=$(wc -l <"$T/bad-out/calls.jsonl")
want=$(grep -c "calllog.db#" "$OUT/calls.jsonl")
check "the readable database is still extracted ($got calls)" test "$got" -eq "$want"

# -------------------------------------------------------------- case
if [ -x "$BIN/etk-init" ]; then
	run etk-init "$T/case" --case EXTRACT-1 --examiner "Test Examiner"
	if [ "$RC" -eq 0 ]; then
		n0=$(wc -l <"$T/case/journal.jsonl")
		run etk-extract --case "$T/case" --what messages,calls --since 2024-01-01 -o "$T/case/exhibits/x" "$PHONE"
		expect_rc 0
		n1=$(wc -l <"$T/case/journal.jsonl")
		check "a journal entry was added" test "$n1" -eq $((n0 + 1))
		tail -1 "$T/case/journal.jsonl" >"$T/entry"
		check "journal: scope" grep -qF '"scope":{"what":"messages,calls","since":"2024-01-01T00:00:00Z"}' "$T/entry"
		check "journal: messages.jsonl with its hash" grep -qF "\"path\":\"$T/case/exhibits/x/messages.jsonl\",\"sha256\":\"$(sha256sum <"$T/case/exhibits/x/messages.jsonl" | cut -c1-64)\"" "$T/entry"
		check "journal: the input" grep -qF "\"path\":\"$PHONE\"" "$T/entry"
		got=$("$SQ" "$T/case/etk.db" 'select count(*) from messages')
		check "case database: $got messages" test "$got" -eq "$(wc -l <"$T/case/exhibits/x/messages.jsonl")"
		got=$("$SQ" "$T/case/etk.db" "select count(*) from calls where source like 'phone.raw:p6:%#calls/%'")
		check "case database: calls with their sources ($got)" test "$got" -eq "$want"
		run etk-extract --case "$T/case" --what images,pole,contacts -o "$T/case/exhibits/y" "$PHONE"
		expect_rc 0
		got=$("$SQ" "$T/case/etk.db" "select count(*) from images where sha256 is not null and locator like 'phone.raw:%'")
		check "case database: $got images" test "$got" -eq "$(wc -l <"$T/case/exhibits/y/images.jsonl")"
		got=$("$SQ" "$T/case/etk.db" "select count(*) from pole_entities")
		check "case database: $got POLE entities" test "$got" -eq "$(wc -l <"$T/case/exhibits/y/pole/entities.jsonl")" -a "$got" -gt 0
		got=$("$SQ" "$T/case/etk.db" "select count(*) from pole_links")
		check "case database: $got POLE links" test "$got" -eq "$(wc -l <"$T/case/exhibits/y/pole/links.jsonl")"
		tail -1 "$T/case/journal.jsonl" >"$T/entry"
		check "journal: exported pictures with the locator they came from" grep -qF '"derived_from":{"locator":"phone.raw:p6:/media/0/DCIM/Camera/IMG_20240213_100000.jpg"}' "$T/entry"
	else
		fail "etk-init failed: $(head -1 "$T/err")"
	fi
fi

finish

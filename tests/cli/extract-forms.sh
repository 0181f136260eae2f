#!/bin/sh
# etk-extract: the same iOS phone delivered in seven forms (a folder, TAR,
# TAR.GZ, ZIP, an iTunes backup, a raw GPT/ext4 image and its E01; see
# fixtures/README.md "The iOS phone in seven forms") gives the same
# records.  Each form is extracted; the records are compared with the
# container-specific parts left out (locators, the evidence name, the
# container path of a file, the export file names); every set must also
# hold exactly the rows that sqlite3 counts in the fixture databases and
# every picture of the tree.  The encrypted backup of the same tree,
# opened with its password, must give the same records too, and a wrong
# password must be a one-line error with exit status 2.
. "$ETK_SRC/tests/cli/lib.sh"

if [ ! -x "$BIN/etk-extract" ]; then
	echo "skip: no etk-extract in $BIN"
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }

FORMS="ios-dir ios-ffs.tar ios-ffs.tar.gz ios-ffs.zip ios-backup ios-ffs.raw ios-ffs.E01"
PW=$FIX/ios-backup-enc.password

# norm DIR OUT: the records of an extraction, without what depends on
# the container, one JSON object a line, sorted.  Database records keep
# app, artifact, the device path of their database (db), table and
# rowid; pictures keep name, size, SHA-256, EXIF fields and so on.
NORM='import json, os, sys
d, out = sys.argv[1], sys.argv[2]
# keys that name the container or where a copy was written
DROP = {"source", "locator", "path", "file", "attachments", "parent"}
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v
lines = []
for kind in ("messages", "calls", "contacts", "images"):
    p = os.path.join(d, kind + ".jsonl")
    n = 0
    if os.path.exists(p):
        for line in open(p, encoding="utf-8"):
            rec = json.loads(line)
            lines.append(kind + " " + json.dumps(clean(rec), sort_keys=True,
                                                 ensure_ascii=False))
            n += 1
    print(kind, n)
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(sorted(lines)) + "\n")'

# The counts the records must have: every row of the source tables
# (sqlite3 on a copy of each fixture database) and every picture of the
# tree (JPEG/PNG by content).
COUNT='import os, shutil, sqlite3, sys, tempfile
root, tmp = sys.argv[1], sys.argv[2]
mob = os.path.join(root, "private/var/mobile")
def rows(rel, table):
    src = os.path.join(mob, rel)
    if not os.path.exists(src):
        return 0
    dst = os.path.join(tmp, "count.db")
    shutil.copyfile(src, dst)
    con = sqlite3.connect(dst)
    n = con.execute("SELECT count(*) FROM " + table).fetchone()[0]
    con.close()
    os.remove(dst)
    return n
wa = ""
group = os.path.join(mob, "Containers/Shared/AppGroup")
if os.path.isdir(group):
    for g in sorted(os.listdir(group)):
        if os.path.exists(os.path.join(group, g, "ChatStorage.sqlite")):
            wa = "Containers/Shared/AppGroup/%s/ChatStorage.sqlite" % g
msgs = rows("Library/SMS/sms.db", "message") + (rows(wa, "ZWAMESSAGE") if wa else 0)
print("messages", msgs)
print("calls", rows("Library/CallHistoryDB/CallHistory.storedata", "ZCALLRECORD"))
print("contacts", rows("Library/AddressBook/AddressBook.sqlitedb", "ABPerson"))
n = 0
for dp, dn, fn in os.walk(root):
    for f in fn:
        with open(os.path.join(dp, f), "rb") as fh:
            head = fh.read(8)
        n += head[:3] == b"\xff\xd8\xff" or head == b"\x89PNG\r\n\x1a\n"
print("images", n)'

# ---- what the fixture holds
run python3 -c "$COUNT" "$FIX/ios-dir" "$T"
expect_rc 0
cp "$T/out" "$T/want.counts"
# the fixture is the one described in fixtures/README.md: at least the
# 8 sms.db messages, 5 calls, 5 contacts and 2 pictures
check "fixture counts look wrong: $(tr '\n' ' ' <"$T/want.counts")" \
    awk '{ n[$1] = $2 } END { exit !(n["messages"] >= 8 && n["calls"] == 5 &&
        n["contacts"] == 5 && n["images"] >= 2) }' "$T/want.counts"

# ---- the seven forms
ref=
for f in $FORMS; do
	out=$T/x-$f
	run etk-extract -o "$out" "$FIX/$f"
	expect_rc 0
	run python3 -c "$NORM" "$out" "$T/$f.norm"
	expect_rc 0
	_last=
	if cmp -s "$T/out" "$T/want.counts"; then
		_ok
	else
		fail "$f: record counts differ from the fixture's rows:"
		diff "$T/want.counts" "$T/out" | sed 's/^/  /' >&2
	fi
	# every line is a real record (nothing empty or null-only)
	check "$f: empty records" sh -c "! grep -q '^[a-z]* {}\$' '$T/$f.norm'"
	if [ -z "$ref" ]; then
		ref=$f
		continue
	fi
	_last=
	if cmp -s "$T/$ref.norm" "$T/$f.norm"; then
		_ok
	else
		fail "$f: records differ from those of $ref"
		diff "$T/$ref.norm" "$T/$f.norm" | head -10 | cut -c1-300 >&2
	fi
done

# The comparison must be able to tell: the normalised records keep the
# device paths, bodies and times, so a record set from another phone
# (the Android image) differs.
check "normalised records lost the database paths" \
    grep -q '"db": "/private/var/mobile/Library/SMS/sms.db"' "$T/ios-dir.norm"
check "normalised records lost the picture digests" \
    grep -q '^images .*"sha256": "[0-9a-f]\{64\}"' "$T/ios-dir.norm"

# Each form's locators name that form, and the same file of the phone.
run grep -h '"artifact":"ios_sms"' "$T/x-ios-backup/messages.jsonl"
expect_out_has '"source":"ios-backup:/HomeDomain/Library/SMS/sms.db#message/'
run grep -h '"artifact":"ios_sms"' "$T/x-ios-ffs.raw/messages.jsonl"
expect_out_has '"source":"ios-ffs.raw:p'
expect_out_has ':/private/var/mobile/Library/SMS/sms.db#message/'

# ---- the encrypted backup, with its password
ETK_PASSWORD_FILE=$PW
export ETK_PASSWORD_FILE
run etk-extract -o "$T/x-enc" "$FIX/ios-backup-enc"
expect_rc 0
unset ETK_PASSWORD_FILE
run python3 -c "$NORM" "$T/x-enc" "$T/enc.norm"
expect_rc 0
_last=
if cmp -s "$T/ios-dir.norm" "$T/enc.norm"; then
	_ok
else
	fail "ios-backup-enc: records differ from those of ios-dir"
	diff "$T/ios-dir.norm" "$T/enc.norm" | head -10 | cut -c1-300 >&2
fi
# and through the command's own option when it has one
if etk-extract --help 2>&1 | grep -q -- '--password-file'; then
	run etk-extract --password-file "$PW" -o "$T/x-enc2" "$FIX/ios-backup-enc"
	expect_rc 0
	run python3 -c "$NORM" "$T/x-enc2" "$T/enc2.norm"
	check "ios-backup-enc (--password-file): records differ" \
	    cmp -s "$T/ios-dir.norm" "$T/enc2.norm"
	printf 'not the password\n' >"$T/wrong"
	run etk-extract --password-file "$T/wrong" -o "$T/x-enc3" "$FIX/ios-backup-enc"
	expect_rc 2
	expect_err_oneline "etk-extract: "
	expect_err_has "wrong password"
	# without a password: refused, exit 2
	run etk-extract -o "$T/x-enc4" "$FIX/ios-backup-enc"
	expect_rc 2
	expect_err_has "password"
else
	echo "note: etk-extract has no --password-file yet (issue 6 wants it);" \
	    "its wrong-password exit status is not checked"
fi
# without a password: refused, nothing extracted
run etk-extract -o "$T/x-enc5" "$FIX/ios-backup-enc"
check "ios-backup-enc without a password: exit 0" test "$RC" -ne 0
expect_err_has "its password is needed"
check "ios-backup-enc without a password: records written" \
    sh -c "! test -s '$T/x-enc5/messages.jsonl'"

# the library's own check through etk-ls: wrong password, exit 2
printf 'not the password\n' >"$T/wrong"
run etk-ls --password-file "$T/wrong" "$FIX/ios-backup-enc"
expect_rc 2
expect_err_oneline "etk-ls: "
expect_err_has "ios-backup-enc: ios-backup: wrong password"
run etk-ls -r --password-file "$PW" "$FIX/ios-backup-enc"
expect_rc 0
expect_out_has "ios-backup-enc:/HomeDomain/Library/SMS/sms.db"
run etk-cat --password-file "$PW" "$FIX/ios-backup-enc" /HomeDomain/Library/SMS/sms.db
expect_rc 0
check "etk-cat of the encrypted sms.db differs from the folder's" \
    cmp -s "$T/out" "$FIX/ios-dir/private/var/mobile/Library/SMS/sms.db"

finish

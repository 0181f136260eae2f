#!/bin/sh
# etk-triage: the pipeline over the phone and iOS fixtures into a new
# case (every step journaled, the case database equal to running the
# tools by hand), a re-run that skips everything, failures in one source
# (missing, truncated) that leave the others done, known and alert sets,
# -j1 and -j2 giving the same rows, --acquire, usage errors.
. "$ETK_SRC/tests/cli/lib.sh"

contract etk-triage

P=$FIX/phone.E01
I=$FIX/ios-ffs.E01
TABLES="volumes files hashes carved messages calls contacts images pole_entities pole_links"

# count C TABLE: rows of TABLE in case C's database
count() {
	sqlite3 "$1/etk.db" "SELECT count(*) FROM $2"
}

# jcount C TEXT: journal lines of case C containing TEXT
jcount() {
	grep -cF -- "$2" "$1/journal.jsonl" || true
}

# jline C TOOL SRC: the journal lines of TOOL's entries on SRC (the
# argv ends with "--", SRC)
jline() {
	grep -nF -- "\"argv\":[\"$2\"" "$1/journal.jsonl" |
	    grep -F -- "\"--\",\"$3\"]" | cut -d: -f1
}

# dump C: the data tables' rows without the row ids and the action
# column (journal seq), sorted
dump() {
	for _t in evidence $TABLES; do
		_cols=$(sqlite3 "$1/etk.db" "SELECT group_concat(name, ',') FROM pragma_table_info('$_t') WHERE name NOT IN ('id', 'action')")
		echo "== $_t"
		sqlite3 "$1/etk.db" "SELECT $_cols FROM $_t" | LC_ALL=C sort
	done
}

# ---- usage errors (exit 2, nothing made) ----
run etk-triage
expect_rc 2
expect_err_first "etk-triage: "
run etk-triage -o "$T/u1" "$P"
expect_rc 2
expect_err_has "--case-number"
check "no case made without --case-number" test ! -e "$T/u1"
run etk-triage -o "$T/u1" --case-number X "$P"
expect_rc 2
expect_err_has "--examiner"
run etk-triage -o "$T/u1" --case-number X --examiner Y --acquire-format raw "$P"
expect_rc 2
expect_err_has "--acquire-format needs --acquire"
run etk-triage -o "$T/u1" --case-number X --examiner Y --acquire --acquire-format vmdk "$P"
expect_rc 2
run etk-triage -o "$T/u1" --case-number X --examiner Y --no-hash --known "$P" "$P"
expect_rc 2
mkdir "$T/notcase"
run_in "$T/notcase" etk-triage "$P"
expect_rc 2
expect_err_has "no case directory"
check "no case made by usage errors" test ! -e "$T/u1"
run etk-triage -o "$T/u1" --case-number X --examiner Y --known "$T/no-such-set" "$P"
expect_rc 1
check "no case made with an unreadable set" test ! -e "$T/u1"

# ---- the direct run: the tools by hand ----
D=$T/direct
etk-init "$D" --case OP-7 --examiner "A. Examiner" >/dev/null 2>&1 || fail "etk-init"
for s in "$P" "$I"; do
	b=${s##*/}
	etk-verify --case "$D" "$s" >/dev/null 2>&1 || fail "direct verify $b"
	etk-ls --case "$D" -r "$s" >/dev/null 2>&1 || fail "direct ls $b"
	etk-hash --case "$D" -c md5,sha1,sha256 "$s" >/dev/null 2>&1 || fail "direct hash $b"
	etk-extract --case "$D" -o "$T/dx-$b" "$s" >/dev/null 2>&1 || fail "direct extract $b"
	etk-carve --case "$D" -o "$T/dc-$b" "$s" >/dev/null 2>&1 || fail "direct carve $b"
done

# ---- triage into a new case ----
C=$T/case
run etk-triage -o "$C" --case-number OP-7 --examiner "A. Examiner" --agency "North Lab" "$P" "$I"
expect_rc 0
expect_out_has "phone.E01: verify: done"
expect_out_has "phone.E01: list: done"
expect_out_has "phone.E01: hash: done"
expect_out_has "phone.E01: extract: done"
expect_out_has "phone.E01: carve: done"
expect_out_has "ios-ffs.E01: carve: done"
expect_out_has "report: $C/reports/index.html"
check "case made" test -f "$C/case.json"
check "journal verifies" etk-verify "$C"
for tool in etk-verify etk-ls etk-hash etk-extract etk-carve; do
	check "journal: $tool ran twice" test "$(jcount "$C" "\"argv\":[\"$tool\"")" = 2
done
check "journal: 3 triage entries" test "$(jcount "$C" '"tool":{"name":"etk-triage"')" = 3
check "journal: a per-source entry lists the steps" \
    grep -q '"triage":{"source":"[^"]*phone.E01","exhibit":"phone.E01","steps":\[{"step":"verify","status":"done","exit":0' "$C/journal.jsonl"
check "journal: last entry is a seal" sh -c "tail -n 1 '$C/journal.jsonl' | grep -q '\"type\":\"seal\"'"
for t in $TABLES; do
	check "$t: triage = direct ($(count "$D" "$t"))" \
	    test "$(count "$C" "$t")" = "$(count "$D" "$t")"
done
for t in messages calls contacts carved files; do
	check "$t found" test "$(count "$C" "$t")" -gt 0
done
check "reports/index.html" test -s "$C/reports/index.html"
check "report names the exhibits" grep -q 'data-exhibit="phone.E01"' "$C/reports/index.html"
check "manifest json" sh -c "ls '$C'/reports/manifest-*.json | grep -q ."
check "manifest html" sh -c "ls '$C'/reports/manifest-*.html | grep -q ."
check "extract output under the exhibit" test -s "$C/exhibits/phone.E01/extract/messages.jsonl"
check "carve output under the exhibit" test -f "$C/exhibits/phone.E01/carve/carved.jsonl"
check "step logs" sh -c "ls '$C'/logs/triage-*-phone.E01-hash.log | grep -q ."
check "done-records" test "$(count "$C" triage_steps)" = 10

# ---- re-run: everything skipped, only the triage entries and a seal ----
n0=$(wc -l <"$C/journal.jsonl")
dump "$C" >"$T/dump0"
cp "$C/reports/index.html" "$T/index0"
run etk-triage -o "$C" "$P" "$I"
expect_rc 0
check "10 steps skipped" test "$(grep -c ': skipped (done at journal line [0-9]*)$' "$T/out")" = 10
# The sources ran at once (-j is the cores by default): the line is the
# hash run's own entry, wherever it landed.
check "one etk-hash entry on phone.E01" test "$(jline "$C" etk-hash "$P" | wc -l)" = 1
expect_out_has "phone.E01: hash: skipped (done at journal line $(jline "$C" etk-hash "$P"))"
expect_out_has "ios-ffs.E01: carve: skipped (done at journal line $(jline "$C" etk-carve "$I"))"
n1=$(wc -l <"$C/journal.jsonl")
check "re-run adds 4 journal lines ($n0 -> $n1)" test "$n1" = $((n0 + 4))
check "re-run adds no tool entries" test "$(tail -n 4 "$C/journal.jsonl" | grep -c '"tool":{"name":"etk-triage"')" = 3
check "re-run ends with a seal" sh -c "tail -n 1 '$C/journal.jsonl' | grep -q '\"type\":\"seal\"'"
dump "$C" >"$T/dump1"
check "re-run leaves the data as it was" cmp -s "$T/dump0" "$T/dump1"
check "journal still verifies" etk-verify "$C"
# The index changes (the journal grew): the old one is kept.
if ! cmp -s "$T/index0" "$C/reports/index.html"; then
	check "old index kept" cmp -s "$T/index0" "$C/reports/index-old-1.html"
fi
# The case found as the other commands find it; progress lines.
run_in "$C" etk-triage --progress --no-carve "$P"
expect_rc 0
expect_out_has "phone.E01: extract: skipped (done at journal line $(jline "$C" etk-extract "$P"))"
expect_err_has "[1/1] phone.E01: hash ..."
run env ETK_CASE="$C" etk-triage --no-progress --no-carve "$I"
expect_rc 0
expect_out_has "ios-ffs.E01: hash: skipped"
check "no progress lines with --no-progress" sh -c "! grep -q '^\[' '$T/err'"
check "journal verifies after the re-runs" etk-verify "$C"
# --json: one record per step, then the summary.
run etk-triage --json -o "$C" "$P"
expect_rc 0
check "json step records" test "$(grep -c '^{"record":"triage_step","source":"[^"]*phone.E01","exhibit":"phone.E01","step":"[a-z]*","status":"skipped"' "$T/out")" = 5
check "json summary last" sh -c "tail -n 1 '$T/out' | grep -q '^{\"record\":\"summary\"'"

# ---- failures: a missing and a truncated source; the good one is done ----
mkdir "$T/bad"
head -c 100000 "$P" >"$T/bad/phone.E01"
C2=$T/case2
run etk-triage -o "$C2" --case-number OP-8 --examiner X "$P" "$T/no-such.E01" "$T/bad/phone.E01"
expect_rc 3
expect_out_has "phone.E01: carve: done"
expect_out_has "no-such.E01: list: error"
expect_out_has "phone.E01-2: verify: error (exit"
expect_out_has "phone.E01-2: list: error (exit 1): etk-ls: "
expect_err_has "no-such.E01"
for tc in messages:source calls:source contacts:source carved:locator files:locator; do
	t=${tc%:*}
	col=${tc#*:}
	n=$(sqlite3 "$D/etk.db" "SELECT count(*) FROM $t WHERE $col LIKE 'phone.E01:%'")
	check "good source: $t as the direct run of phone.E01 ($n)" \
	    test "$(count "$C2" "$t")" = "$n" -a "$n" -gt 0
done
check "failed steps are not done-records" test "$(count "$C2" triage_steps)" = 5
check "journal records the error" grep -q '"step":"list","status":"error","exit":1' "$C2/journal.jsonl"
check "failed run sealed" sh -c "tail -n 1 '$C2/journal.jsonl' | grep -q '\"type\":\"seal\"'"

# ---- known and alert sets ----
sqlite3 "$C/etk.db" "SELECT DISTINCT sha256 FROM hashes WHERE sha256 IS NOT NULL AND size > 0 AND locator LIKE 'phone.E01:%' ORDER BY sha256 LIMIT 3" >"$T/known.txt"
sqlite3 "$C/etk.db" "SELECT DISTINCT h.sha256 FROM hashes h JOIN files f ON f.locator = h.locator WHERE f.name LIKE '%.jpg' AND h.locator LIKE 'phone.E01:%' ORDER BY h.sha256 LIMIT 1" >"$T/alert.txt"
check "sets made" test -s "$T/known.txt" -a -s "$T/alert.txt"
C3=$T/case3
run etk-triage -o "$C3" --case-number OP-9 --examiner X --known "$T/known.txt" --alert "$T/alert.txt" --no-carve --no-extract "$P"
expect_rc 0
expect_err_has "ALERT: alert.txt: "
check "files known" test "$(sqlite3 "$C3/etk.db" "SELECT count(*) FROM hashes WHERE known = 'known.txt'")" -ge 3
check "alert in the database" test "$(sqlite3 "$C3/etk.db" "SELECT count(*) FROM hashes WHERE alert = 'alert.txt'")" -ge 1
check "no carve with --no-carve" test "$(count "$C3" carved)" = 0
# Other sets: the hash step is not the same step any more.
echo 0000000000000000000000000000000000000000000000000000000000000000 >"$T/other.txt"
run etk-triage -o "$C3" --known "$T/other.txt" --no-carve --no-extract "$P"
expect_rc 0
expect_out_has "phone.E01: list: skipped"
expect_out_has "phone.E01: hash: done"

# ---- -j1 and -j2: the same rows ----
run etk-triage -j1 -o "$T/j1" --case-number OP-J --examiner X "$P" "$I"
expect_rc 0
run etk-triage -j2 -o "$T/j2" --case-number OP-J --examiner X "$P" "$I"
expect_rc 0
dump "$T/j1" >"$T/dj1"
dump "$T/j2" >"$T/dj2"
check "-j1 and -j2 give the same rows" cmp -s "$T/dj1" "$T/dj2"
check "the dump has rows" test "$(wc -l <"$T/dj1")" -gt 100

# ---- a relative case directory (made with its parents) verifies ----
run_in "$T" etk-triage -o rel/case --case-number OP-R --examiner X --no-carve --no-hash "$P"
expect_rc 0
check "relative case made" test -f "$T/rel/case/case.json"
check "relative case verifies (outputs found)" etk-verify "$T/rel/case"

# ---- --acquire ----
C6=$T/case6
run etk-triage -o "$C6" --case-number OP-A --examiner X --acquire --no-carve "$FIX/phone.raw"
expect_rc 0
expect_out_has "phone.raw: acquire: done"
expect_out_has "phone.raw: verify: done"
check "image made" test -s "$C6/exhibits/phone.raw/image.E01"
check "image verifies" etk-verify "$C6/exhibits/phone.raw/image.E01"
check "journal: acquisition with --verify" grep -q '"argv":\["etk-image","-f","e01","--verify"' "$C6/journal.jsonl"
check "acquired image analysed" test "$(count "$C6" messages)" = "$(count "$C2" messages)"
run etk-triage -o "$C6" --acquire --acquire-format raw --no-carve --no-extract --no-hash "$FIX/phone.raw"
expect_rc 0
expect_out_has "phone.raw: acquire: done"
expect_out_has "phone.raw: verify: done"
# image.json is the E01's record: the raw image gets a name of its own.
check "raw image made" test -s "$C6/exhibits/phone.raw/image-2.raw"
check "raw record made" test -s "$C6/exhibits/phone.raw/image-2.json"
check "E01 and its record untouched" etk-verify "$C6/exhibits/phone.raw/image.E01"
run etk-triage -o "$C6" --acquire --acquire-format raw --no-carve --no-extract --no-hash "$FIX/phone.raw"
expect_rc 0
expect_out_has "phone.raw: acquire: skipped"
expect_out_has "phone.raw: list: skipped"

finish

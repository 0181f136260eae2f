#!/bin/sh
# etk-triage -j: the phone and iOS fixtures triaged one at a time (-j1)
# and at once (-j2) into two cases give the same rows per source; every
# step's journal line is its own tool's entry and that entry's rows are
# the rows numbered with it; the journal verifies; a re-run with -j2
# skips everything; a truncated source among good ones with -j2 leaves
# the others done (exit 3).  Whether the two sources overlapped in time
# is logged, not asserted (it depends on the machine).
. "$ETK_SRC/tests/cli/lib.sh"

P=$FIX/phone.E01
I=$FIX/ios-ffs.E01
TABLES="volumes files hashes carved messages calls contacts images pole_entities pole_links"

count() {
	sqlite3 "$1/etk.db" "SELECT count(*) FROM $2"
}

# The column that names a row's source (exhibit name before the ':'),
# per table; pole_* rows carry it in their record.
srccol() {
	case $1 in
	messages|calls|contacts) echo source ;;
	pole_entities|pole_links) echo record ;;
	*) echo locator ;;
	esac
}

# dump C: every data table's rows without id and action, evidence_id
# replaced by the evidence's name, sorted.
dump() {
	for _t in $TABLES; do
		_cols=$(sqlite3 "$1/etk.db" "SELECT group_concat(CASE name WHEN 'evidence_id' THEN '(SELECT name FROM evidence e WHERE e.id = t.evidence_id)' ELSE 't.' || name END, ',') FROM pragma_table_info('$_t') WHERE name NOT IN ('id', 'action')")
		echo "== $_t"
		sqlite3 "$1/etk.db" "SELECT $_cols FROM $_t t" | LC_ALL=C sort
	done
	echo "== evidence"
	sqlite3 "$1/etk.db" "SELECT id, name, path, kind, size, sha256 FROM evidence ORDER BY id"
}

# per_source C: for each table and exhibit, its row count
per_source() {
	for _t in $TABLES; do
		_c=$(srccol "$_t")
		for _ex in phone.E01 ios-ffs.E01; do
			echo "$_t $_ex $(sqlite3 "$1/etk.db" "SELECT count(*) FROM $_t WHERE $_c LIKE '%$_ex:%'")"
		done
	done
}

# step_lines C OUT: every "EX: STEP: done (journal line N)" of OUT names
# line N of C's journal, an entry of STEP's tool whose argv ends with the
# source of EX.  Prints the bad ones; fails when any or none.
step_lines() {
	_n=0
	_bad=0
	while read -r _ex _step _st _j _l _seq; do
		_ex=${_ex%:}
		_step=${_step%:}
		_seq=${_seq%)}
		case $_step in
		list) _tool=etk-ls ;;
		*) _tool=etk-$_step ;;
		esac
		case $_ex in
		trunc.E01) _src=$T/bad/$_ex ;;
		*) _src=$FIX/$_ex ;;
		esac
		_n=$((_n + 1))
		if ! sed -n "${_seq}p" "$1/journal.jsonl" | grep -F -- "\"argv\":[\"$_tool\"" | grep -qF -- "\"--\",\"$_src\"]"; then
			echo "line $_seq is not $_tool on $_src" >&2
			_bad=$((_bad + 1))
		fi
	done <<EOF
$(grep ': done (journal line [0-9]*)$' "$2")
EOF
	[ "$_n" -gt 0 ] && [ "$_bad" = 0 ]
}

# rows_of_entries C TOOL TABLE COLUMN MIN: for every entry of TOOL, the
# TABLE rows with its seq as action all name the entry's source (the
# exhibit's base name before ':' in COLUMN), and at least MIN entries
# have rows.
rows_of_entries() {
	_ok=1
	_seen=0
	for _seq in $(grep -nF -- "\"argv\":[\"$2\"" "$1/journal.jsonl" | cut -d: -f1); do
		_src=$(sed -n "${_seq}p" "$1/journal.jsonl" | sed 's/.*"--","\([^"]*\)"\].*/\1/')
		_b=${_src##*/}
		_all=$(sqlite3 "$1/etk.db" "SELECT count(*) FROM $3 WHERE action = $_seq")
		_his=$(sqlite3 "$1/etk.db" "SELECT count(*) FROM $3 WHERE action = $_seq AND $4 LIKE '$_b:%'")
		[ "$_all" -gt 0 ] && _seen=$((_seen + 1))
		if [ "$_all" != "$_his" ]; then
			echo "$2 at line $_seq ($_b): $_his of $_all $3 rows are its source's" >&2
			_ok=0
		fi
	done
	[ "$_ok" = 1 ] && [ "$_seen" -ge "$5" ]
}

# span C EX: "ts_start ts" of the triage's per-source entry for EX
span() {
	grep -F -- "\"exhibit\":\"$2\",\"steps\"" "$1/journal.jsonl" | tail -n 1 |
	    sed 's/.*"ts":"\([^"]*\)","ts_start":"\([^"]*\)".*/\2 \1/'
}

# ---- -j1 and -j2 into two cases ----
run etk-triage -j1 -o "$T/j1" --case-number OP-J --examiner X "$P" "$I"
expect_rc 0
cp "$T/out" "$T/out1"
run etk-triage -j2 -o "$T/j2" --case-number OP-J --examiner X "$P" "$I"
expect_rc 0
cp "$T/out" "$T/out2"
for c in j1 j2; do
	check "$c: journal verifies" etk-custody --case "$T/$c" verify
	check "$c: case verifies" etk-verify "$T/$c"
	check "$c: each step's journal line is its tool's entry" step_lines "$T/$c" "$T/out${c#j}"
	check "$c: 10 steps done" test "$(grep -c ': done (journal line [0-9]*)$' "$T/out${c#j}")" = 10
	check "$c: etk-hash entries number their own source's hashes" rows_of_entries "$T/$c" etk-hash hashes locator 2
	check "$c: etk-ls entries number their own source's files" rows_of_entries "$T/$c" etk-ls files locator 2
	# The iOS image has nothing to carve.
	check "$c: etk-carve entries number their own source's carved" rows_of_entries "$T/$c" etk-carve carved locator 1
	check "$c: etk-extract entries number their own source's messages" rows_of_entries "$T/$c" etk-extract messages source 2
	check "$c: done-records name the tools' entries" test "$(sqlite3 "$T/$c/etk.db" "SELECT count(*) FROM triage_steps t JOIN actions a ON a.seq = t.seq")" = 10
done
per_source "$T/j1" >"$T/n1"
per_source "$T/j2" >"$T/n2"
check "per source counts: -j1 = -j2" cmp -s "$T/n1" "$T/n2"
if ! cmp -s "$T/n1" "$T/n2"; then
	diff "$T/n1" "$T/n2" | head -20 >&2
fi
for t in files hashes messages calls contacts; do
	for ex in phone.E01 ios-ffs.E01; do
		check "$t of $ex found" test "$(grep "^$t $ex " "$T/n1" | cut -d' ' -f3)" -gt 0
	done
done
check "carved of phone.E01 found" test "$(grep "^carved phone.E01 " "$T/n1" | cut -d' ' -f3)" -gt 0
dump "$T/j1" >"$T/d1"
dump "$T/j2" >"$T/d2"
check "rows: -j1 = -j2 (without id and action)" cmp -s "$T/d1" "$T/d2"
if ! cmp -s "$T/d1" "$T/d2"; then
	diff "$T/d1" "$T/d2" | head -20 >&2
fi
check "the dump has rows" test "$(wc -l <"$T/d1")" -gt 100
check "evidence in source order" test "$(sqlite3 "$T/j2/etk.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM evidence ORDER BY id)")" = "phone.E01 ios-ffs.E01"
# The report lists the exhibits in the same order.
grep -o 'data-exhibit="[^"]*"' "$T/j1/reports/index.html" >"$T/r1"
grep -o 'data-exhibit="[^"]*"' "$T/j2/reports/index.html" >"$T/r2"
check "report: exhibits in the same order" cmp -s "$T/r1" "$T/r2"
check "report names both exhibits" test "$(sort -u "$T/r2" | wc -l)" -ge 2
# Overlap: logged only.
set -- $(span "$T/j2" phone.E01) $(span "$T/j2" ios-ffs.E01)
if [ $# = 4 ]; then
	if [ "$1" \< "$4" ] && [ "$3" \< "$2" ]; then
		echo "info: -j2: the sources overlapped (phone $1..$2, ios $3..$4)"
	else
		echo "info: -j2: the sources did not overlap (phone $1..$2, ios $3..$4)"
	fi
fi
check "-j2: per-source entries found" test $# = 4

# ---- five sources, -j4: more entries interleave ----
# (Taking the journal head after a tool as its entry fails here most
# runs; the lookup by argv never does.)
run etk-triage -j4 -o "$T/j4" --case-number OP-4 --examiner X "$P" "$I" "$FIX/fs.ext4" "$FIX/ios-ffs.tar" "$FIX/ntfs.raw"
expect_rc 0
check "-j4: 5 sources, steps done" test "$(grep -c ': done (journal line [0-9]*)$' "$T/out")" -ge 20
check "-j4: each step's journal line is its tool's entry" step_lines "$T/j4" "$T/out"
check "-j4: etk-hash entries number their own source's hashes" rows_of_entries "$T/j4" etk-hash hashes locator 5
check "-j4: etk-ls entries number their own source's files" rows_of_entries "$T/j4" etk-ls files locator 5
check "-j4: journal verifies" etk-custody --case "$T/j4" verify
per_source "$T/j4" >"$T/n4"
check "-j4: phone and iOS rows as -j1" cmp -s "$T/n1" "$T/n4"

# ---- re-run with -j2: everything skipped ----
n0=$(wc -l <"$T/j2/journal.jsonl")
run etk-triage -j2 -o "$T/j2" "$P" "$I"
expect_rc 0
check "re-run: 10 steps skipped" test "$(grep -c ': skipped (done at journal line [0-9]*)$' "$T/out")" = 10
check "re-run: nothing run" test "$(grep -c ': done' "$T/out")" = 0
check "re-run: 4 journal lines (2 sources, final, seal)" test "$(wc -l <"$T/j2/journal.jsonl")" = $((n0 + 4))
dump "$T/j2" >"$T/d3"
check "re-run leaves the rows" cmp -s "$T/d2" "$T/d3"
check "re-run: journal verifies" etk-custody --case "$T/j2" verify
# Skipped lines name the entries the first run found.
grep ': done (journal line' "$T/out2" | sed 's/: done (journal line \([0-9]*\))$/ \1/' | LC_ALL=C sort >"$T/s1"
grep ': skipped (done at journal line' "$T/out" | sed 's/: skipped (done at journal line \([0-9]*\))$/ \1/' | LC_ALL=C sort >"$T/s2"
check "re-run: skipped at the lines the run printed" cmp -s "$T/s1" "$T/s2"

# ---- the same source twice with -j2: one run of each tool ----
run etk-triage -j2 -o "$T/twice" --case-number OP-T --examiner X "$P" "$P"
expect_rc 0
check "same source twice: each step done once" test "$(grep -c ': done (journal line' "$T/out")" = 5
check "same source twice: then skipped" test "$(grep -c ': skipped (done at' "$T/out")" = 5
check "same source twice: hashes as one run" test "$(count "$T/twice" hashes)" = "$(sqlite3 "$T/j1/etk.db" "SELECT count(*) FROM hashes WHERE locator LIKE 'phone.E01:%'")"

# ---- a truncated source among good ones ----
mkdir "$T/bad"
head -c 100000 "$P" >"$T/bad/trunc.E01"
run etk-triage -j2 -o "$T/f" --case-number OP-F --examiner X "$T/bad/trunc.E01" "$P" "$I"
expect_rc 3
expect_out_has "trunc.E01: list: error (exit"
expect_out_has "phone.E01: carve: done"
expect_out_has "ios-ffs.E01: carve: done"
check "failed run: journal verifies" etk-custody --case "$T/f" verify
check "failed run: good steps' lines are their entries" step_lines "$T/f" "$T/out"
per_source "$T/f" >"$T/nf"
check "failed run: good sources' rows as -j1" cmp -s "$T/n1" "$T/nf"
check "failed run: done-records of the good sources only" test "$(count "$T/f" triage_steps)" = 10
check "failed run sealed" sh -c "tail -n 1 '$T/f/journal.jsonl' | grep -q '\"type\":\"seal\"'"

finish

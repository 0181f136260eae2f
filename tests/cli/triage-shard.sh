#!/bin/sh
# etk-triage --shard K/N (triage by source): the phone, iOS and ext4
# fixtures triaged by N = 2 shards (background jobs) and N = 3 shards
# (GNU parallel -j2, K from PARALLEL_SEQ) into one case that none of them
# made first; the shards make no manifest, report or seal; the final run
# without --shard skips every step, at the journal lines the shards
# printed, and makes them; the rows per source equal those of a plain
# triage of all sources; the journal verifies; a done shard run again
# appends nothing; twins stay in one shard; bad --shard values and a
# shard given another case's number exit 2; a shard whose only failure
# is transient (a tool's 75) or that is interrupted exits 75, and run
# again finishes.
. "$ETK_SRC/tests/cli/lib.sh"

P=$FIX/phone.E01
I=$FIX/ios-ffs.E01
E=$FIX/fs.ext4
PAR=$(command -v parallel || true)
TABLES="volumes files hashes carved messages calls contacts images pole_entities pole_links"
# Steps done per triage of the three: 5 + 5 + 4 (fs.ext4 has nothing to
# verify).
NSTEPS=14
unset ETK_SHARD SLURM_ARRAY_TASK_ID JOB_COMPLETION_INDEX PARALLEL_SEQ

# dump C: every data table's rows without id and action, evidence_id
# replaced by the evidence's name, sorted; then the evidence by name.
dump() {
	for _t in $TABLES; do
		_cols=$(sqlite3 "$1/etk.db" "SELECT group_concat(CASE name WHEN 'evidence_id' THEN '(SELECT name FROM evidence e WHERE e.id = t.evidence_id)' ELSE 't.' || name END, ',') FROM pragma_table_info('$_t') WHERE name NOT IN ('id', 'action')")
		echo "== $_t"
		sqlite3 "$1/etk.db" "SELECT $_cols FROM $_t t" | LC_ALL=C sort
	done
	echo "== evidence"
	sqlite3 "$1/etk.db" "SELECT name, path, kind, size, sha256 FROM evidence ORDER BY name"
}

srccol() {
	case $1 in
	messages|calls|contacts) echo source ;;
	pole_entities|pole_links) echo record ;;
	*) echo locator ;;
	esac
}

# per_source C: for each table and exhibit, its row count
per_source() {
	for _t in $TABLES; do
		_c=$(srccol "$_t")
		for _ex in phone.E01 ios-ffs.E01 fs.ext4; do
			echo "$_t $_ex $(sqlite3 "$1/etk.db" "SELECT count(*) FROM $_t WHERE $_c LIKE '%$_ex:%'")"
		done
	done
}

# done_lines FILE...: "EX STEP N" of every "done (journal line N)", sorted
done_lines() {
	cat "$@" | grep ': done (journal line [0-9]*)$' |
	    sed 's/^\([^:]*\): \([^:]*\): done (journal line \([0-9]*\))$/\1 \2 \3/' |
	    LC_ALL=C sort
}

skipped_lines() {
	grep ': skipped (done at journal line [0-9]*)$' "$1" |
	    sed 's/^\([^:]*\): \([^:]*\): skipped (done at journal line \([0-9]*\))$/\1 \2 \3/' |
	    LC_ALL=C sort
}

# exhibits FILE: the exhibits a run's output names, sorted, one line
exhibits() {
	sed -n 's/^\([^:]*\): .*/\1/p' "$1" | LC_ALL=C sort -u | tr '\n' ' '
}

no_outputs() {
	! ls "$1/reports" | grep -q . &&
	    ! grep -q '"type":"seal"' "$1/journal.jsonl"
}

has_outputs() {
	test -s "$1/reports/index.html" &&
	    ls "$1/reports" | grep -q '^manifest-[0-9]*\.json$' &&
	    tail -n 1 "$1/journal.jsonl" | grep -q '"type":"seal"'
}

seals() {
	grep -c '"type":"seal"' "$1/journal.jsonl"
}

# ---- usage ----
run etk-triage -h
expect_out_has "--shard K/N"
for s in 2/2 0/0 x 1/ /2 -1/2 1/2x; do
	run etk-triage --shard "$s" -o "$T/u" --case-number OP-U --examiner X "$P"
	expect_rc 2
	expect_err_first "etk-triage: "
done
check "bad --shard: no case made" test ! -e "$T/u"
run etk-triage --shard 3 -o "$T/u" --case-number OP-U --examiner X "$P"
expect_rc 2
expect_err_has "no shard index"
run env PARALLEL_SEQ=0 etk-triage --shard 3 -o "$T/u" --case-number OP-U --examiner X "$P"
expect_rc 2
run env ETK_SHARD=3 etk-triage --shard 3 -o "$T/u" --case-number OP-U --examiner X "$P"
expect_rc 2
check "bad shard index: no case made" test ! -e "$T/u"

# ---- the reference: one plain run of all sources ----
run etk-triage -j2 -o "$T/ref" --case-number OP-S --examiner X "$P" "$I" "$E"
expect_rc 0
check "reference: $NSTEPS steps done" test "$(grep -c ': done (journal line' "$T/out")" = $NSTEPS
per_source "$T/ref" >"$T/nref"
dump "$T/ref" >"$T/dref"
check "reference has rows" test "$(wc -l <"$T/dref")" -gt 100
for t in files hashes messages; do
	for ex in phone.E01 ios-ffs.E01; do
		check "reference: $t of $ex" test "$(grep "^$t $ex " "$T/nref" | cut -d' ' -f3)" -gt 0
	done
done
check "reference: files of fs.ext4" test "$(grep "^files fs.ext4 " "$T/nref" | cut -d' ' -f3)" -gt 0

# final C NAME: the final run of case C compared with the reference
final() {
	_fc=$1
	n0=$(wc -l <"$_fc/journal.jsonl")
	run etk-triage -o "$_fc" "$P" "$I" "$E"
	expect_rc 0
	cp "$T/out" "$T/$2.final"
	check "$2: final run skips all $NSTEPS steps" test "$(grep -c ': skipped (done at journal line [0-9]*)$' "$T/out")" = $NSTEPS
	check "$2: final run runs nothing" test "$(grep -c ': done' "$T/out")" = 0
	check "$2: final run: 5 journal lines (3 sources, final, seal)" test "$(wc -l <"$_fc/journal.jsonl")" = $((n0 + 5))
	skipped_lines "$T/out" >"$T/$2.skipped"
	check "$2: skipped at the lines the shards printed" cmp -s "$T/$2.done" "$T/$2.skipped"
	check "$2: report, manifest and seal after the final run" has_outputs "$_fc"
	check "$2: one seal" test "$(seals "$_fc")" = 1
	check "$2: journal verifies" etk-custody --case "$_fc" verify
	check "$2: case verifies" etk-verify "$_fc"
	per_source "$_fc" >"$T/$2.n"
	check "$2: rows per source as one plain run" cmp -s "$T/nref" "$T/$2.n"
	dump "$_fc" >"$T/$2.d"
	check "$2: rows as one plain run (without id and action)" cmp -s "$T/dref" "$T/$2.d"
	if ! cmp -s "$T/dref" "$T/$2.d"; then
		diff "$T/dref" "$T/$2.d" | head -20 >&2
	fi
	check "$2: evidence in source order" test "$(sqlite3 "$_fc/etk.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM evidence ORDER BY id)")" = "phone.E01 ios-ffs.E01 fs.ext4"
	check "$2: done-records name the tools' entries" test "$(sqlite3 "$_fc/etk.db" "SELECT count(*) FROM triage_steps t JOIN actions a ON a.seq = t.seq")" = $NSTEPS
}

# ---- N = 2, background jobs, racing to make the case ----
C2=$T/cases/s2
for k in 0 1; do
	(etk-triage --shard $k/2 -j1 -o "$C2" --case-number OP-S --examiner X "$P" "$I" "$E" >"$T/s2.$k.out" 2>"$T/s2.$k.err"; echo $? >"$T/s2.$k.rc") &
done
wait
for k in 0 1; do
	check "N=2: shard $k exits 0" test "$(cat "$T/s2.$k.rc")" = 0
	if [ "$(cat "$T/s2.$k.rc")" != 0 ]; then
		sed 's/^/  shard: /' "$T/s2.$k.err" | head -5 >&2
	fi
done
check "N=2: shard 0 has the phone (balanced by bytes)" test "$(exhibits "$T/s2.0.out")" = "phone.E01 "
check "N=2: shard 1 has the iOS image and fs.ext4" test "$(exhibits "$T/s2.1.out")" = "fs.ext4 ios-ffs.E01 "
check "N=2: every step done once" test "$(cat "$T/s2.0.out" "$T/s2.1.out" | grep -c ': done (journal line')" = $NSTEPS
check "N=2: one case made" test "$(sqlite3 "$C2/etk.db" "SELECT count(*) FROM evidence")" = 3
check "N=2: the lock file is gone" test -z "$(ls -A "$T/cases" | grep -v '^s2$')"
check "N=2: no report, manifest or seal yet" no_outputs "$C2"
check "N=2: journal verifies" etk-custody --case "$C2" verify
done_lines "$T/s2.0.out" "$T/s2.1.out" >"$T/s2.done"
# A done shard run again: nothing new.
n0=$(wc -l <"$C2/journal.jsonl")
run etk-triage --shard 1/2 -o "$C2" --case-number OP-S --examiner X "$P" "$I" "$E"
expect_rc 0
check "N=2 again: all 9 steps skipped" test "$(grep -c ': skipped (done at journal line' "$T/out")" = 9
check "N=2 again: nothing run" test "$(grep -c ': done' "$T/out")" = 0
check "N=2 again: no journal line" test "$(wc -l <"$C2/journal.jsonl")" = "$n0"
# A shard with no sources.
run etk-triage --shard 4/5 -o "$C2" "$P" "$I" "$E"
expect_rc 0
expect_out_empty
check "N=5 shard 4: no journal line" test "$(wc -l <"$C2/journal.jsonl")" = "$n0"
# Another case's number: refused.
run etk-triage --shard 0/2 -o "$C2" --case-number OP-OTHER --examiner X "$P" "$I" "$E"
expect_rc 2
expect_err_has "is case OP-S"
check "N=2: still no report" no_outputs "$C2"
final "$C2" s2

# ---- N = 3, GNU parallel -j2, K from PARALLEL_SEQ ----
C3=$T/s3
if [ -n "$PAR" ]; then
	RC=0
	"$PAR" -j2 "etk-triage --shard 3 -j1 -o '$C3' --case-number OP-S --examiner X '$P' '$I' '$E' >'$T/s3.{#}.out' 2>'$T/s3.{#}.err'" ::: a b c </dev/null || RC=$?
	echo "info: N=3 under GNU parallel"
else
	RC=0
	for k in 0 1 2; do
		(ETK_SHARD=$k etk-triage --shard 3 -j1 -o "$C3" --case-number OP-S --examiner X "$P" "$I" "$E" >"$T/s3.$((k + 1)).out" 2>"$T/s3.$((k + 1)).err" || echo >>"$T/s3.fail") &
	done
	wait
	[ -e "$T/s3.fail" ] && RC=1
	echo "info: N=3 as background jobs (no GNU parallel)"
fi
check "N=3: every shard exits 0" test "$RC" = 0
check "N=3: shard 0 has the phone" test "$(exhibits "$T/s3.1.out")" = "phone.E01 "
check "N=3: shard 1 has the iOS image" test "$(exhibits "$T/s3.2.out")" = "ios-ffs.E01 "
check "N=3: shard 2 has fs.ext4" test "$(exhibits "$T/s3.3.out")" = "fs.ext4 "
check "N=3: every step done once" test "$(cat "$T/s3.1.out" "$T/s3.2.out" "$T/s3.3.out" | grep -c ': done (journal line')" = $NSTEPS
check "N=3: no report, manifest or seal yet" no_outputs "$C3"
check "N=3: journal verifies" etk-custody --case "$C3" verify
done_lines "$T/s3.1.out" "$T/s3.2.out" "$T/s3.3.out" >"$T/s3.done"
final "$C3" s3
# After the final run, a shard changes nothing.
n0=$(wc -l <"$C3/journal.jsonl")
run env PARALLEL_SEQ=2 etk-triage --shard 3 -o "$C3" "$P" "$I" "$E"
expect_rc 0
expect_out_has "ios-ffs.E01: carve: skipped"
check "N=3 after the final run: no journal line" test "$(wc -l <"$C3/journal.jsonl")" = "$n0"

# ---- the same source twice stays in one shard ----
run etk-triage --shard 1/2 -o "$T/tw" --case-number OP-T --examiner X "$P" "$P" "$I"
expect_rc 0
check "twins: shard 1 has the iOS image only" test "$(exhibits "$T/out")" = "ios-ffs.E01 "
run etk-triage --shard 0/2 -o "$T/tw" "$P" "$P" "$I"
expect_rc 0
check "twins: shard 0 does the phone once" test "$(grep -c ': done (journal line' "$T/out")" = 5
check "twins: and skips its twin" test "$(grep -c ': skipped (done at' "$T/out")" = 5

# ---- transient failures: 75, and the shard run again finishes ----
# A copy of etk-triage runs the tools beside it: some are stand-ins.
# fake DIR: etk-triage and links to the real tools in DIR
fake() {
	mkdir "$1"
	cp "$BIN/etk-triage" "$1/"
	for _t in verify ls hash extract carve; do
		ln -s "$BIN/etk-$_t" "$1/etk-$_t"
	done
}
stub() {
	rm -f "$1"
	printf '#!/bin/sh\n%s\n' "$2" >"$1"
	chmod +x "$1"
}
fake "$T/f75"
stub "$T/f75/etk-hash" "exit 75"
run "$T/f75/etk-triage" --shard 0/1 -o "$T/t75" --case-number OP-F --examiner X "$P"
expect_rc 75
expect_out_has "phone.E01: hash: error (exit 75)"
expect_out_has "phone.E01: carve: done"
check "75: no report or seal" no_outputs "$T/t75"
run etk-triage --shard 0/1 -o "$T/t75" "$P"
expect_rc 0
check "75, run again: only hash runs" test "$(grep -c ': done (journal line' "$T/out")" = 1
expect_out_has "phone.E01: hash: done"
# A permanent failure beside a transient one: partial.
stub "$T/f75/etk-carve" "exit 1"
run "$T/f75/etk-triage" --shard 0/1 --no-extract -o "$T/t3" --case-number OP-F --examiner X "$P"
expect_rc 3
# Without --shard a transient failure is a failed step: partial.
run "$T/f75/etk-triage" --no-carve -o "$T/t3b" --case-number OP-F --examiner X "$P"
expect_rc 3

# ---- interrupted: 75, no seal; run again, it finishes ----
fake "$T/fint"
stub "$T/fint/etk-ls" "sleep 2"
"$T/fint/etk-triage" --shard 0/1 -j1 -o "$T/ti" --case-number OP-I --examiner X "$P" >"$T/ti.out" 2>"$T/ti.err" </dev/null &
pid=$!
i=0
while [ $i -lt 100 ] && ! ls "$T/ti/logs" 2>/dev/null | grep -q 'phone.E01-list'; do
	sleep 0.2
	i=$((i + 1))
done
kill -TERM $pid
RC=0
wait $pid || RC=$?
check "interrupted shard exits 75" test "$RC" = 75
check "interrupted: later steps not run" grep -q "phone.E01: hash: not run: interrupted" "$T/ti.out"
check "interrupted: journal verifies" etk-custody --case "$T/ti" verify
check "interrupted: no report or seal" no_outputs "$T/ti"
run etk-triage --shard 0/1 -o "$T/ti" "$P"
expect_rc 0
expect_out_has "phone.E01: verify: skipped"
expect_out_has "phone.E01: list: done"
expect_out_has "phone.E01: carve: done"

finish

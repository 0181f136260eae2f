#!/bin/sh
# Sharded runs, plans and merges (SCALE.md §4.1): etk plan and etk merge
# keep the command contract; N = 1, 2, 4 and 8 shards of etk hash and of
# etk carve run under GNU parallel -j2 merge into a case whose rows are
# those of a single run, table by table; a shard killed mid-run is rerun
# by parallel --resume-failed and the result is the same; a done shard is
# not redone; shards of two plans, a missing shard and a changed shard
# file are refused; shard files do not depend on TZ or -j.
. "$ETK_SRC/tests/cli/lib.sh"

SD=$FIX/sd.raw
P=$FIX/phone.E01
E4=$FIX/fs.ext4
PAR=$(command -v parallel || true)

# ---------------------------------------------------------------- contract
contract etk-plan
contract etk-merge
run etk-plan -h
for f in --shards --output; do expect_out_has "$f"; done
run etk-merge -h
for f in --db --shard --case --json; do expect_out_has "$f"; done
run etk-plan hash "$E4"
expect_rc 2
expect_err_first "etk-plan: no number of shards (-n N)"
run etk-plan -n 0 hash "$E4"
expect_rc 2
run etk-plan -n 2 ls "$E4"
expect_rc 2
expect_err_has "not sharded by a plan"
run etk-merge
expect_rc 2
expect_err_first "etk-merge: no shard directory given"
run etk-merge "$T/nowhere"
expect_rc 2
expect_err_has "nothing to merge into"
run etk-merge --shard 1 --case "$T/x" "$T/nowhere"
expect_rc 2
expect_err_has "--shard needs --db"
run etk-hash --shard-out "$T/so" "$E4"
expect_rc 2
expect_err_has "need --shard"
check "a usage error writes nothing" test ! -e "$T/so"

# ---------------------------------------------------------------- plans
run etk-plan -n 4 -o "$T/p.json" hash "$P" "$E4"
expect_rc 0
run etk-hash --print-plan 4 "$P" "$E4"
check "etk plan writes what the tool computes" cmp -s "$T/out" "$T/p.json"
run env TZ=Pacific/Chatham LC_ALL=C.UTF-8 etk-hash --print-plan 4 "$P" "$E4"
check "the plan does not depend on TZ or locale" cmp -s "$T/out" "$T/p.json"
run etk-plan -n 4 -o "$T/p.json" hash "$P" "$E4"
expect_rc 1
expect_err_has "exists; refusing to overwrite"
python3 - "$T/p.json" >"$T/pcheck" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
sh = p["shards"]
assert p["n"] == 4 and len(sh) == 4 and p["unit"] == "file"
assert sh[0]["first"] == 0
for a, b in zip(sh, sh[1:]):
    assert a["end"] == b["first"]
print(sh[-1]["end"], sum(s["bytes"] for s in sh))
EOF
check "plan shards are contiguous and cover every file" test -s "$T/pcheck"
run etk-hash -c md5 --plan "$T/p.json" --shard 0/4 --shard-out "$T/so" "$P" "$E4"
expect_rc 2
expect_err_has "is not the plan of these sources and options"
check "a refused plan writes nothing" test ! -e "$T/so/shard-0.db"

# Bad plan files: truncated, not JSON, another shape.
head -c 100 "$T/p.json" >"$T/p-cut.json"
printf '\000\377garbage' >"$T/p-bin.json"
printf '{"plan_id":"%s","shards":[{"k":0}]}' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan_id"])' "$T/p.json")" >"$T/p-shape.json"
for f in p-cut p-bin; do
	run etk-hash --plan "$T/$f.json" --shard 0/4 "$P" "$E4"
	expect_rc 2
	expect_err_has "is not JSON"
	expect_err_oneline "etk-hash: "
done
run etk-hash --plan "$T/p-shape.json" --shard 0/4 "$P" "$E4"
expect_rc 2
expect_err_has "is not 4 shards"
run etk-hash --plan "$T/no-such-plan.json" --shard 0/4 "$P" "$E4"
expect_rc 2
expect_err_has "cannot read plan"

# A single run into a case: the reference.
fresh_case() {
	rm -rf "$1"
	etk-init -q "$1" --case SH-1 --examiner Tester >/dev/null 2>&1
}
# The rows of a case's tables, every column but the database's own
# row id (the actions table, which holds times, is left out).
dump() {
	for t in evidence files hashes carved volumes pieces messages calls \
	    contacts images; do
		echo "== $t"
		sqlite3 "$1/etk.db" "SELECT * FROM $t ORDER BY id"
	done
}

fresh_case "$T/one-h"
run etk-hash -q -c md5,sha1,sha256 --case "$T/one-h" "$P" "$E4"
expect_rc 0
dump "$T/one-h" >"$T/one-h.dump"
check "the reference run has files" grep -q "phone.E01:" "$T/one-h.dump"
fresh_case "$T/one-c"
run etk-carve -q --scope all --max-size 1M --case "$T/one-c" -o "$T/one-c.out" "$SD"
expect_rc 0
dump "$T/one-c" >"$T/one-c.dump"
check "the reference carve has rows" test "$(sqlite3 "$T/one-c/etk.db" 'SELECT count(*) FROM carved')" -gt 2

# Piecewise digests: windows at absolute offsets, each equal to dd's.
fresh_case "$T/one-p"
run etk-hash -q --piecewise 5000000 -c md5,sha256 --json --case "$T/one-p" "$SD"
expect_rc 0
grep -v '"record":"summary"' "$T/out" >"$T/one-p.jsonl"
check "piecewise: 14 windows of 64 MiB in 5 MB" test "$(wc -l <"$T/one-p.jsonl")" -eq 14
for i in 0 6 13; do
	want=$(dd if="$SD" bs=1000000 skip=$((i * 5)) count=5 2>/dev/null | sha256sum | cut -d' ' -f1)
	check "piecewise: window $i equals dd | sha256sum" grep -q "\"offset\":$((i * 5000000)),.*\"sha256\":\"$want\"" "$T/one-p.jsonl"
done
check "piecewise: the last window is short" grep -q '"offset":65000000,"len":2108864' "$T/one-p.jsonl"
check "piecewise: rows in the case" test "$(sqlite3 "$T/one-p/etk.db" 'SELECT count(*) FROM pieces WHERE md5 IS NOT NULL')" -eq 14
dump "$T/one-p" >"$T/one-p.dump"
: >"$T/p-sh.jsonl"
for k in 0 1 2 3; do
	run etk-hash -q --piecewise 5000000 -c md5,sha256 --json --shard $k/4 \
	    --shard-out "$T/psh" "$SD"
	expect_rc 0
	grep -v '"record":"summary"' "$T/out" >>"$T/p-sh.jsonl"
done
check "piecewise: 4 shards' records == one run's" cmp -s "$T/one-p.jsonl" "$T/p-sh.jsonl"
fresh_case "$T/m-p"
run etk-merge -q --case "$T/m-p" "$T/psh"
expect_rc 0
dump "$T/m-p" >"$T/m-p.dump"
check "piecewise: merged case rows == one run's" cmp -s "$T/one-p.dump" "$T/m-p.dump"
run etk-hash --piecewise 1M --known "$T/p.json" "$SD"
expect_rc 2
expect_err_has "not with --known"

if [ -z "$PAR" ]; then
	echo "SKIP: GNU parallel not installed (scripts/install-deps.sh)"
else
	for n in 1 2 4 8; do
		seq 0 $((n - 1)) >"$T/ks"
		# hash: a plan, N shards under parallel -j2, one merge
		rm -f "$T/plan-$n.json"
		etk-plan -n $n -o "$T/plan-$n.json" hash -c md5,sha1,sha256 \
		    "$P" "$E4" 2>/dev/null
		run parallel -j2 --joblog "$T/log-h$n" etk-hash -q -c md5,sha1,sha256 \
		    --plan "$T/plan-$n.json" --shard {}/$n --shard-out "$T/sh-$n" \
		    "$P" "$E4" :::: "$T/ks"
		expect_rc 0
		check "hash N=$n: $n done-records" test "$(ls "$T/sh-$n"/*.done.json | wc -l)" -eq $n
		fresh_case "$T/m-h$n"
		run etk-merge --case "$T/m-h$n" --json "$T/sh-$n"
		expect_rc 0
		check "hash N=$n: one shard record per shard" test "$(grep -c '"record":"shard"' "$T/out")" -eq $n
		dump "$T/m-h$n" >"$T/m-h$n.dump"
		check "hash N=$n: merged case rows == one run's" cmp -s "$T/one-h.dump" "$T/m-h$n.dump"
		# carve: N shards, each with its own -o, one merge
		mkdir -p "$T/co-$n"
		run parallel -j2 --joblog "$T/log-c$n" etk-carve -q --scope all --max-size 1M \
		    --shard {}/$n --shard-out "$T/cs-$n" -o "$T/co-$n/{}" "$SD" :::: "$T/ks"
		expect_rc 0
		fresh_case "$T/m-c$n"
		run etk-merge -q --case "$T/m-c$n" "$T/cs-$n"
		expect_rc 0
		dump "$T/m-c$n" >"$T/m-c$n.dump"
		check "carve N=$n: merged case rows == one run's" cmp -s "$T/one-c.dump" "$T/m-c$n.dump"
		(cd "$T/one-c.out" && find . -type f ! -name carved.jsonl | sort) >"$T/f.one"
		for k in $(cat "$T/ks"); do
			(cd "$T/co-$n/$k" && find . -type f ! -name carved.jsonl)
		done | sort >"$T/f.sh"
		check "carve N=$n: the same files as one run" cmp -s "$T/f.one" "$T/f.sh"
	done

	# extract: N shards of a source's files; POLE is refused (it
	# indexes a whole run).
	W=messages,calls,contacts,images
	for src in "$P" "$FIX/ios-ffs.E01"; do
		b=$(basename "$src")
		fresh_case "$T/one-x$b"
		run etk-extract -q --what $W --case "$T/one-x$b" -o "$T/one-x$b.out" "$src"
		expect_rc 0
		dump "$T/one-x$b" >"$T/one-x$b.dump"
		check "extract $b: the reference has messages" test "$(sqlite3 "$T/one-x$b/etk.db" 'SELECT count(*) FROM messages')" -gt 5
		for n in 1 2 4; do
			seq 0 $((n - 1)) >"$T/ks"
			mkdir -p "$T/xo-$b-$n"
			run parallel -j2 etk-extract -q --what $W --shard {}/$n \
			    --shard-out "$T/xs-$b-$n" -o "$T/xo-$b-$n/{}" "$src" :::: "$T/ks"
			expect_rc 0
			fresh_case "$T/m-x$b$n"
			run etk-merge -q --case "$T/m-x$b$n" "$T/xs-$b-$n"
			expect_rc 0
			dump "$T/m-x$b$n" >"$T/m-x$b$n.dump"
			check "extract $b N=$n: merged case rows == one run's" cmp -s "$T/one-x$b.dump" "$T/m-x$b$n.dump"
		done
	done
	run etk-extract --shard 0/2 --shard-out "$T/xp" -o "$T/xpo" "$P"
	expect_rc 2
	expect_err_has "POLE indexes a whole run"

	# The merge entry names every shard file with its digest, and the
	# case still verifies.
	run etk-custody --case "$T/m-h4" verify
	expect_rc 0
	tail -1 "$T/m-h4/journal.jsonl" >"$T/last"
	check "merge entry: type merge" grep -q '"type":"merge"' "$T/last"
	check "merge entry: the plan id" grep -q "\"merged_plan\":\"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan_id"])' "$T/plan-4.json")\"" "$T/last"
	for k in 0 1 2 3; do
		s=$(sha256sum "$T/sh-4/shard-$k.db" | cut -d' ' -f1)
		check "merge entry: shard $k's digest" grep -q "$s" "$T/last"
	done
	# Merging the same plan again does nothing.
	run etk-merge --case "$T/m-h4" "$T/sh-4"
	expect_rc 0
	expect_err_has "already in the case"
	dump "$T/m-h4" >"$T/again.dump"
	check "a second merge adds no row" cmp -s "$T/one-h.dump" "$T/again.dump"

	# A done shard is not run again.
	s0=$(sha256sum "$T/sh-4/shard-1.db")
	run etk-hash -c md5,sha1,sha256 --plan "$T/plan-4.json" --shard 1/4 \
	    --shard-out "$T/sh-4" "$P" "$E4"
	expect_rc 0
	expect_err_has "already done"
	check "a done shard's output is untouched" test "$s0" = "$(sha256sum "$T/sh-4/shard-1.db")"

	# Shard files are byte-identical whatever TZ and -j.
	run env TZ=Asia/Kolkata etk-hash -q -j1 -c md5,sha1,sha256 --shard 2/4 \
	    --shard-out "$T/tz" "$P" "$E4"
	expect_rc 0
	check "shard file: same bytes under another TZ and -j1" cmp -s "$T/tz/shard-2.db" "$T/sh-4/shard-2.db"

	# A shard killed mid-run: no done-record, exit 75; parallel
	# --resume-failed runs it again and the merge is the same.  The
	# image is the SD card's bytes in a 1 GiB sparse file, so that each
	# shard reads for a while; the kill comes once the shard's database
	# exists, i.e. mid-run.
	cp "$SD" "$T/big.raw"
	truncate -s 1G "$T/big.raw"
	fresh_case "$T/one-b"
	run etk-carve -q --scope all --max-size 1M --case "$T/one-b" -o "$T/one-b.out" "$T/big.raw"
	expect_rc 0
	dump "$T/one-b" >"$T/one-b.dump"
	cat >"$T/worker.sh" <<EOF
#!/bin/sh
k=\$1
if [ "\$k" = 2 ] && [ ! -e "$T/killed" ]; then
	touch "$T/killed"
	etk-carve -q --scope all --max-size 1M -j1 --shard 2/4 --shard-out "$T/kill-sh" -o "$T/ko/2" "$T/big.raw" &
	pid=\$!
	i=0
	while [ \$i -lt 500 ] && ! ls "$T/kill-sh"/shard-2.db.tmp-* >/dev/null 2>&1; do
		sleep 0.01
		i=\$((i + 1))
	done
	kill -KILL \$pid 2>/dev/null
	wait \$pid
	exit 75
fi
exec etk-carve -q --scope all --max-size 1M --shard \$k/4 --shard-out "$T/kill-sh" -o "$T/ko/\$k" "$T/big.raw"
EOF
	chmod +x "$T/worker.sh"
	mkdir -p "$T/ko"
	run parallel -j2 --joblog "$T/klog" "$T/worker.sh" {} ::: 0 1 2 3
	check "parallel reports the killed shard" test "$RC" -ne 0
	check "the killed shard has no done-record" test ! -e "$T/kill-sh/shard-2.done.json"
	check "the killed shard left its temp file" test -n "$(ls "$T/kill-sh" | grep tmp || true)"
	fresh_case "$T/m-k"
	run etk-merge -q --case "$T/m-k" "$T/kill-sh"
	expect_rc 3
	expect_err_has "shard 2/4 is not done"
	rm -rf "$T/ko/2"
	run parallel -j2 --resume-failed --joblog "$T/klog" "$T/worker.sh" {} ::: 0 1 2 3
	expect_rc 0
	check "--resume-failed ran only shard 2 again" test "$(awk 'NR > 1 && $NF == 2 { n++ } END { print n }' "$T/klog")" -eq 2
	check "no temp file left of the killed shard" test -z "$(ls "$T/kill-sh" | grep tmp || true)"
	fresh_case "$T/m-k"
	run etk-merge -q --case "$T/m-k" "$T/kill-sh"
	expect_rc 0
	dump "$T/m-k" >"$T/m-k.dump"
	check "killed and resumed: rows == one run's" cmp -s "$T/one-b.dump" "$T/m-k.dump"

	# A shard stopped by SIGTERM (an engine preempting it) ends 75
	# with no done-record and no temp file, so it is run again.
	mkdir -p "$T/to"
	etk-carve -q --scope all --max-size 1M -j1 --shard 1/4 --shard-out "$T/term-sh" \
	    -o "$T/to/1" "$T/big.raw" >/dev/null 2>"$T/term.err" &
	pid=$!
	i=0
	while [ $i -lt 500 ] && ! ls "$T/term-sh"/shard-1.db.tmp-* >/dev/null 2>&1; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -TERM $pid 2>/dev/null
	wait $pid
	RC=$?
	check "SIGTERM mid-shard exits 75 (got $RC)" test "$RC" -eq 75
	check "SIGTERM mid-shard: no done-record" test ! -e "$T/term-sh/shard-1.done.json"
	check "SIGTERM mid-shard: no shard file or temp file" test -z "$(ls "$T/term-sh")"

	# Refusals: two plans in one directory, a changed shard file.
	mkdir -p "$T/mixed"
	cp "$T/sh-2/shard-0.db" "$T/sh-2/shard-0.done.json" "$T/mixed/"
	cp "$T/sh-4/shard-1.db" "$T/sh-4/shard-1.done.json" "$T/mixed/"
	fresh_case "$T/m-x"
	run etk-merge --case "$T/m-x" "$T/mixed"
	expect_rc 2
	expect_err_has "shards of two plans"
	cp -r "$T/sh-2" "$T/bad"
	printf 'x' >>"$T/bad/shard-1.db"
	run etk-merge --case "$T/m-x" "$T/bad"
	expect_rc 4
	expect_err_has "but its done-record says"
	check "a refused merge adds no row" test "$(sqlite3 "$T/m-x/etk.db" 'SELECT count(*) FROM files')" -eq 0
	# A shard file that is not a shard database (its done-record
	# agreeing): the merge fails whole, and a later good merge of the
	# same plan is not taken for done.
	cp -r "$T/sh-2" "$T/corrupt"
	cp "$T/corrupt/shard-1.db" "$T/good-1.db"
	printf 'not a database' >"$T/corrupt/shard-1.db"
	good=$(sha256sum "$T/good-1.db" | cut -d' ' -f1)
	bad=$(sha256sum "$T/corrupt/shard-1.db" | cut -d' ' -f1)
	sed -i "s/$good/$bad/" "$T/corrupt/shard-1.done.json"
	fresh_case "$T/m-y"
	run etk-merge --case "$T/m-y" "$T/corrupt"
	expect_rc 1
	expect_err_has "shard-1.db"
	check "a failed merge adds no row" test "$(sqlite3 "$T/m-y/etk.db" 'SELECT count(*) FROM files')" -eq 0
	cp "$T/good-1.db" "$T/corrupt/shard-1.db"
	sed -i "s/$bad/$good/" "$T/corrupt/shard-1.done.json"
	run etk-merge -q --case "$T/m-y" "$T/corrupt"
	expect_rc 0
	check "after a failed merge, the plan merges" test "$(sqlite3 "$T/m-y/etk.db" 'SELECT count(*) FROM files')" -eq "$(sqlite3 "$T/one-h/etk.db" 'SELECT count(*) FROM files')"
	# Hostile done-records: garbage, and one whose output names a file
	# outside the shard directory.
	cp -r "$T/sh-2" "$T/hostile"
	printf 'garbage' >"$T/hostile/shard-1.done.json"
	run etk-merge --case "$T/m-y" "$T/hostile"
	expect_rc 2
	expect_err_has "not a done-record"
	cp "$T/sh-2/shard-1.done.json" "$T/hostile/"
	sed -i 's/"path":"shard-1.db"/"path":"..\/..\/etc\/passwd"/' "$T/hostile/shard-1.done.json"
	run etk-merge --case "$T/m-y" "$T/hostile"
	expect_rc 2
	expect_err_has "not an etk-shard/1 done-record"
	# A done-record of another plan in the output directory is refused.
	run etk-hash -q -c md5 --shard 0/2 --shard-out "$T/sh-2" "$P" "$E4"
	expect_rc 2
	expect_err_has "belongs to plan"
fi

finish

#!/bin/sh
# lib/pg through its test driver (the test_pg unit binary: `test_pg
# mkshard` writes a shard file, `test_pg load` loads one the way `etk
# merge --db` does): four shards loaded by two processes at a time into a
# private PostgreSQL server, twice (same rows), a shard loaded by two
# processes at once, exit 75 for a server that is not there, exit 1 for
# a file that is not a shard.  The multi-host version is pg-netns.sh.
. "$ETK_SRC/tests/cli/lib.sh"
. "$ETK_SRC/tests/pg/pg-lib.sh"

DRV=$BIN/../test_pg
if [ ! -x "$DRV" ]; then
	echo "SKIP: test driver $DRV not built"
	exit 77
fi
trap 'pg_stop; rm -rf "$T"' EXIT INT TERM
pg_start || exit $?

N=4
k=0
while [ $k -lt $N ]; do
	run "$DRV" mkshard "$T/shard-$k.db" $k $N plan-cli $((100 + k))
	expect_rc 0
	k=$((k + 1))
done
# rows of shard k: 18 + 2 * (100 + k); files: 100 + k
FILES=$((100 + 101 + 102 + 103))
ROWS=$((4 * 18 + 2 * FILES))

count() {
	pg_sql "SELECT count(*) FROM $1 WHERE plan_id = 'plan-cli'"
}

# two loaders at a time, each on its own shard; twice
for round in 1 2; do
	for pair in "0 1" "2 3"; do
		set -- $pair
		"$DRV" load "$ETK_PG_URL" "$T/shard-$1.db" >"$T/l$1" 2>&1 &
		p1=$!
		"$DRV" load "$ETK_PG_URL" "$T/shard-$2.db" >"$T/l$2" 2>&1 &
		p2=$!
		rc1=0; wait $p1 || rc1=$?
		rc2=0; wait $p2 || rc2=$?
		check "round $round: loader of shard $1 exits 0 ($(cat "$T/l$1"))" \
		    [ "$rc1" -eq 0 ]
		check "round $round: loader of shard $2 exits 0 ($(cat "$T/l$2"))" \
		    [ "$rc2" -eq 0 ]
		check "round $round: shard $1 reports its rows" \
		    grep -qx "rows $((18 + 2 * (100 + $1)))" "$T/l$1"
	done
	check "round $round: files $FILES" [ "$(count files)" = $FILES ]
	check "round $round: hashes $FILES" [ "$(count hashes)" = $FILES ]
	check "round $round: pole_links 12" [ "$(count pole_links)" = 12 ]
	check "round $round: shard_loads" [ "$(pg_sql "SELECT count(*) || ' '
	    || sum(rows) FROM shard_loads WHERE plan_id = 'plan-cli'")" = \
	    "4 $ROWS" ]
done
check "one evidence row per path" [ "$(pg_sql 'SELECT count(*) FROM evidence')" = 2 ]

# the same shard by two processes at once: one copy of its rows
"$DRV" load "$ETK_PG_URL" "$T/shard-3.db" >"$T/a" 2>&1 &
p1=$!
"$DRV" load "$ETK_PG_URL" "$T/shard-3.db" >"$T/b" 2>&1 &
p2=$!
rc1=0; wait $p1 || rc1=$?
rc2=0; wait $p2 || rc2=$?
check "same shard twice at once: both exit 0" [ "$rc1$rc2" = 00 ]
check "same shard twice at once: files $FILES" [ "$(count files)" = $FILES ]
check "same shard twice at once: pole_links 12" [ "$(count pole_links)" = 12 ]

# a server that is not there: 75 (retry later); not a shard file: 1
run "$DRV" load "postgresql://etk@/etk?host=$T&port=1" "$T/shard-0.db"
expect_rc 75
expect_err_has "PostgreSQL: cannot connect: "
printf 'not a database\n' >"$T/junk.db"
run "$DRV" load "$ETK_PG_URL" "$T/junk.db"
expect_rc 1
expect_err_has "$T/junk.db: "
run "$DRV" load "postgresql://etk@/etk?port=x" "$T/shard-0.db"
expect_rc 2
check "nothing else loaded" [ "$(count files)" = $FILES ]

finish

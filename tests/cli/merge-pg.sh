#!/bin/sh
# etk merge --db: sharded `etk hash --shard K/N --shard-out DIR` outputs
# loaded into a private PostgreSQL server give the rows of a single
# `etk hash --case` run (files and hashes, every column but id, action
# and evidence_id, which is compared as the evidence's path); loading
# again leaves the same rows; --shard K loads shard K only; a missing
# shard is exit 3, a shard whose digest does not match its done-record
# exit 4, a server that is not there exit 75 (nothing loaded); and two
# `etk merge --db` in two network namespaces (two "hosts" over TCP,
# SCALE.md §3) load disjoint shards at the same time without loss (that
# part needs root and ip netns; it is skipped otherwise).
. "$ETK_SRC/tests/cli/lib.sh"
. "$ETK_SRC/tests/pg/pg-lib.sh"

SRC=$FIX/sd.raw
N=4
DIG=md5,sha1,sha256

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: no sqlite3 command"
	exit 77
fi

NS1= NS2= VH1= VH2=
cleanup() {
	pg_stop
	[ -n "$NS1" ] && ip netns del "$NS1" 2>/dev/null
	[ -n "$NS2" ] && ip netns del "$NS2" 2>/dev/null
	[ -n "$VH1" ] && ip link del "$VH1" 2>/dev/null
	[ -n "$VH2" ] && ip link del "$VH2" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------ the runs
run etk init "$T/case" --case MERGE-PG-1 --examiner "Test Examiner"
expect_rc 0
run etk hash -q --case "$T/case" -c $DIG "$SRC"
expect_rc 0
k=0
while [ $k -lt $N ]; do
	run etk hash -q -c $DIG --shard $k/$N --shard-out "$T/shards" "$SRC"
	expect_rc 0
	check "shard $k written" test -f "$T/shards/shard-$k.db"
	check "shard $k done" test -f "$T/shards/shard-$k.done.json"
	k=$((k + 1))
done

pg_start || exit $?

# rows TABLE COLS: the rows of the reference run (etk.db), one line each,
# every value hex-encoded (N: NULL), sorted; pgrows TABLE COLS [WHERE]:
# the same from the server
FCOLS="locator volume inode path name size allocated deleted type mime
    mtime atime ctime crtime md5 sha1 sha256"
HCOLS="locator size md5 sha1 sha256 ssdeep known alert ext_mismatch"
rows() {
	_t=$1 _q= _ev=
	for _c in $2; do
		_q="$_q${_q:+ || '|' || }CASE WHEN t.$_c IS NULL THEN 'N' ELSE
		    'x' || lower(hex(CAST(t.$_c AS TEXT))) END"
	done
	[ "$_t" = files ] && _ev=" || '|' || lower(hex((SELECT path FROM
	    evidence e WHERE e.id = t.evidence_id)))"
	sqlite3 "$T/case/etk.db" "SELECT $_q$_ev FROM $_t t" | LC_ALL=C sort
}
pgrows() {
	_t=$1 _q= _ev=
	for _c in $2; do
		_q="$_q${_q:+ || '|' || }CASE WHEN t.\"$_c\" IS NULL THEN 'N'
		    ELSE 'x' || encode(convert_to(t.\"$_c\"::text, 'UTF8'),
		    'hex') END"
	done
	[ "$_t" = files ] && _ev=" || '|' || encode(convert_to((SELECT path
	    FROM evidence e WHERE e.id = t.evidence_id), 'UTF8'), 'hex')"
	pg_sql "SELECT $_q$_ev FROM $_t t ${3:-}" | LC_ALL=C sort
}
rows files "$FCOLS" >"$T/ref.files"
rows hashes "$HCOLS" >"$T/ref.hashes"
NF=$(wc -l <"$T/ref.files")
NH=$(wc -l <"$T/ref.hashes")
check "the reference run has files ($NF)" [ "$NF" -ge 5 ]
check "the reference run has hashes ($NH)" [ "$NH" -ge 5 ]

# same_as_single LABEL: the server holds exactly the reference rows
same_as_single() {
	pgrows files "$FCOLS" >"$T/pg.files"
	pgrows hashes "$HCOLS" >"$T/pg.hashes"
	check "$1: files rows equal a single run's" cmp -s "$T/ref.files" \
	    "$T/pg.files"
	check "$1: hashes rows equal a single run's" cmp -s "$T/ref.hashes" \
	    "$T/pg.hashes"
}

# ----------------------------------------------------- merge, and again
run etk merge --db "$ETK_PG_URL" "$T/shards"
expect_rc 0
same_as_single "first merge"
PLAN=$(pg_sql "SELECT DISTINCT plan_id FROM shard_loads")
check "one plan loaded ($PLAN)" [ -n "$PLAN" ]
check "$N shards loaded" \
    [ "$(pg_sql "SELECT count(*) FROM shard_loads")" = $N ]
check "shard_loads: the done-records' digests" [ "$(pg_sql "SELECT
    string_agg(sha256, ' ' ORDER BY k) FROM shard_loads")" = "$(k=0
    while [ $k -lt $N ]; do sha256sum "$T/shards/shard-$k.db" | cut -c1-64
    k=$((k + 1)); done | tr '\n' ' ' | sed 's/ $//')" ]
run etk merge --db "$ETK_PG_URL" "$T/shards"
expect_rc 0
same_as_single "second merge"

# --shard K: only shard K
n2=$(pg_sql "SELECT count(*) FROM files WHERE shard = 2")
check "shard 2 has files ($n2)" [ "$n2" -gt 0 ]
pg_sql "DELETE FROM files WHERE shard IN (1, 2);
    DELETE FROM hashes WHERE shard IN (1, 2)" >/dev/null
n1=$(pg_sql "SELECT count(*) FROM files")
run etk merge --db "$ETK_PG_URL" --shard 2 "$T/shards"
expect_rc 0
check "--shard 2 loads shard 2 and nothing else" \
    [ "$(pg_sql "SELECT count(*) FROM files")" = $((n1 + n2)) ]
check "--shard 2 leaves shard 1 alone" \
    [ "$(pg_sql "SELECT count(*) FROM files WHERE shard = 1")" = 0 ]
run etk merge --db "$ETK_PG_URL" --shard 1 "$T/shards"
expect_rc 0
same_as_single "after --shard 1 and 2"

# ------------------------------------------------------------ failures
mkdir "$T/missing" "$T/tampered"
cp "$T/shards"/* "$T/missing/"
rm "$T/missing/shard-3.db" "$T/missing/shard-3.done.json"
run etk merge --db "$ETK_PG_URL" "$T/missing"
expect_rc 3
cp "$T/shards"/* "$T/tampered/"
sqlite3 "$T/tampered/shard-1.db" "UPDATE files SET sha256 = 'x' WHERE
    id = (SELECT min(id) FROM files)"
run etk merge --db "$ETK_PG_URL" "$T/tampered"
expect_rc 4
run etk merge --db "postgresql://etk@/etk?host=$T&port=1" "$T/shards"
expect_rc 75
expect_err_has "PostgreSQL"
same_as_single "after the failures"

# ---------------------------------------- two hosts (network namespaces)
netns_skip=
if [ "$(id -u)" != 0 ]; then
	netns_skip="needs root"
elif ! command -v ip >/dev/null 2>&1; then
	netns_skip="no ip command"
fi
ID=$(( $$ % 100000 ))
O=$(( $$ % 200 + 20 ))
NET=10.214.$O
if [ -z "$netns_skip" ]; then
	if ! ip netns add "etkm${ID}a" 2>/dev/null; then
		netns_skip="ip netns add failed"
	fi
fi
if [ -n "$netns_skip" ]; then
	echo "SKIP (two-host part): $netns_skip"
else
	NS1=etkm${ID}a NS2=etkm${ID}b VH1=etkmh${ID}a VH2=etkmh${ID}b
	if ip netns add "$NS2" &&
	    ip link add "$VH1" type veth peer name "etkmn${ID}a" &&
	    ip link add "$VH2" type veth peer name "etkmn${ID}b" &&
	    ip link set "etkmn${ID}a" netns "$NS1" &&
	    ip link set "etkmn${ID}b" netns "$NS2" &&
	    ip addr add "$NET.1/30" dev "$VH1" &&
	    ip addr add "$NET.5/30" dev "$VH2" &&
	    ip link set "$VH1" up && ip link set "$VH2" up &&
	    ip netns exec "$NS1" ip addr add "$NET.2/30" dev "etkmn${ID}a" &&
	    ip netns exec "$NS2" ip addr add "$NET.6/30" dev "etkmn${ID}b" &&
	    ip netns exec "$NS1" ip link set "etkmn${ID}a" up &&
	    ip netns exec "$NS2" ip link set "etkmn${ID}b" up; then
		_ok
	else
		fail "cannot make the veth pairs"
	fi
	# a server that listens on the two host ends
	pg_stop
	pg_start "$NET.1,$NET.5" "$NET.0/29" || exit $?
	U1=$(pg_url_tcp "$NET.1")
	U2=$(pg_url_tcp "$NET.5")
	host() {
		_ns=$1 _u=$2
		shift 2
		for _k in "$@"; do
			ip netns exec "$_ns" env PATH="$PATH" etk merge --db "$_u" \
			    --shard "$_k" "$T/shards" || return $?
		done
	}
	host "$NS1" "$U1" 0 2 >"$T/h1" 2>&1 &
	p1=$!
	host "$NS2" "$U2" 1 3 >"$T/h2" 2>&1 &
	p2=$!
	rc1=0; wait $p1 || rc1=$?
	rc2=0; wait $p2 || rc2=$?
	check "host 1 merges shards 0 and 2 ($(head -c 300 "$T/h1"))" \
	    [ "$rc1" -eq 0 ]
	check "host 2 merges shards 1 and 3 ($(head -c 300 "$T/h2"))" \
	    [ "$rc2" -eq 0 ]
	check "each shard loaded once" [ "$(pg_sql "SELECT count(*) FROM
	    shard_loads")" = $N ]
	same_as_single "two hosts"
fi

finish

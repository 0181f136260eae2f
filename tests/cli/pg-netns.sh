#!/bin/sh
# Several "hosts" loading shards into one PostgreSQL server over TCP, on
# one box (SCALE.md §3, "Multi-host on one box"): two network namespaces,
# each joined to the host by a veth pair; the server listens on the host
# ends only, trusting that subnet in its private pg_hba.conf; a loader in
# each namespace (the test_pg driver, as in pg-load.sh) loads different
# shards at the same time.  Then every row must be there, once; loading
# again leaves the same rows; a namespace that has no route to an
# address gets exit 75.  Needs root and `ip netns`; skips otherwise.
# Namespaces and veths are removed on every exit.
. "$ETK_SRC/tests/cli/lib.sh"
. "$ETK_SRC/tests/pg/pg-lib.sh"

DRV=$BIN/../test_pg
if [ ! -x "$DRV" ]; then
	echo "SKIP: test driver $DRV not built"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root for ip netns"
	exit 77
fi
if ! command -v ip >/dev/null 2>&1; then
	echo "SKIP: no ip (iproute2)"
	exit 77
fi

# names unique to this run (interface names: at most 15 bytes)
ID=$(( $$ % 100000 ))
NS1=etkpg${ID}a
NS2=etkpg${ID}b
VH1=etkh${ID}a
VH2=etkh${ID}b
VN1=etkn${ID}a
VN2=etkn${ID}b
O=$(( $$ % 200 + 20 ))
NET=10.213.$O
cleanup() {
	pg_stop
	ip netns del "$NS1" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	ip link del "$VH1" 2>/dev/null
	ip link del "$VH2" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! ip netns add "$NS1" 2>"$T/err"; then
	echo "SKIP: ip netns add failed: $(head -n 1 "$T/err")"
	exit 77
fi
# ns1: $NET.2 <-> host $NET.1; ns2: $NET.6 <-> host $NET.5
setup() {
	ip netns add "$NS2" &&
	ip link add "$VH1" type veth peer name "$VN1" &&
	ip link add "$VH2" type veth peer name "$VN2" &&
	ip link set "$VN1" netns "$NS1" &&
	ip link set "$VN2" netns "$NS2" &&
	ip addr add "$NET.1/30" dev "$VH1" &&
	ip addr add "$NET.5/30" dev "$VH2" &&
	ip link set "$VH1" up &&
	ip link set "$VH2" up &&
	ip netns exec "$NS1" ip addr add "$NET.2/30" dev "$VN1" &&
	ip netns exec "$NS2" ip addr add "$NET.6/30" dev "$VN2" &&
	ip netns exec "$NS1" ip link set "$VN1" up &&
	ip netns exec "$NS2" ip link set "$VN2" up &&
	ip netns exec "$NS1" ip link set lo up &&
	ip netns exec "$NS2" ip link set lo up
}
if ! setup 2>"$T/err"; then
	echo "SKIP: cannot make veth pairs: $(head -n 1 "$T/err")"
	exit 77
fi
pg_start "$NET.1,$NET.5" "$NET.0/29" || exit $?
URL1=$(pg_url_tcp "$NET.1")
URL2=$(pg_url_tcp "$NET.5")

# each namespace reaches the server at its own link's host end
run ip netns exec "$NS1" "$ETK_PG_BIN/psql" -XAtq -d "$URL1" \
    -c 'SELECT inet_client_addr()'
expect_rc 0
expect_out_has "$NET.2"

N=6
k=0
while [ $k -lt $N ]; do
	run "$DRV" mkshard "$T/shard-$k.db" $k $N plan-netns $((500 + k))
	expect_rc 0
	k=$((k + 1))
done
FILES=$((500 * N + 15))		# 500 + k for k = 0..5
ROWS=$((18 * N + 2 * FILES))

count() {
	pg_sql "SELECT count(*) FROM $1 WHERE plan_id = 'plan-netns'"
}

# host 1 loads the even shards, host 2 the odd ones, at the same time
node() {
	_ns=$1 _url=$2 _first=$3
	_k=$_first
	while [ $_k -lt $N ]; do
		ip netns exec "$_ns" "$DRV" load "$_url" "$T/shard-$_k.db" ||
		    return $?
		_k=$((_k + 2))
	done
}
for round in 1 2; do
	node "$NS1" "$URL1" 0 >"$T/n1" 2>&1 &
	p1=$!
	node "$NS2" "$URL2" 1 >"$T/n2" 2>&1 &
	p2=$!
	rc1=0; wait $p1 || rc1=$?
	rc2=0; wait $p2 || rc2=$?
	check "round $round: host 1 loads its shards ($(cat "$T/n1"))" \
	    [ "$rc1" -eq 0 ]
	check "round $round: host 2 loads its shards ($(cat "$T/n2"))" \
	    [ "$rc2" -eq 0 ]
	loads="$(grep -c '^rows ' "$T/n1") $(grep -c '^rows ' "$T/n2")"
	check "round $round: 3 loads each ($loads)" [ "$loads" = "3 3" ]
	check "round $round: files $FILES" [ "$(count files)" = "$FILES" ]
	check "round $round: hashes $FILES" [ "$(count hashes)" = "$FILES" ]
	check "round $round: pole_links" [ "$(count pole_links)" = $((3 * N)) ]
	check "round $round: every shard once" [ "$(pg_sql "SELECT
	    count(DISTINCT shard) || ' ' || count(*) FROM volumes
	    WHERE plan_id = 'plan-netns'")" = "$N $N" ]
	check "round $round: shard_loads" [ "$(pg_sql "SELECT count(*) || ' '
	    || sum(rows) FROM shard_loads WHERE plan_id = 'plan-netns'")" = \
	    "$N $ROWS" ]
done

# host 1 has no route to host 2's link: a transient failure (75)
run ip netns exec "$NS1" env PGCONNECT_TIMEOUT=5 "$DRV" load "$URL2" \
    "$T/shard-0.db"
expect_rc 75
expect_err_has "PostgreSQL: cannot connect: "

finish

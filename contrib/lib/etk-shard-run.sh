#!/bin/sh
# etk-shard-run.sh -- run one shard of an etk run described by a job.conf
# (written by contrib/parallel/etk-parallel.sh or contrib/slurm/submit.sh).
#
# usage: etk-shard-run.sh CONF K
#
# Runs `etk TOOL -q --plan WORKDIR/plan.json --shard K/N --shard-out
# WORKDIR/shards [-o WORKDIR/carved/K] ARGS...` from the directory the run
# was started in, appending its messages to WORKDIR/logs/shard-K.log.
# Exit 75 (transient: killed, interrupted, output not writable) is retried
# RETRIES times here, with a growing pause (attempt^2 x ETK_RETRY_PAUSE,
# default 5 s, at most 120 s), before it is passed on; no
# other status is retried (a retry cannot fix 1 or 2, and 3 and 4 are
# final results with a done-record).
#
# Exit status: the shard's.  A shard already done exits with the status
# its done-record gives (the tool itself exits 0 then), so that a partial
# shard (3) reads as partial however many times the engine runs it.
set -u
PROG='etk-shard-run.sh'

if [ $# -ne 2 ]; then
	echo "usage: $PROG CONF K" >&2
	exit 2
fi
conf=$1
k=$2
case $k in
'' | *[!0-9]*)
	echo "$PROG: bad shard index '$k'" >&2
	exit 2
	;;
esac
[ -r "$conf" ] || {
	echo "$PROG: cannot read $conf" >&2
	exit 75
}
# Sets ETK TOOL N WORKDIR RUNDIR RETRIES THREADS and the tool arguments.
# shellcheck disable=SC1090
. "$conf"
if [ "$k" -ge "$N" ]; then
	echo "$PROG: shard $k of a plan of $N shards (0 to $((N - 1)))" >&2
	exit 2
fi

done_rec=$WORKDIR/shards/shard-$k.done.json
log=$WORKDIR/logs/shard-$k.log
if [ -n "${THREADS:-}" ]; then
	set -- -j "$THREADS" "$@"
fi
if [ "$TOOL" = carve ]; then
	set -- -o "$WORKDIR/carved/$k" "$@"
fi
cd "$RUNDIR" || exit 75
mkdir -p "$WORKDIR/logs" || exit 75

attempt=0
while :; do
	attempt=$((attempt + 1))
	# A carve shard that did not finish left files and carved.jsonl
	# in its -o directory; the tool refuses to write over them.
	if [ "$TOOL" = carve ] && [ ! -f "$done_rec" ]; then
		rm -rf "$WORKDIR/carved/$k"
	fi
	printf '== shard %s/%s attempt %s on %s at %s\n' "$k" "$N" \
	    "$attempt" "$(uname -n)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$log"
	rc=0
	"$ETK" "$TOOL" -q --plan "$WORKDIR/plan.json" --shard "$k/$N" \
	    --shard-out "$WORKDIR/shards" "$@" >/dev/null 2>>"$log" || rc=$?
	if [ "$rc" -ne 75 ] || [ "$attempt" -gt "${RETRIES:-0}" ]; then
		break
	fi
	pause=$((attempt * attempt * ${ETK_RETRY_PAUSE:-5}))
	[ "$pause" -gt 120 ] && pause=120
	echo "== exit 75 (transient); again in ${pause}s" >>"$log"
	sleep "$pause"
done
if [ "$rc" -eq 0 ] && [ -f "$done_rec" ]; then
	r=$(grep -o '"exit":[0-9]*' "$done_rec" | head -n 1 | cut -d: -f2)
	[ -n "$r" ] && rc=$r
fi
echo "== exit $rc" >>"$log"
if [ "$rc" -ne 0 ]; then
	echo "$PROG: shard $k/$N: exit $rc (see $log)" >&2
fi
exit "$rc"

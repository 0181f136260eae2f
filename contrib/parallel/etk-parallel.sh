#!/bin/sh
# etk-parallel.sh -- a sharded etk hash or etk carve under GNU parallel,
# on this machine or several (--sshlogin), merged into a case.
#
#   etk plan  ->  parallel --joblog WORKDIR/joblog (one job per shard)
#             ->  etk merge --case CASEDIR WORKDIR/shards
#
# Run the same command again after a failure: the plan is checked to be
# the same, parallel --resume-failed runs only the shards that did not
# succeed, and the merge is done once (a plan already in the case is not
# merged again).  See contrib/README.md.
set -u
PROG='etk-parallel.sh'

usage() {
	cat <<'EOF'
usage: etk-parallel.sh [-j JOBS] [-n N] [-t THREADS] [--retries R]
           [--sshlogin LOGIN]... [--no-merge] -o WORKDIR
           hash|carve CASEDIR [tool option ...] SOURCE ...

  -o WORKDIR      the run's directory: plan.json, job.conf, joblog, shards/,
                  logs/ and, for carve, carved/K/ (created if needed)
  -j JOBS         shards run at once on each machine (default: its cores)
  -n N            number of shards (default: the plan's, if WORKDIR has
                  one, else 4 x JOBS); each shard should take seconds or more
  -t THREADS      threads per shard (etk -j; default: the tool's)
  --retries R     retry a shard that exits 75 (transient) R times (default 3)
  --sshlogin L    run shards on L too (as parallel --sshlogin; repeat it;
                  ':' is this machine).  WORKDIR, the evidence, the current
                  directory and etk must be at the same paths on every one
  --no-merge      run the shards only; merge later with etk merge
  CASEDIR         an existing case (etk init) the shards are merged into
                  ('-' with --no-merge)

The tool options are those of etk hash or etk carve, without --shard,
--shard-out, --plan, --case or (carve) -o.  Exit status: 0 done and
merged; 3 merged, some shard partial; 4 (hash --audit) audit failed;
75 a shard failed transiently, run again; 1 a shard or the merge failed;
2 usage error.  The environment variable ETK names the etk command.
EOF
}

here=$(dirname "$0")
# shellcheck source=../lib/common.sh
. "$here/../lib/common.sh"
runner=$(abspath "$here/../lib")/etk-shard-run.sh

jobs='' n='' threads='' retries=3 workdir='' merge=1 sshlogins=''
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-j | -n | -t | --retries | -o | --sshlogin)
		[ $# -ge 2 ] || { warn "$1 needs a value"; usage >&2; exit 2; }
		case $1 in
		-j) jobs=$2 ;;
		-n) n=$2 ;;
		-t) threads=$2 ;;
		--retries) retries=$2 ;;
		-o) workdir=$2 ;;
		--sshlogin) sshlogins="$sshlogins $2" ;;
		esac
		shift 2
		;;
	-j?* | -n?* | -t?* | -o?*)
		# -j2: an option with its value attached
		_o=$(printf '%s' "$1" | cut -c1-2)
		_v=${1#??}
		shift
		set -- "$_o" "$_v" "$@"
		;;
	--retries=* | --sshlogin=*)
		_o=${1%%=*}
		_v=${1#*=}
		shift
		set -- "$_o" "$_v" "$@"
		;;
	--no-merge)
		merge=0
		shift
		;;
	--)
		shift
		break
		;;
	-*)
		warn "unknown option '$1'"
		usage >&2
		exit 2
		;;
	*) break ;;
	esac
done
if [ $# -lt 3 ]; then
	warn "need the tool, CASEDIR and a source"
	usage >&2
	exit 2
fi
tool=$1
casedir=$2
shift 2
case $tool in
hash | carve) ;;
*) die 2 "'$tool': the tool is hash or carve" ;;
esac
[ -n "$workdir" ] || { warn "no -o WORKDIR"; usage >&2; exit 2; }
for v in "$jobs" "$n" "$threads" "$retries"; do
	[ -z "$v" ] || isnum "$v" || die 2 "'$v' is not a number"
done
[ -z "$n" ] || [ "$n" -ge 1 ] || die 2 "-n must be 1 or more"
[ -z "$jobs" ] || [ "$jobs" -ge 1 ] || die 2 "-j must be 1 or more"
check_tool_args "$tool" "$@"
if [ "$merge" = 1 ] && [ ! -f "$casedir/etk.db" ]; then
	die 2 "$casedir is not a case (make it with etk init)"
fi
command -v parallel >/dev/null 2>&1 ||
    die 1 "GNU parallel is not installed (apt-get install parallel)"
etk=$(etk_path)

mkdir -p "$workdir" || die 1 "cannot make $workdir"
workdir=$(abspath "$workdir")
casedir=$(abspath "$casedir" 2>/dev/null) || casedir=
rundir=$(pwd -P)

# One driver per work directory at a time.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$workdir/.lock"
	flock -n 9 || die 75 "$workdir is in use by another etk-parallel.sh"
fi

[ -n "$jobs" ] || jobs=$(nproc 2>/dev/null || echo 2)
if [ -z "$n" ]; then
	n=$(plan_n "$workdir/plan.json")
	[ -n "$n" ] || n=$((jobs * 4))
fi
mkdir -p "$workdir/shards" "$workdir/logs" || die 1 "cannot write $workdir"
[ "$tool" = carve ] && { mkdir -p "$workdir/carved" || die 1 "cannot write $workdir"; }
make_plan "$etk" "$workdir" "$n" "$tool" "$@"
write_conf "$workdir/job.conf" ETK="$etk" TOOL="$tool" N="$n" \
    WORKDIR="$workdir" RUNDIR="$rundir" RETRIES="$retries" \
    THREADS="$threads" CASEDIR="$casedir" DB= -- "$@"
awk -v n="$n" 'BEGIN { for (k = 0; k < n; k++) print k }' >"$workdir/shards.list"

# parallel: one job per shard.  A second run resumes: shards whose last
# attempt in the joblog exited 0 are not run again.
set -- -j "$jobs" --joblog "$workdir/joblog"
if [ -f "$workdir/joblog" ]; then
	# A shard the joblog says succeeded but whose done-record is gone
	# (deleted, or a restored work directory) would never run again:
	# start a new joblog then (done shards exit at once anyway).
	gone=$(awk 'NR > 1 && $7 == 0 && $8 == 0 { print $NF }' "$workdir/joblog" |
	    while read -r k; do
		[ -f "$workdir/shards/shard-$k.done.json" ] || printf ' %s' "$k"
	    done)
	if [ -n "$gone" ]; then
		warn "shards$gone succeeded in the joblog but have no done-record;" \
		    "running every shard not done"
		mv "$workdir/joblog" "$workdir/joblog.$(date -u +%Y%m%dT%H%M%SZ)"
	else
		set -- "$@" --resume-failed
	fi
fi
for l in $sshlogins; do
	set -- "$@" --sshlogin "$l"
done
echo "$PROG: $tool in $n shards, $jobs at a time; plan $(plan_id "$workdir/plan.json")" >&2
prc=0
parallel "$@" sh "$runner" "$workdir/job.conf" {} \
    :::: "$workdir/shards.list" </dev/null || prc=$?

# The shards' final statuses: the last attempt of each in the joblog (a
# job killed by a signal, or lost with its ssh connection, is transient;
# a shard never started too).  A shard is done when it has a done-record.
awk -v n="$n" '
	NR > 1 { st[$NF] = ($8 != 0 || $7 == 255) ? 75 : $7 }
	END { for (k = 0; k < n; k++) print k, ((k in st) ? st[k] : 75) }
    ' "$workdir/joblog" >"$workdir/status"
# worst STATUS...: the most serious, as etk ranks them: 2 4 1 3 75 0.
worst() {
	_w=0
	for _s in "$@"; do
		case $_w/$_s in
		*/0 | 2/* | 4/[!2]* | 1/[!24]* | 3/75 | 3/3 | 75/75) ;;
		*/1 | */2 | */3 | */4 | */75) _w=$_s ;;
		*) [ "$_w" = 2 ] || [ "$_w" = 4 ] || _w=1 ;;
		esac
	done
	echo "$_w"
}
all='' missing='' mst=''
while read -r k st; do
	all="$all $st"
	if [ ! -f "$workdir/shards/shard-$k.done.json" ]; then
		missing="$missing $k"
		[ "$st" = 0 ] && st=1
		mst="$mst $st"
	fi
done <"$workdir/status"
# shellcheck disable=SC2086
worst=$(worst $all)
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	worst=$(worst $mst)
	warn "shards not done:$missing (logs in $workdir/logs);" \
	    "run the same command again to resume (parallel exit $prc)"
	exit "$worst"
fi

if [ "$merge" = 1 ]; then
	mrc=0
	"$etk" merge --case "$casedir" "$workdir/shards" || mrc=$?
	[ "$mrc" -eq 0 ] || die "$mrc" "etk merge failed (exit $mrc)"
fi
case $worst in
3) warn "merged; some shard read its evidence partly (exit 3): see the run summary in its done-record" ;;
4) warn "merged; the audit failed in some shard (exit 4)" ;;
esac
exit "$worst"

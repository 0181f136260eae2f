#!/bin/sh
# submit.sh -- plan an etk hash or etk carve run and submit it to Slurm:
# an array job of N shards, then a merge job that depends on it.
#
#   etk plan  ->  sbatch --array=0-(N-1)%M etk-shards.sbatch WORKDIR/job.conf
#             ->  sbatch --dependency=afterok:ARRAYJOB etk-merge.sbatch ...
#
# WORKDIR, the evidence, RUNDIR (the current directory), etk and contrib/
# must be at the same paths on the compute nodes (shared storage).
set -u
PROG='submit.sh'

usage() {
	cat <<'EOF'
usage: submit.sh [-n N] [-m MAXRUN] [-t THREADS] [--retries R]
           [--requeues Q] [--after ok|any] [--db URL] [--dry-run]
           [--sbatch OPT]... -o WORKDIR hash|carve CASEDIR
           [tool option ...] SOURCE ...

  -o WORKDIR      the run's directory on shared storage (created if needed)
  -n N            number of shards (default: the plan's if WORKDIR has one,
                  else 16); each shard should take seconds or more
  -m MAXRUN       array tasks running at once (%M; default 8)
  -t THREADS      threads per shard (etk -j), also --cpus-per-task
  --retries R     retries of exit 75 inside a task (default 3)
  --requeues Q    then requeue the task (scontrol requeue) up to Q times
                  (default 2)
  --after ok|any  the merge's dependency: afterok (default; a shard that
                  exits non-zero, even 3 = partial, holds the merge back
                  and it is cancelled) or afterany (the merge always runs;
                  etk merge itself refuses a plan with a shard not done)
  --db URL        also load the shards into this PostgreSQL database
  --sbatch OPT    an option for both sbatch calls (e.g. --partition=forensic
                  or --account=lab); repeat it
  --dry-run       write the plan and job.conf, print the sbatch commands
  CASEDIR         the case (etk init) the merge job merges into

The tool options are those of etk hash or etk carve, without --shard,
--shard-out, --plan, --case or (carve) -o.  Prints the two job ids.
The environment variable ETK names the etk command.
EOF
}

here=$(dirname "$0")
# shellcheck source=../lib/common.sh
. "$here/../lib/common.sh"
here=$(abspath "$here")
runner=$(abspath "$here/../lib")/etk-shard-run.sh

n='' maxrun=8 threads='' retries=3 requeues=2 after=ok db='' dry=0 workdir=''
sbopts=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-n | -m | -t | --retries | --requeues | --after | --db | --sbatch | -o)
		[ $# -ge 2 ] || { warn "$1 needs a value"; usage >&2; exit 2; }
		case $1 in
		-n) n=$2 ;;
		-m) maxrun=$2 ;;
		-t) threads=$2 ;;
		--retries) retries=$2 ;;
		--requeues) requeues=$2 ;;
		--after) after=$2 ;;
		--db) db=$2 ;;
		--sbatch) sbopts="$sbopts $(quote "$2")" ;;
		-o) workdir=$2 ;;
		esac
		shift 2
		;;
	--dry-run)
		dry=1
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
case $after in
ok | any) ;;
*) die 2 "--after is ok or any" ;;
esac
[ -n "$workdir" ] || { warn "no -o WORKDIR"; usage >&2; exit 2; }
for v in "$n" "$maxrun" "$threads" "$retries" "$requeues"; do
	[ -z "$v" ] || isnum "$v" || die 2 "'$v' is not a number"
done
[ -z "$n" ] || [ "$n" -ge 1 ] || die 2 "-n must be 1 or more"
check_tool_args "$tool" "$@"
[ -f "$casedir/etk.db" ] || die 2 "$casedir is not a case (make it with etk init)"
if [ "$dry" = 0 ]; then
	command -v sbatch >/dev/null 2>&1 || die 1 "no sbatch here (--dry-run?)"
fi
etk=$(etk_path)

mkdir -p "$workdir" || die 1 "cannot make $workdir"
workdir=$(abspath "$workdir")
casedir=$(abspath "$casedir")
rundir=$(pwd -P)
if [ -z "$n" ]; then
	n=$(plan_n "$workdir/plan.json")
	[ -n "$n" ] || n=16
fi
mkdir -p "$workdir/shards" "$workdir/logs" || die 1 "cannot write $workdir"
[ "$tool" = carve ] && { mkdir -p "$workdir/carved" || die 1 "cannot write $workdir"; }
make_plan "$etk" "$workdir" "$n" "$tool" "$@"
write_conf "$workdir/job.conf" ETK="$etk" TOOL="$tool" N="$n" \
    WORKDIR="$workdir" RUNDIR="$rundir" RETRIES="$retries" \
    THREADS="$threads" CASEDIR="$casedir" DB="$db" RUNNER="$runner" \
    REQUEUES="$requeues" -- "$@"

cpus=
[ -n "$threads" ] && cpus="--cpus-per-task=$threads"
arr="sbatch --parsable --array=0-$((n - 1))%$maxrun --requeue $cpus$sbopts"
arr="$arr --output=$(quote "$workdir/logs/slurm-%A_%a.out")"
arr="$arr $(quote "$here/etk-shards.sbatch") $(quote "$workdir/job.conf")"
mrg="sbatch --parsable --dependency=after$after:\$jobid --kill-on-invalid-dep=yes$sbopts"
mrg="$mrg --output=$(quote "$workdir/logs/slurm-merge-%j.out")"
mrg="$mrg $(quote "$here/etk-merge.sbatch") $(quote "$workdir/job.conf")"
if [ "$dry" = 1 ]; then
	echo "jobid=\$($arr)"
	echo "jobid=\${jobid%%;*}"
	echo "$mrg"
	exit 0
fi
jobid=$(eval "$arr") || die 1 "sbatch of the array job failed"
jobid=${jobid%%;*} # --parsable prints "id" or "id;cluster"
isnum "$jobid" || die 1 "sbatch printed '$jobid', not a job id"
mjob=$(eval "$mrg") || die 1 "sbatch of the merge job failed" \
    "(array job $jobid is queued: scancel $jobid, or merge by hand)"
mjob=${mjob%%;*}
echo "array job $jobid ($n shards, $maxrun at a time), merge job $mjob" >&2
echo "$jobid $mjob"

# Shared by contrib/parallel/etk-parallel.sh and contrib/slurm/submit.sh
# (POSIX sh; sourced, not run).  A run lives in one work directory:
#
#	WORKDIR/plan.json	the plan (etk plan), the same for every worker
#	WORKDIR/job.conf	the run's settings, read by etk-shard-run.sh
#	WORKDIR/shards/		shard-K.db and shard-K.done.json (etk merge input)
#	WORKDIR/carved/K/	carve only: the files carved by shard K
#	WORKDIR/logs/		shard-K.log: every attempt of shard K
#
# The caller sets PROG (its name for messages) before sourcing this.

# die STATUS MESSAGE: print "PROG: MESSAGE" and exit with STATUS.
die() {
	_st=$1
	shift
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit "$_st"
}

warn() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

# quote WORD: WORD as one single-quoted shell word.
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# isnum WORD: WORD is a decimal number.
isnum() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# abspath DIR: DIR (which exists) as an absolute physical path.
abspath() {
	(cd "$1" && pwd -P)
}

# check_tool_args TOOL ARG...: refuse the options the driver sets itself.
check_tool_args() {
	_tool=$1
	shift
	for _a in "$@"; do
		case $_a in
		--shard | --shard=* | --shard-out | --shard-out=* | --plan | \
		    --plan=* | --print-plan | --print-plan=*)
			die 2 "'$_a': the driver sets the shard options itself"
			;;
		--case | --case=*)
			die 2 "'$_a': the case is merged into by the driver, give CASEDIR"
			;;
		-o | -o?* | --output | --output=*)
			[ "$_tool" = carve ] &&
			    die 2 "'$_a': each carve shard writes to WORKDIR/carved/K"
			;;
		esac
	done
}

# plan_n FILE: the number of shards of a plan.
plan_n() {
	grep -o '"n":[0-9]*' "$1" 2>/dev/null | head -n 1 | cut -d: -f2
}

# plan_id FILE: the plan id of a plan.
plan_id() {
	grep -o '"plan_id":"[0-9a-f]*"' "$1" 2>/dev/null | head -n 1 |
	    cut -d'"' -f4
}

# make_plan ETK WORKDIR N TOOL ARG...: write WORKDIR/plan.json, or check
# that the one there is the plan of this command line (a work directory
# holds one run: other sources, options or N are refused, exit 2).
make_plan() {
	_etk=$1 _w=$2 _n=$3 _tool=$4
	shift 4
	rm -f "$_w/plan.json.new"
	_rc=0
	"$_etk" plan -q -n "$_n" -o "$_w/plan.json.new" "$_tool" "$@" || _rc=$?
	if [ "$_rc" -ne 0 ]; then
		rm -f "$_w/plan.json.new"
		die "$_rc" "etk plan failed (exit $_rc)"
	fi
	if [ -f "$_w/plan.json" ]; then
		if ! cmp -s "$_w/plan.json" "$_w/plan.json.new"; then
			rm -f "$_w/plan.json.new"
			die 2 "$_w holds the plan of another run (other sources," \
			    "options or number of shards); use another -o WORKDIR"
		fi
		rm -f "$_w/plan.json.new"
	else
		mv "$_w/plan.json.new" "$_w/plan.json" ||
		    die 1 "cannot write $_w/plan.json"
	fi
}

# write_conf FILE NAME=VALUE... -- ARG...: the run's settings as a file
# of shell assignments, and the tool arguments as a `set --` line, for
# etk-shard-run.sh and the Slurm scripts (sourced with `.`).
write_conf() {
	_f=$1
	shift
	{
		echo "# etk shard run settings, written by $PROG $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "# Read with \`. FILE' by contrib/lib/etk-shard-run.sh."
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			printf '%s=%s\n' "${1%%=*}" "$(quote "${1#*=}")"
			shift
		done
		[ $# -gt 0 ] && shift
		printf 'set --'
		for _a in "$@"; do
			printf ' %s' "$(quote "$_a")"
		done
		printf '\n'
	} >"$_f.tmp" || die 1 "cannot write $_f.tmp"
	mv "$_f.tmp" "$_f" || die 1 "cannot write $_f"
}

# etk_path: the etk command as an absolute path (workers on other hosts
# or in batch jobs may have another PATH).
etk_path() {
	_e=${ETK:-etk}
	case $_e in
	/*) ;;
	*) _e=$(command -v "$_e") || die 1 "no etk command (PATH or ETK)" ;;
	esac
	[ -x "$_e" ] || die 1 "$_e is not executable"
	printf '%s\n' "$_e"
}

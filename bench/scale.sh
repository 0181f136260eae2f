#!/bin/sh
# Scale-out on one box (issue 9, SCALE.md §4.3): shards under GNU
# parallel, their merge into a case, and their load into PostgreSQL.
#
# B1, within one image: the generated 2 GiB phone image (the one
#   bench/triage.sh uses: bench/make-phone-image.py, seed 1, built here
#   when absent).  For N in $NS (1 2 4 8) and J in $JS (1 2):
#     carve: parallel -jJ --joblog  etk-carve --scope all -j1
#            --plan P --shard k/N --shard-out DIR -o OUT/k  (k = 0..N-1)
#     hash:  parallel -jJ --joblog  etk-hash --piecewise 64M
#            -c md5,sha1,sha256 -j1 --plan P --shard k/N --shard-out DIR
#   Each parallel command runs under /usr/bin/time (wall, and user+sys
#   of parallel and all its children), and each job under its own
#   /usr/bin/time (the CPU of the etk process alone).  From the joblog:
#   makespan = max(start + runtime) - min(start), and parallel
#   efficiency = sum(JobRuntime) / (makespan * J).  "plain" is a run of
#   the same tool without --shard (no shard file, no parallel): the
#   floor.  After the first repetition of each (N, J) the shards are
#   merged (etk merge --case, timed) into a fresh case whose tables
#   (sqlite3 dumps, as tests/cli/etk-shard.sh makes them) must equal
#   those of one unsharded run with --case, and the carved files must
#   be the same names.
# B2, across images: M (8) generated images of 256 MiB (make-phone-image
#   seeds 1..M), each acquired once into an E01 with etk image -c fast
#   (outside the timing); then one job per image, `etk verify X.E01 &&
#   etk hash -j1 -c md5,sha1,sha256 X.E01`, under parallel -j1 and -j2.
# B3, PostgreSQL: a private server (tests/pg/pg-lib.sh pg_start: fsync
#   off), then etk merge --db of the 8 shards of B1's hash, of B1's carve
#   and of a sharded file hash (etk hash -c md5,sha1,sha256 --shard k/8
#   of the 2 GiB image: one row per file), each loaded twice (the
#   second load is each shard's DELETE + COPY again); rows/s.
#
# Every measurement is repeated $REPS (3) times, repetitions outermost
# (rep 1 of every N and J, then rep 2, ...); tables give medians.
# The load average is printed and recorded before each block (other
# people's builds and tests may share the cores: read the ratios).
# The image is read once before timing (page cache warm: this measures
# CPU, not the disk); shard files and carve outputs go to $OUT (tmpfs by
# default, so fsync costs nothing and the disk is out of the picture).
#
# Usage: sh bench/scale.sh [BUILD_BIN] [WORKDIR]
# Env:   REPS (3), NS ("1 2 4 8"), JS ("1 2"), M (8), B2_MIB (256),
#        PIECE (64M), MAXSIZE (carve --max-size; default: the tool's,
#        256 MiB), OUT (/dev/shm/etk-scale), ONLY ("b1 b2 b3").
# Writes: WORKDIR/scale-b1.txt, scale-b2.txt, scale-b3.txt (raw numbers,
#        one line per run), scale-merge.txt, scale-load.txt and
#        scale-summary.md (the tables, also printed).
# Exit:  0, or 1 when a shard failed or a merged case differs from the
#        unsharded run (the measurements are then not comparable).
# Needs: GNU parallel, /usr/bin/time, python3, sqlite3; for the images
#        mke2fs, debugfs, sfdisk; for B3 PostgreSQL's server (skipped
#        with a message when absent).  bench/work is git-ignored.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
bin=$(cd "${1:-$here/../build/release/bin}" && pwd)
work=${2:-$here/work}
REPS=${REPS:-3}
NS=${NS:-"1 2 4 8"}
JS=${JS:-"1 2"}
M=${M:-8}
B2_MIB=${B2_MIB:-256}
PIECE=${PIECE:-64M}
MAXSIZE=${MAXSIZE:-}
OUT=${OUT:-/dev/shm/etk-scale}
ONLY=${ONLY:-"b1 b2 b3"}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
for c in parallel sqlite3 "$PY"; do
	command -v "$c" >/dev/null 2>&1 || { echo "missing: $c" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "missing: /usr/bin/time" >&2; exit 2; }
for t in etk-carve etk-hash etk-merge etk-plan etk-init etk-verify etk-image; do
	[ -x "$bin/$t" ] || { echo "no $bin/$t" >&2; exit 2; }
done
PATH="$bin:$PATH"
export PATH
unset ETK_CASE ETK_SHARD
LC_ALL=C
export LC_ALL
mkdir -p "$work"
work=$(cd "$work" && pwd)
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
say() { echo "scale: $*" >&2; }
ms=
[ -n "$MAXSIZE" ] && ms="--max-size $MAXSIZE"

img=$work/phone-2048-s1.raw
if [ ! -f "$img" ]; then
	say "building $img (seed 1, 2048 MiB)..."
	"$PY" "$here/make-phone-image.py" --seed 1 --size-mib 2048 "$img" >&2
fi

# time_par FILE CMD...: run CMD under /usr/bin/time; FILE gets
# "wall user sys" (CMD's children included); returns CMD's status.
time_par() {
	_f=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$_f" "$@"
}

# jobstats LOG JOBTIMES_DIR: "sum_runtime makespan sum_job_cpu"
jobstats() {
	"$PY" - "$1" "$2" <<'EOF'
import os, sys
log, d = sys.argv[1], sys.argv[2]
rows = [l.rstrip('\n').split('\t') for l in open(log)][1:]
st = [float(r[2]) for r in rows]
rt = [float(r[3]) for r in rows]
span = max(s + r for s, r in zip(st, rt)) - min(st)
cpu = 0.0
for f in os.listdir(d):
    w, u, s = open(os.path.join(d, f)).read().split()[-3:]
    cpu += float(u) + float(s)
print('%.3f %.3f %.3f' % (sum(rt), span, cpu))
EOF
}

# dump CASE: every row of the case's tables but the database's own ids
dump() {
	for t in evidence files hashes carved volumes pieces; do
		echo "== $t"
		sqlite3 "$1/etk.db" "SELECT * FROM $t ORDER BY id"
	done
}

fresh_case() {
	rm -rf "$1"
	etk-init -q "$1" --case SCALE-1 --examiner bench >/dev/null 2>&1
}

# wall_cpu FILE: "wall user+sys" of a /usr/bin/time -f '%e %U %S' file
wall_cpu() {
	awk '{ print $1, $2 + $3 }' "$1"
}

# us_sy FILE: "user sys" of the same
us_sy() {
	awk '{ print $2, $3 }' "$1"
}

# jobuser DIR: the user CPU of the jobs whose time files DIR holds
jobuser() {
	cat "$1"/* | awk '{ n += $2 } END { printf "%.3f\n", n }'
}

# b1_run TOOL N J REP: N shards of TOOL under parallel -jJ, one line
# of scale-b1.txt
b1_run() {
	rm -rf "$OUT/cs" "$OUT/co" "$OUT/hs" "$OUT/jt"
	mkdir -p "$OUT/co" "$OUT/jt"
	_l=$(loadavg)
	if ! time_par "$OUT/t" parallel -j"$3" --joblog "$OUT/log" \
	    sh "$OUT/job-$1$2.sh" {} :::: "$OUT/ks$2"; then
		say "$1 N=$2 J=$3 rep $4: a shard failed:"
		cat "$OUT/log" >&2
		exit 1
	fi
	echo "$1 $2 $3 $4 $(wall_cpu "$OUT/t") $(jobstats "$OUT/log" \
	    "$OUT/jt") ${_l%% *} $(us_sy "$OUT/t") $(jobuser "$OUT/jt")" >>"$r1"
	say "$1 N=$2 J=$3 rep $4: wall $(cut -d' ' -f1 "$OUT/t") s, load $_l"
}

# b1_check TOOL N J: merge the shards b1_run left (timed) and compare
# the case, and the carved files, with the unsharded run's
b1_check() {
	_d=$OUT/cs
	_ref=$OUT/ref-c.dump
	if [ "$1" = hash ]; then
		_d=$OUT/hs
		_ref=$OUT/ref-h.dump
	fi
	fresh_case "$OUT/m"
	/usr/bin/time -f '%e %U %S' -o "$OUT/t" \
	    etk-merge -q --case "$OUT/m" "$_d"
	echo "merge $1 $2 $3 $(cat "$OUT/t")" >>"$mg"
	dump "$OUT/m" >"$OUT/m.dump"
	if cmp -s "$_ref" "$OUT/m.dump"; then
		echo "identity $1 $2 $3 rows-equal" >>"$mg"
	else
		echo "identity $1 $2 $3 ROWS-DIFFER" >>"$mg"
		say "$1 N=$2 J=$3: merged rows differ from one run"
	fi
	if [ "$1" = carve ]; then
		for _k in $(cat "$OUT/ks$2"); do
			(cd "$OUT/co/$_k" && find . -type f ! -name carved.jsonl)
		done | sort >"$OUT/m.files"
		if cmp -s "$OUT/ref-c.files" "$OUT/m.files"; then
			echo "identity carve-files $2 $3 same-files" >>"$mg"
		else
			echo "identity carve-files $2 $3 FILES-DIFFER" >>"$mg"
			say "carve N=$2 J=$3: carved files differ"
		fi
	fi
	# keep the 8-shard outputs of the last J for B3
	if [ "$2" = 8 ] && [ "$3" = "${JS##* }" ]; then
		rm -rf "$OUT/b3-$1"
		cp -r "$_d" "$OUT/b3-$1"
	fi
}

# ---------------------------------------------------------------- B1
if want b1; then
	r1=$work/scale-b1.txt
	mg=$work/scale-merge.txt
	: >"$r1"
	: >"$mg"
	rm -rf "$OUT"
	mkdir -p "$OUT"
	cat "$img" >/dev/null
	say "B1 load before: $(loadavg)"
	echo "# load before B1: $(loadavg)" >>"$r1"
	echo "# tool N J rep wall cpu_all sum_runtime makespan cpu_jobs load1" \
	    "user_all sys_all user_jobs" >>"$r1"

	# The references: one unsharded run each into a case.
	fresh_case "$OUT/ref-c"
	etk-carve -q -j1 --scope all $ms --case "$OUT/ref-c" -o "$OUT/ref-c.out" \
	    "$img" >/dev/null
	dump "$OUT/ref-c" >"$OUT/ref-c.dump"
	(cd "$OUT/ref-c.out" && find . -type f ! -name carved.jsonl | sort) \
	    >"$OUT/ref-c.files"
	rm -rf "$OUT/ref-c.out"
	fresh_case "$OUT/ref-h"
	etk-hash -q -j1 --piecewise "$PIECE" -c md5,sha1,sha256 --case "$OUT/ref-h" \
	    "$img" >/dev/null
	dump "$OUT/ref-h" >"$OUT/ref-h.dump"
	say "references: $(grep -c . "$OUT/ref-c.files") carved files," \
	    "$(sqlite3 "$OUT/ref-h/etk.db" 'SELECT count(*) FROM pieces') pieces"

	# Plans and one job script per N (a job = one shard under its own
	# /usr/bin/time).
	for n in $NS; do
		seq 0 $((n - 1)) >"$OUT/ks$n"
		rm -f "$OUT/plan-c$n.json" "$OUT/plan-h$n.json"
		/usr/bin/time -f '%e %U %S' -o "$OUT/t" etk-plan -q -n "$n" \
		    -o "$OUT/plan-c$n.json" carve --scope all $ms "$img"
		echo "plan carve $n $(cat "$OUT/t")" >>"$mg"
		/usr/bin/time -f '%e %U %S' -o "$OUT/t" etk-plan -q -n "$n" \
		    -o "$OUT/plan-h$n.json" hash --piecewise "$PIECE" \
		    -c md5,sha1,sha256 "$img"
		echo "plan hash $n $(cat "$OUT/t")" >>"$mg"
		cat >"$OUT/job-carve$n.sh" <<EOF
exec /usr/bin/time -f '%e %U %S' -o "$OUT/jt/\$1" etk-carve -q -j1 --scope all $ms \\
    --plan "$OUT/plan-c$n.json" --shard \$1/$n --shard-out "$OUT/cs" \\
    -o "$OUT/co/\$1" "$img" >/dev/null
EOF
		cat >"$OUT/job-hash$n.sh" <<EOF
exec /usr/bin/time -f '%e %U %S' -o "$OUT/jt/\$1" etk-hash -q -j1 \\
    --piecewise "$PIECE" -c md5,sha1,sha256 --plan "$OUT/plan-h$n.json" \\
    --shard \$1/$n --shard-out "$OUT/hs" "$img" >/dev/null
EOF
	done

	# Repetitions outermost: a change in the machine's load spreads
	# over every (N, J) instead of falling on one of them.  Each
	# repetition starts with "plain", the same work without sharding
	# (no shard file, no parallel, no case): the floor.
	rep=1
	while [ $rep -le "$REPS" ]; do
		rm -rf "$OUT/plain"
		l=$(loadavg)
		time_par "$OUT/t" etk-carve -q -j1 --scope all $ms \
		    -o "$OUT/plain" "$img" >/dev/null
		echo "carve plain 1 $rep $(wall_cpu "$OUT/t") - - - ${l%% *}" \
		    "$(us_sy "$OUT/t") -" >>"$r1"
		rm -rf "$OUT/plain"
		l=$(loadavg)
		time_par "$OUT/t" etk-hash -q -j1 --piecewise "$PIECE" \
		    -c md5,sha1,sha256 "$img" >/dev/null
		echo "hash plain 1 $rep $(wall_cpu "$OUT/t") - - - ${l%% *}" \
		    "$(us_sy "$OUT/t") -" >>"$r1"
		for n in $NS; do
			for j in $JS; do
				for tool in carve hash; do
					b1_run $tool "$n" "$j" $rep
					[ $rep = 1 ] && b1_check $tool "$n" "$j"
				done
			done
		done
		rep=$((rep + 1))
	done
	rm -rf "$OUT/co" "$OUT/m" "$OUT/plain"
	echo "# load after B1: $(loadavg)" >>"$r1"
	say "B1 load after: $(loadavg)"
fi

# ---------------------------------------------------------------- B2
if want b2; then
	r2=$work/scale-b2.txt
	: >"$r2"
	mkdir -p "$work/b2"
	s=1
	while [ $s -le "$M" ]; do
		raw=$work/phone-$B2_MIB-s$s.raw
		if [ ! -f "$raw" ]; then
			say "building $raw..."
			"$PY" "$here/make-phone-image.py" --seed "$s" \
			    --size-mib "$B2_MIB" "$raw" >&2
		fi
		if [ ! -f "$work/b2/phone-$B2_MIB-s$s.json" ]; then
			say "acquiring $raw into E01..."
			etk-image -q -f e01 -c fast -o "$work/b2/phone-$B2_MIB-s$s" "$raw"
		fi
		echo "$work/b2/phone-$B2_MIB-s$s.E01"
		s=$((s + 1))
	done >"$work/b2/list"
	rm -rf "$OUT/b2"
	mkdir -p "$OUT/b2"
	cat >"$OUT/b2/job.sh" <<EOF
n=\$(basename "\$1" .E01)
/usr/bin/time -f '%e %U %S' -o "$OUT/b2/jt/\$n.v" etk-verify -q "\$1" || exit \$?
exec /usr/bin/time -f '%e %U %S' -o "$OUT/b2/jt/\$n.h" etk-hash -q -j1 \\
    -c md5,sha1,sha256 "\$1" >"$OUT/b2/\$n.hash"
EOF
	cat $(sed 's/\.E01$/.E0*/' "$work/b2/list") >/dev/null
	say "B2 load before: $(loadavg)"
	echo "# load before B2: $(loadavg)" >>"$r2"
	echo "# what J rep wall cpu_all sum_runtime makespan cpu_jobs load1" \
	    "user_all sys_all user_jobs" >>"$r2"
	for j in $JS; do
		rep=1
		while [ $rep -le "$REPS" ]; do
			rm -rf "$OUT/b2/jt"
			mkdir -p "$OUT/b2/jt"
			l=$(loadavg)
			if ! time_par "$OUT/t" parallel -j"$j" --joblog "$OUT/b2/log" \
			    sh "$OUT/b2/job.sh" {} :::: "$work/b2/list"; then
				say "B2 J=$j: a job failed:"
				cat "$OUT/b2/log" >&2
				exit 1
			fi
			echo "verify+hash $j $rep $(wall_cpu "$OUT/t") $(jobstats \
			    "$OUT/b2/log" "$OUT/b2/jt") ${l%% *} $(us_sy "$OUT/t")" \
			    "$(jobuser "$OUT/b2/jt")" >>"$r2"
			say "B2 J=$j rep $rep: wall $(cut -d' ' -f1 "$OUT/t") s, load $l"
			rep=$((rep + 1))
		done
	done
	echo "# files hashed: $(cat "$OUT"/b2/*.hash | wc -l)" >>"$r2"
	echo "# load after B2: $(loadavg)" >>"$r2"
fi

# ---------------------------------------------------------------- B3
if want b3; then
	r3=$work/scale-b3.txt
	: >"$r3"
	. "$src/tests/pg/pg-lib.sh"
	rc=0
	pg_start || rc=$?
	if [ $rc != 0 ]; then
		echo "# B3 skipped: no PostgreSQL server (pg_start: $rc)" >>"$r3"
		say "B3 skipped (pg_start exited $rc)"
	else
		trap 'pg_stop' EXIT INT TERM
		# one row per file: a sharded file hash of the 2 GiB image
		if [ ! -d "$OUT/b3-files" ]; then
			seq 0 7 | parallel -j2 etk-hash -q -j1 -c md5,sha1,sha256 \
			    --shard {}/8 --shard-out "$OUT/b3-files" "$img" >/dev/null
		fi
		echo "# load before B3: $(loadavg)" >>"$r3"
		echo "# set load rep wall rows" >>"$r3"
		for set in hash carve files; do
			d=$OUT/b3-$set
			if [ ! -d "$d" ]; then
				say "B3: no $d (run B1 with N=8 first)"
				continue
			fi
			rep=1
			while [ $rep -le "$REPS" ]; do
				pg_sql "SET client_min_messages = warning;
				    DROP SCHEMA public CASCADE; CREATE SCHEMA public;" \
				    >/dev/null
				for load in first again; do
					time_par "$OUT/t" etk-merge --json \
					    --db "$ETK_PG_URL" "$d" >"$OUT/b3.json"
					read -r w u s <"$OUT/t"
					# the rows of the shard records
					rows=$(grep '"record":"shard"' "$OUT/b3.json" |
					    grep -o '"rows":[0-9]*' |
					    awk -F: '{ n += $2 } END { print n + 0 }')
					echo "$set $load $rep $w $rows" >>"$r3"
					say "B3 $set $load rep $rep: $rows rows in $w s"
				done
				rep=$((rep + 1))
			done
		done
		echo "# load after B3: $(loadavg)" >>"$r3"
		pg_stop
		trap - EXIT INT TERM
	fi
fi

# ---------------------------------------------------------------- tables
"$PY" - "$work" "$M" <<'EOF' | tee "$work/scale-summary.md"
import os, statistics, sys
work, m = sys.argv[1], sys.argv[2]
med = statistics.median

def rows(name):
    p = os.path.join(work, name)
    if not os.path.exists(p):
        return [], []
    out, notes = [], []
    for l in open(p):
        (notes if l.startswith('#') else out).append(l.split() if not l.startswith('#') else l.strip('# \n'))
    return out, notes

def f(x, d=2):
    return '-' if x is None else ('%.*f' % (d, x))

b1, n1 = rows('scale-b1.txt')
if b1:
    print('### B1: one 2 GiB image, shards under GNU parallel (median of runs)')
    print()
    for n in n1:
        print('- ' + n)
    print()
    for tool in ('carve', 'hash'):
        plain = [r for r in b1 if r[0] == tool and r[1] == 'plain']
        pw = med(float(r[4]) for r in plain) if plain else None
        pc = med(float(r[5]) for r in plain) if plain else None
        d = {}
        for r in b1:
            if r[0] == tool and r[1] != 'plain':
                d.setdefault((int(r[1]), int(r[2])), []).append(r)
        pu = med(float(r[10]) for r in plain) if plain and len(plain[0]) > 10 else None
        print('#### %s (plain, unsharded: wall %s s, CPU %s s, user %s s)' % (tool, f(pw), f(pc), f(pu)))
        print()
        print('| N | J | wall (s) | CPU all (s) | CPU etk jobs (s) | CPU / CPU(N=1) | CPU / plain | user / user(N=1) | speed-up J2 vs J1 | efficiency | load |')
        print('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
        for (n, j) in sorted(d):
            rs = d[(n, j)]
            w = med(float(r[4]) for r in rs)
            c = med(float(r[5]) for r in rs)
            cj = med(float(r[8]) for r in rs)
            eff = med(float(r[6]) / (float(r[7]) * j) for r in rs)
            base = d.get((1, j))
            c1 = med(float(r[5]) for r in base) if base else None
            su = ''
            if j != 1 and (n, 1) in d:
                su = '%.2fx' % (med(float(r[4]) for r in d[(n, 1)]) / w)
            ld = '%s-%s' % (min(r[9] for r in rs), max(r[9] for r in rs))
            ur = '-'
            if base and len(rs[0]) > 10 and len(base[0]) > 10:
                ur = f(med(float(r[10]) for r in rs) / med(float(r[10]) for r in base))
            print('| %d | %d | %.2f | %.2f | %.2f | %s | %s | %s | %s | %.2f | %s |' % (
                n, j, w, c, cj, f(c / c1) if c1 else '-', f(c / pc) if pc else '-',
                ur, su, eff, ld))
        print()
    mg = os.path.join(work, 'scale-merge.txt')
    if os.path.exists(mg):
        ident = [l.split() for l in open(mg) if l.startswith('identity')]
        bad = [x for x in ident if 'DIFFER' in x[-1]]
        print('Identity (merged case == one unsharded run, tables and carved files): %d checks, %d differ.' % (len(ident), len(bad)))
        print()
        print('| step | tool | N | wall (s) | CPU (s) |')
        print('|---|---|---:|---:|---:|')
        for l in open(mg):
            x = l.split()
            if x[0] == 'plan':
                print('| plan | %s | %s | %s | %.2f |' % (x[1], x[2], x[3], float(x[4]) + float(x[5])))
            elif x[0] == 'merge':
                print('| merge --case (J=%s run) | %s | %s | %s | %.2f |' % (x[3], x[1], x[2], x[4], float(x[5]) + float(x[6])))
        print()

b2, n2 = rows('scale-b2.txt')
if b2:
    print('### B2: %s E01 images, one job (verify + hash) per image' % m)
    print()
    for n in n2:
        print('- ' + n)
    print()
    print('| J | wall (s) | CPU all (s) | CPU etk (s) | speed-up | efficiency |')
    print('|---:|---:|---:|---:|---:|---:|')
    d = {}
    for r in b2:
        d.setdefault(int(r[1]), []).append(r)
    w1 = med(float(r[3]) for r in d[1]) if 1 in d else None
    for j in sorted(d):
        rs = d[j]
        w = med(float(r[3]) for r in rs)
        print('| %d | %.2f | %.2f | %.2f | %s | %.2f |' % (
            j, w, med(float(r[4]) for r in rs), med(float(r[7]) for r in rs),
            '%.2fx' % (w1 / w) if w1 else '-',
            med(float(r[5]) / (float(r[6]) * j) for r in rs)))
    print()

b3, n3 = rows('scale-b3.txt')
if b3:
    print('### B3: etk merge --db (PostgreSQL 15, private server, fsync off)')
    print()
    for n in n3:
        print('- ' + n)
    print()
    print('| shards (8) | load | rows | wall (s) | rows/s |')
    print('|---|---|---:|---:|---:|')
    d = {}
    for r in b3:
        d.setdefault((r[0], r[1]), []).append(r)
    for k in d:
        rs = d[k]
        w = med(float(r[3]) for r in rs)
        rw = int(rs[0][4])
        print('| %s | %s | %d | %.2f | %.0f |' % (k[0], k[1], rw, w, rw / w if w else 0))
    print()
EOF
if grep -q DIFFER "$work/scale-merge.txt" 2>/dev/null; then
	say "a merged result differs from the unsharded run (scale-merge.txt)"
	exit 1
fi

#!/bin/sh
# Where the time of `etk triage` goes: the phone fixture (phone.E01) and a
# generated ~2 GiB phone image (bench/make-phone-image.py: GPT + ext4
# userdata with the fixture databases, thousands of pictures, a few big
# videos, small app files and some deleted files; seeded, reproducible).
# Each source is triaged alone into a fresh case with -j $J (default 1),
# under /usr/bin/time -v.  Per step: the seconds of the triage_step
# records (--json); manifest, report and seal: the intervals between their
# journal entries' ts; "other" = wall - all of these (case creation,
# start-up, waiting).  Prints a Markdown table (also written to
# WORKDIR/triage-bench.md) with wall, user+sys CPU, peak RSS and the load.
#
# Usage: sh bench/triage.sh [BUILD_BIN] [WORKDIR]
# Env:   SEED (image seed, default 1), SIZE_MIB (default 2048), J (default
#        1), FIX (fixtures dir, default BUILD_BIN/../fixtures), NO_BIG=1
#        only the fixture, KEEP=1 keeps the case directories.
# Needs: python3, /usr/bin/time, and for the image mke2fs, debugfs,
#        sfdisk, sqlite3.  The image stays in WORKDIR (bench/work is
#        git-ignored: never commit it) and is reused when present.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-$here/../build/release/bin}" && pwd)
work=${2:-$here/work}
SEED=${SEED:-1}
SIZE_MIB=${SIZE_MIB:-2048}
J=${J:-1}
FIX=${FIX:-$bin/../fixtures}
# The system python (Debian's) if present, as make-fixtures.sh does.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
command -v "$PY" >/dev/null 2>&1 || { echo "missing: python3" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "missing: /usr/bin/time" >&2; exit 2; }
[ -x "$bin/etk-triage" ] || { echo "no $bin/etk-triage" >&2; exit 2; }
[ -f "$FIX/phone.E01" ] || { echo "no $FIX/phone.E01 (ctest -R fixtures.build)" >&2; exit 2; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
o=$work/triage-bench
rm -rf "$o"
mkdir -p "$o"

srcs=$FIX/phone.E01
if [ "${NO_BIG:-0}" != 1 ]; then
	img=$work/phone-$SIZE_MIB-s$SEED.raw
	if [ ! -f "$img" ]; then
		echo "building $img (seed $SEED, $SIZE_MIB MiB)..." >&2
		"$PY" "$here/make-phone-image.py" --seed "$SEED" \
		    --size-mib "$SIZE_MIB" "$img" >&2
	fi
	srcs="$srcs $img"
fi

echo "etk: $("$bin/etk-triage" -V 2>&1 | head -1)" >&2
for s in $srcs; do
	n=$(basename "$s")
	# Read the image once before timing, so every source starts with
	# its bytes in the page cache (the steps share them anyway).
	cat "$s" >/dev/null
	uptime >"$o/$n.load"
	echo "triage $n (-j $J)..." >&2
	rc=0
	/usr/bin/time -v -o "$o/$n.time" "$bin/etk-triage" -j "$J" --json \
	    --no-progress -o "$o/$n.case" --case-number BENCH-1 \
	    --examiner bench "$s" >"$o/$n.jsonl" 2>"$o/$n.err" </dev/null || rc=$?
	uptime >>"$o/$n.load"
	echo "$rc" >"$o/$n.rc"
	[ "$rc" = 0 ] || echo "  (etk-triage exited $rc: $(head -3 "$o/$n.err"))" >&2
done

"$PY" - "$o" "$J" $srcs <<'EOF' | tee "$o/triage-bench.md"
import json, os, re, sqlite3, sys
from datetime import datetime
o, j, srcs = sys.argv[1], sys.argv[2], sys.argv[3:]

def ts(s):
    return datetime.strptime(s.replace('Z', '+0000'), '%Y-%m-%dT%H:%M:%S.%f%z').timestamp()

def timev(path):
    t = {}
    for line in open(path):
        k, _, v = line.strip().rpartition(': ')
        t[k] = v
    wall = t.get('Elapsed (wall clock) time (h:mm:ss or m:ss)', '0:0')
    sec = 0.0
    for part in wall.split(':'):
        sec = sec * 60 + float(part)
    return (sec, float(t.get('User time (seconds)', 0)), float(t.get('System time (seconds)', 0)),
            int(t.get('Maximum resident set size (kbytes)', 0)))

print('### etk triage, -j %s, one source per run (bench/triage.sh)' % j)
print()
print('machine: %d cores, %s; %s' % (os.cpu_count(),
      open('/proc/meminfo').readline().split(':')[1].strip() + ' RAM',
      os.uname().release))
print()
for s in srcs:
    n = os.path.basename(s)
    size = os.path.getsize(s)
    rc = open(os.path.join(o, n + '.rc')).read().strip()
    wall, user, sysc, rss = timev(os.path.join(o, n + '.time'))
    load = [l.split('load average:')[1].strip() for l in open(os.path.join(o, n + '.load'))]
    steps = []
    for line in open(os.path.join(o, n + '.jsonl')):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get('record') == 'triage_step':
            steps.append((r['step'], float(r.get('seconds') or 0), r.get('status')))
    case = os.path.join(o, n + '.case')
    jl = [json.loads(l) for l in open(os.path.join(case, 'journal.jsonl'))]
    # What follows the last step's entry: the exhibit's triage record
    # (inputs), the run's record (argv; written after the manifest and
    # the report, so its interval is their making) and the seal.
    def tool(e):
        t = e.get('tool')
        return t.get('name', '') if isinstance(t, dict) else (t or '')
    last = max((e for e in jl if tool(e) != 'etk-triage'
                and e['type'] not in ('genesis', 'seal', 'note')),
               key=lambda e: e['seq'], default=None)
    tail = []
    prev = ts(last['ts']) if last else None
    for e in jl:
        if last is None or e['seq'] <= last['seq']:
            continue
        if tool(e) == 'etk-triage':
            what = 'manifest + report' if 'argv' in e else 'exhibit record'
        else:
            what = e['type']
        tail.append((what, ts(e['ts']) - prev))
        prev = ts(e['ts'])
    counts = {}
    try:
        db = sqlite3.connect('file:%s?mode=ro' % os.path.join(case, 'etk.db'), uri=True)
        for t in ('files', 'hashes', 'messages', 'calls', 'contacts', 'images', 'carved'):
            counts[t] = db.execute('SELECT count(*) FROM %s' % t).fetchone()[0]
        counts['deleted'] = db.execute('SELECT count(*) FROM files WHERE deleted = 1').fetchone()[0]
    except sqlite3.Error as e:
        counts['error'] = str(e)
    print('#### %s (%.1f MiB), exit %s' % (n, size / 1048576, rc))
    print()
    print('rows: ' + ', '.join('%s %s' % kv for kv in counts.items()))
    print()
    print('| step | seconds | share of wall | MiB/s of image |')
    print('|---|---:|---:|---:|')
    acc = 0.0
    for name, sec, st in steps:
        acc += sec
        print('| %s%s | %.2f | %.0f%% | %s |' % (name, '' if st == 'done' else ' (%s)' % st, sec,
              100 * sec / wall if wall else 0, '%.0f' % (size / 1048576 / sec) if sec > 0.05 and size >= 64 << 20 else '-'))
    for name, sec in tail:
        acc += sec
        print('| %s | %.2f | %.0f%% | |' % (name, sec, 100 * sec / wall if wall else 0))
    print('| other (case creation, start-up, gaps) | %.2f | %.0f%% | |' % (
          max(0.0, wall - acc), 100 * max(0.0, wall - acc) / wall if wall else 0))
    print('| **wall** | **%.2f** | | %s |' % (wall, '%.0f' % (size / 1048576 / wall)
          if wall and size >= 64 << 20 else '-'))
    print()
    print('CPU user %.2f s, sys %.2f s; peak RSS %.1f MiB; load average before: %s, after: %s'
          % (user, sysc, rss / 1024, load[0], load[-1]))
    print()
EOF
[ "${KEEP:-0}" = 1 ] || for s in $srcs; do rm -rf "$o/$(basename "$s").case"; done

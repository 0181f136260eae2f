#!/bin/sh
# etk extract speed: messages parsed and written per second.
#
# Builds an Android mmssms.db and an iOS sms.db of ROWS messages each
# (default 1,000,000) from the fixture schemas (fixtures/src/sql/
# android/mmssms.sql, ios/sms.sql: their own rows, then ROWS more made
# by a recursive CTE: varying bodies, numbers, directions and times,
# every iOS message joined to a chat), puts them in a folder laid out
# as on the phones, and times
#	etk-extract --what messages -o OUT FOLDER
# (best of RUNS, default 3).  Prints the rows, the time, messages/s
# and the peak RSS, and checks that every row came out.
#
# usage: bench/extract-speed.sh [BUILD_BIN [WORKDIR]]
#	ROWS=1000000 RUNS=3 environment variables
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
bin=${1:-$src/build/bin}
work=${2:-${TMPDIR:-/tmp}/etk-extract-bench}
rows=${ROWS:-1000000}
runs=${RUNS:-3}
exe=$bin/etk-extract
[ -x "$exe" ] || { echo "no $exe (build first, or give BUILD_BIN)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed" >&2; exit 1; }

mkdir -p "$work"
tree=$work/phone
a=$tree/data/data/com.android.providers.telephony/databases
i=$tree/private/var/mobile/Library/SMS
if [ ! -f "$work/.rows-$rows" ]; then
	rm -rf "$tree"
	mkdir -p "$a" "$i"
	{
		cat "$src/fixtures/src/sql/android/mmssms.sql"
		cat <<EOF
PRAGMA journal_mode=DELETE;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $rows)
INSERT INTO sms(_id, thread_id, address, person, date, date_sent,
    protocol, read, status, type, body, service_center, locked, sub_id,
    error_code, seen)
SELECT 100 + x, 1 + x % 50, '+4477009' || printf('%05d', x % 100000),
    NULL, 1707818400000 + x * 1000, 1707818400000 + x * 1000 - 500, 0,
    x % 2, -1, 1 + x % 2,
    'Message number ' || x || ': the quick brown fox jumps over the lazy dog',
    '+447785016005', 0, 1, -1, 1
FROM c;
COMMIT;
EOF
	} | sqlite3 -init /dev/null -batch "$a/mmssms.db" >/dev/null
	{
		cat "$src/fixtures/src/sql/ios/sms.sql"
		cat <<EOF
PRAGMA journal_mode=DELETE;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $rows)
INSERT INTO message(ROWID, guid, text, handle_id, service, date,
    date_read, is_from_me, is_read)
SELECT 1000 + x, 'BENCH-' || x,
    'Message number ' || x || ': the quick brown fox jumps over the lazy dog',
    1, CASE x % 3 WHEN 0 THEN 'SMS' ELSE 'iMessage' END,
    729511200000000000 + x * 1000000000, 0, x % 2, 1 - x % 2
FROM c;
INSERT INTO chat_message_join(chat_id, message_id, message_date)
SELECT 1, ROWID, date FROM message WHERE ROWID > 1000;
COMMIT;
EOF
	} | sqlite3 -init /dev/null -batch "$i/sms.db" >/dev/null
	touch "$work/.rows-$rows"
fi
want=$(( $(sqlite3 "$a/mmssms.db" 'select (select count(*) from sms) + (select count(*) from pdu)') + \
    $(sqlite3 "$i/sms.db" 'select count(*) from message') ))

# Wall time is what a user waits; CPU time (user + system) is what the
# work costs, and the fairer figure on a machine other jobs share (the
# load average is printed too).
best=
bcpu=
k=0
while [ "$k" -lt "$runs" ]; do
	rm -rf "$work/out"
	/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$exe" -q \
	    --what messages -o "$work/out" "$tree"
	read -r dt us sy rss <"$work/time"
	cpu=$(echo "$us + $sy" | bc)
	if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc)" = 1 ]; then
		best=$dt
	fi
	if [ -z "$bcpu" ] || [ "$(echo "$cpu < $bcpu" | bc)" = 1 ]; then
		bcpu=$cpu
	fi
	k=$((k + 1))
done
got=$(wc -l <"$work/out/messages.jsonl")
echo "etk extract --what messages: $got messages (sqlite3 rows: $want), best of $runs"
echo "  wall ${best}s: $(echo "$got / $best" | bc) messages/s"
echo "  cpu  ${bcpu}s (user+sys): $(echo "$got / $bcpu" | bc) messages/s"
echo "  peak RSS $((rss / 1024)) MiB, messages.jsonl $(($(wc -c <"$work/out/messages.jsonl") / 1048576)) MiB, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
[ "$got" -eq "$want" ] || { echo "MISMATCH: $got records for $want rows" >&2; exit 1; }

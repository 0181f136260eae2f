# A private PostgreSQL server for one test (POSIX sh).  Source it:
#	. "$ETK_SRC/tests/pg/pg-lib.sh"
#	pg_start || exit $?		# 77 (skip) when PostgreSQL is absent
#	... psql "$ETK_PG_URL" ... / pg_sql 'SELECT ...'
#	pg_stop
#
# pg_start [LISTEN [HBA_NET]]: initdb and pg_ctl into a new temp dir
# (data dir, unix socket and log inside it), as the `postgres` user when
# run as root, as the current user otherwise; a free port; fsync off; no
# systemd.  LISTEN is listen_addresses (default '': unix socket only);
# HBA_NET (e.g. 10.213.0.0/16) is trusted over TCP.  Sets and exports
#	ETK_PG_DIR	the temp dir (pg_stop removes it)
#	ETK_PG_PORT	the port
#	ETK_PG_URL	postgresql://etk@/etk?host=SOCKETDIR&port=PORT
#	ETK_PG_BIN	the server's bin dir (psql, pg_ctl, ...)
# and returns 0; 77 when PostgreSQL is not installed or cannot be run
# here (the message says why); 1 when it should have started but did
# not (the server log is printed to stderr).
# pg_stop: stop the server (immediate) and remove the temp dir.  Safe to
# call twice, or without pg_start.
# pg_url_tcp HOST: the conninfo for the same server over TCP.
# pg_sql SQL...: run SQL with psql -XAt against ETK_PG_URL.

_pg_find_bin() {
	_pg_b=
	for _pg_d in /usr/lib/postgresql/*/bin; do
		[ -x "$_pg_d/initdb" ] && [ -x "$_pg_d/pg_ctl" ] || continue
		# numeric order of the version directory: keep the newest
		if [ -z "$_pg_b" ] || [ "$(printf '%s\n%s\n' "$_pg_b" "$_pg_d" |
		    sort -t/ -k5,5n | tail -n 1)" = "$_pg_d" ]; then
			_pg_b=$_pg_d
		fi
	done
	if [ -z "$_pg_b" ] && command -v initdb >/dev/null 2>&1; then
		_pg_b=$(dirname "$(command -v initdb)")
	fi
	[ -n "$_pg_b" ] || return 1
	ETK_PG_BIN=$_pg_b
}

# _pg_as CMD ARGS...: run as the server's user
_pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	_pg_listen=${1:-}
	_pg_net=${2:-}
	if ! _pg_find_bin; then
		echo "SKIP: PostgreSQL server not installed (no initdb)" >&2
		return 77
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "SKIP: running as root and there is no postgres user" >&2
		return 77
	fi
	ETK_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/etk-pg.XXXXXX") || return 1
	export ETK_PG_DIR ETK_PG_BIN
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$ETK_PG_DIR" || return 1
	fi
	if ! _pg_as "$ETK_PG_BIN/initdb" -D "$ETK_PG_DIR/data" -A trust \
	    -U etk -E UTF8 --locale=C --no-sync >"$ETK_PG_DIR/initdb.log" 2>&1
	then
		echo "pg_start: initdb failed:" >&2
		sed 's/^/  /' "$ETK_PG_DIR/initdb.log" >&2
		return 1
	fi
	_pg_try=0
	while :; do
		# a port nobody listens on over TCP (a unix-only server does
		# not care, but a TCP one must not collide)
		ETK_PG_PORT=$(( ($$ + _pg_try * 7919 + $(date +%N | sed \
		    's/^0*//;s/^$/0/') % 9973) % 20000 + 30000 ))
		_pg_try=$((_pg_try + 1))
		if command -v ss >/dev/null 2>&1 &&
		    ss -Htln "sport = :$ETK_PG_PORT" 2>/dev/null | grep -q .; then
			continue
		fi
		{
			echo "port = $ETK_PG_PORT"
			echo "unix_socket_directories = '$ETK_PG_DIR'"
			echo "listen_addresses = '$_pg_listen'"
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
			echo "max_connections = 40"
			echo "shared_buffers = 16MB"
		} >"$ETK_PG_DIR/extra.conf"
		_pg_as sh -c "cat '$ETK_PG_DIR/extra.conf' >> \
		    '$ETK_PG_DIR/data/postgresql.auto.conf'" || return 1
		if [ -n "$_pg_net" ]; then
			_pg_as sh -c "echo 'host all all $_pg_net trust' >> \
			    '$ETK_PG_DIR/data/pg_hba.conf'" || return 1
		fi
		if _pg_as "$ETK_PG_BIN/pg_ctl" -D "$ETK_PG_DIR/data" \
		    -l "$ETK_PG_DIR/server.log" -w -t 60 start \
		    >"$ETK_PG_DIR/pg_ctl.log" 2>&1; then
			break
		fi
		if [ "$_pg_try" -ge 5 ] || ! grep -q "in use" \
		    "$ETK_PG_DIR/server.log" 2>/dev/null; then
			echo "pg_start: the server did not start:" >&2
			tail -n 20 "$ETK_PG_DIR/server.log" "$ETK_PG_DIR/pg_ctl.log" \
			    2>/dev/null | sed 's/^/  /' >&2
			return 1
		fi
	done
	ETK_PG_URL="postgresql://etk@/etk?host=$ETK_PG_DIR&port=$ETK_PG_PORT"
	export ETK_PG_PORT ETK_PG_URL
	if ! "$ETK_PG_BIN/createdb" -h "$ETK_PG_DIR" -p "$ETK_PG_PORT" -U etk \
	    etk >"$ETK_PG_DIR/createdb.log" 2>&1; then
		echo "pg_start: createdb failed:" >&2
		sed 's/^/  /' "$ETK_PG_DIR/createdb.log" >&2
		return 1
	fi
	return 0
}

pg_url_tcp() {
	echo "postgresql://etk@$1:$ETK_PG_PORT/etk"
}

pg_sql() {
	"$ETK_PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -d "$ETK_PG_URL" \
	    -c "$*"
}

pg_stop() {
	[ -n "${ETK_PG_DIR:-}" ] && [ -d "$ETK_PG_DIR" ] || return 0
	if [ -f "$ETK_PG_DIR/data/postmaster.pid" ]; then
		_pg_as "$ETK_PG_BIN/pg_ctl" -D "$ETK_PG_DIR/data" -m immediate \
		    -w -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$ETK_PG_DIR"
	ETK_PG_DIR=
}

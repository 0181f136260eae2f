# tests/tsa/lib.sh: start and stop the test TSA from a shell test.
# Source it (after tests/cli/lib.sh if you use that), then:
#
#   tsa_start "$T/tsa" || skip-or-fail    # make-tsa.sh + tsa-server.py
#   ... use "$TSA_URL" (http://127.0.0.1:PORT/tsa), "$TSA_DIR/tsa-chain.pem",
#       "$TSA_DIR/other-ca.pem", "$TSA_BASE/bad", "$TSA_BASE/garbage" ...
#   tsa_stop
#
# tsa_start returns 77 when openssl or python3 is missing (the ctest
# SKIP_RETURN_CODE), 1 when the server did not come up within 20 s.
# The server exits by itself when the test's shell exits, so a test that
# fails half-way leaves nothing running; tsa_stop is still polite.
# Needs ETK_SRC (ctest sets it) or TSA_SRC to find the scripts.

tsa_start() {
	TSA_DIR=$1
	_tsa_src=${TSA_SRC:-${ETK_SRC:?ETK_SRC not set}}
	command -v openssl >/dev/null 2>&1 || return 77
	command -v python3 >/dev/null 2>&1 || return 77
	sh "$_tsa_src/tests/tsa/make-tsa.sh" "$TSA_DIR" || return 1
	rm -f "$TSA_DIR/port"
	# 127.0.0.1 only: keep any proxy out of the way
	http_proxy= HTTP_PROXY= https_proxy= HTTPS_PROXY= all_proxy= ALL_PROXY= \
	    python3 "$_tsa_src/tests/tsa/tsa-server.py" "$TSA_DIR" \
	    "$TSA_DIR/port" &
	TSA_PID=$!
	_tsa_i=0
	while [ ! -s "$TSA_DIR/port" ]; do
		if [ $_tsa_i -ge 200 ] || ! kill -0 "$TSA_PID" 2>/dev/null; then
			echo "tsa_start: tsa-server.py did not start" >&2
			kill "$TSA_PID" 2>/dev/null
			TSA_PID=
			return 1
		fi
		sleep 0.1
		_tsa_i=$((_tsa_i + 1))
	done
	TSA_PORT=$(cat "$TSA_DIR/port")
	TSA_BASE="http://127.0.0.1:$TSA_PORT"
	TSA_URL="$TSA_BASE/tsa"
	export TSA_DIR TSA_PID TSA_PORT TSA_BASE TSA_URL
	return 0
}

tsa_stop() {
	if [ -n "${TSA_PID:-}" ]; then
		kill "$TSA_PID" 2>/dev/null
		wait "$TSA_PID" 2>/dev/null
		TSA_PID=
	fi
	return 0
}

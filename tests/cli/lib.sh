# Helpers for etk CLI tests (POSIX sh).  Source it:
#	. "$ETK_SRC/tests/cli/lib.sh"
# Gives $BIN (built commands), $FIX (built fixtures), $T (private temp
# dir, removed at exit) and the functions below.  Each check counts; the
# script ends with `finish`, which prints "N passed, M failed".

set -u
: "${ETK_SRC:?ETK_SRC must point to the source tree}"
BIN=${ETK_BIN:?ETK_BIN must point to the built commands}
FIX=${ETK_FIXTURES:-}
if [ -z "$FIX" ] || [ ! -f "$FIX/SHA256SUMS.local" ]; then
	echo "skip: fixtures not built (ETK_FIXTURES=$FIX)"
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/etk-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
PATH="$BIN:$PATH"
export PATH
# Data output must not depend on these; tests set them explicitly where
# they check that.
unset ETK_CASE
LC_ALL=C
export LC_ALL
_pass=0
_fail=0
_name=${0##*/}
RC=0

_ok() {
	_pass=$((_pass + 1))
}

fail() {
	_fail=$((_fail + 1))
	echo "FAIL [$_name]: $*" >&2
	if [ -n "${_last:-}" ]; then
		echo "  command: $_last (exit $RC)" >&2
		sed -n '1,5s/^/  stderr: /p' "$T/err" >&2 2>/dev/null
	fi
}

# run CMD ARGS...: stdout -> $T/out, stderr -> $T/err, status -> $RC
run() {
	_last="$*"
	RC=0
	"$@" >"$T/out" 2>"$T/err" </dev/null || RC=$?
}

# run_in DIR CMD ARGS...: like run, in another directory
run_in() {
	_d=$1
	shift
	_last="(cd $_d) $*"
	RC=0
	(cd "$_d" && "$@") >"$T/out" 2>"$T/err" </dev/null || RC=$?
}

expect_rc() {
	if [ "$RC" -eq "$1" ]; then _ok; else fail "expected exit $1, got $RC"; fi
}

expect_out_has() {
	if grep -qF -- "$1" "$T/out"; then _ok; else fail "stdout lacks '$1'"; fi
}

expect_out_lacks() {
	if grep -qF -- "$1" "$T/out"; then fail "stdout has '$1'"; else _ok; fi
}

expect_err_has() {
	if grep -qF -- "$1" "$T/err"; then _ok; else fail "stderr lacks '$1'"; fi
}

expect_err_empty() {
	if [ ! -s "$T/err" ]; then _ok; else fail "stderr not empty"; fi
}

expect_out_empty() {
	if [ ! -s "$T/out" ]; then _ok; else fail "stdout not empty"; fi
}

# Every stderr line starts with the prefix, and there is at least one.
expect_err_prefix() {
	if [ -s "$T/err" ] && ! grep -vq "^$1" "$T/err"; then
		_ok
	else
		fail "stderr lines do not all start with '$1'"
	fi
}

# The first stderr line starts with the prefix (usage may follow).
expect_err_first() {
	if [ -s "$T/err" ] && head -n 1 "$T/err" | grep -q "^$1"; then
		_ok
	else
		fail "first stderr line does not start with '$1'"
	fi
}

# Exactly one stderr line (a one-line error), starting with the prefix.
expect_err_oneline() {
	_n=$(grep -c "^$1" "$T/err" 2>/dev/null || true)
	if [ "$_n" = 1 ]; then _ok; else fail "expected one '$1' error line, got $_n"; fi
}

# Compare stdout with tests/cli/expected/NAME (ETK_UPDATE_GOLDEN=1 rewrites).
expect_out_file() {
	_g="$ETK_SRC/tests/cli/expected/$1"
	if [ "${ETK_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$T/out" "$_g"
		_ok
	elif cmp -s "$T/out" "$_g"; then
		_ok
	else
		fail "stdout differs from expected/$1"
		diff -u "$_g" "$T/out" | head -20 >&2
	fi
}

# check DESCRIPTION CMD ARGS...: passes when CMD succeeds
check() {
	_desc=$1
	shift
	if "$@"; then _ok; else fail "$_desc"; fi
}

# The contract every command keeps: -h, -V, a bad option.
contract() {
	_cmd=$1
	run "$_cmd" -h
	expect_rc 0
	expect_err_empty
	expect_out_has "usage: $_cmd"
	run "$_cmd" --help
	expect_rc 0
	expect_out_has "usage: $_cmd"
	run "$_cmd" -V
	expect_rc 0
	expect_out_has "etk"
	run "$_cmd" --no-such-option
	expect_rc 2
	expect_err_first "$_cmd: "
	expect_err_has "usage: $_cmd"
	run "$_cmd" -j
	expect_rc 2
	expect_err_first "$_cmd: "
}

finish() {
	# Evidence must never change.
	if (cd "$FIX" && sha256sum --quiet --strict -c SHA256SUMS.local) \
	    >"$T/sums" 2>&1; then
		_ok
	else
		fail "fixtures changed: $(head -3 "$T/sums")"
	fi
	echo "$_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ]
}

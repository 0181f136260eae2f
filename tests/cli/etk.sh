#!/bin/sh
# etk: the dispatcher.  "etk NAME ARGS" runs etk-NAME from etk's own
# directory first, then PATH; names are [a-z0-9-]+ only.
. "$ETK_SRC/tests/cli/lib.sh"

if [ ! -x "$BIN/etk" ]; then
	echo "skip: $BIN/etk not built"
	exit 77
fi

expect_err_is() {
	if [ "$(cat "$T/err")" = "$1" ]; then
		_ok
	else
		fail "stderr is '$(head -2 "$T/err")', want '$1'"
	fi
}

# ------------------------------------------------------------ help, version
run etk -h
expect_rc 0
expect_err_empty
expect_out_has "usage: etk [-hV] command [argument ...]"
expect_out_has "  ls        list volumes, file systems and files with locators"
expect_out_has "  cat       write one file's content"
run etk --help
expect_rc 0
expect_out_has "usage: etk"
run etk
expect_rc 2
expect_out_empty
expect_err_has "usage: etk"
expect_err_has "  ls "
run etk -V
expect_rc 0
expect_out_has "etk"
expect_err_empty
run etk --version
expect_rc 0
run etk --no-such-option
expect_rc 2
expect_err_has "etk: bad option '--no-such-option'"
expect_err_has "usage: etk"

# ------------------------------------------------------------ dispatching
run etk ls -h
expect_rc 0
etk-ls -h >"$T/want" 2>&1
expect_out_same() {
	if cmp -s "$T/out" "$1"; then _ok; else fail "stdout differs from $1"; fi
}
expect_out_same "$T/want"
run etk ls "$FIX/sd.raw"
expect_rc 0
etk-ls "$FIX/sd.raw" >"$T/want" 2>/dev/null
expect_out_same "$T/want"
expect_err_has "summary: ok sd.raw:p2"
# the command's own name in its messages, and its exit status
run etk ls --no-such-option
expect_rc 2
expect_err_has "etk-ls: bad option '--no-such-option'"
run etk cat "$FIX/sd.raw" p2:/no-such-file
expect_rc 1
expect_err_has "etk-cat: "

# -------------------------------------------------------- unknown, unsafe
for name in foo LS ls/../ls ../bin/etk-ls 'l s' '' -- -x.; do
	run etk "$name"
	expect_rc 2
done
run etk foo
expect_err_is "etk: 'foo' is not an etk command; see 'etk --help'"
run etk ../bin/etk-ls -h
expect_rc 2
expect_out_empty
expect_err_is "etk: '../bin/etk-ls' is not an etk command; see 'etk --help'"

# -------------------------------------------------------------------- help
run etk help ls
expect_rc 0
etk-ls --help >"$T/want" 2>&1
expect_out_same "$T/want"
run etk help
expect_rc 0
expect_out_has "usage: etk"
run etk help foo
expect_rc 2
expect_err_is "etk: 'foo' is not an etk command; see 'etk --help'"

# ------------------------------------------- where commands are looked for
mkdir -p "$T/self" "$T/path"
cp "$BIN/etk" "$T/self/etk"
cat >"$T/self/etk-zzz" <<'EOF'
#!/bin/sh
echo "self zzz: $*"
EOF
cat >"$T/path/etk-zzz" <<'EOF'
#!/bin/sh
echo "path zzz: $*"
EOF
cat >"$T/path/etk-yyy" <<'EOF'
#!/bin/sh
echo "path yyy: $*"
exit 7
EOF
chmod +x "$T/self/etk-zzz" "$T/path/etk-zzz" "$T/path/etk-yyy"
run env PATH="$T/path:/usr/bin:/bin" "$T/self/etk" zzz a 'b c'
expect_rc 0
expect_out_has "self zzz: a b c"
run env PATH="$T/path:/usr/bin:/bin" "$T/self/etk" yyy x
expect_rc 7
expect_out_has "path yyy: x"
# "etk -h" lists only the known commands that are found
ln -s "$BIN/etk-ls" "$T/self/etk-ls"
run env PATH="/usr/bin:/bin" "$T/self/etk" -h
expect_rc 0
expect_out_has "  ls "
expect_out_lacks "  zzz"
if [ ! -x "$BIN/etk-carve" ] && ! command -v etk-carve >/dev/null 2>&1; then
	expect_out_lacks "  carve "
fi
# through a symlink to etk, its real directory is used
ln -s "$T/self/etk" "$T/path/etk"
run env PATH="/usr/bin:/bin" "$T/path/etk" zzz
expect_rc 0
expect_out_has "self zzz:"
# a command that cannot be run
printf 'not a program\n' >"$T/self/etk-bad"
chmod +x "$T/self/etk-bad"
run env PATH="/usr/bin:/bin" "$T/self/etk" bad
expect_rc 1
expect_err_has "etk: cannot run"

finish

#!/bin/sh
# libetkfault (tests/faultinject/fault.c), the LD_PRELOAD shim the
# acquisition tests use: bad ranges (short read, then EIO), transient
# faults, a source that shrinks, a device that vanishes, through dd,
# cat and Python's os.pread/os.read.
. "$ETK_SRC/tests/cli/lib.sh"

if [ -z "${ETK_FAULTLIB:-}" ] || [ ! -f "$ETK_FAULTLIB" ]; then
	echo "skip: ETK_FAULTLIB not built (sanitizer build?)"
	exit 77
fi
X=$T/x
head -c 16384 /dev/urandom >"$X"

# fault VAR=VALUE... CMD ARGS...: run CMD with the shim on $X
fault() {
	_last="fault $*"
	RC=0
	env LD_PRELOAD="$ETK_FAULTLIB" ETK_FAULT_FILE="$X" "$@" \
	    >"$T/out" 2>"$T/err" </dev/null || RC=$?
}

# Without ETK_FAULT_FILE the shim changes nothing.
RC=0
env LD_PRELOAD="$ETK_FAULTLIB" cat "$X" >"$T/out" 2>"$T/err" || RC=$?
expect_rc 0
check "no fault file: reads pass" cmp -s "$T/out" "$X"

# A bad range: dd with bs=4096 reads block 0 and fails at 4096.
fault ETK_FAULT_RANGES=4096+512 dd if="$X" bs=4096
expect_rc 1
expect_err_has "Input/output error"
check "dd: the block before the range" test "$(wc -c <"$T/out")" = 4096
# conv=noerror,sync: one short read (good bytes before the range), then
# EIO for the block that starts in the range; the rest reads.
fault ETK_FAULT_RANGES=5000+100 dd if="$X" bs=4096 conv=noerror,sync status=noxfer
expect_rc 0
expect_err_has "3+1 records in"
expect_err_has "Input/output error"
fault ETK_FAULT_RANGES=8k+1 cat "$X"
expect_rc 1
check "cat: everything before 8 KiB" test "$(wc -c <"$T/out")" = 8192
# Another file, or no bad range: untouched.
fault ETK_FAULT_RANGES=0+100 cat "$ETK_SRC/tests/cli/lib.sh"
expect_rc 0
# The same file through a symbolic link is the same file.
ln -s "$X" "$T/link"
_last="symlink"
RC=0
env LD_PRELOAD="$ETK_FAULTLIB" ETK_FAULT_FILE="$T/link" \
    ETK_FAULT_RANGES=0+1 cat "$X" >"$T/out" 2>"$T/err" || RC=$?
expect_rc 1
expect_out_empty

# pread at exact offsets (Python's os.pread is pread64), and transient
# faults: with ETK_FAULT_TRANSIENT=2 the range fails twice, then reads.
cat >"$T/pr.py" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for off, n in [(0, 4096), (4000, 200), (4096, 10), (4607, 1), (4608, 512),
               (4096, 512), (4096, 512), (4096, 512)]:
    try:
        print(off, n, len(os.pread(fd, n, off)))
    except OSError as e:
        print(off, n, "errno", e.errno)
os.lseek(fd, 4000, 0)
try:
    print("read", len(os.read(fd, 1000)), os.lseek(fd, 0, 1))
    os.read(fd, 1000)
except OSError as e:
    print("read errno", e.errno, os.lseek(fd, 0, 1))
print("size", os.fstat(fd).st_size, os.lseek(fd, 0, 2), os.stat(sys.argv[1]).st_size)
PY
fault ETK_FAULT_RANGES=4096+512 python3 "$T/pr.py" "$X"
expect_rc 0
expect_out_has "0 4096 4096"
expect_out_has "4000 200 96"
expect_out_has "4096 10 errno 5"
expect_out_has "4607 1 errno 5"
expect_out_has "4608 512 512"
expect_out_has "read 96 4096"
expect_out_has "read errno 5 4096"
expect_out_has "size 16384 16384 16384"
fault ETK_FAULT_RANGES=4096+512 ETK_FAULT_TRANSIENT=2 python3 "$T/pr.py" "$X"
expect_rc 0
expect_out_has "4096 10 errno 5"
expect_out_has "4607 1 errno 5"
expect_out_has "4096 512 512"
expect_out_has "read 1000 5000"

# A source that shrinks: EOF at the offset and the size says so.
fault ETK_FAULT_SHRINK_AT=10000 python3 "$T/pr.py" "$X"
expect_out_has "size 10000 10000 10000"
fault ETK_FAULT_SHRINK_AT=10000 sh -c 'cat "$ETK_FAULT_FILE" | wc -c; stat -c %s "$ETK_FAULT_FILE"'
expect_rc 0
expect_out_has "10000"
check "shrink: cat and stat both say 10000" test "$(sort -u "$T/out")" = 10000
# A device that vanishes: ENODEV at and past the offset.
fault ETK_FAULT_VANISH_AT=10000 cat "$X"
expect_rc 1
expect_err_has "No such device"
check "vanish: the bytes before it" test "$(wc -c <"$T/out")" = 10000
# Reads wholly past the offset succeed until the reading reaches it
# (a probe of the end); then every read fails, even before the offset.
cat >"$T/vanish.py" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for off, n in [(12288, 512), (0, 4096), (4096, 8192), (8192, 100),
               (0, 10)]:
    try:
        print(off, n, len(os.pread(fd, n, off)))
    except OSError as e:
        print(off, n, "errno", e.errno)
PY
fault ETK_FAULT_VANISH_AT=10000 ETK_FAULT_LOG=1 python3 "$T/vanish.py" "$X"
expect_rc 0
expect_out_has "12288 512 512"
expect_out_has "0 4096 4096"
expect_out_has "4096 8192 5904"
expect_out_has "8192 100 errno 19"
expect_out_has "0 10 errno 19"
expect_err_has "libetkfault: ENODEV at 8192"

# Through etk's own source layer: etk-verify re-reads a raw image whose
# record says what it should hold; a bad 512-byte range is read around,
# zero-filled, reported at its exact offset, and is a mismatch.
head -c 65536 /dev/urandom >"$T/img.raw"
printf '{"sha256":"%s"}\n' "$(sha256sum <"$T/img.raw" | cut -c1-64)" >"$T/img.json"
X=$T/img.raw
fault ETK_FAULT_RANGES=8704+512 etk-verify "$T/img.raw"
expect_rc 4
expect_out_has "$T/img.raw: unreadable 512 bytes at offset 8704 (zero-filled)"
expect_out_has "$T/img.raw: sha256 MISMATCH"
fault ETK_FAULT_RANGES=8704+512 ETK_FAULT_TRANSIENT=1 etk-verify "$T/img.raw"
expect_rc 0
expect_out_has "$T/img.raw: sha256 ok"
fault ETK_FAULT_VANISH_AT=32768 etk-verify "$T/img.raw"
expect_rc 1
expect_err_has "at offset 32768: No such device"
fault ETK_FAULT_RANGES=0+1 etk-verify "$T/img.raw"
expect_rc 1
expect_err_has "Input/output error"

finish

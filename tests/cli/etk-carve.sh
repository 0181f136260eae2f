#!/bin/sh
# etk-carve: the command contract and usage errors; --list-types; PNG,
# JPEG and PDF files placed at odd offsets of a generated image (made
# here with python3; a type without a validator yet is skipped) found
# with their offsets, lengths and SHA-256, and their byte runs re-read
# with dd; the unallocated scope on sd.raw (the deleted JPEG only, as
# icat -r gives it; the allocated ones with --scope all); output that
# does not depend on -j, TZ or locale; shards and ranges merged equal
# one run; offsets past 2^41 on a sparse image; nothing written outside
# DIR; an existing DIR/carved.jsonl refused; the case journal and
# database.
. "$ETK_SRC/tests/cli/lib.sh"

SD=$FIX/sd.raw
PY=$(command -v python3 || true)

# ---------------------------------------------------------------- contract
contract etk-carve
run etk-carve -h
for f in --types --list-types --scope --range --shard --max-size \
    --no-write --output --json --threads --case; do
	expect_out_has "$f"
done
run etk-carve
expect_rc 2
expect_err_has "etk-carve: no source given"
expect_err_has "usage: etk-carve"
run etk-carve "$SD"
expect_rc 2
expect_err_has "no output directory"
run etk-carve --scope some -o "$T/x" "$SD"
expect_rc 2
expect_err_first "etk-carve: bad scope 'some'"
run etk-carve --range 10 -o "$T/x" "$SD"
expect_rc 2
expect_err_first "etk-carve: bad range"
run etk-carve --range 10:0 -o "$T/x" "$SD"
expect_rc 2
run etk-carve --shard 3/3 -o "$T/x" "$SD"
expect_rc 2
expect_err_has "bad shard"
run etk-carve --max-size lots -o "$T/x" "$SD"
expect_rc 2
run etk-carve --types nosuchtype -o "$T/x" "$SD"
expect_rc 2
expect_err_first "etk-carve: unknown type 'nosuchtype'"
check "usage errors write nothing" test ! -e "$T/x"
run etk-carve -o "$T/x" "$T/no-such-image.raw"
expect_rc 1
expect_err_first "etk-carve: "
expect_err_has "no-such-image.raw"
rm -rf "$T/x"
run etk-carve --range 999999999999:10 -o "$T/x" "$SD"
expect_rc 1
expect_err_has "outside the source"
rm -rf "$T/x"

# ------------------------------------------------------------- list-types
run etk-carve --list-types
expect_rc 0
expect_err_empty
check "--list-types: type<TAB>ext<TAB>description lines" \
    sh -c "! grep -qvE '^[a-z0-9-]+	[a-z0-9-]*	.+' '$T/out'"
cp "$T/out" "$T/types"
has_type() {
	cut -f1 "$T/types" | grep -qx "$1"
}

# ------------------------------------------ a generated image, odd offsets
if [ -z "$PY" ]; then
	echo "skip: no python3 for the generated image"
else
	cat >"$T/gen.py" <<'PY'
import hashlib, struct, sys, zlib
out, jpeg = sys.argv[1], sys.argv[2]
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
def png(w, h, seed):
    raw = b"".join(b"\0" + bytes((x * seed + y) & 255 for x in range(w * 3)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
def pdf():
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>"]
    s = b"BT /F1 12 Tf 20 100 Td (etk carve test) Tj ET"
    objs.append(b"<< /Length %d >>\nstream\n" % len(s) + s + b"\nendstream")
    b = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(b))
        b += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(b)
    b += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        b += b"%010d 00000 n \n" % o
    b += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return b
files = [("png", 4097, png(40, 30, 7)), ("jpeg", 70001, open(jpeg, "rb").read()),
         ("pdf", 200003, pdf()), ("png", 300001, png(17, 9, 3)),
         ("jpeg", 1048577, open(jpeg, "rb").read())]
img = bytearray(2 * 1024 * 1024)
seed = 1
for i in range(0, len(img), 7):     # lower-case text filler
    seed = (seed * 1103515245 + 12345) & 0xffffffff
    img[i] = 97 + (seed >> 16) % 26
with open(out + ".list", "w") as m:
    for t, off, data in files:
        img[off:off + len(data)] = data
        m.write("%s %d %d %s\n" % (t, off, len(data), hashlib.sha256(data).hexdigest()))
open(out, "wb").write(img)
PY
	JPG=$ETK_SRC/fixtures/src/img/photo.jpg
	"$PY" "$T/gen.py" "$T/gen.raw" "$JPG" || fail "gen.py failed"
	run etk-carve -q -o "$T/g1" "$T/gen.raw"
	expect_rc 0
	expect_err_empty
	check "carved.jsonl written" test -s "$T/g1/carved.jsonl"
	while read -r type off len sha; do
		if ! has_type "$type"; then
			echo "skip: no $type validator yet"
			continue
		fi
		check "$type at $off: found whole ($len bytes, $sha)" grep -qF \
		    "\"offset\":$off,\"length\":$len,\"byte_runs\":[{\"offset\":$off,\"len\":$len}],\"nruns\":1,\"type\":\"$type\"" \
		    "$T/g1/carved.jsonl"
		check "$type at $off: complete, with its digest" grep -qE \
		    "\"offset\":$off,.*\"validated\":true,\"complete\":true,\"status\":\"complete\",\"sha256\":\"$sha\"" \
		    "$T/g1/carved.jsonl"
	done <"$T/gen.raw.list"

	# Every record: its byte runs re-read with dd give its sha256, and
	# so does the file written; paths stay inside DIR.
	cat >"$T/runs.py" <<'PY'
import hashlib, json, os, subprocess, sys
src, d = sys.argv[1], sys.argv[2]
bad, n = [], 0
for line in open(os.path.join(d, "carved.jsonl")):
    r = json.loads(line)
    n += 1
    data = b""
    for run in r["byte_runs"]:
        data += subprocess.run(["dd", "if=" + src, "bs=1", "skip=%d" % run["offset"],
                                "count=%d" % run["len"], "status=none"],
                               capture_output=True, check=True).stdout
    if hashlib.sha256(data).hexdigest() != r["sha256"] or len(data) != r["length"]:
        bad.append("%s: dd gives another digest" % r["locator"])
    if r["locator"] != "%s:@%d+%d" % (os.path.basename(src), r["byte_runs"][0]["offset"], r["byte_runs"][0]["len"]):
        bad.append("%s: locator" % r["locator"])
    if r["path"] is not None:
        p = os.path.normpath(os.path.join(d, r["path"]))
        if not p.startswith(os.path.normpath(d) + "/") or ".." in r["path"]:
            bad.append("%s: path outside DIR" % r["path"])
        elif hashlib.sha256(open(p, "rb").read()).hexdigest() != r["sha256"]:
            bad.append("%s: file differs" % r["path"])
        want = ("carved/" if r["complete"] else "partial/") + r["type"] + "/"
        if not r["path"].startswith(want):
            bad.append("%s: not under %s" % (r["path"], want))
print("\n".join(bad) if bad else "ok %d" % n)
PY
	"$PY" "$T/runs.py" "$T/gen.raw" "$T/g1" >"$T/runs.out" 2>&1
	check "byte runs re-read with dd: $(head -3 "$T/runs.out")" grep -q '^ok [1-9]' "$T/runs.out"

	# -j, TZ and locale do not change a byte; --json is carved.jsonl
	# plus the summary; text lines name each record.
	run env TZ=Asia/Kolkata LC_ALL=C.UTF-8 etk-carve -j1 --json -o "$T/g2" "$T/gen.raw"
	expect_rc 0
	check "-j1 TZ LC_ALL: carved.jsonl identical" cmp -s "$T/g1/carved.jsonl" "$T/g2/carved.jsonl"
	grep -v '"record":"summary"' "$T/out" >"$T/json"
	check "--json records are carved.jsonl" cmp -s "$T/json" "$T/g1/carved.jsonl"
	run env TZ=America/Los_Angeles etk-carve -j4 -o "$T/g3" "$T/gen.raw"
	expect_rc 0
	check "-j4: carved.jsonl identical" cmp -s "$T/g1/carved.jsonl" "$T/g3/carved.jsonl"
	n=$(wc -l <"$T/g1/carved.jsonl")
	check "one text line per record" test "$(wc -l <"$T/out")" -eq "$n"
	check "the files are the same" diff -r "$T/g1/carved" "$T/g3/carved"

	# Shards and ranges: concatenated, the single run's records.
	: >"$T/shards"
	for k in 0 1 2; do
		run etk-carve -q --shard $k/3 --max-size 1M -o "$T/s$k" "$T/gen.raw"
		expect_rc 0
		cat "$T/s$k/carved.jsonl" >>"$T/shards"
	done
	run etk-carve -q --max-size 1M -o "$T/s" "$T/gen.raw"
	check "3 shards merged == one run" cmp -s "$T/shards" "$T/s/carved.jsonl"
	(cd "$T/s" && find carved partial -type f 2>/dev/null | sort) >"$T/f.one"
	for k in 0 1 2; do
		(cd "$T/s$k" && find carved partial -type f 2>/dev/null)
	done | sort >"$T/f.shards"
	check "3 shards: the same files as one run" cmp -s "$T/f.one" "$T/f.shards"
	run env PARALLEL_SEQ=2 etk-carve -q --shard 3 --max-size 1M --no-write --json "$T/gen.raw"
	expect_rc 0
	grep -v '"record":"summary"' "$T/out" | sed 's/"path":null/"path":X/' >"$T/envshard"
	sed 's/"path":"[^"]*"/"path":X/' "$T/s1/carved.jsonl" >"$T/s1.x"
	check "--shard 3 with PARALLEL_SEQ=2 is shard 1/3" cmp -s "$T/envshard" "$T/s1.x"
	run etk-carve -q --no-write --json --range 70001:130003 "$T/gen.raw"
	expect_rc 0
	grep -v '"record":"summary"' "$T/out" >"$T/range"
	"$PY" -c '
import json, sys
want = [l for l in open(sys.argv[1]) if 70001 <= json.loads(l)["offset"] < 200004]
got = [l.replace("\"path\":null", "") for l in open(sys.argv[2])]
want = [json.dumps(dict(json.loads(l), path=None)) for l in want]
got = [json.dumps(json.loads(l)) for l in open(sys.argv[2])]
sys.exit(0 if want == got and want else 1)' "$T/g1/carved.jsonl" "$T/range"
	check "--range: the records starting in it" test $? -eq 0
	has_type jpeg && check "--range: the JPEG at 70001" grep -q '"offset":70001,' "$T/range"
	has_type pdf && check "--range: the PDF at 200003" grep -q '"offset":200003,' "$T/range"

	# Unreadable sectors: read as zeros, named in the summary, exit 3;
	# everything else is still carved.
	if [ -n "${ETK_FAULTLIB:-}" ] && [ -f "$ETK_FAULTLIB" ]; then
		_last="etk-carve with a bad range at 1900032+4096"
		RC=0
		env LD_PRELOAD="$ETK_FAULTLIB" ETK_FAULT_FILE="$T/gen.raw" \
		    ETK_FAULT_RANGES=1900032+4096 etk-carve -j2 -o "$T/bad" \
		    "$T/gen.raw" >"$T/out" 2>"$T/err" </dev/null || RC=$?
		expect_rc 3
		expect_err_has "gen.raw:@1900032+4096 (read)"
		check "a bad range: the same records" cmp -s "$T/g1/carved.jsonl" "$T/bad/carved.jsonl"
	else
		echo "skip: ETK_FAULTLIB not built (unreadable sectors)"
	fi

	# Past 2^41 bytes: a sparse 3 TiB image, a PNG (or JPEG) at
	# 2^41 + 12345, found by --range; dd reads it back.
	ft=
	has_type png && ft=png
	[ -z "$ft" ] && has_type jpeg && ft=jpeg
	if [ -n "$ft" ] && truncate -s 3T "$T/far.raw" 2>/dev/null; then
		# shellcheck disable=SC2046
		set -- $(grep "^$ft " "$T/gen.raw.list" | head -1)
		far=$((2199023255552 + 12345))
		dd if="$T/gen.raw" of="$T/far.raw" bs=1 skip="$2" seek="$far" \
		    count="$3" conv=notrunc status=none
		run etk-carve -q --max-size 1M --range $((far - 4096)):65536 \
		    -o "$T/far" "$T/far.raw"
		expect_rc 0
		check "far $ft: found at $far" grep -qF "\"locator\":\"far.raw:@$far+$3\",\"offset\":$far,\"length\":$3,\"byte_runs\":[{\"offset\":$far,\"len\":$3}]" "$T/far/carved.jsonl"
		check "far $ft: its digest" grep -qF "\"sha256\":\"$4\"" "$T/far/carved.jsonl"
		got=$(dd if="$T/far.raw" bs=4096 skip=$((far / 4096)) count=2 status=none | \
		    dd bs=1 skip=$((far % 4096)) count="$3" status=none | sha256sum | cut -d' ' -f1)
		check "far $ft: dd at the record's offset gives the digest" test "$got" = "$4"
		check "far $ft: file name padded to the size's 13 digits" \
		    test -f "$T/far/carved/$ft/$(printf %013d "$far").$(grep "^$ft	" "$T/types" | cut -f2)"
		rm -f "$T/far.raw"
	else
		echo "skip: far offsets (no png/jpeg validator or no sparse files)"
	fi
fi

# ------------------------------------------------------ unallocated, sd.raw
if has_type jpeg; then
	mkdir "$T/cwd"
	run_in "$T/cwd" etk-carve -o out "$SD"
	expect_rc 0
	check "nothing written outside DIR" test "$(ls -A "$T/cwd")" = out
	check "only carved.jsonl and carved/ in DIR" test "$(ls -A "$T/cwd/out" | tr '\n' ' ')" = "carved carved.jsonl "
	check "one record: the deleted JPEG" test "$(wc -l <"$T/cwd/out/carved.jsonl")" -eq 1
	if command -v icat >/dev/null 2>&1; then
		want=$(icat -r -o 2048 "$SD" 38 | sha256sum | cut -d' ' -f1)
		check "the deleted JPEG is icat's IMG_0002" grep -qF "\"sha256\":\"$want\"" "$T/cwd/out/carved.jsonl"
		for ino in 37 39; do
			a=$(icat -o 2048 "$SD" $ino | sha256sum | cut -d' ' -f1)
			check "allocated inode $ino not carved" sh -c "! grep -qF '$a' '$T/cwd/out/carved.jsonl'"
		done
	fi
	expect_out_has "sd.raw:@2084352+829	jpeg	complete	829	"
	[ -n "$PY" ] && { "$PY" "$T/runs.py" "$SD" "$T/cwd/out" >"$T/runs.out" 2>&1
		check "sd.raw byte runs re-read with dd: $(head -3 "$T/runs.out")" grep -q '^ok 1$' "$T/runs.out"; }
	# an existing carved.jsonl is refused, and nothing changes
	cp "$T/cwd/out/carved.jsonl" "$T/keep"
	run_in "$T/cwd" etk-carve -o out "$SD"
	expect_rc 1
	expect_err_has "carved.jsonl' exists"
	check "carved.jsonl untouched" cmp -s "$T/keep" "$T/cwd/out/carved.jsonl"
	check "no temporary file left" test "$(ls -A "$T/cwd/out" | tr '\n' ' ')" = "carved carved.jsonl "
	# the whole card: the allocated pictures too
	run etk-carve -q --scope all --types jpeg --no-write --json "$SD"
	expect_rc 0
	check "--scope all: three JPEGs" test "$(grep -c '"record":"carved"' "$T/out")" -eq 3
	expect_out_lacks '"path":"'
	# two sources: DIR/NAME/carved/...
	run etk-carve -q -o "$T/two" "$SD" "$FIX/fs.ext4"
	expect_rc 0
	check "two sources: paths under NAME/" grep -q '"path":"sd.raw/carved/jpeg/' "$T/two/carved.jsonl"
else
	echo "skip: no jpeg validator yet (unallocated scope on sd.raw)"
fi

# -------------------------------------------------------------------- case
if [ -x "$BIN/etk-init" ] && has_type jpeg; then
	run etk-init "$T/case" --case CARVE-1 --examiner "Test Examiner"
	if [ "$RC" -eq 0 ]; then
		n0=$(wc -l <"$T/case/journal.jsonl")
		run etk-carve --case "$T/case" -o "$T/cc" "$SD"
		expect_rc 0
		n1=$(wc -l <"$T/case/journal.jsonl")
		check "a journal entry was added" test "$n1" -eq $((n0 + 1))
		tail -1 "$T/case/journal.jsonl" >"$T/entry"
		check "the entry names etk-carve" grep -q '"name":"etk-carve"' "$T/entry"
		check "the entry is of type carve" grep -q '"type":"carve"' "$T/entry"
		check "the entry records carved.jsonl" grep -qF "$T/cc/carved.jsonl" "$T/entry"
		if command -v sqlite3 >/dev/null 2>&1; then
			row=$(sqlite3 -separator '|' "$T/case/etk.db" 'select locator, offset, length, byte_runs, type, validated, complete, path from carved' 2>&1)
			check "the carved table (got '$row')" test "$row" = 'sd.raw:@2084352+829|2084352|829|[{"offset":2084352,"len":829}]|jpeg|1|1|carved/jpeg/02084352.jpg'
		fi
	else
		fail "etk-init failed: $(head -1 "$T/err")"
	fi
fi

# Without a file system, fragments are looked for at 4 KiB boundaries:
# a JPEG stored as [second half] ... [first half], 23 clusters apart,
# comes back whole as two runs.
if [ -n "$PY" ] && has_type jpeg && command -v convert >/dev/null 2>&1; then
	convert -size 160x120 xc:gray +noise Random -quality 90 "$T/noise.jpg" 2>/dev/null
	"$PY" - "$T/noise.jpg" "$T/rev.raw" <<'PY'
import hashlib, random, sys
j = open(sys.argv[1], 'rb').read()
r = random.Random(5)
cut = 8192
assert len(j) > cut + 4096, len(j)
a, b = j[:cut], j[cut:]
img = bytearray(r.randbytes(4096 * 48))
img[4096 * 4:4096 * 4 + len(b)] = b          # second half first
assert 4096 * 4 + len(b) < 4096 * 27
img[4096 * 27:4096 * 27 + cut] = a           # first half later
open(sys.argv[2], 'wb').write(bytes(img))
print(hashlib.sha256(j).hexdigest(), len(j))
PY
	set -- $("$PY" -c "import hashlib,sys; d=open(sys.argv[1],'rb').read(); print(hashlib.sha256(d).hexdigest(), len(d))" "$T/noise.jpg")
	run etk-carve --scope all --no-write --json --types jpeg "$T/rev.raw"
	expect_rc 0
	expect_out_has "\"offset\":110592,\"length\":$2,\"byte_runs\":[{\"offset\":110592,\"len\":8192},{\"offset\":16384,\"len\":$(($2 - 8192))}]"
	expect_out_has "\"complete\":true,\"status\":\"complete\",\"sha256\":\"$1\""
fi

# --types takes refined kinds too: docx scans ZIPs and keeps the DOCX.
if [ -n "$PY" ] && has_type zip && has_type docx; then
	"$PY" - "$T/z.bin" <<'PY'
import io, random, sys, zipfile
def z(names):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w') as f:
        for n, d in names:
            f.writestr(n, d)
    return b.getvalue()
r = random.Random(9)
docx = z([('[Content_Types].xml', '<Types/>'), ('word/document.xml', '<w:document/>')])
plain = z([('a.txt', 'hello ' * 100)])
open(sys.argv[1], 'wb').write(r.randbytes(5001) + docx + r.randbytes(3000) + plain + r.randbytes(2000))
PY
	run etk-carve --scope all --no-write --types docx "$T/z.bin"
	expect_rc 0
	check "--types docx: only the DOCX (got $(wc -l <"$T/out"))" test "$(wc -l <"$T/out")" -eq 1
	expect_out_has "z.bin:@5001+"
	expect_out_has "	docx	complete	"
	run etk-carve --scope all --no-write --types zip "$T/z.bin"
	check "--types zip: the ZIP and the DOCX (got $(wc -l <"$T/out"))" test "$(wc -l <"$T/out")" -eq 2
fi

# A cut archive is one broken file, not one per member: every member's
# local header runs to the same end, and only the first is reported.
if [ -n "$PY" ] && has_type zip; then
	"$PY" - "$T/cutzip.bin" <<'PY'
import io, random, sys, zipfile
r = random.Random(3)
b = io.BytesIO()
with zipfile.ZipFile(b, 'w', zipfile.ZIP_STORED) as z:
    for i in range(6):
        z.writestr('m%d.txt' % i, r.randbytes(3000))
data = b.getvalue()
open(sys.argv[1], 'wb').write(r.randbytes(10007) + data[:len(data) - 300])
PY
	run etk-carve --scope all --no-write --types zip "$T/cutzip.bin"
	expect_rc 0
	check "one record for the cut archive (got $(wc -l <"$T/out"))" test "$(wc -l <"$T/out")" -eq 1
	expect_out_has "cutzip.bin:@10007+"
	expect_out_has "	zip	truncated	"
fi

finish

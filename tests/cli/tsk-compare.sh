#!/bin/sh
# etk ls and etk cat against The Sleuth Kit, at test time: for every file
# system of each image, the set of (path, inode, deleted) that
# "etk ls -r --json" gives equals what "fls -r -p" prints, and
# "etk cat" of every allocated regular file (and of every deleted FAT
# file) equals "icat" ("icat -r").
#
# Run by ctest (cli.tsk-compare) like the other CLI tests; also usable
# by hand: ETK_FIXTURES=... ETK_BIN=... ETK_SRC=... sh tests/cli/tsk-compare.sh
. "$ETK_SRC/tests/cli/lib.sh"

for t in fls fsstat icat mmls; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "skip: $t (sleuthkit) not installed"
		exit 77
	fi
done

# JSON Lines file records -> "path<TAB>inode<TAB>deleted<TAB>kind<TAB>
# allocated<TAB>fs_offset<TAB>locator", path without the leading '/',
# NTFS inodes as fls prints them (inum-type-id).  Reads only our own
# flat records, so a small string decoder is enough.
json_files() {
	awk '
	function hexv(h,    i, c, v) {
		v = 0
		for (i = 1; i <= length(h); i++) {
			c = index("0123456789abcdef", tolower(substr(h, i, 1)))
			v = v * 16 + c - 1
		}
		return v
	}
	function utf8(cp) {
		if (cp < 128) return sprintf("%c", cp)
		if (cp < 2048) return sprintf("%c%c", 192 + int(cp / 64), 128 + cp % 64)
		if (cp < 65536) return sprintf("%c%c%c", 224 + int(cp / 4096), 128 + int(cp / 64) % 64, 128 + cp % 64)
		return sprintf("%c%c%c%c", 240 + int(cp / 262144), 128 + int(cp / 4096) % 64, 128 + int(cp / 64) % 64, 128 + cp % 64)
	}
	# Decode the JSON string starting at s[i] (the quote); sets P past it.
	function jstr(s, i,    out, c, cp, lo) {
		out = ""
		i++
		while (i <= length(s)) {
			c = substr(s, i, 1)
			if (c == "\"") { P = i + 1; return out }
			if (c != "\\") { out = out c; i++; continue }
			c = substr(s, i + 1, 1)
			if (c == "u") {
				cp = hexv(substr(s, i + 2, 4))
				i += 6
				if (cp >= 55296 && cp < 56320 && substr(s, i, 2) == "\\u") {
					lo = hexv(substr(s, i + 2, 4))
					cp = 65536 + (cp - 55296) * 1024 + (lo - 56320)
					i += 6
				}
				out = out utf8(cp)
				continue
			}
			if (c == "n") out = out "\n"
			else if (c == "t") out = out "\t"
			else if (c == "r") out = out "\r"
			else if (c == "b") out = out "\b"
			else if (c == "f") out = out "\f"
			else out = out c
			i += 2
		}
		P = i
		return out
	}
	# Split a flat object into V[key] (strings decoded, others raw).
	function parse(s,    i, k, c, j) {
		for (k in V) delete V[k]
		i = 2
		while (i <= length(s)) {
			c = substr(s, i, 1)
			if (c != "\"") { i++; continue }
			k = jstr(s, i)
			i = P + 1	# past ":"
			if (substr(s, i, 1) == "\"") {
				V[k] = jstr(s, i)
				i = P
			} else {
				j = i
				while (j <= length(s) && substr(s, j, 1) != "," && substr(s, j, 1) != "}")
					j++
				V[k] = substr(s, i, j - i)
				i = j
			}
		}
	}
	index($0, "{\"record\":\"file\"") == 1 {
		parse($0)
		p = V["path"]
		sub(/^\//, "", p)
		ino = V["inode"]
		if ("attr" in V) ino = ino "-" V["attr"]
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p, ino, V["deleted"] == "true" ? 1 : 0, V["kind"], V["allocated"] == "true" ? 1 : 0, V["fs_offset"], V["locator"]
	}'
}

# fls -r -p lines -> "path<TAB>inode<TAB>deleted".
fls_files() {
	awk -F'\t' '
	{
		head = $1
		path = substr($0, length($1) + 2)
		n = split(head, f, " ")
		del = (f[2] == "*") ? 1 : 0
		ino = f[n]
		sub(/:$/, "", ino)
		sub(/\(realloc\)$/, "", ino)
		printf "%s\t%s\t%s\n", path, ino, del
	}'
}

# File system offsets (sectors) of an image, as TSK sees them.
tsk_offsets() {
	if mmls "$1" >"$T/mmls" 2>/dev/null; then
		awk '$2 ~ /^[0-9]+(:[0-9]+)?$/ { print $3 + 0 }' "$T/mmls" |
		while read -r off; do
			fsstat -o "$off" "$1" >/dev/null 2>&1 && echo "$off"
		done
	elif fsstat "$1" >/dev/null 2>&1; then
		echo 0
	fi
}

compare_image() {
	img=$1
	name=${img##*/}
	if [ ! -e "$img" ]; then
		fail "$name: fixture missing"
		return
	fi
	run etk-ls -r --json "$img"
	if [ "$RC" -ne 0 ]; then
		fail "$name: etk ls -r --json exit $RC"
		return
	fi
	_ok
	json_files <"$T/out" >"$T/etk.all"
	tsk_offsets "$img" >"$T/offs"
	# The same file systems, at the same offsets.
	cut -f6 "$T/etk.all" | sort -un | awk '{ print $1 / 512 }' >"$T/etk.offs"
	sort -n "$T/offs" >"$T/tsk.offs"
	if cmp -s "$T/etk.offs" "$T/tsk.offs"; then
		_ok
	else
		fail "$name: file systems differ (etk sectors: $(tr '\n' ' ' <"$T/etk.offs"); tsk: $(tr '\n' ' ' <"$T/tsk.offs"))"
	fi
	nfs=0
	while read -r off; do
		nfs=$((nfs + 1))
		boff=$((off * 512))
		awk -F'\t' -v o="$boff" '$6 == o' "$T/etk.all" >"$T/etk.fs"
		cut -f1-3 "$T/etk.fs" | LC_ALL=C sort >"$T/etk.set"
		if ! fls -r -p -o "$off" "$img" >"$T/fls.raw" 2>"$T/fls.err"; then
			fail "$name@$off: fls failed: $(head -1 "$T/fls.err")"
			continue
		fi
		fls_files <"$T/fls.raw" | LC_ALL=C sort >"$T/fls.set"
		if cmp -s "$T/etk.set" "$T/fls.set"; then
			_ok
			echo "ok: $name@$off: ls = fls ($(wc -l <"$T/fls.set") entries)"
		else
			fail "$name@$off: etk ls -r differs from fls -r -p (< etk, > fls)"
			diff "$T/etk.set" "$T/fls.set" | head -20 >&2
		fi
		# -d and -u select what fls -d and fls -u select.
		for sel in d u; do
			etk-ls -r -$sel --json "$img" 2>/dev/null | json_files |
			    awk -F'\t' -v o="$boff" '$6 == o' | cut -f1-3 |
			    LC_ALL=C sort >"$T/etk.sel"
			fls -r -p -$sel -o "$off" "$img" 2>/dev/null | fls_files |
			    LC_ALL=C sort >"$T/fls.sel"
			if cmp -s "$T/etk.sel" "$T/fls.sel"; then
				_ok
			else
				fail "$name@$off: the -$sel selection differs from fls -$sel"
				diff "$T/etk.sel" "$T/fls.sel" | head -5 >&2
			fi
		done
		# Content: allocated regular files = icat; deleted FAT files = icat -r.
		fstype=$(fsstat -o "$off" "$img" 2>/dev/null |
		    awk -F': ' '/^File System Type:/ { print $2; exit }')
		ncat=0
		nbad=0
		while IFS='	' read -r p ino del kind alloc fsoff loc; do
			[ "$kind" = r ] || continue
			if [ "$alloc" = 1 ] && [ "$del" = 0 ]; then
				rflag=
			else
				case $fstype in
				FAT*) rflag=-r ;;
				*) continue ;;
				esac
			fi
			[ "$ino" = 0 ] && continue
			etk-cat -q "$img" "$loc" >"$T/a" 2>"$T/a.err"
			a=$?
			icat $rflag -o "$off" "$img" "$ino" >"$T/b" 2>/dev/null
			ncat=$((ncat + 1))
			if [ "$a" -ne 0 ] || ! cmp -s "$T/a" "$T/b"; then
				nbad=$((nbad + 1))
				[ "$nbad" -le 5 ] &&
				    echo "  cat != icat $rflag: $loc (inode $ino, exit $a: $(head -1 "$T/a.err"))" >&2
			fi
		done <"$T/etk.fs"
		if [ "$nbad" -eq 0 ]; then
			_ok
			echo "ok: $name@$off: cat = icat ($ncat files)"
		else
			fail "$name@$off: $nbad of $ncat files differ from icat"
		fi
	done <"$T/tsk.offs"
	[ "$nfs" -gt 0 ] || fail "$name: TSK found no file system"
}

for img in phone.raw phone.E01 sd.raw ntfs.raw fs.ext4; do
	compare_image "$FIX/$img"
done

# Plain non-resident files are read straight from the source by their
# runs; ETK_TSK_READ=1 reads everything through tsk_fs_attr_read.  Both
# give the same digests (and the same failures) for every file.
for img in phone.raw phone.E01 sd.raw sd-split.E01 ntfs.raw fs.ext4; do
	etk-hash -q --no-progress -c md5,sha256 "$FIX/$img" >"$T/direct" 2>&1
	ETK_TSK_READ=1 etk-hash -q --no-progress -c md5,sha256 "$FIX/$img" \
	    >"$T/viatsk" 2>&1
	check "$img: direct reads = reads through TSK" cmp -s "$T/direct" \
	    "$T/viatsk"
done
finish

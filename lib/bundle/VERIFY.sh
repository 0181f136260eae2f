#!/bin/sh
# VERIFY.sh: check this disclosure bundle (etk-bundle/1) with standard
# tools only: POSIX sh, coreutils, sed, grep, tar and openssl.  The same
# eleven steps as README.txt lists (CUSTODY.md 6c), one line each:
#   step N NAME: OK[: what was checked] | FAILED: why | skipped: why
# Exit 0 when no step failed, 1 otherwise, 2 on a usage error.
#
#   sh VERIFY.sh [--key-id sha256:HEX]... [--tar-sha256 HEX] [BUNDLE.tar]
#
# BUNDLE.tar (with BUNDLE.tar.sha256 beside it) is the archive this
# directory was extracted from: steps 1 and 2 check it.  --key-id names a
# key confirmed out of band (the examiner's statement); --tar-sha256 the
# archive digest given there.
set -u
LC_ALL=C
export LC_ALL

tarfile=
tarsha=
keyids=
while [ $# -gt 0 ]; do
	case $1 in
	--key-id|--tar-sha256)
		if [ $# -lt 2 ]; then
			echo "VERIFY.sh: $1 needs a value" >&2
			exit 2
		fi
		v=$(printf '%s\n' "$2" | sed 's/^sha256://' | tr 'A-F' 'a-f')
		if ! printf '%s\n' "$v" | grep -q '^[0-9a-f]\{64\}$'; then
			echo "VERIFY.sh: $1: not 64 hex digits: $2" >&2
			exit 2
		fi
		if [ "$1" = --key-id ]; then keyids="$keyids $v"; else tarsha=$v; fi
		shift 2
		;;
	-h|--help)
		sed -n '2,14s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	-*)
		echo "VERIFY.sh: unknown option $1" >&2
		exit 2
		;;
	*)
		case $1 in
		/*) tarfile=$1 ;;
		*) tarfile=$(pwd)/$1 ;;
		esac
		shift
		;;
	esac
done
cd "$(dirname "$0")" || exit 1
W=$(mktemp -d "${TMPDIR:-/tmp}/verify.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM

J=custody/journal.jsonl
R=redaction/redactions.jsonl
Z=0000000000000000000000000000000000000000000000000000000000000000
failed=0
bad=
warn=

fail() {
	bad="${bad:+$bad; }$*"
}
note() {
	warn="${warn:+$warn; }$*"
}
report() {
	if [ -n "$bad" ]; then
		echo "step $1 $2: FAILED: $bad"
		failed=1
	elif [ -n "$warn" ]; then
		echo "step $1 $2: OK (warning: $warn)${3:+: $3}"
	else
		echo "step $1 $2: OK${3:+: $3}"
	fi
	bad=
	warn=
}
skip() {
	echo "step $1 $2: skipped: $3"
	bad=
	warn=
}
sha() {
	sha256sum | cut -c1-64
}
# MANIFEST.json on one line, so that sed can read its members
mflat() {
	tr -d '\n\r' <MANIFEST.json 2>/dev/null
}
mfield() {
	mflat | tr ',{}' '\n\n\n' | sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*\$/\1/p" | head -n 1
}
# a path of the bundle: [A-Za-z0-9._-/], relative, no . or .. component
safe() {
	printf '%s\n' "$1" | grep -q '^[A-Za-z0-9._-][A-Za-z0-9._/-]*$' &&
	    ! printf '%s\n' "$1" | grep -q -E '(^|/)\.\.?(/|$)|//|/$'
}
list() {
	head -n 5 | tr '\n' ' ' | sed 's/ $//'
}

# ---- 1 archive ----
if [ -n "$tarfile" ]; then
	if [ ! -f "$tarfile" ]; then
		fail "$tarfile: missing"
		h=
	else
		h=$(sha <"$tarfile")
		if [ -n "$tarsha" ] && [ "$h" != "$tarsha" ]; then
			fail "${tarfile##*/}: SHA-256 $h, not $tarsha as given"
		fi
		if [ -f "$tarfile.sha256" ]; then
			want=$(head -n 1 "$tarfile.sha256" | cut -c1-64)
			[ "$h" = "$want" ] ||
			    fail "${tarfile##*/}: SHA-256 $h, not $want as ${tarfile##*/}.sha256 says"
		elif [ -z "$tarsha" ]; then
			note "no ${tarfile##*/}.sha256: compare $h with the statement"
		fi
	fi
	report 1 archive "${tarfile##*/} SHA-256 $h"
else
	skip 1 archive "no archive named (sh VERIFY.sh ../BUNDLE.tar)"
fi

# ---- 2 safe names ----
if [ -n "$tarfile" ] && [ -f "$tarfile" ]; then
	if tar -tf "$tarfile" >"$W/tl" 2>/dev/null &&
	    tar -tvf "$tarfile" >"$W/tv" 2>/dev/null; then
		x=$(grep -E '^/|(^|/)\.\.(/|$)' "$W/tl" | list)
		[ -z "$x" ] || fail "absolute or .. members in the archive: $x"
		x=$(sed 's|^\./||' "$W/tl" | grep -v '^[A-Za-z0-9._/-]*$' | list)
		[ -z "$x" ] || fail "archive names outside [A-Za-z0-9._-/]: $x"
		x=$(grep -v '^[-d]' "$W/tv" | list)
		[ -z "$x" ] || fail "archive members neither files nor directories: $x"
	else
		fail "${tarfile##*/}: not a readable tar"
	fi
fi
x=$(find . ! -type f ! -type d | list)
[ -z "$x" ] || fail "neither files nor directories: $x"
odd=$x
x=$(find . -name '*[!A-Za-z0-9._-]*' | list)
[ -z "$x" ] || fail "names outside [A-Za-z0-9._-/]: $x"
report 2 "safe names" "regular files and directories only, names within [A-Za-z0-9._-/]"
# Links could lead the checks outside this directory and a FIFO would
# hang them: nothing more is read.
if [ -n "$odd" ]; then
	for s in 3:keys 4:signature 5:timestamp 6:files 7:complete \
	    8:"journal chain" 9:seals 10:cross-checks 11:redactions; do
		skip "${s%%:*}" "${s#*:}" "not checked: links or special files here (step 2)"
	done
	echo "bundle NOT verified: see the FAILED steps above"
	exit 1
fi

# ---- 3 keys ----
ids=
if [ ! -f keys/KEYS.txt ]; then
	fail "keys/KEYS.txt: missing"
else
	[ ! -s keys/KEYS.txt ] || [ "$(tail -c 1 keys/KEYS.txt | od -An -c | tr -d ' ')" = '\n' ] ||
	    fail "keys/KEYS.txt: no newline at the end"
	n=0
	while IFS= read -r l; do
		n=$((n + 1))
		if ! printf '%s\n' "$l" | grep -q '^[0-9a-f]\{64\}  keys/[A-Za-z0-9._/-]*$' ||
		    ! safe "$(printf '%s\n' "$l" | cut -c67-)"; then
			fail "keys/KEYS.txt line $n: not '<64 hex>  keys/<file>'"
			continue
		fi
		h=$(printf '%s\n' "$l" | cut -c1-64)
		f=$(printf '%s\n' "$l" | cut -c67-)
		if [ ! -f "$f" ]; then
			fail "keys/KEYS.txt line $n: $f missing"
			continue
		fi
		got=$(openssl pkey -pubin -in "$f" -outform DER 2>/dev/null | sha)
		if [ "$got" != "$h" ]; then
			fail "keys/KEYS.txt line $n: $f is key sha256:$got, not sha256:$h"
		else
			ids="${ids:+$ids, }$f sha256:$h"
		fi
	done <keys/KEYS.txt
	find keys -type f -name '*.pub.pem' | sort >"$W/kh"
	cut -c67- keys/KEYS.txt | sort >"$W/kl"
	x=$(comm -23 "$W/kh" "$W/kl" | list)
	[ -z "$x" ] || fail "public keys not listed in keys/KEYS.txt: $x"
fi
ex=$(mfield key_id | sed -n 's/^sha256:\([0-9a-f]\{64\}\)$/\1/p')
for k in $keyids; do
	if ! grep -q "^$k  " keys/KEYS.txt 2>/dev/null; then
		fail "key sha256:$k (confirmed out of band) is not in keys/KEYS.txt"
	elif [ "$k" != "$ex" ] &&
	    ! grep -q "\"type\":\"seal\".*\"signers\":\[[^]]*\"sha256:$k\"" "$J" 2>/dev/null; then
		fail "key sha256:$k (confirmed out of band) signed neither SHA256SUMS nor any seal"
	fi
done
report 3 keys "$ids; confirm these ids out of band"

# ---- 4 signature ----
kf=
if [ -z "$ex" ]; then
	fail "MANIFEST.json: no case key_id"
else
	kf=$(grep "^$ex  " keys/KEYS.txt 2>/dev/null | head -n 1 | cut -c67-)
	[ -n "$kf" ] || fail "examiner key sha256:$ex (MANIFEST case.key_id) is not in keys/KEYS.txt"
	head -n 1 "$J" 2>/dev/null | grep -qF "{\"id\":\"sha256:$ex\"" ||
	    fail "examiner key sha256:$ex is not in the journal's genesis keys[] (line 1)"
fi
n=0
if [ -f SHA256SUMS.ed25519.sig ]; then
	n=1
	if [ -n "$kf" ] && ! openssl pkeyutl -verify -rawin -pubin -inkey "$kf" \
	    -in SHA256SUMS -sigfile SHA256SUMS.ed25519.sig >/dev/null 2>&1; then
		fail "SHA256SUMS.ed25519.sig does not verify with the examiner key $kf"
	fi
fi
if [ -f SHA256SUMS.p256.sig ]; then
	n=1
	if [ -n "$kf" ] && ! openssl dgst -sha256 -verify "$kf" \
	    -signature SHA256SUMS.p256.sig SHA256SUMS >/dev/null 2>&1; then
		fail "SHA256SUMS.p256.sig does not verify with the examiner key $kf"
	fi
fi
[ "$n" = 1 ] || fail "no SHA256SUMS.ed25519.sig or SHA256SUMS.p256.sig"
report 4 signature "SHA256SUMS signed by sha256:$ex ($kf)"

# ---- 5 timestamp ----
if [ -f SHA256SUMS.tsr ]; then
	t=
	if [ ! -f keys/tsa-chain.pem ]; then
		fail "SHA256SUMS.tsr: no keys/tsa-chain.pem to check it against"
	elif openssl ts -verify -data SHA256SUMS -in SHA256SUMS.tsr \
	    -CAfile keys/tsa-chain.pem >/dev/null 2>&1; then
		t=$(openssl ts -reply -in SHA256SUMS.tsr -text 2>/dev/null | sed -n 's/^Time stamp: //p')
	else
		fail "SHA256SUMS.tsr does not verify over SHA256SUMS with keys/tsa-chain.pem"
	fi
	report 5 timestamp "SHA256SUMS time-stamped $t"
elif mflat | grep -q '"timestamped":[[:space:]]*true'; then
	fail "SHA256SUMS.tsr: missing, but MANIFEST.json says timestamped"
	report 5 timestamp
else
	skip 5 timestamp "no SHA256SUMS.tsr"
fi

# ---- 6 files ----
if [ ! -f SHA256SUMS ]; then
	fail "SHA256SUMS: missing"
else
	x=$(grep -n -v '^[0-9a-f]\{64\}  [A-Za-z0-9._-][A-Za-z0-9._/-]*$' SHA256SUMS | cut -d: -f1 | list)
	[ -z "$x" ] || fail "SHA256SUMS lines not '<64 hex>  <path>': $x"
	x=$(cut -c67- SHA256SUMS | grep -n -E '(^|/)\.\.?(/|$)|//|/$|^SHA256SUMS(\.|$)' | cut -d: -f1 | list)
	[ -z "$x" ] || fail "SHA256SUMS lines with unsafe paths: $x"
	cut -c67- SHA256SUMS >"$W/listed"
	sort -c -u "$W/listed" 2>/dev/null || fail "SHA256SUMS not sorted (LC_ALL=C) or a path listed twice"
	if [ -z "$bad" ]; then
		sha256sum --strict --quiet -c SHA256SUMS >"$W/c6" 2>/dev/null ||
		    fail "changed or missing: $(sed -n 's/: FAILED.*$//p' "$W/c6" | list)"
	fi
fi
report 6 files "$(wc -l <SHA256SUMS 2>/dev/null | tr -d ' ') files match SHA256SUMS"

# ---- 7 complete ----
find . -type f ! -path './SHA256SUMS' ! -path './SHA256SUMS.*' |
    sed 's|^\./||' | sort >"$W/have"
sort "$W/listed" 2>/dev/null >"$W/listed.s"
x=$(comm -23 "$W/have" "$W/listed.s" | list)
[ -z "$x" ] || fail "present but not listed: $x"
x=$(comm -13 "$W/have" "$W/listed.s" | list)
[ -z "$x" ] || fail "listed but missing: $x"
for f in SHA256SUMS.*; do
	case $f in
	SHA256SUMS.ed25519.sig|SHA256SUMS.p256.sig|SHA256SUMS.tsr|SHA256SUMS.p7s|'SHA256SUMS.*') ;;
	*) fail "$f: not a signature or token file, and not listed" ;;
	esac
done
report 7 complete "the files present are exactly those listed"

# ---- 8 journal chain ----
n=0
if [ ! -f "$J" ]; then
	fail "$J: missing"
else
	n=$(wc -l <"$J" | tr -d ' ')
	[ "$(tail -c 1 "$J" | od -An -c | tr -d ' ')" = '\n' ] ||
	    fail "$J: the last line has no newline (truncated)"
	mkdir "$W/lines"
	split -l 1 -a 6 "$J" "$W/lines/l."
	(cd "$W/lines" && sha256sum l.*) | cut -c1-64 >"$W/hashes"
	sed 's/^{"v":"dft-custody\/1","seq":\([0-9]*\),"prev":"\([0-9a-f]\{64\}\)","type":"\([a-z0-9_]*\)".*/\1 \2 \3/;t
s/.*/- - -/' "$J" >"$W/fields"
	grep -n -F '[WITHHELD:' "$J" | cut -d: -f1 >"$W/withheld"
	i=0
	prev=$Z
	while read -r seq p type && read -r h <&3; do
		i=$((i + 1))
		if [ "$seq" = - ]; then
			fail "line $i does not begin {\"v\":\"dft-custody/1\",\"seq\":N,\"prev\":HEX,\"type\":T"
		else
			[ "$seq" = "$i" ] || fail "line $i: seq is $seq (lines removed, added or reordered)"
			if [ "$p" != "$prev" ]; then
				if [ "$i" = 1 ]; then
					fail "line 1: prev is not 64 zeros"
				else
					fail "chain broken at line $i: its prev is not the SHA-256 of line $((i - 1))"
				fi
			fi
		fi
		prev=$h
		if grep -qx "$i" "$W/withheld"; then
			o=$(grep -F "\"source_item\":\"journal:$i\"" "$R" 2>/dev/null |
			    sed -n 's/.*"original_sha256":"\([0-9a-f]\{64\}\)".*/\1/p' | head -n 1)
			if [ -z "$o" ]; then
				fail "line $i holds [WITHHELD:...] but no redaction record gives its original_sha256"
			else
				prev=$o
				note "line $i withheld: line $((i + 1)) checked against its original_sha256"
			fi
		fi
	done <"$W/fields" 3<"$W/hashes"
	mj=$(mflat | sed -n 's/.*"journal":[[:space:]]*{[[:space:]]*"path":[[:space:]]*"custody\/journal.jsonl",[[:space:]]*"lines":[[:space:]]*\([0-9]*\),[[:space:]]*"head_sha256":[[:space:]]*"\([0-9a-f]*\)",[[:space:]]*"last_seal":[[:space:]]*\([0-9]*\).*/\1 \2 \3/p')
	set -- $mj
	if [ $# -ne 3 ]; then
		fail "MANIFEST.json: no journal {path, lines, head_sha256, last_seal}"
		set -- x x x
	fi
	[ "$1" = "$n" ] || fail "$J has $n lines, MANIFEST.json says $1"
	head=$(tail -n 1 "$W/hashes")
	[ "$2" = "$head" ] || fail "the last line's SHA-256 is $head, MANIFEST.json head_sha256 says $2"
	lastseal=$3
fi
report 8 "journal chain" "$n lines, head $(tail -n 1 "$W/hashes" 2>/dev/null)"

# ---- 9 seals ----
ns=0
nsig=0
ntok=0
if [ -f "$J" ]; then
	fw=$(head -n 1 "$W/withheld")
	for s in $(grep -n ' seal$' "$W/fields" | cut -d: -f1); do
		ns=$((ns + 1))
		line=$(sed -n "${s}{p;q;}" "$J")
		signers=$(printf '%s\n' "$line" | sed -n 's/.*"signers":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' ' ')
		files=$(printf '%s\n' "$line" | sed -n 's/.*"sig_files":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' ' ')
		head -n "$s" "$J" >"$W/p"
		if [ -n "$fw" ] && [ "$fw" -le "$s" ]; then
			held="covers withheld line $fw: verifies only against the lab-held original"
		else
			held=
		fi
		# only key ids and seal file names go on: nothing to glob or match
		if ! printf '%s\n' "$signers" | grep -q '^\(sha256:[0-9a-f]\{64\} *\)\{1,\}$' ||
		    ! printf '%s\n' "$files" | grep -q '^\(seals/[0-9]\{6,\}\.[0-9a-f]\{16\}\.sig *\)\{1,\}$'; then
			fail "seal $s: signers or sig_files missing or malformed"
			continue
		fi
		set -- $files
		for sg in $signers; do
			f=${1:-}
			[ $# -gt 0 ] && shift
			hex=${sg#sha256:}
			expect=seals/$(printf '%06d' "$s").$(printf '%.16s' "$hex").sig
			if [ "$f" != "$expect" ]; then
				fail "seal $s: signature file '$f' should be $expect"
				continue
			fi
			head -n "$s" "$J" | grep -qF "{\"id\":\"$sg\"" ||
			    fail "seal $s: signer $sg is in no keys[] of the journal"
			kf=$(grep "^$hex  " keys/KEYS.txt 2>/dev/null | head -n 1 | cut -c67-)
			if [ -z "$kf" ]; then
				fail "seal $s: key $sg is not in keys/KEYS.txt"
				continue
			fi
			if openssl pkey -pubin -in "$kf" -noout -text 2>/dev/null | head -n 1 | grep -q ED25519; then
				openssl pkeyutl -verify -rawin -pubin -inkey "$kf" -in "$W/p" \
				    -sigfile "custody/$f" >/dev/null 2>&1
			else
				openssl dgst -sha256 -verify "$kf" -signature "custody/$f" \
				    "$W/p" >/dev/null 2>&1
			fi
			if [ $? -eq 0 ]; then
				nsig=$((nsig + 1))
			elif [ -n "$held" ]; then
				note "seal $s: custody/$f $held"
			else
				fail "seal $s: custody/$f by $sg does not verify over lines 1-$s"
			fi
		done
		tsr=$(printf '%s\n' "$line" | sed -n 's/.*"tsr":"\(seals\/[0-9]*\.tsr\)".*/\1/p')
		if [ -n "$tsr" ]; then
			if [ "$tsr" != "seals/$(printf '%06d' "$s").tsr" ]; then
				fail "seal $s: token file '$tsr' is not seals/$(printf '%06d' "$s").tsr"
			elif [ ! -f "custody/$tsr" ]; then
				note "seal $s: custody/$tsr pending (no token yet)"
			elif openssl ts -verify -data "$W/p" -in "custody/$tsr" \
			    -CAfile keys/tsa-chain.pem >/dev/null 2>&1; then
				ntok=$((ntok + 1))
			else
				if [ -n "$held" ]; then
					note "seal $s: custody/$tsr $held"
				else
					fail "seal $s: custody/$tsr does not verify over lines 1-$s"
				fi
			fi
		fi
	done
	[ "$ns" -gt 0 ] || fail "no seal in $J"
	last=$(tail -n 1 "$W/fields")
	case $last in
	"$n "*" seal") tail -n 1 "$J" | grep -q "\"covers\":$n[,}]" ||
	    fail "the last seal (line $n) does not cover itself" ;;
	*) fail "the last line ($n) is not a seal" ;;
	esac
	[ "${lastseal:-x}" = "$n" ] ||
	    fail "the last seal is line $n, but MANIFEST.json names seal ${lastseal:-none} (an older journal replayed?)"
else
	fail "$J: missing"
fi
report 9 seals "$ns seals: $nsig signatures and $ntok tokens verified; the last seal is line $n"

# ---- 10 cross-checks ----
counts=$(mflat | sed -n 's/.*"counts":[[:space:]]*{\([^}]*\)}.*/\1/p')
cnt() {
	printf '%s\n' "$counts" | tr ',' '\n' | sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\([0-9]*\)[[:space:]]*\$/\1/p"
}
for k in messages:reports/messages.jsonl calls:reports/calls.jsonl \
    contacts:reports/contacts.jsonl images:reports/images.jsonl \
    carved:reports/carved.jsonl files:reports/files.jsonl \
    pole_entities:pole/entities.jsonl pole_links:pole/links.jsonl; do
	want=$(cnt "${k%%:*}")
	have=$(for f in exhibits/*/"${k#*:}"; do [ -f "$f" ] && cat "$f"; done | wc -l | tr -d ' ')
	[ "$want" = "$have" ] || fail "MANIFEST.json counts.${k%%:*} is ${want:-missing}, the bundle holds $have (${k#*:})"
done
find exhibits -type f 2>/dev/null | grep -E '^exhibits/[^/]+/(extracted|carved)/' | sort >"$W/exported"
want=$(cnt exported_files)
have=$(wc -l <"$W/exported" | tr -d ' ')
[ "$want" = "$have" ] || fail "MANIFEST.json counts.exported_files is ${want:-missing}, the bundle holds $have"
while IFS= read -r f; do
	grep -qF "\"item\":\"$f\"" "$R" 2>/dev/null && continue
	h=$(sha <"$f")
	grep -qF "\"sha256\":\"$h\"" "$J" 2>/dev/null ||
	    fail "$f: SHA-256 $h is no output recorded in $J"
done <"$W/exported"
for k in container_sha256 media_sha256; do
	for h in $(mflat | tr ',{}' '\n\n\n' | sed -n "s/^[[:space:]]*\"$k\":[[:space:]]*\"\([0-9a-f]\{64\}\)\"[[:space:]]*\$/\1/p"); do
		grep -qF "\"$h\"" "$J" 2>/dev/null || fail "$k $h (MANIFEST.json) is in no journal inputs[]"
		grep -qF "$h" custody/manifest.json 2>/dev/null || fail "$k $h (MANIFEST.json) is not in custody/manifest.json"
	done
done
grep -q '  custody/case.jsonld$' SHA256SUMS 2>/dev/null || fail "custody/case.jsonld is not listed in SHA256SUMS"
grep -q '  custody/manifest.json$' SHA256SUMS 2>/dev/null || fail "custody/manifest.json is not listed in SHA256SUMS"
t=$(tail -n 1 "$J" 2>/dev/null | sed -n 's/^{"v":"[^"]*","seq":[0-9]*,"prev":"[0-9a-f]*","type":"[a-z0-9_]*","ts":"\([^"]*\)".*/\1/p')
c=$(mfield created)
[ -n "$t" ] && [ "$c" = "$t" ] || fail "MANIFEST.json created '$c' is not the time of journal line $n ('$t')"
report 10 cross-checks "counts, exported files, exhibit hashes agree with the journal and custody/manifest.json"

# ---- 11 redactions ----
nr=0
if [ ! -f "$R" ]; then
	fail "$R: missing"
else
	nr=$(wc -l <"$R" | tr -d ' ')
	i=0
	while IFS= read -r l; do
		i=$((i + 1))
		id=$(printf '%s\n' "$l" | sed -n 's/^{"id":"\(R-[0-9]*\)".*/\1/p')
		[ -n "$id" ] || id="record $i"
		for k in category basis decided_by token; do
			printf '%s\n' "$l" | grep -q "\"$k\":\"[^\"]" || fail "$id: $k missing"
		done
		printf '%s\n' "$l" | grep -q '"commitment":"[0-9a-f]\{64\}"' ||
		    fail "$id: commitment is not 64 hex"
		item=$(printf '%s\n' "$l" | sed -n 's/.*"item":"\([^"]*\)".*/\1/p')
		if [ "$item" = "$J" ]; then
			k=$(printf '%s\n' "$l" | sed -n 's/.*"line":\([0-9]*\).*/\1/p')
			grep -qx "${k:-x}" "$W/withheld" 2>/dev/null ||
			    fail "$id: journal line ${k:-?} holds no [WITHHELD:...]"
		elif [ -z "$item" ] || ! safe "$item" || [ ! -f "$item" ]; then
			fail "$id: item '$item' is not in the bundle"
		fi
	done <"$R"
	find . -type f \( -name '*.txt' -o -name '*.json' -o -name '*.jsonl' -o \
	    -name '*.csv' -o -name '*.html' -o -name '*.jsonld' -o -name '*.dfxml' -o \
	    -name '*.xml' \) -exec grep -ho -e '\[REDACTED-[A-Za-z0-9][A-Za-z0-9]*\]' \
	    -e '\[WITHHELD:[0-9a-f]\{64\}\]' {} + 2>/dev/null | sort -u >"$W/tokens"
	while IFS= read -r t; do
		case $t in
		"[WITHHELD:"*)
			h=$(printf '%s\n' "$t" | cut -c11-74)
			grep -qF "\"commitment\":\"$h\"" "$R" ||
			    fail "$t matches no redaction commitment" ;;
		*)
			grep -qF "\"token\":\"$t\"" "$R" ||
			    fail "token $t has no redaction record" ;;
		esac
	done <"$W/tokens"
	want=$(cnt redactions)
	[ "$want" = "$nr" ] || fail "MANIFEST.json counts.redactions is ${want:-missing}, $R holds $nr"
fi
report 11 redactions "$nr records, every token in the bundle has one"

if [ "$failed" = 0 ]; then
	echo "bundle verified: all steps passed"
else
	echo "bundle NOT verified: see the FAILED steps above"
fi
exit "$failed"

#!/bin/sh
# Install every Debian 12 package etk needs to build, test and benchmark.
# Idempotent: safe to run again; does nothing when all packages are present.
# qemu-utils makes VMDK/VHD test images; hashdeep, foremost, scalpel,
# testdisk (PhotoRec), dc3dd, dcfldd and hyperfine are the peers bench/ compares with;
# libjpeg-turbo-progs gives cjpeg to the carving benchmark's generator;
# chromium loads the triage report headless in its test (counts, screenshot,
# no request leaving the page); postgresql (a private server started by the
# tests), parallel and iproute2 (ip netns) run the sharding tests.
set -eu
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
libewf-dev ewf-tools libtsk-dev sleuthkit libmagic-dev libssl-dev openssl
libsqlite3-dev sqlite3 libarchive-dev zlib1g-dev libdeflate-dev libexif-dev libcmocka-dev mandoc
libfuzzy-dev libcurl4-openssl-dev libpng-dev libjpeg62-turbo-dev libpq-dev
postgresql parallel iproute2
e2fsprogs fdisk dosfstools mtools ntfs-3g libimage-exiftool-perl
imagemagick tar gzip python3 file xxd zip unzip qemu-utils
hashdeep foremost scalpel testdisk dc3dd dcfldd hyperfine libjpeg-turbo-progs
chromium"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps.sh: missing packages:$missing (run as root)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

#!/bin/sh
# make-tsa.sh DIR: a throw-away RFC 3161 time-stamping authority for tests.
#
# Creates DIR (it may exist; files in it are replaced) with, all made by
# the openssl CLI (OpenSSL 3.0):
#
#   ca.pem, ca.key        test root CA (EC P-256, self-signed)
#   tsa.pem, tsa.key      TSA certificate signed by the CA, with
#                         extendedKeyUsage = critical,timeStamping (RFC 3161
#                         §2.3; OpenSSL refuses a TSA certificate without it)
#   tsa-chain.pem         tsa.pem + ca.pem: what -CAfile / ca_file takes
#   tsa.cnf               an openssl config whose [tsa] section makes DIR a TSA:
#                           openssl ts -reply -config DIR/tsa.cnf \
#                               -queryfile Q.tsq -out R.tsr
#   serial                the TSA's serial-number file (tsa.cnf names it)
#   other-ca.pem, other-ca.key
#                         a second, unrelated CA, for "wrong anchor" tests
#
# Paths inside tsa.cnf are absolute, so it works from any directory.
# The CA is valid for 10 years, the TSA certificate for 5, from now.
# Exit 0 on success; on failure the openssl error is on stderr and the
# exit status is non-zero.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
if ! command -v openssl >/dev/null 2>&1; then
	echo "$0: openssl not found" >&2
	exit 127
fi
mkdir -p "$1"
D=$(cd "$1" && pwd)
umask 077

# The extensions live in files, not -addext: "openssl x509 -req" takes
# -extfile only.
cat >"$D/ext.cnf" <<EOT
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[tsa_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOT

# Run openssl quietly (req prints progress dots), showing why it failed.
run() {
	"$@" 2>"$D/.log" || { cat "$D/.log" >&2; rm -f "$D/.log"; exit 1; }
	rm -f "$D/.log"
}

mkca() {	# name CN
	run openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$D/$1.key" -out "$D/$1.pem" -days 3650 \
	    -subj "/O=etk tests/CN=$2" -sha256 \
	    -config "$D/ext.cnf" -extensions ca_ext
}
mkca ca "etk test TSA root"
mkca other-ca "etk unrelated root"

run openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/tsa.key" -out "$D/tsa.csr" \
    -subj "/O=etk tests/CN=etk test TSA" \
    -config "$D/ext.cnf"
run openssl x509 -req -in "$D/tsa.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
    -set_serial 0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n') \
    -days 1825 -sha256 -extfile "$D/ext.cnf" -extensions tsa_ext \
    -out "$D/tsa.pem"
rm -f "$D/tsa.csr"
cat "$D/tsa.pem" "$D/ca.pem" >"$D/tsa-chain.pem"
echo 01 >"$D/serial"

cat >"$D/tsa.cnf" <<EOT
# Test TSA made by tests/tsa/make-tsa.sh.
[tsa]
default_tsa = tsa_config

[tsa_config]
dir = $D
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/tsa.pem
signer_key = \$dir/tsa.key
certs = \$dir/ca.pem
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
other_policies = 1.3.6.1.4.1.99999.1.2
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:0, microsecs:0
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOT
chmod 644 "$D"/*.pem "$D/tsa.cnf"

/*
 * Unit tests for lib/custody/tsa.c: RFC 3161 queries, replies made by
 * the openssl command line (`openssl ts -reply`, a test TSA from
 * tests/tsa/make-tsa.sh), what tampering with them looks like, the HTTP
 * transport against tests/tsa/tsa-server.py, and etk_tsa_stamp.
 *
 * Needs ETK_SRC (the source tree, set by ctest).  Tests that need the
 * openssl CLI or python3 skip without them.  ETK_KEEP_TMP keeps the
 * temp directory; ETK_TEST_SLOW=1 also runs the 30 s timeout test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <etk/etk.h>

static char base[256];		/* private temp dir for this run */
static char tsadir[300];	/* the test TSA (make-tsa.sh) */
static char chain[400], cafile[400], otherca[400];
static int have_openssl;
static pid_t server = -1;	/* tsa-server.py, when running */
static int port;
static int counter;

static int run_cmd(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

static int
run_cmd(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int capture(char *out, size_t len, const char *fmt, ...)
    ETK_PRINTFLIKE(3, 4);

/* First line of a command's stdout, without its newline. */
static int
capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	FILE *fp;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, (int)len, fp) != NULL)
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(fp) != EOF)
		;
	st = pclose(fp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
fresh(char *out, size_t len, const char *stem)
{
	snprintf(out, len, "%s/%s%d", base, stem, ++counter);
}

static void
write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static unsigned char *
read_bytes(const char *path, size_t *n)
{
	unsigned char *p;
	struct stat st;
	FILE *fp;

	assert_int_equal(stat(path, &st), 0);
	*n = (size_t)st.st_size;
	assert_non_null(p = malloc(*n + 1));
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(p, 1, *n, fp), *n);
	fclose(fp);
	return p;
}

static void
digest_of(const char *s, unsigned char out[32])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(s, strlen(s), out, &n, EVP_sha256(),
	    NULL), 1);
	assert_int_equal(n, 32);
}

/* Ask the openssl CLI TSA for a reply to query; *reply malloc'd. */
static void
cli_reply(const unsigned char *q, size_t qlen, unsigned char **reply,
    size_t *rlen)
{
	char qp[512], rp[512];

	fresh(qp, sizeof(qp), "q");
	fresh(rp, sizeof(rp), "r");
	write_bytes(qp, q, qlen);
	assert_int_equal(run_cmd("openssl ts -reply -config '%s/tsa.cnf' "
	    "-queryfile '%s' -out '%s' 2>/dev/null", tsadir, qp, rp), 0);
	*reply = read_bytes(rp, rlen);
}

/* A fresh query over d and the CLI TSA's reply to it. */
static void
make_pair(const unsigned char d[32], unsigned char **q, size_t *qlen,
    unsigned char **reply, size_t *rlen)
{
	struct etk_error err = { 0 };

	assert_int_equal(etk_tsa_query(d, q, qlen, &err), ETK_OK);
	cli_reply(*q, *qlen, reply, rlen);
}

/* ---- queries ---- */

static void
test_query_parses(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *q2 = NULL;
	const unsigned char *p;
	const ASN1_OBJECT *obj;
	const void *pval;
	size_t qlen = 0, q2len = 0;
	TS_MSG_IMPRINT *mi;
	TS_REQ *req, *req2;
	int ptype;

	(void)state;
	digest_of("the journal prefix", d);
	assert_int_equal(etk_tsa_query(d, &q, &qlen, &err), ETK_OK);
	assert_non_null(q);
	p = q;
	assert_non_null(req = d2i_TS_REQ(NULL, &p, (long)qlen));
	assert_ptr_equal(p, q + qlen);
	assert_int_equal(TS_REQ_get_version(req), 1);
	assert_int_equal(TS_REQ_get_cert_req(req), 1);
	assert_null(TS_REQ_get_policy_id(req));
	mi = TS_REQ_get_msg_imprint(req);
	X509_ALGOR_get0(&obj, &ptype, &pval, TS_MSG_IMPRINT_get_algo(mi));
	assert_int_equal(OBJ_obj2nid(obj), NID_sha256);
	assert_int_equal(ptype, V_ASN1_NULL);
	assert_int_equal(ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(mi)), 32);
	assert_memory_equal(ASN1_STRING_get0_data(TS_MSG_IMPRINT_get_msg(mi)),
	    d, 32);
	assert_non_null(TS_REQ_get_nonce(req));

	/* a second query over the same digest has another nonce */
	assert_int_equal(etk_tsa_query(d, &q2, &q2len, &err), ETK_OK);
	p = q2;
	assert_non_null(req2 = d2i_TS_REQ(NULL, &p, (long)q2len));
	assert_int_not_equal(ASN1_INTEGER_cmp(TS_REQ_get_nonce(req),
	    TS_REQ_get_nonce(req2)), 0);
	TS_REQ_free(req2);
	TS_REQ_free(req);

	/* and the openssl CLI reads it as we meant it */
	if (have_openssl) {
		char qp[512], out[256], hex[65];

		fresh(qp, sizeof(qp), "q");
		write_bytes(qp, q, qlen);
#define QTEXT "openssl ts -query -in '%s' -text 2>/dev/null | "
		assert_int_equal(capture(out, sizeof(out), QTEXT
		    "sed -n 's/^Hash Algorithm: //p'", qp), 0);
		assert_string_equal(out, "sha256");
		assert_int_equal(capture(out, sizeof(out), QTEXT
		    "sed -n 's/^Certificate required: //p'", qp), 0);
		assert_string_equal(out, "yes");
		assert_int_equal(capture(out, sizeof(out), QTEXT
		    "sed -n '/^Message data:/,/^Policy/p' | grep ' - ' | "
		    "cut -c12-58 | tr -d ' \\n-'", qp), 0);
#undef QTEXT
		etk_hex(d, 32, hex);
		assert_string_equal(out, hex);
	}
	free(q);
	free(q2);
}

/* ---- checking replies made by the openssl CLI ---- */

static void
test_check_good(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *r = NULL;
	char when[ETK_TIME_MAX], cli[128], rp[512];
	size_t qlen, rlen;
	struct tm tm;
	time_t t, now;

	(void)state;
	if (!have_openssl)
		skip();
	digest_of("SHA256SUMS of a bundle", d);
	make_pair(d, &q, &qlen, &r, &rlen);
	/* against the chain, the root alone, and the token's own cert */
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, chain, when, &err),
	    ETK_OK);
	assert_int_equal(etk_tsa_check(r, rlen, d, NULL, 0, chain, NULL, &err),
	    ETK_OK);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, cafile, NULL,
	    &err), ETK_OK);
	when[0] = 'x';
	assert_int_equal(etk_tsa_check(r, rlen, d, NULL, 0, NULL, when, &err),
	    ETK_OK);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, NULL, NULL, &err),
	    ETK_OK);

	/* genTime: RFC 3339 UTC, what openssl prints, about now */
	assert_int_equal(strlen(when), 20);
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm));
	t = timegm(&tm);
	now = time(NULL);
	assert_true(t <= now + 5 && t >= now - 300);
	fresh(rp, sizeof(rp), "r");
	write_bytes(rp, r, rlen);
	assert_int_equal(capture(cli, sizeof(cli), "date -u -d \"$(openssl ts "
	    "-reply -in '%s' -text 2>/dev/null | sed -n 's/^Time stamp: //p')\" "
	    "+%%Y-%%m-%%dT%%H:%%M:%%SZ", rp), 0);
	assert_string_equal(when, cli);
	/* and the CLI agrees that it verifies */
	{
		char hex[65];

		etk_hex(d, 32, hex);
		assert_int_equal(run_cmd("openssl ts -verify -digest %s -in "
		    "'%s' -CAfile '%s' >/dev/null 2>&1", hex, rp, chain), 0);
	}
	free(q);
	free(r);
}

/* A TSA that gives milliseconds: the fraction is kept, as the token
 * has it. */
static void
test_check_fraction(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *r = NULL;
	char when[ETK_TIME_MAX], cli[128], qp[512], rp[512];
	size_t qlen, rlen;

	(void)state;
	if (!have_openssl)
		skip();
	digest_of("fraction", d);
	assert_int_equal(run_cmd("sed 's/^clock_precision_digits = 0/"
	    "clock_precision_digits = 3/' '%s/tsa.cnf' >'%s/ms.cnf'", tsadir,
	    tsadir), 0);
	assert_int_equal(etk_tsa_query(d, &q, &qlen, &err), ETK_OK);
	fresh(qp, sizeof(qp), "q");
	fresh(rp, sizeof(rp), "r");
	write_bytes(qp, q, qlen);
	assert_int_equal(run_cmd("openssl ts -reply -config '%s/ms.cnf' "
	    "-queryfile '%s' -out '%s' 2>/dev/null", tsadir, qp, rp), 0);
	r = read_bytes(rp, &rlen);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, chain, when, &err),
	    ETK_OK);
	/* OpenSSL drops trailing zeros (DER): 1 to 3 digits, or none */
	assert_int_equal(capture(cli, sizeof(cli), "date -u -d \"$(openssl ts "
	    "-reply -in '%s' -text 2>/dev/null | sed -n 's/^Time stamp: //p')\" "
	    "+%%Y-%%m-%%dT%%H:%%M:%%S.%%3N | sed 's/0*$//; s/\\.$//; s/$/Z/'",
	    rp), 0);
	assert_string_equal(when, cli);
	free(q);
	free(r);
}

static void
test_check_wrong_digest(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], other[32], *q = NULL, *r = NULL;
	char when[ETK_TIME_MAX];
	size_t qlen, rlen;

	(void)state;
	if (!have_openssl)
		skip();
	digest_of("exhibit A", d);
	digest_of("exhibit A ", other);
	make_pair(d, &q, &qlen, &r, &rlen);
	strcpy(when, "unchanged");
	assert_int_equal(etk_tsa_check(r, rlen, other, NULL, 0, chain, when,
	    &err), ETK_EMISMATCH);
	assert_string_equal(err.msg,
	    "time-stamp token is over a different digest");
	assert_string_equal(when, "");
	assert_int_equal(etk_tsa_check(r, rlen, other, NULL, 0, NULL, NULL,
	    &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "different digest"));
	/* a query over another digest than the one asked about: a bug */
	assert_int_equal(etk_tsa_check(r, rlen, other, q, qlen, NULL, NULL,
	    &err), ETK_EMISMATCH);
	free(q);
	free(r);
}

/* Where the bytes s[0..sl) first occur in r, or -1. */
static long
memfind(const unsigned char *r, size_t n, const void *s, size_t sl)
{
	size_t i;

	for (i = 0; i + sl <= n; i++)
		if (memcmp(r + i, s, sl) == 0)
			return (long)i;
	return -1;
}

static long
find(const unsigned char *r, size_t n, const char *s)
{
	return memfind(r, n, s, strlen(s));
}

/* The test CA's certificate, DER; OPENSSL_free it. */
static void
ca_der(unsigned char **der, size_t *len)
{
	X509 *x;
	FILE *fp;
	int n;

	assert_non_null(fp = fopen(cafile, "r"));
	assert_non_null(x = PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
	*der = NULL;
	assert_true((n = i2d_X509(x, der)) > 0);
	*len = (size_t)n;
	X509_free(x);
}

static void
test_check_tampered(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *r = NULL, *c, *ca = NULL;
	char when[ETK_TIME_MAX], year[8];
	size_t qlen, rlen, i, calen, siv, sigalg;
	long at, caat;

	(void)state;
	if (!have_openssl)
		skip();
	digest_of("journal lines 1-7", d);
	make_pair(d, &q, &qlen, &r, &rlen);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, chain, when, &err),
	    ETK_OK);
	snprintf(year, sizeof(year), "%.4s", when);
	assert_non_null(c = malloc(rlen));

	/*
	 * One flipped bit in the last byte: the end of the ECDSA signature
	 * value (the SignerInfo's signature is the last thing in a reply).
	 */
	memcpy(c, r, rlen);
	c[rlen - 1] ^= 0x01;
	assert_int_equal(etk_tsa_check(c, rlen, d, q, qlen, chain, when, &err),
	    ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "does not verify"));
	assert_string_equal(when, "");
	assert_int_equal(etk_tsa_check(c, rlen, d, NULL, 0, NULL, NULL, &err),
	    ETK_EMISMATCH);

	/* The time moved by one second: still well-formed, not signed. */
	memcpy(c, r, rlen);
	assert_true((at = find(c, rlen, year)) > 0);
	for (i = (size_t)at; i < rlen && c[i] != 'Z'; i++)
		;
	assert_true(i < rlen && i - (size_t)at == 14);
	c[i - 1] = c[i - 1] == '0' ? '1' : '0';
	assert_int_equal(etk_tsa_check(c, rlen, d, NULL, 0, chain, NULL, &err),
	    ETK_EMISMATCH);
	assert_int_equal(etk_tsa_check(c, rlen, d, NULL, 0, NULL, NULL, &err),
	    ETK_EMISMATCH);

	/*
	 * Every single-byte change fails, and never crashes, except in what
	 * nothing signs (openssl ts -verify ignores them too): the
	 * SignedData's version and digestAlgorithms (with the CLI's layout
	 * the 20 bytes before the encapsulated content, whose type
	 * id-smime-ct-TSTInfo we look for), the CA certificate that rides
	 * along (the ESS attribute names the TSA's alone), and the
	 * SignerInfo's version just after it (SET 82 ll ll, SEQUENCE 82 ll
	 * ll, INTEGER 01 vv), and its signatureAlgorithm (the 12 bytes
	 * before the signature, the last OCTET STRING: for an EC key
	 * OpenSSL goes by the key and the digest algorithm).
	 */
	assert_true((at = find(r, rlen, "\x06\x0b\x2a\x86\x48\x86\xf7\x0d"
	    "\x01\x09\x10\x01\x04")) > 23);
	at -= 3;			/* 30 81 xx: the content's SEQUENCE */
	assert_int_equal(r[at], 0x30);
	assert_int_equal(r[at - 20], 0x02);	/* version INTEGER */
	ca_der(&ca, &calen);
	assert_true((caat = memfind(r, rlen, ca, calen)) > at);
	siv = (size_t)caat + calen + 10;
	assert_true(siv < rlen && r[siv - 10] == 0x31 && r[siv - 2] == 0x02 &&
	    r[siv - 1] == 0x01);
	for (sigalg = 0, i = 64; i < 80 && sigalg == 0; i++)
		if (r[rlen - i - 2] == 0x04 && r[rlen - i - 1] == i)
			sigalg = rlen - i - 2 - 12;
	assert_true(sigalg > siv && r[sigalg] == 0x30 && r[sigalg + 1] == 10);
	for (i = 0; i < rlen; i++) {
		int rc;

		memcpy(c, r, rlen);
		c[i] ^= 0x5a;
		strcpy(when, "unchanged");
		rc = etk_tsa_check(c, rlen, d, q, qlen, NULL, when, &err);
		if (rc == ETK_OK && (i < (size_t)at - 20 || i >= (size_t)at) &&
		    (i < (size_t)caat || i >= (size_t)caat + calen) &&
		    i != siv && (i < sigalg || i >= sigalg + 12))
			fail_msg("byte %zu of %zu changed and it still checks",
			    i, rlen);
		if (rc == ETK_OK)
			continue;
		assert_true(rc == ETK_EMISMATCH || rc == ETK_EFORMAT);
		assert_string_equal(when, "");
	}
	OPENSSL_free(ca);
	free(c);
	free(q);
	free(r);
}

static void
test_check_wrong_ca(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *r = NULL;
	char missing[512];
	size_t qlen, rlen;

	(void)state;
	if (!have_openssl)
		skip();
	digest_of("case.jsonld", d);
	make_pair(d, &q, &qlen, &r, &rlen);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, otherca, NULL,
	    &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, otherca));
	/* a CA file that is not there is the caller's problem, not a
	 * verdict on the token */
	fresh(missing, sizeof(missing), "nope");
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, missing, NULL,
	    &err), ETK_ENOTFOUND);
	free(q);
	free(r);
}

static void
test_check_garbage(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], junk[300], *q = NULL, *r = NULL, *c;
	char when[ETK_TIME_MAX];
	size_t i, qlen, rlen;

	(void)state;
	digest_of("x", d);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	strcpy(when, "unchanged");
	assert_int_equal(etk_tsa_check(junk, sizeof(junk), d, NULL, 0, NULL,
	    when, &err), ETK_EFORMAT);
	assert_non_null(strstr(err.msg, "not a DER time-stamp reply"));
	assert_string_equal(when, "");
	assert_int_equal(etk_tsa_check(junk, 0, d, NULL, 0, NULL, NULL, &err),
	    ETK_EFORMAT);
	assert_int_equal(etk_tsa_check((const unsigned char *)"0", 1, d, NULL,
	    0, NULL, NULL, &err), ETK_EFORMAT);
	/* a query is not a reply */
	assert_int_equal(etk_tsa_query(d, &q, &qlen, &err), ETK_OK);
	assert_int_equal(etk_tsa_check(q, qlen, d, NULL, 0, NULL, NULL, &err),
	    ETK_EFORMAT);
	if (have_openssl) {
		cli_reply(q, qlen, &r, &rlen);
		assert_non_null(c = malloc(rlen + 1));
		/* every truncation */
		for (i = 0; i < rlen; i++)
			assert_int_equal(etk_tsa_check(r, i, d, q, qlen, chain,
			    NULL, &err), ETK_EFORMAT);
		/* one byte too many */
		memcpy(c, r, rlen);
		c[rlen] = 0;
		assert_int_equal(etk_tsa_check(c, rlen + 1, d, q, qlen, chain,
		    NULL, &err), ETK_EFORMAT);
		/* a reply is not a query */
		assert_int_equal(etk_tsa_check(r, rlen, d, r, rlen, chain, NULL,
		    &err), ETK_EINVAL);
		free(c);
		free(r);
	}
	free(q);
}

static void
test_check_nonce(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *qa = NULL, *qb = NULL, *rb = NULL;
	size_t qalen, qblen, rblen;

	(void)state;
	if (!have_openssl)
		skip();
	digest_of("seal 4", d);
	assert_int_equal(etk_tsa_query(d, &qa, &qalen, &err), ETK_OK);
	make_pair(d, &qb, &qblen, &rb, &rblen);
	assert_int_equal(etk_tsa_check(rb, rblen, d, qb, qblen, chain, NULL,
	    &err), ETK_OK);
	/* the reply to query B presented as the answer to query A */
	assert_int_equal(etk_tsa_check(rb, rblen, d, qa, qalen, chain, NULL,
	    &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "nonce"));
	assert_int_equal(etk_tsa_check(rb, rblen, d, qa, qalen, NULL, NULL,
	    &err), ETK_EMISMATCH);
	free(qa);
	free(qb);
	free(rb);
}

static void
test_check_rejected(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *r = NULL;
	char qp[512], rp[512];
	size_t rlen;

	(void)state;
	if (!have_openssl)
		skip();
	/* tsa.cnf accepts sha256/384/512 only: a SHA-1 query is refused
	 * with a well-formed "rejection" reply */
	digest_of("y", d);
	fresh(qp, sizeof(qp), "q");
	fresh(rp, sizeof(rp), "r");
	assert_int_equal(run_cmd("openssl ts -query -digest "
	    "0123456789abcdef0123456789abcdef01234567 -sha1 -cert -out '%s' "
	    "2>/dev/null && openssl ts -reply -config '%s/tsa.cnf' "
	    "-queryfile '%s' -out '%s' 2>/dev/null", qp, tsadir, qp, rp), 0);
	r = read_bytes(rp, &rlen);
	assert_int_equal(etk_tsa_check(r, rlen, d, NULL, 0, chain, NULL, &err),
	    ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "did not grant"));
	assert_non_null(strstr(err.msg, "rejection"));
	free(r);
}

/* ---- tokens signed here, to vary what the CLI TSA will not ---- */

static X509 *
load_cert(const char *path)
{
	X509 *x;
	FILE *fp;

	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(x = PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
	return x;
}

static EVP_PKEY *
load_key(const char *path)
{
	EVP_PKEY *k;
	FILE *fp;

	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(k = PEM_read_PrivateKey(fp, NULL, NULL, NULL));
	fclose(fp);
	return k;
}

/*
 * A granted reply over d, signed by cert/key as ts_RESP_sign() in
 * OpenSSL 3.0 does it (SignedData v3, contentType and ESS
 * signingCertificateV2 signed attributes, the TSTInfo as an OCTET STRING),
 * but without its checks on the signer, and with genTime gen
 * ("YYYYMMDDHHMMSS[.f]Z").  *der is OPENSSL_malloc'd.
 */
static void
forge(const unsigned char d[32], X509 *cert, EVP_PKEY *key, const char *gen,
    unsigned char **der, int *len)
{
	ESS_SIGNING_CERT_V2 *sc;
	TS_STATUS_INFO *si;
	TS_MSG_IMPRINT *mi;
	ASN1_GENERALIZEDTIME *t;
	ASN1_OCTET_STRING *os;
	ASN1_INTEGER *serial;
	ASN1_STRING *seq;
	ASN1_OBJECT *pol;
	PKCS7_SIGNER_INFO *sinfo;
	TS_TST_INFO *tst;
	X509_ALGOR *alg;
	TS_RESP *resp;
	PKCS7 *p7, *content;
	unsigned char *sder = NULL;
	BIO *bio;
	int n;

	assert_non_null(tst = TS_TST_INFO_new());
	assert_true(TS_TST_INFO_set_version(tst, 1));
	assert_non_null(pol = OBJ_txt2obj("1.3.6.1.4.1.99999.1.1", 1));
	assert_true(TS_TST_INFO_set_policy_id(tst, pol));
	assert_non_null(mi = TS_MSG_IMPRINT_new());
	assert_non_null(alg = X509_ALGOR_new());
	assert_true(X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL,
	    NULL));
	assert_true(TS_MSG_IMPRINT_set_algo(mi, alg));
	assert_true(TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)d, 32));
	assert_true(TS_TST_INFO_set_msg_imprint(tst, mi));
	assert_non_null(serial = ASN1_INTEGER_new());
	assert_true(ASN1_INTEGER_set(serial, 42));
	assert_true(TS_TST_INFO_set_serial(tst, serial));
	assert_non_null(t = ASN1_GENERALIZEDTIME_new());
	assert_true(ASN1_STRING_set(t, gen, (int)strlen(gen)));
	assert_true(TS_TST_INFO_set_time(tst, t));

	assert_non_null(p7 = PKCS7_new());
	assert_true(PKCS7_set_type(p7, NID_pkcs7_signed));
	assert_true(ASN1_INTEGER_set(p7->d.sign->version, 3));
	assert_true(PKCS7_add_certificate(p7, cert));
	assert_non_null(sinfo = PKCS7_add_signature(p7, cert, key,
	    EVP_sha256()));
	assert_true(PKCS7_add_signed_attribute(sinfo, NID_pkcs9_contentType,
	    V_ASN1_OBJECT, OBJ_nid2obj(NID_id_smime_ct_TSTInfo)));
	assert_non_null(sc = OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(),
	    cert, NULL, 0));
	assert_true((n = i2d_ESS_SIGNING_CERT_V2(sc, &sder)) > 0);
	assert_non_null(seq = ASN1_STRING_new());
	assert_true(ASN1_STRING_set(seq, sder, n));
	assert_true(PKCS7_add_signed_attribute(sinfo,
	    NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE, seq));
	assert_non_null(content = PKCS7_new());
	assert_non_null(content->d.other = ASN1_TYPE_new());
	content->type = OBJ_nid2obj(NID_id_smime_ct_TSTInfo);
	assert_non_null(os = ASN1_OCTET_STRING_new());
	ASN1_TYPE_set(content->d.other, V_ASN1_OCTET_STRING, os);
	assert_true(PKCS7_set_content(p7, content));
	assert_non_null(bio = PKCS7_dataInit(p7, NULL));
	assert_true(i2d_TS_TST_INFO_bio(bio, tst));
	assert_true(PKCS7_dataFinal(p7, bio));
	BIO_free_all(bio);

	assert_non_null(resp = TS_RESP_new());
	assert_non_null(si = TS_STATUS_INFO_new());
	assert_true(TS_STATUS_INFO_set_status(si, TS_STATUS_GRANTED));
	assert_true(TS_RESP_set_status_info(resp, si));
	TS_RESP_set_tst_info(resp, p7, tst);	/* owns both */
	*der = NULL;
	assert_true((*len = i2d_TS_RESP(resp, der)) > 0);
	TS_RESP_free(resp);
	TS_STATUS_INFO_free(si);
	OPENSSL_free(sder);
	ESS_SIGNING_CERT_V2_free(sc);
	ASN1_INTEGER_free(serial);
	ASN1_GENERALIZEDTIME_free(t);
	ASN1_OBJECT_free(pol);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
}

static void
test_check_forged(void **state)
{
	struct etk_error err = { 0 };
	char path[600], weak[512], when[ETK_TIME_MAX];
	unsigned char d[32], *r;
	EVP_PKEY *key;
	X509 *tsa, *wk;
	int rlen;

	(void)state;
	if (!have_openssl)
		skip();
	digest_of("forged", d);
	snprintf(path, sizeof(path), "%s/tsa.pem", tsadir);
	tsa = load_cert(path);
	snprintf(path, sizeof(path), "%s/tsa.key", tsadir);
	key = load_key(path);

	/* The helper's tokens verify with the real TSA certificate... */
	forge(d, tsa, key, "20270101120000Z", &r, &rlen);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, chain,
	    when, &err), ETK_OK);
	assert_string_equal(when, "2027-01-01T12:00:00Z");
	OPENSSL_free(r);
	/* ...with any fraction the token has */
	forge(d, tsa, key, "20270101120000.000123Z", &r, &rlen);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, chain,
	    when, &err), ETK_OK);
	assert_string_equal(when, "2027-01-01T12:00:00.000123Z");
	OPENSSL_free(r);

	/*
	 * The chain is checked at genTime: before the TSA certificate was
	 * issued, or after it expired (make-tsa.sh: 5 years), fails even
	 * though the signature is good.
	 */
	forge(d, tsa, key, "20000101000000Z", &r, &rlen);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, chain,
	    NULL, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "not yet valid"));
	OPENSSL_free(r);
	forge(d, tsa, key, "21000101000000Z", &r, &rlen);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, chain,
	    NULL, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "expired"));
	OPENSSL_free(r);
	/* malformed genTime, well signed */
	forge(d, tsa, key, "20270231120000Z", &r, &rlen);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, NULL,
	    NULL, &err), ETK_EFORMAT);
	OPENSSL_free(r);

	/*
	 * A certificate from the same CA whose timeStamping usage is not
	 * critical (RFC 3161 §2.3 says it must be) is not a TSA's.
	 */
	snprintf(weak, sizeof(weak), "%s/weak", base);
	assert_int_equal(run_cmd("cd '%s' && printf '%%s\\n' "
	    "'extendedKeyUsage = timeStamping' > '%s.ext' && "
	    "openssl req -new -key tsa.key -subj '/CN=weak TSA' 2>/dev/null | "
	    "openssl x509 -req -CA ca.pem -CAkey ca.key -set_serial 99 "
	    "-days 30 -extfile '%s.ext' -out '%s.pem' 2>/dev/null", tsadir,
	    weak, weak, weak), 0);
	snprintf(path, sizeof(path), "%s.pem", weak);
	wk = load_cert(path);
	forge(d, wk, key, "20270101120000Z", &r, &rlen);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, chain,
	    NULL, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "purpose"));
	/* and without a CA file the same rule holds for the token's own
	 * certificate */
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, NULL,
	    NULL, &err), ETK_EMISMATCH);
	OPENSSL_free(r);
	/* the CA's own certificate and key: no timeStamping at all */
	snprintf(path, sizeof(path), "%s/ca.pem", tsadir);
	X509_free(wk);
	wk = load_cert(path);
	EVP_PKEY_free(key);
	snprintf(path, sizeof(path), "%s/ca.key", tsadir);
	key = load_key(path);
	forge(d, wk, key, "20270101120000Z", &r, &rlen);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, chain,
	    NULL, &err), ETK_EMISMATCH);
	assert_int_equal(etk_tsa_check(r, (size_t)rlen, d, NULL, 0, NULL,
	    NULL, &err), ETK_EMISMATCH);
	OPENSSL_free(r);
	X509_free(wk);
	X509_free(tsa);
	EVP_PKEY_free(key);
}

/* ---- the HTTP transport, against tests/tsa/tsa-server.py ---- */

static void
url_for(char *out, size_t len, const char *path)
{
	snprintf(out, len, "http://127.0.0.1:%d%s", port, path);
}

static void
test_post_good(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *r = NULL;
	char url[128], when[ETK_TIME_MAX];
	size_t qlen, rlen;

	(void)state;
	if (server < 0)
		skip();
	digest_of("posted", d);
	url_for(url, sizeof(url), "/tsa");
	assert_int_equal(etk_tsa_query(d, &q, &qlen, &err), ETK_OK);
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_OK);
	assert_non_null(r);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, chain, when, &err),
	    ETK_OK);
	assert_int_equal(strlen(when), 20);
	free(q);
	free(r);
}

static void
test_post_errors(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *r = (unsigned char *)"x";
	char url[128];
	size_t qlen, rlen = 9;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct timespec t0, t1;
	int fd, closed;

	(void)state;
	digest_of("posted", d);
	assert_int_equal(etk_tsa_query(d, &q, &qlen, &err), ETK_OK);

	/* only http and https */
	assert_int_equal(etk_tsa_post("ftp://127.0.0.1/tsa", q, qlen, &r,
	    &rlen, &err), ETK_EINVAL);
	assert_null(r);
	assert_int_equal(rlen, 0);
	assert_int_equal(etk_tsa_post("file:///etc/passwd", q, qlen, &r,
	    &rlen, &err), ETK_EINVAL);

	/* a port nobody listens on: refused at once */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	closed = ntohs(sa.sin_port);
	close(fd);
	snprintf(url, sizeof(url), "http://user:s3cret@127.0.0.1:%d/tsa",
	    closed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_EIO);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	assert_null(r);
	/* names the URL, but not the password in it */
	snprintf(url, sizeof(url), "127.0.0.1:%d/tsa", closed);
	assert_non_null(strstr(err.msg, url));
	assert_null(strstr(err.msg, "s3cret"));

	if (server < 0) {
		free(q);
		skip();
	}
	/* redirects: followed within http(s), never to another scheme */
	url_for(url, sizeof(url), "/redirect");
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_OK);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, chain, NULL, &err),
	    ETK_OK);
	free(r);
	r = NULL;
	url_for(url, sizeof(url), "/redirect-file");
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_EIO);
	assert_non_null(strstr(err.msg, url));
	assert_null(r);

	url_for(url, sizeof(url), "/bad");
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_EIO);
	assert_non_null(strstr(err.msg, url));
	assert_non_null(strstr(err.msg, "HTTP status 500"));
	assert_null(r);
	url_for(url, sizeof(url), "/nosuch");
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_EIO);
	assert_non_null(strstr(err.msg, "404"));
	url_for(url, sizeof(url), "/html");
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_EIO);
	assert_non_null(strstr(err.msg, "text/html"));
	url_for(url, sizeof(url), "/big");
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_EIO);
	assert_non_null(strstr(err.msg, "larger than"));
	assert_null(r);
	/* 200 with the right type but random bytes: transport is fine,
	 * the check says what is wrong */
	url_for(url, sizeof(url), "/garbage");
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err), ETK_OK);
	assert_int_equal(rlen, 64);
	assert_int_equal(etk_tsa_check(r, rlen, d, q, qlen, NULL, NULL, &err),
	    ETK_EFORMAT);
	free(r);
	r = NULL;
	{
		char out[512];

		fresh(out, sizeof(out), "g.tsr");
		assert_int_equal(etk_tsa_stamp(d, url, NULL, NULL, out, NULL,
		    &err), ETK_EFORMAT);
		assert_non_null(strstr(err.msg, url));
		assert_int_equal(access(out, F_OK), -1);
	}
	free(q);
}

static void
test_post_timeout(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], *q = NULL, *r = NULL;
	const char *slow = getenv("ETK_TEST_SLOW");
	struct timespec t0, t1;
	char url[128];
	size_t qlen, rlen;

	(void)state;
	if (server < 0 || slow == NULL || strcmp(slow, "1") != 0)
		skip();
	digest_of("slow", d);
	assert_int_equal(etk_tsa_query(d, &q, &qlen, &err), ETK_OK);
	url_for(url, sizeof(url), "/slow");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(etk_tsa_post(url, q, qlen, &r, &rlen, &err),
	    ETK_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec >= 29 && t1.tv_sec - t0.tv_sec < 40);
	assert_non_null(strstr(err.msg, url));
	free(q);
}

/* ---- etk_tsa_stamp ---- */

static void
test_stamp(void **state)
{
	struct etk_error err = { 0 };
	unsigned char d[32], other[32], *t = NULL, *q = NULL, *r = NULL;
	char url[128], out[512], out2[512], when[ETK_TIME_MAX],
	    when2[ETK_TIME_MAX], hex[65], rp[512];
	size_t tlen, qlen, rlen;

	(void)state;
	digest_of("SHA256SUMS", d);
	digest_of("SHA256SUMS.", other);
	fresh(out, sizeof(out), "s.tsr");
	/* exactly one source */
	assert_int_equal(etk_tsa_stamp(d, NULL, NULL, NULL, out, when, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_tsa_stamp(d, "http://127.0.0.1:1/tsa", "/x",
	    NULL, out, when, &err), ETK_EINVAL);
	assert_int_equal(access(out, F_OK), -1);
	if (!have_openssl)
		skip();

	/* from a reply file */
	make_pair(d, &q, &qlen, &r, &rlen);
	fresh(rp, sizeof(rp), "r");
	write_bytes(rp, r, rlen);
	assert_int_equal(etk_tsa_stamp(d, NULL, rp, chain, out, when, &err),
	    ETK_OK);
	t = read_bytes(out, &tlen);
	assert_int_equal(tlen, rlen);
	assert_memory_equal(t, r, rlen);
	free(t);
	/* never over an existing file */
	assert_int_equal(etk_tsa_stamp(d, NULL, rp, chain, out, when, &err),
	    ETK_EEXIST);
	/* a reply over another digest is not stored */
	fresh(out2, sizeof(out2), "s.tsr");
	assert_int_equal(etk_tsa_stamp(other, NULL, rp, chain, out2, when,
	    &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, rp));
	assert_int_equal(access(out2, F_OK), -1);
	assert_int_equal(etk_tsa_stamp(d, NULL, out2, NULL, out, when, &err),
	    ETK_EEXIST);
	fresh(out2, sizeof(out2), "s.tsr");
	assert_int_equal(etk_tsa_stamp(d, NULL, out2, NULL, out2, when, &err),
	    ETK_ENOTFOUND);

	/* from a TSA */
	if (server < 0) {
		free(q);
		free(r);
		skip();
	}
	url_for(url, sizeof(url), "/tsa");
	fresh(out2, sizeof(out2), "s.tsr");
	assert_int_equal(etk_tsa_stamp(d, url, NULL, chain, out2, when2, &err),
	    ETK_OK);
	assert_int_equal(strlen(when2), 20);
	etk_hex(d, 32, hex);
	assert_int_equal(run_cmd("openssl ts -verify -digest %s -in '%s' "
	    "-CAfile '%s' >/dev/null 2>&1", hex, out2, chain), 0);
	/* refuses to overwrite, before asking the TSA */
	assert_int_equal(etk_tsa_stamp(d, url, NULL, chain, out2, when2, &err),
	    ETK_EEXIST);
	assert_string_equal(when2, "");
	/* the TSA's token does not chain to another CA: not stored */
	fresh(out2, sizeof(out2), "s.tsr");
	assert_int_equal(etk_tsa_stamp(d, url, NULL, otherca, out2, when2,
	    &err), ETK_EMISMATCH);
	assert_int_equal(access(out2, F_OK), -1);
	free(q);
	free(r);
}

/* ---- setup ---- */

static void
start_server(void)
{
	char portfile[512], script[512], buf[32];
	const char *src = getenv("ETK_SRC");
	int i;

	if (src == NULL || run_cmd("python3 -c 'import http.server' "
	    ">/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_tsa: no python3 or ETK_SRC: "
		    "HTTP tests skipped\n");
		return;
	}
	snprintf(portfile, sizeof(portfile), "%s/port", base);
	snprintf(script, sizeof(script), "%s/tests/tsa/tsa-server.py", src);
	if ((server = fork()) == 0) {
		execlp("python3", "python3", script, tsadir, portfile,
		    (char *)NULL);
		_exit(127);
	}
	if (server < 0)
		return;
	for (i = 0; i < 200; i++) {	/* up to 20 s */
		FILE *fp = fopen(portfile, "r");

		if (fp != NULL) {
			if (fgets(buf, sizeof(buf), fp) != NULL)
				port = atoi(buf);
			fclose(fp);
			if (port > 0)
				return;
		}
		if (waitpid(server, NULL, WNOHANG) == server)
			break;
		usleep(100000);
	}
	fprintf(stderr, "test_tsa: tsa-server.py did not start\n");
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	server = -1;
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR"), *src = getenv("ETK_SRC");

	(void)state;
	snprintf(base, sizeof(base), "%s/etk-tsa-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(tsadir, sizeof(tsadir), "%s/tsa", base);
	snprintf(chain, sizeof(chain), "%s/tsa-chain.pem", tsadir);
	snprintf(cafile, sizeof(cafile), "%s/ca.pem", tsadir);
	snprintf(otherca, sizeof(otherca), "%s/other-ca.pem", tsadir);
	/* the test TSA is on 127.0.0.1: no proxy between */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	have_openssl = run_cmd("openssl version >/dev/null 2>&1") == 0;
	if (!have_openssl) {
		fprintf(stderr, "test_tsa: no openssl command: tests that "
		    "need a TSA are skipped\n");
		return 0;
	}
	if (src == NULL) {
		fprintf(stderr, "test_tsa: ETK_SRC not set\n");
		return -1;
	}
	if (run_cmd("sh '%s/tests/tsa/make-tsa.sh' '%s'", src, tsadir) != 0)
		return -1;
	start_server();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = -1;
	}
	if (getenv("ETK_KEEP_TMP") == NULL)
		run_cmd("rm -rf '%s'", base);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_parses),
		cmocka_unit_test(test_check_good),
		cmocka_unit_test(test_check_fraction),
		cmocka_unit_test(test_check_wrong_digest),
		cmocka_unit_test(test_check_tampered),
		cmocka_unit_test(test_check_wrong_ca),
		cmocka_unit_test(test_check_garbage),
		cmocka_unit_test(test_check_nonce),
		cmocka_unit_test(test_check_rejected),
		cmocka_unit_test(test_check_forged),
		cmocka_unit_test(test_post_good),
		cmocka_unit_test(test_post_errors),
		cmocka_unit_test(test_post_timeout),
		cmocka_unit_test(test_stamp),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}

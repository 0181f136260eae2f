/*
 * RFC 3161 trusted time: time-stamp queries, their transport to a TSA
 * over HTTP(S), and checking the replies (CUSTODY.md §3.3).
 *
 * A query is always over a SHA-256 digest (the caller hashes: a journal
 * prefix, SHA256SUMS), asks for the TSA certificate in the reply and
 * carries a random 64-bit nonce, as `openssl ts -query -sha256 -cert`.
 *
 * Checking a reply does what `openssl ts -verify -digest HEX -in R.tsr
 * -CAfile CA [-queryfile Q]` does, with two differences worth knowing:
 *
 *  - The certificate chain is checked at the token's own genTime, not at
 *    the wall clock (`-attime`).  A token then keeps verifying after the
 *    TSA certificate expires, which is what an exhibit kept for years
 *    needs, and the verdict does not depend on when it is asked.
 *  - Without a CA file the token is still checked: imprint, and the CMS
 *    signature under the certificate the token carries (that certificate
 *    is made the trust anchor).  This catches corruption, not forgery: a
 *    self-made TSA passes.  Only a CA file says whose TSA it was.
 *
 * OpenSSL's TS verification with the X509_PURPOSE_TIMESTAMP_SIGN purpose
 * also requires the signer's extendedKeyUsage to be timeStamping only
 * and critical (RFC 3161 §2.3), and checks the ESS signing-certificate
 * attribute against the signer.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "custody_int.h"

#define TSA_REPLY_MAX	(1024 * 1024)	/* bytes we accept from a TSA */
#define TSA_TIMEOUT	30L		/* seconds, whole exchange */
#define TSA_CONNECT_TIMEOUT 10L		/* seconds, to connect */
#define TSA_REDIRS	5L

/* The OpenSSL error queue as one line ("reason (data); reason"), cleared.
 * ASN.1's "nested asn1 error" frames and repeats say nothing: dropped. */
static const char *
ossl_why(char *buf, size_t len)
{
	const char *data, *r, *last = NULL;
	unsigned long e;
	size_t off = 0;
	int flags, n;

	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		if ((r = ERR_reason_error_string(e)) == NULL)
			r = "unknown OpenSSL error";
		if (off + 1 >= len || strcmp(r, "nested asn1 error") == 0 ||
		    (last != NULL && strcmp(r, last) == 0 &&
		    !(flags & ERR_TXT_STRING)))
			continue;	/* drain the rest */
		last = r;
		n = snprintf(buf + off, len - off, "%s%s", off ? "; " : "", r);
		if (n > 0)
			off += (size_t)n < len - off ? (size_t)n : len - off - 1;
		if ((flags & ERR_TXT_STRING) && data != NULL && *data != '\0' &&
		    off + 1 < len) {
			n = snprintf(buf + off, len - off, " (%s)", data);
			if (n > 0)
				off += (size_t)n < len - off ? (size_t)n :
				    len - off - 1;
		}
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "unknown OpenSSL error");
	return buf;
}

int
etk_tsa_query(const unsigned char sha256[32], unsigned char **der,
    size_t *len, struct etk_error *err)
{
	TS_MSG_IMPRINT *mi = NULL;
	ASN1_INTEGER *nonce = NULL;
	X509_ALGOR *alg = NULL;
	TS_REQ *req = NULL;
	unsigned char rnd[8], *out = NULL;
	char why[256];
	BIGNUM *bn = NULL;
	int n, rc = ETK_ENOMEM;

	*der = NULL;
	*len = 0;
	ERR_clear_error();
	if ((req = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) == NULL ||
	    (alg = X509_ALGOR_new()) == NULL)
		goto fail;
	/* sha256 with NULL parameters, as every TSA and openssl ts send it */
	if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)sha256, 32) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_cert_req(req, 1))
		goto fail;
	/* The nonce ties a reply to this query (a replayed reply fails). */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		rc = ETK_EIO;
		goto fail;
	}
	if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    !TS_REQ_set_nonce(req, nonce))
		goto fail;
	if ((n = i2d_TS_REQ(req, &out)) <= 0)
		goto fail;
	*der = malloc((size_t)n);
	if (*der == NULL) {
		OPENSSL_free(out);
		rc = ETK_ENOMEM;
		goto fail;
	}
	memcpy(*der, out, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(out);
	rc = ETK_OK;
fail:
	if (rc != ETK_OK)
		etk_fail(err, rc, rc == ETK_ENOMEM ? ENOMEM : 0,
		    "cannot build time-stamp query: %s", ossl_why(why,
		    sizeof(why)));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return rc;
}

/* ---- transport ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reply {
	unsigned char *data;
	size_t len;
	int too_big;
	int oom;
};

static size_t
reply_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct reply *r = arg;
	size_t n = size * nmemb;
	unsigned char *p;

	if (n == 0)
		return 0;
	if (n > TSA_REPLY_MAX || r->len + n > TSA_REPLY_MAX) {
		r->too_big = 1;
		return 0;	/* aborts the transfer */
	}
	if ((p = realloc(r->data, r->len + n)) == NULL) {
		r->oom = 1;
		return 0;
	}
	r->data = p;
	memcpy(r->data + r->len, ptr, n);
	r->len += n;
	return n;
}

/* The URL for messages: any user:password@ replaced by "***@", cut to
 * fit.  Credentials must not reach logs or journals. */
static void
url_for_msg(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://"), *host, *at = NULL, *q;

	if (p == NULL) {
		snprintf(out, len, "%s", url);
		return;
	}
	host = p + 3;
	for (q = host; *q != '\0' && *q != '/' && *q != '?' && *q != '#'; q++)
		if (*q == '@')
			at = q;
	if (at == NULL)
		snprintf(out, len, "%s", url);
	else
		snprintf(out, len, "%.*s***%s", (int)(host - url), url, at);
}

static int
scheme_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

/* "application/timestamp-reply; charset=..." -> is it that media type? */
static int
ctype_is_reply(const char *ct)
{
	static const char want[] = "application/timestamp-reply";
	size_t n = sizeof(want) - 1;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

int
etk_tsa_post(const char *url, const unsigned char *query, size_t qlen,
    unsigned char **reply, size_t *rlen, struct etk_error *err)
{
	char ebuf[CURL_ERROR_SIZE], shown[256];
	struct curl_slist *hdrs = NULL, *h;
	struct reply r = { NULL, 0, 0, 0 };
	char *ct = NULL;
	long status = 0;
	CURLcode cc;
	CURL *c = NULL;
	int rc;

	*reply = NULL;
	*rlen = 0;
	if (url == NULL || query == NULL || qlen == 0)
		return etk_fail(err, ETK_EINVAL, 0,
		    "time-stamp request: no URL or empty query");
	url_for_msg(url, shown, sizeof(shown));
	if (!scheme_ok(url))
		return etk_fail(err, ETK_EINVAL, 0,
		    "TSA '%s': only http:// and https:// URLs are allowed",
		    shown);
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return etk_fail(err, ETK_EIO, 0, "TSA '%s': libcurl: %s",
		    shown, curl_easy_strerror(curl_init_rc));
	if ((c = curl_easy_init()) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM,
		    "TSA '%s': cannot start libcurl", shown);
	if ((h = curl_slist_append(hdrs,
	    "Content-Type: application/timestamp-query")) == NULL)
		goto oom;
	hdrs = h;
	if ((h = curl_slist_append(hdrs,
	    "Accept: application/timestamp-reply")) == NULL)
		goto oom;
	hdrs = h;
	if ((h = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto oom;
	hdrs = h;
	ebuf[0] = '\0';
	/* Every option must take: a silently ignored limit is no limit. */
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXREDIRS, TSA_REDIRS) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, TSA_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, TSA_CONNECT_TIMEOUT) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)TSA_REPLY_MAX) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, query) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)qlen) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "etk/" ETK_VERSION) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reply_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK) {
		rc = etk_fail(err, ETK_EIO, 0,
		    "TSA '%s': libcurl refused an option", shown);
		goto done;
	}
	cc = curl_easy_perform(c);
	if (r.oom)
		goto oom;
	if (r.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = etk_fail(err, ETK_EIO, 0,
		    "TSA '%s': reply larger than %d bytes", shown,
		    TSA_REPLY_MAX);
		goto done;
	}
	if (cc != CURLE_OK) {
		size_t n = strlen(ebuf);

		while (n > 0 && (ebuf[n - 1] == '\n' || ebuf[n - 1] == '\r'))
			ebuf[--n] = '\0';	/* one line */
		rc = etk_fail(err, cc == CURLE_OPERATION_TIMEDOUT ?
		    ETK_ETIMEOUT : cc == CURLE_URL_MALFORMAT ? ETK_EINVAL :
		    ETK_EIO, 0, "TSA '%s': %s", shown,
		    n != 0 ? ebuf : curl_easy_strerror(cc));
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		rc = etk_fail(err, ETK_EIO, 0, "TSA '%s': HTTP status %ld",
		    shown, status);
		goto done;
	}
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL && !ctype_is_reply(ct)) {
		rc = etk_fail(err, ETK_EIO, 0,
		    "TSA '%s': reply is '%.80s', not "
		    "application/timestamp-reply", shown, ct);
		goto done;
	}
	if (r.len == 0) {
		rc = etk_fail(err, ETK_EIO, 0, "TSA '%s': empty reply", shown);
		goto done;
	}
	*reply = r.data;
	*rlen = r.len;
	r.data = NULL;
	rc = ETK_OK;
	goto done;
oom:
	rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "TSA '%s': out of memory",
	    shown);
done:
	free(r.data);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

/* ---- checking a reply ---- */

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const unsigned char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * genTime (GeneralizedTime "YYYYMMDDHHMMSS[.f+]Z", RFC 3161 §2.4.2) to
 * RFC 3339 UTC and seconds since the epoch.  Strict: the DER decoder
 * does not check the characters, and this text goes into journals.
 */
static int
gen_time_parse(const ASN1_GENERALIZEDTIME *t, char out[ETK_TIME_MAX],
    int64_t *epoch)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	const unsigned char *s;
	int n, y, mo, d, h, mi, sec, fl = 0;

	if (t == NULL || ASN1_STRING_type(t) != V_ASN1_GENERALIZEDTIME)
		return -1;
	s = ASN1_STRING_get0_data(t);
	n = ASN1_STRING_length(t);
	if (s == NULL || n < 15 || s[n - 1] != 'Z')
		return -1;
	if ((y = digits(s, 4)) < 0 || (mo = digits(s + 4, 2)) < 1 ||
	    mo > 12 || (d = digits(s + 6, 2)) < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) ||
	    (h = digits(s + 8, 2)) < 0 || h > 23 ||
	    (mi = digits(s + 10, 2)) < 0 || mi > 59 ||
	    (sec = digits(s + 12, 2)) < 0 || sec > 60)
		return -1;
	if (n > 15) {
		/* ".f+" between the seconds and the 'Z' */
		fl = n - 16;
		if (s[14] != '.' || fl < 1 || fl > 18 || digits(s + 15,
		    fl > 9 ? 9 : fl) < 0 || (fl > 9 && digits(s + 24,
		    fl - 9) < 0))
			return -1;
	}
	snprintf(out, ETK_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d%s%.*sZ",
	    y, mo, d, h, mi, sec, fl ? "." : "", fl, fl ? (const char *)s +
	    15 : "");
	*epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    (sec > 59 ? 59 : sec);
	return 0;
}

/* "granted" etc. for a PKIStatus value. */
static const char *
status_name(long s)
{
	static const char *const names[] = { "granted", "grantedWithMods",
		"rejection", "waiting", "revocationWarning",
		"revocationNotification" };

	return s >= 0 && s < 6 ? names[s] : "unknown status";
}

/* The imprint of a token or query: SHA-256 (NULL or absent parameters)
 * over exactly these 32 bytes?  -1 wrong algorithm, 1 other bytes. */
static int
imprint_cmp(TS_MSG_IMPRINT *mi, const unsigned char sha256[32])
{
	X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
	ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(mi);
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;

	if (alg == NULL || msg == NULL)
		return -1;
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (OBJ_obj2nid(obj) != NID_sha256 ||
	    (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL))
		return -1;
	if (ASN1_STRING_length(msg) != 32 ||
	    memcmp(ASN1_STRING_get0_data(msg), sha256, 32) != 0)
		return 1;
	return 0;
}

/* A store to verify the token against: ca_file's certificates (also
 * handed over as untrusted, so a reply without certificates verifies
 * when the file holds the TSA certificate), or else the token's own
 * signer certificate as its only anchor. */
static int
make_store(PKCS7 *token, const char *ca_file, int64_t at, X509_STORE **out,
    STACK_OF(X509) **untrusted, struct etk_error *err)
{
	STACK_OF(X509) *signers = NULL;
	X509_STORE *st;
	char why[256];
	int rc;

	*out = NULL;
	*untrusted = NULL;
	if ((st = X509_STORE_new()) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM,
		    "time-stamp check: out of memory");
	if (ca_file != NULL) {
		if (!X509_STORE_load_file(st, ca_file)) {
			/* The file is the caller's input, not the token's. */
			struct stat sb;

			rc = etk_fail(err, stat(ca_file, &sb) != 0 &&
			    errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO, 0,
			    "cannot load TSA CA certificates from '%s': %s",
			    ca_file, ossl_why(why, sizeof(why)));
			goto fail;
		}
		if ((*untrusted = X509_STORE_get1_all_certs(st)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "time-stamp check: out of memory");
			goto fail;
		}
	} else {
		signers = PKCS7_get0_signers(token, NULL, 0);
		if (signers == NULL || sk_X509_num(signers) != 1) {
			rc = etk_fail(err, ETK_EMISMATCH, 0,
			    "time-stamp token does not carry its signer's "
			    "certificate: %s", ossl_why(why, sizeof(why)));
			goto fail;
		}
		if (!X509_STORE_add_cert(st, sk_X509_value(signers, 0))) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "time-stamp check: %s", ossl_why(why,
			    sizeof(why)));
			goto fail;
		}
		/* the signer's certificate is the anchor: a chain of one */
		X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
		sk_X509_free(signers);
		signers = NULL;
	}
	/* Check the chain as it stood when the token was made. */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(st), (time_t)at);
	*out = st;
	return ETK_OK;
fail:
	sk_X509_free(signers);
	sk_X509_pop_free(*untrusted, X509_free);
	*untrusted = NULL;
	X509_STORE_free(st);
	return rc;
}

int
etk_tsa_check(const unsigned char *reply, size_t len,
    const unsigned char sha256[32], const unsigned char *query, size_t qlen,
    const char *ca_file, char *gen_time, struct etk_error *err)
{
	STACK_OF(X509) *untrusted = NULL;
	const unsigned char *p;
	TS_VERIFY_CTX *vctx = NULL;
	TS_STATUS_INFO *si;
	TS_TST_INFO *tst;
	X509_STORE *store = NULL;
	TS_RESP *resp = NULL;
	TS_REQ *req = NULL;
	char why[256], when[ETK_TIME_MAX];
	unsigned char *imp;
	int64_t at;
	long status;
	int rc, flags, c;

	if (gen_time != NULL)
		gen_time[0] = '\0';
	ERR_clear_error();
	if (reply == NULL || len == 0)
		return etk_fail(err, ETK_EFORMAT, 0,
		    "time-stamp reply is empty");
	if (len > TSA_REPLY_MAX)
		return etk_fail(err, ETK_EFORMAT, 0,
		    "time-stamp reply is larger than %d bytes", TSA_REPLY_MAX);
	p = reply;
	if ((resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "not a DER time-stamp reply: %s", ossl_why(why,
		    sizeof(why)));
		goto done;
	}
	if (p != reply + len) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "time-stamp reply has %zu byte(s) after its end",
		    len - (size_t)(p - reply));
		goto done;
	}
	si = TS_RESP_get_status_info(resp);
	status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	if (status != TS_STATUS_GRANTED &&
	    status != TS_STATUS_GRANTED_WITH_MODS) {
		const STACK_OF(ASN1_UTF8STRING) *text =
		    TS_STATUS_INFO_get0_text(si);
		const ASN1_UTF8STRING *t0 = sk_ASN1_UTF8STRING_num(text) > 0 ?
		    sk_ASN1_UTF8STRING_value(text, 0) : NULL;
		char txt[128] = "";
		int i, n;

		/* The TSA's free text, printable ASCII only. */
		if (t0 != NULL) {
			const unsigned char *s = ASN1_STRING_get0_data(t0);

			n = ASN1_STRING_length(t0);
			for (i = 0; i < n && i < (int)sizeof(txt) - 1; i++)
				txt[i] = s[i] >= 0x20 && s[i] < 0x7f ?
				    (char)s[i] : '?';
			txt[i] = '\0';
		}
		rc = etk_fail(err, ETK_EMISMATCH, 0,
		    "TSA did not grant the time-stamp: %s (%ld)%s%s",
		    status_name(status), status, txt[0] ? ": " : "", txt);
		goto done;
	}
	/* d2i_TS_RESP decodes the token's TSTInfo: granted means present */
	if ((tst = TS_RESP_get_tst_info(resp)) == NULL ||
	    TS_RESP_get_token(resp) == NULL) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "time-stamp reply is granted but holds no token");
		goto done;
	}
	if (gen_time_parse(TS_TST_INFO_get_time(tst), when, &at) != 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "time-stamp token has a malformed genTime");
		goto done;
	}
	if ((c = imprint_cmp(TS_TST_INFO_get_msg_imprint(tst), sha256)) != 0) {
		rc = etk_fail(err, ETK_EMISMATCH, 0, c < 0 ?
		    "time-stamp token is not over a SHA-256 digest" :
		    "time-stamp token is over a different digest");
		goto done;
	}
	if (query != NULL) {
		const ASN1_INTEGER *qn, *tn;

		p = query;
		if (qlen == 0 || qlen > TSA_REPLY_MAX ||
		    (req = d2i_TS_REQ(NULL, &p, (long)qlen)) == NULL ||
		    p != query + qlen) {
			rc = etk_fail(err, ETK_EINVAL, 0,
			    "not a DER time-stamp query: %s", ossl_why(why,
			    sizeof(why)));
			goto done;
		}
		if (imprint_cmp(TS_REQ_get_msg_imprint(req), sha256) != 0) {
			rc = etk_fail(err, ETK_EINVAL, 0,
			    "time-stamp query is not over this SHA-256 digest");
			goto done;
		}
		qn = TS_REQ_get_nonce(req);
		tn = TS_TST_INFO_get_nonce(tst);
		if (qn != NULL && (tn == NULL || ASN1_INTEGER_cmp(qn, tn) != 0)) {
			rc = etk_fail(err, ETK_EMISMATCH, 0,
			    "time-stamp token's nonce is not the query's: the "
			    "reply answers another query");
			goto done;
		}
	}
	if ((rc = make_store(TS_RESP_get_token(resp), ca_file, at, &store,
	    &untrusted, err)) != ETK_OK)
		goto done;

	/* Now OpenSSL checks it all again, with the signature. */
	if (req != NULL) {
		vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	} else if ((vctx = TS_VERIFY_CTX_new()) != NULL) {
		if ((imp = OPENSSL_memdup(sha256, 32)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "time-stamp check: out of memory");
			goto done;
		}
		TS_VERIFY_CTX_set_imprint(vctx, imp, 32);	/* owns imp */
	}
	if (vctx == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
		    "time-stamp check: out of memory");
		goto done;
	}
	flags = TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_SIGNATURE |
	    TS_VFY_SIGNER;
	if (req != NULL && TS_REQ_get_nonce(req) != NULL)
		flags |= TS_VFY_NONCE;
	TS_VERIFY_CTX_set_flags(vctx, flags);
	TS_VERIFY_CTX_set_store(vctx, store);		/* owns store */
	store = NULL;
	if (untrusted != NULL) {
		TS_VERIFY_CTX_set_certs(vctx, untrusted);	/* owns them */
		untrusted = NULL;
	}
	ERR_clear_error();
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		rc = etk_fail(err, ETK_EMISMATCH, 0,
		    "time-stamp token does not verify%s%s: %s",
		    ca_file ? " against " : "", ca_file ? ca_file : "",
		    ossl_why(why, sizeof(why)));
		goto done;
	}
	if (gen_time != NULL)
		memcpy(gen_time, when, ETK_TIME_MAX);
	rc = ETK_OK;
done:
	ERR_clear_error();
	TS_VERIFY_CTX_free(vctx);
	X509_STORE_free(store);
	sk_X509_pop_free(untrusted, X509_free);
	TS_REQ_free(req);
	TS_RESP_free(resp);
	return rc;
}

int
etk_tsa_stamp(const unsigned char sha256[32], const char *url,
    const char *reply_file, const char *ca_file, const char *out_path,
    char *gen_time, struct etk_error *err)
{
	unsigned char *q = NULL, *r = NULL;
	size_t qlen = 0, rlen = 0;
	struct stat sb;
	char *data = NULL;
	int rc;

	if (gen_time != NULL)
		gen_time[0] = '\0';
	if ((url == NULL) == (reply_file == NULL) || out_path == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "time-stamp: give a TSA URL or a reply file, not %s",
		    url == NULL ? "neither" : "both");
	/* Refuse before asking the TSA: a token must not be wasted, and
	 * etk_write_file_atomic refuses again at the end. */
	if (lstat(out_path, &sb) == 0)
		return etk_fail(err, ETK_EEXIST, EEXIST,
		    "'%s' exists; not overwritten", out_path);
	if (url != NULL) {
		if ((rc = etk_tsa_query(sha256, &q, &qlen, err)) != ETK_OK ||
		    (rc = etk_tsa_post(url, q, qlen, &r, &rlen, err)) !=
		    ETK_OK)
			goto done;
		if ((rc = etk_tsa_check(r, rlen, sha256, q, qlen, ca_file,
		    gen_time, err)) != ETK_OK) {
			char shown[256];

			url_for_msg(url, shown, sizeof(shown));
			etk_wrap(err, "TSA '%s'", shown);
			goto done;
		}
	} else {
		if ((rc = etk_cust_read_file(reply_file, TSA_REPLY_MAX, &data,
		    &rlen, err)) != ETK_OK)
			goto done;
		r = (unsigned char *)data;
		data = NULL;
		if ((rc = etk_tsa_check(r, rlen, sha256, NULL, 0, ca_file,
		    gen_time, err)) != ETK_OK) {
			etk_wrap(err, "'%s'", reply_file);
			goto done;
		}
	}
	rc = etk_write_file_atomic(out_path, r, rlen, 0, NULL, err);
	if (rc != ETK_OK && gen_time != NULL)
		gen_time[0] = '\0';
done:
	free(q);
	free(r);
	free(data);
	return rc;
}

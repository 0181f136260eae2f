/*
 * Fuzz target: RFC 3161 time-stamp replies (etk_tsa_check).
 *
 * The input is a TimeStampResp checked against a fixed digest, the
 * SHA-256 of "etk fuzz tsa_reply", with no CA file, as a bundle or
 * journal verifier meets a .tsr it was handed.  The corpus
 * (fuzz/corpus/tsa_reply) holds real replies over that digest from the
 * test TSA (tests/tsa/make-tsa.sh), so mutations start from tokens that
 * verify.  Every answer is checked against the contract in
 * include/etk/custody.h: a known status, gen_time set exactly on
 * success and in RFC 3339 UTC shape, an error message on failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <etk/etk.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned char digest[32] = {
	0x65, 0x63, 0xd6, 0x39, 0xfc, 0x0a, 0x6c, 0xec,
	0x4a, 0x4d, 0x17, 0xa0, 0x4e, 0x19, 0x13, 0x2b,
	0xac, 0x06, 0xa2, 0x23, 0x80, 0x84, 0x32, 0xc8,
	0x57, 0x12, 0xac, 0xce, 0x49, 0x52, 0x6a, 0x03
};

/* "YYYY-MM-DDTHH:MM:SS[.f+]Z" */
static int
rfc3339_utc(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = strlen(s), i;

	if (n < 20 || s[n - 1] != 'Z')
		return 0;
	for (i = 0; i < 19; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return 0;
	if (n == 20)
		return 1;
	if (s[19] != '.' || n < 22)
		return 0;
	for (i = 20; i < n - 1; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etk_error err;
	char when[ETK_TIME_MAX];
	int rc;

	memset(&err, 0, sizeof(err));
	memset(when, 'x', sizeof(when));
	rc = etk_tsa_check(data, size, digest, NULL, 0, NULL, when, &err);
	if (memchr(when, 0, sizeof(when)) == NULL ||
	    memchr(err.msg, 0, sizeof(err.msg)) == NULL)
		abort();
	switch (rc) {
	case ETK_OK:
		if (!rfc3339_utc(when))
			abort();
		break;
	case ETK_EMISMATCH:
	case ETK_EFORMAT:
	case ETK_ENOMEM:
		if (when[0] != '\0' || err.code != rc || err.msg[0] == '\0')
			abort();
		break;
	default:
		abort();
	}
	return 0;
}

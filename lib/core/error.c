/* Status codes, the caller-owned error record, exit statuses. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <etk/core.h>

const char *
etk_strerror(int code)
{
	switch (code) {
	case ETK_OK:		return "success";
	case ETK_ENOMEM:	return "out of memory";
	case ETK_EIO:		return "input/output error";
	case ETK_EFORMAT:	return "corrupt or unexpected format";
	case ETK_EUNSUPP:	return "not supported";
	case ETK_EINVAL:	return "invalid argument";
	case ETK_EMISMATCH:	return "mismatch";
	case ETK_ENOTFOUND:	return "not found";
	case ETK_EEXIST:	return "already exists";
	case ETK_ETIMEOUT:	return "limit reached";
	case ETK_EAGAIN:	return "temporary failure";
	default:		return "unknown error";
	}
}

void
etk_error_clear(struct etk_error *err)
{
	if (err == NULL)
		return;
	err->code = ETK_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

int
etk_fail(struct etk_error *err, int code, int sys_errno, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (err == NULL)
		return code;
	err->code = code;
	err->sys_errno = sys_errno;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (sys_errno != 0) {
		n = strlen(err->msg);
		if (n + 3 < sizeof(err->msg))
			snprintf(err->msg + n, sizeof(err->msg) - n, ": %s",
			    strerror(sys_errno));
	}
	return code;
}

int
etk_wrap(struct etk_error *err, const char *fmt, ...)
{
	char prefix[ETK_ERRMSG_MAX], old[ETK_ERRMSG_MAX];
	size_t n, k;
	va_list ap;

	if (err == NULL)
		return ETK_EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* Build "prefix: old", truncating at the record size. */
	n = strlen(prefix);
	if (n > sizeof(err->msg) - 1)
		n = sizeof(err->msg) - 1;
	memcpy(err->msg, prefix, n);
	if (old[0] != '\0' && n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 2);
		n += 2;
		k = strlen(old);
		if (k > sizeof(err->msg) - 1 - n)
			k = sizeof(err->msg) - 1 - n;
		memcpy(err->msg + n, old, k);
		n += k;
	}
	err->msg[n] = '\0';
	return err->code;
}

int
etk_exit_for(int code)
{
	switch (code) {
	case ETK_OK:		return ETK_EXIT_OK;
	case ETK_EMISMATCH:	return ETK_EXIT_MISMATCH;
	case ETK_EINVAL:	return ETK_EXIT_USAGE;
	case ETK_EAGAIN:	return ETK_EXIT_TEMPFAIL;
	default:		return ETK_EXIT_FAILURE;
	}
}

/* Seriousness, least to most: 0, 75 (transient), 3 (partial),
 * 1 (failure), 4 (mismatch: evidence does not verify), 2 (usage). */
static int
rank(int status)
{
	switch (status) {
	case ETK_EXIT_OK:	return 0;
	case ETK_EXIT_TEMPFAIL:	return 1;
	case ETK_EXIT_PARTIAL:	return 2;
	case ETK_EXIT_FAILURE:	return 3;
	case ETK_EXIT_MISMATCH:	return 4;
	case ETK_EXIT_USAGE:	return 5;
	default:		return 3;
	}
}

int
etk_exit_worst(int a, int b)
{
	return rank(a) >= rank(b) ? a : b;
}

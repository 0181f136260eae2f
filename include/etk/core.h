/*
 * etk core: status codes, the caller-owned error record, exit statuses,
 * a growable byte buffer, versions.
 */
#ifndef ETK_CORE_H
#define ETK_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ETK_BUILDING_LIB)
#define ETK_API __attribute__((visibility("default")))
#else
#define ETK_API
#endif
#define ETK_PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

#define ETK_VERSION "0.1.0"

enum etk_status {	/* 0 = success, failures < 0 */
	ETK_OK = 0,
	ETK_ENOMEM = -1,    /* allocation failed */
	ETK_EIO = -2,       /* read/write failed; see sys_errno */
	ETK_EFORMAT = -3,   /* input is corrupt or not the expected format */
	ETK_EUNSUPP = -4,   /* format recognised, feature not supported */
	ETK_EINVAL = -5,    /* bad argument: a bug in the caller or bad user input */
	ETK_EMISMATCH = -6, /* digest, signature or chain does not match */
	ETK_ENOTFOUND = -7, /* named item is not present */
	ETK_EEXIST = -8,    /* output exists and would be overwritten */
	ETK_ETIMEOUT = -9,  /* a limit (time, depth, size) was hit */
	ETK_EAGAIN = -10    /* transient: retry may succeed */
};

#define ETK_ERRMSG_MAX 512

/* Caller-owned; zero it before use.  Nothing inside needs freeing. */
struct etk_error {
	int code;                 /* enum etk_status */
	int sys_errno;            /* errno at the failure, or 0 */
	char msg[ETK_ERRMSG_MAX]; /* "outer context: inner cause" */
};

/* Exit statuses shared by every command (DESIGN.md §1). */
enum etk_exit {
	ETK_EXIT_OK = 0,
	ETK_EXIT_FAILURE = 1,
	ETK_EXIT_USAGE = 2,
	ETK_EXIT_PARTIAL = 3,
	ETK_EXIT_MISMATCH = 4,
	ETK_EXIT_TEMPFAIL = 75
};

/* Static text for a status code. */
ETK_API const char *etk_strerror(int code);
/* Reset an error record to "no error". */
ETK_API void etk_error_clear(struct etk_error *);
/* Set err (may be NULL) and return code.  Used by the library and by tools. */
ETK_API int etk_fail(struct etk_error *, int code, int sys_errno,
    const char *fmt, ...) ETK_PRINTFLIKE(4, 5);
/* Prefix context to err->msg ("context: old message"); returns err->code. */
ETK_API int etk_wrap(struct etk_error *, const char *fmt, ...)
    ETK_PRINTFLIKE(2, 3);
/* The exit status that fits a library status. */
ETK_API int etk_exit_for(int code);
/* The more serious of two exit statuses (75 < 3 < 1 < 4 < 2 ... see core.c). */
ETK_API int etk_exit_worst(int a, int b);

/* Library version, and the versions of the libraries linked in, as
 * "libewf 20140813, libtsk 4.11.1, ..." (static storage). */
ETK_API const char *etk_version(void);
ETK_API const char *etk_lib_versions(void);
/* Each linked library as name/version pairs, for JSON records; returns
 * the number of pairs; names[i]/versions[i] are static. */
ETK_API size_t etk_lib_version_list(const char *const **names,
    const char *const **versions);

/* A growable byte buffer, always NUL-terminated.  Embed it and call
 * etk_buf_init()/etk_buf_release().  On allocation failure the buffer
 * is marked failed (oom != 0) and later appends do nothing. */
struct etk_buf {
	char *data;
	size_t len;
	size_t cap;
	int oom;
};
ETK_API void etk_buf_init(struct etk_buf *);
ETK_API void etk_buf_release(struct etk_buf *);
ETK_API void etk_buf_reset(struct etk_buf *);	/* len = 0, keep memory */
ETK_API void etk_buf_add(struct etk_buf *, const void *, size_t);
ETK_API void etk_buf_adds(struct etk_buf *, const char *);
ETK_API void etk_buf_addc(struct etk_buf *, char);
ETK_API void etk_buf_printf(struct etk_buf *, const char *, ...)
    ETK_PRINTFLIKE(2, 3);
ETK_API void etk_buf_vprintf(struct etk_buf *, const char *, va_list)
    ETK_PRINTFLIKE(2, 0);
/* Append s[0..n) as XML/HTML text: & < > " ' as entities, TAB LF CR as
 * character references, every other control byte and every byte that is
 * not valid UTF-8 (or a code point XML 1.0 cannot carry) as U+FFFD. */
ETK_API void etk_buf_add_markup(struct etk_buf *, const char *s, size_t n);
/* Take ownership of the data (caller frees with free()); buffer is reset. */
ETK_API char *etk_buf_detach(struct etk_buf *);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
ETK_API void etk_hex(const unsigned char *, size_t n, char *out);

/* Time: RFC 3339 UTC with milliseconds when nsec != 0 or always_ms is
 * set: "2013-10-29T16:56:28.038Z".  out must hold ETK_TIME_MAX bytes.
 * Independent of TZ and locale. */
#define ETK_TIME_MAX 40
ETK_API void etk_time_format(int64_t sec, int32_t nsec, char *out);
/* The current wall-clock time (for journals only, never data records). */
ETK_API void etk_time_now(int64_t *sec, int32_t *nsec);

/* Cut n items of weights w[] (plus per_item each) into parts contiguous
 * runs of about equal weight: part k is items [bounds[k], bounds[k+1])
 * (bounds: parts + 1 entries); bytes[k] (may be NULL) sums w[] of part
 * k.  The same weights give the same cut on any machine. */
ETK_API void etk_split_weights(const uint64_t *w, size_t n, uint64_t parts,
    uint64_t per_item, uint64_t *bounds, uint64_t *bytes);

/* Write a file atomically: temp file in the same directory, fsync, rename,
 * fsync the directory.  Fails with ETK_EEXIST if path exists and
 * overwrite is 0.  sha256hex (65 bytes) may be NULL; else receives the
 * SHA-256 of the bytes written. */
ETK_API int etk_write_file_atomic(const char *path, const void *data,
    size_t len, int overwrite, char *sha256hex, struct etk_error *);
/* Publish a file written under a temporary name tmp in path's
 * directory: fsync and close fd (when fd >= 0), link tmp to path (never
 * over an existing file: ETK_EEXIST), remove tmp, fsync the directory.
 * On failure tmp is removed too and path does not exist. */
ETK_API int etk_publish_file(int fd, const char *tmp, const char *path,
    struct etk_error *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_CORE_H */

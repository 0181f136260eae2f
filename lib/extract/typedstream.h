/*
 * The text of an NSAttributedString archived in the old NeXT/Apple
 * "typedstream" format (NSArchiver, header "streamtyped"), as iOS and
 * macOS Messages keep it in sms.db message.attributedBody.
 */
#ifndef ETK_EXTRACT_TYPEDSTREAM_H
#define ETK_EXTRACT_TYPEDSTREAM_H

#include <stddef.h>

/*
 * Find the first NSString (or NSMutableString) object in the archive
 * buf[0..len) and return its UTF-8 bytes: *text points inside buf
 * (borrowed: valid as long as buf) and holds *textlen bytes, not
 * NUL-terminated.  The archive is walked by its grammar (header, shared
 * strings, class chains, typed value groups), every read is bounds-
 * checked and the work is linear in len.
 *
 * Returns 0, or ETK_EFORMAT with *why (static text) saying what is
 * wrong: not a typedstream, truncated, malformed, no string object, or
 * a string that is not UTF-8 (or holds a NUL byte, which no record can
 * carry).
 */
int ex_typedstream_text(const void *buf, size_t len,
    const unsigned char **text, size_t *textlen, const char **why);

/* 1 when s[0..n) is well-formed UTF-8 without NUL bytes (no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
int ex_utf8_valid(const unsigned char *s, size_t n);

#endif /* ETK_EXTRACT_TYPEDSTREAM_H */

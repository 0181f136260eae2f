/*
 * etk JSON: a small streaming emitter (fixed field order, ASCII-escaped,
 * byte-stable) and a small reader for our own JSON Lines.
 */
#ifndef ETK_JSON_H
#define ETK_JSON_H

#include <etk/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETK_JSON_MAXDEPTH 32

/* Emitter.  Writes into a caller-owned etk_buf.  Commas are inserted
 * automatically.  Strings are escaped to ASCII (\uXXXX, surrogate pairs
 * for non-BMP); invalid UTF-8 bytes become U+FFFD so output is always
 * valid JSON.  Use etk_json_bytes() when exact bytes matter. */
struct etk_json {
	struct etk_buf *out;
	int depth;
	unsigned char first[ETK_JSON_MAXDEPTH + 1]; /* 1 = no element yet;
						 * [0] the top level */
	int after_key;
};
ETK_API void etk_json_init(struct etk_json *, struct etk_buf *out);
ETK_API void etk_json_obj_begin(struct etk_json *);
ETK_API void etk_json_obj_end(struct etk_json *);
ETK_API void etk_json_arr_begin(struct etk_json *);
ETK_API void etk_json_arr_end(struct etk_json *);
ETK_API void etk_json_key(struct etk_json *, const char *);
ETK_API void etk_json_str(struct etk_json *, const char *);	/* NULL -> null */
ETK_API void etk_json_strn(struct etk_json *, const char *, size_t);
ETK_API void etk_json_int(struct etk_json *, int64_t);
ETK_API void etk_json_uint(struct etk_json *, uint64_t);
ETK_API void etk_json_double(struct etk_json *, double);	/* %.17g-stable */
ETK_API void etk_json_bool(struct etk_json *, int);
ETK_API void etk_json_null(struct etk_json *);
ETK_API void etk_json_raw(struct etk_json *, const char *);	/* pre-built value */
/* Time as RFC 3339 string via etk_time_format(). */
ETK_API void etk_json_time(struct etk_json *, int64_t sec, int32_t nsec);
/* Shorthands: key + value. */
ETK_API void etk_json_kstr(struct etk_json *, const char *k, const char *v);
ETK_API void etk_json_kint(struct etk_json *, const char *k, int64_t v);
ETK_API void etk_json_kuint(struct etk_json *, const char *k, uint64_t v);
ETK_API void etk_json_kbool(struct etk_json *, const char *k, int v);
/* Append a JSON string literal for s (with quotes) to a buffer. */
ETK_API void etk_json_quote(struct etk_buf *, const char *s, size_t n);

/* Reader: parses one JSON text into a tree.  Bounded depth
 * (ETK_JSON_MAXDEPTH) and size; never recurses without limit. */
enum etk_jtype { ETK_JNULL, ETK_JBOOL, ETK_JNUM, ETK_JSTR, ETK_JARR, ETK_JOBJ };
struct etk_jval {
	enum etk_jtype type;
	int b;
	double num;
	int64_t inum;	/* exact when is_int */
	int is_int;
	char *str;	/* JSTR: decoded UTF-8, NUL-terminated; len in slen */
	size_t slen;
	size_t n;	/* JARR/JOBJ: element count */
	char **keys;	/* JOBJ */
	struct etk_jval **items;
};
/* Parse text[0..len).  Caller frees *out with etk_jval_free(). */
ETK_API int etk_json_parse(const char *text, size_t len,
    struct etk_jval **out, struct etk_error *);
ETK_API void etk_jval_free(struct etk_jval *);
/* Object member by key, or NULL.  Borrowed. */
ETK_API const struct etk_jval *etk_jval_get(const struct etk_jval *,
    const char *key);
/* String member or NULL. */
ETK_API const char *etk_jval_str(const struct etk_jval *, const char *key);
/* Emit a parsed value as it is (members in their order).  A value nested
 * deeper than the emitter tracks is written as null. */
ETK_API void etk_json_value(struct etk_json *, const struct etk_jval *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_JSON_H */

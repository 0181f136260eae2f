/*
 * lib/report internal: helpers shared by the report's files.  Not
 * installed.
 *   load.c     the case: journal (lib/manifest's model), rows of the
 *              database (read-only), exported pictures, exhibits
 *   report.c   the page
 *   thumb.c    thumbnails (JPEG scaled and re-encoded, small PNG as is)
 */
#ifndef ETK_REPORT_INT_H
#define ETK_REPORT_INT_H

#include <stddef.h>

#include <stdint.h>

#include <etk/etk.h>
#include <etk/report.h>

#include "manifest/manifest_int.h"

/* Drop what was appended past len (a buffer never allocated is left
 * alone). */
void rp_truncate(struct etk_buf *, size_t len);
/* Standard base64 of p[0..n) appended to out. */
void rp_base64(struct etk_buf *out, const unsigned char *p, size_t n);
/* Append a data: URI of a thumbnail of the picture p[0..n) (at most max
 * bytes of URI) and return 1; or append nothing and return 0 when the
 * picture does not decode, is not JPEG or PNG, or is too big. */
int rp_thumb(const unsigned char *p, size_t n, size_t max,
    struct etk_buf *out);

/* ---- the case as the report reads it (load.c) ---- */

struct rows {
	size_t ncol, n, cap;
	char **v;		/* n * ncol, NULL for SQL NULL */
	char **ex;		/* exhibit of each row (owned) */
};

/* Columns of each query (kept in step with the SQL below). */
enum { F_ACT, F_LOC, F_PATH, F_NAME, F_SIZE, F_DEL, F_ALLOC, F_TYPE, F_MIME,
	F_MTIME, F_SHA256 };
enum { H_ACT, H_LOC, H_SIZE, H_MD5, H_SHA1, H_SHA256, H_KNOWN, H_ALERT,
	H_MISMATCH };
enum { C_ACT, C_LOC, C_OFF, C_LEN, C_TYPE, C_EXT, C_VALID, C_COMPLETE,
	C_SHA256, C_PATH };
enum { M_ACT, M_APP, M_THREAD, M_DIR, M_FROM, M_TO, M_TIME, M_BODY, M_ATT,
	M_READ, M_DEL, M_SRC };
enum { K_ACT, K_APP, K_DIR, K_NUMBER, K_NAME, K_TIME, K_DUR, K_SRC };
enum { P_ACT, P_APP, P_NAME, P_NUMBERS, P_EMAILS, P_SRC };
enum { I_ACT, I_LOC, I_PATH, I_SHA256, I_MIME, I_W, I_H, I_TAKEN, I_MAKE,
	I_MODEL, I_LAT, I_LON, I_SRC };
enum { V_ACT, V_EV, V_SLOT, V_FLAGS, V_START, V_LEN, V_DESCR, V_FS, V_BS,
	V_BC };
enum { E_NAME, E_PATH, E_KIND, E_SIZE, E_SHA256 };

enum { T_FILES, T_HASHES, T_CARVED, T_MSG, T_CALLS, T_CONTACTS, T_IMAGES,
	T_VOLUMES, T_ENT, T_LINKS, T_N };

struct picture {
	char *locator, *path, *sha256;	/* from a journal output */
};

struct rp {
	struct mf_case c;
	const char *dir;
	const struct etk_report_opts *o;
	size_t thumb_max;
	struct rows t[T_N];
	struct rows ev;
	char **ex;		/* exhibits, sorted */
	size_t nex;
	struct picture *pic;	/* sorted by locator */
	size_t npic;
	struct etk_buf *out;
};

int rp_oom(struct etk_error *);
/* Journal lines 1..upto (verified), case.json, the database rows of
 * those lines (read-only), exported pictures and the exhibits. */
int rp_load(struct rp *, const char *dir, uint64_t upto,
    struct etk_error *);
void rp_free(struct rp *);
/* The picture the journal says was exported for locator, or NULL. */
const struct picture *rp_picture(const struct rp *, const char *loc);
char *rp_join(const char *dir, const char *name);

static inline const char *
rp_cell(const struct rows *r, size_t i, size_t c)
{
	return r->v[i * r->ncol + c];
}

static inline const char *
rp_cells(const struct rows *r, size_t i, size_t c)
{
	const char *s = rp_cell(r, i, c);

	return s != NULL ? s : "";
}

#endif /* ETK_REPORT_INT_H */

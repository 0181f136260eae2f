/*
 * etk locators: strings that say where bytes came from, and that
 * etk cat accepts.  Grammar (man/etk-locator.7):
 *
 *   locator  = [ source ":" ] item *( "!" item ) [ "#" table "/" rowid ]
 *   item     = [ volume ":" ] ( path | inode | range ) | volume
 *   (a locator may also be a source alone, "sms.db" or "sms.db#message/4";
 *   "p<digits>" starts an item when followed by ':', '!', '#' or the end)
 *   volume   = "p" 1*DIGIT                 ; TSK partition slot (mmls)
 *   path     = "/" *pchar                  ; '%', '!', '#', controls and
 *                                          ; DEL percent-encoded
 *   inode    = "i" 1*DIGIT [ "-" 1*DIGIT [ "-" 1*DIGIT ] ]  ; inum-type-id
 *   range    = "@" 1*DIGIT "+" 1*DIGIT     ; byte offset + length
 *
 * Examples: phone.E01:p4:/data/data/com.whatsapp/databases/msgstore.db,
 * phone.E01:p4:i16, phone.E01:@1361920+5000, ffs.zip:/private/var/x.db,
 * x.E01:p2:/Users/a/b.zip!/c.txt, ...sms.db#message/42.
 */
#ifndef ETK_LOCATOR_H
#define ETK_LOCATOR_H

#include <etk/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETK_LOC_MAXDEPTH 8

enum etk_loc_kind {
	ETK_LOC_NONE = 0,	/* volume only, or the whole source */
	ETK_LOC_PATH,
	ETK_LOC_INODE,
	ETK_LOC_RANGE
};

struct etk_loc_item {
	int volume;		/* partition slot, or -1 */
	enum etk_loc_kind kind;
	char *path;		/* decoded; owned */
	uint64_t inode;
	int has_attr;		/* attr_type/attr_id given (i12-128-4) */
	uint32_t attr_type;
	uint16_t attr_id;
	int has_attr_id;
	uint64_t off, len;	/* ETK_LOC_RANGE */
};

/* Embed and zero it (or etk_locator_init), release with
 * etk_locator_release(). */
struct etk_locator {
	char *source;		/* owned; NULL when absent */
	size_t depth;		/* items used, >= 1 */
	struct etk_loc_item items[ETK_LOC_MAXDEPTH];
	char *table;		/* owned; NULL when no row */
	int64_t rowid;
};

ETK_API void etk_locator_init(struct etk_locator *);
ETK_API void etk_locator_release(struct etk_locator *);

/* Parse s into loc, which is reset first without being freed: release a
 * used locator before parsing into it again.  When source_name is non-NULL and s starts with
 * source_name ":", that prefix is taken as the source (so names holding
 * ':' work); else the source is everything before the first ':' that
 * begins an item (p<digits>: / "/" / i<digits> / @<digits>), if any.
 * ETK_EINVAL with a message naming the column on error. */
ETK_API int etk_locator_parse(const char *s, const char *source_name,
    struct etk_locator *loc, struct etk_error *err);

/* Append the canonical string of loc to out. */
ETK_API void etk_locator_format(const struct etk_locator *loc,
    struct etk_buf *out);

/* Append path percent-encoded as in a locator. */
ETK_API void etk_locator_encode_path(struct etk_buf *out, const char *path);

/* Copy one item (deep).  Returns ETK_OK or ETK_ENOMEM. */
ETK_API int etk_locator_item_copy(struct etk_loc_item *dst,
    const struct etk_loc_item *src);

#ifdef __cplusplus
}
#endif
#endif /* ETK_LOCATOR_H */

/*
 * lib/hash internal: shared between digest.c, magic.c and walk.c.
 * Not installed.
 */
#ifndef ETK_HASH_INT_H
#define ETK_HASH_INT_H

#include <etk/hash.h>

/* Read buffer size and alignment (page-aligned buffers read much
 * faster through pread than malloc'd ones). */
#define ETK_HASH_BUFSZ		(1024 * 1024)
#define ETK_HASH_ALIGN		4096
/* Updates at least this big go to the helper thread. */
#define ETK_HASH_PAR_MIN	(256 * 1024)
/* Bytes of content given to libmagic. */
#define ETK_MAGIC_BYTES		(64 * 1024)

/* Hasher without a helper thread (for callers that already run one
 * worker per core). */
int etk_hasher_new_flags(struct etk_hasher **, unsigned mask, int threaded,
    struct etk_error *err);

/* aligned_alloc(ETK_HASH_ALIGN, ETK_HASH_BUFSZ) or NULL. */
void *etk_hash_buf_alloc(void);

#endif /* ETK_HASH_INT_H */

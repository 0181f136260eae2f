/*
 * etk progress: bytes done, rate and ETA.  A bar on stderr when it is
 * a terminal (or forced), silent otherwise.  Never affects data output.
 */
#ifndef ETK_PROGRESS_H
#define ETK_PROGRESS_H

#include <etk/core.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum etk_progress_mode {
	ETK_PROGRESS_AUTO = 0,	/* on when fp is a terminal */
	ETK_PROGRESS_ON,
	ETK_PROGRESS_OFF
};

struct etk_progress;	/* opaque */

/* total may be 0 when unknown (no ETA then).  fp is borrowed. */
ETK_API int etk_progress_new(struct etk_progress **, FILE *fp,
    enum etk_progress_mode, const char *label, uint64_t total,
    struct etk_error *);
/* Add done bytes; redraws at most ~10 times a second.  Thread-safe. */
ETK_API void etk_progress_add(struct etk_progress *, uint64_t done);
ETK_API void etk_progress_set_total(struct etk_progress *, uint64_t total);
/* Set the bytes done (e.g. to the planned end of a stage whose reads
 * fell short of its plan, so the bar ends at 100%). */
ETK_API void etk_progress_set_done(struct etk_progress *, uint64_t done);
/* Non-zero when the bar is drawn (a terminal, or forced): callers may
 * skip work done only for it, such as planning a total. */
ETK_API int etk_progress_shown(const struct etk_progress *);
ETK_API void etk_progress_set_label(struct etk_progress *, const char *);
/* Clear the line; accepts NULL. */
ETK_API void etk_progress_free(struct etk_progress *);
/* Format "1.5 MiB" style sizes into out (>= 16 bytes). */
ETK_API void etk_human_size(uint64_t bytes, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif /* ETK_PROGRESS_H */

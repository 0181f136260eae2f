/*
 * The picture, audio and video validators (v_*.c), listed by
 * fmt_media.c.
 */
#ifndef ETK_CARVE_V_MEDIA_H
#define ETK_CARVE_V_MEDIA_H

#include "carve/carve_int.h"

extern const struct cv_format cv_fmt_jpeg;
extern const struct cv_format cv_fmt_png;
extern const struct cv_format cv_fmt_gif;
extern const struct cv_format cv_fmt_bmp;
extern const struct cv_format cv_fmt_tiff_le;
extern const struct cv_format cv_fmt_tiff_be;
extern const struct cv_format cv_fmt_webp;
extern const struct cv_format cv_fmt_wav;
extern const struct cv_format cv_fmt_avi;
extern const struct cv_format cv_fmt_bmff;
extern const struct cv_format cv_fmt_mp3;
extern const struct cv_format cv_fmt_ogg;
extern const struct cv_format cv_fmt_mkv;
extern const struct cv_format cv_fmt_asf;

/* MPEG audio, shared by v_mp3.c (files with an ID3v2 tag) and v_mpa.c
 * (bare frame chains): a frame's length from its header fields (0 when
 * they are not allowed), and the tags that may follow the last frame
 * (APEv2, Lyrics3 v2, ID3v1): *pos moves past those that check out;
 * -1 when one is cut by the window end. */
unsigned cv_mpa_len(unsigned ver, unsigned layer, unsigned bri,
    unsigned sri, unsigned pad);
int cv_mpa_trailer(const struct cv_src *, uint64_t off, uint64_t *pos,
    uint64_t lim, uint64_t wend);

/* Shared by the validators: fill r for a one-piece answer. */
static inline enum cv_status
cv_answer(struct cv_result *r, enum cv_status st, uint64_t len)
{
	r->status = st;
	r->len = st == CV_NO ? 0 : len;
	r->nfrag = 0;
	return st;
}

/* The contract on every answer: CV_NO has no length; any other length
 * lies inside max and the window (a walk that stepped past them is cut
 * there, and a "complete" file that would not fit is truncated). */
static inline enum cv_status
cv_finish(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	uint64_t lim = src->end > off ? src->end - off : 0;

	if (lim > max)
		lim = max;
	if (r->status == CV_NO) {
		r->len = 0;
		r->nfrag = 0;
		r->type = r->ext = NULL;
	} else if (r->len > lim) {
		r->len = lim;
		r->nfrag = 0;
		if (r->status == CV_COMPLETE)
			r->status = CV_TRUNCATED;
	}
	if (r->status == CV_COMPLETE && r->len == 0)
		r->status = CV_NO;
	return r->status;
}

/* name: the validator, walk: the function doing the work. */
#define CV_VALIDATOR(name, walk)					\
static enum cv_status							\
name(const struct cv_src *src, uint64_t off, uint64_t max,		\
    struct cv_result *r)						\
{									\
	(void)walk(src, off, max, r);					\
	return cv_finish(src, off, max, r);				\
}

#endif /* ETK_CARVE_V_MEDIA_H */

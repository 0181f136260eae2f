/*
 * Validators for pictures, audio and video (v_*.c), in the order the
 * engine tries them.
 */
#include <stddef.h>

#include "carve/v_media.h"

const struct cv_format *const etk_cv_formats_media[] = {
	&cv_fmt_jpeg,
	&cv_fmt_png,
	&cv_fmt_gif,
	&cv_fmt_bmff,
	&cv_fmt_webp,
	&cv_fmt_wav,
	&cv_fmt_avi,
	&cv_fmt_mkv,
	&cv_fmt_ogg,
	&cv_fmt_mp3,
	&cv_fmt_asf,
	&cv_fmt_tiff_le,
	&cv_fmt_tiff_be,
	&cv_fmt_bmp,
	NULL
};

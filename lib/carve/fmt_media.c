/*
 * Validators for pictures, audio and video (v_*.c), in the order the
 * engine tries them.
 */
#include <stddef.h>

#include "carve/v_media.h"

/* Validators added after v_media.h was written (v_flac.c, ...). */
extern const struct cv_format cv_fmt_flac;
extern const struct cv_format cv_fmt_amr;
extern const struct cv_format cv_fmt_mpa;
extern const struct cv_format cv_fmt_mpa_crc;
extern const struct cv_format cv_fmt_mpa2;
extern const struct cv_format cv_fmt_mpa2_crc;
extern const struct cv_format cv_fmt_mpa25;
extern const struct cv_format cv_fmt_mp2;
extern const struct cv_format cv_fmt_mp2_crc;
extern const struct cv_format cv_fmt_aac;
extern const struct cv_format cv_fmt_aac2;
extern const struct cv_format cv_fmt_flv;
extern const struct cv_format cv_fmt_psd;
extern const struct cv_format cv_fmt_midi;
extern const struct cv_format cv_fmt_aiff;
extern const struct cv_format cv_fmt_caf;

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
	&cv_fmt_flac,
	&cv_fmt_amr,
	&cv_fmt_mpa,
	&cv_fmt_mpa_crc,
	&cv_fmt_mpa2,
	&cv_fmt_mpa2_crc,
	&cv_fmt_mpa25,
	&cv_fmt_mp2,
	&cv_fmt_mp2_crc,
	&cv_fmt_aac,
	&cv_fmt_aac2,
	&cv_fmt_flv,
	&cv_fmt_midi,
	&cv_fmt_aiff,
	&cv_fmt_caf,
	&cv_fmt_asf,
	&cv_fmt_tiff_le,
	&cv_fmt_tiff_be,
	&cv_fmt_bmp,
	&cv_fmt_psd,
	NULL
};

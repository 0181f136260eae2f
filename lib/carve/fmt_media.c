/*
 * Validators for pictures, audio and video (placeholder list: formats
 * are added by their own files and listed here).
 */
#include <stddef.h>

#include "carve/carve_int.h"

const struct cv_format *const etk_cv_formats_media[] = {
	NULL
};

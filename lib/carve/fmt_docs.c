/*
 * Validators for documents, archives and databases (placeholder list:
 * formats are added by their own files and listed here).
 */
#include <stddef.h>

#include "carve/carve_int.h"

const struct cv_format *const etk_cv_formats_docs[] = {
	NULL
};

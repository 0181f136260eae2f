/*
 * Validators for documents, archives and databases (v_*.c), in the
 * order the engine tries them on a tie.
 */
#include <stddef.h>

#include "carve/v_docs.h"

const struct cv_format *const etk_cv_formats_docs[] = {
	&cv_fmt_pdf,
	&cv_fmt_zip,
	&cv_fmt_sqlite,
	&cv_fmt_ole,
	&cv_fmt_rtf,
	&cv_fmt_7z,
	&cv_fmt_gzip,
	&cv_fmt_bplist,
	&cv_fmt_sqlite_wal,
	NULL
};

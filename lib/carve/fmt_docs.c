/*
 * Validators for documents, archives and databases (v_*.c), in the
 * order the engine tries them on a tie.
 */
#include <stddef.h>

#include "carve/v_docs.h"

/* Validators added after v_docs.h was written (v_rar.c, ...). */
extern const struct cv_format cv_fmt_rar;
extern const struct cv_format cv_fmt_evtx;
extern const struct cv_format cv_fmt_lnk;
extern const struct cv_format cv_fmt_pe;
extern const struct cv_format cv_fmt_elf;
extern const struct cv_format cv_fmt_dex;
extern const struct cv_format cv_fmt_regf;
extern const struct cv_format cv_fmt_pst;
extern const struct cv_format cv_fmt_xz;
extern const struct cv_format cv_fmt_bzip2;

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
	&cv_fmt_rar,
	&cv_fmt_evtx,
	&cv_fmt_lnk,
	&cv_fmt_pe,
	&cv_fmt_elf,
	&cv_fmt_dex,
	&cv_fmt_regf,
	&cv_fmt_pst,
	&cv_fmt_xz,
	&cv_fmt_bzip2,
	NULL
};

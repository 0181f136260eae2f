/*
 * Android artifacts, in the order ARTIFACTS.md ranks them.  Each
 * parser file defines its struct ex_artifact; this list names them.
 */
#include "extract/ex_int.h"

const struct ex_artifact *const ex_artifacts_android[] = {
	NULL
};

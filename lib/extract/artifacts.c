/*
 * The artifact registry: every database kind etk extract can parse,
 * Android first, then iOS (the order the run summary lists them).
 */
#include "extract/ex_int.h"

size_t
ex_artifacts_all(const struct ex_artifact **out, size_t cap)
{
	const struct ex_artifact *const *lists[] = {
		ex_artifacts_android, ex_artifacts_ios
	};
	size_t i, j, n = 0;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (j = 0; lists[i][j] != NULL; j++) {
			if (n < cap && out != NULL)
				out[n] = lists[i][j];
			n++;
		}
	return n;
}

/* Contiguous parts of about equal weight (shard plans, SCALE.md §4.1). */
#include <etk/core.h>

void
etk_split_weights(const uint64_t *w, size_t n, uint64_t parts,
    uint64_t per_item, uint64_t *bounds, uint64_t *bytes)
{
	unsigned __int128 total = 0, cum = 0, b;
	uint64_t k;
	size_t i;

	if (parts == 0)
		return;
	for (i = 0; i < n; i++)
		total += (unsigned __int128)w[i] + per_item;
	/* Part k starts at the first item whose weight before it reaches
	 * k/parts of the total. */
	bounds[0] = 0;
	k = 1;
	for (i = 0; i < n && k < parts; i++) {
		while (k < parts && cum >= total * k / parts)
			bounds[k++] = i;
		cum += (unsigned __int128)w[i] + per_item;
	}
	while (k <= parts)
		bounds[k++] = n;
	if (bytes != NULL)
		for (k = 0; k < parts; k++) {
			b = 0;
			for (i = bounds[k]; i < bounds[k + 1]; i++)
				b += w[i];
			bytes[k] = (uint64_t)b;
		}
}

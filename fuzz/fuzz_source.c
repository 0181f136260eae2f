/*
 * Fuzz target: the path-based source openers (EWF, VMDK, VHD detection
 * and parsing, raw fallback).  libewf and TSK's image layer read from
 * files, so the input goes into an anonymous memory file opened through
 * /proc/self/fd; the openers detect by content, not by name.  Everything
 * that opens is read to the end in bounded chunks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <etk/source.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etk_error err = { 0 };
	struct etk_source *src = NULL;
	static unsigned char buf[65536];
	char path[64];
	uint64_t off = 0, total;
	size_t n, w = 0;
	ssize_t k;
	int fd;

	if ((fd = memfd_create("fuzz-source", MFD_CLOEXEC)) == -1)
		return 0;
	while (w < size) {
		k = write(fd, data + w, size - w);
		if (k <= 0)
			break;
		w += (size_t)k;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (etk_source_open(&src, path, &err) == ETK_OK) {
		total = etk_source_size(src);
		/* E01 media sizes come from the header: read at most 64 MiB. */
		while (off < total && off < (64u << 20)) {
			if (etk_source_read(src, off, buf, sizeof(buf), &n,
			    &err) != ETK_OK || n == 0)
				break;
			off += n;
		}
		(void)etk_source_read(src, total > 0 ? total - 1 : 0, buf, 1,
		    &n, &err);
		etk_source_close(src);
	}
	close(fd);
	return 0;
}

/*
 * Fuzz target: evidence detection, volumes, file systems and archives
 * (lib/fs) over a memory source.
 *
 * The input is a whole "image".  It is opened as evidence (detection
 * picks TSK, ZIP, TAR, gzip'd TAR or Android backup), walked with
 * ETK_WALK_DEFAULT | ETK_WALK_NESTED, and for the first regular entries
 * the content is read (bounded), looked up again by locator and mapped
 * to byte runs; then unallocated space is listed.  Nothing may crash,
 * leak or hang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/etk.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_FILES	50		/* entries whose content is read */
#define MAX_ENTRIES	20000		/* entries walked */
#define MAX_READ	(1u << 20)	/* bytes read per file */
#define MAX_EXTENTS	10000		/* unallocated extents listed */

struct fz {
	char *loc[MAX_FILES];
	size_t nloc;
	size_t entries;
};

static int
entry_cb(const struct etk_entry *e, void *arg)
{
	struct fz *f = arg;
	volatile size_t sink = 0;

	/* Touch every string the entry hands out. */
	sink += strlen(e->locator) + strlen(e->source) + strlen(e->path) +
	    strlen(e->name);
	if (e->parent != NULL)
		sink += strlen(e->parent);
	if (e->fs_type != NULL)
		sink += strlen(e->fs_type);
	if (e->link_target != NULL)
		sink += strlen(e->link_target);
	(void)sink;
	if (f->nloc < MAX_FILES && (e->meta_type == 'r' ||
	    e->meta_type == 'd') && (f->loc[f->nloc] = strdup(e->locator)) !=
	    NULL)
		f->nloc++;
	return ++f->entries >= MAX_ENTRIES;
}

static int
stat_cb(const struct etk_entry *e, void *arg)
{
	(void)arg;
	return strlen(e->locator) == 0;
}

static int
extent_cb(int volume, uint64_t off, uint64_t len, void *arg)
{
	size_t *n = arg;

	(void)volume;
	(void)off;
	(void)len;
	return ++*n >= MAX_EXTENTS;
}

static void
read_file(struct etk_evidence *ev, const char *loc, unsigned char *buf,
    size_t buflen)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	struct etk_byte_run *runs;
	uint64_t off = 0;
	size_t got, nruns;

	if (etk_evidence_open_file(ev, loc, &src, &err) == ETK_OK) {
		while (off < MAX_READ && etk_source_read(src, off, buf,
		    buflen, &got, &err) == ETK_OK && got > 0)
			off += got;
		/* A read at the end and past it. */
		(void)etk_source_read(src, etk_source_size(src), buf, 1, &got,
		    &err);
		etk_source_close(src);
	}
	(void)etk_evidence_stat(ev, loc, stat_cb, NULL, &err);
	if (etk_evidence_byte_runs(ev, loc, &runs, &nruns, &err) == ETK_OK)
		free(runs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	struct etk_evidence *ev;
	struct etk_summary *sum = NULL;
	const struct etk_volume *vols;
	unsigned char *buf;
	struct fz f;
	size_t i, n, next = 0;
	char loc[32];

	if (etk_source_open_mem(&src, data, size, "fuzz.img", &err) != ETK_OK)
		return 0;
	if (etk_evidence_open_source(&ev, src, NULL, &err) != ETK_OK) {
		etk_source_close(src);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	(void)etk_summary_new(&sum, &err);
	(void)etk_evidence_walk(ev, NULL, ETK_WALK_DEFAULT | ETK_WALK_NESTED,
	    entry_cb, &f, sum, &err);
	if ((buf = malloc(65536)) != NULL) {
		for (i = 0; i < f.nloc; i++)
			read_file(ev, f.loc[i], buf, 65536);
		/* Each volume as a byte range. */
		n = etk_evidence_volumes(ev, &vols);
		for (i = 0; i < n && i < 8; i++) {
			if (vols[i].slot < 0)
				continue;
			snprintf(loc, sizeof(loc), "p%d", vols[i].slot);
			read_file(ev, loc, buf, 65536);
		}
		free(buf);
	}
	for (i = 0; i < f.nloc; i++)
		free(f.loc[i]);
	(void)etk_evidence_unalloc(ev, -1, extent_cb, &next, &err);
	etk_summary_free(sum);
	etk_evidence_close(ev);
	etk_source_close(src);
	return 0;
}

/*
 * Fuzz target: the container backends (lib/fs/archive.c, ab.c) over a
 * memory source: TAR, TAR.GZ, ZIP and Android backups as detected by
 * etk_evidence_open_source.
 *
 * The input is opened, walked (recursively, then the top level only),
 * and every regular member is read: forwards in odd-sized chunks
 * (bounded), then backwards, to drive the restart and checkpoint paths
 * of the deflate reader and of the libarchive re-stream.  Each member
 * is looked up again by its locator.  Nothing may crash, leak or hang.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <etk/etk.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_FILES	64		/* members whose content is read */
#define MAX_ENTRIES	20000		/* entries walked */
#define MAX_READ	(256u * 1024)	/* bytes read per member */
#define CHUNK		3001

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

	sink += strlen(e->locator) + strlen(e->source) + strlen(e->path) +
	    strlen(e->name);
	if (e->link_target != NULL)
		sink += strlen(e->link_target);
	(void)sink;
	if (f->nloc < MAX_FILES && e->name_type == 'r' &&
	    (f->loc[f->nloc] = strdup(e->locator)) != NULL)
		f->nloc++;
	return ++f->entries >= MAX_ENTRIES;
}

static int
count_cb(const struct etk_entry *e, void *arg)
{
	size_t *n = arg;

	(void)e;
	return ++*n >= MAX_ENTRIES;
}

static void
read_member(struct etk_evidence *ev, const char *loc, unsigned char *buf)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	uint64_t off = 0, size;
	size_t got, n = 0;

	(void)etk_evidence_stat(ev, loc, count_cb, &n, &err);
	if (etk_evidence_open_file(ev, loc, &src, &err) != ETK_OK)
		return;
	size = etk_source_size(src);
	while (off < MAX_READ && etk_source_read(src, off, buf, CHUNK, &got,
	    &err) == ETK_OK && got > 0)
		off += got;
	/* Backwards: the last bytes read, then the start, then the middle. */
	if (off > CHUNK)
		(void)etk_source_read(src, off - CHUNK, buf, CHUNK, &got, &err);
	(void)etk_source_read(src, 0, buf, CHUNK, &got, &err);
	if (size > 2 && size / 2 < MAX_READ)
		(void)etk_source_read(src, size / 2, buf, CHUNK, &got, &err);
	(void)etk_source_read(src, size, buf, 1, &got, &err);
	etk_source_close(src);
}

/* Only containers: other inputs would go to TSK (fuzz_evidence's job). */
static int
is_container(const uint8_t *d, size_t n)
{
	return (n >= 15 && memcmp(d, "ANDROID BACKUP\n", 15) == 0) ||
	    (n >= 4 && (memcmp(d, "PK\3\4", 4) == 0 ||
	    memcmp(d, "PK\5\6", 4) == 0)) ||
	    (n >= 2 && d[0] == 0x1f && d[1] == 0x8b) ||
	    (n >= 262 && memcmp(d + 257, "ustar", 5) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	struct etk_evidence *ev;
	struct etk_summary *sum = NULL;
	unsigned char *buf;
	struct fz f;
	size_t i, n = 0;
	static int once;

	if (!once) {
		/* libarchive reads ZIP DOS times with mktime(), which stats
		 * /etc/localtime on every call unless TZ is set. */
		setenv("TZ", "UTC", 0);
		once = 1;
	}
	if (!is_container(data, size) ||
	    etk_source_open_mem(&src, data, size, "fuzz.bin", &err) != ETK_OK)
		return 0;
	if (etk_evidence_open_source(&ev, src, NULL, &err) != ETK_OK) {
		etk_source_close(src);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	(void)etk_summary_new(&sum, &err);
	(void)etk_evidence_walk(ev, NULL, ETK_WALK_DEFAULT, entry_cb, &f, sum,
	    &err);
	(void)etk_evidence_walk(ev, "/", ETK_WALK_ALLOC, count_cb, &n, NULL,
	    &err);
	if ((buf = malloc(CHUNK)) != NULL) {
		for (i = 0; i < f.nloc; i++)
			read_member(ev, f.loc[i], buf);
		free(buf);
	}
	for (i = 0; i < f.nloc; i++)
		free(f.loc[i]);
	etk_summary_free(sum);
	etk_evidence_close(ev);
	etk_source_close(src);
	return 0;
}

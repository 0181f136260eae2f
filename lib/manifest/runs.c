/*
 * Byte runs of listed files, from the evidence itself.  The database
 * keeps locators, not runs, so the DFXML and CASE emitters open each
 * evidence item (read-only, once) and ask for the runs of each locator.
 * An item whose path no longer exists, or whose size is not the one
 * recorded, is not opened: its runs are reported unknown rather than
 * taken from something that may not be the evidence.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "manifest/manifest_int.h"
#include "manifest/runs.h"

void
mf_runs_init(struct mf_evcache *ec, const struct mf_case *c)
{
	memset(ec, 0, sizeof(*ec));
	ec->c = c;
}

void
mf_runs_release(struct mf_evcache *ec)
{
	size_t i;

	for (i = 0; i < ec->n; i++)
		etk_evidence_close(ec->h[i]);
	free(ec->h);
	free(ec->state);
	memset(ec, 0, sizeof(*ec));
}

/* The open evidence for row index i, or NULL when it cannot be used. */
static struct etk_evidence *
get(struct mf_evcache *ec, size_t i)
{
	const struct mf_evidence *ev = &ec->c->ev[i];
	struct etk_error err = { 0 };
	struct stat st;

	if (ec->h == NULL) {
		ec->n = ec->c->nev;
		if ((ec->h = calloc(ec->n + 1, sizeof(*ec->h))) == NULL ||
		    (ec->state = calloc(ec->n + 1, sizeof(*ec->state))) ==
		    NULL) {
			free(ec->h);
			ec->h = NULL;
			ec->n = 0;
			return NULL;
		}
	}
	if (i >= ec->n)
		return NULL;
	if (ec->state[i] == 0) {
		ec->state[i] = -1;
		/* regular files of the recorded size, block devices and
		 * folders only: a path now naming a FIFO or a character
		 * device is not the evidence (and reading it could block) */
		if (stat(ev->path, &st) == 0 && (S_ISBLK(st.st_mode) ||
		    S_ISDIR(st.st_mode) ||
		    (S_ISREG(st.st_mode) && (!ev->has_size ||
		    (uint64_t)st.st_size == ev->size))) &&
		    etk_evidence_open(&ec->h[i], ev->path, &err) == ETK_OK)
			ec->state[i] = 1;
		else
			ec->h[i] = NULL;
	}
	return ec->state[i] == 1 ? ec->h[i] : NULL;
}

int
mf_runs_available(struct mf_evcache *ec, int64_t evidence_id)
{
	size_t i;

	for (i = 0; i < ec->c->nev; i++)
		if (ec->c->ev[i].id == evidence_id)
			return get(ec, i) != NULL;
	return 0;
}

/* Opened by inode where the listing says that is the same file (see
 * etk_entry_open_locator): by path, TSK re-reads every directory on the
 * way for each file, quadratic in a folder's size. */
static const char *
open_locator(const struct mf_file *f, char *buf, size_t len)
{
	struct etk_entry e;
	const char *p;

	memset(&e, 0, sizeof(e));
	e.locator = f->locator;
	e.has_inode = f->has_inode;
	e.inode = f->inode;
	e.allocated = f->allocated;
	e.deleted = f->deleted;
	e.fs_type = f->fs_type;
	/* a second ":/" names a file inside a container file */
	if ((p = strstr(f->locator, ":/")) != NULL && strstr(p + 2, ":/") !=
	    NULL)
		return f->locator;
	return etk_entry_open_locator(&e, buf, len);
}

int
mf_file_runs(struct mf_evcache *ec, const struct mf_file *f,
    struct mf_run **runs, size_t *n)
{
	struct etk_error err = { 0 };
	struct etk_byte_run *br = NULL;
	struct etk_evidence *h = NULL;
	size_t i, nb = 0;
	char ibuf[1024];

	*runs = NULL;
	*n = 0;
	for (i = 0; i < ec->c->nev; i++)
		if (ec->c->ev[i].id == f->evidence_id) {
			h = get(ec, i);
			break;
		}
	if (h == NULL)
		return -1;
	if (etk_evidence_byte_runs(h, open_locator(f, ibuf, sizeof(ibuf)),
	    &br, &nb, &err) != ETK_OK ||
	    nb == 0) {
		free(br);
		return 0;
	}
	if ((*runs = calloc(nb, sizeof(**runs))) == NULL) {
		free(br);
		return 0;
	}
	for (i = 0; i < nb; i++) {
		(*runs)[i].off = br[i].img_offset;
		(*runs)[i].len = br[i].len;
	}
	*n = nb;
	free(br);
	return 1;
}

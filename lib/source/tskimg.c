/*
 * VMDK and VHD sources through The Sleuth Kit's image layer (libvmdk and
 * libvhdi inside libtsk).  The only file in lib/source that includes TSK
 * headers.  TSK keeps its error state per thread: read it right after
 * the failing call and reset it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tsk/libtsk.h>

#include <etk/core.h>

#include "source_int.h"

#define DESC_MAX	65536	/* VMDK text descriptor read for extents */

struct tskimg {
	TSK_IMG_INFO *img;
};

int
etk_src_vmdk_detect(const struct etk_src_probe *pr)
{
	static const char desc[] = "# Disk DescriptorFile";

	if (pr->headlen >= 4 && (memcmp(pr->head, "KDMV", 4) == 0 ||
	    memcmp(pr->head, "COWD", 4) == 0))
		return 1;
	return pr->headlen >= sizeof(desc) - 1 &&
	    memcmp(pr->head, desc, sizeof(desc) - 1) == 0;
}

int
etk_src_vhd_detect(const struct etk_src_probe *pr)
{
	/* Footer in the last 512 bytes (511 in some old images); dynamic
	 * and differencing disks also have a copy at offset 0. */
	if (pr->taillen == 512 && (memcmp(pr->tail, "conectix", 8) == 0 ||
	    memcmp(pr->tail + 1, "conectix", 8) == 0))
		return 1;
	return pr->headlen >= 512 && memcmp(pr->head, "conectix", 8) == 0;
}

static const char *
tsk_msg(void)
{
	const char *m = tsk_error_get();

	return m != NULL && *m != '\0' ? m : "unknown TSK error";
}

/* The extent files a VMDK text descriptor names, after the descriptor:
 *   RW 4192256 SPARSE "disk-s001.vmdk"
 *   RW 2048 FLAT "disk-flat.vmdk" 0
 * Relative names are relative to the descriptor's directory. */
static int
vmdk_extents(struct etk_source *src, int fd, struct etk_error *err)
{
	char *text, *line, *next, *q1, *q2, *path;
	size_t n, dlen;
	const char *slash;
	int rc = ETK_OK;

	if ((text = malloc(DESC_MAX + 1)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	if (etk_src_pread_full(fd, text, DESC_MAX, 0, &n) == -1) {
		rc = etk_fail(err, ETK_EIO, errno,
		    "vmdk: cannot read the descriptor");
		goto out;
	}
	text[n] = '\0';
	slash = strrchr(src->path, '/');
	dlen = slash != NULL ? (size_t)(slash - src->path) + 1 : 0;
	for (line = text; line != NULL && rc == ETK_OK; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line += strspn(line, " \t");
		if (strncmp(line, "RW ", 3) != 0 &&
		    strncmp(line, "RDONLY ", 7) != 0 &&
		    strncmp(line, "NOACCESS ", 9) != 0)
			continue;
		if ((q1 = strchr(line, '"')) == NULL ||
		    (q2 = strchr(q1 + 1, '"')) == NULL || q2 == q1 + 1)
			continue;
		*q2 = '\0';
		q1++;
		if (q1[0] == '/')
			dlen = 0;
		if ((path = malloc(dlen + strlen(q1) + 1)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
			break;
		}
		memcpy(path, src->path, dlen);
		strcpy(path + dlen, q1);
		rc = etk_src_add_file(src, path, err);
		free(path);
		dlen = slash != NULL ? (size_t)(slash - src->path) + 1 : 0;
	}
out:
	free(text);
	return rc;
}

static int
tskimg_open(struct etk_source *src, int fd, const struct etk_src_probe *pr,
    TSK_IMG_TYPE_ENUM type, const char *layer, struct etk_error *err)
{
	static const char desc[] = "# Disk DescriptorFile";
	struct tskimg *t;
	TSK_IMG_INFO *img;
	int rc;

	if ((tsk_img_type_supported() & type) == 0) {
		close(fd);
		return etk_fail(err, ETK_EUNSUPP, 0,
		    "%s: this libtsk was built without %s support", layer,
		    layer);
	}
	if ((rc = etk_src_add_file(src, src->path, err)) != ETK_OK) {
		close(fd);
		return rc;
	}
	if (type == TSK_IMG_TYPE_VMDK_VMDK &&
	    pr->headlen >= sizeof(desc) - 1 &&
	    memcmp(pr->head, desc, sizeof(desc) - 1) == 0 &&
	    (rc = vmdk_extents(src, fd, err)) != ETK_OK) {
		close(fd);
		return rc;
	}
	close(fd);	/* TSK opens the files itself */
	tsk_error_reset();
	if ((img = tsk_img_open_utf8_sing(src->path, type, 0)) == NULL) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: %s", layer,
		    tsk_msg());
		tsk_error_reset();
		return rc;
	}
	if (img->size <= 0) {
		tsk_img_close(img);
		return etk_fail(err, ETK_EFORMAT, 0,
		    "%s: media size is 0 (corrupt?)", layer);
	}
	if ((t = malloc(sizeof(*t))) == NULL) {
		tsk_img_close(img);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	t->img = img;
	src->size = (uint64_t)img->size;
	src->sector_size = img->sector_size >= 128 &&
	    img->sector_size <= 65536 ? img->sector_size : 512;
	src->priv = t;
	return ETK_OK;
}

static int
vmdk_open(struct etk_source *src, int fd, const struct etk_src_probe *pr,
    struct etk_error *err)
{
	return tskimg_open(src, fd, pr, TSK_IMG_TYPE_VMDK_VMDK, "vmdk", err);
}

static int
vhd_open(struct etk_source *src, int fd, const struct etk_src_probe *pr,
    struct etk_error *err)
{
	return tskimg_open(src, fd, pr, TSK_IMG_TYPE_VHD_VHD, "vhd", err);
}

static int
tskimg_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	struct tskimg *t = src->priv;
	char *p = buf;
	size_t done = 0, want;
	ssize_t n;
	int rc;

	while (done < len) {
		want = len - done;
		if (want > ((size_t)4 << 20))
			want = (size_t)4 << 20;
		tsk_error_reset();
		n = tsk_img_read(t->img, (TSK_OFF_T)(off + done), p + done,
		    want);
		if (n < 0) {
			*nread = done;
			rc = etk_fail(err, ETK_EIO, 0,
			    "%s: read at offset %" PRIu64 ": %s", src->format,
			    off + done, tsk_msg());
			tsk_error_reset();
			return rc;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*nread = done;
	return ETK_OK;
}

static void
tskimg_close(struct etk_source *src)
{
	struct tskimg *t = src->priv;

	if (t == NULL)
		return;
	tsk_img_close(t->img);
	free(t);
	src->priv = NULL;
}

const struct etk_src_ops etk_src_vmdk = {
	"vmdk", vmdk_open, tskimg_read, tskimg_close, ETK_SRC_F_PATH
};

const struct etk_src_ops etk_src_vhd = {
	"vhd", vhd_open, tskimg_read, tskimg_close, ETK_SRC_F_PATH
};

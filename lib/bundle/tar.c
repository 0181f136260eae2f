/*
 * The bundle's file list, SHA256SUMS and its deterministic tar: POSIX
 * ustar entries written by libarchive's "pax_restricted" writer (an
 * extended header only where ustar cannot hold a field, which our names
 * and sizes never need), "./" first and every path after it in C byte
 * order, mtime = the bundle's created time, uid = gid = 0, no user or
 * group names, modes 0755 (directories, VERIFY.sh) and 0644.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "bundle_int.h"

static int
name_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

static int
walk(const char *root, const char *rel, struct bset *files,
    struct bset *dirs, int depth, struct etk_error *err)
{
	char *path, *sub;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = ETK_OK;

	if (depth > 32)
		return etk_fail(err, ETK_EFORMAT, 0, "bundle: too deep at "
		    "'%s'", rel);
	path = rel[0] ? bjoin(root, rel) : strdup(root);
	if (path == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	if ((d = opendir(path)) == NULL) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot read '%s'", path);
		free(path);
		return rc;
	}
	while (rc == ETK_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") ==
		    0)
			continue;
		if (!name_ok(de->d_name)) {
			rc = etk_fail(err, ETK_EFORMAT, 0, "bundle: name '%s/%s'"
			    " holds a byte outside [A-Za-z0-9._-]", rel,
			    de->d_name);
			break;
		}
		sub = rel[0] ? bjoin(rel, de->d_name) : strdup(de->d_name);
		if (sub == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
		    0)
			rc = etk_fail(err, ETK_EIO, errno, "cannot stat '%s'",
			    sub);
		else if (S_ISDIR(st.st_mode)) {
			if ((rc = bs_add(dirs, sub, strlen(sub))) == ETK_OK)
				rc = walk(root, sub, files, dirs, depth + 1,
				    err);
		} else if (S_ISREG(st.st_mode))
			rc = bs_add(files, sub, strlen(sub));
		else
			rc = etk_fail(err, ETK_EFORMAT, 0, "bundle: '%s' is "
			    "not a regular file", sub);
		if (rc == ETK_ENOMEM && err != NULL && err->code != rc)
			etk_fail(err, rc, 0, "out of memory");
		free(sub);
	}
	closedir(d);
	free(path);
	return rc;
}

int
btar_list(const char *root, struct bset *files, struct bset *dirs,
    struct etk_error *err)
{
	int rc = walk(root, "", files, dirs, 0, err);

	bs_sort(files);
	bs_sort(dirs);
	return rc;
}

int
btar_sums(struct bctx *c, struct etk_buf *sums)
{
	struct bset files, dirs;
	char hex[65], *p;
	uint64_t size;
	size_t i;
	int rc;

	memset(&files, 0, sizeof(files));
	memset(&dirs, 0, sizeof(dirs));
	if ((rc = btar_list(c->tmp, &files, &dirs, c->err)) != ETK_OK)
		goto out;
	for (i = 0; i < files.n; i++) {
		if (strcmp(files.v[i], "SHA256SUMS") == 0 ||
		    strncmp(files.v[i], "SHA256SUMS.", 11) == 0)
			continue;
		if ((p = bjoin(c->tmp, files.v[i])) == NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			break;
		}
		rc = etk_file_sha256(p, hex, &size, c->err);
		free(p);
		if (rc != ETK_OK)
			break;
		etk_buf_printf(sums, "%s  %s\n", hex, files.v[i]);
	}
	if (rc == ETK_OK && sums->oom)
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
out:
	bs_free(&files);
	bs_free(&dirs);
	return rc;
}

struct tent {
	char *name;	/* "./..." as in the tar */
	char *rel;	/* under OUT, "" for the root */
	int dir;
};

static int
tent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tent *)a)->name,
	    ((const struct tent *)b)->name);
}

int
btar_write(struct bctx *c, const char *tar_path, char sha[65])
{
	struct bset files, dirs;
	struct tent *t = NULL;
	struct archive *a = NULL;
	struct archive_entry *e = NULL;
	char buf[65536], *p;
	size_t i, n = 0;
	struct stat st;
	ssize_t got;
	uint64_t size;
	int rc, fd;

	memset(&files, 0, sizeof(files));
	memset(&dirs, 0, sizeof(dirs));
	if ((rc = btar_list(c->tmp, &files, &dirs, c->err)) != ETK_OK)
		goto out;
	if ((t = calloc(files.n + dirs.n + 1, sizeof(*t))) == NULL) {
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
		goto out;
	}
	t[n].name = strdup("./");
	t[n].rel = strdup("");
	t[n++].dir = 1;
	for (i = 0; i < dirs.n; i++, n++) {
		if (asprintf(&t[n].name, "./%s/", dirs.v[i]) < 0)
			t[n].name = NULL;
		t[n].rel = strdup(dirs.v[i]);
		t[n].dir = 1;
	}
	for (i = 0; i < files.n; i++, n++) {
		if (asprintf(&t[n].name, "./%s", files.v[i]) < 0)
			t[n].name = NULL;
		t[n].rel = strdup(files.v[i]);
	}
	for (i = 0; i < n; i++)
		if (t[i].name == NULL || t[i].rel == NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			goto out;
		}
	qsort(t, n, sizeof(*t), tent_cmp);
	if ((a = archive_write_new()) == NULL ||
	    (e = archive_entry_new()) == NULL) {
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_filename(a, tar_path) != ARCHIVE_OK) {
		rc = etk_fail(c->err, ETK_EIO, archive_errno(a), "%s: %s",
		    tar_path, archive_error_string(a));
		goto out;
	}
	for (i = 0; i < n; i++) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, t[i].name);
		archive_entry_set_mtime(e, c->created_sec, 0);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		fd = -1;
		size = 0;
		if (t[i].dir) {
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			archive_entry_set_size(e, 0);
		} else {
			if ((p = bjoin(c->tmp, t[i].rel)) == NULL) {
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
				goto out;
			}
			fd = open(p, O_RDONLY | O_CLOEXEC);
			free(p);
			if (fd < 0 || fstat(fd, &st) != 0) {
				rc = etk_fail(c->err, ETK_EIO, errno, "cannot "
				    "read '%s'", t[i].rel);
				if (fd >= 0)
					close(fd);
				goto out;
			}
			size = (uint64_t)st.st_size;
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, strcmp(t[i].rel,
			    "VERIFY.sh") == 0 ? 0755 : 0644);
			archive_entry_set_size(e, (la_int64_t)size);
		}
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			rc = etk_fail(c->err, ETK_EIO, 0, "%s: %s: %s",
			    tar_path, t[i].name, archive_error_string(a));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		while (fd >= 0 && size > 0) {
			got = read(fd, buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0 || archive_write_data(a, buf,
			    (size_t)got) != got) {
				rc = etk_fail(c->err, ETK_EIO, errno, "%s: %s: "
				    "cannot copy", tar_path, t[i].name);
				close(fd);
				goto out;
			}
			size -= (uint64_t)got < size ? (uint64_t)got : size;
		}
		if (fd >= 0)
			close(fd);
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		rc = etk_fail(c->err, ETK_EIO, 0, "%s: %s", tar_path,
		    archive_error_string(a));
		goto out;
	}
	rc = etk_file_sha256(tar_path, sha, &size, c->err);
out:
	if (a != NULL)
		archive_write_free(a);
	if (e != NULL)
		archive_entry_free(e);
	for (i = 0; t != NULL && i < files.n + dirs.n + 1; i++) {
		free(t[i].name);
		free(t[i].rel);
	}
	free(t);
	bs_free(&files);
	bs_free(&dirs);
	return rc;
}

/*
 * Reading a bundle's tar for verification (CUSTODY.md §6c steps 1-2):
 * the listing is checked in full before a single byte is written, and
 * extraction then writes regular files and directories only, below a
 * private directory, never following a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "verify_int.h"

#define TAR_BLOCK 10240
#define MAX_MEMBERS 1000000	/* a bundle with more is not one of ours */

const char *
etk_bv_name_problem(const char *name)
{
	const char *c, *comp;
	size_t len;

	if (name == NULL || name[0] == '\0')
		return "empty name";
	if (name[0] == '/')
		return "absolute path";
	for (c = name; *c != '\0'; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
		    *c == '-' || *c == '/'))
			return "byte outside [A-Za-z0-9._-/]";
	for (comp = name;; comp = c + 1) {
		c = strchr(comp, '/');
		len = c != NULL ? (size_t)(c - comp) : strlen(comp);
		if (len == 2 && comp[0] == '.' && comp[1] == '.')
			return "\"..\" component";
		if (len == 0)
			return "empty component (\"//\" or trailing \"/\")";
		if (len == 1 && comp[0] == '.')
			return "\".\" component";
		if (c == NULL)
			break;
	}
	return NULL;
}

/* The member name as the bundle sees it: "./" and trailing '/' gone.
 * Returns a malloc'd string ("" for the top directory) or NULL. */
static char *
member_name(const char *raw)
{
	char *s;
	size_t n;

	if (strncmp(raw, "./", 2) == 0)
		raw += 2;
	else if (strcmp(raw, ".") == 0)
		raw += 1;
	if ((s = strdup(raw)) == NULL)
		return NULL;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct archive *
open_tar(const char *tar, struct etk_error *err)
{
	struct archive *a;

	if ((a = archive_read_new()) == NULL) {
		etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", tar);
		return NULL;
	}
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, tar, TAR_BLOCK) != ARCHIVE_OK) {
		etk_fail(err, ETK_EFORMAT, archive_errno(a), "%s: not a tar: "
		    "%s", tar, archive_error_string(a) ?
		    archive_error_string(a) : "unreadable");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int
etk_bv_tar_check(const char *tar, etk_bv_bad_fn bad, void *arg,
    size_t *nmembers, size_t *nbad, struct etk_error *err)
{
	struct archive_entry *ae;
	struct archive *a;
	const char *raw, *why;
	char **names = NULL, **p, *name, shown[512];
	size_t n = 0, cap = 0, i;
	mode_t type;
	int r, rc = ETK_OK;

	*nmembers = *nbad = 0;
	if ((a = open_tar(tar, err)) == NULL)
		return err != NULL ? err->code : ETK_EFORMAT;
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN) {
		raw = archive_entry_pathname(ae);
		if (raw == NULL)
			raw = "";
		(*nmembers)++;
		if (*nmembers > MAX_MEMBERS) {
			rc = etk_fail(err, ETK_ETIMEOUT, 0, "%s: more than %d "
			    "members", tar, MAX_MEMBERS);
			goto out;
		}
		snprintf(shown, sizeof(shown), "%s", raw);
		for (i = 0; shown[i] != '\0'; i++)
			if ((unsigned char)shown[i] < 0x20 ||
			    (unsigned char)shown[i] >= 0x7f)
				shown[i] = '?';
		if ((name = member_name(raw)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", tar);
			goto out;
		}
		type = archive_entry_filetype(ae);
		why = NULL;
		if (archive_entry_hardlink(ae) != NULL)
			why = "hard link";
		else if (type == AE_IFLNK)
			why = "symbolic link";
		else if (type != AE_IFREG && type != AE_IFDIR)
			why = "neither a regular file nor a directory";
		else if (name[0] == '\0' && type != AE_IFDIR)
			why = "empty name";
		else if (name[0] != '\0')
			why = etk_bv_name_problem(name);
		if (why == NULL && raw[0] == '/')
			why = "absolute path";
		if (why != NULL) {
			(*nbad)++;
			if (bad != NULL)
				bad(arg, shown, why);
			free(name);
		} else {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				if ((p = realloc(names, cap * sizeof(*p))) ==
				    NULL) {
					free(name);
					rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
					    "%s", tar);
					goto out;
				}
				names = p;
			}
			names[n++] = name;
		}
		archive_read_data_skip(a);
	}
	if (r != ARCHIVE_EOF) {
		rc = etk_fail(err, ETK_EFORMAT, archive_errno(a), "%s: %s", tar,
		    archive_error_string(a) ? archive_error_string(a) :
		    "unreadable");
		goto out;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 1; i < n; i++)
		if (strcmp(names[i], names[i - 1]) == 0 &&
		    (i + 1 == n || strcmp(names[i], names[i + 1]) != 0)) {
			(*nbad)++;
			if (bad != NULL)
				bad(arg, names[i][0] ? names[i] : ".",
				    "member appears more than once");
		}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	archive_read_free(a);
	return rc;
}

/* mkdir -p of rel under dir; every existing component must be a real
 * directory (we made them all: nothing here follows a link). */
static int
make_dirs(const char *dir, const char *rel, struct etk_error *err)
{
	struct stat st;
	char *path, *c, save;
	size_t dlen = strlen(dir);
	int rc = ETK_OK;

	if ((path = malloc(dlen + strlen(rel) + 2)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", rel);
	sprintf(path, "%s/%s", dir, rel);
	for (c = path + dlen + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		save = *c;
		*c = '\0';
		if (mkdir(path, 0700) != 0 && (errno != EEXIST ||
		    lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
			rc = etk_fail(err, ETK_EIO, errno,
			    "cannot make directory '%s'", path);
			break;
		}
		*c = save;
		if (save == '\0')
			break;
	}
	free(path);
	return rc;
}

int
etk_bv_tar_extract(const char *tar, const char *dir, struct etk_error *err)
{
	struct archive_entry *ae;
	struct archive *a;
	const void *buf;
	size_t len;
	la_int64_t off;
	char *name = NULL, *path = NULL, *slash;
	int r, fd = -1, rc = ETK_OK;
	ssize_t w;

	if ((a = open_tar(tar, err)) == NULL)
		return err != NULL ? err->code : ETK_EFORMAT;
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN) {
		free(name);
		free(path);
		path = NULL;
		if ((name = member_name(archive_entry_pathname(ae) ?
		    archive_entry_pathname(ae) : "")) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", tar);
			goto out;
		}
		/* Checked before; checked again, so that nothing unsafe can
		 * be written whatever the caller did. */
		if (name[0] != '\0' && etk_bv_name_problem(name) != NULL) {
			rc = etk_fail(err, ETK_EFORMAT, 0, "%s: unsafe member "
			    "name", tar);
			goto out;
		}
		if (archive_entry_filetype(ae) == AE_IFDIR) {
			if (name[0] != '\0' &&
			    (rc = make_dirs(dir, name, err)) != ETK_OK)
				goto out;
			continue;
		}
		if (archive_entry_filetype(ae) != AE_IFREG ||
		    archive_entry_hardlink(ae) != NULL || name[0] == '\0') {
			rc = etk_fail(err, ETK_EFORMAT, 0, "%s: member '%s' is "
			    "not a regular file", tar, name);
			goto out;
		}
		if ((slash = strrchr(name, '/')) != NULL) {
			*slash = '\0';
			rc = make_dirs(dir, name, err);
			*slash = '/';
			if (rc != ETK_OK)
				goto out;
		}
		if ((path = malloc(strlen(dir) + strlen(name) + 2)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", tar);
			goto out;
		}
		sprintf(path, "%s/%s", dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot create '%s'",
			    path);
			goto out;
		}
		while ((r = archive_read_data_block(a, &buf, &len, &off)) ==
		    ARCHIVE_OK) {
			if (off < 0 || lseek(fd, (off_t)off, SEEK_SET) < 0) {
				rc = etk_fail(err, ETK_EIO, errno, "%s: seek",
				    path);
				goto out;
			}
			while (len > 0) {
				w = write(fd, buf, len);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					rc = etk_fail(err, ETK_EIO, errno,
					    "cannot write '%s'", path);
					goto out;
				}
				buf = (const char *)buf + w;
				len -= (size_t)w;
			}
		}
		if (r != ARCHIVE_EOF) {
			rc = etk_fail(err, ETK_EFORMAT, archive_errno(a),
			    "%s: %s: %s", tar, name, archive_error_string(a) ?
			    archive_error_string(a) : "unreadable");
			goto out;
		}
		/* Sparse members end in a hole: give the file its size. */
		if (ftruncate(fd, (off_t)archive_entry_size(ae)) != 0) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot write '%s'",
			    path);
			goto out;
		}
		close(fd);
		fd = -1;
	}
	if (r != ARCHIVE_EOF)
		rc = etk_fail(err, ETK_EFORMAT, archive_errno(a), "%s: %s", tar,
		    archive_error_string(a) ? archive_error_string(a) :
		    "unreadable");
out:
	if (fd != -1)
		close(fd);
	free(name);
	free(path);
	archive_read_free(a);
	return rc;
}

int
etk_bv_tar_has_manifest(const char *tar)
{
	struct archive_entry *ae;
	struct archive *a;
	const char *n;
	size_t count = 0;
	int r, found = 0;

	if ((a = open_tar(tar, NULL)) == NULL)
		return 0;
	while (!found && count++ < MAX_MEMBERS &&
	    ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN)) {
		n = archive_entry_pathname(ae);
		if (n != NULL && (strcmp(n, "./MANIFEST.json") == 0 ||
		    strcmp(n, "MANIFEST.json") == 0) &&
		    archive_entry_filetype(ae) == AE_IFREG)
			found = 1;
		archive_read_data_skip(a);
	}
	archive_read_free(a);
	return found;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
etk_bv_rmtree(const char *dir)
{
	/* Our own private directories may be mode 0700 with files 0600:
	 * nothing needs chmod. */
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

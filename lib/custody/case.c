/*
 * The case directory: creation (etk_case_init), opening, accessors.
 *
 * A case is made whole in DIR.tmp-XXXXXX beside DIR and renamed into
 * place at the end, so a half-made case never exists under DIR: either
 * the rename happened and everything is there, or DIR is as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "custody_int.h"

#define CASE_JSON_MAX (1024 * 1024)

char *
etk_cust_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p;

	if ((p = malloc(a + b + 2)) == NULL)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

int
etk_cust_read_file(const char *path, size_t max, char **data, size_t *len,
    struct etk_error *err)
{
	struct etk_buf b;
	char chunk[8192];
	ssize_t n;
	int fd;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", path);
	etk_buf_init(&b);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			etk_buf_release(&b);
			return etk_fail(err, ETK_EIO, e, "cannot read '%s'",
			    path);
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			close(fd);
			etk_buf_release(&b);
			return etk_fail(err, ETK_EFORMAT, 0,
			    "'%s': larger than %zu bytes", path, max);
		}
		etk_buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*len = b.len;
	if ((*data = etk_buf_detach(&b)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "'%s'", path);
	return ETK_OK;
}

/* dir without trailing slashes ("/" stays "/"). */
static char *
clean_dir(const char *dir)
{
	size_t n = strlen(dir);
	char *p;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, dir, n);
	p[n] = '\0';
	return p;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Remove a tree we made (no symlinks followed). */
static void
remove_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int
dir_is_empty(const char *path)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

static void
fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static void
fsync_parent(const char *path)
{
	char *copy = strdup(path), *slash;

	if (copy == NULL)
		return;
	slash = strrchr(copy, '/');
	if (slash == NULL)
		fsync_path(".");
	else {
		if (slash == copy)
			slash[1] = '\0';
		else
			*slash = '\0';
		fsync_path(copy);
	}
	free(copy);
}

/* Write a new file with an exact mode (the private key: 0600). */
static int
write_new_file(const char *path, const void *data, size_t len, mode_t mode,
    struct etk_error *err)
{
	const char *p = data;
	size_t off = 0;
	ssize_t n;
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1)
		return etk_fail(err, ETK_EIO, errno, "cannot create '%s'",
		    path);
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return ETK_OK;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	return etk_fail(err, ETK_EIO, e, "cannot write '%s'", path);
}

/* The host clock, for the genesis entry: is it NTP-synchronised
 * (adjtimex(2): no STA_UNSYNC) and the local UTC offset. */
static void
clock_json(struct etk_json *j)
{
	struct timex tx;
	struct tm tm;
	const char *hostoff;
	time_t now;
	int st;

	etk_json_key(j, "clock");
	etk_json_obj_begin(j);
	etk_json_kstr(j, "source", "system");
	memset(&tx, 0, sizeof(tx));
	st = adjtimex(&tx);
	etk_json_key(j, "synced");
	if (st == -1)
		etk_json_null(j);
	else
		etk_json_bool(j, st != TIME_ERROR &&
		    (tx.status & STA_UNSYNC) == 0);
	now = time(NULL);
	/* The commands run in UTC (cmdutil) and pass the host's own offset
	 * on in ETK_HOST_TZ_OFFSET_MIN. */
	if ((hostoff = getenv("ETK_HOST_TZ_OFFSET_MIN")) != NULL &&
	    *hostoff != '\0')
		etk_json_kint(j, "tz_offset_min", strtol(hostoff, NULL, 10));
	else if (localtime_r(&now, &tm) != NULL)
		etk_json_kint(j, "tz_offset_min", (int64_t)(tm.tm_gmtoff / 60));
	else {
		etk_json_key(j, "tz_offset_min");
		etk_json_null(j);
	}
	etk_json_obj_end(j);
}

static void
tool_json(struct etk_json *j, const struct etk_case_init_opts *o)
{
	const char *const *names, *const *vers;
	const char *name = "etk", *slash;
	size_t n, i;
	int k;

	if (o->argv != NULL && o->argc > 0 && o->argv[0] != NULL) {
		slash = strrchr(o->argv[0], '/');
		name = slash != NULL ? slash + 1 : o->argv[0];
	}
	etk_json_key(j, "tool");
	etk_json_obj_begin(j);
	etk_json_kstr(j, "name", name);
	etk_json_kstr(j, "version", etk_version());
	etk_json_key(j, "libs");
	etk_json_obj_begin(j);
	n = etk_lib_version_list(&names, &vers);
	for (i = 0; i < n; i++)
		etk_json_kstr(j, names[i], vers[i]);
	etk_json_obj_end(j);
	etk_json_key(j, "argv");
	etk_json_arr_begin(j);
	for (k = 0; o->argv != NULL && k < o->argc; k++)
		etk_json_str(j, o->argv[k]);
	etk_json_arr_end(j);
	etk_json_obj_end(j);
}

/* Build everything inside tmp (a fresh, empty directory). */
static int
populate(const char *tmp, const struct etk_case_init_opts *o,
    struct etk_error *err)
{
	static const char *const subdirs[] = { "seals", "exhibits",
	    "reports" };
	char keyid[ETK_KEYID_MAX], pubsha[65], ts[ETK_TIME_MAX];
	const char *role = o->role != NULL && o->role[0] != '\0' ? o->role :
	    "examiner";
	const char *ktype;
	struct etk_buf pem, body, cj;
	struct etk_jhead head;
	struct etk_json j;
	EVP_PKEY *pk = NULL;
	char *path = NULL;
	size_t i;
	int rc;

	etk_buf_init(&pem);
	etk_buf_init(&body);
	etk_buf_init(&cj);
#define PATH(name) do { free(path); \
	if ((path = etk_cust_join(tmp, (name))) == NULL) { \
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "case"); goto out; } \
	} while (0)

	PATH("keys");
	if (mkdir(path, 0700) != 0 || chmod(path, 0700) != 0) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot create '%s'", path);
		goto out;
	}
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		PATH(subdirs[i]);
		if (mkdir(path, 0750) != 0) {
			rc = etk_fail(err, ETK_EIO, errno,
			    "cannot create '%s'", path);
			goto out;
		}
	}

	/* The examiner's key: made here, or an existing one copied in. */
	if (o->key_file != NULL) {
		if ((rc = etk_cust_key_read_private(o->key_file, &pk, err)) !=
		    ETK_OK)
			goto out;
		if ((ktype = etk_cust_key_type(pk)) == NULL) {
			rc = etk_fail(err, ETK_EUNSUPP, 0, "'%s': key type %s "
			    "not supported (ed25519 or p256)", o->key_file,
			    EVP_PKEY_get0_type_name(pk) ?
			    EVP_PKEY_get0_type_name(pk) : "unknown");
			goto out;
		}
		if (o->key_type != NULL && strcmp(o->key_type, ktype) != 0) {
			rc = etk_fail(err, ETK_EINVAL, 0, "'%s' holds a key "
			    "of type %s, not %s", o->key_file, ktype,
			    o->key_type);
			goto out;
		}
	} else {
		if ((rc = etk_cust_keygen(o->key_type, &pk, err)) != ETK_OK)
			goto out;
		ktype = etk_cust_key_type(pk);
	}
	if ((rc = etk_cust_key_id(pk, keyid, err)) != ETK_OK ||
	    (rc = etk_cust_key_pem(pk, 1, &pem, err)) != ETK_OK)
		goto out;
	PATH("keys/examiner.key");
	rc = write_new_file(path, pem.data, pem.len, 0600, err);
	OPENSSL_cleanse(pem.data, pem.len);
	if (rc != ETK_OK)
		goto out;
	etk_buf_reset(&pem);
	if ((rc = etk_cust_key_pem(pk, 0, &pem, err)) != ETK_OK)
		goto out;
	PATH("keys/examiner.pub.pem");
	if ((rc = etk_write_file_atomic(path, pem.data, pem.len, 0, pubsha,
	    err)) != ETK_OK)
		goto out;

	PATH("etk.db");
	if ((rc = etk_cust_db_create(path, err)) != ETK_OK)
		goto out;

	/* Genesis: who holds which key, the tool, the clock. */
	etk_json_init(&j, &body);
	etk_json_obj_begin(&j);
	etk_json_key(&j, "case");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "id", o->case_id);
	etk_json_kstr(&j, "examiner", o->examiner);
	etk_json_kstr(&j, "agency", o->agency);
	etk_json_kstr(&j, "role", role);
	etk_json_obj_end(&j);
	etk_json_key(&j, "keys");
	etk_json_arr_begin(&j);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "id", keyid);
	etk_json_kstr(&j, "type", ktype);
	etk_json_kstr(&j, "name", o->examiner);
	etk_json_kstr(&j, "role", role);
	etk_json_kstr(&j, "org", o->agency);
	etk_json_kstr(&j, "pub_pem_sha256", pubsha);
	etk_json_kstr(&j, "file", "keys/examiner.pub.pem");
	etk_json_obj_end(&j);
	etk_json_arr_end(&j);
	tool_json(&j, o);
	clock_json(&j);
	etk_json_obj_end(&j);
	if (body.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
		goto out;
	}
	PATH("journal.jsonl");
	if ((rc = etk_cust_journal_create(path, keyid, body.data + 1,
	    body.len - 2, &head, ts, err)) != ETK_OK)
		goto out;

	etk_json_init(&j, &cj);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "format", ETK_CASE_FORMAT);
	etk_json_kstr(&j, "case_id", o->case_id);
	etk_json_kstr(&j, "examiner", o->examiner);
	etk_json_kstr(&j, "agency", o->agency);
	etk_json_kstr(&j, "role", role);
	etk_json_kstr(&j, "key_id", keyid);
	etk_json_kstr(&j, "key_type", ktype);
	etk_json_kstr(&j, "created", ts);
	etk_json_kstr(&j, "journal", "journal.jsonl");
	etk_json_kstr(&j, "db", "etk.db");
	etk_json_obj_end(&j);
	etk_buf_addc(&cj, '\n');
	if (cj.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
		goto out;
	}
	PATH("case.json");
	if ((rc = etk_write_file_atomic(path, cj.data, cj.len, 0, NULL,
	    err)) != ETK_OK)
		goto out;
	/* The genesis entry in the database's actions table. */
	{
		struct etk_case tmpcase;

		memset(&tmpcase, 0, sizeof(tmpcase));
		PATH("etk.db");
		if (etk_cust_db_open(&tmpcase, path, err) == ETK_OK)
			etk_cust_db_action(&tmpcase, 1, "genesis", ts,
			    body.data + 1, body.len - 2);
		etk_cust_db_close(&tmpcase);
		etk_error_clear(err);
	}
	rc = ETK_OK;
#undef PATH
out:
	EVP_PKEY_free(pk);
	free(path);
	etk_buf_release(&pem);
	etk_buf_release(&body);
	etk_buf_release(&cj);
	return rc;
}

int
etk_case_init(const char *dir, const struct etk_case_init_opts *o,
    struct etk_error *err)
{
	char *clean = NULL, *tmp = NULL;
	struct stat st;
	int rc, existed = 0, empty;

	if (dir == NULL || dir[0] == '\0' || o == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "no case directory");
	if (o->case_id == NULL || o->case_id[0] == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "no case id");
	if (o->examiner == NULL || o->examiner[0] == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "no examiner name");
	if (o->key_type != NULL && strcmp(o->key_type, "ed25519") != 0 &&
	    strcmp(o->key_type, "p256") != 0)
		return etk_fail(err, ETK_EINVAL, 0,
		    "bad key type '%s': expected ed25519 or p256", o->key_type);
	if ((clean = clean_dir(dir)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
	if (lstat(clean, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			rc = etk_fail(err, ETK_EEXIST, 0,
			    "'%s' exists and is not a directory", clean);
			goto out;
		}
		if ((empty = dir_is_empty(clean)) != 1) {
			rc = empty == 0 ? etk_fail(err, ETK_EEXIST, 0,
			    "'%s' exists and is not empty", clean) :
			    etk_fail(err, ETK_EIO, errno,
			    "cannot read '%s'", clean);
			goto out;
		}
		existed = 1;
	} else if (errno != ENOENT) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot stat '%s'", clean);
		goto out;
	}
	if ((tmp = malloc(strlen(clean) + 16)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
		goto out;
	}
	snprintf(tmp, strlen(clean) + 16, "%s.tmp-XXXXXX", clean);
	if (mkdtemp(tmp) == NULL) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot create '%s'", tmp);
		goto out;
	}
	if ((rc = populate(tmp, o, err)) != ETK_OK)
		goto fail;
	fsync_path(tmp);
	if (chmod(tmp, 0750) != 0 || rename(tmp, clean) != 0) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			rc = etk_fail(err, ETK_EEXIST, 0,
			    "'%s' %s meanwhile", clean, existed ?
			    "was filled" : "was created");
		else
			rc = etk_fail(err, ETK_EIO, errno,
			    "cannot rename '%s' to '%s'", tmp, clean);
		goto fail;
	}
	fsync_parent(clean);
	rc = ETK_OK;
	goto out;
fail:
	remove_tree(tmp);
out:
	free(tmp);
	free(clean);
	return rc;
}

int
etk_case_is_dir(const char *dir)
{
	struct stat st;
	char *p;
	int ok = 1;

	if (dir == NULL)
		return 0;
	if ((p = etk_cust_join(dir, "case.json")) == NULL)
		return 0;
	if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
		ok = 0;
	free(p);
	if (ok && (p = etk_cust_join(dir, "journal.jsonl")) != NULL) {
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
			ok = 0;
		free(p);
	} else
		ok = 0;
	return ok;
}

static char *
dup_member(const struct etk_jval *doc, const char *key)
{
	const char *s = etk_jval_str(doc, key);

	return s != NULL ? strdup(s) : NULL;
}

/* case.json: our format, the case id and the key. */
static int
read_case_json(struct etk_case *kase, struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_jval *doc = NULL;
	const char *fmt, *kid;
	char *path, *text = NULL;
	size_t len;
	int rc;

	if ((path = etk_cust_join(kase->dir, "case.json")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
	rc = etk_cust_read_file(path, CASE_JSON_MAX, &text, &len, err);
	free(path);
	if (rc != ETK_OK) {
		if (rc == ETK_ENOTFOUND)
			etk_fail(err, rc, 0, "not a case directory "
			    "(no case.json)");
		return rc;
	}
	if (etk_json_parse(text, len, &doc, &perr) != ETK_OK) {
		free(text);
		return etk_fail(err, ETK_EFORMAT, 0, "case.json: %s",
		    perr.msg);
	}
	free(text);
	if (doc->type != ETK_JOBJ || (fmt = etk_jval_str(doc, "format")) ==
	    NULL) {
		etk_jval_free(doc);
		return etk_fail(err, ETK_EFORMAT, 0,
		    "case.json: not an etk case file");
	}
	if (strcmp(fmt, ETK_CASE_FORMAT) != 0) {
		etk_jval_free(doc);
		return etk_fail(err, ETK_EUNSUPP, 0,
		    "case.json: format '%s' not supported (expected %s)", fmt,
		    ETK_CASE_FORMAT);
	}
	kid = etk_jval_str(doc, "key_id");
	if (kid == NULL || strncmp(kid, "sha256:", 7) != 0 ||
	    strlen(kid) != 71) {
		etk_jval_free(doc);
		return etk_fail(err, ETK_EFORMAT, 0, "case.json: bad key_id");
	}
	memcpy(kase->actor, kid, 72);
	kase->case_id = dup_member(doc, "case_id");
	kase->examiner = dup_member(doc, "examiner");
	kase->key_type = dup_member(doc, "key_type");
	etk_jval_free(doc);
	if (kase->case_id == NULL)
		return etk_fail(err, ETK_EFORMAT, 0, "case.json: no case_id");
	if (kase->key_type == NULL && (kase->key_type = strdup("")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
	return ETK_OK;
}

/* Verify the whole chain, remember its head, and check that line 1 is
 * the genesis entry made with the key case.json names. */
static int
check_journal(struct etk_case *kase, struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_lreader *r = NULL;
	struct etk_jval *doc = NULL;
	struct etk_buf line;
	const char *type, *actor;
	int fd, rc;

	if ((fd = open(kase->journal, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", kase->journal);
	memset(&kase->head, 0, sizeof(kase->head));
	memcpy(kase->head.hash, ETK_ZERO_HASH, 65);
	etk_buf_init(&line);
	if ((rc = etk_cust_journal_scan(fd, &kase->head, "journal.jsonl", NULL,
	    err)) != ETK_OK)
		goto out;
	if ((r = malloc(sizeof(*r))) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "journal");
		goto out;
	}
	etk_lreader_init(r, fd, 0);
	if ((rc = etk_lreader_next(r, &line, NULL, "journal.jsonl", err)) !=
	    1) {
		if (rc == 0)
			rc = etk_fail(err, ETK_EMISMATCH, 0,
			    "journal.jsonl: line 1: missing");
		goto out;
	}
	if (etk_cust_line_parse(line.data, line.len - 1, &doc, &perr) !=
	    ETK_OK) {
		rc = etk_fail(err, ETK_EMISMATCH, 0,
		    "journal.jsonl: line 1: changed while reading");
		goto out;
	}
	type = etk_jval_str(doc, "type");
	actor = etk_jval_str(doc, "actor");
	if (type == NULL || strcmp(type, "genesis") != 0) {
		rc = etk_fail(err, ETK_EMISMATCH, 0,
		    "journal.jsonl: line 1: not a genesis entry");
		goto out;
	}
	if (actor == NULL || strcmp(actor, kase->actor) != 0) {
		rc = etk_fail(err, ETK_EMISMATCH, 0, "case.json: key_id does "
		    "not match the actor of the genesis entry");
		goto out;
	}
	rc = ETK_OK;
out:
	etk_jval_free(doc);
	etk_buf_release(&line);
	free(r);
	close(fd);
	return rc;
}

int
etk_case_open(struct etk_case **kp, const char *dir, struct etk_error *err)
{
	struct etk_case *kase;
	char *dbpath;
	int rc;

	if (kp == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "case: no handle");
	*kp = NULL;
	if (dir == NULL || dir[0] == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "no case directory");
	if ((kase = calloc(1, sizeof(*kase))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
	if ((kase->dir = clean_dir(dir)) == NULL ||
	    (kase->journal = etk_cust_join(kase->dir, "journal.jsonl")) ==
	    NULL) {
		etk_case_close(kase);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
	}
	if ((rc = read_case_json(kase, err)) != ETK_OK ||
	    (rc = check_journal(kase, err)) != ETK_OK) {
		etk_case_close(kase);
		return rc;
	}
	if ((dbpath = etk_cust_join(kase->dir, "etk.db")) == NULL) {
		etk_case_close(kase);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "case");
	}
	rc = etk_cust_db_open(kase, dbpath, err);
	free(dbpath);
	if (rc != ETK_OK) {
		etk_case_close(kase);
		return rc;
	}
	*kp = kase;
	return ETK_OK;
}

void
etk_case_close(struct etk_case *kase)
{
	if (kase == NULL)
		return;
	etk_cust_db_close(kase);
	EVP_PKEY_free(kase->key);
	free(kase->dir);
	free(kase->journal);
	free(kase->case_id);
	free(kase->examiner);
	free(kase->key_type);
	free(kase->shard_path);
	free(kase);
}

const char *
etk_case_dir(const struct etk_case *kase)
{
	return kase != NULL ? kase->dir : NULL;
}

const char *
etk_case_id(const struct etk_case *kase)
{
	return kase != NULL ? kase->case_id : NULL;
}

const char *
etk_case_actor(const struct etk_case *kase)
{
	return kase != NULL ? kase->actor : NULL;
}

const char *
etk_case_examiner(const struct etk_case *kase)
{
	return kase != NULL ? kase->examiner : NULL;
}

const char *
etk_case_key_type(const struct etk_case *kase)
{
	return kase != NULL ? kase->key_type : NULL;
}

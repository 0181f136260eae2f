/*
 * The custody journal (CUSTODY.md §6a, man/etk-journal.5).
 *
 * One JSON object per line, '\n'-terminated, ASCII only.  Fixed fields
 * first, in this order: v, seq, prev, type, ts, ts_start (optional),
 * actor; then the members of the caller's body, copied as they are.
 * prev is the SHA-256 of the previous line's bytes including its '\n'
 * (64 zeros for line 1) and seq is the line number, so the chain can be
 * checked with sed, sha256sum and a JSON reader.  Nothing here rewrites
 * the file: appends are O_APPEND writes of one whole line under
 * flock(LOCK_EX), after the last line is checked again under the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody_int.h"

static const char *const reserved[] = {
	"v", "seq", "prev", "type", "ts", "ts_start", "actor"
};

static const char *
base_name(const char *path)
{
	const char *p = strrchr(path, '/');

	return p != NULL && p[1] != '\0' ? p + 1 : path;
}

static int
sha256_hex(const void *p, size_t n, char hex[65], struct etk_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return etk_fail(err, ETK_EIO, 0, "sha256 failed");
	etk_hex(md, mdlen, hex);
	return ETK_OK;
}

void
etk_lreader_init(struct etk_lreader *r, int fd, uint64_t off)
{
	r->fd = fd;
	r->off = off;
	r->pos = r->len = 0;
	r->eof = 0;
}

int
etk_lreader_next(struct etk_lreader *r, struct etk_buf *line,
    uint64_t *lineoff, const char *name, struct etk_error *err)
{
	const char *nl;
	size_t take;
	ssize_t n;

	etk_buf_reset(line);
	if (lineoff != NULL)
		*lineoff = r->off;
	for (;;) {
		if (r->pos == r->len) {
			if (r->eof)
				break;
			n = pread(r->fd, r->buf, sizeof(r->buf), (off_t)r->off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return etk_fail(err, ETK_EIO, errno,
				    "%s: read at offset %llu", name,
				    (unsigned long long)r->off);
			}
			if (n == 0) {
				r->eof = 1;
				break;
			}
			r->pos = 0;
			r->len = (size_t)n;
		}
		nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		take = nl != NULL ? (size_t)(nl - (r->buf + r->pos)) + 1 :
		    r->len - r->pos;
		if (line->len + take > ETK_JOURNAL_LINE_MAX)
			return etk_fail(err, ETK_EFORMAT, 0,
			    "longer than %u MiB", ETK_JOURNAL_LINE_MAX >> 20);
		etk_buf_add(line, r->buf + r->pos, take);
		if (line->oom)
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", name);
		r->pos += take;
		r->off += take;
		if (nl != NULL)
			return 1;
	}
	return line->len != 0 ? 1 : 0;
}

int
etk_cust_line_parse(const char *line, size_t len, struct etk_jval **out,
    struct etk_error *err)
{
	return etk_json_parse(line, len, out, err);
}

/* Check one line (with its '\n') against its number and the previous
 * line's hash.  Failures are ETK_EMISMATCH "NAME: line N: why". */
static int
check_line(const struct etk_buf *line, uint64_t lineno, const char *prevhash,
    const char *name, struct etk_error *err)
{
	struct etk_error perr = { 0 };
	const struct etk_jval *v;
	struct etk_jval *doc = NULL;
	const char *why = NULL;
	char whybuf[ETK_ERRMSG_MAX];
	size_t i;

	if (line->len == 0 || line->data[line->len - 1] != '\n')
		return etk_fail(err, ETK_EMISMATCH, 0, "%s: line %llu: "
		    "truncated (no newline at the end)", name,
		    (unsigned long long)lineno);
	for (i = 0; i + 1 < line->len; i++)
		if (line->data[i] == '\0')
			return etk_fail(err, ETK_EMISMATCH, 0, "%s: line %llu: "
			    "contains a NUL byte", name,
			    (unsigned long long)lineno);
	if (etk_cust_line_parse(line->data, line->len - 1, &doc, &perr) !=
	    ETK_OK)
		return etk_fail(err, ETK_EMISMATCH, 0,
		    "%s: line %llu: not JSON: %s", name,
		    (unsigned long long)lineno, perr.msg);
	if (doc->type != ETK_JOBJ) {
		why = "not a JSON object";
		goto bad;
	}
	v = etk_jval_get(doc, "v");
	if (v == NULL || v->type != ETK_JSTR ||
	    strcmp(v->str, ETK_JOURNAL_FORMAT) != 0) {
		why = "v is not \"" ETK_JOURNAL_FORMAT "\"";
		goto bad;
	}
	v = etk_jval_get(doc, "seq");
	if (v == NULL || v->type != ETK_JNUM || !v->is_int ||
	    v->inum != (int64_t)lineno) {
		if (v != NULL && v->type == ETK_JNUM && v->is_int)
			snprintf(whybuf, sizeof(whybuf),
			    "seq is %lld, expected %llu", (long long)v->inum,
			    (unsigned long long)lineno);
		else
			snprintf(whybuf, sizeof(whybuf),
			    "seq is missing or not an integer");
		why = whybuf;
		goto bad;
	}
	v = etk_jval_get(doc, "prev");
	if (v == NULL || v->type != ETK_JSTR || strcmp(v->str, prevhash) != 0) {
		if (lineno == 1)
			snprintf(whybuf, sizeof(whybuf),
			    "prev is not 64 zeros (first line)");
		else
			snprintf(whybuf, sizeof(whybuf),
			    "prev does not match line %llu",
			    (unsigned long long)(lineno - 1));
		why = whybuf;
		goto bad;
	}
	if ((v = etk_jval_get(doc, "type")) == NULL || v->type != ETK_JSTR) {
		why = "type is missing";
		goto bad;
	}
	if ((v = etk_jval_get(doc, "ts")) == NULL || v->type != ETK_JSTR) {
		why = "ts is missing";
		goto bad;
	}
	if ((v = etk_jval_get(doc, "actor")) == NULL || v->type != ETK_JSTR) {
		why = "actor is missing";
		goto bad;
	}
	etk_jval_free(doc);
	return ETK_OK;
bad:
	etk_jval_free(doc);
	return etk_fail(err, ETK_EMISMATCH, 0, "%s: line %llu: %s", name,
	    (unsigned long long)lineno, why);
}

int
etk_cust_journal_scan(int fd, struct etk_jhead *head, const char *name,
    uint64_t *bad_line, struct etk_error *err)
{
	struct etk_lreader *r;
	struct etk_buf line;
	uint64_t lineoff;
	int rc;

	if ((r = malloc(sizeof(*r))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", name);
	etk_lreader_init(r, fd, head->end);
	etk_buf_init(&line);
	for (;;) {
		rc = etk_lreader_next(r, &line, &lineoff, name, err);
		if (rc == 0)
			break;
		if (rc == ETK_EFORMAT) {	/* over-long line */
			if (bad_line != NULL)
				*bad_line = head->seq + 1;
			etk_wrap(err, "%s: line %llu", name,
			    (unsigned long long)(head->seq + 1));
			rc = ETK_EMISMATCH;
			if (err != NULL)
				err->code = rc;
			goto out;
		}
		if (rc < 0)
			goto out;
		rc = check_line(&line, head->seq + 1, head->hash, name, err);
		if (rc != ETK_OK) {
			if (bad_line != NULL)
				*bad_line = head->seq + 1;
			goto out;
		}
		if ((rc = sha256_hex(line.data, line.len, head->hash, err)) !=
		    ETK_OK)
			goto out;
		head->seq++;
		head->off = lineoff;
		head->end = lineoff + line.len;
	}
	rc = ETK_OK;
	if (head->seq == 0) {
		if (bad_line != NULL)
			*bad_line = 1;
		rc = etk_fail(err, ETK_EMISMATCH, 0,
		    "%s: line 1: missing (the journal is empty)", name);
	}
out:
	etk_buf_release(&line);
	free(r);
	return rc;
}

int
etk_journal_verify(const char *path, uint64_t *nlines, uint64_t *bad_line,
    struct etk_error *err)
{
	struct etk_jhead head;
	int fd, rc;

	if (nlines != NULL)
		*nlines = 0;
	if (bad_line != NULL)
		*bad_line = 0;
	if (path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "no journal path");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", path);
	memset(&head, 0, sizeof(head));
	memcpy(head.hash, ETK_ZERO_HASH, 65);
	rc = etk_cust_journal_scan(fd, &head, base_name(path), bad_line, err);
	close(fd);
	if (rc == ETK_OK && nlines != NULL)
		*nlines = head.seq;
	return rc;
}

int
etk_journal_head(const char *path, uint64_t *seq, char hex[65],
    struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_lreader *r;
	const struct etk_jval *v;
	struct etk_jval *doc = NULL;
	struct etk_buf line, last;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", path);
	if ((r = malloc(sizeof(*r))) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", path);
	}
	etk_lreader_init(r, fd, 0);
	etk_buf_init(&line);
	etk_buf_init(&last);
	while ((rc = etk_lreader_next(r, &line, NULL, base_name(path),
	    err)) == 1) {
		etk_buf_reset(&last);
		etk_buf_add(&last, line.data, line.len);
	}
	free(r);
	close(fd);
	if (rc < 0)
		goto out;
	if (last.len == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: empty",
		    base_name(path));
		goto out;
	}
	if (last.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", path);
		goto out;
	}
	if ((rc = sha256_hex(last.data, last.len, hex, err)) != ETK_OK)
		goto out;
	if (etk_cust_line_parse(last.data, last.len -
	    (last.data[last.len - 1] == '\n'), &doc, &perr) != ETK_OK ||
	    (v = etk_jval_get(doc, "seq")) == NULL || v->type != ETK_JNUM ||
	    !v->is_int || v->inum < 1) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "%s: last line has no valid seq", base_name(path));
		goto out;
	}
	if (seq != NULL)
		*seq = (uint64_t)v->inum;
	rc = ETK_OK;
out:
	etk_jval_free(doc);
	etk_buf_release(&line);
	etk_buf_release(&last);
	return rc;
}

/* The fixed fields of a line, without the closing brace. */
static void
line_begin(struct etk_buf *b, uint64_t seq, const char *prev,
    const char *type, const char *ts, int64_t ts_start, int32_t ts_start_ns,
    const char *actor)
{
	struct etk_json j;

	etk_json_init(&j, b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "v", ETK_JOURNAL_FORMAT);
	etk_json_kuint(&j, "seq", seq);
	etk_json_kstr(&j, "prev", prev);
	etk_json_kstr(&j, "type", type);
	etk_json_kstr(&j, "ts", ts);
	if (ts_start >= 0) {
		etk_json_key(&j, "ts_start");
		etk_json_time(&j, ts_start, ts_start_ns);
	}
	etk_json_kstr(&j, "actor", actor);
}

static void
line_members(struct etk_buf *b, const char *members, size_t mlen)
{
	if (mlen == 0)
		return;
	etk_buf_addc(b, ',');
	etk_buf_add(b, members, mlen);
}

int
etk_cust_journal_create(const char *path, const char *actor,
    const char *members, size_t mlen, struct etk_jhead *head, char *ts_out,
    struct etk_error *err)
{
	char ts[ETK_TIME_MAX];
	struct etk_buf line;
	int64_t sec;
	int32_t nsec;
	ssize_t n;
	int fd, rc;

	etk_time_now(&sec, &nsec);
	etk_time_format(sec, nsec, ts);
	etk_buf_init(&line);
	line_begin(&line, 1, ETK_ZERO_HASH, "genesis", ts, -1, 0, actor);
	line_members(&line, members, mlen);
	etk_buf_adds(&line, "}\n");
	if (line.oom) {
		etk_buf_release(&line);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "journal");
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
	    0640);
	if (fd == -1) {
		rc = etk_fail(err, errno == EEXIST ? ETK_EEXIST : ETK_EIO,
		    errno, "cannot create '%s'", path);
		etk_buf_release(&line);
		return rc;
	}
	n = write(fd, line.data, line.len);
	if (n < 0 || (size_t)n != line.len || fsync(fd) != 0) {
		rc = etk_fail(err, ETK_EIO, n < 0 || (size_t)n == line.len ?
		    errno : ENOSPC, "cannot write '%s'", path);
		close(fd);
		etk_buf_release(&line);
		return rc;
	}
	close(fd);
	head->seq = 1;
	head->off = 0;
	head->end = line.len;
	rc = sha256_hex(line.data, line.len, head->hash, err);
	if (ts_out != NULL)
		memcpy(ts_out, ts, strlen(ts) + 1);
	etk_buf_release(&line);
	return rc;
}

/* Under the lock: the journal must still hold the lines the handle
 * verified, and any lines appended since (by other processes) must
 * chain on from them.  Advances head over those lines. */
static int
recheck(struct etk_case *kase, int fd, uint64_t size, struct etk_error *err)
{
	struct etk_jhead h = kase->head;
	char hex[65], *buf;
	ssize_t n;
	size_t len;
	int rc;

	if (size < h.end)
		return etk_fail(err, ETK_EMISMATCH, 0, "journal.jsonl: "
		    "shorter than the %llu lines verified when the case was "
		    "opened (truncated)", (unsigned long long)h.seq);
	if (h.seq > 0) {
		len = (size_t)(h.end - h.off);
		if ((buf = malloc(len ? len : 1)) == NULL)
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "journal");
		do
			n = pread(fd, buf, len, (off_t)h.off);
		while (n < 0 && errno == EINTR);
		if (n < 0 || (size_t)n != len) {
			rc = etk_fail(err, ETK_EIO, n < 0 ? errno : 0,
			    "journal.jsonl: cannot read line %llu",
			    (unsigned long long)h.seq);
			free(buf);
			return rc;
		}
		rc = sha256_hex(buf, len, hex, err);
		free(buf);
		if (rc != ETK_OK)
			return rc;
		if (strcmp(hex, h.hash) != 0)
			return etk_fail(err, ETK_EMISMATCH, 0,
			    "journal.jsonl: line %llu: changed since the case "
			    "was opened", (unsigned long long)h.seq);
	}
	if (size > h.end &&
	    (rc = etk_cust_journal_scan(fd, &h, "journal.jsonl", NULL, err)) !=
	    ETK_OK)
		return rc;
	kase->head = h;
	return ETK_OK;
}

int
etk_cust_append(struct etk_case *kase, const char *type, int64_t ts_start,
    int32_t ts_start_ns, const char *members, size_t mlen,
    etk_cust_extra_fn extra, etk_cust_prewrite_fn prewrite, void *arg,
    uint64_t *seqp, struct etk_error *err)
{
	char ts[ETK_TIME_MAX], hex[65];
	struct etk_error dberr = { 0 };
	struct etk_buf line, more;
	struct stat st;
	uint64_t seq = 0;
	int64_t sec;
	int32_t nsec;
	int wfd = -1, rfd = -1, rc, dbrc = ETK_OK;
	ssize_t n;

	etk_buf_init(&line);
	etk_buf_init(&more);
	if ((wfd = open(kase->journal, O_WRONLY | O_APPEND | O_CLOEXEC)) ==
	    -1 || (rfd = open(kase->journal, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot open '%s'",
		    kase->journal);
		goto out;
	}
	while (flock(wfd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot lock '%s'",
			    kase->journal);
			goto out;
		}
	}
	if (fstat(rfd, &st) != 0) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot stat '%s'",
		    kase->journal);
		goto out;
	}
	if ((rc = recheck(kase, rfd, (uint64_t)st.st_size, err)) != ETK_OK) {
		etk_wrap(err, "refusing to append");
		goto out;
	}
	seq = kase->head.seq + 1;
	etk_time_now(&sec, &nsec);	/* under the lock: ts never goes back */
	etk_time_format(sec, nsec, ts);
	line_begin(&line, seq, kase->head.hash, type, ts, ts_start, ts_start_ns,
	    kase->actor);
	line_members(&line, members, mlen);
	if (extra != NULL) {
		if ((rc = extra(kase, seq, &more, arg, err)) != ETK_OK)
			goto out;
		line_members(&line, more.data, more.len);
	}
	etk_buf_adds(&line, "}\n");
	if (line.oom || more.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "journal");
		goto out;
	}
	if (prewrite != NULL && (rc = prewrite(kase, seq, rfd, kase->head.end,
	    &line, arg, err)) != ETK_OK)
		goto out;
	if ((rc = sha256_hex(line.data, line.len, hex, err)) != ETK_OK)
		goto out;
	/* The run's staged rows go into the case tables as this entry, in
	 * one database transaction with its actions row.  If that fails the
	 * entry is still written (the run happened; its outputs exist) and
	 * the database error is returned after it. */
	if (etk_cust_db_flush(kase, seq, &dberr) != ETK_OK)
		dbrc = dberr.code != 0 ? dberr.code : ETK_EIO;
	n = write(wfd, line.data, line.len);
	if (n < 0 || (size_t)n != line.len) {
		rc = etk_fail(err, ETK_EIO, n < 0 ? errno : ENOSPC,
		    "cannot append to '%s'", kase->journal);
		/* We hold the lock: take back a partial line. */
		if (n > 0)
			(void)ftruncate(wfd, (off_t)kase->head.end);
		(void)etk_cust_db_end(kase, 0, NULL);
		goto out;
	}
	kase->head.seq = seq;
	kase->head.off = kase->head.end;
	kase->head.end += line.len;
	memcpy(kase->head.hash, hex, sizeof(hex));
	if (fsync(wfd) != 0) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot sync '%s'",
		    kase->journal);
		(void)etk_cust_db_end(kase, 0, NULL);
		goto out;
	}
	if (seqp != NULL)
		*seqp = seq;
	if (dbrc == ETK_OK) {
		etk_cust_db_action(kase, seq, type, ts, members, mlen);
		if (etk_cust_db_end(kase, 1, &dberr) != ETK_OK)
			dbrc = dberr.code != 0 ? dberr.code : ETK_EIO;
	} else
		/* Not even the actions row: it would name rows that are
		 * not there. */
		(void)etk_cust_db_end(kase, 0, NULL);
	rc = ETK_OK;
	if (dbrc != ETK_OK)
		rc = etk_fail(err, dbrc, dberr.sys_errno, "journal line %llu "
		    "written, but the case database did not take its rows: "
		    "%s", (unsigned long long)seq, dberr.msg);
out:
	if (rfd != -1)
		close(rfd);
	if (wfd != -1)
		close(wfd);	/* releases the lock */
	etk_buf_release(&line);
	etk_buf_release(&more);
	return rc;
}

static int
valid_type(const char *t)
{
	size_t i;

	if (t == NULL || t[0] < 'a' || t[0] > 'z')
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if (i >= 32 || !((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
			return 0;
	return 1;
}

int
etk_journal_append(struct etk_case *kase, const char *type,
    int64_t ts_start_sec, int32_t ts_start_ns, const char *body,
    uint64_t *seq, struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_jval *doc = NULL;
	size_t len, i, k, start, end;
	char *copy = NULL;
	int rc;

	if (kase == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "journal: no case");
	if (!valid_type(type))
		return etk_fail(err, ETK_EINVAL, 0, "journal: bad entry type "
		    "'%s' (lower-case letters, digits, '_')",
		    type ? type : "(null)");
	if (strcmp(type, "genesis") == 0 || strcmp(type, "seal") == 0)
		return etk_fail(err, ETK_EINVAL, 0, "journal: entries of type "
		    "'%s' are written only by etk_case_%s", type,
		    type[0] == 'g' ? "init" : "seal");
	if (body == NULL)
		body = "{}";
	len = strlen(body);
	for (i = 0; i < len; i++)
		if ((unsigned char)body[i] >= 0x80)
			return etk_fail(err, ETK_EINVAL, 0, "journal: body is "
			    "not ASCII-escaped (byte 0x%02x at %zu)",
			    (unsigned char)body[i], i);
	if (etk_json_parse(body, len, &doc, &perr) != ETK_OK)
		return etk_fail(err, ETK_EINVAL, 0,
		    "journal: body is not JSON: %s", perr.msg);
	if (doc->type != ETK_JOBJ) {
		etk_jval_free(doc);
		return etk_fail(err, ETK_EINVAL, 0,
		    "journal: body is not a JSON object");
	}
	for (i = 0; i < doc->n; i++)
		for (k = 0; k < sizeof(reserved) / sizeof(reserved[0]); k++)
			if (strcmp(doc->keys[i], reserved[k]) == 0) {
				etk_jval_free(doc);
				return etk_fail(err, ETK_EINVAL, 0,
				    "journal: body member '%s' is a fixed "
				    "field", reserved[k]);
			}
	etk_jval_free(doc);
	/* The members: between the outer braces, trimmed.  Line breaks can
	 * only be white space between tokens; make them spaces. */
	start = 0;
	while (start < len && body[start] != '{')
		start++;
	end = len;
	while (end > start && body[end - 1] != '}')
		end--;
	start++;
	end--;
	while (start < end && (body[start] == ' ' || body[start] == '\t' ||
	    body[start] == '\n' || body[start] == '\r'))
		start++;
	while (end > start && (body[end - 1] == ' ' || body[end - 1] == '\t' ||
	    body[end - 1] == '\n' || body[end - 1] == '\r'))
		end--;
	if (end > start) {
		if ((copy = malloc(end - start)) == NULL)
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "journal");
		for (i = start; i < end; i++)
			copy[i - start] = body[i] == '\n' || body[i] == '\r' ?
			    ' ' : body[i];
	}
	rc = etk_cust_append(kase, type, ts_start_sec, ts_start_ns, copy,
	    end > start ? end - start : 0, NULL, NULL, NULL, seq, err);
	free(copy);
	return rc;
}

/*
 * Redaction while a bundle is built: every withheld value becomes a
 * redaction record (redaction/redactions.jsonl) with a salted
 * commitment; the salt and value, and the unredacted renderings, stay in
 * the case (CASE/disclosure/<bundle id>/, mode 0600).  Salts come from
 * etk_redact_commit keyed by CASE/keys/redaction.key and labelled
 * "<bundle id>/<R-id>", so the same case and options give the same
 * bundle bytes.  Record ids are given in the order values are met, which
 * the builder keeps deterministic (exhibits, kinds, records, fields).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "custody/custody_int.h"
#include "bundle_int.h"

int
bred_key(struct bctx *c)
{
	char *path;
	ssize_t n;
	int fd, rc = ETK_OK;

	if ((path = bjoin(c->casedir, "keys/redaction.key")) == NULL)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* first use: 32 random bytes, never disclosed */
		if (RAND_bytes(c->rkey, sizeof(c->rkey)) != 1) {
			rc = etk_fail(c->err, ETK_EIO, 0, "no random bytes "
			    "for the redaction key");
			goto out;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, c->rkey, sizeof(c->rkey)) !=
		    (ssize_t)sizeof(c->rkey) || fsync(fd) != 0) {
			rc = etk_fail(c->err, ETK_EIO, errno, "cannot write "
			    "'%s'", path);
			if (fd >= 0) {
				close(fd);
				unlink(path);
			}
			fd = -1;
			goto out;
		}
		close(fd);
		fd = -1;
		goto out;
	}
	if (fd < 0) {
		rc = etk_fail(c->err, ETK_EIO, errno, "cannot open '%s'", path);
		goto out;
	}
	n = read(fd, c->rkey, sizeof(c->rkey));
	close(fd);
	if (n != (ssize_t)sizeof(c->rkey))
		rc = etk_fail(c->err, ETK_EFORMAT, 0, "'%s': not a 32-byte "
		    "key", path);
out:
	free(path);
	return rc;
}

static int
cmp_spell(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	if (la != lb)
		return la < lb ? 1 : -1;
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
bred_spellings(struct bctx *c)
{
	const struct etk_redact_rule *r;
	char **l = NULL, **nv;
	size_t i, k, n = 0, *nr, cap = 0;
	int rc;

	for (i = 0; c->rd != NULL && i < etk_redactor_count(c->rd); i++) {
		r = etk_redactor_rule(c->rd, i);
		if (r == NULL || r->kind != ETK_REDACT_PARTY)
			continue;
		if ((rc = etk_redact_spellings(c->rd, i, &l, &n, c->err)) !=
		    ETK_OK)
			return rc;
		for (k = 0; k < n; k++) {
			if (strlen(l[k]) < 7)
				continue;
			if (c->nspell == cap) {
				cap = cap ? cap * 2 : 64;
				nv = realloc(c->spell, cap * sizeof(*nv));
				if (nv != NULL)
					c->spell = nv;
				nr = realloc(c->spell_rule, cap * sizeof(*nr));
				if (nr != NULL)
					c->spell_rule = nr;
				if (nv == NULL || nr == NULL) {
					etk_redact_list_free(l, n);
					return etk_fail(c->err, ETK_ENOMEM, 0,
					    "out of memory");
				}
			}
			c->spell[c->nspell] = l[k];
			c->spell_rule[c->nspell++] = i;
			l[k] = NULL;
		}
		etk_redact_list_free(l, n);
	}
	/* longest first, so a longer spelling is replaced whole; the rule
	 * goes with its spelling (sorted as pairs) */
	for (i = 1; i < c->nspell; i++)	/* insertion sort of pairs */
		for (k = i; k > 0 && cmp_spell(&c->spell[k - 1],
		    &c->spell[k]) > 0; k--) {
			char *ts = c->spell[k];
			size_t tr = c->spell_rule[k];

			c->spell[k] = c->spell[k - 1];
			c->spell_rule[k] = c->spell_rule[k - 1];
			c->spell[k - 1] = ts;
			c->spell_rule[k - 1] = tr;
		}
	return ETK_OK;
}

void
bred_spellings_free(struct bctx *c)
{
	size_t i;

	for (i = 0; i < c->nspell; i++)
		free(c->spell[i]);
	free(c->spell);
	free(c->spell_rule);
	c->spell = NULL;
	c->spell_rule = NULL;
	c->nspell = 0;
}

static int
lc(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* The first spelling found at the lowest offset: its index, or -1. */
int
bred_raw_find(struct bctx *c, const void *vp, size_t len, size_t *at,
    size_t *mlen)
{
	const unsigned char *p = vp;
	size_t i, k, n;

	if (c->nspell == 0)
		return -1;
	for (i = 0; i < len; i++)
		for (k = 0; k < c->nspell; k++) {
			const unsigned char *s =
			    (const unsigned char *)c->spell[k];

			if (lc(p[i]) != lc(s[0]))
				continue;
			n = strlen(c->spell[k]);
			if (n > len - i)
				continue;
			{
				size_t m;

				for (m = 1; m < n && lc(p[i + m]) == lc(s[m]);
				    m++)
					;
				if (m < n)
					continue;
			}
			if (at != NULL)
				*at = i;
			if (mlen != NULL)
				*mlen = n;
			return (int)k;
		}
	return -1;
}

int
bred_raw_file(struct bctx *c, const char *path, struct etk_error *err)
{
	size_t maxl = 0, have = 0, i, keep;
	char *buf;
	ssize_t n;
	int fd, k = -1;

	if (c->nspell == 0)
		return -1;
	for (i = 0; i < c->nspell; i++)
		if (strlen(c->spell[i]) > maxl)
			maxl = strlen(c->spell[i]);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		etk_fail(err, ETK_EIO, errno, "cannot open '%s'", path);
		return -2;
	}
	/* streamed, the last maxl - 1 bytes kept across reads */
	if ((buf = malloc((1u << 20) + maxl)) == NULL) {
		close(fd);
		return -2;
	}
	for (;;) {
		n = read(fd, buf + have, 1u << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			etk_fail(err, ETK_EIO, errno, "cannot read '%s'", path);
			k = -2;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if ((k = bred_raw_find(c, buf, have, NULL, NULL)) >= 0)
			break;
		keep = have < maxl - 1 ? have : maxl - 1;
		memmove(buf, buf + have - keep, keep);
		have = keep;
	}
	free(buf);
	close(fd);
	return k >= 0 ? (int)c->spell_rule[k] : k == -2 ? -2 : -1;
}

/* Replace raw spellings in b (from offset 0), noting each. */
static int
raw_replace(struct bctx *c, struct etk_buf *b, const char *item,
    const char *source_item, const char *field, int record)
{
	struct etk_buf o;
	size_t at, n, pos = 0;
	int k, hits = 0, rc;

	if (c->nspell == 0 || b->len == 0)
		return 0;
	etk_buf_init(&o);
	while (pos < b->len && (k = bred_raw_find(c, b->data + pos,
	    b->len - pos, &at, &n)) >= 0) {
		etk_buf_add(&o, b->data + pos, at);
		etk_buf_adds(&o, bred_token(c, c->spell_rule[k]));
		if (record && (rc = bred_add(c, item, source_item, field,
		    c->spell_rule[k], b->data + pos + at, n)) < 0) {
			etk_buf_release(&o);
			return rc;
		}
		pos += at + n;
		hits++;
	}
	if (hits == 0) {
		etk_buf_release(&o);
		return 0;
	}
	etk_buf_add(&o, b->data + pos, b->len - pos);
	etk_buf_reset(b);
	etk_buf_add(b, o.data, o.len);
	etk_buf_release(&o);
	return b->oom ? ETK_ENOMEM : hits;
}

int
bred_clean(struct bctx *c, struct etk_buf *b)
{
	return raw_replace(c, b, NULL, NULL, NULL, 0);
}

const char *
bred_token(struct bctx *c, size_t rule)
{
	const struct etk_redact_rule *r = etk_redactor_rule(c->rd, rule);

	return r != NULL && r->token != NULL ? r->token : "[REDACTED]";
}

int
bred_commit(struct bctx *c, const char *id, const void *v, size_t n,
    char salt[65], char commit[65])
{
	char label[256];

	snprintf(label, sizeof(label), "%s/%s", c->bundle_id, id);
	return etk_redact_commit(c->rkey, sizeof(c->rkey), label, v, n, salt,
	    commit, c->err);
}

int
bred_add(struct bctx *c, const char *item, const char *source_item,
    const char *field, size_t rule, const void *value, size_t vlen)
{
	struct bred_rec *r, *nv;
	size_t i;

	for (i = 0; i < c->npend; i++) {
		r = &c->pend[i];
		if (r->rule == rule && r->vlen == vlen &&
		    memcmp(r->value, value, vlen) == 0 &&
		    strcmp(r->item, item) == 0 &&
		    strcmp(r->source_item, source_item) == 0 &&
		    ((r->field == NULL && field == NULL) || (r->field != NULL &&
		    field != NULL && strcmp(r->field, field) == 0)))
			return (int)i;
	}
	if (c->npend == c->cappend) {
		c->cappend = c->cappend ? c->cappend * 2 : 32;
		if ((nv = realloc(c->pend, c->cappend * sizeof(*nv))) == NULL)
			return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
		c->pend = nv;
	}
	r = &c->pend[c->npend];
	memset(r, 0, sizeof(*r));
	r->item = bstrdup(item);
	r->source_item = bstrdup(source_item);
	r->field = bstrdup(field);
	r->rule = rule;
	r->value = malloc(vlen + 1);
	if (r->item == NULL || r->source_item == NULL || r->value == NULL ||
	    (field != NULL && r->field == NULL)) {
		free(r->item);
		free(r->source_item);
		free(r->field);
		free(r->value);
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	}
	memcpy(r->value, value, vlen);
	r->value[vlen] = '\0';
	r->vlen = vlen;
	return (int)c->npend++;
}

struct hits {
	struct bctx *c;
	const char *item, *source_item, *field;
	int rc;
	/* journal lines: the exact spellings met */
	struct bset *spell;
};

static void
on_hit(void *arg, size_t rule, const char *orig, size_t len)
{
	struct hits *h = arg;
	int rc;

	if (h->rc < 0)
		return;
	if (h->spell != NULL) {
		if (bs_add(h->spell, orig, len) != ETK_OK)
			h->rc = ETK_ENOMEM;
		return;
	}
	rc = bred_add(h->c, h->item, h->source_item, h->field, rule, orig, len);
	if (rc < 0)
		h->rc = rc;
}

int
bred_text(struct bctx *c, const char *s, size_t len, struct etk_buf *out,
    const char *item, const char *source_item, const char *field)
{
	struct hits h = { c, item, source_item, field, 0, NULL };
	int n;

	if (c->rd == NULL) {
		etk_buf_add(out, s, len);
		return 0;
	}
	n = etk_redact_text(c->rd, s, len, out, on_hit, &h);
	if (n < 0)
		return etk_fail(c->err, n, 0, "redaction of %s %s failed",
		    source_item, field != NULL ? field : "");
	if (h.rc < 0)
		return h.rc;
	if ((h.rc = raw_replace(c, out, item, source_item, field, 1)) < 0)
		return etk_fail(c->err, h.rc, 0, "out of memory");
	return n + h.rc;
}

/* The lab-held directory, made on first use. */
int
bred_disc(struct bctx *c)
{
	char *d;

	if (c->disc != NULL)
		return ETK_OK;
	if ((d = bjoin(c->casedir, "disclosure")) == NULL)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	if (mkdir(d, 0700) != 0 && errno != EEXIST) {
		etk_fail(c->err, ETK_EIO, errno, "cannot make '%s'", d);
		free(d);
		return ETK_EIO;
	}
	free(d);
	if (asprintf(&c->disc, "%s/disclosure/%s.tmp-XXXXXX", c->casedir,
	    c->bundle_id) < 0) {
		c->disc = NULL;
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	}
	if (mkdtemp(c->disc) == NULL) {
		etk_fail(c->err, ETK_EIO, errno, "cannot make '%s'", c->disc);
		free(c->disc);
		c->disc = NULL;
		return ETK_EIO;
	}
	return ETK_OK;
}

int
bred_write_held(struct bctx *c, const char *rel, const void *p, size_t len,
    char sha[65])
{
	char *r;
	int rc;

	if ((rc = bred_disc(c)) != ETK_OK)
		return rc;
	if ((r = bjoin("unredacted", rel)) == NULL)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	rc = bwrite(c->disc, r, p, len, 0600, sha, c->err);
	free(r);
	return rc;
}

int
bred_flush(struct bctx *c, const char *held_path, const char *held_sha)
{
	const struct etk_redact_rule *rule;
	struct bred_rec *r;
	char id[32], salt[65], commit[65], rid[16];
	const char *tok;
	struct etk_json j;
	size_t i;
	int rc = ETK_OK;

	for (i = 0; i < c->npend; i++) {
		r = &c->pend[i];
		if (rc != ETK_OK)
			goto drop;
		snprintf(id, sizeof(id), "R-%06llu",
		    (unsigned long long)(c->nred + 1));
		if ((rc = bred_commit(c, id, r->value, r->vlen, salt,
		    commit)) != ETK_OK)
			goto drop;
		c->nred++;
		rule = etk_redactor_rule(c->rd, r->rule);
		tok = bred_token(c, r->rule);
		/* "[REDACTED-P1]" -> "P1" */
		snprintf(rid, sizeof(rid), "%s", strncmp(tok, "[REDACTED-", 10)
		    == 0 ? tok + 10 : tok);
		if (strchr(rid, ']') != NULL)
			*strchr(rid, ']') = '\0';
		etk_json_init(&j, &c->redactions);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "id", id);
		etk_json_kstr(&j, "item", r->item);
		etk_json_kstr(&j, "source_item", r->source_item);
		if (r->line != 0) {
			etk_json_kuint(&j, "line", r->line);
		} else if (r->has_region) {
			etk_json_key(&j, "region");
			etk_json_obj_begin(&j);
			etk_json_kuint(&j, "x", r->x);
			etk_json_kuint(&j, "y", r->y);
			etk_json_kuint(&j, "w", r->w);
			etk_json_kuint(&j, "h", r->h);
			etk_json_obj_end(&j);
		} else
			etk_json_kstr(&j, "field", r->field);
		etk_json_kstr(&j, "rule", rid);
		etk_json_kstr(&j, "token", tok);
		etk_json_kstr(&j, "category", rule != NULL ?
		    rule->basis.category : "unspecified");
		etk_json_kstr(&j, "basis", rule != NULL ? rule->basis.basis :
		    "unspecified");
		etk_json_kstr(&j, "decided_by", rule != NULL ?
		    rule->basis.decided_by : "unspecified");
		etk_json_kstr(&j, "approved_by", rule != NULL ?
		    rule->basis.approved_by : NULL);
		etk_json_kstr(&j, "commitment", commit);
		etk_json_kstr(&j, "ts", c->created);
		etk_json_key(&j, "unredacted_held_as");
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "path", r->held_path != NULL ? r->held_path :
		    held_path);
		etk_json_kstr(&j, "sha256", r->held_path != NULL ?
		    r->held_sha : held_sha);
		etk_json_obj_end(&j);
		if (r->orig_sha[0] != '\0')
			etk_json_kstr(&j, "original_sha256", r->orig_sha);
		etk_json_obj_end(&j);
		etk_buf_addc(&c->redactions, '\n');
		etk_json_init(&j, &c->salts);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "id", id);
		etk_json_kstr(&j, "salt", salt);
		etk_json_key(&j, "value");
		etk_json_strn(&j, r->value, r->vlen);
		etk_json_obj_end(&j);
		etk_buf_addc(&c->salts, '\n');
drop:
		free(r->item);
		free(r->source_item);
		free(r->field);
		free(r->value);
		free(r->held_path);
	}
	c->npend = 0;
	if (rc == ETK_OK && (c->redactions.oom || c->salts.oom))
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	return rc;
}

/* Replace every occurrence of from by to in b. */
static void
replace_all(struct etk_buf *b, const char *from, const char *to)
{
	struct etk_buf o;
	size_t fl = strlen(from), i = 0;

	if (fl == 0)
		return;
	etk_buf_init(&o);
	while (i < b->len) {
		if (i + fl <= b->len && memcmp(b->data + i, from, fl) == 0) {
			etk_buf_adds(&o, to);
			i += fl;
		} else
			etk_buf_addc(&o, b->data[i++]);
	}
	etk_buf_reset(b);
	etk_buf_add(b, o.data, o.len);
	etk_buf_release(&o);
}

static int
cmp_len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	if (la != lb)
		return la < lb ? 1 : -1;
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
bred_journal(struct bctx *c, struct etk_buf *out)
{
	struct etk_buf orig, line, dummy;
	char held[65], osha[65], salt[65], commit[65], id[32], src[48];
	char withheld[96];
	struct bset spell;
	struct hits h;
	size_t i, k;
	int rc = ETK_OK, any = 0, idx;

	etk_buf_init(&orig);
	etk_buf_init(&line);
	etk_buf_init(&dummy);
	for (i = 0; i < c->n; i++) {
		etk_buf_add(&orig, c->lines[i], c->lens[i]);
		if (c->rd == NULL || (etk_redact_scan(c->rd, c->lines[i],
		    c->lens[i]) < 0 && bred_raw_find(c, c->lines[i],
		    c->lens[i], NULL, NULL) < 0)) {
			etk_buf_add(out, c->lines[i], c->lens[i]);
			continue;
		}
		/* the exact spellings this line holds */
		memset(&spell, 0, sizeof(spell));
		memset(&h, 0, sizeof(h));
		h.c = c;
		h.spell = &spell;
		etk_buf_reset(&dummy);
		if (etk_redact_text(c->rd, c->lines[i], c->lens[i], &dummy,
		    on_hit, &h) < 0 || h.rc < 0) {
			bs_free(&spell);
			rc = etk_fail(c->err, ETK_EFORMAT, 0, "journal line %zu:"
			    " redaction failed", i + 1);
			break;
		}
		{
			size_t pos = 0, at, ml;
			int kk;

			while (pos < c->lens[i] && (kk = bred_raw_find(c,
			    c->lines[i] + pos, c->lens[i] - pos, &at, &ml)) >=
			    0) {
				if (bs_add(&spell, c->lines[i] + pos + at, ml) !=
				    ETK_OK)
					break;
				pos += at + ml;
			}
		}
		bs_sort(&spell);
		if (spell.n > 1)
			qsort(spell.v, spell.n, sizeof(*spell.v), cmp_len_desc);
		bsha256(c->lines[i], c->lens[i], osha);
		snprintf(src, sizeof(src), "journal:%zu", i + 1);
		etk_buf_reset(&line);
		etk_buf_add(&line, c->lines[i], c->lens[i]);
		for (k = 0; k < spell.n && rc == ETK_OK; k++) {
			int rule = etk_redact_party_of(c->rd, spell.v[k]);

			if (rule < 0)
				rule = etk_redact_scan(c->rd, spell.v[k],
				    strlen(spell.v[k]));
			if (rule < 0) {
				size_t at, ml;
				int kk = bred_raw_find(c, spell.v[k],
				    strlen(spell.v[k]), &at, &ml);

				rule = kk >= 0 ? (int)c->spell_rule[kk] : 0;
			}
			if ((idx = bred_add(c, "custody/journal.jsonl", src,
			    NULL, (size_t)rule, spell.v[k],
			    strlen(spell.v[k]))) < 0) {
				rc = idx;
				break;
			}
			c->pend[idx].line = i + 1;
			memcpy(c->pend[idx].orig_sha, osha, 65);
			snprintf(id, sizeof(id), "R-%06llu", (unsigned long long)
			    (c->nred + (uint64_t)idx + 1));
			if ((rc = bred_commit(c, id, spell.v[k],
			    strlen(spell.v[k]), salt, commit)) != ETK_OK)
				break;
			snprintf(withheld, sizeof(withheld), "[WITHHELD:%s]",
			    commit);
			replace_all(&line, spell.v[k], withheld);
		}
		bs_free(&spell);
		if (rc != ETK_OK)
			break;
		if (etk_redact_scan(c->rd, line.data, line.len) >= 0 ||
		    bred_raw_find(c, line.data, line.len, NULL, NULL) >= 0) {
			rc = etk_fail(c->err, ETK_EFORMAT, 0, "journal line %zu"
			    ": a redacted value is left after withholding",
			    i + 1);
			break;
		}
		etk_buf_add(out, line.data, line.len);
		any = 1;
	}
	if (rc == ETK_OK && any) {
		if ((rc = bred_write_held(c, "custody/journal.jsonl", orig.data,
		    orig.len, held)) == ETK_OK) {
			char *hp;

			if (asprintf(&hp, "disclosure/%s/unredacted/custody/"
			    "journal.jsonl", c->bundle_id) < 0)
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
			else {
				rc = bred_flush(c, hp, held);
				free(hp);
			}
		}
	}
	if (rc == ETK_OK && out->oom)
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	etk_buf_release(&orig);
	etk_buf_release(&line);
	etk_buf_release(&dummy);
	return rc;
}

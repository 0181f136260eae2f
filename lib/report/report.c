/*
 * The examiner's report of a case: one self-contained HTML page (inline
 * CSS with a print stylesheet, inline SVG charts, pictures as data:
 * URIs, one small inline script for sorting and filtering tables that
 * the page does not need to be read) built from what load.c reads.
 *
 * Per exhibit, in order: alerts, source and hashes, partitions and file
 * systems, counts; conversations (threads by app and thread, parties
 * named from the exhibit's contacts); calls; contacts; pictures; a
 * timeline of events per day; a plot of GPS positions; carved items;
 * files (deleted first, marked).  Then the custody part: journal head,
 * seals (checked against the case's files now), the actions.  Every row
 * carries data-item and data-locator (report.h); tables are capped at
 * ROW_CAP rows per exhibit with a line saying how many are not shown,
 * the counts are always the full numbers.
 *
 * Bytes: every list is sorted explicitly, numbers are printed with
 * integer arithmetic only (no locale), no clock is read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include <etk/etk.h>
#include <etk/json.h>
#include <etk/report.h>

#include "manifest/manifest_int.h"
#include "report/report_int.h"

#define ROW_CAP		5000	/* rows of a table of one exhibit */
#define THUMB_CAP	1000	/* thumbnails embedded per exhibit */
#define PICTURE_MAX	(64u << 20)	/* a picture file we read */
#define DEFAULT_THUMB	(48u * 1024)

/* ---- small helpers ---- */

static void
txt(struct etk_buf *b, const char *s)
{
	if (s != NULL)
		etk_buf_add_markup(b, s, strlen(s));
}

static int
is_true(const char *s)
{
	return s != NULL && strcmp(s, "0") != 0 && s[0] != '\0';
}

/* A decimal number as SQLite writes it, without the locale. */
static double
num(const char *s)
{
	double v = 0, f = 0.1;
	int neg = 0, e = 0, eneg = 0;

	if (s == NULL)
		return 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, f /= 10)
			v += (*s - '0') * f;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			eneg = *s++ == '-';
		while (*s >= '0' && *s <= '9' && e < 400)
			e = e * 10 + (*s++ - '0');
		while (e-- > 0)
			v = eneg ? v / 10 : v * 10;
	}
	return neg ? -v : v;
}

/* v with d decimals, rounded, without printf's locale. */
static void
fixed(struct etk_buf *b, double v, int d)
{
	long long m = 1, q;
	int i;

	for (i = 0; i < d; i++)
		m *= 10;
	q = (long long)(v * (double)m + (v < 0 ? -0.5 : 0.5));
	if (q < 0) {
		etk_buf_addc(b, '-');
		q = -q;
	}
	etk_buf_printf(b, "%lld", q / m);
	if (d > 0)
		etk_buf_printf(b, ".%0*lld", d, q % m);
}

/* Read a whole (small) file; NULL when it cannot be read. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	struct stat sb;
	unsigned char *p;
	FILE *fp;

	if ((fp = fopen(path, "rbe")) == NULL)
		return NULL;
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size < 0 || (uint64_t)sb.st_size > PICTURE_MAX ||
	    (p = malloc((size_t)sb.st_size + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	*len = fread(p, 1, (size_t)sb.st_size, fp);
	if (ferror(fp) || *len != (size_t)sb.st_size) {
		fclose(fp);
		free(p);
		return NULL;
	}
	fclose(fp);
	return p;
}

static void
sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		memset(md, 0, sizeof(md));
	etk_hex(md, 32, hex);
}

/* ---- contacts: names for numbers ---- */

struct nameidx {
	char key[16];		/* last 9 digits */
	char *digits;		/* all digits, leading zeros dropped */
	const char *name;
};

static char *
digits_of(const char *s)
{
	char *d, *p;

	if (s == NULL || (d = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (p = d; *s != '\0'; s++)
		if (*s >= '0' && *s <= '9' && (p != d || *s != '0'))
			*p++ = *s;
	*p = '\0';
	return d;
}

static int
cmp_nameidx(const void *a, const void *b)
{
	const struct nameidx *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c == 0)
		c = strcmp(x->name, y->name);
	return c != 0 ? c : strcmp(x->digits, y->digits);
}

struct mailidx {
	char *mail;		/* lower case (ASCII) */
	const char *name;
};

struct names {
	struct nameidx *v;
	size_t n;
	struct mailidx *m;
	size_t nm;
};

static char *
lower(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

static int
cmp_mailidx(const void *a, const void *b)
{
	const struct mailidx *x = a, *y = b;
	int c = strcmp(x->mail, y->mail);

	return c != 0 ? c : strcmp(x->name, y->name);
}

static void
names_free(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i].digits);
	for (i = 0; i < nm->nm; i++)
		free(nm->m[i].mail);
	free(nm->v);
	free(nm->m);
	memset(nm, 0, sizeof(*nm));
}

static int
add_number(struct names *nm, size_t *cap, const char *num, const char *name)
{
	char *d;
	void *p;

	if ((d = digits_of(num)) == NULL)
		return ETK_ENOMEM;
	if (strlen(d) < 9) {
		free(d);
		return ETK_OK;
	}
	if (nm->n == *cap) {
		*cap = *cap != 0 ? *cap * 2 : 32;
		if ((p = realloc(nm->v, *cap * sizeof(*nm->v))) == NULL) {
			free(d);
			return ETK_ENOMEM;
		}
		nm->v = p;
	}
	snprintf(nm->v[nm->n].key, sizeof(nm->v[nm->n].key), "%s",
	    d + strlen(d) - 9);
	nm->v[nm->n].digits = d;
	nm->v[nm->n].name = name;
	nm->n++;
	return ETK_OK;
}

static int
add_mail(struct names *nm, size_t *cap, const char *mail, const char *name)
{
	char *d;
	void *p;

	if (strchr(mail, '@') == NULL)
		return ETK_OK;
	if ((d = lower(mail)) == NULL)
		return ETK_ENOMEM;
	if (nm->nm == *cap) {
		*cap = *cap != 0 ? *cap * 2 : 32;
		if ((p = realloc(nm->m, *cap * sizeof(*nm->m))) == NULL) {
			free(d);
			return ETK_ENOMEM;
		}
		nm->m = p;
	}
	nm->m[nm->nm].mail = d;
	nm->m[nm->nm].name = name;
	nm->nm++;
	return ETK_OK;
}

/* Names of the exhibit's contacts by number (numbers of 9 digits and
 * more, matched on their last 9 digits and then as a suffix) and by
 * e-mail address (whole, ASCII case ignored). */
static int
names_build(const struct rp *r, const char *x, struct names *nm)
{
	const struct rows *t = &r->t[T_CONTACTS];
	struct etk_jval *v;
	struct etk_error e2;
	const char *s, *name;
	size_t i, k, col, cap = 0, mcap = 0;
	int rc = ETK_OK;

	memset(nm, 0, sizeof(*nm));
	for (i = 0; i < t->n && rc == ETK_OK; i++) {
		if (strcmp(t->ex[i], x) != 0 ||
		    (name = rp_cell(t, i, P_NAME)) == NULL)
			continue;
		for (col = P_NUMBERS; col <= P_EMAILS && rc == ETK_OK; col++) {
			if ((s = rp_cell(t, i, col)) == NULL)
				continue;
			memset(&e2, 0, sizeof(e2));
			v = NULL;
			if (etk_json_parse(s, strlen(s), &v, &e2) != ETK_OK ||
			    v->type != ETK_JARR) {
				etk_jval_free(v);
				continue;
			}
			for (k = 0; k < v->n && rc == ETK_OK; k++)
				if (v->items[k]->type == ETK_JSTR)
					rc = col == P_NUMBERS ? add_number(nm,
					    &cap, v->items[k]->str, name) :
					    add_mail(nm, &mcap,
					    v->items[k]->str, name);
			etk_jval_free(v);
		}
	}
	if (nm->n > 0)
		qsort(nm->v, nm->n, sizeof(*nm->v), cmp_nameidx);
	if (nm->nm > 0)
		qsort(nm->m, nm->nm, sizeof(*nm->m), cmp_mailidx);
	return rc;
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static const char *
name_for(const struct names *nm, const char *number)
{
	const char *found = NULL;
	size_t lo = 0, hi = nm->n, mid;
	char *d;

	if (number == NULL)
		return NULL;
	if (strchr(number, '@') != NULL && nm->nm > 0 &&
	    (d = lower(number)) != NULL) {
		/* The first (by name) contact with that address. */
		lo = 0;
		hi = nm->nm;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (strcmp(nm->m[mid].mail, d) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nm->nm && strcmp(nm->m[lo].mail, d) == 0)
			found = nm->m[lo].name;
		free(d);
		if (found != NULL)
			return found;
		lo = 0;
		hi = nm->n;
	}
	if ((d = digits_of(number)) == NULL)
		return NULL;
	if (strlen(d) >= 9) {
		/* First entry with this key, then the equal ones in order. */
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (strcmp(nm->v[mid].key, d + strlen(d) - 9) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nm->n && found == NULL &&
		    strcmp(nm->v[lo].key, d + strlen(d) - 9) == 0; lo++)
			if (ends_with(d, nm->v[lo].digits) ||
			    ends_with(nm->v[lo].digits, d))
				found = nm->v[lo].name;
	}
	free(d);
	return found;
}

/* A party: "Name (number)" or the number as recorded. */
static void
party(struct etk_buf *b, const struct names *nm, const char *who)
{
	const char *n;

	if (who == NULL || who[0] == '\0') {
		etk_buf_adds(b, "<span class=\"party self\">this device"
		    "</span>");
		return;
	}
	if ((n = name_for(nm, who)) != NULL) {
		etk_buf_adds(b, "<span class=\"party named\">");
		txt(b, n);
		etk_buf_adds(b, "</span> <span class=\"num\">(");
		txt(b, who);
		etk_buf_adds(b, ")</span>");
	} else {
		etk_buf_adds(b, "<span class=\"party\">");
		txt(b, who);
		etk_buf_adds(b, "</span>");
	}
}

/* A JSON list of strings (as the database keeps them) as parties. */
static void
parties(struct etk_buf *b, const struct names *nm, const char *json)
{
	struct etk_jval *v = NULL;
	struct etk_error e2;
	size_t i, shown = 0;

	memset(&e2, 0, sizeof(e2));
	if (json != NULL && etk_json_parse(json, strlen(json), &v, &e2) ==
	    ETK_OK && v->type == ETK_JARR)
		for (i = 0; i < v->n; i++)
			if (v->items[i]->type == ETK_JSTR) {
				if (shown++ > 0)
					etk_buf_adds(b, ", ");
				party(b, nm, v->items[i]->str);
			}
	if (shown == 0)
		etk_buf_adds(b, "<span class=\"party self\">this device"
		    "</span>");
	etk_jval_free(v);
}

/* ---- pictures ---- */

/* The picture's bytes when path holds exactly the file with SHA-256
 * sha, else NULL. */
static unsigned char *
load_checked(const char *path, const char *sha, size_t *len)
{
	unsigned char *data;
	char hex[65];

	if (path == NULL || (data = slurp(path, len)) == NULL)
		return NULL;
	sha256_hex(data, *len, hex);
	if (strcmp(hex, sha) != 0) {
		free(data);
		return NULL;
	}
	return data;
}

/* Append a thumbnail <img> of the picture of locator and return 1, or
 * return 0.  Looked for where the journal says it was exported, then in
 * the picture directories (under the exported name, or as SHA256,
 * SHA256.jpg, SHA256.png); used only when its SHA-256 is the one the
 * journal (or, failing that, the images row) recorded. */
static int
thumb_for(struct rp *r, const char *loc, const char *want_sha, int *tries)
{
	static const char *const sfx[] = { "", ".jpg", ".jpeg", ".png" };
	const struct picture *p = rp_picture(r, loc);
	const char *sha = p != NULL ? p->sha256 : want_sha;
	const char *const *d;
	unsigned char *data = NULL;
	char *full, name[80];
	size_t len = 0, k, mark;
	int ok = 0;

	if (sha == NULL || !mf_is_hex(sha, 64))
		return 0;
	if (tries != NULL && (*tries)++ >= THUMB_CAP)
		return 0;
	if (p != NULL) {
		full = p->path[0] == '/' ? strdup(p->path) :
		    rp_join(r->dir, p->path);
		data = load_checked(full, sha, &len);
		free(full);
	}
	for (d = r->o != NULL ? r->o->picture_dirs : NULL;
	    data == NULL && d != NULL && *d != NULL; d++)
		for (k = 0; data == NULL && k < 4; k++) {
			if (p != NULL && k == 0)
				full = rp_join(*d, mf_basename(p->path));
			else {
				snprintf(name, sizeof(name), "%s%s", sha,
				    sfx[k]);
				full = rp_join(*d, name);
			}
			data = load_checked(full, sha, &len);
			free(full);
		}
	if (data == NULL)
		return 0;
	mark = r->out->len;
	etk_buf_adds(r->out, "<img class=\"thumb\" alt=\"picture ");
	txt(r->out, sha);
	etk_buf_adds(r->out, "\" src=\"");
	if (rp_thumb(data, len, r->thumb_max, r->out)) {
		etk_buf_adds(r->out, "\">");
		ok = 1;
	} else
		rp_truncate(r->out, mark);
	free(data);
	return ok;
}

/* ---- the page ---- */

static const char css[] =
"<style>\n"
"body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;"
"padding:1em;color:#111;background:#fff}\n"
"h1{font-size:1.6em}h2{border-bottom:2px solid #345;margin-top:2em}"
"h3{margin-top:1.5em}\n"
"table{border-collapse:collapse;width:100%;margin:.5em 0}"
"th,td{border:1px solid #bbb;padding:2px 5px;text-align:left;"
"vertical-align:top}th{background:#e8edf2}\n"
"table.sortable th{cursor:pointer}\n"
".loc,.num{font-family:monospace;font-size:.85em;color:#444;"
"word-break:break-all}\n"
".hash{font-family:monospace;font-size:.8em;word-break:break-all}\n"
".alert,.alerts li{color:#a00;font-weight:bold}.ok{color:#060}\n"
".deleted{background:#fde8e8}.badge{display:inline-block;padding:0 4px;"
"border-radius:3px;font-size:.8em;background:#a00;color:#fff}\n"
".carved .badge{background:#a60}\n"
".thread{border:1px solid #ccd;margin:1em 0;padding:.5em}\n"
".msg{max-width:70%;margin:.4em 0;padding:.3em .6em;border-radius:8px;"
"background:#eef}\n.msg.out{margin-left:auto;background:#dfd}\n"
".msg .meta{font-size:.8em;color:#555}.body{white-space:pre-wrap}\n"
".gallery{display:flex;flex-wrap:wrap;gap:8px}\n"
".card{border:1px solid #ccc;width:200px;padding:4px;font-size:.8em}\n"
".thumb{max-width:160px;max-height:160px;display:block}\n"
".nothumb{width:160px;height:100px;border:1px dashed #999;"
"display:flex;align-items:center;justify-content:center;color:#777}\n"
".count{font-weight:bold}.more{font-style:italic;color:#555}\n"
"svg{max-width:100%;height:auto;border:1px solid #ddd}\n"
"@media print{body{max-width:none;font-size:10pt}"
"a{color:inherit;text-decoration:none}.filter{display:none}"
"section.exhibit{page-break-before:always}"
"tr,.msg,.card{page-break-inside:avoid}}\n"
"</style>\n";

/* Sorting by a header click and a filter box per sortable table; the
 * page reads the same without it. */
static const char script[] =
"<script>\n"
"(function(){\n"
"function key(td){var t=td?td.textContent.trim():'';"
"var n=td&&td.getAttribute('data-sort');if(n!==null&&n!==undefined)"
"t=n;var f=Number(t);return t!==''&&!isNaN(f)?[0,f]:[1,t];}\n"
"function cmp(a,b){if(a[0]!==b[0])return a[0]-b[0];"
"return a[1]<b[1]?-1:a[1]>b[1]?1:0;}\n"
"document.querySelectorAll('table.sortable').forEach(function(t){\n"
"var tb=t.tBodies[0];if(!tb)return;\n"
"t.querySelectorAll('th').forEach(function(th,i){\n"
"th.title='sort';th.addEventListener('click',function(){\n"
"var asc=th.getAttribute('data-dir')!=='asc';"
"th.setAttribute('data-dir',asc?'asc':'desc');\n"
"var rows=Array.prototype.slice.call(tb.rows);\n"
"rows.sort(function(a,b){var r=cmp(key(a.cells[i]),key(b.cells[i]));"
"return asc?r:-r;});\n"
"rows.forEach(function(r){tb.appendChild(r);});});});\n"
"var inp=document.createElement('input');inp.className='filter';"
"inp.placeholder='filter rows';\n"
"inp.addEventListener('input',function(){var q=inp.value.toLowerCase();"
"Array.prototype.forEach.call(tb.rows,function(r){"
"r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';"
"});});\n"
"t.parentNode.insertBefore(inp,t);});\n"
"})();\n"
"</script>\n";

static void
count(struct etk_buf *b, const char *kind, const char *label, size_t n)
{
	etk_buf_printf(b, "<li>%s: <span class=\"count\" data-count=\"%s\">"
	    "%zu</span></li>\n", label, kind, n);
}

static void
item_open(struct etk_buf *b, const char *tag, const char *kind,
    const char *cls, const char *loc)
{
	etk_buf_printf(b, "<%s data-item=\"%s\"", tag, kind);
	if (cls != NULL && cls[0] != '\0')
		etk_buf_printf(b, " class=\"%s\"", cls);
	etk_buf_adds(b, " data-locator=\"");
	txt(b, loc);
	etk_buf_adds(b, "\">");
}

static void
td(struct etk_buf *b, const char *cls, const char *s)
{
	if (cls != NULL)
		etk_buf_printf(b, "<td class=\"%s\">", cls);
	else
		etk_buf_adds(b, "<td>");
	txt(b, s);
	etk_buf_adds(b, "</td>");
}

static void
more(struct etk_buf *b, size_t n, const char *what)
{
	if (n > ROW_CAP)
		etk_buf_printf(b, "<p class=\"more\">%zu more %s not shown "
		    "(the first %d are).</p>\n", n - ROW_CAP, what, ROW_CAP);
}

static size_t
count_ex(const struct rows *t, const char *x)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += strcmp(t->ex[i], x) == 0;
	return n;
}

/* The part of a locator after "<exhibit>:". */
static const char *
after_exhibit(const char *loc)
{
	const char *c = loc != NULL ? strchr(loc, ':') : NULL;

	return c != NULL ? c + 1 : loc != NULL ? loc : "";
}

/* Latest journal input that names path: stored digests and size. */
static const struct etk_jval *
input_for(const struct mf_case *c, const char *path)
{
	const struct etk_jval *ins, *files;
	const char *p;
	size_t i, k, m;

	for (i = c->ne; i-- > 0;) {
		if ((ins = mf_arr(c->e[i].v, "inputs")) == NULL)
			continue;
		for (k = 0; k < ins->n; k++) {
			if ((p = mf_str(ins->items[k], "path")) != NULL &&
			    strcmp(p, path) == 0)
				return ins->items[k];
			files = mf_arr(ins->items[k], "files");
			for (m = 0; files != NULL && m < files->n; m++)
				if ((p = mf_str(files->items[m], "path")) !=
				    NULL && strcmp(p, path) == 0)
					return ins->items[k];
		}
	}
	return NULL;
}

static void
dl(struct etk_buf *b, const char *k, const char *v, const char *cls)
{
	if (v == NULL)
		return;
	etk_buf_adds(b, "<dt>");
	txt(b, k);
	etk_buf_printf(b, "</dt><dd%s%s%s>", cls != NULL ? " class=\"" : "",
	    cls != NULL ? cls : "", cls != NULL ? "\"" : "");
	txt(b, v);
	etk_buf_adds(b, "</dd>\n");
}

static int
same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* Volumes, file systems and containers as the runs' summaries in the
 * journal name them ("<exhibit>:p6", "<exhibit>:p6:/a.zip"), when the
 * database has no volumes rows: the latest line's word for each scope
 * and kind. */
static void
journal_volumes(struct rp *r, const char *x)
{
	struct etk_buf *b = r->out;
	const struct etk_jval *sum, *items, *it;
	const char **seen = NULL, *scope;
	size_t i, k, m, n = 0, cap = 0, xl = strlen(x);
	const struct etk_jval **row = NULL;
	int64_t cnt;
	void *p;

	for (i = r->c.ne; i-- > 0;) {
		if ((sum = mf_obj(r->c.e[i].v, "summary")) == NULL ||
		    (items = mf_arr(sum, "items")) == NULL)
			continue;
		for (k = 0; k < items->n; k++) {
			it = items->items[k];
			if ((scope = mf_str(it, "scope")) == NULL ||
			    strncmp(scope, x, xl) != 0 || scope[xl] != ':')
				continue;
			for (m = 0; m < n && (strcmp(seen[m], scope) != 0 ||
			    !same(mf_str(row[m], "kind"), mf_str(it, "kind")));
			    m++)
				;
			if (m < n)
				continue;
			if (n == cap) {
				cap = cap != 0 ? cap * 2 : 16;
				if ((p = realloc(seen, cap *
				    sizeof(*seen))) == NULL)
					goto nomem;
				seen = p;
				if ((p = realloc(row, cap *
				    sizeof(*row))) == NULL)
					goto nomem;
				row = p;
			}
			seen[n] = scope;
			row[n++] = it;
		}
	}
	if (n == 0) {
		etk_buf_adds(b, "<p>No partition or file system "
		    "recorded.</p>\n");
		goto out;
	}
	/* By scope, so the bytes do not depend on the runs' order. */
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && (strcmp(seen[k - 1], seen[k]) > 0 ||
		    (strcmp(seen[k - 1], seen[k]) == 0 && strcmp(mf_str(row[k -
		    1], "kind") != NULL ? mf_str(row[k - 1], "kind") : "",
		    mf_str(row[k], "kind") != NULL ? mf_str(row[k], "kind") :
		    "") > 0)); k--) {
			scope = seen[k];
			seen[k] = seen[k - 1];
			seen[k - 1] = scope;
			it = row[k];
			row[k] = row[k - 1];
			row[k - 1] = it;
		}
	etk_buf_adds(b, "<p>Partitions, file systems and containers as the "
	    "runs' summaries in the journal record them:</p>\n<table "
	    "class=\"volumes\"><thead><tr><th>scope</th><th>kind</th><th>"
	    "status</th><th>items</th><th>note</th></tr></thead><tbody>\n");
	for (i = 0; i < n; i++) {
		etk_buf_adds(b, "<tr>");
		td(b, "loc", seen[i]);
		td(b, NULL, mf_str(row[i], "kind"));
		td(b, NULL, mf_str(row[i], "status"));
		if (mf_int(row[i], "count", &cnt))
			etk_buf_printf(b, "<td>%" PRId64 "</td>", cnt);
		else
			etk_buf_adds(b, "<td></td>");
		td(b, NULL, mf_str(row[i], "reason"));
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</tbody></table>\n");
	goto out;
nomem:
	b->oom = 1;
out:
	free(seen);
	free(row);
}

static void
summary(struct rp *r, const char *x)
{
	struct etk_buf *b = r->out;
	const struct rows *t;
	const struct etk_jval *in;
	size_t i, n, nalert = 0, ndel = 0, nmis = 0, nknown = 0;
	int64_t ms;

	etk_buf_adds(b, "<h3>Summary</h3>\n");
	/* Alerts first. */
	t = &r->t[T_HASHES];
	for (i = 0; i < t->n; i++)
		if (strcmp(t->ex[i], x) == 0) {
			nalert += rp_cell(t, i, H_ALERT) != NULL;
			nmis += is_true(rp_cell(t, i, H_MISMATCH));
			nknown += rp_cell(t, i, H_KNOWN) != NULL;
		}
	if (nalert > 0) {
		etk_buf_printf(b, "<p class=\"alert\">%zu file%s matched an "
		    "alert set.</p>\n<ul class=\"alerts\">\n", nalert,
		    nalert == 1 ? "" : "s");
		for (i = 0, n = 0; i < t->n; i++) {
			if (strcmp(t->ex[i], x) != 0 ||
			    rp_cell(t, i, H_ALERT) == NULL)
				continue;
			if (n++ >= ROW_CAP)
				continue;
			item_open(b, "li", "alert", NULL,
			    rp_cell(t, i, H_LOC));
			txt(b, after_exhibit(rp_cell(t, i, H_LOC)));
			etk_buf_adds(b, " &#8212; set ");
			txt(b, rp_cell(t, i, H_ALERT));
			etk_buf_adds(b, " <span class=\"hash\">sha256 ");
			txt(b, rp_cells(t, i, H_SHA256));
			etk_buf_adds(b, "</span> <span class=\"loc\">");
			txt(b, rp_cell(t, i, H_LOC));
			etk_buf_adds(b, "</span></li>\n");
		}
		etk_buf_adds(b, "</ul>\n");
		more(b, nalert, "alerts");
	}
	/* Source and hashes. */
	etk_buf_adds(b, "<dl class=\"source\">\n");
	for (i = 0; i < r->ev.n; i++) {
		if (strcmp(rp_cells(&r->ev, i, E_NAME), x) != 0)
			continue;
		dl(b, "source", rp_cell(&r->ev, i, E_PATH), "loc");
		dl(b, "kind", rp_cell(&r->ev, i, E_KIND), NULL);
		dl(b, "container size (bytes)", rp_cell(&r->ev, i, E_SIZE), NULL);
		dl(b, "container SHA-256", rp_cell(&r->ev, i, E_SHA256), "hash");
		if ((in = input_for(&r->c, rp_cells(&r->ev, i, E_PATH))) ==
		    NULL)
			continue;
		dl(b, "format", mf_str(in, "format"), NULL);
		dl(b, "stored MD5", mf_str(in, "stored_md5"), "hash");
		dl(b, "stored SHA-1", mf_str(in, "stored_sha1"), "hash");
		if (mf_int(in, "media_size", &ms)) {
			char nb[32];

			snprintf(nb, sizeof(nb), "%" PRId64, ms);
			dl(b, "media size (bytes)", nb, NULL);
		}
	}
	etk_buf_adds(b, "</dl>\n");
	/* Volumes and file systems. */
	t = &r->t[T_VOLUMES];
	if (count_ex(t, x) > 0) {
		etk_buf_adds(b, "<table class=\"volumes\"><thead><tr><th>slot"
		    "</th><th>start</th><th>length</th><th>description</th>"
		    "<th>file system</th><th>block size</th><th>blocks</th>"
		    "</tr></thead><tbody>\n");
		for (i = 0; i < t->n; i++) {
			if (strcmp(t->ex[i], x) != 0)
				continue;
			etk_buf_adds(b, "<tr>");
			td(b, NULL, rp_cell(t, i, V_SLOT));
			td(b, NULL, rp_cell(t, i, V_START));
			td(b, NULL, rp_cell(t, i, V_LEN));
			td(b, NULL, rp_cell(t, i, V_DESCR));
			td(b, NULL, rp_cell(t, i, V_FS));
			td(b, NULL, rp_cell(t, i, V_BS));
			td(b, NULL, rp_cell(t, i, V_BC));
			etk_buf_adds(b, "</tr>\n");
		}
		etk_buf_adds(b, "</tbody></table>\n");
	} else
		journal_volumes(r, x);
	/* Counts. */
	t = &r->t[T_FILES];
	for (i = 0; i < t->n; i++)
		if (strcmp(t->ex[i], x) == 0)
			ndel += is_true(rp_cell(t, i, F_DEL));
	etk_buf_adds(b, "<ul class=\"counts\">\n");
	count(b, "alerts", "alerts", nalert);
	count(b, "messages", "messages", count_ex(&r->t[T_MSG], x));
	count(b, "calls", "calls", count_ex(&r->t[T_CALLS], x));
	count(b, "contacts", "contacts", count_ex(&r->t[T_CONTACTS], x));
	count(b, "images", "pictures", count_ex(&r->t[T_IMAGES], x));
	count(b, "carved", "carved items", count_ex(&r->t[T_CARVED], x));
	count(b, "files", "files listed", count_ex(t, x));
	count(b, "deleted", "deleted files", ndel);
	count(b, "known", "files in known sets", nknown);
	count(b, "mismatch", "extension mismatches", nmis);
	count(b, "entities", "POLE entities", count_ex(&r->t[T_ENT], x));
	count(b, "links", "POLE links", count_ex(&r->t[T_LINKS], x));
	etk_buf_adds(b, "</ul>\n");
	/* Content that contradicts its extension. */
	if (nmis > 0) {
		t = &r->t[T_HASHES];
		etk_buf_adds(b, "<h4>Extension mismatches</h4>\n<table "
		    "class=\"sortable\"><thead><tr><th>file</th><th>SHA-256"
		    "</th><th>locator</th></tr></thead><tbody>\n");
		for (i = 0, n = 0; i < t->n; i++) {
			if (strcmp(t->ex[i], x) != 0 ||
			    !is_true(rp_cell(t, i, H_MISMATCH)) || n++ >= ROW_CAP)
				continue;
			item_open(b, "tr", "mismatch", NULL,
			    rp_cell(t, i, H_LOC));
			td(b, NULL, after_exhibit(rp_cell(t, i, H_LOC)));
			td(b, "hash", rp_cell(t, i, H_SHA256));
			td(b, "loc", rp_cell(t, i, H_LOC));
			etk_buf_adds(b, "</tr>\n");
		}
		etk_buf_adds(b, "</tbody></table>\n");
		more(b, nmis, "mismatches");
	}
}

static void
attachments(struct rp *r, const char *json, int *tries)
{
	struct etk_buf *b = r->out;
	struct etk_jval *v = NULL;
	struct etk_error e2;
	const char *loc;
	size_t i;

	memset(&e2, 0, sizeof(e2));
	if (json == NULL || etk_json_parse(json, strlen(json), &v, &e2) !=
	    ETK_OK || v->type != ETK_JARR || v->n == 0) {
		etk_jval_free(v);
		return;
	}
	etk_buf_adds(b, "<div class=\"att\">");
	for (i = 0; i < v->n; i++) {
		if (v->items[i]->type != ETK_JSTR)
			continue;
		loc = v->items[i]->str;
		etk_buf_adds(b, "<div class=\"attachment\">");
		if (!thumb_for(r, loc, NULL, tries))
			etk_buf_adds(b, "<span class=\"nothumb\">attachment "
			    "not available</span>");
		etk_buf_adds(b, "<span class=\"loc\">");
		txt(b, loc);
		etk_buf_adds(b, "</span></div>");
	}
	etk_buf_adds(b, "</div>");
	etk_jval_free(v);
}


static void
message(struct rp *r, size_t k, const struct names *nm, int *tries)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_MSG];
	int out = same(rp_cell(t, k, M_DIR), "outgoing");
	int del = is_true(rp_cell(t, k, M_DEL));

	item_open(b, "div", "message", del ? (out ? "msg out deleted" :
	    "msg in deleted") : out ? "msg out" : "msg in", rp_cell(t, k, M_SRC));
	etk_buf_adds(b, "<div class=\"meta\">");
	if (del)
		etk_buf_adds(b, "<span class=\"badge\">deleted</span> ");
	txt(b, rp_cells(t, k, M_DIR));
	etk_buf_adds(b, " &#183; from ");
	party(b, nm, rp_cell(t, k, M_FROM));
	etk_buf_adds(b, " to ");
	parties(b, nm, rp_cell(t, k, M_TO));
	etk_buf_adds(b, " &#183; <time>");
	txt(b, rp_cell(t, k, M_TIME) != NULL ? rp_cell(t, k, M_TIME) :
	    "time unknown");
	etk_buf_adds(b, "</time></div>\n<div class=\"body\">");
	txt(b, rp_cell(t, k, M_BODY));
	etk_buf_adds(b, "</div>");
	attachments(r, rp_cell(t, k, M_ATT), tries);
	etk_buf_adds(b, "<div class=\"loc\">");
	txt(b, rp_cell(t, k, M_SRC));
	etk_buf_adds(b, "</div></div>\n");
}

static void
conversations(struct rp *r, const char *x, const struct names *nm,
    int *tries)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_MSG];
	size_t i, j, k, n = 0, m = 0, nthreads = 0, *ix;

	etk_buf_adds(b, "<h3>Conversations</h3>\n");
	if ((ix = calloc(t->n + 1, sizeof(*ix))) == NULL) {
		b->oom = 1;
		return;
	}
	for (i = 0; i < t->n; i++)
		if (strcmp(t->ex[i], x) == 0)
			ix[m++] = i;
	if (m == 0) {
		etk_buf_adds(b, "<p>No messages.</p>\n");
		free(ix);
		return;
	}
	/* The exhibit's rows keep the query's order (app, thread, time,
	 * source): a thread is a run of them with one app and thread. */
	for (i = 0; i < m; i = j) {
		for (j = i + 1; j < m && same(rp_cell(t, ix[j], M_APP),
		    rp_cell(t, ix[i], M_APP)) && same(rp_cell(t, ix[j], M_THREAD),
		    rp_cell(t, ix[i], M_THREAD)); j++)
			;
		nthreads++;
		if (n >= ROW_CAP)
			continue;
		etk_buf_adds(b, "<div class=\"thread\" data-app=\"");
		txt(b, rp_cells(t, ix[i], M_APP));
		etk_buf_adds(b, "\" data-thread=\"");
		txt(b, rp_cells(t, ix[i], M_THREAD));
		etk_buf_adds(b, "\"><h4>");
		txt(b, rp_cells(t, ix[i], M_APP));
		etk_buf_adds(b, " &#8212; thread ");
		txt(b, rp_cells(t, ix[i], M_THREAD));
		etk_buf_printf(b, " (%zu)</h4>\n", j - i);
		for (k = i; k < j && n < ROW_CAP; k++, n++)
			message(r, ix[k], nm, tries);
		etk_buf_adds(b, "</div>\n");
	}
	etk_buf_printf(b, "<p>%zu thread%s.</p>\n", nthreads,
	    nthreads == 1 ? "" : "s");
	more(b, m, "messages");
	free(ix);
}

static void
calls_table(struct rp *r, const char *x, const struct names *nm)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_CALLS];
	size_t i, n = 0, total = count_ex(t, x);
	const char *nmv;

	etk_buf_adds(b, "<h3>Calls</h3>\n");
	if (total == 0) {
		etk_buf_adds(b, "<p>No calls.</p>\n");
		return;
	}
	etk_buf_adds(b, "<table class=\"sortable calls\"><thead><tr><th>time"
	    "</th><th>direction</th><th>number</th><th>name</th><th>duration "
	    "(s)</th><th>app</th><th>locator</th></tr></thead><tbody>\n");
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->ex[i], x) != 0 || n++ >= ROW_CAP)
			continue;
		item_open(b, "tr", "call", NULL, rp_cell(t, i, K_SRC));
		td(b, NULL, rp_cell(t, i, K_TIME));
		td(b, NULL, rp_cell(t, i, K_DIR));
		td(b, "num", rp_cell(t, i, K_NUMBER));
		nmv = rp_cell(t, i, K_NAME);
		if (nmv == NULL || nmv[0] == '\0')
			nmv = name_for(nm, rp_cell(t, i, K_NUMBER));
		td(b, NULL, nmv);
		td(b, NULL, rp_cell(t, i, K_DUR));
		td(b, NULL, rp_cell(t, i, K_APP));
		td(b, "loc", rp_cell(t, i, K_SRC));
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</tbody></table>\n");
	more(b, total, "calls");
}

static void
json_list_text(struct etk_buf *b, const char *json)
{
	struct etk_jval *v = NULL;
	struct etk_error e2;
	size_t i, shown = 0;

	memset(&e2, 0, sizeof(e2));
	if (json != NULL && etk_json_parse(json, strlen(json), &v, &e2) ==
	    ETK_OK && v->type == ETK_JARR)
		for (i = 0; i < v->n; i++)
			if (v->items[i]->type == ETK_JSTR) {
				if (shown++ > 0)
					etk_buf_adds(b, "<br>");
				txt(b, v->items[i]->str);
			}
	etk_jval_free(v);
}

static void
contacts_table(struct rp *r, const char *x)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_CONTACTS];
	size_t i, n = 0, total = count_ex(t, x);

	etk_buf_adds(b, "<h3>Contacts</h3>\n");
	if (total == 0) {
		etk_buf_adds(b, "<p>No contacts.</p>\n");
		return;
	}
	etk_buf_adds(b, "<table class=\"sortable contacts\"><thead><tr><th>"
	    "name</th><th>numbers</th><th>e-mail</th><th>app</th><th>locator"
	    "</th></tr></thead><tbody>\n");
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->ex[i], x) != 0 || n++ >= ROW_CAP)
			continue;
		item_open(b, "tr", "contact", NULL, rp_cell(t, i, P_SRC));
		td(b, NULL, rp_cell(t, i, P_NAME));
		etk_buf_adds(b, "<td class=\"num\">");
		json_list_text(b, rp_cell(t, i, P_NUMBERS));
		etk_buf_adds(b, "</td><td>");
		json_list_text(b, rp_cell(t, i, P_EMAILS));
		etk_buf_adds(b, "</td>");
		td(b, NULL, rp_cell(t, i, P_APP));
		td(b, "loc", rp_cell(t, i, P_SRC));
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</tbody></table>\n");
	more(b, total, "contacts");
}

static void
gallery(struct rp *r, const char *x, int *tries)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_IMAGES];
	size_t i, n = 0, total = count_ex(t, x);

	etk_buf_adds(b, "<h3>Pictures</h3>\n");
	if (total == 0) {
		etk_buf_adds(b, "<p>No pictures.</p>\n");
		return;
	}
	etk_buf_adds(b, "<div class=\"gallery\">\n");
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->ex[i], x) != 0 || n++ >= ROW_CAP)
			continue;
		item_open(b, "div", "image", "card", rp_cell(t, i, I_LOC));
		if (!thumb_for(r, rp_cells(t, i, I_LOC), rp_cell(t, i, I_SHA256),
		    tries))
			etk_buf_adds(b, "<div class=\"nothumb\">picture not "
			    "available</div>");
		etk_buf_adds(b, "<div>");
		txt(b, mf_basename(rp_cells(t, i, I_LOC)));
		etk_buf_adds(b, "</div><div>");
		txt(b, rp_cell(t, i, I_W));
		etk_buf_adds(b, "&#215;");
		txt(b, rp_cell(t, i, I_H));
		etk_buf_adds(b, " ");
		txt(b, rp_cell(t, i, I_MIME));
		etk_buf_adds(b, "</div>");
		if (rp_cell(t, i, I_TAKEN) != NULL) {
			etk_buf_adds(b, "<div>taken <time>");
			txt(b, rp_cell(t, i, I_TAKEN));
			etk_buf_adds(b, "</time></div>");
		}
		if (rp_cell(t, i, I_MAKE) != NULL ||
		    rp_cell(t, i, I_MODEL) != NULL) {
			etk_buf_adds(b, "<div>camera ");
			txt(b, rp_cells(t, i, I_MAKE));
			etk_buf_adds(b, " ");
			txt(b, rp_cells(t, i, I_MODEL));
			etk_buf_adds(b, "</div>");
		}
		if (rp_cell(t, i, I_LAT) != NULL && rp_cell(t, i, I_LON) != NULL) {
			etk_buf_adds(b, "<div>lat ");
			txt(b, rp_cell(t, i, I_LAT));
			etk_buf_adds(b, ", lon ");
			txt(b, rp_cell(t, i, I_LON));
			etk_buf_adds(b, "</div>");
		}
		etk_buf_adds(b, "<div class=\"hash\">sha256 ");
		txt(b, rp_cells(t, i, I_SHA256));
		etk_buf_adds(b, "</div><div class=\"loc\">");
		txt(b, rp_cell(t, i, I_LOC));
		etk_buf_adds(b, "</div></div>\n");
	}
	etk_buf_adds(b, "</div>\n");
	more(b, total, "pictures");
}

/* Days since 1970-01-01 of "YYYY-MM-DD...", or 0 with *ok = 0. */
static long
day_of(const char *s, int *ok)
{
	long y, m, d, era, yoe, doy, doe;
	int i;

	*ok = 0;
	if (s == NULL || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	/* H. Hinnant's days_from_civil. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*ok = 1;
	return era * 146097 + doe - 719468;
}

static void
civil(long z, char out[11])
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(out, 11, "%04d-%02d-%02d", (int)((y % 10000 + 10000) % 10000),
	    (int)(m % 100 + 100) % 100, (int)(d % 100 + 100) % 100);
}

#define TL_BARS	400

static void
timeline(struct rp *r, const char *x)
{
	static const struct { int t, col; } src[] = {
		{ T_MSG, M_TIME }, { T_CALLS, K_TIME }, { T_IMAGES, I_TAKEN },
	};
	struct etk_buf *b = r->out;
	long lo = 0, hi = 0, d, per, nb, k;
	size_t s, i, n = 0, *bars, maxv = 0;
	char a[11], z[11];
	int ok, first = 1;

	etk_buf_adds(b, "<h3>Timeline</h3>\n");
	for (s = 0; s < 3; s++)
		for (i = 0; i < r->t[src[s].t].n; i++) {
			if (strcmp(r->t[src[s].t].ex[i], x) != 0)
				continue;
			d = day_of(rp_cell(&r->t[src[s].t], i,
			    (size_t)src[s].col), &ok);
			if (!ok)
				continue;
			if (first || d < lo)
				lo = d;
			if (first || d > hi)
				hi = d;
			first = 0;
			n++;
		}
	if (n == 0) {
		etk_buf_adds(b, "<p>No dated events.</p>\n");
		return;
	}
	per = (hi - lo + 1 + TL_BARS - 1) / TL_BARS;
	nb = (hi - lo + 1 + per - 1) / per;
	if ((bars = calloc((size_t)nb, sizeof(*bars))) == NULL) {
		b->oom = 1;
		return;
	}
	for (s = 0; s < 3; s++)
		for (i = 0; i < r->t[src[s].t].n; i++) {
			if (strcmp(r->t[src[s].t].ex[i], x) != 0)
				continue;
			d = day_of(rp_cell(&r->t[src[s].t], i,
			    (size_t)src[s].col), &ok);
			if (ok && ++bars[(d - lo) / per] > maxv)
				maxv = bars[(d - lo) / per];
		}
	civil(lo, a);
	civil(hi, z);
	etk_buf_printf(b, "<p>%zu dated events (messages, calls, pictures "
	    "taken) from %s to %s (dates as recorded), ", n, a, z);
	if (per > 1)
		etk_buf_printf(b, "per %ld days: the span is too long for a "
		    "bar per day.</p>\n", per);
	else
		etk_buf_adds(b, "per day.</p>\n");
	/* 800 x 240 drawing area from (60,10); bars share the width. */
	etk_buf_adds(b, "<svg class=\"timeline\" "
	    "viewBox=\"0 0 880 300\" width=\"880\" height=\"300\" "
	    "role=\"img\" aria-label=\"events per day\">\n");
	etk_buf_adds(b, "<line x1=\"60\" y1=\"250\" x2=\"860\" y2=\"250\" "
	    "stroke=\"#333\"/><line x1=\"60\" y1=\"10\" x2=\"60\" y2=\"250\" "
	    "stroke=\"#333\"/>\n");
	for (k = 0; k < nb; k++) {
		long x0 = 60 + k * 800 / nb, x1 = 60 + (k + 1) * 800 / nb;
		long hgt = maxv > 0 ? (long)(bars[k] * 240 / maxv) : 0;
		char day[11];

		if (bars[k] == 0)
			continue;
		civil(lo + k * per, day);
		etk_buf_printf(b, "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" "
		    "height=\"%ld\" fill=\"#47a\"><title>%s: %zu</title>"
		    "</rect>\n", x0, 250 - hgt, x1 - x0 > 2 ? x1 - x0 - 1 : 1,
		    hgt, day, bars[k]);
	}
	etk_buf_printf(b, "<text x=\"60\" y=\"268\" font-size=\"12\">%s"
	    "</text><text x=\"860\" y=\"268\" font-size=\"12\" "
	    "text-anchor=\"end\">%s</text>\n", a, z);
	etk_buf_printf(b, "<text x=\"55\" y=\"20\" font-size=\"12\" "
	    "text-anchor=\"end\">%zu</text><text x=\"55\" y=\"250\" "
	    "font-size=\"12\" text-anchor=\"end\">0</text>\n", maxv);
	etk_buf_adds(b, "<text x=\"460\" y=\"290\" font-size=\"12\" "
	    "text-anchor=\"middle\">date (UTC as recorded)</text><text "
	    "x=\"15\" y=\"130\" font-size=\"12\" transform=\"rotate(-90 15 "
	    "130)\" text-anchor=\"middle\">events</text>\n</svg>\n");
	free(bars);
}

static void
gps_plot(struct rp *r, const char *x)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_IMAGES];
	double la, lo, minla = 0, maxla = 0, minlo = 0, maxlo = 0, pad;
	size_t i, n = 0;

	etk_buf_adds(b, "<h3>Places</h3>\n");
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->ex[i], x) != 0 || rp_cell(t, i, I_LAT) == NULL ||
		    rp_cell(t, i, I_LON) == NULL)
			continue;
		la = num(rp_cell(t, i, I_LAT));
		lo = num(rp_cell(t, i, I_LON));
		if (la < -90 || la > 90 || lo < -180 || lo > 180)
			continue;
		if (n == 0 || la < minla)
			minla = la;
		if (n == 0 || la > maxla)
			maxla = la;
		if (n == 0 || lo < minlo)
			minlo = lo;
		if (n == 0 || lo > maxlo)
			maxlo = lo;
		n++;
	}
	if (n == 0) {
		etk_buf_adds(b, "<p>No picture has a GPS position.</p>\n");
		return;
	}
	pad = (maxla - minla) * 0.1;
	minla -= pad < 0.001 ? 0.001 : pad;
	maxla += pad < 0.001 ? 0.001 : pad;
	pad = (maxlo - minlo) * 0.1;
	minlo -= pad < 0.001 ? 0.001 : pad;
	maxlo += pad < 0.001 ? 0.001 : pad;
	etk_buf_printf(b, "<p>%zu picture%s with a GPS position (plain "
	    "latitude/longitude axes, no map).</p>\n", n, n == 1 ? "" : "s");
	etk_buf_adds(b, "<svg class=\"gps\" "
	    "viewBox=\"0 0 600 440\" width=\"600\" height=\"440\" "
	    "role=\"img\" aria-label=\"GPS positions\">\n<rect x=\"80\" "
	    "y=\"10\" width=\"500\" height=\"380\" fill=\"#f6f8fa\" "
	    "stroke=\"#333\"/>\n");
	for (i = 0; i < t->n; i++) {
		double px, py;

		if (strcmp(t->ex[i], x) != 0 || rp_cell(t, i, I_LAT) == NULL ||
		    rp_cell(t, i, I_LON) == NULL)
			continue;
		la = num(rp_cell(t, i, I_LAT));
		lo = num(rp_cell(t, i, I_LON));
		if (la < -90 || la > 90 || lo < -180 || lo > 180)
			continue;
		px = 80 + (lo - minlo) / (maxlo - minlo) * 500;
		py = 10 + (maxla - la) / (maxla - minla) * 380;
		etk_buf_adds(b, "<circle data-locator=\"");
		txt(b, rp_cell(t, i, I_LOC));
		etk_buf_adds(b, "\" cx=\"");
		fixed(b, px, 1);
		etk_buf_adds(b, "\" cy=\"");
		fixed(b, py, 1);
		etk_buf_adds(b, "\" r=\"5\" fill=\"#c33\" fill-opacity=\"0.7\">"
		    "<title>");
		txt(b, mf_basename(rp_cells(t, i, I_LOC)));
		etk_buf_adds(b, " ");
		txt(b, rp_cell(t, i, I_LAT));
		etk_buf_adds(b, ", ");
		txt(b, rp_cell(t, i, I_LON));
		if (rp_cell(t, i, I_TAKEN) != NULL) {
			etk_buf_adds(b, " ");
			txt(b, rp_cell(t, i, I_TAKEN));
		}
		etk_buf_adds(b, "</title></circle>\n");
	}
	etk_buf_adds(b, "<text x=\"80\" y=\"408\" font-size=\"12\">");
	fixed(b, minlo, 5);
	etk_buf_adds(b, "</text><text x=\"580\" y=\"408\" font-size=\"12\" "
	    "text-anchor=\"end\">");
	fixed(b, maxlo, 5);
	etk_buf_adds(b, "</text><text x=\"75\" y=\"22\" font-size=\"12\" "
	    "text-anchor=\"end\">");
	fixed(b, maxla, 5);
	etk_buf_adds(b, "</text><text x=\"75\" y=\"390\" font-size=\"12\" "
	    "text-anchor=\"end\">");
	fixed(b, minla, 5);
	etk_buf_adds(b, "</text><text x=\"330\" y=\"430\" font-size=\"12\" "
	    "text-anchor=\"middle\">longitude (degrees)</text><text x=\"15\" "
	    "y=\"200\" font-size=\"12\" transform=\"rotate(-90 15 200)\" "
	    "text-anchor=\"middle\">latitude (degrees)</text>\n</svg>\n");
}

static void
carved_table(struct rp *r, const char *x)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_CARVED];
	size_t i, n = 0, total = count_ex(t, x);

	etk_buf_adds(b, "<h3>Carved items</h3>\n");
	if (total == 0) {
		etk_buf_adds(b, "<p>No carved items.</p>\n");
		return;
	}
	etk_buf_adds(b, "<table class=\"sortable carved\"><thead><tr><th>type"
	    "</th><th>offset</th><th>length</th><th>validated</th><th>complete"
	    "</th><th>SHA-256</th><th>locator</th></tr></thead><tbody>\n");
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->ex[i], x) != 0 || n++ >= ROW_CAP)
			continue;
		item_open(b, "tr", "carved", "carved", rp_cell(t, i, C_LOC));
		etk_buf_adds(b, "<td><span class=\"badge\">carved</span> ");
		txt(b, rp_cell(t, i, C_TYPE));
		etk_buf_adds(b, "</td>");
		td(b, NULL, rp_cell(t, i, C_OFF));
		td(b, NULL, rp_cell(t, i, C_LEN));
		td(b, NULL, is_true(rp_cell(t, i, C_VALID)) ? "yes" : "no");
		td(b, NULL, is_true(rp_cell(t, i, C_COMPLETE)) ? "yes" : "no");
		td(b, "hash", rp_cell(t, i, C_SHA256));
		td(b, "loc", rp_cell(t, i, C_LOC));
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</tbody></table>\n");
	more(b, total, "carved items");
}

static void
files_table(struct rp *r, const char *x)
{
	struct etk_buf *b = r->out;
	const struct rows *t = &r->t[T_FILES];
	size_t i, n = 0, total = count_ex(t, x), pass;
	int del;

	etk_buf_adds(b, "<h3>Files</h3>\n");
	if (total == 0) {
		etk_buf_adds(b, "<p>No files listed.</p>\n");
		return;
	}
	etk_buf_adds(b, "<p>Deleted files first, marked as such.</p>\n"
	    "<table class=\"sortable files\"><thead><tr><th>path</th><th>size"
	    "</th><th>state</th><th>type</th><th>modified</th><th>SHA-256"
	    "</th><th>locator</th></tr></thead><tbody>\n");
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < t->n; i++) {
			del = is_true(rp_cell(t, i, F_DEL));
			if (strcmp(t->ex[i], x) != 0 || del != (pass == 0) ||
			    n++ >= ROW_CAP)
				continue;
			item_open(b, "tr", "file", del ? "deleted" : NULL,
			    rp_cell(t, i, F_LOC));
			td(b, NULL, rp_cell(t, i, F_PATH));
			td(b, NULL, rp_cell(t, i, F_SIZE));
			etk_buf_adds(b, del ? "<td><span class=\"badge\">"
			    "deleted</span></td>" : is_true(rp_cell(t, i,
			    F_ALLOC)) ? "<td>allocated</td>" :
			    "<td>unallocated</td>");
			td(b, NULL, rp_cell(t, i, F_MIME) != NULL ? rp_cell(t, i,
			    F_MIME) : rp_cell(t, i, F_TYPE));
			td(b, NULL, rp_cell(t, i, F_MTIME));
			td(b, "hash", rp_cell(t, i, F_SHA256));
			td(b, "loc", rp_cell(t, i, F_LOC));
			etk_buf_adds(b, "</tr>\n");
		}
	etk_buf_adds(b, "</tbody></table>\n");
	more(b, total, "files");
}

static int
exhibit(struct rp *r, size_t xi, struct etk_error *err)
{
	struct etk_buf *b = r->out;
	const char *x = r->ex[xi];
	struct names nm;
	int tries = 0;

	if (names_build(r, x, &nm) != ETK_OK) {
		names_free(&nm);
		return rp_oom(err);
	}
	etk_buf_printf(b, "<section class=\"exhibit\" id=\"ex-%zu\" "
	    "data-exhibit=\"", xi + 1);
	txt(b, x);
	etk_buf_adds(b, "\">\n<h2>Exhibit ");
	txt(b, x);
	etk_buf_adds(b, "</h2>\n");
	summary(r, x);
	conversations(r, x, &nm, &tries);
	calls_table(r, x, &nm);
	contacts_table(r, x);
	gallery(r, x, &tries);
	timeline(r, x);
	gps_plot(r, x);
	carved_table(r, x);
	files_table(r, x);
	etk_buf_adds(b, "</section>\n");
	names_free(&nm);
	return ETK_OK;
}

struct sealchk {
	uint64_t seal;
	char *what, *signer, *file, *message;
	int status;
};

struct sealchks {
	struct sealchk *v;
	size_t n, cap;
	int oom;
};

static char *
dup0(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static void
on_seal_check(void *arg, const struct etk_seal_check *c)
{
	struct sealchks *sc = arg;
	struct sealchk *k;
	void *p;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap != 0 ? sc->cap * 2 : 16;
		if ((p = realloc(sc->v, sc->cap * sizeof(*sc->v))) == NULL) {
			sc->oom = 1;
			return;
		}
		sc->v = p;
	}
	k = &sc->v[sc->n++];
	k->seal = c->seal;
	k->status = c->status;
	k->what = dup0(c->what);
	k->signer = dup0(c->signer);
	k->file = dup0(c->file);
	k->message = dup0(c->message);
}

static void
strlist(struct etk_buf *b, const struct etk_jval *v)
{
	size_t i;

	for (i = 0; v != NULL && i < v->n; i++)
		if (v->items[i]->type == ETK_JSTR) {
			if (i > 0)
				etk_buf_adds(b, ", ");
			txt(b, v->items[i]->str);
		}
}

static void
custody(struct rp *r)
{
	struct etk_buf *b = r->out;
	const struct etk_jval *tool;
	const struct mf_entry *e;
	struct sealchks sc;
	struct etk_error e2;
	char *jpath;
	int64_t v;
	uint64_t nseals = 0;
	size_t i, k, nseal = 0;
	int vrc = ETK_ENOMEM;

	etk_buf_adds(b, "<section class=\"custody\">\n<h2>Chain of custody"
	    "</h2>\n<dl>\n");
	dl(b, "case", r->c.case_id, NULL);
	dl(b, "examiner", r->c.examiner, NULL);
	dl(b, "agency", r->c.agency, NULL);
	etk_buf_printf(b, "<dt>journal lines covered</dt><dd>%zu</dd>\n",
	    r->c.ne);
	dl(b, "journal head (SHA-256 of line covered last)", r->c.head,
	    "hash");
	dl(b, "genesis (SHA-256 of line 1)", r->c.genesis, "hash");
	etk_buf_adds(b, "</dl>\n<h3>Seals</h3>\n");
	/* Each seal's signatures and time-stamp, checked now against the
	 * files in the case (seals/, keys/). */
	memset(&sc, 0, sizeof(sc));
	memset(&e2, 0, sizeof(e2));
	if ((jpath = rp_join(r->dir, "journal.jsonl")) != NULL)
		vrc = etk_journal_verify_seals(jpath, r->dir, r->dir, NULL,
		    &nseals, on_seal_check, &sc, &e2);
	free(jpath);
	for (i = 0; i < r->c.ne; i++) {
		e = &r->c.e[i];
		if (strcmp(e->type, "seal") != 0)
			continue;
		if (nseal++ == 0)
			etk_buf_adds(b, "<ul class=\"seals\">\n");
		etk_buf_printf(b, "<li data-seal=\"%" PRIu64 "\">line %"
		    PRIu64 ", ", e->seq, e->seq);
		txt(b, mf_str(e->v, "ts"));
		if (mf_int(e->v, "covers", &v))
			etk_buf_printf(b, ", covers lines 1..%" PRId64, v);
		if (mf_arr(e->v, "signers") != NULL) {
			etk_buf_adds(b, ", signed by <span class=\"hash\">");
			strlist(b, mf_arr(e->v, "signers"));
			etk_buf_adds(b, "</span>");
		}
		if (mf_str(e->v, "tsr") != NULL)
			etk_buf_adds(b, ", with an RFC 3161 time-stamp");
		if (mf_str(e->v, "note") != NULL) {
			etk_buf_adds(b, " &#8212; ");
			txt(b, mf_str(e->v, "note"));
		}
		etk_buf_adds(b, "<ul>");
		for (k = 0; k < sc.n; k++) {
			if (sc.v[k].seal != e->seq)
				continue;
			etk_buf_printf(b, "<li class=\"%s\">",
			    sc.v[k].status == ETK_OK ? "ok" : "alert");
			txt(b, sc.v[k].what);
			etk_buf_adds(b, " ");
			txt(b, sc.v[k].file);
			etk_buf_adds(b, sc.v[k].status == ETK_OK ?
			    ": verifies" : sc.v[k].status == ETK_ENOTFOUND ?
			    ": missing" : ": DOES NOT VERIFY");
			if (sc.v[k].message != NULL &&
			    sc.v[k].message[0] != '\0') {
				etk_buf_adds(b, " (");
				txt(b, sc.v[k].message);
				etk_buf_adds(b, ")");
			}
			etk_buf_adds(b, "</li>");
		}
		etk_buf_adds(b, "</ul></li>\n");
	}
	if (nseal == 0)
		etk_buf_adds(b, "<p>The journal has no seal in the lines "
		    "covered.</p>\n");
	else
		etk_buf_adds(b, "</ul>\n");
	if (nseal > 0 && vrc != ETK_OK && vrc != ETK_EMISMATCH) {
		etk_buf_adds(b, "<p class=\"alert\">The seals could not be "
		    "checked: ");
		txt(b, e2.msg);
		etk_buf_adds(b, "</p>\n");
	}
	if (sc.oom)
		b->oom = 1;
	for (k = 0; k < sc.n; k++) {
		free(sc.v[k].what);
		free(sc.v[k].signer);
		free(sc.v[k].file);
		free(sc.v[k].message);
	}
	free(sc.v);
	etk_buf_adds(b, "<h3>Actions</h3>\n<table class=\"sortable actions\">"
	    "<thead><tr><th>seq</th><th>time</th><th>type</th><th>tool</th>"
	    "<th>exit</th></tr></thead><tbody>\n");
	for (i = 0; i < r->c.ne; i++) {
		e = &r->c.e[i];
		etk_buf_printf(b, "<tr data-seq=\"%" PRIu64 "\"><td>%" PRIu64
		    "</td>", e->seq, e->seq);
		td(b, NULL, mf_str(e->v, "ts"));
		td(b, NULL, e->type);
		tool = mf_obj(e->v, "tool");
		td(b, NULL, tool != NULL ? mf_str(tool, "name") : NULL);
		if (mf_int(e->v, "exit", &v))
			etk_buf_printf(b, "<td>%" PRId64 "</td>", v);
		else
			etk_buf_adds(b, "<td></td>");
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</tbody></table>\n</section>\n");
}

static int
page(struct rp *r, struct etk_error *err)
{
	struct etk_buf *b = r->out;
	size_t i, k, na;
	int rc;

	etk_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"etk " ETK_VERSION "\">\n"
	    "<title>");
	if (r->o != NULL && r->o->title != NULL)
		txt(b, r->o->title);
	else {
		etk_buf_adds(b, "Case ");
		txt(b, r->c.case_id);
	}
	etk_buf_adds(b, "</title>\n");
	etk_buf_adds(b, css);
	etk_buf_adds(b, "</head>\n<body>\n<header><h1>");
	if (r->o != NULL && r->o->title != NULL)
		txt(b, r->o->title);
	else {
		etk_buf_adds(b, "Case ");
		txt(b, r->c.case_id);
	}
	etk_buf_adds(b, "</h1>\n<p>Examiner's report made by etk from the case "
	    "database and journal lines 1..");
	etk_buf_printf(b, "%zu", r->c.ne);
	etk_buf_adds(b, " (head <span class=\"hash\">");
	txt(b, r->c.head);
	etk_buf_adds(b, "</span>). Times are UTC as recorded.</p>\n</header>\n"
	    "<nav><h2>Exhibits</h2>\n<ul>\n");
	for (i = 0; i < r->nex; i++) {
		for (k = 0, na = 0; k < r->t[T_HASHES].n; k++)
			na += strcmp(r->t[T_HASHES].ex[k], r->ex[i]) == 0 &&
			    rp_cell(&r->t[T_HASHES], k, H_ALERT) != NULL;
		etk_buf_printf(b, "<li><a href=\"#ex-%zu\">", i + 1);
		txt(b, r->ex[i]);
		etk_buf_adds(b, "</a>");
		if (na > 0)
			etk_buf_printf(b, " <span class=\"alert\">%zu alert%s"
			    "</span>", na, na == 1 ? "" : "s");
		etk_buf_adds(b, "</li>\n");
	}
	if (r->nex == 0)
		etk_buf_adds(b, "<li>none</li>\n");
	etk_buf_adds(b, "</ul></nav>\n");
	for (i = 0; i < r->nex; i++)
		if ((rc = exhibit(r, i, err)) != ETK_OK)
			return rc;
	custody(r);
	etk_buf_adds(b, script);
	etk_buf_adds(b, "</body>\n</html>\n");
	return b->oom ? rp_oom(err) : ETK_OK;
}

int
etk_report_build(const char *casedir, const struct etk_report_opts *o,
    struct etk_buf *out, struct etk_error *err)
{
	struct rp r;
	size_t start;
	int rc;

	if (casedir == NULL || out == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "report: no case or "
		    "output");
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.out = out;
	r.thumb_max = o != NULL && o->thumb_max != 0 ? o->thumb_max :
	    DEFAULT_THUMB;
	start = out->len;
	if ((rc = rp_load(&r, casedir, o != NULL ? o->upto : 0, err)) ==
	    ETK_OK)
		rc = page(&r, err);
	if (rc != ETK_OK)
		rp_truncate(out, start);
	rp_free(&r);
	return rc;
}

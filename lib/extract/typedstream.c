/*
 * A reader for the typedstream archives (NSArchiver, "streamtyped")
 * that hold iMessage text in sms.db message.attributedBody, written
 * from the format itself, not from any one sample.
 *
 * The format, as the NeXT/Apple runtime (objc typedstream.m) writes it
 * and as public readers (python-typedstream, imessage-exporter) agree:
 *
 *   header   04 0B "streamtyped" <system version: integer, 1000>
 *   body     typed value groups: <type encodings: shared string>
 *            then one value per encoding ("@" object, "+" bytes,
 *            "i" integer, "*" C string, "[8c]" array, "{...}" struct)
 *
 * A head byte 0x80..0x91 is a tag: 0x81 a 2-byte and 0x82 a 4-byte
 * little-endian integer follows, 0x83 a float, 0x84 "new" (a literal
 * string, class, object or C string follows), 0x85 nil, 0x86 end of
 * an object.  Any other byte is an integer by itself, or, where a
 * reference may stand, a back reference: (signed byte) + 110 indexes
 * the shared string table (type encodings, class names) or the object
 * table (objects, classes and C strings, numbered as they appear).
 *
 * An object is 0x84, its class chain (0x84 name version, superclass
 * ..., ending in nil or a reference to a class seen before), its value
 * groups, then 0x86.  An NSString or NSMutableString stores its text as
 * one "+" group: a length (one byte below 0x80, or 0x81 + u16, or
 * 0x82 + u32) and that many UTF-8 bytes.  An NSAttributedString's first
 * value is its string, so the first string object in stream order is
 * the message text.
 *
 * Hostile blobs: every read checks the end; the tables and the nesting
 * are bounded; every value consumes input except empty arrays, so a
 * step budget proportional to the length bounds the work.
 */
#include <stdint.h>
#include <string.h>

#include <etk/core.h>

#include "extract/typedstream.h"

#define TAG_INT2	0x81
#define TAG_INT4	0x82
#define TAG_FLOAT	0x83
#define TAG_NEW		0x84
#define TAG_NIL		0x85
#define TAG_END		0x86
#define TAG_FIRST	0x80
#define TAG_LAST	0x91
/* The first reference number is one above the last tag (-111). */
#define REF_FIRST	(-110)

#define MAXSTR		1024	/* shared strings kept */
#define MAXOBJ		1024	/* objects, classes, C strings */
#define MAXDEPTH	48	/* objects/arrays/structs inside each other */

enum { O_OBJECT = 1, O_CLASS, O_CSTRING };

/* What the walk functions return. */
enum { W_OK = 0, W_FOUND = 1, W_ERR = -1 };

struct span {
	uint32_t off, len;
};

struct ts {
	const unsigned char *p;
	size_t n, off;
	struct span str[MAXSTR];
	size_t nstr;
	unsigned char okind[MAXOBJ];
	unsigned char ostring[MAXOBJ];	/* a class that is or derives from
					 * NSString; an object of one */
	size_t nobj;
	int depth;
	size_t steps, maxsteps;
	const char *why;
	const unsigned char *text;
	size_t textlen;
};

static int
bad(struct ts *t, const char *why)
{
	if (t->why == NULL)
		t->why = why;
	return W_ERR;
}

static int
next_byte(struct ts *t, unsigned *b)
{
	if (t->off >= t->n)
		return bad(t, "typedstream ends early");
	*b = t->p[t->off++];
	return W_OK;
}

static int
is_tag(unsigned b)
{
	return b >= TAG_FIRST && b <= TAG_LAST;
}

/* An integer whose head byte has been read.  Lengths and counts are
 * unsigned (a lone byte 0x92..0xFF is 146..255, as python-typedstream
 * and imessage-exporter read it); reference numbers are signed. */
static int
read_int(struct ts *t, unsigned head, int is_signed, int64_t *v)
{
	const unsigned char *q;

	if (!is_tag(head)) {
		*v = is_signed ? (int64_t)(int8_t)head : (int64_t)head;
		return W_OK;
	}
	if (head == TAG_INT2) {
		if (t->n - t->off < 2)
			return bad(t, "typedstream ends inside an integer");
		q = t->p + t->off;
		t->off += 2;
		*v = (uint16_t)(q[0] | q[1] << 8);
		if (is_signed)
			*v = (int16_t)*v;
		return W_OK;
	}
	if (head == TAG_INT4) {
		if (t->n - t->off < 4)
			return bad(t, "typedstream ends inside an integer");
		q = t->p + t->off;
		t->off += 4;
		*v = (uint32_t)q[0] | (uint32_t)q[1] << 8 |
		    (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
		if (is_signed)
			*v = (int32_t)(uint32_t)*v;
		return W_OK;
	}
	return bad(t, "typedstream tag where an integer belongs");
}

/* A length-prefixed byte string (nil allowed: *isnil). */
static int
read_unshared(struct ts *t, unsigned head, struct span *s, int *isnil)
{
	int64_t len;

	*isnil = 0;
	if (head == TAG_NIL) {
		*isnil = 1;
		return W_OK;
	}
	if (read_int(t, head, 0, &len) != W_OK)
		return W_ERR;
	if (len < 0 || (uint64_t)len > t->n - t->off)
		return bad(t, "typedstream string runs past the end");
	s->off = (uint32_t)t->off;
	s->len = (uint32_t)len;
	t->off += (size_t)len;
	return W_OK;
}

/* A shared string: literal (added to the table), a reference, or nil. */
static int
read_shared(struct ts *t, unsigned head, struct span *s, int *isnil)
{
	int64_t ref;
	unsigned b;

	*isnil = 0;
	if (head == TAG_NIL) {
		*isnil = 1;
		return W_OK;
	}
	if (head == TAG_NEW) {
		if (next_byte(t, &b) != W_OK ||
		    read_unshared(t, b, s, isnil) != W_OK)
			return W_ERR;
		if (*isnil)
			return bad(t, "typedstream shared string is nil");
		if (t->nstr == MAXSTR)
			return bad(t, "typedstream has too many strings");
		t->str[t->nstr++] = *s;
		return W_OK;
	}
	if (read_int(t, head, 1, &ref) != W_OK)
		return W_ERR;
	ref -= REF_FIRST;
	if (ref < 0 || (uint64_t)ref >= t->nstr)
		return bad(t, "typedstream string reference out of range");
	*s = t->str[ref];
	return W_OK;
}

static int
add_obj(struct ts *t, int kind, size_t *idx)
{
	if (t->nobj == MAXOBJ)
		return bad(t, "typedstream has too many objects");
	*idx = t->nobj;
	t->okind[t->nobj] = (unsigned char)kind;
	t->ostring[t->nobj] = 0;
	t->nobj++;
	return W_OK;
}

/* An object-table reference whose head byte has been read. */
static int
read_objref(struct ts *t, unsigned head, size_t *idx)
{
	int64_t ref;

	if (read_int(t, head, 1, &ref) != W_OK)
		return W_ERR;
	ref -= REF_FIRST;
	if (ref < 0 || (uint64_t)ref >= t->nobj)
		return bad(t, "typedstream object reference out of range");
	*idx = (size_t)ref;
	return W_OK;
}

static int
span_is(const struct ts *t, struct span s, const char *lit)
{
	size_t l = strlen(lit);

	return s.len == l && memcmp(t->p + s.off, lit, l) == 0;
}

/* A class chain; *isstr says whether the first class is NSString or a
 * subclass of it (NSMutableString). */
static int
read_class(struct ts *t, unsigned head, int *isstr)
{
	size_t chain[64], nchain = 0, idx, i;
	struct span name;
	int64_t version;
	int isnil, str = 0;
	unsigned b;

	while (head == TAG_NEW) {
		if (next_byte(t, &b) != W_OK ||
		    read_shared(t, b, &name, &isnil) != W_OK)
			return W_ERR;
		if (isnil)
			return bad(t, "typedstream class without a name");
		if (next_byte(t, &b) != W_OK ||
		    read_int(t, b, 1, &version) != W_OK)
			return W_ERR;
		if (nchain == sizeof(chain) / sizeof(chain[0]))
			return bad(t, "typedstream class chain too long");
		if (add_obj(t, O_CLASS, &idx) != W_OK)
			return W_ERR;
		t->ostring[idx] = span_is(t, name, "NSString") ||
		    span_is(t, name, "NSMutableString");
		chain[nchain++] = idx;
		if (next_byte(t, &head) != W_OK)
			return W_ERR;
	}
	if (head != TAG_NIL) {
		if (read_objref(t, head, &idx) != W_OK)
			return W_ERR;
		if (t->okind[idx] != O_CLASS)
			return bad(t, "typedstream superclass is not a class");
		str = t->ostring[idx];
	}
	/* Stringness flows down from the superclass to its subclasses. */
	for (i = nchain; i-- > 0;) {
		if (t->ostring[chain[i]])
			str = 1;
		t->ostring[chain[i]] = (unsigned char)str;
	}
	*isstr = str;
	return W_OK;
}

static int read_group(struct ts *, unsigned head);

/* An object ("@" value) whose head byte has been read. */
static int
read_object(struct ts *t, unsigned head)
{
	struct span enc, s;
	int isstr, isnil, rc, first = 1;
	size_t idx;
	unsigned b;

	if (head == TAG_NIL)
		return W_OK;
	if (head != TAG_NEW)
		return read_objref(t, head, &idx);
	if (++t->depth > MAXDEPTH)
		return bad(t, "typedstream nested too deep");
	if (add_obj(t, O_OBJECT, &idx) != W_OK ||
	    next_byte(t, &b) != W_OK || read_class(t, b, &isstr) != W_OK)
		return W_ERR;
	t->ostring[idx] = (unsigned char)isstr;
	for (;;) {
		if (next_byte(t, &b) != W_OK)
			return W_ERR;
		if (b == TAG_END)
			break;
		if (isstr && first) {
			/* The string's one group: "+" and its bytes. */
			if (read_shared(t, b, &enc, &isnil) != W_OK)
				return W_ERR;
			if (isnil || !span_is(t, enc, "+"))
				return bad(t, "typedstream NSString without "
				    "its bytes");
			if (next_byte(t, &b) != W_OK ||
			    read_unshared(t, b, &s, &isnil) != W_OK)
				return W_ERR;
			if (isnil)
				return bad(t, "typedstream NSString bytes "
				    "are nil");
			t->text = t->p + s.off;
			t->textlen = s.len;
			return W_FOUND;
		}
		first = 0;
		if ((rc = read_group(t, b)) != W_OK)
			return rc;
	}
	t->depth--;
	return W_OK;
}

/* Index just past the one type encoding starting at e[i]. */
static int
type_end(struct ts *t, const unsigned char *e, size_t n, size_t i,
    size_t *end, int depth)
{
	if (depth > MAXDEPTH)
		return bad(t, "typedstream type nested too deep");
	if (i >= n)
		return bad(t, "typedstream type encoding cut short");
	switch (e[i]) {
	case '[':
		i++;
		while (i < n && e[i] >= '0' && e[i] <= '9')
			i++;
		if (type_end(t, e, n, i, &i, depth + 1) != W_OK)
			return W_ERR;
		if (i >= n || e[i] != ']')
			return bad(t, "typedstream array type not closed");
		*end = i + 1;
		return W_OK;
	case '{':
		i++;
		while (i < n && e[i] != '=' && e[i] != '}')
			i++;
		if (i < n && e[i] == '=')
			i++;
		while (i < n && e[i] != '}')
			if (type_end(t, e, n, i, &i, depth + 1) != W_OK)
				return W_ERR;
		if (i >= n)
			return bad(t, "typedstream struct type not closed");
		*end = i + 1;
		return W_OK;
	default:
		*end = i + 1;
		return W_OK;
	}
}

/* One value of the type e[i..end). */
static int
read_value(struct ts *t, const unsigned char *e, size_t i, size_t end)
{
	struct span s;
	int64_t v, count, k;
	size_t j, fend;
	unsigned b;
	int isnil, rc, isstr;

	if (++t->steps > t->maxsteps)
		return bad(t, "typedstream too complex");
	if (e[i] == '[') {
		/* "[12c]": count, element type.  No bytes of its own. */
		count = 0;
		for (j = i + 1; j < end && e[j] >= '0' && e[j] <= '9'; j++)
			if ((count = count * 10 + (e[j] - '0')) >
			    (int64_t)t->n)
				return bad(t, "typedstream array longer than "
				    "the data");
		if (j >= end)
			return bad(t, "typedstream array type cut short");
		if (e[j] == 'c' || e[j] == 'C') {
			/* Byte arrays are stored raw. */
			if ((uint64_t)count > t->n - t->off)
				return bad(t, "typedstream array runs past "
				    "the end");
			t->off += (size_t)count;
			return W_OK;
		}
		if (type_end(t, e, end, j, &fend, 0) != W_OK)
			return W_ERR;
		if (++t->depth > MAXDEPTH)
			return bad(t, "typedstream nested too deep");
		for (k = 0; k < count; k++)
			if ((rc = read_value(t, e, j, fend)) != W_OK)
				return rc;
		t->depth--;
		return W_OK;
	}
	if (e[i] == '{') {
		/* "{name=types}": the fields one after the other. */
		for (j = i + 1; j < end && e[j] != '=' && e[j] != '}'; j++)
			;
		if (j < end && e[j] == '=')
			j++;
		if (++t->depth > MAXDEPTH)
			return bad(t, "typedstream nested too deep");
		while (j < end && e[j] != '}') {
			if (type_end(t, e, end, j, &fend, 0) != W_OK)
				return W_ERR;
			if ((rc = read_value(t, e, j, fend)) != W_OK)
				return rc;
			j = fend;
		}
		t->depth--;
		return W_OK;
	}
	if (next_byte(t, &b) != W_OK)
		return W_ERR;
	switch (e[i]) {
	case 'c': case 'C': case 'B':
		return W_OK;	/* one raw byte, read above */
	case 's': case 'S': case 'i': case 'I': case 'l': case 'L':
	case 'q': case 'Q':
		return read_int(t, b, e[i] >= 'a', &v);
	case 'f': case 'd':
		if (b != TAG_FLOAT)
			return read_int(t, b, 1, &v);
		j = e[i] == 'f' ? 4 : 8;
		if (t->n - t->off < j)
			return bad(t, "typedstream ends inside a float");
		t->off += j;
		return W_OK;
	case '*':
		if (b == TAG_NIL)
			return W_OK;
		if (b != TAG_NEW)
			return read_objref(t, b, &j);
		if (next_byte(t, &b) != W_OK ||
		    read_shared(t, b, &s, &isnil) != W_OK)
			return W_ERR;
		if (isnil)
			return bad(t, "typedstream C string is nil");
		return add_obj(t, O_CSTRING, &j);
	case '%': case ':':
		return read_shared(t, b, &s, &isnil);
	case '+':
		return read_unshared(t, b, &s, &isnil);
	case '@':
		return read_object(t, b);
	case '#':
		return read_class(t, b, &isstr);
	default:
		return bad(t, "typedstream type not understood");
	}
}

/* A typed value group whose head byte has been read. */
static int
read_group(struct ts *t, unsigned head)
{
	unsigned char enc[256];
	struct span s;
	size_t i, end;
	int isnil, rc;

	if (read_shared(t, head, &s, &isnil) != W_OK)
		return W_ERR;
	if (isnil || s.len == 0)
		return bad(t, "typedstream value group without a type");
	if (s.len > sizeof(enc))
		return bad(t, "typedstream type encoding too long");
	/* A copy: the encoding may be a table entry re-read while the
	 * values are walked. */
	memcpy(enc, t->p + s.off, s.len);
	for (i = 0; i < s.len; i = end) {
		if (type_end(t, enc, s.len, i, &end, 0) != W_OK)
			return W_ERR;
		if ((rc = read_value(t, enc, i, end)) != W_OK)
			return rc;
	}
	return W_OK;
}

int
ex_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		unsigned c = s[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

int
ex_typedstream_text(const void *buf, size_t len, const unsigned char **text,
    size_t *textlen, const char **why)
{
	static const char sig_le[] = "streamtyped", sig_be[] = "typedstream";
	struct ts *t, tsbuf;
	int64_t sysver;
	unsigned b;
	int rc = W_OK;

	*text = NULL;
	*textlen = 0;
	*why = NULL;
	t = &tsbuf;
	t->nstr = t->nobj = 0;
	t->depth = 0;
	t->steps = 0;
	t->why = NULL;
	t->text = NULL;
	t->textlen = 0;
	t->p = buf;
	t->n = buf != NULL ? len : 0;
	t->maxsteps = 4 * t->n + 64;

	/* Streamer version 4, then the 11-byte signature that also says
	 * the byte order. */
	if (t->n < 13 || t->p[0] != 4 || t->p[1] != 11) {
		*why = "not a typedstream (no streamtyped header)";
		return ETK_EFORMAT;
	}
	if (memcmp(t->p + 2, sig_be, 11) == 0) {
		*why = "big-endian typedstream (not written by iOS or macOS "
		    "Messages)";
		return ETK_EFORMAT;
	}
	if (memcmp(t->p + 2, sig_le, 11) != 0) {
		*why = "not a typedstream (no streamtyped header)";
		return ETK_EFORMAT;
	}
	t->off = 13;
	if (next_byte(t, &b) != W_OK || read_int(t, b, 0, &sysver) != W_OK)
		rc = W_ERR;
	while (rc == W_OK && t->off < t->n) {
		if (next_byte(t, &b) != W_OK)
			rc = W_ERR;
		else
			rc = read_group(t, b);
	}
	if (rc == W_ERR) {
		*why = t->why != NULL ? t->why : "typedstream malformed";
		return ETK_EFORMAT;
	}
	if (rc != W_FOUND) {
		*why = "typedstream holds no NSString";
		return ETK_EFORMAT;
	}
	if (!ex_utf8_valid(t->text, t->textlen)) {
		*why = "typedstream string is not UTF-8 (or holds a NUL)";
		return ETK_EFORMAT;
	}
	*text = t->text;
	*textlen = t->textlen;
	return 0;
}

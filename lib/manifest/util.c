/*
 * Helpers the manifest emitters share: reading parsed journal values
 * defensively (a member of the wrong type counts as absent), writing
 * them back out, escaping text for XML and HTML, UUIDv5.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "manifest/manifest_int.h"

const struct etk_jval *
mf_get(const struct etk_jval *v, const char *key)
{
	if (v == NULL || v->type != ETK_JOBJ)
		return NULL;
	return etk_jval_get(v, key);
}

const char *
mf_str(const struct etk_jval *v, const char *key)
{
	const struct etk_jval *m = mf_get(v, key);

	return m != NULL && m->type == ETK_JSTR ? m->str : NULL;
}

int
mf_int(const struct etk_jval *v, const char *key, int64_t *out)
{
	const struct etk_jval *m = mf_get(v, key);

	if (m == NULL || m->type != ETK_JNUM || !m->is_int)
		return 0;
	*out = m->inum;
	return 1;
}

int
mf_bool(const struct etk_jval *v, const char *key)
{
	const struct etk_jval *m = mf_get(v, key);

	return m != NULL && m->type == ETK_JBOOL ? m->b != 0 : -1;
}

const struct etk_jval *
mf_arr(const struct etk_jval *v, const char *key)
{
	const struct etk_jval *m = mf_get(v, key);

	return m != NULL && m->type == ETK_JARR ? m : NULL;
}

const struct etk_jval *
mf_obj(const struct etk_jval *v, const char *key)
{
	const struct etk_jval *m = mf_get(v, key);

	return m != NULL && m->type == ETK_JOBJ ? m : NULL;
}

void
mf_json_copy(struct etk_json *j, const struct etk_jval *v, const char *key)
{
	const struct etk_jval *m = mf_get(v, key);

	if (m == NULL)
		return;
	etk_json_key(j, key);
	etk_json_value(j, m);
}

void
mf_xml_text(struct etk_buf *b, const char *s)
{
	if (s != NULL)
		etk_buf_add_markup(b, s, strlen(s));
}

/* As XML, and "://" is written "&#58;//" so that no recorded text reads
 * as a URL in the page source (it shows the same). */
void
mf_html_text(struct etk_buf *b, const char *s)
{
	const char *p;

	if (s == NULL)
		return;
	while ((p = strstr(s, "://")) != NULL) {
		etk_buf_add_markup(b, s, (size_t)(p - s));
		etk_buf_adds(b, "&#58;//");
		s = p + 3;
	}
	etk_buf_add_markup(b, s, strlen(s));
}

int
mf_is_utc_time(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	}
	if (s[i] == '.') {
		i++;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return s[i] == 'Z' && s[i + 1] == '\0';
}

int
mf_is_hex(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

void
mf_uuid5(const unsigned char ns[16], const char *name, size_t len,
    unsigned char raw[16], char out[37])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	static const int dash[] = { 4, 6, 8, 10 };
	size_t i, k, o;

	memset(md, 0, sizeof(md));
	if ((ctx = EVP_MD_CTX_new()) != NULL) {
		if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, ns, 16) != 1 ||
		    EVP_DigestUpdate(ctx, name, len) != 1 ||
		    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
			memset(md, 0, sizeof(md));
		EVP_MD_CTX_free(ctx);
	}
	memcpy(raw, md, 16);
	raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x50);	/* version 5 */
	raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);	/* RFC 4122 */
	for (i = 0, k = 0, o = 0; i < 16; i++) {
		if (k < 4 && (int)i == dash[k]) {
			out[o++] = '-';
			k++;
		}
		snprintf(out + o, 3, "%02x", raw[i]);
		o += 2;
	}
	out[o] = '\0';
}

const char *
mf_basename(const char *p)
{
	const char *s;

	if (p == NULL)
		return NULL;
	s = strrchr(p, '/');
	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

const char *
mf_fs_type(const struct mf_entry *e, const char *evname, int volume)
{
	const struct etk_jval *items, *it;
	const char *scope, *kind;
	char want[512];
	size_t i;

	if (e == NULL || evname == NULL)
		return NULL;
	if ((items = mf_arr(mf_obj(e->v, "summary"), "items")) == NULL)
		return NULL;
	if (volume >= 0)
		snprintf(want, sizeof(want), "%s:p%d", evname, volume);
	else
		snprintf(want, sizeof(want), "%s", evname);
	for (i = 0; i < items->n; i++) {
		it = items->items[i];
		if ((scope = mf_str(it, "scope")) == NULL ||
		    (kind = mf_str(it, "kind")) == NULL ||
		    strcmp(scope, want) != 0)
			continue;
		/* file-system kinds only, not "volume", "unallocated", ... */
		if (strncmp(kind, "ext", 3) == 0 || strcmp(kind, "ntfs") == 0 ||
		    strncmp(kind, "fat", 3) == 0 || strcmp(kind, "exfat") == 0 ||
		    strcmp(kind, "hfs") == 0 || strcmp(kind, "apfs") == 0 ||
		    strcmp(kind, "iso9660") == 0 || strcmp(kind, "ufs") == 0)
			return kind;
	}
	return NULL;
}

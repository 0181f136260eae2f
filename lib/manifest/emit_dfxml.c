/*
 * The manifest of one exhibit as DFXML 1.x:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <dfxml xmloutputversion="1.0" version="1.2.0" xmlns=... xmlns:dc=...
 *     xmlns:etk="urn:etk:dfxml">
 *     <metadata><dc:type>Disk Image</dc:type></metadata>
 *     <creator version="1.0"> program, version, build_environment
 *       (library name/version of the tool that listed the files),
 *       execution_environment (command_line, start_time: the recorded
 *       run, never the host name) </creator>
 *     <source> image_filename (evidence path; container files),
 *       image_size, hashdigest (media, when an acquisition of the exhibit
 *       recorded them), etk:container_sha256, etk:exhibit </source>
 *     <fileobject> filename, partition, filesize, alloc, inode, mtime,
 *       ctime, atime, crtime, byte_runs, hashdigest, etk:locator,
 *       etk:action </fileobject>                    (one per listed file)
 *     <fileobject> ... etk:carved </fileobject>       (one per carved file)
 *   </dfxml>
 *
 * Byte runs of listed files come from the evidence, opened read-only
 * when its path still exists with the recorded size; when it does not,
 * a comment says so once and no runs are given (never invented).
 * Carved files carry the runs stored when they were carved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest_int.h"
#include "manifest/runs.h"

#define NS_DFXML \
	"http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"

static void
elem(struct etk_buf *b, const char *indent, const char *tag, const char *t)
{
	if (t == NULL)
		return;
	etk_buf_printf(b, "%s<%s>", indent, tag);
	mf_xml_text(b, t);
	etk_buf_printf(b, "</%s>\n", tag);
}

static void
digest(struct etk_buf *b, const char *indent, const char *type,
    const char *v, size_t len)
{
	if (!mf_is_hex(v, len))
		return;
	etk_buf_printf(b, "%s<hashdigest type=\"%s\">%s</hashdigest>\n",
	    indent, type, v);
}

static void
runs_xml(struct etk_buf *b, const struct mf_run *r, size_t n)
{
	uint64_t fo = 0;
	size_t i;

	if (n == 0)
		return;
	etk_buf_adds(b, "    <byte_runs>\n");
	for (i = 0; i < n; i++) {
		etk_buf_printf(b, "      <byte_run file_offset=\"%llu\" "
		    "img_offset=\"%llu\" len=\"%llu\"/>\n",
		    (unsigned long long)fo, (unsigned long long)r[i].off,
		    (unsigned long long)r[i].len);
		fo += r[i].len;
	}
	etk_buf_adds(b, "    </byte_runs>\n");
}

/* The evidence rows the caller means (*nev of them, in *evs, malloc'd;
 * none for an exhibit number with no row) and the exhibit's name.  A
 * name two evidence items share (two "image.E01" in different folders)
 * gives both: nothing is left out. */
static int
pick(const struct mf_case *c, const char *want,
    const struct mf_evidence ***evs, size_t *nev, const char **xname,
    struct etk_error *err)
{
	size_t i;

	*evs = NULL;
	*nev = 0;
	*xname = want;
	if (want == NULL) {
		if (c->nev != 1)
			return etk_fail(err, ETK_EINVAL, 0, "dfxml: the case "
			    "has %zu evidence items; name the exhibit", c->nev);
		*xname = c->ev[0].exhibit != NULL ? c->ev[0].exhibit :
		    c->ev[0].name;
	}
	if ((*evs = calloc(c->nev + 1, sizeof(**evs))) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "dfxml: out of memory");
	for (i = 0; i < c->nev; i++)
		if (want == NULL || strcmp(c->ev[i].path, want) == 0) {
			(*evs)[(*nev)++] = &c->ev[i];
			if (want != NULL) {
				*xname = c->ev[i].exhibit != NULL ?
				    c->ev[i].exhibit : c->ev[i].name;
				return ETK_OK;
			}
		}
	if (*nev > 0)
		return ETK_OK;
	for (i = 0; i < c->nev; i++)
		if (strcmp(c->ev[i].name, want) == 0 ||
		    (c->ev[i].exhibit != NULL &&
		    strcmp(c->ev[i].exhibit, want) == 0))
			(*evs)[(*nev)++] = &c->ev[i];
	if (*nev > 0)
		return ETK_OK;
	for (i = 0; i < c->nex; i++)
		if (strcmp(c->ex[i].name, want) == 0)
			return ETK_OK;
	free(*evs);
	*evs = NULL;
	return etk_fail(err, ETK_ENOTFOUND, 0, "dfxml: no exhibit '%s' in "
	    "the case", want);
}

/* The entry whose tool made the rows: the first that listed a file of
 * the exhibit, else the first that read it. */
static const struct mf_entry *
creator_entry(const struct mf_case *c, const struct mf_evidence *ev)
{
	size_t i;

	for (i = 0; ev != NULL && i < c->nfiles; i++)
		if (c->files[i].evidence_id == ev->id)
			return mf_entry(c, c->files[i].action);
	return NULL;
}

static void
creator(struct etk_buf *b, const struct mf_entry *e)
{
	const struct etk_jval *tool = e != NULL ? mf_obj(e->v, "tool") : NULL;
	const struct etk_jval *libs, *argv;
	const char *ts;
	size_t i;

	etk_buf_adds(b, "  <creator version=\"1.0\">\n");
	elem(b, "    ", "program", "etk");
	elem(b, "    ", "version", etk_version());
	if (tool != NULL) {
		etk_buf_adds(b, "    <build_environment>\n");
		libs = mf_obj(tool, "libs");
		for (i = 0; libs != NULL && i < libs->n; i++) {
			if (libs->items[i]->type != ETK_JSTR)
				continue;
			etk_buf_adds(b, "      <library name=\"");
			mf_xml_text(b, libs->keys[i]);
			etk_buf_adds(b, "\" version=\"");
			mf_xml_text(b, libs->items[i]->str);
			etk_buf_adds(b, "\"/>\n");
		}
		etk_buf_adds(b, "    </build_environment>\n");
		etk_buf_adds(b, "    <execution_environment>\n");
		argv = mf_arr(tool, "argv");
		etk_buf_adds(b, "      <command_line>");
		for (i = 0; argv != NULL && i < argv->n; i++) {
			if (argv->items[i]->type != ETK_JSTR)
				continue;
			if (i > 0)
				etk_buf_addc(b, ' ');
			mf_xml_text(b, argv->items[i]->str);
		}
		etk_buf_adds(b, "</command_line>\n");
		if ((ts = mf_str(e->v, "ts_start")) != NULL ||
		    (ts = mf_str(e->v, "ts")) != NULL)
			elem(b, "      ", "start_time", ts);
		etk_buf_printf(b, "      <etk:journal_seq>%llu</etk:journal_seq>"
		    "\n", (unsigned long long)e->seq);
		etk_buf_adds(b, "    </execution_environment>\n");
	}
	etk_buf_adds(b, "  </creator>\n");
}

/* The first input in the journal that read path (media as seen). */
static const struct etk_jval *
first_input(const struct mf_case *c, const char *path)
{
	const struct etk_jval *ins;
	const char *p;
	size_t i, k;

	for (i = 0; path != NULL && i < c->ne; i++) {
		ins = mf_arr(c->e[i].v, "inputs");
		for (k = 0; ins != NULL && k < ins->n; k++)
			if ((p = mf_str(ins->items[k], "path")) != NULL &&
			    strcmp(p, path) == 0)
				return ins->items[k];
	}
	return NULL;
}

static void
source(struct etk_buf *b, const struct mf_case *c,
    const struct mf_evidence *ev, const char *xname)
{
	const struct etk_jval *in = ev != NULL ? first_input(c, ev->path) :
	    NULL;
	const struct etk_jval *files, *media = NULL;
	const struct mf_acq *a = NULL;
	int64_t sz;
	size_t i;

	for (i = 0; xname != NULL && i < c->nacq; i++)
		if (c->acq[i].exhibit != NULL && c->acq[i].record != NULL &&
		    strcmp(c->acq[i].exhibit, xname) == 0) {
			a = &c->acq[i];
			media = mf_obj(a->record, "media");
			break;
		}
	etk_buf_adds(b, "  <source>\n");
	if (ev != NULL)
		elem(b, "    ", "image_filename", ev->path);
	if (ev == NULL && a != NULL) {
		/* the container files the acquisition wrote */
		const struct etk_jval *outs = mf_arr(a->e->v, "outputs");
		const struct etk_jval *tf = mf_arr(mf_obj(a->record,
		    "target"), "files");
		const char *p, *q;
		size_t k, m;

		for (k = 0; outs != NULL && k < outs->n; k++) {
			if ((p = mf_str(outs->items[k], "path")) == NULL)
				continue;
			for (m = 0; tf != NULL && m < tf->n; m++)
				if ((q = mf_str(tf->items[m], "path")) !=
				    NULL && strcmp(mf_basename(q),
				    mf_basename(p)) == 0) {
					elem(b, "    ", "image_filename", p);
					break;
				}
		}
	}
	files = mf_arr(in, "files");
	for (i = 0; files != NULL && i < files->n; i++) {
		const char *p = mf_str(files->items[i], "path");

		if (p != NULL && (ev == NULL || strcmp(p, ev->path) != 0))
			elem(b, "    ", "image_filename", p);
	}
	if (mf_int(in, "media_size", &sz) || mf_int(media, "size", &sz))
		etk_buf_printf(b, "    <image_size>%lld</image_size>\n",
		    (long long)sz);
	/* media hashes, computed when the exhibit was acquired */
	digest(b, "    ", "md5", mf_str(media, "md5"), 32);
	digest(b, "    ", "sha1", mf_str(media, "sha1"), 40);
	digest(b, "    ", "sha256", mf_str(media, "sha256"), 64);
	if (a != NULL)
		etk_buf_printf(b, "    <etk:acquisition_seq>%llu"
		    "</etk:acquisition_seq>\n", (unsigned long long)a->seq);
	if (mf_is_hex(mf_str(in, "stored_md5"), 32))
		elem(b, "    ", "etk:stored_md5", mf_str(in, "stored_md5"));
	if (mf_is_hex(mf_str(in, "stored_sha1"), 40))
		elem(b, "    ", "etk:stored_sha1", mf_str(in, "stored_sha1"));
	if (ev != NULL && mf_is_hex(ev->sha256, 64))
		elem(b, "    ", "etk:container_sha256", ev->sha256);
	elem(b, "    ", "etk:exhibit", xname);
	if (ev != NULL)
		elem(b, "    ", "etk:evidence", ev->name);
	etk_buf_adds(b, "  </source>\n");
}

static void
fileobject(struct etk_buf *b, const struct mf_file *f, const struct mf_run
    *runs, size_t nruns, const char *image)
{
	const char *p = f->path != NULL ? f->path : f->name;
	size_t k;

	etk_buf_adds(b, "  <fileobject>\n");
	if (p != NULL) {
		while (*p == '/')
			p++;
		elem(b, "    ", "filename", p);
	}
	if (f->has_volume && f->volume >= 0)
		etk_buf_printf(b, "    <partition>%d</partition>\n", f->volume);
	etk_buf_printf(b, "    <filesize>%llu</filesize>\n",
	    (unsigned long long)f->size);
	etk_buf_printf(b, "    <alloc>%d</alloc>\n", f->allocated ? 1 : 0);
	if (f->has_inode)
		etk_buf_printf(b, "    <inode>%llu</inode>\n",
		    (unsigned long long)f->inode);
	if (mf_is_utc_time(f->mtime))
		elem(b, "    ", "mtime", f->mtime);
	if (mf_is_utc_time(f->ctime))
		elem(b, "    ", "ctime", f->ctime);
	if (mf_is_utc_time(f->atime))
		elem(b, "    ", "atime", f->atime);
	if (mf_is_utc_time(f->crtime))
		elem(b, "    ", "crtime", f->crtime);
	runs_xml(b, runs, nruns);
	digest(b, "    ", "md5", f->md5, 32);
	digest(b, "    ", "sha1", f->sha1, 40);
	digest(b, "    ", "sha256", f->sha256, 64);
	elem(b, "    ", "etk:locator", f->locator);
	if (image != NULL)
		elem(b, "    ", "etk:image_filename", image);
	if (f->fs_type != NULL)
		elem(b, "    ", "etk:fs_type", f->fs_type);
	if (f->mime != NULL)
		elem(b, "    ", "etk:type", f->mime);
	for (k = 0; k < f->nactions; k++)
		etk_buf_printf(b, "    <etk:action>%llu</etk:action>\n",
		    (unsigned long long)f->actions[k]);
	etk_buf_adds(b, "  </fileobject>\n");
}

/* Text inside a comment: escaped like any text, and never "--" (nor a
 * final "-"), which would end or break the comment. */
static void
comment_text(struct etk_buf *out, const char *s)
{
	struct etk_buf t;
	size_t i;

	etk_buf_init(&t);
	mf_xml_text(&t, s);
	for (i = 0; i < t.len; i++) {
		if (t.data[i] == '-' && i > 0 && t.data[i - 1] == '-')
			etk_buf_addc(out, ' ');
		etk_buf_addc(out, t.data[i]);
	}
	if (t.len > 0 && t.data[t.len - 1] == '-')
		etk_buf_addc(out, ' ');
	etk_buf_release(&t);
}

static void
listed(struct etk_buf *out, const struct mf_case *c,
    const struct mf_evidence *ev, struct mf_evcache *ec, int many)
{
	struct mf_run *runs;
	size_t i, nruns;
	int avail = mf_runs_available(ec, ev->id), said = 0;

	for (i = 0; i < c->nfiles; i++) {
		const struct mf_file *f = &c->files[i];

		if (f->evidence_id != ev->id)
			continue;
		if (!avail && !said) {
			etk_buf_adds(out, "  <!-- the evidence file ");
			if (many) {
				etk_buf_adds(out, "(");
				comment_text(out, ev->path);
				etk_buf_adds(out, ") ");
			}
			etk_buf_adds(out, "is not available (missing, or not "
			    "the size recorded): byte runs of listed files are "
			    "omitted -->\n");
			said = 1;
		}
		runs = NULL;
		nruns = 0;
		if (avail && !(f->type != NULL && strcmp(f->type, "d") == 0))
			(void)mf_file_runs(ec, f, &runs, &nruns);
		fileobject(out, f, runs, nruns, many ? ev->path : NULL);
		free(runs);
	}
}

static void
carved(struct etk_buf *out, const struct mf_case *c,
    const struct mf_evidence *ev, int many)
{
	const struct mf_carved *cv;
	size_t i;

	for (i = 0; i < c->ncarved; i++) {
		cv = &c->carved[i];
		if (cv->evidence_id != ev->id)
			continue;
		etk_buf_adds(out, "  <fileobject>\n");
		if (cv->path != NULL)
			elem(out, "    ", "filename", cv->path);
		etk_buf_printf(out, "    <filesize>%llu</filesize>\n"
		    "    <alloc>0</alloc>\n", (unsigned long long)cv->length);
		runs_xml(out, cv->runs, cv->nruns);
		digest(out, "    ", "sha256", cv->sha256, 64);
		elem(out, "    ", "etk:locator", cv->locator);
		if (many)
			elem(out, "    ", "etk:image_filename", ev->path);
		etk_buf_adds(out, "    <etk:carved");
		if (cv->type != NULL) {
			etk_buf_adds(out, " type=\"");
			mf_xml_text(out, cv->type);
			etk_buf_addc(out, '"');
		}
		etk_buf_printf(out, " validated=\"%d\" complete=\"%d\"/>\n",
		    cv->validated ? 1 : 0, cv->complete ? 1 : 0);
		etk_buf_printf(out, "    <etk:action>%llu</etk:action>\n",
		    (unsigned long long)cv->action);
		etk_buf_adds(out, "  </fileobject>\n");
	}
}

int
mf_emit_dfxml(const struct mf_case *c, const char *exhibit,
    struct etk_buf *out, struct etk_error *err)
{
	const struct mf_evidence **evs;
	const char *xname;
	struct mf_evcache ec;
	size_t i, nev;
	int rc;

	if ((rc = pick(c, exhibit, &evs, &nev, &xname, err)) != ETK_OK)
		return rc;
	etk_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<dfxml xmlns=\"" NS_DFXML "\"\n"
	    "  xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
	    "  xmlns:etk=\"urn:etk:dfxml\" xmloutputversion=\"1.0\" "
	    "version=\"1.2.0\">\n"
	    "  <metadata>\n    <dc:type>Disk Image</dc:type>\n");
	elem(out, "    ", "etk:case", c->case_id);
	etk_buf_printf(out, "    <etk:journal_lines>%zu</etk:journal_lines>\n"
	    "    <etk:journal_head_sha256>%s</etk:journal_head_sha256>\n",
	    c->ne, c->head);
	etk_buf_adds(out, "  </metadata>\n");
	creator(out, creator_entry(c, nev > 0 ? evs[0] : NULL));
	if (nev == 0) {
		source(out, c, NULL, xname);
		etk_buf_adds(out, "  <!-- no evidence item of this exhibit in "
		    "the case database: no file objects -->\n");
	}
	for (i = 0; i < nev; i++)
		source(out, c, evs[i], xname);
	mf_runs_init(&ec, c);
	for (i = 0; i < nev; i++)
		listed(out, c, evs[i], &ec, nev > 1);
	mf_runs_release(&ec);
	for (i = 0; i < nev; i++)
		carved(out, c, evs[i], nev > 1);
	etk_buf_adds(out, "</dfxml>\n");
	free(evs);
	return ETK_OK;
}

/*
 * Progress bar (include/etk/progress.h): one carriage-return line on a
 * terminal,
 *
 *	label [########..........]  42%  1.1 GiB / 2.6 GiB  150.3 MiB/s  ETA 0:09
 *
 * redrawn at most ten times a second (CLOCK_MONOTONIC), fitted to the
 * terminal width, padded with spaces instead of escape sequences, and
 * wiped on free.  With the mode off, or auto and fp not a terminal,
 * nothing is ever written.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <etk/progress.h>

#define REDRAW_NS	100000000LL	/* 0.1 s */
#define LINE_MAX_W	512

struct etk_progress {
	pthread_mutex_t mu;
	FILE *fp;
	int on;			/* fixed at creation */
	char *label;
	uint64_t total, done;
	int64_t t0, last;	/* monotonic ns: start, last redraw */
	size_t drawn;		/* width of the line on screen, 0 none */
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
etk_human_size(uint64_t bytes, char *out, size_t outlen)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	uint64_t div = 1024, whole, tenths;
	size_t u = 0;

	if (out == NULL || outlen == 0)
		return;
	if (bytes < 1024) {
		snprintf(out, outlen, "%u B", (unsigned)bytes);
		return;
	}
	/* Largest unit with a whole part of at least 1. */
	while (u + 1 < sizeof(units) / sizeof(units[0]) &&
	    bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	whole = bytes / div;
	/* Round to tenths; rem * 10 fits because rem < div <= 2^60. */
	tenths = ((bytes % div) * 10 + div / 2) / div;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (whole == 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		whole = 1;
		tenths = 0;
		u++;
	}
	snprintf(out, outlen, "%llu.%u %s", (unsigned long long)whole,
	    (unsigned)tenths, units[u]);
}

static size_t
term_width(FILE *fp)
{
	struct winsize ws;
	int fd = fileno(fp);

	if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col < LINE_MAX_W ? ws.ws_col : LINE_MAX_W;
	return 80;
}

/* double to uint64_t without undefined behaviour past the range. */
static uint64_t
d2u(double d)
{
	if (!(d > 0))
		return 0;
	if (d >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)d;
}

static void
fmt_eta(uint64_t s, char *out, size_t outlen)
{
	if (s >= 100 * 3600)
		snprintf(out, outlen, "ETA --:--");
	else if (s >= 3600)
		snprintf(out, outlen, "ETA %u:%02u:%02u", (unsigned)(s / 3600),
		    (unsigned)(s / 60 % 60), (unsigned)(s % 60));
	else
		snprintf(out, outlen, "ETA %u:%02u", (unsigned)(s / 60),
		    (unsigned)(s % 60));
}

/* Build the line for the current state; returns its length. */
static size_t
build_line(const struct etk_progress *pr, int64_t now, size_t width,
    char *line)
{
	char tail[160], done[24], total[24], rate[32], eta[24];
	double secs = (double)(now - pr->t0) / 1e9;
	double bps = secs > 0.05 ? (double)pr->done / secs : 0;
	size_t lablen, taillen, room, bar, fill, n = 0, i;
	unsigned pct;

	etk_human_size(pr->done, done, sizeof(done));
	if (bps > 0) {
		etk_human_size(d2u(bps), rate, sizeof(rate));
		strcat(rate, "/s");
	} else
		snprintf(rate, sizeof(rate), "--/s");
	if (pr->total != 0) {
		pct = pr->done >= pr->total ? 100 :
		    (unsigned)((double)pr->done * 100.0 / (double)pr->total);
		if (pct > 99 && pr->done < pr->total)
			pct = 99;
		etk_human_size(pr->total, total, sizeof(total));
		if (pr->done >= pr->total)
			fmt_eta(0, eta, sizeof(eta));
		else if (bps > 0)
			fmt_eta(d2u((double)(pr->total - pr->done) / bps),
			    eta, sizeof(eta));
		else
			snprintf(eta, sizeof(eta), "ETA --:--");
		snprintf(tail, sizeof(tail), "%3u%%  %s / %s  %s  %s", pct,
		    done, total, rate, eta);
	} else {
		pct = 0;
		snprintf(tail, sizeof(tail), "%s  %s", done, rate);
	}
	taillen = strlen(tail);
	room = width - 1;	/* never touch the last column: no wrap */
	lablen = pr->label != NULL ? strlen(pr->label) : 0;
	if (lablen + 1 + taillen > room)
		lablen = room > taillen + 1 ? room - taillen - 1 : 0;
	for (i = 0; i < lablen; i++) {
		unsigned char c = (unsigned char)pr->label[i];

		line[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (lablen > 0)
		line[n++] = ' ';
	/* A bar when the total is known and there is room for one. */
	if (pr->total != 0 && room > n + taillen + 14) {
		bar = room - n - taillen - 3;
		if (bar > 40)
			bar = 40;
		fill = bar * pct / 100;
		line[n++] = '[';
		for (i = 0; i < bar; i++)
			line[n++] = i < fill ? '#' : '.';
		line[n++] = ']';
		line[n++] = ' ';
	}
	if (n + taillen > room)
		taillen = room > n ? room - n : 0;
	memcpy(line + n, tail, taillen);
	n += taillen;
	line[n] = '\0';
	return n;
}

/* Called with the lock held. */
static void
draw(struct etk_progress *pr, int64_t now)
{
	char line[LINE_MAX_W + 1];
	size_t n, w = term_width(pr->fp);

	n = build_line(pr, now, w, line);
	fputc('\r', pr->fp);
	fputs(line, pr->fp);
	if (n < pr->drawn)	/* wipe what the longer line left */
		fprintf(pr->fp, "%*s", (int)(pr->drawn - n), "");
	fflush(pr->fp);
	pr->drawn = n > pr->drawn ? n : pr->drawn;
	if (pr->drawn == 0)
		pr->drawn = 1;
	pr->last = now;
}

int
etk_progress_new(struct etk_progress **prp, FILE *fp,
    enum etk_progress_mode mode, const char *label, uint64_t total,
    struct etk_error *err)
{
	struct etk_progress *pr;
	int fd;

	if (prp == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "progress: no result");
	*prp = NULL;
	if (mode != ETK_PROGRESS_AUTO && mode != ETK_PROGRESS_ON &&
	    mode != ETK_PROGRESS_OFF)
		return etk_fail(err, ETK_EINVAL, 0, "progress: bad mode %d",
		    (int)mode);
	if ((pr = calloc(1, sizeof(*pr))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "progress");
	if (label != NULL && (pr->label = strdup(label)) == NULL) {
		free(pr);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "progress");
	}
	if (pthread_mutex_init(&pr->mu, NULL) != 0) {
		free(pr->label);
		free(pr);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "progress: mutex");
	}
	pr->fp = fp;
	pr->total = total;
	if (fp != NULL && mode == ETK_PROGRESS_ON)
		pr->on = 1;
	else if (fp != NULL && mode == ETK_PROGRESS_AUTO &&
	    (fd = fileno(fp)) >= 0 && isatty(fd))
		pr->on = 1;
	pr->t0 = pr->last = now_ns();
	*prp = pr;
	return ETK_OK;
}

void
etk_progress_add(struct etk_progress *pr, uint64_t done)
{
	int64_t now;

	if (pr == NULL || !pr->on)
		return;
	now = now_ns();
	pthread_mutex_lock(&pr->mu);
	pr->done = done > UINT64_MAX - pr->done ? UINT64_MAX : pr->done + done;
	if (now - pr->last >= REDRAW_NS)
		draw(pr, now);
	pthread_mutex_unlock(&pr->mu);
}

void
etk_progress_set_total(struct etk_progress *pr, uint64_t total)
{
	if (pr == NULL || !pr->on)
		return;
	pthread_mutex_lock(&pr->mu);
	pr->total = total;
	pthread_mutex_unlock(&pr->mu);
}

void
etk_progress_set_done(struct etk_progress *pr, uint64_t done)
{
	int64_t now;

	if (pr == NULL || !pr->on)
		return;
	now = now_ns();
	pthread_mutex_lock(&pr->mu);
	pr->done = done;
	draw(pr, now);
	pthread_mutex_unlock(&pr->mu);
}

int
etk_progress_shown(const struct etk_progress *pr)
{
	return pr != NULL && pr->on;
}

void
etk_progress_set_label(struct etk_progress *pr, const char *label)
{
	char *copy = NULL;

	if (pr == NULL || !pr->on)
		return;
	if (label != NULL && (copy = strdup(label)) == NULL)
		return;	/* keep the old label */
	pthread_mutex_lock(&pr->mu);
	free(pr->label);
	pr->label = copy;
	pthread_mutex_unlock(&pr->mu);
}

void
etk_progress_free(struct etk_progress *pr)
{
	if (pr == NULL)
		return;
	if (pr->on && pr->drawn > 0) {
		fprintf(pr->fp, "\r%*s\r", (int)pr->drawn, "");
		fflush(pr->fp);
	}
	pthread_mutex_destroy(&pr->mu);
	free(pr->label);
	free(pr);
}

/* Times as RFC 3339 UTC, independent of TZ and locale. */
#include <stdio.h>
#include <time.h>

#include <etk/core.h>

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm);
 * valid for the whole int64 range we accept. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	*y = yoe + era * 400;
	doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	if (*m <= 2)
		(*y)++;
}

/* n decimal digits of v, zero-padded, at out[at]. */
static void
put(char *out, int at, unsigned v, int n)
{
	while (n-- > 0) {
		out[at + n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
etk_time_format(int64_t sec, int32_t nsec, char *out)
{
	int64_t days, rem, y;
	unsigned mo, d;

	/* Keep years within 4 digits-ish; clamp absurd values. */
	if (sec > INT64_C(253402300799))
		sec = INT64_C(253402300799);	/* 9999-12-31T23:59:59Z */
	if (sec < INT64_C(-62135596800))
		sec = INT64_C(-62135596800);	/* 0001-01-01T00:00:00Z */
	if (nsec < 0 || nsec > 999999999)
		nsec = 0;
	days = sec / 86400;
	rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &mo, &d);
	/* Digits by hand: this runs four times per file record. */
	put(out, 0, (unsigned)y, 4);
	out[4] = '-';
	put(out, 5, mo, 2);
	out[7] = '-';
	put(out, 8, d, 2);
	out[10] = 'T';
	put(out, 11, (unsigned)(rem / 3600), 2);
	out[13] = ':';
	put(out, 14, (unsigned)(rem / 60 % 60), 2);
	out[16] = ':';
	put(out, 17, (unsigned)(rem % 60), 2);
	if (nsec != 0) {
		out[19] = '.';
		put(out, 20, (unsigned)(nsec / 1000000), 3);
		out[23] = 'Z';
		out[24] = '\0';
	} else {
		out[19] = 'Z';
		out[20] = '\0';
	}
}

void
etk_time_now(int64_t *sec, int32_t *nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (int64_t)ts.tv_sec;
	if (nsec != NULL)
		*nsec = (int32_t)ts.tv_nsec;
}

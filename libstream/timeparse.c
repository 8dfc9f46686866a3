/*
 * timeparse -- text to time for ingest, with exact integer arithmetic only:
 * ISO 8601 date-times, epoch numbers (decimal digits moved by the unit and
 * the exponent, never through a double), date-times in file names, and time
 * zones.  Day numbers use Howard Hinnant's days_from_civil algorithm
 * (proleptic Gregorian, valid for every int64 year that fits).  Zones other
 * than fixed offsets are evaluated with the C library's localtime_r() on the
 * system tz database, cached per local hour.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "timeparse.h"

#define DAYSEC	86400

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* Exactly k digits at *pp (within end) as a number, or -1. */
static long
digits(const char **pp, const char *end, int k)
{
	const char *p = *pp;
	long v = 0;

	if (end - p < k)
		return -1;
	for (; k > 0; k--, p++) {
		if (!isdig(*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	*pp = p;
	return v;
}

static int
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dm[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

int64_t
time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Days since 1970-01-01 to y, m, d (inverse of time_days_from_civil). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Seconds of a checked date and time of day, or -1 if a field is out of range. */
static int
civil_seconds(long y, long mo, long d, long h, long mi, long s, int64_t *out)
{
	if (mo < 1 || mo > 12 || d < 1 || d > (long)days_in_month(y,
	    (unsigned)mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
	    s > 60)
		return -1;
	*out = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * DAYSEC +
	    h * 3600 + mi * 60 + s;
	return 0;
}

/* [+-]hh[[:]mm] filling p..end exactly: offset east of UTC in seconds. */
static int
parse_offset(const char *p, const char *end, long *off)
{
	long h, m = 0;
	int neg;

	if (p == end || (*p != '+' && *p != '-'))
		return -1;
	neg = *p++ == '-';
	if ((h = digits(&p, end, 2)) < 0 || h > 23)
		return -1;
	if (p < end) {
		if (*p == ':')
			p++;
		if ((m = digits(&p, end, 2)) < 0 || m > 59)
			return -1;
	}
	if (p != end)
		return -1;
	*off = (neg ? -1 : 1) * (h * 3600 + m * 60);
	return 0;
}

int
time_parse_iso(const char *s, size_t n, int64_t *sec, uint32_t *nsec,
    int *has_zone)
{
	const char *p = s, *end = s + n;
	long y, mo, d, h = 0, mi = 0, ss = 0, off = 0;
	uint32_t ns = 0;
	int zone = 0, k;
	char sep;
	int64_t t;

	if ((y = digits(&p, end, 4)) < 0 || p == end)
		return -1;
	sep = *p++;
	if ((sep != '-' && sep != '/') || (mo = digits(&p, end, 2)) < 0 ||
	    p == end || *p++ != sep || (d = digits(&p, end, 2)) < 0)
		return -1;
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if ((h = digits(&p, end, 2)) < 0 || p == end || *p++ != ':' ||
		    (mi = digits(&p, end, 2)) < 0)
			return -1;
		if (p < end && *p == ':') {
			p++;
			if ((ss = digits(&p, end, 2)) < 0)
				return -1;
			if (p < end && (*p == '.' || *p == ',')) {
				p++;
				for (k = 0; p < end && isdig(*p); k++, p++) {
					if (k == 9)
						return -1;
					ns = ns * 10 + (uint32_t)(*p - '0');
				}
				if (k == 0)
					return -1;
				for (; k < 9; k++)
					ns *= 10;
			}
		}
		if (p < end) {
			zone = 1;
			if ((*p == 'Z' || *p == 'z') && p + 1 == end)
				off = 0;
			else if (parse_offset(p, end, &off) == -1)
				return -1;
		}
	}
	if (civil_seconds(y, mo, d, h, mi, ss, &t) == -1)
		return -1;
	*sec = t - off;
	*nsec = ns;
	*has_zone = zone;
	return 0;
}

int
time_parse_epoch(const char *s, size_t n, long unit, int64_t *sec,
    uint32_t *nsec)
{
	const char *p = s, *end = s + n, *ip, *fp;
	int64_t nint, nfrac, ndig, point, k, e = 0, q;
	uint64_t iv = 0, fv = 0, scale;
	int neg = 0, eneg = 0, fdig, rest = 0, dg;

	switch (unit) {
	case 1: fdig = 9; scale = 1000000000; break;
	case 1000: fdig = 6; scale = 1000000; break;
	case 1000000: fdig = 3; scale = 1000; break;
	case 1000000000: fdig = 0; scale = 1; break;
	default: return -1;
	}
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (ip = p; p < end && isdig(*p); p++)
		;
	nint = p - ip;
	fp = p;
	nfrac = 0;
	if (p < end && *p == '.') {
		for (fp = ++p; p < end && isdig(*p); p++)
			;
		nfrac = p - fp;
	}
	if (nint + nfrac == 0)
		return -1;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || !isdig(*p))
			return -1;
		for (; p < end && isdig(*p); p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		if (eneg)
			e = -e;
	}
	if (p != end)
		return -1;

	/*
	 * The digits D[0..ndig) = integer digits then fraction digits, with
	 * the point before D[point]; D[k] = 0 outside.  Integer part in units:
	 * D[0..point); then fdig digits of the unit's fraction in ns; any
	 * nonzero digit after those is below a nanosecond.
	 */
#define D(k) ((k) < 0 || (k) >= ndig ? 0 : (k) < nint ? ip[(k)] - '0' : \
	    fp[(k) - nint] - '0')
	ndig = nint + nfrac;
	point = nint + e;
	for (k = 0; k < point; k++) {
		if (k >= ndig && iv == 0)
			break;
		dg = D(k);
		if (iv > (UINT64_MAX - (uint64_t)dg) / 10)
			return -1;
		iv = iv * 10 + (uint64_t)dg;
	}
	for (k = point; k < point + fdig; k++)
		fv = fv * 10 + (uint64_t)D(k);
	for (k = point + fdig > 0 ? point + fdig : 0; k < ndig && !rest; k++)
		rest = D(k) != 0;
#undef D

	q = (int64_t)(iv / (uint64_t)unit);
	if (iv / (uint64_t)unit > (uint64_t)INT64_MAX - 1)
		return -1;
	fv += iv % (uint64_t)unit * scale;	/* nanoseconds, < 1e9 */
	if (neg && (fv != 0 || rest)) {
		fv = 1000000000 - fv - (uint64_t)rest;
		q = -q - 1;
	} else if (neg)
		q = -q;
	*sec = q;
	*nsec = (uint32_t)fv;
	return 0;
}

/* The next maximal digit run at or after pos: 1 with *start, *len; 0 if none. */
static int
next_run(const char *s, size_t n, size_t pos, size_t *start, size_t *len)
{
	while (pos < n && !isdig(s[pos]))
		pos++;
	if (pos == n)
		return 0;
	*start = pos;
	while (pos < n && isdig(s[pos]))
		pos++;
	*len = pos - *start;
	return 1;
}

int
time_parse_digits(const char *s, size_t n, int64_t *sec)
{
	char f[14];
	const char *p;
	size_t pos = 0, st, len, st2, len2, got, end;
	long v[6];
	int found = 0, i;
	int64_t t;

	while (next_run(s, n, pos, &st, &len)) {
		/* this run and the next ones, while they end on field bounds */
		for (got = 0, st2 = st, len2 = len; ; ) {
			if (got + len2 > 14 || got + len2 < 4 || len2 % 2 != 0)
				break;
			memcpy(f + got, s + st2, len2);
			got += len2;
			if (got == 14) {
				p = f;
				v[0] = digits(&p, f + 14, 4);
				for (i = 1; i < 6; i++)
					v[i] = digits(&p, f + 14, 2);
				if (civil_seconds(v[0], v[1], v[2], v[3], v[4],
				    v[5], &t) == 0) {
					*sec = t;
					found = 1;	/* the last match wins */
				}
				break;
			}
			end = st2 + len2;
			if (!next_run(s, n, end, &st2, &len2) || st2 != end + 1)
				break;
		}
		pos = st + len;
	}
	return found ? 0 : -1;
}

static char *
put_num(char *p, uint64_t v, int width)
{
	char *q = p + width;

	while (q > p) {
		*--q = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

size_t
time_format(char *buf, size_t size, int64_t sec, uint32_t nsec, int prec)
{
	char tmp[48], *p = tmp;
	int64_t days, rem, y;
	unsigned m, d;
	size_t len;

	if (nsec > 999999999 || prec < TIME_SHORT || prec > 9)
		goto fail;
	days = sec / DAYSEC;
	rem = sec % DAYSEC;
	if (rem < 0) {
		rem += DAYSEC;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999)
		p = put_num(p, (uint64_t)y, 4);
	else
		p += snprintf(p, 24, "%04" PRId64, y);
	*p++ = '-';
	p = put_num(p, m, 2);
	*p++ = '-';
	p = put_num(p, d, 2);
	*p++ = 'T';
	p = put_num(p, (uint64_t)(rem / 3600), 2);
	*p++ = ':';
	p = put_num(p, (uint64_t)(rem / 60 % 60), 2);
	*p++ = ':';
	p = put_num(p, (uint64_t)(rem % 60), 2);
	if (prec == TIME_SHORT && nsec != 0) {
		*p++ = '.';
		p = put_num(p, nsec, 9);
		while (p[-1] == '0')
			p--;
	} else if (prec > 0) {
		static const uint32_t div[10] = { 1000000000, 100000000,
		    10000000, 1000000, 100000, 10000, 1000, 100, 10, 1 };

		*p++ = '.';
		p = put_num(p, nsec / div[prec], prec);
	}
	*p++ = 'Z';
	len = (size_t)(p - tmp);
	if (len >= size)
		goto fail;
	memcpy(buf, tmp, len);
	buf[len] = '\0';
	return len;
fail:
	if (size > 0)
		buf[0] = '\0';
	return 0;
}

size_t
time_format_ns(char *buf, size_t size, int64_t ns, int prec)
{
	int64_t s = ns / 1000000000, n = ns % 1000000000;

	if (n < 0) {
		n += 1000000000;
		s--;
	}
	return time_format(buf, size, s, (uint32_t)n, prec);
}

size_t
time_format_iso(char *buf, size_t size, int64_t sec, uint32_t nsec)
{
	return time_format(buf, size, sec, nsec, 9);
}

/* ---- time zones ---------------------------------------------------------- */

#define TZCACHE	64

struct tz {
	char	*name;		/* IANA name, NULL for a fixed offset */
	long	 fixed;		/* seconds east of UTC */
	struct {
		int64_t	hour;	/* local hour number, INT64_MIN: empty */
		long	off;
	} cache[TZCACHE];
};

static int
file_is_tzif(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[4096], magic[4];
	FILE *fp;
	int ok;

	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if (name[0] == '/' || name[0] == ':' || strstr(name, "..") != NULL ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, 4, fp) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(fp);
	return ok;
}

struct tz *
tz_open(const char *name)
{
	struct tz *tz;
	long off = 0;
	int i, iana = 0;

	if (name == NULL || *name == '\0') {
		errno = EINVAL;
		return NULL;
	}
	if (strcasecmp(name, "UTC") != 0 && strcasecmp(name, "Z") != 0 &&
	    parse_offset(name, name + strlen(name), &off) == -1) {
		if (!file_is_tzif(name)) {
			errno = EINVAL;
			return NULL;
		}
		iana = 1;
	}
	if ((tz = calloc(1, sizeof(*tz))) == NULL)
		return NULL;
	tz->fixed = off;
	if (iana && (tz->name = strdup(name)) == NULL) {
		free(tz);
		return NULL;
	}
	for (i = 0; i < TZCACHE; i++)
		tz->cache[i].hour = INT64_MIN;
	return tz;
}

void
tz_close(struct tz **tzp)
{
	if (tzp == NULL || *tzp == NULL)
		return;
	free((*tzp)->name);
	free(*tzp);
	*tzp = NULL;
}

/* Offset east of UTC in force at the UTC instant t (TZ already set). */
static int
offset_at(int64_t t, long *off)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if ((int64_t)tt != t || localtime_r(&tt, &tm) == NULL)
		return -1;
	*off = tm.tm_gmtoff;
	return 0;
}

/*
 * The offset for wall time l: a and b are the offsets a day before and a
 * day after; a candidate is valid if the instant it gives has that offset.
 * Both valid: overlap, take a (before the transition); none: gap, take a.
 * *clean = 1 if exactly one offset fits.
 */
static int
resolve(int64_t l, long *off, int *clean)
{
	long a, b, x;
	int va, vb;

	if (offset_at(l - DAYSEC, &a) == -1 || offset_at(l + DAYSEC, &b) == -1 ||
	    offset_at(l - a, &x) == -1)
		return -1;
	va = x == a;
	if (a == b) {
		*off = a;
		*clean = va;
		if (!va && offset_at(l - x, &b) == 0 && b == x)
			*off = x;	/* two transitions within two days */
		return 0;
	}
	if (offset_at(l - b, &x) == -1)
		return -1;
	vb = x == b;
	*off = va || !vb ? a : b;
	*clean = va != vb;
	return 0;
}

int
tz_to_utc(struct tz *tz, int64_t local, int64_t *utc)
{
	const char *cur;
	int64_t hour;
	long off, o1, o2;
	int slot, c1, c2;

	if (local < -((int64_t)1 << 60) || local > (int64_t)1 << 60)
		return -1;
	if (tz->name == NULL) {
		*utc = local - tz->fixed;
		return 0;
	}
	hour = local >= 0 ? local / 3600 : -((-local + 3599) / 3600);
	slot = (int)(hour & (TZCACHE - 1));
	if (tz->cache[slot].hour == hour) {
		*utc = local - tz->cache[slot].off;
		return 0;
	}
	if ((cur = getenv("TZ")) == NULL || strcmp(cur, tz->name) != 0) {
		if (setenv("TZ", tz->name, 1) == -1)
			return -1;
		tzset();
	}
	if (resolve(local, &off, &c1) == -1)
		return -1;
	/* the whole hour maps with one offset: cache it */
	if (resolve(hour * 3600, &o1, &c1) == 0 && resolve(hour * 3600 + 3599,
	    &o2, &c2) == 0 && c1 && c2 && o1 == o2) {
		tz->cache[slot].hour = hour;
		tz->cache[slot].off = o1;
	}
	*utc = local - off;
	return 0;
}

/*
 * opt -- option numbers (opt.h).  Integers are read digit by digit with an
 * overflow check, never through strtod (2^53 + 1 is a count too); reals
 * through strtod once their characters are known to be a plain decimal;
 * durations as an exact integer part times the unit plus the fraction's
 * share, rounded to the nanosecond; exact frequencies as a fraction of
 * two integers, the decimal's digits over its power of ten.  A range is
 * part of every call, so a reason can say what would have been taken.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

static _Thread_local char why[256];

/* Fill why: fmt with the value quoted first (cut at 40 bytes). */
static const char *
reason(const char *s, const char *fmt, ...)
{
	va_list ap;
	size_t n;
	int k;

	k = snprintf(why, sizeof(why), "'%.40s%s' ", s,
	    strlen(s) > 40 ? "..." : "");
	n = k > 0 && (size_t)k < sizeof(why) ? (size_t)k : 0;
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
	return why;
}

/* Digits at *sp into *v; 1 if they overflowed uint64.  *sp moves past. */
static int
digits(const char **sp, uint64_t *v)
{
	const char *s = *sp;
	uint64_t x = 0;
	int over = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			over = 1;
		else
			x = x * 10 + (uint64_t)(*s - '0');
	}
	*sp = s;
	*v = x;
	return over;
}

const char *
opt_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const char *p = s;
	uint64_t v;
	int over;

	if (*p == '+')
		p++;
	if (*p < '0' || *p > '9')
		goto bad;
	over = digits(&p, &v);
	if (*p != '\0' || over || v < lo || v > hi)
		goto bad;
	*out = v;
	return NULL;
bad:
	return reason(s, "is not a whole number from %" PRIu64 " to %"
	    PRIu64, lo, hi);
}

const char *
opt_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	const char *p = s;
	uint64_t m;
	int64_t v;
	int neg = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		goto bad;
	if (digits(&p, &m) || *p != '\0')
		goto bad;
	if (neg) {
		if (m > (uint64_t)INT64_MAX + 1)
			goto bad;
		v = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
	} else {
		if (m > (uint64_t)INT64_MAX)
			goto bad;
		v = (int64_t)m;
	}
	if (v < lo || v > hi)
		goto bad;
	*out = v;
	return NULL;
bad:
	return reason(s, "is not a whole number from %" PRId64 " to %" PRId64,
	    lo, hi);
}

/*
 * The length of the plain decimal at s: sign, digits, point, digits, and
 * an exponent if exp; 0 if there is no digit.
 */
static size_t
decimal(const char *s, int exp)
{
	const char *p = s;
	int nd = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		nd++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			nd++;
	if (nd == 0)
		return 0;
	if (exp && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;

		if (*q == '+' || *q == '-')
			q++;
		if (*q >= '0' && *q <= '9') {
			while (*q >= '0' && *q <= '9')
				q++;
			p = q;
		}
	}
	return (size_t)(p - s);
}

/* strtod over exactly the decimal s[0..n); 0, or -1 if out of double. */
static int
todouble(const char *s, size_t n, double *v)
{
	char tmp[128], *end;

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtod(tmp, &end);
	if (end != tmp + n || !isfinite(*v))
		return -1;
	return 0;
}

const char *
opt_real(const char *s, double lo, double hi, double *out)
{
	size_t n = decimal(s, 1);
	double v;

	if (n == 0 || s[n] != '\0' || todouble(s, n, &v) == -1 ||
	    !(v >= lo && v <= hi))
		return reason(s, "is not a number from %g to %g", lo, hi);
	*out = v;
	return NULL;
}

static const struct unit {
	const char	*name;
	int64_t		 ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", OPT_NS_S },
	{ "min", 60 * OPT_NS_S }, { "h", 3600 * OPT_NS_S },
	{ "d", 86400 * OPT_NS_S }
};
#define NUNITS	(sizeof(units) / sizeof(units[0]))

/* ns as the largest unit that divides it, else in seconds. */
static const char *
fmt_ns(char *b, size_t n, int64_t ns)
{
	size_t i;

	if (ns == 0) {
		snprintf(b, n, "0");
		return b;
	}
	for (i = NUNITS; i-- > 0;)
		if (ns % units[i].ns == 0 && ns / units[i].ns < 1000000) {
			snprintf(b, n, "%" PRId64 "%s", ns / units[i].ns,
			    units[i].name);
			return b;
		}
	snprintf(b, n, "%.9gs", (double)ns / 1e9);
	return b;
}

int
opt_bare(const char *s)
{
	size_t n = decimal(s, 0);

	return n > 0 && s[n] == '\0';
}

const char *
opt_duration(const char *s, int64_t bare, int64_t lo, int64_t hi,
    int64_t *ns)
{
	const char *p = s, *fr = NULL;
	char a[40], b[40];
	uint64_t ip, unit, whole, part = 0;
	double f;
	size_t i, nfr = 0;
	int neg = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((*p < '0' || *p > '9') && !(*p == '.' && p[1] >= '0' &&
	    p[1] <= '9'))
		goto form;
	if (digits(&p, &ip))
		goto range;
	if (*p == '.') {
		fr = p;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
		nfr = (size_t)(p - fr);
	}
	if (*p == '\0') {
		if (bare <= 0)
			return reason(s, "needs a unit (ns, us, ms, s, min, h "
			    "or d)");
		unit = (uint64_t)bare;
	} else {
		for (i = 0; i < NUNITS && strcmp(p, units[i].name) != 0; i++)
			;
		if (i == NUNITS)
			goto form;
		unit = (uint64_t)units[i].ns;
	}
	if (ip != 0 && unit > UINT64_MAX / ip)
		goto range;
	whole = ip * unit;
	if (fr != NULL && nfr > 1) {
		if (todouble(fr, nfr > 40 ? 40 : nfr, &f) == -1)
			goto form;
		part = (uint64_t)llround(f * (double)unit);
	}
	if (whole > UINT64_MAX - part)
		goto range;
	whole += part;
	if (whole > (uint64_t)INT64_MAX + (uint64_t)neg)
		goto range;
	*ns = neg ? (whole == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
	    -(int64_t)whole) : (int64_t)whole;
	if (*ns < lo || *ns > hi)
		goto range;
	return NULL;
form:
	return reason(s, "is not a duration (a number and ns, us, ms, s, "
	    "min, h or d)");
range:
	return reason(s, "is not a duration from %s to %s",
	    fmt_ns(a, sizeof(a), lo), fmt_ns(b, sizeof(b), hi));
}

/* Hz in the unit u of a frequency ("", Hz, kHz, MHz); 0 if none. */
static uint64_t
hz_unit(const char *u)
{
	if (*u == '\0' || strcmp(u, "Hz") == 0)
		return 1;
	if (strcmp(u, "kHz") == 0)
		return 1000;
	if (strcmp(u, "MHz") == 0)
		return 1000000;
	return 0;
}

const char *
opt_freq(const char *s, double lo, double hi, double *hz)
{
	size_t n = decimal(s, 1);
	const char *u = s + n;
	uint64_t m;
	double v;

	if (n == 0 || (m = hz_unit(u)) == 0 || todouble(s, n, &v) == -1)
		goto form;
	v *= (double)m;
	if (!(v >= lo && v <= hi))
		return reason(s, "is not a frequency from %g to %g Hz", lo, hi);
	*hz = v;
	return NULL;
form:
	return reason(s, "is not a frequency (a number and Hz, kHz or MHz)");
}

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	uint64_t t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

const char *
opt_freq_exact(const char *s, uint64_t hi, uint64_t *num, uint64_t *den)
{
	__extension__ typedef unsigned __int128 u128;
	const char *p = s;
	uint64_t n = 0, d = 1, m, g;
	int nd = 0, point = 0;

	if (*p == '+')
		p++;
	for (; (*p >= '0' && *p <= '9') || (*p == '.' && !point); p++) {
		if (*p == '.') {
			point = 1;
			continue;
		}
		if (++nd > 18)
			goto form;
		n = n * 10 + (uint64_t)(*p - '0');
		if (point)
			d *= 10;
	}
	if (nd == 0 || (m = hz_unit(p)) == 0)
		goto form;
	g = gcd(m, d);		/* n * m / d, no overflow: n < 10^18 */
	m /= g;
	d /= g;
	if (n == 0 || (u128)n * m > (u128)hi * d || (u128)n * m > UINT64_MAX)
		goto range;
	n *= m;
	g = gcd(n, d);
	*num = n / g;
	*den = d / g;
	return NULL;
form:
	return reason(s, "is not a frequency (a number of at most 18 digits "
	    "and Hz, kHz or MHz)");
range:
	return reason(s, "is not a frequency above 0 and at most %" PRIu64
	    " Hz", hi);
}

/* bytes as the largest of G, M, K that divides them. */
static const char *
fmt_size(char *b, size_t n, uint64_t v)
{
	static const char suf[] = "GMK";
	int i;

	for (i = 0; i < 3 && v != 0; i++)
		if (v % ((uint64_t)1 << (30 - 10 * i)) == 0) {
			snprintf(b, n, "%" PRIu64 "%c", v >> (30 - 10 * i),
			    suf[i]);
			return b;
		}
	snprintf(b, n, "%" PRIu64, v);
	return b;
}

const char *
opt_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const char *p = s;
	char a[32], b[32];
	uint64_t v;
	int sh = 0;

	if (*p < '0' || *p > '9' || digits(&p, &v))
		goto bad;
	switch (*p) {
	case 'k': case 'K': sh = 10; p++; break;
	case 'm': case 'M': sh = 20; p++; break;
	case 'g': case 'G': sh = 30; p++; break;
	}
	if (sh != 0 && *p == 'i' && p[1] == 'B')
		p++;
	if (*p == 'B')
		p++;
	if (*p != '\0' || (sh != 0 && v > (UINT64_MAX >> sh)))
		goto bad;
	v <<= sh;
	if (v < lo || v > hi)
		goto bad;
	*out = v;
	return NULL;
bad:
	return reason(s, "is not a size from %s to %s (bytes, or K, M, G: "
	    "KiB, MiB, GiB)", fmt_size(a, sizeof(a), lo),
	    fmt_size(b, sizeof(b), hi));
}

/*
 * numparse -- exact decimal text to double, faster than strtod().
 * The text is scanned once into a 64-bit decimal mantissa (up to 19
 * significant digits) and a power of ten.  Clinger's fast path then gives
 * the correctly rounded double with one IEEE multiplication or division when
 * the mantissa is at most 2^53 and the power at most 10^22 (both exact), and
 * the Eisel-Lemire algorithm (128-bit truncated powers of ten, as in Go's
 * strconv and fast_float) covers most of the rest.  Whatever neither can
 * prove correct (more than 19 significant digits, ambiguous halfway cases,
 * far subnormals, overflow) goes to strtod() on a NUL-terminated copy, so
 * the result is always strtod()'s.  See docs/numparse.md.
 */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numdigits.h"
#include "numparse.h"
#include "pow10tab.h"

__extension__ typedef unsigned __int128 u128;

/* Clinger's fast path needs IEEE double arithmetic without excess precision. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define CLINGER	1
#else
#define CLINGER	0
#endif

/* The powers of ten and the digit helpers: numdigits.h (shared with
 * ingest's num_fast()); the 128-bit powers: pow10tab.h, generated. */

/*
 * Eisel-Lemire: m * 10^e10 correctly rounded, for 0 < m < 2^64.
 * Returns 1 and sets *out, or 0 when the 128-bit product cannot decide the
 * rounding or the result is subnormal, zero or infinite (strtod decides).
 * This follows Nigel Tao's formulation in Go's strconv (eisel_lemire.go).
 */
static int
eisel_lemire(uint64_t m, int e10, int neg, double *out)
{
	const uint64_t *pw;
	uint64_t xhi, xlo, yhi, ylo, mhi, mlo, mant, exp2, msb, bits;
	u128 x, y;
	int clz;

	if (e10 < POW128_MIN || e10 > POW128_MAX)
		return 0;
	pw = pow10_128[e10 - POW128_MIN];
	clz = __builtin_clzll(m);
	m <<= clz;
	/* floor(e10 * log2(10)) + 64 + bias - clz; >> on a negative int is
	 * arithmetic with every compiler we build with. */
	exp2 = (uint64_t)(((217706 * e10) >> 16) + 64 + 1023) - (uint64_t)clz;

	x = (u128)m * pw[0];
	xhi = (uint64_t)(x >> 64);
	xlo = (uint64_t)x;
	if ((xhi & 0x1FF) == 0x1FF && xlo + m < m) {
		/* wider approximation with the low half of the power */
		y = (u128)m * pw[1];
		yhi = (uint64_t)(y >> 64);
		ylo = (uint64_t)y;
		mhi = xhi;
		mlo = xlo + yhi;
		if (mlo < xlo)
			mhi++;
		if ((mhi & 0x1FF) == 0x1FF && mlo + 1 == 0 && ylo + m < m)
			return 0;
		xhi = mhi;
		xlo = mlo;
	}
	msb = xhi >> 63;
	mant = xhi >> (msb + 9);
	exp2 -= 1 ^ msb;
	/* exactly halfway between two doubles: let strtod break the tie */
	if (xlo == 0 && (xhi & 0x1FF) == 0 && (mant & 3) == 1)
		return 0;
	mant += mant & 1;
	mant >>= 1;
	if (mant >> 53) {
		mant >>= 1;
		exp2++;
	}
	/* exp2 == 0 or wrapped: subnormal; >= 0x7FF: infinite */
	if (exp2 - 1 >= 0x7FF - 1)
		return 0;
	bits = exp2 << 52 | (mant & 0x000FFFFFFFFFFFFFull);
	if (neg)
		bits |= 0x8000000000000000ull;
	memcpy(out, &bits, sizeof(*out));
	return 1;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive: does p[0..len) spell word? */
static int
spells(const char *p, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (lower((unsigned char)p[i]) != word[i])
			return 0;
	return 1;
}

/* After the sign: "nan", "inf" or "infinity" and nothing else. */
static int
parse_special(const char *p, size_t len, int neg, double *out)
{
	double d;

	if (spells(p, len, "nan"))
		d = NAN;
	else if (spells(p, len, "inf") || spells(p, len, "infinity"))
		d = INFINITY;
	else
		return -1;
	*out = neg ? -d : d;
	return 0;
}

/*
 * The slow path: strtod() on a NUL-terminated copy of text already known to
 * be a well-formed decimal number.  The '.' is replaced by the locale's
 * decimal point in case the program called setlocale().  errno is kept.
 */
static int
parse_strtod(const char *s, size_t n, double *out)
{
	char stackbuf[128], *buf, *end;
	const char *dp;
	size_t dplen, i, j;
	int saved = errno, rc = -1;
	double d;

	dp = localeconv()->decimal_point;
	if (dp == NULL || *dp == '\0')
		dp = ".";
	dplen = strlen(dp);
	if (n + dplen + 1 <= sizeof(stackbuf))
		buf = stackbuf;
	else if ((buf = malloc(n + dplen + 1)) == NULL)
		return -1;
	for (i = j = 0; i < n; i++) {
		if (s[i] == '.') {
			memcpy(buf + j, dp, dplen);
			j += dplen;
		} else
			buf[j++] = s[i];
	}
	buf[j] = '\0';
	d = strtod(buf, &end);
	if (end == buf + j) {
		*out = d;
		rc = 0;
	}
	if (buf != stackbuf)
		free(buf);
	errno = saved;
	return rc;
}

/* Any text: the full grammar, more than 19 digits, exponents, specials. */
static int
parse_general(const char *s, size_t n, double *out)
{
	const char *p = s, *end = s + n, *start;
	uint64_t m = 0;
	int64_t e10 = 0, x;
	int neg = 0, eneg, nd = 0, ndigits = 0, inexact = 0;
	unsigned d;
	double v;

	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (p == end)
		return -1;
	if ((unsigned)(*p - '0') > 9 && *p != '.')
		return parse_special(p, (size_t)(end - p), neg, out);

	/* integer part: leading zeros, then up to 19 significant digits */
	start = p;
	while (p < end && *p == '0')
		p++;
	for (; p < end && (d = (unsigned)(*p - '0')) <= 9; p++) {
		if (nd < 19) {
			m = m * 10 + d;
			nd++;
		} else {
			inexact |= d != 0;
			e10++;
		}
	}
	ndigits = (int)(p - start);
	/* fraction */
	if (p < end && *p == '.') {
		start = ++p;
		if (m == 0)
			for (; p < end && *p == '0'; p++)
				e10--;
		for (; p < end && (d = (unsigned)(*p - '0')) <= 9; p++) {
			if (nd < 19) {
				m = m * 10 + d;
				nd++;
				e10--;
			} else
				inexact |= d != 0;
		}
		ndigits += (int)(p - start);
	}
	if (ndigits == 0)
		return -1;
	/* exponent, saturated far beyond any double's range */
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		eneg = 0;
		if (p < end && (*p == '+' || *p == '-')) {
			eneg = *p == '-';
			p++;
		}
		if (p == end || (unsigned)(*p - '0') > 9)
			return -1;
		for (x = 0; p < end && (d = (unsigned)(*p - '0')) <= 9; p++)
			if (x < 1000000)
				x = x * 10 + d;
		e10 += eneg ? -x : x;
	}
	if (p != end)
		return -1;

	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (!inexact) {
		if (CLINGER && m <= (1ull << 53) && e10 >= -22 && e10 <= 22) {
			v = (double)m;
			v = e10 < 0 ? v / num_pow10[-e10] : v * num_pow10[e10];
			*out = neg ? -v : v;
			return 0;
		}
		if (e10 >= POW128_MIN && e10 <= POW128_MAX &&
		    eisel_lemire(m, (int)e10, neg, out))
			return 0;
	}
	return parse_strtod(s, n, out);
}

int
num_parse_i64(const char *s, size_t n, int64_t *out)
{
	const char *p = s, *end = s + n;
	uint64_t u = 0, lim;
	unsigned d;
	int neg = 0;

	if (n > 0 && (*p == '+' || *p == '-')) {
		neg = *p == '-';
		p++;
	}
	if (p == end)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		if ((d = (unsigned)(*p - '0')) > 9)
			return -1;
		if (u > (lim - d) / 10)
			return -1;
		u = u * 10 + d;
	}
	if (neg)
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*out = (int64_t)u;
	return 0;
}

/*
 * The short common case: [+-]digits[.digits] with at most 19 digits, in at
 * most 24 bytes after the sign.  Eight bytes at a time: find the point,
 * squeeze it out, convert the digits in one SWAR step, with as few
 * data-dependent branches as possible (the sign and the lengths of sensor
 * values are random).  Anything else (exponents, specials, junk, long
 * mantissas) is parse_general()'s.  The mantissa and exponent are the
 * ones parse_general() finds (leading zeros add nothing to m), so the
 * result is the same double.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__

/* p[0..n), 0 < n <= 8, in a word, first byte lowest, zero bytes past n. */
static inline uint64_t
load_le(const char *p, size_t n)
{
	uint32_t a, b;
	uint16_t c, d;

	if (n >= 4) {
		/* two loads, overlapping unless n == 8: shared bytes are equal */
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		return a | (uint64_t)b << (8 * (n - 4));
	}
	if (n >= 2) {
		memcpy(&c, p, 2);
		memcpy(&d, p + n - 2, 2);
		return c | (uint64_t)d << (8 * (n - 2));
	}
	return (unsigned char)*p;
}


int
num_parse(const char *s, size_t n, double *out)
{
	const char *p = s, *end = s + n;
	uint64_t m = 0, x, bad, low, bits;
	size_t wl;
	int neg, i, j, k, nd = 0, nfrac = 0, dot = 0;
	double v;

	if (n == 0)
		return -1;
	/* no branch on the sign: it is as random as the data */
	neg = *p == '-';
	p += neg | (*p == '+');
	if (p == end || end - p > 24)
		return parse_general(s, n, out);
	do {
		/* eight bytes (fewer at the end: zero bytes, not digits) */
		wl = end - p < 8 ? (size_t)(end - p) : 8;
		x = load_le(p, wl) ^ 0x3030303030303030ull;
		bad = num_nondigits(x);
		i = bad != 0 ? __builtin_ctzll(bad) >> 3 : 8;
		k = i;			/* digits in this word */
		if (i < (int)wl) {
			/* the point, once, and then digits to the word's end */
			if (dot || (uint8_t)(x >> (8 * i)) != ('.' ^ '0'))
				return parse_general(s, n, out);
			dot = 1;
			bad &= bad - 1;
			j = bad != 0 ? __builtin_ctzll(bad) >> 3 : 8;
			if (j != (int)wl)
				return parse_general(s, n, out);
			nfrac = j - i - 1;
			k = j - 1;
			/* squeeze the point out */
			low = (1ull << (8 * i)) - 1;
			x = (x & low) | ((x >> 8) & ~low);
		} else if (dot)
			nfrac += k;
		if (k > 0) {
			if (nd + k > 19)
				return parse_general(s, n, out);
			/* the k digits on top, leading zeros below */
			m = m * num_pow10u[k] + num_digits8(x << (8 * (8 - k)));
			nd += k;
		}
		p += wl;
	} while (p < end);
	if (nd == 0)
		return parse_general(s, n, out);
	if (m == 0) {
		v = 0.0;
	} else if (CLINGER && m <= (1ull << 53)) {
		v = (double)m;
		if (nfrac > 0)
			v /= num_pow10[nfrac];
	} else if (eisel_lemire(m, -nfrac, 0, &v) == 0)
		return parse_strtod(s, n, out);
	/* the sign without a branch: v is +0 or positive */
	memcpy(&bits, &v, sizeof(bits));
	bits |= (uint64_t)neg << 63;
	memcpy(out, &bits, sizeof(bits));
	return 0;
}

#else

int
num_parse(const char *s, size_t n, double *out)
{
	if (n == 0)
		return -1;
	return parse_general(s, n, out);
}

#endif

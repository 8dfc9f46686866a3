/*
 * numfast -- the usual sensor value, [-]digits[.digits] in at most 16 bytes
 * after the sign with at most 15 digits, parsed inline without a call or a
 * loop; anything else goes to num_parse().  At most 15 digits means the
 * mantissa is below 2^53, so Clinger's path (one exact division by an exact
 * power of ten) gives the correctly rounded double, the one num_parse() and
 * strtod() give.  Reads 16 bytes after the sign whatever the field's
 * length: the field must lie in a buffer with CSV_PAD bytes after its end
 * (csv.h), which the line reader's buffer has.
 */
#ifndef NUMFAST_H
#define NUMFAST_H

#include <float.h>
#include <stdint.h>
#include <string.h>

#include "numdigits.h"
#include "numparse.h"
#include "swar.h"

#if SWAR && defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define NUMFAST	1

/* num_fast() for 9..16 bytes after the sign: lo, hi are the bytes ^ '0'. */
static inline int
num_fast16(const char *s, size_t n, size_t l, uint64_t lo, uint64_t hi,
    double *out)
{
	uint64_t bl, bh, low, m;
	size_t nd, nfrac, d;

	hi &= ~0ull >> (8 * (16 - l));
	bl = num_nondigits(lo);
	bh = num_nondigits(hi);
	if ((bl | bh) == 0) {
		if (l > 15)
			return num_parse(s, n, out);
		nfrac = 0;
		nd = l;
	} else if (bl != 0) {
		/* the point in the first word: squeeze it out, pull hi down */
		if ((bl & (bl - 1)) != 0 || bh != 0)
			return num_parse(s, n, out);
		d = (size_t)__builtin_ctzll(bl) >> 3;
		if ((uint8_t)(lo >> (8 * d)) != ('.' ^ '0'))
			return num_parse(s, n, out);
		low = (1ull << (8 * d)) - 1;
		lo = (lo & low) | ((lo >> 8) & ~low) | hi << 56;
		hi >>= 8;
		nfrac = l - 1 - d;
		nd = l - 1;
	} else {
		if ((bh & (bh - 1)) != 0)
			return num_parse(s, n, out);
		d = (size_t)__builtin_ctzll(bh) >> 3;
		if ((uint8_t)(hi >> (8 * d)) != ('.' ^ '0'))
			return num_parse(s, n, out);
		low = (1ull << (8 * d)) - 1;
		hi = (hi & low) | ((hi >> 8) & ~low);
		nfrac = l - 9 - d;
		nd = l - 1;
	}
	/* lo: the first 8 digits; hi: the other nd - 8 (0..7), right-aligned */
	m = num_digits8(lo) * num_pow10u[nd - 8] +
	    num_digits8((hi << (8 * (15 - nd))) << 8);
	*out = (double)m / num_pow10[nfrac];
	return 0;
}

/*
 * As num_parse(s, n, out), for s in a buffer that is readable up to 17
 * bytes past s (s[0] is read even when n is 0).
 */
static inline int
num_fast(const char *s, size_t n, double *out)
{
	const uint64_t zeros = 0x3030303030303030ull;
	uint64_t x, hi, b, low, bits;
	size_t neg, l, d;
	double v;

	neg = s[0] == '-';
	l = n - neg;
	if (l - 1 >= 16)	/* empty, a lone "-", or too long */
		return num_parse(s, n, out);
	memcpy(&x, s + neg, 8);
	x ^= zeros;
	if (l > 8) {
		memcpy(&hi, s + neg + 8, 8);
		if (num_fast16(s, n, l, x, hi ^ zeros, &v) == -1)
			return -1;
	} else {
		/* right-aligned in the word: the bytes shifted in are leading zeros */
		x <<= 8 * (8 - l);
		if ((b = num_nondigits(x)) == 0) {
			v = (double)num_digits8(x);
		} else {
			/* one non-digit, a point, and a digit besides */
			if ((b & (b - 1)) != 0 || l == 1)
				return num_parse(s, n, out);
			d = (size_t)__builtin_ctzll(b) >> 3;
			if ((uint8_t)(x >> (8 * d)) != ('.' ^ '0'))
				return num_parse(s, n, out);
			/* the point out, the digits before it one byte up */
			low = (1ull << (8 * d)) - 1;
			x = (x & low) << 8 | (x & (~low << 8));
			v = (double)num_digits8(x) / num_pow10[7 - d];
		}
	}
	memcpy(&bits, &v, sizeof(bits));
	bits |= (uint64_t)neg << 63;
	memcpy(out, &bits, sizeof(bits));
	return 0;
}

#else
#define NUMFAST	0

static inline int
num_fast(const char *s, size_t n, double *out)
{
	return num_parse(s, n, out);
}

#endif

#endif

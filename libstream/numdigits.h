/*
 * numdigits -- what the two decimal parsers share: num_parse()
 * (numparse.c) and ingest's inline num_fast() (filters/ingest/numfast.h).
 * The exact powers of ten, as doubles (1e0..1e22, each exactly
 * representable: Clinger's fast path divides by them) and as integers
 * (1..1e8), and eight ASCII digits tested and converted at once in a 64-bit
 * word (SWAR: the text ^ '0' in each byte, first character lowest).  Pure
 * and inline; private to those parsers, not an interface.
 */
#ifndef NUMDIGITS_H
#define NUMDIGITS_H

#include <stdint.h>

__attribute__((unused)) static const double num_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

__attribute__((unused)) static const uint64_t num_pow10u[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000
};

/* 0x80 in each byte of x (text ^ '0' in each byte) that is not a digit. */
static inline uint64_t
num_nondigits(uint64_t x)
{
	return (((x & 0x7f7f7f7f7f7f7f7full) + 0x7676767676767676ull) | x) &
	    0x8080808080808080ull;
}

/* Eight digit values 0..9 (first, most significant, lowest) to a number. */
static inline uint64_t
num_digits8(uint64_t x)
{
	x = x * 10 + (x >> 8);
	return ((x & 0x000000ff000000ffull) * (100 + (1000000ull << 32)) +
	    ((x >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32))) >>
	    32;
}

#endif

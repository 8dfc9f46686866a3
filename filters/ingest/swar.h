/*
 * swar -- eight bytes at a time in a 64-bit word (little-endian machines;
 * SWAR is 0 elsewhere and callers take their byte loops).  Used where
 * ingest looks at every byte: finding delimiters, reading epoch digits.
 */
#ifndef SWAR_H
#define SWAR_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR	1
#else
#define SWAR	0
#endif

#define SWAR_ONES	0x0101010101010101ull

/* 0x80 in each byte of x that is zero, 0 elsewhere (exact, no carries). */
static inline uint64_t
swar_zeros(uint64_t x)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;

	return ~(((x & lo7) + lo7) | x | lo7);
}

/* 0x80 in each byte that is zero in x or in y, 0 elsewhere (exact). */
static inline uint64_t
swar_zeros2(uint64_t x, uint64_t y)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;

	return ~(((((x & lo7) + lo7) | x) & (((y & lo7) + lo7) | y)) | lo7);
}

/* If the bytes of w (first = lowest) are all ASCII digits, their value in *v
 * and 1; else 0. */
static inline int
swar_digits8w(uint64_t w, uint64_t *v)
{
	if (((w & 0xf0f0f0f0f0f0f0f0ull) |
	    (((w + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) >> 4)) !=
	    0x3333333333333333ull)
		return 0;
	w -= 0x3030303030303030ull;
	w = w * 10 + (w >> 8);
	*v = ((w & 0x000000ff000000ffull) * (100 + (1000000ull << 32)) +
	    ((w >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32))) >> 32;
	return 1;
}

/* If s[0..8) are all ASCII digits, their value in *v and 1; else 0. */
static inline int
swar_digits8(const char *s, uint64_t *v)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return swar_digits8w(w, v);
}

#endif

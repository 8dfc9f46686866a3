/*
 * testrand -- the deterministic random numbers the unit tests share:
 * splitmix64 seeded by assigning rng, uniform [0, 1), and a rough normal
 * (sum of 12 uniforms - 6).  Header-only: each test has its own state.
 */
#ifndef TESTRAND_H
#define TESTRAND_H

#include <stdint.h>

static uint64_t rng;

static inline uint64_t
next(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline double
unif(void)
{
	return (double)(next() >> 11) * 0x1p-53;
}

static inline double
gauss(void)
{
	double s = 0;
	int i;

	for (i = 0; i < 12; i++)
		s += unif();
	return s - 6;
}

#endif

/*
 * check -- the fuzzers' assertion: print the failed condition and abort,
 * which libFuzzer reports with the input and a cmocka test reports as a
 * failure.  Header-only.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(c) \
	do { \
		if (!(c)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", \
			    __FILE__, __LINE__, #c); \
			abort(); \
		} \
	} while (0)

#endif

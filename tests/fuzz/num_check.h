/*
 * num_check -- one input through the number parsers, as the fuzzer
 * (fuzz_num.c) and the corpus replay (tests/unit/test_corpus.c) run it:
 *
 *   num_fast() (ingest's inline path, filters/ingest/numfast.h) says what
 *   num_parse() says, bit for bit;
 *   what num_parse() takes, strtod() takes whole and reads to the same
 *   double; what strtod() takes whole, num_parse() takes too, but for the
 *   forms numparse.h names as refused (leading blanks, hex, "nan(...)");
 *   num_parse_i64() and strtoll() agree in the same way.
 *
 * Inputs longer than 100 bytes are cut there.  Any disagreement prints what
 * differed and aborts.  Header-only.
 */
#ifndef NUM_CHECK_H
#define NUM_CHECK_H

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"
#include "ingest/numfast.h"
#include "check.h"

static int
num_same(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0 ||
	    (isnan(a) && isnan(b) && !signbit(a) == !signbit(b));
}

/* A form strtod() takes that num_parse() refuses by design. */
static int
num_refused(const char *s)
{
	return isspace((unsigned char)s[0]) || strpbrk(s, "xX(") != NULL;
}

static void
num_check(const unsigned char *data, size_t size)
{
	char s[100 + 32], z[100 + 1], *end;
	double x = 0, y = 0, t;
	int64_t i = 0;
	long long ll;
	size_t n = size < 100 ? size : 100;
	int a, b;

	memset(s, '7', sizeof(s));	/* pad bytes num_fast() may read */
	memcpy(s, data, n);
	memcpy(z, data, n);
	z[n] = '\0';
	if (memchr(z, '\0', n) != NULL)	/* strtod() would stop there */
		return;

	a = num_parse(s, n, &x);
	b = num_fast(s, n, &y);
	FUZZ_CHECK(a == b);
	FUZZ_CHECK(a == -1 || num_same(x, y));
	errno = 0;
	t = strtod(z, &end);
	if (a == 0) {
		FUZZ_CHECK(end == z + n);
		FUZZ_CHECK(num_same(x, t));
	} else if (n > 0 && end == z + n && !num_refused(z))
		FUZZ_CHECK(!"strtod takes it whole, num_parse refuses it");

	a = num_parse_i64(s, n, &i);
	errno = 0;
	ll = strtoll(z, &end, 10);
	if (a == 0)
		FUZZ_CHECK(end == z + n && errno == 0 && ll == i);
	else if (n > 0 && end == z + n && errno == 0 && !num_refused(z))
		FUZZ_CHECK(!"strtoll takes it whole, num_parse_i64 refuses it");
}

#endif

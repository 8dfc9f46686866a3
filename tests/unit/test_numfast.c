/*
 * test_numfast -- ingest's inline number parser (filters/ingest/numfast.h)
 * against strtod() and num_parse(): whether a string is accepted must agree
 * with num_parse(), and an accepted string must give strtod()'s double bit
 * for bit.  The strings are hand cases, random short numbers of every
 * length 1..17 with and without a point and sign, and random strings over
 * digits, point, signs and junk; each is followed by random bytes
 * (digits, points too), since num_fast() reads whole words past the end.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "numparse.h"
#include "ingest/numfast.h"
#include "testrand.h"

static unsigned long nchecked, naccepted;

/* s[0..n) with junk after it: num_fast() against num_parse() and strtod(). */
static void
check(const char *s, size_t n)
{
	static const char junk[] = "0123456789.-+e ,\n";
	char buf[64], z[64];
	double a = 12345, b = 12345, c;
	uint64_t ba, bc;
	size_t i;
	int ra, rb;

	assert_true(n + 17 <= sizeof(buf));
	memcpy(buf, s, n);
	for (i = n; i < sizeof(buf); i++)
		buf[i] = junk[next() % (sizeof(junk) - 1)];
	ra = num_fast(buf, n, &a);
	rb = num_parse(s, n, &b);
	if (ra != rb)
		fail_msg("\"%.*s\": num_fast %d, num_parse %d", (int)n, s, ra,
		    rb);
	nchecked++;
	if (ra == -1) {
		assert_true(a == 12345);
		return;
	}
	naccepted++;
	memcpy(z, s, n);
	z[n] = '\0';
	c = strtod(z, NULL);
	memcpy(&ba, &a, 8);
	memcpy(&bc, &c, 8);
	if (ba != bc)
		fail_msg("\"%s\": num_fast %.17g (%016llx), strtod %.17g "
		    "(%016llx)", z, a, (unsigned long long)ba, c,
		    (unsigned long long)bc);
}

static void
checks(const char *s)
{
	check(s, strlen(s));
}

static void
test_hand(void **state)
{
	static const char *const cases[] = {
		"", "-", "+", ".", "-.", "+.", "0", "-0", "+0", "0.", ".0",
		"-0.0", "5.", ".5", "-.5", "1", "12345678", "123456789",
		"-0.334675", "64.77432", "101.6986", "1700000000.003",
		"999999999999999", "9999999999999999", "99999999999999999",
		"9007199254740993", "900719925474099.3", "0.000000000000001",
		"123456789012345.", ".123456789012345", "1.2.3", "1..2", "..",
		"1e5", "1E5", "-1e-5", "nan", "inf", "-inf", "1 ", " 1", "1,2",
		"--1", "-+1", "+-1", "0x10", "1a", "a1", "12345678.1234567",
		"12345678.12345678", "1234567.12345678", "00000000000000.1",
		"0000000000000001", "000000000000000.1", "-000000000000000.1",
		"1.5\xff", "\xff", "1/2", "1:2", "9.",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		checks(cases[i]);
	assert_true(naccepted > 20);
}

static void
test_random_numbers(void **state)
{
	char s[32];
	size_t i, n, nd, k;
	int it;

	(void)state;
	rng = 4242;
	for (it = 0; it < 400000; it++) {
		n = 0;
		if (next() % 3 == 0)
			s[n++] = next() % 5 == 0 ? '+' : '-';
		nd = 1 + next() % 17;
		for (i = 0; i < nd; i++)
			s[n++] = (char)('0' + (next() % 4 == 0 ? 0 :
			    next() % 10));
		if (next() % 4 != 0) {
			/* a point somewhere, the ends too */
			k = (n - (s[0] == '-' || s[0] == '+')) + 1;
			k = (s[0] == '-' || s[0] == '+') + next() % k;
			memmove(s + k + 1, s + k, n - k);
			s[k] = '.';
			n++;
		}
		check(s, n);
	}
	assert_true(naccepted > 300000);
}

static void
test_random_strings(void **state)
{
	static const char alpha[] = "0123456789.-+eE x/:";
	char s[32];
	size_t i, n;
	int it;

	(void)state;
	rng = 99;
	for (it = 0; it < 400000; it++) {
		n = next() % 19;
		for (i = 0; i < n; i++)
			s[i] = next() % 2 ? (char)('0' + next() % 10) :
			    alpha[next() % (sizeof(alpha) - 1)];
		check(s, n);
	}
}

static void
test_values(void **state)
{
	char s[40];
	double v;
	int it, n, prec;

	(void)state;
	rng = 7;
	for (it = 0; it < 200000; it++) {
		v = gauss() * pow(10, (double)(next() % 12) - 4);
		prec = (int)(next() % 10);
		n = snprintf(s, sizeof(s), "%.*f", prec, v);
		check(s, (size_t)n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand),
		cmocka_unit_test(test_random_numbers),
		cmocka_unit_test(test_random_strings),
		cmocka_unit_test(test_values),
	};
	int r;

	r = cmocka_run_group_tests(tests, NULL, NULL);
	printf("# numfast: %lu strings, %lu accepted, NUMFAST=%d\n", nchecked,
	    naccepted, NUMFAST);
	return r;
}

/*
 * Unit tests for libstream/numparse.c.  The oracle is glibc's strtod() (and
 * strtoll()) itself: num_parse() must give the same double bit for bit, on
 * explicit edge cases and on millions of generated strings (random digit
 * strings, printed random doubles, halfway cases, subnormals, junk).  The
 * generator is seeded (NUMPARSE_SEED overrides; the seed is printed on
 * failure) and scaled down tenfold under AddressSanitizer.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testrand.h"

#include "numparse.h"

#if defined(__SANITIZE_ADDRESS__)
#define SCALE	5
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALE	5
#endif
#endif
#ifndef SCALE
#define SCALE	1
#endif

static uint64_t seed = 0x5eed1234abcdULL;
static long mismatches;


static unsigned
below(unsigned n)
{
	return (unsigned)(next() % n);
}

static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/*
 * Compare num_parse(s) with strtod(s): same acceptance of the whole string
 * (strtod must consume all of it; leading blanks, hex and "nan(" are our
 * documented rejections) and the same bits.  Counts and shows mismatches.
 */
static void
check(const char *s)
{
	char *end;
	double want, got = 12345.0;
	int rc, accept;
	size_t n = strlen(s);

	errno = 0;
	want = strtod(s, &end);
	accept = n > 0 && end == s + n && strchr(" \t\n\v\f\r", s[0]) == NULL &&
	    strpbrk(s, "xX(") == NULL;
	rc = num_parse(s, n, &got);
	if ((rc == 0) != accept || (accept && !same_bits(got, want))) {
		if (mismatches++ < 20)
			print_error("mismatch (seed %#" PRIx64 "): \"%s\": num_parse"
			    " rc=%d %.17g, strtod %s %.17g\n", seed, s, rc, got,
			    accept ? "accepts" : "rejects", want);
	}
}

static void
expect_no_mismatch(void)
{
	long m = mismatches;

	mismatches = 0;
	assert_int_equal(m, 0);
}

static int
setup(void **state)
{
	const char *e = getenv("NUMPARSE_SEED");

	(void)state;
	if (e != NULL)
		seed = strtoull(e, NULL, 0);
	rng = seed;
	mismatches = 0;
	return 0;
}

static uint64_t
bits_of(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static void
test_explicit_values(void **state)
{
	double d;

	(void)state;
	assert_int_equal(num_parse("0.0531969", 9, &d), 0);
	assert_true(same_bits(d, 0.0531969));
	assert_int_equal(num_parse("-0.195734", 9, &d), 0);
	assert_true(same_bits(d, -0.195734));
	assert_int_equal(num_parse("74.93588199999998", 17, &d), 0);
	assert_true(same_bits(d, 74.93588199999998));
	/* 2^53 + 1 is halfway: ties to even, 2^53 */
	assert_int_equal(num_parse("9007199254740993", 16, &d), 0);
	assert_true(bits_of(d) == bits_of(9007199254740992.0));
	assert_int_equal(num_parse("9007199254740995", 16, &d), 0);
	assert_true(bits_of(d) == bits_of(9007199254740996.0));
	assert_int_equal(num_parse("-0", 2, &d), 0);
	assert_true(bits_of(d) == 0x8000000000000000ULL);
	assert_int_equal(num_parse("-0.0e-999", 9, &d), 0);
	assert_true(bits_of(d) == 0x8000000000000000ULL);
	assert_int_equal(num_parse("1e308", 5, &d), 0);
	assert_true(bits_of(d) == bits_of(1e308));
	assert_int_equal(num_parse("1e309", 5, &d), 0);
	assert_true(isinf(d) && d > 0);
	assert_int_equal(num_parse("-1e99999999999", 14, &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(num_parse("1e-324", 6, &d), 0);
	assert_true(bits_of(d) == 0);
	assert_int_equal(num_parse("5e-324", 6, &d), 0);
	assert_true(bits_of(d) == 1);		/* smallest subnormal */
	assert_int_equal(num_parse("2.2250738585072011e-308", 23, &d), 0);
	assert_true(bits_of(d) == 0x000FFFFFFFFFFFFFULL);
	assert_int_equal(num_parse("2.2250738585072014e-308", 23, &d), 0);
	assert_true(bits_of(d) == 0x0010000000000000ULL);	/* DBL_MIN */
	assert_int_equal(num_parse("1.7976931348623157e308", 22, &d), 0);
	assert_true(d == DBL_MAX);
	assert_int_equal(num_parse(".5", 2, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(num_parse("5.", 2, &d), 0);
	assert_true(d == 5.0);
	assert_int_equal(num_parse("+.5e1", 5, &d), 0);
	assert_true(d == 5.0);
	assert_int_equal(num_parse("NaN", 3, &d), 0);
	assert_true(isnan(d) && !signbit(d));
	assert_int_equal(num_parse("-nan", 4, &d), 0);
	assert_true(isnan(d) && signbit(d));
	assert_int_equal(num_parse("-Infinity", 9, &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(num_parse("INF", 3, &d), 0);
	assert_true(isinf(d) && d > 0);
	/* 20+ digits whose dropped digits are all zeros stay on the fast path */
	assert_int_equal(num_parse("100000000000000000000000", 24, &d), 0);
	assert_true(d == 1e23);
}

static void
test_rejected(void **state)
{
	static const char *bad[] = {
		"", " 1", "1 ", "\t1", "1\n", "0x1p3", "0X10", "0x", "nan(1)",
		"nan()", "1e", "1e+", "1e-", "e5", ".", "+", "-", "+.", "-.e1",
		"1.2.3", "1..2", "--1", "+-1", "in", "infinit", "infinityy",
		"nana", "1,5", "1_000", "1e5.0", "1e1e1", "0b1", "1f", "1d",
		"++inf", "inf.", "٣",
	};
	size_t i;
	double d = 42.0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (num_parse(bad[i], strlen(bad[i]), &d) != -1)
			print_error("accepted \"%s\"\n", bad[i]);
		assert_int_equal(num_parse(bad[i], strlen(bad[i]), &d), -1);
		assert_true(d == 42.0);		/* untouched */
	}
	/* explicit edge strings against strtod too */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(bad[i]);
	expect_no_mismatch();
}

/* Only s[0..n) is read: no NUL needed, the slow path copies n bytes. */
static void
test_not_terminated(void **state)
{
	static const char buf[] = "1.5e3999";
	static const char longbuf[] = "12345678901234567890123456789";
	double d;

	(void)state;
	assert_int_equal(num_parse(buf, 5, &d), 0);
	assert_true(d == 1500.0);
	assert_int_equal(num_parse(buf, 3, &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(num_parse(buf, 4, &d), -1);	/* "1.5e" */
	assert_int_equal(num_parse(longbuf, 22, &d), 0);
	assert_true(same_bits(d, strtod("1234567890123456789012", NULL)));
	assert_int_equal(num_parse("nanx", 3, &d), 0);
	assert_true(isnan(d));
}

static const char *edge[] = {
	"0", "00", "0.", ".0", "0e0", "0e-400", "0e400", "-0.000",
	"1", "-1", "+1", "1.0", "1.", "000001", "1e0", "1E+0", "1e-0",
	"9007199254740992", "9007199254740993", "9007199254740994",
	"9007199254740995", "18014398509481985", "18014398509481986",
	"9223372036854775807", "9223372036854775808", "18446744073709551615",
	"18446744073709551616", "99999999999999999999", "1e22", "1e23",
	"9.999999999999999e22", "8.98846567431158e307", "1.7976931348623158e308",
	"1.7976931348623159e308", "1.797693134862315807e308",
	"2.4703282292062327e-324", "2.4703282292062328e-324",
	"4.9406564584124654e-324", "1e-323", "2.2250738585072012e-308",
	"2.225073858507201136057409796709131975934819546351645648e-308",
	"0.1", "0.2", "0.3", "0.30000000000000004", "123456789012345678",
	"1234567890123456789", "12345678901234567890", "0.000000000000000000001",
	"7.2057594037927933e16", "1.00000000000000011102230246251565404236316680908203125",
	"1.00000000000000011102230246251565404236316680908203124",
	"1.00000000000000011102230246251565404236316680908203126",
	"1700000000.123", "12.3456", "73.96732207", "3.14159265358979323846",
	"4503599627370496.5", "4503599627370497.5", "1e-22", "1e-23", "5e-1",
	"1e308", "1e309", "1e-324", "1e-325", "-1e-400", "123e-2", "0.5e1",
};

static void
test_edge_vs_strtod(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		check(edge[i]);
	expect_no_mismatch();
}

/* [sign][leading zeros]1-25 significant digits[.][e[sign]exp] */
static void
gen_digits(char *s)
{
	char dig[32];
	unsigned nsig, i, point, z, fill;
	char *p = s;

	switch (below(8)) {
	case 0: case 1: *p++ = '-'; break;
	case 2: *p++ = '+'; break;
	default: break;
	}
	nsig = 1 + below(25);
	fill = below(4);		/* 0: runs of 0, 1: runs of 9 */
	for (i = 0; i < nsig; i++) {
		if (fill < 2 && i > 0 && below(4) != 0)
			dig[i] = fill == 0 ? '0' : '9';
		else
			dig[i] = (char)('0' + below(10));
	}
	if (dig[0] == '0')
		dig[0] = (char)('1' + below(9));
	point = below(4) == 0 ? nsig + 1 : below(nsig + 1);  /* nsig+1: none */
	if (point > 0 && below(4) == 0)
		for (z = 1 + below(3); z > 0; z--)
			*p++ = '0';
	for (i = 0; i <= nsig; i++) {
		if (i == point)
			*p++ = '.';
		if (i < nsig)
			*p++ = dig[i];
	}
	if (point == 0 && below(4) == 0) {	/* "0.00ddd" */
		memmove(s + 1 + (s[0] == '-' || s[0] == '+'), s +
		    (s[0] == '-' || s[0] == '+'), (size_t)(p - s));
		s[(s[0] == '-' || s[0] == '+')] = '0';
		p++;
	}
	if (below(2) == 0) {
		*p++ = below(2) ? 'e' : 'E';
		if (below(2))
			*p++ = below(3) ? '-' : '+';
		p += sprintf(p, "%u", below(4) ? below(31) : below(351));
	}
	*p = '\0';
}

static void
test_random_digits(void **state)
{
	char s[96];
	long i, n = 700000 / SCALE;

	(void)state;
	for (i = 0; i < n; i++) {
		gen_digits(s);
		check(s);
	}
	expect_no_mismatch();
}

/* Random doubles (all bit patterns, also subnormals) printed as printf does. */
static void
test_random_doubles(void **state)
{
	char s[512];
	long i, n = 350000 / SCALE;
	uint64_t u;
	double d, back;

	(void)state;
	for (i = 0; i < n; i++) {
		u = next();
		switch (below(4)) {
		case 0:		/* subnormal */
			u &= 0x800FFFFFFFFFFFFFULL;
			break;
		case 1:		/* typical magnitudes 1e-6 .. 1e12 */
			u = (u & 0x800FFFFFFFFFFFFFULL) |
			    (uint64_t)(1003 + below(60)) << 52;
			break;
		default:
			break;
		}
		memcpy(&d, &u, sizeof(d));
		snprintf(s, sizeof(s), "%.17g", d);
		check(s);
		if (!isnan(d) && (num_parse(s, strlen(s), &back) != 0 ||
		    !same_bits(back, d)) && mismatches++ < 20)
			print_error("round trip %s\n", s);
		snprintf(s, sizeof(s), "%.*g", 1 + (int)below(17), d);
		check(s);
		snprintf(s, sizeof(s), "%.*e", (int)below(25), d);
		check(s);
		if (fabs(d) < 1e15 && fabs(d) > 1e-8) {
			snprintf(s, sizeof(s), "%.*f", (int)below(20), d);
			check(s);
		}
	}
	expect_no_mismatch();
}

/* Sensor-like values: few digits, fixed point, like the real data. */
static void
test_sensor_like(void **state)
{
	char s[64];
	long i, n = 250000 / SCALE;
	double d;

	(void)state;
	for (i = 0; i < n; i++) {
		d = ((double)(next() >> 11) / 9007199254740992.0 - 0.5) *
		    pow(10.0, (double)below(12) - 3.0);
		snprintf(s, sizeof(s), "%.*f", (int)below(12), d);
		check(s);
		snprintf(s, sizeof(s), "%u.%03u", 1600000000 + below(200000000),
		    below(1000));
		check(s);
	}
	expect_no_mismatch();
}

/*
 * Halfway and near-halfway cases: (2^53 + odd) * 2^k as an integer (exactly
 * halfway, ties to even), and the exact midpoint between a random double and
 * its successor (exact in long double) printed exactly and to 16-19 digits.
 */
static void
test_halfway(void **state)
{
	char s[1200];
	long i, n = 50000 / SCALE;
	uint64_t u;
	long double mid;
	double a, b;
	unsigned k;

	(void)state;
	for (i = 0; i < n; i++) {
		k = below(11);
		u = ((1ULL << 53) + (next() % (1ULL << 53) | 1)) << k;
		snprintf(s, sizeof(s), "%" PRIu64, u);
		check(s);
		snprintf(s, sizeof(s), "%" PRIu64 "e-%u", u, below(40));
		check(s);

		do {
			u = next();
			if (below(4) == 0)
				u &= 0x800FFFFFFFFFFFFFULL;
			memcpy(&a, &u, sizeof(a));
		} while (!isfinite(a) || fabs(a) == DBL_MAX);
		b = nextafter(a, a < 0 ? -INFINITY : INFINITY);
		mid = ((long double)a + (long double)b) / 2;
		snprintf(s, sizeof(s), "%.*Le", 15 + (int)below(5), mid);
		check(s);
		if (i % 10 == 0) {		/* exact: up to ~770 digits */
			snprintf(s, sizeof(s), "%.800Le", mid);
			check(s);
		}
	}
	expect_no_mismatch();
}

/* Random junk from a number-ish alphabet: accept exactly what strtod does. */
static void
test_junk(void **state)
{
	static const char alpha[] = "0123456789012345678901234..++--eeEE inafINAF";
	char s[16];
	long i, n = 400000 / SCALE;
	unsigned len, j;

	(void)state;
	for (i = 0; i < n; i++) {
		len = 1 + below(8);
		for (j = 0; j < len; j++)
			s[j] = alpha[below(sizeof(alpha) - 1)];
		s[len] = '\0';
		check(s);
	}
	expect_no_mismatch();
}

static void
check_i64(const char *s)
{
	char *end;
	long long want;
	int64_t got;
	int accept, rc;
	size_t n = strlen(s);

	errno = 0;
	want = strtoll(s, &end, 10);
	accept = n > 0 && end == s + n && errno == 0 && strchr(" \t\n", s[0]) ==
	    NULL;
	rc = num_parse_i64(s, n, &got);
	if ((rc == 0) != accept || (accept && got != want)) {
		if (mismatches++ < 20)
			print_error("i64 mismatch: \"%s\": rc=%d %" PRId64
			    " strtoll %lld\n", s, rc, got, want);
	}
}

static void
test_i64(void **state)
{
	static const char *cases[] = {
		"0", "-0", "+0", "7", "-7", "+7", "9223372036854775807",
		"9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "99999999999999999999", "00000000000000000000001",
		"", "-", "+", " 1", "1 ", "1.0", "1e3", "0x10", "--1", "12a",
	};
	static const char alpha[] = "0123456789+- ";
	char s[32];
	int64_t v;
	size_t i;
	unsigned len, j;

	(void)state;
	assert_int_equal(num_parse_i64("-9223372036854775808", 20, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(num_parse_i64("9223372036854775807", 19, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(num_parse_i64("9223372036854775808", 19, &v), -1);
	assert_int_equal(num_parse_i64("123456", 3, &v), 0);
	assert_true(v == 123);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_i64(cases[i]);
	for (i = 0; i < 300000 / SCALE; i++) {
		snprintf(s, sizeof(s), "%" PRId64, (int64_t)next() >>
		    below(64));
		check_i64(s);
		len = 1 + below(21);
		for (j = 0; j < len; j++)
			s[j] = j > 0 && below(8) ? (char)('0' + below(10)) :
			    alpha[below(sizeof(alpha) - 1)];
		s[len] = '\0';
		check_i64(s);
	}
	expect_no_mismatch();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_explicit_values, setup),
		cmocka_unit_test_setup(test_rejected, setup),
		cmocka_unit_test_setup(test_not_terminated, setup),
		cmocka_unit_test_setup(test_edge_vs_strtod, setup),
		cmocka_unit_test_setup(test_random_digits, setup),
		cmocka_unit_test_setup(test_random_doubles, setup),
		cmocka_unit_test_setup(test_sensor_like, setup),
		cmocka_unit_test_setup(test_halfway, setup),
		cmocka_unit_test_setup(test_junk, setup),
		cmocka_unit_test_setup(test_i64, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

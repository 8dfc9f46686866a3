/*
 * test_opt -- option numbers (libstream/opt.h) at their limits: INT64 and
 * UINT64 edges and one past them, overflow in every unit, fractions
 * refused for integers, signs where they are not allowed, units of
 * durations, frequencies and sizes, and reasons that name the value and
 * the range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "opt.h"

static void
test_i64(void **state)
{
	static const char *const bad[] = {
		"", "-", "+", "1.5", "1e3", " 1", "1 ", "0x10", "12a",
		"9223372036854775808", "-9223372036854775809",
		"99999999999999999999999", "--1", "1,000"
	};
	int64_t v;
	size_t i;

	(void)state;
	assert_null(opt_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MAX);
	assert_null(opt_i64("-9223372036854775808", INT64_MIN, INT64_MAX,
	    &v));
	assert_true(v == INT64_MIN);
	assert_null(opt_i64("+42", 0, 100, &v));
	assert_true(v == 42);
	assert_null(opt_i64("-0", 0, 0, &v));
	assert_true(v == 0);
	assert_null(opt_i64("007", 0, 10, &v));
	assert_true(v == 7);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		assert_non_null(opt_i64(bad[i], INT64_MIN, INT64_MAX, &v));
		assert_true(v == 12345);	/* untouched */
	}
	/* the range, both ends in and one past */
	assert_null(opt_i64("-5", -5, 5, &v));
	assert_null(opt_i64("5", -5, 5, &v));
	assert_non_null(opt_i64("-6", -5, 5, &v));
	assert_non_null(opt_i64("6", -5, 5, &v));
	assert_string_equal(opt_i64("banana", 1, 100, &v),
	    "'banana' is not a whole number from 1 to 100");
}

static void
test_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_null(opt_u64("18446744073709551615", 0, UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	assert_non_null(opt_u64("18446744073709551616", 0, UINT64_MAX, &v));
	assert_non_null(opt_u64("184467440737095516150", 0, UINT64_MAX, &v));
	assert_non_null(opt_u64("-1", 0, UINT64_MAX, &v));	/* not wrapped */
	assert_non_null(opt_u64("-0", 0, UINT64_MAX, &v));
	assert_non_null(opt_u64("2.0", 0, UINT64_MAX, &v));
	assert_non_null(opt_u64("0", 1, 10, &v));
	assert_null(opt_u64("10", 1, 10, &v));
	assert_true(v == 10);
	assert_non_null(opt_u64("11", 1, 10, &v));
	/* a long value is cut in the reason */
	assert_non_null(strstr(opt_u64("1234567890123456789012345678901234567"
	    "890123456789", 0, 1, &v), "...' is not a whole number"));
}

static void
test_real(void **state)
{
	static const char *const bad[] = {
		"", ".", "-", "nan", "inf", "-inf", "0x1p3", "1e", "1e+",
		" 1", "1 ", "1.5x", "1e999", "--1"
	};
	double v;
	size_t i;

	(void)state;
	assert_null(opt_real("0.5", 0, 1, &v));
	assert_true(v == 0.5);
	assert_null(opt_real("-1.25e2", -1000, 0, &v));
	assert_true(v == -125);
	assert_null(opt_real(".5", 0, 1, &v));
	assert_null(opt_real("5.", 0, 10, &v));
	assert_true(v == 5);
	assert_null(opt_real("1e-300", 0, 1, &v));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(opt_real(bad[i], -1e308, 1e308, &v));
	assert_non_null(opt_real("1.0000001", 0, 1, &v));
	assert_string_equal(opt_real("2", 0, 1, &v),
	    "'2' is not a number from 0 to 1");
}

static void
test_duration(void **state)
{
	static const struct {
		const char	*s;
		int64_t		 ns;
	} good[] = {
		{ "0", 0 }, { "1ns", 1 }, { "1us", 1000 }, { "1ms", 1000000 },
		{ "1s", 1000000000 }, { "1min", INT64_C(60000000000) },
		{ "1h", INT64_C(3600000000000) },
		{ "1d", INT64_C(86400000000000) },
		{ "500ms", 500000000 }, { "5min", INT64_C(300000000000) },
		{ "24h", INT64_C(86400000000000) }, { "0.5s", 500000000 },
		{ "1.5ms", 1500000 }, { ".25s", 250000000 },
		{ "2.5", 2500000000 },		/* bare: seconds */
		{ "0.000000001s", 1 }, { "1.4ns", 1 }, { "1.6ns", 2 },
		{ "9223372036854775807ns", INT64_MAX },
		{ "9223372036.854775807s", INT64_MAX },
		{ "106751d", INT64_C(9223286400000000000) },
	};
	static const char *const bad[] = {
		"", "s", "1 s", "1sec", "5m", "1S", "1e3s", "1.5.5s", "ms",
		"9223372036854775808ns", "9223372037s", "106752d",
		"153722868min", "2562048h", "99999999999999999999999s",
		"1s ", "-", "+", "."
	};
	int64_t ns;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ns = -7;
		assert_null(opt_duration(good[i].s, OPT_NS_S, 0, INT64_MAX,
		    &ns));
		assert_true(ns == good[i].ns);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns = -7;
		assert_non_null(opt_duration(bad[i], OPT_NS_S, 0, INT64_MAX,
		    &ns));
		assert_true(ns == -7);
	}
	/* negative where the range allows it, refused where not */
	assert_null(opt_duration("-9223372036854775808ns", 1, INT64_MIN, 0,
	    &ns));
	assert_true(ns == INT64_MIN);
	assert_null(opt_duration("-1ms", 1, -OPT_NS_S, 0, &ns));
	assert_true(ns == -1000000);
	assert_non_null(opt_duration("-1ms", OPT_NS_S, 0, INT64_MAX, &ns));
	/* bare numbers refused when asked, or counted in another unit */
	assert_string_equal(opt_duration("5", 0, 0, INT64_MAX, &ns),
	    "'5' needs a unit (ns, us, ms, s, min, h or d)");
	assert_null(opt_duration("5", 1000000, 0, INT64_MAX, &ns));
	assert_true(ns == 5000000);
	/* the range, said in units */
	assert_string_equal(opt_duration("25h", OPT_NS_S, OPT_NS_S / 10,
	    86400 * OPT_NS_S, &ns),
	    "'25h' is not a duration from 100ms to 1d");
	assert_non_null(strstr(opt_duration("3parsecs", OPT_NS_S, 0,
	    INT64_MAX, &ns), "is not a duration (a number and ns"));
	assert_true(opt_bare("256") && opt_bare("1.5") && opt_bare("-1"));
	assert_true(!opt_bare("1s") && !opt_bare("") && !opt_bare(".") &&
	    !opt_bare("1e3"));
}

static void
test_freq(void **state)
{
	double hz;

	(void)state;
	assert_null(opt_freq("20480Hz", 1, 1e9, &hz));
	assert_true(hz == 20480);
	assert_null(opt_freq("20480", 1, 1e9, &hz));
	assert_true(hz == 20480);
	assert_null(opt_freq("25.6kHz", 1, 1e9, &hz));
	assert_true(hz == 25600);
	assert_null(opt_freq("2MHz", 1, 1e9, &hz));
	assert_true(hz == 2e6);
	assert_non_null(opt_freq("20480hz", 1, 1e9, &hz));
	assert_non_null(opt_freq("1mHz", 1e-9, 1e9, &hz));
	assert_non_null(opt_freq("Hz", 1, 1e9, &hz));
	assert_non_null(opt_freq("0Hz", 1e-9, 1e9, &hz));
	assert_non_null(opt_freq("-1Hz", 1e-9, 1e9, &hz));
	assert_non_null(opt_freq("2GHz", 1, 1e12, &hz));
	assert_non_null(opt_freq("nanHz", 1, 1e9, &hz));
}

/* f is num / den Hz exactly, in lowest terms */
#define FREQ_IS(s, hi, n, d) do {					\
	uint64_t num_ = 0, den_ = 0;					\
									\
	assert_null(opt_freq_exact(s, hi, &num_, &den_));		\
	assert_true(num_ == (n) && den_ == (d));			\
} while (0)

/* every v[i] refused by opt_freq_exact(v[i], 1 GHz), saying says */
static void
freq_refused(const char *const *v, size_t n, uint64_t *num, uint64_t *den,
    const char *says)
{
	const char *why;
	size_t i;

	for (i = 0; i < n; i++) {
		why = opt_freq_exact(v[i], 1000000000, num, den);
		assert_non_null(why);
		if (strstr(why, says) == NULL)
			fail_msg("%s: %s", v[i], why);
	}
}

static void
test_freq_exact(void **state)
{
	static const char *bad[] = { "", "Hz", ".", "+", "-5", "1e3", "1E3",
	    " 5", "5 ", "5hz", "5 Hz", "1.2.3", "0x10", "inf", "nan", "5GHz",
	    "2.5x", "1mHz", "1234567890123456789",	/* 19 digits */
	    "0.000000000000000001", "1000000000000000000",
	    "1000000000.000000001" };
	static const char *range[] = { "0", "0.0", "0Hz", "0kHz", "000",
	    "1000000000.1", "1000000000.00000001", "1000000001",
	    "1000001kHz", "1000.000001MHz" };
	uint64_t num = 7, den = 7;

	(void)state;
	FREQ_IS("20480", 1000000000, 20480, 1);
	FREQ_IS("20480Hz", 1000000000, 20480, 1);
	FREQ_IS("+1", 1000000000, 1, 1);
	FREQ_IS("0.5", 1000000000, 1, 2);
	FREQ_IS(".5", 1000000000, 1, 2);
	FREQ_IS("5.", 1000000000, 5, 1);
	FREQ_IS("12.50", 1000000000, 25, 2);
	FREQ_IS("0.1", 1000000000, 1, 10);	/* not the double near 0.1 */
	FREQ_IS("25.6kHz", 1000000000, 25600, 1);
	FREQ_IS("0.0001kHz", 1000000000, 1, 10);
	FREQ_IS("1.5MHz", 1000000000, 1500000, 1);
	FREQ_IS("0.000000001MHz", 1000000000, 1, 1000);
	/* the limits: 18 digits, the smallest and the largest rate */
	FREQ_IS("123456789012345678", UINT64_MAX, 123456789012345678u, 1);
	FREQ_IS(".000000000000000001", 1000000000, 1, 1000000000000000000u);
	FREQ_IS("0.00000000000000001", 1000000000, 1, 100000000000000000u);
	FREQ_IS("18446744073709551kHz", UINT64_MAX, 18446744073709551000u, 1);
	FREQ_IS("1000000000", 1000000000, 1000000000, 1);
	FREQ_IS("1000000kHz", 1000000000, 1000000000, 1);
	FREQ_IS("1000MHz", 1000000000, 1000000000, 1);
	FREQ_IS("999999999.999999999", 1000000000, 999999999999999999u,
	    1000000000);
	FREQ_IS("000000000000000001", 1, 1, 1);
	freq_refused(bad, sizeof(bad) / sizeof(bad[0]), &num, &den,
	    "is not a frequency (a number of at most 18 digits and Hz, kHz or "
	    "MHz)");
	freq_refused(range, sizeof(range) / sizeof(range[0]), &num, &den,
	    "is not a frequency above 0 and at most 1000000000 Hz");
	assert_true(num == 7 && den == 7);	/* untouched when refused */
	/* n * m past uint64 with hi at the top: refused, not wrapped */
	assert_non_null(opt_freq_exact("18446744073709552kHz", UINT64_MAX,
	    &num, &den));
	assert_non_null(opt_freq_exact("999999999999999999MHz", UINT64_MAX,
	    &num, &den));
	assert_string_equal(opt_freq_exact("0.5", 0, &num, &den),
	    "'0.5' is not a frequency above 0 and at most 0 Hz");
}

static void
test_size(void **state)
{
	static const struct {
		const char	*s;
		uint64_t	 v;
	} good[] = {
		{ "64", 64 }, { "64B", 64 }, { "1K", 1024 }, { "1k", 1024 },
		{ "1KiB", 1024 }, { "1KB", 1024 }, { "2M", 2u << 20 },
		{ "2MiB", 2u << 20 }, { "1G", 1u << 30 }, { "1GiB", 1u << 30 },
		{ "17179869183G", UINT64_C(17179869183) << 30 },
	};
	static const char *const bad[] = {
		"", "K", "1.5M", "-1", "1T", "1Ki", "1iB", "1KiBB", "1 K",
		"17179869184G", "18446744073709551616"
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_null(opt_size(good[i].s, 0, UINT64_MAX, &v));
		assert_true(v == good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(opt_size(bad[i], 0, UINT64_MAX, &v));
	assert_string_equal(opt_size("2G", 64, 1u << 30, &v),
	    "'2G' is not a size from 64 to 1G (bytes, or K, M, G: KiB, MiB, "
	    "GiB)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i64),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_freq),
		cmocka_unit_test(test_freq_exact),
		cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for libstream/timeparse.c.  Expected epoch values were computed
 * with Debian's /usr/bin/python3 (calendar.timegm, datetime.date.toordinal,
 * decimal.Decimal floor for epoch numbers, zoneinfo.ZoneInfo with fold=0 for
 * the zone cases) and are hard-coded here; the tests do not need Python.
 * Zone tests skip visibly when the tz database lacks the zone.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "timeparse.h"

struct iso_case {
	const char	*s;
	int64_t		 sec;
	uint32_t	 nsec;
	int		 zone;
};

/* timegm values from Python: calendar.timegm(datetime(...).timetuple()) */
static const struct iso_case iso_ok[] = {
	{ "2004-02-12T10:32:39Z", 1076581959, 0, 1 },
	{ "2004-02-12t10:32:39z", 1076581959, 0, 1 },
	{ "2004-02-12 10:32:39", 1076581959, 0, 0 },
	{ "2004/02/12 10:32:39", 1076581959, 0, 0 },
	{ "2004-02-12T10:32:39.123456789+00:00", 1076581959, 123456789, 1 },
	{ "2004-02-12T10:32:39,5Z", 1076581959, 500000000, 1 },
	{ "2004-02-12T10:32:39.000001", 1076581959, 1000, 0 },
	{ "2004-02-12T10:32:39+02:00", 1076574759, 0, 1 },	/* 08:32:39Z */
	{ "2004-02-12T10:32:39+0530", 1076562159, 0, 1 },	/* 05:02:39Z */
	{ "2004-02-12T10:32:39-05", 1076599959, 0, 1 },		/* 15:32:39Z */
	{ "2004-02-12T10:32:39-03:30", 1076594559, 0, 1 },	/* 14:02:39Z */
	{ "2004-02-12T10:32", 1076581920, 0, 0 },
	{ "2004-02-12T10:32Z", 1076581920, 0, 1 },
	{ "2000-02-29T00:00:00Z", 951782400, 0, 1 },
	{ "2024-02-29 23:59:59", 1709251199, 0, 0 },
	{ "1970-01-01", 0, 0, 0 },
	{ "1900-03-01", -2203891200, 0, 0 },
	{ "1969-12-31T23:59:59.5Z", -1, 500000000, 1 },
	{ "0001-01-01T00:00:00Z", -62135596800, 0, 1 },
	{ "9999-12-31T23:59:59Z", 253402300799, 0, 1 },
	{ "2016-12-31T23:59:60Z", 1483228800, 0, 1 },	/* = 2017-01-01 */
};

static const char *iso_bad[] = {
	"", "2004", "2004-02", "2004-02-12T", "2004-02-12T10", "2004-02-12T10:",
	"2004-02-12T10:32:", "2004-02-12T10:32:39.", "2004-02-12X10:32",
	"2004-02/12", "2004/02-12", "04-02-12", "2004-2-12", "2004-02-1",
	"2004-02-12T10:32:39+2", "2004-02-12T10:32:39+24:00",
	"2004-02-12T10:32:39+02:60", "2004-02-12T10:32:39+02:0",
	"2004-02-12T10:32:39.1234567890Z", "2004-02-12T10:32:39Z ",
	" 2004-02-12", "2004-02-12Z", "2004-02-12T10:32:39ZZ",
	"1900-02-29", "2100-02-29", "2001-02-29", "2000-02-30", "2023-04-31",
	"2023-13-01", "2023-00-10", "2023-01-00", "2023-01-32",
	"2023-01-01T24:00", "2023-01-01T23:60", "2023-01-01T23:59:61",
	"2023-01-01T-1:00", "2023-01-01T10:32:39.12a", "2004-02-12T10:32:39 Z",
};

static void
test_iso(void **state)
{
	const struct iso_case *c;
	int64_t sec = 7;
	uint32_t nsec = 7;
	int zone = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(iso_ok) / sizeof(iso_ok[0]); i++) {
		c = &iso_ok[i];
		if (time_parse_iso(c->s, strlen(c->s), &sec, &nsec, &zone) != 0 ||
		    sec != c->sec || nsec != c->nsec || zone != c->zone)
			print_error("%s: got %" PRId64 " %" PRIu32 " %d\n", c->s,
			    sec, nsec, zone);
		assert_int_equal(time_parse_iso(c->s, strlen(c->s), &sec, &nsec,
		    &zone), 0);
		assert_true(sec == c->sec);
		assert_int_equal(nsec, c->nsec);
		assert_int_equal(zone, c->zone);
	}
	for (i = 0; i < sizeof(iso_bad) / sizeof(iso_bad[0]); i++) {
		sec = 7;
		if (time_parse_iso(iso_bad[i], strlen(iso_bad[i]), &sec, &nsec,
		    &zone) != -1)
			print_error("accepted \"%s\"\n", iso_bad[i]);
		assert_int_equal(time_parse_iso(iso_bad[i], strlen(iso_bad[i]),
		    &sec, &nsec, &zone), -1);
		assert_true(sec == 7);
	}
	/* only s[0..n) is read */
	assert_int_equal(time_parse_iso("2004-02-12T10:32:39Zjunk", 20, &sec,
	    &nsec, &zone), 0);
	assert_true(sec == 1076581959 && zone == 1);
	assert_int_equal(time_parse_iso("2004-02-12T10:32:39", 10, &sec, &nsec,
	    &zone), 0);
	assert_true(sec == 1076544000 && zone == 0);
}

/* Every day 1600..2400 against a calendar walked one day at a time. */
static void
test_leap_years_and_days(void **state)
{
	static const unsigned char dm[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	char s[32];
	int64_t y, days, sec;
	uint32_t nsec;
	unsigned m, d, last;
	int leap, zone;

	(void)state;
	/* from Python: date(y, m, d).toordinal() - date(1970, 1, 1).toordinal() */
	assert_true(time_days_from_civil(1970, 1, 1) == 0);
	assert_true(time_days_from_civil(1969, 12, 31) == -1);
	assert_true(time_days_from_civil(2000, 3, 1) == 11017);
	assert_true(time_days_from_civil(1600, 2, 29) == -135081);
	assert_true(time_days_from_civil(9999, 12, 31) == 2932896);
	assert_true(time_days_from_civil(1, 1, 1) == -719162);
	assert_true(time_days_from_civil(2004, 2, 12) == 12460);
	/* 400 Gregorian years are 146097 days, also before year 1 */
	assert_true(time_days_from_civil(-399, 1, 1) ==
	    time_days_from_civil(1, 1, 1) - 146097);

	days = time_days_from_civil(1600, 1, 1);
	for (y = 1600; y < 2400; y++) {
		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (m = 1; m <= 12; m++) {
			last = dm[m - 1] + (m == 2 && leap);
			for (d = 1; d <= last + 1; d++) {
				snprintf(s, sizeof(s), "%04" PRId64 "-%02u-%02u",
				    y, m, d);
				if (d > last) {
					assert_int_equal(time_parse_iso(s,
					    strlen(s), &sec, &nsec, &zone), -1);
					continue;
				}
				assert_true(time_days_from_civil(y, m, d) == days);
				assert_int_equal(time_parse_iso(s, strlen(s),
				    &sec, &nsec, &zone), 0);
				assert_true(sec == days * 86400);
				days++;
			}
		}
	}
}

struct epoch_case {
	const char	*s;
	long		 unit;
	int64_t		 sec;
	uint32_t	 nsec;
};

/* floor(Decimal(s) * 10**9 / unit) from Python, split into s and ns */
static const struct epoch_case epoch_ok[] = {
	{ "1700000000.123", 1, 1700000000, 123000000 },
	{ "1700000000123", 1000, 1700000000, 123000000 },
	{ "-1.5", 1, -2, 500000000 },
	{ "1.7e9", 1, 1700000000, 0 },
	{ "1.7000000001234567891e9", 1, 1700000000, 123456789 },
	{ "-0.0000000001", 1, -1, 999999999 },
	{ "1700000000123456789", 1000000000, 1700000000, 123456789 },
	{ "1700000000123456.7", 1000000, 1700000000, 123456700 },
	{ "12.5", 1000000000, 0, 12 },
	{ "-12.5", 1000000000, -1, 999999987 },
	{ "-1700000000.123456789123", 1, -1700000001, 876543210 },
	{ "17e-1", 1000, 0, 1700000 },
	{ "-.001e3", 1, -1, 0 },
	{ "+0", 1, 0, 0 },
	{ "-0.0", 1, 0, 0 },
	{ "0e99999", 1, 0, 0 },
	{ "5.", 1000, 0, 5000000 },
	{ "9223372036854775806", 1, INT64_C(9223372036854775806), 0 },
	{ "-9223372036854775806.5", 1, -INT64_C(9223372036854775806) - 1,
	    500000000 },
	{ "1e-99999", 1, 0, 0 },
	{ "-1e-99999", 1, -1, 999999999 },
};

static void
test_epoch(void **state)
{
	static const char *bad[] = {
		"", ".", "+", "-", "1e", "1e+", "abc", "1.2.3", "nan", "inf",
		" 1", "1 ", "0x10", "1,5", "9223372036854775807",
		"99999999999999999999", "1e19", "1e99999", "--1",
	};
	const struct epoch_case *c;
	int64_t sec;
	uint32_t nsec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(epoch_ok) / sizeof(epoch_ok[0]); i++) {
		c = &epoch_ok[i];
		sec = 7;
		nsec = 7;
		if (time_parse_epoch(c->s, strlen(c->s), c->unit, &sec, &nsec) !=
		    0 || sec != c->sec || nsec != c->nsec)
			print_error("%s/%ld: got %" PRId64 " %" PRIu32 "\n", c->s,
			    c->unit, sec, nsec);
		assert_int_equal(time_parse_epoch(c->s, strlen(c->s), c->unit,
		    &sec, &nsec), 0);
		assert_true(sec == c->sec);
		assert_int_equal(nsec, c->nsec);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (time_parse_epoch(bad[i], strlen(bad[i]), 1, &sec, &nsec) != -1)
			print_error("accepted \"%s\"\n", bad[i]);
		assert_int_equal(time_parse_epoch(bad[i], strlen(bad[i]), 1,
		    &sec, &nsec), -1);
	}
	assert_int_equal(time_parse_epoch("1", 1, 60, &sec, &nsec), -1);
	assert_int_equal(time_parse_epoch("1", 1, 0, &sec, &nsec), -1);
	assert_int_equal(time_parse_epoch("12345", 2, 1, &sec, &nsec), 0);
	assert_true(sec == 12 && nsec == 0);
}

/* Every unit agrees with integer arithmetic on random nanosecond times. */
static void
test_epoch_units(void **state)
{
	static const long units[] = { 1, 1000, 1000000, 1000000000 };
	char s[64];
	uint64_t x = 88172645463325252ULL;
	int64_t ns, q, sec, want_sec;
	uint32_t nsec;
	long u, digits;
	int i, k;

	(void)state;
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ns = (int64_t)(x % 8000000000000000000ULL) - 4000000000000000000LL;
		want_sec = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) /
		    1000000000);
		for (k = 0; k < 4; k++) {
			u = units[k];
			/* ns as a decimal number of units: q.frac */
			digits = u == 1 ? 9 : u == 1000 ? 6 : u == 1000000 ? 3 : 0;
			q = 1000000000 / u;		/* ns per unit */
			if (digits == 0)
				snprintf(s, sizeof(s), "%" PRId64, ns);
			else
				snprintf(s, sizeof(s), "%s%" PRId64 ".%0*" PRId64,
				    ns < 0 ? "-" : "", (ns < 0 ? -ns : ns) / q,
				    (int)digits, (ns < 0 ? -ns : ns) % q);
			assert_int_equal(time_parse_epoch(s, strlen(s), u, &sec,
			    &nsec), 0);
			assert_true(sec == want_sec);
			assert_true((int64_t)nsec == ns - want_sec * 1000000000);
		}
	}
}

static void
test_digits(void **state)
{
	static const char *ok[] = {
		"2004.02.12.10.32.39",
		"/data/IMS/2nd_test/2004.02.12.10.32.39",
		"snap_20040212_103239.csv",
		"20040212103239",
		"2004-02-12_10-32-39.txt",
		"2004-02-12T10:32:39Z",
		"2003.01.01.00.00.00/2004.02.12.10.32.39",	/* last wins */
		"run7/2004.02.12.10.32.39.gz",
		"2004.02.12.10.32.39/2004.02.30.10.32.39",	/* invalid last */
	};
	static const char *bad[] = {
		"", "x", "2004.02.12.10.32", "2004.02.30.10.32.39",
		"2004.02.12.10.32.399", "12004.02.12.10.32.39",
		"2004.02.12..10.32.39", "2004.2.12.10.32.39", "200402121032",
		"2004.02.12.24.00.00", "2004021210323", "snap_20040212_1032390",
	};
	int64_t sec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sec = 0;
		if (time_parse_digits(ok[i], strlen(ok[i]), &sec) != 0 ||
		    sec != 1076581959)
			print_error("%s: %" PRId64 "\n", ok[i], sec);
		assert_int_equal(time_parse_digits(ok[i], strlen(ok[i]), &sec),
		    0);
		assert_true(sec == 1076581959);	/* timegm(2004-02-12 10:32:39) */
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (time_parse_digits(bad[i], strlen(bad[i]), &sec) != -1)
			print_error("accepted \"%s\"\n", bad[i]);
		assert_int_equal(time_parse_digits(bad[i], strlen(bad[i]), &sec),
		    -1);
	}
}

/* A random time in years 1..9999 from the xorshift state *x. */
static void
random_time(uint64_t *x, int64_t *sec, uint32_t *nsec)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	*sec = (int64_t)(*x % (253402300800ULL + 62135596800ULL)) -
	    62135596800LL;
	*nsec = (uint32_t)(*x >> 34) % 1000000000;
}

static void
test_format(void **state)
{
	char buf[64];
	int64_t sec, back;
	uint32_t nsec, nback;
	uint64_t x = 0x853c49e6748fea9bULL;
	int zone, i;

	(void)state;
	assert_int_equal(time_format_iso(buf, 32, 1076581959, 0), 30);
	assert_string_equal(buf, "2004-02-12T10:32:39.000000000Z");
	assert_int_equal(time_format_iso(buf, 32, -1, 500000000), 30);
	assert_string_equal(buf, "1969-12-31T23:59:59.500000000Z");
	assert_int_equal(time_format_iso(buf, 32, -62135596800, 1), 30);
	assert_string_equal(buf, "0001-01-01T00:00:00.000000001Z");
	assert_int_equal(time_format_iso(buf, 32, 253402300799, 999999999), 30);
	assert_string_equal(buf, "9999-12-31T23:59:59.999999999Z");
	assert_int_equal(time_format_iso(buf, 30, 0, 0), 0);	/* too small */
	assert_string_equal(buf, "");
	assert_int_equal(time_format_iso(buf, 32, 0, 1000000000), 0);
	/* round trip through time_parse_iso over years 1..9999 */
	for (i = 0; i < 100000; i++) {
		random_time(&x, &sec, &nsec);
		assert_int_equal(time_format_iso(buf, 32, sec, nsec), 30);
		assert_int_equal(time_parse_iso(buf, 30, &back, &nback, &zone), 0);
		assert_true(back == sec && nback == nsec && zone == 1);
	}
}

/*
 * time_format() at each precision against the C library's gmtime_r() and
 * strftime() for the seconds and snprintf() for the fraction.
 */
static void
test_format_prec(void **state)
{
	static const uint32_t div[10] = { 1000000000, 100000000, 10000000,
	    1000000, 100000, 10000, 1000, 100, 10, 1 };
	char buf[64], want[64], frac[16];
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int64_t sec;
	uint32_t nsec;
	struct tm tm;
	time_t tt;
	size_t len;
	int i, prec, k;

	(void)state;
	assert_int_equal(time_format(buf, 64, 1076581959, 0, TIME_SHORT), 20);
	assert_string_equal(buf, "2004-02-12T10:32:39Z");
	assert_int_equal(time_format(buf, 64, 1076581959, 500000000,
	    TIME_SHORT), 22);
	assert_string_equal(buf, "2004-02-12T10:32:39.5Z");
	assert_int_equal(time_format(buf, 64, 1076581959, 1, TIME_SHORT), 30);
	assert_string_equal(buf, "2004-02-12T10:32:39.000000001Z");
	assert_int_equal(time_format(buf, 64, 1076581959, 123999999, 3), 24);
	assert_string_equal(buf, "2004-02-12T10:32:39.123Z");
	assert_int_equal(time_format_ns(buf, 64, -1, TIME_SHORT), 30);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999999Z");
	assert_int_equal(time_format_ns(buf, 64, INT64_MIN, 0), 20);
	assert_string_equal(buf, "1677-09-21T00:12:43Z");
	assert_int_equal(time_format_ns(buf, 64, INT64_MAX, TIME_SHORT), 30);
	assert_string_equal(buf, "2262-04-11T23:47:16.854775807Z");
	assert_int_equal(time_format(buf, 64, 253402300800, 0, 0), 21);
	assert_string_equal(buf, "10000-01-01T00:00:00Z");
	assert_int_equal(time_format(buf, 20, 0, 0, 0), 0);	/* too small */
	assert_string_equal(buf, "");
	assert_int_equal(time_format(buf, 21, 0, 0, 0), 20);
	assert_int_equal(time_format(buf, 64, 0, 0, 10), 0);
	assert_int_equal(time_format(buf, 64, 0, 0, -2), 0);
	for (i = 0; i < 100000; i++) {
		random_time(&x, &sec, &nsec);
		if (i % 4 == 0)
			nsec -= nsec % 1000000;	/* whole milliseconds */
		tt = (time_t)sec;
		assert_non_null(gmtime_r(&tt, &tm));
		len = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		if (tm.tm_year + 1900 < 1000)	/* glibc does not pad %Y */
			len = (size_t)snprintf(want, sizeof(want),
			    "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_sec);
		for (prec = TIME_SHORT; prec <= 9; prec++) {
			if (prec == TIME_SHORT) {
				snprintf(frac, sizeof(frac), ".%09u", nsec);
				for (k = 9; k > 0 && frac[k] == '0'; k--)
					frac[k] = '\0';
				if (k == 0)
					frac[0] = '\0';
			} else if (prec == 0)
				frac[0] = '\0';
			else
				snprintf(frac, sizeof(frac), ".%0*u", prec,
				    nsec / div[prec]);
			snprintf(want + len, sizeof(want) - len, "%sZ", frac);
			assert_int_equal(time_format(buf, 64, sec, nsec, prec),
			    strlen(want));
			assert_string_equal(buf, want);
		}
	}
}

static void
test_tz_fixed(void **state)
{
	static const char *bad[] = {
		"", "Mars/Olympus", "Europe", "../../etc/passwd", "/etc/localtime",
		"+25:00", "+02:60", "+2", "UTC+1", "zone.tab",
	};
	struct tz *tz;
	int64_t utc;
	size_t i;

	(void)state;
	assert_non_null(tz = tz_open("UTC"));
	assert_int_equal(tz_to_utc(tz, 1076581959, &utc), 0);
	assert_true(utc == 1076581959);
	tz_close(&tz);
	assert_null(tz);
	tz_close(&tz);		/* NULL-safe */
	tz_close(NULL);
	assert_non_null(tz = tz_open("+05:30"));
	assert_int_equal(tz_to_utc(tz, 0, &utc), 0);
	assert_true(utc == -19800);
	tz_close(&tz);
	assert_non_null(tz = tz_open("-0530"));
	assert_int_equal(tz_to_utc(tz, 0, &utc), 0);
	assert_true(utc == 19800);
	tz_close(&tz);
	assert_non_null(tz = tz_open("+05"));
	assert_int_equal(tz_to_utc(tz, 0, &utc), 0);
	assert_true(utc == -18000);
	tz_close(&tz);
	assert_non_null(tz = tz_open("z"));
	tz_close(&tz);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		tz = tz_open(bad[i]);
		if (tz != NULL)
			print_error("accepted zone \"%s\"\n", bad[i]);
		assert_null(tz);
		assert_int_equal(errno, EINVAL);
	}
}

static int
have_zone(const char *name)
{
	char path[256];
	const char *dir = getenv("TZDIR");

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir :
	    "/usr/share/zoneinfo", name);
	return access(path, R_OK) == 0;
}

struct tz_case {
	const char	*zone;
	int64_t		 local, utc;
	const char	*what;
};

/* Python: int(datetime(..., tzinfo=ZoneInfo(zone)).timestamp()), fold=0 */
static const struct tz_case tz_cases[] = {
	{ "Europe/Berlin", 1610712000, 1610708400, "2021-01-15 12:00 CET" },
	{ "Europe/Berlin", 1625140800, 1625133600, "2021-07-01 12:00 CEST" },
	{ "Europe/Berlin", 1616896799, 1616893199, "2021-03-28 01:59:59 CET" },
	{ "Europe/Berlin", 1616896800, 1616893200, "2021-03-28 02:00 gap" },
	{ "Europe/Berlin", 1616898600, 1616895000, "2021-03-28 02:30 gap" },
	{ "Europe/Berlin", 1616900400, 1616893200, "2021-03-28 03:00 CEST" },
	{ "Europe/Berlin", 1635645599, 1635638399, "2021-10-31 01:59:59" },
	{ "Europe/Berlin", 1635647400, 1635640200, "2021-10-31 02:30 overlap" },
	{ "Europe/Berlin", 1635649200, 1635645600, "2021-10-31 03:00 CET" },
	{ "Europe/Berlin", 13089600, 13086000, "1970-06-01 12:00 (no DST)" },
	{ "America/New_York", 1615689000, 1615707000, "2021-03-14 02:30 gap" },
	{ "America/New_York", 1636248600, 1636263000,
	    "2021-11-07 01:30 overlap" },
};

static void
test_tz_names(void **state)
{
	struct tz *tz;
	int64_t utc;
	size_t i, k;

	(void)state;
	if (!have_zone("Europe/Berlin") || !have_zone("America/New_York")) {
		print_message("tz database lacks Europe/Berlin or "
		    "America/New_York: skipped\n");
		skip();
	}
	for (k = 0; k < 2; k++) {	/* twice: cold, then from the cache */
		for (i = 0; i < sizeof(tz_cases) / sizeof(tz_cases[0]); i++) {
			assert_non_null(tz = tz_open(tz_cases[i].zone));
			if (tz_to_utc(tz, tz_cases[i].local, &utc) != 0 ||
			    utc != tz_cases[i].utc)
				print_error("%s %s: %" PRId64 "\n",
				    tz_cases[i].zone, tz_cases[i].what, utc);
			assert_int_equal(tz_to_utc(tz, tz_cases[i].local, &utc),
			    0);
			assert_true(utc == tz_cases[i].utc);
			assert_int_equal(tz_to_utc(tz, tz_cases[i].local, &utc),
			    0);
			assert_true(utc == tz_cases[i].utc);
			tz_close(&tz);
		}
	}
}

/*
 * A stream of local times every 7 minutes through 2020-2022 in Berlin,
 * converted with the hour cache, agrees with localtime_r() on the result:
 * the instant's local time is the input, except in the yearly gaps (where
 * it is one hour later) and overlaps (where it is the first occurrence).
 */
static void
test_tz_stream(void **state)
{
	struct tz *tz;
	struct tm tm;
	time_t t;
	int64_t l, utc, prev = INT64_MIN, back;
	long gaps = 0, n = 0;

	(void)state;
	if (!have_zone("Europe/Berlin")) {
		print_message("tz database lacks Europe/Berlin: skipped\n");
		skip();
	}
	assert_non_null(tz = tz_open("Europe/Berlin"));
	for (l = 1577836800; l < 1672531200; l += 420, n++) {
		assert_int_equal(tz_to_utc(tz, l, &utc), 0);
		t = (time_t)utc;
		assert_non_null(localtime_r(&t, &tm));
		back = utc + tm.tm_gmtoff;
		if (back != l) {
			/* gap: read as CET, shown as CEST one hour later */
			assert_true(back == l + 3600 && tm.tm_isdst == 1);
			gaps++;
		} else if (tm.tm_isdst == 0) {
			/* an overlap would pick CEST, the first occurrence */
			t = (time_t)(utc - 3600);
			assert_non_null(localtime_r(&t, &tm));
			assert_false(tm.tm_isdst == 1 && utc - 3600 +
			    tm.tm_gmtoff == l);
		}
		if (prev != INT64_MIN)
			assert_true(utc > prev - 3600);
		prev = utc;
	}
	/* 3 spring gaps of 60 min sampled every 7 min: 8 or 9 each */
	assert_true(gaps >= 24 && gaps <= 27);
	assert_true(n > 200000);
	tz_close(&tz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_leap_years_and_days),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_epoch_units),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_prec),
		cmocka_unit_test(test_tz_fixed),
		cmocka_unit_test(test_tz_names),
		cmocka_unit_test(test_tz_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

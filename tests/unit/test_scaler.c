/*
 * Unit tests for libstream/scaler.c, the normalize parameters file: a text
 * written by hand is read as written; scaler_format() output reads back to
 * the same doubles bit for bit (random values over the whole range, names
 * with blanks, quotes and newlines); numbers are written in their shortest
 * form (checked against the digits a person would write); every mistake is
 * reported with its line; centers and scales derive from the statistics as
 * each method says.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scaler.h"

static uint64_t rng = 99;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* a random finite double of any magnitude and sign */
static double
anydouble(void)
{
	uint64_t u;
	double d;

	do {
		u = next();
		memcpy(&d, &u, sizeof(d));
	} while (!isfinite(d));
	return d;
}

static int
same(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static struct scaler *
parse(const char *text, char *err, size_t n)
{
	return scaler_parse(text, strlen(text), "p.txt", err, n);
}

static void
test_read_by_hand(void **state)
{
	const char *text =
	    "# a comment\n"
	    "\n"
	    "   version 1   # trailing comment\n"
	    "s2 zscore 642.68 0.5\n"
	    "\"air temp [K]\"\tminmax -4 8 kind=sample\r\n"
	    "s3 robust - - q25=1 q50=2 q75=4.5 n=10 kind=features\n"
	    "s4 zscore - - mean=3 std=0.25 min=1 max=5\n"
	    "c none - - n=3 min=7 max=7\n";
	const struct scaler_chan *c;
	struct scaler *s;
	char err[256];

	(void)state;
	s = parse(text, err, sizeof(err));
	if (s == NULL)
		print_error("%s\n", err);
	assert_non_null(s);
	assert_int_equal(s->nchan, 5);
	c = scaler_find(s, "s2", 2);
	assert_non_null(c);
	assert_int_equal(c->line, 4);
	assert_int_equal(c->method, SCALE_ZSCORE);
	assert_true(c->center == 642.68 && c->scale == 0.5);
	assert_int_equal(c->have, 0);
	assert_int_equal(c->kinds, 0);
	c = scaler_find(s, "air temp [K]", 12);
	assert_non_null(c);
	assert_int_equal(c->method, SCALE_MINMAX);
	assert_int_equal(c->kinds, SCALER_SAMPLE);
	assert_true(c->center == -4 && c->scale == 8);
	c = scaler_find(s, "s3", 2);
	assert_true(c->center == 2 && c->scale == 3.5);
	assert_int_equal(c->kinds, SCALER_FEATURES);
	assert_true(c->n == 10);
	c = scaler_find(s, "s4", 2);
	assert_true(c->center == 3 && c->scale == 0.25);
	c = scaler_find(s, "c", 1);
	assert_int_equal(c->method, SCALE_NONE);
	assert_true(isnan(c->center) && isnan(c->scale));
	assert_null(scaler_find(s, "s", 1));
	assert_null(scaler_find(s, "s22", 3));
	/* the maps */
	c = scaler_find(s, "s2", 2);
	assert_true(scaler_forward(c, 643.18) == (643.18 - 642.68) / 0.5);
	assert_true(scaler_inverse(c, 1) == 1 * 0.5 + 642.68);
	scaler_free(&s);
	assert_null(s);
	scaler_free(&s);
	scaler_free(NULL);
}

static void
test_derive(void **state)
{
	struct scaler_chan c;
	double ce, sc;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.mean = 5; c.std = 2; c.min = -1; c.max = 9;
	c.q25 = 3; c.q50 = 4; c.q75 = 6.5;
	assert_int_equal(scaler_derive(&c, SCALE_ZSCORE, &ce, &sc), -1);
	c.have = (1u << ST_NSTATS) - 1;
	assert_int_equal(scaler_derive(&c, SCALE_ZSCORE, &ce, &sc), 0);
	assert_true(ce == 5 && sc == 2);
	assert_int_equal(scaler_derive(&c, SCALE_MINMAX, &ce, &sc), 0);
	assert_true(ce == -1 && sc == 10);
	assert_int_equal(scaler_derive(&c, SCALE_ROBUST, &ce, &sc), 0);
	assert_true(ce == 4 && sc == 3.5);
	assert_int_equal(scaler_derive(&c, SCALE_NONE, &ce, &sc), -1);
	c.have = 1u << ST_MIN;		/* max missing */
	assert_int_equal(scaler_derive(&c, SCALE_MINMAX, &ce, &sc), -1);
	assert_int_equal(scale_method_parse("robust", 6), SCALE_ROBUST);
	assert_int_equal(scale_method_parse("robus", 5), -1);
	assert_string_equal(scale_method_name(SCALE_MINMAX), "minmax");
	assert_string_equal(scaler_stat_name(ST_Q75), "q75");
}

static void
test_shortest(void **state)
{
	static const struct { double x; const char *s; } t[] = {
		{ 100, "100" }, { 0.03, "0.03" }, { 2388.06, "2388.06" },
		{ 518.67, "518.67" }, { -0.0007, "-0.0007" }, { 1e-7, "1e-07" },
		{ 0.1 + 0.2, "0.30000000000000004" }, { 0, "0" },
		{ 1e300, "1e+300" }, { 123456789012, "123456789012" },
		{ 1.5e16, "15000000000000000" }, { -2, "-2" },
		{ 5e-324, "5e-324" }, { 1.7976931348623157e308,
		    "1.7976931348623157e+308" },
	};
	char buf[48];
	size_t i;
	double y;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		scaler_fmt_double(buf, sizeof(buf), t[i].x);
		if (strcmp(buf, t[i].s) != 0) {
			print_error("%.17g: '%s', expected '%s'\n", t[i].x, buf,
			    t[i].s);
			fail();
		}
	}
	scaler_fmt_double(buf, sizeof(buf), NAN);
	assert_string_equal(buf, "nan");
	scaler_fmt_double(buf, sizeof(buf), -INFINITY);
	assert_string_equal(buf, "-inf");
	/* any double reads back as itself through strtod */
	for (i = 0; i < 200000; i++) {
		double x = anydouble();

		scaler_fmt_double(buf, sizeof(buf), x);
		y = strtod(buf, NULL);
		if (!same(x, y)) {
			print_error("%a -> '%s' -> %a\n", x, buf, y);
			fail();
		}
	}
}

static void
test_format_roundtrip(void **state)
{
	static const char *names[] = { "s1", "a b", "q\"uote", "back\\slash",
	    "#hash", "new\nline\ttab\r", "x=y", "é" };
	struct scaler *s, *r;
	struct scaler_chan c, *e;
	const struct scaler_chan *g;
	struct buf b = BUF_INIT;
	char err[256], note[64];
	size_t i, k;

	(void)state;
	assert_non_null(s = scaler_new("mem"));
	for (i = 0; i < 400; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(note, sizeof(note), "%s%zu", names[i % 8], i);
		c.name = note;
		c.len = strlen(note);
		c.method = (uint8_t)(i % SCALE_NMETHODS);
		c.kinds = (uint8_t)(i % 3);
		c.have = (unsigned)(next() & ((1u << ST_NSTATS) - 1));
		c.n = next() >> 1;
		c.nonfinite = next() >> 40;
		c.mean = anydouble();
		c.std = fabs(anydouble());
		c.qerr = (double)(next() % 1000) / 1000;
		/* ordered, so that the file is consistent */
		c.min = -fabs(anydouble());
		c.q25 = c.min / 2;
		c.q50 = 0;
		c.q75 = fabs(anydouble());
		c.max = c.q75 * 2 == INFINITY ? c.q75 : c.q75 * 2;
		/* explicit numbers: the stats a method needs left out */
		c.have &= ~((1u << ST_MEAN) | (1u << ST_STD) | (1u << ST_MIN) |
		    (1u << ST_MAX) | (1u << ST_Q25) | (1u << ST_Q50) |
		    (1u << ST_Q75));
		if (i % 5 == 0)
			c.have |= (1u << ST_MEAN) | (1u << ST_MIN) |
			    (1u << ST_Q50);
		c.center = anydouble();
		c.scale = fabs(anydouble());
		if (c.scale == 0)
			c.scale = 1;
		c.note = i % 7 == 0 ? "a note\nof two lines" : NULL;
		assert_non_null(e = scaler_add(s, &c));
		assert_true(e->name != c.name && strcmp(e->name, note) == 0);
	}
	assert_int_equal(scaler_format(&b, s), 0);
	r = scaler_parse(b.p, b.len, "fmt", err, sizeof(err));
	if (r == NULL)
		print_error("%s\n", err);
	assert_non_null(r);
	assert_int_equal(r->nchan, s->nchan);
	for (i = 0; i < s->nchan; i++) {
		e = &s->chan[i];
		g = &r->chan[i];
		assert_true(g->len == e->len &&
		    memcmp(g->name, e->name, e->len) == 0);
		assert_int_equal(g->method, e->method);
		assert_int_equal(g->kinds, e->kinds);
		assert_int_equal(g->have, e->have);
		if (e->method != SCALE_NONE)
			assert_true(same(g->center, e->center) &&
			    same(g->scale, e->scale));
		for (k = 0; k < ST_NSTATS; k++)
			if (e->have & (1u << k))
				switch (k) {
				case ST_N: assert_true(g->n == e->n); break;
				case ST_NONFINITE:
					assert_true(g->nonfinite == e->nonfinite);
					break;
				case ST_MEAN: assert_true(same(g->mean, e->mean)); break;
				case ST_MIN: assert_true(same(g->min, e->min)); break;
				case ST_Q50: assert_true(same(g->q50, e->q50)); break;
				case ST_QERR: assert_true(same(g->qerr, e->qerr)); break;
				default: break;
				}
	}
	/* and formatting that again gives the same text */
	{
		struct buf b2 = BUF_INIT;

		for (i = 0; i < r->nchan; i++)
			r->chan[i].note = s->chan[i].note ?
			    strdup(s->chan[i].note) : NULL;
		assert_int_equal(scaler_format(&b2, r), 0);
		assert_true(b2.len == b.len && memcmp(b.p, b2.p, b.len) == 0);
		buf_free(&b2);
	}
	buf_free(&b);
	scaler_free(&r);
	scaler_free(&s);
}

static void
test_fitted_line(void **state)
{
	/* the line normalize --fit writes: center and scale agree with the
	 * statistics they come from, bit for bit */
	struct scaler *s, *r;
	struct scaler_chan c;
	struct buf b = BUF_INIT;
	char err[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.name = "s8";
	c.len = 2;
	c.have = (1u << ST_NSTATS) - 1;
	c.n = 20631;
	c.mean = 2388.0966516407348;
	c.std = 0.07098375851045059;
	c.min = 2387.9;
	c.max = 2388.56;
	c.q25 = 2388.05;
	c.q50 = 2388.09;
	c.q75 = 2388.14;
	c.qerr = 0.005;
	assert_non_null(s = scaler_new("fit"));
	for (c.method = SCALE_ZSCORE; c.method < SCALE_NMETHODS; c.method++) {
		scaler_derive(&c, c.method, &c.center, &c.scale);
		assert_non_null(scaler_add(s, &c));
		s->chan[s->nchan - 1].name[1] = (char)('0' + c.method);
	}
	assert_int_equal(scaler_format(&b, s), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);	/* for strstr */
	b.len--;
	assert_non_null(strstr(b.p, "\ns1 zscore 2388.0966516407348 "
	    "0.07098375851045059 n=20631 nonfinite=0 mean=2388.0966516407348 "
	    "std=0.07098375851045059 min=2387.9 max=2388.56 q25=2388.05 "
	    "q50=2388.09 q75=2388.14 qerr=0.005\n"));
	assert_non_null(strstr(b.p, "\ns3 robust 2388.09 0.08999999999969077 "));
	r = scaler_parse(b.p, b.len, "fit", err, sizeof(err));
	if (r == NULL)
		print_error("%s\n", err);
	assert_non_null(r);
	assert_true(r->chan[2].scale == 2388.14 - 2388.05);
	scaler_free(&r);
	buf_free(&b);
	scaler_free(&s);
}

static void
test_mistakes(void **state)
{
	static const struct { const char *text, *want; } t[] = {
		{ "", "p.txt: empty: no 'version 1' line" },
		{ "# only\n", "p.txt: empty: no 'version 1' line" },
		{ "a zscore 1 2\n", "p.txt:1: expected 'version 1'" },
		{ "version 2\n", "p.txt:1: version '2' is not supported" },
		{ "version 1 x\n", "p.txt:1: expected 'version 1' before" },
		{ "version 1\na b\n", "p.txt:2: expected NAME METHOD CENTER "
		    "SCALE [STAT=VALUE ...], found 2 words" },
		{ "version 1\na mean 1 2\n", "p.txt:2: a: unknown method" },
		{ "version 1\na zscore x 2\n", "p.txt:2: center: 'x' is not" },
		{ "version 1\na zscore 1 2x\n", "p.txt:2: scale: '2x' is not" },
		{ "version 1\na zscore 1 0\n", "p.txt:2: scale 0: must be" },
		{ "version 1\na zscore 1 nan\n", "p.txt:2: scale nan: must" },
		{ "version 1\na zscore nan 1\n", "p.txt:2: center nan: must" },
		{ "version 1\na zscore - 1\n", "p.txt:2: '-' takes the center" },
		{ "version 1\na minmax 1 - min=1\n",
		    "p.txt:2: '-' takes the scale from the statistics, but "
		    "minmax needs min= and max=" },
		{ "version 1\na zscore 1 2 mean=1 std=3\n",
		    "p.txt:2: scale 2 disagrees with the zscore scale 3" },
		{ "version 1\na zscore 1 2 std\n", "p.txt:2: 'std': expected "
		    "STAT=VALUE" },
		{ "version 1\na zscore 1 2 foo=1\n", "p.txt:2: 'foo': unknown key" },
		{ "version 1\na zscore 1 2 std=-1\n", "p.txt:2: std=-1: must be >= 0" },
		{ "version 1\na zscore 1 2 qerr=2\n", "p.txt:2: qerr=2: must be in" },
		{ "version 1\na zscore 1 2 min=3 max=2\n", "p.txt:2: min=3 is above max=2" },
		{ "version 1\na zscore 1 2 n=1.5\n", "p.txt:2: n: '1.5' is not a count" },
		{ "version 1\na zscore 1 2 kind=sample kind=sample\n",
		    "p.txt:2: kind given twice" },
		{ "version 1\na zscore 1 2\n\n\na zscore 1 2\n",
		    "p.txt:5: channel 'a' given twice (first at line 2)" },
		{ "version 1\n\"a zscore 1 2\n", "p.txt:2: word 1: no closing" },
		{ "version 1\n\"a\"b zscore 1 2\n", "p.txt:2: word 1: a blank" },
		{ "version 1\n\"\" zscore 1 2\n", "p.txt:2: empty channel name" },
		{ "version 1\na zscore 1 2 kind=sample n=1 nonfinite=0 mean=1 "
		    "std=1 min=0 max=2 q25=1 q50=1 q75=1 qerr=0 x=1 y=1\n",
		    "p.txt:2: too many words" },
	};
	struct scaler *s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		errno = 0;
		s = parse(t[i].text, err, sizeof(err));
		if (s != NULL || strncmp(err, t[i].want, strlen(t[i].want)) != 0 ||
		    errno != EINVAL) {
			print_error("case %zu: got '%s' (errno %d), want '%s'\n",
			    i, s ? "(accepted)" : err, errno, t[i].want);
			scaler_free(&s);
			fail();
		}
	}
	/* a small error buffer truncates, never overflows */
	s = parse("a zscore 1 2\n", err, 8);
	assert_null(s);
	assert_int_equal(strlen(err), 7);
	/* a file that is not there */
	errno = 0;
	assert_null(scaler_load("/nonexistent/p.txt", err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/p.txt: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_by_hand),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_shortest),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_fitted_line),
		cmocka_unit_test(test_mistakes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

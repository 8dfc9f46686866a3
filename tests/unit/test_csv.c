/*
 * test_csv -- ingest's reader and parsers: csv_split on hand cases and, for
 * lines without quotes, against a plain reference splitter on random lines
 * (that is where the eight-bytes-at-a-time path runs); csv_line and
 * csv_join through buffers as small as 8 bytes (refills, long lines, CRLF,
 * BOM, no final newline); the delimiter guess; UTF-8 validation; the fast
 * epoch parser against libstream's time_parse_epoch on random inputs; exact
 * rate steps; the device table.
 */
// link: filters/ingest/csv.c filters/ingest/when.c filters/ingest/devtab.c filters/ingest/sample.c
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "opt.h"
#include "timeparse.h"
#include "ingest/csv.h"
#include "ingest/devtab.h"
#include "ingest/ingest.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* "f1|f2|..." for the fields of line with delim, or "ERR-1"/"ERR-2". */
static char *
fields(const char *line, int delim)
{
	static char out[4096];
	struct csv_field f[64];
	char tmp[1024];
	size_t bad, i, o = 0, n;
	long nf;

	nf = csv_split(line, strlen(line), delim, f, 64, &bad);
	if (nf < 0) {
		snprintf(out, sizeof(out), "ERR%ld@%zu", nf, bad);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < (size_t)nf && i < 64; i++) {
		n = csv_unquote(&f[i], tmp);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s",
		    i ? "|" : "", (int)n, tmp);
	}
	return out;
}

static void
test_split_cases(void **state)
{
	(void)state;
	assert_string_equal(fields("a,b,c", ','), "a|b|c");
	assert_string_equal(fields("", ','), "");
	assert_string_equal(fields(",", ','), "|");
	assert_string_equal(fields("a,b,", ','), "a|b|");
	assert_string_equal(fields(" a , b ,c ", ','), "a|b|c");
	assert_string_equal(fields("\"a,b\",c", ','), "a,b|c");
	assert_string_equal(fields("\"say \"\"hi\"\"\",x", ','),
	    "say \"hi\"|x");
	assert_string_equal(fields(" \"q\" ,x", ','), "q|x");
	assert_string_equal(fields("\"\",x", ','), "|x");
	assert_string_equal(fields("a\"b,c", ','), "a\"b|c");
	assert_string_equal(fields("\"x\"y,c", ','), "ERR-2@3");
	assert_string_equal(fields("1,\"open", ','), "ERR-1@2");
	assert_string_equal(fields("a;b;c", ';'), "a|b|c");
	assert_string_equal(fields("a,b;c", ';'), "a,b|c");
	/* tab: blanks are trimmed, tabs are delimiters */
	assert_string_equal(fields(" a\t b \t\tc", '\t'), "a|b||c");
	/* runs of blanks, leading and trailing ignored (C-MAPSS) */
	assert_string_equal(fields("1 2  3.5  ", CSV_WS), "1|2|3.5");
	assert_string_equal(fields("  1\t 2", CSV_WS), "1|2");
	assert_string_equal(fields("   ", CSV_WS), "");
	assert_string_equal(fields("\"a b\" c", CSV_WS), "a b|c");
	assert_string_equal(fields("\"a\"b c", CSV_WS), "ERR-2@3");
	/* long lines cross the eight-byte words at every offset */
	assert_string_equal(fields("1700000000.003,pump-09,-0.334675,"
	    "64.77432,101.6986", ','),
	    "1700000000.003|pump-09|-0.334675|64.77432|101.6986");
}

static void
test_split_count(void **state)
{
	struct csv_field f[2];
	size_t bad;

	(void)state;
	/* more fields than room: counted, not stored past max */
	assert_int_equal(csv_split("a,b,c,d,e,f,g,h,i,j", 19, ',', f, 2,
	    &bad), 10);
	assert_int_equal(f[1].n, 1);
	assert_memory_equal(f[1].p, "b", 1);
	assert_int_equal(csv_split("a,b,c", 5, ',', NULL, 0, &bad), 3);
}

/* The reference: split on delim, trim spaces (and tabs unless delim). */
static long
ref_split(const char *s, size_t n, int delim, char out[][128])
{
	size_t i, st = 0, e, k = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != delim)
			continue;
		e = i;
		while (st < e && (s[st] == ' ' || (s[st] == '\t' &&
		    delim != '\t')))
			st++;
		while (e > st && (s[e - 1] == ' ' || (s[e - 1] == '\t' &&
		    delim != '\t')))
			e--;
		memcpy(out[k], s + st, e - st);
		out[k][e - st] = '\0';
		k++;
		st = i + 1;
	}
	return (long)k;
}

static void
test_split_random(void **state)
{
	static const char alpha[] = "ab1.-, \t;";
	static const int delims[] = { ',', ';', '\t' };
	struct csv_field f[128];
	char line[100], want[128][128];
	size_t n, bad, i;
	long nf, rn;
	int k, d;

	(void)state;
	for (k = 0; k < 200000; k++) {
		n = rnd() % 90;
		for (i = 0; i < n; i++)
			line[i] = alpha[rnd() % (sizeof(alpha) - 1)];
		d = delims[rnd() % 3];
		nf = csv_split(line, n, d, f, 128, &bad);
		rn = ref_split(line, n, d, want);
		assert_int_equal(nf, rn);
		for (i = 0; i < (size_t)nf; i++) {
			assert_int_equal(f[i].n, strlen(want[i]));
			assert_memory_equal(f[i].p, want[i], f[i].n);
			assert_int_equal(f[i].quoted, 0);
		}
	}
}

/* Write data to a pipe-less temporary file; a reader with bufsize. */
static int
tmpfd(const char *data, size_t n)
{
	char path[] = "/tmp/test_csv.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* All lines of data read through a bufsize buffer, as "N:text" joined by
 * '\n'; a long line as "N:LONG". */
static char *
lines(const char *data, size_t n, size_t bufsize)
{
	static char out[1 << 16];
	struct csv c;
	size_t o = 0, len;
	char *p;
	int fd = tmpfd(data, n), r;

	assert_int_equal(csv_open(&c, fd, bufsize), 0);
	out[0] = '\0';
	while ((r = csv_line(&c, &p, &len)) != CSV_EOF) {
		assert_true(r == CSV_LINE || r == CSV_LONG);
		if (r == CSV_LONG)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%llu:LONG\n", (unsigned long long)c.line);
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%llu:%.*s\n", (unsigned long long)c.line,
			    (int)len, p);
	}
	csv_close(&c);
	close(fd);
	return out;
}

static void
test_lines(void **state)
{
	const char *d = "\xef\xbb\xbfh1,h2\r\nab,cd\n\nlast,x";
	size_t b;

	(void)state;
	for (b = 10; b <= 64; b++)	/* the first line is 10 bytes */
		assert_string_equal(lines(d, strlen(d), b),
		    "1:h1,h2\n2:ab,cd\n3:\n4:last,x\n");
	/* a line of 20 bytes through 8- and 16-byte buffers: too long, the
	 * lines around it intact, numbers right */
	d = "a\n01234567890123456789\nb\n";
	assert_string_equal(lines(d, strlen(d), 8), "1:a\n2:LONG\n3:b\n");
	assert_string_equal(lines(d, strlen(d), 16), "1:a\n2:LONG\n3:b\n");
	assert_string_equal(lines(d, strlen(d), 64),
	    "1:a\n2:01234567890123456789\n3:b\n");
	/* a BOM only counts at the very start */
	d = "x\n\xef\xbb\xbfy\n";
	assert_string_equal(lines(d, strlen(d), 64), "1:x\n2:\xef\xbb\xbfy\n");
	assert_string_equal(lines("", 0, 8), "");
	assert_string_equal(lines("\n", 1, 8), "1:\n");
	/* a long last line without newline */
	d = "a\n0123456789abcdef";
	assert_string_equal(lines(d, strlen(d), 8), "1:a\n2:LONG\n");
	/* CR alone ends lines (old Mac files), at any buffer boundary; CRLF
	 * split between two reads is still CRLF */
	for (b = 4; b <= 16; b++) {
		d = "a\rbb\r\rccc";
		assert_string_equal(lines(d, strlen(d), b),
		    "1:a\n2:bb\n3:\n4:ccc\n");
		d = "a\rbb\r";
		assert_string_equal(lines(d, strlen(d), b), "1:a\n2:bb\n");
		d = "ab\r\ncd\r\n\r\ne";
		assert_string_equal(lines(d, strlen(d), b),
		    "1:ab\n2:cd\n3:\n4:e\n");
	}
	assert_string_equal(lines("x\r", 2, 8), "1:x\n");
}

static void
test_join(void **state)
{
	const char *d = "h\n1,\"two\nlines\",3\nnext\n\"open\nto the end";
	struct csv_field f[8];
	struct csv c;
	size_t len, bad, b;
	char *p;
	long nf;
	int fd;

	(void)state;
	for (b = 24; b <= 64; b += 8) {
		fd = tmpfd(d, strlen(d));
		assert_int_equal(csv_open(&c, fd, b), 0);
		assert_int_equal(csv_line(&c, &p, &len), CSV_LINE);
		assert_int_equal(csv_line(&c, &p, &len), CSV_LINE);
		assert_int_equal(csv_split(p, len, ',', f, 8, &bad), -1);
		assert_int_equal(csv_join(&c, &p, &len), CSV_LINE);
		nf = csv_split(p, len, ',', f, 8, &bad);
		assert_int_equal(nf, 3);
		assert_int_equal(f[1].n, 9);
		assert_memory_equal(f[1].p, "two\nlines", 9);
		assert_int_equal(c.line, 2);
		assert_int_equal(csv_line(&c, &p, &len), CSV_LINE);
		assert_int_equal(c.line, 4);	/* lines 2-3 were one row */
		assert_int_equal(len, 4);
		assert_int_equal(csv_line(&c, &p, &len), CSV_LINE);
		assert_int_equal(c.line, 5);
		assert_int_equal(csv_split(p, len, ',', f, 8, &bad), -1);
		assert_int_equal(csv_join(&c, &p, &len), CSV_LINE);
		assert_int_equal(csv_split(p, len, ',', f, 8, &bad), -1);
		assert_int_equal(csv_join(&c, &p, &len), CSV_EOF);
		assert_int_equal(csv_line(&c, &p, &len), CSV_EOF);
		csv_close(&c);
		close(fd);
	}
}

static void
test_sniff(void **state)
{
	(void)state;
	assert_int_equal(csv_sniff("a,b", 3), ',');
	assert_int_equal(csv_sniff("a;b,c", 5), ';');
	assert_int_equal(csv_sniff("a\tb,c;d", 7), '\t');
	assert_int_equal(csv_sniff("1 2  3  ", 8), CSV_WS);
	assert_int_equal(csv_sniff("  1", 3), ',');
	assert_int_equal(csv_sniff("value", 5), ',');
	assert_int_equal(csv_sniff("Air temperature [K],Type", 24), ',');
	assert_int_equal(csv_sniff("\"a;b\",c", 7), ',');
}

static void
test_epoch_fast(void **state)
{
	static const int units[] = { 0, 3, 6, 9 };
	static const long mult[] = { 1, 1000, 1000000, 1000000000 };
	char s[40];
	int64_t s1, s2;
	uint32_t n1, n2;
	size_t n, i, k;
	int u, r1, r2, tried = 0;

	(void)state;
	for (k = 0; k < 500000; k++) {
		n = 0;
		for (i = rnd() % 20; i > 0; i--)
			s[n++] = (char)('0' + rnd() % 10);
		if (rnd() % 4) {
			s[n++] = '.';
			for (i = rnd() % 14; i > 0; i--)
				s[n++] = (char)('0' + rnd() % 10);
		}
		if (rnd() % 50 == 0)
			s[rnd() % (n + 1)] = "x-e+ "[rnd() % 5];
		u = (int)(rnd() % 4);
		r1 = when_epoch_fast(s, n, units[u], &s1, &n1);
		if (r1 == -1)
			continue;
		tried++;
		r2 = time_parse_epoch(s, n, mult[u], &s2, &n2);
		assert_int_equal(r2, 0);
		assert_int_equal(s1, s2);
		assert_int_equal(n1, n2);
	}
	assert_true(tried > 300000);
	assert_int_equal(when_epoch_fast("1700000000.003", 14, 0, &s1, &n1), 0);
	assert_int_equal(s1, 1700000000);
	assert_int_equal(n1, 3000000);
	assert_int_equal(when_epoch_fast("1700000000123", 13, 3, &s1, &n1), 0);
	assert_int_equal(s1, 1700000000);
	assert_int_equal(n1, 123000000);
	assert_int_equal(when_epoch_fast("-1", 2, 0, &s1, &n1), -1);
	assert_int_equal(when_epoch_fast(".5", 2, 0, &s1, &n1), -1);
	assert_int_equal(when_epoch_fast("", 0, 0, &s1, &n1), -1);
}

static void
test_rate(void **state)
{
	uint64_t num, den;
	int64_t s;
	uint32_t ns;

	(void)state;
	/* the rate's text: test_opt.c (opt_freq_exact) */
	/* 0.1 Hz, exactly 1/10: row 10 at 100 s, not a ns before */
	assert_null(opt_freq_exact("0.1", 1000000000, &num, &den));
	assert_int_equal(when_step(0, 0, 10, num, den, &s, &ns), 0);
	assert_true(s == 100 && ns == 0);
	assert_int_equal(when_step(0, 0, 7, num, den, &s, &ns), 0);
	assert_true(s == 70 && ns == 0);
	/* 3 Hz: floor(i / 3 s) to the ns */
	assert_int_equal(when_step(10, 0, 1, 3, 1, &s, &ns), 0);
	assert_true(s == 10 && ns == 333333333);
	assert_int_equal(when_step(10, 0, 2, 3, 1, &s, &ns), 0);
	assert_true(s == 10 && ns == 666666666);
	assert_int_equal(when_step(10, 0, 3, 3, 1, &s, &ns), 0);
	assert_true(s == 11 && ns == 0);
	/* 2^40 samples at 20480 Hz: 53687091.2 s, exactly */
	assert_int_equal(when_step(0, 0, 1ull << 40, 20480, 1, &s, &ns), 0);
	assert_true(s == 53687091 && ns == 200000000);
	/* 0.5 Hz from a start with nanoseconds: carries into seconds */
	assert_int_equal(when_step(100, 999999999, 1, 1, 2, &s, &ns), 0);
	assert_true(s == 102 && ns == 999999999);
	/* idx den 1e9 past 2^128 (it wrapped): 1e15 rows at 3e12 / (1e15 +
	   1) Hz; expected from Python's integers, (idx den 1e9 // num +
	   999999999) divmod 1e9 */
	assert_int_equal(when_step(0, 999999999, 1000000000000000ull,
	    3000000000000ull, 1000000000000001ull, &s, &ns), 0);
	assert_true(s == 333333333333333667 && ns == 666666665);
	/* a remainder of 2^35 (its ns past 64 bits): 2^35 rows at 2^35 + 1
	   Hz, a ns short of 1 s */
	assert_int_equal(when_step(0, 0, 1ull << 35, (1ull << 35) + 1, 1, &s,
	    &ns), 0);
	assert_true(s == 0 && ns == 999999999);
	/* past INT64_MAX seconds: refused */
	assert_int_equal(when_step(0, 0, UINT64_MAX, 1, UINT64_MAX, &s, &ns),
	    -1);
	assert_int_equal(when_step(100, 999999999, 0, 1, 2, &s, &ns), 0);
	assert_true(s == 100 && ns == 999999999);
}

static void
test_devtab(void **state)
{
	struct devtab t;
	struct sample_dev *d, *keep[5000];
	char name[32];
	int i;

	(void)state;
	assert_int_equal(devtab_init(&t, 5000, 0), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "dev-%d", i * 7919);
		keep[i] = devtab_get(&t, name, strlen(name));
		assert_non_null(keep[i]);
		keep[i]->seq = (uint64_t)i;
	}
	for (i = 4999; i >= 0; i--) {
		snprintf(name, sizeof(name), "dev-%d", i * 7919);
		d = devtab_find(&t, name, strlen(name));
		assert_ptr_equal(d, keep[i]);
		assert_int_equal(d->seq, (uint64_t)i);
		assert_string_equal(d->name, name);
		assert_ptr_equal(devtab_get(&t, name, strlen(name)), d);
	}
	assert_null(devtab_find(&t, "dev-1", 5));
	errno = 0;
	assert_null(devtab_get(&t, "one more", 8));
	assert_int_equal(errno, ENOSPC);
	/* names are bytes: a prefix or a longer name is another device */
	assert_null(devtab_find(&t, "dev-", 4));
	assert_null(devtab_find(&t, "dev-00", 6));
	devtab_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_cases),
		cmocka_unit_test(test_split_count),
		cmocka_unit_test(test_split_random),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_epoch_fast),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_devtab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

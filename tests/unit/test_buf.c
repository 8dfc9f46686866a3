/*
 * test_buf -- growable buffers and the counters line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "counters.h"

static void
test_buf(void **state)
{
	struct buf b = BUF_INIT;
	char big[10000];
	int i;

	(void)state;
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 100; i++)
		assert_int_equal(buf_append(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 100 * sizeof(big));
	assert_true(b.cap >= b.len);
	assert_int_equal(buf_putc(&b, 'y'), 0);
	buf_consume(&b, b.len - 2);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.p, "xy", 2);
	buf_consume(&b, 5);
	assert_int_equal(b.len, 0);
	buf_reset(&b);
	assert_true(b.cap > 0);		/* memory kept for reuse */
	buf_free(&b);
	assert_null(b.p);
	buf_free(&b);
	buf_free(NULL);
}

static void
test_counters(void **state)
{
	struct counters c = { 0 };
	char line[64], small[12];
	size_t n;
	int in, out, i;

	(void)state;
	in = counters_add(&c, "in");
	out = counters_add(&c, "out");
	assert_int_equal(counters_add(&c, "in"), in);
	c.n[in] = 10;
	c.n[out] = 8;
	counters_format(&c, "tap", line, sizeof(line));
	assert_string_equal(line, "tap: in=10 out=8");
	n = counters_format(&c, "tap", small, sizeof(small));
	assert_int_equal(n, strlen(small));
	assert_string_equal(small, "tap: in=10 ");
	memset(&c, 0, sizeof(c));
	for (i = 0; i < COUNTERS_MAX; i++) {
		static char names[COUNTERS_MAX][8];

		names[i][0] = 'c';
		names[i][1] = (char)('0' + i / 10);
		names[i][2] = (char)('0' + i % 10);
		assert_int_equal(counters_add(&c, names[i]), i);
	}
	assert_int_equal(counters_add(&c, "full"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

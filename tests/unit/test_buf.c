/*
 * test_buf -- growable buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

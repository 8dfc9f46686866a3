/*
 * test_nameidx -- the name index against a plain list searched name by
 * name: 100,000 names (so the table doubles many times), each found at its
 * position, a name given again refused with the first position, names that
 * differ only in their last byte, by length, or by a NUL inside, and names
 * never added not found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nameidx.h"

#define N	100000

static void
test_many(void **state)
{
	struct nameidx x = NAMEIDX_INIT;
	static char names[N][16];
	uint32_t i, had;
	char miss[16];

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "ch%u", i);
		assert_int_equal(nameidx_add(&x, names[i], strlen(names[i]),
		    i, &had), 1);
	}
	assert_int_equal(x.n, N);
	assert_true(x.mask + 1 >= 2 * N);
	for (i = 0; i < N; i++)
		assert_int_equal(nameidx_get(&x, names[i], strlen(names[i])),
		    i);
	for (i = 0; i < 1000; i++) {
		snprintf(miss, sizeof(miss), "ch%u", N + i);
		assert_int_equal(nameidx_get(&x, miss, strlen(miss)), -1);
		/* "ch", a prefix of every name */
		assert_int_equal(nameidx_get(&x, names[i], 2), -1);
	}
	/* the same bytes elsewhere: refused, the first position kept */
	snprintf(miss, sizeof(miss), "ch%u", N - 1);
	had = 0;
	assert_int_equal(nameidx_add(&x, miss, strlen(miss), 7, &had), 0);
	assert_int_equal(had, N - 1);
	assert_int_equal(nameidx_get(&x, miss, strlen(miss)), N - 1);
	assert_int_equal(x.n, N);
	nameidx_free(&x);
	assert_null(x.slot);
	assert_int_equal(nameidx_get(&x, names[0], strlen(names[0])), -1);
	nameidx_free(&x);
	nameidx_free(NULL);
}

static void
test_bytes(void **state)
{
	struct nameidx x = NAMEIDX_INIT;
	static const char a[] = "abcdefghijklmnop1", b[] = "abcdefghijklmnop2",
	    z[] = "a\0b", y[] = "a\0c";
	uint32_t had = 99;

	(void)state;
	assert_int_equal(nameidx_get(&x, a, 0), -1);	/* empty index */
	assert_int_equal(nameidx_add(&x, a, 17, 0, NULL), 1);
	assert_int_equal(nameidx_add(&x, b, 17, 1, NULL), 1);
	assert_int_equal(nameidx_add(&x, a, 16, 2, NULL), 1);	/* shorter */
	assert_int_equal(nameidx_add(&x, "", 0, 3, NULL), 1);
	assert_int_equal(nameidx_add(&x, z, 3, 4, NULL), 1);
	assert_int_equal(nameidx_add(&x, y, 3, 5, NULL), 1);
	assert_int_equal(nameidx_add(&x, z, 1, 6, &had), 1);	/* "a" */
	assert_int_equal(had, 99);
	assert_int_equal(nameidx_get(&x, a, 17), 0);
	assert_int_equal(nameidx_get(&x, b, 17), 1);
	assert_int_equal(nameidx_get(&x, b, 16), 2);
	assert_int_equal(nameidx_get(&x, "x", 0), 3);
	assert_int_equal(nameidx_get(&x, y, 3), 5);
	assert_int_equal(nameidx_get(&x, "a", 1), 6);
	assert_int_equal(nameidx_add(&x, "", 0, 9, &had), 0);
	assert_int_equal(had, 3);
	nameidx_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

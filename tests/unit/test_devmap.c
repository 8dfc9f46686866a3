/*
 * Unit tests for bin/drift's bounded per-device map
 * (filters/drift/devmap.c): lookups by id bytes (ids that share a prefix,
 * an empty id, ids with NUL bytes), values kept across lookups, the least
 * recently seen evicted when full, idle devices expired, iteration oldest
 * first, init and fini called once per device.
 */
// link: filters/drift/devmap.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "drift/devmap.h"

static int inits, finis;

static void
init(void *val, void *arg)
{
	(void)arg;
	inits++;
	*(uint64_t *)val = 0;
}

static void
fini(void *val, void *arg)
{
	(void)val;
	(void)arg;
	finis++;
}

static char order[256];

static void
collect(const char *dev, size_t len, void *val, void *arg)
{
	(void)val;
	(void)arg;
	strncat(order, dev, len);
	strcat(order, ",");
}

static uint64_t *
get(struct devmap *m, const char *id, size_t len, double now, int *created)
{
	uint64_t *v = devmap_get(m, id, len, now, created);

	assert_non_null(v);
	return v;
}

static void
test_devmap(void **state)
{
	struct devmap *m;
	uint64_t *v;
	int created, i;
	char id[16];

	(void)state;
	inits = finis = 0;
	m = devmap_new(3, 100, init, fini, NULL);
	assert_non_null(m);
	v = get(m, "pump1", 5, 1, &created);
	assert_int_equal(created, 1);
	*v = 42;
	v = get(m, "pump", 4, 2, &created);	/* a prefix is another id */
	assert_int_equal(created, 1);
	*v = 7;
	v = get(m, "pump1", 5, 3, &created);
	assert_int_equal(created, 0);
	assert_int_equal(*v, 42);
	v = get(m, "", 0, 4, &created);		/* the empty id */
	assert_int_equal(created, 1);
	assert_int_equal(devmap_count(m), 3);
	/* full: the least recently seen ("pump", seen at 2) goes */
	v = get(m, "a\0b", 3, 5, &created);
	assert_int_equal(created, 1);
	assert_int_equal(devmap_evicted(m), 1);
	assert_int_equal(devmap_count(m), 3);
	v = get(m, "pump", 4, 6, &created);
	assert_int_equal(created, 1);		/* forgotten */
	assert_int_equal(*v, 0);
	assert_int_equal(devmap_evicted(m), 2);	/* pump1 (3) went */
	order[0] = '\0';
	devmap_foreach(m, collect, NULL);
	assert_string_equal(order, ",a,pump,");	/* "" (4), a\0b (5), pump */
	/* idle for more than 2 s at 6.6: "" (seen at 4); then 1 s: a\0b (5) */
	assert_int_equal(devmap_expire(m, 6.6, 2.0), 1);
	assert_int_equal(devmap_expire(m, 6.6, 1.0), 1);
	assert_int_equal(devmap_count(m), 1);
	devmap_free(&m);
	assert_null(m);
	devmap_free(&m);
	assert_int_equal(inits, 5);
	assert_int_equal(finis, 5);

	/* many devices through a small map: never more than the cap */
	m = devmap_new(100, 8, NULL, NULL, NULL);
	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "d%d", i % 150);
		get(m, id, strlen(id), i, &created);
		assert_true(devmap_count(m) <= 100);
	}
	assert_int_equal(devmap_count(m), 100);
	devmap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

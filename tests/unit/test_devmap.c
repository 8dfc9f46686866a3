/*
 * Unit tests for libstream's bounded per-device map (libstream/devmap.c):
 * lookups by id bytes (ids that share a prefix, an empty id, ids with NUL
 * bytes), values kept across lookups, the least recently seen evicted when
 * full, idle devices expired, iteration oldest first, init and fini called
 * once per device, find and delete; 100,000 devices cycling through a cap
 * of 10,000 (run under ASan by the san build: every device freed once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "devmap.h"

static int inits, finis;

static void
init(void *val, void *arg)
{
	(void)arg;
	inits++;
	*(uint64_t *)val = 0;
}

static void
fini(void *val, int why, void *arg)
{
	(void)arg;
	finis++;
	if (why == DEVMAP_EVICTED)	/* the memory goes to the next */
		*(uint64_t *)val = 0;
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

static void
test_find_del(void **state)
{
	struct devmap *m;
	uint64_t *v;
	int created;

	(void)state;
	inits = finis = 0;
	m = devmap_new(2, 8, init, fini, NULL);
	assert_non_null(m);
	assert_null(devmap_find(m, "a", 1));
	v = get(m, "a", 1, 1, &created);
	*v = 5;
	get(m, "b", 1, 2, &created);
	v = devmap_find(m, "a", 1);		/* found, not marked seen */
	assert_non_null(v);
	assert_int_equal(*v, 5);
	get(m, "c", 1, 3, &created);		/* so "a" is the one evicted */
	assert_null(devmap_find(m, "a", 1));
	assert_int_equal(devmap_evicted(m), 1);
	assert_int_equal(devmap_del(m, "b", 1), 1);
	assert_int_equal(devmap_del(m, "b", 1), 0);
	assert_int_equal(devmap_count(m), 1);
	assert_int_equal(finis, 2);
	assert_int_equal(devmap_cap(m), 2);
	devmap_free(&m);
	assert_int_equal(inits, 3);
	assert_int_equal(finis, 3);
	assert_null(devmap_new(0, 8, NULL, NULL, NULL));
}

static size_t nseen;
static uint64_t lastval;

static void
walk(const char *dev, size_t len, void *val, void *arg)
{
	char id[16];

	(void)arg;
	snprintf(id, sizeof(id), "dev%06llu", (unsigned long long)
	    *(uint64_t *)val);
	assert_int_equal(len, strlen(id));
	assert_memory_equal(dev, id, len);
	if (nseen > 0)
		assert_true(*(uint64_t *)val > lastval);	/* oldest first */
	lastval = *(uint64_t *)val;
	nseen++;
}

/* 100,000 devices, each seen twice, cycling through a cap of 10,000. */
static void
test_churn(void **state)
{
	struct devmap *m;
	uint64_t *v;
	int created, pass;
	size_t i;
	char id[16];

	(void)state;
	inits = finis = 0;
	m = devmap_new(10000, 24, init, fini, NULL);
	assert_non_null(m);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < 100000; i++) {
			snprintf(id, sizeof(id), "dev%06zu", i);
			v = get(m, id, strlen(id), pass * 100000.0 + i,
			    &created);
			assert_int_equal(created, 1);	/* evicted since */
			*v = i;
			assert_true(devmap_count(m) <= 10000);
		}
	assert_int_equal(devmap_count(m), 10000);
	assert_int_equal(devmap_evicted(m), 190000);
	/* the 10,000 newest, in order, their values kept */
	nseen = 0;
	devmap_foreach(m, walk, NULL);
	assert_int_equal(nseen, 10000);
	assert_int_equal(lastval, 99999);
	for (i = 90000; i < 100000; i++) {
		snprintf(id, sizeof(id), "dev%06zu", i);
		v = devmap_find(m, id, strlen(id));
		assert_non_null(v);
		assert_int_equal(*v, i);
	}
	/* idle: all seen before 199,000 go (9,000 devices) */
	assert_int_equal(devmap_expire(m, 199500.0, 500.0), 9000);
	assert_int_equal(devmap_count(m), 1000);
	devmap_free(&m);
	assert_int_equal(inits, 200000);
	assert_int_equal(finis, 200000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devmap),
		cmocka_unit_test(test_find_del),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

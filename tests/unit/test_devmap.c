/*
 * Unit tests for libstream's bounded per-device map (libstream/devmap.c):
 * lookups by id bytes (ids that share a prefix, an empty id, ids with NUL
 * bytes), values kept across lookups, the least recently seen evicted when
 * full, idle devices expired, iteration oldest first, init and fini called
 * once per device, find and delete; 100,000 devices cycling through a cap
 * of 10,000 (run under ASan by the san build: every device freed once).
 * What window and validate need: the gone callback with its reason, before
 * the new device's init, which gets the evicted memory as gone left it;
 * ids longer than the slot's room; touch without adding; iteration in
 * order of first sight with removal on the way, as a flush at the end does;
 * the victims ahead; id and seen of a value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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


/* ---- gone, reuse, first-sight order ------------------------------------- */

struct ev {
	char	 log[4096];
	int	 n;
};

static const char *const whyname[] = { "evicted", "expired", "deleted",
	"freed" };

/* A value that owns a buffer, as window's and validate's do. */
struct val {
	char	*buf;		/* owned: the device's id, when set */
	int	 reused;	/* gone(EVICTED) left it for the next */
};

static void
v_init(void *val, void *arg)
{
	struct ev *e = arg;
	struct val *v = val;
	size_t len;
	const char *id = devmap_id(val, &len);

	snprintf(e->log + strlen(e->log), sizeof(e->log) - strlen(e->log),
	    "init %s%s;", id, v->reused ? " reused" : "");
	if (v->buf == NULL) {
		v->buf = malloc(64);
		e->n++;			/* buffers held */
	}
	assert_non_null(v->buf);
	assert_true(len < 64);
	memcpy(v->buf, id, len + 1);
}

static void
v_gone(void *val, int why, void *arg)
{
	struct ev *e = arg;
	struct val *v = val;

	/* still in the map: its id is there, and its own buffer agrees */
	assert_string_equal(devmap_id(val, NULL), v->buf);
	snprintf(e->log + strlen(e->log), sizeof(e->log) - strlen(e->log),
	    "%s %s;", whyname[why], v->buf);
	if (why == DEVMAP_EVICTED) {
		v->reused = 1;		/* the buffer stays for the next */
		return;
	}
	free(v->buf);
	v->buf = NULL;
	e->n--;
}

static struct val *
vget(struct devmap *m, const char *id, double now, int *created)
{
	struct val *v = devmap_get(m, id, strlen(id), now, created);

	assert_non_null(v);
	return v;
}

static void
test_gone_order(void **state)
{
	struct devmap *m;
	struct ev e = { "", 0 };
	struct val *a, *v;
	size_t len;
	int created;
	char *buf;

	(void)state;
	m = devmap_new(2, sizeof(struct val), v_init, v_gone, &e);
	assert_non_null(m);
	a = vget(m, "a", 1, &created);
	buf = a->buf;
	vget(m, "b", 2, &created);
	assert_string_equal(e.log, "init a;init b;");
	e.log[0] = '\0';
	/* full: "a" is flushed (gone, evicted) before "c" starts, and "c"
	 * gets a's memory and the buffer a's gone left in it */
	v = vget(m, "c", 3, &created);
	assert_int_equal(created, 1);
	assert_string_equal(e.log, "evicted a;init c reused;");
	assert_ptr_equal(v, a);
	assert_ptr_equal(v->buf, buf);
	assert_string_equal(devmap_id(v, &len), "c");
	assert_int_equal(len, 1);
	assert_true(devmap_seen(v) == 3.0);
	assert_int_equal(devmap_evicted(m), 1);
	/* an id longer than the slot's room: the memory grows, the value
	 * (what gone left) moves with it */
	e.log[0] = '\0';
	v = vget(m, "a-device-id-longer-than-sixteen-bytes", 4, &created);
	assert_string_equal(e.log, "evicted b;init "
	    "a-device-id-longer-than-sixteen-bytes reused;");
	assert_string_equal(v->buf, "a-device-id-longer-than-sixteen-bytes");
	/* touch marks a device held, adds none */
	assert_null(devmap_touch(m, "b", 1, 5));
	assert_int_equal(devmap_count(m), 2);
	v = devmap_touch(m, "c", 1, 6);
	assert_non_null(v);
	assert_true(devmap_seen(v) == 6.0);
	/* so the long one is the next victim, c the one after */
	assert_string_equal(((struct val *)devmap_victim(m, 0))->buf,
	    "a-device-id-longer-than-sixteen-bytes");
	assert_string_equal(((struct val *)devmap_victim(m, 1))->buf, "c");
	assert_null(devmap_victim(m, 2));
	/* idle: the long one (seen at 4) expires at 10 with idle 5 */
	e.log[0] = '\0';
	assert_int_equal(devmap_expire(m, 10, 5), 1);
	assert_string_equal(e.log, "expired "
	    "a-device-id-longer-than-sixteen-bytes;");
	assert_int_equal(devmap_evicted(m), 2);	/* expiry is not eviction */
	e.log[0] = '\0';
	assert_int_equal(devmap_del(m, "c", 1), 1);
	assert_string_equal(e.log, "deleted c;");
	vget(m, "d", 11, &created);
	e.log[0] = '\0';
	devmap_free(&m);
	assert_string_equal(e.log, "freed d;");
	assert_int_equal(e.n, 0);		/* every buffer freed once */
}

/* The flush at the end of a program: first sight order, each removed. */
static void
test_first_sight(void **state)
{
	struct devmap *m;
	struct ev e = { "", 0 };
	struct val *v, *nx;
	int created;
	char got[256] = "";

	(void)state;
	m = devmap_new(4, sizeof(struct val), v_init, v_gone, &e);
	assert_non_null(m);
	vget(m, "p", 1, &created);
	vget(m, "q", 2, &created);
	vget(m, "r", 3, &created);
	vget(m, "p", 4, &created);	/* seen again: q is now the oldest */
	vget(m, "s", 5, &created);
	vget(m, "t", 6, &created);	/* evicts q, takes its memory: new */
	order[0] = '\0';
	devmap_foreach(m, collect, NULL);
	assert_string_equal(order, "r,p,s,t,");	/* by last sight */
	for (v = devmap_first(m); v != NULL; v = nx) {
		nx = devmap_next(m, v);
		strcat(got, v->buf);
		strcat(got, ",");
		devmap_remove(m, v);	/* as window's flush does */
	}
	assert_string_equal(got, "p,r,s,t,");	/* by first sight */
	assert_int_equal(devmap_count(m), 0);
	assert_null(devmap_first(m));
	assert_int_equal(e.n, 0);
	devmap_free(&m);
}

/*
 * 100,000 devices through a cap of 10,000 with values that own buffers:
 * after the first 10,000, every new device gets the memory of the one it
 * evicted (no allocation), gone always names the oldest, and the buffers
 * are freed once (ASan, in the san build).
 */
static void
test_churn_reuse(void **state)
{
	struct devmap *m;
	struct ev e = { "", 0 };
	struct val *v, *victim;
	int created;
	size_t i, reused = 0;
	char id[16];

	(void)state;
	m = devmap_new(10000, sizeof(struct val), v_init, v_gone, &e);
	assert_non_null(m);
	for (i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "dev%06zu", i);
		victim = devmap_count(m) == 10000 ? devmap_victim(m, 0) :
		    NULL;
		if (victim != NULL)	/* the oldest: 10,000 before */
			assert_int_equal(strtoul(victim->buf + 3, NULL, 10),
			    i - 10000);
		e.log[0] = '\0';
		v = vget(m, id, (double)i, &created);
		assert_int_equal(created, 1);
		if (victim != NULL) {
			assert_ptr_equal(v, victim);
			reused += v->reused;
		}
		assert_string_equal(v->buf, id);
	}
	assert_int_equal(reused, 90000);
	assert_int_equal(devmap_evicted(m), 90000);
	assert_int_equal(e.n, 10000);	/* buffers: only the devices held */
	/* the end: in order of first sight, the 10,000 newest */
	i = 90000;
	for (v = devmap_first(m); v != NULL; v = devmap_next(m, v)) {
		snprintf(id, sizeof(id), "dev%06zu", i++);
		assert_string_equal(v->buf, id);
	}
	assert_int_equal(i, 100000);
	devmap_free(&m);
	assert_int_equal(e.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devmap),
		cmocka_unit_test(test_find_del),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_gone_order),
		cmocka_unit_test(test_first_sight),
		cmocka_unit_test(test_churn_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

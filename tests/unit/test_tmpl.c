/*
 * test_tmpl -- libstream/tmpl: what the writers and templates write is
 * decoded by msgpack-c (msgpack_unpack_next(), a decoder that shares
 * nothing with ours) and compared field by field: every integer width and
 * its limits, float64 limits, NaN (bits kept), infinities and -0, strings
 * whose length crosses 31/32, 255/256, 65535/65536, nil and booleans,
 * EventTime at its limits and the float64 time beyond them, map and array
 * headers at 15/16 and 65535/65536, templates of 70,000 fields, templates
 * used in pieces, and reuse after tmpl_reset().  Each item is also checked
 * to be msgpack's smallest form (the length msgpack-c's packer gives).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <msgpack.h>

#include "buf.h"
#include "codec.h"
#include "tmpl.h"

/* Decode p[0..n) as exactly one msgpack value into *res. */
static void
decode(msgpack_unpacked *res, const char *p, size_t n)
{
	size_t off = 0;

	msgpack_unpacked_init(res);
	assert_int_equal(msgpack_unpack_next(res, p, n, &off),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, n);
}

/* The bytes msgpack-c's packer writes, through a packer on b. */
static struct buf ref;
static msgpack_packer pk;

static void
ref_reset(void)
{
	buf_reset(&ref);
	frame_packer_init(&pk, &ref);
}

static void
same_bytes(const char *p, size_t n)
{
	assert_int_equal(n, ref.len);
	assert_memory_equal(p, ref.p, n);
}

static void
test_uint(void **state)
{
	static const uint64_t u[] = { 0, 1, 127, 128, 255, 256, 65535, 65536,
	    4294967295u, 4294967296u, INT64_MAX, (uint64_t)INT64_MAX + 1,
	    UINT64_MAX - 1, UINT64_MAX };
	char out[16], *o;
	msgpack_unpacked res;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		o = tmpl_put_uint(out, u[i]);
		assert_true(o - out <= TMPL_SCALAR_MAX);
		decode(&res, out, (size_t)(o - out));
		assert_int_equal(res.data.type,
		    MSGPACK_OBJECT_POSITIVE_INTEGER);
		assert_true(res.data.via.u64 == u[i]);
		msgpack_unpacked_destroy(&res);
		ref_reset();
		msgpack_pack_uint64(&pk, u[i]);
		same_bytes(out, (size_t)(o - out));
	}
}

static void
test_int(void **state)
{
	static const int64_t v[] = { 0, 1, 127, 128, 255, 256, 65535, 65536,
	    INT32_MAX, (int64_t)INT32_MAX + 1, 4294967295LL, 4294967296LL,
	    INT64_MAX, -1, -31, -32, -33, -127, -128, -129, -32767, -32768,
	    -32769, INT32_MIN + 1, INT32_MIN, (int64_t)INT32_MIN - 1,
	    INT64_MIN + 1, INT64_MIN };
	char out[16], *o;
	msgpack_unpacked res;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		o = tmpl_put_int(out, v[i]);
		assert_true(o - out <= TMPL_SCALAR_MAX);
		decode(&res, out, (size_t)(o - out));
		if (v[i] >= 0) {
			assert_int_equal(res.data.type,
			    MSGPACK_OBJECT_POSITIVE_INTEGER);
			assert_true(res.data.via.u64 == (uint64_t)v[i]);
		} else {
			assert_int_equal(res.data.type,
			    MSGPACK_OBJECT_NEGATIVE_INTEGER);
			assert_true(res.data.via.i64 == v[i]);
		}
		msgpack_unpacked_destroy(&res);
		ref_reset();
		msgpack_pack_int64(&pk, v[i]);
		same_bytes(out, (size_t)(o - out));
	}
}

static void
test_f64(void **state)
{
	double v[] = { 0.0, -0.0, 1.5, -73.96732207, DBL_MAX, -DBL_MAX,
	    DBL_MIN, DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_EPSILON, INFINITY,
	    -INFINITY, NAN, -NAN, 0.0 };
	uint64_t bits, got, payload = 0x7ff4000000000123ULL; /* signalling */
	char out[16], *o;
	msgpack_unpacked res;
	size_t i;

	(void)state;
	memcpy(&v[sizeof(v) / sizeof(v[0]) - 1], &payload, 8);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		o = tmpl_put_f64(out, v[i]);
		assert_int_equal(o - out, 9);
		decode(&res, out, 9);
		assert_int_equal(res.data.type, MSGPACK_OBJECT_FLOAT64);
		memcpy(&bits, &v[i], 8);	/* NaN payloads, -0: the bits */
		memcpy(&got, &res.data.via.f64, 8);
		assert_true(got == bits);
		msgpack_unpacked_destroy(&res);
	}
}

static void
test_bool_nil(void **state)
{
	char out[4], *o;
	msgpack_unpacked res;
	int b;

	(void)state;
	for (b = 0; b < 3; b++) {
		o = tmpl_put_bool(out, b);
		assert_int_equal(o - out, 1);
		decode(&res, out, 1);
		assert_int_equal(res.data.type, MSGPACK_OBJECT_BOOLEAN);
		assert_int_equal(res.data.via.boolean, b != 0);
		msgpack_unpacked_destroy(&res);
	}
	o = tmpl_put_nil(out);
	assert_int_equal(o - out, 1);
	decode(&res, out, 1);
	assert_int_equal(res.data.type, MSGPACK_OBJECT_NIL);
	msgpack_unpacked_destroy(&res);
}

/* A string of n bytes, each byte depending on its place. */
static char *
pattern(size_t n)
{
	char *s = malloc(n + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = (char)('a' + (i * 7 + n) % 26);
	s[n] = '\0';
	return s;
}

static void
test_str(void **state)
{
	static const size_t len[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17,
	    31, 32, 33, 255, 256, 257, 65535, 65536, 65537, 100000 };
	msgpack_unpacked res;
	char *s, *out, *o;
	size_t i, hdr;

	(void)state;
	for (i = 0; i < sizeof(len) / sizeof(len[0]); i++) {
		s = pattern(len[i]);
		out = malloc(len[i] + TMPL_SCALAR_MAX);
		assert_non_null(out);
		o = tmpl_put_str(out, s, len[i]);
		hdr = len[i] < 32 ? 1 : len[i] < 256 ? 2 : len[i] < 65536 ?
		    3 : 5;
		assert_int_equal((size_t)(o - out), hdr + len[i]);
		decode(&res, out, (size_t)(o - out));
		assert_int_equal(res.data.type, MSGPACK_OBJECT_STR);
		assert_int_equal(res.data.via.str.size, len[i]);
		assert_memory_equal(res.data.via.str.ptr, s, len[i]);
		msgpack_unpacked_destroy(&res);
		/* the header alone is what tmpl_put_str() starts with */
		assert_int_equal(tmpl_put_strhdr(out, len[i]) - out, hdr);
		ref_reset();
		msgpack_pack_str(&pk, len[i]);
		msgpack_pack_str_body(&pk, s, len[i]);
		same_bytes(out, (size_t)(o - out));
		free(out);
		free(s);
	}
}

/* Headers of n items followed by n nils; decoded: n items, all nil. */
static void
containers(int map)
{
	static const uint32_t n[] = { 0, 1, 15, 16, 17, 65535, 65536, 70000 };
	msgpack_unpacked res;
	char *out, *o;
	size_t i, j, items;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		items = map ? 2 * (size_t)n[i] : n[i];
		out = malloc(TMPL_SCALAR_MAX + items);
		assert_non_null(out);
		o = map ? tmpl_put_map(out, n[i]) : tmpl_put_array(out, n[i]);
		assert_int_equal(o - out, n[i] < 16 ? 1 : n[i] < 65536 ? 3 :
		    5);
		for (j = 0; j < items; j++)
			o = tmpl_put_nil(o);
		decode(&res, out, (size_t)(o - out));
		if (map) {
			assert_int_equal(res.data.type, MSGPACK_OBJECT_MAP);
			assert_int_equal(res.data.via.map.size, n[i]);
		} else {
			assert_int_equal(res.data.type, MSGPACK_OBJECT_ARRAY);
			assert_int_equal(res.data.via.array.size, n[i]);
		}
		msgpack_unpacked_destroy(&res);
		free(out);
	}
}

static void
test_containers(void **state)
{
	(void)state;
	containers(1);
	containers(0);
}

/* An EventTime as msgpack-c sees it: ext type 0 (Fluentd's, not
 * msgpack's timestamp -1), 8 bytes: seconds and nanoseconds, big-endian. */
static void
check_time(const msgpack_object *ob, int64_t sec, uint32_t nsec)
{
	const unsigned char *p;

	assert_int_equal(ob->type, MSGPACK_OBJECT_EXT);
	assert_int_equal(ob->via.ext.type, 0);
	assert_int_equal(ob->via.ext.size, 8);
	p = (const unsigned char *)ob->via.ext.ptr;
	assert_true(((int64_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]) ==
	    sec);
	assert_int_equal((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | p[7], nsec);
}

static void
test_time(void **state)
{
	static const int64_t sec[] = { 0, 1, 1700000000, TMPL_TIME_MAX };
	static const uint32_t nsec[] = { 0, 1, 123456789, 999999999 };
	msgpack_unpacked res;
	char out[32], *o;
	size_t i, j;

	(void)state;
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			o = tmpl_put_time(out, sec[i], nsec[j]);
			assert_int_equal(o - out, 10);
			decode(&res, out, 10);
			check_time(&res.data, sec[i], nsec[j]);
			msgpack_unpacked_destroy(&res);
			/* tmpl_put_ts() is the same in range */
			assert_int_equal(tmpl_put_ts(out + 10, sec[i],
			    nsec[j]) - out, 20);
			assert_memory_equal(out, out + 10, 10);
		}
	/* out of EventTime's range: float64 seconds */
	o = tmpl_put_ts(out, -1, 500000000);
	decode(&res, out, (size_t)(o - out));
	assert_int_equal(res.data.type, MSGPACK_OBJECT_FLOAT64);
	assert_true(res.data.via.f64 == -0.5);
	msgpack_unpacked_destroy(&res);
	o = tmpl_put_ts(out, TMPL_TIME_MAX + 1, 0);
	decode(&res, out, (size_t)(o - out));
	assert_int_equal(res.data.type, MSGPACK_OBJECT_FLOAT64);
	assert_true(res.data.via.f64 == 4294967296.0);
	msgpack_unpacked_destroy(&res);
}

/* Key i of a template: "k<i>" padded to a length that varies with i. */
static char *
key(uint32_t i)
{
	static const size_t len[] = { 2, 31, 32, 255, 256, 7 };
	size_t n = len[i % 6], k;
	char *s = pattern(n + 12);

	k = (size_t)snprintf(s, 12, "k%u", i);
	s[k] = '_';
	s[k > n ? k : n] = '\0';
	return s;
}

/* A map template of n keys, each with a float64 slot, copied and filled,
 * decoded and compared key by key and value by value. */
static void
body(uint32_t n)
{
	struct tmpl t = TMPL_INIT;
	msgpack_unpacked res;
	msgpack_object_kv *kv;
	char **keys, *out, *o;
	double x, got;
	uint32_t i;

	keys = calloc(n + 1, sizeof(*keys));
	assert_non_null(keys);
	assert_int_equal(tmpl_add_map(&t, n), 0);
	for (i = 0; i < n; i++) {
		keys[i] = key(i);
		assert_int_equal(tmpl_add_str(&t, keys[i], strlen(keys[i])),
		    0);
		assert_int_equal(tmpl_add_f64(&t), 0);
	}
	assert_int_equal(t.nmark, n);
	out = malloc(t.b.len + 1);
	assert_non_null(out);
	o = tmpl_copy(&t, out);
	assert_int_equal((size_t)(o - out), t.b.len);
	for (i = 0; i < n; i++)
		tmpl_set(&t, out, i, i % 7 == 3 ? -INFINITY : i % 7 == 5 ?
		    DBL_MAX : (double)i * 0.5 - 3);
	decode(&res, out, t.b.len);
	assert_int_equal(res.data.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(res.data.via.map.size, n);
	for (i = 0; i < n; i++) {
		kv = &res.data.via.map.ptr[i];
		assert_int_equal(kv->key.type, MSGPACK_OBJECT_STR);
		assert_int_equal(kv->key.via.str.size, strlen(keys[i]));
		assert_memory_equal(kv->key.via.str.ptr, keys[i],
		    strlen(keys[i]));
		assert_int_equal(kv->val.type, MSGPACK_OBJECT_FLOAT64);
		x = i % 7 == 3 ? -INFINITY : i % 7 == 5 ? DBL_MAX :
		    (double)i * 0.5 - 3;
		got = kv->val.via.f64;
		assert_memory_equal(&got, &x, 8);
	}
	msgpack_unpacked_destroy(&res);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	free(out);
	tmpl_free(&t);
	assert_null(t.b.p);
	assert_null(t.mark);
}

static void
test_body(void **state)
{
	(void)state;
	body(0);
	body(1);
	body(15);
	body(16);
	body(300);
	body(65535);
	body(70000);	/* map32 */
}

/*
 * A whole frame from a head template, writers and a body template, as
 * ingest and window write theirs:
 *   [[time, {"kind":"features","dev":D,"seq":S,"n":N,"short":true}],
 *    {K0:x0, ...}]
 * decoded by msgpack-c.
 */
static void
test_frame(void **state)
{
	struct tmpl head = TMPL_INIT, bod = TMPL_INIT;
	static const uint64_t seqs[] = { 0, 127, 128, 65536, UINT64_MAX };
	const char *dev = "pump-7";
	msgpack_unpacked res;
	msgpack_object *m, *b;
	char out[512], *o, *at;
	double v[3] = { NAN, -0.0, 1e300 }, got;
	uint64_t s;
	size_t i;

	(void)state;
	assert_int_equal(tmpl_add_str(&head, "kind", 4), 0);
	assert_int_equal(tmpl_add_str(&head, "features", 8), 0);
	assert_int_equal(tmpl_add_str(&head, "dev", 3), 0);
	assert_int_equal(tmpl_add_str(&head, dev, strlen(dev)), 0);
	assert_int_equal(tmpl_add_str(&head, "seq", 3), 0);
	assert_int_equal(tmpl_add_map(&bod, 3), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(tmpl_add_str(&bod, i == 0 ? "a.mean" : i ==
		    1 ? "a.std" : "b.kurtosis", i == 0 ? 6 : i == 1 ? 5 : 10),
		    0);
		assert_int_equal(tmpl_add_f64(&bod), 0);
	}
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		o = tmpl_put_array(out, 2);
		o = tmpl_put_array(o, 2);
		o = tmpl_put_time(o, 1700000000, 5);
		o = tmpl_put_map(o, 5);
		o = tmpl_copy(&head, o);
		o = tmpl_put_uint(o, seqs[i]);
		o = tmpl_put_str(o, "n", 1);
		o = tmpl_put_int(o, -(int64_t)i * 1000);
		o = tmpl_put_str(o, "short", 5);
		o = tmpl_put_bool(o, 1);
		at = o;
		o = tmpl_copy(&bod, o);
		for (s = 0; s < 3; s++)
			tmpl_set(&bod, at, (uint32_t)s, v[s]);

		decode(&res, out, (size_t)(o - out));
		assert_int_equal(res.data.type, MSGPACK_OBJECT_ARRAY);
		assert_int_equal(res.data.via.array.size, 2);
		assert_int_equal(res.data.via.array.ptr[0].type,
		    MSGPACK_OBJECT_ARRAY);
		check_time(&res.data.via.array.ptr[0].via.array.ptr[0],
		    1700000000, 5);
		m = &res.data.via.array.ptr[0].via.array.ptr[1];
		assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
		assert_int_equal(m->via.map.size, 5);
		assert_memory_equal(m->via.map.ptr[1].val.via.str.ptr, dev,
		    strlen(dev));
		assert_int_equal(m->via.map.ptr[2].key.via.str.size, 3);
		assert_memory_equal(m->via.map.ptr[2].key.via.str.ptr, "seq",
		    3);
		assert_true(m->via.map.ptr[2].val.via.u64 == seqs[i]);
		if (i == 0)
			assert_int_equal(m->via.map.ptr[3].val.type,
			    MSGPACK_OBJECT_POSITIVE_INTEGER);
		else
			assert_true(m->via.map.ptr[3].val.via.i64 ==
			    -(int64_t)i * 1000);
		assert_int_equal(m->via.map.ptr[4].val.type,
		    MSGPACK_OBJECT_BOOLEAN);
		assert_true(m->via.map.ptr[4].val.via.boolean);
		b = &res.data.via.array.ptr[1];
		assert_int_equal(b->type, MSGPACK_OBJECT_MAP);
		assert_int_equal(b->via.map.size, 3);
		for (s = 0; s < 3; s++) {
			got = b->via.map.ptr[s].val.via.f64;
			assert_memory_equal(&got, &v[s], 8);
		}
		msgpack_unpacked_destroy(&res);
	}
	tmpl_free(&head);
	tmpl_free(&bod);
}

/* A template used in pieces: each a key, after which the caller writes a
 * value of any type (as ingest's meta columns and infer's outputs). */
static void
test_pieces(void **state)
{
	struct tmpl t = TMPL_INIT;
	static const char *const k[] = { "label", "anomaly", "score",
	    "a key of exactly thirty-two byte", "" };
	msgpack_unpacked res;
	msgpack_object_kv *kv;
	char out[256], *o;
	uint32_t i, round;

	(void)state;
	for (round = 0; round < 2; round++) {
		tmpl_reset(&t);		/* the second round reuses memory */
		assert_int_equal(t.b.len, 0);
		assert_int_equal(t.nmark, 0);
		for (i = 0; i < 5; i++) {
			assert_int_equal(tmpl_mark(&t), 0);
			assert_int_equal(tmpl_add_str(&t, k[i], strlen(k[i])),
			    0);
		}
		assert_int_equal(t.nmark, 5);
		o = tmpl_put_map(out, 5);
		o = tmpl_piece(&t, 0, o);
		o = tmpl_put_str(o, "bearing-wear", 12);
		o = tmpl_piece(&t, 1, o);
		o = tmpl_put_bool(o, (int)round);
		o = tmpl_piece(&t, 2, o);
		o = tmpl_put_f64(o, 0.25);
		o = tmpl_piece(&t, 3, o);
		o = tmpl_put_nil(o);
		o = tmpl_piece(&t, 4, o);
		o = tmpl_put_uint(o, 300);
		decode(&res, out, (size_t)(o - out));
		assert_int_equal(res.data.type, MSGPACK_OBJECT_MAP);
		assert_int_equal(res.data.via.map.size, 5);
		for (i = 0; i < 5; i++) {
			kv = &res.data.via.map.ptr[i];
			assert_int_equal(kv->key.type, MSGPACK_OBJECT_STR);
			assert_int_equal(kv->key.via.str.size, strlen(k[i]));
			assert_memory_equal(kv->key.via.str.ptr, k[i],
			    strlen(k[i]));
		}
		kv = res.data.via.map.ptr;
		assert_int_equal(kv[0].val.via.str.size, 12);
		assert_memory_equal(kv[0].val.via.str.ptr, "bearing-wear", 12);
		assert_int_equal(kv[1].val.via.boolean, round);
		assert_true(kv[2].val.via.f64 == 0.25);
		assert_int_equal(kv[3].val.type, MSGPACK_OBJECT_NIL);
		assert_true(kv[4].val.via.u64 == 300);
		msgpack_unpacked_destroy(&res);
	}
	tmpl_free(&t);
	tmpl_free(&t);		/* again: zeroed, nothing to free */
	tmpl_free(NULL);
}

/* Raw bytes, constant integers and arrays in a template. */
static void
test_add(void **state)
{
	struct tmpl t = TMPL_INIT;
	msgpack_unpacked res;
	msgpack_object *a;

	(void)state;
	assert_int_equal(tmpl_add_array(&t, 4), 0);
	assert_int_equal(tmpl_add_uint(&t, 65536), 0);
	assert_int_equal(tmpl_add(&t, "\xc3", 1), 0);
	assert_int_equal(tmpl_add(&t, NULL, 0), 0);
	assert_int_equal(tmpl_add_str(&t, "x", 1), 0);
	assert_int_equal(tmpl_add_f64(&t), 0);
	decode(&res, t.b.p, t.b.len);
	a = &res.data;
	assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(a->via.array.size, 4);
	assert_true(a->via.array.ptr[0].via.u64 == 65536);
	assert_true(a->via.array.ptr[1].via.boolean);
	assert_int_equal(a->via.array.ptr[2].via.str.size, 1);
	assert_int_equal(a->via.array.ptr[3].type, MSGPACK_OBJECT_FLOAT64);
	assert_true(a->via.array.ptr[3].via.f64 == 0.0);
	msgpack_unpacked_destroy(&res);
	/* a string longer than msgpack holds is refused, t unchanged */
	errno = 0;
	assert_int_equal(tmpl_add_str(&t, "", (size_t)UINT32_MAX + 1), -1);
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(t.b.len, 1 + 5 + 1 + 2 + 9);
	tmpl_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_f64),
		cmocka_unit_test(test_bool_nil),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_add),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_free(&ref);
	return rc;
}

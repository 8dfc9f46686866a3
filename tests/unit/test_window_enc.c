/*
 * Unit tests for filters/window/enc.c: a features frame from the template
 * must be byte for byte what msgpack-c's packer makes of the same record
 * (frame_encode_msgpackc(), which shares no writer with the template), at
 * every boundary of msgpack's integer, string and map forms (seq and n
 * around 127/255/65535/2^32, keys of 31/32/255/256 bytes, 15/16 values),
 * with and without "short", with NaN and infinite values; and times
 * outside EventTime must be refused (the caller then uses frame_encode()).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "codec.h"
#include "record.h"
#include "window/enc.h"

// link: filters/window/enc.c

#define NS	1000000000LL

/* The same frame through a record and msgpack-c's packer. */
static void
reference(struct buf *b, const char *dev, const char *const *keys,
    uint32_t nk, int64_t start, int64_t end, uint64_t seq, uint64_t n,
    int shrt, const double *v)
{
	struct record *r = record_new();
	struct value x;
	uint32_t i;

	assert_non_null(r);
	record_set_time(r, start / NS, (uint32_t)(start % NS));
	assert_int_equal(record_set_kind(r, KIND_FEATURES), 0);
	assert_int_equal(record_set_dev(r, dev, strlen(dev)), 0);
	assert_int_equal(record_set_seq(r, seq), 0);
	x = val_time(start / NS, (uint32_t)(start % NS));
	assert_int_equal(record_meta_set(r, "start", &x), 0);
	x = val_time(end / NS, (uint32_t)(end % NS));
	assert_int_equal(record_meta_set(r, "end", &x), 0);
	x = val_u64(n);
	assert_int_equal(record_meta_set(r, "n", &x), 0);
	if (shrt) {
		x = val_bool(1);
		assert_int_equal(record_meta_set(r, "short", &x), 0);
	}
	for (i = 0; i < nk; i++)
		assert_int_equal(record_add_f64(r, keys[i], v[i]), 0);
	assert_int_equal(frame_encode_msgpackc(b, r), 0);
	record_free(&r);
}

static void
same(const char *dev, const char *const *keys, uint32_t nk, int64_t start,
    int64_t end, uint64_t seq, uint64_t n, int shrt, const double *v)
{
	struct fenc e;
	struct buf got = BUF_INIT, want = BUF_INIT;

	memset(&e, 0, sizeof e);
	assert_int_equal(fenc_init(&e, keys, nk), 0);
	assert_int_equal(fenc_frame(&got, &e, dev, strlen(dev), start, end,
	    seq, n, shrt, v), 0);
	reference(&want, dev, keys, nk, start, end, seq, n, shrt, v);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.p, want.p, got.len);
	fenc_free(&e);
	buf_free(&got);
	buf_free(&want);
}

static void
test_integers(void **state)
{
	static const uint64_t u[] = {
		0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295ull,
		4294967296ull, UINT64_MAX / 2
	};
	const char *keys[] = { "x.mean", "x.std" };
	double v[] = { 1.5, -0.25 };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof u / sizeof u[0]; i++)
		for (j = 0; j < sizeof u / sizeof u[0]; j++)
			same("pump-01", keys, 2, 1700000000 * NS + 5,
			    1700000001 * NS, u[i], u[j], (int)(i & 1), v);
}

static void
test_strings_and_maps(void **state)
{
	char k31[40], k32[40], k255[300], k256[300], dev[300];
	const char *keys[20];
	double v[20];
	int i;

	(void)state;
	memset(k31, 'a', 31);
	k31[31] = '\0';
	memset(k32, 'b', 32);
	k32[32] = '\0';
	memset(k255, 'c', 255);
	k255[255] = '\0';
	memset(k256, 'd', 256);
	k256[256] = '\0';
	memset(dev, 'e', 256);
	dev[256] = '\0';
	keys[0] = k31;
	keys[1] = k32;
	keys[2] = k255;
	keys[3] = k256;
	for (i = 4; i < 20; i++)
		keys[i] = "v.kurtosis";
	for (i = 0; i < 20; i++)
		v[i] = i * 0.1 - 1;
	v[5] = NAN;
	v[6] = INFINITY;
	v[7] = -0.0;
	same("", keys, 0, 0, 1, 0, 0, 0, v);
	same("d", keys, 15, 0, 1, 0, 1, 1, v);
	same("d", keys, 16, 12345 * NS + 999999999, 12346 * NS, 3, 4, 0, v);
	same(dev, keys, 20, 4294967295LL * NS, 4294967295LL * NS + 1, 7, 9,
	    1, v);
	same(dev + 224, keys, 20, 1, 2, 7, 9, 0, v);
}

static void
test_out_of_range(void **state)
{
	const char *keys[] = { "x.mean" };
	double v[] = { 1 };
	struct fenc e;
	struct buf b = BUF_INIT;

	(void)state;
	memset(&e, 0, sizeof e);
	assert_int_equal(fenc_init(&e, keys, 1), 0);
	assert_int_equal(fenc_frame(&b, &e, "a", 1, -1, 5, 0, 1, 0, v), 1);
	assert_int_equal(fenc_frame(&b, &e, "a", 1, 0, 4294967296LL * NS, 0,
	    1, 0, v), 1);
	assert_int_equal(b.len, 0);
	fenc_free(&e);
	fenc_free(&e);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_strings_and_maps),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_csv_tmpl -- ingest's sample frames (filters/ingest/sample.c) are
 * exactly the bytes msgpack-c's packer gives for the same record
 * (frame_encode_msgpackc(), which shares no writer with the template): over the encodings whose size
 * changes (fixstr/str8/str16 keys and values, every uint width of seq and
 * line, fixmap/map16 bodies) and special doubles (NaN, -0, inf, subnormal).
 */
// link: filters/ingest/sample.c
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "record.h"
#include "ingest/sample.h"

/* Encode one frame both ways and compare. */
static void
same(const char *dev, const char *src, uint32_t nmeta, uint32_t nval,
    size_t keylen, int64_t sec, uint32_t nsec, uint64_t seq, uint64_t line,
    const double *vals)
{
	struct sample_enc t;
	struct sample_dev d;
	struct record *r;
	struct buf ref = BUF_INIT;
	char **names, **mnames, **mvals;
	size_t *lens, *mlens, mbytes = 0;
	char *out, *o;
	uint32_t i;

	names = calloc(nval + 1, sizeof(*names));
	lens = calloc(nval + 1, sizeof(*lens));
	mnames = calloc(nmeta + 1, sizeof(*mnames));
	mlens = calloc(nmeta + 1, sizeof(*mlens));
	mvals = calloc(nmeta + 1, sizeof(*mvals));
	assert_non_null(names);
	for (i = 0; i < nval; i++) {
		/* keys of keylen bytes, distinct by their prefix */
		names[i] = malloc(keylen + 16);
		snprintf(names[i], keylen + 16, "k%u", i);
		while (strlen(names[i]) < keylen)
			strcat(names[i], "x");
		lens[i] = strlen(names[i]);
	}
	for (i = 0; i < nmeta; i++) {
		mnames[i] = malloc(16);
		snprintf(mnames[i], 16, "m%u", i);
		mlens[i] = strlen(mnames[i]);
		mvals[i] = malloc(keylen + 2);
		memset(mvals[i], 'a' + (int)i, keylen + 1);
		mvals[i][keylen + 1] = '\0';
		mbytes += keylen + 1;
	}

	memset(&t, 0, sizeof(t));
	assert_int_equal(sample_enc_file(&t, src, strlen(src),
	    (const char *const *)mnames, mlens, nmeta,
	    (const char *const *)names, lens, nval), 0);
	assert_int_equal(sample_dev_init(&d, dev, strlen(dev), nmeta), 0);
	out = malloc(sample_bound(&t, &d, mbytes));
	o = sample_head(&t, &d, out, sec, nsec, seq, line);
	for (i = 0; i < nmeta; i++)
		o = sample_meta(&t, i, o, mvals[i], strlen(mvals[i]));
	o = sample_body(&t, o);
	for (i = 0; i < nval; i++)
		sample_set(&t, o, i, vals[i]);
	o += t.body.b.len;
	assert_true((size_t)(o - out) <= sample_bound(&t, &d, mbytes));

	r = record_new();
	record_set_time(r, sec, nsec);
	record_meta_set(r, "v", &(struct value){ .type = VAL_INT, .i = 1 });
	record_set_kind(r, KIND_SAMPLE);
	record_set_dev(r, dev, strlen(dev));
	record_set_seq(r, seq);
	record_meta_set(r, "src", &(struct value){ .type = VAL_STR,
	    .len = (uint32_t)strlen(src), .p = src });
	if (line > INT64_MAX)
		record_meta_set(r, "line", &(struct value){ .type = VAL_UINT,
		    .u = line });
	else
		record_meta_set(r, "line", &(struct value){ .type = VAL_INT,
		    .i = (int64_t)line });
	for (i = 0; i < nmeta; i++)
		record_meta_set(r, mnames[i], &(struct value){
		    .type = VAL_STR, .len = (uint32_t)strlen(mvals[i]),
		    .p = mvals[i] });
	for (i = 0; i < nval; i++)
		record_add_f64(r, names[i], vals[i]);
	assert_int_equal(frame_encode_msgpackc(&ref, r), 0);

	assert_int_equal((size_t)(o - out), ref.len);
	assert_memory_equal(out, ref.p, ref.len);

	record_free(&r);
	buf_free(&ref);
	free(out);
	sample_dev_free(&d);
	sample_enc_free(&t);
	for (i = 0; i < nval; i++)
		free(names[i]);
	for (i = 0; i < nmeta; i++) {
		free(mnames[i]);
		free(mvals[i]);
	}
	free(names);
	free(lens);
	free(mnames);
	free(mlens);
	free(mvals);
}

static void
test_small(void **state)
{
	double v[3] = { 1.5, -0.0, 73.96732207 };

	(void)state;
	same("pump-1", "data.csv", 0, 3, 5, 1700000000, 123000000, 0, 2, v);
	same("", "-", 0, 1, 1, 0, 0, 0, 1, v);
}

static void
test_uint_widths(void **state)
{
	static const uint64_t n[] = { 0, 1, 127, 128, 255, 256, 65535, 65536,
	    4294967295u, 4294967296u, UINT64_MAX / 2, UINT64_MAX };
	double v[1] = { 2.0 };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		for (j = 0; j < sizeof(n) / sizeof(n[0]); j += 3)
			same("d", "f", 0, 1, 3, 4294967295LL, 999999999,
			    n[i], n[j], v);
}

static void
test_specials(void **state)
{
	double v[6] = { NAN, -NAN, INFINITY, -INFINITY, 4.9e-324,
	    1.7976931348623157e308 };

	(void)state;
	same("dev", "src.csv", 0, 6, 2, 86400, 1, 7, 9, v);
}

static void
test_long_strings(void **state)
{
	double *v;
	char dev[300], src[70000];
	size_t i;

	(void)state;
	v = calloc(70000, sizeof(*v));
	for (i = 0; i < 70000; i++)
		v[i] = (double)i / 7;
	memset(dev, 'D', sizeof(dev) - 1);
	dev[sizeof(dev) - 1] = '\0';
	memset(src, 'S', sizeof(src) - 1);
	src[sizeof(src) - 1] = '\0';
	/* str8 keys, map16 body; str16 dev; str32 src */
	same(dev, src, 0, 20, 40, 1, 2, 3, 4, v);
	dev[31] = '\0';		/* str8 boundary: 31 fixstr, 32 str8 */
	same(dev, "a", 0, 16, 31, 1, 2, 3, 4, v);
	same(dev, "a", 0, 15, 32, 1, 2, 3, 4, v);
	/* str16 keys, map32 body */
	same("d", "s", 0, 70000, 3, 1, 2, 3, 4, v);
	same("d", "s", 0, 3, 300, 1, 2, 3, 4, v);
	free(v);
}

static void
test_meta_columns(void **state)
{
	double v[2] = { 1, 2 };

	(void)state;
	same("d", "ai4i.csv", 1, 2, 4, 5, 6, 7, 8, v);
	same("d", "ai4i.csv", 3, 2, 40, 5, 6, 7, 8, v);
	/* 6 + 10 meta keys: map16 meta */
	same("d", "ai4i.csv", 10, 2, 4, 5, 6, 7, 8, v);
	same("d", "ai4i.csv", 9, 2, 300, 5, 6, 7, 8, v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_uint_widths),
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_meta_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

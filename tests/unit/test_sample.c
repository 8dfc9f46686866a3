/*
 * test_sample -- sample-upload's policies (filters/sample-upload/sample.h):
 * every N per device, the event window (exactly the N data frames before
 * and the M after, across devices and overlapping events), the band, kinds,
 * a frame chosen twice sent once, the reservoir's K per interval.  The
 * reservoir's uniformity is tested against scipy's chi-square in
 * tests/e2e/upload_sample.sh.
 */
// link: filters/sample-upload/sample.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "sample-upload/sample.h"

/* what was emitted: the seq (or -1 - n for frames without seq) and dev */
struct got {
	int64_t		 seq[4096];
	char		 dev[4096][8];
	int		 n;
};

static int
collect(void *arg, const char *p, size_t n, int64_t sec, uint32_t nsec,
    const char *dev, size_t dlen)
{
	struct got *g = arg;
	struct record *r = record_new();
	const char *why;

	(void)sec;
	(void)nsec;
	assert_int_equal(frame_decode(r, p, n, &why), 0);
	g->seq[g->n] = r->has_seq ? (int64_t)r->seq : -1;
	assert_true(dlen < 8);
	memcpy(g->dev[g->n], dev ? dev : "-", dev ? dlen : 1);
	g->dev[g->n][dev ? dlen : 1] = '\0';
	g->n++;
	record_free(&r);
	return 0;
}

static struct record *R;
static struct buf B;

/* feed one frame */
static void
feed(struct sampler *s, struct got *g, enum kind k, const char *dev,
    int64_t sec, uint64_t seq, const char *type, double score)
{
	record_clear(R);
	record_set_time(R, sec, 0);
	record_set_kind(R, k);
	if (dev)
		record_set_dev(R, dev, strlen(dev));
	if (k != KIND_EVENT)
		record_set_seq(R, seq);
	if (type)
		record_add_str(R, "type", type, strlen(type));
	if (k == KIND_PREDICTION)
		record_add_f64(R, "score", score);
	else
		record_add_f64(R, "x", 1);
	buf_reset(&B);
	assert_int_equal(frame_encode(&B, R), 0);
	assert_int_equal(sampler_frame(s, R, B.p, B.len, collect, g), 0);
}

static void
test_every(void **state)
{
	struct sample_conf c = { .every = 3 };
	struct sampler *s = sampler_new(&c);
	struct got *g = calloc(1, sizeof(*g));
	int i;

	(void)state;
	/* a gets seq 0..9, b gets 0..4, interleaved */
	for (i = 0; i < 10; i++) {
		feed(s, g, KIND_SAMPLE, "a", i, i, NULL, 0);
		if (i < 5)
			feed(s, g, KIND_SAMPLE, "b", i, i, NULL, 0);
	}
	/* an event and a reject: not data, not chosen */
	feed(s, g, KIND_EVENT, "a", 20, 0, "drift", 0);
	feed(s, g, KIND_REJECT, "a", 20, 0, NULL, 0);
	assert_int_equal(g->n, 6);
	assert_string_equal(g->dev[0], "a");
	assert_int_equal(g->seq[0], 0);
	assert_string_equal(g->dev[1], "b");
	assert_int_equal(g->seq[1], 0);
	assert_int_equal(g->seq[2], 3);
	assert_int_equal(g->seq[3], 3);
	assert_int_equal(g->seq[4], 6);
	assert_int_equal(g->seq[5], 9);
	sampler_free(&s);
	assert_null(s);
	free(g);
}

static void
test_around(void **state)
{
	struct sample_conf c = { 0 };
	struct sampler *s;
	struct got *g = calloc(1, sizeof(*g));
	int i;

	(void)state;
	assert_int_equal(sample_parse_around("drift:5:3", &c), 0);
	assert_int_equal(sample_parse_around("anomaly:2:0", &c), 0);
	assert_int_equal(sample_parse_kinds("event", &c), 0);
	assert_int_equal(sample_parse_around("drift:5", &c), -1);
	assert_int_equal(sample_parse_around(":5:3", &c), -1);
	s = sampler_new(&c);
	/* a: 0..19, b: 100..119; drift on a after a's 9: a 5..9, the
	 * event, a 10..12; b untouched */
	for (i = 0; i < 20; i++) {
		feed(s, g, KIND_SAMPLE, "a", i, i, NULL, 0);
		feed(s, g, KIND_SAMPLE, "b", i, 100 + i, NULL, 0);
		if (i == 9)
			feed(s, g, KIND_EVENT, "a", i, 0, "drift", 0);
	}
	assert_int_equal(g->n, 5 + 1 + 3);
	for (i = 0; i < 5; i++) {
		assert_int_equal(g->seq[i], 5 + i);
		assert_string_equal(g->dev[i], "a");
	}
	assert_int_equal(g->seq[5], -1);		/* the event */
	for (i = 0; i < 3; i++)
		assert_int_equal(g->seq[6 + i], 10 + i);
	/* an anomaly without dev: the last 2 of every device; a's 18, 19
	 * are new, then b's 118, 119; then a drift on b one frame later,
	 * overlapping: b's 115..117 only (118, 119 were sent), then 3
	 * after */
	g->n = 0;
	feed(s, g, KIND_EVENT, NULL, 30, 0, "anomaly", 0);
	assert_int_equal(g->n, 5);
	feed(s, g, KIND_EVENT, "b", 30, 0, "drift", 0);
	for (i = 20; i < 25; i++)
		feed(s, g, KIND_SAMPLE, "b", i, 100 + i, NULL, 0);
	assert_int_equal(g->n, 5 + 3 + 1 + 3);
	{
		int64_t want[] = { 18, 19, 118, 119, -1, 115, 116, 117, -1,
		    120, 121, 122 };
		int64_t got4[12];
		/* a's and b's order depends on the table: sort the pairs */
		memcpy(got4, g->seq, sizeof(got4));
		if (got4[0] == 118) {
			got4[0] = 18; got4[1] = 19;
			got4[2] = 118; got4[3] = 119;
		}
		assert_memory_equal(got4, want, sizeof(want));
	}
	sampler_free(&s);
	free(g);
}

static void
test_band_dedupe(void **state)
{
	struct sample_conf c = { .every = 2 };
	struct sampler *s;
	struct got *g = calloc(1, sizeof(*g));
	int i;

	(void)state;
	assert_int_equal(sample_parse_band("0.4:0.6", &c), 0);
	assert_int_equal(sample_parse_around("drift:4:2", &c), 0);
	assert_int_equal(sample_parse_band("0.6:0.4", &c), -1);
	assert_int_equal(sample_parse_band("0.4", &c), -1);
	s = sampler_new(&c);
	/* predictions 0..9, score i/10: every 2 takes 0,2,4,6,8; the band
	 * 5 (0.4 and 0.6 are taken already) */
	for (i = 0; i < 10; i++)
		feed(s, g, KIND_PREDICTION, "p", i, i, NULL, i / 10.0);
	assert_int_equal(g->n, 6);
	assert_int_equal(g->seq[3], 5);
	/* drift: the last 4 are 6,7,8,9; 6 and 8 went already: 7, 9; then
	 * 2 after (10, 11); 12 by every-N */
	g->n = 0;
	feed(s, g, KIND_EVENT, "p", 10, 0, "drift", 0);
	for (i = 10; i < 13; i++)
		feed(s, g, KIND_PREDICTION, "p", i, i, NULL, 0.9);
	assert_int_equal(g->n, 5);
	assert_int_equal(g->seq[0], 7);
	assert_int_equal(g->seq[1], 9);
	assert_int_equal(g->seq[2], 10);
	assert_int_equal(g->seq[3], 11);
	assert_int_equal(g->seq[4], 12);
	sampler_free(&s);
	free(g);
}

static void
test_reservoir(void **state)
{
	struct sample_conf c = { .seed = 42 };
	struct sampler *s;
	struct got *g = calloc(1, sizeof(*g));
	int i, j;

	(void)state;
	assert_int_equal(sample_parse_reservoir("3/10", &c), 0);
	assert_int_equal(sample_parse_reservoir("3/0", &c), -1);
	assert_int_equal(sample_parse_reservoir("0/5", &c), -1);
	assert_int_equal(sample_parse_reservoir("3/10", &c), 0);
	s = sampler_new(&c);
	/* interval [0,10): 100 frames; [10,20): 2 frames; [30,40): 50 */
	for (i = 0; i < 100; i++)
		feed(s, g, KIND_SAMPLE, "r", i / 10, i, NULL, 0);
	assert_int_equal(g->n, 0);		/* held until the interval ends */
	feed(s, g, KIND_SAMPLE, "r", 10, 100, NULL, 0);
	assert_int_equal(g->n, 3);
	for (i = 0; i < 3; i++) {
		assert_true(g->seq[i] >= 0 && g->seq[i] < 100);
		for (j = 0; j < i; j++)
			assert_true(g->seq[j] < g->seq[i]);	/* in order */
	}
	feed(s, g, KIND_SAMPLE, "r", 15, 101, NULL, 0);
	for (i = 0; i < 50; i++)
		feed(s, g, KIND_SAMPLE, "r", 30, 102 + i, NULL, 0);
	assert_int_equal(g->n, 5);		/* both of [10,20) */
	assert_int_equal(g->seq[3], 100);
	assert_int_equal(g->seq[4], 101);
	assert_int_equal(sampler_flush(s, collect, g), 0);
	assert_int_equal(g->n, 8);
	for (i = 5; i < 8; i++)
		assert_true(g->seq[i] >= 102 && g->seq[i] < 152);
	sampler_free(&s);
	free(g);
}

/* many devices: the table grows and keeps every device's count */
static void
test_many(void **state)
{
	struct sample_conf c = { .every = 2 };
	struct sampler *s = sampler_new(&c);
	struct got *g = calloc(1, sizeof(*g));
	char name[8];
	int i, k;

	(void)state;
	for (k = 0; k < 2; k++)
		for (i = 0; i < 1000; i++) {
			snprintf(name, sizeof(name), "d%d", i);
			feed(s, g, KIND_SAMPLE, name, k, k, NULL, 0);
		}
	assert_int_equal(g->n, 1000);		/* seq 0 of each, not 1 */
	for (i = 0; i < 1000; i++)
		assert_int_equal(g->seq[i], 0);
	feed(s, g, KIND_SAMPLE, NULL, 0, 0, NULL, 0);
	feed(s, g, KIND_SAMPLE, NULL, 0, 1, NULL, 0);
	assert_int_equal(g->n, 1001);
	assert_string_equal(g->dev[1000], "-");
	sampler_free(&s);
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every),
		cmocka_unit_test(test_around),
		cmocka_unit_test(test_band_dedupe),
		cmocka_unit_test(test_reservoir),
		cmocka_unit_test(test_many),
	};
	int rc;

	R = record_new();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	record_free(&R);
	buf_free(&B);
	return rc;
}

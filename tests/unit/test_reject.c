/*
 * test_reject -- reject_build(): the dead-letter shape of docs/protocol.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "reject.h"

static const struct value *
body(const struct record *r, const char *key)
{
	int i = record_find(r, key, strlen(key), NULL);

	return i < 0 ? NULL : &r->body[i].v;
}

static void
test_frame(void **state)
{
	struct record *r = record_new(), *rj = record_new(), *back = record_new();
	struct buf scratch = BUF_INIT, out = BUF_INIT;
	struct value v = val_str("x.csv", 5), lim = val_f64(100.0);
	struct reject why = { .stage = "validate", .rule = "range",
	    .field = "temp", .flen = 4, .limit = &lim,
	    .reason = "temp 120.5 is above 100" };
	const struct value *b;
	const char *e;

	(void)state;
	record_set_time(r, 1000, 5);
	record_set_kind(r, KIND_SAMPLE);
	record_set_dev(r, "pump", 4);
	record_set_seq(r, 7);
	record_meta_set(r, "src", &v);
	v = val_i64(42);
	record_meta_set(r, "line", &v);
	record_add_f64(r, "temp", 120.5);
	why.value = &r->body[0].v;
	assert_int_equal(reject_build(rj, &scratch, r, NULL, 0, &why), 0);
	assert_int_equal(rj->kind, KIND_REJECT);
	assert_int_equal(rj->sec, 1000);
	assert_int_equal(rj->nsec, 5);
	assert_memory_equal(rj->dev, "pump", 4);
	assert_false(rj->has_seq);		/* seq belongs to samples */
	assert_int_equal(record_meta_get(rj, "line")->i, 42);
	assert_memory_equal(record_meta_get(rj, "src")->p, "x.csv", 5);
	assert_memory_equal(record_meta_get(rj, "stage")->p, "validate", 8);
	assert_memory_equal(body(rj, "rule")->p, "range", 5);
	assert_memory_equal(body(rj, "field")->p, "temp", 4);
	assert_true(body(rj, "value")->f == 120.5);
	assert_true(body(rj, "limit")->f == 100.0);
	/* the nested original decodes back to the frame */
	b = body(rj, "frame");
	assert_non_null(b);
	assert_int_equal(b->type, VAL_RAW);
	assert_int_equal(frame_decode(back, b->p, b->len, &e), 0);
	assert_int_equal(back->seq, 7);
	/* and the whole reject encodes and decodes as a frame */
	assert_int_equal(frame_encode(&out, rj), 0);
	assert_int_equal(frame_decode(back, out.p, out.len, &e), 0);
	assert_int_equal(back->kind, KIND_REJECT);
	buf_free(&scratch);
	buf_free(&out);
	record_free(&r);
	record_free(&rj);
	record_free(&back);
}

static void
test_raw(void **state)
{
	struct record *rj = record_new();
	struct buf scratch = BUF_INIT;
	struct reject why = { .stage = "tap", .rule = "decode",
	    .reason = "frame is not a 2-element array" };

	(void)state;
	assert_int_equal(reject_build(rj, &scratch, NULL, "\x93\x01\x02\x03", 4,
	    &why), 0);
	assert_null(rj->dev);
	assert_true(rj->sec > 1600000000);	/* timed now */
	assert_int_equal(body(rj, "raw")->type, VAL_BIN);
	assert_int_equal(body(rj, "raw")->len, 4);
	assert_null(body(rj, "frame"));
	assert_null(body(rj, "field"));
	assert_int_equal(reject_build(rj, &scratch, NULL, NULL, 0, &why), 0);
	assert_null(body(rj, "raw"));
	buf_free(&scratch);
	record_free(&rj);
}

/* A line of text that never was a frame: its origin from why. */
static void
test_text(void **state)
{
	struct record *rj = record_new();
	struct buf scratch = BUF_INIT;
	struct reject why = { .stage = "ingest", .rule = "number",
	    .field = "v", .flen = 1, .reason = "column \"v\": not a number",
	    .text = "3,abc", .tlen = 5, .src = "x.csv", .line = 4,
	    .dev = "p1", .devlen = 2, .timed = 1, .sec = 1700000000,
	    .nsec = 5 };
	const struct value *m;

	(void)state;
	assert_int_equal(reject_build(rj, &scratch, NULL, NULL, 0, &why), 0);
	assert_int_equal(rj->kind, KIND_REJECT);
	assert_int_equal(rj->sec, 1700000000);
	assert_int_equal(rj->nsec, 5);
	assert_int_equal(rj->dev_len, 2);
	assert_memory_equal(rj->dev, "p1", 2);
	m = record_meta_get(rj, "src");
	assert_true(m != NULL && m->type == VAL_STR && m->len == 5);
	m = record_meta_get(rj, "line");
	assert_true(m != NULL && m->type == VAL_INT && m->i == 4);
	assert_int_equal(body(rj, "text")->type, VAL_STR);
	assert_memory_equal(body(rj, "text")->p, "3,abc", 5);
	assert_null(body(rj, "truncated"));
	assert_null(body(rj, "raw"));
	/* not UTF-8: the bytes as raw; cut short: marked */
	why.text = "3,\xff";
	why.tlen = 3;
	why.truncated = 1;
	assert_int_equal(reject_build(rj, &scratch, NULL, NULL, 0, &why), 0);
	assert_null(body(rj, "text"));
	assert_int_equal(body(rj, "raw")->type, VAL_BIN);
	assert_int_equal(body(rj, "truncated")->type, VAL_BOOL);
	buf_free(&scratch);
	record_free(&rj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_codec -- frame_scan, frame_decode (fast path), frame_decode_msgpackc
 * (reference) and frame_encode.  The two decoders must agree on every input:
 * hand-made frames, every frame shape of the protocol, and a few hundred
 * thousand random mutations of valid frames.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "recsame.h"

/* A sample frame with every value type. */
static struct record *
sample(void)
{
	struct record *r = record_new();
	struct value v;
	static const char raw[] = "\x92\x01\x81\xa1k\xc0";	/* [1, {"k": nil}] */

	assert_non_null(r);
	record_set_time(r, 1076582159, 123456789);
	v = val_i64(1);
	assert_int_equal(record_meta_set(r, "v", &v), 0);
	assert_int_equal(record_set_kind(r, KIND_SAMPLE), 0);
	assert_int_equal(record_set_dev(r, "pump-7", 6), 0);
	assert_int_equal(record_set_seq(r, 42), 0);
	v = val_str("file.csv", 8);
	assert_int_equal(record_meta_set(r, "src", &v), 0);
	assert_int_equal(record_add_f64(r, "vibration", -0.0531969), 0);
	assert_int_equal(record_add_f64(r, "nan", NAN), 0);
	assert_int_equal(record_add_f64(r, "inf", -INFINITY), 0);
	assert_int_equal(record_add_i64(r, "neg", -129), 0);
	assert_int_equal(record_add_i64(r, "big", INT64_MAX), 0);
	v = val_u64(UINT64_MAX);
	assert_int_equal(record_add(r, "ubig", 4, &v), 0);
	assert_int_equal(record_add_str(r, "s", "h\xc3\xa9", 3), 0);
	v = val_bool(1);
	assert_int_equal(record_add(r, "b", 1, &v), 0);
	v = val_nil();
	assert_int_equal(record_add(r, "n", 1, &v), 0);
	v = val_time(5, 6);
	assert_int_equal(record_add(r, "t", 1, &v), 0);
	v.type = VAL_F32;
	v.f = 0.5;
	assert_int_equal(record_add(r, "f32", 3, &v), 0);
	v.type = VAL_BIN;
	v.p = "\x00\x01";
	v.len = 2;
	assert_int_equal(record_add(r, "bin", 3, &v), 0);
	v.type = VAL_RAW;
	v.p = raw;
	v.len = sizeof(raw) - 1;
	assert_int_equal(record_add(r, "raw", 3, &v), 0);
	return r;
}

static void
decode_both(const char *p, size_t n, struct record *a, struct record *b,
    int *ra, int *rb)
{
	static msgpack_zone *z;
	static struct buf scratch;
	const char *why;

	if (z == NULL)
		z = msgpack_zone_new(4096);
	*ra = frame_decode(a, p, n, &why);
	*rb = frame_decode_msgpackc(b, p, n, z, &scratch, &why);
}

/* Both encoders write the same bytes for r; if want is not NULL, these. */
static void
encoders_agree(const struct record *r, const struct buf *want)
{
	static struct buf e1, e2;

	buf_reset(&e1);
	buf_reset(&e2);
	assert_int_equal(frame_encode(&e1, r), 0);
	assert_int_equal(frame_encode_msgpackc(&e2, r), 0);
	assert_int_equal(e1.len, e2.len);
	assert_memory_equal(e1.p, e2.p, e1.len);
	if (want != NULL) {
		assert_int_equal(e1.len, want->len);
		assert_memory_equal(e1.p, want->p, e1.len);
	}
}

static void
test_roundtrip(void **state)
{
	struct record *r = sample(), *a = record_new(), *b = record_new();
	struct buf out = BUF_INIT;
	size_t len;
	const char *why;
	int ra, rb;

	(void)state;
	assert_int_equal(frame_encode(&out, r), 0);
	assert_int_equal(frame_scan(out.p, out.len, FRAME_MAX_DEFAULT, &len,
	    &why), SCAN_OK);
	assert_int_equal(len, out.len);
	decode_both(out.p, out.len, a, b, &ra, &rb);
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	assert_true(record_same(a, b));
	assert_true(record_same(a, r));
	assert_int_equal(a->kind, KIND_SAMPLE);
	assert_int_equal(a->seq, 42);
	assert_memory_equal(a->dev, "pump-7", 6);
	/* re-encoding gives the same bytes, through both encoders */
	encoders_agree(a, &out);
	buf_free(&out);
	record_free(&r);
	record_free(&a);
	record_free(&b);
	assert_null(a);
}

/* Python: msgpack.packb([[ExtType(0, pack('>II', 1, 2)), {"kind": "event"}],
 * {"type": "gap"}]) and the legacy form [1.5, {"x": 1}]. */
static void
test_foreign_bytes(void **state)
{
	static const char ev[] = "\x92\x92\xd7\x00\x00\x00\x00\x01\x00\x00\x00"
	    "\x02\x81\xa4kind\xa5" "event\x81\xa4type\xa3gap";
	static const char legacy[] = "\x92\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"
	    "\x81\xa1x\x01";
	struct record *a = record_new(), *b = record_new();
	struct buf out = BUF_INIT;
	int ra, rb;

	(void)state;
	decode_both(ev, sizeof(ev) - 1, a, b, &ra, &rb);
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	assert_true(record_same(a, b));
	assert_int_equal(a->kind, KIND_EVENT);
	assert_int_equal(a->sec, 1);
	assert_int_equal(a->nsec, 2);
	assert_int_equal(frame_encode(&out, a), 0);
	assert_int_equal(out.len, sizeof(ev) - 1);
	assert_memory_equal(out.p, ev, out.len);

	decode_both(legacy, sizeof(legacy) - 1, a, b, &ra, &rb);
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	assert_true(record_same(a, b));
	assert_int_equal(a->legacy, 1);
	assert_int_equal(a->ttype, TIME_FLOAT);
	assert_int_equal(a->sec, 1);
	assert_int_equal(a->nsec, 500000000);
	buf_reset(&out);
	assert_int_equal(frame_encode(&out, a), 0);
	assert_int_equal(out.len, sizeof(legacy) - 1);
	assert_memory_equal(out.p, legacy, out.len);
	buf_free(&out);
	record_free(&a);
	record_free(&b);
}

struct badcase {
	const char	*bytes;
	size_t		 n;
	int		 scan;		/* expected frame_scan result */
	const char	*why;		/* substring of the reason */
};

#define B(s)	s, sizeof(s) - 1

static void
test_scan_limits(void **state)
{
	static const struct badcase cases[] = {
		{ B("\xdb\xff\xff\xff\xff"), SCAN_BAD, "larger" },	/* str32 4 GiB */
		{ B("\xdd\xff\xff\xff\xff"), SCAN_BAD, "container" },	/* array32 */
		{ B("\xdf\x7f\xff\xff\xff"), SCAN_BAD, "container" },	/* map32 */
		{ B("\xc6\x00\x10\x00\x01"), SCAN_BAD, "larger" },	/* bin32 1 MiB+1 */
		{ B("\xc9\x7f\xff\xff\xff\x00"), SCAN_BAD, "larger" },	/* ext32 */
		{ B("\xc1"), SCAN_BAD, "0xc1" },
		{ B("\x92\x92\xd7\x00"), SCAN_MORE, NULL },		/* truncated */
		{ B("\xdb\x00\x00"), SCAN_MORE, NULL },
		{ B(""), SCAN_MORE, NULL },
	};
	char deep[40];
	size_t i, len;
	const char *why;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		assert_int_equal(frame_scan(cases[i].bytes, cases[i].n,
		    FRAME_MAX_DEFAULT, &len, &why), cases[i].scan);
		if (cases[i].why != NULL)
			assert_non_null(strstr(why, cases[i].why));
	}
	memset(deep, 0x91, sizeof(deep));	/* 40 nested 1-arrays */
	assert_int_equal(frame_scan(deep, sizeof(deep), FRAME_MAX_DEFAULT, &len,
	    &why), SCAN_BAD);
	assert_non_null(strstr(why, "nesting"));
	/* a frame bigger than a small limit */
	assert_int_equal(frame_scan("\xa5hello", 6, 4, &len, &why), SCAN_BAD);
	assert_int_equal(frame_scan("\xa5hello", 6, 6, &len, &why), SCAN_OK);
}

static void
test_shape_errors(void **state)
{
	static const struct badcase cases[] = {
		{ B("\x93\x01\x02\x03"), 0, "2-element array" },
		{ B("\x92\x93\x01\x80\x80\x80"), 0, "header" },
		{ B("\x92\x92\xa1x\x80\x80"), 0, "time" },
		{ B("\x92\x92\x01\x90\x80"), 0, "meta is not a map" },
		{ B("\x92\x92\x01\x80\x01"), 0, "body is not a map" },
		{ B("\x92\x92\x01\x81\x01\x01\x80"), 0, "meta key" },
		{ B("\x92\x92\x01\x80\x81\x01\x01"), 0, "body key" },
		{ B("\x92\x92\x01\x81\xa1v\x02\x80"), 0, "newer" },
		/* EventTime with nsec >= 1e9 */
		{ B("\x92\x92\xd7\x00\x00\x00\x00\x01\x3b\x9a\xca\x00\x80\x80"), 0,
		    "nanoseconds" },
		{ B("\x92\x92\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\x80\x80"), 0,
		    "finite" },
	};
	struct record *a = record_new(), *b = record_new();
	size_t i, len;
	const char *why;
	int ra, rb;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(frame_scan(cases[i].bytes, cases[i].n,
		    FRAME_MAX_DEFAULT, &len, &why), SCAN_OK);
		why = NULL;
		assert_int_equal(frame_decode(a, cases[i].bytes, cases[i].n,
		    &why), -1);
		if (strstr(why, cases[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, why,
			    cases[i].why);
		decode_both(cases[i].bytes, cases[i].n, a, b, &ra, &rb);
		assert_int_equal(ra, rb);
	}
	record_free(&a);
	record_free(&b);
}

/*
 * Random mutations of the frame r: the decoders agree, nothing crashes.
 * Up to maxcut bytes are cut off the end, so that the end of the input
 * falls on every field of the frame.
 */
static void
mutate(struct record *r, unsigned seed, size_t maxcut)
{
	struct record *a = record_new(), *b = record_new();
	struct buf out = BUF_INIT;
	char m[512];
	size_t len, nlen, n, i;
	const char *why;
	int ra, rb, sr, nr, iters = 200000, ok = 0, bad = 0;

#if defined(__SANITIZE_ADDRESS__)
	iters = 20000;
#endif
	assert_int_equal(frame_encode(&out, r), 0);
	assert_true(out.len < sizeof(m));
	for (i = 0; i < (size_t)iters; i++) {
		memcpy(m, out.p, out.len);
		n = out.len;
		seed = seed * 1103515245u + 12345u;
		m[(seed >> 8) % n] ^= (char)(1u << ((seed >> 4) & 7));
		seed = seed * 1103515245u + 12345u;
		if (seed & 1)
			m[(seed >> 9) % n] = (char)(seed >> 17);
		if (seed & 2)
			n -= (seed >> 12) % (maxcut + 1);
		sr = frame_scan(m, n, FRAME_MAX_DEFAULT, &len, &why);
		nr = frame_decode_next(a, m, n, FRAME_MAX_DEFAULT, &nlen, &why);
		if (sr != SCAN_OK) {
			assert_int_equal(nr, sr == SCAN_MORE ? FRAME_MORE :
			    FRAME_BAD);
			continue;
		}
		assert_int_equal(nlen, len);
		decode_both(m, len, a, b, &ra, &rb);
		assert_int_equal(ra, rb);
		assert_int_equal(nr, ra == 0 ? FRAME_OK : FRAME_SKIP);
		if (ra == 0) {
			assert_true(record_same(a, b));
			encoders_agree(a, NULL);
			ok++;
		} else
			bad++;
	}
	assert_true(ok > 0 && bad > 0);
	buf_free(&out);
	record_free(&a);
	record_free(&b);
}

static void
test_mutations(void **state)
{
	struct record *r = sample();

	(void)state;
	mutate(r, 12345, 3);
	record_free(&r);
}

/* A sample as ingest writes it: the decoder's fast paths (EventTime
 * header, fixstr keys, f64, fixstr, uint16 and uint32 values) and the
 * places where they hand over to the checked path near the end. */
static void
test_mutations_sensor(void **state)
{
	struct record *r = record_new();
	struct value v = val_i64(1);

	(void)state;
	assert_non_null(r);
	record_set_time(r, 1700000000, 3000000);
	assert_int_equal(record_meta_set(r, "v", &v), 0);
	assert_int_equal(record_set_kind(r, KIND_SAMPLE), 0);
	assert_int_equal(record_set_dev(r, "pump-09", 7), 0);
	assert_int_equal(record_set_seq(r, 300), 0);
	v = val_str("bench/out/sensors-10000000.csv", 30);
	assert_int_equal(record_meta_set(r, "src", &v), 0);
	v = val_i64(70000);
	assert_int_equal(record_meta_set(r, "line", &v), 0);
	assert_int_equal(record_add_f64(r, "vibration", -0.334675), 0);
	assert_int_equal(record_add_f64(r, "temperature", 64.77432), 0);
	assert_int_equal(record_add_f64(r, "pressure", 101.6986), 0);
	assert_int_equal(record_add_i64(r, "state", 3), 0);
	mutate(r, 4242, 64);
	record_free(&r);
}

/* Keys and strings of every length from 0 to 300 (each of the copy's
 * cases, fixstr, str8, str16): the same bytes as msgpack-c's packer. */
static void
test_encode_lengths(void **state)
{
	struct record *r = record_new();
	struct value v;
	char text[301];
	uint32_t n, i;

	(void)state;
	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	for (n = 0; n < sizeof(text); n++) {
		record_clear(r);
		record_set_time(r, 1700000000, 1);
		assert_int_equal(record_set_dev(r, text, n), 0);
		v = val_str(text + 1, n ? n - 1 : 0);
		assert_int_equal(record_add(r, text, n, &v), 0);
		v = val_f64(1.0);
		assert_int_equal(record_add(r, text + 2, n / 3, &v), 0);
		encoders_agree(r, NULL);
	}
	record_free(&r);
}

/* Float32 values pass decode and encode bit for bit, signalling NaNs with
 * their payload too (widening to double would quiet them); a value set
 * through the API (len 0) is narrowed from its double. */
static void
test_f32_bits(void **state)
{
	static const char frame[] =
	    "\x92\x92\xd7\x00\x00\x00\x00\x01\x00\x00\x00\x00\x80\x84"
	    "\xa1" "a" "\xca\xff\xbe\x40\x00"	/* -sNaN, payload */
	    "\xa1" "b" "\xca\x7f\x80\x00\x01"	/* sNaN, payload 1 */
	    "\xa1" "c" "\xca\x7f\xc0\x00\x00"	/* the quiet NaN */
	    "\xa1" "d" "\xca\x3d\xcc\xcc\xcd";	/* 0.1f */
	struct record *r = record_new();
	struct buf out = BUF_INIT, want = BUF_INIT;
	struct value v;
	const char *why;

	(void)state;
	assert_int_equal(frame_decode(r, frame, sizeof(frame) - 1, &why), 0);
	assert_int_equal(buf_append(&want, frame, sizeof(frame) - 1), 0);
	encoders_agree(r, &want);
	/* the value changed to a number: the bits go */
	r->body[0].v.f = 0.5;
	assert_int_equal(frame_encode(&out, r), 0);
	assert_memory_equal(out.p + 16, "\xca\x3f\x00\x00\x00", 5);
	/* set through the API: narrowed, NaN the quiet one */
	v.type = VAL_F32;
	v.len = 0;
	v.f = NAN;
	assert_int_equal(record_set(r, "b", &v), 0);
	buf_reset(&out);
	assert_int_equal(frame_encode(&out, r), 0);
	assert_memory_equal(out.p + 21, "\xa1" "b" "\xca\x7f\xc0\x00\x00", 7);
	buf_free(&out);
	buf_free(&want);
	record_free(&r);
}

/*
 * Every prefix of a frame is "more to come", never a frame: each copied
 * into a buffer of its exact size, so that ASan sees a read one byte past
 * the end.  Long keys and strings put the end of the input inside the
 * decoder's unchecked window (FIELD_FAST) at every field.
 */
static void
test_prefixes(void **state)
{
	struct record *r = record_new(), *a = record_new();
	struct buf out = BUF_INIT;
	size_t n, len;
	const char *why;
	char *p;
	struct value v;

	(void)state;
	record_set_time(r, 1700000000, 3000000);
	assert_int_equal(record_set_dev(r, "pump-09", 7), 0);
	assert_int_equal(record_set_seq(r, 70000), 0);
	v = val_str("bench/out/sensors-10000000.csv", 30);
	assert_int_equal(record_meta_set(r, "src", &v), 0);
	assert_int_equal(record_add_f64(r, "a_twenty_byte_key_xx", 1.5), 0);
	assert_int_equal(record_add_str(r, "another_long_key_abc",
	    "a string of 28 bytes........", 28), 0);
	assert_int_equal(record_add_i64(r, "k", 300), 0);
	assert_int_equal(record_add_str(r, "last_key_of_twenty__",
	    "thirty-one bytes of text.......", 31), 0);
	assert_int_equal(frame_encode(&out, r), 0);
	for (n = 0; n <= out.len; n++) {
		p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, out.p, n);
		assert_int_equal(frame_decode_next(a, p, n, FRAME_MAX_DEFAULT,
		    &len, &why), n == out.len ? FRAME_OK : FRAME_MORE);
		if (n == out.len)
			assert_int_equal(len, n);
		free(p);
	}
	buf_free(&out);
	record_free(&r);
	record_free(&a);
}

static void
test_record_api(void **state)
{
	struct record *r = sample(), *c = record_new();
	uint32_t hint = 0;
	double d;
	int i;

	(void)state;
	i = record_find(r, "neg", 3, &hint);
	assert_int_equal(i, 3);
	assert_int_equal(hint, 3);
	assert_int_equal(record_find(r, "neg", 3, &hint), 3);
	assert_int_equal(record_find(r, "nope", 4, &hint), -1);
	assert_int_equal(record_get_f64(r, "neg", &d), 0);
	assert_true(d == -129.0);
	assert_int_equal(record_get_f64(r, "s", &d), -1);
	assert_int_equal(record_set_f64(r, "neg", 2.5), 0);
	assert_int_equal(record_get_f64(r, "neg", &d), 0);
	assert_true(d == 2.5);
	record_del_at(r, 0);
	assert_int_equal(record_find(r, "vibration", 9, NULL), -1);
	assert_int_equal(record_set_dev(r, "x", 1), 0);
	assert_int_equal(r->dev_len, 1);
	assert_int_equal(record_meta_del(r, "dev"), 0);
	assert_null(r->dev);
	assert_int_equal(record_set_dev_copy(r, "pump-9", 6), 0);
	/* a deep copy survives the original */
	assert_int_equal(record_copy(c, r), 0);
	record_free(&r);
	assert_memory_equal(c->dev, "pump-9", 6);
	assert_int_equal(c->seq, 42);
	assert_int_equal(record_get_f64(c, "neg", &d), 0);
	assert_true(d == 2.5);
	record_free(&c);
	record_free(&c);	/* NULL-safe */
}

/* frame_pack_str() and frame_pack_time() write what frame_encode() does:
 * a frame built with them decodes to the record they describe, and its
 * bytes are frame_encode()'s for that record. */
static void
test_pack_helpers(void **state)
{
	static const struct { int64_t sec; uint32_t nsec; } t[] = {
		{ 0, 0 }, { 1700000000, 123456789 }, { UINT32_MAX, 999999999 },
		{ (int64_t)UINT32_MAX + 1, 5 }, { -1, 500000000 }
	};
	static const unsigned char ev[] = { 0xd7, 0x00, 0x65, 0x53, 0xf1,
	    0x00, 0x07, 0x5b, 0xcd, 0x15 };
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct record *r = record_new(), *g = record_new();
	msgpack_packer pk;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&a);
		buf_reset(&b);
		frame_packer_init(&pk, &a);
		msgpack_pack_array(&pk, 2);
		msgpack_pack_array(&pk, 2);
		frame_pack_time(&pk, t[i].sec, t[i].nsec);
		msgpack_pack_map(&pk, 2);
		frame_pack_str(&pk, "kind");
		frame_pack_str(&pk, "event");
		frame_pack_str(&pk, "dev");
		frame_pack_str(&pk, "a string of more than 31 bytes, a str8");
		msgpack_pack_map(&pk, 0);

		record_clear(r);
		record_set_time(r, t[i].sec, t[i].nsec);
		record_set_kind(r, KIND_EVENT);
		record_set_dev(r, "a string of more than 31 bytes, a str8", 38);
		assert_int_equal(frame_encode(&b, r), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.p, b.p, a.len);
		assert_int_equal(frame_decode(g, a.p, a.len, &why), 0);
		if (i < 3) {
			assert_true(g->sec == t[i].sec && g->nsec == t[i].nsec);
			assert_int_equal((unsigned char)a.p[2], 0xd7);
		} else
			assert_int_equal((unsigned char)a.p[2], 0xcb);
	}
	buf_reset(&a);			/* the bytes of EventTime themselves */
	frame_packer_init(&pk, &a);
	frame_pack_time(&pk, 1700000000, 123456789);
	assert_int_equal(a.len, sizeof(ev));
	assert_memory_equal(a.p, ev, sizeof(ev));
	record_free(&r);
	record_free(&g);
	buf_free(&a);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_foreign_bytes),
		cmocka_unit_test(test_scan_limits),
		cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_mutations_sensor),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_encode_lengths),
		cmocka_unit_test(test_f32_bits),
		cmocka_unit_test(test_record_api),
		cmocka_unit_test(test_pack_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * json_check -- one input through tap's JSON mapping both ways, as the
 * fuzzer (fuzz_json.c) and the corpus replay (tests/unit/test_corpus.c) run it.
 *
 * As JSON text (whole input, and as a frame): if json_parse() takes it,
 * printing the msgpack it made and parsing that print again gives the same
 * bytes, and printing those gives the same text (the mapping is exact).
 * As msgpack (the first value, if frame_scan() takes it): if json_print()
 * prints it, parsing the print gives the value in canonical form, the bytes
 * msgpack-c packs for it (or bytes of the same length holding the same
 * value but for NaN bits, see json_obj_same()), and printing that gives the
 * same text again.
 * Any disagreement prints what differed and aborts.  Header-only.
 */
#ifndef JSON_CHECK_H
#define JSON_CHECK_H

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "codec.h"
#include "tap/json.h"
#include "../unit/recsame.h"
#include "check.h"

static int
json_same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->p, b->p, a->len) == 0);
}

/* Text -> msgpack -> text -> msgpack -> text: a fixed point after one. */
static void
json_check_text(struct json *j, const char *s, size_t n, int frame)
{
	static struct buf m1, t1, m2, t2;

	buf_reset(&m1);
	if (json_parse(j, &m1, s, n, frame) == -1)
		return;
	buf_reset(&t1);
	FUZZ_CHECK(json_print(j, &t1, m1.p, m1.len, frame, NULL) == 0);
	buf_reset(&m2);
	FUZZ_CHECK(json_parse(j, &m2, t1.p, t1.len, frame) == 0);
	FUZZ_CHECK(json_same(&m1, &m2));
	buf_reset(&t2);
	FUZZ_CHECK(json_print(j, &t2, m2.p, m2.len, frame, NULL) == 0);
	FUZZ_CHECK(json_same(&t1, &t2));
}

/*
 * a and b hold the same value, where a float NaN equals any NaN of the same
 * width: msgpack-c widens a float32 to double on unpacking, which quiets a
 * signalling NaN, so its re-packed "canonical" bytes may differ from a
 * mapping that keeps the NaN's bits (tap's does).
 */
static int
json_obj_same(const msgpack_object *a, const msgpack_object *b)
{
	uint32_t i;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return dbl_same(a->via.f64, b->via.f64);
	case MSGPACK_OBJECT_ARRAY:
		if (a->via.array.size != b->via.array.size)
			return 0;
		for (i = 0; i < a->via.array.size; i++)
			if (!json_obj_same(&a->via.array.ptr[i],
			    &b->via.array.ptr[i]))
				return 0;
		return 1;
	case MSGPACK_OBJECT_MAP:
		if (a->via.map.size != b->via.map.size)
			return 0;
		for (i = 0; i < a->via.map.size; i++)
			if (!json_obj_same(&a->via.map.ptr[i].key,
			    &b->via.map.ptr[i].key) ||
			    !json_obj_same(&a->via.map.ptr[i].val,
			    &b->via.map.ptr[i].val))
				return 0;
		return 1;
	default:
		return msgpack_object_equal(*a, *b);
	}
}

/* msgpack -> text -> msgpack: msgpack-c's canonical bytes of the value, or
 * bytes of the same length holding the same value but for NaN bits. */
static void
json_check_msgpack(struct json *j, const char *p, size_t n, int frame)
{
	static struct buf t1, m1, canon, t2;
	static msgpack_zone *z;
	msgpack_object o, o1;
	msgpack_packer pk;
	size_t len, used, off = 0;
	const char *why;

	if (frame_scan(p, n, FRAME_MAX_DEFAULT, &len, &why) != SCAN_OK)
		return;
	buf_reset(&t1);
	if (json_print(j, &t1, p, len, frame, &used) == -1)
		return;
	FUZZ_CHECK(used == len);
	buf_reset(&m1);
	FUZZ_CHECK(json_parse(j, &m1, t1.p, t1.len, frame) == 0);
	if (z == NULL)
		FUZZ_CHECK((z = msgpack_zone_new(4096)) != NULL);
	msgpack_zone_clear(z);
	FUZZ_CHECK(msgpack_unpack(p, len, &off, z, &o) ==
	    MSGPACK_UNPACK_SUCCESS);
	buf_reset(&canon);
	frame_packer_init(&pk, &canon);
	FUZZ_CHECK(msgpack_pack_object(&pk, o) == 0);
	if (!json_same(&m1, &canon)) {
		FUZZ_CHECK(m1.len == canon.len);
		off = 0;
		FUZZ_CHECK(msgpack_unpack(m1.p, m1.len, &off, z, &o1) ==
		    MSGPACK_UNPACK_SUCCESS);
		FUZZ_CHECK(json_obj_same(&o1, &o));
	}
	buf_reset(&t2);
	FUZZ_CHECK(json_print(j, &t2, m1.p, m1.len, frame, NULL) == 0);
	FUZZ_CHECK(json_same(&t1, &t2));
}

static void
json_check(const unsigned char *data, size_t size)
{
	static struct json j = JSON_INIT;
	char *p = malloc(size ? size : 1);

	FUZZ_CHECK(p != NULL);
	memcpy(p, data, size);
	json_check_text(&j, p, size, 0);
	json_check_text(&j, p, size, 1);
	json_check_msgpack(&j, p, size, 0);
	json_check_msgpack(&j, p, size, 1);
	free(p);
}

#endif

/*
 * codec_check -- one input through every decoder, as the fuzzer
 * (fuzz_codec.c) and the corpus replay (tests/unit/test_corpus.c) run
 * it.  The input sits in a heap buffer of its exact size, so that ASan sees
 * a read one byte past it.  Then:
 *
 *   frame_decode_next() says what frame_scan() says (more, bad, or a frame
 *   of the same length, decoded or skipped);
 *   the fast decoder and the msgpack-c reference accept the same frames and
 *   give the same records;
 *   both encoders write the same bytes for such a record, those bytes
 *   decode to the same record again, float32 values with the same bits
 *   (record_same() takes any NaN for any other), and that record encodes
 *   to the same bytes again.
 *
 * Any disagreement prints what differed and aborts.  Header-only.
 */
#ifndef CODEC_CHECK_H
#define CODEC_CHECK_H

#include <stdlib.h>

#include "../unit/recsame.h"
#include "check.h"

/* The float32 values of a and b (same layout) were read with the same
 * bits. */
static int
f32_same(const struct field *a, const struct field *b, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (a[i].v.type == VAL_F32 && a[i].v.len != b[i].v.len)
			return 0;
	return 1;
}

static void
codec_check(const unsigned char *data, size_t size)
{
	static struct record *a, *b;
	static msgpack_zone *z;
	static struct buf scratch, e1, e2;
	const char *why;
	size_t len, nlen;
	char *p;
	int sr, nr, ra, rb;

	if (a == NULL) {
		a = record_new();
		b = record_new();
		z = msgpack_zone_new(4096);
		FUZZ_CHECK(a != NULL && b != NULL && z != NULL);
	}
	p = malloc(size ? size : 1);
	FUZZ_CHECK(p != NULL);
	memcpy(p, data, size);
	sr = frame_scan(p, size, FRAME_MAX_DEFAULT, &len, &why);
	nr = frame_decode_next(a, p, size, FRAME_MAX_DEFAULT, &nlen, &why);
	if (sr != SCAN_OK) {
		FUZZ_CHECK(nr == (sr == SCAN_MORE ? FRAME_MORE : FRAME_BAD));
		free(p);
		return;
	}
	FUZZ_CHECK(nlen == len);
	ra = frame_decode(a, p, len, &why);
	rb = frame_decode_msgpackc(b, p, len, z, &scratch, &why);
	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(nr == (ra == 0 ? FRAME_OK : FRAME_SKIP));
	if (ra == 0) {
		FUZZ_CHECK(record_same(a, b));
		buf_reset(&e1);
		buf_reset(&e2);
		FUZZ_CHECK(frame_encode(&e1, a) == 0);
		FUZZ_CHECK(frame_encode_msgpackc(&e2, a) == 0);
		FUZZ_CHECK(e1.len == e2.len && memcmp(e1.p, e2.p, e1.len) == 0);
		FUZZ_CHECK(frame_decode(b, e1.p, e1.len, &why) == 0);
		FUZZ_CHECK(record_same(a, b));
		FUZZ_CHECK(f32_same(a->meta, b->meta, a->nmeta) &&
		    f32_same(a->body, b->body, a->nbody));
		buf_reset(&e2);
		FUZZ_CHECK(frame_encode(&e2, b) == 0);
		FUZZ_CHECK(e1.len == e2.len && memcmp(e1.p, e2.p, e1.len) == 0);
	}
	free(p);
}

#endif

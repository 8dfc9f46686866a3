/*
 * recsame -- do two records hold the same frame?  Shared by test_codec and
 * the codec fuzzer (tests/fuzz/), which compare the fast decoder with the
 * msgpack-c reference.  Header-only.
 */
#ifndef RECSAME_H
#define RECSAME_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "codec.h"

static int
dbl_same(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0 || (isnan(a) && isnan(b));
}

/* Nested values compare by value: the fast path keeps their bytes as sent,
 * msgpack-c re-packs them in canonical (smallest) form. */
static int
raw_same(const struct value *a, const struct value *b)
{
	msgpack_zone *z = msgpack_zone_new(1024);
	msgpack_object oa, ob;
	msgpack_packer pk;
	struct buf ca = BUF_INIT, cb = BUF_INIT;
	size_t off = 0;
	int same;

	same = msgpack_unpack(a->p, a->len, &off, z, &oa) ==
	    MSGPACK_UNPACK_SUCCESS;
	off = 0;
	same = same && msgpack_unpack(b->p, b->len, &off, z, &ob) ==
	    MSGPACK_UNPACK_SUCCESS;
	if (same) {
		frame_packer_init(&pk, &ca);
		msgpack_pack_object(&pk, oa);
		frame_packer_init(&pk, &cb);
		msgpack_pack_object(&pk, ob);
		same = ca.len == cb.len && memcmp(ca.p, cb.p, ca.len) == 0;
	}
	buf_free(&ca);
	buf_free(&cb);
	msgpack_zone_free(z);
	return same;
}

static int
value_same(const struct value *a, const struct value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case VAL_F64:
	case VAL_F32:
		return dbl_same(a->f, b->f);
	case VAL_RAW:
		return raw_same(a, b);
	case VAL_STR:
	case VAL_BIN:
		return a->len == b->len &&
		    (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
	case VAL_TIME:
		return a->i == b->i && a->len == b->len;
	case VAL_UINT:
		return a->u == b->u;
	default:
		return a->i == b->i;
	}
}

static int
fields_same(const struct field *a, const struct field *b, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (a[i].klen != b[i].klen || (a[i].klen > 0 &&
		    memcmp(a[i].key, b[i].key, a[i].klen) != 0) ||
		    !value_same(&a[i].v, &b[i].v))
			return 0;
	return 1;
}

static int
record_same(const struct record *a, const struct record *b)
{
	return a->sec == b->sec && a->nsec == b->nsec && a->ttype == b->ttype &&
	    a->legacy == b->legacy && a->kind == b->kind &&
	    a->has_seq == b->has_seq && a->seq == b->seq &&
	    a->dev_len == b->dev_len &&
	    (a->dev == NULL) == (b->dev == NULL) &&
	    (a->dev == NULL || memcmp(a->dev, b->dev, a->dev_len) == 0) &&
	    a->nmeta == b->nmeta && a->nbody == b->nbody &&
	    fields_same(a->meta, b->meta, a->nmeta) &&
	    fields_same(a->body, b->body, a->nbody);
}

#endif

/*
 * enc -- the features-frame template (enc.h): msgpack by hand, in the
 * smallest forms msgpack-c's packer (and so frame_encode()) chooses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"

#define NS	1000000000LL

static inline unsigned char *
be(unsigned char *o, uint64_t v, int n)
{
	uint64_t b = __builtin_bswap64(v << (8 * (8 - n)));

	memcpy(o, &b, (size_t)n);
	return o + n;
}

static inline unsigned char *
put_uint(unsigned char *o, uint64_t u)
{
	if (u < 128) {
		*o++ = (unsigned char)u;
		return o;
	}
	if (u <= 0xff) {
		*o++ = 0xcc;
		return be(o, u, 1);
	}
	if (u <= 0xffff) {
		*o++ = 0xcd;
		return be(o, u, 2);
	}
	if (u <= 0xffffffffu) {
		*o++ = 0xce;
		return be(o, u, 4);
	}
	*o++ = 0xcf;
	return be(o, u, 8);
}

static inline unsigned char *
put_str(unsigned char *o, const char *s, size_t n)
{
	if (n < 32)
		*o++ = 0xa0 | (unsigned char)n;
	else if (n <= 0xff) {
		*o++ = 0xd9;
		o = be(o, n, 1);
	} else if (n <= 0xffff) {
		*o++ = 0xda;
		o = be(o, n, 2);
	} else {
		*o++ = 0xdb;
		o = be(o, n, 4);
	}
	memcpy(o, s, n);
	return o + n;
}

static unsigned char *
put_map(unsigned char *o, uint32_t n)
{
	if (n < 16) {
		*o++ = 0x80 | (unsigned char)n;
		return o;
	}
	if (n <= 0xffff) {
		*o++ = 0xde;
		return be(o, n, 2);
	}
	*o++ = 0xdf;
	return be(o, n, 4);
}

static inline unsigned char *
put_time(unsigned char *o, int64_t t)
{
	*o++ = 0xd7;
	*o++ = 0x00;
	o = be(o, (uint64_t)(t / NS), 4);
	return be(o, (uint64_t)(t % NS), 4);
}

int
fenc_init(struct fenc *e, const char *dev, size_t devlen,
    const char *const *keys, uint32_t nkeys)
{
	unsigned char *o;
	uint32_t i;
	size_t len;

	if (buf_reserve(&e->pre, 32 + devlen) == -1)
		return -1;
	o = (unsigned char *)e->pre.p;
	o = put_str(o, "kind", 4);
	o = put_str(o, "features", 8);
	o = put_str(o, "dev", 3);
	o = put_str(o, dev, devlen);
	o = put_str(o, "seq", 3);
	e->pre.len = (size_t)(o - (unsigned char *)e->pre.p);
	len = 5;
	for (i = 0; i < nkeys; i++)
		len += 5 + strlen(keys[i]) + 9;
	if (buf_reserve(&e->body, len) == -1 ||
	    (e->voff = calloc(nkeys + 1, sizeof *e->voff)) == NULL) {
		fenc_free(e);
		errno = ENOMEM;
		return -1;
	}
	o = put_map((unsigned char *)e->body.p, nkeys);
	for (i = 0; i < nkeys; i++) {
		o = put_str(o, keys[i], strlen(keys[i]));
		*o++ = 0xcb;
		e->voff[i] = (uint32_t)(o - (unsigned char *)e->body.p);
		memset(o, 0, 8);
		o += 8;
	}
	e->body.len = (size_t)(o - (unsigned char *)e->body.p);
	e->nval = nkeys;
	return 0;
}

void
fenc_free(struct fenc *e)
{
	if (e == NULL)
		return;
	buf_free(&e->pre);
	buf_free(&e->body);
	free(e->voff);
	memset(e, 0, sizeof *e);
}

int
fenc_frame(struct buf *b, const struct fenc *e, int64_t start, int64_t end,
    uint64_t seq, uint64_t n, int shrt, const double *v)
{
	unsigned char *o, *body;
	uint32_t i;
	uint64_t u;

	if (start < 0 || end < 0 || start / NS > 0xffffffffLL ||
	    end / NS > 0xffffffffLL)
		return 1;
	if (buf_reserve(b, 80 + e->pre.len + e->body.len) == -1)
		return -1;
	o = (unsigned char *)b->p + b->len;
	*o++ = 0x92;
	*o++ = 0x92;
	o = put_time(o, start);
	*o++ = shrt ? 0x87 : 0x86;
	memcpy(o, e->pre.p, e->pre.len);
	o = put_uint(o + e->pre.len, seq);
	o = put_str(o, "start", 5);
	o = put_time(o, start);
	o = put_str(o, "end", 3);
	o = put_time(o, end);
	o = put_str(o, "n", 1);
	o = put_uint(o, n);
	if (shrt) {
		o = put_str(o, "short", 5);
		*o++ = 0xc3;
	}
	body = o;
	memcpy(body, e->body.p, e->body.len);
	for (i = 0; i < e->nval; i++) {
		memcpy(&u, &v[i], 8);
		u = __builtin_bswap64(u);
		memcpy(body + e->voff[i], &u, 8);
	}
	b->len = (size_t)(body + e->body.len - (unsigned char *)b->p);
	return 0;
}

/*
 * tmpl -- msgpack frames from a template: the bytes that repeat are encoded
 * once, the values are written or patched in per frame.
 *
 * A program that writes many frames of one shape (ingest's samples,
 * window's features) knows their keys, in order, before the first frame.
 * It builds a template once with tmpl_add_*(): map headers, keys and
 * constant values, marking the places that change, either the 8 bytes of
 * a float64 value (tmpl_add_f64(), patched by tmpl_set() after tmpl_copy()
 * has copied the template whole), or where a piece begins (tmpl_mark();
 * tmpl_piece() copies one piece, after which the caller writes the value
 * that follows it).
 *
 * The writers tmpl_put_*() write one msgpack item at o, into room the
 * caller has reserved (at most TMPL_SCALAR_MAX bytes, plus its bytes for a
 * string), and return the end.  They choose msgpack's smallest form, as
 * msgpack-c's packer does.  infer's predictions and frame_encode()
 * (codec.c) are written with them too, so a template frame and
 * frame_encode() of the same record are the same bytes.
 * tests/unit/test_tmpl.c decodes what they write with msgpack-c.
 */
#ifndef TMPL_H
#define TMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define TMPL_SCALAR_MAX	9		/* bytes of any header or scalar */
#define TMPL_TIME_MAX	0xffffffffLL	/* EventTime (fixext 8) seconds */

/* A template.  Embedded by its owner, zeroed (TMPL_INIT) before the first
 * tmpl_add_*(); what it holds is freed by tmpl_free(). */
struct tmpl {
	struct buf	 b;		/* the bytes; float64 slots hold 0.0 */
	uint32_t	*mark;		/* nmark + 1 offsets into b.p; the last
					   is b.len */
	uint32_t	 nmark;
	uint32_t	 markcap;
};

#define TMPL_INIT	{ BUF_INIT, NULL, 0, 0 }

/*
 * Building (tmpl.c): each appends to t and returns 0, or -1 on ENOMEM (t
 * then holds what came before, and may be reset or freed).  Strings are
 * borrowed for the call.
 */
int	 tmpl_add(struct tmpl *t, const void *p, size_t n); /* msgpack bytes */
int	 tmpl_add_map(struct tmpl *t, uint32_t n);	/* a map header */
int	 tmpl_add_array(struct tmpl *t, uint32_t n);	/* an array header */
int	 tmpl_add_str(struct tmpl *t, const char *s, size_t n);
int	 tmpl_add_uint(struct tmpl *t, uint64_t u);
/* A float64 0.0 whose 8 bytes are marked: tmpl_set() patches them. */
int	 tmpl_add_f64(struct tmpl *t);
/* Mark the end of the bytes so far: a piece starts here (tmpl_piece()). */
int	 tmpl_mark(struct tmpl *t);
void	 tmpl_reset(struct tmpl *t);	/* empty, keeping the memory */
void	 tmpl_free(struct tmpl *t);	/* zeroes t; NULL-safe */

/* ---- writers ------------------------------------------------------------ */

/* v big-endian at o: one byte swap and one store on little-endian hosts. */
static inline char *
tmpl_be16(char *o, uint16_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap16(v);
	memcpy(o, &v, 2);
#else
	o[0] = (char)(v >> 8);
	o[1] = (char)v;
#endif
	return o + 2;
}

static inline char *
tmpl_be32(char *o, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);
	memcpy(o, &v, 4);
#else
	o[0] = (char)(v >> 24);
	o[1] = (char)(v >> 16);
	o[2] = (char)(v >> 8);
	o[3] = (char)v;
#endif
	return o + 4;
}

static inline char *
tmpl_be64(char *o, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
	memcpy(o, &v, 8);
	return o + 8;
#else
	tmpl_be32(o, (uint32_t)(v >> 32));
	return tmpl_be32(o + 4, (uint32_t)v);
#endif
}

static inline char *
tmpl_put_uint(char *o, uint64_t u)
{
	if (u < 128) {
		*o++ = (char)u;
	} else if (u <= 0xff) {
		*o++ = (char)0xcc;
		*o++ = (char)u;
	} else if (u <= 0xffff) {
		*o++ = (char)0xcd;
		o = tmpl_be16(o, (uint16_t)u);
	} else if (u <= 0xffffffffu) {
		*o++ = (char)0xce;
		o = tmpl_be32(o, (uint32_t)u);
	} else {
		*o++ = (char)0xcf;
		o = tmpl_be64(o, u);
	}
	return o;
}

/* i >= 0 as an unsigned integer, as msgpack-c's packer writes it. */
static inline char *
tmpl_put_int(char *o, int64_t i)
{
	if (i >= 0)
		return tmpl_put_uint(o, (uint64_t)i);
	if (i >= -32) {
		*o++ = (char)i;
	} else if (i >= INT8_MIN) {
		*o++ = (char)0xd0;
		*o++ = (char)i;
	} else if (i >= INT16_MIN) {
		*o++ = (char)0xd1;
		o = tmpl_be16(o, (uint16_t)i);
	} else if (i >= INT32_MIN) {
		*o++ = (char)0xd2;
		o = tmpl_be32(o, (uint32_t)i);
	} else {
		*o++ = (char)0xd3;
		o = tmpl_be64(o, (uint64_t)i);
	}
	return o;
}

static inline char *
tmpl_put_f64(char *o, double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	*o++ = (char)0xcb;
	return tmpl_be64(o, u);
}

static inline char *
tmpl_put_nil(char *o)
{
	*o = (char)0xc0;
	return o + 1;
}

static inline char *
tmpl_put_bool(char *o, int b)
{
	*o = b ? (char)0xc3 : (char)0xc2;
	return o + 1;
}

/* EventTime: sec must be in 0..TMPL_TIME_MAX, nsec < 1e9. */
static inline char *
tmpl_put_time(char *o, int64_t sec, uint32_t nsec)
{
	o[0] = (char)0xd7;
	o[1] = 0;
	return tmpl_be64(o + 2, (uint64_t)sec << 32 | nsec);
}

/* A frame's time as frame_encode() writes it: EventTime, or float64
 * seconds when sec is outside what EventTime holds. */
static inline char *
tmpl_put_ts(char *o, int64_t sec, uint32_t nsec)
{
	if (sec < 0 || sec > TMPL_TIME_MAX)
		return tmpl_put_f64(o, (double)sec + nsec * 1e-9);
	return tmpl_put_time(o, sec, nsec);
}

static inline char *
tmpl_put_map(char *o, uint32_t n)
{
	if (n < 16) {
		*o++ = (char)(0x80 | n);
	} else if (n <= 0xffff) {
		*o++ = (char)0xde;
		o = tmpl_be16(o, (uint16_t)n);
	} else {
		*o++ = (char)0xdf;
		o = tmpl_be32(o, n);
	}
	return o;
}

static inline char *
tmpl_put_array(char *o, uint32_t n)
{
	if (n < 16) {
		*o++ = (char)(0x90 | n);
	} else if (n <= 0xffff) {
		*o++ = (char)0xdc;
		o = tmpl_be16(o, (uint16_t)n);
	} else {
		*o++ = (char)0xdd;
		o = tmpl_be32(o, n);
	}
	return o;
}

/* The header of a str of n bytes (n < 2^32). */
static inline char *
tmpl_put_strhdr(char *o, size_t n)
{
	if (n < 32) {
		*o++ = (char)(0xa0 | n);
	} else if (n <= 0xff) {
		*o++ = (char)0xd9;
		*o++ = (char)n;
	} else if (n <= 0xffff) {
		*o++ = (char)0xda;
		o = tmpl_be16(o, (uint16_t)n);
	} else {
		*o++ = (char)0xdb;
		o = tmpl_be32(o, (uint32_t)n);
	}
	return o;
}

/* Copy s[0..n) to o with fixed-size moves chosen by one jump on n (keys,
 * device ids and labels are short), never reading outside s[0..n); longer
 * strings go to memcpy(). */
static inline void
tmpl_copy_short_(char *o, const char *s, size_t n)
{
#define CP(k)		memcpy(o, s, (k))
#define CP2(k, j)	do { memcpy(o, s, (k)); \
			    memcpy(o + n - (j), s + n - (j), (j)); } while (0)
	switch (n) {
	case 0: break;
	case 1: CP(1); break;
	case 2: CP(2); break;
	case 3: CP2(2, 1); break;
	case 4: CP(4); break;
	case 5: case 6: case 7: CP2(4, 4); break;
	case 8: CP(8); break;
	case 9: case 10: case 11: case 12: case 13: case 14: case 15: case 16:
		CP2(8, 8);
		break;
	default:
		memcpy(o, s, n);
	}
#undef CP
#undef CP2
}

/* The str s[0..n): its header and bytes. */
static inline char *
tmpl_put_str(char *o, const char *s, size_t n)
{
	o = tmpl_put_strhdr(o, n);
	tmpl_copy_short_(o, s, n);
	return o + n;
}

/* ---- using a template --------------------------------------------------- */

/* All of t at o (t->b.len bytes reserved); returns the end. */
static inline char *
tmpl_copy(const struct tmpl *t, char *o)
{
	memcpy(o, t->b.p, t->b.len);
	return o + t->b.len;
}

/* Store x in the float64 slot of mark i (made by tmpl_add_f64()) of the
 * copy of t that starts at at. */
static inline void
tmpl_set(const struct tmpl *t, char *at, uint32_t i, double x)
{
	uint64_t u;

	memcpy(&u, &x, 8);
	tmpl_be64(at + t->mark[i], u);
}

/* Piece i of t at o: its bytes from mark i to mark i + 1 (or the end). */
static inline char *
tmpl_piece(const struct tmpl *t, uint32_t i, char *o)
{
	size_t n = t->mark[i + 1] - t->mark[i];

	memcpy(o, t->b.p + t->mark[i], n);
	return o + n;
}

#endif

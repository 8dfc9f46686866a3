/*
 * tmpl -- encode sample frames from a precomputed template.
 *
 * Every sample frame ingest writes for one file has the same shape:
 *   [[time, {"v":1, "kind":"sample", "dev":D, "seq":S, "src":F, "line":L,
 *            M1:s1, ...}], {K1:x1, K2:x2, ...}]
 * so the msgpack bytes of everything but time, seq, line, the meta column
 * strings and the values are computed once (per device for the part with
 * "dev", per file for the rest) and a frame is a few memcpy()s and stores.
 * The bytes are exactly those frame_encode() gives for the same record
 * (tests/unit/test_csv_tmpl.c checks it): msgpack's smallest encodings,
 * values always float64.
 */
#ifndef TMPL_H
#define TMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

struct tmpl {
	uint32_t	 nmeta;		/* meta string columns */
	uint32_t	 nval;		/* value columns */
	struct buf	 mid;		/* "src" F "line" */
	struct buf	 mkeys;		/* meta column keys, encoded */
	uint32_t	*moff;		/* nmeta + 1 offsets into mkeys */
	struct buf	 body;		/* the body, every value 0.0 */
	uint32_t	*voff;		/* nval offsets of the values in body */
	size_t		 bound;		/* bytes of a frame, less dev and meta
					   column values */
};

/* The part of a frame that depends on the device: owned by the caller. */
struct tmpl_dev {
	char		*head;		/* meta map header .. "seq" key */
	size_t		 hlen;
	char		*name;		/* NUL-terminated copy */
	size_t		 len;
	uint64_t	 seq;		/* next sequence number */
};

#define TMPL_TIME_MAX	0xffffffffLL	/* EventTime seconds */

/*
 * Set up t for a file: src (borrowed for the call) and the names of the
 * meta columns and value columns (each names[i], lens[i]).  0, or -1 on
 * ENOMEM.  t must be zeroed before the first call; reuse frees nothing.
 */
int	 tmpl_file(struct tmpl *t, const char *src, size_t srclen,
	     const char *const *mnames, const size_t *mlens, uint32_t nmeta,
	     const char *const *vnames, const size_t *vlens, uint32_t nval);
void	 tmpl_free(struct tmpl *);

/* Fill d (zeroed first) for device name[0..len): 0 or -1 (ENOMEM).
 * nmeta: meta string columns of every frame. */
int	 tmpl_dev_init(struct tmpl_dev *d, const char *name, size_t len,
	     uint32_t nmeta);
void	 tmpl_dev_free(struct tmpl_dev *);

/* Bytes of a frame at most, given the bytes of its meta column values. */
static inline size_t
tmpl_bound(const struct tmpl *t, const struct tmpl_dev *d, size_t mbytes)
{
	return t->bound + d->hlen + mbytes + 5 * (size_t)t->nmeta;
}

/* v big-endian at o: one byte swap and one store on little-endian hosts. */
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

/* v as msgpack's smallest unsigned integer. */
static inline char *
tmpl_uint(char *o, uint64_t v)
{
	if (v < 128) {
		*o++ = (char)v;
	} else if (v < 256) {
		*o++ = (char)0xcc;
		*o++ = (char)v;
	} else if (v < 65536) {
		*o++ = (char)0xcd;
		*o++ = (char)(v >> 8);
		*o++ = (char)v;
	} else if (v <= 0xffffffffu) {
		*o++ = (char)0xce;
		o = tmpl_be32(o, (uint32_t)v);
	} else {
		*o++ = (char)0xcf;
		o = tmpl_be64(o, v);
	}
	return o;
}

/* A msgpack str header for n bytes. */
static inline char *
tmpl_strhdr(char *o, size_t n)
{
	if (n < 32) {
		*o++ = (char)(0xa0 | n);
	} else if (n < 256) {
		*o++ = (char)0xd9;
		*o++ = (char)n;
	} else if (n < 65536) {
		*o++ = (char)0xda;
		*o++ = (char)(n >> 8);
		*o++ = (char)n;
	} else {
		*o++ = (char)0xdb;
		o = tmpl_be32(o, (uint32_t)n);
	}
	return o;
}

/*
 * The frame up to the first meta column value: [[time, {... "line": L.
 * sec must be in 0..TMPL_TIME_MAX, nsec < 1e9.
 */
static inline char *
tmpl_head(const struct tmpl *t, const struct tmpl_dev *d, char *o,
    int64_t sec, uint32_t nsec, uint64_t seq, uint64_t line)
{
	memcpy(o, "\x92\x92\xd7\x00", 4);
	o = tmpl_be64(o + 4, (uint64_t)sec << 32 | nsec);
	memcpy(o, d->head, d->hlen);
	o = tmpl_uint(o + d->hlen, seq);
	memcpy(o, t->mid.p, t->mid.len);
	return tmpl_uint(o + t->mid.len, line);
}

/* Meta column i and its string value s[0..n). */
static inline char *
tmpl_meta(const struct tmpl *t, uint32_t i, char *o, const char *s, size_t n)
{
	size_t kl = t->moff[i + 1] - t->moff[i];

	memcpy(o, t->mkeys.p + t->moff[i], kl);
	o = tmpl_strhdr(o + kl, n);
	memcpy(o, s, n);
	return o + n;
}

/*
 * The body with every value 0.0, at o: tmpl_set() fills in the values.
 * The frame ends at o + t->body.len.
 */
static inline char *
tmpl_body(const struct tmpl *t, char *o)
{
	memcpy(o, t->body.p, t->body.len);
	return o;
}

/* Value i of the body at body. */
static inline void
tmpl_set(const struct tmpl *t, char *body, uint32_t i, double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	tmpl_be64(body + t->voff[i], u);
}

#endif

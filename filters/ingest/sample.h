/*
 * sample -- ingest's sample frames, from templates (libstream/tmpl.h).
 *
 * Every sample frame ingest writes for one file has the same shape:
 *   [[time, {"v":1, "kind":"sample", "dev":D, "seq":S, "src":F, "line":L,
 *            M1:s1, ...}], {K1:x1, K2:x2, ...}]
 * so everything but time, seq, line, the meta column strings and the
 * values is encoded once (per device for the part with "dev", per file for
 * the rest) and a frame is a few copies and stores.  The bytes are exactly
 * those frame_encode() gives for the same record (tests/unit/test_csv_tmpl.c
 * checks it): values always float64.
 */
#ifndef SAMPLE_H
#define SAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tmpl.h"

/* The part of the frames of one file. */
struct sample_enc {
	uint32_t	 nmeta;		/* meta string columns */
	uint32_t	 nval;		/* value columns */
	struct tmpl	 mid;		/* "src" F "line" */
	struct tmpl	 mkeys;		/* meta column keys, one piece each */
	struct tmpl	 body;		/* the body, a float64 slot per value */
	size_t		 bound;		/* bytes of a frame, less dev and meta
					   column values */
};

/* The part that depends on the device.  Owned by the caller. */
struct sample_dev {
	struct tmpl	 head;		/* meta map header .. "seq" key */
	char		*name;		/* NUL-terminated copy */
	size_t		 len;
	uint64_t	 seq;		/* next sequence number */
};

/*
 * Set up e for a file: src (borrowed for the call) and the names of the
 * meta columns and value columns (each names[i], lens[i]).  0, or -1 on
 * ENOMEM.  e must be zeroed before the first call; a later call reuses
 * its memory.
 */
int	 sample_enc_file(struct sample_enc *e, const char *src, size_t srclen,
	     const char *const *mnames, const size_t *mlens, uint32_t nmeta,
	     const char *const *vnames, const size_t *vlens, uint32_t nval);
void	 sample_enc_free(struct sample_enc *);	/* zeroes it */

/* Fill d (zeroed first) for device name[0..len): 0 or -1 (ENOMEM).
 * nmeta: meta string columns of every frame. */
int	 sample_dev_init(struct sample_dev *d, const char *name, size_t len,
	     uint32_t nmeta);
void	 sample_dev_free(struct sample_dev *);	/* zeroes it */

/* Bytes of a frame at most, given the bytes of its meta column values. */
static inline size_t
sample_bound(const struct sample_enc *e, const struct sample_dev *d,
    size_t mbytes)
{
	return e->bound + d->head.b.len + mbytes + 5 * (size_t)e->nmeta;
}

/*
 * The frame up to the first meta column value: [[time, {... "line": L.
 * sec must be in 0..TMPL_TIME_MAX, nsec < 1e9.
 */
static inline char *
sample_head(const struct sample_enc *e, const struct sample_dev *d, char *o,
    int64_t sec, uint32_t nsec, uint64_t seq, uint64_t line)
{
	o[0] = (char)0x92;
	o[1] = (char)0x92;
	o = tmpl_put_time(o + 2, sec, nsec);
	o = tmpl_copy(&d->head, o);
	o = tmpl_put_uint(o, seq);
	o = tmpl_copy(&e->mid, o);
	return tmpl_put_uint(o, line);
}

/* Meta column i and its string value s[0..n). */
static inline char *
sample_meta(const struct sample_enc *e, uint32_t i, char *o, const char *s,
    size_t n)
{
	o = tmpl_piece(&e->mkeys, i, o);
	o = tmpl_put_strhdr(o, n);
	memcpy(o, s, n);
	return o + n;
}

/*
 * The body with every value 0.0, at o: sample_set() fills in the values.
 * The frame ends at o + e->body.b.len.
 */
static inline char *
sample_body(const struct sample_enc *e, char *o)
{
	tmpl_copy(&e->body, o);
	return o;
}

/* Value i of the body at body. */
static inline void
sample_set(const struct sample_enc *e, char *body, uint32_t i, double x)
{
	tmpl_set(&e->body, body, i, x);
}

#endif

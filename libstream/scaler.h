/*
 * scaler -- the scaling parameters file: per channel, how to scale it
 * (y = (x - center) / scale) and the statistics it was fitted from.  The
 * program that fits writes it, the programs that scale read it, and a model
 * bundle carries the same text so that training and serving use the same
 * numbers.  The format, a small text file a
 * person can read and edit, is described in docs/normalize.md.
 * Parsing only: nothing here knows of frames, prints or exits.
 */
#ifndef SCALER_H
#define SCALER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "nameidx.h"

#define SCALER_VERSION	1

enum scale_method {
	SCALE_NONE,		/* known, not scaled (e.g. constant) */
	SCALE_ZSCORE,		/* center mean, scale std (ddof 0) */
	SCALE_MINMAX,		/* center min, scale max - min */
	SCALE_ROBUST,		/* center median, scale q75 - q25 (IQR) */
	SCALE_NMETHODS
};

/* The fitted statistics a line may carry, as key=value; bits of 'have'. */
enum scaler_stat {
	ST_N, ST_NONFINITE, ST_MEAN, ST_STD, ST_MIN, ST_MAX, ST_Q25, ST_Q50,
	ST_Q75, ST_QERR, ST_NSTATS
};

/* Frames a line applies to ("kind=" on the line; absent: both). */
#define SCALER_SAMPLE	1
#define SCALER_FEATURES	2
#define SCALER_BOTH	(SCALER_SAMPLE | SCALER_FEATURES)

struct scaler_chan {
	char		*name;		/* owned, NUL-terminated */
	size_t		 len;
	int		 line;		/* in the file; 0 if built in memory */
	uint8_t		 method;	/* enum scale_method */
	uint8_t		 kinds;		/* SCALER_SAMPLE etc.; 0 means both */
	double		 center, scale;
	unsigned	 have;		/* 1u << ST_x for each stat given */
	uint64_t	 n;		/* finite values fitted */
	uint64_t	 nonfinite;	/* NaN and +-Inf seen, not fitted */
	double		 mean, std, min, max, q25, q50, q75;
	double		 qerr;		/* quantiles' rank error bound, as a
					   fraction of n; 0 if exact */
	char		*note;		/* owned or NULL: scaler_format()
					   writes it as a comment above */
};

struct scaler {
	char			*name;	/* owned: the file, for messages */
	struct scaler_chan	*chan;	/* owned, in file order */
	size_t			 nchan, cap;
	struct nameidx		 idx;	/* names -> chan[], for scaler_find */
};

/*
 * Read the parameters file at path ("-": stdin).  Caller owns the result:
 * free it with scaler_free().  NULL on error, with "path:line: why" in
 * err[0..errsize) and errno set (ENOENT etc. if unreadable, EINVAL for a
 * mistake in the text, ENOMEM).
 */
struct scaler	*scaler_load(const char *path, char *err, size_t errsize);
/* The same from text[0..len) in memory; name is used in messages. */
struct scaler	*scaler_parse(const char *text, size_t len, const char *name,
		    char *err, size_t errsize);
/* An empty set, to fill with scaler_add() (for writers).  Caller owns. */
struct scaler	*scaler_new(const char *name);
void		 scaler_free(struct scaler **);	/* NULL-safe, nulls *sp */

/*
 * Append a copy of c (name and note are copied; c stays the caller's).  Returns
 * the new entry (owned by s, valid until the next scaler_add or
 * scaler_free), or NULL on ENOMEM.  Does not check for duplicates.
 */
struct scaler_chan *scaler_add(struct scaler *s, const struct scaler_chan *c);
/* The entry for name[0..len) (the first, if added twice), or NULL, in
 * O(1).  Borrowed from s. */
const struct scaler_chan *scaler_find(const struct scaler *, const char *name,
		    size_t len);

/*
 * center and scale that method gives from c's statistics: 0, or -1 if a
 * statistic it needs is absent or method is SCALE_NONE.  Does not check
 * that scale > 0.
 */
int		 scaler_derive(const struct scaler_chan *c,
		    enum scale_method method, double *center, double *scale);

/*
 * Append the file's text to b: a header comment, "version 1", then per
 * entry its note as a comment, if any, and its line with "kind=" if it
 * applies to one kind of frame only, each statistic in 'have', numbers in the shortest form that reads back to the same double
 * (center and scale of a "none" line as "-").  0, or -1 on ENOMEM.
 */
int		 scaler_format(struct buf *b, const struct scaler *s);

/*
 * x in the shortest decimal that reads back as the same double ("100",
 * "0.03", "2388.06", "1e-07"), NUL-terminated in buf (48 bytes suffice).
 * Returns the length snprintf() would.
 */
size_t		 scaler_fmt_double(char *buf, size_t size, double x);

/* "zscore" etc.; scale_method_parse gives -1 for an unknown name. */
const char	*scale_method_name(enum scale_method);
int		 scale_method_parse(const char *s, size_t len);
const char	*scaler_stat_name(enum scaler_stat);	/* "mean" etc. */

/* The forward and inverse maps, as a scaling filter applies them. */
static inline double
scaler_forward(const struct scaler_chan *c, double x)
{
	return (x - c->center) / c->scale;
}

static inline double
scaler_inverse(const struct scaler_chan *c, double y)
{
	return y * c->scale + c->center;
}

#endif

/*
 * stats -- one-pass summaries of a stream of doubles in small memory:
 * count, mean and variance by Welford's method, min and max (struct
 * stats_moments, 64 bytes), and quantiles by a Greenwald-Khanna sketch
 * (struct stats_quant) whose rank error is at most n/k positions (k = 200:
 * 0.5%), and which is exact while the stream holds at most exact_max values.
 * Nothing here prints or exits.  The algorithms and their bounds are
 * described in docs/normalize.md ("Statistics").
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Welford's update on x - shift, where shift is the first value: the running
 * mean then stays near zero, so its rounding (which plain Welford pays in
 * units of the mean's magnitude) does not reach the variance of a channel
 * like 2388.06 +- 0.07.  The mean reported is a compensated (Neumaier) sum
 * of the values over n, good to about one rounding even where the mean is
 * small beside the spread (C-MAPSS setting2: mean 2.4e-6, values +-6e-4),
 * where Welford's running mean is off by 5e-13 relative.  The caller gives
 * finite values only.
 */
struct stats_moments {
	uint64_t	 n;
	double		 shift;		/* the first value */
	double		 mean;		/* Welford's running mean of x - shift */
	double		 m2;		/* sum of (x - mean)^2 */
	double		 sum, comp;	/* sum of x, and its rounding error */
	double		 min, max;
};

void	 stats_moments_init(struct stats_moments *);
void	 stats_moments_add(struct stats_moments *, double x);
/* Add the values summed up in src to dst (Chan, Golub and LeVeque). */
void	 stats_moments_merge(struct stats_moments *dst,
	     const struct stats_moments *src);
/* NaN when n == 0. */
double	 stats_mean(const struct stats_moments *);
/* Sum of squares / (n - ddof); NaN when n <= ddof. */
double	 stats_var(const struct stats_moments *, unsigned ddof);
double	 stats_std(const struct stats_moments *, unsigned ddof);

/*
 * Quantile sketch.  Values are first kept as they come, in a buffer of
 * exact_max values; while n <= exact_max every answer is exact.  When the
 * buffer fills, it is sorted and merged into a Greenwald-Khanna summary, a
 * sorted list of tuples (v, g, d): v is a value of the stream, the sum of
 * the g's up to a tuple is the least rank v can have, and d more is the
 * greatest.  The summary keeps g + d <= floor(2n/k) for every tuple, which
 * guarantees that for every rank r some tuple's value has a true rank within
 * n/k of r.  The first and last tuples are the exact min and max.
 *
 * Memory: 16 bytes per value of exact_max (the buffer, and scratch to sort
 * it by radix sort in linear time, allocated when first needed), and 24
 * bytes per tuple plus 512 (the buffer is merged 512 values at a time, in
 * place).  The tuple count is measured in tests/unit/test_stats.c (130 to
 * 1400 for 10^6 values with k = 200, as the order of the stream varies) and
 * checked there against Greenwald and Khanna's bound for their compress
 * rule, (11k/2) log2(2n/k); ours folds greedily, which has no proven bound
 * of its own.  So about 100 KiB in all for exact_max = 4096.
 */
#define STATS_QUANT_K		200	/* rank error <= n/200: 0.5% */
#define STATS_QUANT_EXACT	4096	/* exact up to this many values */

struct stats_tuple {
	double		 v;
	uint64_t	 g, d;
};

struct stats_quant {
	uint64_t		 n;		/* values added */
	unsigned		 k;		/* rank error <= n/k */
	int			 exact;		/* all values are in buf */
	int			 sorted;	/* buf is sorted */
	double			*buf;		/* values not yet merged */
	size_t			 nbuf, bufcap;
	struct stats_tuple	*t;		/* the summary, by v */
	size_t			 nt, tcap;
	uint64_t		*keys;		/* sort scratch, bufcap */
};

/*
 * Ready q for use; k >= 1, exact_max >= 1 (the buffer size: also the batch
 * in which values reach the summary).  Allocates the buffer: 0, or -1 with
 * errno (ENOMEM, EINVAL).  The caller owns q's memory: free it with
 * stats_quant_free(), which accepts a q that failed to init or was freed.
 */
int	 stats_quant_init(struct stats_quant *q, unsigned k, size_t exact_max);
void	 stats_quant_free(struct stats_quant *q);
/* Add x (not NaN; +-Inf order as usual).  0, or -1 with errno EDOM (NaN)
 * or ENOMEM (the summary could not grow; x is then not counted). */
int	 stats_quant_add(struct stats_quant *, double x);
/* Values added. */
uint64_t stats_quant_count(const struct stats_quant *);
/* Nonzero while answers are exact (n <= exact_max). */
int	 stats_quant_exact(const struct stats_quant *);
/* Tuples in the summary (0 while exact). */
size_t	 stats_quant_size(const struct stats_quant *);

/*
 * A value of the stream at rank r (1 <= r <= n; 1 is the minimum): exact
 * while exact, else a value found at some rank j of the sorted stream with
 * |j - r| <= floor(n/k).  May merge the buffer into the summary (so may
 * fail with ENOMEM).  0, or -1 with errno (EDOM: r out of range or n = 0).
 */
int	 stats_quant_rank(struct stats_quant *, uint64_t r, double *out);
/*
 * The phi-quantile, 0 <= phi <= 1, as numpy.quantile(x, phi) computes it by
 * default: h = (n - 1) phi, linear between the values at 0-based ranks
 * floor(h) and floor(h) + 1.  Exact (bit for bit numpy's) while exact, else
 * the same interpolation between two stats_quant_rank() answers, so the
 * result lies between the exact values at 0-based ranks
 * floor(h) - floor(n/k) and ceil(h) + floor(n/k).  0, or -1 as above.
 */
int	 stats_quant_query(struct stats_quant *, double phi, double *out);

#endif

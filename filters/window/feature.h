/*
 * feature -- what window computes over a window of samples: time-domain
 * statistics kept incrementally while the window slides (O(1) per sample
 * added or removed), and spectral features of a whole window through
 * kissfft.  Every formula is in docs/features.md.
 *
 * Sliding moments are compensated (2Sum) power sums of d = x - K, where the
 * shift K is a sample of the window near its mean.  The central moments are
 * taken from them only while |mean - K| <= 2 std; past that (the signal
 * drifted) the sums are recomputed exactly from the ring around a new K, so
 * a 70 C channel with 0.01 C noise keeps all its digits.  Nothing here
 * prints or exits; every allocation is released by the matching _free().
 */
#ifndef FEATURE_H
#define FEATURE_H

#include <stddef.h>
#include <stdint.h>

/* Time-domain features, in their output order.  Names are stable. */
enum tf {
	TF_MEAN, TF_STD, TF_MIN, TF_MAX, TF_RMS, TF_PEAK, TF_P2P, TF_SKEW,
	TF_KURT, TF_CREST, TF_SHAPE, TF_IMPULSE, TF_CLEARANCE, TF_SLOPE,
	TF_LAST, TF_COUNT
};
/* The group "time" (and the default): every time-domain feature but last
 * (the window's last value, asked for by name, as RUL models use it). */
#define TF_TIME_MASK	((1u << TF_LAST) - 1)
extern const char *const tf_name[TF_COUNT];	/* "mean", "std", ... */
/* Index of a time-domain feature name, or -1. */
int	 tf_lookup(const char *name, size_t len);

/* What a channel's sliding state keeps: the union over its features. */
#define NEED_P1		0x01u	/* sum of d */
#define NEED_P2		0x02u	/* ... and d^2 */
#define NEED_P3		0x04u
#define NEED_P4		0x08u
#define NEED_ABS	0x10u	/* sum of |x| */
#define NEED_SQRT	0x20u	/* sum of sqrt|x| */
#define NEED_MINMAX	0x40u	/* monotonic deques */
#define NEED_SLOPE	0x80u	/* sum of d * (t - t0) */
/* The state needed for a set of time-domain features (bit i = enum tf i). */
unsigned tf_needs(uint32_t tfmask);

/* A compensated sum: the value is s + c (Knuth's 2Sum on each add). */
struct ksum {
	double	 s, c;
};

/* A channel's sliding state (windows that keep sums, not lazy ones). */
struct fsum {
	double		 k;		/* shift K */
	struct ksum	 p[4];		/* sum of d, d^2, d^3, d^4 */
	struct ksum	 a, q;		/* sum of |x|, of sqrt|x| */
	struct ksum	 xu;		/* sum of d * u, u = (t - t0) s */
	uint64_t	*dmin, *dmax;	/* deques of sequence numbers */
	size_t		 hmin, nmin, hmax, nmax;	/* heads, lengths */
};

struct fchan {
	double		*x;		/* ring of values, cap entries */
	unsigned	 need;		/* NEED_* */
	struct fsum	*s;		/* after the channels; NULL if lazy */
};

/*
 * A sliding window of rows (an event time and one value per channel) in a
 * ring whose capacity grows by doubling up to a bound.  Row i of the
 * window has the sequence number first + i; the ring slot is seq & mask.
 * One allocation: the struct, its channels (and their sums, if the window
 * keeps them), then every ring (times, then each channel's values, then
 * the deques); when the ring doubles its rings move to a block of their
 * own.  A lazy window of a few channels is a few lines of memory, not a
 * pointer per ring to chase.
 */
struct fwin {
	size_t		 cap, mask, capmax;
	size_t		 own;		/* capacity of the rings allocated
					 * with the struct */
	uint64_t	 first;		/* sequence number of the oldest row */
	size_t		 len;
	int64_t		*t;		/* event time, ns since 1970 */
	int64_t		 t0;		/* time shift for the slope, ns */
	struct ksum	 u, uu;		/* sum of u, u^2 */
	unsigned	 nch, need;	/* need: union over channels */
	int		 lazy;		/* no sums: features by passes */
	uint64_t	 pops;		/* rows removed since a recompute */
	struct fchan	 ch[];		/* nch channels */
};

/*
 * Caller owns: free with fwin_free().  need[c] says what channel c keeps
 * (NEED_*); capmax bounds the rows held (>= 1); cap0 is the capacity to
 * start with (rounded up to a power of two).  lazy: keep only the ring,
 * and compute the features of a window by two passes over it when asked
 * (cheaper when each sample is in few windows: tumbling, sessions, hops of
 * a quarter window or more).
 * NULL on ENOMEM.
 */
struct fwin	*fwin_new(unsigned nch, const unsigned *need, size_t cap0,
		     size_t capmax, int lazy);
void		 fwin_free(struct fwin **);	/* NULL-safe, nulls *wp */
/*
 * Append a row: t ns, x[nch] (finite values; borrowed).  0, or -1 with
 * errno ENOBUFS (capmax rows held) or ENOMEM.
 */
int		 fwin_push(struct fwin *, int64_t t, const double *x);
void		 fwin_pop(struct fwin *);	/* drop the oldest; len > 0 */
void		 fwin_clear(struct fwin *);	/* keep the memory */
/* Time of row i (0 = oldest); i < len. */
int64_t		 fwin_time(const struct fwin *, size_t i);
/* Copy channel c's values, oldest first, into dst[len]. */
void		 fwin_values(const struct fwin *, unsigned c, double *dst);
/*
 * Time-domain features of channel c into out[TF_COUNT]: those of want (bit
 * i = enum tf i) that the channel keeps the state for; the others may be
 * NaN.  Every feature of an empty window is NaN.  excess: kurtosis - 3
 * (scipy's default) or Pearson's.  May recompute the sums exactly (see the
 * top of this file).
 */
void		 fwin_features(struct fwin *, unsigned c, int excess,
		     uint32_t want, double *out);
/* The same from scratch, by two passes over x[n] (the reference). */
void		 tf_exact(const double *x, const int64_t *t, size_t n,
		     int excess, double *out);
/* Bytes held by the window (for the memory bound). */
size_t		 fwin_bytes(const struct fwin *);

/* Bearing characteristic frequencies, as multiples of the shaft speed. */
enum line {
	LINE_BPFO, LINE_BPFI, LINE_BSF, LINE_FTF, LINE_COUNT
};
extern const char *const line_name[LINE_COUNT];	/* "bpfo", ... */

struct bearing {
	unsigned	 balls;		/* rolling elements per row */
	double		 ball;		/* ball or roller diameter */
	double		 pitch;		/* pitch diameter, same unit */
	double		 angle;		/* contact angle, degrees */
};
/* ord[LINE_*] = frequency / shaft frequency.  BSF is the ball spin
 * frequency (CWRU tabulates twice it). */
void	 bearing_orders(const struct bearing *, double ord[LINE_COUNT]);

/* Spectral features. */
enum wfn {
	WFN_HANN, WFN_HAMMING, WFN_BLACKMAN, WFN_RECT, WFN_COUNT
};
extern const char *const wfn_name[WFN_COUNT];

#define SF_SPECTRUM	0x1u	/* dom, centroid, entropy, kurtosis, power */
#define SF_BANDS	0x2u
#define SF_ENVELOPE	0x4u	/* envelope power and line shares */

#define SPEC_MAXLINES	16
#define SPEC_MAXBANDS	64

struct spec_conf {
	unsigned	 want;		/* SF_* */
	enum wfn	 wfn;
	int		 excess;	/* spectral kurtosis - 3 */
	unsigned	 neq;		/* N equal bands over [0, fs/2] */
	unsigned	 nbands;	/* bands in Hz: [lo, hi) */
	double		 lo[SPEC_MAXBANDS], hi[SPEC_MAXBANDS];
	double		 env_lo, env_hi;	/* envelope band, Hz, closed */
	double		 env_tol;	/* +- Hz around each harmonic */
	unsigned	 harmonics;
	unsigned	 nlines;
	double		 line_hz[SPEC_MAXLINES];
};

struct spec_out {
	double	 dom;		/* dominant frequency, Hz */
	double	 centroid;	/* Hz */
	double	 entropy;	/* normalised to [0, 1] */
	double	 kurt;		/* of the spectrum over frequency */
	double	 power;		/* sum of the one-sided power spectrum */
	double	 band[2 * SPEC_MAXBANDS];	/* neq equal, then nbands */
	double	 env_power;	/* envelope power in [env_lo, env_hi] */
	double	 share[SPEC_MAXLINES];	/* line energy / env_power */
};

/*
 * FFT plans, window and work buffers for a few window lengths, made on
 * first use and reused (least recently used one replaced).  Caller owns:
 * free with spec_free().
 */
struct spec;
struct spec	*spec_new(void);		/* NULL on ENOMEM */
void		 spec_free(struct spec **);	/* NULL-safe, nulls *sp */
/* FFT length for n samples: n if even with no prime factor above 5, else
 * the next such length (the window is zero-padded). */
size_t		 spec_nfft(size_t n);
/*
 * Features of x[n] (borrowed) sampled at fs Hz into *out.  Features that
 * need at least 4 samples or a positive finite fs are NaN otherwise.
 * 0, or -1 with errno ENOMEM.
 */
int		 spec_compute(struct spec *, const struct spec_conf *,
		     const double *x, size_t n, double fs,
		     struct spec_out *out);
/* Bytes held by the plans and buffers. */
size_t		 spec_bytes(const struct spec *);

#endif

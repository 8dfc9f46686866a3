/*
 * drift -- the statistics that tell whether a stream still looks like the
 * data a model was trained on (bin/drift; docs/drift.md has the formulas,
 * defaults and the measured error rates).
 *
 * Two families.  Window tests compare a window of recent values with a
 * reference: PSI on the reference's quantile bins, the two-sample
 * Kolmogorov-Smirnov statistic with its p-value computed as
 * scipy.stats.ks_2samp (1.10) computes it, Wasserstein-1 and the
 * Jensen-Shannon distance.  Sequential detectors watch one signal value by
 * value: Page-Hinkley, CUSUM and ADWIN, each as River (0.21) defines it.
 * Pure numeric code: nothing here allocates (but drift_ks_pvalue() for
 * unequal samples, which needs O(min(n1, n2)) scratch), prints or exits.
 * Arrays are borrowed for the call.
 */
#ifndef DRIFT_H
#define DRIFT_H

#include <stddef.h>
#include <stdint.h>

#define DRIFT_PSI_EPS	1e-4	/* frequency floor for an empty bin */

/*
 * Bin of x among nbins bins with edges e[0..nbins]: as numpy.histogram
 * with edges e, bin i holds e[i] <= x < e[i+1] (the last bin also holds
 * e[nbins]), and values outside the edges go to the outer bins.
 */
uint32_t drift_bin(const double *e, uint32_t nbins, double x);

/*
 * Population stability index of counts (n = their sum > 0) against the
 * reference frequencies ref (summing to 1): sum (q - p) ln(q / p) with
 * q = count / n, and p and q raised to eps where smaller (an empty bin
 * would make the sum infinite).  eps: DRIFT_PSI_EPS unless told.
 */
double	 drift_psi(const double *ref, const uint32_t *count, uint32_t nbins,
	     double eps);

/*
 * Two-sample KS statistic of sorted a (na > 0) and sorted b (nb > 0): the
 * largest |F_a(t) - F_b(t)| over the pooled values, the ECDFs
 * right-continuous, each difference computed as scipy does
 * (count_a / na - count_b / nb), so the result is its bit for bit.
 */
double	 drift_ks_stat(const double *a, size_t na, const double *b,
	     size_t nb);

/*
 * Two-sided p-value of statistic d for samples of n1 and n2 values, as
 * scipy.stats.ks_2samp(method='auto'): exact (Hodges' lattice path count,
 * d first rounded to a multiple of 1/lcm(n1, n2)) when max(n1, n2) <=
 * 10,000 and lcm fits; else Kolmogorov's distribution of D_n for
 * n = round(n1 n2 / (n1 + n2)) (scipy.stats.kstwo.sf, Simard and
 * L'Ecuyer's choice of method).  *exact (may be NULL) says which.
 * NaN if an argument is out of range.
 */
double	 drift_ks_pvalue(double d, uint64_t n1, uint64_t n2, int *exact);

/*
 * The statistic as ks_2samp reports it: in the exact regime d rounded to
 * the nearest multiple of 1/lcm(n1, n2) (what the p-value is computed
 * for), else d itself.
 */
double	 drift_ks_report(double d, uint64_t n1, uint64_t n2);

/*
 * The smallest d with drift_ks_pvalue(d, n1, n2) <= alpha (0 < alpha < 1):
 * the critical value the per-frame path compares with, so that no p-value
 * is computed unless an event needs one.  In the exact regime d is a
 * multiple of 1/lcm(n1, n2), in the other found by bisection to 1e-12.
 * INFINITY when even d = 1 is not that unlikely (samples too small).
 */
double	 drift_ks_critical(double alpha, uint64_t n1, uint64_t n2);

/* scipy.stats.kstwo.sf(x, n) and scipy.special.smirnov(n, x). */
double	 drift_kolmogn_sf(uint64_t n, double x);
double	 drift_smirnov(uint64_t n, double x);

/*
 * Wasserstein-1 distance between the empirical distributions of sorted a
 * and sorted b (scipy.stats.wasserstein_distance): the integral of
 * |F_a - F_b|.  drift divides it by the reference's std.
 */
double	 drift_w1(const double *a, size_t na, const double *b, size_t nb);

/*
 * Jensen-Shannon distance, base 2 (in [0, 1]), between the distributions
 * p and q of k categories (each normalised by its sum here):
 * scipy.spatial.distance.jensenshannon(p, q, base=2).  NaN if a sum is 0.
 */
double	 drift_js(const double *p, const double *q, size_t k);

/*
 * Page-Hinkley (River's drift.PageHinkley): the mean of the values since
 * the last reset, and the cumulative deviation from it, faded by alpha:
 *	mean += (x - mean) / count;  count += 1
 *	up = max(0, alpha up + x - mean - delta)
 *	down = max(0, alpha down + mean - x - delta)   (mode "both" only)
 * Drift when count >= min_n and up (or down) >= lambda; the next update
 * then starts afresh.  River's defaults: min_n 30, delta 0.005,
 * lambda 50, alpha 1 - 1e-4.
 */
struct drift_ph {
	double		 delta, lambda, alpha;
	uint32_t	 min_n;
	int		 both;		/* also detect decreases */
	uint64_t	 count;		/* River's sample_count, from 1 */
	double		 mean, up, down;
	int		 detected;
};
void	 drift_ph_init(struct drift_ph *, double delta, double lambda,
	     double alpha, uint32_t min_n, int both);
/* 1: drift detected at this value (the statistic is in up/down). */
int	 drift_ph_update(struct drift_ph *, double x);

/*
 * CUSUM (tabular, Page 1954; River's drift.CUSUM): with reference mean mu
 * and std sigma,
 *	up = max(0, up + x - mu - k sigma), down = max(0, down - x + mu - k sigma)
 * drift when either exceeds h sigma; the next update starts afresh.
 * River's defaults: k (slack) 0.5, h (threshold) 5, and mu, sigma estimated
 * from the first 30 values (min_n); drift gives mu and sigma from the
 * reference profile instead when it has them (min_n 0).
 */
struct drift_cusum {
	double		 k, h;
	uint32_t	 min_n;
	uint64_t	 n;
	double		 mu, sigma;	/* frozen after min_n values */
	double		 wmean, wm2;	/* warm-up moments */
	double		 up, down;
	int		 detected;
};
void	 drift_cusum_init(struct drift_cusum *, double k, double h,
	     uint32_t min_n, double mu, double sigma);
int	 drift_cusum_update(struct drift_cusum *, double x);

/*
 * ADWIN (Bifet and Gavalda 2007, ADWIN2; River's drift.ADWIN): an
 * exponential histogram of the window, rows of at most max_buckets + 1
 * buckets of 2^row values each (totals and variances); every clock values
 * every cut into an older W0 and a newer W1 (both >= min_len values) is
 * tested with
 *	eps = sqrt(2 m var ln(2 ln(n) / delta)) + (2/3) ln(2 ln(n) / delta) m,
 *	m = 1/(n0 - min_len + 1) + 1/(n1 - min_len + 1), var = variance / n,
 * and the oldest bucket is dropped while |mean0 - mean1| > eps.  River's
 * defaults: delta 0.002, clock 32, max_buckets 5, min_len 5, grace 10.
 * State: DRIFT_ADWIN_ROWS * 6 buckets of 16 bytes (the window can hold
 * 5 * 2^32 values before the oldest row is merged away).
 */
#define DRIFT_ADWIN_ROWS	32
#define DRIFT_ADWIN_M		5
struct drift_adwin {
	double		 delta;
	uint32_t	 clock, min_len, grace;
	uint32_t	 nrows;
	uint8_t		 nb[DRIFT_ADWIN_ROWS];	/* buckets in each row */
	double		 tot[DRIFT_ADWIN_ROWS][DRIFT_ADWIN_M + 1];
	double		 var[DRIFT_ADWIN_ROWS][DRIFT_ADWIN_M + 1];
	double		 width, total, variance;
	uint64_t	 tick;
};
void	 drift_adwin_init(struct drift_adwin *, double delta, uint32_t clock,
	     uint32_t min_len, uint32_t grace);
/* 1: a change was detected (and the window shrunk) at this value. */
int	 drift_adwin_update(struct drift_adwin *, double x);

#endif

/*
 * watch -- bin/drift's per-device evidence: a window of the last W values of
 * each feature, the window tests every H frames, the sequential detectors
 * on one signal, the runs above and below each threshold, and the device's
 * state (ok, suspected, confirmed) with its hysteresis.  calib.c sets the
 * thresholds from a false-alarm rate.  No I/O here: main.c reads frames,
 * feeds watch_frame() and encodes the events it returns.
 */
#ifndef WATCH_H
#define WATCH_H

#include <stddef.h>
#include <stdint.h>

enum test {
	T_KS, T_PSI, T_W1, T_JS,		/* window tests */
	T_PH, T_CUSUM, T_ADWIN,		/* sequential, on the signal */
	T_COUNT
};
#define T_WINDOW(t)	((t) <= T_JS)
extern const char *const test_name[T_COUNT];

enum dstate { D_OK, D_SUSPECTED, D_CONFIRMED };

/* The open gap (g[i], g[i+1]) of a reference's grid, as the evaluation
   reads it. */
struct gap {
	double		 dg;		/* (g[i+1] - g[i]) / nsample */
	int64_t		 ia;		/* sample values < g[i+1] (cref[i]) */
};

/* The reference of one watched value (from a bundle profile). */
struct ref {
	char		*name;		/* body key */
	double		 mean, std;
	uint32_t	 nbins;
	double		*edges, *freq;	/* nbins + 1, nbins */
	uint32_t	 nsample;
	double		*sorted;	/* the profile sample, sorted */
	double		*sample;	/* in training order (calibration) */
	uint64_t	 count;
	/* the evaluation grid (watch_ready()): the sorted distinct values of
	   the sample and the bin edges; a value's slot is 2i - 1 if it equals
	   g[i-1], else 2i with g[i-1] < x < g[i] (slots 0 .. 2 ng) */
	uint32_t	 ng;
	double		*g;
	uint32_t	*cref;		/* ng: sample values <= g[i] */
	uint8_t		*sbin;		/* 2 ng + 1: the PSI bin of each slot */
	/* a stored value's code (watch_code()): its slot minus the base of
	   its coarse bucket, 255 if that is 255 or more or the value is not
	   finite; the evaluation adds it to base[] and needs no search */
	uint32_t	 nbk;		/* coarse buckets (4 ng), uniform on
					   [g[0], g[ng-1]] */
	double		 bk_lo, bk_scale;
	uint16_t	*base;		/* nbk + 3: 2 x the grid values in
					   lower buckets (<= every slot of the
					   bucket) */
	uint32_t	*bend;		/* nbins: 1 + the last slot of each PSI
					   bin (slots are in bin order) */
	struct gap	*gap;		/* ng - 1: the open gaps */
};

/* What one test of one feature is held to. */
struct limit {
	double		 thr;		/* above: exceeds */
	double		 clr;		/* at or below: counts toward clear */
	double		 rate;		/* expected false alarms / device / 30 d,
					   NAN when fixed */
};

/* Where each part of a device's state lies (watch.c), in bytes. */
struct watch_layout {
	size_t		 val, code, cat, tsec, tnsec, up, down, last, seen,
			 size;
	uint32_t	 nblk, nl;
};

struct watch {
	uint32_t	 W, H, M;	/* window, every, confirm */
	unsigned	 tests;		/* 1 << enum test */
	uint32_t	 nfeat;
	struct ref	*ref;		/* nfeat */
	struct limit	*lim;		/* nfeat * T_COUNT (window tests) */
	/* the signal of the sequential detectors (-1: none) */
	int		 sig;		/* index in ref, or nfeat for sigref */
	struct ref	 sigref;	/* when the signal is not a feature */
	struct limit	 slim[T_COUNT];	/* T_PH, T_CUSUM, T_ADWIN */
	double		 ph_delta, ph_alpha, cu_k, ad_delta;
	uint32_t	 ph_min, ad_clock;
	/* categorical (js): category names and reference frequencies */
	char		*catkey;
	uint32_t	 ncat;
	char		**cat;
	double		*catref;
	/* KS: the window size the critical values were computed for */
	double		 cooldown;	/* seconds between retrains */
	size_t		 devsize;	/* bytes of state per device */
	struct watch_layout lay;	/* watch_ready() */
	/* scratch for evaluations (one device at a time) */
	double		*scratch;
	uint32_t	*counts;
	uint32_t	*hist;		/* slots of the largest grid */
	double		*sums;
	uint16_t	*slots;		/* W: the next value of the same slot */
	uint16_t	*head;		/* per slot: its first value */
	uint32_t	*cum;		/* per slot + 1: window values in
					   lower slots */
	uint32_t	*xslot;		/* the crossing gaps of a walk */
	uint32_t	*cand;		/* the KS candidates of a walk */
};

/* One test's values in an event. */
struct evidence {
	uint32_t	 feat;		/* index in ref; nfeat: the signal */
	enum test	 test;
	double		 stat, thr, clr, rate, p;
	uint32_t	 runs;
	int		 confirmed;
};

/* What watch_frame() reports. */
struct report {
	int		 state_changed;	/* 1: emit a drift event */
	enum dstate	 state;
	int		 cleared;	/* the change is a clearing */
	int		 retrain;	/* 1: emit a retrain event too */
	int64_t		 from_sec, to_sec;
	uint32_t	 from_nsec, to_nsec;
	uint64_t	 frames;
	uint32_t	 nev;
	struct evidence	*ev;		/* borrowed from the watch */
	const char	*name_of_signal;
};

/*
 * Finish setting w up once ref, tests, W, H, M and the limits are known:
 * devsize, scratch.  0, or -1 (ENOMEM).
 */
int	 watch_ready(struct watch *w);
void	 watch_free(struct watch *w);

/* devmap callbacks: a new device's state, given the watch as arg. */
void	 watch_dev_init(void *dev, void *w);

/*
 * One frame of a device: x[nfeat] (NaN: absent), sig (NaN: absent), cat
 * (-1: absent), the frame time.  Evaluates every H frames once the window
 * is full.  0 nothing to say, 1 *rep holds an event to emit.
 */
int	 watch_frame(struct watch *w, void *dev, const double *x, double sig,
	     int cat, int64_t sec, uint32_t nsec, struct report *rep);

/* The code of value x in r's grid (watch_ready() has built it). */
uint8_t	 watch_code(const struct ref *r, float x);

/*
 * The window tests of one feature's window v[0..W) (float32, NaN absent)
 * with the values' codes code[0..W) (watch_code()) against r, as
 * evaluations compute them: PSI bin counts into bins, the KS statistic and
 * the Wasserstein-1 distance (not divided by the std).  The number of
 * finite values.  For tests; w's scratch is used.
 */
uint32_t watch_grid_stats(struct watch *w, const struct ref *r,
	     const float *v, const uint8_t *code, uint32_t *bins, double *ks,
	     double *w1);

/* calib.c: thresholds for every enabled test from a false-alarm rate
 * (per device per 30 days) at fps frames per second of each device;
 * nsim frames simulated per feature.  0, or -1 with errno. */
int	 calibrate(struct watch *w, double rate30d, double fps, uint64_t seed,
	     uint64_t nsim);

#endif

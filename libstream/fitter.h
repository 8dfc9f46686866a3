/*
 * fitter -- fitting scaling parameters (normalize --fit; any program that
 * fits the same): per channel, Welford moments and a quantile
 * sketch (libstream/stats.h) over every finite value of the stream, then
 * the parameters a method takes from them (libstream/scaler.h).  Channels
 * are the names given with -c, or else every numeric body field of sample
 * and features frames, in order of first appearance.
 */
#ifndef FITTER_H
#define FITTER_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "scaler.h"
#include "stats.h"

#define FIT_MAXCHAN	1024	/* without -c: at most this many channels */

struct fitchan {
	char			*name;	/* owned */
	size_t			 len;
	int			 named;	/* given with -c */
	int			 kinds;	/* SCALER_SAMPLE | _FEATURES seen */
	struct stats_moments	 m;
	struct stats_quant	 q;
	uint64_t		 nonfinite;	/* NaN, +-Inf: not fitted */
	uint64_t		 nonnumber;	/* strings etc.: not fitted */
	uint64_t		 seen[2];	/* sample, features frames
						   that have it */
	uint64_t		 stamp;		/* last frame that had it */
};

struct fitter {
	struct fitchan	*chan;		/* owned, in order of appearance */
	size_t		 nchan, cap;
	int		 fixed;		/* only the -c names */
	uint32_t	*hash;		/* open addressing: channel + 1 */
	size_t		 hcap;		/* a power of 2 */
	uint32_t	*slot;		/* body position -> channel + 1, as
					   last seen (layouts repeat) */
	size_t		 nslot;
	uint64_t	 frames;	/* taken by fitter_add */
	uint64_t	 kframes[2];	/* of which sample, features */
};

/* Frames of the kinds a channel was found in that lacked it. */
uint64_t fitter_missing(const struct fitter *, const struct fitchan *);

/*
 * Ready f; names[0..n) (borrowed during the call) fix the channels, or
 * n == 0: every numeric field is one.  0, or -1 with errno.  Caller owns
 * f's memory: fitter_free().
 */
int	 fitter_init(struct fitter *f, char *const *names, size_t n);
void	 fitter_free(struct fitter *f);
/*
 * Take the channels of r (a sample or features frame).  0, or -1 with
 * errno: ENOMEM, or E2BIG when a new channel would pass FIT_MAXCHAN.
 */
int	 fitter_add(struct fitter *f, const struct record *r);

/*
 * The parameters for method, named name: one line per channel that had a
 * finite value, in f's order; a channel whose scale would be 0 gets method
 * none and a note saying why, for the caller to warn with.  May fold the
 * sketches' buffers.  Caller owns the result (scaler_free()).  NULL with
 * errno on ENOMEM.
 */
struct scaler *fitter_result(struct fitter *f, enum scale_method method,
	    const char *name);

#endif

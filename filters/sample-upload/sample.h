/*
 * sample -- which frames are worth sending upstream: sampling policies,
 * combinable, per device (docs/upload.md "Sampling").
 *
 *   every N        the 1st, (N+1)th, ... data frame of each device
 *   reservoir K/S  K data frames per device per S seconds of frame time,
 *                  uniform over the interval (Algorithm R), sent when the
 *                  interval ends (a frame of a later one arrives, or the
 *                  input does)
 *   around T:N:M   on an event of type T, the device's last N data frames
 *                  (a ring buffer) and its next M
 *   band LO:HI     predictions whose score lies in [LO, HI]
 *   kinds          every frame of the given kinds (event, reject, ...)
 *
 * Data frames are samples, features and predictions.  A frame that several
 * policies choose is sent once.  An event with a dev applies to that
 * device, one without to every device.  Frames chosen later (reservoir,
 * ring) are held as copies of their bytes in buffers reused from frame to
 * frame: nothing is allocated per frame once every slot has held a frame.
 *
 * Ownership: the sampler owns its copies; the emit callback borrows the
 * bytes and dev for the call.  Nothing prints.
 */
#ifndef SAMPLE_H
#define SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define SAMPLE_AROUND_MAX	8
#define SAMPLE_TYPE_MAX		32

struct sample_around {
	char		 type[SAMPLE_TYPE_MAX];	/* event type, e.g. "drift" */
	uint32_t	 before, after;
};

struct sample_conf {
	uint64_t		 every;		/* 0: off */
	uint32_t		 res_k;		/* 0: off */
	double			 res_seconds;
	struct sample_around	 around[SAMPLE_AROUND_MAX];
	unsigned		 naround;
	int			 band;		/* band_lo..band_hi on */
	double			 band_lo, band_hi;
	unsigned		 kinds;		/* 1u << enum kind: take all */
	uint64_t		 seed;		/* reservoir's random stream */
};

/* Called for each frame chosen, in the order chosen.  0, or -1 to stop
 * (the sampler returns -1 with the callback's errno). */
typedef int (*sample_emit_fn)(void *arg, const char *p, size_t n,
    int64_t sec, uint32_t nsec, const char *dev, size_t dlen);

struct sampler;

/* Caller owns: sampler_free().  NULL on ENOMEM. */
struct sampler	*sampler_new(const struct sample_conf *);
void		 sampler_free(struct sampler **);

/*
 * One frame read: r decoded from p[0..n) (both borrowed for the call).
 * Emits what it chooses now.  0, -1 (ENOMEM, or the callback's failure).
 */
int	 sampler_frame(struct sampler *, const struct record *r, const char *p,
	     size_t n, sample_emit_fn, void *arg);
/* End of input: emit what the reservoirs hold. */
int	 sampler_flush(struct sampler *, sample_emit_fn, void *arg);

/* Parse "K/SECONDS", "TYPE:N:M", "LO:HI", "event,reject": 0 or -1. */
int	 sample_parse_reservoir(const char *, struct sample_conf *);
int	 sample_parse_around(const char *, struct sample_conf *);
int	 sample_parse_band(const char *, struct sample_conf *);
int	 sample_parse_kinds(const char *, struct sample_conf *);

#endif

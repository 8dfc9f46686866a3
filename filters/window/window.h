/*
 * window.h -- what the files of window share: the configuration built from
 * the options (main.c), and the per-device state and window scheduler
 * (devices.c) that turn samples into features frames.
 *
 * Times are int64 nanoseconds since 1970 throughout; a count window's
 * positions are sample numbers.  Ownership: struct conf and everything it
 * points to belong to main(); a struct dev and its buffers belong to the
 * device table (on libstream's devmap) and are freed with the device, or
 * kept for the device that takes an evicted one's place.
 */
#ifndef WINDOW_H
#define WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "feature.h"
#include "record.h"
#include "filter.h"

#define CH_MAX		64	/* channels per device */
#define NS		1000000000LL

/* Output features besides the time-domain ones (bit i = enum xf i). */
enum xf {
	XF_DOM, XF_CENTROID, XF_ENTROPY, XF_SKURT, XF_SPOWER, XF_BANDS,
	XF_ENVPOWER, XF_LINE0,		/* XF_LINE0 + LINE_* */
	XF_COUNT = XF_LINE0 + LINE_COUNT
};
extern const char *const xf_name[XF_COUNT];

/* The features of one channel name (name NULL: the default). */
struct fsel {
	const char	*name;
	uint32_t	 tf;		/* bit i: enum tf i */
	uint32_t	 xf;		/* bit i: enum xf i */
};

/* A bearing for the envelope lines of one channel (or of all: NULL). */
struct brg {
	const char	*channel;
	double		 ord[LINE_COUNT];	/* multiples of shaft speed */
	double		 shaft;			/* Hz */
	struct spec_conf sc;			/* lines filled in */
};

enum unit { U_COUNT, U_TIME };
enum wtype { W_SLIDE, W_SESSION };

struct conf {
	enum unit	 unit;
	enum wtype	 type;
	int64_t		 size, hop;	/* samples or ns; size 0: session
					 * without a bound */
	int		 clock;		/* windows on multiples of hop */
	int64_t		 gap;		/* ns; 0: no gaps */
	int		 gap_close;	/* a gap closes the windows */
	int64_t		 lateness;	/* ns */
	int64_t		 idle;		/* ns; 0: never */
	uint64_t	 min_n;		/* fewer samples: a short window */
	int		 short_drop;
	size_t		 max_samples;	/* per device window and buffer */
	size_t		 max_devices;
	int		 excess;	/* kurtosis convention */
	double		 rate;		/* Hz for spectra; 0: from times */
	const char	*channels[CH_MAX];	/* -c; nchannels 0: discover */
	unsigned	 nchannels;
	struct fsel	*fsel;		/* [0] the default */
	unsigned	 nfsel;
	struct brg	*brg;
	unsigned	 nbrg;
	struct spec_conf sc;		/* window fn, bands, envelope band */
	char		 bandname[SPEC_MAXBANDS * 2][32];
};

/* Counters (indexes into the struct counters of the run). */
enum {
	C_IN, C_OUT, C_PASSED, C_USED, C_SKIPPED, C_REJECTED, C_LATE,
	C_FEATURES, C_SHORT, C_SHORT_DROPPED, C_GAPS, C_DEVICES, C_IDLE,
	C_EVICTED, C_COUNT
};

/* What devices.c needs from the run. */
struct run {
	const struct conf *cf;
	struct filter	*f;		/* streams and counters (borrowed) */
	int		 ci[C_COUNT];	/* counter indices in f */
	struct record	*rec;		/* features frame being built */
	struct spec	*spec;
	double		*scratch;	/* one channel of a window */
	size_t		 scratch_len;
	double		*vals;		/* one frame's features */
	size_t		 nvals;
	struct buf	 obuf;		/* one frame, encoded */
};

struct devtab;

/* At most run->cf->max_devices devices; run is borrowed for the table's
 * life.  Caller owns: free with devtab_free().  NULL on ENOMEM. */
struct devtab	*devtab_new(struct run *);
/* Emit every device's open windows, then free it all; NULL-safe. */
int		 devtab_flush(struct devtab *, struct run *);
void		 devtab_free(struct devtab **);

/*
 * One sample frame r (borrowed).  It is placed in its device's windows,
 * or rejected (filter_reject()); features frames go out (filter_emit*()).
 * 0, or -1 on a write error (run->f says which).
 */
int		 devtab_sample(struct devtab *, struct run *,
		     const struct record *r);

#endif

/*
 * enc -- features frames encoded from a per-device template
 * (libstream/tmpl.h).
 *
 * Every features frame of a device has the same shape:
 *   [[start, {"kind":"features", "dev":D, "seq":S, "start":T0, "end":T1,
 *             "n":N[, "short":true]}], {K1:x1, K2:x2, ...}]
 * so the bytes of the keys are encoded once per device and a frame is a
 * few stores and one copy of the body, whose values are then patched in.
 * The device id is written from the caller's copy with each frame, not
 * kept in the template: a device that takes an evicted one's place (the
 * same channels) keeps its template as it is.
 * The bytes are exactly those of frame_encode() for the same record
 * (tests/unit/test_window_enc.c checks it): smallest integer forms, values
 * float64, times EventTime.
 */
#ifndef ENC_H
#define ENC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tmpl.h"

struct fenc {
	struct tmpl	 body;		/* map header, keys, float64 slots */
};

/*
 * Set up e (zeroed) for the output names keys[] (borrowed for the call).
 * 0, or -1 on ENOMEM.
 */
int	 fenc_init(struct fenc *e, const char *const *keys, uint32_t nkeys);
void	 fenc_free(struct fenc *e);	/* keeps e zeroed; NULL-safe */
/*
 * Append one frame of device dev[0..devlen) (borrowed for the call) to b:
 * window [start, end) in ns since 1970, its sequence number and sample
 * count, short or not, values v[nkeys].  0; 1 (nothing written) if a time
 * is outside what EventTime holds (the caller encodes that frame through
 * frame_encode()); -1 on ENOMEM.
 */
int	 fenc_frame(struct buf *b, const struct fenc *e, const char *dev,
	     size_t devlen, int64_t start, int64_t end, uint64_t seq,
	     uint64_t n, int shrt, const double *v);

#endif

/*
 * rules -- apply a schema to a stream of frames, device by device.
 * vstate_frame() judges a frame and hands everything that leaves (the
 * sample, gap events, added frames, reject frames) to an emit callback, in
 * order per device.  Counting: in where frames arrive, out (every frame to
 * the output: read, filled or event), rejected, filled and events where the
 * callback took them, dropped where decided; so in + filled + events = out
 * + rejected + dropped + held, held being 0 after vstate_finish().
 */
#ifndef VALIDATE_RULES_H
#define VALIDATE_RULES_H

#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "schema.h"

enum emit {
	EMIT_OUT,		/* a frame read (possibly changed) */
	EMIT_FILLED,		/* a frame added by a gap fill */
	EMIT_EVENT,		/* a gap event */
	EMIT_REJECT		/* a reject frame (dead-letter stream) */
};

/* Write r (borrowed for the call).  0, or -1 to stop (write failed). */
typedef int	(*vemit_fn)(void *arg, enum emit, const struct record *r);

struct vcount {
	uint64_t	 in, out, rejected, dropped, filled, events;
};

struct vstate;

/*
 * A validator for schema s (borrowed: it must outlive the vstate), sending
 * frames to emit(arg, ...).  Caller owns: free with vstate_free().  NULL on
 * ENOMEM.
 */
struct vstate	*vstate_new(const struct schema *s, vemit_fn emit, void *arg);
void		 vstate_free(struct vstate **);	/* NULL-safe, nulls *vp */

/*
 * Judge and pass on one frame.  r is borrowed and may be changed (values
 * clamped or filled, meta "flags"/"fixed" added, unknown channels removed);
 * what must outlive the call is copied.  0, or -1: the emit callback
 * failed, or ENOMEM (errno says which: the callback's errno is kept).
 */
int		 vstate_frame(struct vstate *, struct record *r);
/*
 * n frames that did not decode, rejected by the caller (filter_read()):
 * counted in, rejected, rule decode, device "".  0, or -1 on ENOMEM.
 */
int		 vstate_undecodable(struct vstate *, uint64_t n);
/* End of input: fill what still waits with last values, emit it all. */
int		 vstate_finish(struct vstate *);

/*
 * Called from the emit callback: nonzero when r is the very frame given to
 * vstate_frame(), unchanged (no rule edited or marked it), so that the
 * caller may forward the bytes it read it from instead of encoding r.
 */
int		 vstate_asis(const struct vstate *);

/* Totals (borrowed; live). */
const struct vcount *vstate_count(const struct vstate *);
uint64_t	 vstate_held(const struct vstate *);
uint64_t	 vstate_devices(const struct vstate *);	/* first seen */

/*
 * Devices held at most (default VSTATE_MAX_DEVICES), before the first
 * frame: past it the device seen least recently goes, its waiting frames
 * sent on first as at the end of input (vstate_evicted() counts them); a
 * device seen again after starts afresh.  0, or -1 (max 0, frames seen
 * already, ENOMEM).
 */
#define VSTATE_MAX_DEVICES	10000
int		 vstate_max_devices(struct vstate *, size_t max);
uint64_t	 vstate_evicted(const struct vstate *);

/*
 * Print the accounting's detail to f (the totals are the caller's line):
 * one line per rule that did something (per channel for channel rules),
 * one line per device held, least recently seen first.  prog starts each
 * line.
 */
void		 vstate_report(const struct vstate *, FILE *f, const char *prog);

/*
 * Memory held per device, in bytes (device state, channel slots, windows,
 * lookahead queue), for docs and the benchmark.
 */
size_t		 vstate_device_bytes(const struct vstate *);

#endif

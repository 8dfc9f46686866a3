/*
 * reject -- the dead-letter record every filter emits for a frame it
 * refuses (docs/protocol.md, kind "reject"): the original frame nested, or
 * the bytes that did not decode, with the rule, field, value, limit and a
 * reason a person can act on, and the original's dev, src and line.
 */
#ifndef REJECT_H
#define REJECT_H

#include <stddef.h>

#include "buf.h"
#include "record.h"

struct reject {
	const char		*stage;		/* the program, e.g. "window" */
	const char		*rule;		/* e.g. "range", "decode" */
	const char		*field;		/* NULL: none */
	size_t			 flen;
	const struct value	*value;		/* NULL: none */
	const struct value	*limit;		/* NULL: none */
	const char		*reason;
};

/*
 * Build in rj (cleared first) the reject frame for r, or, r NULL, for the
 * undecodable bytes raw[0..rawlen) (raw NULL: none), timed at r's time or
 * now.  r's frame is encoded into scratch (reset first); rj borrows it and
 * every string of why until it is written.  0, or -1 on ENOMEM.
 */
int	 reject_build(struct record *rj, struct buf *scratch,
	     const struct record *r, const char *raw, size_t rawlen,
	     const struct reject *why);

#endif

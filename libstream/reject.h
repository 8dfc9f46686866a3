/*
 * reject -- the dead-letter record every filter emits for a frame it
 * refuses (docs/protocol.md, kind "reject"): the original frame nested, or
 * the bytes that did not decode, with the rule, field, value, limit and a
 * reason a person can act on, and the original's dev, src and line.
 */
#ifndef REJECT_H
#define REJECT_H

#include <stddef.h>
#include <stdint.h>

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
	/*
	 * A record that never was a frame (a line of text): where it came
	 * from, used only when there is no frame r.  text: the original
	 * line (NULL: none), kept as "text" (str) if UTF-8, else "raw";
	 * truncated: text is only its start.  src/line/dev: meta (NULL/0:
	 * none).  timed: sec/nsec is the reject's time (else now).
	 */
	const char		*text;
	size_t			 tlen;
	int			 truncated;
	const char		*src;
	uint64_t		 line;
	const char		*dev;
	size_t			 devlen;
	int			 timed;
	int64_t			 sec;
	uint32_t		 nsec;
};

/*
 * Build in rj (cleared first) the reject frame for r, or, r NULL, for the
 * undecodable bytes raw[0..rawlen) (raw NULL: none) or why's text, timed
 * at r's time, why's, or now.  r's frame is encoded into scratch (reset first); rj borrows it and
 * every string of why until it is written.  0, or -1 on ENOMEM.
 */
int	 reject_build(struct record *rj, struct buf *scratch,
	     const struct record *r, const char *raw, size_t rawlen,
	     const struct reject *why);

#endif

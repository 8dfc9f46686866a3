/*
 * counters -- the accounting every filter shows: named 64-bit counts,
 * formatted as one line "NAME: in=10 out=8 rejected=2".  Counts are taken
 * where frames are read and written, never derived from one another, so a
 * test can check a filter's equation (docs/protocol.md "Accounting").
 */
#ifndef COUNTERS_H
#define COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#define COUNTERS_MAX	64

struct counters {
	const char	*name[COUNTERS_MAX];	/* borrowed, static strings */
	uint64_t	 n[COUNTERS_MAX];
	unsigned	 count;
};

/* Index of counter name (added at 0 if new); -1 if full. */
int	 counters_add(struct counters *, const char *name);
/* Format "prog: a=1 b=2" (NUL-terminated, truncated to size). */
size_t	 counters_format(const struct counters *, const char *prog,
	     char *buf, size_t size);

#endif

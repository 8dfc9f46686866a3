/*
 * counters -- named 64-bit counts: a program's accounting (prog.h adds,
 * prints and checks them; metrics.h exports them).  Counts are taken
 * where frames are read and written, never derived from one another, so
 * that an equation over them is a real check (docs/filters.md).
 */
#ifndef COUNTERS_H
#define COUNTERS_H

#include <stdint.h>

#define COUNTERS_MAX	64

struct counters {
	const char	*name[COUNTERS_MAX];	/* borrowed, static strings */
	uint64_t	 n[COUNTERS_MAX];
	unsigned	 count;
};

#endif

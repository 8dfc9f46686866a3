/*
 * mono -- the monotonic clock in seconds, for intervals, timeouts and
 * rates; never for frame times (those are CLOCK_REALTIME).  Header-only,
 * one definition for the programs and libstream modules that need it.
 */
#ifndef MONO_H
#define MONO_H

#include <time.h>

static inline double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif

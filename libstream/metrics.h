/*
 * metrics -- a program's counters as a Prometheus text exposition file, the
 * form node_exporter's textfile collector reads on a device.  The file is
 * written whole to a temporary name beside it and renamed over the old one,
 * so a reader never sees half of it.
 *
 *	# TYPE pdm_frames_total counter
 *	pdm_frames_total{prog="validate",name="val",counter="in"} 1200
 *	pdm_running{prog="validate",name="val"} 1
 *	pdm_metrics_updated_seconds{prog="validate",name="val"} 1764688000.5
 *
 * `name` is the file's base name without ".prom", so two instances of a
 * program writing two files never export the same series.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

#include "counters.h"

/*
 * Write c as the metrics of prog (running: 1 while the program runs, 0 in
 * the last write at exit) to path, atomically.  0, or -1 with err set
 * (naming the path) and errno.
 */
int	 metrics_write(const char *path, const char *prog,
	     const struct counters *c, int running, char *err, size_t errlen);

#endif

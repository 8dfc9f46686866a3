/*
 * guess -- guess a starting schema from a stream of known-good frames:
 * the channels seen (required when in every frame), their type, the
 * observed range widened by a margin, the largest step and longest run of
 * one value, and the device's sample interval (median) with the tolerance
 * that covers 98% of the intervals seen.  A person reads and edits it.
 */
#ifndef VALIDATE_GUESS_H
#define VALIDATE_GUESS_H

#include <stdio.h>

#include "stream.h"

/*
 * Read src (borrowed) to its end; write the schema to the file out ("-":
 * stdout).  margin: the range is widened on each side by margin times its
 * span.  The accounting line goes to log unless log is NULL.  Returns an
 * exit status (EX_OK, EX_DATAERR, EX_CANTCREAT, EX_IOERR, EX_OSERR); errors
 * are reported on stderr.
 */
int	 guess_schema(struct stream *src, const char *out, double margin,
	    FILE *log);

#endif

/*
 * conf -- a program's long options from a file (-C FILE), so that secrets
 * (a broker password, key paths) need not appear in ps(1).  One option a
 * line, its long name without the dashes, blanks, then its value as it
 * would follow on the command line; a flag takes no value:
 *
 *	# the uplink
 *	uplink		mqtts://gateway:8883
 *	mqtt-password	s3cret
 *	verbose
 *
 * Blank lines and lines whose first non-blank is '#' are skipped; trailing
 * blanks are not part of a value.  The program applies the file's options
 * first and its command line after, so the command line wins.
 *
 * Ownership: values are allocated and never freed (they live as long as
 * the program, like argv).  Nothing prints.
 */
#ifndef CONF_H
#define CONF_H

#include <getopt.h>
#include <stddef.h>

/* Apply option ch (its val in the option table) with value val (NULL for a
 * flag).  The program's own handler: it reports a bad value itself. */
typedef void	(*conf_apply_fn)(void *arg, int ch, const char *val);

/*
 * Read path and apply each option through fn.  0; 1 if the file may be
 * read by other users (the program should warn when it holds secrets);
 * -1 with err set ("FILE:LINE: why") for a file that cannot be read, an
 * unknown option, a missing or unexpected value.
 */
int	 conf_load(const char *path, const struct option *opts,
	     conf_apply_fn fn, void *arg, char *err, size_t errlen);
/* The -C/--config operand in argv, or NULL (scanned before getopt). */
const char	*conf_path(int argc, char *const argv[]);

#endif

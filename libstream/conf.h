/*
 * conf -- a program's long options from a file, -C FILE / --config FILE,
 * for every program.  One option a line: its long name without the
 * dashes, blanks, then its value as it would follow on the command line; a
 * flag takes no value:
 *
 *	# the uplink
 *	uplink		mqtts://gateway:8883
 *	mqtt-password	s3cret
 *	size		1s	# a comment
 *	verbose
 *
 * Blank lines are skipped; '#' at the start of a line or after a blank
 * starts a comment (a value cannot hold " #"); blanks around a value are
 * not part of it.  Secrets (a broker password, key paths) kept in a file
 * need not appear in ps(1).
 *
 * conf_args() rewrites argv before getopt_long() sees it: each file's
 * lines become "--name=value" arguments placed before the command line's
 * (the -C options themselves taken out), so getopt_long() parses file and
 * command line alike and the command line wins.  conf_where() then tells,
 * for any optarg, the FILE:LINE it came from, for error messages.
 *
 * Ownership: the new argv and every string in it are allocated once and
 * live as long as the program (like argv); nothing prints or exits.
 */
#ifndef CONF_H
#define CONF_H

#include <getopt.h>
#include <stddef.h>

/*
 * Expand every -C FILE, -CFILE, --config FILE, --config=FILE in
 * (*argcp, *argvp), in order.  The option is the one named "config" in
 * opts; its val is its short letter if shortopts has it (a program whose
 * -C means something else gives "config" another val: --config only).
 * shortopts and opts are the ones given to getopt_long() (a leading '+':
 * options end at the first operand, as there).  section: a model bundle
 * may stand for the file, its section of that name is read (bundle.h);
 * NULL: plain files only.
 * Returns EX_OK (0), or a sysexits(3) status with err set: EX_NOINPUT
 * ("FILE: why") a file that cannot be read, EX_DATAERR a bundle without the
 * section, EX_USAGE ("FILE:LINE: NAME: why") an unknown option, a missing
 * or unexpected value, -C inside a file; EX_OSERR out of memory.
 */
int		 conf_args(int *argcp, char ***argvp, const char *shortopts,
		    const struct option *opts, const char *section, char *err,
		    size_t errlen);

/* "FILE:LINE" (static, until the next call) if arg points into a value
 * conf_args() made from a file; NULL for the command line's own. */
const char	*conf_where(const char *arg);

/* The first file read that other users may read (for programs whose
 * files hold secrets to warn about), or NULL. */
const char	*conf_exposed(void);

#endif

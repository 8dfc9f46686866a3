/*
 * optx -- how a program reports, the same in every program (prog.h is
 * what it reports on; the library returns, this prints and exits):
 *
 * - a bad option value: one line and exit 64 (EX_USAGE), no usage dump:
 *
 *	prog: --NAME: 'x' is not a whole number from 1 to 100
 *	prog: FILE:LINE: NAME: 'x' is not ...	(the value came from -C FILE)
 *
 * - usage: the synopsis on stderr and the misuse's status, or with --help
 *   the synopsis and the help on stdout and 0 (optx_usage());
 * - a stdout that could not be written: exit 74 (optx_stdout(), at the
 *   end of a program that prints).
 *
 * Header-only, for programs (libstream itself never prints or exits): the
 * parsers are opt.h's, the file and line conf.h's.  name is the long
 * option without its dashes; arg is getopt's optarg itself (not a copy),
 * so that conf_where() can find the line it came from.
 *
 *	optx_config(&argc, &argv, optstr, opts, NULL);	// before getopt
 *	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
 *		if (optx_filter(&f, ch, optarg))	// -i -o -q --timeout ...
 *			continue;
 *		switch (ch) {
 *		case 'n': n = optx_u64("count", optarg, 1, 1000); break;
 */
#ifndef OPTX_H
#define OPTX_H

#include <err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "conf.h"
#include "filter.h"
#include "opt.h"
#include "uplink.h"

/* Print "prog: [FILE:LINE: NAME|--NAME]: why" and exit 64. */
static inline _Noreturn void
optx_bad(const char *name, const char *arg, const char *why)
{
	const char *w = conf_where(arg);

	if (w != NULL)
		errx(EX_USAGE, "%s: %s: %s", w, name, why);
	errx(EX_USAGE, "--%s: %s", name, why);
}

/* The same with a reason of the program's own, printf-style. */
static inline _Noreturn void __attribute__((format(printf, 3, 4)))
optx_badf(const char *name, const char *arg, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	optx_bad(name, arg, why);
}

/* -C FILE / --config FILE expanded into argv (conf_args()), or exit. */
static inline void
optx_config(int *argcp, char ***argvp, const char *shortopts,
    const struct option *opts, const char *section)
{
	char err[4400];
	int st;

	if ((st = conf_args(argcp, argvp, shortopts, opts, section, err,
	    sizeof(err))) != EX_OK)
		errx(st, "%s", err);
}

/* optx_config() for a program whose -C file may hold passwords (MQTT):
 * also warn when other users can read that file. */
static inline void
optx_config_secret(int *argcp, char ***argvp, const char *shortopts,
    const struct option *opts, const char *section)
{
	const char *conf;

	optx_config(argcp, argvp, shortopts, opts, section);
	if ((conf = conf_exposed()) != NULL)
		warnx("%s: readable by other users: keep passwords where only "
		    "this program's user can read them", conf);
}

/* What prog_option(), filter_option() or uplink_option() said: 1 taken,
 * 0 not one of theirs; -1, a bad value whose message is e, is reported
 * here. */
static inline int
optx_said(int r, const char *e, const char *arg)
{
	const char *w;

	if (r != -1)
		return r;
	if ((w = conf_where(arg)) != NULL)
		errx(EX_USAGE, "%s: %s", w, e + (e[0] == '-' && e[1] == '-' ?
		    2 : 0));
	errx(EX_USAGE, "%s", e);
}

/* uplink_option() (uplink.h): 1 taken, 0 not an --mqtt-* option; a bad
 * value is reported here. */
static inline int
optx_uplink(struct uplink_conf *c, int ch, const char *arg)
{
	char e[512];

	return optx_said(uplink_option(c, ch, arg, e, sizeof(e)), e, arg);
}

/* filter_option() (filter.h): -i -o -q --reject --metrics --timeout ... */
static inline int
optx_filter(struct filter *f, int ch, const char *arg)
{
	return optx_said(filter_option(f, ch, arg), filter_error(f), arg);
}

/* prog_option() (prog.h): -q --metrics --metrics-every. */
static inline int
optx_prog(struct prog *p, int ch, const char *arg)
{
	return optx_said(prog_option(p, ch, arg), prog_error(p), arg);
}

/* The end of a program that printed: stdout flushed without an error, or
 * "prog: stdout: why" and exit 74. */
static inline void
optx_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
}

/*
 * usage(): for --help (status 0) synopsis and help on stdout, exit 0 (74
 * if stdout could not be written); for a misuse the synopsis alone on
 * stderr, exit status.
 */
static inline _Noreturn void
optx_usage(int status, const char *synopsis, const char *help)
{
	fputs(synopsis, status == EX_OK ? stdout : stderr);
	if (status == EX_OK) {
		fputs(help, stdout);
		optx_stdout();
	}
	exit(status);
}

static inline int64_t
optx_i64(const char *name, const char *arg, int64_t lo, int64_t hi)
{
	const char *why;
	int64_t v;

	if ((why = opt_i64(arg, lo, hi, &v)) != NULL)
		optx_bad(name, arg, why);
	return v;
}

static inline uint64_t
optx_u64(const char *name, const char *arg, uint64_t lo, uint64_t hi)
{
	const char *why;
	uint64_t v;

	if ((why = opt_u64(arg, lo, hi, &v)) != NULL)
		optx_bad(name, arg, why);
	return v;
}

static inline double
optx_real(const char *name, const char *arg, double lo, double hi)
{
	const char *why;
	double v;

	if ((why = opt_real(arg, lo, hi, &v)) != NULL)
		optx_bad(name, arg, why);
	return v;
}

/* A duration in ns; a bare number counts units of bare ns (0: refused). */
static inline int64_t
optx_dur(const char *name, const char *arg, int64_t bare, int64_t lo,
    int64_t hi)
{
	const char *why;
	int64_t v;

	if ((why = opt_duration(arg, bare, lo, hi, &v)) != NULL)
		optx_bad(name, arg, why);
	return v;
}

/* A duration in seconds (a bare number is seconds), lo..hi seconds
 * (hi past INT64_MAX ns: to INT64_MAX ns). */
static inline double
optx_secs(const char *name, const char *arg, double lo, double hi)
{
	int64_t l = (int64_t)(lo * 1e9 + 0.5), h = hi * 1e9 >= 9.2e18 ?
	    INT64_MAX : (int64_t)(hi * 1e9 + 0.5);	/* past 292 years */

	return (double)optx_dur(name, arg, OPT_NS_S, l, h) / 1e9;
}

static inline double
optx_freq(const char *name, const char *arg, double lo, double hi)
{
	const char *why;
	double v;

	if ((why = opt_freq(arg, lo, hi, &v)) != NULL)
		optx_bad(name, arg, why);
	return v;
}

/* An exact frequency, *num / *den Hz (opt_freq_exact()). */
static inline void
optx_freq_exact(const char *name, const char *arg, uint64_t hi,
    uint64_t *num, uint64_t *den)
{
	const char *why;

	if ((why = opt_freq_exact(arg, hi, num, den)) != NULL)
		optx_bad(name, arg, why);
}

static inline uint64_t
optx_size(const char *name, const char *arg, uint64_t lo, uint64_t hi)
{
	const char *why;
	uint64_t v;

	if ((why = opt_size(arg, lo, hi, &v)) != NULL)
		optx_bad(name, arg, why);
	return v;
}

#endif

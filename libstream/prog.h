/*
 * prog -- what every program shares, whether or not it filters a frame
 * stream: its name, its counters and the equations they obey, the first
 * failure (an exit status and its message), -q, --metrics, SIGINT/SIGTERM
 * and SIGUSR1, and at the end the accounting line and the equation check.
 * The frame filter skeleton (filter.h) is built on it; a program with no
 * frame stream uses it alone: prog_init(), prog_counter(),
 * prog_equation(), options (optx_prog()), prog_start(), a loop of
 * prog_poll() until prog_interrupted(), prog_end() (filters/collect/main.c;
 * docs/libstream.md, "The program part").
 *
 * How a program reports what prog returns (an option's bad value, usage,
 * a stdout that could not be written) is optx.h's: header-only, since the
 * library never exits.  -C FILE is conf.h's (optx_config()).
 *
 * Ownership: struct prog lives in the caller (main()'s stack); names are
 * borrowed static strings.  Nothing here prints, except prog_report() and
 * prog_end() (the accounting line, the first failure, a broken equation:
 * what a program must always say) and a metrics file that cannot be
 * rewritten while running (one line; the program runs on).
 */
#ifndef PROG_H
#define PROG_H

#include <stdint.h>

#include "counters.h"

/* Long options without a letter: the common ones are numbered from
 * PROG_OPT_FIRST (filter.h's after prog's), a program's own from
 * FILTER_OPT_OWN (or below PROG_OPT_FIRST). */
enum {
	PROG_OPT_FIRST = 0x1000,
	PROG_OPT_METRICS = PROG_OPT_FIRST,
	PROG_OPT_METRICS_EVERY,
	PROG_OPT_OWN			/* filter.h numbers its own from here */
};

/* The options prog_option() takes: splice into the getopt_long() table. */
#define PROG_LONGOPTS							\
	{ "quiet",		no_argument,	   NULL, 'q' },		\
	{ "metrics",		required_argument, NULL, PROG_OPT_METRICS }, \
	{ "metrics-every",	required_argument, NULL,		\
	    PROG_OPT_METRICS_EVERY }
#define PROG_SHORTOPTS	"q"
/* Their lines for usage(), in the layout every program's --help uses. */
#define PROG_USAGE_QUIET						\
	"  -q, --quiet           no accounting line at exit\n"
#define PROG_USAGE_METRICS						\
	"      --metrics FILE    counters in Prometheus text format, "	\
	"rewritten\n"							\
	"                        atomically every --metrics-every seconds "	\
	"(default 10)\n"						\
	"                        and at exit\n"

#define PROG_EQUATION_MAX	512

struct prog {
	const char	*name;		/* borrowed: static string */
	/* options (prog_option() sets them; a program may too) */
	int		 quiet;
	const char	*metrics_path;
	double		 metrics_every;	/* seconds */

	struct counters	 c;
	char		 equation[PROG_EQUATION_MAX];

	int		 status;	/* first failure's exit status */
	int		 interrupted;	/* SIGINT/SIGTERM seen (prog_end) */
	double		 metrics_next;
	char		 err[512];
};

/* Counter by index, for the program's hot loop. */
#define PROG_COUNT(p, i)	((p)->c.n[(i)])

/* Set p up for program name (borrowed): no counters, no equation, status
 * EX_OK, metrics every 10 s.  Cannot fail. */
void	 prog_init(struct prog *p, const char *name);

/*
 * -q, --metrics, --metrics-every (PROG_LONGOPTS): 1 taken, 0 not one of
 * these, -1 a bad value (prog_error() names the option: "--metrics-every:
 * why").
 */
int	 prog_option(struct prog *p, int ch, const char *arg);

/* A counter (name: static string; the same index if it is there already,
 * starting at 0); its index, or -1 past COUNTERS_MAX. */
int	 prog_counter(struct prog *p, const char *name);

/*
 * The equations the counters obey, over counter names, several separated
 * by ';': "in = out + rejected; batches = stored + refused".  Replaces
 * the ones set before.  Checked by prog_end().  0, or -1 (prog_error()
 * says why) if one names an unknown counter or does not parse: a bug, so
 * prog_end() then says so and returns EX_SOFTWARE.
 */
int	 prog_equation(struct prog *p, const char *eq);

/*
 * Write the metrics file a first time (if asked for) and catch signals
 * (stream_catch_signals(): SIGINT/SIGTERM end the program's loop, SIGUSR1
 * asks for the accounting, SIGPIPE is ignored).  EX_OK, or EX_CANTCREAT
 * with prog_error() naming the file.
 */
int	 prog_start(struct prog *p);

/* Seconds on the monotonic clock (--metrics-every, timeouts, backoffs). */
double	 prog_now(void);

/* Has SIGINT or SIGTERM come?  (The loop's condition.) */
int	 prog_interrupted(void);

/*
 * Once a loop, or every so many frames: SIGUSR1 answered (prog_usr1()),
 * the metrics file rewritten when due (prog_tick()).
 */
void	 prog_poll(struct prog *p);
/* The accounting line now, even with -q (someone asked), and the metrics
 * file rewritten now. */
void	 prog_usr1(struct prog *p);
/* The metrics file rewritten if --metrics-every seconds have passed. */
void	 prog_tick(struct prog *p);

/*
 * A failure: kept as prog_end()'s status and message unless one came
 * first.  Returns -1.
 */
int	 prog_fail(struct prog *p, int status, const char *fmt, ...)
	     __attribute__((format(printf, 3, 4)));

/* Why the last call failed, or the first failure (owned by p). */
const char	*prog_error(const struct prog *p);

/* The accounting line on stderr now: "name: in=.. out=..", and
 * " (interrupted)" after SIGINT/SIGTERM. */
void	 prog_report(const struct prog *p);

/*
 * The end: print the first failure ("name: why"), the accounting line
 * (unless -q and all went well), write the metrics file a last time
 * (pdm_running 0; a failure is EX_IOERR), check the equations (a broken
 * one is printed, "the accounting does not balance: EQ, but L != R", and
 * is EX_SOFTWARE).  Returns the exit status.
 */
int	 prog_end(struct prog *p);

#endif

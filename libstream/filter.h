/*
 * filter -- the frame filter skeleton: what every program that reads or
 * writes a frame stream shares, on top of what every program shares
 * (prog.h: counters, equation, first failure, -q, --metrics, signals,
 * the accounting line).  Here: its streams (input, output, dead letters),
 * the five frame counters and their one-to-one equation, undecodable
 * frames as rejects, writes counted where they are accepted.  Helpers,
 * not a framework: main() still reads top to bottom, options -> open ->
 * loop -> close (docs/libstream.md "Writing a filter" is the smallest
 * complete one).
 *
 *	struct filter f;
 *	filter_init(&f, "name");
 *	while ((ch = getopt_long(argc, argv, FILTER_SHORTOPTS "x:", opts,
 *	    NULL)) != -1)
 *		switch (filter_option(&f, ch, optarg)) {
 *		case 1: continue;			// one of ours, taken
 *		case -1: errx(EX_USAGE, "%s", filter_error(&f));
 *		}  ... the program's own letters ...
 *	if ((st = filter_open(&f)) != EX_OK)
 *		errx(st, "%s", filter_error(&f));
 *	while (filter_read(&f, &r) == FILTER_FRAME)
 *		if (r->kind != KIND_SAMPLE ? filter_pass(&f, r) :
 *		    filter_emit(&f, transform(r)) == -1)
 *			break;
 *	return filter_close(&f);
 *
 * The behaviour every program shares (docs/filters.md is the table):
 * - rejects go inline, into the output, unless --reject URI sends them
 *   elsewhere; a frame that does not decode becomes a reject frame built by
 *   reject_build() (rule "decode"), counted in `in` and `rejected`;
 * - SIGINT/SIGTERM: reading stops, what was read is finished and flushed,
 *   the accounting line says "(interrupted)", exit status 0 if it balances;
 * - SIGUSR1: the accounting line now, even with -q (someone asked);
 * - counts: `in` where a frame is read, `out`/`rejected` where a write was
 *   accepted, `dropped` where a frame is let go on purpose; frames a failed
 *   output never delivered are counted `unwritten` and taken out of `out`;
 * - exit statuses are sysexits(3): 64 usage, 65 data (input unreadable from
 *   some byte on), 66 input cannot be opened, 69 endpoint unavailable (bind or
 *   connect refused), 70 the accounting does not balance (a bug), 73 output
 *   cannot be created, 74 I/O error while writing (a reader that went away
 *   included: "broken pipe"), 75 --timeout expired (no input, or an output
 *   blocked, for that long);
 * - a ZeroMQ input adds `lost` and `repeated` (from seq and the producers'
 *   end-of-stream counts, outside the equation: frames that never came);
 *   a program's own counters take other names, registered before
 *   filter_open() (which refuses a clash: 70, whatever the input).
 *
 * Ownership: struct filter lives in the caller (on main()'s stack); its
 * streams, record and buffers are owned by it until filter_close().  Nothing
 * here prints, except filter_close() and filter_report() which print the
 * accounting line on stderr (prog.h), the one thing a program must always
 * say.
 */
#ifndef FILTER_H
#define FILTER_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "prog.h"
#include "record.h"
#include "reject.h"
#include "stream.h"

enum {
	FILTER_OPT_METRICS = PROG_OPT_METRICS,
	FILTER_OPT_METRICS_EVERY = PROG_OPT_METRICS_EVERY,
	FILTER_OPT_REJECT = PROG_OPT_OWN,
	FILTER_OPT_MAX_FRAME,
	FILTER_OPT_TIMEOUT,
	FILTER_OPT_PRODUCERS,
	FILTER_OPT_OWN			/* programs number their own from here */
};

/* The options every filter takes: splice into the getopt_long() table. */
#define FILTER_LONGOPTS							\
	{ "input",		required_argument, NULL, 'i' },		\
	{ "output",		required_argument, NULL, 'o' },		\
	PROG_LONGOPTS,							\
	{ "reject",		required_argument, NULL, FILTER_OPT_REJECT }, \
	{ "max-frame",		required_argument, NULL, FILTER_OPT_MAX_FRAME }, \
	{ "timeout",		required_argument, NULL, FILTER_OPT_TIMEOUT }, \
	{ "producers",		required_argument, NULL, FILTER_OPT_PRODUCERS }
#define FILTER_SHORTOPTS	"i:o:" PROG_SHORTOPTS
/* Their lines for usage(), in the layout every program's --help uses. */
#define FILTER_USAGE							\
	"  -i, --input URI       frames in (default -)\n"		\
	"  -o, --output URI      frames out (default -)\n"		\
	PROG_USAGE_QUIET						\
	"      --reject URI      reject frames there (default: inline, in "	\
	"the output)\n"							\
	PROG_USAGE_METRICS						\
	"      --max-frame N     largest frame read or written, bytes "	\
	"(default 1 MiB)\n"						\
	"      --timeout S       give up after S seconds with no input or "	\
	"a blocked\n"							\
	"                        output (exit 75; default: wait)\n"		\
	"      --producers N     ZeroMQ input: end after N producers' end "	\
	"of stream\n"							\
	"                        (default: every producer seen)\n"		\
	"URIs: -, a path, [push|pull|pub|sub](@|>)(tcp|ipc)://...\n"	\
	"SIGUSR1 prints the accounting so far; SIGINT/SIGTERM stop reading "	\
	"and flush.\n"

enum filter_read_status {
	FILTER_FRAME = 1,	/* *rp is a frame, counted in `in` */
	FILTER_END = 0,		/* end of input, or interrupted by a signal */
	FILTER_FAIL = -1	/* fatal: filter_close() says why and exits so */
};

struct filter {
	struct prog	 p;		/* name, counters, status, -q, metrics */
	/* options (filter_option() sets them; a program may too) */
	const char	*in_uri, *out_uri, *rej_uri;
	size_t		 max_frame;	/* 0: the library's default */
	double		 timeout;	/* seconds; 0: wait as long as it takes */
	unsigned	 producers;	/* 0: end when every producer seen ended */
	int		 ci_lost, ci_repeated;	/* ZeroMQ input, else -1 */
	int		 want_out;	/* 0: program has no frame output */
	int		 want_in;	/* 0: program reads no frames (text) */

	/* open streams; rej == out when rejects go inline */
	struct stream	*in, *out, *rej;

	/* the counters every filter has (in p.c), then the program's own */
	int		 ci_in, ci_out, ci_rejected, ci_dropped, ci_unwritten;

	/* state */
	const struct record *cur;	/* the frame filter_read() returned */
	uint64_t	 tick;
	struct record	*rj;		/* reject being built */
	struct buf	 scratch;
};

/* Counter by index, for the program's hot loop. */
#define FILTER_COUNT(f, i)	PROG_COUNT(&(f)->p, (i))

/*
 * Set f up for program prog (borrowed): default options (-i - -o -),
 * counters in, out, rejected, dropped, unwritten and the one-to-one equation
 * "in = out + rejected + dropped + unwritten".  Cannot fail.
 */
void	 filter_init(struct filter *f, const char *prog);

/*
 * One of the common options (FILTER_LONGOPTS, FILTER_SHORTOPTS): 1 taken,
 * 0 not one of ours, -1 a bad value (filter_error() names the option).
 */
int	 filter_option(struct filter *f, int ch, const char *arg);

/* A counter of the program's own, and the program's equations over the
 * counters' names (prog_counter(), prog_equation()). */
#define filter_counter(f, name)	prog_counter(&(f)->p, (name))
#define filter_equation(f, eq)	prog_equation(&(f)->p, (eq))

/*
 * Open input, output and reject streams, catch signals.  EX_OK, or a
 * sysexits status with filter_error() saying why (the endpoint named once);
 * EX_SOFTWARE, before anything is opened, if the program has a counter of
 * its own named `lost` or `repeated` (a ZeroMQ input's).  Nothing is
 * printed.
 */
int	 filter_open(struct filter *f);

/*
 * The next frame.  Answers SIGUSR1 (filter_report()), writes the metrics
 * file when due, turns an undecodable frame into a reject frame (counted in
 * `in` and `rejected`) and reads on.  *rp is borrowed until the next call.
 */
static inline int filter_read(struct filter *f, struct record **rp);

/* Nonzero if another frame can be read without blocking (for batching). */
int	 filter_pending(const struct filter *f);

/*
 * Outputs.  Each counts its frame after the stream accepted it; -1 on a
 * write error (f->p.status set to EX_IOERR and filter_error() says which
 * endpoint and why): stop reading and go to filter_close().
 *   filter_pass:   the frame just read, unchanged: its original bytes.
 *   filter_emit:   r encoded (borrowed for the call).
 *   filter_emit_frames: n bytes holding nframes whole frames, encoded by the
 *                  program's own tested encoder.
 *   filter_reject: a reject frame for r (NULL: the frame just read) with
 *                  why (why->stage is filled in), to the reject stream.
 *   filter_drop:   let r go on purpose (counted; nothing written).
 */
static inline int filter_pass(struct filter *f, const struct record *r);
static inline int filter_emit(struct filter *f, const struct record *r);
int	 filter_emit_frames(struct filter *f, const void *p, size_t n,
	     uint64_t nframes);
int	 filter_reject(struct filter *f, const struct record *r,
	     const struct reject *why);
/*
 * filter_reject_built: a reject frame the program built itself with
 * reject_build() (rj borrowed for the call; kept in order with its other
 * output, as validate's lookahead queue does), to the reject stream.
 */
int	 filter_reject_built(struct filter *f, const struct record *rj);
void	 filter_drop(struct filter *f);

/*
 * A failure of the program's own (an output it writes itself, say): kept
 * as filter_close()'s status and message unless one came first.  -1.
 */
#define filter_fail(f, status, ...)					\
	prog_fail(&(f)->p, (status), __VA_ARGS__)

/* ZeroMQ input: take lost= and repeated= from the stream now. */
void	 filter_net_counts(struct filter *f);

/* Print the accounting line on stderr now ("prog: in=.. out=.."). */
#define filter_report(f)	prog_report(&(f)->p)

/* Why the last call failed (owned by f). */
#define filter_error(f)		prog_error(&(f)->p)

/*
 * Flush and close every stream, count frames a failed output never
 * delivered as `unwritten`, print the accounting line (unless -q; marked
 * "(interrupted)" after a signal), write the metrics file a last time, check
 * the equation, print the first error if any.  Returns the exit status:
 * f->status, or EX_SOFTWARE if the equation does not hold.
 */
int	 filter_close(struct filter *f);

/*
 * filter_read(), filter_pass() and filter_emit() are inline: they run once
 * a frame, and a call more cost validate and tap --count 2-3% of their
 * instructions.  What they do not do on the common path is in filter.c,
 * behind these (not for programs to call):
 */
#define FILTER_TICK	1024	/* frames between looks at the clock */
int	 filter_read_slow(struct filter *f, int r, struct record **rp);
void	 filter_usr1(struct filter *f);
int	 filter_put_failed(struct filter *f, struct stream *st, int ci);

static inline int
filter_read(struct filter *f, struct record **rp)
{
	int r;

	if ((++f->tick & (FILTER_TICK - 1)) == 0)
		prog_tick(&f->p);
	r = stream_read(f->in, rp);
	if (stream_report_requested())
		filter_usr1(f);
	if (r != STREAM_OK)
		return filter_read_slow(f, r, rp);
	FILTER_COUNT(f, f->ci_in)++;
	f->cur = *rp;
	return FILTER_FRAME;
}

static inline int
filter_emit(struct filter *f, const struct record *r)
{
	if (stream_write(f->out, r) == -1)
		return filter_put_failed(f, f->out, f->ci_out);
	FILTER_COUNT(f, f->ci_out)++;
	return 0;
}

static inline int
filter_pass(struct filter *f, const struct record *r)
{
	const char *p;
	size_t n;

	if (r != f->cur || stream_frame_bytes(f->in, &p, &n) == -1)
		return filter_emit(f, r);
	if (stream_write_frames(f->out, p, n, 1) == -1)
		return filter_put_failed(f, f->out, f->ci_out);
	FILTER_COUNT(f, f->ci_out)++;
	return 0;
}

#endif

/*
 * tap -- look at a stream of frames, or write one by hand.
 *
 * By default tap prints each frame it reads as one line of JSON (the
 * mapping of docs/tap.md, exact both ways); -r reads such lines back into
 * frames; --count is the bare pass-through filter, which decodes every
 * frame into a record and encodes it again, and counts.  Frames come from
 * and go to any endpoint libstream opens; JSON text comes from a file or
 * standard input and goes to a file or standard output.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "codec.h"
#include "filter.h"
#include "optx.h"
#include "record.h"
#include "stream.h"

#include "json.h"

#define MAX_FRAME_MIN	64
#define MAX_FRAME_MAX	(1u << 30)
#define READ_CHUNK	(64u * 1024)

struct opts {
	const char	*in, *out;
	size_t		 max_frame;
	int		 unbuffered;
};

static const struct option longopts[] = {
	{ "config",	required_argument,	NULL, 'C' },
	{ "count",	no_argument,		NULL, 'c' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "input",	required_argument,	NULL, 'i' },
	{ "max-frame",	required_argument,	NULL, 'm' },
	{ "metrics",	required_argument,	NULL, FILTER_OPT_METRICS },
	{ "metrics-every", required_argument,	NULL,
	    FILTER_OPT_METRICS_EVERY },
	{ "output",	required_argument,	NULL, 'o' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "reject",	required_argument,	NULL, FILTER_OPT_REJECT },
	{ "reverse",	no_argument,		NULL, 'r' },
	{ "unbuffered",	no_argument,		NULL, 'u' },
	{ NULL,		0,			NULL, 0 }
};
static const char optstr[] = "C:chi:m:o:qru";

static _Noreturn void
usage(int status)
{
	FILE *f = status == EX_OK ? stdout : stderr;

	fprintf(f,
	    "usage: tap [-qu] [-C file] [-m bytes] [-i uri] [-o file] "
	    "[--reject uri] [--metrics file]\n"
	    "       tap -r [-q] [-m bytes] [-i file] [-o uri]\n"
	    "       tap -c [-q] [-m bytes] [-i uri] [-o uri] [--reject uri] "
	    "[--metrics file]\n");
	if (status == EX_OK)
		fprintf(f, "\n"
		    "Print frames as JSON lines, read JSON lines back into "
		    "frames (-r),\nor pass frames through, decoded and "
		    "encoded again (-c).\n\n"
		    "  -C, --config FILE    options from FILE, a \"long-option "
		    "value\" a line\n"
		    "                       (the command line wins)\n"
		    "  -c, --count          pass frames through and count "
		    "them\n"
		    "  -h, --help           print this help and exit\n"
		    "  -i, --input URI      read from URI (default -: "
		    "standard input)\n"
		    "  -m, --max-frame N    largest frame in bytes (default "
		    "%u)\n"
		    "  -o, --output URI     write to URI (default -: "
		    "standard output)\n"
		    "  -q, --quiet          no accounting line at exit\n"
		    "  -r, --reverse        JSON lines in, frames out\n"
		    "  -u, --unbuffered     print each JSON line at once\n"
		    "      --reject URI     reject frames there (default: "
		    "inline with -c;\n"
		    "                       printing, counted and named on "
		    "stderr)\n"
		    "      --metrics FILE   counters in Prometheus text "
		    "format (docs/filters.md)\n"
		    "      --metrics-every S  its period in seconds (default "
		    "10)\n"
		    "\nURI: -, a file, or a ZeroMQ endpoint such as "
		    "@tcp://*:5555 (bind) or\n>ipc:///tmp/x.sock (connect).  "
		    "The JSON mapping: docs/tap.md; see tap(1).\n",
		    FRAME_MAX_DEFAULT);
	exit(status);
}

static int
is_zmq(const char *uri)
{
	return strstr(uri, "://") != NULL;
}

static struct stream *
open_stream(const char *uri, const char *mode, const struct opts *o)
{
	struct stream *s;

	if ((s = stream_open(uri, mode)) == NULL) {
		if (errno == EINVAL)
			errx(EX_USAGE, "%s", stream_open_error());
		if (is_zmq(uri))
			errx(EX_UNAVAILABLE, "%s", stream_open_error());
		err(mode[0] == 'r' ? EX_NOINPUT : EX_CANTCREAT, "%s", uri);
	}
	stream_set_max_frame(s, o->max_frame);
	return s;
}

/* ---- print: frames to JSON lines ------------------------------------- */

/*
 * Lines are gathered in txt and written with write(2) when 64 KiB are
 * there, when asked to (-u), and whenever no more input is waiting, so a
 * quiet stream is printed at once.  A line counts as out when it is
 * gathered; the lines a failed write never delivered go to unwritten.
 */
struct printer {
	int		 fd;
	const char	*name;
	struct buf	 enc, txt;
	struct json	 j;
	int		 flush;
};

static int
print_flush(struct printer *p, struct filter *f)
{
	size_t off = 0, i;
	uint64_t lost = 0;
	ssize_t n;

	while (off < p->txt.len) {
		n = write(p->fd, p->txt.p + off, p->txt.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			for (i = off; i < p->txt.len; i++)
				lost += p->txt.p[i] == '\n';
			FILTER_COUNT(f, f->ci_out) -= lost;
			FILTER_COUNT(f, f->ci_unwritten) += lost;
			buf_reset(&p->txt);
			return filter_fail(f, EX_IOERR, "%s: write: %s",
			    p->name, strerror(errno));
		}
		off += (size_t)n;
	}
	buf_reset(&p->txt);
	return 0;
}

static int
print_one(struct printer *p, struct filter *f, const struct record *r)
{
	buf_reset(&p->enc);
	if (frame_encode(&p->enc, r) == -1)
		err(EX_OSERR, "encoding a frame");
	if (json_print(&p->j, &p->txt, p->enc.p, p->enc.len, 1, NULL) == -1)
		errx(EX_SOFTWARE, "printing a frame: byte %zu: %s", p->j.off,
		    p->j.err);
	if (buf_putc(&p->txt, '\n') == -1)
		err(EX_OSERR, "printing a frame");
	FILTER_COUNT(f, f->ci_out)++;
	if (p->txt.len >= READ_CHUNK || p->flush || !filter_pending(f))
		return print_flush(p, f);
	return 0;
}

static int
run_print(struct filter *f, int unbuffered)
{
	struct printer p = { STDOUT_FILENO, NULL, BUF_INIT, BUF_INIT,
	    JSON_INIT, 0 };
	struct record *r;
	int st;

	p.name = f->out_uri;
	if (is_zmq(f->out_uri))
		errx(EX_USAGE, "%s: JSON goes to a file or standard output "
		    "(-r writes frames to ZeroMQ)", f->out_uri);
	f->want_out = 0;
	if ((st = filter_open(f)) != EX_OK)
		errx(st, "%s", filter_error(f));
	if (strcmp(f->out_uri, "-") != 0 && (p.fd = open(f->out_uri,
	    O_WRONLY | O_CREAT | O_TRUNC, 0666)) == -1)
		err(EX_CANTCREAT, "%s", f->out_uri);
	p.flush = unbuffered || stream_is_zmq(f->in);

	while (filter_read(f, &r) == FILTER_FRAME)
		if (print_one(&p, f, r) == -1)
			break;
	print_flush(&p, f);
	if (p.fd != STDOUT_FILENO && close(p.fd) == -1)
		filter_fail(f, EX_IOERR, "%s: %s", f->out_uri,
		    strerror(errno));
	buf_free(&p.enc);
	buf_free(&p.txt);
	json_free(&p.j);
	return filter_close(f);
}

/* ---- count: the bare pass-through ------------------------------------ */

static int
run_count(struct filter *f)
{
	struct record *r;
	int st;

	if ((st = filter_open(f)) != EX_OK)
		errx(st, "%s", filter_error(f));
	while (filter_read(f, &r) == FILTER_FRAME)
		if (filter_emit(f, r) == -1)	/* decoded, encoded again */
			break;
	return filter_close(f);
}

/* ---- reverse: JSON lines to frames ----------------------------------- */

struct lines {
	int		 fd;
	const char	*name;
	struct buf	 b;
	size_t		 pos;		/* start of the next line in b */
	size_t		 max;		/* longest line accepted */
	uint64_t	 lineno;
	int		 eof;
};

/*
 * The next line (without its newline) in *p, *n: 1, or 0 at the end.  A
 * line longer than l->max is skipped up to its newline: *n = SIZE_MAX.
 * Before waiting for input, the frames written so far are flushed, so a
 * quiet input never holds frames back.
 */
static int
next_line(struct lines *l, struct stream *dst, const char **p, size_t *n)
{
	struct pollfd pfd;
	char *nl;
	ssize_t got;
	int toolong = 0;

	for (;;) {
		nl = l->pos < l->b.len ?
		    memchr(l->b.p + l->pos, '\n', l->b.len - l->pos) : NULL;
		if (nl != NULL || (l->eof && l->pos < l->b.len)) {
			l->lineno++;
			*p = l->b.p + l->pos;
			*n = nl != NULL ? (size_t)(nl - *p) : l->b.len - l->pos;
			l->pos += *n + (nl != NULL);
			if (toolong || *n > l->max)
				*n = SIZE_MAX;
			return 1;
		}
		if (l->eof || stream_interrupted())
			return 0;
		buf_consume(&l->b, l->pos);
		l->pos = 0;
		if (l->b.len > l->max) {	/* keep no more than that */
			toolong = 1;
			l->b.len = 0;
		}
		if (buf_reserve(&l->b, READ_CHUNK) == -1)
			err(EX_OSERR, "%s", l->name);
		pfd.fd = l->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 0 && stream_flush(dst) == -1)
			errx(EX_IOERR, "%s", stream_error(dst));
		got = read(l->fd, l->b.p + l->b.len, l->b.cap - l->b.len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			err(EX_IOERR, "%s", l->name);
		if (got == 0)
			l->eof = 1;
		l->b.len += (size_t)got;
		if (l->eof && toolong && l->b.len == 0) {
			l->lineno++;	/* the long line was the last */
			*p = l->b.p;
			*n = SIZE_MAX;
			return 1;
		}
	}
}

/* Blank lines and lines starting with '#' are not frames. */
static int
is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '#')
			return 1;
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	}
	return 1;
}

static int
run_reverse(const struct opts *o, struct prog *a)
{
	struct lines l = { 0, o->in, BUF_INIT, 0, 0, 0, 0 };
	struct json j = JSON_INIT;
	struct buf fb = BUF_INIT;
	struct stream *dst;
	struct record *rec;
	const char *p, *why;
	size_t n, len;
	int status = EX_OK, in, out, bad;

	/* its own accounting line (lines of JSON): in = out + bad */
	in = prog_counter(a, "in");
	out = prog_counter(a, "out");
	bad = prog_counter(a, "bad");
	(void)prog_equation(a, "in = out + bad");
	if (is_zmq(o->in))
		errx(EX_USAGE, "%s: JSON comes from a file or standard input "
		    "(tap without -r reads frames from ZeroMQ)", o->in);
	if (strcmp(o->in, "-") == 0)
		l.fd = STDIN_FILENO;
	else if ((l.fd = open(o->in, O_RDONLY)) == -1)
		err(EX_NOINPUT, "%s", o->in);
	/* hex doubles a byte, \u0001 makes 6 of it: room for any frame */
	l.max = o->max_frame * 8 + 1024;
	dst = open_stream(o->out, "w", o);
	if ((rec = record_new()) == NULL)
		err(EX_OSERR, NULL);
	(void)prog_start(a);		/* signals; no metrics file with -r */

	while (next_line(&l, dst, &p, &n) == 1) {
		prog_poll(a);
		if (n != SIZE_MAX && is_blank(p, n))
			continue;
		PROG_COUNT(a, in)++;
		buf_reset(&fb);
		if (n == SIZE_MAX)
			warnx("%s:%" PRIu64 ": line longer than %zu bytes",
			    o->in, l.lineno, l.max);
		else if (json_parse(&j, &fb, p, n, 1) == -1)
			warnx("%s:%" PRIu64 ":%zu: %s", o->in, l.lineno, j.col,
			    j.err);
		else if (frame_scan(fb.p, fb.len, o->max_frame, &len, &why) !=
		    SCAN_OK || len != fb.len)
			warnx("%s:%" PRIu64 ": not a frame: %s", o->in,
			    l.lineno, why != NULL ? why : "frame_scan");
		else if (frame_decode(rec, fb.p, fb.len, &why) == -1)
			warnx("%s:%" PRIu64 ": not a frame: %s", o->in,
			    l.lineno, why);
		else {
			if (stream_write_raw(dst, fb.p, fb.len) == -1)
				errx(EX_IOERR, "%s", stream_error(dst));
			PROG_COUNT(a, out)++;
			continue;
		}
		PROG_COUNT(a, bad)++;
		status = EX_DATAERR;
	}

	if (stream_close(&dst) == -1)
		err(EX_IOERR, "%s", o->out);
	if (l.fd != STDIN_FILENO)
		close(l.fd);
	record_free(&rec);
	buf_free(&l.b);
	buf_free(&fb);
	json_free(&j);
	return status;
}

int
main(int argc, char *argv[])
{
	struct opts o = { "-", "-", FRAME_MAX_DEFAULT, 0 };
	struct filter f;
	struct prog a;
	int ch, mode = 'p', status;

	filter_init(&f, "tap");
	optx_config(&argc, &argv, optstr, longopts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		if (ch != 'm' && optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'c':
		case 'r':
			if (mode != 'p' && mode != ch)
				errx(EX_USAGE, "-c and -r exclude each other");
			mode = ch;
			break;
		case 'h':
			usage(EX_OK);
		case 'm':
			o.max_frame = f.max_frame = optx_size("max-frame",
			    optarg, MAX_FRAME_MIN, MAX_FRAME_MAX);
			break;
		case 'u':
			o.unbuffered = 1;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);

	if (mode == 'c')
		return run_count(&f);
	if (mode == 'p')
		return run_print(&f, o.unbuffered);
	/* -r: JSON text in, not frames: its own reader and accounting */
	if (f.rej_uri != NULL || f.p.metrics_path != NULL)
		errx(EX_USAGE, "-r: --reject and --metrics do not apply");
	o.in = f.in_uri;
	o.out = f.out_uri;
	prog_init(&a, "tap");
	a.quiet = f.p.quiet;
	status = run_reverse(&o, &a);
	/* bad lines are status 65, not a failure to say again */
	return prog_end(&a) != EX_OK ? EX_SOFTWARE : status;
}

/*
 * filter -- the shared part of every program's main(): open the endpoints
 * with one set of exit statuses, read frames turning the undecodable ones
 * into reject frames, write with counts taken where a write is accepted,
 * answer SIGUSR1, keep the --metrics file, and at the end flush, count what
 * never left, print the accounting line and check the program's equation.
 * The design and the table of behaviours are in docs/filters.md.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "filter.h"
#include "mono.h"
#include "opt.h"
#include "metrics.h"

#define EQ_TERMS	16
#define REJ_WARN_MAX	5	/* no reject stream: reasons printed */

static void
seterr(struct filter *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

/* Keep the first failure: its status and its message. */
static void
fail(struct filter *f, int status, const char *fmt, ...)
{
	va_list ap;

	if (f->status != EX_OK)
		return;
	f->status = status;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

void
filter_init(struct filter *f, const char *prog)
{
	memset(f, 0, sizeof(*f));
	f->prog = prog;
	f->in_uri = "-";
	f->out_uri = "-";
	f->metrics_every = 10;
	f->want_out = 1;
	f->want_in = 1;
	f->status = EX_OK;
	f->ci_in = counters_add(&f->c, "in");
	f->ci_out = counters_add(&f->c, "out");
	f->ci_rejected = counters_add(&f->c, "rejected");
	f->ci_dropped = counters_add(&f->c, "dropped");
	f->ci_unwritten = counters_add(&f->c, "unwritten");
	f->ci_lost = f->ci_repeated = -1;
	(void)filter_equation(f, "in = out + rejected + dropped + unwritten");
}

int
filter_option(struct filter *f, int ch, const char *arg)
{
	const char *why;
	int64_t ns;
	uint64_t u;

	switch (ch) {
	case 'i':
		f->in_uri = arg;
		return 1;
	case 'o':
		f->out_uri = arg;
		return 1;
	case 'q':
		f->quiet = 1;
		return 1;
	case FILTER_OPT_REJECT:
		f->rej_uri = arg;
		return 1;
	case FILTER_OPT_METRICS:
		f->metrics_path = arg;
		return 1;
	case FILTER_OPT_METRICS_EVERY:
		if ((why = opt_duration(arg, OPT_NS_S, OPT_NS_S / 10,
		    86400 * OPT_NS_S, &ns)) != NULL)
			break;
		f->metrics_every = (double)ns / 1e9;
		return 1;
	case FILTER_OPT_TIMEOUT:
		if ((why = opt_duration(arg, OPT_NS_S, OPT_NS_S / 1000,
		    365 * 86400 * OPT_NS_S, &ns)) != NULL)
			break;
		f->timeout = (double)ns / 1e9;
		return 1;
	case FILTER_OPT_PRODUCERS:
		if ((why = opt_u64(arg, 1, 100000, &u)) != NULL)
			break;
		f->producers = (unsigned)u;
		return 1;
	case FILTER_OPT_MAX_FRAME:
		if ((why = opt_size(arg, 64, (uint64_t)1 << 30, &u)) != NULL)
			break;
		f->max_frame = (size_t)u;
		return 1;
	default:
		return 0;
	}
	seterr(f, "--%s: %s", ch == FILTER_OPT_METRICS_EVERY ?
	    "metrics-every" : ch == FILTER_OPT_TIMEOUT ? "timeout" :
	    ch == FILTER_OPT_PRODUCERS ? "producers" : "max-frame", why);
	return -1;
}

int
filter_counter(struct filter *f, const char *name)
{
	return counters_add(&f->c, name);
}

/*
 * Parse "a + b = c + d" against the counters: the indices of each side
 * into lhs/rhs (-1 terminated).  0, or -1 with f->err set.
 */
static int
parse_equation(const struct filter *f, const char *eq, int *lhs, int *rhs,
    char *err, size_t errlen)
{
	const char *p = eq, *s;
	int *side = lhs, n = 0, i, sides = 0;
	size_t len;

	for (;;) {
		while (*p == ' ')
			p++;
		for (s = p; (*p >= 'a' && *p <= 'z') || *p == '_' ||
		    (*p >= '0' && *p <= '9'); p++)
			;
		len = (size_t)(p - s);
		if (len == 0 || n == EQ_TERMS - 1) {
			snprintf(err, errlen, "equation '%s': a counter name "
			    "expected at '%s'", eq, s);
			return -1;
		}
		for (i = 0; i < (int)f->c.count; i++)
			if (strlen(f->c.name[i]) == len &&
			    memcmp(f->c.name[i], s, len) == 0)
				break;
		if (i == (int)f->c.count) {
			snprintf(err, errlen, "equation '%s': no counter "
			    "'%.*s'", eq, (int)len, s);
			return -1;
		}
		side[n++] = i;
		while (*p == ' ')
			p++;
		if (*p == '+') {
			p++;
			continue;
		}
		side[n] = -1;
		if (*p == '=' && sides == 0) {
			p++;
			side = rhs;
			n = 0;
			sides = 1;
			continue;
		}
		if (*p == '\0' && sides == 1)
			return 0;
		snprintf(err, errlen, "equation '%s': '+', '=' or the end "
		    "expected at '%s'", eq, p);
		return -1;
	}
}

int
filter_equation(struct filter *f, const char *eq)
{
	int lhs[EQ_TERMS], rhs[EQ_TERMS];

	if (strlen(eq) >= sizeof(f->equation)) {
		seterr(f, "equation too long");
		return -1;
	}
	if (parse_equation(f, eq, lhs, rhs, f->err, sizeof(f->err)) == -1)
		return -1;
	strcpy(f->equation, eq);
	return 0;
}

/* Does the equation hold?  1 yes, 0 no (why in buf), -1 it is malformed. */
static int
equation_holds(const struct filter *f, char *buf, size_t size)
{
	int lhs[EQ_TERMS], rhs[EQ_TERMS], i;
	uint64_t l = 0, r = 0;

	if (f->equation[0] == '\0')
		return 1;
	if (parse_equation(f, f->equation, lhs, rhs, buf, size) == -1)
		return -1;
	for (i = 0; lhs[i] != -1; i++)
		l += f->c.n[lhs[i]];
	for (i = 0; rhs[i] != -1; i++)
		r += f->c.n[rhs[i]];
	if (l == r)
		return 1;
	snprintf(buf, size, "the accounting does not balance: %s, but "
	    "%llu != %llu", f->equation, (unsigned long long)l,
	    (unsigned long long)r);
	return 0;
}

static int
is_endpoint(const char *uri)
{
	return strstr(uri, "://") != NULL;
}

/* Open one stream; on failure the status a user can act on. */
static int
open_one(struct filter *f, struct stream **sp, const char *uri,
    const char *mode)
{
	struct stat st;
	int reading = mode[0] == 'r';

	if (reading && !is_endpoint(uri) && strcmp(uri, "-") != 0 &&
	    stat(uri, &st) == 0 && S_ISDIR(st.st_mode)) {
		seterr(f, "%s: is a directory", uri);
		return EX_NOINPUT;
	}
	if ((*sp = stream_open(uri, mode)) != NULL) {
		if (f->max_frame != 0)
			stream_set_max_frame(*sp, f->max_frame);
		return EX_OK;
	}
	if (*stream_open_error() != '\0')
		seterr(f, "%s", stream_open_error());
	else
		seterr(f, "%s: %s", uri, strerror(errno));
	if (errno == EINVAL)
		return EX_USAGE;
	if (is_endpoint(uri))
		return EX_UNAVAILABLE;
	return reading ? EX_NOINPUT : EX_CANTCREAT;
}

int
filter_open(struct filter *f)
{
	int st;

	if (f->want_in &&
	    (st = open_one(f, &f->in, f->in_uri, "r")) != EX_OK)
		return st;
	if (f->want_out &&
	    (st = open_one(f, &f->out, f->out_uri, "w")) != EX_OK)
		goto fail;
	if (f->rej_uri == NULL ||
	    (f->want_out && strcmp(f->rej_uri, f->out_uri) == 0))
		f->rej = f->out;		/* inline (NULL: no output) */
	else if ((st = open_one(f, &f->rej, f->rej_uri, "w")) != EX_OK)
		goto fail;
	if ((f->rj = record_new()) == NULL) {
		seterr(f, "out of memory");
		st = EX_OSERR;
		goto fail;
	}
	if (f->timeout > 0) {
		if (f->in != NULL)
			stream_set_timeout(f->in, f->timeout);
		if (f->out != NULL)
			stream_set_timeout(f->out, f->timeout);
		if (f->rej != NULL && f->rej != f->out)
			stream_set_timeout(f->rej, f->timeout);
	}
	if (f->in != NULL && stream_is_zmq(f->in)) {
		/* what never came over the network: outside the equation */
		f->ci_lost = counters_add(&f->c, "lost");
		f->ci_repeated = counters_add(&f->c, "repeated");
		if (f->producers > 0)
			stream_set_eos_count(f->in, f->producers);
	}
	if (f->metrics_path != NULL && metrics_write(f->metrics_path,
	    f->prog, &f->c, 1, f->err, sizeof(f->err)) == -1) {
		st = EX_CANTCREAT;
		goto fail;
	}
	f->metrics_next = mono_now() + f->metrics_every;
	stream_catch_signals();
	return EX_OK;
fail:
	if (f->rej != f->out)
		stream_close(&f->rej);
	f->rej = NULL;
	stream_close(&f->out);
	stream_close(&f->in);
	record_free(&f->rj);
	return st;
}

/* Now and then: the metrics file, if asked for and due. */
static void
tick(struct filter *f)
{
	char err[256];
	double t;

	if (f->metrics_path == NULL || (t = mono_now()) < f->metrics_next)
		return;
	f->metrics_next = t + f->metrics_every;
	if (metrics_write(f->metrics_path, f->prog, &f->c, 1, err,
	    sizeof(err)) == -1)
		fprintf(stderr, "%s: %s\n", f->prog, err);
}

/* A write failed on st: record why, say whether the frame was queued. */
static int
write_failed(struct filter *f, struct stream *st)
{
	int queued = errno != EMSGSIZE && errno != ENOMEM &&
	    errno != EINVAL;

	fail(f, stream_timed_out(st) ? EX_TEMPFAIL : EX_IOERR, "%s",
	    stream_error(st));
	return queued;
}

static int
put_reject(struct filter *f, const struct record *rj)
{
	const struct value *v;
	uint64_t n;

	if (f->rej == NULL) {		/* no output and no --reject */
		n = ++FILTER_COUNT(f, f->ci_rejected);
		if (n <= REJ_WARN_MAX) {
			for (v = NULL, n = 0; n < rj->nbody; n++)
				if (rj->body[n].klen == 6 &&
				    memcmp(rj->body[n].key, "reason", 6) == 0)
					v = &rj->body[n].v;
			fprintf(stderr, "%s: rejected: %.*s\n", f->prog,
			    v != NULL ? (int)v->len : 0, v != NULL ? v->p : "");
		}
		return 0;
	}
	if (stream_write(f->rej, rj) == 0) {
		FILTER_COUNT(f, f->ci_rejected)++;
		return 0;
	}
	if (write_failed(f, f->rej))
		FILTER_COUNT(f, f->ci_rejected)++;
	else
		FILTER_COUNT(f, f->ci_unwritten)++;
	return -1;
}

/*
 * What filter_read() does when stream_read() gave no frame: an undecodable
 * frame becomes a reject frame and reading goes on (STREAM_BAD) or stops
 * (STREAM_ERR).  Apart, so that the common path stays short.
 */
int
filter_read_slow(struct filter *f, int r, struct record **rp)
{
	struct reject why;
	const char *p;
	size_t n;

	for (;;) {
		f->cur = NULL;
		if (r == STREAM_EOF) {
			f->interrupted = stream_interrupted();
			return FILTER_END;
		}
		if (r == STREAM_ERR && stream_timed_out(f->in)) {
			fail(f, EX_TEMPFAIL, "%s", stream_error(f->in));
			return FILTER_FAIL;
		}
		/* undecodable: a reject frame with its bytes, then read on
		 * (STREAM_BAD) or stop (STREAM_ERR: the rest is unreadable) */
		if (stream_bad_frame(f->in, &p, &n) == -1)
			p = NULL, n = 0;	/* a reject with the reason only */
		FILTER_COUNT(f, f->ci_in)++;
		if (r == STREAM_ERR && f->rej == NULL) {
			/* no trace to leave but the message, said once */
			FILTER_COUNT(f, f->ci_rejected)++;
			fail(f, EX_DATAERR, "%s", stream_error(f->in));
			return FILTER_FAIL;
		}
		memset(&why, 0, sizeof(why));
		why.stage = f->prog;
		why.rule = "decode";
		why.reason = stream_error(f->in);
		if (reject_build(f->rj, &f->scratch, NULL, p, n, &why) == -1) {
			FILTER_COUNT(f, f->ci_unwritten)++;
			fail(f, EX_OSERR, "out of memory");
			return FILTER_FAIL;
		}
		if (put_reject(f, f->rj) == -1)
			return FILTER_FAIL;
		if (r == STREAM_ERR) {
			fail(f, EX_DATAERR, "%s", stream_error(f->in));
			return FILTER_FAIL;
		}
		if ((r = stream_read(f->in, rp)) == STREAM_OK) {
			FILTER_COUNT(f, f->ci_in)++;
			f->cur = *rp;
			return FILTER_FRAME;
		}
	}
}

void
filter_net_counts(struct filter *f)
{
	if (f->ci_lost < 0 || f->in == NULL)
		return;
	f->c.n[f->ci_lost] = stream_lost(f->in);
	f->c.n[f->ci_repeated] = stream_repeated(f->in);
}

void
filter_usr1(struct filter *f)
{
	filter_net_counts(f);
	filter_report(f);
	f->metrics_next = 0;
	tick(f);
}

void
filter_tick(struct filter *f)
{
	tick(f);
}

int
filter_pending(const struct filter *f)
{
	return stream_pending(f->in);
}

/* A write to st failed: count the frame where it went, return -1. */
int
filter_put_failed(struct filter *f, struct stream *st, int ci)
{
	if (write_failed(f, st))
		FILTER_COUNT(f, ci)++;
	else
		FILTER_COUNT(f, f->ci_unwritten)++;
	return -1;
}

int
filter_emit_frames(struct filter *f, const void *p, size_t n,
    uint64_t nframes)
{
	if (stream_write_frames(f->out, p, n, nframes) == 0) {
		FILTER_COUNT(f, f->ci_out) += nframes;
		return 0;
	}
	/* stream_write_frames() keeps what it could not send queued */
	FILTER_COUNT(f, f->ci_out) += nframes;
	fail(f, EX_IOERR, "%s", stream_error(f->out));
	return -1;
}

int
filter_reject(struct filter *f, const struct record *r,
    const struct reject *why)
{
	struct reject w = *why;

	w.stage = f->prog;
	if (r == NULL)
		r = f->cur;
	if (reject_build(f->rj, &f->scratch, r, NULL, 0, &w) == -1) {
		FILTER_COUNT(f, f->ci_unwritten)++;
		fail(f, EX_OSERR, "out of memory");
		return -1;
	}
	return put_reject(f, f->rj);
}

int
filter_reject_built(struct filter *f, const struct record *rj)
{
	return put_reject(f, rj);
}

void
filter_drop(struct filter *f)
{
	FILTER_COUNT(f, f->ci_dropped)++;
}

int
filter_fail(struct filter *f, int status, const char *fmt, ...)
{
	va_list ap;

	if (f->status != EX_OK)
		return -1;
	f->status = status;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	return -1;
}

void
filter_report(const struct filter *f)
{
	char line[2048];

	counters_format(&f->c, f->prog, line, sizeof(line));
	fprintf(stderr, "%s%s\n", line, f->interrupted ?
	    " (interrupted)" : "");
}

const char *
filter_error(const struct filter *f)
{
	return f->err;
}

/*
 * Frames a writer accepted but never handed on leave `ci` (out or
 * rejected, in that order when both share the stream) for `unwritten`.
 */
static void
move_unsent(struct filter *f, uint64_t unsent, int ci)
{
	uint64_t d = unsent < f->c.n[ci] ? unsent : f->c.n[ci];

	f->c.n[ci] -= d;
	f->c.n[f->ci_unwritten] += d;
	if (unsent > d && ci == f->ci_out && f->rej == f->out)
		move_unsent(f, unsent - d, f->ci_rejected);
}

/* Flush, count what never left, close.  The error, if any, is kept. */
static void
close_writer(struct filter *f, struct stream **sp, int ci)
{
	const char *uri = *sp == f->out ? f->out_uri : f->rej_uri;

	if (*sp == NULL)
		return;
	if (stream_finish(*sp) == -1)
		fail(f, stream_timed_out(*sp) || errno == ETIMEDOUT ?
		    EX_TEMPFAIL : EX_IOERR, "%s", stream_error(*sp));
	move_unsent(f, stream_unsent(*sp), ci);
	if (stream_close(sp) == -1)
		fail(f, EX_IOERR, "%s: %s", uri, strerror(errno));
}

int
filter_close(struct filter *f)
{
	char why[512];

	f->interrupted |= stream_interrupted();	/* a program's own reader */
	if (f->rej != NULL && f->rej != f->out)
		close_writer(f, &f->rej, f->ci_rejected);
	f->rej = NULL;
	close_writer(f, &f->out, f->ci_out);
	filter_net_counts(f);
	if (f->ci_lost >= 0 && f->c.n[f->ci_lost] > 0)
		fprintf(stderr, "%s: %s: %llu frames never arrived (seq gaps or "
		    "producers' end-of-stream counts)\n", f->prog, f->in_uri,
		    (unsigned long long)f->c.n[f->ci_lost]);
	stream_close(&f->in);
	if (f->status != EX_OK)
		fprintf(stderr, "%s: %s\n", f->prog, f->err);
	if (!f->quiet || f->status != EX_OK)
		filter_report(f);
	if (f->metrics_path != NULL && metrics_write(f->metrics_path, f->prog,
	    &f->c, 0, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s: %s\n", f->prog, why);
		if (f->status == EX_OK)
			f->status = EX_IOERR;
	}
	if (equation_holds(f, why, sizeof(why)) != 1) {
		fprintf(stderr, "%s: %s\n", f->prog, why);
		f->status = EX_SOFTWARE;
	}
	record_free(&f->rj);
	buf_free(&f->scratch);
	return f->status;
}

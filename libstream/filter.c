/*
 * filter -- the shared part of every program's main(): open the endpoints
 * with one set of exit statuses, read frames turning the undecodable ones
 * into reject frames, write with counts taken where a write is accepted,
 * answer SIGUSR1, keep the --metrics file, and at the end flush, count what
 * never left, then prog_end(): the accounting line and the equation.
 * The design and the table of behaviours are in docs/filters.md.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "filter.h"
#include "opt.h"

#define REJ_WARN_MAX	5	/* no reject stream: reasons printed */

/* What a ZeroMQ input adds to the counters (outside the equation). */
static const char *const net_counters[] = { "lost", "repeated" };

/* Why the call fails: the message, kept in the program part. */
#define seterr(f, ...)	snprintf((f)->p.err, sizeof((f)->p.err), __VA_ARGS__)

void
filter_init(struct filter *f, const char *prog)
{
	memset(f, 0, sizeof(*f));
	prog_init(&f->p, prog);
	f->in_uri = "-";
	f->out_uri = "-";
	f->want_out = 1;
	f->want_in = 1;
	f->ci_in = prog_counter(&f->p, "in");
	f->ci_out = prog_counter(&f->p, "out");
	f->ci_rejected = prog_counter(&f->p, "rejected");
	f->ci_dropped = prog_counter(&f->p, "dropped");
	f->ci_unwritten = prog_counter(&f->p, "unwritten");
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
	case FILTER_OPT_REJECT:
		f->rej_uri = arg;
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
		return prog_option(&f->p, ch, arg);
	}
	seterr(f, "--%s: %s", ch == FILTER_OPT_TIMEOUT ? "timeout" :
	    ch == FILTER_OPT_PRODUCERS ? "producers" : "max-frame", why);
	return -1;
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

/*
 * A program's own counter named like one a ZeroMQ input adds would share
 * its slot (prog_counter() returns the one there): the two counts mixed.
 * A bug, refused whatever the input, so that any run shows it.
 */
static int
net_counters_free(struct filter *f)
{
	size_t i;
	unsigned k;

	for (i = 0; i < sizeof(net_counters) / sizeof(net_counters[0]); i++)
		for (k = 0; k < f->p.c.count; k++)
			if (strcmp(f->p.c.name[k], net_counters[i]) == 0) {
				seterr(f, "counter %s: the program's own, and "
				    "a ZeroMQ input counts its %s= there too "
				    "(a bug: name the program's otherwise)",
				    net_counters[i], net_counters[i]);
				return -1;
			}
	return 0;
}

int
filter_open(struct filter *f)
{
	int st;

	if (net_counters_free(f) == -1)
		return EX_SOFTWARE;
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
		f->ci_lost = prog_counter(&f->p, net_counters[0]);
		f->ci_repeated = prog_counter(&f->p, net_counters[1]);
		if (f->producers > 0)
			stream_set_eos_count(f->in, f->producers);
	}
	if ((st = prog_start(&f->p)) != EX_OK)
		goto fail;
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

/* A write failed on st: record why, say whether the frame was queued. */
static int
write_failed(struct filter *f, struct stream *st)
{
	int queued = errno != EMSGSIZE && errno != ENOMEM &&
	    errno != EINVAL;

	prog_fail(&f->p, stream_timed_out(st) ? EX_TEMPFAIL : EX_IOERR,
	    "%s", stream_error(st));
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
			fprintf(stderr, "%s: rejected: %.*s\n", f->p.name,
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
			f->p.interrupted = stream_interrupted();
			return FILTER_END;
		}
		if (r == STREAM_ERR && stream_timed_out(f->in)) {
			prog_fail(&f->p, EX_TEMPFAIL, "%s", stream_error(f->in));
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
			prog_fail(&f->p, EX_DATAERR, "%s", stream_error(f->in));
			return FILTER_FAIL;
		}
		memset(&why, 0, sizeof(why));
		why.stage = f->p.name;
		why.rule = "decode";
		why.reason = stream_error(f->in);
		if (reject_build(f->rj, &f->scratch, NULL, p, n, &why) == -1) {
			FILTER_COUNT(f, f->ci_unwritten)++;
			prog_fail(&f->p, EX_OSERR, "out of memory");
			return FILTER_FAIL;
		}
		if (put_reject(f, f->rj) == -1)
			return FILTER_FAIL;
		if (r == STREAM_ERR) {
			prog_fail(&f->p, EX_DATAERR, "%s", stream_error(f->in));
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
	FILTER_COUNT(f, f->ci_lost) = stream_lost(f->in);
	FILTER_COUNT(f, f->ci_repeated) = stream_repeated(f->in);
}

void
filter_usr1(struct filter *f)
{
	filter_net_counts(f);
	prog_usr1(&f->p);
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
	prog_fail(&f->p, EX_IOERR, "%s", stream_error(f->out));
	return -1;
}

int
filter_reject(struct filter *f, const struct record *r,
    const struct reject *why)
{
	struct reject w = *why;

	w.stage = f->p.name;
	if (r == NULL)
		r = f->cur;
	if (reject_build(f->rj, &f->scratch, r, NULL, 0, &w) == -1) {
		FILTER_COUNT(f, f->ci_unwritten)++;
		prog_fail(&f->p, EX_OSERR, "out of memory");
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

/*
 * Frames a writer accepted but never handed on leave `ci` (out or
 * rejected, in that order when both share the stream) for `unwritten`.
 */
static void
move_unsent(struct filter *f, uint64_t unsent, int ci)
{
	uint64_t d = unsent < FILTER_COUNT(f, ci) ? unsent :
	    FILTER_COUNT(f, ci);

	FILTER_COUNT(f, ci) -= d;
	FILTER_COUNT(f, f->ci_unwritten) += d;
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
		prog_fail(&f->p, stream_timed_out(*sp) || errno == ETIMEDOUT ?
		    EX_TEMPFAIL : EX_IOERR, "%s", stream_error(*sp));
	move_unsent(f, stream_unsent(*sp), ci);
	if (stream_close(sp) == -1)
		prog_fail(&f->p, EX_IOERR, "%s: %s", uri, strerror(errno));
}

int
filter_close(struct filter *f)
{
	f->p.interrupted |= stream_interrupted();	/* a program's own reader */
	if (f->rej != NULL && f->rej != f->out)
		close_writer(f, &f->rej, f->ci_rejected);
	f->rej = NULL;
	close_writer(f, &f->out, f->ci_out);
	filter_net_counts(f);
	if (f->ci_lost >= 0 && FILTER_COUNT(f, f->ci_lost) > 0)
		fprintf(stderr, "%s: %s: %llu frames never arrived (seq gaps or "
		    "producers' end-of-stream counts)\n", f->p.name, f->in_uri,
		    (unsigned long long)FILTER_COUNT(f, f->ci_lost));
	stream_close(&f->in);
	record_free(&f->rj);
	buf_free(&f->scratch);
	return prog_end(&f->p);
}

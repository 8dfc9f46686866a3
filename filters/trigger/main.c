/*
 * trigger -- run a command for each retrain event (docs/protocol.md,
 * "Event bodies"), one run at a time.  Frames in, the same frames out,
 * plus one event frame of type trigger per run with its outcome.  The
 * command gets the events as JSON lines on its stdin (the frames as tap
 * prints them) and PDM_* environment variables.  Retrain events that
 * arrive while a run is going coalesce into one follow-up run.  A run
 * that outlives --timeout is killed (its process group: SIGTERM, then
 * SIGKILL 2 s later); a failed run is retried with its events after a
 * backoff that doubles up to --max-backoff, at most --retries times.
 *
 * One thread: while nothing runs, the loop blocks on input; while a run
 * goes on (or waits for its backoff), the loop polls the child's output
 * pipe with a 10 ms tick and reads input only when a frame is ready.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <msgpack.h>

#include "codec.h"
#include "filter.h"
#include "optx.h"
#include "timeparse.h"

#define PROG	"trigger"
#define TAIL	1024

enum {
	OPT_BACKOFF = FILTER_OPT_OWN, OPT_MAXBACK, OPT_RETRIES, OPT_TYPE
};

static const struct option opts[] = {
	FILTER_LONGOPTS,
	{ "backoff",		required_argument, NULL, OPT_BACKOFF },
	{ "config",		required_argument, NULL, 'C' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "max-backoff",	required_argument, NULL, OPT_MAXBACK },
	{ "retries",		required_argument, NULL, OPT_RETRIES },
	{ "timeout",		required_argument, NULL, 't' },
	{ "type",		required_argument, NULL, OPT_TYPE },
	{ NULL,			0,		   NULL, 0 }
};
static const char optstr[] = "+" FILTER_SHORTOPTS "C:ht:";

_Noreturn static void
usage(int status)
{
	optx_usage(status,
"usage: trigger [-q] [-C file] [-t seconds] [--backoff S] [--max-backoff S]\n"
"               [--retries N] [--type TYPE] [-i URI] [-o URI] command [arg ...]\n"
"Runs command for each retrain event, one run at a time; events that come\n"
"during a run coalesce into one follow-up run.  Frames pass through; each\n"
"run's outcome is written as an event frame of type trigger.\n"
"  -C, --config FILE       options from FILE, a \"long-option value\" a line\n"
"                          (the command line wins)\n"
"  -t, --timeout S         kill a run after S seconds (default 3600)\n"
"      --backoff S         wait S seconds after a failed run, doubling\n"
"                          after each failure in a row (default 10)\n"
"      --max-backoff S     at most (default 3600)\n"
"      --retries N         runs of the same events before giving up (3)\n"
"      --type TYPE         the event type that triggers (default retrain)\n"
"The command reads the events as JSON lines on stdin; environment:\n"
"PDM_EVENTS (how many), PDM_DEV, PDM_MODEL (of the last), PDM_DEVS,\n"
"PDM_FEATURES (comma lists), PDM_ATTEMPT.\n"
FILTER_USAGE, "");
}

/* ---- JSON of a msgpack object (tap's mapping: times as RFC 3339) ---- */

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char s[128];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_append(b, s, (size_t)n < sizeof(s) ? (size_t)n :
		    sizeof(s) - 1);
}

static void
json_time(struct buf *b, const char *p, int wrap)
{
	const unsigned char *u = (const unsigned char *)p;
	uint32_t sec = (uint32_t)u[0] << 24 | u[1] << 16 | u[2] << 8 | u[3];
	uint32_t nsec = (uint32_t)u[4] << 24 | u[5] << 16 | u[6] << 8 | u[7];
	char s[48];

	time_format_iso(s, sizeof(s), sec, nsec);
	bprintf(b, wrap ? "{\"$time\":\"%s\"}" : "\"%s\"", s);
}

static void
json_str(struct buf *b, const char *p, size_t n)
{
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			bprintf(b, "\\%c", c);
		else if (c < 0x20)
			bprintf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void
json(struct buf *b, const msgpack_object *o, int wrap)
{
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		bprintf(b, "null");
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		bprintf(b, o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		bprintf(b, "%llu", (unsigned long long)o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		bprintf(b, "%lld", (long long)o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (isfinite(o->via.f64))
			bprintf(b, "%.17g", o->via.f64);
		else
			bprintf(b, "null");
		break;
	case MSGPACK_OBJECT_STR:
		json_str(b, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		buf_putc(b, '"');
		for (i = 0; i < o->via.bin.size; i++)
			bprintf(b, "%02x", (unsigned char)o->via.bin.ptr[i]);
		buf_putc(b, '"');
		break;
	case MSGPACK_OBJECT_EXT:
		if (o->via.ext.type == 0 && o->via.ext.size == 8)
			json_time(b, o->via.ext.ptr, wrap);
		else
			bprintf(b, "null");
		break;
	case MSGPACK_OBJECT_ARRAY:
		buf_putc(b, '[');
		for (i = 0; i < o->via.array.size; i++) {
			if (i > 0)
				buf_putc(b, ',');
			json(b, &o->via.array.ptr[i], wrap);
		}
		buf_putc(b, ']');
		break;
	case MSGPACK_OBJECT_MAP:
		buf_putc(b, '{');
		for (i = 0; i < o->via.map.size; i++) {
			if (i > 0)
				buf_putc(b, ',');
			if (o->via.map.ptr[i].key.type == MSGPACK_OBJECT_STR)
				json(b, &o->via.map.ptr[i].key, 1);
			else
				bprintf(b, "\"?\"");
			buf_putc(b, ':');
			json(b, &o->via.map.ptr[i].val, 1);
		}
		buf_putc(b, '}');
		break;
	}
}

/* ---- the pending batch and the run --------------------------------- */

struct run {
	/* events waiting for a run (JSON lines) and what the env says */
	struct buf	 lines;
	uint32_t	 nev;
	struct buf	 devs, feats;
	char		 dev[256], model[256];
	/* the run going on */
	pid_t		 pid;		/* 0: none */
	int		 outfd;
	double		 start, deadline, killat;
	int		 timedout;
	char		 tail[TAIL];
	size_t		 tlen, tpos;	/* ring of the output's last bytes */
	uint32_t	 run_nev;
	struct buf	 run_lines;	/* kept to retry */
	struct buf	 run_devs, run_feats;
	/* failures in a row, and when the next run may start */
	uint32_t	 attempt;
	double		 retry_at;
};

static void
addlist(struct buf *b, const char *s, size_t n)
{
	size_t i, k;

	/* skip if already in the comma list */
	for (i = 0; i < b->len; i = k + 1) {
		for (k = i; k < b->len && b->p[k] != ','; k++)
			;
		if (k - i == n && memcmp(b->p + i, s, n) == 0)
			return;
	}
	if (b->len > 0)
		buf_putc(b, ',');
	buf_append(b, s, n);
}

/* queue the event frame (its bytes p[0..n)) */
static int
enqueue(struct run *rn, const char *p, size_t n, const struct record *r)
{
	msgpack_unpacked u;
	size_t off = 0;
	const msgpack_object *body, *v;
	const struct value *mv;
	uint32_t i, j;

	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, p, n, &off) != MSGPACK_UNPACK_SUCCESS) {
		msgpack_unpacked_destroy(&u);
		return -1;
	}
	json(&rn->lines, &u.data, 0);
	buf_putc(&rn->lines, '\n');
	rn->nev++;
	snprintf(rn->dev, sizeof(rn->dev), "%.*s", r->dev ? (int)r->dev_len :
	    0, r->dev ? r->dev : "");
	if (r->dev != NULL)
		addlist(&rn->devs, r->dev, r->dev_len);
	rn->model[0] = '\0';
	if ((mv = record_meta_get(r, "model")) != NULL && mv->type == VAL_STR)
		snprintf(rn->model, sizeof(rn->model), "%.*s", (int)mv->len,
		    mv->p);
	body = u.data.type == MSGPACK_OBJECT_ARRAY && u.data.via.array.size == 2
	    ? &u.data.via.array.ptr[1] : NULL;
	for (i = 0; body != NULL && body->type == MSGPACK_OBJECT_MAP &&
	    i < body->via.map.size; i++) {
		const msgpack_object *k = &body->via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size != 8 ||
		    memcmp(k->via.str.ptr, "features", 8) != 0)
			continue;
		v = &body->via.map.ptr[i].val;
		for (j = 0; v->type == MSGPACK_OBJECT_ARRAY &&
		    j < v->via.array.size; j++)
			if (v->via.array.ptr[j].type == MSGPACK_OBJECT_STR)
				addlist(&rn->feats,
				    v->via.array.ptr[j].via.str.ptr,
				    v->via.array.ptr[j].via.str.size);
	}
	msgpack_unpacked_destroy(&u);
	return 0;
}

static const char *
cstr(struct buf *b)
{
	buf_putc(b, '\0');
	b->len--;
	return b->p;
}

static int
start(struct run *rn, char **cmd, double timeout)
{
	int out[2];
	FILE *in;
	char num[32];

	if ((in = tmpfile()) == NULL || pipe(out) == -1)
		return -1;
	if (rn->lines.len > 0 && fwrite(rn->lines.p, 1, rn->lines.len, in) !=
	    rn->lines.len)
		return -1;
	fflush(in);
	rewind(in);
	switch (rn->pid = fork()) {
	case -1:
		return -1;
	case 0:
		setpgid(0, 0);
		dup2(fileno(in), 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(out[0]);
		close(out[1]);
		snprintf(num, sizeof(num), "%u", rn->nev);
		setenv("PDM_EVENTS", num, 1);
		snprintf(num, sizeof(num), "%u", rn->attempt + 1);
		setenv("PDM_ATTEMPT", num, 1);
		setenv("PDM_DEV", rn->dev, 1);
		setenv("PDM_MODEL", rn->model, 1);
		setenv("PDM_DEVS", cstr(&rn->devs), 1);
		setenv("PDM_FEATURES", cstr(&rn->feats), 1);
		signal(SIGPIPE, SIG_DFL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "trigger: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	setpgid(rn->pid, rn->pid);
	fclose(in);
	close(out[1]);
	rn->outfd = out[0];
	fcntl(rn->outfd, F_SETFL, O_NONBLOCK);
	rn->start = prog_now();
	rn->deadline = rn->start + timeout;
	rn->killat = INFINITY;
	rn->timedout = 0;
	rn->tlen = rn->tpos = 0;
	/* the batch moves to the run; new events start a new one */
	buf_reset(&rn->run_lines);
	buf_append(&rn->run_lines, rn->lines.p, rn->lines.len);
	buf_reset(&rn->run_devs);
	buf_append(&rn->run_devs, rn->devs.p, rn->devs.len);
	buf_reset(&rn->run_feats);
	buf_append(&rn->run_feats, rn->feats.p, rn->feats.len);
	rn->run_nev = rn->nev;
	buf_reset(&rn->lines);
	buf_reset(&rn->devs);
	buf_reset(&rn->feats);
	rn->nev = 0;
	return 0;
}

/* read what the child wrote, keeping the last TAIL bytes */
static void
drain(struct run *rn)
{
	char b[4096];
	ssize_t n, i;

	while ((n = read(rn->outfd, b, sizeof(b))) > 0)
		for (i = 0; i < n; i++) {
			rn->tail[rn->tpos] = b[i];
			rn->tpos = (rn->tpos + 1) % TAIL;
			if (rn->tlen < TAIL)
				rn->tlen++;
		}
}

struct out {
	struct filter	*f;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	int		 cruns, coutcomes, cevents, cfailed, cgaveup;
};

static int
outcome(struct out *o, struct run *rn, int status, double backoff,
    double maxback, uint32_t retries)
{
	msgpack_packer *pk = &o->pk;
	struct timespec ts;
	char tail[TAIL];
	const char *what;
	double secs = prog_now() - rn->start, retry = NAN;
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	size_t i, start;
	uint32_t attempt = rn->attempt + 1;

	what = rn->timedout ? "timeout" : ok ? "ok" : "failed";
	if (ok)
		rn->attempt = 0;
	else {
		FILTER_COUNT(o->f, o->cfailed)++;
		if (attempt < retries) {
			/* retry these events (with any that came since) */
			rn->attempt++;
			retry = backoff * ldexp(1, (int)rn->attempt - 1);
			if (retry > maxback)
				retry = maxback;
			rn->retry_at = prog_now() + retry;
			buf_append(&rn->run_lines, rn->lines.p, rn->lines.len);
			buf_reset(&rn->lines);
			buf_append(&rn->lines, rn->run_lines.p,
			    rn->run_lines.len);
			rn->nev += rn->run_nev;
			if (rn->run_devs.len > 0)
				addlist(&rn->devs, rn->run_devs.p,
				    rn->run_devs.len);
			if (rn->run_feats.len > 0)
				addlist(&rn->feats, rn->run_feats.p,
				    rn->run_feats.len);
		} else {
			FILTER_COUNT(o->f, o->cgaveup) += rn->run_nev;
			rn->attempt = 0;
		}
	}
	start = rn->tlen < TAIL ? 0 : rn->tpos;
	for (i = 0; i < rn->tlen; i++)
		tail[i] = rn->tail[(start + i) % TAIL];

	msgpack_sbuffer_clear(&o->sb);
	clock_gettime(CLOCK_REALTIME, &ts);
	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 2);
	frame_pack_time(pk, ts.tv_sec, (uint32_t)ts.tv_nsec);
	msgpack_pack_map(pk, 1 + (rn->run_devs.len > 0 &&
	    memchr(rn->run_devs.p, ',', rn->run_devs.len) == NULL));
	frame_pack_str(pk, "kind");
	frame_pack_str(pk, "event");
	if (rn->run_devs.len > 0 && memchr(rn->run_devs.p, ',',
	    rn->run_devs.len) == NULL) {
		frame_pack_str(pk, "dev");
		msgpack_pack_str(pk, rn->run_devs.len);
		msgpack_pack_str_body(pk, rn->run_devs.p, rn->run_devs.len);
	}
	msgpack_pack_map(pk, 9);
	frame_pack_str(pk, "type");
	frame_pack_str(pk, "trigger");
	frame_pack_str(pk, "status");
	frame_pack_str(pk, what);
	frame_pack_str(pk, "exit");
	if (WIFEXITED(status))
		msgpack_pack_int(pk, WEXITSTATUS(status));
	else
		msgpack_pack_nil(pk);
	frame_pack_str(pk, "signal");
	if (WIFSIGNALED(status))
		msgpack_pack_int(pk, WTERMSIG(status));
	else
		msgpack_pack_nil(pk);
	frame_pack_str(pk, "seconds");
	msgpack_pack_double(pk, secs);
	frame_pack_str(pk, "events");
	msgpack_pack_uint32(pk, rn->run_nev);
	frame_pack_str(pk, "attempt");
	msgpack_pack_uint32(pk, attempt);
	frame_pack_str(pk, "retry_in");
	if (isnan(retry))
		msgpack_pack_nil(pk);
	else
		msgpack_pack_double(pk, retry);
	frame_pack_str(pk, "tail");
	msgpack_pack_str(pk, rn->tlen);
	msgpack_pack_str_body(pk, tail, rn->tlen);
	FILTER_COUNT(o->f, o->coutcomes)++;
	return filter_emit_frames(o->f, o->sb.data, o->sb.size, 1);
}

/* the run, if any, has ended?  emit its outcome.  -1: output failed */
static int
service(struct out *o, struct run *rn, double backoff, double maxback,
    uint32_t retries)
{
	int status;
	double t;
	pid_t p;

	if (rn->pid == 0)
		return 0;
	drain(rn);
	t = prog_now();
	if (t >= rn->deadline && !rn->timedout) {
		rn->timedout = 1;
		kill(-rn->pid, SIGTERM);
		rn->killat = t + 2;
	}
	if (t >= rn->killat) {
		kill(-rn->pid, SIGKILL);
		rn->killat = INFINITY;
	}
	if ((p = waitpid(rn->pid, &status, WNOHANG)) == 0)
		return 0;
	if (p == -1)
		status = 0x7f00;	/* lost: report as exit 127 */
	drain(rn);
	close(rn->outfd);
	rn->pid = 0;
	if (rn->timedout)
		kill(-p, SIGKILL);	/* what the command left behind */
	return outcome(o, rn, status, backoff, maxback, retries);
}

int
main(int argc, char *argv[])
{
	struct filter f;
	struct out o;
	struct run rn;
	struct record *r;
	struct pollfd pfd;
	double timeout = 3600, backoff = 10, maxback = 3600;
	uint32_t retries = 3;
	const char *type = "retrain";
	const char *p;
	size_t n;
	int ch, st, eof = 0, rd;

	filter_init(&f, PROG);
	optx_config(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		if (optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 't':
			timeout = optx_secs("timeout", optarg, 0.001, 1e9);
			break;
		case OPT_BACKOFF:
			backoff = optx_secs("backoff", optarg, 0, 1e9);
			break;
		case OPT_MAXBACK:
			maxback = optx_secs("max-backoff", optarg, 0, 1e9);
			break;
		case OPT_RETRIES:
			retries = (uint32_t)optx_u64("retries", optarg, 1,
			    1000000);
			break;
		case OPT_TYPE:
			type = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind == argc)
		usage(EX_USAGE);

	memset(&rn, 0, sizeof(rn));
	memset(&o, 0, sizeof(o));
	o.f = &f;
	msgpack_sbuffer_init(&o.sb);
	msgpack_packer_init(&o.pk, &o.sb, msgpack_sbuffer_write);
	o.cevents = filter_counter(&f, "events");
	o.cruns = filter_counter(&f, "runs");
	o.coutcomes = filter_counter(&f, "outcomes");
	o.cfailed = filter_counter(&f, "failed");
	o.cgaveup = filter_counter(&f, "gave_up");
	filter_equation(&f, "in + outcomes = out + rejected + dropped + "
	    "unwritten");
	if ((st = filter_open(&f)) != EX_OK)
		errx(st, "%s", filter_error(&f));
	signal(SIGPIPE, SIG_IGN);

	for (;;) {
		if (service(&o, &rn, backoff, maxback, retries) == -1)
			break;
		if (rn.pid == 0 && rn.nev > 0 && prog_now() >= rn.retry_at) {
			if (start(&rn, argv + optind, timeout) == -1) {
				warn("%s", argv[optind]);
				f.p.status = EX_OSERR;
				break;
			}
			FILTER_COUNT(&f, o.cruns)++;
			continue;
		}
		if (eof && rn.pid == 0 && rn.nev == 0)
			break;
		if (eof || rn.pid != 0 || rn.nev > 0) {
			/* something to wait for: read only what is ready */
			if (eof || !filter_pending(&f)) {
				pfd.fd = rn.pid != 0 ? rn.outfd : -1;
				pfd.events = POLLIN;
				poll(&pfd, 1, 10);
				if (f.p.interrupted || stream_interrupted()) {
					if (rn.pid != 0)
						continue;	/* let it end */
					break;
				}
				continue;
			}
		}
		if ((rd = filter_read(&f, &r)) != FILTER_FRAME) {
			eof = 1;
			if (rd == FILTER_FAIL)
				break;
			continue;
		}
		if (filter_pass(&f, r) == -1)
			break;
		if (r->kind != KIND_EVENT)
			continue;
		{
			int k = record_find(r, "type", 4, NULL);

			if (k < 0 || r->body[k].v.type != VAL_STR ||
			    r->body[k].v.len != strlen(type) ||
			    memcmp(r->body[k].v.p, type, strlen(type)) != 0)
				continue;
		}
		if (stream_frame_bytes(f.in, &p, &n) == -1 ||
		    enqueue(&rn, p, n, r) == -1)
			warnx("an event frame could not be re-read; skipped");
		else
			FILTER_COUNT(&f, o.cevents)++;
	}
	if (rn.pid != 0) {
		/* leaving early (an output failed): do not leave it behind */
		kill(-rn.pid, SIGKILL);
		waitpid(rn.pid, NULL, 0);
	}
	st = filter_close(&f);
	msgpack_sbuffer_destroy(&o.sb);
	buf_free(&rn.lines);
	buf_free(&rn.devs);
	buf_free(&rn.feats);
	buf_free(&rn.run_lines);
	buf_free(&rn.run_devs);
	buf_free(&rn.run_feats);
	return st;
}

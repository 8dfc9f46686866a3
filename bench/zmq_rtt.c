/*
 * zmq_rtt -- latency and throughput of frames over ZeroMQ.
 *
 *   echo IN OUT       bare libzmq echo: PULL on IN, PUSH on OUT, every
 *                     message sent back as it came; ends after an eos frame.
 *   ping OUT IN       send one sample frame at a time on OUT (PUSH), wait
 *                     for it to come back on IN (PULL): round-trip times of
 *                     an idle stream, through `echo` or through a filter.
 *   hop ADDR BACK     one-way latency of a frame through libstream: a child
 *                     reads on ADDR what the parent writes, and echoes it on
 *                     BACK; sender and receiver share CLOCK_MONOTONIC, so the
 *                     receiver measures each hop itself.
 *   flood ADDR        throughput: the parent writes -n frames through
 *                     libstream as fast as it can, a child reads them.
 *
 * echo and ping take endpoints as '@' (bind) or '>' (connect) plus a
 * ZeroMQ address, like stream_open(); hop and flood take bare addresses
 * (ipc://..., tcp://host:port) and decide who binds.  Frames are built with
 * libstream's record and codec, so they are the bytes a filter sends.
 * Figures go to stdout as "name key=value ...", times in microseconds.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "buf.h"
#include "codec.h"
#include "record.h"
#include "stream.h"

#define REPLY_TIMEOUT_MS	5000	/* idle peer: give up, say so */
#define ECHO_IDLE_MS		30000

static const struct option opts[] = {
	{ "help",   no_argument,       NULL, 'h' },
	{ "count",  required_argument, NULL, 'n' },
	{ "warmup", required_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 }
};

static unsigned long	 count = 10000, warmup = 1000;

_Noreturn static void
usage(int code)
{
	fprintf(code == EX_OK ? stdout : stderr,
	    "usage: zmq_rtt [-n count] [-w warmup] echo @|>IN @|>OUT\n"
	    "       zmq_rtt [-n count] [-w warmup] ping @|>OUT @|>IN\n"
	    "       zmq_rtt [-n count] [-w warmup] hop ADDR BACKADDR\n"
	    "       zmq_rtt [-n count] flood ADDR\n");
	exit(code);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Print "name n= p50= p99= min= max= [bytes=]" of v[0..n) (ns), in
 * microseconds; nearest-rank percentiles.  bytes: frame size, 0 to omit. */
static void
report(const char *name, int64_t *v, size_t n, size_t frame_bytes)
{
	size_t i50, i99;

	if (n == 0) {
		printf("%s n=0\n", name);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_i64);
	i50 = (n * 50 + 99) / 100 - 1;
	i99 = (n * 99 + 99) / 100 - 1;
	printf("%s n=%zu p50=%.2f p99=%.2f min=%.2f max=%.2f", name, n,
	    v[i50] / 1e3, v[i99] / 1e3, v[0] / 1e3, v[n - 1] / 1e3);
	if (frame_bytes > 0)
		printf(" bytes=%zu", frame_bytes);
	printf("\n");
	fflush(stdout);
}

/* A sample frame as ingest makes them: device, seq, source position and
 * three readings. */
static struct record *
sample_record(void)
{
	struct record *r;
	struct value v;

	if ((r = record_new()) == NULL)
		err(EX_OSERR, "record_new");
	record_set_time(r, 1700000000, 123000000);
	v = val_str("bench", 5);
	if (record_set_dev(r, "pump-07", 7) == -1 ||
	    record_set_seq(r, 0) == -1 ||
	    record_meta_set(r, "src", &v) == -1 ||
	    (v = val_u64(2), record_meta_set(r, "line", &v)) == -1 ||
	    record_add_f64(r, "vibration", -0.334675) == -1 ||
	    record_add_f64(r, "temperature", 64.77432) == -1 ||
	    record_add_f64(r, "pressure", 101.6986) == -1)
		err(EX_OSERR, "record");
	return r;
}

/* Whether the message p[0..n) holds an eos frame (after its head). */
static int
has_eos(const char *p, size_t n, struct record *r)
{
	const char *why;
	size_t off = 0, len;

	while (off < n && frame_decode_next(r, p + off, n - off,
	    FRAME_MAX_DEFAULT, &len, &why) == FRAME_OK) {
		if (r->kind == KIND_EOS)
			return 1;
		off += len;
	}
	return 0;
}

/* The eos frame's bytes into b. */
static void
eos_frame(struct buf *b)
{
	struct record *r;

	if ((r = record_new()) == NULL || record_set_kind(r, KIND_EOS) == -1)
		err(EX_OSERR, "record");
	record_set_time(r, 0, 0);
	buf_reset(b);
	if (frame_encode(b, r) == -1)
		err(EX_OSERR, "frame_encode");
	record_free(&r);
}

/* A socket of type on "@addr" (bind) or ">addr" (connect); a receive
 * waits at most timeout ms (a blocking recv with ZMQ_RCVTIMEO: no poll
 * call on the way, so the bare echo is as short as libzmq allows). */
static void *
zsock(void *ctx, int type, const char *ep, int timeout)
{
	void *s;
	int linger = 1000, rc;

	if ((s = zmq_socket(ctx, type)) == NULL)
		errx(EX_OSERR, "zmq_socket: %s", zmq_strerror(zmq_errno()));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	if (ep[0] == '@')
		rc = zmq_bind(s, ep + 1);
	else if (ep[0] == '>')
		rc = zmq_connect(s, ep + 1);
	else
		errx(EX_USAGE, "%s: endpoint must start with @ or >", ep);
	if (rc == -1)
		errx(EX_UNAVAILABLE, "%s: %s", ep, zmq_strerror(zmq_errno()));
	return s;
}

/* Receive a message on s into m: 1, or 0 if none came within the socket's
 * ZMQ_RCVTIMEO. */
static int
recv_msg(void *s, zmq_msg_t *m, const char *ep)
{
	while (zmq_msg_recv(m, s, 0) == -1) {
		if (zmq_errno() == EAGAIN)
			return 0;
		if (zmq_errno() != EINTR)
			errx(EX_IOERR, "%s: %s", ep, zmq_strerror(zmq_errno()));
	}
	return 1;
}

static int
do_echo(const char *in, const char *out)
{
	struct record *er;
	zmq_msg_t m;
	void *ctx, *pull, *push;
	unsigned long n = 0;
	size_t len;
	int last;

	if ((er = record_new()) == NULL)
		err(EX_OSERR, "record");
	ctx = zmq_ctx_new();
	pull = zsock(ctx, ZMQ_PULL, in, ECHO_IDLE_MS);
	push = zsock(ctx, ZMQ_PUSH, out, -1);
	zmq_msg_init(&m);
	for (last = 0; !last; n++) {
		if (!recv_msg(pull, &m, in))
			errx(EX_UNAVAILABLE, "%s: nothing for %d s after %lu "
			    "messages", in, ECHO_IDLE_MS / 1000, n);
		len = zmq_msg_size(&m);
		last = has_eos(zmq_msg_data(&m), len, er);
		if (zmq_msg_send(&m, push, 0) == -1)
			errx(EX_IOERR, "%s: %s", out, zmq_strerror(zmq_errno()));
	}
	zmq_msg_close(&m);
	zmq_close(pull);
	zmq_close(push);
	zmq_ctx_term(ctx);
	record_free(&er);
	return EX_OK;
}

/* Receive the reply to frame i on s into m, or die. */
static void
recv_reply(void *s, zmq_msg_t *m, const char *ep, unsigned long i)
{
	if (!recv_msg(s, m, ep))
		errx(EX_UNAVAILABLE, "%s: no reply to frame %lu within %d s",
		    ep, i, REPLY_TIMEOUT_MS / 1000);
}

/* The message m must hold exactly one frame: decode it into r. */
static void
decode_reply(zmq_msg_t *m, struct record *r, const char *ep, unsigned long i)
{
	const char *p = zmq_msg_data(m), *why;
	size_t n = zmq_msg_size(m), len;

	/* a libstream writer starts each message with a head frame (its
	 * producer, docs/protocol.md): step over it */
	if (frame_scan(p, n, FRAME_MAX_DEFAULT, &len, &why) == SCAN_OK &&
	    len < n && frame_decode(r, p, len, &why) == 0 &&
	    r->kind == KIND_OTHER && r->kind_len == 4 &&
	    memcmp(r->kind_str, "head", 4) == 0) {
		p += len;
		n -= len;
	}
	if (frame_scan(p, n, FRAME_MAX_DEFAULT, &len, &why) != SCAN_OK)
		errx(EX_DATAERR, "%s: reply %lu (%zu bytes) is not a frame",
		    ep, i, n);
	if (len != n)
		errx(EX_DATAERR, "%s: reply %lu: %zu bytes after the frame",
		    ep, i, n - len);
	if (frame_decode(r, p, len, &why) == -1)
		errx(EX_DATAERR, "%s: reply %lu: %s", ep, i, why);
}

static int
do_ping(const char *out, const char *in)
{
	struct buf b = BUF_INIT;
	struct record *r, *back;
	zmq_msg_t m;
	int64_t *rtt, t0, t1;
	void *ctx, *pull, *push;
	unsigned long i, total = warmup + count;
	size_t frame_bytes = 0;

	if ((rtt = calloc(count, sizeof(*rtt))) == NULL ||
	    (back = record_new()) == NULL)
		err(EX_OSERR, NULL);
	r = sample_record();
	ctx = zmq_ctx_new();
	push = zsock(ctx, ZMQ_PUSH, out, -1);
	pull = zsock(ctx, ZMQ_PULL, in, REPLY_TIMEOUT_MS);
	zmq_msg_init(&m);
	for (i = 0; i < total; i++) {
		buf_reset(&b);
		if (record_set_seq(r, i) == -1 || frame_encode(&b, r) == -1)
			err(EX_OSERR, "frame_encode");
		frame_bytes = b.len;
		t0 = now_ns();
		if (zmq_send(push, b.p, b.len, 0) == -1)
			errx(EX_IOERR, "%s: %s", out, zmq_strerror(zmq_errno()));
		recv_reply(pull, &m, in, i);
		t1 = now_ns();
		decode_reply(&m, back, in, i);
		if (!back->has_seq || back->seq != i)
			errx(EX_DATAERR, "%s: reply %lu has the wrong seq", in,
			    i);
		if (i >= warmup)
			rtt[i - warmup] = t1 - t0;
	}
	report("rtt_us", rtt, count, frame_bytes);

	/* end the peer cleanly: it must send eos back */
	eos_frame(&b);
	if (zmq_send(push, b.p, b.len, 0) == -1)
		errx(EX_IOERR, "%s: %s", out, zmq_strerror(zmq_errno()));
	recv_reply(pull, &m, in, i);
	decode_reply(&m, back, in, i);
	if (back->kind != KIND_EOS)
		errx(EX_DATAERR, "%s: reply to eos is a %s frame", in,
		    kind_name(back->kind));
	zmq_msg_close(&m);
	zmq_close(pull);
	zmq_close(push);
	zmq_ctx_term(ctx);
	record_free(&back);
	record_free(&r);
	buf_free(&b);
	free(rtt);
	return EX_OK;
}

/* how ("@" or ">") + addr, allocated: streams may keep their uri, so
 * these live as long as the process. */
static const char *
ep(char how, const char *addr)
{
	char *s;

	if ((s = malloc(strlen(addr) + 2)) == NULL)
		err(EX_OSERR, NULL);
	s[0] = how;
	strcpy(s + 1, addr);
	return s;
}

static struct stream *
sopen(const char *uri, const char *mode)
{
	struct stream *s;

	if ((s = stream_open(uri, mode)) == NULL)
		errx(EX_UNAVAILABLE, "%s: %s", uri, stream_open_error());
	return s;
}

/* Wait for child pid; its exit status (128 + signal if killed). */
static int
reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			err(EX_OSERR, "waitpid");
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Child: read frames on addr, note each one's one-way latency, echo it on
 * back; report at end of input. */
static int
hop_child(const char *addr, const char *backaddr, int ready)
{
	struct stream *in, *out;
	struct record *r;
	int64_t *lat, t;
	unsigned long n = 0;
	int rc;

	if ((lat = calloc(count, sizeof(*lat))) == NULL)
		err(EX_OSERR, NULL);
	in = sopen(ep('@', addr), "r");
	out = sopen(ep('>', backaddr), "w");
	if (write(ready, "", 1) != 1)
		err(EX_OSERR, "pipe");
	close(ready);
	while ((rc = stream_read(in, &r)) == STREAM_OK) {
		t = now_ns();
		if (n >= warmup && n - warmup < count)
			lat[n - warmup] = t - (r->sec * 1000000000 + r->nsec);
		n++;
		if (stream_write(out, r) == -1 || stream_flush(out) == -1)
			errx(EX_IOERR, "%s: %s", backaddr, stream_error(out));
	}
	if (rc != STREAM_EOF)
		errx(EX_DATAERR, "%s: %s", addr, stream_error(in));
	if (n != warmup + count)
		errx(EX_DATAERR, "%s: %lu frames, expected %lu", addr, n,
		    warmup + count);
	report("hop_us", lat, count, 0);
	if (stream_close(&out) == -1)
		err(EX_IOERR, "%s", backaddr);
	stream_close(&in);
	free(lat);
	return EX_OK;
}

static int
do_hop(const char *addr, const char *backaddr)
{
	struct stream *in, *out;
	struct record *r, *back;
	int64_t *rtt, t0, t1;
	unsigned long i, total = warmup + count;
	pid_t pid;
	char c;
	int fd[2], rc;

	if ((rtt = calloc(count, sizeof(*rtt))) == NULL)
		err(EX_OSERR, NULL);
	if (pipe(fd) == -1)
		err(EX_OSERR, "pipe");
	fflush(stdout);
	if ((pid = fork()) == -1)
		err(EX_OSERR, "fork");
	if (pid == 0) {
		close(fd[0]);
		exit(hop_child(addr, backaddr, fd[1]));
	}
	close(fd[1]);
	if (read(fd[0], &c, 1) != 1)
		errx(EX_UNAVAILABLE, "hop: the reader did not start");
	close(fd[0]);
	in = sopen(ep('@', backaddr), "r");
	out = sopen(ep('>', addr), "w");
	r = sample_record();
	for (i = 0; i < total; i++) {
		if (record_set_seq(r, i) == -1)
			err(EX_OSERR, "record");
		t0 = now_ns();
		record_set_time(r, t0 / 1000000000,
		    (uint32_t)(t0 % 1000000000));
		if (stream_write(out, r) == -1 || stream_flush(out) == -1)
			errx(EX_IOERR, "%s: %s", addr, stream_error(out));
		rc = stream_read(in, &back);
		t1 = now_ns();
		if (rc != STREAM_OK)
			errx(EX_DATAERR, "%s: no reply to frame %lu: %s",
			    backaddr, i, rc == STREAM_EOF ? "end of input" :
			    stream_error(in));
		if (!back->has_seq || back->seq != i)
			errx(EX_DATAERR, "%s: reply %lu has the wrong seq",
			    backaddr, i);
		if (i >= warmup)
			rtt[i - warmup] = t1 - t0;
	}
	if (stream_close(&out) == -1)
		err(EX_IOERR, "%s", addr);
	while ((rc = stream_read(in, &back)) == STREAM_OK)
		;
	if ((rc = reap(pid)) != 0)
		errx(rc, "hop: the reader failed");
	report("hop_rtt_us", rtt, count, 0);
	stream_close(&in);
	record_free(&r);
	free(rtt);
	return EX_OK;
}

/* Child: count frames until eos; throughput from the first frame's stamp
 * (the sender's clock when it started) to the end. */
static int
flood_child(const char *addr, int ready)
{
	struct stream *in;
	struct record *r;
	int64_t t0 = 0, t1;
	unsigned long n = 0;
	int rc;

	in = sopen(ep('@', addr), "r");
	if (write(ready, "", 1) != 1)
		err(EX_OSERR, "pipe");
	close(ready);
	while ((rc = stream_read(in, &r)) == STREAM_OK) {
		if (n++ == 0)
			t0 = r->sec * 1000000000 + r->nsec;
		if (!r->has_seq || r->seq != n - 1)
			errx(EX_DATAERR, "%s: frame %lu has seq %" PRIu64,
			    addr, n - 1, r->seq);
	}
	t1 = now_ns();
	if (rc != STREAM_EOF)
		errx(EX_DATAERR, "%s: %s", addr, stream_error(in));
	if (n != count)
		errx(EX_DATAERR, "%s: %lu frames, expected %lu", addr, n,
		    count);
	printf("flood frames=%lu seconds=%.6f rate=%.0f bytes=%" PRIu64 "\n",
	    n, (t1 - t0) / 1e9, n / ((t1 - t0) / 1e9), stream_bytes(in));
	fflush(stdout);
	stream_close(&in);
	return EX_OK;
}

static int
do_flood(const char *addr)
{
	struct stream *out;
	struct record *r;
	unsigned long i;
	int64_t t0;
	pid_t pid;
	char c;
	int fd[2], rc;

	if (pipe(fd) == -1)
		err(EX_OSERR, "pipe");
	fflush(stdout);
	if ((pid = fork()) == -1)
		err(EX_OSERR, "fork");
	if (pid == 0) {
		close(fd[0]);
		exit(flood_child(addr, fd[1]));
	}
	close(fd[1]);
	if (read(fd[0], &c, 1) != 1)
		errx(EX_UNAVAILABLE, "flood: the reader did not start");
	close(fd[0]);
	out = sopen(ep('>', addr), "w");
	r = sample_record();
	t0 = now_ns();
	record_set_time(r, t0 / 1000000000, (uint32_t)(t0 % 1000000000));
	for (i = 0; i < count; i++)
		if (record_set_seq(r, i) == -1 || stream_write(out, r) == -1)
			errx(EX_IOERR, "%s: %s", addr, stream_error(out));
	if (stream_close(&out) == -1)
		err(EX_IOERR, "%s", addr);
	if ((rc = reap(pid)) != 0)
		errx(rc, "flood: the reader failed");
	record_free(&r);
	return EX_OK;
}

static unsigned long
number(const char *s, int opt)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v > 100000000)
		errx(EX_USAGE, "-%c: not a count: %s", opt, s);
	return v;
}

int
main(int argc, char *argv[])
{
	const char *mode;
	int ch;

	while ((ch = getopt_long(argc, argv, "+hn:w:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 'n':
			count = number(optarg, 'n');
			break;
		case 'w':
			warmup = number(optarg, 'w');
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || count == 0)
		usage(EX_USAGE);
	mode = argv[0];
	signal(SIGPIPE, SIG_IGN);

	if (strcmp(mode, "echo") == 0 && argc == 3)
		return do_echo(argv[1], argv[2]);
	if (strcmp(mode, "ping") == 0 && argc == 3)
		return do_ping(argv[1], argv[2]);
	if (strcmp(mode, "hop") == 0 && argc == 3)
		return do_hop(argv[1], argv[2]);
	if (strcmp(mode, "flood") == 0 && argc == 2)
		return do_flood(argv[1]);
	usage(EX_USAGE);
}

/*
 * stream -- frames over file descriptors and ZeroMQ sockets.
 *
 * Readers keep one input buffer (a byte stream) or the current ZeroMQ
 * message, scan the next frame in place and decode it into the stream's
 * own record, whose strings point into that buffer: no copy, no allocation
 * per frame.  Writers encode into one output buffer and hand it to write()
 * or zmq_send() when it fills.  Every writer is on a list; before a reader
 * blocks for input it flushes them all, so frames never wait in a buffer
 * while the process sleeps.  Errors are kept in the stream as text.
 *
 * Nothing is lost silently: a writer counts a frame handed on only when
 * write() or zmq_send() took it, and unsent when a send failed, timed out
 * or was cut short by a signal (every wait is a poll in slices, so SIGTERM
 * is seen within SLICE_MS).  A ZeroMQ writer starts each message with a
 * head frame (its producer id and frames sent so far) and ends with an eos
 * holding its count; the reader credits frames to producers, ends when
 * all it has seen have ended, and counts shortfalls and seq gaps.  What a
 * ZeroMQ socket queues is bounded in bytes on both sides (open_zmq()), and
 * a writer hangs up only once its reader took the tail (zmq_finish()):
 * libzmq alone would drop it when the reader is behind.
 */
#define _GNU_SOURCE		/* F_GETPIPE_SZ, F_SETPIPE_SZ */
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>	/* SIOCOUTQ */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "codec.h"
#include "stream.h"

#define IN_CHUNK	(256u * 1024)	/* read() size */
#define OUT_FLUSH	(64u * 1024)	/* write() when this much is queued */
#define ZBATCH_BYTES	(16u * 1024)	/* zmq_send() when this much is queued */
#define ZQUEUE_BYTES	(256u * 1024)	/* bytes a socket queues, see open_zmq() */
#define LINGER_MS	10000		/* how long close waits to deliver */
#define GRACE_MS	500		/* how long a send may wait after a signal */
#define SLICE_MS	200		/* longest sleep between signal checks */
#define PIPE_BYTES	(256 * 1024)	/* pipe capacity asked for, see below */
#define RING_MSGS	64		/* sizes of the last messages sent */
#define PROD_ID_MAX	40

enum { S_FD, S_ZMQ };

/* A producer seen by a reader: from its head frames and its eos. */
struct prod {
	char		 id[PROD_ID_MAX];
	uint64_t	 base;		/* frames it sent before we saw it */
	uint64_t	 got;		/* frames of it we read */
	uint64_t	 lost;		/* frames it sent that never came */
	uint64_t	 sent;		/* its eos count */
	int		 ended;
};

/* The highest seq seen of one (kind, dev).  Not "the next expected": that
 * would wrap to 0 after a seq of UINT64_MAX and count its repeats as gaps. */
struct seqent {
	char		*dev;		/* owned */
	uint32_t	 len;
	uint8_t		 kind;
	uint64_t	 last;
};

struct stream {
	char		*uri;
	int		 writer;
	int		 type;		/* S_FD, S_ZMQ */
	int		 fd, own_fd;
	void		*ctx;		/* S_ZMQ: the socket's own context */
	void		*sock;
	int		 zsock_type;
	void		*mon;		/* PUSH writer: its monitor's events */
	int		*conn;		/* descriptors of its connections */
	size_t		 nconn, conncap;
	int		 connected;	/* it had a connection */
	unsigned	 ctx_no;	/* its context's thread name prefix */
	int		 io_tid;	/* its I/O thread, 0 unknown, -1 not found */
	int		 timeout_ms;	/* 0: none */
	int		 timed_out;

	/* reading */
	struct buf	 in;		/* S_FD: bytes read; [pos, len) unread */
	size_t		 pos;
	uint64_t	 base;		/* stream offset of in.p[0] */
	zmq_msg_t	 msg;		/* S_ZMQ: the current message */
	int		 have_msg;
	const char	*mp;		/* S_ZMQ: the message's bytes */
	size_t		 mlen, mpos;
	uint64_t	 msgno;
	uint64_t	 offset;	/* of the last frame read */
	int		 eof;
	unsigned	 eos_need;	/* 0: count eos and read on */
	int		 eos_auto;	/* end when every producer has ended */
	uint64_t	 eos_seen;
	int		 ending;	/* all producers ended: end when idle */
	uint64_t	 skip_items;	/* walking past an oversized frame */
	uint64_t	 skip_payload, skip_start;
	int		 skipping;
	uint64_t	 oversized;
	const char	*bad_p;
	size_t		 bad_n;
	const char	*last_p;	/* the frame of the last STREAM_OK */
	size_t		 last_n;
	struct record	*rec;
	msgpack_zone	*zone;		/* msgpack-c path */
	struct buf	 scratch;
	int		 use_mpc;

	struct prod	*prods;		/* producers seen, [0] anonymous */
	size_t		 nprods, prods_cap;
	size_t		 cur;		/* producer of the current message */
	uint64_t	 anon_eos;
	struct seqent	*seqs;		/* open addressing, seqcap a power
					   of 2 */
	size_t		 nseq, seqcap, seq_last;
	int		 seq_on;
	uint64_t	 gaps, repeats;

	/* writing */
	struct buf	 out;
	uint64_t	 qframes;	/* frames in out */
	uint64_t	 unsent;	/* accepted, never handed on */
	int		 failed;	/* a send failed: no more tries */
	int		 finished, finish_ret;	/* stream_finish() */
	uint64_t	 msgs_sent;
	size_t		 batch;		/* send when this much is queued */
	int		 hwm;		/* ZMQ_SNDHWM / ZMQ_RCVHWM, messages */
	struct { uint32_t frames, bytes; } ring[RING_MSGS];	/* the last
					   messages sent */
	struct record	*hrec;		/* head and eos frames */
	char		 prod_id[PROD_ID_MAX];	/* producer_id.N */
	struct buf	 hbuf;
	zmq_msg_t	 zm;
	struct stream	*next;		/* list of writers */

	size_t		 max_frame;
	uint64_t	 frames, bytes;
	char		 err[256];
};

static struct stream	*writers;
static char		 open_err[256];
static char		 producer_id[PROD_ID_MAX - 12];
static unsigned		 nproducers;	/* writers opened: ids unique */
static unsigned		 nctx;		/* ZeroMQ contexts made: thread names */
static volatile sig_atomic_t	 interrupted, report;
static int64_t		 stop_deadline;	/* ms; set at the first wait after a
					   signal */

static struct prod	*add_prod(struct stream *, const char *, size_t);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * How long a wait that began at t0 may sleep before it looks again, in ms:
 * at most SLICE_MS, so that a signal is seen soon.  0: give up now, *why
 * says "timeout" or "interrupted".  after_signal: a send may still wait
 * GRACE_MS in all after a signal (the frames read before it go out); a
 * read gives up at once.
 */
static int
wait_slice(const struct stream *s, int64_t t0, int after_signal,
    const char **why)
{
	int64_t now = now_ms(), left = SLICE_MS;

	if (interrupted) {
		if (!after_signal) {
			*why = "interrupted";
			return 0;
		}
		if (stop_deadline == 0)
			stop_deadline = now + GRACE_MS;
		if (now >= stop_deadline) {
			*why = "interrupted";
			return 0;
		}
		if (stop_deadline - now < left)
			left = stop_deadline - now;
	}
	if (s->timeout_ms > 0) {
		if (now - t0 >= s->timeout_ms) {
			*why = "timeout";
			return 0;
		}
		if (t0 + s->timeout_ms - now < left)
			left = t0 + s->timeout_ms - now;
	}
	return left > 0 ? (int)left : 1;
}

static void
seterr(struct stream *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

const char *
stream_open_error(void)
{
	return open_err;
}

static void
open_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(open_err, sizeof(open_err), fmt, ap);
	va_end(ap);
}

/*
 * Parse "[type](@|>|:)proto://..." into socket type and bind flag.
 * Returns 1 if uri is a ZeroMQ endpoint, 0 if not, -1 if malformed.
 */
static int
parse_zmq(const char *uri, int writer, int *type, int *bind,
    const char **addr)
{
	static const struct { const char *name; int type; } types[] = {
		{ "push", ZMQ_PUSH }, { "pull", ZMQ_PULL },
		{ "pub", ZMQ_PUB }, { "sub", ZMQ_SUB },
	};
	static const char *protos[] = { "tcp://", "ipc://", "inproc://",
	    "pgm://", "epgm://", "ws://" };
	const char *p = uri;
	size_t i;
	int t = -1, mark = 0;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i].name);

		if (strncmp(p, types[i].name, n) == 0 &&
		    (p[n] == '@' || p[n] == '>' || p[n] == ':')) {
			t = types[i].type;
			p += n;
			if (*p == ':')
				p++;
			break;
		}
	}
	if (*p == '@' || *p == '>')
		mark = *p++;
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strncmp(p, protos[i], strlen(protos[i])) == 0)
			break;
	if (i == sizeof(protos) / sizeof(protos[0])) {
		if (t != -1 || mark) {
			open_fail("%s: expected tcp://, ipc:// or inproc:// "
			    "after the socket prefix", uri);
			return -1;
		}
		return 0;
	}
	if (t == -1)
		t = writer ? ZMQ_PUSH : ZMQ_PULL;
	if (writer && (t == ZMQ_PULL || t == ZMQ_SUB)) {
		open_fail("%s: a %s socket cannot be written to", uri,
		    t == ZMQ_PULL ? "pull" : "sub");
		return -1;
	}
	if (!writer && (t == ZMQ_PUSH || t == ZMQ_PUB)) {
		open_fail("%s: a %s socket cannot be read from", uri,
		    t == ZMQ_PUSH ? "push" : "pub");
		return -1;
	}
	*type = t;
	if (mark)
		*bind = mark == '@';
	else
		*bind = t == ZMQ_PULL || t == ZMQ_PUB;
	*addr = p;
	return 1;
}

/* An id for this process run: pid and 32 random bits, e.g. "4242-9f3a1c2b";
 * each writer adds its number, "4242-9f3a1c2b.1". */
static void
make_producer_id(void)
{
	uint32_t rnd;

	if (producer_id[0] != '\0')
		return;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)now_ms() ^ (uint32_t)getpid() << 16;
	snprintf(producer_id, sizeof(producer_id), "%ld-%08x",
	    (long)getpid(), (unsigned)rnd);
}

/* A number from the environment variable name, in [lo, hi]; def if unset
 * or not such a number. */
static long
env_num(const char *name, long lo, long hi, long def)
{
	const char *env;
	char *end;
	long v;

	if ((env = getenv(name)) == NULL || *env == '\0')
		return def;
	errno = 0;
	v = strtol(env, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return def;
	return v;
}

/*
 * Each ZeroMQ stream has its own context, so that closing it can wait for
 * its own queue (zmq_ctx_term) and say whether the linger expired.  A
 * writer sets ZMQ_IMMEDIATE: messages are queued only for a peer that is
 * connected, so with no peer a send waits (and can time out) instead of
 * filling a queue that nobody will read.
 *
 * What a socket holds is bounded in bytes: a ZeroMQ writer sends a message
 * per ZBATCH_BYTES (16 KiB) of frames, and both ends set their high-water
 * mark to ZQUEUE_BYTES / ZBATCH_BYTES = 16 messages (ZMQ_SNDHWM on a writer,
 * ZMQ_RCVHWM on a reader) instead of ZeroMQ's 1,000: about 256 KiB queued
 * in the writer and 256 KiB in the reader per connection, whatever the
 * speeds (a frame larger than a batch goes in a message of its own, so
 * frames that large raise it).  The kernel's socket buffers come on top,
 * outside the processes.  PDM_ZMQ_BATCH=BYTES sets the batch (1 KiB to
 * 1 MiB, the queue staying 16 messages) and PDM_ZMQ_HWM=N the limit in
 * messages, 0 for ZeroMQ's default (bench/zmq.sh, bench/rss_zmq.sh).
 * A reader whose queue is full when its peer hangs up can lose what the
 * kernel still held (libzmq 4.3 over ipc): writers wait for the reader
 * before they close, see zmq_finish().  A PUSH writer watches its
 * connections through a socket monitor for that.
 */
static int
open_zmq(struct stream *s, int type, int bind, const char *addr)
{
	int linger = s->writer ? LINGER_MS : 0, one = 1, zero = 0;
	long hwm;

	s->batch = (size_t)env_num("PDM_ZMQ_BATCH", 1024, 1L << 20,
	    ZBATCH_BYTES);
	hwm = env_num("PDM_ZMQ_HWM", 0, 1000000, ZQUEUE_BYTES / ZBATCH_BYTES);
	s->hwm = hwm == 0 ? 1000 : (int)hwm;	/* 0: ZeroMQ's own 1,000 */

	if ((s->ctx = zmq_ctx_new()) == NULL) {
		open_fail("%s: zmq_ctx_new: %s", s->uri, zmq_strerror(errno));
		return -1;
	}
	/* its threads are named "N/ZMQbg/IO/0": wait_delivered() finds it */
	s->ctx_no = ++nctx % 10000;
	(void)zmq_ctx_set(s->ctx, ZMQ_THREAD_NAME_PREFIX, (int)s->ctx_no);
	if ((s->sock = zmq_socket(s->ctx, type)) == NULL) {
		open_fail("%s: zmq_socket: %s", s->uri, zmq_strerror(errno));
		return -1;
	}
	s->zsock_type = type;
	zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(s->sock, s->writer ? ZMQ_SNDHWM : ZMQ_RCVHWM, &s->hwm,
	    sizeof(s->hwm));
	if (s->writer && type == ZMQ_PUSH) {
		zmq_setsockopt(s->sock, ZMQ_IMMEDIATE, &one, sizeof(one));
		/* inproc names are per context: one name serves */
		if (zmq_socket_monitor(s->sock, "inproc://pdm-monitor",
		    ZMQ_EVENT_CONNECTED | ZMQ_EVENT_ACCEPTED |
		    ZMQ_EVENT_DISCONNECTED) == -1 ||
		    (s->mon = zmq_socket(s->ctx, ZMQ_PAIR)) == NULL ||
		    zmq_setsockopt(s->mon, ZMQ_RCVHWM, &zero,
		    sizeof(zero)) == -1 ||
		    zmq_connect(s->mon, "inproc://pdm-monitor") == -1) {
			open_fail("%s: socket monitor: %s", s->uri,
			    zmq_strerror(errno));
			return -1;
		}
	}
	if (type == ZMQ_SUB)
		zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, "", 0);
	if ((bind ? zmq_bind(s->sock, addr) : zmq_connect(s->sock, addr))
	    == -1) {
		open_fail("%s: %s: %s", s->uri, bind ? "bind" : "connect",
		    zmq_strerror(errno));
		return -1;
	}
	s->type = S_ZMQ;
	return 0;
}

/*
 * A pipe holds 64 KiB by default, one write() batch: the writer then waits
 * for the reader to take all of it before it can go on, and the two take
 * turns instead of running at once on two cores.  Four batches' room lets
 * them overlap (bench/passthrough.sh shows both).  PDM_PIPE_SIZE sets the
 * size in bytes, 0 leaves the pipe alone.  The kernel allocates the pages
 * only when they fill, never shrinks a pipe here, and may refuse (above
 * /proc/sys/fs/pipe-max-size for an unprivileged user): best effort.
 */
static void
pipe_grow(int fd)
{
	struct stat st;
	const char *env;
	char *end;
	long want = PIPE_BYTES;

	if ((env = getenv("PDM_PIPE_SIZE")) != NULL && *env != '\0') {
		errno = 0;
		want = strtol(env, &end, 10);
		if (errno != 0 || *end != '\0' || want < 0 || want > 1L << 30)
			return;
	}
	if (want == 0 || fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode))
		return;
	if (fcntl(fd, F_GETPIPE_SZ) < want)
		(void)fcntl(fd, F_SETPIPE_SZ, (int)want);
}

/* Close a ZeroMQ stream's monitor, socket and context, as far as opened. */
static void
zmq_teardown(struct stream *s)
{
	if (s->mon != NULL) {
		(void)zmq_socket_monitor(s->sock, NULL, 0);
		zmq_close(s->mon);
		s->mon = NULL;
	}
	if (s->sock != NULL)
		zmq_close(s->sock);
	s->sock = NULL;
	if (s->ctx != NULL)
		while (zmq_ctx_term(s->ctx) == -1 && errno == EINTR)
			;
	s->ctx = NULL;
}

struct stream *
stream_open(const char *uri, const char *mode)
{
	struct stream *s;
	const char *addr = NULL;
	int type = 0, bind = 0, z, saved;

	open_err[0] = '\0';
	if (uri == NULL || mode == NULL || (strcmp(mode, "r") != 0 &&
	    strcmp(mode, "w") != 0) || *uri == '\0') {
		open_fail("%s: bad endpoint or mode", uri ? uri : "(null)");
		errno = EINVAL;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->writer = mode[0] == 'w';
	s->fd = -1;
	s->max_frame = FRAME_MAX_DEFAULT;
	s->batch = OUT_FLUSH;
	s->eos_auto = 1;
	if ((s->uri = strdup(uri)) == NULL)
		goto fail;
	if (!s->writer && ((s->rec = record_new()) == NULL ||
	    (s->zone = msgpack_zone_new(8192)) == NULL))
		goto fail;
	if ((z = parse_zmq(uri, s->writer, &type, &bind, &addr)) == -1) {
		errno = EINVAL;
		goto fail;
	}
	if (z == 1) {
		if (open_zmq(s, type, bind, addr) == -1) {
			if (errno == 0)
				errno = EINVAL;
			goto fail;
		}
	} else if (strcmp(uri, "-") == 0) {
		s->type = S_FD;
		s->fd = s->writer ? STDOUT_FILENO : STDIN_FILENO;
	} else {
		s->type = S_FD;
		s->fd = s->writer ?
		    open(uri, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666) :
		    open(uri, O_RDONLY | O_CLOEXEC);
		if (s->fd == -1) {
			open_fail("%s: %s", uri, strerror(errno));
			goto fail;
		}
		s->own_fd = 1;
	}
	if (s->type == S_FD)
		pipe_grow(s->fd);
	if (s->type == S_ZMQ && !s->writer) {
		s->seq_on = 1;
		s->eos_need = 1;
	}
	if (!s->writer && add_prod(s, "", 0) == NULL)
		goto fail;
	if (s->type == S_ZMQ && s->writer) {
		make_producer_id();
		snprintf(s->prod_id, sizeof(s->prod_id), "%s.%u", producer_id,
		    ++nproducers);
		if ((s->hrec = record_new()) == NULL)
			goto fail;
	}
	if (s->writer) {
		s->next = writers;
		writers = s;
	}
	return s;
fail:
	saved = errno;
	zmq_teardown(s);
	record_free(&s->rec);
	record_free(&s->hrec);
	free(s->prods);
	if (s->zone)
		msgpack_zone_free(s->zone);
	free(s->uri);
	free(s);
	errno = saved;
	return NULL;
}

/* ---- reading ------------------------------------------------------------- */

static int
has_pending_output(void)
{
	struct stream *w;

	for (w = writers; w != NULL; w = w->next)
		if (w->out.len > 0 && !w->failed)
			return 1;
	return 0;
}

/* a + b, or UINT64_MAX if that does not fit: a count of lost frames is
 * "at least", and seqs from foreign producers can be anything. */
static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Producer id[0..len) of reader s: found or added.  NULL on ENOMEM. */
static struct prod *
add_prod(struct stream *s, const char *id, size_t len)
{
	struct prod *p;
	size_t i, cap;

	if (len >= PROD_ID_MAX)
		len = PROD_ID_MAX - 1;
	for (i = 0; i < s->nprods; i++)
		if (strlen(s->prods[i].id) == len &&
		    memcmp(s->prods[i].id, id, len) == 0) {
			s->cur = i;
			return &s->prods[i];
		}
	if (s->nprods == s->prods_cap) {
		cap = s->prods_cap ? 2 * s->prods_cap : 4;
		if ((p = realloc(s->prods, cap * sizeof(*p))) == NULL)
			return NULL;
		s->prods = p;
		s->prods_cap = cap;
	}
	p = &s->prods[s->nprods];
	memset(p, 0, sizeof(*p));
	memcpy(p->id, id, len);
	s->cur = s->nprods++;
	return p;
}

/* Every producer has ended and as many as were asked for. */
static int
all_ended(const struct stream *s)
{
	uint64_t n = s->anon_eos;
	size_t i;

	if (s->eos_need == 0)
		return 0;
	for (i = 1; i < s->nprods; i++)
		if (s->prods[i].ended)
			n++;
		else if (s->eos_auto)
			return 0;
	if (s->eos_auto && s->prods[0].got > 0 && s->anon_eos == 0)
		return 0;
	return n >= s->eos_need;
}

/* A head frame: the message's producer, and any frames of it that never
 * came (its count of frames sent runs ahead of what we read). */
static void
on_head(struct stream *s, const struct record *r)
{
	const struct value *id = record_meta_get(r, "producer");
	const struct value *sent = record_meta_get(r, "sent");
	struct prod *p;
	uint64_t n, have;
	int fresh;

	if (id == NULL || id->type != VAL_STR) {
		s->cur = 0;
		return;
	}
	fresh = s->nprods;
	if ((p = add_prod(s, id->p, id->len)) == NULL) {
		s->cur = 0;
		return;
	}
	fresh = s->nprods != (size_t)fresh;
	if (sent == NULL || sent->type != VAL_INT || sent->i < 0)
		return;
	n = (uint64_t)sent->i;
	if (fresh) {
		p->base = n;
		return;
	}
	have = sat_add(sat_add(p->base, p->got), p->lost);
	if (n > have)
		p->lost += n - have;
}

/* An eos frame: its producer has ended; its count tells what never came. */
static void
on_eos(struct stream *s, const struct record *r)
{
	const struct value *id = record_meta_get(r, "producer");
	const struct value *sent = record_meta_get(r, "frames");
	struct prod *p;
	uint64_t have;

	s->eos_seen++;
	if (id == NULL || id->type != VAL_STR || (p = add_prod(s, id->p,
	    id->len)) == NULL) {
		s->anon_eos++;
		return;
	}
	if (p->ended)
		return;
	p->ended = 1;
	if (sent == NULL || sent->type != VAL_INT || sent->i < 0)
		return;
	p->sent = (uint64_t)sent->i;
	have = sat_add(sat_add(p->base, p->got), p->lost);
	if (p->sent > have)
		p->lost += p->sent - have;
}

static uint64_t
hash_dev(const char *p, size_t n, unsigned kind)
{
	uint64_t h = 1469598103934665603ull ^ kind;

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ull;
	return h;
}

/* Count a gap or a repeat in the seq of r's (kind, dev). */
static void
check_seq(struct stream *s, const struct record *r)
{
	struct seqent *e, *old;
	size_t i, mask, cap, j;

	if (!r->has_seq || r->dev == NULL || (r->kind != KIND_SAMPLE &&
	    r->kind != KIND_FEATURES))
		return;
	e = s->seqcap ? &s->seqs[s->seq_last] : NULL;
	if (e == NULL || e->dev == NULL || e->kind != r->kind ||
	    e->len != r->dev_len || memcmp(e->dev, r->dev, r->dev_len) != 0) {
		if (2 * (s->nseq + 1) > s->seqcap) {	/* grow, rehash */
			cap = s->seqcap ? 2 * s->seqcap : 16;
			if ((e = calloc(cap, sizeof(*e))) == NULL)
				return;
			old = s->seqs;
			for (j = 0; j < s->seqcap; j++) {
				if (old[j].dev == NULL)
					continue;
				i = hash_dev(old[j].dev, old[j].len,
				    old[j].kind) & (cap - 1);
				while (e[i].dev != NULL)
					i = (i + 1) & (cap - 1);
				e[i] = old[j];
			}
			free(old);
			s->seqs = e;
			s->seqcap = cap;
		}
		mask = s->seqcap - 1;
		i = hash_dev(r->dev, r->dev_len, r->kind) & mask;
		for (;;) {
			e = &s->seqs[i];
			if (e->dev == NULL)
				break;
			if (e->kind == r->kind && e->len == r->dev_len &&
			    memcmp(e->dev, r->dev, r->dev_len) == 0)
				break;
			i = (i + 1) & mask;
		}
		s->seq_last = i;
		if (e->dev == NULL) {
			if ((e->dev = malloc(r->dev_len + 1)) == NULL)
				return;
			memcpy(e->dev, r->dev, r->dev_len);
			e->len = r->dev_len;
			e->kind = r->kind;
			e->last = r->seq;
			s->nseq++;
			return;
		}
	}
	if (r->seq > e->last) {
		s->gaps = sat_add(s->gaps, r->seq - e->last - 1);
		e->last = r->seq;
	} else
		s->repeats++;
}

/* Read more bytes into s->in.  1 got some, 0 EOF, -1 error, -2 signal. */
static int
fill(struct stream *s)
{
	struct pollfd pfd;
	const char *why;
	ssize_t n;
	int64_t t0;
	int ms, r;

	if (s->pos > 0) {		/* keep only the unread tail */
		s->base += s->pos;
		buf_consume(&s->in, s->pos);
		s->pos = 0;
	}
	/* the buffer stays at IN_CHUNK, the unread tail (a part of a frame)
	   at its front: it grows only for a frame of over half of it */
	if (buf_reserve(&s->in, s->in.len < IN_CHUNK / 2 ? IN_CHUNK -
	    s->in.len : IN_CHUNK / 2) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		return -1;
	}
	pfd.fd = s->fd;
	pfd.events = POLLIN;
	if (has_pending_output() && poll(&pfd, 1, 0) == 0 &&
	    stream_flush_all() == -1) {
		if (interrupted)	/* the writer says so at its close */
			return -2;
		seterr(s, "%s: flushing output before waiting: %s", s->uri,
		    strerror(errno));
		return -1;
	}
	if (s->timeout_ms > 0) {	/* wait in slices, see wait_slice() */
		t0 = now_ms();
		for (;;) {
			if ((ms = wait_slice(s, t0, 0, &why)) == 0) {
				if (*why == 'i')
					return -2;
				s->timed_out = 1;
				seterr(s, "%s: no input for %g s", s->uri,
				    s->timeout_ms / 1000.0);
				errno = ETIMEDOUT;
				return -1;
			}
			if ((r = poll(&pfd, 1, ms)) > 0)
				break;
			if (r == -1 && errno != EINTR) {
				seterr(s, "%s: poll: %s", s->uri,
				    strerror(errno));
				return -1;
			}
		}
	}
	for (;;) {
		if (interrupted)
			return -2;
		n = read(s->fd, s->in.p + s->in.len, s->in.cap - s->in.len);
		if (n >= 0)
			break;
		if (errno != EINTR) {
			seterr(s, "%s: read: %s", s->uri, strerror(errno));
			return -1;
		}
	}
	s->in.len += (size_t)n;
	s->bytes += (uint64_t)n;
	return n > 0;
}

/* Name the producers that have not ended, for a timeout's message. */
static void
unended_err(struct stream *s)
{
	size_t i, k = 0, n = strlen(s->err);
	uint64_t got = 0;

	for (i = 1; i < s->nprods; i++)
		if (!s->prods[i].ended) {
			k++;
			got += s->prods[i].got;
		}
	if (k > 0)
		snprintf(s->err + n, sizeof(s->err) - n, "; %zu producer%s "
		    "did not end (%llu frames from %s)", k, k == 1 ? "" : "s",
		    (unsigned long long)got, k == 1 ? "it" : "them");
}

/* Next message into s->mp.  1 got one, 0 end (all producers ended),
 * -2 interrupted, -1 error. */
static int
next_msg(struct stream *s)
{
	zmq_pollitem_t pi;
	const char *why;
	int64_t t0 = 0;
	int n, ms;

	if (s->have_msg) {
		zmq_msg_close(&s->msg);
		s->have_msg = 0;
	}
	zmq_msg_init(&s->msg);
	s->have_msg = 1;
	n = zmq_msg_recv(&s->msg, s->sock, ZMQ_DONTWAIT);
	if (n == -1 && errno == EAGAIN) {
		if (s->ending && all_ended(s))
			return 0;
		if (stream_flush_all() == -1) {
			if (interrupted)
				return -2;
			seterr(s, "%s: flushing output before waiting: %s",
			    s->uri, strerror(errno));
			return -1;
		}
		t0 = now_ms();
		pi.socket = s->sock;
		pi.events = ZMQ_POLLIN;
		for (;;) {
			if ((ms = wait_slice(s, t0, 0, &why)) == 0) {
				if (*why == 'i')
					return -2;
				s->timed_out = 1;
				seterr(s, "%s: no message for %g s", s->uri,
				    s->timeout_ms / 1000.0);
				unended_err(s);
				errno = ETIMEDOUT;
				return -1;
			}
			if (zmq_poll(&pi, 1, ms) == -1 && errno != EINTR) {
				seterr(s, "%s: poll: %s", s->uri,
				    zmq_strerror(errno));
				return -1;
			}
			n = zmq_msg_recv(&s->msg, s->sock, ZMQ_DONTWAIT);
			if (n >= 0 || (errno != EAGAIN && errno != EINTR))
				break;
		}
	}
	if (n == -1) {
		if (errno == EINTR || errno == ETERM)
			return -2;
		seterr(s, "%s: receive: %s", s->uri, zmq_strerror(errno));
		return -1;
	}
	s->mp = zmq_msg_data(&s->msg);
	s->mlen = zmq_msg_size(&s->msg);
	s->mpos = 0;
	s->msgno++;
	s->bytes += s->mlen;
	s->cur = 0;			/* anonymous until a head says */
	return 1;
}

/* Decode the frame at p[0..n) into s->rec: FRAME_* as frame_decode_next. */
static int
try_decode(struct stream *s, const char *p, size_t n, size_t *len,
    const char **why)
{
	int r;

	if (!s->use_mpc)
		return frame_decode_next(s->rec, p, n, s->max_frame, len, why);
	r = frame_scan(p, n, s->max_frame, len, why);
	if (r == SCAN_MORE)
		return FRAME_MORE;
	if (r == SCAN_BAD)
		return FRAME_BAD;
	if (frame_decode_msgpackc(s->rec, p, *len, s->zone, &s->scratch,
	    why) == -1)
		return FRAME_SKIP;
	return FRAME_OK;
}

/*
 * Walk past the value at s->in[pos..) without keeping it: a frame larger
 * than the maximum that is otherwise well formed.  1 walked past it
 * (s->pos after it), 0 needs more input, -1 not msgpack (errors set).
 */
static int
skip_value(struct stream *s)
{
	size_t hdr, n;
	uint64_t payload, items;
	int h;

	for (;;) {
		if (s->skip_payload > 0) {
			n = s->in.len - s->pos;
			if (n > s->skip_payload)
				n = (size_t)s->skip_payload;
			s->pos += n;
			s->skip_payload -= n;
			if (s->skip_payload > 0)
				return 0;
		}
		if (s->skip_items == 0)
			return 1;
		h = msgpack_header(s->in.p + s->pos, s->in.len - s->pos, &hdr,
		    &payload, &items);
		if (h == -1) {
			seterr(s, "%s: byte %llu: invalid msgpack byte 0xc1 "
			    "inside a frame larger than the maximum", s->uri,
			    (unsigned long long)(s->base + s->pos));
			return -1;
		}
		if (h == 1 || hdr > s->in.len - s->pos)
			return 0;
		s->pos += hdr;
		s->skip_items += items - 1;
		s->skip_payload = payload;
	}
}

/*
 * Decode the next frame into s->rec.  1 done, 0 EOF, STREAM_BAD (one frame
 * skipped), STREAM_ERR (errors set).
 */
static int
next_frame(struct stream *s)
{
	const char *why = NULL, *p;
	size_t len = 0, n;
	int r;

	for (;;) {
		if (s->type == S_ZMQ && !(s->have_msg && s->mpos < s->mlen)) {
			if ((r = next_msg(s)) == -2 || r == 0)
				return 0;
			if (r == -1)
				return STREAM_ERR;
			continue;
		}
		if (s->skipping) {
			if ((r = skip_value(s)) == 1) {
				s->skipping = 0;
				s->oversized++;
				seterr(s, "%s: byte %llu: frame of %llu bytes is "
				    "larger than the maximum frame size (%zu): "
				    "skipped", s->uri,
				    (unsigned long long)s->skip_start,
				    (unsigned long long)(s->base + s->pos -
				    s->skip_start), s->max_frame);
				s->offset = s->skip_start;
				return STREAM_BAD;
			}
			if (r == -1) {
				s->eof = 1;
				s->pos = s->in.len;
				return STREAM_ERR;
			}
			if (s->eof) {
				seterr(s, "%s: byte %llu: input ends inside a "
				    "frame larger than the maximum frame size",
				    s->uri,
				    (unsigned long long)s->skip_start);
				return STREAM_ERR;
			}
			goto more;
		}
		if (s->type == S_ZMQ) {
			p = s->mp + s->mpos;
			n = s->mlen - s->mpos;
			s->offset = s->mpos;
		} else {
			p = s->in.p + s->pos;
			n = s->in.len - s->pos;
			s->offset = s->base + s->pos;
		}
		r = n > 0 ? try_decode(s, p, n, &len, &why) : FRAME_MORE;
		if (r == FRAME_OK || r == FRAME_SKIP) {
			if (s->type == S_ZMQ)
				s->mpos += len;
			else
				s->pos += len;
			if (r == FRAME_OK) {
				s->last_p = p;
				s->last_n = len;
				return 1;
			}
			s->bad_p = p;
			s->bad_n = len;
			goto bad;
		}
		if (r == FRAME_BAD && why != NULL && strcmp(why,
		    "frame larger than the maximum frame size") == 0) {
			/* well formed but too big: walk past it */
			if (s->type == S_ZMQ) {
				if (frame_scan(p, n, n, &len, &why) ==
				    SCAN_OK) {
					s->mpos += len;
					s->oversized++;
					seterr(s, "%s: message %llu, byte %llu: "
					    "frame of %zu bytes is larger than "
					    "the maximum frame size (%zu): "
					    "skipped", s->uri,
					    (unsigned long long)s->msgno,
					    (unsigned long long)s->offset, len,
					    s->max_frame);
					return STREAM_BAD;
				}
			} else {
				s->skipping = 1;
				s->skip_items = 1;
				s->skip_payload = 0;
				s->skip_start = s->offset;
				continue;
			}
		}
		if (s->type == S_ZMQ) {
			if (r == FRAME_MORE)
				why = "frame truncated at the end of the message";
			s->bad_p = p;
			s->bad_n = n;
			s->mpos = s->mlen;	/* drop the rest of the message */
			goto bad;
		}
		if (r == FRAME_BAD) {
			s->bad_p = p;
			s->bad_n = n;
			seterr(s, "%s: byte %llu: %s", s->uri,
			    (unsigned long long)(s->offset + len), why);
			s->eof = 1;	/* no way to resync a byte stream */
			s->pos = s->in.len;
			return STREAM_ERR;
		}
		if (s->eof) {
			if (n > 0) {
				s->bad_p = p;
				s->bad_n = n;
				seterr(s, "%s: byte %llu: input ends inside a "
				    "frame (%zu bytes of it)", s->uri,
				    (unsigned long long)s->offset, n);
				s->pos = s->in.len;
				return STREAM_ERR;
			}
			return 0;
		}
more:
		if ((r = fill(s)) == -2)
			return 0;
		if (r == -1)
			return STREAM_ERR;
		if (r == 0)
			s->eof = 1;
	}
bad:
	if (s->type == S_ZMQ)
		seterr(s, "%s: message %llu, byte %llu: %s", s->uri,
		    (unsigned long long)s->msgno,
		    (unsigned long long)s->offset, why);
	else
		seterr(s, "%s: byte %llu: %s", s->uri,
		    (unsigned long long)s->offset, why);
	return STREAM_BAD;
}

static int
is_head(const struct record *r)
{
	return r->kind == KIND_OTHER && r->kind_len == 4 &&
	    memcmp(r->kind_str, "head", 4) == 0;
}

int
stream_read(struct stream *s, struct record **rp)
{
	int r;

	if (s->writer) {
		seterr(s, "%s: not open for reading", s->uri);
		return STREAM_ERR;
	}
	s->bad_p = NULL;
	s->bad_n = 0;
	s->last_p = NULL;
	for (;;) {
		if (interrupted)
			return STREAM_EOF;
		if ((r = next_frame(s)) != 1)
			return r;
		if (s->rec->kind == KIND_EOS) {
			on_eos(s, s->rec);
			if (all_ended(s)) {
				/* end now, unless more is waiting: it may
				 * come from a producer not seen yet */
				if (s->type != S_ZMQ || !stream_pending(s))
					return STREAM_EOF;
				s->ending = 1;
			}
			continue;
		}
		if (s->rec->kind == KIND_OTHER && is_head(s->rec)) {
			on_head(s, s->rec);
			continue;
		}
		s->frames++;
		s->prods[s->cur].got++;
		if (s->seq_on)
			check_seq(s, s->rec);
		*rp = s->rec;
		return STREAM_OK;
	}
}

/* ---- writing ------------------------------------------------------------- */

/* Encode a head (eos = 0) or an eos frame of this producer into s->hbuf. */
static int
encode_mark(struct stream *s, int eos)
{
	struct record *r = s->hrec;

	record_clear(r);
	record_set_time(r, 0, 0);
	record_meta_set(r, "v", &(struct value){ .type = VAL_INT, .i = 1 });
	if (eos)
		record_set_kind(r, KIND_EOS);
	else
		record_meta_set(r, "kind", &(struct value){ .type = VAL_STR,
		    .len = 4, .p = "head" });
	record_meta_set(r, "producer", &(struct value){ .type = VAL_STR,
	    .len = (uint32_t)strlen(s->prod_id), .p = s->prod_id });
	record_meta_set(r, eos ? "frames" : "sent", &(struct value){
	    .type = VAL_INT, .i = (int64_t)s->frames });
	buf_reset(&s->hbuf);
	if (frame_encode(&s->hbuf, r) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		return -1;
	}
	return 0;
}

/* A monitor event of a PUSH writer: a connection's descriptor came or
 * went. */
static void
conn_event(struct stream *s, unsigned ev, int fd)
{
	size_t i;
	int *p;

	for (i = 0; i < s->nconn; i++)
		if (s->conn[i] == fd)
			break;
	if (ev == ZMQ_EVENT_DISCONNECTED) {
		if (i < s->nconn)
			s->conn[i] = s->conn[--s->nconn];
		return;
	}
	s->connected = 1;
	if (i < s->nconn)
		return;
	if (s->nconn == s->conncap) {
		if ((p = realloc(s->conn, (s->conncap + 8) * sizeof(*p))) ==
		    NULL)
			return;	/* not watched: the linger still applies */
		s->conn = p;
		s->conncap += 8;
	}
	s->conn[s->nconn++] = fd;
}

/* Read the monitor's waiting events: two parts each, the first holding
 * the event (16 bits) and its value (32 bits, the descriptor). */
static void
mon_drain(struct stream *s)
{
	zmq_msg_t m;
	uint16_t ev;
	uint32_t fd;
	int more;

	if (s->mon == NULL)
		return;
	for (;;) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s->mon, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&m);
			return;
		}
		if (zmq_msg_size(&m) >= 6) {
			memcpy(&ev, zmq_msg_data(&m), 2);
			memcpy(&fd, (char *)zmq_msg_data(&m) + 2, 4);
			conn_event(s, ev, (int)fd);
		}
		more = zmq_msg_more(&m);
		zmq_msg_close(&m);
		while (more) {		/* the address: parts come together */
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, s->mon, ZMQ_DONTWAIT) == -1)
				more = 0;
			else
				more = zmq_msg_more(&m);
			zmq_msg_close(&m);
		}
	}
}

/* Give up a send: say why from wait_slice()'s answer. */
static int
send_gave_up(struct stream *s, const char *why)
{
	if (*why == 't') {
		s->timed_out = 1;
		seterr(s, "%s: %s for %g s", s->uri, s->type == S_ZMQ ?
		    "no peer took a message" : "output blocked",
		    s->timeout_ms / 1000.0);
		errno = ETIMEDOUT;
	} else {
		seterr(s, "%s: interrupted while %s", s->uri, s->type == S_ZMQ ?
		    "waiting for a peer to take a message" :
		    "waiting to write");
		errno = EINTR;
	}
	return -1;
}

/*
 * ZeroMQ: send a head frame and p[0..n) as one message (eos: the eos frame
 * alone); a byte stream: write() p[0..n) all.  Wait at most the stream's
 * timeout (GRACE_MS once a signal came).  On
 * success the nframes frames it holds count as handed on.
 */
static int
send_bytes(struct stream *s, const char *p, size_t n, uint64_t nframes,
    int eos)
{
	struct pollfd pfd;
	zmq_pollitem_t pi;
	const char *why;
	size_t done = 0, hlen = 0, k;
	ssize_t w;
	int64_t t0 = now_ms();
	int ms;

	if (s->type == S_ZMQ) {
		if (encode_mark(s, eos) == -1)	/* head, or the eos alone */
			return -1;
		hlen = s->hbuf.len;
		if (zmq_msg_init_size(&s->zm, hlen + n) == -1) {
			seterr(s, "%s: out of memory", s->uri);
			return -1;
		}
		if (hlen > 0)
			memcpy(zmq_msg_data(&s->zm), s->hbuf.p, hlen);
		if (n > 0)
			memcpy((char *)zmq_msg_data(&s->zm) + hlen, p, n);
		pi.socket = s->sock;
		pi.events = ZMQ_POLLOUT;
		while (zmq_msg_send(&s->zm, s->sock, ZMQ_DONTWAIT) == -1) {
			if (errno != EAGAIN && errno != EINTR) {
				seterr(s, "%s: send: %s", s->uri,
				    zmq_strerror(errno));
				zmq_msg_close(&s->zm);
				return -1;
			}
			if ((ms = wait_slice(s, t0, 1, &why)) == 0) {
				zmq_msg_close(&s->zm);
				return send_gave_up(s, why);
			}
			(void)zmq_poll(&pi, 1, ms);
			mon_drain(s);
		}
		s->bytes += hlen + n;
		k = s->msgs_sent++ % RING_MSGS;
		s->ring[k].frames = nframes > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)nframes;
		s->ring[k].bytes = hlen + n > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)(hlen + n);
		if (k == 0)
			mon_drain(s);	/* now and then: events stay few */
		s->frames += nframes;
		return 0;
	}
	pfd.fd = s->fd;
	pfd.events = POLLOUT;
	while (done < n) {
		if (interrupted || s->timeout_ms > 0) {
			while (poll(&pfd, 1, 0) == 0) {
				if ((ms = wait_slice(s, t0, 1, &why)) == 0)
					return send_gave_up(s, why);
				(void)poll(&pfd, 1, ms);
			}
		}
		w = write(s->fd, p + done, n - done);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			seterr(s, "%s: write: %s", s->uri, strerror(errno));
			return -1;
		}
		done += (size_t)w;
		s->bytes += (uint64_t)w;
	}
	s->frames += nframes;
	return 0;
}

/* A send failed: what is queued will never be handed on. */
static int
send_failed(struct stream *s)
{
	int saved = errno;

	s->failed = 1;
	s->unsent += s->qframes;
	s->qframes = 0;
	buf_reset(&s->out);
	errno = saved;
	return -1;
}

/* A writer whose send failed takes no more: the frames of the call count
 * unsent, like those it held (stream.h, "Counting"). */
static int
refuse_failed(struct stream *s, uint64_t nframes)
{
	if (!s->writer) {
		seterr(s, "%s: not open for writing", s->uri);
		errno = EBADF;
		return -1;
	}
	if (s->failed) {		/* s->err still says why */
		s->unsent += nframes;
		errno = EIO;
		return -1;
	}
	return 0;
}

int
stream_flush(struct stream *s)
{
	if (!s->writer || s->out.len == 0)
		return 0;
	if (s->failed) {
		errno = EIO;
		return -1;
	}
	if (send_bytes(s, s->out.p, s->out.len, s->qframes, 0) == -1)
		return send_failed(s);
	s->qframes = 0;
	buf_reset(&s->out);
	return 0;
}

int
stream_flush_all(void)
{
	struct stream *w;
	int ret = 0;

	for (w = writers; w != NULL; w = w->next)
		if (!w->failed && stream_flush(w) == -1)
			ret = -1;
	return ret;
}

/* nframes were just queued: flush if the buffer is full.  If that fails,
 * they are unsent with the rest (the call returns -1, but they were
 * queued: see stream.h, "Counting"). */
static int
queued(struct stream *s, uint64_t nframes)
{
	s->qframes += nframes;
	if (s->out.len < s->batch)
		return 0;
	return stream_flush(s);
}

int
stream_write(struct stream *s, const struct record *r)
{
	size_t start = s->out.len;

	if (refuse_failed(s, 1) == -1)
		return -1;
	if (frame_encode(&s->out, r) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		s->out.len = start;
		return -1;
	}
	if (s->out.len - start > s->max_frame) {
		seterr(s, "%s: frame of %zu bytes is larger than the "
		    "maximum frame size (%zu)", s->uri, s->out.len - start,
		    s->max_frame);
		s->out.len = start;
		errno = EMSGSIZE;
		return -1;
	}
	return queued(s, 1);
}

int
stream_write_raw(struct stream *s, const void *p, size_t n)
{
	const char *why = NULL;
	size_t off = 0, len;
	uint64_t count = 0;

	if (!s->writer || s->failed) {
		for (len = 0; off < n && frame_scan((const char *)p + off,
		    n - off, s->max_frame, &len, &why) == SCAN_OK; off += len)
			count++;
		return refuse_failed(s, count);
	}
	while (off < n) {
		if (frame_scan((const char *)p + off, n - off, s->max_frame,
		    &len, &why) != SCAN_OK) {
			seterr(s, "%s: stream_write_raw: not whole frames at "
			    "byte %zu%s%s", s->uri, off + len, why ? ": " : "",
			    why ? why : "");
			errno = EINVAL;
			return -1;
		}
		off += len;
		count++;
	}
	if (buf_append(&s->out, p, n) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		return -1;
	}
	return queued(s, count);
}

int
stream_write_frames(struct stream *s, const void *p, size_t n,
    uint64_t nframes)
{
	if (refuse_failed(s, nframes) == -1)
		return -1;
	if (s->out.len == 0 && n >= s->batch) {
		/* the caller's bytes go out as they are, no copy */
		if (send_bytes(s, p, n, nframes, 0) == -1) {
			s->qframes = nframes;	/* counted unsent */
			return send_failed(s);
		}
		return 0;
	}
	if (buf_append(&s->out, p, n) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		return -1;
	}
	return queued(s, nframes);
}

/*
 * The I/O thread of a ZeroMQ stream's context (named "N/ZMQbg/IO/0" by
 * open_zmq()): its thread id, or -1 if /proc does not show it.
 */
static int
io_thread(struct stream *s)
{
	char path[300], want[32], comm[32];
	struct dirent *e;
	DIR *d;
	FILE *f;
	int tid = -1;

	if (s->io_tid != 0)
		return s->io_tid;
	snprintf(want, sizeof(want), "%u/ZMQbg/IO/0\n", s->ctx_no);
	if ((d = opendir("/proc/self/task")) == NULL)
		return s->io_tid = -1;
	while (tid == -1 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
		    e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL &&
		    strcmp(comm, want) == 0)
			tid = atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return s->io_tid = tid;
}

/* Read a small /proc file whole into buf (NUL-terminated): 0, or -1. */
static int
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * Look at the I/O thread tid: 1 if it sleeps (state S), 0 if not, -1 if
 * unknown; *runs: how many times it has been put on a CPU so far
 * (/proc/.../schedstat, the third field).
 */
static int
io_look(int tid, unsigned long long *runs)
{
	char path[64], buf[512], *p;

	if (tid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (read_small(path, buf, sizeof(buf)) == -1 ||
	    (p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	if (read_small(path, buf + 256, 256) == -1 ||
	    sscanf(buf + 256, "%*u %*u %llu", runs) != 1)
		return -1;
	return p[2] == 'S';
}

/*
 * Wait until every connection of a PUSH writer is closed by its peer, or
 * until nothing of the stream is left on the writer's side, or until the
 * deadline (ms): 1 done, 0 not.  *pending: the bytes the kernel still held
 * at the last look.
 *
 * "Nothing left" is QUIET_LOOKS looks in a row, QUIET_MS apart, each
 * finding the kernel holding none of the writer's bytes (SIOCOUTQ 0 on
 * every connection) while the context's I/O thread sleeps, the thread
 * not having run once since the first of them.  The kernel alone does not
 * tell: its queue is empty whenever the reader has taken what was
 * written, also while the last messages still wait in the socket's pipe
 * or the engine's buffer for an I/O thread that has not run yet (or is in
 * the middle of a ZMTP handshake).  A sleeping I/O thread with nothing in
 * the kernel has nothing left to write: data waiting in the engine for a
 * writable descriptor, or a message sent to its pipe, wakes it.  Without
 * /proc, the kernel's queue alone decides.
 */
#define QUIET_LOOKS	3
#define QUIET_MS	2
static int
wait_delivered(struct stream *s, int64_t deadline, uint64_t *pending)
{
	zmq_pollitem_t pi = { .socket = s->mon, .events = ZMQ_POLLIN };
	unsigned long long ra = 0, rb = 0, base = 0;
	int64_t now;
	size_t i;
	int q, quiet = 0, ms, a, b, tid = io_thread(s), idle;

	for (;;) {
		mon_drain(s);
		if (s->nconn == 0 && s->connected)
			return 1;	/* every peer hung up */
		a = io_look(tid, &ra);
		*pending = 0;
		for (i = 0; i < s->nconn; i++)
			if (ioctl(s->conn[i], SIOCOUTQ, &q) == 0 && q > 0)
				*pending += (uint64_t)q;
		b = io_look(tid, &rb);
		if (a == -1 || b == -1)
			idle = 1;	/* unknown: the kernel decides */
		else
			idle = a == 1 && b == 1 && ra == rb &&
			    (quiet == 0 || rb == base);
		if (*pending == 0 && s->connected && idle) {
			if (quiet++ == 0)
				base = rb;
		} else
			quiet = 0;
		if (quiet >= QUIET_LOOKS)
			return 1;
		now = now_ms();
		if (interrupted) {
			if (stop_deadline == 0)
				stop_deadline = now + GRACE_MS;
			if (stop_deadline < deadline)
				deadline = stop_deadline;
		}
		if (now >= deadline)
			return 0;
		ms = quiet > 0 ? QUIET_MS : 5 * QUIET_MS;
		if (deadline - now < ms)
			ms = (int)(deadline - now);
		(void)zmq_poll(&pi, 1, ms);	/* a hang-up wakes it */
	}
}

/*
 * ZeroMQ: deliver the stream's tail, then close the socket and terminate
 * its context.
 *
 * libzmq 4.3 loses the tail of a connection that is closed while its
 * reader is behind, silently but for the missing eos.  (1) The linger of
 * zmq_close() waits only until the socket's queue has moved into the
 * connection's engine, which is then destroyed with the bytes the kernel
 * had no room for yet (libzmq issues #1264, #4660).  (2) Over ipc, a
 * reader whose queue is at its ZMQ_RCVHWM when the peer hangs up gets
 * EPOLLHUP although it asked for no input events, marks the connection
 * broken, and once it has passed on what its engine had read, drops what
 * the kernel still held for it (stream_engine_base.cpp, in_event_internal()
 * with input stopped, then restart_input()).  Both need a reader whose
 * queue is full at the close, which a receive limit of 16 messages makes
 * common (tests/e2e/zmq_slow.sh has the case; ZeroMQ's 1,000 only makes
 * it rarer).
 *
 * So the writer hangs up last: after its eos, a PUSH writer waits until
 * each of its connections has been closed by the peer (a libstream reader
 * closes its socket when its stream ends, the usual end of the handshake)
 * or nothing of the stream is left on the writer's side, in the kernel
 * (SIOCOUTQ 0: over ipc every byte was read by the peer's libzmq, over tcp
 * acknowledged by its kernel; tcp's FIN raises no EPOLLHUP, so the reader
 * reads the rest) or in libzmq (its I/O thread asleep, see
 * wait_delivered()), whichever comes first; the descriptors come from the
 * socket monitor.  Then nothing is in
 * flight that the close could drop.  The wait and the linger after it
 * share one budget: 10 s, or the stream's timeout if shorter, or what is
 * left of GRACE_MS after a signal.  If it runs out, the frames of the
 * messages that may not have been delivered are counted unsent: those of
 * the last hwm messages (the socket's queue) and of as many before them
 * as hold the bytes the kernel still had, an estimate, since ZeroMQ does
 * not say which went out.
 */
static int
zmq_finish(struct stream *s)
{
	int64_t start = now_ms(), t0 = start, left;
	uint64_t k, x = 0, pending = 0, b = 0;
	int linger = LINGER_MS, expired, done = 1;

	if (s->timeout_ms > 0 && s->timeout_ms < linger)
		linger = s->timeout_ms;	/* a writer blocked that long */
	if (interrupted) {
		left = stop_deadline ? stop_deadline - t0 : GRACE_MS;
		if (left < linger)
			linger = left > 0 ? (int)left : 0;
	}
	if (s->mon != NULL && s->msgs_sent > 0)
		done = wait_delivered(s, t0 + linger, &pending);
	left = t0 + linger - now_ms();
	linger = !done || left < 0 ? 0 : (int)left;
	zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof(linger));
	t0 = now_ms();
	zmq_teardown(s);
	expired = s->msgs_sent > 0 && s->zsock_type == ZMQ_PUSH &&
	    (!done || now_ms() - t0 >= linger - 5);
	if (!expired)
		return 0;
	for (k = 0; k < s->msgs_sent && k < RING_MSGS; k++) {
		if (k >= (uint64_t)s->hwm && b >= pending)
			break;
		x += s->ring[(s->msgs_sent - 1 - k) % RING_MSGS].frames;
		if (k >= (uint64_t)s->hwm)
			b += s->ring[(s->msgs_sent - 1 - k) % RING_MSGS].bytes;
	}
	if (x > s->frames)
		x = s->frames;
	s->frames -= x;
	s->unsent += x;
	s->timed_out = 1;
	seterr(s, "%s: gave up after %.3g s with messages undelivered: "
	    "up to %llu frames never reached a peer", s->uri,
	    (now_ms() - start) / 1000.0, (unsigned long long)x);
	errno = ETIMEDOUT;
	return -1;
}

int
stream_finish(struct stream *s)
{
	int ret = 0, saved = 0;
	char err[sizeof(s->err)];

	if (!s->writer || s->finished)
		return s->writer ? s->finish_ret : 0;
	s->finished = 1;
	if (stream_flush(s) == -1) {
		ret = -1;
		saved = errno;
	}
	if (s->type == S_ZMQ) {
		if (!s->failed && send_bytes(s, NULL, 0, 0, 1) == -1) {
			ret = -1;
			saved = errno;
			s->failed = 1;
		}
		memcpy(err, s->err, sizeof(err));
		if (zmq_finish(s) == -1 && ret == 0) {
			ret = -1;
			saved = errno;
		} else if (ret == -1)
			memcpy(s->err, err, sizeof(err));
	}
	s->finish_ret = ret;
	if (ret == -1)
		errno = saved;
	return ret;
}

int
stream_close(struct stream **sp)
{
	struct stream *s, **w;
	int ret = 0, saved = 0;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return 0;
	if (s->writer) {
		if (stream_finish(s) == -1) {
			ret = -1;
			saved = errno;
		}
		for (w = &writers; *w != NULL; w = &(*w)->next)
			if (*w == s) {
				*w = s->next;
				break;
			}
	}
	if (s->have_msg)
		zmq_msg_close(&s->msg);
	zmq_teardown(s);
	free(s->conn);
	if (s->own_fd && close(s->fd) == -1 && ret == 0) {
		ret = -1;
		saved = errno;
	}
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->scratch);
	buf_free(&s->hbuf);
	record_free(&s->rec);
	record_free(&s->hrec);
	if (s->zone)
		msgpack_zone_free(s->zone);
	for (i = 0; i < s->seqcap; i++)
		free(s->seqs[i].dev);
	free(s->seqs);
	free(s->prods);
	free(s->uri);
	free(s);
	*sp = NULL;
	if (ret == -1)
		errno = saved;
	return ret;
}

/* ---- accessors ----------------------------------------------------------- */

const char *
stream_error(const struct stream *s)
{
	return s->err[0] ? s->err : "no error";
}

const char *
stream_name(const struct stream *s)
{
	return s->uri;
}

uint64_t
stream_offset(const struct stream *s)
{
	return s->offset;
}

uint64_t
stream_msgno(const struct stream *s)
{
	return s->type == S_ZMQ ? s->msgno : 0;
}

int
stream_frame_bytes(const struct stream *s, const char **p, size_t *n)
{
	if (s->last_p == NULL)
		return -1;
	*p = s->last_p;
	*n = s->last_n;
	return 0;
}

int
stream_bad_frame(const struct stream *s, const char **p, size_t *n)
{
	if (s->bad_p == NULL)
		return -1;
	*p = s->bad_p;
	*n = s->bad_n;
	return 0;
}

uint64_t
stream_frames(const struct stream *s)
{
	return s->frames;
}

uint64_t
stream_unsent(const struct stream *s)
{
	return s->writer ? s->unsent + s->qframes : 0;
}

int
stream_pending(const struct stream *s)
{
	struct pollfd pfd;
	const char *why;
	size_t len;
	int ev = 0;
	size_t evlen = sizeof(ev);

	if (s->writer || s->eof)
		return 0;
	if (s->type == S_ZMQ) {
		if (s->have_msg && s->mpos < s->mlen)
			return 1;
		return zmq_getsockopt(s->sock, ZMQ_EVENTS, &ev, &evlen) == 0 &&
		    (ev & ZMQ_POLLIN);
	}
	if (s->pos < s->in.len && frame_scan(s->in.p + s->pos,
	    s->in.len - s->pos, s->max_frame, &len, &why) != SCAN_MORE)
		return 1;
	pfd.fd = s->fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0) == 1;
}

uint64_t
stream_bytes(const struct stream *s)
{
	return s->bytes;
}

int
stream_is_zmq(const struct stream *s)
{
	return s->type == S_ZMQ;
}

void
stream_set_max_frame(struct stream *s, size_t max)
{
	s->max_frame = max;
}

void
stream_set_eos_count(struct stream *s, unsigned n)
{
	s->eos_need = n;
	s->eos_auto = 0;
}

void
stream_set_timeout(struct stream *s, double seconds)
{
	double ms = seconds * 1000.0;

	s->timeout_ms = !(ms > 0) ? 0 : ms > 2e9 ? 2000000000 :
	    ms < 1 ? 1 : (int)ms;
}

int
stream_timed_out(const struct stream *s)
{
	return s->timed_out;
}

void
stream_set_seq_check(struct stream *s, int on)
{
	s->seq_on = on;
}

uint64_t
stream_seq_gaps(const struct stream *s)
{
	return s->gaps;
}

uint64_t
stream_repeated(const struct stream *s)
{
	return s->repeats;
}

uint64_t
stream_shortfall(const struct stream *s)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < s->nprods; i++)
		n = sat_add(n, s->prods[i].lost);
	return n;
}

uint64_t
stream_lost(const struct stream *s)
{
	uint64_t a = s->gaps, b = stream_shortfall(s);

	return a > b ? a : b;
}

uint64_t
stream_eos_seen(const struct stream *s)
{
	return s->eos_seen;
}

uint64_t
stream_oversized(const struct stream *s)
{
	return s->oversized;
}

size_t
stream_producers(const struct stream *s)
{
	return s->nprods > 0 ? s->nprods - 1 : 0;
}

int
stream_producer(const struct stream *s, size_t i,
    struct stream_producer *p)
{
	const struct prod *q;

	if (i + 1 >= s->nprods)
		return -1;
	q = &s->prods[i + 1];
	p->id = q->id;
	p->before = q->base;
	p->got = q->got;
	p->lost = q->lost;
	p->sent = q->sent;
	p->ended = q->ended;
	return 0;
}

size_t
stream_unended(const struct stream *s)
{
	size_t i, n = 0;

	for (i = 1; i < s->nprods; i++)
		n += !s->prods[i].ended;
	return n;
}

void
stream_use_msgpackc(struct stream *s, int on)
{
	s->use_mpc = on;
}

/* ---- signals ------------------------------------------------------------- */

static void
on_term(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
on_usr1(int sig)
{
	(void)sig;
	report = 1;
}

void
stream_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;	/* no SA_RESTART: read() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
stream_interrupted(void)
{
	return interrupted != 0;
}

int
stream_report_requested(void)
{
	if (!report)
		return 0;
	report = 0;
	return 1;
}

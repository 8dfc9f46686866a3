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
 */
#define _GNU_SOURCE		/* F_GETPIPE_SZ, F_SETPIPE_SZ */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "codec.h"
#include "stream.h"

#define IN_CHUNK	(256u * 1024)	/* read() size */
#define OUT_FLUSH	(64u * 1024)	/* write() when this much is queued */
#define LINGER_MS	10000		/* how long close waits to deliver */
#define PIPE_BYTES	(256 * 1024)	/* pipe capacity asked for, see below */

enum { S_FD, S_ZMQ };

struct stream {
	char		*uri;
	int		 writer;
	int		 type;		/* S_FD, S_ZMQ */
	int		 fd, own_fd;
	void		*sock;
	int		 zsock_type;

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
	unsigned	 eos_need, eos_seen;
	const char	*bad_p;
	size_t		 bad_n;
	const char	*last_p;	/* the frame of the last STREAM_OK */
	size_t		 last_n;
	struct record	*rec;
	msgpack_zone	*zone;		/* msgpack-c path */
	struct buf	 scratch;
	int		 use_mpc;

	/* writing */
	struct buf	 out;
	struct stream	*next;		/* list of writers */

	size_t		 max_frame;
	uint64_t	 frames, bytes;
	uint64_t	 qframes;	/* writer: frames in out not yet sent */
	char		 err[256];
};

static struct stream	*writers;
static void		*zctx;
static int		 zusers;
static char		 open_err[256];
static volatile sig_atomic_t	 interrupted, report;

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

static int
open_zmq(struct stream *s, int type, int bind, const char *addr)
{
	int linger = s->writer ? LINGER_MS : 0;

	if (zctx == NULL && (zctx = zmq_ctx_new()) == NULL) {
		open_fail("%s: zmq_ctx_new: %s", s->uri, zmq_strerror(errno));
		return -1;
	}
	zusers++;
	if ((s->sock = zmq_socket(zctx, type)) == NULL) {
		open_fail("%s: zmq_socket: %s", s->uri, zmq_strerror(errno));
		return -1;
	}
	s->zsock_type = type;
	zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof(linger));
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
	s->eos_need = 1;
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
	if (s->writer) {
		s->next = writers;
		writers = s;
	}
	return s;
fail:
	saved = errno;
	if (s->sock != NULL)
		zmq_close(s->sock);
	if (s->type == S_ZMQ || s->sock != NULL || zusers > 0) {
		if (--zusers <= 0 && zctx != NULL) {
			zmq_ctx_term(zctx);
			zctx = NULL;
			zusers = 0;
		}
	}
	record_free(&s->rec);
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
		if (w->out.len > 0)
			return 1;
	return 0;
}

/* Read more bytes into s->in.  1 got some, 0 EOF, -1 error/interrupt. */
static int
fill(struct stream *s)
{
	struct pollfd pfd;
	ssize_t n;

	if (s->pos > 0) {		/* keep only the unread tail */
		s->base += s->pos;
		buf_consume(&s->in, s->pos);
		s->pos = 0;
	}
	if (buf_reserve(&s->in, IN_CHUNK) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		return -1;
	}
	if (has_pending_output()) {
		pfd.fd = s->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 0 && stream_flush_all() == -1) {
			seterr(s, "%s: flushing output before waiting: %s",
			    s->uri, strerror(errno));
			return -1;
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

/* Next message into s->mp.  1 got one, -2 interrupted, -1 error. */
static int
next_msg(struct stream *s)
{
	int n;

	if (s->have_msg) {
		zmq_msg_close(&s->msg);
		s->have_msg = 0;
	}
	zmq_msg_init(&s->msg);
	s->have_msg = 1;
	n = zmq_msg_recv(&s->msg, s->sock, ZMQ_DONTWAIT);
	if (n == -1 && errno == EAGAIN) {
		if (stream_flush_all() == -1) {
			seterr(s, "%s: flushing output before waiting: %s",
			    s->uri, strerror(errno));
			return -1;
		}
		for (;;) {
			if (interrupted)
				return -2;
			n = zmq_msg_recv(&s->msg, s->sock, 0);
			if (n >= 0 || errno != EINTR)
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
			if ((r = next_msg(s)) == -2)
				return 0;
			if (r == -1)
				return STREAM_ERR;
			continue;
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
		if (s->rec->kind == KIND_EOS && s->eos_need > 0) {
			if (++s->eos_seen >= s->eos_need)
				return STREAM_EOF;
			continue;
		}
		s->frames++;
		*rp = s->rec;
		return STREAM_OK;
	}
}

/* ---- writing ------------------------------------------------------------- */

/* Send p[0..n) as one message or write() it all; *done: bytes gone. */
static int
send_bytes(struct stream *s, const char *p, size_t n, size_t *done)
{
	ssize_t w;

	*done = 0;
	if (s->type == S_ZMQ) {
		while (zmq_send(s->sock, p, n, 0) == -1) {
			if (errno == EINTR)
				continue;
			seterr(s, "%s: send: %s", s->uri, zmq_strerror(errno));
			return -1;
		}
		*done = n;
		s->bytes += n;
		return 0;
	}
	while (*done < n) {
		w = write(s->fd, p + *done, n - *done);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			seterr(s, "%s: write: %s", s->uri, strerror(errno));
			return -1;
		}
		*done += (size_t)w;
		s->bytes += (uint64_t)w;
	}
	return 0;
}

int
stream_flush(struct stream *s)
{
	size_t done;
	int ret;

	if (!s->writer || s->out.len == 0)
		return 0;
	ret = send_bytes(s, s->out.p, s->out.len, &done);
	buf_consume(&s->out, done);
	if (s->out.len == 0)
		s->qframes = 0;
	return ret;
}

int
stream_flush_all(void)
{
	struct stream *w;
	int ret = 0;

	for (w = writers; w != NULL; w = w->next)
		if (stream_flush(w) == -1)
			ret = -1;
	return ret;
}

static int
after_append(struct stream *s, size_t start)
{
	if (s->out.len - start > s->max_frame) {
		seterr(s, "%s: frame of %zu bytes is larger than the "
		    "maximum frame size (%zu)", s->uri, s->out.len - start,
		    s->max_frame);
		s->out.len = start;
		errno = EMSGSIZE;
		return -1;
	}
	s->qframes++;
	if (s->out.len >= OUT_FLUSH)
		return stream_flush(s);
	return 0;
}

int
stream_write(struct stream *s, const struct record *r)
{
	size_t start = s->out.len;

	if (!s->writer) {
		seterr(s, "%s: not open for writing", s->uri);
		errno = EBADF;
		return -1;
	}
	if (frame_encode(&s->out, r) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		return -1;
	}
	if (after_append(s, start) == -1)
		return -1;
	s->frames++;
	return 0;
}

int
stream_write_raw(struct stream *s, const void *p, size_t n)
{
	const char *why = NULL;
	size_t off = 0, len;
	uint64_t count = 0;

	if (!s->writer) {
		seterr(s, "%s: not open for writing", s->uri);
		errno = EBADF;
		return -1;
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
	s->frames += count;
	s->qframes += count;
	if (s->out.len >= OUT_FLUSH)
		return stream_flush(s);
	return 0;
}

int
stream_write_frames(struct stream *s, const void *p, size_t n,
    uint64_t nframes)
{
	size_t done;

	if (!s->writer) {
		seterr(s, "%s: not open for writing", s->uri);
		errno = EBADF;
		return -1;
	}
	s->frames += nframes;
	if (s->out.len == 0 && n >= OUT_FLUSH) {
		/* the caller's bytes go out as they are, no copy */
		if (send_bytes(s, p, n, &done) == -1) {
			if (buf_append(&s->out, (const char *)p + done,
			    n - done) == -1)
				seterr(s, "%s: out of memory", s->uri);
			s->qframes += nframes;	/* at most; unknown which */
			return -1;
		}
		return 0;
	}
	if (buf_append(&s->out, p, n) == -1) {
		seterr(s, "%s: out of memory", s->uri);
		return -1;
	}
	s->qframes += nframes;
	if (s->out.len >= OUT_FLUSH)
		return stream_flush(s);
	return 0;
}

static int
send_eos(struct stream *s)
{
	struct record *r;
	int ret;

	if ((r = record_new()) == NULL)
		return -1;
	record_set_time(r, 0, 0);
	r->sec = 0;
	record_meta_set(r, "v", &(struct value){ .type = VAL_INT, .i = 1 });
	record_set_kind(r, KIND_EOS);
	ret = frame_encode(&s->out, r);
	record_free(&r);
	if (ret == -1)
		return -1;
	return stream_flush(s);
}

int
stream_close(struct stream **sp)
{
	struct stream *s, **w;
	int ret = 0, saved = 0;

	if (sp == NULL || (s = *sp) == NULL)
		return 0;
	if (s->writer) {
		if (stream_flush(s) == -1) {
			ret = -1;
			saved = errno;
		}
		if (s->type == S_ZMQ && ret == 0 && send_eos(s) == -1) {
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
	if (s->sock != NULL)
		zmq_close(s->sock);
	if (s->type == S_ZMQ && --zusers <= 0 && zctx != NULL) {
		zmq_ctx_term(zctx);
		zctx = NULL;
		zusers = 0;
	}
	if (s->own_fd && close(s->fd) == -1 && ret == 0) {
		ret = -1;
		saved = errno;
	}
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->scratch);
	record_free(&s->rec);
	if (s->zone)
		msgpack_zone_free(s->zone);
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
	return s->writer ? s->qframes : 0;
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

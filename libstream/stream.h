/*
 * stream -- read and write frames over pipes, files and ZeroMQ.
 *
 * One string names an endpoint (docs/protocol.md "Endpoints"):
 *   "-"                     stdin (mode "r") or stdout (mode "w")
 *   a path                  a file
 *   [TYPE](@|>)tcp://...    ZeroMQ; '@' binds, '>' connects; TYPE is push,
 *   [TYPE](@|>)ipc://...    pull, pub or sub (default pull to read, push to
 *                           write).  Without '@'/'>': pull and pub bind,
 *                           push and sub connect.
 *
 * Writers batch frames into one write() or one ZeroMQ message and flush
 * when the buffer fills, when stream_flush() is called, and whenever any
 * reader of this process is about to block waiting for input: so batching
 * never adds latency to a quiet stream.  A ZeroMQ message carries one or more
 * whole frames.  Closing a ZeroMQ writer sends an end-of-stream frame; a
 * reader returns end of input when it reads one.
 *
 * The library never prints or exits: functions return -1/NULL and
 * stream_error() says why.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct stream;

enum stream_status {
	STREAM_OK = 1,		/* *rp is a record */
	STREAM_EOF = 0,		/* end of input (EOF, eos frame, signal) */
	STREAM_BAD = -1,	/* one bad frame skipped; reading may go on */
	STREAM_ERR = -2		/* fatal: input unreadable from here on */
};

/*
 * uri as above; mode "r" or "w".  Caller owns: close with stream_close().
 * NULL and errno on failure (EINVAL: malformed uri, see stream_open_error()).
 */
struct stream	*stream_open(const char *uri, const char *mode);
/* Why the last stream_open() of this thread failed (static storage). */
const char	*stream_open_error(void);

/*
 * Read the next frame.  STREAM_OK: *rp is borrowed, valid until the next
 * stream_read() on this stream.  STREAM_BAD: the frame at
 * stream_offset() was malformed (stream_error() says how; its bytes are at
 * stream_bad_frame()); the next call reads on.  STREAM_ERR: give up.
 */
int		 stream_read(struct stream *, struct record **rp);
/* Encode r (borrowed) and queue it.  0, or -1 (stream_error()). */
int		 stream_write(struct stream *, const struct record *r);
/* Queue n bytes that are one or more whole frames, already encoded; they
 * are checked with frame_scan() first (a bad chunk is refused whole). */
int		 stream_write_raw(struct stream *, const void *p, size_t n);
/*
 * The same for a producer whose encoder is tested to emit whole frames
 * (a frame template): no check; nframes is what the caller counts.  A large
 * chunk is written straight from p when nothing is queued before it.
 */
int		 stream_write_frames(struct stream *, const void *p, size_t n,
		     uint64_t nframes);
int		 stream_flush(struct stream *);
/* Flush every open writer of this process. 0, or -1 if any failed. */
int		 stream_flush_all(void);
/* Flush and close; NULL-safe; nulls *sp.  0, or -1 if the flush or close
 * failed (errno set). */
int		 stream_close(struct stream **sp);

const char	*stream_error(const struct stream *);	/* owned by stream */
const char	*stream_name(const struct stream *);	/* the uri */
/* Byte offset of the last frame read in its file, or in its ZeroMQ message. */
uint64_t	 stream_offset(const struct stream *);
/* ZeroMQ: number of the message the last frame came in (from 1); else 0. */
uint64_t	 stream_msgno(const struct stream *);
/* The bytes of the frame the last STREAM_OK returned, as received: a filter
 * that leaves a frame unchanged may forward them with stream_write_frames()
 * instead of encoding the record again.  Valid as the record is.  0, or -1
 * if the last read returned no frame. */
int		 stream_frame_bytes(const struct stream *, const char **p,
		     size_t *n);
/* Bytes of the frame that the last STREAM_BAD was about, if known. */
int		 stream_bad_frame(const struct stream *, const char **p,
		     size_t *n);
/* Frames read or written, bytes read or written. */
uint64_t	 stream_frames(const struct stream *);
uint64_t	 stream_bytes(const struct stream *);
int		 stream_is_zmq(const struct stream *);
/* Writer: frames accepted by a write call but not yet handed on (still
 * queued, or lost with a failed flush). */
uint64_t	 stream_unsent(const struct stream *);
/* Reader: nonzero if the next stream_read() will not block (a whole frame
 * or a message is buffered, or input is ready): for batching what queued. */
int		 stream_pending(const struct stream *);

/* Largest frame accepted or sent (default FRAME_MAX_DEFAULT). */
void		 stream_set_max_frame(struct stream *, size_t);
/* Reader: end of input after n eos frames (default 1; 0: ignore eos). */
void		 stream_set_eos_count(struct stream *, unsigned n);
/* Reader: decode through msgpack-c instead of the fast path (tests). */
void		 stream_use_msgpackc(struct stream *, int on);

/*
 * SIGINT and SIGTERM set a flag that makes stream_read() return STREAM_EOF
 * (frames already read stay with the caller to write); SIGPIPE is ignored
 * (writes fail with EPIPE instead); SIGUSR1 sets a flag for
 * stream_report_requested().
 */
void		 stream_catch_signals(void);
int		 stream_interrupted(void);
/* Nonzero once per SIGUSR1. */
int		 stream_report_requested(void);

#endif

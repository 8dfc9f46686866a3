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
 * whole frames, after a head frame naming its producer.  Closing a ZeroMQ
 * writer sends an eos frame with its producer id and frame count; a ZeroMQ
 * reader returns end of input when every producer it has seen has ended,
 * and counts what never came (docs/protocol.md "End of stream" and "Loss").
 *
 * Counting (a writer): every frame a write call queued is, at any time,
 * exactly one of: still queued, handed on (stream_frames()), or given up
 * (a send failed, timed out, was interrupted, or the linger expired).
 * stream_unsent() is queued + given up; after stream_finish() nothing is
 * queued, so queued by write calls = stream_frames() + stream_unsent().  A
 * write call queues its frames unless it fails with EMSGSIZE (too large),
 * ENOMEM or EINVAL (stream_write_raw: not whole frames): when it fails
 * because a send failed (its own flush, or an earlier one: the stream then
 * takes nothing more), its frames are counted unsent, so a caller counts a
 * frame `out` whenever it was queued and takes stream_unsent() away.
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
/*
 * Writer: flush, send the eos (ZeroMQ), and for ZeroMQ wait until the
 * reader has taken the tail -- each connection closed by the reader or
 * empty in the kernel -- and the queue drained, then close (at most 10 s
 * in all, or the timeout if shorter; 0.5 s after a signal).  The counters stay
 * readable until stream_close().  0, or -1 (stream_error(), errno
 * ETIMEDOUT if the timeout or the linger expired, EINTR after a signal):
 * then stream_unsent() says how many frames were lost here.  Idempotent;
 * stream_close() calls it.  A reader: does nothing.
 */
int		 stream_finish(struct stream *);
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
/*
 * Reader: frames returned (STREAM_OK; head and eos frames not counted).
 * Writer: frames handed on: write() took all their bytes, or zmq_send()
 * accepted their message, i.e. ZeroMQ queued it for a connected peer
 * (ZMQ_IMMEDIATE: never for a peer that is not there).  Over ZeroMQ that
 * is not delivery: a peer that dies loses what its queues held, and only
 * the reader's count (stream_lost()) sees that.  If the wait expires at
 * stream_finish(), the frames of the messages that may not have been
 * delivered (the last 16, and before them as many as the kernel's queues
 * held in bytes) are moved from here to stream_unsent().
 */
uint64_t	 stream_frames(const struct stream *);
/* Writer: frames accepted by a write call and not handed on: still queued,
 * or never to be (a flush failed: error, timeout, signal; or the linger
 * expired, above).  After stream_finish() only the latter. */
uint64_t	 stream_unsent(const struct stream *);
uint64_t	 stream_bytes(const struct stream *);
int		 stream_is_zmq(const struct stream *);
/* Reader: nonzero if the next stream_read() will not block (a whole frame
 * or a message is buffered, or input is ready): for batching what queued;
 * it may then return end of stream. */
int		 stream_pending(const struct stream *);

/* Largest frame accepted or sent (default FRAME_MAX_DEFAULT). */
void		 stream_set_max_frame(struct stream *, size_t);
/*
 * Reader: end of input after n producers have sent their eos, whatever
 * else was seen (0: never end at an eos).  Default: a ZeroMQ reader ends
 * once every producer it has seen (from head frames) has sent its eos, and
 * at least one has; a byte stream counts an eos and reads on to its end.
 */
void		 stream_set_eos_count(struct stream *, unsigned n);
/*
 * Reader idle or writer blocked for this long: the read returns STREAM_ERR
 * or the write -1, with errno ETIMEDOUT and stream_timed_out() set; a
 * ZeroMQ reader's error names the producers that did not end.  0 (the
 * default): wait as long as it takes.  A write() on a pipe that has some
 * room may still block for its batch; ZeroMQ sends never do.
 */
void		 stream_set_timeout(struct stream *, double seconds);
int		 stream_timed_out(const struct stream *);

/*
 * Reader: what never came.  seq is checked per (kind, dev) of sample and
 * features frames (on by default for ZeroMQ, stream_set_seq_check() for
 * others): a jump ahead counts the frames skipped as gaps, a seq at or
 * below one already seen counts one repeat.  Producers (ZeroMQ, from head
 * and eos frames) say how many frames they sent: what did not arrive is
 * their shortfall.  stream_lost() is the larger of the two, which see the
 * same loss in two ways: at least that many frames never arrived.  The
 * counts stop at UINT64_MAX (seqs can jump by up to 2^64 - 1 per device).
 */
void		 stream_set_seq_check(struct stream *, int on);
uint64_t	 stream_lost(const struct stream *);
uint64_t	 stream_repeated(const struct stream *);
uint64_t	 stream_seq_gaps(const struct stream *);
uint64_t	 stream_shortfall(const struct stream *);
/* eos frames read; frames skipped for being over the maximum size. */
uint64_t	 stream_eos_seen(const struct stream *);
uint64_t	 stream_oversized(const struct stream *);

struct stream_producer {
	const char	*id;		/* borrowed from the stream */
	uint64_t	 before;	/* frames it sent before we saw it */
	uint64_t	 got;		/* frames of it read here */
	uint64_t	 lost;		/* frames it sent that never came */
	uint64_t	 sent;		/* its eos count (if ended) */
	int		 ended;		/* its eos came */
};
/* Producers seen (anonymous ones, without head frames, not included). */
size_t		 stream_producers(const struct stream *);
int		 stream_producer(const struct stream *, size_t i,
		     struct stream_producer *);
/* Producers seen that have not sent their eos. */
size_t		 stream_unended(const struct stream *);
/* Reader: decode through msgpack-c instead of the fast path (tests). */
void		 stream_use_msgpackc(struct stream *, int on);

/*
 * SIGINT and SIGTERM set a flag that makes stream_read() return STREAM_EOF
 * (frames already read stay with the caller to write); from then on a send
 * that cannot go out waits at most 0.5 s in all, then fails (EINTR) with
 * its frames unsent, and so does the close's linger; SIGPIPE is ignored
 * (writes fail with EPIPE instead); SIGUSR1 sets a flag for
 * stream_report_requested().
 */
void		 stream_catch_signals(void);
int		 stream_interrupted(void);
/* Nonzero once per SIGUSR1. */
int		 stream_report_requested(void);

#endif

/*
 * codec -- frames to msgpack bytes and back (docs/protocol.md).
 *
 * Encoding and decoding each have two paths that must agree on every input
 * (tests/unit/test_codec.c checks that): a fast path of our own and the
 * reference through msgpack-c.  Decoding:
 * frame_decode(), our own decoder straight from bytes into a record (the
 * fast path, no allocation), and frame_decode_msgpackc(), through
 * msgpack_unpack() and msgpack_object (the reference).  Neither runs on
 * bytes that frame_scan() has not accepted: frame_scan() walks a value's
 * structure without allocating, so a length field can never make anyone
 * allocate more than the bytes actually present.
 */
#ifndef CODEC_H
#define CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>

#include "buf.h"
#include "record.h"

#define FRAME_MAX_DEFAULT	(1u << 20)	/* 1 MiB */
#define FRAME_MAX_DEPTH		32

enum scan_result {
	SCAN_OK = 1,		/* a complete value of *len bytes */
	SCAN_MORE = 0,		/* incomplete: need more bytes */
	SCAN_BAD = -1		/* malformed or > max: *len = offset of fault */
};

/*
 * Find the extent of the msgpack value starting at p[0..n).  max bounds the
 * value's size.  On SCAN_BAD, *why is a static string.
 */
int	 frame_scan(const char *p, size_t n, size_t max, size_t *len,
	     const char **why);

/*
 * The msgpack header at p[0..n): *hdr header bytes, *payload bytes that
 * follow it (str, bin, ext), *items child values (arrays; 2 per map entry).
 * 0, 1 if the header needs more bytes, -1 for the invalid byte 0xc1.  Lets
 * a reader walk past a value it will not store (stream.c).
 */
int	 msgpack_header(const char *p, size_t n, size_t *hdr,
	     uint64_t *payload, uint64_t *items);

/*
 * Decode one scanned frame p[0..n) into r (cleared first).  Strings in r
 * point into p.  0, or -1 with *why (static) if the value is not a frame.
 */
int	 frame_decode(struct record *r, const char *p, size_t n,
	     const char **why);
/*
 * Decode the frame at the start of p[0..n) in one pass (the readers' fast
 * path).  FRAME_OK: *len bytes were the frame.  FRAME_MORE: incomplete.
 * FRAME_SKIP: a well-formed msgpack value of *len bytes that is not a frame
 * (*why); reading can go on after it.  FRAME_BAD: malformed msgpack or larger
 * than max, fault at byte *len (*why); a byte stream cannot resync.
 */
enum { FRAME_OK = 1, FRAME_MORE = 0, FRAME_SKIP = -1, FRAME_BAD = -2 };
int	 frame_decode_next(struct record *r, const char *p, size_t n,
	     size_t max, size_t *len, const char **why);
/* The same through msgpack-c; z is cleared first and holds r's nested data
 * until the next call.  Raw values point into a buffer that the caller
 * passes as scratch (reset first). */
int	 frame_decode_msgpackc(struct record *r, const char *p, size_t n,
	     msgpack_zone *z, struct buf *scratch, const char **why);

/* Append r as one frame.  0, or -1 on ENOMEM.  frame_encode() writes the
 * bytes directly; frame_encode_msgpackc() goes through msgpack-c's packer
 * (the reference: both give the same bytes). */
int	 frame_encode(struct buf *, const struct record *);
int	 frame_encode_msgpackc(struct buf *, const struct record *);

/* msgpack-c packer whose output is appended to b. */
void	 frame_packer_init(msgpack_packer *, struct buf *b);
/* For msgpack built by hand (events, batches, bundles): a NUL-terminated
 * string as str; a time as frame_encode() writes it, EventTime (ext 0),
 * or float64 seconds outside what EventTime holds (1970..2106). */
void	 frame_pack_str(msgpack_packer *, const char *s);
void	 frame_pack_time(msgpack_packer *, int64_t sec, uint32_t nsec);

#endif

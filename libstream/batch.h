/*
 * batch -- the unit sample-upload stores and collect acknowledges
 * (docs/protocol.md "Batches"): a header frame of kind "batch" followed by
 * the batched frames, byte for byte as they were read.  The header holds a
 * random 128-bit id, the devices and time range of the frames, their count,
 * their bytes and the SHA-256 of those bytes, so a batch file or message
 * is checked whole before anyone trusts a frame of it.  Also the ack frame
 * collect answers with.  The whole batch is a valid frame stream (tap reads
 * it).
 *
 * Ownership: a builder owns its buffers (batch_builder_free()); parsed
 * headers point into the bytes they were parsed from.  Nothing prints.
 * Needs sodium_init() before batch_seal() (random ids).
 */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "record.h"

#define BATCH_ID_LEN	16
#define BATCH_SHA_LEN	32
#define BATCH_HEX_LEN	(2 * BATCH_ID_LEN)	/* + NUL for a string */
#define BATCH_DEVS_MAX	1024	/* distinct devices one batch names */

/* An open batch: frames appended, not yet sealed. */
struct batch_builder {
	struct buf	 frames;	/* the frames' bytes */
	uint64_t	 count;
	int64_t		 from_s, to_s;	/* time range, EventTime parts */
	uint32_t	 from_ns, to_ns;
	struct buf	 devs;		/* distinct devices: NUL-separated */
	uint32_t	 ndevs;
	double		 opened;	/* CLOCK_MONOTONIC of the first frame */
};

#define BATCH_BUILDER_INIT	{ BUF_INIT, 0, 0, 0, 0, 0, BUF_INIT, 0, 0 }

/*
 * Append frame bytes p[0..n) of time sec.nsec and device dev[0..dlen)
 * (dev NULL: none; both borrowed for the call).  0, or -1 on ENOMEM, or
 * E2BIG when dev would be the BATCH_DEVS_MAX+1-th (seal first, then add).
 */
int	 batch_add(struct batch_builder *, const char *p, size_t n,
	     int64_t sec, uint32_t nsec, const char *dev, size_t dlen);
/*
 * Seal: append to out (not reset) the header then the frames, with a fresh
 * random id (copied to id), and empty the builder.  0, -1 on ENOMEM.
 */
int	 batch_seal(struct batch_builder *, struct buf *out,
	     uint8_t id[BATCH_ID_LEN]);
void	 batch_builder_free(struct batch_builder *);

/* A batch header as read. */
struct batch_info {
	uint8_t		 id[BATCH_ID_LEN];
	uint8_t		 sha[BATCH_SHA_LEN];
	uint64_t	 count, bytes;
	int64_t		 from_s, to_s;
	uint32_t	 from_ns, to_ns;
	const char	*devs;		/* msgpack array of str, its bytes */
	size_t		 devs_len;
	uint32_t	 ndevs;
	size_t		 hdr_len;	/* frames start at p + hdr_len */
};

/*
 * Check p[0..n) as a whole batch: the header decodes, the frames after it
 * are exactly `bytes` bytes of `count` whole frames, their SHA-256 is
 * `sha256`.  0 and *bi filled, or -1 with why in err.
 */
int	 batch_check(const char *p, size_t n, struct batch_info *bi,
	     char *err, size_t errlen);
/* Device i (0-based) of a checked header; 0, or -1 past the end. */
int	 batch_dev(const struct batch_info *, uint32_t i, const char **s,
	     size_t *len);

/* "0123...ef": 32 hex digits and a NUL. */
void	 batch_hex(const uint8_t id[BATCH_ID_LEN], char hex[BATCH_HEX_LEN + 1]);
/* The reverse: 0, or -1 if s is not 32 hex digits. */
int	 batch_unhex(const char *s, uint8_t id[BATCH_ID_LEN]);

/* Acknowledgement statuses (docs/protocol.md "Batches"). */
enum ack_status { ACK_STORED, ACK_DUPLICATE, ACK_REFUSED };

/* Append an ack frame to out; reason may be NULL. 0, -1 on ENOMEM. */
int	 batch_ack_encode(struct buf *out, const uint8_t id[BATCH_ID_LEN],
	     enum ack_status, const char *reason);
/* Parse an ack frame: 0 with id, status (and *reason, borrowed from p, or
 * NULL) set; -1 if p[0..n) is not one. */
int	 batch_ack_decode(const char *p, size_t n, uint8_t id[BATCH_ID_LEN],
	     enum ack_status *, const char **reason, size_t *rlen);

#endif

/*
 * spool -- sealed batches kept on the device until collect acknowledges
 * them (docs/upload.md).  One file per batch, DIR/SEQ-ID.batch, written
 * through durable_write() (temporary file, fsync, rename, fsync of the
 * directory), so after kill -9 or a power cut a batch file is either whole
 * or absent.  Bounded in bytes: the caller drops the oldest or waits
 * (spool_full()).  On open, every batch file is checked whole
 * (batch_check()); one that is truncated or corrupt, or whose name
 * does not match its header, is moved to DIR/bad/ and reported through the
 * warn callback, never sent.  Leftover temporary files are removed.
 *
 * Ownership: the spool owns its entries and its directory's files.  Not
 * thread-safe: the caller locks.  Nothing prints.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"

struct spool_ent {
	uint64_t	 seq;		/* order of sealing */
	uint8_t		 id[BATCH_ID_LEN];
	uint64_t	 frames, bytes;	/* bytes: the whole file */
	/* the uplink's state */
	int		 sent;		/* sent and waiting for an ack */
	unsigned	 tries;
	double		 next_try;	/* CLOCK_MONOTONIC */
};

struct spool {
	char		*dir, *bad;
	uint64_t	 max_bytes, bytes;
	struct spool_ent *e;		/* oldest first */
	size_t		 n, cap;
	uint64_t	 next_seq;
};

typedef void	(*spool_warn_fn)(void *arg, const char *msg);

/*
 * Open (creating) dir, bounded to max_bytes; resume the batches in it.
 * *set_aside counts the files moved to dir/bad.  Caller owns: spool_close().
 * NULL with why in err.
 */
struct spool	*spool_open(const char *dir, uint64_t max_bytes,
		     spool_warn_fn, void *arg, uint64_t *set_aside,
		     char *err, size_t errlen);
void		 spool_close(struct spool **);

/* Would n more bytes exceed the bound? */
int		 spool_full(const struct spool *, size_t n);
/* Store a sealed batch (p borrowed). 0, or -1 with why in err. */
int		 spool_put(struct spool *, const uint8_t id[BATCH_ID_LEN],
		     const char *p, size_t n, uint64_t frames, char *err,
		     size_t errlen);
/* Entry index of id, or -1. */
long		 spool_find(const struct spool *, const uint8_t id[BATCH_ID_LEN]);
/* Read entry i's file into out (reset first) and check it.  0; -1 if it
 * cannot be read or no longer checks (why in err). */
int		 spool_load(struct spool *, size_t i, struct buf *out,
		     char *err, size_t errlen);
/* Delete entry i (acknowledged, or dropped).  0, -1 with why in err. */
int		 spool_remove(struct spool *, size_t i, char *err, size_t errlen);
/* Move entry i to dir/bad and forget it.  0, -1 with why in err. */
int		 spool_set_aside(struct spool *, size_t i, char *err,
		     size_t errlen);

#endif

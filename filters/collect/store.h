/*
 * store -- collect's data set: the frames of each batch written as one
 * file per device and day, ROOT/DEV/YYYY-MM-DD/ID.mp, frame files that
 * train reads directly, then a marker ROOT/.batches/ID holding the batch's
 * header.  Every file goes through durable_write(), and the marker last:
 * a batch is in the data set once its marker is, and a batch whose marker
 * exists is never stored again (a crash before the marker leaves part
 * files that the next delivery of the same batch rewrites with the same
 * bytes).  DEV is the device id with bytes other than A-Z a-z 0-9 . _ -
 * (and a leading dot) written %XX; frames without a dev go to "%", frames
 * whose dev is "" to "%%".
 *
 * Ownership: struct store holds buffers reused from batch to batch.
 * Nothing prints.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "record.h"

struct store_group;

struct store {
	char			*root;
	struct record		*r;
	struct store_group	*g;
	size_t			 ng, capg;
};

/* 0, or -1 with why in err (the root cannot be made). */
int	 store_open(struct store *, const char *root, char *err, size_t errlen);
void	 store_close(struct store *);
/* Is batch id in the data set already? */
int	 store_has(const struct store *, const uint8_t id[BATCH_ID_LEN]);
/*
 * Store the checked batch p[0..n) (bi from batch_check()).  0 stored,
 * *frames (the frames written, counted as they are) and *files set; -1
 * an I/O error (err); -2 the frames disagree with their header (a dev it
 * does not name, a time outside its range: err says which), nothing
 * stored.
 */
int	 store_batch(struct store *, const struct batch_info *bi,
	     const char *p, size_t n, uint64_t *frames, uint64_t *files,
	     char *err, size_t errlen);
/* The directory name for device dev[0..len) (dev NULL: none), into out. */
void	 store_dev_dir(const char *dev, size_t len, char *out, size_t size);

#endif

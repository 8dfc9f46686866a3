/*
 * devmap -- bounded per-device state: a hash map from device id (bytes) to
 * a fixed-size value the program defines, at most cap devices, least
 * recently seen first out when full, idle ones freed on request.  Memory is
 * allocated when a device is first seen, never per frame.
 *
 * A small self-contained module so that a shared one in libstream (issue 9)
 * can replace it: the calls below are all bin/drift uses.
 */
#ifndef DEVMAP_H
#define DEVMAP_H

#include <stddef.h>
#include <stdint.h>

struct devmap;

/* init(val, arg) readies a new device's zeroed value; fini(val, arg) is
 * called before one is freed (may be NULL). */
typedef void	(*devmap_fn)(void *val, void *arg);

/*
 * cap >= 1 devices, valsize bytes each.  Caller owns: free with
 * devmap_free().  NULL on ENOMEM.
 */
struct devmap	*devmap_new(size_t cap, size_t valsize, devmap_fn init,
		    devmap_fn fini, void *arg);
void		 devmap_free(struct devmap **);	/* NULL-safe; fini each */

/*
 * The value of device dev[0..len), created if new (then *created = 1),
 * marked as seen at now (seconds).  When the map is full the least recently
 * seen device is evicted first (devmap_evicted() counts them).  Borrowed
 * until the device is evicted.  NULL on ENOMEM.
 */
void		*devmap_get(struct devmap *, const char *dev, size_t len,
		    double now, int *created);

/* Free every device not seen since now - idle seconds; how many. */
size_t		 devmap_expire(struct devmap *, double now, double idle);

/* fn(dev, len, val, arg) for each device, least recently seen first. */
void		 devmap_foreach(struct devmap *, void (*fn)(const char *dev,
		    size_t len, void *val, void *arg), void *arg);

size_t		 devmap_count(const struct devmap *);
uint64_t	 devmap_evicted(const struct devmap *);	/* for being full */

#endif

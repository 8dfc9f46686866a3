/*
 * devmap -- bounded per-device state, the one every filter that keeps
 * something per device uses: a hash map from a device id (the frame's dev,
 * any bytes) to a fixed-size value the program defines.
 *
 * Lookups are O(1): a chained hash of the id that doubles as it
 * fills, beside a list in order of last sight, so that the least recently
 * seen device is found in O(1) too.  Bounded: at most cap devices; a new
 * device when the map is full evicts the least recently seen one (counted:
 * devmap_evicted()), so a device column whose values never repeat cannot
 * make a program's memory grow without bound, and the time per frame stays
 * the same under churn.  Idle devices go on request, by event time, not the
 * clock (devmap_expire()).  At the end a program flushes what it holds with
 * devmap_foreach().
 *
 * Memory: one allocation per device when it is first seen (header, value,
 * id), freed when it goes; the buckets grow by doubling; nothing per frame.
 * The library never prints.
 */
#ifndef DEVMAP_H
#define DEVMAP_H

#include <stddef.h>
#include <stdint.h>

struct devmap;

/* init(val, arg) readies a new device's zeroed value; fini(val, arg) is
 * called before one is freed, evicted or expired (either may be NULL). */
typedef void	(*devmap_fn)(void *val, void *arg);

/*
 * At most cap >= 1 devices, valsize bytes of value each (aligned to 16).
 * Caller owns: free with devmap_free().  NULL on ENOMEM or cap 0.
 */
struct devmap	*devmap_new(size_t cap, size_t valsize, devmap_fn init,
		    devmap_fn fini, void *arg);
void		 devmap_free(struct devmap **);	/* NULL-safe; fini each */

/*
 * The value of device dev[0..len), created if new (then *created = 1,
 * init called), marked as seen at now (seconds of event time).  When the
 * map is full the least recently seen device is evicted first (fini
 * called, counted).  The value is borrowed until that device is evicted,
 * expired or deleted, or the map freed.  NULL on ENOMEM (the map is
 * unchanged but for an eviction).
 */
void		*devmap_get(struct devmap *, const char *dev, size_t len,
		    double now, int *created);
/* The value of dev[0..len) if held, else NULL; marks nothing. */
void		*devmap_find(const struct devmap *, const char *dev,
		    size_t len);
/* Forget dev[0..len) (fini called); 1 if it was held, else 0. */
int		 devmap_del(struct devmap *, const char *dev, size_t len);

/* Free every device not seen since now - idle seconds; how many. */
size_t		 devmap_expire(struct devmap *, double now, double idle);

/*
 * fn(dev, len, val, arg) for each device, least recently seen first.  fn
 * may not add or remove devices.  dev and val are borrowed for the call.
 */
void		 devmap_foreach(struct devmap *, void (*fn)(const char *dev,
		    size_t len, void *val, void *arg), void *arg);

size_t		 devmap_count(const struct devmap *);
size_t		 devmap_cap(const struct devmap *);
uint64_t	 devmap_evicted(const struct devmap *);	/* for being full */

#endif

/*
 * devmap -- bounded per-device state, the one every filter that keeps
 * something per device uses: a hash map from a device id (the frame's dev,
 * any bytes) to a fixed-size value the program defines.
 *
 * Lookups are O(1): a chained hash of the id that doubles as it fills,
 * beside a list in order of last sight, so that the least recently seen
 * device is found in O(1) too.  Bounded: at most cap devices; a new device
 * when the map is full evicts the least recently seen one (counted:
 * devmap_evicted()), so a device column whose values never repeat cannot
 * make a program's memory grow without bound, and the time per frame stays
 * the same under churn.  Idle devices go on request, by event time, not the
 * clock (devmap_expire()).  At the end a program flushes what it holds with
 * devmap_foreach() (least recently seen first) or devmap_first() and
 * devmap_next() (in order of first sight, removal allowed on the way).
 *
 * Churn costs no allocation: an evicted device's memory (header, value,
 * id) goes to the device that evicted it.  The program's gone callback sees
 * the evicted value first (DEVMAP_EVICTED: flush what it holds, then keep
 * whatever buffers the next device can use); init then gets that same
 * value for the new device.  With no gone callback the value is zeroed.
 *
 * Memory: one allocation per device slot, made when the map first holds
 * that many devices and freed when a device goes other than by eviction
 * (or made again when a new id is longer than the slot's room); the
 * buckets grow by doubling; nothing per frame.  The library never prints.
 */
#ifndef DEVMAP_H
#define DEVMAP_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

/* Why a device leaves (the why of devmap_gone_fn). */
enum {
	DEVMAP_EVICTED,	/* the map was full: its memory goes to a new device */
	DEVMAP_EXPIRED,	/* devmap_expire(): idle */
	DEVMAP_DELETED,	/* devmap_del(), devmap_remove() */
	DEVMAP_FREED	/* devmap_free() */
};

/*
 * init(val, arg) readies a new device's value: zeroed, or as gone() left it
 * when val held the device just evicted.  gone(val, why, arg) is called
 * while the device is still in the map (devmap_id() works; the map must
 * not be changed): for DEVMAP_EVICTED it leaves in val what init() may
 * reuse; for the others val's memory is freed after it returns.  Either
 * may be NULL.
 */
typedef void	(*devmap_fn)(void *val, void *arg);
typedef void	(*devmap_gone_fn)(void *val, int why, void *arg);

/*
 * Private: the layout, for the inline lookup below (a call a frame cost
 * validate 10% of its instructions).  Use the functions.
 */
struct devmap_dev {
	struct devmap_dev	*chain;		/* next in bucket */
	struct devmap_dev	*older, *newer;	/* by last sight */
	struct devmap_dev	*prev, *next;	/* by first sight */
	uint64_t		 hash;
	double			 seen;
	uint32_t		 len, idcap;	/* id bytes, room for them */
	char			*id;		/* after val, NUL-terminated */
	_Alignas(16) unsigned char val[];
};

struct devmap {
	struct devmap_dev	**bucket;
	size_t			 nbucket;	/* power of two */
	size_t			 cap, n, valsize;
	struct devmap_dev	*oldest, *newest;	/* by last sight */
	struct devmap_dev	*first, *last;		/* by first sight */
	devmap_fn		 init;
	devmap_gone_fn		 gone;
	void			*arg;
	uint64_t		 evicted;
};

/*
 * At most cap >= 1 devices, valsize bytes of value each (aligned to 16).
 * Caller owns: free with devmap_free().  NULL on ENOMEM or cap 0.
 */
struct devmap	*devmap_new(size_t cap, size_t valsize, devmap_fn init,
		    devmap_gone_fn gone, void *arg);
void		 devmap_free(struct devmap **);	/* NULL-safe; gone each */

/*
 * The value of device dev[0..len), created if new (then *created = 1,
 * init called), marked as seen at now (seconds of event time).  When the
 * map is full the least recently seen device is evicted first (gone called
 * with DEVMAP_EVICTED before init, counted), and its memory becomes the
 * new device's.  The value is borrowed until that device leaves or the map
 * is freed.  NULL on ENOMEM (the map is unchanged but for an eviction).
 */
static inline void *devmap_get(struct devmap *, const char *dev,
		    size_t len, double now, int *created);
/* The value of dev[0..len) if held, else NULL; marks nothing. */
static inline void *devmap_find(const struct devmap *, const char *dev,
		    size_t len);
/* The value of dev[0..len) if held, marked as seen at now; else NULL, and
 * nothing added (the caller may first check that it can start a device). */
static inline void *devmap_touch(struct devmap *, const char *dev,
		    size_t len, double now);
/* Forget dev[0..len) (gone called); 1 if it was held, else 0. */
int		 devmap_del(struct devmap *, const char *dev, size_t len);
/* Forget the device whose value is val (gone called, DEVMAP_DELETED). */
void		 devmap_remove(struct devmap *, void *val);

/* Free every device not seen since now - idle seconds, least recently seen
 * first, stopping at the first seen since (gone: DEVMAP_EXPIRED); how
 * many. */
size_t		 devmap_expire(struct devmap *, double now, double idle);

/*
 * fn(dev, len, val, arg) for each device, least recently seen first.  fn
 * may not add or remove devices.  dev and val are borrowed for the call.
 */
void		 devmap_foreach(struct devmap *, void (*fn)(const char *dev,
		    size_t len, void *val, void *arg), void *arg);
/*
 * The devices in order of first sight (a device that took an evicted one's
 * memory is new): the first value, then the one after val; NULL at the
 * end.  The current device may be removed once its successor is taken.
 */
void		*devmap_first(const struct devmap *);
void		*devmap_next(const struct devmap *, const void *val);

/*
 * The value the k-th eviction from now would take (0: the next, the least
 * recently seen), or NULL: for a program to fetch ahead the memory its
 * gone callback will read (devmap itself fetches the header and the first
 * lines of the value DEVMAP_AHEAD evictions ahead).  O(k).
 */
#define DEVMAP_AHEAD	3
void		*devmap_victim(const struct devmap *, unsigned k);

/* A held value's id (NUL-terminated, *len bytes before it; len may be
 * NULL) and last sight; borrowed like the value. */
static inline const char *devmap_id(const void *val, size_t *len);
static inline double devmap_seen(const void *val);

size_t		 devmap_count(const struct devmap *);
size_t		 devmap_cap(const struct devmap *);
uint64_t	 devmap_evicted(const struct devmap *);	/* for being full */

/* ---- the inline lookup (private) ---------------------------------------- */

#if defined(__GNUC__)
#define DEVMAP_INLINE_	static inline __attribute__((always_inline))
#else
#define DEVMAP_INLINE_	static inline
#endif

DEVMAP_INLINE_ uint64_t
devmap_load_(const char *s, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, s, n);
	return w;
}

/* Eight bytes at a time, whole-word loads only, never past s[n - 1]. */
DEVMAP_INLINE_ uint64_t
devmap_hash_(const char *p, size_t n)
{
	const uint64_t k = 0xff51afd7ed558ccdULL;
	uint64_t h = (n + 1) * 0x9e3779b97f4a7c15ULL;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			h = (h ^ devmap_load_(p + i, 8)) * k;
		h = (h ^ devmap_load_(p + n - 8, 8)) * k;
	} else if (n >= 4) {
		h = (h ^ (devmap_load_(p, 4) | devmap_load_(p + n - 4, 4) <<
		    32)) * k;
	} else {
		for (i = 0; i < n; i++)
			h = (h ^ (unsigned char)p[i]) * k;
	}
	/* murmur3's finalizer: every input bit reaches the low bits, which
	 * pick the bucket */
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* a[0..n) == b[0..n), inline for ids up to 16 bytes */
DEVMAP_INLINE_ int
devmap_eq_(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return memcmp(a, b, n) == 0;
	if (n >= 8)
		return devmap_load_(a, 8) == devmap_load_(b, 8) &&
		    devmap_load_(a + n - 8, 8) == devmap_load_(b + n - 8, 8);
	if (n >= 4)
		return devmap_load_(a, 4) == devmap_load_(b, 4) &&
		    devmap_load_(a + n - 4, 4) == devmap_load_(b + n - 4, 4);
	return devmap_load_(a, n) == devmap_load_(b, n);
}

DEVMAP_INLINE_ struct devmap_dev *
devmap_lookup_(const struct devmap *m, const char *id, size_t len,
    uint64_t h)
{
	struct devmap_dev *d;

	for (d = m->bucket[h & (m->nbucket - 1)]; d != NULL; d = d->chain)
		if (d->hash == h && d->len == len && devmap_eq_(d->id, id, len))
			return d;
	return NULL;
}

/* out of line: a new device, its id hashed to h */
void	*devmap_add_(struct devmap *, const char *, size_t, uint64_t, double,
	    int *);
/* d becomes the newest */
DEVMAP_INLINE_ void
devmap_touch_(struct devmap *m, struct devmap_dev *d)
{
	struct devmap_dev *o = d->older, *n = d->newer;	/* n: not NULL */

	if (o != NULL)
		o->newer = n;
	else
		m->oldest = n;
	n->older = o;
	d->older = m->newest;
	d->newer = NULL;
	m->newest->newer = d;
	m->newest = d;
}

DEVMAP_INLINE_ void *
devmap_touch(struct devmap *m, const char *id, size_t len, double now)
{
	struct devmap_dev *d = devmap_lookup_(m, id, len,
	    devmap_hash_(id, len));

	if (d == NULL)
		return NULL;
	d->seen = now;
	if (m->newest != d)
		devmap_touch_(m, d);
	return d->val;
}

DEVMAP_INLINE_ void *
devmap_get(struct devmap *m, const char *id, size_t len, double now,
    int *created)
{
	uint64_t h = devmap_hash_(id, len);
	struct devmap_dev *d;

	if ((d = devmap_lookup_(m, id, len, h)) == NULL)
		return devmap_add_(m, id, len, h, now, created);
	*created = 0;
	d->seen = now;
	if (m->newest != d)
		devmap_touch_(m, d);
	return d->val;
}

#define DEVMAP_DEV_(val)	((struct devmap_dev *)(void *)((unsigned char *)\
	(val) - offsetof(struct devmap_dev, val)))

DEVMAP_INLINE_ const char *
devmap_id(const void *val, size_t *len)
{
	const struct devmap_dev *d = DEVMAP_DEV_(val);

	if (len != NULL)
		*len = d->len;
	return d->id;
}

DEVMAP_INLINE_ double
devmap_seen(const void *val)
{
	return DEVMAP_DEV_(val)->seen;
}

DEVMAP_INLINE_ void *
devmap_find(const struct devmap *m, const char *id, size_t len)
{
	struct devmap_dev *d = devmap_lookup_(m, id, len,
	    devmap_hash_(id, len));

	return d != NULL ? d->val : NULL;
}

#endif

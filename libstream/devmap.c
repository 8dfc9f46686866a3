/*
 * devmap -- chained hash of devices, at least one bucket
 * per device held (doubled as devices come, up to 2 per device of
 * capacity), and a doubly linked list in order of last sight, so that the
 * oldest is found in O(1) for eviction and expiry.  Each device is one
 * allocation: header, then its value (aligned), then its id.
 */
#include <stdlib.h>
#include <string.h>

#include "devmap.h"

struct dev {
	struct dev	*chain;		/* next in bucket */
	struct dev	*older, *newer;	/* by last sight */
	uint64_t	 hash;
	double		 seen;
	size_t		 len;
	char		*id;
	_Alignas(16) unsigned char val[];
};

struct devmap {
	struct dev	**bucket;
	size_t		 nbucket;	/* power of two */
	size_t		 cap, n, valsize;
	struct dev	*oldest, *newest;
	devmap_fn	 init, fini;
	void		*arg;
	uint64_t	 evicted;
};

static inline uint64_t
load(const char *s, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, s, n);
	return w;
}

/*
 * Eight bytes at a time, whole-word loads only, never past s[n - 1] (from
 * ingest, where ids are hashed once a row).
 */
static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n > 8; s += 8, n -= 8) {
		w = load(s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	if (n >= 4)		/* 4..8 bytes: two overlapping words */
		w = load(s, 4) | load(s + n - 4, 4) << 32;
	else
		for (w = 0; n > 0; n--)
			w = w << 8 | (unsigned char)s[n - 1];
	/* splitmix64's finalizer: every input bit reaches the low bits */
	h ^= w;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

struct devmap *
devmap_new(size_t cap, size_t valsize, devmap_fn init, devmap_fn fini,
    void *arg)
{
	struct devmap *m;

	if (cap == 0 || (m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->nbucket = 16;
	if ((m->bucket = calloc(m->nbucket, sizeof(*m->bucket))) == NULL) {
		free(m);
		return NULL;
	}
	m->cap = cap;
	m->valsize = (valsize + 15) & ~(size_t)15;
	m->init = init;
	m->fini = fini;
	m->arg = arg;
	return m;
}

static void
unlink_lru(struct devmap *m, struct dev *d)
{
	if (d->older != NULL)
		d->older->newer = d->newer;
	else
		m->oldest = d->newer;
	if (d->newer != NULL)
		d->newer->older = d->older;
	else
		m->newest = d->older;
	d->older = d->newer = NULL;
}

static void
push_newest(struct devmap *m, struct dev *d)
{
	d->older = m->newest;
	d->newer = NULL;
	if (m->newest != NULL)
		m->newest->newer = d;
	else
		m->oldest = d;
	m->newest = d;
}

/* Twice the buckets, the devices rehashed; 0, or -1 on ENOMEM (kept). */
static int
grow(struct devmap *m)
{
	struct dev **b, *d;
	size_t n = m->nbucket * 2;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		return -1;
	for (d = m->oldest; d != NULL; d = d->newer) {
		d->chain = b[d->hash & (n - 1)];
		b[d->hash & (n - 1)] = d;
	}
	free(m->bucket);
	m->bucket = b;
	m->nbucket = n;
	return 0;
}

static inline struct dev *
lookup(const struct devmap *m, const char *id, size_t len, uint64_t h)
{
	struct dev *d;

	for (d = m->bucket[h & (m->nbucket - 1)]; d != NULL; d = d->chain)
		if (d->hash == h && d->len == len && memcmp(d->id, id,
		    len) == 0)
			return d;
	return NULL;
}

static void
remove_dev(struct devmap *m, struct dev *d)
{
	struct dev **pp = &m->bucket[d->hash & (m->nbucket - 1)];

	while (*pp != d)
		pp = &(*pp)->chain;
	*pp = d->chain;
	unlink_lru(m, d);
	if (m->fini != NULL)
		m->fini(d->val, m->arg);
	free(d);
	m->n--;
}

void *
devmap_get(struct devmap *m, const char *id, size_t len, double now,
    int *created)
{
	uint64_t h = hash(id, len);
	struct dev *d, **b;

	*created = 0;
	if ((d = lookup(m, id, len, h)) != NULL) {
		d->seen = now;
		if (m->newest != d) {
			unlink_lru(m, d);
			push_newest(m, d);
		}
		return d->val;
	}
	if (m->n >= m->cap) {
		remove_dev(m, m->oldest);
		m->evicted++;
	}
	if (m->n >= m->nbucket && m->nbucket < 2 * m->cap && grow(m) == -1)
		return NULL;
	b = &m->bucket[h & (m->nbucket - 1)];
	if ((d = calloc(1, sizeof(*d) + m->valsize + len + 1)) == NULL)
		return NULL;
	d->hash = h;
	d->len = len;
	d->seen = now;
	d->id = (char *)d->val + m->valsize;
	memcpy(d->id, id, len);
	d->chain = *b;
	*b = d;
	push_newest(m, d);
	m->n++;
	if (m->init != NULL)
		m->init(d->val, m->arg);
	*created = 1;
	return d->val;
}

void *
devmap_find(const struct devmap *m, const char *id, size_t len)
{
	struct dev *d = lookup(m, id, len, hash(id, len));

	return d != NULL ? d->val : NULL;
}

int
devmap_del(struct devmap *m, const char *id, size_t len)
{
	struct dev *d = lookup(m, id, len, hash(id, len));

	if (d == NULL)
		return 0;
	remove_dev(m, d);
	return 1;
}

size_t
devmap_expire(struct devmap *m, double now, double idle)
{
	size_t k = 0;

	while (m->oldest != NULL && m->oldest->seen < now - idle) {
		remove_dev(m, m->oldest);
		k++;
	}
	return k;
}

void
devmap_foreach(struct devmap *m, void (*fn)(const char *, size_t, void *,
    void *), void *arg)
{
	struct dev *d, *next;

	for (d = m->oldest; d != NULL; d = next) {
		next = d->newer;
		fn(d->id, d->len, d->val, arg);
	}
}

size_t
devmap_count(const struct devmap *m)
{
	return m->n;
}

size_t
devmap_cap(const struct devmap *m)
{
	return m->cap;
}

uint64_t
devmap_evicted(const struct devmap *m)
{
	return m->evicted;
}

void
devmap_free(struct devmap **mp)
{
	struct devmap *m;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	while (m->oldest != NULL)
		remove_dev(m, m->oldest);
	free(m->bucket);
	free(m);
	*mp = NULL;
}

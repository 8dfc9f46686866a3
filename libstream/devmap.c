/*
 * devmap -- chained hash of devices, at least one bucket per device held
 * (doubled as devices come, up to 2 per device of capacity), and a doubly
 * linked list in order of last sight, so that the oldest is found in O(1)
 * for eviction and expiry.  Each device is one allocation: header, then its
 * value (aligned), then its id.  The lookup of a device held is inline in
 * devmap.h; what adds, moves or frees a device is here.
 */
#include <stdlib.h>
#include <string.h>

#include "devmap.h"

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
unlink_lru(struct devmap *m, struct devmap_dev *d)
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
push_newest(struct devmap *m, struct devmap_dev *d)
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
	struct devmap_dev **b, *d;
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

static void
remove_dev(struct devmap *m, struct devmap_dev *d)
{
	struct devmap_dev **pp = &m->bucket[d->hash & (m->nbucket - 1)];

	while (*pp != d)
		pp = &(*pp)->chain;
	*pp = d->chain;
	unlink_lru(m, d);
	m->n--;
	if (m->fini != NULL)
		m->fini(d->val, m->arg);
	free(d);
}

void *
devmap_add_(struct devmap *m, const char *id, size_t len, uint64_t h,
    double now, int *created)
{
	struct devmap_dev *d, **b;

	*created = 0;
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

int
devmap_del(struct devmap *m, const char *id, size_t len)
{
	struct devmap_dev *d = devmap_lookup_(m, id, len,
	    devmap_hash_(id, len));

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
	struct devmap_dev *d, *next;

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

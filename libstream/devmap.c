/*
 * devmap -- chained hash of devices, at least one bucket per device held
 * (doubled as devices come, up to 2 per device of capacity), and two doubly
 * linked lists: by last sight, so that the oldest is found in O(1) for
 * eviction and expiry, and by first sight, for programs that flush in the
 * order devices came.  Each device is one allocation: header, then its
 * value (aligned), then its id.  An eviction hands that allocation to the
 * new device (grown only when the new id does not fit), so a stream of new
 * devices through a full map allocates nothing.  The lookup of a device
 * held is inline in devmap.h; what adds, moves or frees a device is here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmap.h"

struct devmap *
devmap_new(size_t cap, size_t valsize, devmap_fn init, devmap_gone_fn gone,
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
	m->gone = gone;
	m->arg = arg;
	return m;
}

/* Take d out of its bucket and both lists (not freed). */
static void
unlink_dev(struct devmap *m, struct devmap_dev *d)
{
	struct devmap_dev **pp = &m->bucket[d->hash & (m->nbucket - 1)];

	while (*pp != d)
		pp = &(*pp)->chain;
	*pp = d->chain;
	if (d->older != NULL)
		d->older->newer = d->newer;
	else
		m->oldest = d->newer;
	if (d->newer != NULL)
		d->newer->older = d->older;
	else
		m->newest = d->older;
	if (d->prev != NULL)
		d->prev->next = d->next;
	else
		m->first = d->next;
	if (d->next != NULL)
		d->next->prev = d->prev;
	else
		m->last = d->prev;
	m->n--;
}

/* d (hash, id set) into its bucket, newest and last in the lists. */
static void
link_dev(struct devmap *m, struct devmap_dev *d)
{
	struct devmap_dev **b = &m->bucket[d->hash & (m->nbucket - 1)];

	d->chain = *b;
	*b = d;
	d->older = m->newest;
	d->newer = NULL;
	if (m->newest != NULL)
		m->newest->newer = d;
	else
		m->oldest = d;
	m->newest = d;
	d->prev = m->last;
	d->next = NULL;
	if (m->last != NULL)
		m->last->next = d;
	else
		m->first = d;
	m->last = d;
	m->n++;
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
remove_dev(struct devmap *m, struct devmap_dev *d, int why)
{
	if (m->gone != NULL)
		m->gone(d->val, why, m->arg);
	unlink_dev(m, d);
	free(d);
}

/* Room for an id of len bytes and its NUL: 16-byte steps, so that ids of
 * one shape reuse a slot. */
static size_t
idroom(size_t len)
{
	return (len + 16) & ~(size_t)15;
}

/*
 * Under churn every new device evicts one last touched cap devices ago,
 * whose memory is no longer in any cache: fetch ahead the bucket of the
 * next to go and the header and value of the one DEVMAP_AHEAD after it
 * (the links to it were fetched by the evictions before).
 */
static void
fetch_ahead(const struct devmap *m, const struct devmap_dev *d)
{
	const struct devmap_dev *n = d->newer;
	size_t off, end;
	int k;

	if (n == NULL)
		return;
	__builtin_prefetch(&m->bucket[n->hash & (m->nbucket - 1)]);
	for (k = 1; k < DEVMAP_AHEAD && n != NULL; k++)
		n = n->newer;
	if (n == NULL)
		return;
	end = sizeof(*n) + (m->valsize < 512 ? m->valsize : 512);
	for (off = 0; off < end; off += 64)
		__builtin_prefetch((const char *)n + off);
}

void *
devmap_victim(const struct devmap *m, unsigned k)
{
	const struct devmap_dev *d = m->oldest;

	while (d != NULL && k-- > 0)
		d = d->newer;
	return d != NULL ? (void *)d->val : NULL;
}

void *
devmap_add_(struct devmap *m, const char *id, size_t len, uint64_t h,
    double now, int *created)
{
	struct devmap_dev *d, *nd;
	size_t room = idroom(len);

	*created = 0;
	if (len >= UINT32_MAX - 16) {
		errno = EINVAL;
		return NULL;
	}
	if (m->n >= m->cap) {
		/* full: the least recently seen goes, its memory stays */
		d = m->oldest;
		m->evicted++;
		fetch_ahead(m, d);
		if (m->gone != NULL)
			m->gone(d->val, DEVMAP_EVICTED, m->arg);
		else
			memset(d->val, 0, m->valsize);
		unlink_dev(m, d);
		if (len + 1 > d->idcap) {
			nd = realloc(d, sizeof(*d) + m->valsize + room);
			if (nd == NULL) {
				if (m->gone != NULL)
					m->gone(d->val, DEVMAP_FREED, m->arg);
				free(d);
				return NULL;
			}
			d = nd;
			d->idcap = (uint32_t)room;
		}
	} else {
		if (m->n >= m->nbucket && m->nbucket < 2 * m->cap &&
		    grow(m) == -1)
			return NULL;
		if ((d = calloc(1, sizeof(*d) + m->valsize + room)) == NULL)
			return NULL;
		d->idcap = (uint32_t)room;
	}
	d->hash = h;
	d->len = (uint32_t)len;
	d->seen = now;
	d->id = (char *)d->val + m->valsize;
	memcpy(d->id, id, len);
	d->id[len] = '\0';
	link_dev(m, d);
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
	remove_dev(m, d, DEVMAP_DELETED);
	return 1;
}

void
devmap_remove(struct devmap *m, void *val)
{
	remove_dev(m, DEVMAP_DEV_(val), DEVMAP_DELETED);
}

size_t
devmap_expire(struct devmap *m, double now, double idle)
{
	size_t k = 0;

	while (m->oldest != NULL && m->oldest->seen < now - idle) {
		remove_dev(m, m->oldest, DEVMAP_EXPIRED);
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

void *
devmap_first(const struct devmap *m)
{
	return m->first != NULL ? m->first->val : NULL;
}

void *
devmap_next(const struct devmap *m, const void *val)
{
	const struct devmap_dev *d = DEVMAP_DEV_(val);

	(void)m;
	return d->next != NULL ? d->next->val : NULL;
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
		remove_dev(m, m->oldest, DEVMAP_FREED);
	free(m->bucket);
	free(m);
	*mp = NULL;
}

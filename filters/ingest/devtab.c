/*
 * devtab -- hash table of devices (FNV-1a, linear probing, load <= 1/2).
 * Entries are allocated once per new device and never move, so callers
 * may keep a device's pointer for the whole run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devtab.h"

static inline uint64_t
load(const char *s, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, s, n);
	return w;
}

/* Whole-word loads only, never past s[n - 1]. */
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

int
devtab_init(struct devtab *t, size_t max, uint32_t nmeta)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	t->nmeta = nmeta;
	t->cap = 64;
	if ((t->slot = calloc(t->cap, sizeof(*t->slot))) == NULL)
		return -1;
	return 0;
}

void
devtab_free(struct devtab *t)
{
	size_t i;

	for (i = 0; t->slot != NULL && i < t->cap; i++)
		if (t->slot[i] != NULL) {
			tmpl_dev_free(t->slot[i]);
			free(t->slot[i]);
		}
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int
grow(struct devtab *t)
{
	struct tmpl_dev **s;
	size_t i, j, cap = t->cap * 2;

	if ((s = calloc(cap, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (t->slot[i] == NULL)
			continue;
		j = t->slot[i]->hash & (cap - 1);
		while (s[j] != NULL)
			j = (j + 1) & (cap - 1);
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->cap = cap;
	return 0;
}

static inline int
same(const struct tmpl_dev *d, uint64_t h, const char *name, size_t len)
{
	return d->hash == h && d->len == len &&
	    memcmp(d->name, name, len) == 0;
}

struct tmpl_dev *
devtab_find(struct devtab *t, const char *name, size_t len)
{
	struct tmpl_dev *d;
	uint64_t h = hash(name, len);
	size_t i;

	if ((d = t->last) != NULL && same(d, h, name, len))
		return d;
	for (i = h & (t->cap - 1); (d = t->slot[i]) != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (same(d, h, name, len))
			return t->last = d;
	return NULL;
}

struct tmpl_dev *
devtab_get(struct devtab *t, const char *name, size_t len)
{
	struct tmpl_dev *d;
	uint64_t h;
	size_t i;

	if ((d = devtab_find(t, name, len)) != NULL)
		return d;
	if (t->n >= t->max) {
		errno = ENOSPC;
		return NULL;
	}
	h = hash(name, len);
	for (i = h & (t->cap - 1); t->slot[i] != NULL;
	    i = (i + 1) & (t->cap - 1))
		;
	if ((d = malloc(sizeof(*d))) == NULL)
		return NULL;
	if (tmpl_dev_init(d, name, len, t->nmeta) == -1) {
		free(d);
		return NULL;
	}
	d->hash = h;
	t->slot[i] = d;
	t->n++;
	if (2 * t->n > t->cap && grow(t) == -1)
		return NULL;	/* d is in the table; retry finds it */
	return t->last = d;
}

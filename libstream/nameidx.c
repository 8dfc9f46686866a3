/*
 * nameidx -- names to positions in O(1) (nameidx.h).
 *
 * Linear probing over a power-of-two table of slots that hold a borrowed
 * name, its length, its hash (compared first, so that a probe past another
 * name seldom touches that name's bytes) and the position.  The table
 * doubles when it would pass half full, so probes stay short; nothing is
 * ever removed, which keeps probing simple.  The hash is devmap's, the
 * function every per-name table of the project uses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmap.h"
#include "nameidx.h"

struct nameidx_slot {
	const char	*name;		/* borrowed; NULL: a free slot */
	size_t		 len;
	uint32_t	 hash;
	uint32_t	 pos;
};

/* The slot of name in x, or the free slot where it would go. */
static struct nameidx_slot *
probe(const struct nameidx *x, const char *name, size_t len, uint32_t h)
{
	struct nameidx_slot *s;
	size_t i;

	for (i = h & x->mask;; i = (i + 1) & x->mask) {
		s = &x->slot[i];
		if (s->name == NULL || (s->hash == h && s->len == len &&
		    memcmp(s->name, name, len) == 0))
			return s;
	}
}

static int
grow(struct nameidx *x)
{
	struct nameidx old = *x;
	size_t i, size = x->slot != NULL ? (x->mask + 1) * 2 : 64;

	if (size > SIZE_MAX / sizeof(*x->slot) ||
	    (x->slot = calloc(size, sizeof(*x->slot))) == NULL) {
		x->slot = old.slot;
		errno = ENOMEM;
		return -1;
	}
	x->mask = size - 1;
	for (i = 0; old.slot != NULL && i <= old.mask; i++)
		if (old.slot[i].name != NULL)
			*probe(x, old.slot[i].name, old.slot[i].len,
			    old.slot[i].hash) = old.slot[i];
	free(old.slot);
	return 0;
}

int
nameidx_add(struct nameidx *x, const char *name, size_t len, uint32_t pos,
    uint32_t *had)
{
	struct nameidx_slot *s;
	uint32_t h = (uint32_t)devmap_hash_(name, len);

	if ((x->slot == NULL || (x->n + 1) * 2 > x->mask + 1) &&
	    grow(x) == -1)
		return -1;
	s = probe(x, name, len, h);
	if (s->name != NULL) {
		if (had != NULL)
			*had = s->pos;
		return 0;
	}
	s->name = name;
	s->len = len;
	s->hash = h;
	s->pos = pos;
	x->n++;
	return 1;
}

long
nameidx_get(const struct nameidx *x, const char *name, size_t len)
{
	const struct nameidx_slot *s;

	if (x->slot == NULL)
		return -1;
	s = probe(x, name, len, (uint32_t)devmap_hash_(name, len));
	return s->name != NULL ? (long)s->pos : -1;
}

void
nameidx_free(struct nameidx *x)
{
	if (x == NULL)
		return;
	free(x->slot);
	x->slot = NULL;
	x->mask = x->n = 0;
}

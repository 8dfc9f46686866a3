/*
 * nameidx -- an index from names to their positions, for readers that take
 * a list of names from a file (schema sections, parameter lines, CSV header
 * columns, model features) and must find a name again or refuse one given
 * twice.  A linear scan per name makes such a reader quadratic: 200,000
 * names took minutes.  Here a lookup or an insertion is O(1): open
 * addressing over (hash, position) slots, doubled at half full.
 *
 * The names are borrowed: the caller keeps each one alive and unchanged
 * while it is in the index (the strings of its own table; the index only
 * stores where they are).  Any bytes, NULs included.  The library never
 * prints.
 */
#ifndef NAMEIDX_H
#define NAMEIDX_H

#include <stddef.h>
#include <stdint.h>

struct nameidx_slot;

struct nameidx {
	struct nameidx_slot	*slot;	/* owned; NULL while empty */
	size_t			 mask;	/* slots - 1 */
	size_t			 n;	/* names held */
};

#define NAMEIDX_INIT	{ NULL, 0, 0 }

/*
 * Add name[0..len) (borrowed, see above) at position pos.  Returns 1 if
 * added; 0 if the name is already there (nothing changes, *had, if not
 * NULL, is the position it has: the first one given wins); -1 on ENOMEM.
 */
int	 nameidx_add(struct nameidx *, const char *name, size_t len,
	     uint32_t pos, uint32_t *had);
/* The position of name[0..len), or -1 if it is not in the index. */
long	 nameidx_get(const struct nameidx *, const char *name, size_t len);
/* Free the slots (not the names); the index is empty again.  NULL-safe. */
void	 nameidx_free(struct nameidx *);

#endif

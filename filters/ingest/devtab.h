/*
 * devtab -- the devices of one ingest run: name -> template head and next
 * sequence number.
 *
 * An open-addressing hash table that grows by doubling, with the last
 * device looked up tried first (rows of one device often come in runs).
 * It holds at most a fixed number of devices, so a device column whose
 * values never repeat cannot make ingest's memory grow without bound.
 */
#ifndef DEVTAB_H
#define DEVTAB_H

#include <stddef.h>
#include <stdint.h>

#include "tmpl.h"

struct devtab {
	struct tmpl_dev	**slot;		/* owned, cap entries */
	size_t		  cap, n, max;
	uint32_t	  nmeta;	/* passed to tmpl_dev_init() */
	struct tmpl_dev	 *last;
};

/* max: most devices held.  0, or -1 on ENOMEM. */
int		 devtab_init(struct devtab *, size_t max, uint32_t nmeta);
void		 devtab_free(struct devtab *);
/*
 * The device called name[0..len), added if new.  Borrowed until
 * devtab_free().  NULL with errno ENOMEM, or ENOSPC when max devices are
 * held already.
 */
struct tmpl_dev	*devtab_get(struct devtab *, const char *name, size_t len);
/* The device called name[0..len) if held, else NULL. */
struct tmpl_dev	*devtab_find(struct devtab *, const char *name, size_t len);

#endif

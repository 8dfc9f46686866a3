/*
 * devtab -- the devices of one ingest run: name -> template head and next
 * sequence number, held in libstream's devmap.
 *
 * ingest never evicts: a device's sequence numbers must not start over
 * within a run, so at most max devices are held and a new one past them
 * is refused (ENOSPC; the row is rejected), and a device's pointer stays
 * valid for the whole run.
 */
#ifndef DEVTAB_H
#define DEVTAB_H

#include <stddef.h>
#include <stdint.h>

#include "devmap.h"
#include "sample.h"

struct devtab {
	struct devmap	 *map;		/* owned */
	size_t		  max;
	uint32_t	  nmeta;	/* passed to sample_dev_init() */
};

/* max >= 1: most devices held.  0, or -1 on ENOMEM. */
int		 devtab_init(struct devtab *, size_t max, uint32_t nmeta);
void		 devtab_free(struct devtab *);
/*
 * The device called name[0..len), added if new.  Borrowed until
 * devtab_free().  NULL with errno ENOMEM, or ENOSPC when max devices are
 * held already.
 */
struct sample_dev *devtab_get(struct devtab *, const char *name, size_t len);
/* The device called name[0..len) if held, else NULL. */
struct sample_dev *devtab_find(struct devtab *, const char *name,
		   size_t len);

#endif

/*
 * devtab -- ingest's devices on libstream's devmap (the hash, the memory):
 * here only the refusal past max.
 */
#include <errno.h>
#include <string.h>

#include "devtab.h"

/* Any way a device goes, its buffers are freed and its value zeroed
 * (ingest refuses a device past max rather than evict one). */
static void
gone(void *val, int why, void *arg)
{
	(void)why;
	(void)arg;
	sample_dev_free(val);
}

int
devtab_init(struct devtab *t, size_t max, uint32_t nmeta)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	t->nmeta = nmeta;
	if ((t->map = devmap_new(max > 0 ? max : 1, sizeof(struct sample_dev),
	    NULL, gone, NULL)) == NULL)
		return -1;
	return 0;
}

void
devtab_free(struct devtab *t)
{
	devmap_free(&t->map);
	memset(t, 0, sizeof(*t));
}

struct sample_dev *
devtab_find(struct devtab *t, const char *name, size_t len)
{
	return devmap_find(t->map, name, len);
}

struct sample_dev *
devtab_get(struct devtab *t, const char *name, size_t len)
{
	struct sample_dev *d;
	int created;

	if ((d = devtab_find(t, name, len)) != NULL)
		return d;
	if (devmap_count(t->map) >= t->max) {
		errno = ENOSPC;
		return NULL;
	}
	if ((d = devmap_get(t->map, name, len, 0, &created)) == NULL)
		return NULL;
	if (sample_dev_init(d, name, len, t->nmeta) == -1) {
		memset(d, 0, sizeof(*d));	/* gone frees nothing */
		devmap_del(t->map, name, len);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

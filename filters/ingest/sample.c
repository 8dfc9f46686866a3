/*
 * sample -- build the templates of ingest's sample frames (sample.h):
 * once per file and once per device, with libstream's template builders.
 */
#include <stdlib.h>
#include <string.h>

#include "sample.h"

int
sample_enc_file(struct sample_enc *e, const char *src, size_t srclen,
    const char *const *mnames, const size_t *mlens, uint32_t nmeta,
    const char *const *vnames, const size_t *vlens, uint32_t nval)
{
	uint32_t i;

	e->nmeta = nmeta;
	e->nval = nval;
	tmpl_reset(&e->mid);
	tmpl_reset(&e->mkeys);
	tmpl_reset(&e->body);
	if (tmpl_add_str(&e->mid, "src", 3) == -1 ||
	    tmpl_add_str(&e->mid, src, srclen) == -1 ||
	    tmpl_add_str(&e->mid, "line", 4) == -1 ||
	    tmpl_add_map(&e->body, nval) == -1)
		return -1;
	for (i = 0; i < nmeta; i++)
		if (tmpl_mark(&e->mkeys) == -1 ||
		    tmpl_add_str(&e->mkeys, mnames[i], mlens[i]) == -1)
			return -1;
	for (i = 0; i < nval; i++)
		if (tmpl_add_str(&e->body, vnames[i], vlens[i]) == -1 ||
		    tmpl_add_f64(&e->body) == -1)
			return -1;
	/* frame and time 12, seq 9, line 9 */
	e->bound = 12 + 9 + e->mid.b.len + 9 + e->mkeys.b.len + e->body.b.len;
	return 0;
}

void
sample_enc_free(struct sample_enc *e)
{
	tmpl_free(&e->mid);
	tmpl_free(&e->mkeys);
	tmpl_free(&e->body);
	memset(e, 0, sizeof(*e));
}

int
sample_dev_init(struct sample_dev *d, const char *name, size_t len,
    uint32_t nmeta)
{
	memset(d, 0, sizeof(*d));
	if (tmpl_add_map(&d->head, 6 + nmeta) == -1 ||
	    tmpl_add_str(&d->head, "v", 1) == -1 ||
	    tmpl_add_uint(&d->head, 1) == -1 ||
	    tmpl_add_str(&d->head, "kind", 4) == -1 ||
	    tmpl_add_str(&d->head, "sample", 6) == -1 ||
	    tmpl_add_str(&d->head, "dev", 3) == -1 ||
	    tmpl_add_str(&d->head, name, len) == -1 ||
	    tmpl_add_str(&d->head, "seq", 3) == -1 ||
	    (d->name = malloc(len + 1)) == NULL) {
		tmpl_free(&d->head);
		return -1;
	}
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->len = len;
	return 0;
}

void
sample_dev_free(struct sample_dev *d)
{
	tmpl_free(&d->head);
	free(d->name);
	memset(d, 0, sizeof(*d));
}

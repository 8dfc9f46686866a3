/*
 * enc -- the features-frame template (enc.h), on libstream's tmpl.
 */
#include <string.h>

#include "enc.h"

#define NS	1000000000LL

/* "kind":"features","dev": as msgpack, before the device id */
static const char kind_dev[] = "\xa4" "kind" "\xa8" "features" "\xa3" "dev";
#define KIND_DEV_LEN	(sizeof kind_dev - 1)

int
fenc_init(struct fenc *e, const char *const *keys, uint32_t nkeys)
{
	uint32_t i;

	if (tmpl_add_map(&e->body, nkeys) == -1)
		goto err;
	for (i = 0; i < nkeys; i++)
		if (tmpl_add_str(&e->body, keys[i], strlen(keys[i])) == -1 ||
		    tmpl_add_f64(&e->body) == -1)
			goto err;
	return 0;
err:
	fenc_free(e);
	return -1;
}

void
fenc_free(struct fenc *e)
{
	if (e == NULL)
		return;
	tmpl_free(&e->body);
}

int
fenc_frame(struct buf *b, const struct fenc *e, const char *dev,
    size_t devlen, int64_t start, int64_t end, uint64_t seq, uint64_t n,
    int shrt, const double *v)
{
	char *o, *body;
	uint32_t i;

	if (start < 0 || end < 0 || start / NS > TMPL_TIME_MAX ||
	    end / NS > TMPL_TIME_MAX)
		return 1;
	if (devlen > UINT32_MAX || buf_reserve(b, 80 + KIND_DEV_LEN +
	    TMPL_SCALAR_MAX + devlen + 4 + e->body.b.len) == -1)
		return -1;
	o = b->p + b->len;
	*o++ = (char)0x92;
	*o++ = (char)0x92;
	o = tmpl_put_time(o, start / NS, (uint32_t)(start % NS));
	*o++ = shrt ? (char)0x87 : (char)0x86;
	memcpy(o, kind_dev, KIND_DEV_LEN);
	o = tmpl_put_str(o + KIND_DEV_LEN, dev, devlen);
	o = tmpl_put_str(o, "seq", 3);
	o = tmpl_put_uint(o, seq);
	o = tmpl_put_str(o, "start", 5);
	o = tmpl_put_time(o, start / NS, (uint32_t)(start % NS));
	o = tmpl_put_str(o, "end", 3);
	o = tmpl_put_time(o, end / NS, (uint32_t)(end % NS));
	o = tmpl_put_str(o, "n", 1);
	o = tmpl_put_uint(o, n);
	if (shrt) {
		o = tmpl_put_str(o, "short", 5);
		o = tmpl_put_bool(o, 1);
	}
	body = o;
	o = tmpl_copy(&e->body, o);
	for (i = 0; i < e->body.nmark; i++)
		tmpl_set(&e->body, body, i, v[i]);
	b->len = (size_t)(o - b->p);
	return 0;
}

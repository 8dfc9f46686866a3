/*
 * tmpl -- build the constant parts of ingest's sample frames.
 *
 * The hot path (tmpl.h) only copies these bytes and stores numbers; this
 * file encodes them once per file and once per device, with the same
 * msgpack encodings msgpack-c's packer chooses (smallest header for every
 * map, string and unsigned integer), so template frames and frame_encode()
 * frames are byte for byte the same.
 */
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

static char *
maphdr(char *o, uint32_t n)
{
	if (n < 16) {
		*o++ = (char)(0x80 | n);
	} else if (n < 65536) {
		*o++ = (char)0xde;
		*o++ = (char)(n >> 8);
		*o++ = (char)n;
	} else {
		*o++ = (char)0xdf;
		o = tmpl_be32(o, n);
	}
	return o;
}

/* Append the msgpack str s[0..n) to b. */
static int
put_str(struct buf *b, const char *s, size_t n)
{
	char h[5];

	if (buf_append(b, h, (size_t)(tmpl_strhdr(h, n) - h)) == -1 ||
	    buf_append(b, s, n) == -1)
		return -1;
	return 0;
}

/* Encode names as keys into b with offsets off[0..n]. */
static int
put_keys(struct buf *b, uint32_t **off, const char *const *names,
    const size_t *lens, uint32_t n)
{
	uint32_t i, *o;

	buf_reset(b);
	if ((o = realloc(*off, ((size_t)n + 1) * sizeof(*o))) == NULL)
		return -1;
	*off = o;
	for (i = 0; i < n; i++) {
		o[i] = (uint32_t)b->len;
		if (put_str(b, names[i], lens[i]) == -1)
			return -1;
	}
	o[n] = (uint32_t)b->len;
	return 0;
}

/* The body map: header, then each key and float64 0.0; value offsets. */
static int
body(struct tmpl *t, const char *const *names, const size_t *lens,
    uint32_t n)
{
	static const char zero[9] = { (char)0xcb };
	uint32_t i, *o;
	char h[5];

	if ((o = realloc(t->voff, ((size_t)n + 1) * sizeof(*o))) == NULL)
		return -1;
	t->voff = o;
	if (buf_append(&t->body, h, (size_t)(maphdr(h, n) - h)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (put_str(&t->body, names[i], lens[i]) == -1 ||
		    buf_append(&t->body, zero, 9) == -1)
			return -1;
		o[i] = (uint32_t)t->body.len - 8;
	}
	return 0;
}

int
tmpl_file(struct tmpl *t, const char *src, size_t srclen,
    const char *const *mnames, const size_t *mlens, uint32_t nmeta,
    const char *const *vnames, const size_t *vlens, uint32_t nval)
{
	t->nmeta = nmeta;
	t->nval = nval;
	buf_reset(&t->mid);
	buf_reset(&t->body);
	if (put_str(&t->mid, "src", 3) == -1 ||
	    put_str(&t->mid, src, srclen) == -1 ||
	    put_str(&t->mid, "line", 4) == -1 ||
	    put_keys(&t->mkeys, &t->moff, mnames, mlens, nmeta) == -1 ||
	    body(t, vnames, vlens, nval) == -1)
		return -1;
	/* frame and time 12, seq 9, line 9 */
	t->bound = 12 + 9 + t->mid.len + 9 + t->mkeys.len + t->body.len;
	return 0;
}

void
tmpl_free(struct tmpl *t)
{
	buf_free(&t->mid);
	buf_free(&t->mkeys);
	buf_free(&t->body);
	free(t->moff);
	free(t->voff);
	memset(t, 0, sizeof(*t));
}

int
tmpl_dev_init(struct tmpl_dev *d, const char *name, size_t len,
    uint32_t nmeta)
{
	struct buf b = BUF_INIT;
	char h[5];

	memset(d, 0, sizeof(*d));
	if (buf_append(&b, h, (size_t)(maphdr(h, 6 + nmeta) - h)) == -1 ||
	    put_str(&b, "v", 1) == -1 || buf_putc(&b, 1) == -1 ||
	    put_str(&b, "kind", 4) == -1 || put_str(&b, "sample", 6) == -1 ||
	    put_str(&b, "dev", 3) == -1 || put_str(&b, name, len) == -1 ||
	    put_str(&b, "seq", 3) == -1 ||
	    (d->name = malloc(len + 1)) == NULL) {
		buf_free(&b);
		return -1;
	}
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->len = len;
	d->head = b.p;
	d->hlen = b.len;
	return 0;
}

void
tmpl_dev_free(struct tmpl_dev *d)
{
	free(d->head);
	free(d->name);
	memset(d, 0, sizeof(*d));
}

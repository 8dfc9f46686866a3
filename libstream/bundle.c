/*
 * bundle -- read, check and write model bundles (docs/bundle.md).
 *
 * Reading goes through frame_scan() first (no length field can make us
 * allocate more than the bytes present, nesting is bounded), then a small
 * cursor over the msgpack bytes that copies what it keeps into the struct.
 * The body's top-level keys are located first and parsed in a fixed order,
 * so a writer may put them in any order (the profile needs the features).
 * The same checks run before writing, so nothing we write can fail to load.
 * Digest and signature are libsodium's (SHA-256, ed25519 detached) over
 * the body bytes exactly as stored.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msgpack.h>
#include <sodium.h>

#include "buf.h"
#include "bundle.h"
#include "codec.h"
#include "nameidx.h"

/* ---- errors ------------------------------------------------------------ */

struct ctx {
	const char	*name;		/* the file, for messages */
	char		*err;
	size_t		 errlen;
};

static int	 cerr(struct ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
cerr(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err == NULL || c->errlen == 0)
		return -1;
	n = snprintf(c->err, c->errlen, "%s: ", c->name);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- a bounded msgpack cursor --------------------------------------------- */

struct rd {
	const uint8_t	*p, *end;
};

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* Take n bytes: their start, or NULL if fewer remain. */
static const uint8_t *
rd_take(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if ((size_t)(r->end - r->p) < n)
		return NULL;
	r->p += n;
	return p;
}

static int
rd_peek(const struct rd *r)
{
	return r->p < r->end ? *r->p : -1;
}

static int
rd_nil(struct rd *r)
{
	if (rd_peek(r) == 0xc0) {
		r->p++;
		return 1;
	}
	return 0;
}

/* A container header: 1 and *n, or 0 if the next value is not one. */
static int
rd_container(struct rd *r, int map, uint32_t *n)
{
	int t = rd_peek(r);
	const uint8_t *q;

	if (map && t >= 0x80 && t <= 0x8f) {
		*n = t & 0x0f;
		r->p++;
		return 1;
	}
	if (!map && t >= 0x90 && t <= 0x9f) {
		*n = t & 0x0f;
		r->p++;
		return 1;
	}
	if (t == (map ? 0xde : 0xdc) || t == (map ? 0xdf : 0xdd)) {
		int w = (t & 1) ? 4 : 2;

		r->p++;
		if ((q = rd_take(r, w)) == NULL)
			return 0;
		*n = (uint32_t)be(q, w);
		return 1;
	}
	return 0;
}

/* A str (bin too if binok): 1 with s, len; 0 if not one. */
static int
rd_bytes(struct rd *r, int bin, const char **s, uint32_t *len)
{
	int t = rd_peek(r), w;
	const uint8_t *q;
	uint32_t n;

	if (!bin && t >= 0xa0 && t <= 0xbf) {
		n = t & 0x1f;
		r->p++;
	} else if ((!bin && t >= 0xd9 && t <= 0xdb) ||
	    (bin && t >= 0xc4 && t <= 0xc6)) {
		w = 1 << (bin ? t - 0xc4 : t - 0xd9);
		r->p++;
		if ((q = rd_take(r, w)) == NULL)
			return 0;
		n = (uint32_t)be(q, w);
	} else
		return 0;
	if ((q = rd_take(r, n)) == NULL)
		return 0;
	*s = (const char *)q;
	*len = n;
	return 1;
}

/* Any number (float64, float32, integer): 1 with *v, or 0. */
static int
rd_num(struct rd *r, double *v)
{
	int t = rd_peek(r);
	const uint8_t *q;
	uint64_t u;
	union { uint64_t u; double d; } d8;
	union { uint32_t u; float f; } f4;

	if (t < 0)
		return 0;
	if (t <= 0x7f) {
		r->p++;
		*v = t;
		return 1;
	}
	if (t >= 0xe0) {
		r->p++;
		*v = (int8_t)t;
		return 1;
	}
	switch (t) {
	case 0xca:
		r->p++;
		if ((q = rd_take(r, 4)) == NULL)
			return 0;
		f4.u = (uint32_t)be(q, 4);
		*v = f4.f;
		return 1;
	case 0xcb:
		r->p++;
		if ((q = rd_take(r, 8)) == NULL)
			return 0;
		d8.u = be(q, 8);
		*v = d8.d;
		return 1;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		r->p++;
		if ((q = rd_take(r, 1u << (t - 0xcc))) == NULL)
			return 0;
		*v = (double)be(q, 1 << (t - 0xcc));
		return 1;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		r->p++;
		if ((q = rd_take(r, 1u << (t - 0xd0))) == NULL)
			return 0;
		u = be(q, 1 << (t - 0xd0));
		switch (t) {
		case 0xd0: *v = (int8_t)u; break;
		case 0xd1: *v = (int16_t)u; break;
		case 0xd2: *v = (int32_t)u; break;
		default: *v = (double)(int64_t)u; break;
		}
		return 1;
	case 0xc2: case 0xc3:		/* bool as 0/1 */
		r->p++;
		*v = t == 0xc3;
		return 1;
	}
	return 0;
}

/* A non-negative integer. */
static int
rd_uint(struct rd *r, uint64_t *v)
{
	int t = rd_peek(r);
	const uint8_t *q;
	int64_t s;

	if (t >= 0 && t <= 0x7f) {
		r->p++;
		*v = t;
		return 1;
	}
	if (t >= 0xcc && t <= 0xcf) {
		r->p++;
		if ((q = rd_take(r, 1u << (t - 0xcc))) == NULL)
			return 0;
		*v = be(q, 1 << (t - 0xcc));
		return 1;
	}
	if (t >= 0xd0 && t <= 0xd3) {
		r->p++;
		if ((q = rd_take(r, 1u << (t - 0xd0))) == NULL)
			return 0;
		s = (int64_t)(be(q, 1 << (t - 0xd0)) <<
		    (64 - 8 * (1 << (t - 0xd0)))) >> (64 - 8 * (1 << (t - 0xd0)));
		if (s < 0)
			return 0;
		*v = (uint64_t)s;
		return 1;
	}
	return 0;
}

static int
rd_int(struct rd *r, int64_t *v)
{
	int t = rd_peek(r);
	const uint8_t *q;
	uint64_t u;
	int w;

	if (t >= 0xe0) {
		r->p++;
		*v = (int8_t)t;
		return 1;
	}
	if (t >= 0xd0 && t <= 0xd3) {
		r->p++;
		w = 1 << (t - 0xd0);
		if ((q = rd_take(r, w)) == NULL)
			return 0;
		u = be(q, w);
		*v = w == 8 ? (int64_t)u : (int64_t)(u << (64 - 8 * w)) >>
		    (64 - 8 * w);
		return 1;
	}
	if (!rd_uint(r, &u) || u > INT64_MAX)
		return 0;
	*v = (int64_t)u;
	return 1;
}

/* Skip one value (frame_scan() has bounded its depth and lengths). */
static int
rd_skip(struct rd *r)
{
	size_t len;
	const char *why;

	if (frame_scan((const char *)r->p, r->end - r->p, r->end - r->p, &len,
	    &why) != SCAN_OK)
		return 0;
	r->p += len;
	return 1;
}

/* ---- helpers ------------------------------------------------------------- */

static char *
xstrndup(const char *s, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int
key_is(const char *k, uint32_t kl, const char *lit)
{
	return strlen(lit) == kl && memcmp(k, lit, kl) == 0;
}

void
bundle_hex(char *out, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- reading: the parts ---------------------------------------------------- */

/* A str into an owned copy (*dst freed first); nil gives NULL if nilok. */
static int
get_str(struct ctx *c, struct rd *r, char **dst, int nilok, const char *what)
{
	const char *s;
	uint32_t n;

	free(*dst);
	*dst = NULL;
	if (nilok && rd_nil(r))
		return 0;
	if (!rd_bytes(r, 0, &s, &n))
		return cerr(c, "%s: not a string", what);
	if (memchr(s, '\0', n) != NULL)
		return cerr(c, "%s: holds a NUL byte", what);
	if ((*dst = xstrndup(s, n)) == NULL)
		return cerr(c, "%s: out of memory", what);
	return 0;
}

/* An array of numbers into an owned array of *n (freed first). */
static int
get_nums(struct ctx *c, struct rd *r, double **dst, uint32_t *n,
    const char *what)
{
	uint32_t i, m;

	free(*dst);
	*dst = NULL;
	*n = 0;
	if (!rd_container(r, 0, &m))
		return cerr(c, "%s: not an array", what);
	if (m > (size_t)(r->end - r->p))
		return cerr(c, "%s: truncated", what);
	if ((*dst = malloc((m ? m : 1) * sizeof(double))) == NULL)
		return cerr(c, "%s: out of memory", what);
	for (i = 0; i < m; i++)
		if (!rd_num(r, &(*dst)[i]))
			return cerr(c, "%s[%u]: not a number", what, i);
	*n = m;
	return 0;
}

static int
get_strs(struct ctx *c, struct rd *r, char ***dst, uint32_t *n,
    const char *what)
{
	uint32_t i, m;
	char w[64];

	*dst = NULL;
	*n = 0;
	if (!rd_container(r, 0, &m))
		return cerr(c, "%s: not an array", what);
	if (m > (size_t)(r->end - r->p))
		return cerr(c, "%s: truncated", what);
	if ((*dst = calloc(m ? m : 1, sizeof(char *))) == NULL)
		return cerr(c, "%s: out of memory", what);
	*n = m;
	for (i = 0; i < m; i++) {
		snprintf(w, sizeof(w), "%s[%u]", what, i);
		if (get_str(c, r, &(*dst)[i], 0, w) == -1)
			return -1;
	}
	return 0;
}

static int
get_prof(struct ctx *c, struct rd *r, struct bundle_prof *p, const char *what)
{
	uint32_t i, m, ne = 0, nf = 0, ns = 0;
	const char *k;
	uint32_t kl;
	uint64_t u;
	char w[320];

	if (!rd_container(r, 1, &m))
		return cerr(c, "profile %s: not a map", what);
	for (i = 0; i < m; i++) {
		if (!rd_bytes(r, 0, &k, &kl))
			return cerr(c, "profile %s: a key is not a string",
			    what);
		snprintf(w, sizeof(w), "profile %s: %.*s", what, (int)kl, k);
		if (key_is(k, kl, "count")) {
			if (!rd_uint(r, &u))
				return cerr(c, "%s: not a count", w);
			p->count = u;
		} else if (key_is(k, kl, "mean") || key_is(k, kl, "std") ||
		    key_is(k, kl, "min") || key_is(k, kl, "max")) {
			double v;

			if (!rd_num(r, &v))
				return cerr(c, "%s: not a number", w);
			*(k[1] == 'e' ? &p->mean : k[1] == 't' ? &p->std :
			    k[1] == 'i' ? &p->min : &p->max) = v;
		} else if (key_is(k, kl, "edges")) {
			if (get_nums(c, r, &p->edges, &ne, w) == -1)
				return -1;
		} else if (key_is(k, kl, "freq")) {
			if (get_nums(c, r, &p->freq, &nf, w) == -1)
				return -1;
		} else if (key_is(k, kl, "sample")) {
			if (get_nums(c, r, &p->sample, &ns, w) == -1)
				return -1;
		} else if (!rd_skip(r))
			return cerr(c, "%s: truncated", w);
	}
	if (ne < 2 || nf != ne - 1)
		return cerr(c, "profile %s: %u edges and %u frequencies "
		    "(want nbins + 1 >= 2 and nbins)", what, ne, nf);
	p->nbins = nf;
	p->nsample = ns;
	for (i = 0; i < ne; i++)
		if (isnan(p->edges[i]) || (i > 0 && p->edges[i] <
		    p->edges[i - 1]))
			return cerr(c, "profile %s: edges not nondecreasing at "
			    "%u", what, i);
	return 0;
}

static int
get_array(struct ctx *c, struct rd *r, struct bundle_array *a)
{
	uint32_t i, m, ns = 0, nd = 0;
	double *shape = NULL;
	const char *k;
	uint32_t kl;
	int have_data = 0;
	size_t prod = 1;
	char w[320];

	if (!rd_container(r, 1, &m))
		return cerr(c, "array %s: not a map", a->name);
	for (i = 0; i < m; i++) {
		if (!rd_bytes(r, 0, &k, &kl))
			return cerr(c, "array %s: a key is not a string",
			    a->name);
		snprintf(w, sizeof(w), "array %s: %.*s", a->name, (int)kl, k);
		if (key_is(k, kl, "shape")) {
			if (get_nums(c, r, &shape, &ns, w) == -1)
				goto fail;
		} else if (key_is(k, kl, "data")) {
			if (get_nums(c, r, &a->data, &nd, w) == -1)
				goto fail;
			have_data = 1;
		} else if (!rd_skip(r)) {
			cerr(c, "%s: truncated", w);
			goto fail;
		}
	}
	if (shape == NULL || !have_data) {
		cerr(c, "array %s: needs shape and data", a->name);
		goto fail;
	}
	if (ns > 4) {
		cerr(c, "array %s: %u dimensions (at most 4)", a->name, ns);
		goto fail;
	}
	a->ndim = ns;
	for (i = 0; i < ns; i++) {
		if (!(shape[i] >= 0 && shape[i] <= UINT32_MAX) ||
		    shape[i] != floor(shape[i])) {
			cerr(c, "array %s: shape[%u] is not a count", a->name,
			    i);
			goto fail;
		}
		a->shape[i] = (uint32_t)shape[i];
		prod *= a->shape[i];
		if (prod > UINT32_MAX) {
			cerr(c, "array %s: shape too large", a->name);
			goto fail;
		}
	}
	if (prod != nd) {
		cerr(c, "array %s: shape holds %zu values, data %u", a->name,
		    prod, nd);
		goto fail;
	}
	a->n = nd;
	free(shape);
	return 0;
fail:
	free(shape);
	return -1;
}

static int
get_model(struct ctx *c, struct rd *r, struct bundle *b)
{
	uint32_t i, j, m, mm, n1 = 0, n2 = 0;
	const char *k, *s;
	uint32_t kl, sl;
	double v;

	if (!rd_container(r, 1, &m))
		return cerr(c, "model: not a map");
	for (i = 0; i < m; i++) {
		if (!rd_bytes(r, 0, &k, &kl))
			return cerr(c, "model: a key is not a string");
		if (key_is(k, kl, "kind")) {
			if (get_str(c, r, &b->kind, 0, "model.kind") == -1)
				return -1;
		} else if (key_is(k, kl, "hyper")) {
			if (!rd_container(r, 1, &mm))
				return cerr(c, "model.hyper: not a map");
			if (mm > (size_t)(r->end - r->p))
				return cerr(c, "model.hyper: truncated");
			for (j = 0; j < mm; j++) {
				if (!rd_bytes(r, 0, &s, &sl))
					return cerr(c, "model.hyper: a key is "
					    "not a string");
				char *key = xstrndup(s, sl);
				int rc;

				if (key == NULL)
					return cerr(c, "out of memory");
				if (rd_nil(r))
					rc = 0;
				else if (rd_num(r, &v))
					rc = bundle_set_hyper(b, key, v, NULL);
				else if (rd_bytes(r, 0, &s, &sl)) {
					char *str = xstrndup(s, sl);

					rc = str == NULL ? -1 :
					    bundle_set_hyper(b, key, NAN, str);
					free(str);
				} else {
					cerr(c, "model.hyper.%s: not a number, "
					    "string or bool", key);
					free(key);
					return -1;
				}
				free(key);
				if (rc == -1)
					return cerr(c, "out of memory");
			}
		} else if (key_is(k, kl, "scaler")) {
			if (rd_nil(r))
				continue;
			if (!rd_container(r, 1, &mm))
				return cerr(c, "model.scaler: not a map");
			for (j = 0; j < mm; j++) {
				if (!rd_bytes(r, 0, &s, &sl))
					return cerr(c, "model.scaler: a key is "
					    "not a string");
				if (key_is(s, sl, "mean")) {
					if (get_nums(c, r, &b->scale_mean, &n1,
					    "model.scaler.mean") == -1)
						return -1;
				} else if (key_is(s, sl, "scale")) {
					if (get_nums(c, r, &b->scale_scale, &n2,
					    "model.scaler.scale") == -1)
						return -1;
				} else if (!rd_skip(r))
					return cerr(c, "model.scaler: truncated");
			}
			if (b->scale_mean == NULL || b->scale_scale == NULL)
				return cerr(c, "model.scaler: needs mean and "
				    "scale");
			if (n1 != b->nfeat || n2 != b->nfeat)
				return cerr(c, "model.scaler: %u means and %u "
				    "scales for %u features", n1, n2, b->nfeat);
		} else if (key_is(k, kl, "arrays")) {
			if (!rd_container(r, 1, &mm))
				return cerr(c, "model.arrays: not a map");
			if (mm > (size_t)(r->end - r->p))
				return cerr(c, "model.arrays: truncated");
			if ((b->arr = calloc(mm ? mm : 1, sizeof(*b->arr))) ==
			    NULL)
				return cerr(c, "out of memory");
			for (j = 0; j < mm; j++) {
				if (!rd_bytes(r, 0, &s, &sl))
					return cerr(c, "model.arrays: a key is "
					    "not a string");
				b->narr = j + 1;
				if ((b->arr[j].name = xstrndup(s, sl)) == NULL)
					return cerr(c, "out of memory");
				if (bundle_array(b, b->arr[j].name) !=
				    &b->arr[j])
					return cerr(c, "model.arrays: %s twice",
					    b->arr[j].name);
				if (get_array(c, r, &b->arr[j]) == -1)
					return -1;
			}
		} else if (!rd_skip(r))
			return cerr(c, "model: truncated");
	}
	if (b->kind == NULL)
		return cerr(c, "model: no kind");
	return 0;
}

static int
get_metrics(struct ctx *c, struct rd *r, struct bundle *b)
{
	uint32_t i, j, l, m, k, rows, cols;
	const char *s;
	uint32_t sl;
	double v;
	uint64_t u;

	if (!rd_container(r, 1, &m))
		return cerr(c, "metrics: not a map");
	for (i = 0; i < m; i++) {
		if (!rd_bytes(r, 0, &s, &sl))
			return cerr(c, "metrics: a key is not a string");
		if (key_is(s, sl, "confusion")) {
			if (rd_nil(r))
				continue;
			if (!rd_container(r, 0, &rows) || rows > 4096)
				return cerr(c, "metrics.confusion: not an "
				    "array of at most 4096 rows");
			free(b->confusion);
			b->nconfusion = rows;
			if ((b->confusion = calloc((size_t)rows * rows + 1,
			    sizeof(uint64_t))) == NULL)
				return cerr(c, "out of memory");
			for (j = 0; j < rows; j++) {
				if (!rd_container(r, 0, &cols) || cols != rows)
					return cerr(c, "metrics.confusion: row "
					    "%u is not %u counts", j, rows);
				for (l = 0; l < cols; l++)
					if (!rd_uint(r, &u))
						return cerr(c, "metrics."
						    "confusion[%u][%u]: not a "
						    "count", j, l);
					else
						b->confusion[(size_t)j * rows +
						    l] = u;
			}
			continue;
		}
		if (!rd_num(r, &v)) {		/* not ours to judge: skip */
			if (!rd_skip(r))
				return cerr(c, "metrics: truncated");
			continue;
		}
		char *key = xstrndup(s, sl);

		k = key == NULL ? 1 : bundle_set_metric(b, key, v) == -1;
		free(key);
		if (k)
			return cerr(c, "out of memory");
	}
	return 0;
}

static int
get_profile(struct ctx *c, struct rd *r, struct bundle *b)
{
	struct nameidx idx = NAMEIDX_INIT;
	uint32_t i, j, m, mm;
	const char *s;
	uint32_t sl;
	char w[300];
	long fi;

	if (!rd_container(r, 1, &m))
		return cerr(c, "profile: not a map");
	for (i = 0; i < m; i++) {
		if (!rd_bytes(r, 0, &s, &sl))
			return cerr(c, "profile: a key is not a string");
		if (key_is(s, sl, "score")) {
			if (rd_nil(r))
				continue;
			if (b->score_prof == NULL && (b->score_prof =
			    calloc(1, sizeof(*b->score_prof))) == NULL)
				return cerr(c, "out of memory");
			if (get_prof(c, r, b->score_prof, "score") == -1)
				return -1;
		} else if (key_is(s, sl, "features")) {
			if (rd_nil(r))
				continue;
			if (!rd_container(r, 1, &mm))
				return cerr(c, "profile.features: not a map");
			if (b->prof == NULL && (b->prof = calloc(b->nfeat + 1,
			    sizeof(*b->prof))) == NULL)
				return cerr(c, "out of memory");
			/* features by name: one lookup per profile */
			for (j = 0; j < b->nfeat; j++)
				if (nameidx_add(&idx, b->feat[j],
				    strlen(b->feat[j]), j, NULL) == -1)
					goto nomem;
			for (j = 0; j < mm; j++) {
				if (!rd_bytes(r, 0, &s, &sl)) {
					cerr(c, "profile.features: a key is not "
					    "a string");
					goto fail;
				}
				snprintf(w, sizeof(w), "%.*s", (int)sl, s);
				if ((fi = nameidx_get(&idx, w, strlen(w))) < 0) {
					cerr(c, "profile of %s, which is not a "
					    "feature", w);
					goto fail;
				}
				if (get_prof(c, r, &b->prof[fi], w) == -1)
					goto fail;
			}
			nameidx_free(&idx);
		} else if (!rd_skip(r))
			return cerr(c, "profile: truncated");
	}
	return 0;
nomem:
	cerr(c, "out of memory");
fail:
	nameidx_free(&idx);
	return -1;
}

/* ---- the checks shared by reading and writing -------------------------- */

/* a: the array called name with ndim dims whose shape matches want (a
 * value of 0 in want: any, stored in got). */
static const struct bundle_array *
need(struct ctx *c, const struct bundle *b, const char *name, uint32_t ndim,
    const uint32_t *want, uint32_t *got)
{
	const struct bundle_array *a;
	uint32_t i;
	char ws[64], gs[64];
	int o1 = 0, o2 = 0;

	if ((a = bundle_array(b, name)) == NULL) {
		cerr(c, "model %s needs array %s", b->kind, name);
		return NULL;
	}
	for (i = 0; i < a->ndim && i < 4; i++)
		if (got != NULL)
			got[i] = a->shape[i];
	if (a->ndim == ndim) {
		for (i = 0; i < ndim; i++)
			if (want[i] != 0 && want[i] != a->shape[i])
				break;
		if (i == ndim)
			return a;
	}
	for (i = 0; i < ndim && o1 < 60; i++)
		o1 += snprintf(ws + o1, sizeof(ws) - o1, "%s%u", i ? ", " : "",
		    want[i]);
	ws[o1] = '\0';
	for (i = 0; i < a->ndim && o2 < 60; i++)
		o2 += snprintf(gs + o2, sizeof(gs) - o2, "%s%u", i ? ", " : "",
		    a->shape[i]);
	gs[o2] = '\0';
	cerr(c, "shape mismatch: %s %s is [%s], want [%s] (0: any) for %u "
	    "features", b->kind, name, gs, ws, b->nfeat);
	return NULL;
}

static int
check_kind(struct ctx *c, const struct bundle *b)
{
	uint32_t n = b->nfeat, s[4], w[4], i, layers, h;
	const struct bundle_array *a;
	const char *act;
	char nm[16];

	if (strcmp(b->kind, "logistic") == 0) {
		w[0] = 1; w[1] = n;
		if (need(c, b, "coef", 2, w, s) == NULL)
			return -1;
		w[0] = 1;
		if (need(c, b, "intercept", 1, w, s) == NULL)
			return -1;
		if (b->nlabels != 0 && b->nlabels != 2)
			return cerr(c, "logistic with %u labels (want 2)",
			    b->nlabels);
	} else if (strcmp(b->kind, "softmax") == 0) {
		w[0] = 0; w[1] = n;
		if (need(c, b, "coef", 2, w, s) == NULL)
			return -1;
		if (s[0] < 2)
			return cerr(c, "softmax with %u classes", s[0]);
		w[0] = s[0];
		if (need(c, b, "intercept", 1, w, NULL) == NULL)
			return -1;
		if (b->nlabels != 0 && b->nlabels != s[0])
			return cerr(c, "softmax with %u classes and %u labels",
			    s[0], b->nlabels);
	} else if (strcmp(b->kind, "ridge") == 0) {
		if ((a = bundle_array(b, "coef")) == NULL)
			return cerr(c, "model ridge needs array coef");
		if (a->ndim == 1) {
			w[0] = n;
			if (need(c, b, "coef", 1, w, NULL) == NULL)
				return -1;
			if ((a = bundle_array(b, "intercept")) == NULL ||
			    a->n != 1 || a->ndim > 1)
				return cerr(c, "shape mismatch: ridge with coef "
				    "[%u] needs intercept [1] or []", n);
		} else {
			w[0] = 0; w[1] = n;
			if (need(c, b, "coef", 2, w, s) == NULL)
				return -1;
			w[0] = s[0];
			if (s[0] == 0 || need(c, b, "intercept", 1, w, NULL) ==
			    NULL)
				return s[0] == 0 ? cerr(c, "ridge with 0 "
				    "outputs") : -1;
		}
	} else if (strcmp(b->kind, "mlp_classifier") == 0 ||
	    strcmp(b->kind, "mlp_regressor") == 0) {
		act = bundle_hyper_str(b, "activation");
		if (act == NULL || (strcmp(act, "relu") && strcmp(act, "tanh") &&
		    strcmp(act, "logistic") && strcmp(act, "identity")))
			return cerr(c, "%s: hyper activation %s not known "
			    "(relu, tanh, logistic, identity)", b->kind,
			    act ? act : "(absent)");
		layers = (uint32_t)bundle_hyper(b, "layers", 0);
		if (layers < 1 || layers > 64)
			return cerr(c, "%s: hyper layers %g (want 1 to 64)",
			    b->kind, bundle_hyper(b, "layers", 0));
		h = n;
		for (i = 0; i < layers; i++) {
			snprintf(nm, sizeof(nm), "W%u", i);
			w[0] = h; w[1] = 0;
			if (need(c, b, nm, 2, w, s) == NULL)
				return -1;
			if (s[1] == 0)
				return cerr(c, "%s: %s has 0 units", b->kind,
				    nm);
			h = s[1];
			snprintf(nm, sizeof(nm), "b%u", i);
			w[0] = h;
			if (need(c, b, nm, 1, w, NULL) == NULL)
				return -1;
		}
		if (strcmp(b->kind, "mlp_classifier") == 0) {
			if (h == 2)
				return cerr(c, "mlp_classifier: 2 output units "
				    "(scikit-learn uses 1 for two classes)");
			if (b->nlabels != 0 && b->nlabels != (h == 1 ? 2 : h))
				return cerr(c, "mlp_classifier: %u outputs and "
				    "%u labels", h, b->nlabels);
		}
	} else if (strcmp(b->kind, "pca") == 0) {
		w[0] = n;
		if (need(c, b, "mean", 1, w, NULL) == NULL)
			return -1;
		w[0] = 0; w[1] = n;
		if (need(c, b, "components", 2, w, s) == NULL)
			return -1;
		if (s[0] == 0 || s[0] > n)
			return cerr(c, "pca with %u components of %u features",
			    s[0], n);
		w[0] = s[0];
		if ((a = need(c, b, "explained_variance", 1, w, NULL)) == NULL)
			return -1;
		for (i = 0; i < a->n; i++)
			if (!(a->data[i] > 0))
				return cerr(c, "pca explained_variance[%u] = %g "
				    "(must be > 0)", i, a->data[i]);
	} else if (strcmp(b->kind, "mahalanobis") == 0) {
		w[0] = n;
		if (need(c, b, "mean", 1, w, NULL) == NULL)
			return -1;
		w[0] = n; w[1] = n;
		if (need(c, b, "precision", 2, w, NULL) == NULL)
			return -1;
	} else
		return cerr(c, "model kind %s not known (logistic, softmax, "
		    "ridge, mlp_classifier, mlp_regressor, pca, mahalanobis)",
		    b->kind);
	return 0;
}

static int
check(struct ctx *c, const struct bundle *b)
{
	struct nameidx idx = NAMEIDX_INIT;
	uint32_t i;
	size_t k;

	if (b->name == NULL || b->version == NULL)
		return cerr(c, "no model name or version");
	if (b->nfeat == 0)
		return cerr(c, "no features");
	for (i = 0; i < b->nfeat; i++)
		switch (nameidx_add(&idx, b->feat[i], strlen(b->feat[i]), i,
		    NULL)) {
		case 0:
			nameidx_free(&idx);
			return cerr(c, "feature %s twice", b->feat[i]);
		case -1:
			nameidx_free(&idx);
			return cerr(c, "out of memory");
		}
	nameidx_free(&idx);
	if (b->kind == NULL)
		return cerr(c, "no model kind");
	if ((b->scale_mean == NULL) != (b->scale_scale == NULL))
		return cerr(c, "scaler needs both mean and scale");
	if (b->scale_mean != NULL)
		for (i = 0; i < b->nfeat; i++) {
			if (!isfinite(b->scale_mean[i]))
				return cerr(c, "scaler mean of %s is %g (not "
				    "finite)", b->feat[i], b->scale_mean[i]);
			if (!isfinite(b->scale_scale[i]) ||
			    b->scale_scale[i] == 0)
				return cerr(c, "scaler scale of %s is %g (not "
				    "finite and nonzero)", b->feat[i],
				    b->scale_scale[i]);
		}
	for (i = 0; i < b->narr; i++) {
		for (k = 0; k < b->arr[i].n; k++)
			if (!isfinite(b->arr[i].data[k]))
				return cerr(c, "weight %s[%zu] is %g (NaN or "
				    "infinite weights refused)", b->arr[i].name,
				    k, b->arr[i].data[k]);
	}
	for (i = 0; i < b->nhyper; i++)
		if (b->hyper_str[i] == NULL && !isfinite(b->hyper_num[i]) &&
		    strstr(b->hyper_key[i], "threshold") != NULL)
			return cerr(c, "hyper %s is %g", b->hyper_key[i],
			    b->hyper_num[i]);
	if (b->has_threshold && isnan(b->threshold))
		return cerr(c, "outputs.threshold is NaN");
	return check_kind(c, b);
}

/* ---- reading: container and body ------------------------------------- */

struct raw {
	uint64_t	 version;
	const uint8_t	*body, *sha, *sig, *key;
	uint32_t	 bodylen;
};

static int
container(struct ctx *c, const void *p, size_t n, struct raw *w)
{
	struct rd r = { p, (const uint8_t *)p + n };
	size_t len;
	const char *why, *k, *s;
	uint32_t i, m, kl, sl;
	int have_v = 0;

	memset(w, 0, sizeof(*w));
	if (n == 0)
		return cerr(c, "empty file (not a bundle)");
	if (!bundle_sniff(p, n))
		return cerr(c, "not a bundle (a bundle is a msgpack map whose "
		    "first key is pdm-bundle)");
	switch (frame_scan(p, n, (size_t)BUNDLE_MAX_BYTES + 1, &len, &why)) {
	case SCAN_OK:
		break;
	case SCAN_MORE:
		return cerr(c, "truncated: the file ends inside the bundle "
		    "(%zu bytes)", n);
	default:
		return cerr(c, "malformed at byte %zu: %s", len, why);
	}
	if (len != n)
		return cerr(c, "%zu bytes after the bundle", n - len);
	if (!rd_container(&r, 1, &m))
		return cerr(c, "not a map");
	for (i = 0; i < m; i++) {
		if (!rd_bytes(&r, 0, &k, &kl))
			return cerr(c, "a container key is not a string");
		if (key_is(k, kl, "pdm-bundle")) {
			if (!rd_uint(&r, &w->version))
				return cerr(c, "pdm-bundle: not a version");
			have_v = 1;
		} else if (key_is(k, kl, "body") || key_is(k, kl, "sha256") ||
		    key_is(k, kl, "sig") || key_is(k, kl, "key")) {
			if (rd_nil(&r))
				continue;
			if (!rd_bytes(&r, 1, &s, &sl))
				return cerr(c, "%.*s: not bin", (int)kl, k);
			if (k[0] == 'b') {
				w->body = (const uint8_t *)s;
				w->bodylen = sl;
			} else if (k[1] == 'h') {
				if (sl != 32)
					return cerr(c, "sha256: %u bytes", sl);
				w->sha = (const uint8_t *)s;
			} else if (k[1] == 'i') {
				if (sl != crypto_sign_BYTES)
					return cerr(c, "sig: %u bytes", sl);
				w->sig = (const uint8_t *)s;
			} else {
				if (sl != crypto_sign_PUBLICKEYBYTES)
					return cerr(c, "key: %u bytes", sl);
				w->key = (const uint8_t *)s;
			}
		} else if (!rd_skip(&r))
			return cerr(c, "truncated");
	}
	if (!have_v)
		return cerr(c, "no pdm-bundle version");
	if (w->version != BUNDLE_CONTAINER)
		return cerr(c, "container format version %llu not known (this "
		    "reader knows %d): a newer bundle?",
		    (unsigned long long)w->version, BUNDLE_CONTAINER);
	if (w->body == NULL || w->sha == NULL)
		return cerr(c, "no body or no sha256");
	return 0;
}

/* Digest, then signature as the caller's key demands. */
static int
verify(struct ctx *c, const struct raw *w, const uint8_t *pubkey)
{
	uint8_t h[32];
	char hx[65], kx[65];

	if (sodium_init() < 0)
		return cerr(c, "libsodium cannot start");
	crypto_hash_sha256(h, w->body, w->bodylen);
	if (sodium_memcmp(h, w->sha, 32) != 0)
		return cerr(c, "digest mismatch: the body's SHA-256 is not the "
		    "one recorded (corrupt or altered)");
	if (w->sig == NULL) {
		if (pubkey != NULL)
			return cerr(c, "unsigned, and a signature is required "
			    "(--pubkey)");
		return 0;
	}
	if (w->key == NULL)
		return cerr(c, "signed, but no key names the signer");
	if (pubkey != NULL) {
		if (memcmp(w->key, pubkey, 32) != 0) {
			bundle_hex(kx, w->key, 32);
			bundle_hex(hx, pubkey, 32);
			return cerr(c, "signed by another key (%.16s...), not "
			    "the required %.16s...", kx, hx);
		}
		if (crypto_sign_verify_detached(w->sig, w->body, w->bodylen,
		    pubkey) != 0)
			return cerr(c, "bad signature: it does not verify with "
			    "the required key");
		return 0;
	}
	if (crypto_sign_verify_detached(w->sig, w->body, w->bodylen,
	    w->key) != 0)
		return cerr(c, "bad signature: it does not verify with the key "
		    "it names");
	return 0;
}

enum { K_FORMAT, K_NAME, K_VERSION, K_PARENT, K_CREATED, K_DATA, K_UPSTREAM,
	K_FEATURES, K_MODEL, K_OUTPUTS, K_METRICS, K_PROFILE, K_N };
static const char *const body_keys[K_N] = {
	"format", "name", "version", "parent", "created", "data", "upstream",
	"features", "model", "outputs", "metrics", "profile"
};

static int
body(struct ctx *c, const uint8_t *p, size_t n, struct bundle *b)
{
	struct rd r = { p, p + n }, at[K_N];
	const uint8_t *pos[K_N] = { 0 };
	const char *k, *s;
	uint32_t i, j, m, mm, kl, sl, x;
	uint64_t u;
	double v;
	int t;

	if (!rd_container(&r, 1, &m))
		return cerr(c, "body: not a map");
	for (i = 0; i < m; i++) {
		if (!rd_bytes(&r, 0, &k, &kl))
			return cerr(c, "body: a key is not a string");
		for (t = 0; t < K_N; t++)
			if (key_is(k, kl, body_keys[t])) {
				if (pos[t] != NULL)
					return cerr(c, "body: %s twice",
					    body_keys[t]);
				pos[t] = r.p;
			}
		if (!rd_skip(&r))
			return cerr(c, "body: truncated");
	}
	if (r.p != r.end)
		return cerr(c, "body: bytes after the map");
	for (t = 0; t < K_N; t++) {
		at[t].p = pos[t];
		at[t].end = p + n;
	}
	if (pos[K_FORMAT] == NULL || !rd_uint(&at[K_FORMAT], &u))
		return cerr(c, "body: no format version");
	if (u != BUNDLE_FORMAT)
		return cerr(c, "body format version %llu not known (this reader "
		    "knows %d): a newer bundle?", (unsigned long long)u,
		    BUNDLE_FORMAT);
	if (pos[K_NAME] == NULL || get_str(c, &at[K_NAME], &b->name, 0,
	    "name") == -1)
		return pos[K_NAME] == NULL ? cerr(c, "body: no name") : -1;
	if (pos[K_VERSION] == NULL || get_str(c, &at[K_VERSION], &b->version,
	    0, "version") == -1)
		return pos[K_VERSION] == NULL ? cerr(c, "body: no version") :
		    -1;
	if (pos[K_PARENT] && get_str(c, &at[K_PARENT], &b->parent, 1,
	    "parent") == -1)
		return -1;
	if (pos[K_CREATED] && !rd_int(&at[K_CREATED], &b->created))
		return cerr(c, "created: not an integer");
	if (pos[K_DATA]) {
		if (!rd_container(&at[K_DATA], 1, &mm))
			return cerr(c, "data: not a map");
		for (j = 0; j < mm; j++) {
			if (!rd_bytes(&at[K_DATA], 0, &s, &sl))
				return cerr(c, "data: a key is not a string");
			if (key_is(s, sl, "digest")) {
				if (get_str(c, &at[K_DATA], &b->data_digest, 1,
				    "data.digest") == -1)
					return -1;
			} else if (key_is(s, sl, "rows") &&
			    rd_container(&at[K_DATA], 1, &x)) {
				while (x-- > 0) {
					if (!rd_bytes(&at[K_DATA], 0, &s, &sl) ||
					    !rd_uint(&at[K_DATA], &u))
						return cerr(c, "data.rows: not "
						    "name -> count");
					if (key_is(s, sl, "train"))
						b->rows_train = u;
					else if (key_is(s, sl, "validation"))
						b->rows_val = u;
					else if (key_is(s, sl, "test"))
						b->rows_test = u;
				}
			} else if (!rd_skip(&at[K_DATA]))
				return cerr(c, "data: truncated");
		}
	}
	if (pos[K_UPSTREAM]) {
		if (!rd_container(&at[K_UPSTREAM], 1, &mm))
			return cerr(c, "upstream: not a map");
		for (j = 0; j < mm; j++) {
			if (!rd_bytes(&at[K_UPSTREAM], 0, &s, &sl))
				return cerr(c, "upstream: a key is not a "
				    "string");
			char **f = key_is(s, sl, "schema") ? &b->schema :
			    key_is(s, sl, "params") ? &b->params :
			    key_is(s, sl, "window") ? &b->window : NULL;
			if (f == NULL) {
				if (!rd_skip(&at[K_UPSTREAM]))
					return cerr(c, "upstream: truncated");
			} else if (get_str(c, &at[K_UPSTREAM], f, 1,
			    "upstream text") == -1)
				return -1;
		}
	}
	if (pos[K_FEATURES] == NULL)
		return cerr(c, "body: no features");
	if (get_strs(c, &at[K_FEATURES], &b->feat, &b->nfeat, "features") ==
	    -1)
		return -1;
	if (pos[K_MODEL] == NULL)
		return cerr(c, "body: no model");
	if (get_model(c, &at[K_MODEL], b) == -1)
		return -1;
	if (pos[K_OUTPUTS]) {
		struct rd *o = &at[K_OUTPUTS];

		if (!rd_container(o, 1, &mm))
			return cerr(c, "outputs: not a map");
		for (j = 0; j < mm; j++) {
			if (!rd_bytes(o, 0, &s, &sl))
				return cerr(c, "outputs: a key is not a string");
			if (key_is(s, sl, "labels")) {
				if (rd_nil(o))
					continue;
				if (get_strs(c, o, &b->labels, &b->nlabels,
				    "outputs.labels") == -1)
					return -1;
			} else if (key_is(s, sl, "threshold")) {
				if (rd_nil(o))
					continue;
				if (!rd_num(o, &v))
					return cerr(c, "outputs.threshold: not "
					    "a number");
				b->has_threshold = 1;
				b->threshold = v;
			} else if (key_is(s, sl, "anomaly_below")) {
				if (rd_nil(o))
					continue;
				if (!rd_num(o, &v))
					return cerr(c, "outputs.anomaly_below: "
					    "not a bool");
				b->anomaly_below = v != 0;
			} else if (key_is(s, sl, "score")) {
				if (get_str(c, o, &b->score_name, 1,
				    "outputs.score") == -1)
					return -1;
			} else if (!rd_skip(o))
				return cerr(c, "outputs: truncated");
		}
	}
	if (pos[K_METRICS] && !rd_nil(&at[K_METRICS]) &&
	    get_metrics(c, &at[K_METRICS], b) == -1)
		return -1;
	if (pos[K_PROFILE] && !rd_nil(&at[K_PROFILE]) &&
	    get_profile(c, &at[K_PROFILE], b) == -1)
		return -1;
	return check(c, b);
}

struct bundle *
bundle_load_mem_named(const void *p, size_t n, const char *name,
    const uint8_t *pubkey, char *err, size_t errlen)
{
	struct ctx c = { name ? name : "(bundle)", err, errlen };
	struct raw w;
	struct bundle *b;

	if (container(&c, p, n, &w) == -1 || verify(&c, &w, pubkey) == -1)
		return NULL;
	if ((b = bundle_new()) == NULL) {
		cerr(&c, "out of memory");
		return NULL;
	}
	if (body(&c, w.body, w.bodylen, b) == -1) {
		bundle_free(&b);
		return NULL;
	}
	memcpy(b->sha256, w.sha, 32);
	if ((b->is_signed = w.sig != NULL))
		memcpy(b->key, w.key, 32);
	return b;
}

struct bundle *
bundle_load_mem(const void *p, size_t n, const uint8_t *pubkey, char *err,
    size_t errlen)
{
	return bundle_load_mem_named(p, n, NULL, pubkey, err, errlen);
}

/* The whole file into *p (caller frees), bounded by BUNDLE_MAX_BYTES. */
static int
slurp(struct ctx *c, const char *path, uint8_t **p, size_t *n)
{
	int fd;
	struct stat st;
	size_t cap, len = 0;
	ssize_t k;
	uint8_t *m, *t;

	*p = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return cerr(c, "%s", strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cerr(c, "not a regular file");
	}
	if ((uint64_t)st.st_size > BUNDLE_MAX_BYTES) {
		close(fd);
		return cerr(c, "%lld bytes: larger than the %u MiB a bundle "
		    "may be", (long long)st.st_size, BUNDLE_MAX_BYTES >> 20);
	}
	cap = (size_t)st.st_size + 1;
	if ((m = malloc(cap)) == NULL) {
		close(fd);
		return cerr(c, "out of memory");
	}
	for (;;) {
		if (len == cap) {
			if (cap > BUNDLE_MAX_BYTES) {
				free(m);
				close(fd);
				return cerr(c, "larger than %u MiB",
				    BUNDLE_MAX_BYTES >> 20);
			}
			if ((t = realloc(m, cap * 2)) == NULL) {
				free(m);
				close(fd);
				return cerr(c, "out of memory");
			}
			m = t;
			cap *= 2;
		}
		k = read(fd, m + len, cap - len);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			free(m);
			close(fd);
			return cerr(c, "read: %s", strerror(errno));
		}
		if (k == 0)
			break;
		len += k;
	}
	close(fd);
	*p = m;
	*n = len;
	return 0;
}

struct bundle *
bundle_load(const char *path, const uint8_t *pubkey, char *err, size_t errlen)
{
	struct ctx c = { path, err, errlen };
	struct bundle *b;
	uint8_t *p;
	size_t n;

	if (slurp(&c, path, &p, &n) == -1)
		return NULL;
	b = bundle_load_mem_named(p, n, path, pubkey, err, errlen);
	free(p);
	return b;
}

int
bundle_sniff(const void *p, size_t n)
{
	const uint8_t *q = p;

	if (n < 12)
		return 0;
	if (!((q[0] >= 0x80 && q[0] <= 0x8f) || q[0] == 0xde))
		return 0;
	q += q[0] == 0xde ? 3 : 1;
	if ((size_t)(q - (const uint8_t *)p) + 11 > n)
		return 0;
	return q[0] == 0xaa && memcmp(q + 1, "pdm-bundle", 10) == 0;
}

int
bundle_section_mem(const void *p, size_t n, const char *name,
    const char *section, char **text, size_t *len, char *err, size_t errlen)
{
	struct ctx c = { name, err, errlen };
	struct bundle *b;
	char **f;

	*text = NULL;
	*len = 0;
	if (!bundle_sniff(p, n))
		return 0;
	if ((b = bundle_load_mem_named(p, n, name, NULL, err, errlen)) ==
	    NULL)
		return -1;
	f = strcmp(section, "schema") == 0 ? &b->schema :
	    strcmp(section, "params") == 0 ? &b->params :
	    strcmp(section, "window") == 0 ? &b->window : NULL;
	if (f == NULL || *f == NULL) {
		cerr(&c, "the bundle %s@%s has no %s section", b->name,
		    b->version, section);
		bundle_free(&b);
		return -1;
	}
	*text = *f;
	*len = strlen(*f);
	*f = NULL;
	bundle_free(&b);
	return 1;
}

FILE *
bundle_fopen(const char *path, const char *section, char *err, size_t errlen)
{
	struct ctx c = { path, err, errlen };
	char *text;
	size_t len;
	FILE *f;

	switch (bundle_section(path, section, &text, &len, err, errlen)) {
	case -1:
		errno = EINVAL;
		return NULL;
	case 0:
		if ((f = fopen(path, "r")) == NULL) {
			int e = errno;

			cerr(&c, "%s", strerror(e));
			errno = e;
		}
		return f;
	}
	if ((f = tmpfile()) == NULL || fwrite(text, 1, len, f) != len ||
	    fseek(f, 0, SEEK_SET) == -1) {
		int e = errno;

		cerr(&c, "a temporary file for its %s section: %s", section,
		    strerror(e));
		if (f != NULL)
			fclose(f);
		free(text);
		errno = e;
		return NULL;
	}
	free(text);
	return f;
}

int
bundle_section(const char *path, const char *section, char **text,
    size_t *len, char *err, size_t errlen)
{
	struct ctx c = { path, err, errlen };
	struct bundle *b;
	uint8_t *p;
	size_t n;
	char **f;
	int fd;
	uint8_t head[16];
	ssize_t k;

	*text = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;	/* the caller's own reader says why */
	k = read(fd, head, sizeof(head));
	close(fd);
	if (k <= 0 || !bundle_sniff(head, (size_t)k))
		return 0;
	if (slurp(&c, path, &p, &n) == -1)
		return -1;
	b = bundle_load_mem_named(p, n, path, NULL, err, errlen);
	free(p);
	if (b == NULL)
		return -1;
	f = strcmp(section, "schema") == 0 ? &b->schema :
	    strcmp(section, "params") == 0 ? &b->params :
	    strcmp(section, "window") == 0 ? &b->window : NULL;
	if (f == NULL || *f == NULL) {
		cerr(&c, "the bundle %s@%s has no %s section", b->name,
		    b->version, section);
		bundle_free(&b);
		return -1;
	}
	*text = *f;
	*len = strlen(*f);
	*f = NULL;
	bundle_free(&b);
	return 1;
}

/* ---- writing ------------------------------------------------------------- */

static void
pk_str_or_nil(msgpack_packer *pk, const char *s)
{
	if (s == NULL)
		msgpack_pack_nil(pk);
	else
		frame_pack_str(pk, s);
}

static void
pk_nums(msgpack_packer *pk, const double *x, size_t n)
{
	size_t i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		msgpack_pack_double(pk, x[i]);
}

void
bundle_pack_prof(struct msgpack_packer *pk, const struct bundle_prof *p)
{
	msgpack_pack_map(pk, 8);
	frame_pack_str(pk, "count");
	msgpack_pack_uint64(pk, p->count);
	frame_pack_str(pk, "mean");
	msgpack_pack_double(pk, p->mean);
	frame_pack_str(pk, "std");
	msgpack_pack_double(pk, p->std);
	frame_pack_str(pk, "min");
	msgpack_pack_double(pk, p->min);
	frame_pack_str(pk, "max");
	msgpack_pack_double(pk, p->max);
	frame_pack_str(pk, "edges");
	pk_nums(pk, p->edges, p->nbins + 1);
	frame_pack_str(pk, "freq");
	pk_nums(pk, p->freq, p->nbins);
	frame_pack_str(pk, "sample");
	pk_nums(pk, p->sample, p->nsample);
}

static void
pk_body(msgpack_packer *pk, const struct bundle *b)
{
	uint32_t i, j, nprof = 0;

	msgpack_pack_map(pk, 12);
	frame_pack_str(pk, "format");
	msgpack_pack_uint32(pk, BUNDLE_FORMAT);
	frame_pack_str(pk, "name");
	frame_pack_str(pk, b->name);
	frame_pack_str(pk, "version");
	frame_pack_str(pk, b->version);
	frame_pack_str(pk, "parent");
	pk_str_or_nil(pk, b->parent);
	frame_pack_str(pk, "created");
	msgpack_pack_int64(pk, b->created);
	frame_pack_str(pk, "data");
	msgpack_pack_map(pk, 2);
	frame_pack_str(pk, "digest");
	pk_str_or_nil(pk, b->data_digest);
	frame_pack_str(pk, "rows");
	msgpack_pack_map(pk, 3);
	frame_pack_str(pk, "train");
	msgpack_pack_uint64(pk, b->rows_train);
	frame_pack_str(pk, "validation");
	msgpack_pack_uint64(pk, b->rows_val);
	frame_pack_str(pk, "test");
	msgpack_pack_uint64(pk, b->rows_test);
	frame_pack_str(pk, "upstream");
	msgpack_pack_map(pk, 3);
	frame_pack_str(pk, "schema");
	pk_str_or_nil(pk, b->schema);
	frame_pack_str(pk, "params");
	pk_str_or_nil(pk, b->params);
	frame_pack_str(pk, "window");
	pk_str_or_nil(pk, b->window);
	frame_pack_str(pk, "features");
	msgpack_pack_array(pk, b->nfeat);
	for (i = 0; i < b->nfeat; i++)
		frame_pack_str(pk, b->feat[i]);

	frame_pack_str(pk, "model");
	msgpack_pack_map(pk, 4);
	frame_pack_str(pk, "kind");
	frame_pack_str(pk, b->kind);
	frame_pack_str(pk, "hyper");
	msgpack_pack_map(pk, b->nhyper);
	for (i = 0; i < b->nhyper; i++) {
		frame_pack_str(pk, b->hyper_key[i]);
		if (b->hyper_str[i] != NULL)
			frame_pack_str(pk, b->hyper_str[i]);
		else if (b->hyper_num[i] == floor(b->hyper_num[i]) &&
		    fabs(b->hyper_num[i]) < 9e15)
			msgpack_pack_int64(pk, (int64_t)b->hyper_num[i]);
		else
			msgpack_pack_double(pk, b->hyper_num[i]);
	}
	frame_pack_str(pk, "scaler");
	if (b->scale_mean == NULL)
		msgpack_pack_nil(pk);
	else {
		msgpack_pack_map(pk, 2);
		frame_pack_str(pk, "mean");
		pk_nums(pk, b->scale_mean, b->nfeat);
		frame_pack_str(pk, "scale");
		pk_nums(pk, b->scale_scale, b->nfeat);
	}
	frame_pack_str(pk, "arrays");
	msgpack_pack_map(pk, b->narr);
	for (i = 0; i < b->narr; i++) {
		const struct bundle_array *a = &b->arr[i];

		frame_pack_str(pk, a->name);
		msgpack_pack_map(pk, 2);
		frame_pack_str(pk, "shape");
		msgpack_pack_array(pk, a->ndim);
		for (j = 0; j < a->ndim; j++)
			msgpack_pack_uint32(pk, a->shape[j]);
		frame_pack_str(pk, "data");
		pk_nums(pk, a->data, a->n);
	}

	frame_pack_str(pk, "outputs");
	msgpack_pack_map(pk, 4);
	frame_pack_str(pk, "labels");
	if (b->nlabels == 0)
		msgpack_pack_nil(pk);
	else {
		msgpack_pack_array(pk, b->nlabels);
		for (i = 0; i < b->nlabels; i++)
			frame_pack_str(pk, b->labels[i]);
	}
	frame_pack_str(pk, "threshold");
	if (b->has_threshold)
		msgpack_pack_double(pk, b->threshold);
	else
		msgpack_pack_nil(pk);
	frame_pack_str(pk, "score");
	pk_str_or_nil(pk, b->score_name);
	frame_pack_str(pk, "anomaly_below");
	if (b->anomaly_below)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);

	frame_pack_str(pk, "metrics");
	msgpack_pack_map(pk, b->nmetrics + (b->confusion != NULL));
	for (i = 0; i < b->nmetrics; i++) {
		frame_pack_str(pk, b->metric_key[i]);
		msgpack_pack_double(pk, b->metric_val[i]);
	}
	if (b->confusion != NULL) {
		frame_pack_str(pk, "confusion");
		msgpack_pack_array(pk, b->nconfusion);
		for (i = 0; i < b->nconfusion; i++) {
			msgpack_pack_array(pk, b->nconfusion);
			for (j = 0; j < b->nconfusion; j++)
				msgpack_pack_uint64(pk, b->confusion[(size_t)i *
				    b->nconfusion + j]);
		}
	}

	frame_pack_str(pk, "profile");
	msgpack_pack_map(pk, 2);
	frame_pack_str(pk, "features");
	if (b->prof != NULL)
		for (i = 0; i < b->nfeat; i++)
			nprof += b->prof[i].nbins > 0;
	msgpack_pack_map(pk, nprof);
	for (i = 0; b->prof != NULL && i < b->nfeat; i++)
		if (b->prof[i].nbins > 0) {
			frame_pack_str(pk, b->feat[i]);
			bundle_pack_prof(pk, &b->prof[i]);
		}
	frame_pack_str(pk, "score");
	if (b->score_prof != NULL && b->score_prof->nbins > 0)
		bundle_pack_prof(pk, b->score_prof);
	else
		msgpack_pack_nil(pk);
}

/* The container around body[0..n) with its digest and signature. */
static int
pk_container(struct ctx *c, struct buf *out, const uint8_t *body, size_t n,
    const uint8_t *seckey, uint8_t sha[32], uint8_t pk_out[32])
{
	msgpack_packer pk;
	uint8_t sig[crypto_sign_BYTES];

	if (sodium_init() < 0)
		return cerr(c, "libsodium cannot start");
	crypto_hash_sha256(sha, body, n);
	if (seckey != NULL) {
		crypto_sign_detached(sig, NULL, body, n, seckey);
		bundle_sk_to_pk(seckey, pk_out);
	}
	frame_packer_init(&pk, out);
	msgpack_pack_map(&pk, 5);
	frame_pack_str(&pk, "pdm-bundle");
	msgpack_pack_uint32(&pk, BUNDLE_CONTAINER);
	frame_pack_str(&pk, "body");
	msgpack_pack_bin(&pk, n);
	msgpack_pack_bin_body(&pk, body, n);
	frame_pack_str(&pk, "sha256");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, sha, 32);
	frame_pack_str(&pk, "sig");
	if (seckey == NULL)
		msgpack_pack_nil(&pk);
	else {
		msgpack_pack_bin(&pk, sizeof(sig));
		msgpack_pack_bin_body(&pk, sig, sizeof(sig));
	}
	frame_pack_str(&pk, "key");
	if (seckey == NULL)
		msgpack_pack_nil(&pk);
	else {
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, pk_out, 32);
	}
	return 0;
}

static int
encode(struct ctx *c, struct bundle *b, const uint8_t *seckey,
    struct buf *out)
{
	struct buf bb = BUF_INIT;
	msgpack_packer pk;
	uint32_t i;
	int rc;

	if (check(c, b) == -1)
		return -1;
	if (b->prof != NULL)
		for (i = 0; i < b->nfeat; i++)
			if (b->prof[i].nbins > 0 && (b->prof[i].edges == NULL ||
			    b->prof[i].freq == NULL || (b->prof[i].nsample &&
			    b->prof[i].sample == NULL)))
				return cerr(c, "profile of %s: arrays missing",
				    b->feat[i]);
	frame_packer_init(&pk, &bb);
	pk_body(&pk, b);
	rc = pk_container(c, out, (uint8_t *)bb.p, bb.len, seckey, b->sha256,
	    b->key);
	b->is_signed = seckey != NULL;
	buf_free(&bb);
	return rc;
}

int
bundle_encode(struct bundle *b, const uint8_t *seckey, uint8_t **out,
    size_t *outlen, char *err, size_t errlen)
{
	struct ctx c = { b->name ? b->name : "(bundle)", err, errlen };
	struct buf o = BUF_INIT;

	*out = NULL;
	*outlen = 0;
	if (encode(&c, b, seckey, &o) == -1) {
		buf_free(&o);
		return -1;
	}
	*out = (uint8_t *)o.p;
	*outlen = o.len;
	return 0;
}

/* p[0..n) to path through a temporary file, fsync, rename. */
static int
write_atomic(struct ctx *c, const char *path, const void *p, size_t n,
    mode_t mode)
{
	char *tmp;
	size_t pl = strlen(path), off = 0;
	ssize_t k;
	int fd;

	if ((tmp = malloc(pl + 16)) == NULL)
		return cerr(c, "out of memory");
	snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		cerr(c, "cannot create a temporary file beside it: %s",
		    strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < n) {
		k = write(fd, (const char *)p + off, n - off);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			goto fail;
		off += k;
	}
	if (fchmod(fd, mode) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return 0;
fail:
	cerr(c, "write: %s", strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int
bundle_write(const char *path, struct bundle *b, const uint8_t *seckey,
    char *err, size_t errlen)
{
	struct ctx c = { path, err, errlen };
	struct buf o = BUF_INIT;
	int rc;

	if (encode(&c, b, seckey, &o) == -1) {
		buf_free(&o);
		return -1;
	}
	rc = write_atomic(&c, path, o.p, o.len, 0644);
	buf_free(&o);
	return rc;
}

int
bundle_resign(const char *path, const char *out, const uint8_t *seckey,
    char *err, size_t errlen)
{
	struct ctx c = { path, err, errlen };
	struct bundle *b;
	struct raw w;
	struct buf o = BUF_INIT;
	uint8_t *p, sha[32], pk[32];
	size_t n;
	int rc = -1;

	if (slurp(&c, path, &p, &n) == -1)
		return -1;
	/* The whole bundle must load (digest, old signature, shapes). */
	if ((b = bundle_load_mem_named(p, n, path, NULL, err, errlen)) == NULL)
		goto done;
	bundle_free(&b);
	if (container(&c, p, n, &w) == -1)
		goto done;
	if (pk_container(&c, &o, w.body, w.bodylen, seckey, sha, pk) == -1)
		goto done;
	c.name = out;
	rc = write_atomic(&c, out, o.p, o.len, 0644);
done:
	buf_free(&o);
	free(p);
	return rc;
}

/* ---- building ------------------------------------------------------------ */

struct bundle *
bundle_new(void)
{
	return calloc(1, sizeof(struct bundle));
}

static void
free_strs(char **v, uint32_t n)
{
	uint32_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
bundle_prof_free(struct bundle_prof *p)
{
	if (p == NULL)
		return;
	free(p->edges);
	free(p->freq);
	free(p->sample);
	memset(p, 0, sizeof(*p));
}

void
bundle_free(struct bundle **bp)
{
	struct bundle *b;
	uint32_t i;

	if (bp == NULL || (b = *bp) == NULL)
		return;
	free(b->name);
	free(b->version);
	free(b->parent);
	free(b->data_digest);
	free(b->schema);
	free(b->params);
	free(b->window);
	free_strs(b->feat, b->nfeat);
	free(b->kind);
	free_strs(b->hyper_key, b->nhyper);
	free_strs(b->hyper_str, b->nhyper);
	free(b->hyper_num);
	free(b->scale_mean);
	free(b->scale_scale);
	for (i = 0; b->arr != NULL && i < b->narr; i++) {
		free(b->arr[i].name);
		free(b->arr[i].data);
	}
	free(b->arr);
	free_strs(b->labels, b->nlabels);
	free(b->score_name);
	free_strs(b->metric_key, b->nmetrics);
	free(b->metric_val);
	free(b->confusion);
	if (b->prof != NULL)
		for (i = 0; i < b->nfeat; i++)
			bundle_prof_free(&b->prof[i]);
	free(b->prof);
	bundle_prof_free(b->score_prof);
	free(b->score_prof);
	free(b);
	*bp = NULL;
}

const struct bundle_array *
bundle_array(const struct bundle *b, const char *name)
{
	uint32_t i;

	for (i = 0; i < b->narr; i++)
		if (b->arr[i].name != NULL && strcmp(b->arr[i].name, name) == 0)
			return &b->arr[i];
	return NULL;
}

static int
hyper_index(const struct bundle *b, const char *key)
{
	uint32_t i;

	for (i = 0; i < b->nhyper; i++)
		if (strcmp(b->hyper_key[i], key) == 0)
			return (int)i;
	return -1;
}

double
bundle_hyper(const struct bundle *b, const char *key, double dflt)
{
	int i = hyper_index(b, key);

	return i < 0 || b->hyper_str[i] != NULL ? dflt : b->hyper_num[i];
}

const char *
bundle_hyper_str(const struct bundle *b, const char *key)
{
	int i = hyper_index(b, key);

	return i < 0 ? NULL : b->hyper_str[i];
}

int
bundle_feature(const struct bundle *b, const char *name)
{
	uint32_t i;

	for (i = 0; i < b->nfeat; i++)
		if (strcmp(b->feat[i], name) == 0)
			return (int)i;
	return -1;
}

int
bundle_set_str(char **field, const char *s)
{
	char *d = NULL;

	if (s != NULL && (d = strdup(s)) == NULL)
		return -1;
	free(*field);
	*field = d;
	return 0;
}

/* Grow a parallel array of elements of size sz from n to n + 1. */
static int
grow(void *pp, uint32_t n, size_t sz)
{
	void **p = pp, *q;

	if ((q = realloc(*p, (n + 1) * sz)) == NULL)
		return -1;
	*p = q;
	return 0;
}

int
bundle_set_array(struct bundle *b, const char *name, uint32_t ndim,
    const uint32_t *shape, const double *data)
{
	struct bundle_array *a;
	size_t n = 1;
	uint32_t i;
	double *d;
	char *nm = NULL;

	if (ndim > 4)
		return -1;
	for (i = 0; i < ndim; i++)
		n *= shape[i];
	if ((d = malloc((n ? n : 1) * sizeof(double))) == NULL)
		return -1;
	memcpy(d, data, n * sizeof(double));
	if ((a = (struct bundle_array *)bundle_array(b, name)) == NULL) {
		if ((nm = strdup(name)) == NULL || grow(&b->arr, b->narr,
		    sizeof(*b->arr)) == -1) {
			free(nm);
			free(d);
			return -1;
		}
		a = &b->arr[b->narr++];
		memset(a, 0, sizeof(*a));
		a->name = nm;
	}
	free(a->data);
	a->data = d;
	a->n = n;
	a->ndim = ndim;
	memset(a->shape, 0, sizeof(a->shape));
	for (i = 0; i < ndim; i++)
		a->shape[i] = shape[i];
	return 0;
}

int
bundle_set_hyper(struct bundle *b, const char *key, double num,
    const char *str)
{
	int i = hyper_index(b, key);
	char *s = NULL, *k;

	if (str != NULL && (s = strdup(str)) == NULL)
		return -1;
	if (i >= 0) {
		free(b->hyper_str[i]);
		b->hyper_str[i] = s;
		b->hyper_num[i] = num;
		return 0;
	}
	if ((k = strdup(key)) == NULL || grow(&b->hyper_key, b->nhyper,
	    sizeof(char *)) == -1 || grow(&b->hyper_str, b->nhyper,
	    sizeof(char *)) == -1 || grow(&b->hyper_num, b->nhyper,
	    sizeof(double)) == -1) {
		free(k);
		free(s);
		return -1;
	}
	b->hyper_key[b->nhyper] = k;
	b->hyper_str[b->nhyper] = s;
	b->hyper_num[b->nhyper] = num;
	b->nhyper++;
	return 0;
}

int
bundle_set_metric(struct bundle *b, const char *key, double v)
{
	uint32_t i;
	char *k;

	for (i = 0; i < b->nmetrics; i++)
		if (strcmp(b->metric_key[i], key) == 0) {
			b->metric_val[i] = v;
			return 0;
		}
	if ((k = strdup(key)) == NULL || grow(&b->metric_key, b->nmetrics,
	    sizeof(char *)) == -1 || grow(&b->metric_val, b->nmetrics,
	    sizeof(double)) == -1) {
		free(k);
		return -1;
	}
	b->metric_key[b->nmetrics] = k;
	b->metric_val[b->nmetrics++] = v;
	return 0;
}

static int
set_strs(char ***dst, uint32_t *dn, uint32_t n, const char *const *src)
{
	char **v;
	uint32_t i;

	if ((v = calloc(n ? n : 1, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((v[i] = strdup(src[i])) == NULL) {
			free_strs(v, i);
			return -1;
		}
	free_strs(*dst, *dn);
	*dst = v;
	*dn = n;
	return 0;
}

int
bundle_set_features(struct bundle *b, uint32_t n, const char *const *names)
{
	if (b->prof != NULL) {
		uint32_t i;

		for (i = 0; i < b->nfeat; i++)
			bundle_prof_free(&b->prof[i]);
		free(b->prof);
		b->prof = NULL;
	}
	return set_strs(&b->feat, &b->nfeat, n, names);
}

int
bundle_set_labels(struct bundle *b, uint32_t n, const char *const *labels)
{
	return set_strs(&b->labels, &b->nlabels, n, labels);
}

/* ---- profiles ------------------------------------------------------------ */

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
zcmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* splitmix64: small, seeded, good enough for a reservoir. */
static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t
bundle_prof_bin(const struct bundle_prof *p, double x)
{
	uint32_t lo = 0, hi, mid;

	if (isnan(x) || p->nbins == 0)
		return p->nbins;
	/* the highest i in [0, nbins) with edges[i] <= x, else 0 */
	hi = p->nbins;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->edges[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? 0 : lo - 1;
}

int
bundle_prof_fit(struct bundle_prof *p, const double *x, size_t n,
    uint32_t nbins, uint32_t nsample, uint64_t seed)
{
	double *s = NULL, sum = 0, c = 0, t, h, var = 0;
	size_t i, m = 0, *idx = NULL, j, lo;
	uint32_t b;
	uint64_t rng = seed;

	bundle_prof_free(p);
	if (nbins == 0)
		return -1;
	if ((s = malloc((n ? n : 1) * sizeof(double))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (isfinite(x[i]))
			s[m++] = x[i];
	if (nsample > m)
		nsample = (uint32_t)m;
	p->edges = calloc(nbins + 1, sizeof(double));
	p->freq = calloc(nbins, sizeof(double));
	p->sample = malloc((nsample ? nsample : 1) * sizeof(double));
	idx = malloc((nsample ? nsample : 1) * sizeof(size_t));
	if (p->edges == NULL || p->freq == NULL || p->sample == NULL ||
	    idx == NULL)
		goto fail;
	p->nbins = nbins;
	p->count = m;
	/* the sample first, while s is in training order: algorithm R */
	for (i = 0; i < m; i++) {
		if (i < nsample)
			idx[i] = i;
		else if ((j = splitmix(&rng) % (i + 1)) < nsample)
			idx[j] = i;
	}
	qsort(idx, nsample, sizeof(size_t), zcmp);
	for (i = 0; i < nsample; i++)
		p->sample[i] = s[idx[i]];
	p->nsample = nsample;
	free(idx);
	idx = NULL;
	if (m == 0)
		goto done;
	for (i = 0; i < m; i++) {		/* Neumaier sum */
		t = sum + s[i];
		c += fabs(sum) >= fabs(s[i]) ? (sum - t) + s[i] :
		    (s[i] - t) + sum;
		sum = t;
	}
	p->mean = (sum + c) / m;
	for (i = 0; i < m; i++)
		var += (s[i] - p->mean) * (s[i] - p->mean);
	p->std = sqrt(var / m);
	qsort(s, m, sizeof(double), dcmp);
	p->min = s[0];
	p->max = s[m - 1];
	for (b = 0; b <= nbins; b++) {
		h = (double)(m - 1) * b / nbins;
		lo = (size_t)floor(h);
		if (lo >= m - 1)
			p->edges[b] = s[m - 1];
		else
			p->edges[b] = s[lo] + (h - lo) * (s[lo + 1] - s[lo]);
	}
	p->edges[0] = s[0];
	p->edges[nbins] = s[m - 1];
	for (b = 1; b <= nbins; b++)	/* rounding must not break order */
		if (p->edges[b] < p->edges[b - 1])
			p->edges[b] = p->edges[b - 1];
	for (i = 0; i < m; i++)
		p->freq[bundle_prof_bin(p, s[i])] += 1;
	for (b = 0; b < nbins; b++)
		p->freq[b] /= m;
done:
	free(s);
	return 0;
fail:
	free(s);
	free(idx);
	bundle_prof_free(p);
	return -1;
}

/* ---- keys ------------------------------------------------------------------ */

int
bundle_keygen(uint8_t pk[32], uint8_t sk[64])
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(pk, sk);
	return 0;
}

void
bundle_sk_to_pk(const uint8_t sk[64], uint8_t pk[32])
{
	crypto_sign_ed25519_sk_to_pk(pk, sk);
}

int
bundle_key_read(const char *path, uint8_t *key, size_t len, char *err,
    size_t errlen)
{
	struct ctx c = { path, err, errlen };
	char buf[300];
	FILE *f;
	size_t n, i;
	unsigned v;

	if (len > 128)
		return cerr(&c, "key length %zu", len);
	if ((f = fopen(path, "r")) == NULL)
		return cerr(&c, "%s", strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n != 2 * len)
		return cerr(&c, "%zu characters: a %s key is %zu hex characters "
		    "and a newline", n, len == 32 ? "public" : "secret",
		    2 * len);
	for (i = 0; i < len; i++) {
		if (sscanf(buf + 2 * i, "%2x", &v) != 1 ||
		    !isxdigit((unsigned char)buf[2 * i]) ||
		    !isxdigit((unsigned char)buf[2 * i + 1]))
			return cerr(&c, "not hex at character %zu", 2 * i + 1);
		key[i] = (uint8_t)v;
	}
	return 0;
}

int
bundle_key_write(const char *path, const uint8_t *key, size_t len,
    int secret, char *err, size_t errlen)
{
	struct ctx c = { path, err, errlen };
	char hx[260];

	if (len > 128)
		return cerr(&c, "key length %zu", len);
	bundle_hex(hx, key, len);
	hx[2 * len] = '\n';
	return write_atomic(&c, path, hx, 2 * len + 1, secret ? 0600 : 0644);
}

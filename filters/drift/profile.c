/*
 * profile -- read and write reference profile files (profile.h) with
 * msgpack-c: the packer for writing, one unpacked object tree for reading,
 * checked field by field (edges nbins + 1 and nondecreasing, freq nbins,
 * every number finite), each error naming the file and the field.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "codec.h"
#include "profile.h"

static int
perr(char *err, size_t len, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, len, "%s: ", path);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(err + n, len - n, fmt, ap);
	va_end(ap);
	return -1;
}

int
profile_write(const char *path, const struct profile *p, char *err,
    size_t errlen)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char tmp[4096];
	FILE *fp;
	uint32_t i;
	int ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return perr(err, errlen, path, "path too long");
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	frame_pack_str(&pk, "features");
	msgpack_pack_map(&pk, p->n);
	for (i = 0; i < p->n; i++) {
		frame_pack_str(&pk, p->name[i]);
		bundle_pack_prof(&pk, &p->prof[i]);
	}
	frame_pack_str(&pk, "score");
	if (p->score != NULL)
		bundle_pack_prof(&pk, p->score);
	else
		msgpack_pack_nil(&pk);
	if ((fp = fopen(tmp, "wb")) == NULL) {
		msgpack_sbuffer_destroy(&sb);
		return perr(err, errlen, path, "%s", strerror(errno));
	}
	ok = fwrite(sb.data, 1, sb.size, fp) == sb.size && fflush(fp) == 0 &&
	    fsync(fileno(fp)) == 0;
	ok = (fclose(fp) == 0) && ok;
	msgpack_sbuffer_destroy(&sb);
	if (!ok || rename(tmp, path) == -1) {
		int e = errno;

		unlink(tmp);
		return perr(err, errlen, path, "%s", strerror(e));
	}
	return 0;
}

static const msgpack_object *
get(const msgpack_object *map, const char *key)
{
	uint32_t i;
	size_t n = strlen(key);

	if (map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

static int
num(const msgpack_object *o, double *v)
{
	if (o == NULL)
		return -1;
	switch (o->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*v = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*v = (double)o->via.u64;
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*v = (double)o->via.i64;
		return 0;
	default:
		return -1;
	}
}

static int
numarr(const msgpack_object *o, double **out, uint32_t *n)
{
	uint32_t i;

	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY)
		return -1;
	*n = o->via.array.size;
	if ((*out = malloc(sizeof(double) * (*n + 1))) == NULL)
		return -1;
	for (i = 0; i < *n; i++)
		if (num(&o->via.array.ptr[i], &(*out)[i]) == -1 ||
		    !isfinite((*out)[i]))
			return -1;
	return 0;
}

static int
read_prof(const msgpack_object *o, struct bundle_prof *p, const char *path,
    const char *what, char *err, size_t errlen)
{
	double c;
	uint32_t ne, i;

	memset(p, 0, sizeof(*p));
	if (o == NULL || o->type != MSGPACK_OBJECT_MAP)
		return perr(err, errlen, path, "%s: not a map", what);
	if (num(get(o, "count"), &c) == -1 || c < 0)
		return perr(err, errlen, path, "%s.count: missing", what);
	p->count = (uint64_t)c;
	if (num(get(o, "mean"), &p->mean) == -1 || num(get(o, "std"),
	    &p->std) == -1 || num(get(o, "min"), &p->min) == -1 ||
	    num(get(o, "max"), &p->max) == -1)
		return perr(err, errlen, path, "%s: mean, std, min or max "
		    "missing", what);
	if (numarr(get(o, "edges"), &p->edges, &ne) == -1 || ne < 2)
		return perr(err, errlen, path, "%s.edges: not an array of at "
		    "least 2 finite numbers", what);
	for (i = 1; i < ne; i++)
		if (p->edges[i] < p->edges[i - 1])
			return perr(err, errlen, path, "%s.edges: decreasing "
			    "at %u", what, i);
	if (numarr(get(o, "freq"), &p->freq, &p->nbins) == -1 ||
	    p->nbins != ne - 1)
		return perr(err, errlen, path, "%s.freq: not %u finite "
		    "numbers", what, ne - 1);
	if (numarr(get(o, "sample"), &p->sample, &p->nsample) == -1)
		return perr(err, errlen, path, "%s.sample: not an array of "
		    "finite numbers", what);
	return 0;
}

int
profile_read(const char *path, struct profile *p, char *err, size_t errlen)
{
	msgpack_unpacked u;
	const msgpack_object *feats, *sc;
	char *buf = NULL, name[512];
	size_t len = 0, cap = 0, off = 0, n;
	FILE *fp;
	uint32_t i;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	if ((fp = fopen(path, "rb")) == NULL)
		return perr(err, errlen, path, "%s", strerror(errno));
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (nb == NULL) {
				fclose(fp);
				free(buf);
				return perr(err, errlen, path, "out of memory");
			}
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	fclose(fp);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS) {
		perr(err, errlen, path, "not a msgpack value (truncated?)");
		goto out;
	}
	if ((feats = get(&u.data, "features")) == NULL ||
	    feats->type != MSGPACK_OBJECT_MAP) {
		perr(err, errlen, path, "no \"features\" map");
		goto out;
	}
	p->n = feats->via.map.size;
	p->name = calloc(p->n + 1, sizeof(char *));
	p->prof = calloc(p->n + 1, sizeof(*p->prof));
	if (p->name == NULL || p->prof == NULL) {
		perr(err, errlen, path, "out of memory");
		goto out;
	}
	for (i = 0; i < p->n; i++) {
		const msgpack_object *k = &feats->via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size >=
		    sizeof(name)) {
			perr(err, errlen, path, "features: key %u is not a "
			    "string", i);
			goto out;
		}
		memcpy(name, k->via.str.ptr, k->via.str.size);
		name[k->via.str.size] = '\0';
		if ((p->name[i] = strdup(name)) == NULL)
			goto out;
		if (read_prof(&feats->via.map.ptr[i].val, &p->prof[i], path,
		    name, err, errlen) == -1)
			goto out;
	}
	sc = get(&u.data, "score");
	if (sc != NULL && sc->type != MSGPACK_OBJECT_NIL) {
		if ((p->score = calloc(1, sizeof(*p->score))) == NULL ||
		    read_prof(sc, p->score, path, "score", err, errlen) == -1)
			goto out;
	}
	ret = 0;
out:
	msgpack_unpacked_destroy(&u);
	free(buf);
	if (ret == -1)
		profile_free(p);
	return ret;
}

void
profile_free(struct profile *p)
{
	uint32_t i;

	for (i = 0; i < p->n; i++) {
		if (p->name != NULL)
			free(p->name[i]);
		if (p->prof != NULL)
			bundle_prof_free(&p->prof[i]);
	}
	free(p->name);
	free(p->prof);
	if (p->score != NULL)
		bundle_prof_free(p->score);
	free(p->score);
	memset(p, 0, sizeof(*p));
}

/*
 * record -- the in-memory frame: time, meta list, body list, owned arena.
 *
 * Records are reused: record_clear() keeps the field arrays and the arena's
 * blocks, so a filter that reads, edits and writes frames allocates only
 * while the arrays grow to the widest frame of its stream.  The well-known
 * meta members (kind, dev, seq, v) mirror the meta list; every setter
 * updates both, and meta_reparse() rebuilds the members from the list.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "record_int.h"

struct arena_block {
	struct arena_block	*next;
	size_t			 len, cap;
	char			 data[];
};

static const char *kind_names[] = {
	[KIND_SAMPLE] = "sample",
	[KIND_FEATURES] = "features",
	[KIND_PREDICTION] = "prediction",
	[KIND_EVENT] = "event",
	[KIND_REJECT] = "reject",
	[KIND_EOS] = "eos",
	[KIND_OTHER] = "other",
};

const char *
kind_name(enum kind k)
{
	if ((unsigned)k > KIND_OTHER)
		return "other";
	return kind_names[k];
}

enum kind
kind_from_str(const char *s, size_t len)
{
	unsigned k;

	for (k = 0; k < KIND_OTHER; k++)
		if (strlen(kind_names[k]) == len &&
		    memcmp(kind_names[k], s, len) == 0)
			return (enum kind)k;
	return KIND_OTHER;
}

struct record *
record_new(void)
{
	struct record *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	record_clear(r);
	return r;
}

void
record_free(struct record **rp)
{
	struct arena_block *b, *next;
	struct record *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	for (b = r->arena.head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(r->meta);
	free(r->body);
	free(r);
	*rp = NULL;
}

void
record_clear(struct record *r)
{
	struct arena_block *b;

	r->sec = 0;
	r->nsec = 0;
	r->ttype = TIME_EVENT;
	r->legacy = 0;
	r->kind = KIND_SAMPLE;
	r->kind_str = NULL;
	r->kind_len = 0;
	r->dev = NULL;
	r->dev_len = 0;
	r->seq = 0;
	r->has_seq = 0;
	r->version = PROTO_VERSION;
	r->nmeta = 0;
	r->nbody = 0;
	for (b = r->arena.head; b != NULL; b = b->next)
		b->len = 0;
	r->arena.cur = r->arena.head;
}

static void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b, *nb;
	size_t cap;

	for (b = a->cur; b != NULL; b = b->next) {
		if (b->cap - b->len >= n) {
			a->cur = b;
			b->len += n;
			return b->data + b->len - n;
		}
		if (b->next == NULL)
			break;
	}
	cap = 1024;
	if (b != NULL && b->cap * 2 > cap)
		cap = b->cap * 2;
	while (cap < n)
		cap *= 2;
	if ((nb = malloc(sizeof(*nb) + cap)) == NULL)
		return NULL;
	nb->next = NULL;
	nb->len = n;
	nb->cap = cap;
	if (b == NULL)
		a->head = nb;
	else
		b->next = nb;
	a->cur = nb;
	return nb->data;
}

const char *
record_strdup(struct record *r, const char *s, size_t len)
{
	char *p;

	if ((p = arena_alloc(&r->arena, len + 1)) == NULL)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int
fields_grow(struct field **fp, uint32_t *cap, uint32_t need)
{
	struct field *f;
	uint32_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > UINT32_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		ncap *= 2;
	}
	if ((f = realloc(*fp, (size_t)ncap * sizeof(*f))) == NULL)
		return -1;
	*fp = f;
	*cap = ncap;
	return 0;
}

static int
keyeq(const struct field *f, const char *key, size_t klen)
{
	return f->klen == klen && memcmp(f->key, key, klen) == 0;
}

/* Rebuild kind/dev/seq/v from the meta list. */
void
meta_reparse(struct record *r)
{
	const struct field *f;
	uint32_t i;

	r->kind = KIND_SAMPLE;
	r->kind_str = NULL;
	r->kind_len = 0;
	r->dev = NULL;
	r->dev_len = 0;
	r->has_seq = 0;
	r->seq = 0;
	r->version = PROTO_VERSION;
	for (i = 0; i < r->nmeta; i++) {
		f = &r->meta[i];
		meta_note(r, f);
	}
}

void
record_set_time(struct record *r, int64_t sec, uint32_t nsec)
{
	r->sec = sec;
	r->nsec = nsec;
	r->ttype = TIME_EVENT;
}

double
record_time_f64(const struct record *r)
{
	return (double)r->sec + r->nsec * 1e-9;
}

static int
meta_find(const struct record *r, const char *key, size_t klen)
{
	uint32_t i;

	for (i = 0; i < r->nmeta; i++)
		if (keyeq(&r->meta[i], key, klen))
			return (int)i;
	return -1;
}

int
record_meta_set(struct record *r, const char *key, const struct value *v)
{
	size_t klen = strlen(key);
	int i;

	if ((i = meta_find(r, key, klen)) == -1) {
		if (fields_grow(&r->meta, &r->meta_cap, r->nmeta + 1) == -1)
			return -1;
		i = (int)r->nmeta++;
		r->meta[i].key = key;
		r->meta[i].klen = (uint32_t)klen;
	}
	r->meta[i].v = *v;
	/* a field that stopped being well-formed must clear its member */
	if (klen <= 4)
		meta_reparse(r);
	return 0;
}

const struct value *
record_meta_get(const struct record *r, const char *key)
{
	int i;

	if ((i = meta_find(r, key, strlen(key))) == -1)
		return NULL;
	return &r->meta[i].v;
}

int
record_meta_del(struct record *r, const char *key)
{
	int i;

	if ((i = meta_find(r, key, strlen(key))) == -1)
		return -1;
	memmove(&r->meta[i], &r->meta[i + 1],
	    (r->nmeta - (uint32_t)i - 1) * sizeof(r->meta[0]));
	r->nmeta--;
	meta_reparse(r);
	return 0;
}

int
record_set_kind(struct record *r, enum kind k)
{
	const char *s = kind_name(k);
	struct value v = val_str(s, strlen(s));

	return record_meta_set(r, "kind", &v);
}

int
record_set_dev(struct record *r, const char *dev, size_t len)
{
	struct value v = val_str(dev, len);

	return record_meta_set(r, "dev", &v);
}

int
record_set_dev_copy(struct record *r, const char *dev, size_t len)
{
	const char *p;

	if ((p = record_strdup(r, dev, len)) == NULL)
		return -1;
	return record_set_dev(r, p, len);
}

int
record_set_seq(struct record *r, uint64_t seq)
{
	struct value v = val_u64(seq);

	return record_meta_set(r, "seq", &v);
}

int
record_add(struct record *r, const char *key, size_t klen,
    const struct value *v)
{
	struct field *f;

	if (r->nbody == r->body_cap &&
	    fields_grow(&r->body, &r->body_cap, r->nbody + 1) == -1)
		return -1;
	f = &r->body[r->nbody++];
	f->key = key;
	f->klen = (uint32_t)klen;
	f->v = *v;
	return 0;
}

int
record_add_f64(struct record *r, const char *key, double d)
{
	struct value v = val_f64(d);

	return record_add(r, key, strlen(key), &v);
}

int
record_add_i64(struct record *r, const char *key, int64_t i)
{
	struct value v = val_i64(i);

	return record_add(r, key, strlen(key), &v);
}

int
record_add_str(struct record *r, const char *key, const char *s, size_t len)
{
	struct value v = val_str(s, len);

	return record_add(r, key, strlen(key), &v);
}

int
record_set(struct record *r, const char *key, const struct value *v)
{
	size_t klen = strlen(key);
	int i;

	if ((i = record_find(r, key, klen, NULL)) == -1)
		return record_add(r, key, klen, v);
	r->body[i].v = *v;
	return 0;
}

int
record_set_f64(struct record *r, const char *key, double d)
{
	struct value v = val_f64(d);

	return record_set(r, key, &v);
}

void
record_del_at(struct record *r, uint32_t i)
{
	if (i >= r->nbody)
		return;
	memmove(&r->body[i], &r->body[i + 1],
	    (r->nbody - i - 1) * sizeof(r->body[0]));
	r->nbody--;
}

int
record_find(const struct record *r, const char *key, size_t klen,
    uint32_t *hint)
{
	uint32_t i;

	if (hint != NULL && *hint < r->nbody && keyeq(&r->body[*hint], key, klen))
		return (int)*hint;
	for (i = 0; i < r->nbody; i++)
		if (keyeq(&r->body[i], key, klen)) {
			if (hint != NULL)
				*hint = i;
			return (int)i;
		}
	return -1;
}

int
value_f64(const struct value *v, double *d)
{
	switch (v->type) {
	case VAL_F64:
	case VAL_F32:
		*d = v->f;
		return 0;
	case VAL_INT:
	case VAL_BOOL:
		*d = (double)v->i;
		return 0;
	case VAL_UINT:
		*d = (double)v->u;
		return 0;
	default:
		return -1;
	}
}

int
record_get_f64(const struct record *r, const char *key, double *d)
{
	int i;

	if ((i = record_find(r, key, strlen(key), NULL)) == -1)
		return -1;
	return value_f64(&r->body[i].v, d);
}

static size_t
value_bytes(const struct value *v)
{
	switch (v->type) {
	case VAL_STR:
	case VAL_BIN:
	case VAL_RAW:
		return v->len + 1;
	default:
		return 0;
	}
}

static int
copy_fields(struct record *dst, struct field *to, const struct field *from,
    uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		to[i] = from[i];
		if ((to[i].key = record_strdup(dst, from[i].key,
		    from[i].klen)) == NULL)
			return -1;
		if (value_bytes(&from[i].v) &&
		    (to[i].v.p = record_strdup(dst, from[i].v.p,
		    from[i].v.len)) == NULL)
			return -1;
	}
	return 0;
}

int
record_copy(struct record *dst, const struct record *src)
{
	size_t need = 0;
	uint32_t i;

	record_clear(dst);
	if (fields_grow(&dst->meta, &dst->meta_cap, src->nmeta) == -1 ||
	    fields_grow(&dst->body, &dst->body_cap, src->nbody) == -1)
		return -1;
	/* one block for everything: at most one allocation */
	for (i = 0; i < src->nmeta; i++)
		need += src->meta[i].klen + 1 + value_bytes(&src->meta[i].v);
	for (i = 0; i < src->nbody; i++)
		need += src->body[i].klen + 1 + value_bytes(&src->body[i].v);
	if (need > 0) {
		if (arena_alloc(&dst->arena, need) == NULL)
			return -1;
		record_clear_arena_keep(dst);
	}
	dst->sec = src->sec;
	dst->nsec = src->nsec;
	dst->ttype = src->ttype;
	dst->legacy = src->legacy;
	if (copy_fields(dst, dst->meta, src->meta, src->nmeta) == -1 ||
	    copy_fields(dst, dst->body, src->body, src->nbody) == -1)
		return -1;
	dst->nmeta = src->nmeta;
	dst->nbody = src->nbody;
	meta_reparse(dst);
	return 0;
}

/* Forget what the arena holds but keep its blocks (after a reservation). */
void
record_clear_arena_keep(struct record *r)
{
	struct arena_block *b;

	for (b = r->arena.head; b != NULL; b = b->next)
		b->len = 0;
	r->arena.cur = r->arena.head;
}

struct value
val_f64(double d)
{
	struct value v = { .type = VAL_F64, .len = 0, .f = d };

	return v;
}

struct value
val_i64(int64_t i)
{
	struct value v = { .type = VAL_INT, .len = 0, .i = i };

	return v;
}

struct value
val_u64(uint64_t u)
{
	struct value v = { .type = VAL_UINT, .len = 0, .u = u };

	if (u <= INT64_MAX) {
		v.type = VAL_INT;
		v.i = (int64_t)u;
	}
	return v;
}

struct value
val_str(const char *s, size_t len)
{
	struct value v = { .type = VAL_STR, .len = (uint32_t)len, .p = s };

	return v;
}

struct value
val_bool(int b)
{
	struct value v = { .type = VAL_BOOL, .len = 0, .i = b != 0 };

	return v;
}

struct value
val_nil(void)
{
	struct value v = { .type = VAL_NIL, .len = 0, .i = 0 };

	return v;
}

struct value
val_time(int64_t sec, uint32_t nsec)
{
	struct value v = { .type = VAL_TIME, .len = nsec, .i = sec };

	return v;
}

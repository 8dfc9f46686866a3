/*
 * tmpl -- building templates (tmpl.h): each tmpl_add_*() encodes one item
 * with the writers the hot path uses, so a template holds the same bytes
 * a frame written item by item would.  The marks are kept one longer than
 * their count, the last always the end of the bytes, so that tmpl_piece()
 * finds the end of the last piece without a test.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

/* Room for n more bytes and one more mark. */
static int
room(struct tmpl *t, size_t n)
{
	uint32_t *m, cap;

	if (t->b.len + n > UINT32_MAX) {
		errno = ENOMEM;
		return -1;
	}
	if (t->nmark + 2 > t->markcap) {
		cap = t->markcap ? 2 * t->markcap : 8;
		if ((m = realloc(t->mark, cap * sizeof(*m))) == NULL)
			return -1;
		t->mark = m;
		t->markcap = cap;
	}
	return buf_reserve(&t->b, n > 0 ? n : 1);	/* b.p never NULL */
}

/* The bytes written up to o are t's now. */
static int
done(struct tmpl *t, const char *o)
{
	t->b.len = (size_t)(o - t->b.p);
	t->mark[t->nmark] = (uint32_t)t->b.len;
	return 0;
}

int
tmpl_add(struct tmpl *t, const void *p, size_t n)
{
	if (room(t, n) == -1)
		return -1;
	if (n > 0)
		memcpy(t->b.p + t->b.len, p, n);
	return done(t, t->b.p + t->b.len + n);
}

int
tmpl_add_map(struct tmpl *t, uint32_t n)
{
	if (room(t, TMPL_SCALAR_MAX) == -1)
		return -1;
	return done(t, tmpl_put_map(t->b.p + t->b.len, n));
}

int
tmpl_add_array(struct tmpl *t, uint32_t n)
{
	if (room(t, TMPL_SCALAR_MAX) == -1)
		return -1;
	return done(t, tmpl_put_array(t->b.p + t->b.len, n));
}

int
tmpl_add_str(struct tmpl *t, const char *s, size_t n)
{
	if (n > UINT32_MAX || room(t, TMPL_SCALAR_MAX + n) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return done(t, tmpl_put_str(t->b.p + t->b.len, s, n));
}

int
tmpl_add_uint(struct tmpl *t, uint64_t u)
{
	if (room(t, TMPL_SCALAR_MAX) == -1)
		return -1;
	return done(t, tmpl_put_uint(t->b.p + t->b.len, u));
}

int
tmpl_add_f64(struct tmpl *t)
{
	if (room(t, TMPL_SCALAR_MAX) == -1)
		return -1;
	t->mark[t->nmark++] = (uint32_t)t->b.len + 1;
	return done(t, tmpl_put_f64(t->b.p + t->b.len, 0.0));
}

int
tmpl_mark(struct tmpl *t)
{
	if (room(t, 0) == -1)
		return -1;
	t->mark[t->nmark++] = (uint32_t)t->b.len;
	t->mark[t->nmark] = (uint32_t)t->b.len;
	return 0;
}

void
tmpl_reset(struct tmpl *t)
{
	buf_reset(&t->b);
	t->nmark = 0;
	if (t->mark != NULL)
		t->mark[0] = 0;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	buf_free(&t->b);
	free(t->mark);
	memset(t, 0, sizeof(*t));
}

/*
 * test_schema_rules -- validate's rule engine (filters/validate/rules.c)
 * through its API, frames in and emitted frames collected: the lookahead of
 * "fill linear N" stays bounded on a long run of NaN and fills by the rule;
 * the sliding variance window flags exactly where a direct two-pass
 * variance is under the floor; gap fill adds the right frames; and the
 * accounting equation holds after every frame of a random stream.  The
 * expected values are computed here, directly from the rules' definitions.
 */
// link: filters/validate/schema.c filters/validate/rules.c
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"
#include "validate/rules.h"
#include "validate/schema.h"

#define NS	1000000000LL

struct got {
	struct record	**r;
	int		 *what;
	size_t		  n, cap;
};

static int
collect(void *arg, enum emit what, const struct record *r)
{
	struct got *g = arg;

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->r = realloc(g->r, g->cap * sizeof(*g->r));
		g->what = realloc(g->what, g->cap * sizeof(*g->what));
		assert_non_null(g->r);
		assert_non_null(g->what);
	}
	g->r[g->n] = record_new();
	assert_non_null(g->r[g->n]);
	assert_int_equal(record_copy(g->r[g->n], r), 0);
	g->what[g->n++] = what;
	return 0;
}

static void
got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		record_free(&g->r[i]);
	free(g->r);
	free(g->what);
	memset(g, 0, sizeof(*g));
}

static struct schema *
schema(const char *text)
{
	struct schema *s;
	char err[256];

	s = schema_parse(text, strlen(text), "t.schema", err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	return s;
}

/* One frame of device dev at t seconds with channel x = v. */
static void
frame(struct vstate *vs, struct record *r, const char *dev, double t,
    double v)
{
	record_clear(r);
	record_set_time(r, (int64_t)floor(t), (uint32_t)((t - floor(t)) * 1e9));
	assert_int_equal(record_set_dev(r, dev, strlen(dev)), 0);
	assert_int_equal(record_add_f64(r, "x", v), 0);
	assert_int_equal(vstate_frame(vs, r), 0);
}

static double
xof(const struct record *r)
{
	double v;

	assert_int_equal(record_get_f64(r, "x", &v), 0);
	return v;
}

static const char *
meta_str(const struct record *r, const char *key, char *buf, size_t size)
{
	const struct value *v = record_meta_get(r, key);

	if (v == NULL || v->type != VAL_STR)
		return NULL;
	snprintf(buf, size, "%.*s", (int)v->len, v->p);
	return buf;
}

static void
check_equation(const struct vstate *vs)
{
	const struct vcount *c = vstate_count(vs);

	if (c->in + c->filled + c->events != c->out + c->rejected +
	    c->dropped + vstate_held(vs))
		fail_msg("in=%llu (+ filled + events) out=%llu rejected=%llu "
		    "dropped=%llu held=%llu", (unsigned long long)c->in,
		    (unsigned long long)c->out,
		    (unsigned long long)c->rejected,
		    (unsigned long long)c->dropped,
		    (unsigned long long)vstate_held(vs));
}

/*
 * x = i at t = i s, NaN for i = 5..14.  With "fill linear 3" a hole is
 * linear if the next good value (i = 15) comes within 3 frames, else it
 * takes the last value (4); at most N + 1 frames are ever held.
 */
static void
test_linear_bound(void **state)
{
	struct schema *s = schema("[channel x]\nnan fill linear 3\n");
	struct got g = { 0 };
	struct vstate *vs;
	struct record *r = record_new();
	char buf[64];
	double want;
	int i;

	(void)state;
	vs = vstate_new(s, collect, &g);
	assert_non_null(vs);
	for (i = 0; i < 30; i++) {
		frame(vs, r, "d", i, i >= 5 && i <= 14 ? NAN : i);
		if (vstate_held(vs) > 4)
			fail_msg("frame %d: %llu frames held", i,
			    (unsigned long long)vstate_held(vs));
		check_equation(vs);
	}
	assert_int_equal(vstate_finish(vs), 0);
	check_equation(vs);
	assert_int_equal(g.n, 30);
	for (i = 0; i < 30; i++) {
		assert_int_equal(g.what[i], EMIT_OUT);
		assert_true(g.r[i]->sec == i);
		want = i < 5 || i > 14 ? i : 15 - i <= 3 ? 4 + (15.0 - 4) *
		    (i - 4) / (15 - 4) : 4;
		if (fabs(xof(g.r[i]) - want) > 1e-12)
			fail_msg("frame %d: x = %.17g, expected %.17g", i,
			    xof(g.r[i]), want);
		if (i >= 5 && i <= 14)
			assert_string_equal(meta_str(g.r[i], "fixed", buf,
			    sizeof(buf)), "nan:x");
		else
			assert_null(record_meta_get(g.r[i], "fixed"));
	}
	vstate_free(&vs);
	assert_null(vs);
	schema_free(&s);
	record_free(&r);
	got_free(&g);
}

/* A hole at the end of input takes the last value; a hole with no value
 * before it cannot be filled: rejected. */
static void
test_fill_edges(void **state)
{
	struct schema *s = schema("[channel x]\nnan fill linear 5\n"
	    "range 0 10 fill\n");
	struct got g = { 0 };
	struct vstate *vs;
	struct record *r = record_new();

	(void)state;
	vs = vstate_new(s, collect, &g);
	frame(vs, r, "d", 0, NAN);	/* nothing to fill from */
	frame(vs, r, "d", 1, 20);	/* out of range, nothing to fill from */
	frame(vs, r, "d", 2, 3);
	frame(vs, r, "d", 3, 30);	/* range fill: last (3) */
	frame(vs, r, "d", 4, NAN);	/* waits; input ends */
	assert_int_equal(vstate_held(vs), 1);
	assert_int_equal(vstate_finish(vs), 0);
	check_equation(vs);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.what[0], EMIT_REJECT);
	assert_int_equal(g.what[1], EMIT_REJECT);
	assert_int_equal(g.what[2], EMIT_OUT);
	assert_true(xof(g.r[3]) == 3 && xof(g.r[4]) == 3);
	assert_int_equal(vstate_count(vs)->rejected, 2);
	vstate_free(&vs);
	schema_free(&s);
	record_free(&r);
	got_free(&g);
}

/*
 * The window's variance against a direct two-pass one over the same 16
 * values, on a stream that turns flat and lively in turns, long enough for
 * the exact recomputation every N values to matter.
 */
static void
test_flat_window(void **state)
{
	enum { N = 16, LEN = 6000 };
	const double floor_ = 1e-3;
	struct schema *s = schema("[channel x]\nflat 16 1e-3 flag\n");
	struct got g = { 0 };
	struct vstate *vs;
	struct record *r = record_new();
	double *x = malloc(LEN * sizeof(double)), m, v, d;
	char buf[64];
	int i, j, flagged, want, nflag = 0, nwant = 0, near = 0;
	unsigned seed = 12345;

	(void)state;
	assert_non_null(x);
	for (i = 0; i < LEN; i++) {
		seed = seed * 1103515245u + 12345u;
		d = ((seed >> 8) & 0xffff) / 65536.0 - 0.5;
		/* 1000 + noise of amplitude 0.5 or 0.01, in stretches */
		x[i] = 1000 + ((i / 300) % 2 ? 0.01 : 0.5) * d;
	}
	vs = vstate_new(s, collect, &g);
	for (i = 0; i < LEN; i++)
		frame(vs, r, "d", i, x[i]);
	assert_int_equal(vstate_finish(vs), 0);
	assert_int_equal(g.n, LEN);
	for (i = 0; i < LEN; i++) {
		flagged = meta_str(g.r[i], "flags", buf, sizeof(buf)) != NULL;
		if (flagged)
			assert_string_equal(buf, "flat:x");
		want = 0;
		if (i >= N - 1) {
			for (m = 0, j = i - N + 1; j <= i; j++)
				m += x[j];
			m /= N;
			for (v = 0, j = i - N + 1; j <= i; j++)
				v += (x[j] - m) * (x[j] - m);
			v /= N;
			want = v < floor_;
			if (fabs(v - floor_) < 1e-9)
				near++;		/* either answer is right */
			else if (flagged != want)
				fail_msg("frame %d: flagged %d, variance %.17g",
				    i, flagged, v);
		}
		nflag += flagged;
		nwant += want;
	}
	assert_int_equal(near, 0);
	assert_int_equal(nflag, nwant);
	assert_true(nwant > 2000 && nwant < 4000);	/* both regimes seen */
	vstate_free(&vs);
	schema_free(&s);
	record_free(&r);
	free(x);
	got_free(&g);
}

/* rate 10 s; a gap of 40 s holds 3 missing frames (filled, linear), one
 * of 150 s holds 14 (> 5: an event instead), one of 60 s exactly 5. */
static void
test_gap_fill(void **state)
{
	struct schema *s = schema("[device]\nrate 10s 0 flag\n"
	    "gap 15s fill 5\n[channel x]\n");
	struct got g = { 0 };
	struct vstate *vs;
	struct record *r = record_new();
	const struct value *v;
	char buf[64];
	int i;

	(void)state;
	vs = vstate_new(s, collect, &g);
	frame(vs, r, "d", 0, 0);
	frame(vs, r, "d", 10, 1);
	frame(vs, r, "d", 50, 5);
	frame(vs, r, "d", 200, 0);
	frame(vs, r, "d", 260, 6);
	assert_int_equal(vstate_finish(vs), 0);
	check_equation(vs);
	assert_int_equal(g.n, 2 + 3 + 1 + 1 + 1 + 5 + 1);
	for (i = 2; i < 5; i++) {
		assert_int_equal(g.what[i], EMIT_FILLED);
		assert_true(g.r[i]->sec == 10 * i && g.r[i]->nsec == 0);
		assert_true(fabs(xof(g.r[i]) - i) < 1e-12);
		assert_string_equal(meta_str(g.r[i], "fixed", buf,
		    sizeof(buf)), "gap");
		assert_string_equal(meta_str(g.r[i], "dev", buf, sizeof(buf)),
		    "d");
	}
	assert_int_equal(g.what[5], EMIT_OUT);
	assert_true(g.r[5]->sec == 50);
	assert_int_equal(g.what[6], EMIT_EVENT);
	assert_int_equal(g.r[6]->kind, KIND_EVENT);
	assert_true(g.r[6]->sec == 50);
	v = &g.r[6]->body[record_find(g.r[6], "seconds", 7, NULL)].v;
	assert_true(v->type == VAL_F64 && v->f == 150);
	assert_int_equal(g.what[7], EMIT_OUT);
	for (i = 8; i < 13; i++) {
		assert_int_equal(g.what[i], EMIT_FILLED);
		assert_true(g.r[i]->sec == 200 + 10 * (i - 7));
		assert_true(fabs(xof(g.r[i]) - (i - 7)) < 1e-12);
	}
	assert_int_equal(g.what[13], EMIT_OUT);
	assert_int_equal(vstate_count(vs)->filled, 8);
	assert_int_equal(vstate_count(vs)->events, 1);
	assert_int_equal(vstate_count(vs)->out, 5 + 8 + 1);	/* read, filled, event */
	vstate_free(&vs);
	schema_free(&s);
	record_free(&r);
	got_free(&g);
}

/*
 * Many devices, random times and values with faults of every kind: after
 * every frame in = out + rejected + dropped + held, and per device the
 * time of each sample passed on never goes back.
 */
static void
test_accounting_random(void **state)
{
	enum { DEVS = 50, FRAMES = 20000 };
	struct schema *s = schema(
	    "[device]\norder reject\nduplicate drop\nrate 1s 10% flag\n"
	    "gap 5s event\nunknown drop\n"
	    "[channel x]\nrequired fill linear 2\nrange -5 5 clamp\n"
	    "nan fill linear 3\ninf reject\nstep 3 fill\nstuck 4 flag\n"
	    "flat 8 1e-6 drop\n"
	    "[channel y]\nnan drop\ninf fill\nslope 2 clamp\n");
	struct got g = { 0 };
	struct vstate *vs;
	struct record *r = record_new();
	int64_t last[DEVS], t;
	char dev[16];
	unsigned seed = 7;
	size_t i, k;
	int d, u;
	double x;

	(void)state;
	vs = vstate_new(s, collect, &g);
	for (d = 0; d < DEVS; d++)
		last[d] = 1000 * NS;
	for (i = 0; i < FRAMES; i++) {
		seed = seed * 1103515245u + 12345u;
		d = (seed >> 16) % DEVS;
		u = (seed >> 4) % 100;
		snprintf(dev, sizeof(dev), "dev%d", d);
		t = last[d] + (u < 3 ? -2 * NS : u < 6 ? 0 : u < 9 ? 9 * NS :
		    NS);
		last[d] = t;
		x = ((seed >> 8) % 1000) / 100.0 - 5;
		record_clear(r);
		record_set_time(r, t / NS, (uint32_t)(t % NS));
		record_set_dev(r, dev, strlen(dev));
		if (u % 7 != 0)
			record_add_f64(r, "x", u % 11 == 0 ? NAN : u % 13 == 0 ?
			    INFINITY : u % 17 == 0 ? 50 : u % 19 == 0 ? 1 : x);
		record_add_f64(r, "y", u % 23 == 0 ? NAN : u % 29 == 0 ?
		    -INFINITY : x);
		if (u % 31 == 0)
			record_add_f64(r, "z", 1);
		assert_int_equal(vstate_frame(vs, r), 0);
		check_equation(vs);
	}
	assert_int_equal(vstate_finish(vs), 0);
	check_equation(vs);
	assert_int_equal(vstate_held(vs), 0);
	assert_true(vstate_count(vs)->rejected > 100);
	assert_true(vstate_count(vs)->dropped > 100);
	assert_true(vstate_count(vs)->events > 100);
	assert_int_equal(vstate_devices(vs), DEVS);
	/* samples of each device leave in time order; none holds z or a
	 * value outside the clamp, and no NaN is left */
	for (d = 0; d < DEVS; d++)
		last[d] = INT64_MIN;
	for (k = 0; k < g.n; k++) {
		struct record *o = g.r[k];

		if (g.what[k] != EMIT_OUT)
			continue;
		d = atoi(o->dev + 3);
		t = o->sec * NS + o->nsec;
		assert_true(t > last[d]);
		last[d] = t;
		assert_int_equal(record_find(o, "z", 1, NULL), -1);
		x = xof(o);
		assert_true(x >= -5 && x <= 5);
	}
	assert_true(vstate_device_bytes(vs) > DEVS * 100);
	vstate_free(&vs);
	schema_free(&s);
	record_free(&r);
	got_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear_bound),
		cmocka_unit_test(test_fill_edges),
		cmocka_unit_test(test_flat_window),
		cmocka_unit_test(test_gap_fill),
		cmocka_unit_test(test_accounting_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

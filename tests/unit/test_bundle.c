/*
 * Unit tests for libstream/bundle.c: a bundle written and read back gives
 * every field as written (unsigned and signed); each refusal the loader
 * promises happens with its reason (truncated at every length, one flipped
 * byte anywhere, another key, unsigned under a required key, NaN and
 * infinite weights, a newer container or body version, shapes that do not
 * fit the kind), with the file's name in the message; writing refuses what
 * loading would; bundle_section() and bundle_sniff(); profile fitting
 * against quantiles, frequencies and moments worked by hand.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "bundle.h"

static char dir[64];
static char err[512];

static const char *
tpath(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) & 3;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_bundle.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* A logistic model on 3 features with everything filled in. */
static struct bundle *
sample_bundle(void)
{
	static const char *const feat[] = { "rms", "kurtosis", "crest" };
	static const char *const labels[] = { "normal", "fault" };
	static const double coef[] = { 0.5, -1.25, 1.2345678901234567 };
	static const double icpt[] = { -0.75 };
	static const uint32_t s2[] = { 1, 3 }, s1[] = { 1 };
	double x[100];
	struct bundle *b;
	int i;

	assert_non_null(b = bundle_new());
	assert_int_equal(bundle_set_str(&b->name, "cwru-fault"), 0);
	assert_int_equal(bundle_set_str(&b->version, "7"), 0);
	assert_int_equal(bundle_set_str(&b->parent, "6"), 0);
	b->created = 1764687600;
	assert_int_equal(bundle_set_str(&b->data_digest, "abc123"), 0);
	b->rows_train = 700;
	b->rows_val = 150;
	b->rows_test = 150;
	assert_int_equal(bundle_set_str(&b->schema, "version 1\nfield x\n"),
	    0);
	assert_int_equal(bundle_set_str(&b->params, "version 1\n"), 0);
	assert_int_equal(bundle_set_str(&b->window, "-w 1024 -s 512\n"), 0);
	assert_int_equal(bundle_set_features(b, 3, feat), 0);
	assert_int_equal(bundle_set_str(&b->kind, "logistic"), 0);
	assert_int_equal(bundle_set_hyper(b, "C", 1.0, NULL), 0);
	assert_int_equal(bundle_set_hyper(b, "solver", 0, "lbfgs"), 0);
	b->scale_mean = calloc(3, sizeof(double));
	b->scale_scale = calloc(3, sizeof(double));
	for (i = 0; i < 3; i++) {
		b->scale_mean[i] = i * 0.1;
		b->scale_scale[i] = 1 + i;
	}
	assert_int_equal(bundle_set_array(b, "coef", 2, s2, coef), 0);
	assert_int_equal(bundle_set_array(b, "intercept", 1, s1, icpt), 0);
	assert_int_equal(bundle_set_labels(b, 2, labels), 0);
	b->has_threshold = 1;
	b->threshold = 0.5;
	b->anomaly_below = 1;
	assert_int_equal(bundle_set_str(&b->score_name, "p1"), 0);
	assert_int_equal(bundle_set_metric(b, "accuracy", 0.96), 0);
	assert_int_equal(bundle_set_metric(b, "f1_macro", 0.955), 0);
	b->nconfusion = 2;
	b->confusion = calloc(4, sizeof(uint64_t));
	b->confusion[0] = 70; b->confusion[1] = 3;
	b->confusion[2] = 3; b->confusion[3] = 74;
	b->prof = calloc(3, sizeof(*b->prof));
	for (i = 0; i < 100; i++)
		x[i] = i * 0.5;
	assert_int_equal(bundle_prof_fit(&b->prof[0], x, 100, 10, 20, 1), 0);
	assert_int_equal(bundle_prof_fit(&b->prof[2], x, 50, 4, 1000, 2), 0);
	b->score_prof = calloc(1, sizeof(*b->score_prof));
	assert_int_equal(bundle_prof_fit(b->score_prof, x, 10, 5, 3, 3), 0);
	return b;
}

static void
same_prof(const struct bundle_prof *a, const struct bundle_prof *b)
{
	uint32_t i;

	assert_int_equal(a->count, b->count);
	assert_true(a->mean == b->mean && a->std == b->std);
	assert_true(a->min == b->min && a->max == b->max);
	assert_int_equal(a->nbins, b->nbins);
	assert_int_equal(a->nsample, b->nsample);
	for (i = 0; i < a->nbins; i++)
		assert_true(a->freq[i] == b->freq[i]);
	for (i = 0; i <= a->nbins && a->nbins; i++)
		assert_true(a->edges[i] == b->edges[i]);
	for (i = 0; i < a->nsample; i++)
		assert_true(a->sample[i] == b->sample[i]);
}

static void
same(const struct bundle *a, const struct bundle *b)
{
	uint32_t i;
	size_t k;

	assert_string_equal(a->name, b->name);
	assert_string_equal(a->version, b->version);
	assert_string_equal(a->parent, b->parent);
	assert_int_equal(a->created, b->created);
	assert_string_equal(a->data_digest, b->data_digest);
	assert_int_equal(a->rows_train, b->rows_train);
	assert_int_equal(a->rows_val, b->rows_val);
	assert_int_equal(a->rows_test, b->rows_test);
	assert_string_equal(a->schema, b->schema);
	assert_string_equal(a->params, b->params);
	assert_string_equal(a->window, b->window);
	assert_int_equal(a->nfeat, b->nfeat);
	for (i = 0; i < a->nfeat; i++)
		assert_string_equal(a->feat[i], b->feat[i]);
	assert_string_equal(a->kind, b->kind);
	assert_int_equal(a->nhyper, b->nhyper);
	assert_true(bundle_hyper(b, "C", -1) == 1.0);
	assert_string_equal(bundle_hyper_str(b, "solver"), "lbfgs");
	assert_true(bundle_hyper(b, "solver", -1) == -1);
	assert_true(bundle_hyper(b, "absent", 42) == 42);
	for (i = 0; i < a->nfeat; i++) {
		assert_true(a->scale_mean[i] == b->scale_mean[i]);
		assert_true(a->scale_scale[i] == b->scale_scale[i]);
	}
	assert_int_equal(a->narr, b->narr);
	for (i = 0; i < a->narr; i++) {
		const struct bundle_array *x = &a->arr[i],
		    *y = bundle_array(b, a->arr[i].name);

		assert_non_null(y);
		assert_int_equal(x->ndim, y->ndim);
		assert_memory_equal(x->shape, y->shape, sizeof(x->shape));
		assert_int_equal(x->n, y->n);
		for (k = 0; k < x->n; k++)
			assert_true(x->data[k] == y->data[k]);
	}
	assert_int_equal(a->nlabels, b->nlabels);
	for (i = 0; i < a->nlabels; i++)
		assert_string_equal(a->labels[i], b->labels[i]);
	assert_int_equal(a->has_threshold, b->has_threshold);
	assert_true(a->threshold == b->threshold);
	assert_int_equal(a->anomaly_below, b->anomaly_below);
	assert_string_equal(a->score_name, b->score_name);
	assert_int_equal(a->nmetrics, b->nmetrics);
	for (i = 0; i < a->nmetrics; i++) {
		assert_string_equal(a->metric_key[i], b->metric_key[i]);
		assert_true(a->metric_val[i] == b->metric_val[i]);
	}
	assert_int_equal(a->nconfusion, b->nconfusion);
	assert_memory_equal(a->confusion, b->confusion, 4 * sizeof(uint64_t));
	assert_non_null(b->prof);
	for (i = 0; i < a->nfeat; i++)
		same_prof(&a->prof[i], &b->prof[i]);
	same_prof(a->score_prof, b->score_prof);
	assert_memory_equal(a->sha256, b->sha256, 32);
}

static void
test_round_trip(void **state)
{
	struct bundle *a = sample_bundle(), *b;
	uint8_t pk[32], sk[64], pk2[32], sk2[64];

	(void)state;
	assert_int_equal(bundle_write(tpath("a.bundle"), a, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(a->is_signed, 0);
	b = bundle_load(tpath("a.bundle"), NULL, err, sizeof(err));
	assert_non_null(b);
	same(a, b);
	assert_int_equal(b->is_signed, 0);
	bundle_free(&b);
	assert_null(b);

	/* signed: loads with no key, with its key; not with another */
	assert_int_equal(bundle_keygen(pk, sk), 0);
	assert_int_equal(bundle_keygen(pk2, sk2), 0);
	assert_int_equal(bundle_write(tpath("s.bundle"), a, sk, err,
	    sizeof(err)), 0);
	assert_int_equal(a->is_signed, 1);
	assert_memory_equal(a->key, pk, 32);
	assert_non_null(b = bundle_load(tpath("s.bundle"), NULL, err,
	    sizeof(err)));
	same(a, b);
	assert_int_equal(b->is_signed, 1);
	assert_memory_equal(b->key, pk, 32);
	bundle_free(&b);
	assert_non_null(b = bundle_load(tpath("s.bundle"), pk, err,
	    sizeof(err)));
	bundle_free(&b);
	assert_null(bundle_load(tpath("s.bundle"), pk2, err, sizeof(err)));
	assert_non_null(strstr(err, "signed by another key"));
	assert_non_null(strstr(err, "s.bundle"));
	assert_null(bundle_load(tpath("a.bundle"), pk, err, sizeof(err)));
	assert_non_null(strstr(err, "unsigned"));

	/* resign: the same body, now under key 2; strip: unsigned again */
	assert_int_equal(bundle_resign(tpath("s.bundle"), tpath("r.bundle"),
	    sk2, err, sizeof(err)), 0);
	assert_non_null(b = bundle_load(tpath("r.bundle"), pk2, err,
	    sizeof(err)));
	same(a, b);
	bundle_free(&b);
	assert_int_equal(bundle_resign(tpath("r.bundle"), tpath("r.bundle"),
	    NULL, err, sizeof(err)), 0);
	assert_non_null(b = bundle_load(tpath("r.bundle"), NULL, err,
	    sizeof(err)));
	assert_int_equal(b->is_signed, 0);
	bundle_free(&b);
	bundle_free(&a);
}

/* The encoded bytes of the sample bundle, signed with sk if non-NULL. */
static uint8_t *
encoded(size_t *n, const uint8_t *sk)
{
	struct bundle *a = sample_bundle();
	uint8_t *p;

	assert_int_equal(bundle_encode(a, sk, &p, n, err, sizeof(err)), 0);
	bundle_free(&a);
	return p;
}

static uint8_t *
find(uint8_t *p, size_t n, const void *pat, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(p + i, pat, m) == 0)
			return p + i;
	return NULL;
}

/* Replace pat (must occur once, in the body) by rep and fix the digest. */
static void
patch(uint8_t *p, size_t n, const void *pat, const void *rep, size_t m)
{
	uint8_t *at, *sha, h[32], *body;
	size_t blen;

	assert_non_null(at = find(p, n, pat, m));
	assert_null(find(at + 1, n - (at + 1 - p), pat, m));
	/* body: after "body" c5 LL LL (or c6) */
	assert_non_null(body = find(p, n, "\xa4" "body", 5));
	body += 5;
	if (*body == 0xc5) {
		blen = (size_t)body[1] << 8 | body[2];
		body += 3;
	} else {
		assert_int_equal(*body, 0xc6);
		blen = (size_t)body[1] << 24 | (size_t)body[2] << 16 |
		    (size_t)body[3] << 8 | body[4];
		body += 5;
	}
	crypto_hash_sha256(h, body, blen);
	assert_non_null(sha = find(p, n, h, 32));
	memcpy(at, rep, m);
	crypto_hash_sha256(sha, body, blen);
}

static void
refused(const uint8_t *p, size_t n, const uint8_t *pk, const char *why)
{
	struct bundle *b;

	b = bundle_load_mem_named(p, n, "m.bundle", pk, err, sizeof(err));
	if (b != NULL)
		fail_msg("loaded, expected: %s", why);
	if (strstr(err, why) == NULL || strncmp(err, "m.bundle: ", 10) != 0)
		fail_msg("err \"%s\", expected \"%s\"", err, why);
}

static void
test_truncated(void **state)
{
	size_t n, k;
	uint8_t *p = encoded(&n, NULL);
	struct bundle *b;

	(void)state;
	for (k = 0; k < n; k++) {
		b = bundle_load_mem_named(p, k, "m.bundle", NULL, err,
		    sizeof(err));
		if (b != NULL)
			fail_msg("loaded a bundle cut to %zu of %zu bytes", k,
			    n);
		if (k >= 12 && strstr(err, "truncated") == NULL)
			fail_msg("cut to %zu: %s", k, err);
	}
	free(p);
}

static void
test_flipped(void **state)
{
	size_t n, k;
	uint8_t *p, pk[32], sk[64];
	struct bundle *b;

	(void)state;
	assert_int_equal(bundle_keygen(pk, sk), 0);
	p = encoded(&n, sk);
	assert_non_null(b = bundle_load_mem(p, n, pk, err, sizeof(err)));
	bundle_free(&b);
	/* every byte, one bit at a time: never loads under the key */
	for (k = 0; k < n; k++) {
		p[k] ^= 1u << (k & 7);
		b = bundle_load_mem(p, n, pk, err, sizeof(err));
		if (b != NULL)
			fail_msg("loaded with byte %zu of %zu flipped", k, n);
		p[k] ^= 1u << (k & 7);
	}
	/* a byte in the body: the digest says so */
	p[n / 2] ^= 0x10;
	refused(p, n, NULL, "digest mismatch");
	p[n / 2] ^= 0x10;
	/* the signature itself: bad signature */
	p[n - 40] ^= 1;
	refused(p, n, pk, "bad signature");
	refused(p, n, NULL, "bad signature");
	free(p);
}

static void
test_refusals(void **state)
{
	size_t n;
	uint8_t *p, pk[32], sk[64];
	double nan = NAN, inf = -INFINITY, w = 1.2345678901234567;
	uint8_t be_w[8], be_x[8];
	uint64_t u;
	int i;

	(void)state;
	assert_int_equal(bundle_keygen(pk, sk), 0);
	p = encoded(&n, NULL);
	refused(p, n, pk, "unsigned, and a signature is required");

	/* NaN and Inf weights, with a digest that matches */
	memcpy(&u, &w, 8);
	for (i = 0; i < 8; i++)
		be_w[i] = u >> (56 - 8 * i);
	memcpy(&u, &nan, 8);
	for (i = 0; i < 8; i++)
		be_x[i] = u >> (56 - 8 * i);
	patch(p, n, be_w, be_x, 8);
	refused(p, n, NULL, "weight coef[2] is nan");
	patch(p, n, be_x, be_w, 8);
	memcpy(&u, &inf, 8);
	for (i = 0; i < 8; i++)
		be_x[i] = u >> (56 - 8 * i);
	patch(p, n, be_w, be_x, 8);
	refused(p, n, NULL, "weight coef[2] is -inf");
	patch(p, n, be_x, be_w, 8);

	/* a newer body format */
	patch(p, n, "\xa6" "format\x01", "\xa6" "format\x02", 8);
	refused(p, n, NULL, "body format version 2 not known");
	patch(p, n, "\xa6" "format\x02", "\xa6" "format\x01", 8);

	/* shapes: coef [1, 3] as [3, 1] (same count, wrong for the kind) */
	patch(p, n, "\xa5shape\x92\x01\x03", "\xa5shape\x92\x03\x01", 9);
	refused(p, n, NULL, "shape mismatch: logistic coef is [3, 1]");
	patch(p, n, "\xa5shape\x92\x03\x01", "\xa5shape\x92\x01\x03", 9);
	/* a shape that does not hold its data */
	patch(p, n, "\xa5shape\x92\x01\x03", "\xa5shape\x92\x01\x04", 9);
	refused(p, n, NULL, "shape holds 4 values, data 3");
	patch(p, n, "\xa5shape\x92\x01\x04", "\xa5shape\x92\x01\x03", 9);
	/* an unknown kind */
	patch(p, n, "\xa8logistic", "\xa8logisti_", 9);
	refused(p, n, NULL, "model kind logisti_ not known");
	patch(p, n, "\xa8logisti_", "\xa8logistic", 9);

	/* the container version (not covered by the digest) */
	assert_int_equal(p[12], 1);
	p[12] = 2;
	refused(p, n, NULL, "container format version 2 not known");
	p[12] = 1;
	/* and the file still loads after all the patching back */
	{
		struct bundle *b = bundle_load_mem(p, n, NULL, err,
		    sizeof(err));

		assert_non_null(b);
		bundle_free(&b);
	}
	/* trailing bytes, not a bundle at all */
	{
		uint8_t *q = malloc(n + 1);

		memcpy(q, p, n);
		q[n] = 0xc0;
		refused(q, n + 1, NULL, "1 bytes after the bundle");
		free(q);
	}
	refused((const uint8_t *)"version 1\nfield x\n", 18, NULL,
	    "not a bundle");
	free(p);
}

static void
test_write_refuses(void **state)
{
	struct bundle *a;
	static const uint32_t s2[] = { 1, 4 }, s1[] = { 1 };
	static const double c4[] = { 1, 2, 3, 4 }, i1[] = { NAN };

	(void)state;
	a = sample_bundle();
	assert_int_equal(bundle_set_array(a, "coef", 2, s2, c4), 0);
	assert_int_equal(bundle_write(tpath("w.bundle"), a, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "shape mismatch"));
	assert_int_equal(access(tpath("w.bundle"), F_OK), -1);
	bundle_free(&a);

	a = sample_bundle();
	assert_int_equal(bundle_set_array(a, "intercept", 1, s1, i1), 0);
	assert_int_equal(bundle_write(tpath("w.bundle"), a, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "weight intercept[0] is nan"));
	bundle_free(&a);

	a = sample_bundle();
	a->scale_scale[1] = 0;
	assert_int_equal(bundle_write(tpath("w.bundle"), a, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "scaler scale of kurtosis"));
	bundle_free(&a);
}

/*
 * 20,000 features, each with its own profile: written, read back, each
 * profile under its feature (looked up by name when read); one name given
 * twice at the end is refused by name.
 */
static void
test_wide(void **state)
{
	enum { NF = 20000 };
	static char names[NF][8];
	static const char *feat[NF];
	static double coef[NF];
	uint32_t s2[] = { 1, NF }, i;
	struct bundle *a, *b;
	double x[3];
	uint8_t *p;
	size_t n;

	(void)state;
	a = sample_bundle();
	for (i = 0; i < NF; i++) {
		snprintf(names[i], sizeof(names[i]), "f%05u", i);
		feat[i] = names[i];
		coef[i] = i;
	}
	assert_int_equal(bundle_set_features(a, NF, feat), 0);
	assert_non_null(a->scale_mean = realloc(a->scale_mean, NF *
	    sizeof(double)));
	assert_non_null(a->scale_scale = realloc(a->scale_scale, NF *
	    sizeof(double)));
	assert_non_null(a->prof = calloc(NF, sizeof(*a->prof)));
	for (i = 0; i < NF; i++) {
		a->scale_mean[i] = 0;
		a->scale_scale[i] = 1;
		x[0] = i;
		x[1] = i + 1;
		x[2] = i + 2;
		assert_int_equal(bundle_prof_fit(&a->prof[i], x, 1 + i % 3, 2,
		    3, i), 0);
	}
	assert_int_equal(bundle_set_array(a, "coef", 2, s2, coef), 0);
	assert_int_equal(bundle_encode(a, NULL, &p, &n, err, sizeof(err)), 0);
	b = bundle_load_mem(p, n, NULL, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(b->nfeat, NF);
	assert_non_null(b->prof);
	for (i = 0; i < NF; i++) {
		assert_string_equal(b->feat[i], names[i]);
		assert_int_equal(b->prof[i].count, 1 + i % 3);
		assert_true(b->prof[i].min == i);
	}
	bundle_free(&b);
	free(p);

	snprintf(names[NF - 1], sizeof(names[NF - 1]), "f%05u", 3);
	assert_int_equal(bundle_set_features(a, NF, feat), 0);
	assert_int_equal(bundle_encode(a, NULL, &p, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "feature f00003 twice"));
	bundle_free(&a);
}

static void
test_section(void **state)
{
	struct bundle *a = sample_bundle();
	char *text;
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(bundle_write(tpath("sec.bundle"), a, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(bundle_section(tpath("sec.bundle"), "schema", &text,
	    &len, err, sizeof(err)), 1);
	assert_string_equal(text, "version 1\nfield x\n");
	assert_int_equal(len, 18);
	free(text);
	assert_int_equal(bundle_section(tpath("sec.bundle"), "window", &text,
	    &len, err, sizeof(err)), 1);
	assert_string_equal(text, "-w 1024 -s 512\n");
	free(text);
	bundle_set_str(&a->params, NULL);
	assert_int_equal(bundle_write(tpath("sec.bundle"), a, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(bundle_section(tpath("sec.bundle"), "params", &text,
	    &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has no params section"));
	assert_null(text);
	/* a text file is not a bundle: 0, the caller reads it itself */
	assert_non_null(f = fopen(tpath("schema.txt"), "w"));
	fputs("version 1\n", f);
	fclose(f);
	assert_int_equal(bundle_section(tpath("schema.txt"), "schema", &text,
	    &len, err, sizeof(err)), 0);
	assert_int_equal(bundle_section(tpath("absent"), "schema", &text,
	    &len, err, sizeof(err)), 0);
	bundle_free(&a);
}

/* Worked by hand: x = 1..10, 4 bins (numpy: np.quantile(x, [0, .25, .5,
 * .75, 1]) = 1, 3.25, 5.5, 7.75, 10). */
static void
test_prof(void **state)
{
	double x[12] = { 4, 1, 7, NAN, 2, 9, 10, 3, INFINITY, 5, 6, 8 };
	static const double edges[] = { 1, 3.25, 5.5, 7.75, 10 };
	static const double freq[] = { .3, .2, .2, .3 };
	struct bundle_prof p = { 0 }, q = { 0 };
	double y[5000], keep[1000];
	uint32_t i;
	int last;

	(void)state;
	assert_int_equal(bundle_prof_fit(&p, x, 12, 4, 1000, 7), 0);
	assert_int_equal(p.count, 10);
	assert_true(p.mean == 5.5);
	assert_true(fabs(p.std - sqrt(8.25)) < 1e-15);
	assert_true(p.min == 1 && p.max == 10);
	assert_int_equal(p.nbins, 4);
	for (i = 0; i < 5; i++)
		assert_true(fabs(p.edges[i] - edges[i]) < 1e-15);
	for (i = 0; i < 4; i++)
		assert_true(fabs(p.freq[i] - freq[i]) < 1e-15);
	/* fewer values than the sample: all of them, in order */
	assert_int_equal(p.nsample, 10);
	assert_true(p.sample[0] == 4 && p.sample[1] == 1 && p.sample[9] == 8);
	/* bins: outside values to the outer bins, the top edge closed */
	assert_int_equal(bundle_prof_bin(&p, -100), 0);
	assert_int_equal(bundle_prof_bin(&p, 3.25), 1);
	assert_int_equal(bundle_prof_bin(&p, 3.2), 0);
	assert_int_equal(bundle_prof_bin(&p, 10), 3);
	assert_int_equal(bundle_prof_bin(&p, 1e9), 3);
	assert_int_equal(bundle_prof_bin(&p, NAN), 4);
	bundle_prof_free(&p);

	/* a sample of 1000 of 5000: the same for the same seed, in training
	 * order, every value one of x's; another seed, another sample */
	for (i = 0; i < 5000; i++)
		y[i] = i;
	assert_int_equal(bundle_prof_fit(&p, y, 5000, 10, 1000, 42), 0);
	assert_int_equal(bundle_prof_fit(&q, y, 5000, 10, 1000, 42), 0);
	assert_int_equal(p.nsample, 1000);
	assert_memory_equal(p.sample, q.sample, 1000 * sizeof(double));
	memcpy(keep, p.sample, sizeof(keep));
	for (i = 1, last = -1; i < 1000; i++)
		assert_true(p.sample[i] > p.sample[i - 1]);
	(void)last;
	/* roughly uniform: the mean of the sample near 2500 (sd ~ 46) */
	{
		double m = 0;

		for (i = 0; i < 1000; i++)
			m += p.sample[i] / 1000;
		assert_true(fabs(m - 2499.5) < 300);
	}
	assert_int_equal(bundle_prof_fit(&q, y, 5000, 10, 1000, 43), 0);
	assert_true(memcmp(keep, q.sample, sizeof(keep)) != 0);
	for (i = 0; i < 10; i++)
		assert_true(fabs(p.freq[i] - 0.1) < 1e-12);
	bundle_prof_free(&p);
	bundle_prof_free(&q);

	/* repeated values: edges repeat; each value in the highest bin whose
	 * lower edge it reaches; freq still sums to 1 */
	{
		double z[] = { 0, 0, 0, 0, 0, 0, 0, 1, 1, 2 };
		double s = 0;

		assert_int_equal(bundle_prof_fit(&p, z, 10, 4, 5, 1), 0);
		/* np.quantile(z, [0, .25, .5, .75, 1]) = 0, 0, 0, 0.75, 2 */
		assert_true(p.edges[2] == 0 && p.edges[3] == 0.75);
		assert_int_equal(bundle_prof_bin(&p, 0), 2);
		assert_true(p.freq[2] == 0.7 && p.freq[0] == 0);
		for (i = 0; i < 4; i++)
			s += p.freq[i];
		assert_true(fabs(s - 1) < 1e-15);
		bundle_prof_free(&p);
	}
	assert_int_equal(bundle_prof_fit(&p, x, 3, 0, 5, 1), -1);
}

static void
test_keys(void **state)
{
	uint8_t pk[32], sk[64], pk2[32], sk2[64], d[32];
	FILE *f;

	(void)state;
	assert_int_equal(bundle_keygen(pk, sk), 0);
	bundle_sk_to_pk(sk, d);
	assert_memory_equal(pk, d, 32);
	assert_int_equal(bundle_key_write(tpath("k.pub"), pk, 32, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(bundle_key_write(tpath("k.sec"), sk, 64, 1, err,
	    sizeof(err)), 0);
	assert_int_equal(bundle_key_read(tpath("k.pub"), pk2, 32, err,
	    sizeof(err)), 0);
	assert_int_equal(bundle_key_read(tpath("k.sec"), sk2, 64, err,
	    sizeof(err)), 0);
	assert_memory_equal(pk, pk2, 32);
	assert_memory_equal(sk, sk2, 64);
	/* a secret key is not a public key, nor is junk */
	assert_int_equal(bundle_key_read(tpath("k.sec"), pk2, 32, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "k.sec: 128 characters"));
	assert_non_null(f = fopen(tpath("bad.pub"), "w"));
	fprintf(f, "%064d\n", 0);
	fclose(f);
	assert_int_equal(bundle_key_read(tpath("bad.pub"), pk2, 32, err,
	    sizeof(err)), 0);
	assert_non_null(f = fopen(tpath("bad.pub"), "w"));
	fprintf(f, "zz%062d\n", 0);
	fclose(f);
	assert_int_equal(bundle_key_read(tpath("bad.pub"), pk2, 32, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not hex"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flipped),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_write_refuses),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_section),
		cmocka_unit_test(test_prof),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

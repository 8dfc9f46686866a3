/*
 * data -- the table of labelled rows train reads from the frames, the
 * remaining useful life derived per device, and the splits.
 *
 * Overlapping windows of one device are never split at random: a random
 * split would put nearly the same window in training and test.  The time
 * split cuts each device's rows in time order and drops `purge` rows at
 * each cut (one window by default, so that no window of one part overlaps a
 * window of the next); the group split keeps whole groups together.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

const char *const part_name[4] = { "train", "validation", "test",
	"purged" };

int64_t
strtab_find(const struct strtab *t, const char *s, size_t len)
{
	uint32_t i;

	if (t->n > 0 && t->last < t->n && strlen(t->s[t->last]) == len &&
	    memcmp(t->s[t->last], s, len) == 0)
		return t->last;
	for (i = 0; i < t->n; i++)
		if (strlen(t->s[i]) == len && memcmp(t->s[i], s, len) == 0)
			return i;
	return -1;
}

int64_t
strtab_get(struct strtab *t, const char *s, size_t len)
{
	int64_t i;
	char **ns;

	if ((i = strtab_find(t, s, len)) >= 0) {
		t->last = (uint32_t)i;
		return i;
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? 2 * t->cap : 16;

		if ((ns = realloc(t->s, cap * sizeof(char *))) == NULL)
			return -1;
		t->s = ns;
		t->cap = cap;
	}
	if ((t->s[t->n] = strndup(s, len)) == NULL)
		return -1;
	t->last = t->n;
	return t->n++;
}

void
strtab_free(struct strtab *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

#define GROW(p, cap)	do {						\
	void *np_ = realloc((p), (cap) * sizeof(*(p)));			\
	if (np_ == NULL)						\
		return -1;						\
	(p) = np_;							\
} while (0)

int
data_add(struct data *d, const double *x, double t, uint32_t dev,
    uint32_t grp, uint32_t lab, double y)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 1024;

		GROW(d->X, cap * (d->p ? d->p : 1));
		GROW(d->t, cap);
		GROW(d->dev, cap);
		GROW(d->grp, cap);
		GROW(d->lab, cap);
		GROW(d->y, cap);
		GROW(d->part, cap);
		d->cap = cap;
	}
	memcpy(d->X + d->n * d->p, x, d->p * sizeof(double));
	d->t[d->n] = t;
	d->dev[d->n] = dev;
	d->grp[d->n] = grp;
	d->lab[d->n] = lab;
	d->y[d->n] = y;
	d->part[d->n] = PART_NONE;
	d->n++;
	return 0;
}

void
data_free(struct data *d)
{
	size_t j;

	for (j = 0; j < d->p; j++)
		free(d->feat[j]);
	free(d->feat);
	free(d->X);
	free(d->t);
	free(d->dev);
	free(d->grp);
	free(d->lab);
	free(d->y);
	free(d->part);
	strtab_free(&d->devs);
	strtab_free(&d->grps);
	strtab_free(&d->labs);
	memset(d, 0, sizeof(*d));
}

/* Rows of device k in time order (stable: input order among equal times):
 * ord[0..*m).  Caller gives ord of n entries. */
static const struct data *sort_d;

static int
tcmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_d->t[i] != sort_d->t[j])
		return sort_d->t[i] < sort_d->t[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

static size_t
dev_rows(const struct data *d, uint32_t k, size_t *ord)
{
	size_t i, m = 0;

	for (i = 0; i < d->n; i++)
		if (d->dev[i] == k)
			ord[m++] = i;
	sort_d = d;
	qsort(ord, m, sizeof(size_t), tcmp);
	return m;
}

void
data_rul(struct data *d, int seconds, const double *off, double cap)
{
	size_t *ord, m, i;
	uint32_t k;

	if ((ord = malloc((d->n ? d->n : 1) * sizeof(size_t))) == NULL)
		return;
	for (k = 0; k < d->devs.n; k++) {
		m = dev_rows(d, k, ord);
		for (i = 0; i < m; i++) {
			double r = seconds ? d->t[ord[m - 1]] - d->t[ord[i]] :
			    (double)(m - 1 - i);

			if (off != NULL)
				r += off[k];
			if (cap > 0 && r > cap)
				r = cap;
			d->y[ord[i]] = r;
		}
	}
	free(ord);
}

int
data_split_time(struct data *d, double val, double test, size_t purge)
{
	size_t *ord, m, i, ntr, nva, ntrain = 0, at;
	uint32_t k;

	if ((ord = malloc((d->n ? d->n : 1) * sizeof(size_t))) == NULL)
		return -1;
	for (k = 0; k < d->devs.n; k++) {
		m = dev_rows(d, k, ord);
		nva = (size_t)llround((double)m * val);
		ntr = m - nva - (size_t)llround((double)m * test);
		for (i = 0; i < m; i++) {
			if (i < ntr)
				d->part[ord[i]] = PART_TRAIN;
			else if (i < ntr + nva)
				d->part[ord[i]] = PART_VAL;
			else
				d->part[ord[i]] = PART_TEST;
		}
		/* purge the first rows after each cut */
		for (i = 1; i < m; i++) {
			if (d->part[ord[i]] == d->part[ord[i - 1]] ||
			    d->part[ord[i - 1]] == PART_PURGED)
				continue;
			for (at = i; at < i + purge && at < m; at++)
				d->part[ord[at]] = PART_PURGED;
		}
		for (i = 0; i < m; i++)
			ntrain += d->part[ord[i]] == PART_TRAIN;
	}
	free(ord);
	if (ntrain == 0) {
		errno = EDOM;
		return -1;
	}
	return 0;
}

int
data_folds(const struct data *d, int k, uint64_t seed, int *fold)
{
	size_t *ord, i, g = d->grps.n;

	if ((ord = malloc((g ? g : 1) * sizeof(size_t))) == NULL)
		return -1;
	for (i = 0; i < g; i++)
		ord[i] = i;
	rng_shuffle(ord, g, &seed);
	for (i = 0; i < g; i++)
		fold[ord[i]] = (int)(i % (size_t)k);
	free(ord);
	return 0;
}

int
data_split_group(struct data *d, double val, double test, uint64_t seed)
{
	size_t *ord, g = d->grps.n, nte, nva, i;
	uint8_t *gp;

	nte = (size_t)llround((double)g * test);
	nva = (size_t)llround((double)g * val);
	if (nte + nva >= g) {
		errno = EDOM;
		return -1;
	}
	ord = malloc((g ? g : 1) * sizeof(size_t));
	gp = malloc(g ? g : 1);
	if (ord == NULL || gp == NULL) {
		free(ord);
		free(gp);
		return -1;
	}
	for (i = 0; i < g; i++)
		ord[i] = i;
	rng_shuffle(ord, g, &seed);
	for (i = 0; i < g; i++)
		gp[ord[i]] = i < nte ? PART_TEST : i < nte + nva ? PART_VAL :
		    PART_TRAIN;
	for (i = 0; i < d->n; i++)
		d->part[i] = gp[d->grp[i]];
	free(ord);
	free(gp);
	return 0;
}

/*
 * guess -- validate --infer-schema, schema guessing (not the infer
 * program): a starting schema from known-good data, since nobody writes
 * rules for 24 channels from nothing.  It writes what it
 * saw as rules and as comments beside them: channels, type, range widened
 * by --margin (rounded outward; never negative for a channel that never
 * was), largest step and longest run per device, and the median interval
 * (the stats module's sketch) with the tolerance covering 98% of them.
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "guess.h"
#include "record.h"
#include "stats.h"
#include "stream.h"
#include "timeparse.h"

#define RUN_MAX		1000	/* longer runs: no stuck rule offered */

struct ichan {
	char			*name;
	uint32_t		 nlen;
	struct stats_moments	 m;		/* finite values */
	uint64_t		 frames;	/* frames it was in */
	uint64_t		 nan, inf, strings, other;
	int			 integral;	/* every finite value */
	uint64_t		 maxrun;
	double			 maxstep;
};

struct ilast {			/* a channel on one device */
	double		 v;
	uint64_t	 run;
	int		 has;
};

struct idev {
	char		*name;
	uint32_t	 nlen;
	int64_t		 last_t;
	int		 has_t;
	struct ilast	*last;		/* by channel index */
	uint32_t	 nlast;
};

struct guess {
	struct ichan	*ch;
	uint32_t	 nch;
	uint32_t	*lay;		/* body position -> channel */
	uint32_t	 nlay;
	struct idev	*dev;
	uint32_t	 ndev, lastdev;
	struct stats_quant dt;
	int64_t		 dtmax;
	uint64_t	 back, dup;	/* time went back, stood still */
	uint64_t	 in, samples;
	int64_t		 t0, t1;
};

static int	 add_frame(struct guess *, const struct record *);
static int	 write_schema(struct guess *, FILE *, const char *, double);

int
guess_schema(struct stream *src, const char *out, double margin, FILE *log)
{
	struct guess in;
	struct record *r;
	FILE *f = NULL;
	uint32_t i;
	int n, status = EX_OK;

	memset(&in, 0, sizeof(in));
	in.t0 = INT64_MAX;
	in.t1 = INT64_MIN;
	if (stats_quant_init(&in.dt, STATS_QUANT_K, STATS_QUANT_EXACT) == -1)
		err(EX_OSERR, "stats_quant_init");
	while ((n = stream_read(src, &r)) != STREAM_EOF) {
		if (n == STREAM_BAD) {
			warnx("%s (skipped)", stream_error(src));
			status = EX_DATAERR;
			continue;
		}
		if (n == STREAM_ERR) {
			warnx("%s", stream_error(src));
			status = EX_DATAERR;
			break;
		}
		in.in++;
		if (r->kind == KIND_SAMPLE && add_frame(&in, r) == -1)
			err(EX_OSERR, "--infer-schema");
	}
	if (in.samples == 0) {
		warnx("%s: no sample frames: nothing to infer from",
		    stream_name(src));
		status = EX_DATAERR;
		goto out;
	}
	if (strcmp(out, "-") == 0)
		f = stdout;
	else if ((f = fopen(out, "w")) == NULL) {
		warn("%s", out);
		status = EX_CANTCREAT;
		goto out;
	}
	if (write_schema(&in, f, stream_name(src), margin) == -1 ||
	    fflush(f) == EOF || ferror(f)) {
		warn("%s", out);
		status = EX_IOERR;
	}
	if (f != stdout && fclose(f) == EOF && status == EX_OK) {
		warn("%s", out);
		status = EX_IOERR;
	}
	if (log != NULL)
		fprintf(log, "validate: in=%llu samples=%llu devices=%u "
		    "channels=%u\n", (unsigned long long)in.in,
		    (unsigned long long)in.samples, in.ndev, in.nch);
out:
	for (i = 0; i < in.nch; i++)
		free(in.ch[i].name);
	for (i = 0; i < in.ndev; i++) {
		free(in.dev[i].name);
		free(in.dev[i].last);
	}
	free(in.ch);
	free(in.dev);
	free(in.lay);
	stats_quant_free(&in.dt);
	return status;
}

static struct idev *
dev_get(struct guess *in, const char *name, uint32_t nlen)
{
	struct idev *d, *nd;
	uint32_t i;

	if (in->ndev > 0) {
		d = &in->dev[in->lastdev];
		if (d->nlen == nlen && memcmp(d->name, name, nlen) == 0)
			return d;
	}
	for (i = 0; i < in->ndev; i++)	/* devices are few when inferring */
		if (in->dev[i].nlen == nlen &&
		    memcmp(in->dev[i].name, name, nlen) == 0) {
			in->lastdev = i;
			return &in->dev[i];
		}
	if ((nd = realloc(in->dev, (in->ndev + 1) * sizeof(*nd))) == NULL)
		return NULL;
	in->dev = nd;
	d = &nd[in->ndev];
	memset(d, 0, sizeof(*d));
	if ((d->name = malloc(nlen + 1)) == NULL)
		return NULL;
	memcpy(d->name, name, nlen);
	d->name[nlen] = '\0';
	d->nlen = nlen;
	in->lastdev = in->ndev++;
	return d;
}

static int
chan_at(struct guess *in, uint32_t pos, const struct field *f)
{
	struct ichan *c, *nc;
	uint32_t i, *nl;

	if (pos < in->nlay) {
		c = &in->ch[in->lay[pos]];
		if (c->nlen == f->klen && memcmp(c->name, f->key, f->klen) == 0)
			return (int)in->lay[pos];
	}
	for (i = 0; i < in->nch; i++)
		if (in->ch[i].nlen == f->klen &&
		    memcmp(in->ch[i].name, f->key, f->klen) == 0)
			break;
	if (i == in->nch) {
		if ((nc = realloc(in->ch, (in->nch + 1) * sizeof(*nc))) == NULL)
			return -1;
		in->ch = nc;
		c = &nc[in->nch];
		memset(c, 0, sizeof(*c));
		if ((c->name = malloc(f->klen + 1)) == NULL)
			return -1;
		memcpy(c->name, f->key, f->klen);
		c->name[f->klen] = '\0';
		c->nlen = f->klen;
		c->integral = 1;
		stats_moments_init(&c->m);
		in->nch++;
	}
	if (pos >= in->nlay) {
		if ((nl = realloc(in->lay, (pos + 1) * sizeof(*nl))) == NULL)
			return -1;
		in->lay = nl;
		while (in->nlay <= pos)
			in->lay[in->nlay++] = i;
	}
	in->lay[pos] = i;
	return (int)i;
}

static int
add_frame(struct guess *in, const struct record *r)
{
	struct idev *d;
	struct ichan *c;
	struct ilast *l, *nl;
	int64_t t;
	uint32_t i;
	double x;
	int k;

	in->samples++;
	if ((d = dev_get(in, r->dev ? r->dev : "", r->dev ? r->dev_len : 0))
	    == NULL)
		return -1;
	t = r->sec * 1000000000LL + r->nsec;
	if (t < in->t0)
		in->t0 = t;
	if (t > in->t1)
		in->t1 = t;
	if (d->has_t) {
		if (t < d->last_t)
			in->back++;
		else if (t == d->last_t)
			in->dup++;
		else {
			if (stats_quant_add(&in->dt, (double)(t - d->last_t))
			    == -1)
				return -1;
			if (t - d->last_t > in->dtmax)
				in->dtmax = t - d->last_t;
		}
	}
	if (!d->has_t || t > d->last_t)
		d->last_t = t;
	d->has_t = 1;
	for (i = 0; i < r->nbody; i++) {
		if ((k = chan_at(in, i, &r->body[i])) == -1)
			return -1;
		c = &in->ch[k];
		c->frames++;
		if (r->body[i].v.type == VAL_STR) {
			c->strings++;
			continue;
		}
		if (value_f64(&r->body[i].v, &x) == -1) {
			c->other++;
			continue;
		}
		if (isnan(x)) {
			c->nan++;
			continue;
		}
		if (isinf(x)) {
			c->inf++;
			continue;
		}
		stats_moments_add(&c->m, x);
		if (x != floor(x))
			c->integral = 0;
		if ((uint32_t)k >= d->nlast) {
			if ((nl = realloc(d->last, (k + 1) * sizeof(*nl))) ==
			    NULL)
				return -1;
			memset(nl + d->nlast, 0, (k + 1 - d->nlast) *
			    sizeof(*nl));
			d->last = nl;
			d->nlast = (uint32_t)k + 1;
		}
		l = &d->last[k];
		if (l->has && fabs(x - l->v) > c->maxstep)
			c->maxstep = fabs(x - l->v);
		l->run = l->has && x == l->v ? l->run + 1 : 1;
		if (l->run > c->maxrun)
			c->maxrun = l->run;
		l->v = x;
		l->has = 1;
	}
	return 0;
}

/*
 * v written with few digits but on the safe side of the exact value: at or
 * below it (dir < 0), at or above (dir > 0).  v is rounded outward at 6
 * significant digits, or more when that is not enough.
 */
static const char *
fmt_bound(char *buf, size_t size, double v, int dir)
{
	double step, c;
	int prec;

	if (v == 0 || !isfinite(v)) {
		snprintf(buf, size, "%g", v);
		return buf;
	}
	for (prec = 6; prec < 17; prec++) {
		step = pow(10, floor(log10(fabs(v))) - prec + 1);
		c = dir < 0 ? floor(v / step) * step : ceil(v / step) * step;
		snprintf(buf, size, "%.*g", prec, c);
		if (dir < 0 ? strtod(buf, NULL) <= v : strtod(buf, NULL) >= v)
			return buf;
		/* v / step rounded onto the boundary: one step further */
		snprintf(buf, size, "%.*g", prec, dir < 0 ? c - step :
		    c + step);
		if (dir < 0 ? strtod(buf, NULL) <= v : strtod(buf, NULL) >= v)
			return buf;
	}
	snprintf(buf, size, "%.17g", v);
	return buf;
}

/* A duration the schema reads: whole units where they fit, else Hz. */
static const char *
fmt_dur(char *buf, size_t size, double ns)
{
	static const struct {
		const char	*unit;
		double		 ns;
	} u[] = {
		{ "d", 86400e9 }, { "h", 3600e9 }, { "m", 60e9 }, { "s", 1e9 },
		{ "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 }
	};
	double hz;
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (ns >= u[i].ns && fmod(ns, u[i].ns) == 0) {
			snprintf(buf, size, "%.0f%s", ns / u[i].ns, u[i].unit);
			return buf;
		}
	hz = 1e9 / ns;
	if (fabs(hz - round(hz)) < 1e-6 * hz)
		snprintf(buf, size, "%.0fHz", round(hz));
	else
		snprintf(buf, size, "%.9gs", ns / 1e9);
	return buf;
}

static const char *
fmt_when(char *buf, size_t size, int64_t ns)
{
	time_format_ns(buf, size, ns, 0);
	return buf;
}

static int
write_schema(struct guess *in, FILE *f, const char *name, double margin)
{
	struct ichan *c;
	char b1[64], b2[64], b3[64];
	double med, q01, q99, tol, pct, span, pad, lo, hi;
	uint32_t i;

	fprintf(f, "# Starting schema inferred by validate --infer-schema "
	    "from %s:\n", name);
	fprintf(f, "# %llu sample frames from %u device%s, %s to %s.\n",
	    (unsigned long long)in->samples, in->ndev, in->ndev == 1 ? "" :
	    "s", fmt_when(b1, sizeof(b1), in->t0),
	    fmt_when(b2, sizeof(b2), in->t1));
	fprintf(f, "# Ranges are the values seen, widened by %g times their "
	    "span on each side.\n# It knows only the data it saw: read every "
	    "line before use (docs/schema.md).\n\n", margin);

	fprintf(f, "[device]\n");
	fprintf(f, "order      reject\t# time went back %llu times in the "
	    "data seen\n", (unsigned long long)in->back);
	fprintf(f, "duplicate  reject\t# time stood still %llu times\n",
	    (unsigned long long)in->dup);
	if (stats_quant_count(&in->dt) >= 2 &&
	    stats_quant_query(&in->dt, 0.5, &med) == 0 &&
	    stats_quant_query(&in->dt, 0.01, &q01) == 0 &&
	    stats_quant_query(&in->dt, 0.99, &q99) == 0 && med > 0) {
		tol = fmax(med - q01, q99 - med);
		pct = ceil(100 * tol / med);
		if (pct < 1)
			pct = 1;
		if (pct > 50)
			pct = 50;
		fprintf(f, "rate       %s %.0f%% flag\t# median interval; 98%% "
		    "of %llu fall in %.9g s to %.9g s\n",
		    fmt_dur(b1, sizeof(b1), round(med)), pct,
		    (unsigned long long)stats_quant_count(&in->dt), q01 / 1e9,
		    q99 / 1e9);
		fprintf(f, "gap        %s event\t# twice the interval; longest "
		    "seen: %s\n", fmt_dur(b1, sizeof(b1), 2 * round(med)),
		    fmt_dur(b2, sizeof(b2), (double)in->dtmax));
	} else {
		fprintf(f, "# rate, gap: too few intervals seen to say\n");
	}
	fprintf(f, "unknown    flag\n");

	for (i = 0; i < in->nch; i++) {
		c = &in->ch[i];
		fprintf(f, "\n[channel %s]\n", c->name);
		if (c->frames == in->samples)
			fprintf(f, "required   reject\t# in every frame\n");
		else
			fprintf(f, "optional\t\t# in %llu of %llu frames\n",
			    (unsigned long long)c->frames,
			    (unsigned long long)in->samples);
		if (c->strings > 0 && c->m.n == 0) {
			fprintf(f, "type       string reject\n");
			continue;
		}
		if (c->strings + c->other > 0)
			fprintf(f, "# %llu values were not numbers\n",
			    (unsigned long long)(c->strings + c->other));
		if (c->m.n == 0) {
			fprintf(f, "# no finite value seen\n");
			continue;
		}
		fprintf(f, "type       %s reject\n", c->integral ? "int" :
		    "number");
		span = c->m.max - c->m.min;
		pad = margin * (span > 0 ? span : fabs(c->m.max) > 0 ?
		    fabs(c->m.max) : 1);
		lo = c->m.min - pad;
		hi = c->m.max + pad;
		if (c->m.min >= 0 && lo < 0)	/* never negative: stays so */
			lo = 0;
		if (c->integral) {
			lo = floor(lo);
			hi = ceil(hi);
		}
		fprintf(f, "range      %s %s reject\t# seen %.10g to %.10g, "
		    "mean %.6g, sd %.6g\n", fmt_bound(b1, sizeof(b1), lo, -1),
		    fmt_bound(b2, sizeof(b2), hi, 1), c->m.min, c->m.max,
		    stats_mean(&c->m), c->m.n > 1 ? stats_std(&c->m, 1) : 0.0);
		fprintf(f, "nan        %s\t", c->nan ? "flag" : "reject");
		fprintf(f, "# %llu NaN seen\n", (unsigned long long)c->nan);
		fprintf(f, "inf        %s\t", c->inf ? "flag" : "reject");
		fprintf(f, "# %llu Inf seen\n", (unsigned long long)c->inf);
		if (c->maxstep > 0)
			fprintf(f, "step       %s flag\t# largest change seen "
			    "between readings: %.10g\n",
			    fmt_bound(b3, sizeof(b3), c->maxstep + pad, 1),
			    c->maxstep);
		if (span == 0)
			fprintf(f, "# no stuck rule: constant in the data "
			    "seen\n");
		else if (c->maxrun <= RUN_MAX && c->m.n >= 20 &&
		    c->maxrun * 4 < c->m.n)
			fprintf(f, "stuck      %llu flag\t# longest run of one "
			    "value seen: %llu\n", (unsigned long long)
			    (c->maxrun * 2 > c->maxrun + 5 ? c->maxrun * 2 :
			    c->maxrun + 5), (unsigned long long)c->maxrun);
		else
			fprintf(f, "# no stuck rule: one value ran %llu times "
			    "in a row in the data seen\n",
			    (unsigned long long)c->maxrun);
	}
	return ferror(f) ? -1 : 0;
}

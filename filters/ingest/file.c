/*
 * file -- one CSV file to sample frames.
 *
 * The header (or --columns) fixes each field's role: time, device, meta
 * string, skipped, or a value channel.  Then each row is split in place,
 * its time, device and numbers parsed, and its frame written through the
 * template straight into the output buffer; a row that fails any check is
 * dropped from the buffer (nothing was committed) and becomes a reject
 * frame instead.  The output buffer goes to the stream in large chunks,
 * and whenever the input would block, so a live feed is never held back.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "codec.h"
#include "ingest.h"
#include "numfast.h"
#include "numparse.h"

#define REJ_TEXT_MAX	(64u * 1024)	/* longest "text" in a reject */
#define WARN_MAX	10		/* rejects shown on stderr */

/* ---- output ------------------------------------------------------------- */

void
ingest_drain(struct ingest *g)
{
	if (g->olen == 0)
		return;
	/* whole frames by construction: the template's are tested byte for
	 * byte against frame_encode(), rejects come from frame_encode() */
	if (stream_write_frames(g->out, g->ob, g->olen, g->onframes) == -1) {
		/* what was not sent stays queued: unwritten at close */
		filter_fail(g->flt, EX_IOERR, "%s", stream_error(g->out));
		g->stop = 1;
	}
	g->olen = 0;
	g->onframes = 0;
}

/* Everything queued goes out now: before waiting or sleeping. */
static void
flush_all(struct ingest *g)
{
	ingest_drain(g);
	if ((stream_flush(g->out) == -1 && filter_fail(g->flt, EX_IOERR,
	    "%s", stream_error(g->out)) == -1) || (g->rej != NULL &&
	    stream_flush(g->rej) == -1 && filter_fail(g->flt, EX_IOERR, "%s",
	    stream_error(g->rej)) == -1))
		g->stop = 1;
}

/* Longest prefix of s[0..n) of at most max bytes ending on a character. */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void
ingest_reject(struct ingest *g, const struct rej *j, const char *fmt, ...)
{
	struct record *r = g->rr;
	struct value v, lim;
	struct reject why = { .stage = PROG };
	char reason[512];
	uint64_t nrej = *g->n_rej + 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (!g->quiet && (nrej <= WARN_MAX || g->strict)) {
		if (g->shown)
			fputc('\n', stderr);
		g->shown = 0;
		warnx("%s:%llu: %s%s", g->src, (unsigned long long)j->line,
		    reason, nrej == WARN_MAX && !g->strict ?
		    " (further rejects are counted, not shown)" : "");
	}

	why.rule = j->rule;
	why.reason = reason;
	if (j->field != NULL) {
		why.field = j->field;
		why.flen = strlen(j->field);
	}
	if (j->value != NULL) {
		v.len = (uint32_t)utf8_cut(j->value, j->vlen, REJ_TEXT_MAX);
		v.type = utf8_valid(j->value, v.len) ? VAL_STR : VAL_BIN;
		v.p = j->value;
		why.value = &v;
	}
	if (j->limit > 0) {
		lim = val_u64(j->limit);
		why.limit = &lim;
	}
	if (j->text != NULL) {
		why.text = j->text;
		why.tlen = utf8_cut(j->text, j->tlen, REJ_TEXT_MAX);
		why.truncated = why.tlen < j->tlen || j->truncated;
	}
	why.src = g->src;
	why.line = j->line;
	why.dev = j->dev;
	why.devlen = j->devlen;
	why.timed = 1;
	why.sec = j->sec;
	why.nsec = j->nsec;
	if (reject_build(r, &g->rbuf, NULL, NULL, 0, &why) == -1)
		err(EX_OSERR, "reject");

	if (g->rej != NULL) {		/* --reject: its own stream */
		if (filter_reject_built(g->flt, r) == -1)
			g->stop = 1;
	} else {			/* inline, in order with the rows */
		buf_reset(&g->rbuf);
		if (frame_encode(&g->rbuf, r) == -1)
			err(EX_OSERR, "reject");
		if (g->ocap - g->olen < g->rbuf.len)
			ingest_drain(g);
		if (g->rbuf.len > g->ocap) {
			/* only with huge column names: the checked write */
			if (stream_write_raw(g->out, g->rbuf.p,
			    g->rbuf.len) == -1) {
				filter_fail(g->flt, EX_IOERR, "%s",
				    stream_error(g->out));
				g->stop = 1;
			}
		} else {
			memcpy(g->ob + g->olen, g->rbuf.p, g->rbuf.len);
			g->olen += g->rbuf.len;
			g->onframes++;
		}
		(*g->n_rej)++;
	}
	if (g->strict) {
		g->status = EX_STRICT;
		g->stop = 1;
	}
}

/* ---- progress and signals ----------------------------------------------- */

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
ingest_progress(struct ingest *g, int force)
{
	struct timespec now;
	double dt, rate;
	uint64_t done;

	if (!g->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && since(&g->tlast, &now) < 0.5)
		return;
	g->tlast = now;
	dt = since(&g->t0, &now);
	rate = dt > 0 ? (double)*g->n_in / dt : 0;
	fprintf(stderr, "\r%s: %llu rows, %.0f rows/s", PROG,
	    (unsigned long long)*g->n_in, rate);
	if (g->total_bytes > 0) {
		done = g->done_bytes;
		if (g->csv.buf != NULL)		/* a file is open */
			done += g->csv.nread - (g->csv.end - g->csv.pos);
		fprintf(stderr, ", %.0f%%", 100.0 * (double)done /
		    (double)g->total_bytes);
	}
	fputs("\033[K", stderr);
	g->shown = 1;
}

/* Signals and the progress line; 1 if reading should stop. */
static int
poll_events(struct ingest *g)
{
	if (stream_report_requested())
		ingest_report(g);
	ingest_progress(g, 0);
	return stream_interrupted();
}

/* The next line, waiting (with output flushed) while a pipe is empty. */
static int
next_line(struct ingest *g, char **p, size_t *n)
{
	int r;

	while ((r = csv_line(&g->csv, p, n)) == CSV_WAIT) {
		flush_all(g);
		while (csv_wait(&g->csv, 250) == 0)
			if (poll_events(g))
				return CSV_EOF;
		if (poll_events(g))
			return CSV_EOF;
	}
	if (r == CSV_ERR)
		err(EX_IOERR, "%s", g->src);
	return r;
}

static int
blank(const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n == 0;
}

/* ---- pacing (--speed) --------------------------------------------------- */

static void
pace(struct ingest *g, int64_t sec, uint32_t nsec)
{
	struct timespec now, due;
	__extension__ __int128 d;
	double wait;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!g->paced) {
		g->paced = 1;
		g->pace_sec = sec;
		g->pace_nsec = nsec;
		g->pace_wall = now;
		return;
	}
	d = (__int128)(sec - g->pace_sec) * 1000000000 + nsec - g->pace_nsec;
	if (d <= 0)
		return;
	wait = (double)d / 1e9 / g->speed - since(&g->pace_wall, &now);
	if (wait <= 0)
		return;
	flush_all(g);
	due = now;
	while (wait > 0 && !stream_interrupted()) {
		double step = wait > 0.25 ? 0.25 : wait;

		due.tv_sec += (time_t)step;
		due.tv_nsec += (long)((step - (double)(time_t)step) * 1e9);
		if (due.tv_nsec >= 1000000000) {
			due.tv_sec++;
			due.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
		wait -= step;
		poll_events(g);
	}
}

/* ---- columns ------------------------------------------------------------ */

static void
free_columns(struct ingest *g)
{
	uint32_t i;

	for (i = 0; i < g->ncol && g->cname != NULL; i++)
		free(g->cname[i]);
	free(g->cname);
	free(g->clen);
	nameidx_free(&g->cidx);
	free(g->role);
	free(g->vfield);
	free(g->mfield);
	free(g->f);
	g->cname = NULL;
	g->clen = NULL;
	g->role = NULL;
	g->vfield = g->mfield = NULL;
	g->f = NULL;
	g->ncol = 0;
}

static long
find(const struct ingest *g, const char *name)
{
	return nameidx_get(&g->cidx, name, strlen(name));
}

static long
need(const struct ingest *g, const char *name, const char *opt)
{
	long i;

	if ((i = find(g, name)) == -1)
		errx(EX_DATAERR, "%s: no column \"%s\" (%s)", g->src, name,
		    opt);
	if (g->role[i] != R_VAL)
		errx(EX_USAGE, "column \"%s\" given two roles", name);
	return i;
}

static void	 set_template(struct ingest *);

/* The first of the names (in their order) that a column has, any case. */
static long
find_usual(const struct ingest *g, const char *const *usual, size_t nusual)
{
	size_t k;
	uint32_t i;

	for (k = 0; k < nusual; k++)
		for (i = 0; i < g->ncol; i++)
			if (g->clen[i] == strlen(usual[k]) &&
			    strncasecmp(g->cname[i], usual[k], g->clen[i]) == 0)
				return i;
	return -1;
}

/*
 * Take names[0..ncol) (from the header, --columns or generated) and give
 * each field its role; set up the template.  A header's usual names give
 * the time and device columns unless options say otherwise.
 */
static char	*copy(const char *, size_t);

static void
set_columns(struct ingest *g, char **names, size_t *lens, uint32_t ncol,
    int from_header)
{
	static const char *const auto_time[] = { "time", "timestamp",
	    "datetime", "date" };
	static const char *const auto_dev[] = { "device", "dev", "device_id",
	    "machine", "unit", "id" };
	size_t k;
	uint32_t i, j;
	long t;

	/* --rename: the first pattern that matches a column names it */
	for (i = 0; i < ncol; i++)
		for (k = 0; k < g->rename.n; k++) {
			char *eq = strchr(g->rename.v[k], '=');

			*eq = '\0';
			t = fnmatch(g->rename.v[k], names[i], 0);
			*eq = '=';
			if (t != 0)
				continue;
			free(names[i]);
			lens[i] = strlen(eq + 1);
			names[i] = copy(eq + 1, lens[i]);
			break;
		}
	g->ncol = ncol;
	g->cname = names;
	g->clen = lens;
	if ((g->role = calloc(ncol, 1)) == NULL ||
	    (g->vfield = calloc(ncol, sizeof(*g->vfield))) == NULL ||
	    (g->mfield = calloc(ncol, sizeof(*g->mfield))) == NULL ||
	    (g->f = calloc((size_t)ncol + 1, sizeof(*g->f))) == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < ncol; i++)
		switch (nameidx_add(&g->cidx, names[i], lens[i], i, &j)) {
		case 0:
			errx(EX_DATAERR, "%s: columns %u and %u are both "
			    "called \"%s\"", g->src, j + 1, i + 1, names[i]);
		case -1:
			err(EX_OSERR, NULL);
		}

	g->tfield = g->dfield = -1;
	if (g->tsrc == T_COLUMN) {
		g->tfield = need(g, g->time_col, "--time-column");
	} else if (g->tsrc == T_AUTO) {
		g->tfield = find_usual(g, auto_time,
		    sizeof(auto_time) / sizeof(auto_time[0]));
		if (g->tfield == -1)
			errx(EX_USAGE, "%s: no time column (looked for time, "
			    "timestamp, datetime, date): give --time-column, "
			    "--rate or --clock", g->src);
	}
	if (g->tfield != -1)
		g->role[g->tfield] = R_TIME;
	if (g->dev_col != NULL) {
		g->dfield = need(g, g->dev_col, "--device-column");
		g->role[g->dfield] = R_DEV;
	} else if (g->device == NULL && from_header &&
	    (t = find_usual(g, auto_dev, sizeof(auto_dev) /
	    sizeof(auto_dev[0]))) != -1 && g->role[t] == R_VAL) {
		g->dfield = t;
		g->role[t] = R_DEV;
	}
	for (k = 0; k < g->skip.n; k++)
		g->role[need(g, g->skip.v[k], "--skip")] = R_SKIP;
	g->nmeta = 0;
	for (k = 0; k < g->meta.n; k++) {
		t = need(g, g->meta.v[k], "--meta");
		g->role[t] = R_META;
		g->mfield[g->nmeta++] = (uint32_t)t;
	}
	g->probe = 1;
	set_template(g);
}

/* The value columns (role R_VAL) and the frame template for them. */
static void
set_template(struct ingest *g)
{
	char **names = g->cname;
	size_t *lens = g->clen;
	const char **vn, **mn;
	size_t *vl, *ml;
	uint32_t i;

	g->nval = 0;
	for (i = 0; i < g->ncol; i++)
		if (g->role[i] == R_VAL)
			g->vfield[g->nval++] = i;
	if (g->nval == 0)
		errx(EX_DATAERR, "%s: no value columns left", g->src);

	vn = calloc(g->nval + 1, sizeof(*vn));
	vl = calloc(g->nval + 1, sizeof(*vl));
	mn = calloc(g->nmeta + 1, sizeof(*mn));
	ml = calloc(g->nmeta + 1, sizeof(*ml));
	if (vn == NULL || vl == NULL || mn == NULL || ml == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < g->nval; i++) {
		vn[i] = names[g->vfield[i]];
		vl[i] = lens[g->vfield[i]];
	}
	for (i = 0; i < g->nmeta; i++) {
		mn[i] = names[g->mfield[i]];
		ml[i] = lens[g->mfield[i]];
	}
	if (sample_enc_file(&g->enc, g->src, strlen(g->src), mn, ml, g->nmeta,
	    vn, vl, g->nval) == -1)
		err(EX_OSERR, NULL);
	free(vn);
	free(vl);
	free(mn);
	free(ml);
	if (g->enc.bound > FRAME_MAX_DEFAULT / 2)
		errx(EX_DATAERR, "%s: %u columns make frames too large",
		    g->src, g->ncol);
}

/*
 * The first row of a file: a value column holding text (a word, not
 * a number that failed) is no channel.  It is named once, with the options
 * that would use it, and left out, rather than rejecting every row.
 */
static void
probe_text(struct ingest *g)
{
	const struct csv_field *f;
	const char *p;
	uint32_t i, c, nleft = 0;
	double x;
	char dev[512];

	g->probe = 0;
	for (i = 0; i < g->nval; i++) {
		c = g->vfield[i];
		f = &g->f[c];
		p = f->p + (f->n > 0 && *f->p == '"');
		if (f->n == 0 || !isalpha((unsigned char)*p) ||
		    num_fast(f->p, f->n, &x) == 0)
			continue;
		dev[0] = '\0';
		if (g->dfield == -1 && g->device == NULL)
			snprintf(dev, sizeof(dev), ", --device-column '%s' "
			    "makes it the device", g->cname[c]);
		if (!g->quiet)
			warnx("%s:%llu: column \"%s\" holds text (\"%.*s\"), "
			    "not numbers: left out; --meta '%s' copies it into "
			    "meta%s, --skip '%s' leaves it out without this "
			    "warning", g->src, (unsigned long long)g->csv.line,
			    g->cname[c], f->n > 40 ? 40 : (int)f->n, f->p,
			    g->cname[c], dev, g->cname[c]);
		g->role[c] = R_SKIP;
		nleft++;
	}
	if (nleft == 0)
		return;
	if (nleft == g->nval)
		errx(EX_DATAERR, "%s: no value columns left: every one holds "
		    "text", g->src);
	set_template(g);
}

static char *
copy(const char *s, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		err(EX_OSERR, NULL);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* "c1", "c2", ... for unnamed columns. */
static char *
gen_name(uint32_t i, size_t *len)
{
	char b[16];

	*len = (size_t)snprintf(b, sizeof(b), "c%u", i + 1);
	return copy(b, *len);
}

/* Columns from the header line p[0..n) (header line 1 of the file). */
static void
header(struct ingest *g, const char *p, size_t n)
{
	char **names;
	size_t *lens, bad;
	uint32_t i;
	long nf;

	if (!utf8_valid(p, n))
		errx(EX_DATAERR, "%s:%llu: header is not valid UTF-8", g->src,
		    (unsigned long long)g->csv.line);
	nf = csv_split(p, n, g->delim, NULL, 0, &bad);
	if (nf < 0)
		errx(EX_DATAERR, "%s:%llu: header: bad quoting at byte %zu",
		    g->src, (unsigned long long)g->csv.line, bad + 1);
	if ((g->f = calloc((size_t)nf + 1, sizeof(*g->f))) == NULL)
		err(EX_OSERR, NULL);
	csv_split(p, n, g->delim, g->f, (size_t)nf, &bad);
	names = calloc((size_t)nf, sizeof(*names));
	lens = calloc((size_t)nf, sizeof(*lens));
	if (names == NULL || lens == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < (uint32_t)nf; i++) {
		if (g->f[i].n == 0) {
			names[i] = gen_name(i, &lens[i]);
			continue;
		}
		names[i] = copy(g->f[i].p, g->f[i].n);
		lens[i] = csv_unquote(&g->f[i], names[i]);
		names[i][lens[i]] = '\0';
	}
	free(g->f);
	g->f = NULL;
	set_columns(g, names, lens, (uint32_t)nf, 1);
}

/* Columns from --columns, or c1..cN for a first row of nf fields. */
static void
no_header(struct ingest *g, long nf)
{
	char **names;
	size_t *lens, n = g->columns.n ? g->columns.n : (size_t)nf;
	uint32_t i;

	names = calloc(n + 1, sizeof(*names));
	lens = calloc(n + 1, sizeof(*lens));
	if (names == NULL || lens == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < n; i++) {
		if (g->columns.n) {
			names[i] = copy(g->columns.v[i], g->columns.len[i]);
			lens[i] = g->columns.len[i];
		} else
			names[i] = gen_name(i, &lens[i]);
	}
	set_columns(g, names, lens, (uint32_t)n, 0);
}

/* ---- rows --------------------------------------------------------------- */

/* The field's text: unquoted into scratch at *off when it has "" pairs. */
static const char *
text(struct ingest *g, const struct csv_field *f, size_t *off, size_t *n)
{
	char *s;

	if (!f->esc) {
		*n = f->n;
		return f->p;
	}
	s = g->scratch + *off;
	*n = csv_unquote(f, s);
	*off += *n;
	return s;
}

/* Reject the row: what j does not say is taken from the row. */
static void
bad(struct ingest *g, struct rej *j, const char *p, size_t n,
    const struct sample_dev *d, int64_t sec, uint32_t nsec, const char *why)
{
	j->line = g->csv.line;
	j->text = p;
	j->tlen = n;
	j->dev = d != NULL ? d->name : NULL;
	j->devlen = d != NULL ? d->len : 0;
	j->sec = sec;
	j->nsec = nsec;
	ingest_reject(g, j, "%s", why);
}

static void
row(struct ingest *g, char *p, size_t n)
{
	struct rej j;
	const struct csv_field *f;
	struct sample_dev *d = g->dev;
	const char *s = NULL, *mv[META_MAX];
	size_t bad_at, sl = 0, off = 0, mlen[META_MAX], mbytes = 0, bound;
	uint64_t idx = g->idx++;
	int64_t sec = g->last_sec;
	uint32_t nsec = g->last_nsec, i;
	char *o, why[256];
	double x;
	long nf;
	int r;

	(*g->n_in)++;
	/* not memset(): rep stos per row costs more than the rest of it */
	j.rule = j.field = j.value = NULL;
	j.vlen = 0;
	j.limit = 0;
	j.truncated = 0;
	if (g->tsrc == T_RATE) {
		if (when_step(g->base_sec, g->base_nsec, idx, g->rate_num,
		    g->rate_den, &sec, &nsec) == -1)
			sec = -1;
	} else if (g->tsrc == T_CLOCK) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		sec = ts.tv_sec;
		nsec = (uint32_t)ts.tv_nsec;
	}

	nf = csv_split(p, n, g->delim, g->f, g->ncol + 1, &bad_at);
	while (nf == -1) {
		/* a quoted field goes on on the next line */
		while ((r = csv_join(&g->csv, &p, &n)) == CSV_WAIT) {
			flush_all(g);
			csv_wait(&g->csv, 250);
			if (poll_events(g)) {
				g->stop = 1;
				break;
			}
		}
		if (r == CSV_LONG) {
			j.truncated = 1;
			j.rule = "length";
			snprintf(why, sizeof(why), "a quoted field runs over "
			    "more than %zu bytes", g->max_line);
			goto reject;
		}
		if (r != CSV_LINE)
			break;
		nf = csv_split(p, n, g->delim, g->f, g->ncol + 1, &bad_at);
	}
	if (nf < 0) {
		j.rule = "quote";
		snprintf(why, sizeof(why), nf == -1 ?
		    "quote at byte %zu is not closed" :
		    "text after a closing quote at byte %zu", bad_at + 1);
		goto reject;
	}
	if ((uint32_t)nf != g->ncol) {
		j.rule = "fields";
		snprintf(why, sizeof(why), "%ld fields, expected %u", nf,
		    g->ncol);
		goto reject;
	}
	if (g->probe)
		probe_text(g);

	if (g->tfield >= 0) {
		f = &g->f[g->tfield];
		s = text(g, f, &off, &sl);
		if (when_parse(g, s, sl, &sec, &nsec) == -1) {
			j.rule = "time";
			j.field = g->cname[g->tfield];
			j.value = s;
			j.vlen = sl;
			snprintf(why, sizeof(why), "column \"%s\": not a "
			    "time%s", j.field, g->tz == NULL ? "" :
			    " (or not in --tz's range)");
			sec = g->last_sec;
			nsec = g->last_nsec;
			goto reject;
		}
	}
	if (sec < 0 || sec > TMPL_TIME_MAX) {
		j.rule = "time";
		if (g->tfield >= 0) {
			j.field = g->cname[g->tfield];
			j.value = s;
			j.vlen = sl;
		}
		snprintf(why, sizeof(why), "time outside "
		    "1970-01-01..2106-02-07");
		sec = nsec = 0;
		goto reject;
	}

	if (g->dfield >= 0) {
		f = &g->f[g->dfield];
		s = text(g, f, &off, &sl);
		if ((d = devtab_find(&g->devs, s, sl)) == NULL) {
			j.rule = "device";
			j.field = g->cname[g->dfield];
			j.value = s;
			j.vlen = sl;
			if (sl == 0) {
				snprintf(why, sizeof(why), "empty device id");
				goto reject;
			}
			if (!utf8_valid(s, sl)) {
				snprintf(why, sizeof(why), "device id is not "
				    "UTF-8");
				goto reject;
			}
			if ((d = devtab_get(&g->devs, s, sl)) == NULL) {
				if (errno != ENOSPC)
					err(EX_OSERR, NULL);
				j.limit = g->max_devices;
				snprintf(why, sizeof(why), "more than %zu "
				    "devices (--max-devices)", g->max_devices);
				goto reject;
			}
			j.rule = j.field = j.value = NULL;
			j.vlen = 0;
		}
	}

	for (i = 0; i < g->nmeta; i++) {
		f = &g->f[g->mfield[i]];
		mv[i] = text(g, f, &off, &mlen[i]);
		mbytes += mlen[i];
		if (!utf8_valid(mv[i], mlen[i])) {
			j.rule = "utf8";
			j.field = g->cname[g->mfield[i]];
			j.value = mv[i];
			j.vlen = mlen[i];
			snprintf(why, sizeof(why), "column \"%s\" is not UTF-8",
			    j.field);
			goto reject;
		}
	}

	bound = sample_bound(&g->enc, d, mbytes);
	if (bound > FRAME_MAX_DEFAULT) {
		/* the stream does not check what ingest_drain() hands it */
		j.rule = "length";
		snprintf(why, sizeof(why), "frame would be larger than %u "
		    "bytes", FRAME_MAX_DEFAULT);
		goto reject;
	}
	if (g->ocap - g->olen < bound)
		ingest_drain(g);
	o = sample_head(&g->enc, d, g->ob + g->olen, sec, nsec, d->seq,
	    g->csv.line);
	for (i = 0; i < g->nmeta; i++)
		o = sample_meta(&g->enc, i, o, mv[i], mlen[i]);
	o = sample_body(&g->enc, o);
	for (i = 0; i < g->nval; i++) {
		f = &g->f[g->vfield[i]];
		if (num_fast(f->p, f->n, &x) == -1) {
			if (f->n == 0 && g->empty == E_NAN) {
				x = NAN;
			} else {
				j.rule = "number";
				j.field = g->cname[g->vfield[i]];
				j.value = f->p;
				j.vlen = f->n;
				snprintf(why, sizeof(why), f->n == 0 ?
				    "column \"%s\" is empty" :
				    "column \"%s\": not a number", j.field);
				goto reject;
			}
		}
		sample_set(&g->enc, o, i, x);
	}
	g->olen = (size_t)(o + g->enc.body.b.len - g->ob);
	g->onframes++;
	d->seq++;
	(*g->n_out)++;
	g->last_sec = sec;
	g->last_nsec = nsec;
	if (g->olen >= OUT_CHUNK)
		ingest_drain(g);
	if (g->speed > 0)
		pace(g, sec, nsec);
	return;

reject:
	bad(g, &j, p, n, d, sec, nsec, why);
}

/* ---- a file ------------------------------------------------------------- */

void
ingest_file(struct ingest *g, const char *name)
{
	struct rej j = { 0 };
	char *p;
	size_t n, bad;
	unsigned k = 0;
	int fd, r, first = 1;
	long nf;

	g->src = name;
	if (strcmp(name, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(name, O_RDONLY)) == -1)
		err(EX_NOINPUT, "%s", name);
	if (csv_open(&g->csv, fd, g->max_line) == -1)
		err(EX_OSERR, NULL);
	if (g->from_name) {
		if (when_name(g, name, &g->base_sec, &g->base_nsec) == -1)
			errx(EX_DATAERR, "%s: no date and time in the file "
			    "name", name);
		g->idx = 0;
	}
	g->paced = 0;

	while ((r = next_line(g, &p, &n)) != CSV_EOF) {
		if (r == CSV_LONG) {
			if (first && g->header)
				errx(EX_DATAERR, "%s:%llu: header longer than "
				    "%zu bytes", name,
				    (unsigned long long)g->csv.line,
				    g->max_line);
			(*g->n_in)++;
			g->idx++;
			memset(&j, 0, sizeof(j));
			j.line = g->csv.line;
			j.rule = "length";
			j.text = p;
			j.tlen = n;
			j.truncated = 1;
			j.sec = g->last_sec;
			j.nsec = g->last_nsec;
			if (g->dev != NULL) {
				j.dev = g->dev->name;
				j.devlen = g->dev->len;
			}
			ingest_reject(g, &j, "line longer than %zu bytes "
			    "(--max-line)", g->max_line);
			if (g->stop)
				break;
			continue;
		}
		if (blank(p, n)) {
			(*g->n_blank)++;
			continue;
		}
		if (first) {
			first = 0;
			if (g->delim == -1 || g->sniffed) {
				g->delim = csv_sniff(p, n);
				g->sniffed = 1;
			}
			if (g->header) {
				header(g, p, n);
				continue;
			}
			nf = csv_split(p, n, g->delim, NULL, 0, &bad);
			no_header(g, nf < 1 ? 1 : nf);
		}
		row(g, p, n);
		if ((++k & 4095) == 0 && poll_events(g))
			g->stop = 1;
		if (g->stop)
			break;
	}
	if (first && !g->quiet)
		warnx("%s: empty file", name);
	g->done_bytes += g->csv.size;
	csv_close(&g->csv);
	if (fd != STDIN_FILENO)
		close(fd);
	free_columns(g);
}

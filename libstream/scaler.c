/*
 * scaler -- read and write normalize parameter files (docs/normalize.md).
 *
 * A line is "version N", or "NAME METHOD CENTER SCALE [kind=K] [STAT=VALUE
 * ...]", or blank; "#" starts a comment where a word could start; a word with blanks,
 * quotes or a leading "#" is written in double quotes with \" \\ \n \t \r.
 * Nothing is guessed: an unknown word, a statistic given twice, or a center
 * or scale that disagrees with the statistics on its line is an error named
 * by file, line and word, so that a hand edit cannot silently change what
 * the model sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "numparse.h"
#include "scaler.h"

#define MAXWORD		(5 + ST_NSTATS + 1)	/* one more: "too many" */
#define FILE_MAX	(64u << 20)

static const char *const method_names[SCALE_NMETHODS] = {
	"none", "zscore", "minmax", "robust"
};

static const char *const stat_names[ST_NSTATS] = {
	"n", "nonfinite", "mean", "std", "min", "max", "q25", "q50", "q75",
	"qerr"
};

/* The statistics each method takes its center and scale from. */
#define B(x)	(1u << (x))
static const unsigned needs[SCALE_NMETHODS] = {
	[SCALE_ZSCORE] = B(ST_MEAN) | B(ST_STD),
	[SCALE_MINMAX] = B(ST_MIN) | B(ST_MAX),
	[SCALE_ROBUST] = B(ST_Q25) | B(ST_Q50) | B(ST_Q75),
};

struct parser {
	const char	*name;
	int		 line;
	char		*err;
	size_t		 errsize;
};

static int	 perr(struct parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

const char *
scale_method_name(enum scale_method m)
{
	return (unsigned)m < SCALE_NMETHODS ? method_names[m] : "?";
}

int
scale_method_parse(const char *s, size_t len)
{
	int i;

	for (i = 0; i < SCALE_NMETHODS; i++)
		if (strlen(method_names[i]) == len &&
		    memcmp(method_names[i], s, len) == 0)
			return i;
	return -1;
}

const char *
scaler_stat_name(enum scaler_stat st)
{
	return (unsigned)st < ST_NSTATS ? stat_names[st] : "?";
}

static int
perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (p->errsize > 0) {
		if (p->line > 0)
			n = snprintf(p->err, p->errsize, "%s:%d: ", p->name,
			    p->line);
		else
			n = snprintf(p->err, p->errsize, "%s: ", p->name);
		if (n < 0 || (size_t)n >= p->errsize)
			n = 0;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errsize - (size_t)n, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -1;
}

struct scaler *
scaler_new(const char *name)
{
	struct scaler *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->name = strdup(name ? name : "-")) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
scaler_free(struct scaler **sp)
{
	struct scaler *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	nameidx_free(&s->idx);
	for (i = 0; i < s->nchan; i++) {
		free(s->chan[i].name);
		free(s->chan[i].note);
	}
	free(s->chan);
	free(s->name);
	free(s);
	*sp = NULL;
}

struct scaler_chan *
scaler_add(struct scaler *s, const struct scaler_chan *c)
{
	struct scaler_chan *nc, *e;
	size_t cap;

	if (s->nchan == s->cap) {
		cap = s->cap ? s->cap * 2 : 16;
		if ((nc = realloc(s->chan, cap * sizeof(*nc))) == NULL)
			return NULL;
		s->chan = nc;
		s->cap = cap;
	}
	e = &s->chan[s->nchan];
	*e = *c;
	e->note = NULL;
	if ((e->name = malloc(c->len + 1)) == NULL)
		return NULL;
	memcpy(e->name, c->name, c->len);
	e->name[c->len] = '\0';
	if ((c->note != NULL && (e->note = strdup(c->note)) == NULL) ||
	    nameidx_add(&s->idx, e->name, c->len, (uint32_t)s->nchan, NULL) ==
	    -1) {
		free(e->name);
		free(e->note);
		return NULL;
	}
	s->nchan++;
	return e;
}

const struct scaler_chan *
scaler_find(const struct scaler *s, const char *name, size_t len)
{
	long i = nameidx_get(&s->idx, name, len);

	return i != -1 ? &s->chan[i] : NULL;
}

int
scaler_derive(const struct scaler_chan *c, enum scale_method m,
    double *center, double *scale)
{
	if (m <= SCALE_NONE || m >= SCALE_NMETHODS ||
	    (c->have & needs[m]) != needs[m])
		return -1;
	switch (m) {
	case SCALE_ZSCORE:
		*center = c->mean;
		*scale = c->std;
		break;
	case SCALE_MINMAX:
		*center = c->min;
		*scale = c->max - c->min;
		break;
	default:
		*center = c->q50;
		*scale = c->q75 - c->q25;
		break;
	}
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

/*
 * Split the line s (modified: quoted words are unescaped in place) into at
 * most MAXWORD words.  Returns the count, or -1 (error set).
 */
static int
split(struct parser *p, char *s, char **w)
{
	int n = 0;
	char *o;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			return n;
		if (n == MAXWORD)
			return perr(p, "too many words (at most %d: name, "
			    "method, center, scale, kind and %d statistics)",
			    MAXWORD - 1, ST_NSTATS);
		if (*s != '"') {
			w[n++] = s;
			while (*s != '\0' && *s != ' ' && *s != '\t' &&
			    *s != '\r')
				s++;
			if (*s != '\0')
				*s++ = '\0';
			continue;
		}
		w[n++] = o = ++s;
		for (;;) {
			if (*s == '\0')
				return perr(p, "word %d: no closing quote", n);
			if (*s == '"')
				break;
			if (*s == '\\') {
				s++;
				switch (*s) {
				case '"': case '\\': *o++ = *s; break;
				case 'n': *o++ = '\n'; break;
				case 't': *o++ = '\t'; break;
				case 'r': *o++ = '\r'; break;
				default:
					return perr(p, "word %d: unknown escape "
					    "\\%c", n, *s ? *s : '0');
				}
				s++;
			} else
				*o++ = *s++;
		}
		s++;
		if (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
			return perr(p, "word %d: a blank must follow the "
			    "closing quote", n);
		*o = '\0';
	}
}

static int
number(struct parser *p, const char *what, const char *w, double *out)
{
	if (num_parse(w, strlen(w), out) == -1)
		return perr(p, "%s: '%s' is not a number", what, w);
	return 0;
}

static int
count(struct parser *p, const char *what, const char *w, uint64_t *out)
{
	int64_t v;

	if (num_parse_i64(w, strlen(w), &v) == -1 || v < 0)
		return perr(p, "%s: '%s' is not a count (an integer >= 0)",
		    what, w);
	*out = (uint64_t)v;
	return 0;
}

static int
stat_value(struct parser *p, struct scaler_chan *c, const char *w)
{
	const char *eq = strchr(w, '=');
	double *dst[ST_NSTATS] = {
		NULL, NULL, &c->mean, &c->std, &c->min, &c->max, &c->q25,
		&c->q50, &c->q75, &c->qerr
	};
	size_t klen;
	int st;

	if (eq == NULL)
		return perr(p, "'%s': expected STAT=VALUE after the scale",
		    w);
	klen = (size_t)(eq - w);
	if (klen == 4 && memcmp(w, "kind", 4) == 0) {
		if (c->kinds != 0)
			return perr(p, "kind given twice");
		if (strcmp(eq + 1, "sample") == 0)
			c->kinds = SCALER_SAMPLE;
		else if (strcmp(eq + 1, "features") == 0)
			c->kinds = SCALER_FEATURES;
		else
			return perr(p, "kind=%s: not sample or features",
			    eq + 1);
		return 0;
	}
	for (st = 0; st < ST_NSTATS; st++)
		if (strlen(stat_names[st]) == klen &&
		    memcmp(stat_names[st], w, klen) == 0)
			break;
	if (st == ST_NSTATS)
		return perr(p, "'%.*s': unknown key (known: kind, n, "
		    "nonfinite, mean, std, min, max, q25, q50, q75, qerr)",
		    (int)klen, w);
	if (c->have & B(st))
		return perr(p, "%s given twice", stat_names[st]);
	c->have |= B(st);
	if (st == ST_N)
		return count(p, "n", eq + 1, &c->n);
	if (st == ST_NONFINITE)
		return count(p, "nonfinite", eq + 1, &c->nonfinite);
	return number(p, stat_names[st], eq + 1, dst[st]);
}

/* Statistics that contradict one another are a damaged file. */
static int
check_stats(struct parser *p, const struct scaler_chan *c)
{
	static const int order[] = { ST_MIN, ST_Q25, ST_Q50, ST_Q75, ST_MAX };
	const double v[] = { c->min, c->q25, c->q50, c->q75, c->max };
	int i, j;

	if ((c->have & B(ST_STD)) && !(c->std >= 0))
		return perr(p, "std=%g: must be >= 0", c->std);
	if ((c->have & B(ST_QERR)) && !(c->qerr >= 0 && c->qerr <= 1))
		return perr(p, "qerr=%g: must be in [0, 1]", c->qerr);
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			if ((c->have & B(order[i])) &&
			    (c->have & B(order[j])) && !(v[i] <= v[j]))
				return perr(p, "%s=%.17g is above %s=%.17g",
				    stat_names[order[i]], v[i],
				    stat_names[order[j]], v[j]);
	return 0;
}

/* CENTER or SCALE: "-" (take it from the statistics) or a number. */
static int
center_scale(struct parser *p, struct scaler_chan *c, char **w)
{
	double dc = 0, ds = 0;
	int dash_c = strcmp(w[2], "-") == 0, dash_s = strcmp(w[3], "-") == 0;
	int derived;

	if (!dash_c && number(p, "center", w[2], &c->center) == -1)
		return -1;
	if (!dash_s && number(p, "scale", w[3], &c->scale) == -1)
		return -1;
	if (c->method == SCALE_NONE) {
		if (dash_c)
			c->center = NAN;
		if (dash_s)
			c->scale = NAN;
		return 0;
	}
	derived = scaler_derive(c, c->method, &dc, &ds) == 0;
	if ((dash_c || dash_s) && !derived)
		return perr(p, "'-' takes the %s from the statistics, but %s "
		    "needs %s on the line", dash_c ? "center" : "scale",
		    method_names[c->method],
		    c->method == SCALE_ZSCORE ? "mean= and std=" :
		    c->method == SCALE_MINMAX ? "min= and max=" :
		    "q25=, q50= and q75=");
	if (derived) {
		if (!dash_c && c->center != dc)
			return perr(p, "center %s disagrees with the %s "
			    "center %.17g from the statistics: write '-' to "
			    "take it from them, or remove them", w[2],
			    method_names[c->method], dc);
		if (!dash_s && c->scale != ds)
			return perr(p, "scale %s disagrees with the %s "
			    "scale %.17g from the statistics: write '-' to "
			    "take it from them, or remove them", w[3],
			    method_names[c->method], ds);
		c->center = dc;
		c->scale = ds;
	}
	if (!isfinite(c->center))
		return perr(p, "center %.17g: must be finite", c->center);
	if (!(isfinite(c->scale) && c->scale > 0))
		return perr(p, "scale %.17g: must be finite and > 0 (a "
		    "channel whose scale is 0 cannot be scaled: give it "
		    "method none)", c->scale);
	return 0;
}

static int
parse_line(struct parser *p, struct scaler *s, char *line, int *version)
{
	struct scaler_chan c;
	const struct scaler_chan *dup;
	char *w[MAXWORD];
	int n, i, m;

	if ((n = split(p, line, w)) <= 0)
		return n;
	if (!*version) {
		if (n != 2 || strcmp(w[0], "version") != 0)
			return perr(p, "expected 'version %d' before the "
			    "first channel", SCALER_VERSION);
		if (strcmp(w[1], "1") != 0)
			return perr(p, "version '%s' is not supported (this "
			    "program reads version %d)", w[1],
			    SCALER_VERSION);
		*version = 1;
		return 0;
	}
	if (n < 4)
		return perr(p, "expected NAME METHOD CENTER SCALE "
		    "[STAT=VALUE ...], found %d word%s", n, n == 1 ? "" : "s");
	memset(&c, 0, sizeof(c));
	c.name = w[0];
	c.len = strlen(w[0]);
	c.line = p->line;
	if (c.len == 0)
		return perr(p, "empty channel name");
	if ((dup = scaler_find(s, c.name, c.len)) != NULL)
		return perr(p, "channel '%s' given twice (first at line %d)",
		    c.name, dup->line);
	if ((m = scale_method_parse(w[1], strlen(w[1]))) == -1)
		return perr(p, "%s: unknown method '%s' (known: none, zscore, "
		    "minmax, robust)", c.name, w[1]);
	c.method = (uint8_t)m;
	for (i = 4; i < n; i++)
		if (stat_value(p, &c, w[i]) == -1)
			return -1;
	if (check_stats(p, &c) == -1 || center_scale(p, &c, w) == -1)
		return -1;
	if (scaler_add(s, &c) == NULL) {
		perr(p, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

struct scaler *
scaler_parse(const char *text, size_t len, const char *name, char *err,
    size_t errsize)
{
	struct parser p = { name, 0, err, errsize };
	struct scaler *s = NULL;
	char *copy = NULL, *line, *nl;
	int version = 0, e;

	if (errsize > 0)
		err[0] = '\0';
	if ((s = scaler_new(name)) == NULL || (copy = malloc(len + 1)) == NULL)
		goto nomem;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if ((line = memchr(copy, '\0', len)) != NULL) {
		for (nl = copy, p.line = 1; nl < line; nl++)
			p.line += *nl == '\n';
		perr(&p, "a NUL byte: not a text file");
		goto fail;
	}
	for (line = copy; line < copy + len; line = nl + 1) {
		p.line++;
		if ((nl = strchr(line, '\n')) == NULL)
			nl = copy + len;
		*nl = '\0';
		if (parse_line(&p, s, line, &version) == -1)
			goto fail;
	}
	if (!version) {
		p.line = 0;
		perr(&p, "empty: no 'version %d' line", SCALER_VERSION);
		goto fail;
	}
	free(copy);
	return s;
nomem:
	p.line = 0;
	perr(&p, "out of memory");
	errno = ENOMEM;
fail:
	e = errno;
	free(copy);
	scaler_free(&s);
	errno = e;
	return NULL;
}

struct scaler *
scaler_load(const char *path, char *err, size_t errsize)
{
	struct buf b = BUF_INIT;
	struct scaler *s = NULL;
	ssize_t n;
	int fd, e;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1)
		goto fail;
	for (;;) {
		if (buf_reserve(&b, 65536) == -1)
			goto fail;
		if ((n = read(fd, b.p + b.len, b.cap - b.len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	{	/* a model bundle: its params section (docs/bundle.md) */
		char *t;
		size_t tl;

		switch (bundle_section_mem(b.p, b.len, path, "params", &t, &tl,
		    err, errsize)) {
		case -1:
			s = NULL;
			errno = EINVAL;
			break;
		case 1:
			s = scaler_parse(t, tl, path, err, errsize);
			free(t);
			break;
		default:
			s = scaler_parse(b.p ? b.p : "", b.len, path, err,
			    errsize);
		}
	}
	e = errno;
	if (fd != STDIN_FILENO)
		close(fd);
	buf_free(&b);
	errno = e;
	return s;
fail:
	e = errno;
	if (errsize > 0)
		snprintf(err, errsize, "%s: %s", path, strerror(e));
	if (fd > STDIN_FILENO)
		close(fd);
	buf_free(&b);
	errno = e;
	return NULL;
}

/* ---- writing ------------------------------------------------------------ */

static int
putstr(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

size_t
scaler_fmt_double(char *buf, size_t size, double x)
{
	double y;
	int prec, e, dec;
	char tmp[48];

	if (isnan(x))
		return (size_t)snprintf(buf, size, "nan");
	if (isinf(x))
		return (size_t)snprintf(buf, size, "%s", x > 0 ? "inf" : "-inf");
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, x);
		if (num_parse(tmp, strlen(tmp), &y) == 0 && y == x)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, x);
	/* 1e+02 reads worse than 100: write such numbers out in full */
	if (strchr(tmp, 'e') != NULL && fabs(x) >= 1 && fabs(x) < 1e17) {
		e = (int)floor(log10(fabs(x)));
		dec = prec - 1 - e > 0 ? prec - 1 - e : 0;
		snprintf(tmp, sizeof(tmp), "%.*f", dec, x);
	}
	return (size_t)snprintf(buf, size, "%s", tmp);
}

static int
putnum(struct buf *b, double x)
{
	char tmp[48];

	scaler_fmt_double(tmp, sizeof(tmp), x);
	return putstr(b, tmp);
}

static int
needs_quotes(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '#')
		return 1;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '\\' ||
		    s[i] == 0x7f)
			return 1;
	return 0;
}

static int
putname(struct buf *b, const char *s, size_t len)
{
	size_t i;
	int r = 0;

	if (!needs_quotes(s, len))
		return buf_append(b, s, len);
	r |= buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '"': r |= putstr(b, "\\\""); break;
		case '\\': r |= putstr(b, "\\\\"); break;
		case '\n': r |= putstr(b, "\\n"); break;
		case '\t': r |= putstr(b, "\\t"); break;
		case '\r': r |= putstr(b, "\\r"); break;
		default: r |= buf_putc(b, s[i]); break;
		}
	}
	r |= buf_putc(b, '"');
	return r ? -1 : 0;
}

/* The note as comment lines, one "# " per line of it. */
static int
putnote(struct buf *b, const char *note)
{
	const char *nl;
	int r = 0;

	for (; note != NULL && *note != '\0'; note = nl + 1) {
		nl = strchr(note, '\n');
		r |= putstr(b, "# ");
		r |= buf_append(b, note, nl ? (size_t)(nl - note) : strlen(note));
		r |= buf_putc(b, '\n');
		if (nl == NULL)
			break;
	}
	return r ? -1 : 0;
}

static double
statval(const struct scaler_chan *c, int st)
{
	switch (st) {
	case ST_MEAN: return c->mean;
	case ST_STD: return c->std;
	case ST_MIN: return c->min;
	case ST_MAX: return c->max;
	case ST_Q25: return c->q25;
	case ST_Q50: return c->q50;
	case ST_Q75: return c->q75;
	case ST_QERR: return c->qerr;
	default: return NAN;
	}
}

int
scaler_format(struct buf *b, const struct scaler *s)
{
	const struct scaler_chan *c;
	size_t i;
	int st, r = 0;
	char tmp[32];

	r |= putstr(b,
	    "# normalize parameters (docs/normalize.md): y = (x - center) / "
	    "scale\n"
	    "# NAME METHOD CENTER SCALE, then the statistics fitted: n values,"
	    " nonfinite\n"
	    "# skipped, mean, std (ddof 0), min, max, quartiles; qerr bounds "
	    "their rank\n"
	    "# error as a fraction of n (0: exact).  Methods: zscore (mean, "
	    "std), minmax\n"
	    "# (min, max - min), robust (q50, q75 - q25), none (not "
	    "scaled).  A center or\n"
	    "# scale of \"-\" is taken from the statistics.  kind=sample or "
	    "kind=features:\n"
	    "# the line applies to those frames only.\n");
	snprintf(tmp, sizeof(tmp), "version %d\n", SCALER_VERSION);
	r |= putstr(b, tmp);
	for (i = 0; i < s->nchan; i++) {
		c = &s->chan[i];
		r |= putnote(b, c->note);
		r |= putname(b, c->name, c->len);
		r |= buf_putc(b, ' ');
		r |= putstr(b, scale_method_name(c->method));
		if (c->method == SCALE_NONE)
			r |= putstr(b, " - -");
		else {
			r |= buf_putc(b, ' ');
			r |= putnum(b, c->center);
			r |= buf_putc(b, ' ');
			r |= putnum(b, c->scale);
		}
		if (c->kinds == SCALER_SAMPLE)
			r |= putstr(b, " kind=sample");
		else if (c->kinds == SCALER_FEATURES)
			r |= putstr(b, " kind=features");
		for (st = 0; st < ST_NSTATS; st++) {
			if (!(c->have & B(st)))
				continue;
			r |= buf_putc(b, ' ');
			r |= putstr(b, stat_names[st]);
			r |= buf_putc(b, '=');
			if (st == ST_N || st == ST_NONFINITE) {
				snprintf(tmp, sizeof(tmp), "%llu",
				    (unsigned long long)(st == ST_N ? c->n :
				    c->nonfinite));
				r |= putstr(b, tmp);
			} else
				r |= putnum(b, statval(c, st));
		}
		r |= buf_putc(b, '\n');
	}
	return r ? -1 : 0;
}

/*
 * schema -- parse validate's schema files (format in docs/schema.md).
 *
 * A line is a section header "[device]", "[channel NAME]" or
 * "[channels GLOB]", or a rule "NAME ARGS... ACTION", or blank; "#" starts a
 * comment where a word could start.  Every mistake is reported as
 * "file:line: what is wrong" and nothing is guessed: an unknown word, a rule
 * set twice or an action a rule cannot take is an error, not a default.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "opt.h"
#include "schema.h"

#define MAXTOK		16
#define LOOK_MAX	1024	/* fill linear N, gap fill N: at most */

static const char *const rule_names[RULE_COUNT] = {
	"order", "duplicate", "gap", "rate", "unknown", "required", "type",
	"nan", "inf", "range", "step", "slope", "stuck", "flat", "decode"
};

static const char *const act_names[] = {
	"none", "keep", "reject", "drop", "clamp", "fill", "flag", "event"
};

#define A(x)	(1u << (x))
/* Actions each rule may take. */
static const unsigned allowed[RULE_COUNT] = {
	[RULE_ORDER] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG),
	[RULE_DUPLICATE] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG),
	[RULE_GAP] = A(ACT_EVENT) | A(ACT_FLAG) | A(ACT_FILL),
	[RULE_RATE] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG),
	[RULE_UNKNOWN] = A(ACT_KEEP) | A(ACT_DROP) | A(ACT_REJECT) |
	    A(ACT_FLAG),
	[RULE_REQUIRED] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG) |
	    A(ACT_FILL),
	[RULE_TYPE] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG) | A(ACT_FILL),
	[RULE_NAN] = A(ACT_KEEP) | A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG) |
	    A(ACT_FILL),
	[RULE_INF] = A(ACT_KEEP) | A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG) |
	    A(ACT_FILL) | A(ACT_CLAMP),
	[RULE_RANGE] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_CLAMP) |
	    A(ACT_FILL) | A(ACT_FLAG),
	[RULE_STEP] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_CLAMP) |
	    A(ACT_FILL) | A(ACT_FLAG),
	[RULE_SLOPE] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_CLAMP) |
	    A(ACT_FILL) | A(ACT_FLAG),
	[RULE_STUCK] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG),
	[RULE_FLAT] = A(ACT_REJECT) | A(ACT_DROP) | A(ACT_FLAG),
};

struct parser {
	const char	*name;
	int		 line;
	char		*err;
	size_t		 errsize;
	struct schema	*s;
	struct chanrule	*cur;		/* NULL: in [device] or before any */
	int		 in_device;
	int		 seen_device;
};

static int	 perr(struct parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 parse_line(struct parser *, char *);
static int	 parse_section(struct parser *, char *);
static int	 parse_rule(struct parser *, char **, int);
static int	 parse_action(struct parser *, enum rule, char **, int,
		    struct action *);
static int	 parse_number(struct parser *, const char *, const char *,
		    double *);
static int	 parse_count(struct parser *, const char *, const char *,
		    uint32_t *);
static int	 finish(struct parser *);

const char *
rule_name(enum rule r)
{
	return (unsigned)r < RULE_COUNT ? rule_names[r] : "?";
}

const char *
act_name(enum act a)
{
	return (unsigned)a <= ACT_EVENT ? act_names[a] : "?";
}

const char *
ctype_name(enum ctype t)
{
	switch (t) {
	case TYPE_NUMBER:
		return "number";
	case TYPE_INT:
		return "int";
	case TYPE_STRING:
		return "string";
	}
	return "?";
}

int
schema_duration(const char *s, int64_t *ns)
{
	char buf[64];
	size_t n = strlen(s);
	double hz, x;

	if (n >= 2 && strcmp(s + n - 2, "Hz") == 0) {	/* 1/rate */
		if (opt_freq(s, 1e-9, 1e9, &hz) != NULL)
			return -1;
		x = round(1e9 / hz);
		if (!(x >= 1 && x <= 9.2e18))
			return -1;
		*ns = (int64_t)x;
		return 0;
	}
	if (n >= 1 && s[n - 1] == 'm') {	/* a schema's m: minutes */
		if (n + 3 > sizeof(buf))
			return -1;
		snprintf(buf, sizeof(buf), "%sin", s);
		s = buf;
	}
	return opt_duration(s, OPT_NS_S, 1, INT64_MAX, ns) == NULL ? 0 : -1;
}

struct schema *
schema_load(const char *path, char *err, size_t errsize)
{
	struct schema *s = NULL;
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int saved;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			if (cap > (64u << 20) || (p = realloc(text, cap)) ==
			    NULL) {
				snprintf(err, errsize, "%s: %s", path,
				    cap > (64u << 20) ? "file too large" :
				    strerror(errno));
				errno = cap > (64u << 20) ? EFBIG : ENOMEM;
				goto out;
			}
			text = p;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		goto out;
	}
	{	/* a model bundle: its schema section (docs/bundle.md) */
		char *t;
		size_t tl;

		switch (bundle_section_mem(text, len, path, "schema", &t, &tl,
		    err, errsize)) {
		case -1:
			errno = EINVAL;
			goto out;
		case 1:
			s = schema_parse(t, tl, path, err, errsize);
			free(t);
			goto out;
		}
	}
	s = schema_parse(text, len, path, err, errsize);
out:
	saved = errno;
	fclose(f);
	free(text);
	errno = saved;
	return s;
}

struct schema *
schema_parse(const char *text, size_t len, const char *name, char *err,
    size_t errsize)
{
	struct parser p;
	char *line = NULL;
	size_t i, start;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.err = err;
	p.errsize = errsize;
	if ((p.s = calloc(1, sizeof(*p.s))) == NULL ||
	    (p.s->path = strdup(name)) == NULL)
		goto nomem;
	if ((line = malloc(len + 1)) == NULL)
		goto nomem;
	for (start = 0; start < len; start = i + 1) {
		for (i = start; i < len && text[i] != '\n'; i++)
			;
		memcpy(line, text + start, i - start);
		line[i - start] = '\0';
		p.line++;
		if (memchr(line, '\0', i - start) != NULL) {
			perr(&p, "NUL byte in the line");
			goto fail;
		}
		if (parse_line(&p, line) == -1)
			goto fail;
	}
	if (finish(&p) == -1)
		goto fail;
	free(line);
	return p.s;
nomem:
	snprintf(err, errsize, "%s: out of memory", name);
	errno = ENOMEM;
	free(line);
	schema_free(&p.s);
	return NULL;
fail:
	errno = EINVAL;
	free(line);
	schema_free(&p.s);
	return NULL;
}

void
schema_free(struct schema **sp)
{
	struct schema *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	nameidx_free(&s->exact);
	nameidx_free(&s->globs);
	for (i = 0; i < s->nchan; i++)
		free(s->chan[i].name);
	free(s->chan);
	free(s->glob);
	free(s->path);
	free(s);
	*sp = NULL;
}

const struct chanrule *
schema_match(const struct schema *s, const char *name, size_t len)
{
	char buf[256], *nm;
	const struct chanrule *hit = NULL;
	size_t i;
	long at;

	if ((at = nameidx_get(&s->exact, name, len)) != -1)
		return &s->chan[at];
	if (s->nglob == 0)
		return NULL;
	/* fnmatch wants a C string */
	if (len < sizeof(buf))
		nm = buf;
	else if ((nm = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(nm, name, len);
	nm[len] = '\0';
	if (strlen(nm) == len)		/* a NUL inside never matches */
		for (i = 0; i < s->nglob && hit == NULL; i++)
			if (fnmatch(s->chan[s->glob[i]].name, nm, 0) == 0)
				hit = &s->chan[s->glob[i]];
	if (nm != buf)
		free(nm);
	return hit;
}

static int
perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->line > 0)
		n = snprintf(p->err, p->errsize, "%s:%d: ", p->name, p->line);
	else
		n = snprintf(p->err, p->errsize, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errsize)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsize - n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
parse_line(struct parser *p, char *line)
{
	char *tok[MAXTOK], *s;
	int n = 0;

	s = trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	while (*s != '\0') {
		if (*s == '#')
			break;
		if (n == MAXTOK)
			return perr(p, "too many words");
		tok[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
	}
	return parse_rule(p, tok, n);
}

static int
parse_section(struct parser *p, char *s)
{
	struct chanrule *c, *nc;
	char *end, *kw, *name;
	size_t klen;
	uint32_t had;
	int glob;

	/* "[...]" possibly followed by a comment */
	if ((end = strrchr(s, ']')) == NULL)
		return perr(p, "section header without ']'");
	if (trim(end + 1)[0] != '\0' && trim(end + 1)[0] != '#')
		return perr(p, "text after the section header: '%s'",
		    trim(end + 1));
	*end = '\0';
	kw = trim(s + 1);
	klen = strcspn(kw, " \t");
	name = trim(kw + klen);
	kw[klen] = '\0';
	if (strcmp(kw, "device") == 0) {
		if (*name != '\0')
			return perr(p, "[device] takes no name (the rules "
			    "apply to every device)");
		if (p->seen_device)
			return perr(p, "second [device] section");
		p->seen_device = p->in_device = 1;
		p->cur = NULL;
		return 0;
	}
	if (strcmp(kw, "channel") == 0)
		glob = 0;
	else if (strcmp(kw, "channels") == 0)
		glob = 1;
	else
		return perr(p, "unknown section '%s' (device, channel or "
		    "channels)", kw);
	if (*name == '\0')
		return perr(p, "[%s] needs a %s", kw, glob ? "pattern" :
		    "channel name");
	if (p->s->nchan == p->s->cap) {
		size_t cap = p->s->cap ? p->s->cap * 2 : 16;

		if ((nc = realloc(p->s->chan, cap * sizeof(*nc))) == NULL)
			return perr(p, "out of memory");
		p->s->chan = nc;
		p->s->cap = cap;
	}
	/* glob[] grows at each power of two */
	if (glob && (p->s->nglob & (p->s->nglob - 1)) == 0) {
		uint32_t *ng = realloc(p->s->glob, (p->s->nglob ? p->s->nglob *
		    2 : 1) * sizeof(*ng));

		if (ng == NULL)
			return perr(p, "out of memory");
		p->s->glob = ng;
	}
	c = &p->s->chan[p->s->nchan];
	memset(c, 0, sizeof(*c));
	if ((c->name = strdup(name)) == NULL)
		return perr(p, "out of memory");
	switch (nameidx_add(glob ? &p->s->globs : &p->s->exact, c->name,
	    strlen(c->name), (uint32_t)p->s->nchan, &had)) {
	case 0:
		free(c->name);
		return perr(p, "[%s %s] already given at line %d", kw, name,
		    p->s->chan[had].line);
	case -1:
		free(c->name);
		return perr(p, "out of memory");
	}
	if (glob)
		p->s->glob[p->s->nglob++] = (uint32_t)p->s->nchan;
	p->s->nchan++;
	c->glob = glob;
	c->line = p->line;
	c->type = TYPE_NUMBER;
	c->lo = -INFINITY;
	c->hi = INFINITY;
	p->cur = c;
	p->in_device = 0;
	return 0;
}

static int
find_rule(const char *w)
{
	int i;

	for (i = 0; i < RULE_DECODE; i++)
		if (strcmp(w, rule_names[i]) == 0)
			return i;
	return -1;
}

static int
parse_rule(struct parser *p, char **tok, int n)
{
	struct chanrule *c = p->cur;
	struct action *on;
	int r, optional = 0, need;

	if (strcmp(tok[0], "optional") == 0) {
		r = RULE_REQUIRED;
		optional = 1;
	} else if ((r = find_rule(tok[0])) == -1) {
		return perr(p, "unknown rule '%s'", tok[0]);
	}
	if (!p->in_device && c == NULL)
		return perr(p, "rule '%s' before any section", tok[0]);
	if (r <= RULE_UNKNOWN) {
		if (!p->in_device)
			return perr(p, "'%s' is a device rule: put it under "
			    "[device]", tok[0]);
		on = &p->s->on[r];
	} else {
		if (p->in_device)
			return perr(p, "'%s' is a channel rule: put it under "
			    "[channel NAME]", tok[0]);
		on = &c->on[r];
	}
	if (on->act != ACT_NONE || (optional && c->required) ||
	    (r == RULE_REQUIRED && !optional && c->required))
		return perr(p, "'%s' given twice in this section", tok[0]);

	switch (r) {
	case RULE_ORDER:
	case RULE_DUPLICATE:
	case RULE_UNKNOWN:
	case RULE_NAN:
	case RULE_INF:
		need = 1;
		break;
	case RULE_GAP:
		if (n < 3)
			return perr(p, "usage: gap DURATION ACTION");
		if (schema_duration(tok[1], &p->s->gap_ns) == -1)
			return perr(p, "gap: bad duration '%s' (e.g. 90m, "
			    "2h, 1.5s)", tok[1]);
		need = 2;
		break;
	case RULE_RATE: {
		int64_t tol;
		double pct;
		char *end;

		if (n < 4)
			return perr(p, "usage: rate INTERVAL TOLERANCE ACTION");
		if (schema_duration(tok[1], &p->s->rate_ns) == -1)
			return perr(p, "rate: bad interval '%s' (e.g. 5m, "
			    "20480Hz)", tok[1]);
		if (tok[2][0] != '\0' && tok[2][strlen(tok[2]) - 1] == '%') {
			errno = 0;
			pct = strtod(tok[2], &end);
			if (end != tok[2] + strlen(tok[2]) - 1 || errno ||
			    !(pct >= 0 && pct < 100))
				return perr(p, "rate: bad tolerance '%s' (0%% "
				    "to 99%%)", tok[2]);
			tol = (int64_t)llround((double)p->s->rate_ns * pct /
			    100);
		} else if (strcmp(tok[2], "0") == 0) {
			tol = 0;
		} else if (schema_duration(tok[2], &tol) == -1 ||
		    tol >= p->s->rate_ns) {
			return perr(p, "rate: bad tolerance '%s' (a percentage "
			    "or a duration under the interval)", tok[2]);
		}
		p->s->tol_ns = tol;
		need = 3;
		break;
	}
	case RULE_REQUIRED:
		if (optional) {
			if (n != 1)
				return perr(p, "'optional' takes nothing "
				    "after it");
			c->required = 0;
			return 0;
		}
		if (c->glob)
			return perr(p, "'required' needs an exact channel "
			    "name: [channel NAME], not a pattern");
		c->required = 1;
		p->s->nrequired++;
		if (n == 1) {		/* required alone: reject */
			on->act = ACT_REJECT;
			return 0;
		}
		need = 1;
		break;
	case RULE_TYPE:
		if (n < 2)
			return perr(p, "usage: type number|int|string "
			    "[ACTION]");
		if (strcmp(tok[1], "number") == 0)
			c->type = TYPE_NUMBER;
		else if (strcmp(tok[1], "int") == 0)
			c->type = TYPE_INT;
		else if (strcmp(tok[1], "string") == 0)
			c->type = TYPE_STRING;
		else
			return perr(p, "type: unknown type '%s' (number, int "
			    "or string)", tok[1]);
		if (n == 2) {
			on->act = ACT_REJECT;
			return 0;
		}
		need = 2;
		break;
	case RULE_RANGE:
		if (n < 4)
			return perr(p, "usage: range LOW HIGH ACTION");
		if (parse_number(p, "range", tok[1], &c->lo) == -1 ||
		    parse_number(p, "range", tok[2], &c->hi) == -1)
			return -1;
		if (c->lo > c->hi)
			return perr(p, "range: low %s is above high %s",
			    tok[1], tok[2]);
		need = 3;
		break;
	case RULE_STEP:
	case RULE_SLOPE:
		if (n < 3)
			return perr(p, "usage: %s MAX ACTION", tok[0]);
		if (parse_number(p, tok[0], tok[1], r == RULE_STEP ?
		    &c->step : &c->slope) == -1)
			return -1;
		if (!((r == RULE_STEP ? c->step : c->slope) > 0) ||
		    isinf(r == RULE_STEP ? c->step : c->slope))
			return perr(p, "%s: MAX must be a positive number",
			    tok[0]);
		need = 2;
		break;
	case RULE_STUCK:
		if (n < 3)
			return perr(p, "usage: stuck N ACTION");
		if (parse_count(p, "stuck", tok[1], &c->stuck) == -1)
			return -1;
		if (c->stuck < 2)
			return perr(p, "stuck: N must be at least 2");
		need = 2;
		break;
	case RULE_FLAT:
		if (n < 4)
			return perr(p, "usage: flat N FLOOR ACTION");
		if (parse_count(p, "flat", tok[1], &c->flatn) == -1 ||
		    parse_number(p, "flat", tok[2], &c->flatvar) == -1)
			return -1;
		if (c->flatn < 2 || c->flatn > (1u << 20))
			return perr(p, "flat: N must be 2 to %u", 1u << 20);
		if (!(c->flatvar > 0) || isinf(c->flatvar))
			return perr(p, "flat: FLOOR must be a positive number");
		need = 3;
		break;
	default:
		return perr(p, "rule '%s' cannot be written", tok[0]);
	}
	if (n <= need)
		return perr(p, "%s: missing the action", tok[0]);
	if (parse_action(p, r, tok + need, n - need, on) == -1)
		return -1;
	if (c != NULL && c->type == TYPE_STRING && r >= RULE_NAN)
		return perr(p, "%s: channel %s has type string", tok[0],
		    c->name);
	return 0;
}

static int
parse_action(struct parser *p, enum rule r, char **tok, int n,
    struct action *on)
{
	const char *w = tok[0];
	int a;

	for (a = ACT_KEEP; a <= ACT_EVENT; a++)
		if (strcmp(w, act_names[a]) == 0)
			break;
	if (a > ACT_EVENT)
		return perr(p, "%s: unknown action '%s'", rule_names[r], w);
	if ((allowed[r] & A(a)) == 0) {
		char list[128] = "";
		int b;

		for (b = ACT_KEEP; b <= ACT_EVENT; b++)
			if (allowed[r] & A(b)) {
				if (list[0] != '\0')
					strcat(list, ", ");
				strcat(list, act_names[b]);
			}
		return perr(p, "%s: action '%s' not allowed here (%s)",
		    rule_names[r], w, list);
	}
	on->act = a;
	if (a == ACT_FILL && r == RULE_GAP) {
		if (n != 2)
			return perr(p, "usage: gap DURATION fill N (N: most "
			    "frames added per gap)");
		if (parse_count(p, "gap fill", tok[1], &on->n) == -1)
			return -1;
		if (on->n < 1 || on->n > LOOK_MAX)
			return perr(p, "gap fill: N must be 1 to %d",
			    LOOK_MAX);
		return 0;
	}
	if (a == ACT_FILL && n >= 2) {
		if (strcmp(tok[1], "linear") != 0 || n != 3)
			return perr(p, "%s: usage: fill, or fill linear N",
			    rule_names[r]);
		if (parse_count(p, "fill linear", tok[2], &on->n) == -1)
			return -1;
		if (on->n < 1 || on->n > LOOK_MAX)
			return perr(p, "fill linear: N must be 1 to %d",
			    LOOK_MAX);
		on->linear = 1;
		if (on->n > p->s->maxlook)
			p->s->maxlook = on->n;
		return 0;
	}
	if (n != 1)
		return perr(p, "%s: unexpected '%s' after the action",
		    rule_names[r], tok[1]);
	return 0;
}

static int
parse_number(struct parser *p, const char *rule, const char *w, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(w, &end);
	if (end == w || *end != '\0' || errno == ERANGE || isnan(*v))
		return perr(p, "%s: '%s' is not a number", rule, w);
	return 0;
}

static int
parse_count(struct parser *p, const char *rule, const char *w, uint32_t *v)
{
	uint64_t x;

	if (opt_u64(w, 0, UINT32_MAX, &x) != NULL || w[0] == '+')
		return perr(p, "%s: '%s' is not a count", rule, w);
	*v = (uint32_t)x;
	return 0;
}

/* Checks that need the whole file; defaults. */
static int
finish(struct parser *p)
{
	struct schema *s = p->s;
	size_t i;

	p->line = 0;
	if (s->on[RULE_GAP].act == ACT_FILL && s->on[RULE_RATE].act ==
	    ACT_NONE)
		return perr(p, "gap fill needs a rate line (the interval of "
		    "the frames it adds)");
	if (s->on[RULE_GAP].act != ACT_NONE && s->on[RULE_RATE].act !=
	    ACT_NONE && s->gap_ns <= s->rate_ns + s->tol_ns)
		return perr(p, "gap %.9g s is not longer than the rate "
		    "interval plus its tolerance", (double)s->gap_ns / 1e9);
	for (i = 0; i < s->nchan; i++) {
		struct chanrule *c = &s->chan[i];

		if (c->type == TYPE_STRING)
			continue;
		c->simple = c->type == TYPE_NUMBER &&
		    c->on[RULE_STEP].act == ACT_NONE &&
		    c->on[RULE_SLOPE].act == ACT_NONE &&
		    c->on[RULE_STUCK].act == ACT_NONE &&
		    c->on[RULE_FLAT].act == ACT_NONE;
		/* NaN and Inf never pass unless the schema says so */
		if (c->on[RULE_NAN].act == ACT_NONE)
			c->on[RULE_NAN].act = ACT_REJECT;
		if (c->on[RULE_INF].act == ACT_NONE)
			c->on[RULE_INF].act = ACT_REJECT;
		if (c->on[RULE_INF].act == ACT_CLAMP &&
		    c->on[RULE_RANGE].act == ACT_NONE) {
			p->line = c->line;
			return perr(p, "inf clamp needs a range rule");
		}
	}
	if (s->on[RULE_UNKNOWN].act == ACT_NONE)
		s->on[RULE_UNKNOWN].act = ACT_KEEP;
	return 0;
}

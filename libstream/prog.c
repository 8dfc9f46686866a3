/*
 * prog -- the part of a program that is the same in every one (prog.h):
 * counters and their equations, the first failure kept with its status,
 * the metrics file at start, when due and at exit, SIGUSR1 answered with
 * the accounting line, and the end: the failure said once, the line, the
 * equations checked.  filter.c adds the frame streams on top.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "metrics.h"
#include "opt.h"
#include "prog.h"
#include "stream.h"

double
prog_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
prog_init(struct prog *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->metrics_every = 10;
	p->status = EX_OK;
}

int
prog_option(struct prog *p, int ch, const char *arg)
{
	const char *why;
	int64_t ns;

	switch (ch) {
	case 'q':
		p->quiet = 1;
		return 1;
	case PROG_OPT_METRICS:
		p->metrics_path = arg;
		return 1;
	case PROG_OPT_METRICS_EVERY:
		if ((why = opt_duration(arg, OPT_NS_S, OPT_NS_S / 10,
		    86400 * OPT_NS_S, &ns)) != NULL) {
			snprintf(p->err, sizeof(p->err), "--metrics-every: %s",
			    why);
			return -1;
		}
		p->metrics_every = (double)ns / 1e9;
		return 1;
	default:
		return 0;
	}
}

int
prog_counter(struct prog *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->c.count; i++)
		if (strcmp(p->c.name[i], name) == 0)
			return (int)i;
	if (p->c.count == COUNTERS_MAX)
		return -1;
	p->c.name[p->c.count] = name;
	p->c.n[p->c.count] = 0;
	return (int)p->c.count++;
}

/*
 * The one equation "a + b = c + d" in s0[0..len), against the counters:
 * the sums of its sides into sum[0], sum[1].  0, or -1 with err set.
 */
static int
parse_one(const struct counters *c, const char *s0, size_t len,
    uint64_t sum[2], char *err, size_t errlen)
{
	const char *p = s0, *end = s0 + len, *s;
	unsigned i, side = 0;
	size_t k;

	sum[0] = sum[1] = 0;
	for (;;) {
		while (p < end && *p == ' ')
			p++;
		for (s = p; p < end && ((*p >= 'a' && *p <= 'z') ||
		    *p == '_' || (*p >= '0' && *p <= '9')); p++)
			;
		k = (size_t)(p - s);
		for (i = 0; k > 0 && i < c->count; i++)
			if (strlen(c->name[i]) == k &&
			    memcmp(c->name[i], s, k) == 0)
				break;
		if (k == 0 || i == c->count) {
			snprintf(err, errlen, k == 0 ? "equation '%.*s': a "
			    "counter name expected at '%.*s'" : "equation "
			    "'%.*s': no counter '%.*s'", (int)len, s0,
			    (int)(k == 0 ? (size_t)(end - s) : k), s);
			return -1;
		}
		sum[side] += c->n[i];
		while (p < end && *p == ' ')
			p++;
		if (p < end && (*p == '+' || (*p == '=' && side == 0))) {
			side += *p++ == '=';
			continue;
		}
		if (p == end && side == 1)
			return 0;
		snprintf(err, errlen, "equation '%.*s': '+', '=' or the end "
		    "expected at '%.*s'", (int)len, s0, (int)(end - p), p);
		return -1;
	}
}

/*
 * Each equation of eq in turn (';' between them, blanks around skipped).
 * 1 all hold, 0 one does not (with sums: said in err; without: never),
 * -1 one is malformed (err).
 */
static int
check(const struct counters *c, const char *eq, int sums, char *err,
    size_t errlen)
{
	const char *s = eq, *e;
	uint64_t sum[2];
	size_t len;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		e = strchr(s, ';');
		len = e != NULL ? (size_t)(e - s) : strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (parse_one(c, s, len, sum, err, errlen) == -1)
			return -1;
		if (sums && sum[0] != sum[1]) {
			snprintf(err, errlen, "the accounting does not "
			    "balance: %.*s, but %llu != %llu", (int)len, s,
			    (unsigned long long)sum[0],
			    (unsigned long long)sum[1]);
			return 0;
		}
		s = e != NULL ? e + 1 : s + len;
		while (*s == ' ')
			s++;
	}
	return 1;
}

int
prog_equation(struct prog *p, const char *eq)
{
	if (strlen(eq) >= sizeof(p->equation))
		snprintf(p->err, sizeof(p->err), "equation too long");
	else if (check(&p->c, eq, 0, p->err, sizeof(p->err)) != -1) {
		strcpy(p->equation, eq);
		return 0;
	}
	if (p->status == EX_OK)		/* a bug: said at the end */
		p->status = EX_SOFTWARE;
	return -1;
}

int
prog_start(struct prog *p)
{
	if (p->metrics_path != NULL && metrics_write(p->metrics_path,
	    p->name, &p->c, 1, p->err, sizeof(p->err)) == -1)
		return EX_CANTCREAT;
	p->metrics_next = prog_now() + p->metrics_every;
	stream_catch_signals();
	return EX_OK;
}

int
prog_interrupted(void)
{
	return stream_interrupted();
}

void
prog_tick(struct prog *p)
{
	char err[256];
	double t;

	if (p->metrics_path == NULL || (t = prog_now()) < p->metrics_next)
		return;
	p->metrics_next = t + p->metrics_every;
	if (metrics_write(p->metrics_path, p->name, &p->c, 1, err,
	    sizeof(err)) == -1)
		fprintf(stderr, "%s: %s\n", p->name, err);
}

void
prog_usr1(struct prog *p)
{
	prog_report(p);
	p->metrics_next = 0;
	prog_tick(p);
}

void
prog_poll(struct prog *p)
{
	if (stream_report_requested())
		prog_usr1(p);
	prog_tick(p);
}

int
prog_fail(struct prog *p, int status, const char *fmt, ...)
{
	va_list ap;

	if (p->status != EX_OK)
		return -1;
	p->status = status;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
prog_error(const struct prog *p)
{
	return p->err;
}

void
prog_report(const struct prog *p)
{
	char line[2048];
	size_t len;
	unsigned i;

	/* one write, so that the line is never cut by another's */
	len = (size_t)snprintf(line, sizeof(line), "%s:", p->name);
	for (i = 0; i < p->c.count && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    " %s=%llu", p->c.name[i], (unsigned long long)p->c.n[i]);
	fprintf(stderr, "%s%s\n", line, p->interrupted ? " (interrupted)" :
	    "");
}

int
prog_end(struct prog *p)
{
	char why[PROG_EQUATION_MAX + 128];

	p->interrupted |= stream_interrupted();
	if (p->status != EX_OK)
		fprintf(stderr, "%s: %s\n", p->name, p->err);
	if (!p->quiet || p->status != EX_OK)
		prog_report(p);
	if (p->metrics_path != NULL && metrics_write(p->metrics_path, p->name,
	    &p->c, 0, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s: %s\n", p->name, why);
		if (p->status == EX_OK)
			p->status = EX_IOERR;
	}
	if (check(&p->c, p->equation, 1, why, sizeof(why)) != 1) {
		fprintf(stderr, "%s: %s\n", p->name, why);
		p->status = EX_SOFTWARE;
	}
	return p->status;
}

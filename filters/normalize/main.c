/*
 * normalize -- put named channels on the scale the model was trained on.
 * Scales each channel of a parameters file (libstream/scaler.h) in sample
 * and features frames, y = (x - center) / scale, or back with --inverse;
 * --fit reads a stream instead and writes that file: Welford mean and
 * variance, min, max, and quartiles from a quantile sketch.  Channels the
 * file does not name, and frames of other kinds, pass through untouched.
 * A frame that lacks a channel to scale, or holds a non-number there, is
 * rejected (or dropped, or passed on unscaled and flagged: --missing).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "codec.h"
#include "filter.h"
#include "optx.h"
#include "scaler.h"
#include "fitter.h"

enum missing { MISS_REJECT, MISS_DROP, MISS_PASS };

/* A channel to scale: its line in the file, center and scale to apply. */
struct sel {
	const struct scaler_chan *c;
	struct scaler_chan	 use;	/* c with the center/scale applied */
	uint32_t		 hint;	/* record_find() hint */
	int			 at;	/* this frame: body index, -1 absent */
	int			 ok;	/* this frame: a number at 'at' */
};

static int		 quiet;		/* --fit */

static _Noreturn void	 usage(int);
static char		**split_names(char *, size_t *);
static struct sel	*select_channels(const struct scaler *, char **,
			    size_t, int, size_t *);
static void		 split_kinds(const struct sel *, size_t, struct sel **,
			    size_t *);
static int		 run_fit(const char *, const char *, char **, size_t,
			    int);
static int		 find_channels(struct sel *, size_t,
			    const struct record *);
static int		 scale_frame(const struct sel *, size_t,
			    struct record *, int, struct buf *);
static int		 reject_missing(struct filter *, const struct record *,
			    const struct sel *, size_t, int, const char *);

static const struct option opts[] = {
	{ "channels",	required_argument, NULL, 'c' },
	{ "config",	required_argument, NULL, 'C' },
	{ "fit",	no_argument,	   NULL, 'f' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "method",	required_argument, NULL, 'm' },
	{ "missing",	required_argument, NULL, 'M' },
	{ "params",	required_argument, NULL, 'p' },
	{ "inverse",	no_argument,	   NULL, 'u' },
	FILTER_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};
static const char optstr[] = FILTER_SHORTOPTS "C:c:fhm:p:u";

static _Noreturn void
usage(int status)
{
	optx_usage(status,
	    "usage: normalize [-qu] [-C file] [-c name,...] [-m method] [--missing action]\n"
	    "                 [--reject uri] [--metrics file] [-i uri] [-o uri]\n"
	    "                 -p params\n"
	    "       normalize -f [-q] [-C file] [-c name,...] [-m method] [-i uri] [-p params]\n", "\n"
	    "  -C, --config FILE    options from FILE, a \"long-option value\" a line\n"
	    "                       (the command line wins)\n"
	    "  -c, --channels LIST  scale (or fit) only these channels\n"
	    "  -f, --fit            read the stream, write the parameters file\n"
	    "  -h, --help           this help\n"
	    "  -m, --method M       zscore, minmax or robust (fit default zscore;\n"
	    "                       when scaling, overrides the file's methods)\n"
	    "      --missing A      a channel to scale absent or not a number:\n"
	    "                       reject (default), drop, or pass (flagged)\n"
	    "  -p, --params FILE    parameters file (read; with -f written,\n"
	    "                       default -)\n"
	    "  -u, --inverse        undo the scaling\n"
	    FILTER_USAGE
	    "Behaviours and exit statuses every program shares: "
	    "docs/filters.md.\n");
}

int
main(int argc, char *argv[])
{
	const char *params = NULL;
	struct filter f;
	struct scaler *sc = NULL;
	struct sel *sel = NULL, *sk[2], *ks;
	struct record *r;
	struct buf flag = BUF_INIT;
	char **names = NULL, errbuf[512];
	size_t nnames = 0, nsel = 0, nk[2], ns;
	int ch, fit = 0, inverse = 0, method = -1, miss = MISS_REJECT;
	int status, bad, o_given = 0, ci_unscaled;

	filter_init(&f, "normalize");
	optx_config(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		o_given |= ch == 'o' || ch == FILTER_OPT_REJECT;
		if (optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'c':
			free(names);
			if ((names = split_names(optarg, &nnames)) == NULL)
				usage(EX_USAGE);
			break;
		case 'f':
			fit = 1;
			break;
		case 'h':
			usage(EX_OK);
		case 'm':
			method = scale_method_parse(optarg, strlen(optarg));
			if (method <= SCALE_NONE)
				optx_badf("method", optarg, "'%s' is not "
				    "zscore, minmax or robust", optarg);
			break;
		case 'M':
			if (strcmp(optarg, "reject") == 0)
				miss = MISS_REJECT;
			else if (strcmp(optarg, "drop") == 0)
				miss = MISS_DROP;
			else if (strcmp(optarg, "pass") == 0)
				miss = MISS_PASS;
			else
				optx_badf("missing", optarg, "'%s' is not "
				    "reject, drop or pass", optarg);
			break;
		case 'p':
			params = optarg;
			break;
		case 'u':
			inverse = 1;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (fit) {
		if (inverse || o_given) {
			warnx("-f writes a parameters file (-p): -u, -o and "
			    "--reject do not apply");
			usage(EX_USAGE);
		}
		quiet = f.p.quiet;
		status = run_fit(f.in_uri, params ? params : "-", names,
		    nnames, method < 0 ? SCALE_ZSCORE : method);
		free(names);
		return status;
	}
	if (params == NULL) {
		warnx("-p FILE is required (or -f to write one)");
		usage(EX_USAGE);
	}

	/* parameters, then endpoints: every mistake before the first frame */
	if ((sc = scaler_load(params, errbuf, sizeof(errbuf))) == NULL)
		errx(errno == EINVAL ? EX_DATAERR : EX_NOINPUT, "%s", errbuf);
	sel = select_channels(sc, names, nnames, method, &nsel);
	split_kinds(sel, nsel, sk, nk);
	ci_unscaled = filter_counter(&f, "unscaled");
	if ((status = filter_open(&f)) != EX_OK)
		errx(status, "%s", filter_error(&f));

	while (filter_read(&f, &r) == FILTER_FRAME) {
		if ((r->kind != KIND_SAMPLE && r->kind != KIND_FEATURES) ||
		    (ns = nk[r->kind == KIND_FEATURES]) == 0) {
			if (filter_pass(&f, r) == -1)	/* unchanged */
				break;
			continue;
		}
		ks = sk[r->kind == KIND_FEATURES];
		if ((bad = find_channels(ks, ns, r)) > 0 &&
		    miss != MISS_PASS) {
			if (miss == MISS_DROP)
				filter_drop(&f);
			else if (reject_missing(&f, r, ks, ns, bad,
			    params) == -1)
				break;
			continue;
		}
		if (scale_frame(ks, ns, r, inverse, &flag) > 0)
			FILTER_COUNT(&f, ci_unscaled)++;
		if (filter_emit(&f, r) == -1)
			break;
	}
	status = filter_close(&f);
	buf_free(&flag);
	free(sk[0]);
	free(sk[1]);
	free(sel);
	free(names);
	scaler_free(&sc);
	return status;
}

/* "a,b,c" into a NULL-terminated array pointing into s (modified). */
static char **
split_names(char *s, size_t *n)
{
	char **v, *p;
	size_t i, j, k = 1;

	for (p = s; *p; p++)
		k += *p == ',';
	if ((v = calloc(k + 1, sizeof(*v))) == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; (p = strsep(&s, ",")) != NULL; i++) {
		if (*p == '\0') {
			warnx("-c: an empty channel name");
			free(v);
			return NULL;
		}
		for (j = 0; j < i; j++)
			if (strcmp(v[j], p) == 0) {
				warnx("-c: channel %s named twice", p);
				free(v);
				return NULL;
			}
		v[i] = p;
	}
	*n = i;
	return v;
}

/*
 * The channels to scale: those named (each must be in the file and have a
 * scale > 0 by its method, or by -m's), or every line of the file that
 * has one (lines of method none, or whose scale by -m would be 0, stay as
 * they are, with a warning for the latter).  Exits on a mistake.
 */
static struct sel *
select_channels(const struct scaler *sc, char **names, size_t nnames,
    int method, size_t *np)
{
	const struct scaler_chan *c;
	struct sel *sel;
	size_t i, n = 0, want = nnames ? nnames : sc->nchan;
	int m;

	if ((sel = calloc(want ? want : 1, sizeof(*sel))) == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < want; i++) {
		c = nnames ? scaler_find(sc, names[i], strlen(names[i])) :
		    &sc->chan[i];
		if (c == NULL) {
			free(sel);	/* not a leak to LeakSanitizer */
			errx(EX_DATAERR, "%s: channel %s: not in the "
			    "parameters file", sc->name, names[i]);
		}
		m = method >= 0 ? method : c->method;
		sel[n].c = c;
		sel[n].use = *c;
		if (method >= 0 && scaler_derive(c, method,
		    &sel[n].use.center, &sel[n].use.scale) == -1) {
			free(sel);	/* not a leak to LeakSanitizer */
			errx(EX_DATAERR, "%s:%d: channel %s: -m %s needs the "
			    "statistics it takes its center and scale from",
			    sc->name, c->line, c->name, scale_method_name(m));
		}
		if (m != SCALE_NONE && sel[n].use.scale > 0 &&
		    isfinite(sel[n].use.scale)) {
			n++;
			continue;
		}
		/* not scalable: an error if asked for by name */
		if (m == SCALE_NONE && nnames == 0)
			continue;
		if (nnames == 0) {
			warnx("%s:%d: channel %s: %s scale is 0 (min %.17g, "
			    "max %.17g): left as it is", sc->name, c->line,
			    c->name, scale_method_name(m), c->min, c->max);
			continue;
		}
		if (m == SCALE_NONE) {
			free(sel);	/* not a leak to LeakSanitizer */
			errx(EX_DATAERR, "%s:%d: channel %s: method none "
			    "%s: cannot scale it", sc->name, c->line, c->name,
			    (c->have & (1u << ST_MIN)) && (c->have &
			    (1u << ST_MAX)) && c->min == c->max ?
			    "(constant in the fitted data, scale 0)" :
			    "(not scaled)");
		}
		free(sel);	/* not a leak to LeakSanitizer */
		errx(EX_DATAERR, "%s:%d: channel %s: fitted %s scale is 0%s: "
		    "cannot scale it", sc->name, c->line, c->name,
		    scale_method_name(m), c->min == c->max ?
		    " (constant in the fitted data)" : "");
	}
	*np = n;
	return sel;
}

/*
 * Locate every channel to scale in r.  Returns how many are absent or not
 * a number (bool counts as not a number): 0 means the frame can be scaled.
 */
static int
find_channels(struct sel *sel, size_t nsel, const struct record *r)
{
	const struct value *v;
	size_t i;
	int bad = 0;

	for (i = 0; i < nsel; i++) {
		sel[i].at = record_find(r, sel[i].c->name, sel[i].c->len,
		    &sel[i].hint);
		sel[i].ok = 0;
		if (sel[i].at >= 0) {
			v = &r->body[sel[i].at].v;
			sel[i].ok = v->type == VAL_F64 || v->type == VAL_F32 ||
			    v->type == VAL_INT || v->type == VAL_UINT;
		}
		bad += !sel[i].ok;
	}
	return bad;
}

/*
 * Scale (or unscale) the channels find_channels() found in r, in place.
 * Those it did not are listed in meta "unscaled" ("a,b"; flag holds the
 * text until the frame is written).  Returns how many were not scaled.
 */
static int
scale_frame(const struct sel *sel, size_t nsel, struct record *r,
    int inverse, struct buf *flag)
{
	struct value fv;
	struct field *f;
	size_t i;
	int left = 0;
	double x;

	buf_reset(flag);
	for (i = 0; i < nsel; i++) {
		if (!sel[i].ok) {
			if ((left++ > 0 && buf_putc(flag, ',') == -1) ||
			    buf_append(flag, sel[i].c->name,
			    sel[i].c->len) == -1)
				err(EX_OSERR, NULL);
			continue;
		}
		f = &r->body[sel[i].at];
		value_f64(&f->v, &x);
		f->v = val_f64(inverse ? scaler_inverse(&sel[i].use, x) :
		    scaler_forward(&sel[i].use, x));
	}
	if (left > 0) {
		fv = val_str(flag->p, flag->len);
		if (record_meta_set(r, "unscaled", &fv) == -1)
			err(EX_OSERR, NULL);
	}
	return left;
}

/* Reject r for the first channel find_channels() could not use. */
static int
reject_missing(struct filter *f, const struct record *r,
    const struct sel *sel, size_t nsel, int bad, const char *params)
{
	struct reject rj = { 0 };
	char why[512];
	size_t i, len;

	for (i = 0; i < nsel && sel[i].ok; i++)
		;
	if (sel[i].at < 0)
		snprintf(why, sizeof(why), "channel %s is missing, and the "
		    "normalize parameters (%s) scale it", sel[i].c->name,
		    params);
	else
		snprintf(why, sizeof(why), "channel %s is not a number, so it "
		    "cannot be scaled", sel[i].c->name);
	len = strlen(why);
	if (bad > 1)
		snprintf(why + len, sizeof(why) - len, " (and %d more "
		    "channel%s)", bad - 1, bad > 2 ? "s" : "");
	rj.rule = sel[i].at < 0 ? "required" : "type";
	rj.field = sel[i].c->name;
	rj.flen = sel[i].c->len;
	rj.value = sel[i].at < 0 ? NULL : &r->body[sel[i].at].v;
	rj.reason = why;
	return filter_reject(f, r, &rj);
}

/* The channels that apply to sample frames (k[0]) and features (k[1]). */
static void
split_kinds(const struct sel *sel, size_t n, struct sel **k, size_t *nk)
{
	static const int bit[2] = { SCALER_SAMPLE, SCALER_FEATURES };
	size_t i, j;

	for (j = 0; j < 2; j++) {
		if ((k[j] = calloc(n ? n : 1, sizeof(**k))) == NULL)
			err(EX_OSERR, NULL);
		nk[j] = 0;
		for (i = 0; i < n; i++)
			if (sel[i].use.kinds == 0 || (sel[i].use.kinds & bit[j]))
				k[j][nk[j]++] = sel[i];
	}
}

static int
run_fit(const char *in, const char *params, char **names, size_t nnames,
    int method)
{
	struct stream *src;
	struct fitter f;
	struct scaler *sc;
	struct record *r;
	struct buf text = BUF_INIT;
	struct prog pr;
	const char *renameto = NULL;
	struct stat st;
	char tmp[4096];
	size_t i;
	int n, status = EX_OK, fin, fused, fother, fbad;
	FILE *fp;

	if (fitter_init(&f, names, nnames) == -1)
		err(EX_OSERR, NULL);
	if ((src = stream_open(in, "r")) == NULL)
		errx(EX_NOINPUT, "%s: %s", in, errno == EINVAL ?
		    stream_open_error() : strerror(errno));
	prog_init(&pr, "normalize");
	fin = prog_counter(&pr, "in");
	fused = prog_counter(&pr, "fitted");
	fother = prog_counter(&pr, "other");
	fbad = prog_counter(&pr, "bad");
	(void)prog_equation(&pr, "in = fitted + other + bad");
	(void)prog_start(&pr);		/* signals; no metrics file */
	for (;;) {
		prog_poll(&pr);
		if ((n = stream_read(src, &r)) == STREAM_EOF)
			break;
		if (n == STREAM_ERR)
			errx(EX_DATAERR, "%s", stream_error(src));
		PROG_COUNT(&pr, fin)++;
		if (n == STREAM_BAD) {
			warnx("%s: skipped", stream_error(src));
			PROG_COUNT(&pr, fbad)++;
			continue;
		}
		if (r->kind != KIND_SAMPLE && r->kind != KIND_FEATURES) {
			PROG_COUNT(&pr, fother)++;
			continue;
		}
		if (fitter_add(&f, r) == -1) {
			if (errno == E2BIG)
				errx(EX_DATAERR, "%s: more than %d channels; "
				    "name the ones to fit with -c", in,
				    FIT_MAXCHAN);
			err(EX_OSERR, NULL);
		}
		PROG_COUNT(&pr, fused)++;
	}
	stream_close(&src);
	if (stream_interrupted())
		errx(EX_TEMPFAIL, "interrupted: no parameters written");

	if ((sc = fitter_result(&f, method, params)) == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < f.nchan; i++) {
		if (f.chan[i].m.n == 0 && (f.chan[i].named ||
		    f.chan[i].nonfinite > 0))
			warnx("%s: no finite number in %llu frame%s: left out",
			    f.chan[i].name, (unsigned long long)
			    PROG_COUNT(&pr, fused), PROG_COUNT(&pr, fused) ==
			    1 ? "" : "s");
		else if (f.chan[i].named && fitter_missing(&f, &f.chan[i]))
			warnx("%s: missing from %llu of %llu %s frames",
			    f.chan[i].name, (unsigned long long)
			    fitter_missing(&f, &f.chan[i]),
			    (unsigned long long)(f.chan[i].kinds ==
			    SCALER_FEATURES ? f.kframes[1] : f.chan[i].kinds ==
			    SCALER_SAMPLE ? f.kframes[0] : f.frames),
			    f.chan[i].kinds == SCALER_FEATURES ? "features" :
			    f.chan[i].kinds == SCALER_SAMPLE ? "sample" :
			    "sample and features");
		if (f.chan[i].nonfinite > 0)
			warnx("%s: %llu NaN or infinite value%s not fitted",
			    f.chan[i].name,
			    (unsigned long long)f.chan[i].nonfinite,
			    f.chan[i].nonfinite == 1 ? "" : "s");
		if (f.chan[i].nonnumber > 0)
			warnx("%s: %llu value%s not a number, not fitted",
			    f.chan[i].name,
			    (unsigned long long)f.chan[i].nonnumber,
			    f.chan[i].nonnumber == 1 ? "" : "s");
	}
	for (i = 0; i < sc->nchan; i++)
		if (sc->chan[i].note != NULL)
			warnx("%s", sc->chan[i].note);
	if (sc->nchan == 0) {
		warnx("%s: no channel with a finite number: no parameters "
		    "written", in);
		status = EX_DATAERR;
		goto done;
	}
	if (scaler_format(&text, sc) == -1)
		err(EX_OSERR, NULL);

	/*
	 * A regular file is written beside and renamed over, so that it is
	 * never left half written; anything else (stdout, a device, a fifo)
	 * is written in place.
	 */
	if (strcmp(params, "-") == 0)
		fp = stdout;
	else if (stat(params, &st) == 0 && !S_ISREG(st.st_mode)) {
		if ((fp = fopen(params, "w")) == NULL)
			err(EX_CANTCREAT, "%s", params);
	} else {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", params,
		    (long)getpid()) >= sizeof(tmp))
			errx(EX_USAGE, "%s: name too long", params);
		if ((fp = fopen(tmp, "w")) == NULL)
			err(EX_CANTCREAT, "%s", tmp);
		renameto = params;
	}
	if (fwrite(text.p, 1, text.len, fp) != text.len ||
	    (fp == stdout ? fflush(fp) : fclose(fp)) == EOF) {
		if (renameto != NULL)
			unlink(tmp);
		err(EX_IOERR, "%s", renameto ? tmp : params);
	}
	if (renameto != NULL && rename(tmp, renameto) == -1) {
		unlink(tmp);
		err(EX_CANTCREAT, "%s", params);
	}
done:
	pr.quiet = quiet;
	if (prog_end(&pr) != EX_OK)
		status = EX_SOFTWARE;
	buf_free(&text);
	scaler_free(&sc);
	fitter_free(&f);
	return status;
}

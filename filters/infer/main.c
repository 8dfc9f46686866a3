/*
 * infer -- score features frames with a model bundle: prediction frames out
 * (docs/protocol.md "prediction", docs/infer.md).
 *
 * A frame of the kind scored (features, or sample with --kind sample) has
 * its model features looked up by name (one hint per feature: a stream
 * repeats its layout), is scored and replaced by its prediction; frames of
 * other kinds pass through unchanged, in order.  A frame that lacks a
 * feature, or holds NaN where --nan reject (the default) says so, is
 * rejected naming the features.
 *
 * Batching never adds latency: a frame is scored at once unless more frames
 * are already queued on the input (filter_pending()) and the model gains
 * from BLAS (model.h: blas_min, measured when the model loads); then up to
 * --batch of them are copied aside and scored in one go through BLAS.
 *
 * Hot swap: a loader thread looks at the bundle path every 50 ms (--poll;
 * stat, following the symlink a registry flips) and on SIGHUP; it loads, checks
 * (digest, signature, shapes) and prepares the new model off the hot path.
 * The main thread takes it between two frames, after the current batch:
 * if the next frame to score has every feature it needs, it serves from
 * then on (an event frame "model_swap" says so); otherwise, or if it failed
 * to load, it is refused (event "model_refused", and a warning) and the
 * old model keeps serving.
 *
 * Counts: in + events = out + rejected + dropped + unwritten (events: the
 * event frames infer itself writes).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "filter.h"
#include "optx.h"
#include "model.h"
#include "tmpl.h"

#define IDLE	2		/* not a filter_read() status: flush what is held */
#define BATCH_DEFAULT	64
#define BATCH_MAX	4096
#define POLL_MS		50

enum { OPT_BATCH = FILTER_OPT_OWN, OPT_BLASMIN, OPT_KEEP, OPT_KIND, OPT_NAN, OPT_POLL,
	OPT_SHADOW };
enum { NAN_REJECT, NAN_MEAN };

/* A model being served: the bundle, its compiled form, what infer needs
 * per frame (keys and hints). */
struct serving {
	struct bundle	*b;
	struct model	*m;
	char		*id;		/* name@version */
	size_t		 idlen;
	char		**pkey;		/* "p.CLASS" or "shadow.p.CLASS" */
	char		**okey;		/* "out.J" */
	uint32_t	*hint;		/* per feature */
	size_t		*flen;		/* per feature: strlen of its name */
	double		*fill;		/* per feature: the training mean */
	int		 shadow;
};

struct loader {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	const char	*path;
	const uint8_t	*pubkey;
	struct stat	 seen;		/* the file last loaded (or refused) */
	size_t		 maxbatch;
	long		 blas_min;	/* -1: measured */
	long		 poll_ms;	/* 0: SIGHUP only */
	atomic_int	 ready;		/* a result waits in the fields below */
	atomic_int	 stop;
	struct bundle	*b;
	struct model	*m;
	char		 err[768];
};

static volatile sig_atomic_t hup;

static _Noreturn void	 usage(int);
static struct serving	*serve_new(struct bundle *, struct model *, int,
			    char *, size_t);
static void		 serve_free(struct serving **);
static int		 features_row(struct serving *, const struct record *,
			    double *, int, char *, size_t, int *);
static int		 emit_prediction(struct filter *, struct record *,
			    const struct record *, struct serving *,
			    const double *, struct serving *, const double *,
			    int);
static int		 emit_event(struct filter *, struct record *,
			    const char *, const char *, const char *,
			    const char *);
static void		*loader_main(void *);
static int		 same_file(const struct stat *, const struct stat *);

static _Noreturn void
usage(int status)
{
	optx_usage(status,
	    "usage: infer [-q] [-C file] [-k pubkey] [--batch n] [--blas-min n] [--keep]\n"
	    "             [--kind kind]"
	    " [--nan reject|mean] [--poll ms] [--shadow bundle]\n"
	    "             [--reject uri] [--metrics file] [-i uri] [-o uri]\n"
	    "             -m bundle\n", "\n"
	    "  -C, --config FILE     options from FILE, a \"long-option value\" "
	    "a line\n"
	    "                        (the command line wins)\n"
	    "  -m, --model FILE      the bundle to serve (a symlink may be "
	    "flipped:\n"
	    "                        infer swaps to its new target between "
	    "frames)\n"
	    "  -k, --pubkey FILE     serve only bundles signed by this key\n"
	    "      --batch N         score at most N queued frames at once "
	    "(default 64)\n"
	    "      --blas-min N      use BLAS from N rows on (0: never, and "
	    "OpenBLAS is not\n"
	    "                        loaded; default: measured on the model "
	    "when it loads)\n"
	    "      --keep            keep the input's fields in the prediction\n"
	    "      --kind KIND       score frames of this kind: features "
	    "(default)\n"
	    "                        or sample\n"
	    "      --nan ACTION      a NaN feature: reject the frame (default), "
	    "or\n"
	    "                        mean: use the training mean (counted)\n"
	    "      --poll MS         look for a new bundle every MS ms (or a "
	    "duration:\n"
	    "                        500ms, 1s; default 50;"
	    "\n"
	    "                        0: only on SIGHUP)\n"
	    "      --shadow FILE     score this bundle too, as shadow.* fields\n"
	    "  -h, --help            this help\n"
	    FILTER_USAGE
	    "SIGHUP reloads the bundle.\n");
}

static void
on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		FILTER_LONGOPTS,
		{ "batch",	required_argument,	NULL, OPT_BATCH },
		{ "blas-min",	required_argument,	NULL, OPT_BLASMIN },
		{ "config",	required_argument,	NULL, 'C' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "keep",	no_argument,		NULL, OPT_KEEP },
		{ "kind",	required_argument,	NULL, OPT_KIND },
		{ "model",	required_argument,	NULL, 'm' },
		{ "nan",	required_argument,	NULL, OPT_NAN },
		{ "poll",	required_argument,	NULL, OPT_POLL },
		{ "pubkey",	required_argument,	NULL, 'k' },
		{ "shadow",	required_argument,	NULL, OPT_SHADOW },
		{ NULL, 0, NULL, 0 }
	};
	struct filter f;
	struct record *r, *pr, **held = NULL;
	struct serving *sv = NULL, *sh = NULL, *cand = NULL, *old;
	struct loader ld;
	struct sigaction sa;
	const char *mpath = NULL, *kpath = NULL, *spath = NULL;
	uint8_t pk[32];
	char errbuf[1024];
	double *X = NULL, *Y = NULL, *XS = NULL, *YS = NULL;
	size_t maxbatch = BATCH_DEFAULT, nb = 0, i;
	long poll_ms = POLL_MS;
	long ld_blas_min = -1;		/* -1: as model_new() measured */
	int ch, st, kind = KIND_FEATURES, nanact = NAN_REJECT, keep = 0;
	int ci_events, ci_missing, ci_nan, ci_filled, ci_swaps, ci_refused;
	int ci_batches, shok[BATCH_MAX], nfill, cur = 0;
	struct bundle *b;
	struct model *m;

	static const char optstr[] = FILTER_SHORTOPTS "C:hk:m:";

	filter_init(&f, "infer");
	optx_config(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		if (optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 'k':
			kpath = optarg;
			break;
		case 'm':
			mpath = optarg;
			break;
		case OPT_BATCH:
			maxbatch = optx_u64("batch", optarg, 1, BATCH_MAX);
			break;
		case OPT_BLASMIN:
			ld_blas_min = (long)optx_u64("blas-min", optarg, 0,
			    BATCH_MAX);
			break;
		case OPT_KEEP:
			keep = 1;
			break;
		case OPT_KIND:
			if (strcmp(optarg, "features") == 0)
				kind = KIND_FEATURES;
			else if (strcmp(optarg, "sample") == 0)
				kind = KIND_SAMPLE;
			else
				optx_badf("kind", optarg, "'%s' is not "
				    "features or sample", optarg);
			break;
		case OPT_NAN:
			if (strcmp(optarg, "reject") == 0)
				nanact = NAN_REJECT;
			else if (strcmp(optarg, "mean") == 0)
				nanact = NAN_MEAN;
			else
				optx_badf("nan", optarg, "'%s' is not reject "
				    "or mean", optarg);
			break;
		case OPT_POLL:
			/* a bare number is milliseconds */
			poll_ms = (long)(optx_dur("poll", optarg, 1000000, 0,
			    3600 * OPT_NS_S) / 1000000);
			break;
		case OPT_SHADOW:
			spath = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc || mpath == NULL)
		usage(EX_USAGE);

	/* the models, before any stream is opened */
	if (kpath != NULL && bundle_key_read(kpath, pk, 32, errbuf,
	    sizeof(errbuf)) == -1)
		errx(EX_NOINPUT, "%s", errbuf);
	if ((b = bundle_load(mpath, kpath ? pk : NULL, errbuf,
	    sizeof(errbuf))) == NULL)
		errx(access(mpath, R_OK) == 0 ? EX_DATAERR : EX_NOINPUT, "%s",
		    errbuf);
	if (ld_blas_min == 0)
		model_blas_never();	/* not even loaded: memory */
	/* OpenBLAS runs on one thread here (model.c): say so before it is
	   loaded, so that it starts no thread pool (a user's setting wins) */
	if (setenv("OPENBLAS_NUM_THREADS", "1", 0) == -1)
		err(EX_OSERR, "setenv");
	if ((m = model_new(b, maxbatch, errbuf, sizeof(errbuf))) == NULL ||
	    (sv = serve_new(b, m, 0, errbuf, sizeof(errbuf))) == NULL)
		errx(EX_DATAERR, "%s", errbuf);
	if (ld_blas_min >= 0)
		m->blas_min = (size_t)ld_blas_min;
	if (spath != NULL) {
		if ((b = bundle_load(spath, kpath ? pk : NULL, errbuf,
		    sizeof(errbuf))) == NULL)
			errx(access(spath, R_OK) == 0 ? EX_DATAERR : EX_NOINPUT,
			    "%s", errbuf);
		if ((m = model_new(b, maxbatch, errbuf, sizeof(errbuf))) ==
		    NULL || (sh = serve_new(b, m, 1, errbuf, sizeof(errbuf))) ==
		    NULL)
			errx(EX_DATAERR, "%s", errbuf);
		if (ld_blas_min >= 0)
			m->blas_min = (size_t)ld_blas_min;
	}

	ci_events = filter_counter(&f, "events");
	ci_missing = filter_counter(&f, "missing");
	ci_nan = filter_counter(&f, "nan");
	ci_filled = filter_counter(&f, "nan_filled");
	ci_swaps = filter_counter(&f, "swaps");
	ci_refused = filter_counter(&f, "refused");
	ci_batches = filter_counter(&f, "batches");
	if (filter_equation(&f, "in + events = out + rejected + dropped + "
	    "unwritten") == -1)
		errx(EX_SOFTWARE, "%s", filter_error(&f));
	if ((st = filter_open(&f)) != EX_OK)
		errx(st, "%s", filter_error(&f));
	/* after filter_open(): an endpoint refused exits with nothing held */
	if ((X = malloc(maxbatch * sizeof(double) * (sv->m->n + 1))) ==
	    NULL || (held = calloc(maxbatch, sizeof(*held))) == NULL ||
	    (pr = record_new()) == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < maxbatch; i++)
		if ((held[i] = record_new()) == NULL)
			err(EX_OSERR, NULL);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	memset(&ld, 0, sizeof(ld));
	ld.path = mpath;
	ld.pubkey = kpath ? pk : NULL;
	ld.maxbatch = maxbatch;
	ld.poll_ms = poll_ms;
	ld.blas_min = ld_blas_min;
	stat(mpath, &ld.seen);
	pthread_mutex_init(&ld.mu, NULL);
	if ((errno = pthread_create(&ld.th, NULL, loader_main, &ld)) != 0)
		err(EX_OSERR, "pthread_create");

	Y = NULL;
	for (;;) {
		int got, scorable, flush;

		/* frames held for a batch and nothing more queued: score
		 * them now, before a read that may wait (no added latency) */
		if (nb > 0 && !filter_pending(&f))
			got = IDLE;
		else
			got = filter_read(&f, &r);

		cur = got == FILTER_FRAME;	/* read, not yet written */

		/* a model from the loader: refuse now, or hold until the next
		 * frame to score says whether it fits */
		if (atomic_load_explicit(&ld.ready, memory_order_acquire)) {
			pthread_mutex_lock(&ld.mu);
			b = ld.b;
			m = ld.m;
			ld.b = NULL;
			ld.m = NULL;
			snprintf(errbuf, sizeof(errbuf), "%s", ld.err);
			atomic_store(&ld.ready, 0);
			pthread_mutex_unlock(&ld.mu);
			serve_free(&cand);
			if (b != NULL && m != NULL && (cand = serve_new(b, m, 0,
			    errbuf, sizeof(errbuf))) != NULL)
				;
			else {
				warnx("%s: refused, still serving %s", errbuf,
				    sv->id);
				FILTER_COUNT(&f, ci_refused)++;
				FILTER_COUNT(&f, ci_events)++;
				if (emit_event(&f, pr, "model_refused", mpath,
				    errbuf, sv->id) == -1)
					break;
			}
		}
		scorable = got == FILTER_FRAME && r->kind == kind;
		/* score what is held when this frame cannot join it */
		flush = nb > 0 && (got != FILTER_FRAME || !scorable ||
		    nb == maxbatch || (cand != NULL));
		if (flush) {
			if (Y == NULL && ((Y = malloc(maxbatch * sv->m->nout *
			    sizeof(double))) == NULL))
				err(EX_OSERR, NULL);
			model_score(sv->m, X, nb, Y);
			if (sh != NULL)
				model_score(sh->m, XS, nb, YS);
			FILTER_COUNT(&f, ci_batches)++;
			for (i = 0; i < nb; i++)
				if (emit_prediction(&f, pr, held[i], sv, Y +
				    i * sv->m->nout, sh, sh && shok[i] ? YS + i *
				    sh->m->nout : NULL, keep) == -1)
					break;
			if (i < nb) {		/* the output failed */
				nb -= i + 1;	/* held, never written */
				break;
			}
			nb = 0;
		}
		if (got == IDLE)
			continue;
		if (got != FILTER_FRAME)
			break;
		if (!scorable) {
			cur = 0;
			if (filter_pass(&f, r) == -1)
				break;
			continue;
		}
		if (cand != NULL) {
			/* between two frames, with nothing held: swap if
			 * the frame has every feature the new model needs */
			double *row = malloc((cand->m->n + 1) *
			    sizeof(double));
			int bad;

			if (row == NULL)
				err(EX_OSERR, NULL);
			bad = features_row(cand, r, row, nanact, errbuf,
			    sizeof(errbuf), &nfill);
			free(row);

			if (bad == 1) {
				char why[1100];

				snprintf(why, sizeof(why), "%s@%s does not fit "
				    "the stream: %s", cand->b->name,
				    cand->b->version, errbuf);
				warnx("%s: %s; still serving %s", mpath, why,
				    sv->id);
				FILTER_COUNT(&f, ci_refused)++;
				serve_free(&cand);
				FILTER_COUNT(&f, ci_events)++;
				if (emit_event(&f, pr, "model_refused", mpath,
				    why, sv->id) == -1)
					break;
			} else {
				FILTER_COUNT(&f, ci_events)++;
				FILTER_COUNT(&f, ci_swaps)++;
				if (emit_event(&f, pr, "model_swap", mpath,
				    cand->id, sv->id) == -1)
					break;
				old = sv;
				sv = cand;
				cand = NULL;
				serve_free(&old);
				free(X);
				free(Y);
				Y = NULL;
				if ((X = malloc(maxbatch * sizeof(double) *
				    (sv->m->n + 1))) == NULL)
					err(EX_OSERR, NULL);
			}
		}
		/* the row */
		{
			int bad = features_row(sv, r, X + nb * sv->m->n, nanact,
			    errbuf, sizeof(errbuf), &nfill);
			struct reject why;

			if (bad) {
				memset(&why, 0, sizeof(why));
				why.rule = bad == 1 ? "missing" : "nan";
				why.reason = errbuf;
				FILTER_COUNT(&f, bad == 1 ? ci_missing : ci_nan)++;
				cur = 0;
				if (filter_reject(&f, r, &why) == -1)
					break;
				continue;
			}
			FILTER_COUNT(&f, ci_filled) += nfill;
			if (sh != NULL) {
				if (XS == NULL && ((XS = malloc(maxbatch *
				    sizeof(double) * sh->m->n)) == NULL ||
				    (YS = malloc(maxbatch * sizeof(double) *
				    sh->m->nout)) == NULL))
					err(EX_OSERR, NULL);
				shok[nb] = features_row(sh, r, XS + nb *
				    sh->m->n, NAN_MEAN, errbuf, sizeof(errbuf),
				    &nfill) == 0;
			}
		}
		if (nb == 0 && (!filter_pending(&f) || sv->m->blas_min == 0 ||
		    maxbatch == 1)) {
			/* a lone frame (or a model BLAS does not speed up):
			 * score it now, from the input record */
			double y[256], ys[256], *yp = y, *ysp = ys;

			if (sv->m->nout > 256 && (yp = malloc(sv->m->nout *
			    sizeof(double))) == NULL)
				err(EX_OSERR, NULL);
			if (sh && sh->m->nout > 256 && (ysp = malloc(
			    sh->m->nout * sizeof(double))) == NULL)
				err(EX_OSERR, NULL);
			model_score(sv->m, X, 1, yp);
			if (sh != NULL && shok[0])
				model_score(sh->m, XS, 1, ysp);
			cur = 0;
			st = emit_prediction(&f, pr, r, sv, yp, sh, sh &&
			    shok[0] ? ysp : NULL, keep);
			if (yp != y)
				free(yp);
			if (ysp != ys)
				free(ysp);
			if (st == -1)
				break;
			continue;
		}
		if (record_copy(held[nb], r) == -1)
			err(EX_OSERR, NULL);
		nb++;
		cur = 0;
	}
	/* after a failed write: what was read and never handed on */
	FILTER_COUNT(&f, f.ci_unwritten) += nb + cur;

	atomic_store(&ld.stop, 1);
	pthread_join(ld.th, NULL);
	bundle_free(&ld.b);
	model_free(&ld.m);
	serve_free(&cand);
	serve_free(&sv);
	serve_free(&sh);
	for (i = 0; i < maxbatch; i++)
		record_free(&held[i]);
	free(held);
	record_free(&pr);
	free(X);
	free(Y);
	free(XS);
	free(YS);
	return filter_close(&f);
}

/* ---- serving ---------------------------------------------------------------- */

static struct serving *
serve_new(struct bundle *b, struct model *m, int shadow, char *err,
    size_t errlen)
{
	struct serving *s;
	uint32_t i;
	size_t n;
	const char *pfx = shadow ? "shadow." : "";

	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem;
	s->b = b;
	s->m = m;
	s->shadow = shadow;
	n = strlen(b->name) + strlen(b->version) + 2;
	if ((s->id = malloc(n)) == NULL)
		goto nomem;
	s->idlen = (size_t)snprintf(s->id, n, "%s@%s", b->name, b->version);
	if ((s->hint = calloc(b->nfeat, sizeof(uint32_t))) == NULL ||
	    (s->flen = calloc(b->nfeat, sizeof(size_t))) == NULL ||
	    (s->fill = calloc(b->nfeat, sizeof(double))) == NULL)
		goto nomem;
	for (i = 0; i < b->nfeat; i++)
		s->flen[i] = strlen(b->feat[i]);
	for (i = 0; i < b->nfeat; i++)
		s->fill[i] = b->scale_mean ? b->scale_mean[i] : b->prof &&
		    b->prof[i].count ? b->prof[i].mean : 0;
	if (m->nclass > 0) {
		if ((s->pkey = calloc(m->nclass, sizeof(char *))) == NULL)
			goto nomem;
		for (i = 0; i < m->nclass; i++) {
			char num[16];
			const char *lab = i < b->nlabels ? b->labels[i] : num;

			snprintf(num, sizeof(num), "%u", i);
			n = strlen(pfx) + 2 + strlen(lab) + 1;
			if ((s->pkey[i] = malloc(n)) == NULL)
				goto nomem;
			snprintf(s->pkey[i], n, "%sp.%s", pfx, lab);
		}
	} else if (m->nout > 1 && m->type != MODEL_PCA) {
		if ((s->okey = calloc(m->nout, sizeof(char *))) == NULL)
			goto nomem;
		for (i = 0; i < m->nout; i++) {
			n = strlen(pfx) + 16;
			if ((s->okey[i] = malloc(n)) == NULL)
				goto nomem;
			snprintf(s->okey[i], n, "%sout.%u", pfx, i);
		}
	}
	return s;
nomem:
	snprintf(err, errlen, "%s: out of memory", b->name);
	if (s == NULL) {
		bundle_free(&b);
		model_free(&m);
	}
	serve_free(&s);
	return NULL;
}

static void
serve_free(struct serving **sp)
{
	struct serving *s;
	uint32_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; s->pkey && i < s->m->nclass; i++)
		free(s->pkey[i]);
	for (i = 0; s->okey && i < s->m->nout; i++)
		free(s->okey[i]);
	free(s->pkey);
	free(s->okey);
	free(s->hint);
	free(s->flen);
	free(s->fill);
	free(s->id);
	bundle_free(&s->b);
	model_free(&s->m);
	free(s);
	*sp = NULL;
}

/*
 * The model's features of r into x.  0; 1 if some are absent or not numbers
 * (err names them); 2 if some are NaN and nanact is reject (err names
 * them).  With NAN_MEAN, *nfill NaNs were replaced by the training mean.
 */
static int
features_row(struct serving *s, const struct record *r, double *x,
    int nanact, char *err, size_t errlen, int *nfill)
{
	const struct bundle *b = s->b;
	uint32_t j;
	int k, nmiss = 0, nnan = 0;
	size_t o = 0;

	*nfill = 0;
	for (j = 0; j < b->nfeat; j++) {
		k = record_find(r, b->feat[j], s->flen[j], &s->hint[j]);
		if (k < 0 || value_f64(&r->body[k].v, &x[j]) == -1) {
			if (nmiss++ == 0)
				o = (size_t)snprintf(err, errlen, "missing "
				    "feature(s):");
			if (o < errlen)
				o += (size_t)snprintf(err + o, errlen - o,
				    " %s", b->feat[j]);
			continue;
		}
		if (isnan(x[j]) && nmiss == 0) {
			if (nanact == NAN_MEAN) {
				x[j] = s->fill[j];
				(*nfill)++;
				continue;
			}
			if (nnan++ == 0)
				o = (size_t)snprintf(err, errlen, "NaN in "
				    "feature(s):");
			if (o < errlen)
				o += (size_t)snprintf(err + o, errlen - o,
				    " %s", b->feat[j]);
		}
	}
	if (nmiss)
		return 1;
	return nnan ? 2 : 0;
}

/* One output field of a prediction. */
struct ofield {
	const char	*key;
	size_t		 klen;
	int		 type;		/* VAL_F64, VAL_STR, VAL_BOOL */
	double		 d;
	const char	*s;
	size_t		 slen;
	int		 b;
};

#define OF_MAX(m)	(8 + (m)->nout + (m)->nclass)

/* The outputs of one model (its out[], y) as fields, in the order they are
 * written; of has room for OF_MAX(m).  Returns how many. */
static int
outputs(const struct serving *w, const double *y, struct ofield *of)
{
	const struct model *m = w->m;
	const struct bundle *b = w->b;
	uint32_t j, top;
	double score = model_score_of(m, y);
	int an = -1, sh = w->shadow, n = 0;

#define F64(k, kl, v)	(of[n++] = (struct ofield){ (k), (kl), VAL_F64, (v), \
			    NULL, 0, 0 })
	if (sh)
		of[n++] = (struct ofield){ "shadow.model", 12, VAL_STR, 0,
		    w->id, w->idlen, 0 };
	F64(sh ? "shadow.score" : "score", sh ? 12 : 5, score);
	if (m->nclass > 0) {
		if (m->nclass == 2 && b->has_threshold)
			top = score > b->threshold;
		else
			for (j = 1, top = 0; j < m->nclass; j++)
				if (y[j] > y[top])
					top = j;
		if (top < b->nlabels)
			of[n++] = (struct ofield){ sh ? "shadow.label" :
			    "label", sh ? 12 : 5, VAL_STR, 0, b->labels[top],
			    strlen(b->labels[top]), 0 };
	}
	if (m->type == MODEL_PCA) {
		double t2 = bundle_hyper(b, "t2_threshold", NAN),
		    qt = bundle_hyper(b, "q_threshold", NAN);

		if (!isnan(t2) || !isnan(qt))
			an = (!isnan(t2) && y[0] > t2) || (!isnan(qt) &&
			    y[1] > qt);
	} else if (b->has_threshold)
		an = b->anomaly_below ? score < b->threshold :
		    score > b->threshold;
	if (an >= 0)
		of[n++] = (struct ofield){ sh ? "shadow.anomaly" : "anomaly",
		    sh ? 14 : 7, VAL_BOOL, 0, NULL, 0, an };
	if (m->type == MODEL_PCA)
		F64(sh ? "shadow.q" : "q", sh ? 8 : 1, y[1]);
	for (j = 0; w->pkey && j < m->nclass; j++)
		F64(w->pkey[j], strlen(w->pkey[j]), y[j]);
	for (j = 0; w->okey && j < m->nout; j++)
		F64(w->okey[j], strlen(w->okey[j]), y[j]);
#undef F64
	return n;
}

/* One model's outputs y into pr. */
static int
add_outputs(struct record *pr, const struct serving *w, const double *y)
{
	struct ofield of[8 + 2 * 256];
	struct value v;
	int i, n;

	if (OF_MAX(w->m) > sizeof(of) / sizeof(of[0]))
		return -1;
	n = outputs(w, y, of);
	for (i = 0; i < n; i++) {
		v = of[i].type == VAL_F64 ? val_f64(of[i].d) :
		    of[i].type == VAL_STR ? val_str(of[i].s, of[i].slen) :
		    val_bool(of[i].b);
		if (record_add(pr, of[i].key, of[i].klen, &v) == -1)
			return -1;
	}
	return 0;
}

static const char *const copy_meta[] = { "start", "end", "n", "short" };

/* A meta value the encoder takes: 1, or 0 (the record path then). */
static int
plain(const struct value *v)
{
	return v->type == VAL_TIME || v->type == VAL_INT || v->type ==
	    VAL_UINT || v->type == VAL_BOOL || v->type == VAL_F64;
}

static char *
e_value(char *o, const struct value *v)
{
	switch (v->type) {
	case VAL_TIME:			/* as frame_encode(): fixext 8 */
		return tmpl_put_time(o, (uint32_t)v->i, v->len);
	case VAL_INT:
		return tmpl_put_int(o, v->i);
	case VAL_UINT:
		return tmpl_put_uint(o, v->u);
	case VAL_BOOL:
		return tmpl_put_bool(o, (int)v->i);
	default:
		return tmpl_put_f64(o, v->f);
	}
}

/*
 * The prediction for in into enc, encoded directly: the same bytes
 * frame_encode() writes for the record emit_prediction() builds, with the
 * same writers (tmpl.h), without building the record, which costs more
 * than scoring a small model.  0, or 1 if in needs the record path (its
 * time or the meta it copies are not of the plain types above).
 */
static int
encode_prediction(struct buf *enc, const struct record *in,
    const struct serving *s, const double *out, const struct serving *sh,
    const double *sy)
{
	static struct ofield of[2 * (8 + 2 * 256)];
	const struct value *cm[4];
	uint32_t i, nm = 3;
	int n = 0, k;
	size_t need = 128 + in->dev_len + s->idlen;
	char *o;

	if (in->legacy || in->dev == NULL || !in->has_seq ||
	    (in->ttype != TIME_EVENT && in->ttype != TIME_INT &&
	    in->ttype != TIME_FLOAT))
		return 1;
	for (i = 0; i < 4; i++) {
		if ((cm[i] = record_meta_get(in, copy_meta[i])) != NULL &&
		    !plain(cm[i]))
			return 1;
		nm += cm[i] != NULL;
	}
	if (OF_MAX(s->m) + (sh ? OF_MAX(sh->m) : 0) > sizeof(of) /
	    sizeof(of[0]))
		return 1;
	n = outputs(s, out, of);
	if (sh != NULL && sy != NULL)
		n += outputs(sh, sy, of + n);
	for (k = 0; k < n; k++)
		need += of[k].klen + of[k].slen + 16;
	buf_reset(enc);
	if (buf_reserve(enc, need) == -1)
		return -1;
	o = enc->p;
	*o++ = (char)0x92;		/* [[time, meta], body] */
	*o++ = (char)0x92;
	if (in->ttype == TIME_EVENT)
		o = tmpl_put_ts(o, in->sec, in->nsec);
	else if (in->ttype == TIME_INT)
		o = tmpl_put_int(o, in->sec);
	else
		o = tmpl_put_f64(o, in->tf);
	o = tmpl_put_map(o, nm + 1);
	o = tmpl_put_str(o, "kind", 4);
	o = tmpl_put_str(o, "prediction", 10);
	o = tmpl_put_str(o, "dev", 3);
	o = tmpl_put_str(o, in->dev, in->dev_len);
	o = tmpl_put_str(o, "seq", 3);
	o = tmpl_put_uint(o, in->seq);
	for (i = 0; i < 4; i++)
		if (cm[i] != NULL) {
			o = tmpl_put_str(o, copy_meta[i], strlen(copy_meta[i]));
			o = e_value(o, cm[i]);
		}
	o = tmpl_put_str(o, "model", 5);
	o = tmpl_put_str(o, s->id, s->idlen);
	o = tmpl_put_map(o, (uint32_t)n);
	for (k = 0; k < n; k++) {
		o = tmpl_put_str(o, of[k].key, of[k].klen);
		if (of[k].type == VAL_F64)
			o = tmpl_put_f64(o, of[k].d);
		else if (of[k].type == VAL_STR)
			o = tmpl_put_str(o, of[k].s, of[k].slen);
		else
			o = tmpl_put_bool(o, of[k].b);
	}
	enc->len = (size_t)(o - enc->p);
	return 0;
}

/* The prediction for in (scored out; the shadow's sy, or NULL), emitted:
 * directly encoded, or through a record when --keep or unusual meta. */
static int
emit_prediction(struct filter *f, struct record *pr, const struct record *in,
    struct serving *s, const double *out, struct serving *sh,
    const double *sy, int keep)
{
	static struct buf enc = BUF_INIT;
	const struct value *v;
	struct value val;
	uint32_t i;
	int rc;

	if (!keep && (rc = encode_prediction(&enc, in, s, out, sh, sy)) != 1) {
		if (rc == -1)
			return -1;
		return filter_emit_frames(f, enc.p, enc.len, 1);
	}
	record_clear(pr);
	pr->sec = in->sec;
	pr->nsec = in->nsec;
	pr->ttype = in->ttype;
	pr->tf = in->tf;
	if (record_set_kind(pr, KIND_PREDICTION) == -1)
		return -1;
	if (in->dev != NULL && record_set_dev(pr, in->dev, in->dev_len) == -1)
		return -1;
	if (in->has_seq && record_set_seq(pr, in->seq) == -1)
		return -1;
	for (i = 0; i < sizeof(copy_meta) / sizeof(copy_meta[0]); i++)
		if ((v = record_meta_get(in, copy_meta[i])) != NULL &&
		    record_meta_set(pr, copy_meta[i], v) == -1)
			return -1;
	val = val_str(s->id, s->idlen);
	if (record_meta_set(pr, "model", &val) == -1)
		return -1;
	if (add_outputs(pr, s, out) == -1)
		return -1;
	if (sh != NULL && sy != NULL && add_outputs(pr, sh, sy) == -1)
		return -1;
	if (keep)
		for (i = 0; i < in->nbody; i++)
			if (record_add(pr, in->body[i].key, in->body[i].klen,
			    &in->body[i].v) == -1)
				return -1;
	return filter_emit(f, pr);
}

static int
emit_event(struct filter *f, struct record *pr, const char *type,
    const char *path, const char *what, const char *serving)
{
	struct timespec ts;
	struct value v;

	clock_gettime(CLOCK_REALTIME, &ts);
	record_clear(pr);
	record_set_time(pr, ts.tv_sec, (uint32_t)ts.tv_nsec);
	if (record_set_kind(pr, KIND_EVENT) == -1)
		return -1;
	v = val_str(type, strlen(type));
	if (record_add(pr, "type", 4, &v) == -1)
		return -1;
	v = val_str(path, strlen(path));
	if (record_add(pr, "path", 4, &v) == -1)
		return -1;
	v = val_str(what, strlen(what));
	if (record_add(pr, strcmp(type, "model_swap") == 0 ? "to" : "reason",
	    strcmp(type, "model_swap") == 0 ? 2 : 6, &v) == -1)
		return -1;
	v = val_str(serving, strlen(serving));
	if (record_add(pr, strcmp(type, "model_swap") == 0 ? "from" :
	    "serving", strcmp(type, "model_swap") == 0 ? 4 : 7, &v) == -1)
		return -1;
	return filter_emit(f, pr);
}

/* ---- the loader thread ---------------------------------------------------- */

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void *
loader_main(void *arg)
{
	struct loader *ld = arg;
	struct timespec ts = { 0, 10 * 1000000L };
	long waited = 0;
	struct stat now;
	struct bundle *b;
	struct model *m;
	char err[768];
	sigset_t set;

	/* signals are the main thread's */
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!atomic_load(&ld->stop)) {
		nanosleep(&ts, NULL);	/* 10 ms: SIGHUP is seen within it */
		waited += 10;
		if (atomic_load_explicit(&ld->ready, memory_order_acquire))
			continue;	/* the last one not yet taken */
		if (!hup && (ld->poll_ms == 0 || waited < ld->poll_ms))
			continue;
		waited = 0;
		if (!hup && (stat(ld->path, &now) == -1 ||
		    same_file(&now, &ld->seen)))
			continue;
		hup = 0;
		if (stat(ld->path, &now) == 0)
			ld->seen = now;
		err[0] = '\0';
		m = NULL;
		if ((b = bundle_load(ld->path, ld->pubkey, err,
		    sizeof(err))) != NULL && (m = model_new(b, ld->maxbatch,
		    err, sizeof(err))) == NULL)
			bundle_free(&b);
		if (m != NULL && ld->blas_min >= 0)
			m->blas_min = (size_t)ld->blas_min;
		pthread_mutex_lock(&ld->mu);
		ld->b = b;
		ld->m = m;
		snprintf(ld->err, sizeof(ld->err), "%s", err);
		atomic_store_explicit(&ld->ready, 1, memory_order_release);
		pthread_mutex_unlock(&ld->mu);
	}
	return NULL;
}

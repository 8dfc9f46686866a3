/*
 * drift -- say, with measured error rates, when what each device sees no
 * longer looks like what the model was trained on.  Frames in, the same
 * frames out unchanged, plus event frames (type drift: suspected,
 * confirmed, cleared; type retrain) inline or to --events.  The reference
 * is the profile of a bundle (-m) or a profile file (-r), which
 * --fit-reference writes from a reference stream.  Per device (at most
 * --devices, idle ones freed): a window of the last W values of each
 * feature, tested every H frames against the reference (KS, PSI,
 * Wasserstein-1, Jensen-Shannon on predicted labels), and Page-Hinkley,
 * CUSUM and ADWIN on one signal.  Thresholds are fixed or calibrated to a
 * false-alarm rate (--false-alarms).  docs/drift.md explains it all.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <msgpack.h>

#include "bundle.h"
#include "codec.h"
#include "devmap.h"
#include "drift.h"
#include "filter.h"
#include "nameidx.h"
#include "optx.h"
#include "profile.h"
#include "watch.h"

#define PROG	"drift"

enum {
	OPT_EVENTS = FILTER_OPT_OWN, OPT_FIT, OPT_RATE, OPT_FPS, OPT_CALIB,
	OPT_SEED, OPT_COOLDOWN, OPT_DEVICES, OPT_IDLE, OPT_ALPHA, OPT_PSI,
	OPT_W1, OPT_JS, OPT_PH, OPT_CUSUM, OPT_ADWIN, OPT_LABEL, OPT_PUBKEY
};

static const struct option opts[] = {
	FILTER_LONGOPTS,
	{ "adwin-delta",	required_argument, NULL, OPT_ADWIN },
	{ "alpha",		required_argument, NULL, OPT_ALPHA },
	{ "calib-frames",	required_argument, NULL, OPT_CALIB },
	{ "config",		required_argument, NULL, 'C' },
	{ "confirm",		required_argument, NULL, 'M' },
	{ "cooldown",		required_argument, NULL, OPT_COOLDOWN },
	{ "cusum-h",		required_argument, NULL, OPT_CUSUM },
	{ "devices",		required_argument, NULL, OPT_DEVICES },
	{ "events",		required_argument, NULL, OPT_EVENTS },
	{ "every",		required_argument, NULL, 'e' },
	{ "false-alarms",	required_argument, NULL, OPT_RATE },
	{ "features",		required_argument, NULL, 'f' },
	{ "fit-reference",	required_argument, NULL, OPT_FIT },
	{ "frame-rate",		required_argument, NULL, OPT_FPS },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "idle",		required_argument, NULL, OPT_IDLE },
	{ "js",			required_argument, NULL, OPT_JS },
	{ "label",		required_argument, NULL, OPT_LABEL },
	{ "model",		required_argument, NULL, 'm' },
	{ "ph-lambda",		required_argument, NULL, OPT_PH },
	{ "psi",		required_argument, NULL, OPT_PSI },
	{ "pubkey",		required_argument, NULL, OPT_PUBKEY },
	{ "reference",		required_argument, NULL, 'r' },
	{ "seed",		required_argument, NULL, OPT_SEED },
	{ "signal",		required_argument, NULL, 's' },
	{ "tests",		required_argument, NULL, 'T' },
	{ "w1",			required_argument, NULL, OPT_W1 },
	{ "window",		required_argument, NULL, 'w' },
	{ NULL,			0,		   NULL, 0 }
};
static const char optstr[] = FILTER_SHORTOPTS "C:M:T:e:f:hm:r:s:w:";

_Noreturn static void
usage(int status)
{
	optx_usage(status,
"usage: drift (-m BUNDLE | -r PROFILE) [-C FILE] [-w W] [-e H] [-M M]\n"
"             [-f LIST] [-s SIGNAL] [-T TESTS] [--false-alarms RATE]\n"
"             [--events URI] [options] [-i URI] [-o URI]\n"
"       drift --fit-reference PROFILE [-f LIST] [-i URI] [-o URI]\n"
"Frames pass through unchanged; drift and retrain events go inline or to\n"
"--events.\n"
"  -C, --config FILE       options from FILE, a \"long-option value\" a line\n"
"                          (the command line wins)\n"
"  -m, --model BUNDLE      the reference: the bundle's profile\n"
"      --pubkey FILE       the bundle must be signed by this key\n"
"  -r, --reference FILE    the reference: a profile file\n"
"      --fit-reference FILE  write the profile of the input stream there\n"
"  -f, --features LIST     features to watch (default: all the profile has;\n"
"                          with --fit-reference: the first frame's numbers)\n"
"  -s, --signal NAME       the value Page-Hinkley, CUSUM and ADWIN watch\n"
"                          (default: score when the profile has one)\n"
"  -T, --tests LIST        of ks,psi,w1,js,ph,cusum,adwin (default: all)\n"
"  -w, --window W          values per window (default 1000)\n"
"  -e, --every H           frames between evaluations (default 100; W a\n"
"                          multiple of H)\n"
"  -M, --confirm M         evaluations in a row to confirm or clear (3)\n"
"      --false-alarms RATE calibrate every threshold so that a device with\n"
"                          no drift sees RATE confirmed events per 30 days\n"
"      --frame-rate HZ     frames per second per device, for the rate (1)\n"
"      --calib-frames N    frames simulated per feature for the window\n"
"                          tests (1000000)\n"
"      --seed N            calibration's random seed (1)\n"
"      --alpha A           fixed KS level, Bonferroni over features (0.05)\n"
"      --psi HI[,LO]       fixed PSI threshold and clear level (0.25,0.1)\n"
"      --w1 X              fixed W1/std threshold (0.25)\n"
"      --js X              fixed Jensen-Shannon threshold (0.1)\n"
"      --ph-lambda X       Page-Hinkley threshold (River: 50)\n"
"      --cusum-h X         CUSUM decision interval in std (5)\n"
"      --adwin-delta X     ADWIN confidence (River: 0.002)\n"
"      --label FIELD       the predicted-label field for js (label)\n"
"      --cooldown S        seconds between retrain events of a device\n"
"                          (86400)\n"
"      --devices N         devices tracked at most (10000)\n"
"      --idle S            forget a device silent this long (86400)\n"
"      --events URI        events there instead of inline\n"
FILTER_USAGE, "");
}

static unsigned
tests_arg(const char *s)
{
	char *dup, *tok, *save;
	unsigned m = 0;
	int t;

	if ((dup = strdup(s)) == NULL)
		err(EX_OSERR, NULL);
	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (t = 0; t < T_COUNT; t++)
			if (strcmp(tok, test_name[t]) == 0)
				break;
		if (t == T_COUNT)
			optx_badf("tests", s, "%s is not one of ks, psi, w1, "
			    "js, ph, cusum, adwin", tok);
		m |= 1u << t;
	}
	free(dup);
	return m;
}

/* split a comma list into a NULL-terminated array (caller owns) */
static char **
split(const char *s, uint32_t *n)
{
	char **v, *dup, *tok, *save;
	size_t cap = 8;

	*n = 0;
	if ((dup = strdup(s)) == NULL || (v = calloc(cap, sizeof(*v))) ==
	    NULL)
		err(EX_OSERR, NULL);
	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (*n + 2 > cap && (v = realloc(v, (cap *= 2) *
		    sizeof(*v))) == NULL)
			err(EX_OSERR, NULL);
		if ((v[(*n)++] = strdup(tok)) == NULL)
			err(EX_OSERR, NULL);
		v[*n] = NULL;
	}
	free(dup);
	return v;
}

/* ---- event frames -------------------------------------------------- */

struct out {
	struct filter	*f;
	struct stream	*ev;		/* --events, or NULL: inline */
	const char	*ev_uri;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	const char	*model;		/* name@version or NULL */
	const struct watch *w;
	const char	*signame;
	int		 cevents, cretrain, cwatched, cdevices, cevicted,
			 cexpired;
};

static const char *
ev_name(const struct out *o, const struct evidence *e)
{
	if (e->feat < o->w->nfeat)
		return o->w->ref[e->feat].name;
	return e->test == T_JS ? o->w->catkey : o->signame;
}

static void
pevidence(struct out *o, const struct report *rep)
{
	msgpack_packer *pk = &o->pk;
	uint32_t i;

	msgpack_pack_array(pk, rep->nev);
	for (i = 0; i < rep->nev; i++) {
		const struct evidence *e = &rep->ev[i];
		int isks = e->test == T_KS;

		msgpack_pack_map(pk, 7 + isks);
		frame_pack_str(pk, "feature");
		frame_pack_str(pk, ev_name(o, e));
		frame_pack_str(pk, "test");
		frame_pack_str(pk, test_name[e->test]);
		frame_pack_str(pk, "stat");
		msgpack_pack_double(pk, e->stat);
		frame_pack_str(pk, "threshold");
		msgpack_pack_double(pk, e->thr);
		frame_pack_str(pk, "clear");
		msgpack_pack_double(pk, e->clr);
		if (isks) {
			frame_pack_str(pk, "p");
			msgpack_pack_double(pk, drift_ks_pvalue(e->stat,
			    o->w->ref[e->feat].nsample, o->w->W, NULL));
		}
		frame_pack_str(pk, "runs");
		msgpack_pack_uint32(pk, e->runs);
		frame_pack_str(pk, "rate");
		if (isnan(e->rate))
			msgpack_pack_nil(pk);
		else
			msgpack_pack_double(pk, e->rate);
	}
}

static void
phead(struct out *o, const char *dev, size_t devlen, int64_t sec,
    uint32_t nsec)
{
	msgpack_packer *pk = &o->pk;

	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 2);
	frame_pack_time(pk, sec, nsec);
	msgpack_pack_map(pk, 2 + (o->model != NULL));
	frame_pack_str(pk, "kind");
	frame_pack_str(pk, "event");
	frame_pack_str(pk, "dev");
	msgpack_pack_str(pk, devlen);
	msgpack_pack_str_body(pk, dev, devlen);
	if (o->model != NULL) {
		frame_pack_str(pk, "model");
		frame_pack_str(pk, o->model);
	}
}

static int
emit_events(struct out *o, const char *dev, size_t devlen,
    const struct report *rep, int64_t sec, uint32_t nsec)
{
	static const char *const sname[] = {
		"ok", "suspected", "confirmed"
	};
	msgpack_packer *pk = &o->pk;
	uint64_t nframes = 1;
	uint32_t i;

	msgpack_sbuffer_clear(&o->sb);
	phead(o, dev, devlen, sec, nsec);
	msgpack_pack_map(pk, 9);
	frame_pack_str(pk, "type");
	frame_pack_str(pk, "drift");
	frame_pack_str(pk, "state");
	frame_pack_str(pk, rep->cleared ? "cleared" : sname[rep->state]);
	frame_pack_str(pk, "from");
	frame_pack_time(pk, rep->from_sec, rep->from_nsec);
	frame_pack_str(pk, "to");
	frame_pack_time(pk, rep->to_sec, rep->to_nsec);
	frame_pack_str(pk, "frames");
	msgpack_pack_uint64(pk, rep->frames);
	frame_pack_str(pk, "window");
	msgpack_pack_uint32(pk, o->w->W);
	frame_pack_str(pk, "every");
	msgpack_pack_uint32(pk, o->w->H);
	frame_pack_str(pk, "confirm");
	msgpack_pack_uint32(pk, o->w->M);
	frame_pack_str(pk, "evidence");
	pevidence(o, rep);
	if (rep->retrain) {
		uint32_t nc = 0;

		nframes = 2;
		for (i = 0; i < rep->nev; i++)
			nc += rep->ev[i].confirmed;
		phead(o, dev, devlen, sec, nsec);
		msgpack_pack_map(pk, 8);
		frame_pack_str(pk, "type");
		frame_pack_str(pk, "retrain");
		frame_pack_str(pk, "reason");
		frame_pack_str(pk, "drift");
		frame_pack_str(pk, "features");
		msgpack_pack_array(pk, nc);
		for (i = 0; i < rep->nev; i++)
			if (rep->ev[i].confirmed)
				frame_pack_str(pk, ev_name(o, &rep->ev[i]));
		frame_pack_str(pk, "tests");
		msgpack_pack_array(pk, nc);
		for (i = 0; i < rep->nev; i++)
			if (rep->ev[i].confirmed)
				frame_pack_str(pk, test_name[rep->ev[i].test]);
		frame_pack_str(pk, "from");
		frame_pack_time(pk, rep->from_sec, rep->from_nsec);
		frame_pack_str(pk, "to");
		frame_pack_time(pk, rep->to_sec, rep->to_nsec);
		frame_pack_str(pk, "cooldown");
		msgpack_pack_double(pk, o->w->cooldown);
		frame_pack_str(pk, "evidence");
		pevidence(o, rep);
		FILTER_COUNT(o->f, o->cretrain)++;
	}
	FILTER_COUNT(o->f, o->cevents) += nframes;
	if (o->ev == NULL)
		return filter_emit_frames(o->f, o->sb.data, o->sb.size,
		    nframes);
	if (stream_write_frames(o->ev, o->sb.data, o->sb.size, nframes) ==
	    -1) {
		warnx("%s: %s", o->ev_uri, stream_error(o->ev));
		o->f->p.status = EX_IOERR;
		return -1;
	}
	return 0;
}

/* ---- reference ----------------------------------------------------- */

static int
cmpd(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static void
ref_from(struct ref *r, const char *name, const struct bundle_prof *p)
{
	memset(r, 0, sizeof(*r));
	if ((r->name = strdup(name)) == NULL)
		err(EX_OSERR, NULL);
	r->mean = p->mean;
	r->std = p->std;
	r->count = p->count;
	r->nbins = p->nbins;
	r->edges = p->edges;
	r->freq = p->freq;
	r->nsample = p->nsample;
	r->sample = p->sample;
	if ((r->sorted = malloc(sizeof(double) * (p->nsample + 1))) == NULL)
		err(EX_OSERR, NULL);
	memcpy(r->sorted, p->sample, sizeof(double) * p->nsample);
	qsort(r->sorted, r->nsample, sizeof(double), cmpd);
}

/* The sample has served (the grid, the calibration): from here on only its
 * size counts (the KS p-value).  The profile's copy is freed by the
 * caller. */
static void
ref_drop_sample(struct ref *r)
{
	free(r->sorted);
	r->sorted = NULL;
	r->sample = NULL;
}

/* ---- --fit-reference ----------------------------------------------- */

struct fit {
	uint32_t	 n;
	char		**name;
	double		**v;
	size_t		*nv, *cap;
	uint32_t	*hint;
};

static void
fit_add(struct fit *ft, const struct record *r)
{
	uint32_t i;
	int k;
	double x;

	for (i = 0; i < ft->n; i++) {
		k = record_find(r, ft->name[i], strlen(ft->name[i]),
		    &ft->hint[i]);
		if (k < 0 || value_f64(&r->body[k].v, &x) == -1 ||
		    !isfinite(x))
			continue;
		if (ft->nv[i] == ft->cap[i]) {
			ft->cap[i] = ft->cap[i] ? 2 * ft->cap[i] : 4096;
			if ((ft->v[i] = realloc(ft->v[i], ft->cap[i] *
			    sizeof(double))) == NULL)
				err(EX_OSERR, NULL);
		}
		ft->v[i][ft->nv[i]++] = x;
	}
}

static void
fit_names_from(struct fit *ft, const struct record *r)
{
	uint32_t i;
	double x;

	ft->name = calloc(r->nbody + 1, sizeof(char *));
	for (i = 0; ft->name != NULL && i < r->nbody; i++)
		if (value_f64(&r->body[i].v, &x) == 0 && r->body[i].v.type !=
		    VAL_BOOL) {
			ft->name[ft->n] = strndup(r->body[i].key,
			    r->body[i].klen);
			if (ft->name[ft->n++] == NULL)
				err(EX_OSERR, NULL);
		}
}

static void
fit_alloc(struct fit *ft)
{
	ft->v = calloc(ft->n + 1, sizeof(double *));
	ft->nv = calloc(ft->n + 1, sizeof(size_t));
	ft->cap = calloc(ft->n + 1, sizeof(size_t));
	ft->hint = calloc(ft->n + 1, sizeof(uint32_t));
	if (ft->name == NULL || ft->v == NULL || ft->nv == NULL ||
	    ft->cap == NULL || ft->hint == NULL)
		err(EX_OSERR, NULL);
}

static int
fit_write(struct fit *ft, const char *path, uint64_t seed)
{
	struct profile p;
	struct bundle_prof score;
	char e[1024];
	uint32_t i;
	int ret;

	memset(&p, 0, sizeof(p));
	memset(&score, 0, sizeof(score));
	p.name = calloc(ft->n + 1, sizeof(char *));
	p.prof = calloc(ft->n + 1, sizeof(*p.prof));
	if (p.name == NULL || p.prof == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < ft->n; i++) {
		struct bundle_prof *bp = &p.prof[p.n];

		if (strcmp(ft->name[i], "score") == 0)
			bp = &score;
		if (bundle_prof_fit(bp, ft->v[i], ft->nv[i], BUNDLE_NBINS,
		    BUNDLE_NSAMPLE, seed + i) == -1)
			err(EX_OSERR, "fitting %s", ft->name[i]);
		if (bp == &score)
			p.score = &score;
		else
			p.name[p.n++] = ft->name[i];
	}
	ret = profile_write(path, &p, e, sizeof(e));
	if (ret == -1)
		warnx("%s", e);
	for (i = 0; i < p.n; i++)
		bundle_prof_free(&p.prof[i]);
	bundle_prof_free(&score);
	free(p.prof);
	free(p.name);
	return ret;
}

/* ---- main ---------------------------------------------------------- */

static void
print_limits(const struct watch *w, const char *signame, int calibrated)
{
	uint32_t f;
	int t;

	for (f = 0; f < w->nfeat; f++)
		for (t = T_KS; t <= T_W1; t++) {
			const struct limit *l = &w->lim[f * T_COUNT + t];

			if (!(w->tests & (1u << t)))
				continue;
			if (calibrated)
				fprintf(stderr, "%s: %s %s: threshold %.6g clear "
				    "%.6g, %.3g false alarms per device per 30 "
				    "days\n", PROG, w->ref[f].name,
				    test_name[t], l->thr, l->clr, l->rate);
			else
				fprintf(stderr, "%s: %s %s: threshold %.6g clear "
				    "%.6g (fixed)\n", PROG, w->ref[f].name,
				    test_name[t], l->thr, l->clr);
		}
	for (t = T_JS; t <= T_ADWIN; t++) {
		const struct limit *l = &w->slim[t];

		if (!(w->tests & (1u << t)))
			continue;
		if (calibrated && t != T_JS)
			fprintf(stderr, "%s: %s %s: threshold %.6g, %.3g false "
			    "alarms per device per 30 days\n", PROG,
			    t == T_JS ? w->catkey : signame, test_name[t],
			    l->thr, l->rate);
		else
			fprintf(stderr, "%s: %s %s: threshold %.6g (fixed)\n",
			    PROG, t == T_JS ? w->catkey : signame,
			    test_name[t], l->thr);
	}
}

int
main(int argc, char *argv[])
{
	struct filter f;
	struct watch w;
	struct out o;
	struct bundle *b = NULL;
	struct profile prof;
	struct fit ft;
	struct devmap *dm = NULL;
	struct nameidx pidx = NAMEIDX_INIT;
	struct record *r;
	struct report rep = { 0 };
	const char *mpath = NULL, *rpath = NULL, *fitpath = NULL,
	    *featlist = NULL, *signame = NULL, *evuri = NULL, *pubpath = NULL,
	    *label = "label";
	char e[1024], model[512], **fnames = NULL;
	double rate = NAN, fps = 1, alpha = 0.05, psi_hi = 0.25, psi_lo = 0.1,
	    w1x = 0.25, jsx = 0.1, ph_l = 50, cu_h = 5, ad_d = 0.002,
	    idle = 86400, *x = NULL, sig, now, next_expire = -INFINITY;
	uint64_t seed = 1, calib = 1000000, ndev = 10000;
	uint32_t nf = 0, i, *hints = NULL, sighint = 0, cathint = 0;
	size_t *nlen = NULL;
	struct bundle_prof *profs = NULL, *score = NULL;
	char **pnames = NULL;
	uint32_t pn = 0;
	unsigned tests = (1u << T_COUNT) - 1;
	int ch, st, created, cat, k, tests_given = 0;
	uint8_t pubkey[32];

	memset(&w, 0, sizeof(w));
	memset(&o, 0, sizeof(o));
	memset(&prof, 0, sizeof(prof));
	memset(&ft, 0, sizeof(ft));
	w.W = 1000;
	w.H = 100;
	w.M = 3;
	w.cooldown = 86400;
	w.ph_delta = 0.005;
	w.ph_alpha = 1 - 1e-4;
	w.ph_min = 30;
	w.cu_k = 0.5;
	w.ad_clock = 32;
	filter_init(&f, PROG);
	optx_config(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		if (optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'M':
			w.M = (uint32_t)optx_u64("confirm", optarg, 1, 1000);
			break;
		case 'T':
			tests = tests_arg(optarg);
			tests_given = 1;
			break;
		case 'e':
			w.H = (uint32_t)optx_u64("every", optarg, 1, 10000000);
			break;
		case 'f':
			featlist = optarg;
			break;
		case 'h':
			usage(EX_OK);
		case 'm':
			mpath = optarg;
			break;
		case 'r':
			rpath = optarg;
			break;
		case 's':
			signame = optarg;
			break;
		case 'w':
			w.W = (uint32_t)optx_u64("window", optarg, 2,
			    10000000);
			break;
		case OPT_ADWIN:
			ad_d = optx_real("adwin-delta", optarg, 1e-300, 1);
			break;
		case OPT_ALPHA:
			alpha = optx_real("alpha", optarg, 1e-300, 0.999);
			break;
		case OPT_CALIB:
			calib = optx_u64("calib-frames", optarg, 1000,
			    10000000000);
			break;
		case OPT_CUSUM:
			cu_h = optx_real("cusum-h", optarg, 0, 1e9);
			break;
		case OPT_COOLDOWN:
			w.cooldown = optx_secs("cooldown", optarg, 0, 1e10);
			break;
		case OPT_DEVICES:
			ndev = optx_u64("devices", optarg, 1, 100000000);
			break;
		case OPT_EVENTS:
			evuri = optarg;
			break;
		case OPT_FIT:
			fitpath = optarg;
			break;
		case OPT_FPS:
			fps = optx_real("frame-rate", optarg, 1e-9, 1e9);
			break;
		case OPT_IDLE:
			idle = optx_secs("idle", optarg, 0, 1e12);
			break;
		case OPT_JS:
			jsx = optx_real("js", optarg, 0, 1);
			break;
		case OPT_LABEL:
			label = optarg;
			break;
		case OPT_PH:
			ph_l = optx_real("ph-lambda", optarg, 0, 1e12);
			break;
		case OPT_PSI: {
			char *comma = strchr(optarg, ',');

			if (comma != NULL) {
				*comma = '\0';
				psi_lo = optx_real("psi", comma + 1, 0, 1e6);
			}
			psi_hi = optx_real("psi", optarg, 0, 1e6);
			if (comma == NULL)
				psi_lo = 0.4 * psi_hi;
			break;
		}
		case OPT_PUBKEY:
			pubpath = optarg;
			break;
		case OPT_RATE:
			rate = optx_real("false-alarms", optarg, 1e-9, 1e9);
			break;
		case OPT_SEED:
			seed = optx_u64("seed", optarg, 0, UINT64_MAX);
			break;
		case OPT_W1:
			w1x = optx_real("w1", optarg, 0, 1e6);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (fitpath != NULL && (mpath != NULL || rpath != NULL))
		errx(EX_USAGE, "--fit-reference makes a reference: no -m or -r");
	if (fitpath == NULL && (mpath == NULL) == (rpath == NULL))
		errx(EX_USAGE, "give the reference: -m BUNDLE or -r PROFILE");
	if (w.W % w.H != 0)
		errx(EX_USAGE, "--window %u is not a multiple of --every %u",
		    w.W, w.H);

	/* the reference */
	model[0] = '\0';
	if (mpath != NULL) {
		if (pubpath != NULL && bundle_key_read(pubpath, pubkey, 32, e,
		    sizeof(e)) == -1)
			errx(EX_NOINPUT, "%s", e);
		if ((b = bundle_load(mpath, pubpath ? pubkey : NULL, e,
		    sizeof(e))) == NULL)
			errx(EX_DATAERR, "%s", e);
		if (b->prof == NULL)
			errx(EX_DATAERR, "%s: the bundle has no profile", mpath);
		snprintf(model, sizeof(model), "%s@%s", b->name, b->version);
		pn = b->nfeat;
		pnames = b->feat;
		profs = b->prof;
		score = b->score_prof;
	} else if (rpath != NULL) {
		if (profile_read(rpath, &prof, e, sizeof(e)) == -1)
			errx(EX_DATAERR, "%s", e);
		pn = prof.n;
		pnames = prof.name;
		profs = prof.prof;
		score = prof.score;
	}
	if (featlist != NULL)
		fnames = split(featlist, &nf);

	if (fitpath == NULL) {
		/* features to watch */
		if (fnames == NULL) {
			nf = pn;
			fnames = pnames;
		}
		if ((w.ref = calloc(nf + 1, sizeof(*w.ref))) == NULL ||
		    (w.lim = calloc((size_t)(nf + 1) * T_COUNT,
		    sizeof(*w.lim))) == NULL)
			err(EX_OSERR, NULL);
		/* the reference's features by name: one lookup each */
		for (i = 0; i < pn; i++)
			if (nameidx_add(&pidx, pnames[i], strlen(pnames[i]), i,
			    NULL) == -1)
				err(EX_OSERR, NULL);
		for (i = 0; i < nf; i++) {
			long j = nameidx_get(&pidx, fnames[i],
			    strlen(fnames[i]));

			if (j == -1)
				errx(EX_USAGE, "--features: %s is not in the "
				    "reference", fnames[i]);
			if (profs[j].nsample == 0)
				errx(EX_DATAERR, "%s: the reference of %s has "
				    "no sample", mpath ? mpath : rpath,
				    fnames[i]);
			ref_from(&w.ref[i], fnames[i], &profs[j]);
		}
		nameidx_free(&pidx);
		w.nfeat = nf;
		/* the signal */
		w.sig = -1;
		if (signame == NULL && score != NULL)
			signame = "score";
		if (signame != NULL) {
			for (i = 0; i < nf; i++)
				if (strcmp(fnames[i], signame) == 0)
					w.sig = (int)i;
			if (w.sig < 0 && strcmp(signame, "score") == 0 &&
			    score != NULL) {
				ref_from(&w.sigref, "score", score);
				w.sig = (int)nf;
			} else if (w.sig < 0)
				errx(EX_USAGE, "--signal: %s is neither a "
				    "watched feature nor score", signame);
		}
		if (w.sig < 0)
			tests &= ~((1u << T_PH) | (1u << T_CUSUM) |
			    (1u << T_ADWIN));
		/* categories for js: the predicted classes of the test set */
		if (b != NULL && b->nlabels > 0 && b->confusion != NULL &&
		    b->nconfusion == b->nlabels && b->nlabels <= 256) {
			w.ncat = b->nlabels;
			w.cat = b->labels;
			w.catkey = (char *)label;
			if ((w.catref = calloc(w.ncat, sizeof(double))) == NULL)
				err(EX_OSERR, NULL);
			for (i = 0; i < w.ncat * w.ncat; i++)
				w.catref[i % w.ncat] += (double)b->confusion[i];
		} else {
			if (tests_given && (tests & (1u << T_JS)))
				errx(EX_USAGE, "--tests js: the reference has no "
				    "predicted-label distribution (a bundle "
				    "with labels and a confusion matrix)");
			tests &= ~(1u << T_JS);
		}
		w.tests = tests;
		if (nf == 0 && w.sig < 0)
			errx(EX_USAGE, "nothing to watch");
		/* fixed limits, then calibrated ones */
		for (i = 0; i < nf; i++) {
			struct limit *l = &w.lim[i * T_COUNT];
			double c = drift_ks_critical(alpha / nf,
			    w.ref[i].nsample, w.W);

			l[T_KS] = (struct limit){ c, 0.8 * c, NAN };
			l[T_PSI] = (struct limit){ psi_hi, psi_lo, NAN };
			l[T_W1] = (struct limit){ w1x, 0.8 * w1x, NAN };
		}
		w.slim[T_JS] = (struct limit){ jsx, 0.8 * jsx, NAN };
		w.slim[T_PH] = (struct limit){ ph_l, ph_l, NAN };
		w.slim[T_CUSUM] = (struct limit){ cu_h, cu_h, NAN };
		w.slim[T_ADWIN] = (struct limit){ ad_d, ad_d, NAN };
		if (watch_ready(&w) == -1)
			err(EX_OSERR, NULL);
		if (!isnan(rate) && calibrate(&w, rate, fps, seed, calib) ==
		    -1)
			err(EX_OSERR, "calibration");
		if (!f.p.quiet)
			print_limits(&w, signame, !isnan(rate));
		/* 16 KB a feature no evaluation reads: memory for devices */
		for (i = 0; i < nf; i++)
			ref_drop_sample(&w.ref[i]);
		ref_drop_sample(&w.sigref);
		for (i = 0; i < pn; i++) {
			free(profs[i].sample);
			profs[i].sample = NULL;
			profs[i].nsample = 0;
		}
		if (score != NULL) {
			free(score->sample);
			score->sample = NULL;
			score->nsample = 0;
		}
		if ((dm = devmap_new(ndev, w.devsize, watch_dev_init, NULL,
		    &w)) == NULL || (x = calloc(nf + 1, sizeof(double))) ==
		    NULL || (hints = calloc(nf + 1, sizeof(uint32_t))) ==
		    NULL || (nlen = calloc(nf + 1, sizeof(size_t))) == NULL ||
		    (rep.ev = calloc((size_t)(nf + 1) * T_COUNT,
		    sizeof(*rep.ev))) == NULL)
			err(EX_OSERR, NULL);
		for (i = 0; i < nf; i++)
			nlen[i] = strlen(w.ref[i].name);
	} else if (fnames != NULL) {
		ft.n = nf;
		ft.name = fnames;
		fit_alloc(&ft);
	}

	o.f = &f;
	o.w = &w;
	o.model = model[0] ? model : NULL;
	o.signame = signame;
	o.ev_uri = evuri;
	msgpack_sbuffer_init(&o.sb);
	msgpack_packer_init(&o.pk, &o.sb, msgpack_sbuffer_write);
	o.cevents = filter_counter(&f, "events");
	o.cretrain = filter_counter(&f, "retrain");
	o.cwatched = filter_counter(&f, "watched");
	o.cdevices = filter_counter(&f, "devices");
	o.cevicted = filter_counter(&f, "evicted");
	o.cexpired = filter_counter(&f, "expired");
	if (evuri == NULL && fitpath == NULL)
		filter_equation(&f, "in + events = out + rejected + dropped + "
		    "unwritten");
	if ((st = filter_open(&f)) != EX_OK)
		errx(st, "%s", filter_error(&f));
	if (evuri != NULL && (o.ev = stream_open(evuri, "w")) == NULL)
		errx(strstr(evuri, "://") ? EX_UNAVAILABLE : EX_CANTCREAT,
		    "%s: %s", evuri, stream_open_error());

	while (filter_read(&f, &r) == FILTER_FRAME) {
		if (r->kind == KIND_EVENT || r->kind == KIND_REJECT ||
		    r->kind == KIND_EOS) {
			if (filter_pass(&f, r) == -1)
				break;
			continue;
		}
		if (fitpath != NULL) {
			if (ft.name == NULL) {
				fit_names_from(&ft, r);
				fit_alloc(&ft);
			}
			fit_add(&ft, r);
			if (filter_pass(&f, r) == -1)
				break;
			continue;
		}
		k = 0;
		for (i = 0; i < nf; i++) {
			int j = record_find(r, w.ref[i].name,
			    nlen[i], &hints[i]);

			x[i] = NAN;
			if (j >= 0 && value_f64(&r->body[j].v, &x[i]) == 0)
				k = 1;
		}
		sig = NAN;
		if (w.sig >= (int)nf) {
			int j = record_find(r, "score", 5, &sighint);

			if (j >= 0 && value_f64(&r->body[j].v, &sig) == 0)
				k = 1;
		} else if (w.sig >= 0)
			sig = x[w.sig];
		cat = -1;
		if (w.ncat > 0) {
			int j = record_find(r, label, strlen(label), &cathint);

			if (j >= 0 && r->body[j].v.type == VAL_STR) {
				for (i = 0; i < w.ncat; i++)
					if (strlen(w.cat[i]) == r->body[j].v.len &&
					    memcmp(w.cat[i], r->body[j].v.p,
					    r->body[j].v.len) == 0)
						cat = (int)i;
				k = 1;
			}
		}
		if (!k) {
			if (filter_pass(&f, r) == -1)
				break;
			continue;
		}
		FILTER_COUNT(&f, o.cwatched)++;
		now = (double)r->sec + r->nsec * 1e-9;
		if (now >= next_expire) {
			FILTER_COUNT(&f, o.cexpired) += devmap_expire(dm, now,
			    idle);
			next_expire = now + (idle < 60 ? idle : 60);
		}
		{
			const char *dev = r->dev ? r->dev : "";
			size_t dl = r->dev ? r->dev_len : 0;
			int64_t sec = r->sec;
			uint32_t nsec = r->nsec;
			void *d = devmap_get(dm, dev, dl, now, &created);

			if (d == NULL)
				err(EX_OSERR, NULL);
			FILTER_COUNT(&f, o.cdevices) += created;
			st = watch_frame(&w, d, x, sig, cat, sec, nsec, &rep);
			if (filter_pass(&f, r) == -1)
				break;
			/* r (and dev) stay valid until the next read */
			if (st && emit_events(&o, dev, dl, &rep, sec, nsec) ==
			    -1)
				break;
		}
	}
	if (dm != NULL)
		FILTER_COUNT(&f, o.cevicted) = devmap_evicted(dm);
	if (o.ev != NULL && stream_close(&o.ev) == -1) {
		warn("%s", evuri);
		if (f.p.status == EX_OK)
			f.p.status = EX_IOERR;
	}
	if (fitpath != NULL && f.p.status == EX_OK && ft.name != NULL &&
	    fit_write(&ft, fitpath, seed) == -1)
		f.p.status = EX_CANTCREAT;
	if (fitpath != NULL && ft.name == NULL)
		warnx("--fit-reference: no frame to fit");
	st = filter_close(&f);
	msgpack_sbuffer_destroy(&o.sb);
	devmap_free(&dm);
	watch_free(&w);
	for (i = 0; w.ref != NULL && i < w.nfeat; i++) {
		free(w.ref[i].name);
		free(w.ref[i].sorted);
	}
	free(w.sigref.name);
	free(w.sigref.sorted);
	free(w.ref);
	free(w.lim);
	free(w.catref);
	free(x);
	free(hints);
	free(nlen);
	free(rep.ev);
	for (i = 0; i < ft.n; i++)
		free(ft.v[i]);
	free(ft.v);
	free(ft.nv);
	free(ft.cap);
	free(ft.hint);
	if (fnames != NULL && fnames != pnames) {
		for (i = 0; fnames[i] != NULL; i++)
			free(fnames[i]);
		free(fnames);
	} else if (ft.name != NULL && ft.name != fnames) {
		for (i = 0; i < ft.n; i++)
			free(ft.name[i]);
		free(ft.name);
	}
	profile_free(&prof);
	bundle_free(&b);
	return st;
}

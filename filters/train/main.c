/*
 * train -- fit a model on labelled frames and write it as a bundle; or,
 * with --eval, score labelled frames with an existing bundle and print the
 * same metrics.  Frames in (features frames from window, or samples), no
 * frames out: the bundle (-o), a report on stdout, optionally every row's
 * score as CSV (--scores).
 *
 * Labels come from a body or meta field (-l), from a device -> label file
 * (--label-map), or are derived as remaining useful life (--rul).  Rows
 * are split by time within each device with a purge gap, or by group;
 * --folds adds k-fold cross-validation by group.  The numeric core is
 * model.h; fit.c turns a kind into a bundle and scores any bundle.
 * docs/train.md has the whole story.
 */
#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sodium.h>

#include "bundle.h"
#include "filter.h"
#include "timeparse.h"
#include "train.h"
#include "optx.h"

enum {
	OPT_LABEL_MAP = FILTER_OPT_OWN, OPT_RUL, OPT_RUL_CAP, OPT_FRAMES,
	OPT_GROUP, OPT_SPLIT, OPT_VAL, OPT_TEST, OPT_PURGE, OPT_FOLDS,
	OPT_NAME, OPT_VERSION, OPT_PARENT, OPT_CREATED, OPT_SEED, OPT_SCHEMA,
	OPT_PARAMS, OPT_WINDOW, OPT_SIGN, OPT_ALPHA, OPT_TOL, OPT_MAXIT,
	OPT_HIDDEN, OPT_ACT, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_PATIENCE,
	OPT_COMP, OPT_VARIANCE, OPT_FAR, OPT_THRESH, OPT_RIDGE, OPT_EVAL,
	OPT_PUBKEY, OPT_LAST, OPT_SCORES, OPT_NO_SCALE, OPT_SUSTAIN, OPT_MIXED,
	OPT_CONFIG
};

static const struct option opts[] = {
	FILTER_LONGOPTS,
	{ "help",		no_argument,	   NULL, 'h' },
	{ "kind",		required_argument, NULL, 'k' },
	{ "label",		required_argument, NULL, 'l' },
	{ "features",		required_argument, NULL, 'f' },
	{ "exclude",		required_argument, NULL, 'x' },
	{ "label-map",		required_argument, NULL, OPT_LABEL_MAP },
	{ "rul",		required_argument, NULL, OPT_RUL },
	{ "rul-cap",		required_argument, NULL, OPT_RUL_CAP },
	{ "frames",		required_argument, NULL, OPT_FRAMES },
	{ "group",		required_argument, NULL, OPT_GROUP },
	{ "split",		required_argument, NULL, OPT_SPLIT },
	{ "val",		required_argument, NULL, OPT_VAL },
	{ "test",		required_argument, NULL, OPT_TEST },
	{ "purge",		required_argument, NULL, OPT_PURGE },
	{ "folds",		required_argument, NULL, OPT_FOLDS },
	{ "name",		required_argument, NULL, OPT_NAME },
	{ "version",		required_argument, NULL, OPT_VERSION },
	{ "parent",		required_argument, NULL, OPT_PARENT },
	{ "created",		required_argument, NULL, OPT_CREATED },
	{ "seed",		required_argument, NULL, OPT_SEED },
	{ "schema",		required_argument, NULL, OPT_SCHEMA },
	{ "params",		required_argument, NULL, OPT_PARAMS },
	{ "window-config",	required_argument, NULL, OPT_WINDOW },
	{ "sign",		required_argument, NULL, OPT_SIGN },
	{ "alpha",		required_argument, NULL, OPT_ALPHA },
	{ "tol",		required_argument, NULL, OPT_TOL },
	{ "max-iter",		required_argument, NULL, OPT_MAXIT },
	{ "hidden",		required_argument, NULL, OPT_HIDDEN },
	{ "activation",		required_argument, NULL, OPT_ACT },
	{ "epochs",		required_argument, NULL, OPT_EPOCHS },
	{ "batch",		required_argument, NULL, OPT_BATCH },
	{ "lr",			required_argument, NULL, OPT_LR },
	{ "patience",		required_argument, NULL, OPT_PATIENCE },
	{ "components",		required_argument, NULL, OPT_COMP },
	{ "variance",		required_argument, NULL, OPT_VARIANCE },
	{ "far",		required_argument, NULL, OPT_FAR },
	{ "threshold",		required_argument, NULL, OPT_THRESH },
	{ "ridge",		required_argument, NULL, OPT_RIDGE },
	{ "eval",		required_argument, NULL, OPT_EVAL },
	{ "pubkey",		required_argument, NULL, OPT_PUBKEY },
	{ "last",		no_argument,	   NULL, OPT_LAST },
	{ "scores",		required_argument, NULL, OPT_SCORES },
	{ "no-scale",		no_argument,	   NULL, OPT_NO_SCALE },
	{ "sustain",		required_argument, NULL, OPT_SUSTAIN },
	{ "mixed",		required_argument, NULL, OPT_MIXED },
	{ "C",			required_argument, NULL, 'C' },
	{ "config",		required_argument, NULL, OPT_CONFIG },
	{ NULL, 0, NULL, 0 }
};

static _Noreturn void
usage(int status)
{
	optx_usage(status,
"usage: train -k KIND [-l KEY | --label-map FILE | --rul UNIT] -o BUNDLE\n"
"             [--config FILE] [options] [-i URI]\n"
"       train --eval BUNDLE [-l KEY | --label-map FILE | --rul UNIT]\n"
"             [--last] [--scores FILE] [-i URI]\n"
"Fit a model on labelled frames and write a bundle (or score one).\n"
"      --config FILE     options from FILE, a \"long-option value\" a line\n"
"                        (the command line wins; -C is the regularization)\n"
"  -k, --kind KIND       logistic, softmax, ridge, mlp_classifier,\n"
"                        mlp_regressor, pca, mahalanobis\n"
"  -o, --output FILE     the bundle to write\n"
"  -l, --label KEY       label: a body field, else a meta field, else\n"
"                        window --carry's KEY.last\n"
"      --mixed HOW       drop (default) or keep windows whose carried\n"
"                        label changed (KEY.min != KEY.max)\n"
"      --label-map FILE  label per device: lines \"DEV LABEL\" (with --rul:\n"
"                        the RUL at the device's last row)\n"
"      --rul UNIT        label = remaining useful life: windows or seconds\n"
"                        to the device's last row\n"
"      --rul-cap N       cap the RUL at N (piecewise-linear RUL)\n"
"  -f, --features LIST   features to use (comma-separated, fnmatch patterns;\n"
"                        default: every number of the first frame's body)\n"
"  -x, --exclude LIST    features to leave out (patterns)\n"
"      --frames KIND     frames to take: features (default) or sample\n"
"      --split HOW       time (default: per device, in time order) or group\n"
"      --group KEY       group field (meta or body; default: the device)\n"
"      --val F, --test F fractions for validation and test (0.2, 0.2)\n"
"      --purge N         rows dropped at each time cut (default 1)\n"
"      --folds K         also k-fold cross-validation by group\n"
"      --seed N          seed of shuffles, initial weights, samples (0)\n"
"      --name S, --version S, --parent S, --created SECONDS\n"
"      --schema FILE, --params FILE, --window-config FILE: upstream texts\n"
"      --sign KEYFILE    sign the bundle (ed25519 secret key, hex)\n"
"      --no-scale        no standard scaler\n"
"  -C C                  logistic/softmax inverse L2 strength (1)\n"
"      --alpha A         ridge L2 (1); MLP L2 (0.0001)\n"
"      --tol T, --max-iter N   logistic/softmax gradient tolerance (1e-8),\n"
"                        iterations (1000)\n"
"      --hidden H[,H2]   MLP hidden layers (64)\n"
"      --activation A    relu (default), tanh, logistic, identity\n"
"      --epochs N, --batch N, --lr R, --patience N   MLP (200, 200, 0.001,\n"
"                        10; patience 0: no early stopping)\n"
"      --components K    PCA components (default: by --variance 0.95)\n"
"      --far A           false-alarm rate of the threshold (0.01)\n"
"      --threshold HOW   auto, parametric or empirical\n"
"      --ridge R         Mahalanobis covariance ridge (0)\n"
"      --eval BUNDLE     score the frames with BUNDLE, print the metrics\n"
"      --pubkey FILE     --eval: require a signature by this key\n"
"      --last            --eval: only each device's last row\n"
"      --scores FILE     every row's outputs as CSV (-: stdout)\n"
"      --sustain N       --eval of a detector: each device's first run of N\n"
"                        alarms in a row, and the alarms before it (3)\n"
"  -i, --input URI       frames in (default -)\n"
"  -q, --quiet           no accounting line at exit\n"
"      --metrics FILE    counters in Prometheus text format\n"
"      --max-frame N     largest frame read, bytes (default 1 MiB)\n", "");
}

/* --hidden N[,M]: one or two layer sizes into h; how many. */
static int
hidden_arg(char *s, size_t *h)
{
	char *comma = strchr(s, ',');
	uint64_t v;
	int n = 0;

	if (comma != NULL)
		*comma = '\0';
	if (opt_u64(s, 1, 4096, &v) != NULL)
		goto bad;
	h[n++] = (size_t)v;
	if (comma != NULL) {
		*comma = ',';
		if (opt_u64(comma + 1, 1, 4096, &v) != NULL)
			goto bad;
		h[n++] = (size_t)v;
	}
	return n;
bad:
	if (comma != NULL)
		*comma = ',';
	optx_badf("hidden", s, "'%s' is not one or two sizes 1-4096, e.g. "
	    "64,32", s);
}

/* The whole text of path (NUL-terminated; caller frees). */
static char *
slurp(const char *path)
{
	FILE *fp;
	char *s = NULL;
	size_t n = 0, cap = 0, k;

	if ((fp = fopen(path, "r")) == NULL)
		err(EX_NOINPUT, "%s", path);
	do {
		if (n + 4096 + 1 > cap) {
			cap = 2 * cap + 8192;
			if ((s = realloc(s, cap)) == NULL)
				err(EX_OSERR, NULL);
		}
		k = fread(s + n, 1, cap - n - 1, fp);
		n += k;
	} while (k > 0);
	if (ferror(fp))
		err(EX_IOERR, "%s", path);
	fclose(fp);
	s[n] = '\0';
	return s;
}

/* Comma-separated list into patterns (static: the command line's). */
static size_t
split_list(char *s, char **v, size_t max)
{
	size_t n = 0;
	char *t;

	while ((t = strsep(&s, ",")) != NULL)
		if (*t != '\0' && n < max)
			v[n++] = t;
	return n;
}

static int
matches(char *const *pat, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fnmatch(pat[i], s, 0) == 0)
			return 1;
	return 0;
}

struct labmap {
	struct strtab	 dev;
	char		**lab;
};

static void
labmap_read(struct labmap *m, const char *path)
{
	FILE *fp;
	char line[1024], *d, *l, *p;
	size_t ln = 0;
	int64_t k;

	if ((fp = fopen(path, "r")) == NULL)
		err(EX_NOINPUT, "%s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		ln++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = line;
		d = strsep(&p, " \t\r\n");
		while (p != NULL && strchr(" \t", *p) != NULL && *p)
			p++;
		l = p ? strsep(&p, " \t\r\n") : NULL;
		if (d == NULL || *d == '\0')
			continue;
		if (l == NULL || *l == '\0')
			errx(EX_DATAERR, "%s: line %zu: a device without a "
			    "label", path, ln);
		if (strtab_find(&m->dev, d, strlen(d)) >= 0)
			errx(EX_DATAERR, "%s: line %zu: device %s twice", path,
			    ln, d);
		if ((k = strtab_get(&m->dev, d, strlen(d))) < 0 ||
		    (m->lab = realloc(m->lab, m->dev.cap *
		    sizeof(char *))) == NULL ||
		    (m->lab[k] = strdup(l)) == NULL)
			err(EX_OSERR, NULL);
	}
	if (ferror(fp))
		err(EX_IOERR, "%s", path);
	fclose(fp);
}

/* A value as label text; 0, or -1 if it is neither a number nor a
 * string. */
static int
label_text(const struct value *v, char *buf, size_t len, double *y)
{
	double x;

	if (v->type == VAL_STR) {
		size_t k = v->len < len - 1 ? v->len : len - 1;
		char *e;

		memcpy(buf, v->p, k);
		buf[k] = '\0';
		*y = strtod(buf, &e);
		if (*buf == '\0' || *e != '\0')
			*y = NAN;
		return 0;
	}
	if (value_f64(v, &x) == -1 || !isfinite(x))
		return -1;
	snprintf(buf, len, "%.15g", x);
	*y = x;
	return 0;
}

/* A field of r: body first, then meta.  NULL if absent. */
static const struct value *
field_of(const struct record *r, const char *key, uint32_t *hint)
{
	int i;

	if ((i = record_find(r, key, strlen(key), hint)) >= 0)
		return &r->body[i].v;
	return record_meta_get(r, key);
}

static void
iso_time(char *buf, size_t len, int64_t t)
{
	time_format(buf, len, t, 0, 0);
}

/* Row indices of part p (all parts if p is PART_NONE). */
static size_t
rows_of(const struct data *d, int p, size_t *idx)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (p == PART_NONE || d->part[i] == p)
			idx[n++] = i;
	return n;
}

static void
set_metric(struct bundle *b, const char *prefix, const char *k, double v)
{
	char key[64];

	if (isnan(v))
		return;
	snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "_" : "", k);
	if (bundle_set_metric(b, key, v) == -1)
		err(EX_OSERR, NULL);
}

static void
store_metrics(struct bundle *b, const char *prefix, const struct metrics *m)
{
	switch (kind_type(b->kind)) {
	case KIND_CLASSIFIER:
		set_metric(b, prefix, "accuracy", m->accuracy);
		set_metric(b, prefix, "f1_macro", m->f1);
		set_metric(b, prefix, "auc", m->auc);
		break;
	case KIND_REGRESSOR:
		set_metric(b, prefix, "rmse", m->rmse);
		set_metric(b, prefix, "mae", m->mae);
		set_metric(b, prefix, "cmapss_score", m->cmapss);
		break;
	default:
		set_metric(b, prefix, "alarm_rate", m->alarms);
	}
}

/* The score a profile and the report keep of one row's outputs. */
static double
score_of(const struct bundle *b, const double *o, size_t K)
{
	size_t k;
	double s;

	if (kind_type(b->kind) != KIND_CLASSIFIER)
		return o[0];
	if (K == 2)
		return o[1];
	for (s = o[0], k = 1; k < K; k++)
		if (o[k] > s)
			s = o[k];
	return s;
}

static void
write_scores(const char *path, const struct bundle *b, const struct data *d,
    const size_t *idx, size_t n, const double *O)
{
	FILE *fp;
	size_t i, k, K = bundle_outputs(b);

	if (strcmp(path, "-") == 0)
		fp = stdout;
	else if ((fp = fopen(path, "w")) == NULL)
		err(EX_CANTCREAT, "%s", path);
	fprintf(fp, "dev,time,set,label");
	if (kind_type(b->kind) == KIND_CLASSIFIER)
		for (k = 0; k < K; k++)
			fprintf(fp, ",p.%s", b->labels[k]);
	else if (!strcmp(b->kind, "pca"))
		fprintf(fp, ",t2,q");
	else
		fprintf(fp, ",%s", b->score_name ? b->score_name : "score");
	fprintf(fp, "%s\n", kind_type(b->kind) == KIND_DETECTOR ? ",alarm" :
	    "");
	for (i = 0; i < n; i++) {
		size_t r = idx[i];

		fprintf(fp, "%s,%.9f,%s,", d->devs.s[d->dev[r]], d->t[r],
		    d->part[r] < 4 ? part_name[d->part[r]] : "eval");
		if (!isnan(d->y[r]) && kind_type(b->kind) == KIND_REGRESSOR)
			fprintf(fp, "%.17g", d->y[r]);
		else
			fprintf(fp, "%s", d->labs.s[d->lab[r]]);
		for (k = 0; k < K; k++)
			fprintf(fp, ",%.17g", O[i * K + k]);
		if (kind_type(b->kind) == KIND_DETECTOR)
			fprintf(fp, ",%d", alarm_of(b, O + i * K));
		fputc('\n', fp);
	}
	if (fp == stdout) {
		if (fflush(fp) == EOF || ferror(fp))
			err(EX_IOERR, "stdout");
	} else if (fclose(fp) == EOF)
		err(EX_IOERR, "%s", path);
}

/*
 * A detector's alarms per device in time order: the first run of `run`
 * alarms in a row, and how many alarms came before it (false alarms, if
 * the frames start healthy).
 */
static void
report_sustained(FILE *fp, const struct bundle *b, const struct data *d,
    const size_t *idx, size_t n, const double *O, size_t run)
{
	size_t *ord, i, m, k, K = bundle_outputs(b), at, before, streak;
	char when[32];
	uint32_t dv;

	if ((ord = malloc((n ? n : 1) * sizeof(size_t))) == NULL)
		err(EX_OSERR, NULL);
	for (dv = 0; dv < d->devs.n; dv++) {
		for (m = 0, i = 0; i < n; i++)
			if (d->dev[idx[i]] == dv)
				ord[m++] = i;
		/* insertion sort by time: rows mostly arrive in order */
		for (i = 1; i < m; i++)
			for (k = i; k > 0 && d->t[idx[ord[k]]] <
			    d->t[idx[ord[k - 1]]]; k--) {
				size_t t = ord[k];

				ord[k] = ord[k - 1];
				ord[k - 1] = t;
			}
		at = SIZE_MAX;
		for (before = streak = i = 0; i < m && at == SIZE_MAX; i++) {
			if (alarm_of(b, O + ord[i] * K)) {
				if (++streak == run)
					at = i + 1 - run;
			} else
				streak = 0;
		}
		if (at == SIZE_MAX) {
			fprintf(fp, "%s: no %zu alarms in a row in %zu rows\n",
			    d->devs.s[dv], run, m);
			continue;
		}
		for (i = 0; i < at; i++)
			before += alarm_of(b, O + ord[i] * K);
		iso_time(when, sizeof(when), (int64_t)floor(
		    d->t[idx[ord[at]]]));
		fprintf(fp, "%s: first %zu alarms in a row from %s (row %zu "
		    "of %zu), %zu alarms before\n", d->devs.s[dv], run, when,
		    at + 1, m, before);
	}
	free(ord);
}

int
main(int argc, char *argv[])
{
	struct filter f;
	struct record *r;
	struct data d = { 0 };
	struct labmap lm = { 0 };
	struct fitopt fo = { 0 };
	struct mlp_opts mo = { { 64, 0 }, 1, ACT_RELU, 1e-4, 1e-3, 200, 200,
		10, 1e-4, 0 };
	struct bundle *b = NULL;
	struct metrics m;
	crypto_hash_sha256_state hs;
	const char *bundle_out = NULL, *label = NULL, *mapfile = NULL;
	const char *frames = "features", *group = NULL, *split = "time";
	const char *name = NULL, *version = NULL, *parent = NULL;
	const char *schema = NULL, *params = NULL, *wconf = NULL;
	const char *signkey = NULL, *evalpath = NULL, *pubkey = NULL;
	const char *scores = NULL, *rul = NULL;
	char *fpat[256], *xpat[256], errbuf[512], lab[256], *e;
	size_t nf = 0, nx = 0, i, j, purge = 1, n, *idx = NULL, sustain = 3;
	double val = 0.2, test = 0.2, rulcap = 0, *x = NULL, *O = NULL;
	double t, y, cv_mean[2] = { NAN, NAN };
	uint64_t seed = 0;
	int64_t created = -1, di, gi, li;
	uint32_t *hints = NULL, lhint = 0, ghint = 0;
	int ch, st, last = 0, folds = 0, want_kind, ci_rows, ci_skipped;
	int ci_incomplete, ci_unlabelled, ci_mixed, have_feat = 0;
	int keep_mixed = 0;
	char ck_last[300], ck_min[300], ck_max[300];
	uint32_t h_last = 0, h_min = 0, h_max = 0;

	fo.kind = NULL;
	fo.scale = 1;
	fo.C = 1;
	fo.alpha = -1;
	fo.tol = 1e-8;
	fo.maxit = 1000;
	fo.mo = &mo;
	fo.variance = 0.95;
	fo.far = 0.01;

	static const char optstr[] = FILTER_SHORTOPTS "C:f:hk:l:x:";

	filter_init(&f, "train");
	optx_config(&argc, &argv, optstr, opts, NULL);	/* --config */
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		if (ch == 'o') {	/* no frame output: -o is the bundle */
			bundle_out = optarg;
			continue;
		}
		if (optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'C':
			fo.C = optx_real("C", optarg, 1e-12, 1e12);
			break;
		case 'f':
			nf += split_list(optarg, fpat + nf, 256 - nf);
			break;
		case 'h':
			usage(EX_OK);
		case 'k':
			fo.kind = optarg;
			if (kind_type(optarg) == 0)
				errx(EX_USAGE, "--kind: unknown kind %s",
				    optarg);
			break;
		case 'l':
			label = optarg;
			break;
		case 'x':
			nx += split_list(optarg, xpat + nx, 256 - nx);
			break;
		case OPT_LABEL_MAP:
			mapfile = optarg;
			break;
		case OPT_RUL:
			if (strcmp(optarg, "windows") && strcmp(optarg,
			    "seconds"))
				errx(EX_USAGE, "--rul: windows or seconds");
			rul = optarg;
			break;
		case OPT_RUL_CAP:
			rulcap = optx_real("rul-cap", optarg, 0, 1e300);
			break;
		case OPT_FRAMES:
			if (strcmp(optarg, "features") && strcmp(optarg,
			    "sample"))
				errx(EX_USAGE, "--frames: features or sample");
			frames = optarg;
			break;
		case OPT_GROUP:
			group = optarg;
			break;
		case OPT_SPLIT:
			if (strcmp(optarg, "time") && strcmp(optarg, "group"))
				errx(EX_USAGE, "--split: time or group");
			split = optarg;
			break;
		case OPT_VAL:
			val = optx_real("val", optarg, 0, 0.9);
			break;
		case OPT_TEST:
			test = optx_real("test", optarg, 0, 0.9);
			break;
		case OPT_PURGE:
			purge = (size_t)optx_u64("purge", optarg, 0,
			    1000000000);
			break;
		case OPT_FOLDS:
			folds = (int)optx_u64("folds", optarg, 2, 100);
			break;
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_VERSION:
			version = optarg;
			break;
		case OPT_PARENT:
			parent = optarg;
			break;
		case OPT_CREATED:
			created = optx_i64("created", optarg, 0,
			    INT64_C(1000000000000));
			break;
		case OPT_SEED:
			seed = optx_u64("seed", optarg, 0,
			    UINT64_C(1000000000000000));
			break;
		case OPT_SCHEMA:
			schema = optarg;
			break;
		case OPT_PARAMS:
			params = optarg;
			break;
		case OPT_WINDOW:
			wconf = optarg;
			break;
		case OPT_SIGN:
			signkey = optarg;
			break;
		case OPT_ALPHA:
			fo.alpha = optx_real("alpha", optarg, 0, 1e12);
			break;
		case OPT_TOL:
			fo.tol = optx_real("tol", optarg, 0, 1);
			break;
		case OPT_MAXIT:
			fo.maxit = (int)optx_u64("max-iter", optarg, 1,
			    10000000);
			break;
		case OPT_HIDDEN:
			mo.nhidden = hidden_arg(optarg, mo.hidden);
			break;
		case OPT_ACT:
			for (i = 0; i < 4 && strcmp(optarg, act_name[i]); i++)
				;
			if (i == 4)
				errx(EX_USAGE, "--activation: relu, tanh, "
				    "logistic or identity");
			mo.act = (int)i;
			break;
		case OPT_EPOCHS:
			mo.max_iter = (int)optx_u64("epochs", optarg, 1,
			    10000000);
			break;
		case OPT_BATCH:
			mo.batch = (size_t)optx_u64("batch", optarg, 1,
			    1000000000);
			break;
		case OPT_LR:
			mo.lr = optx_real("lr", optarg, 1e-12, 10);
			break;
		case OPT_PATIENCE:
			mo.patience = (int)optx_u64("patience", optarg, 0,
			    10000000);
			break;
		case OPT_COMP:
			fo.ncomp = (size_t)optx_u64("components", optarg, 1,
			    1000000);
			break;
		case OPT_VARIANCE:
			fo.variance = optx_real("variance", optarg, 0.01, 1);
			break;
		case OPT_FAR:
			fo.far = optx_real("far", optarg, 1e-9, 0.5);
			break;
		case OPT_THRESH:
			if (!strcmp(optarg, "auto"))
				fo.thr_method = 0;
			else if (!strcmp(optarg, "parametric"))
				fo.thr_method = 1;
			else if (!strcmp(optarg, "empirical"))
				fo.thr_method = 2;
			else
				errx(EX_USAGE, "--threshold: auto, parametric "
				    "or empirical");
			break;
		case OPT_RIDGE:
			fo.ridge_cov = optx_real("ridge", optarg, 0, 1);
			break;
		case OPT_EVAL:
			evalpath = optarg;
			break;
		case OPT_PUBKEY:
			pubkey = optarg;
			break;
		case OPT_LAST:
			last = 1;
			break;
		case OPT_SCORES:
			scores = optarg;
			break;
		case OPT_NO_SCALE:
			fo.scale = 0;
			break;
		case OPT_MIXED:
			if (strcmp(optarg, "drop") && strcmp(optarg, "keep"))
				errx(EX_USAGE, "--mixed: drop or keep");
			keep_mixed = !strcmp(optarg, "keep");
			break;
		case OPT_SUSTAIN:
			sustain = (size_t)optx_u64("sustain", optarg, 1,
			    1000000);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (evalpath == NULL && (fo.kind == NULL || bundle_out == NULL))
		errx(EX_USAGE, "-k KIND and -o BUNDLE are needed (or --eval "
		    "BUNDLE)");
	if (bundle_out != NULL && (strstr(bundle_out, "://") != NULL ||
	    *bundle_out == '@' || *bundle_out == '>'))
		errx(EX_USAGE, "-o %s: the bundle is a file, not an endpoint",
		    bundle_out);
	if (label != NULL && (mapfile != NULL || rul != NULL))
		errx(EX_USAGE, "-l and --label-map/--rul: choose one");
	if (last && evalpath == NULL)
		errx(EX_USAGE, "--last goes with --eval");
	if (val + test > 0.9)
		errx(EX_USAGE, "--val and --test leave less than 10%% to train");
	if (mapfile != NULL)
		labmap_read(&lm, mapfile);

	/* the bundle to evaluate fixes the features and the kind */
	if (evalpath != NULL) {
		uint8_t pk[32];

		if (pubkey != NULL && bundle_key_read(pubkey, pk, 32, errbuf,
		    sizeof(errbuf)) == -1)
			errx(EX_NOINPUT, "%s", errbuf);
		if ((b = bundle_load(evalpath, pubkey ? pk : NULL, errbuf,
		    sizeof(errbuf))) == NULL)
			errx(EX_NOINPUT, "%s", errbuf);
		fo.kind = b->kind;
		d.p = b->nfeat;
		if ((d.feat = calloc(d.p, sizeof(char *))) == NULL)
			err(EX_OSERR, NULL);
		for (j = 0; j < d.p; j++)
			if ((d.feat[j] = strdup(b->feat[j])) == NULL)
				err(EX_OSERR, NULL);
		have_feat = 1;
	}
	if (kind_type(fo.kind) != KIND_DETECTOR && label == NULL &&
	    mapfile == NULL && rul == NULL)
		errx(EX_USAGE, "%s needs labels: -l, --label-map or --rul",
		    fo.kind);
	if (rul != NULL && kind_type(fo.kind) != KIND_REGRESSOR)
		errx(EX_USAGE, "--rul goes with ridge or mlp_regressor");
	fo.rul = rul != NULL;
	fo.seed = mo.seed = seed;
	if (fo.alpha < 0)
		fo.alpha = 1;
	else
		mo.alpha = fo.alpha;
	want_kind = !strcmp(frames, "sample") ? KIND_SAMPLE : KIND_FEATURES;
	/* window --carry KEY's features */
	snprintf(ck_last, sizeof(ck_last), "%s.last", label ? label : "");
	snprintf(ck_min, sizeof(ck_min), "%s.min", label ? label : "");
	snprintf(ck_max, sizeof(ck_max), "%s.max", label ? label : "");

	f.want_out = 0;
	ci_rows = filter_counter(&f, "rows");
	ci_skipped = filter_counter(&f, "skipped");
	ci_incomplete = filter_counter(&f, "incomplete");
	ci_unlabelled = filter_counter(&f, "unlabelled");
	ci_mixed = filter_counter(&f, "mixed");
	if (filter_equation(&f, "in = rows + skipped + incomplete + "
	    "unlabelled + mixed + rejected") == -1)
		errx(EX_SOFTWARE, "%s", filter_error(&f));
	if ((st = filter_open(&f)) != EX_OK)
		errx(st, "%s", filter_error(&f));
	if (sodium_init() < 0)
		errx(EX_SOFTWARE, "libsodium does not start");
	crypto_hash_sha256_init(&hs);

	while (filter_read(&f, &r) == FILTER_FRAME) {
		const struct value *v;
		int k;

		if (r->kind != want_kind) {
			FILTER_COUNT(&f, ci_skipped)++;
			continue;
		}
		if (!have_feat) {
			/* the features: numbers of the first frame's body */
			if ((d.feat = calloc(r->nbody ? r->nbody : 1,
			    sizeof(char *))) == NULL)
				err(EX_OSERR, NULL);
			for (k = 0; k < (int)r->nbody; k++) {
				double tmp;
				char *nm = strndup(r->body[k].key,
				    r->body[k].klen);

				if (nm == NULL)
					err(EX_OSERR, NULL);
				if (value_f64(&r->body[k].v, &tmp) == -1 ||
				    (label && !strcmp(nm, label)) ||
				    (label && !strncmp(nm, label,
				    strlen(label)) && nm[strlen(label)] ==
				    '.') ||
				    (group && !strcmp(nm, group)) ||
				    (nf > 0 && !matches(fpat, nf, nm)) ||
				    matches(xpat, nx, nm)) {
					free(nm);
					continue;
				}
				d.feat[d.p++] = nm;
			}
			if (d.p == 0)
				errx(EX_DATAERR, "%s: the first %s frame has "
				    "no feature to use", f.in_uri, frames);
			have_feat = 1;
		}
		if (x == NULL && ((x = malloc(d.p * sizeof(double))) == NULL ||
		    (hints = calloc(d.p, sizeof(uint32_t))) == NULL))
			err(EX_OSERR, NULL);
		for (j = 0; j < d.p; j++) {
			k = record_find(r, d.feat[j], strlen(d.feat[j]),
			    &hints[j]);
			if (k < 0 || value_f64(&r->body[k].v, &x[j]) == -1 ||
			    !isfinite(x[j]))
				break;
		}
		if (j < d.p) {
			FILTER_COUNT(&f, ci_incomplete)++;
			continue;
		}
		di = strtab_get(&d.devs, r->dev ? r->dev : "", r->dev ?
		    r->dev_len : 0);
		/* the label */
		y = NAN;
		lab[0] = '\0';
		if (label != NULL) {
			if ((v = field_of(r, label, &lhint)) == NULL &&
			    (k = record_find(r, ck_last, strlen(ck_last),
			    &h_last)) >= 0) {
				/* carried by window: mixed if it changed */
				double lo, hi;
				int a = record_find(r, ck_min, strlen(ck_min),
				    &h_min), z = record_find(r, ck_max,
				    strlen(ck_max), &h_max);

				v = &r->body[k].v;
				if (!keep_mixed && a >= 0 && z >= 0 &&
				    value_f64(&r->body[a].v, &lo) == 0 &&
				    value_f64(&r->body[z].v, &hi) == 0 &&
				    lo != hi) {
					FILTER_COUNT(&f, ci_mixed)++;
					continue;
				}
			}
			if (v == NULL || label_text(v, lab, sizeof(lab),
			    &y) == -1) {
				FILTER_COUNT(&f, ci_unlabelled)++;
				continue;
			}
		} else if (mapfile != NULL && rul == NULL) {
			int64_t mk = strtab_find(&lm.dev, d.devs.s[di],
			    strlen(d.devs.s[di]));

			if (mk < 0) {
				FILTER_COUNT(&f, ci_unlabelled)++;
				continue;
			}
			snprintf(lab, sizeof(lab), "%s", lm.lab[mk]);
			y = strtod(lab, &e);
			if (*e != '\0')
				y = NAN;
		}
		gi = di;
		if (group != NULL) {
			char gb[256];
			double gy;

			if ((v = field_of(r, group, &ghint)) == NULL ||
			    label_text(v, gb, sizeof(gb), &gy) == -1) {
				FILTER_COUNT(&f, ci_unlabelled)++;
				continue;
			}
			gi = strtab_get(&d.grps, gb, strlen(gb));
		} else
			gi = strtab_get(&d.grps, d.devs.s[di],
			    strlen(d.devs.s[di]));
		li = strtab_get(&d.labs, lab, strlen(lab));
		t = record_time_f64(r);
		if (di < 0 || gi < 0 || li < 0 || data_add(&d, x, t,
		    (uint32_t)di, (uint32_t)gi, (uint32_t)li, y) == -1)
			err(EX_OSERR, NULL);
		/* the digest: device, time, features, label of each row */
		crypto_hash_sha256_update(&hs, (const unsigned char *)
		    d.devs.s[di], strlen(d.devs.s[di]) + 1);
		crypto_hash_sha256_update(&hs, (const unsigned char *)&t,
		    sizeof(t));
		crypto_hash_sha256_update(&hs, (const unsigned char *)x,
		    d.p * sizeof(double));
		crypto_hash_sha256_update(&hs, (const unsigned char *)lab,
		    strlen(lab) + 1);
		FILTER_COUNT(&f, ci_rows)++;
	}
	if ((st = filter_close(&f)) != EX_OK)
		exit(st);
	if (d.n == 0)
		errx(EX_DATAERR, "%s: no labelled rows", f.in_uri);

	if (rul != NULL) {
		double *off = NULL;
		const char *why;

		if (mapfile != NULL) {
			if ((off = calloc(d.devs.n, sizeof(double))) == NULL)
				err(EX_OSERR, NULL);
			for (i = 0; i < d.devs.n; i++) {
				int64_t mk = strtab_find(&lm.dev, d.devs.s[i],
				    strlen(d.devs.s[i]));

				if (mk < 0)
					errx(EX_DATAERR, "%s: no line for "
					    "device %s", mapfile, d.devs.s[i]);
				if ((why = opt_real(lm.lab[mk], 0, 1e300,
				    &off[i])) != NULL)
					errx(EX_USAGE, "%s: device %s: %s",
					    mapfile, d.devs.s[i], why);
			}
		}
		data_rul(&d, !strcmp(rul, "seconds"), off, rulcap);
		free(off);
	}
	if ((idx = malloc(d.n * sizeof(size_t))) == NULL)
		err(EX_OSERR, NULL);

	if (evalpath != NULL) {
		size_t K = bundle_outputs(b);
		double *Xe;

		/* --last: each device's last row in time */
		if (last) {
			for (i = 0; i < d.n; i++)
				d.part[i] = PART_NONE;
			for (n = 0, i = 0; i < d.devs.n; i++) {
				size_t best = SIZE_MAX;

				for (j = 0; j < d.n; j++)
					if (d.dev[j] == i && (best ==
					    SIZE_MAX || d.t[j] >= d.t[best]))
						best = j;
				if (best != SIZE_MAX)
					idx[n++] = best;
			}
		} else
			n = rows_of(&d, PART_NONE, idx);
		if ((O = malloc(n * K * sizeof(double) + 1)) == NULL ||
		    (Xe = malloc(n * d.p * sizeof(double) + 1)) == NULL)
			err(EX_OSERR, NULL);
		for (i = 0; i < n; i++)
			memcpy(Xe + i * d.p, d.X + idx[i] * d.p, d.p *
			    sizeof(double));
		if (bundle_score(b, Xe, n, O, errbuf, sizeof(errbuf)) == -1)
			errx(EX_DATAERR, "%s: %s", evalpath, errbuf);
		free(Xe);
		if (metrics_of(b, &d, idx, n, O, &m) == -1)
			err(EX_OSERR, NULL);
		printf("train: %s@%s (%s), %zu rows of %zu devices\n",
		    b->name ? b->name : "?", b->version ? b->version : "?",
		    b->kind, n, (size_t)d.devs.n);
		report_head(stdout, b);
		report_line(stdout, b, "eval", &m);
		report_confusion(stdout, b, &m);
		free(m.cm);
		if (kind_type(b->kind) == KIND_DETECTOR)
			report_sustained(stdout, b, &d, idx, n, O, sustain);
		if (scores != NULL)
			write_scores(scores, b, &d, idx, n, O);
		goto done;
	}

	/* split and fit */
	if (!strcmp(split, "time")) {
		if (data_split_time(&d, val, test, purge) == -1)
			errx(EX_DATAERR, "--split time: no rows left to train "
			    "on");
	} else if (data_split_group(&d, val, test, seed) == -1)
		errx(EX_DATAERR, "--split group: %u groups cannot be split "
		    "%.2f / %.2f / rest", d.grps.n, test, val);

	{
		size_t ntr, nva, nte, *tr, *va, K;
		struct bundle *cv;
		char *text;
		uint8_t sk[64], dig[32];
		char hex[65], when[32];
		struct metrics sm[3];
		struct timespec t0, t1;
		int pp, hold;

		tr = malloc(d.n * sizeof(size_t));
		va = malloc(d.n * sizeof(size_t));
		if (tr == NULL || va == NULL)
			err(EX_OSERR, NULL);

		/* k-fold by group first: metrics only */
		if (folds > 0) {
			int *fold = malloc(d.grps.n * sizeof(int)), k;
			double acc[3] = { 0, 0, 0 };

			if (fold == NULL || data_folds(&d, folds, seed,
			    fold) == -1)
				err(EX_OSERR, NULL);
			printf("cross-validation: %d folds by group "
			    "(%u groups)\n", folds, d.grps.n);
			for (k = 0; k < folds; k++) {
				for (ntr = nte = 0, i = 0; i < d.n; i++)
					if (fold[d.grp[i]] == k)
						idx[nte++] = i;
					else
						tr[ntr++] = i;
				if (nte == 0 || ntr == 0)
					continue;
				if ((cv = fit_model(&d, tr, ntr, NULL, 0, &fo,
				    errbuf, sizeof(errbuf))) == NULL)
					errx(EX_DATAERR, "fold %d: %s", k,
					    errbuf);
				K = bundle_outputs(cv);
				if ((O = realloc(O, nte * K *
				    sizeof(double))) == NULL)
					err(EX_OSERR, NULL);
				{
					double *Xf = malloc(nte * d.p *
					    sizeof(double) + 1);

					if (Xf == NULL)
						err(EX_OSERR, NULL);
					for (i = 0; i < nte; i++)
						memcpy(Xf + i * d.p, d.X +
						    idx[i] * d.p, d.p *
						    sizeof(double));
					if (bundle_score(cv, Xf, nte, O,
					    errbuf, sizeof(errbuf)) == -1)
						errx(EX_SOFTWARE, "%s",
						    errbuf);
					free(Xf);
				}
				if (metrics_of(cv, &d, idx, nte, O, &m) == -1)
					err(EX_OSERR, NULL);
				if (k == 0)
					report_head(stdout, cv);
				snprintf(lab, sizeof(lab), "fold%d", k);
				report_line(stdout, cv, lab, &m);
				acc[0] += kind_type(fo.kind) ==
				    KIND_CLASSIFIER ? m.accuracy :
				    kind_type(fo.kind) == KIND_REGRESSOR ?
				    m.rmse : m.alarms;
				acc[1] += kind_type(fo.kind) ==
				    KIND_CLASSIFIER ? m.f1 : m.mae;
				free(m.cm);
				bundle_free(&cv);
			}
			cv_mean[0] = acc[0] / folds;
			cv_mean[1] = acc[1] / folds;
			free(fold);
		}

		ntr = rows_of(&d, PART_TRAIN, tr);
		nva = rows_of(&d, PART_VAL, va);
		nte = rows_of(&d, PART_TEST, idx);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		if ((b = fit_model(&d, tr, ntr, va, nva, &fo, errbuf,
		    sizeof(errbuf))) == NULL)
			errx(EX_DATAERR, "%s", errbuf);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		K = bundle_outputs(b);

		/* metadata */
		if (created < 0)
			created = (int64_t)time(NULL);
		iso_time(when, sizeof(when), created);
		crypto_hash_sha256_final(&hs, dig);
		bundle_hex(hex, dig, 32);
		b->created = created;
		b->rows_train = ntr;
		b->rows_val = nva;
		b->rows_test = nte;
		if (bundle_set_str(&b->name, name ? name : fo.kind) == -1 ||
		    bundle_set_str(&b->version, version ? version :
		    when) == -1 ||
		    bundle_set_str(&b->parent, parent) == -1 ||
		    bundle_set_str(&b->data_digest, hex) == -1)
			err(EX_OSERR, NULL);
		if (schema != NULL) {
			text = slurp(schema);
			b->schema = text;
		}
		if (params != NULL) {
			text = slurp(params);
			b->params = text;
		}
		if (wconf != NULL) {
			text = slurp(wconf);
			b->window = text;
		}

		/* score every row through the bundle */
		if ((O = realloc(O, d.n * K * sizeof(double))) == NULL)
			err(EX_OSERR, NULL);
		if (bundle_score(b, d.X, d.n, O, errbuf, sizeof(errbuf)) ==
		    -1)
			errx(EX_SOFTWARE, "%s", errbuf);

		printf("train: %s, %zu features, %u devices; rows: train %zu, "
		    "validation %zu, test %zu, purged %zu; fit %.3f s (CPU)\n",
		    fo.kind, d.p, d.devs.n, ntr, nva, nte, d.n - ntr - nva -
		    nte, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
		if (kind_type(fo.kind) == KIND_DETECTOR)
			printf("threshold %.6g at false-alarm rate %g (%s)\n",
			    b->threshold, fo.far, bundle_hyper_str(b,
			    "threshold_method"));
		report_head(stdout, b);
		hold = -1;
		for (pp = PART_TRAIN; pp <= PART_TEST; pp++) {
			size_t np = 0;
			double *Op;

			sm[pp].cm = NULL;
			for (i = 0; i < d.n; i++)
				if (d.part[i] == pp)
					idx[np++] = i;
			if (np == 0)
				continue;
			if ((Op = malloc(np * K * sizeof(double))) == NULL)
				err(EX_OSERR, NULL);
			for (i = 0; i < np; i++)
				memcpy(Op + i * K, O + idx[i] * K, K *
				    sizeof(double));
			if (metrics_of(b, &d, idx, np, Op, &sm[pp]) == -1)
				err(EX_OSERR, NULL);
			free(Op);
			report_line(stdout, b, part_name[pp], &sm[pp]);
			store_metrics(b, part_name[pp], &sm[pp]);
			hold = pp;
		}
		if (hold >= 0) {
			store_metrics(b, "", &sm[hold]);
			if (sm[hold].cm != NULL) {
				if ((b->confusion = malloc(K * K *
				    sizeof(uint64_t))) == NULL)
					err(EX_OSERR, NULL);
				memcpy(b->confusion, sm[hold].cm, K * K *
				    sizeof(uint64_t));
				b->nconfusion = (uint32_t)K;
				printf("(%s) ", part_name[hold]);
				report_confusion(stdout, b, &sm[hold]);
			}
		}
		for (pp = PART_TRAIN; pp <= PART_TEST; pp++)
			if (pp <= hold)
				free(sm[pp].cm);
		if (folds > 0) {
			if (kind_type(fo.kind) == KIND_CLASSIFIER) {
				set_metric(b, "cv", "accuracy", cv_mean[0]);
				set_metric(b, "cv", "f1_macro", cv_mean[1]);
			} else if (kind_type(fo.kind) == KIND_REGRESSOR) {
				set_metric(b, "cv", "rmse", cv_mean[0]);
				set_metric(b, "cv", "mae", cv_mean[1]);
			} else
				set_metric(b, "cv", "alarm_rate", cv_mean[0]);
		}

		/* reference profile: training rows, unscaled features */
		if ((b->prof = calloc(d.p, sizeof(struct bundle_prof))) ==
		    NULL || (b->score_prof = calloc(1,
		    sizeof(struct bundle_prof))) == NULL)
			err(EX_OSERR, NULL);
		{
			double *col = malloc((ntr ? ntr : 1) *
			    sizeof(double));

			if (col == NULL)
				err(EX_OSERR, NULL);
			for (j = 0; j < d.p; j++) {
				for (i = 0; i < ntr; i++)
					col[i] = d.X[tr[i] * d.p + j];
				if (bundle_prof_fit(&b->prof[j], col, ntr,
				    BUNDLE_NBINS, BUNDLE_NSAMPLE, seed +
				    j) == -1)
					err(EX_OSERR, NULL);
			}
			for (i = 0; i < ntr; i++)
				col[i] = score_of(b, O + tr[i] * K, K);
			if (bundle_prof_fit(b->score_prof, col, ntr,
			    BUNDLE_NBINS, BUNDLE_NSAMPLE, seed + d.p) == -1)
				err(EX_OSERR, NULL);
			free(col);
		}

		if (signkey != NULL && bundle_key_read(signkey, sk, 64,
		    errbuf, sizeof(errbuf)) == -1)
			errx(EX_NOINPUT, "%s", errbuf);
		if (bundle_write(bundle_out, b, signkey ? sk : NULL, errbuf,
		    sizeof(errbuf)) == -1)
			errx(EX_CANTCREAT, "%s", errbuf);
		sodium_memzero(sk, sizeof(sk));
		bundle_hex(hex, b->sha256, 32);
		printf("wrote %s: %s@%s, sha256 %s\n", bundle_out, b->name,
		    b->version, hex);
		if (scores != NULL) {
			n = rows_of(&d, PART_NONE, idx);
			write_scores(scores, b, &d, idx, n, O);
		}
		free(tr);
		free(va);
	}
done:
	optx_stdout();
	bundle_free(&b);
	free(O);
	free(idx);
	free(x);
	free(hints);
	data_free(&d);
	for (i = 0; lm.lab != NULL && i < lm.dev.n; i++)
		free(lm.lab[i]);
	free(lm.lab);
	strtab_free(&lm.dev);
	return EX_OK;
}

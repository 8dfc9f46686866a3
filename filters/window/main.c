/*
 * window -- per-device windows of sample frames into features frames.
 *
 * Sample frames in; for each device, windows by count or by time
 * (tumbling, hopping, or sessions closed by a gap) and, when a window
 * closes, one features frame out with "channel.feature" numbers: moments,
 * shape factors, slope, spectra and bearing envelope lines
 * (docs/features.md).  Out-of-order samples within --lateness are put in
 * their place; later ones are rejected.  Frames of other kinds pass
 * through.  See window(1).
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "bundle.h"
#include "codec.h"
#include "filter.h"
#include "optx.h"
#include "window.h"

enum {
	O_ENVBAND = 256, O_ENVTOL, O_HARM, O_IDLE, O_MAXDEV, O_MAXSAMP,
	O_ONGAP, O_PRINTCONF, O_SHORT
};

/*
 * --carry KEY: a label (a numeric field of the samples) goes through to the
 * features frames as a channel of its own with the features last (its
 * value at the window's last sample), min and max (they differ when the
 * window's samples disagree: train drops such windows unless told).
 */
enum { O_CARRY = 512 };
static char *carry;

static const struct option opts[] = {
	{ "align",	 required_argument, NULL, 'a' },
	{ "bands",	 required_argument, NULL, 'b' },
	{ "bearing",	 required_argument, NULL, 'B' },
	{ "carry",	 required_argument, NULL, O_CARRY },
	{ "channels",	 required_argument, NULL, 'c' },
	{ "config",	 required_argument, NULL, 'C' },
	{ "env-band",	 required_argument, NULL, O_ENVBAND },
	{ "env-tol",	 required_argument, NULL, O_ENVTOL },
	{ "features",	 required_argument, NULL, 'f' },
	{ "gap",	 required_argument, NULL, 'g' },
	{ "harmonics",	 required_argument, NULL, O_HARM },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "hop",	 required_argument, NULL, 'H' },
	{ "idle",	 required_argument, NULL, O_IDLE },
	{ "kurtosis",	 required_argument, NULL, 'k' },
	{ "lateness",	 required_argument, NULL, 'l' },
	{ "max-devices", required_argument, NULL, O_MAXDEV },
	{ "max-samples", required_argument, NULL, O_MAXSAMP },
	{ "min-samples", required_argument, NULL, 'm' },
	{ "on-gap",	 required_argument, NULL, O_ONGAP },
	{ "print-config", no_argument,	    NULL, O_PRINTCONF },
	{ "rate",	 required_argument, NULL, 'r' },
	{ "short",	 required_argument, NULL, O_SHORT },
	{ "size",	 required_argument, NULL, 's' },
	{ "type",	 required_argument, NULL, 't' },
	{ "window-fn",	 required_argument, NULL, 'w' },
	FILTER_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};
static const char optstr[] = FILTER_SHORTOPTS "a:B:b:C:c:f:g:H:hk:l:m:r:s:t:w:";


/* The options as given, before they are checked against each other. */
struct opt {
	const char	*size, *hop, *type;
	const char	*fspec[CH_MAX + 1];	/* -f, in order */
	unsigned	 nfspec;
	const char	*bspec[CH_MAX];		/* -B */
	unsigned	 nbspec;
	const char	*bands;
	int		 min_given, idle_given, ongap_given;
};

static struct conf	 cf;
static struct opt	 op;
static const char	*given_name[512];	/* --print-config */
static const char	*given_val[512];
static unsigned		 ngiven;
static int		 print_conf;
static struct filter	 flt;

static _Noreturn void	 usage(int);
static void		 option(int, char *);
static void		 option1(int, char *);
static void		 remember(int, const char *);
static void		 print_config(void);
static void		 settle(void);
static void		 free_held(void);

static _Noreturn void
usage(int status)
{
	optx_usage(status,
"usage: window [-q] [-a first|clock] [-B bearing] [-b bands] [-C file]\n"
"              [-c channels] [-f [channel=]features] [-g gap] [-H hop]\n"
"              [-i uri] [-k excess|pearson] [-l lateness] [-m min]\n"
"              [-o uri] [-r hz] [-s size] [-t tumbling|hopping|session]\n"
"              [-w hann|hamming|blackman|rect] [--env-band lo-hi]\n"
"              [--env-tol hz] [--harmonics n] [--idle duration]\n"
"              [--max-devices n] [--max-samples n] [--on-gap close|bridge]\n"
"              [--metrics file] [--print-config] [--reject uri]\n"
"              [--short flag|drop]\n",
"\n"
"Sample frames to features frames, per device (see window(1) and\n"
"docs/features.md).  SIZE is a count of samples (256) or a duration with\n"
"a unit (500ms, 1s, 5min, 1h); DURATION likewise, a bare number is seconds.\n"
"  -a, --align A         windows start at the first sample (first, default)\n"
"                        or on multiples of the hop since 1970 (clock)\n"
"  -B, --bearing SPEC    balls=N,ball=D,pitch=D[,angle=DEG],rpm=R|hz=F\n"
"                        [,bpfo=X,bpfi=X,bsf=X,ftf=X][,channel=NAME]\n"
"  -b, --bands LIST      N equal bands to fs/2, and/or LO-HI bands in Hz\n"
"  -C, --config FILE     options from FILE: one \"long-option value\" a line\n"
"                        (a model bundle: its window section)\n"
"      --carry KEY       carry the samples' numeric field KEY (a label):\n"
"                        KEY.last (at the window's last sample), KEY.min,\n"
"                        KEY.max (they differ: the samples disagree)\n"
"  -c, --channels LIST   channels to window (default: the numbers in each\n"
"                        device's first sample frame)\n"
"  -f, --features LIST   [channel=]names or groups time, spectral, envelope,\n"
"                        all (default time); repeat for other channels\n"
"  -g, --gap DURATION    a longer spacing between samples is a gap\n"
"  -H, --hop SIZE        hopping windows: a new one every SIZE (1: each\n"
"                        sample)\n"
"  -h, --help            this help\n"
"  -k, --kurtosis K      excess (default, as scipy) or pearson (normal: 3)\n"
"  -l, --lateness DUR    out-of-order samples up to DUR are placed (0)\n"
"  -m, --min-samples N   fewer make a short window (default: count windows\n"
"                        their size, others 1)\n"
"      --print-config    print the options as a --config file and exit\n"
"  -r, --rate HZ         sampling rate for spectra (default: from the times)\n"
"  -s, --size SIZE       window size (sessions: their largest size)\n"
"  -t, --type T          tumbling (default), hopping (with -H), session\n"
"                        (closed by a gap, -g)\n"
"  -w, --window-fn F     taper before the FFT (default hann)\n"
"      --env-band LO-HI  envelope power band, Hz (default 5-500)\n"
"      --env-tol HZ      +- Hz around each line harmonic (default 3)\n"
"      --harmonics N     harmonics of each line (default 3)\n"
"      --idle DURATION   free a device this far behind the newest time (24h;\n"
"                        0: never)\n"
"      --max-devices N   devices held at once (default 10000)\n"
"      --max-samples N   samples held per device (default 1048576)\n"
"      --on-gap G        a gap closes the windows (close, default) or not\n"
"                        (bridge)\n"
"      --short S         windows with too few samples: flag (default), drop\n"
FILTER_USAGE
"Behaviours and exit statuses every program shares: docs/filters.md.\n");
}

int
main(int argc, char *argv[])
{
	struct devtab *tab;
	struct record *r;
	struct run run;
	int ch, n, status;
	static const char *const cname[C_COUNT] = {
		NULL, NULL, "passed", "used", "skipped", NULL, "late",
		"features", "short", "short_dropped", "gaps", "devices",
		"idle", "evicted"
	};

	filter_init(&flt, "window");
	cf.excess = 1;
	optx_config(&argc, &argv, optstr, opts, "window");
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1)
		option(ch, optarg);
	if (optind != argc)
		usage(EX_USAGE);
	settle();
	if (print_conf) {
		print_config();
		return EX_OK;
	}

	memset(&run, 0, sizeof run);
	run.cf = &cf;
	run.f = &flt;
	for (n = 0; n < C_COUNT; n++)
		run.ci[n] = cname[n] != NULL ?
		    filter_counter(&flt, cname[n]) : -1;
	run.ci[C_IN] = flt.ci_in;
	run.ci[C_OUT] = flt.ci_out;
	run.ci[C_REJECTED] = flt.ci_rejected;
	/* features come out of samples: both sides count them */
	if (filter_equation(&flt, "in + features = out + used + skipped + "
	    "rejected + unwritten") == -1)
		errx(EX_SOFTWARE, "%s", filter_error(&flt));
	if ((tab = devtab_new(&run)) == NULL || (run.rec = record_new()) ==
	    NULL || (run.spec = spec_new()) == NULL)
		err(EX_OSERR, NULL);
	if ((status = filter_open(&flt)) != EX_OK)
		errx(status, "%s", filter_error(&flt));

	while (filter_read(&flt, &r) == FILTER_FRAME) {
		if (r->kind != KIND_SAMPLE) {
			if (filter_pass(&flt, r) == -1)	/* unchanged */
				break;
			FILTER_COUNT(&flt, run.ci[C_PASSED])++;
			continue;
		}
		if (devtab_sample(tab, &run, r) == -1)
			break;
	}
	/* end of input: every open window goes out */
	if (flt.p.status == EX_OK)
		devtab_flush(tab, &run);
	status = filter_close(&flt);
	devtab_free(&tab);
	record_free(&run.rec);
	spec_free(&run.spec);
	free(run.scratch);
	free(run.vals);
	buf_free(&run.obuf);
	free(cf.fsel);
	free(cf.brg);
	free_held();
	return status;
}

/*
 * A number inside the value whole of option name (a -B key's, a -b band's):
 * a bad one names the option, and the file and line whole came from.
 */
static double
num(const char *whole, const char *name, const char *s, double lo,
    double hi)
{
	const char *why;
	double v;

	if ((why = opt_real(s, lo, hi, &v)) != NULL)
		optx_bad(name, whole, why);
	return v;
}

static uint64_t
count(const char *whole, const char *name, const char *s, uint64_t lo,
    uint64_t hi)
{
	const char *why;
	uint64_t v;

	if ((why = opt_u64(s, lo, hi, &v)) != NULL)
		optx_bad(name, whole, why);
	return v;
}

/* Option strings live until exit: every copy is held here, and freed
 * at the end (parts of them are pointed to by cf). */
static char	**held;
static size_t	  nheld;

static char *
dup_arg(const char *s)
{
	char *p, **h;

	if ((p = strdup(s)) == NULL ||
	    (h = realloc(held, (nheld + 1) * sizeof *held)) == NULL)
		err(EX_OSERR, NULL);
	held = h;
	held[nheld++] = p;
	return p;
}

static void
carry_expand(void)
{
	static char spec[300];
	unsigned i;

	if (carry == NULL)
		return;
	if (cf.nchannels > 0) {
		for (i = 0; i < cf.nchannels && strcmp(cf.channels[i],
		    carry) != 0; i++)
			;
		if (i == cf.nchannels && cf.nchannels == CH_MAX)
			errx(EX_USAGE, "--carry %s: more than 64 channels",
			    carry);
		if (i == cf.nchannels)
			cf.channels[cf.nchannels++] = carry;
	}
	if (op.nfspec == CH_MAX + 1 || strlen(carry) > 200)
		errx(EX_USAGE, "--carry %s: too many -f or too long", carry);
	snprintf(spec, sizeof(spec), "%s=last,min,max", carry);
	op.fspec[op.nfspec++] = spec;
}

static void
free_held(void)
{
	while (nheld > 0)
		free(held[--nheld]);
	free(held);
}

static void
option(int ch, char *arg)
{
	remember(ch, arg);
	if (!optx_filter(&flt, ch, arg))
		option1(ch, arg);
}

/*
 * --print-config: every option that shapes the windows, as given (the
 * command line and --config files, in order), printed as a --config file
 * that reproduces them; input, output and reporting options are left out.
 */
static void
remember(int ch, const char *arg)
{
	int i;

	if (ch == 'C' || ch == 'i' || ch == 'o' || ch == 'q' || ch == 'h' ||
	    ch >= PROG_OPT_FIRST || ch == O_PRINTCONF)
		return;
	for (i = 0; opts[i].name != NULL; i++)
		if (opts[i].val == ch)
			break;
	if (opts[i].name == NULL || ngiven == 512)
		return;
	given_name[ngiven] = opts[i].name;
	given_val[ngiven++] = arg ? dup_arg(arg) : NULL;
}

static void
print_config(void)
{
	unsigned i;

	printf("# window options as applied (window --print-config)\n");
	for (i = 0; i < ngiven; i++)
		printf("%s%s%s\n", given_name[i], given_val[i] ? " " : "",
		    given_val[i] ? given_val[i] : "");
	optx_stdout();
}

static void
option1(int ch, char *arg)
{
	switch (ch) {
	case 'a':
		if (strcmp(arg, "first") == 0)
			cf.clock = 0;
		else if (strcmp(arg, "clock") == 0)
			cf.clock = 1;
		else
			optx_badf("align", arg, "'%s' is not first or clock",
			    arg);
		break;
	case 'B':
		if (op.nbspec == CH_MAX)
			optx_badf("bearing", arg, "at most %d bearings",
			    CH_MAX);
		op.bspec[op.nbspec++] = arg;
		break;
	case 'b':
		op.bands = arg;
		break;
	case O_PRINTCONF:
		print_conf = 1;
		break;
	case O_CARRY:
		carry = dup_arg(arg);
		break;
	case 'c': {
		char *s = dup_arg(arg), *p;
		unsigned i;

		cf.nchannels = 0;
		while ((p = strsep(&s, ",")) != NULL) {
			if (*p == '\0' || cf.nchannels == CH_MAX)
				optx_badf("channels", arg, "%s", *p ?
				    "more than 64 channels" :
				    "an empty channel name");
			for (i = 0; i < cf.nchannels; i++)
				if (strcmp(cf.channels[i], p) == 0)
					optx_badf("channels", arg, "channel %s "
					    "named twice", p);
			cf.channels[cf.nchannels++] = p;
		}
		break;
	}
	case 'f':
		if (op.nfspec == CH_MAX + 1)
			optx_badf("features", arg, "given too many times");
		op.fspec[op.nfspec++] = arg;
		break;
	case 'g':
		cf.gap = optx_dur("gap", arg, NS, 0, INT64_MAX);
		break;
	case 'H':
		op.hop = arg;
		break;
	case 'h':
		usage(EX_OK);
	case 'k':
		if (strcmp(arg, "excess") == 0)
			cf.excess = 1;
		else if (strcmp(arg, "pearson") == 0)
			cf.excess = 0;
		else
			optx_badf("kurtosis", arg, "'%s' is not excess or "
			    "pearson", arg);
		break;
	case 'l':
		cf.lateness = optx_dur("lateness", arg, NS, 0, INT64_MAX);
		break;
	case 'm':
		cf.min_n = optx_u64("min-samples", arg, 0, UINT64_C(1) << 50);
		op.min_given = 1;
		break;
	case 'r':
		cf.rate = optx_freq("rate", arg, 1e-9, 1e12);
		break;
	case 's':
		op.size = arg;
		break;
	case 't':
		op.type = arg;
		break;
	case 'w': {
		int i;

		for (i = 0; i < WFN_COUNT; i++)
			if (strcmp(arg, wfn_name[i]) == 0)
				break;
		if (i == WFN_COUNT)
			optx_badf("window-fn", arg, "'%s' is not hann, "
			    "hamming, blackman or rect", arg);
		cf.sc.wfn = (enum wfn)i;
		break;
	}
	case O_ENVBAND: {
		char *dash = strchr(arg, '-');

		if (dash == NULL || dash == arg)
			optx_badf("env-band", arg, "'%s' is not LO-HI", arg);
		*dash = '\0';
		cf.sc.env_lo = num(arg, "env-band", arg, 0, 1e12);
		cf.sc.env_hi = num(arg, "env-band", dash + 1, cf.sc.env_lo,
		    1e12);
		break;
	}
	case O_ENVTOL:
		cf.sc.env_tol = optx_freq("env-tol", arg, 0, 1e12);
		break;
	case O_HARM:
		cf.sc.harmonics = (unsigned)optx_u64("harmonics", arg, 1, 100);
		break;
	case O_IDLE:
		cf.idle = optx_dur("idle", arg, NS, 0, INT64_MAX);
		op.idle_given = 1;
		break;
	case O_MAXDEV:
		cf.max_devices = (size_t)optx_u64("max-devices", arg, 1,
		    1000000000);
		break;
	case O_MAXSAMP:
		cf.max_samples = (size_t)optx_u64("max-samples", arg, 1,
		    UINT64_C(1) << 31);
		break;
	case O_ONGAP:
		if (strcmp(arg, "close") == 0)
			cf.gap_close = 1;
		else if (strcmp(arg, "bridge") == 0)
			cf.gap_close = 0;
		else
			optx_badf("on-gap", arg, "'%s' is not close or bridge",
			    arg);
		op.ongap_given = 1;
		break;
	case O_SHORT:
		if (strcmp(arg, "flag") == 0)
			cf.short_drop = 0;
		else if (strcmp(arg, "drop") == 0)
			cf.short_drop = 1;
		else
			optx_badf("short", arg, "'%s' is not flag or drop",
			    arg);
		break;
	default:
		usage(EX_USAGE);
	}
}

/* "SIZE": a count (a number alone) or a duration. */
static void
size_of(const char *s, const char *name, enum unit *u, int64_t *v)
{
	if (opt_bare(s)) {
		*u = U_COUNT;
		*v = (int64_t)count(s, name, s, 1, UINT64_C(1) << 31);
	} else {
		*u = U_TIME;
		if (opt_duration(s, 0, 0, INT64_MAX, v) != NULL)
			optx_badf(name, s, "'%s' is not a count or a duration "
			    "(a number and ns, us, ms, s, min, h or d)", s);
		if (*v <= 0)
			optx_badf(name, s, "'%s' must be more than 0", s);
	}
}

/* Bit for one feature name, in *tf or *xf; 0 if unknown. */
static int
feature_bit(const char *p, uint32_t *tf, uint32_t *xf, int haveb)
{
	int i;

	if ((i = tf_lookup(p, strlen(p))) >= 0) {
		*tf |= 1u << i;
		return 1;
	}
	if (strcmp(p, "time") == 0) {
		*tf |= TF_TIME_MASK;
		return 1;
	}
	if (strcmp(p, "spectral") == 0) {
		*xf |= (1u << XF_DOM) | (1u << XF_CENTROID) |
		    (1u << XF_ENTROPY) | (1u << XF_SKURT) | (1u << XF_SPOWER);
		if (haveb)
			*xf |= 1u << XF_BANDS;
		return 1;
	}
	if (strcmp(p, "envelope") == 0) {
		*xf |= ((1u << (LINE_COUNT + 1)) - 1) << XF_ENVPOWER;
		return 1;
	}
	if (strcmp(p, "all") == 0) {
		feature_bit("time", tf, xf, haveb);
		feature_bit("spectral", tf, xf, haveb);
		return feature_bit("envelope", tf, xf, haveb);
	}
	for (i = 0; i < XF_COUNT; i++)
		if (strcmp(p, xf_name[i]) == 0) {
			*xf |= 1u << i;
			return 1;
		}
	return 0;
}

static void
parse_features(void)
{
	char *s, *p, *eq;
	unsigned i, j, k;

	if ((cf.fsel = calloc(op.nfspec + 1, sizeof *cf.fsel)) == NULL)
		err(EX_OSERR, NULL);
	cf.nfsel = 1;
	cf.fsel[0].tf = TF_TIME_MASK;	/* default: time */
	for (i = 0; i < op.nfspec; i++) {
		struct fsel f = { NULL, 0, 0 };

		s = dup_arg(op.fspec[i]);
		if ((eq = strchr(s, '=')) != NULL) {
			*eq = '\0';
			f.name = s;
			s = eq + 1;
		}
		while ((p = strsep(&s, ",")) != NULL)
			if (!feature_bit(p, &f.tf, &f.xf, op.bands != NULL)) {
				warnx("-f %s: %s is not a feature (see "
				    "window(1))", op.fspec[i], p);
				usage(EX_USAGE);
			}
		if ((f.xf & (1u << XF_BANDS)) && op.bands == NULL) {
			warnx("-f %s: bands needs -b", op.fspec[i]);
			usage(EX_USAGE);
		}
		if (f.tf == 0 && f.xf == 0) {
			warnx("-f %s: no feature", op.fspec[i]);
			usage(EX_USAGE);
		}
		if (f.name == NULL) {
			cf.fsel[0] = f;
			continue;
		}
		for (j = 1; j < cf.nfsel; j++)
			if (strcmp(cf.fsel[j].name, f.name) == 0)
				break;
		cf.fsel[j] = f;
		if (j == cf.nfsel)
			cf.nfsel++;
	}
	/* the bearing lines need a bearing for every channel that asks */
	for (k = 0; k < cf.nfsel; k++) {
		const char *nm = cf.fsel[k].name;
		int any = 0, own = 0;

		if (!(cf.fsel[k].xf >> XF_LINE0))
			continue;
		for (j = 0; j < cf.nbrg; j++) {
			any |= cf.brg[j].channel == NULL;
			own |= nm != NULL && cf.brg[j].channel != NULL &&
			    strcmp(cf.brg[j].channel, nm) == 0;
		}
		if (any || own)
			continue;
		if (nm == NULL && cf.nchannels > 0) {
			/* default features: each -c channel without its own
			 * -f needs its own bearing */
			for (i = 0; i < cf.nchannels; i++) {
				for (j = 1; j < cf.nfsel; j++)
					if (strcmp(cf.fsel[j].name,
					    cf.channels[i]) == 0)
						break;
				if (j < cf.nfsel)
					continue;
				for (j = 0; j < cf.nbrg; j++)
					if (cf.brg[j].channel != NULL &&
					    strcmp(cf.brg[j].channel,
					    cf.channels[i]) == 0)
						break;
				if (j == cf.nbrg)
					break;
			}
			if (i == cf.nchannels)
				continue;
		}
		warnx("-f: bearing lines (env_bpfo ...) for %s%s need a "
		    "bearing (-B)", nm ? "channel " : "every channel",
		    nm ? nm : "");
		usage(EX_USAGE);
	}
}

static void
parse_bands(void)
{
	char *s, *p, *dash;
	struct spec_conf *sc = &cf.sc;
	unsigned i;

	if (op.bands == NULL)
		return;
	s = dup_arg(op.bands);
	while ((p = strsep(&s, ",")) != NULL) {
		if ((dash = strchr(p, '-')) == NULL) {
			if (sc->neq != 0) {
				warnx("-b %s: one count of equal bands at most",
				    op.bands);
				usage(EX_USAGE);
			}
			sc->neq = (unsigned)count(op.bands, "bands", p, 1,
			    SPEC_MAXBANDS);
			continue;
		}
		if (sc->nbands == SPEC_MAXBANDS) {
			warnx("-b: at most %d bands in Hz", SPEC_MAXBANDS);
			usage(EX_USAGE);
		}
		*dash = '\0';
		sc->lo[sc->nbands] = num(op.bands, "bands", p, 0, 1e12);
		sc->hi[sc->nbands] = num(op.bands, "bands", dash + 1, 0, 1e12);
		if (!(sc->hi[sc->nbands] > sc->lo[sc->nbands])) {
			warnx("-b %s-%s: the band is empty", p, dash + 1);
			usage(EX_USAGE);
		}
		sc->nbands++;
	}
	/* output names: band0 ... for equal bands, band_LO_HI for Hz */
	for (i = 0; i < sc->neq; i++)
		snprintf(cf.bandname[i], sizeof cf.bandname[i], "band%u", i);
	for (i = 0; i < sc->nbands; i++)
		snprintf(cf.bandname[sc->neq + i], sizeof cf.bandname[0],
		    "band_%g_%g", sc->lo[i], sc->hi[i]);
}

/* -B balls=9,ball=0.3126,pitch=1.537,angle=0,rpm=1797[,channel=x] */
static void
parse_bearing(const char *spec, struct brg *b)
{
	struct bearing g = { 0, 0, 0, 0 };
	char *s = dup_arg(spec), *p, *eq;
	double ord[LINE_COUNT] = { NAN, NAN, NAN, NAN };
	int l, geo = 0;

	memset(b, 0, sizeof *b);
	b->shaft = NAN;
	while ((p = strsep(&s, ",")) != NULL) {
		if ((eq = strchr(p, '=')) == NULL)
			goto bad;
		*eq++ = '\0';
		if (strcmp(p, "balls") == 0) {
			g.balls = (unsigned)count(spec, "bearing", eq, 1, 1000);
			geo |= 1;
		} else if (strcmp(p, "ball") == 0) {
			g.ball = num(spec, "bearing", eq, 1e-12, 1e12);
			geo |= 2;
		} else if (strcmp(p, "pitch") == 0) {
			g.pitch = num(spec, "bearing", eq, 1e-12, 1e12);
			geo |= 4;
		} else if (strcmp(p, "angle") == 0)
			g.angle = num(spec, "bearing", eq, 0, 89.999);
		else if (strcmp(p, "rpm") == 0)
			b->shaft = num(spec, "bearing", eq, 1e-9, 1e9) / 60.0;
		else if (strcmp(p, "hz") == 0)
			b->shaft = num(spec, "bearing", eq, 1e-9, 1e9);
		else if (strcmp(p, "channel") == 0)
			b->channel = eq;
		else {
			for (l = 0; l < LINE_COUNT; l++)
				if (strcmp(p, line_name[l]) == 0)
					break;
			if (l == LINE_COUNT)
				goto bad;
			ord[l] = num(spec, "bearing", eq, 1e-9, 1e6);
		}
	}
	if (geo != 0 && geo != 7) {
		warnx("-B %s: give balls, ball and pitch together", spec);
		usage(EX_USAGE);
	}
	if (geo == 7 && g.ball >= g.pitch) {
		warnx("-B %s: the ball is not smaller than the pitch diameter",
		    spec);
		usage(EX_USAGE);
	}
	if (geo == 7)
		bearing_orders(&g, b->ord);
	for (l = 0; l < LINE_COUNT; l++) {
		if (!isnan(ord[l]))
			b->ord[l] = ord[l];
		else if (geo != 7) {
			warnx("-B %s: no geometry (balls, ball, pitch) and no "
			    "%s order", spec, line_name[l]);
			usage(EX_USAGE);
		}
	}
	if (isnan(b->shaft)) {
		warnx("-B %s: no shaft speed (rpm= or hz=)", spec);
		usage(EX_USAGE);
	}
	return;
bad:
	optx_badf("bearing", spec, "%s is not balls, ball, pitch, angle, rpm, "
	    "hz, bpfo, bpfi, bsf, ftf or channel", p);
}

/* Check the options against each other; fill in the defaults. */
static void
settle(void)
{
	unsigned i, j, l;
	int64_t hop;
	enum unit hu;

	if (op.type == NULL)
		cf.type = W_SLIDE;
	else if (strcmp(op.type, "session") == 0)
		cf.type = W_SESSION;
	else if (strcmp(op.type, "tumbling") == 0 ||
	    strcmp(op.type, "hopping") == 0)
		cf.type = W_SLIDE;
	else {
		warnx("-t %s: not tumbling, hopping or session", op.type);
		usage(EX_USAGE);
	}
	if (op.size != NULL)
		size_of(op.size, "size", &cf.unit, &cf.size);
	else if (cf.type != W_SESSION) {
		warnx("-s SIZE is needed (a count like 256 or a duration "
		    "like 1s)");
		usage(EX_USAGE);
	} else
		cf.unit = U_TIME;
	cf.hop = cf.size;
	if (op.hop != NULL) {
		if (cf.type == W_SESSION || (op.type != NULL &&
		    strcmp(op.type, "tumbling") == 0)) {
			warnx("-H: only hopping windows have a hop");
			usage(EX_USAGE);
		}
		size_of(op.hop, "hop", &hu, &hop);
		if (hu != cf.unit) {
			warnx("-H %s: the hop must be a %s, as -s %s is",
			    op.hop, cf.unit == U_COUNT ? "count" : "duration",
			    op.size);
			usage(EX_USAGE);
		}
		cf.hop = hop;
	} else if (op.type != NULL && strcmp(op.type, "hopping") == 0) {
		warnx("-t hopping needs -H");
		usage(EX_USAGE);
	}
	if (cf.type == W_SESSION && cf.gap <= 0) {
		warnx("-t session needs -g (the gap that closes a session)");
		usage(EX_USAGE);
	}
	if (cf.clock && (cf.unit != U_TIME || cf.type != W_SLIDE)) {
		warnx("-a clock: only time windows (-s with a unit) are on "
		    "the clock");
		usage(EX_USAGE);
	}
	if (!op.ongap_given)
		cf.gap_close = 1;
	if (cf.max_samples == 0)
		cf.max_samples = 1u << 20;
	if (cf.max_devices == 0)
		cf.max_devices = 10000;
	if (!op.idle_given)
		cf.idle = 86400 * NS;
	if (cf.unit == U_COUNT && cf.size > 0 &&
	    (uint64_t)cf.size > cf.max_samples) {
		warnx("-s %s: more than --max-samples %zu", op.size,
		    cf.max_samples);
		usage(EX_USAGE);
	}
	if (!op.min_given)
		cf.min_n = cf.unit == U_COUNT && cf.type == W_SLIDE ?
		    (uint64_t)cf.size : 1;
	if (cf.sc.env_hi == 0.0) {
		cf.sc.env_lo = 5.0;
		cf.sc.env_hi = 500.0;
	}
	if (cf.sc.env_tol == 0.0)
		cf.sc.env_tol = 3.0;
	if (cf.sc.harmonics == 0)
		cf.sc.harmonics = 3;
	cf.sc.excess = cf.excess;
	parse_bands();
	if ((cf.brg = calloc(op.nbspec + 1, sizeof *cf.brg)) == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < op.nbspec; i++) {
		parse_bearing(op.bspec[i], &cf.brg[i]);
		for (j = 0; j < i; j++)
			if ((cf.brg[j].channel == NULL) ==
			    (cf.brg[i].channel == NULL) &&
			    (cf.brg[i].channel == NULL || strcmp(
			    cf.brg[i].channel, cf.brg[j].channel) == 0)) {
				warnx("-B %s: a second bearing for %s",
				    op.bspec[i], cf.brg[i].channel ?
				    cf.brg[i].channel : "every channel");
				usage(EX_USAGE);
			}
		cf.brg[i].sc = cf.sc;
		cf.brg[i].sc.nlines = LINE_COUNT;
		for (l = 0; l < LINE_COUNT; l++)
			cf.brg[i].sc.line_hz[l] = cf.brg[i].ord[l] *
			    cf.brg[i].shaft;
	}
	cf.nbrg = op.nbspec;
	carry_expand();
	parse_features();
}

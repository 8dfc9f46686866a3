/*
 * validate -- check sample frames against a schema (docs/schema.md);
 * reject, drop, clamp, fill or flag what breaks it, and report gaps.
 * Frames in (-i), frames out (-o), reject frames inline or to --reject.
 * --infer-schema writes a starting schema from known-good data.  Every
 * frame is accounted for: in + filled + events = out + rejected + dropped
 * + held + unwritten, and per rule and per device at exit.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "filter.h"
#include "guess.h"
#include "optx.h"
#include "rules.h"
#include "schema.h"

#define PROG	"validate"

enum { OPT_INFER = FILTER_OPT_OWN, OPT_MARGIN, OPT_MAXDEV };

static const struct option opts[] = {
	{ "config",		required_argument,	NULL, 'C' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "infer-schema",	no_argument,		NULL, OPT_INFER },
	{ "margin",		required_argument,	NULL, OPT_MARGIN },
	{ "max-devices",	required_argument,	NULL, OPT_MAXDEV },
	{ "schema",		required_argument,	NULL, 's' },
	FILTER_LONGOPTS,
	{ NULL,			0,			NULL, 0 }
};
static const char optstr[] = FILTER_SHORTOPTS "C:hs:";

/* What the emit callback needs. */
struct sink {
	struct filter		*f;
	const struct vstate	*vs;
	const struct vcount	*vc;	/* vs's, live */
	int			 ci_filled, ci_events, ci_held;
};

_Noreturn static void	usage(int);
static int		emit(void *, enum emit, const struct record *);
static void		sync_counts(struct sink *);

int
main(int argc, char *argv[])
{
	const char *spath = NULL;
	struct filter f;
	struct record *r;
	struct schema *schema;
	struct vstate *vs;
	struct sink sink = { NULL, NULL, NULL, 0, 0, 0 };
	struct stream *src;
	char errbuf[1024];
	double margin = 0.1;
	long long maxdev = VSTATE_MAX_DEVICES;
	int ch, infer = 0, failed = 0, status;

	filter_init(&f, PROG);
	optx_config(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		if (optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 's':
			spath = optarg;
			break;
		case OPT_INFER:
			infer = 1;
			break;
		case OPT_MARGIN:
			margin = optx_real("margin", optarg, 0, 100);
			break;
		case OPT_MAXDEV:
			maxdev = optx_i64("max-devices", optarg, 1, 100000000);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (infer && (spath != NULL || f.rej_uri != NULL)) {
		warnx("--infer-schema writes a schema: -s and --reject do not "
		    "apply");
		usage(EX_USAGE);
	}
	if (!infer && spath == NULL) {
		warnx("a schema is needed: -s FILE (or --infer-schema)");
		usage(EX_USAGE);
	}

	if (infer) {		/* reads frames, writes a schema: no output */
		if ((src = stream_open(f.in_uri, "r")) == NULL)
			errx(errno == EINVAL ? EX_USAGE : EX_NOINPUT, "%s",
			    *stream_open_error() != '\0' ?
			    stream_open_error() : strerror(errno));
		stream_catch_signals();
		status = guess_schema(src, f.out_uri, margin,
		    f.p.quiet ? NULL : stderr);
		stream_close(&src);
		return status;
	}
	if ((schema = schema_load(spath, errbuf, sizeof(errbuf))) == NULL)
		errx(errno == EINVAL ? EX_DATAERR : EX_NOINPUT, "%s", errbuf);
	sink.f = &f;
	sink.ci_filled = filter_counter(&f, "filled");
	sink.ci_events = filter_counter(&f, "events");
	sink.ci_held = filter_counter(&f, "held");
	/* gap fills and events are frames out that no frame in made */
	if (filter_equation(&f, "in + filled + events = out + rejected + "
	    "dropped + held + unwritten") == -1)
		errx(EX_SOFTWARE, "%s", filter_error(&f));
	if ((vs = vstate_new(schema, emit, &sink)) == NULL ||
	    vstate_max_devices(vs, (size_t)maxdev) == -1)
		err(EX_OSERR, "vstate_new");
	sink.vs = vs;
	sink.vc = vstate_count(vs);
	if ((status = filter_open(&f)) != EX_OK)
		errx(status, "%s", filter_error(&f));

	while (filter_read(&f, &r) == FILTER_FRAME)
		if ((failed = vstate_frame(vs, r)) == -1)
			break;
	/* the end, or unreadable input: what waits goes out */
	if (failed == 0 && f.p.status != EX_IOERR)
		failed = vstate_finish(vs);
	/* frames filter_read() made decode rejects, by rule and device */
	if (failed == 0 && FILTER_COUNT(&f, f.ci_in) > vstate_count(vs)->in)
		failed = vstate_undecodable(vs, FILTER_COUNT(&f, f.ci_in) -
		    vstate_count(vs)->in);
	if (failed == -1 && f.p.status == EX_OK)
		err(EX_OSERR, PROG);	/* not the output: memory */
	sync_counts(&sink);
	status = filter_close(&f);
	if (!f.p.quiet)
		vstate_report(vs, stderr, PROG);
	vstate_free(&vs);
	schema_free(&schema);
	return status;
}

_Noreturn static void
usage(int status)
{
	optx_usage(status,
	    "usage: validate [-q] [-C FILE] [-i URI] [-o URI] [--reject URI] "
	    "[--metrics FILE] [--max-devices N] -s SCHEMA\n"
	    "       validate --infer-schema [-q] [-C FILE] [-i URI] [-o FILE] "
	    "[--margin FRACTION]\n"
	    "Check sample frames against a schema (docs/schema.md).\n"
	    "  -C, --config FILE   options from FILE, a \"long-option value\" "
	    "a line\n"
	    "                      (the command line wins)\n"
	    "  -h, --help          this text\n"
	    "  -s, --schema FILE   the rules\n"
	    "      --max-devices N devices held at most (default 10000): "
	    "past it the\n"
	    "                      one seen least recently goes, its held "
	    "frames sent on\n"
	    "      --infer-schema  read known-good frames, write a starting "
	    "schema\n"
	    "                      (to -o FILE, default -)\n"
	    "      --margin F      --infer-schema: widen observed ranges by "
	    "F times\n"
	    "                      their span on each side (default 0.1)\n"
	    FILTER_USAGE
	    "Behaviours and exit statuses every program shares: "
	    "docs/filters.md.\n", "");
}

/* What vstate decided on its own (drops, frames held) into the counters. */
static void
sync_counts(struct sink *s)
{
	FILTER_COUNT(s->f, s->f->ci_dropped) = s->vc->dropped;
	FILTER_COUNT(s->f, s->ci_held) = vstate_held(s->vs);
}

static int
emit(void *arg, enum emit what, const struct record *r)
{
	struct sink *s = arg;

	sync_counts(s);
	switch (what) {
	case EMIT_REJECT:
		return filter_reject_built(s->f, r);
	case EMIT_OUT:
		/* a frame left as it came: its bytes, not encoded again */
		return vstate_asis(s->vs) ? filter_pass(s->f, r) :
		    filter_emit(s->f, r);
	case EMIT_FILLED:
		FILTER_COUNT(s->f, s->ci_filled)++;
		return filter_emit(s->f, r);
	case EMIT_EVENT:
		FILTER_COUNT(s->f, s->ci_events)++;
		return filter_emit(s->f, r);
	}
	return 0;
}

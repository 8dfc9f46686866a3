/*
 * validate -- check sample frames against a schema (docs/schema.md);
 * reject, drop, clamp, fill or flag what breaks it, and report gaps.
 * Frames in (-i), frames out (-o), reject frames to --reject (without it,
 * counted and summed up on stderr).  --infer-schema writes a starting
 * schema from known-good data.  Every frame is accounted for: at exit and
 * on SIGUSR1, in = out + rejected + dropped per rule and per device.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "record.h"
#include "stream.h"
#include "guess.h"
#include "rules.h"
#include "schema.h"

#define PROG	"validate"

enum { OPT_INFER = 256, OPT_MARGIN, OPT_REJECT };

static const struct option opts[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "infer-schema",	no_argument,		NULL, OPT_INFER },
	{ "input",		required_argument,	NULL, 'i' },
	{ "margin",		required_argument,	NULL, OPT_MARGIN },
	{ "output",		required_argument,	NULL, 'o' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "reject",		required_argument,	NULL, OPT_REJECT },
	{ "schema",		required_argument,	NULL, 's' },
	{ NULL,			0,			NULL, 0 }
};

struct sink {
	struct stream	*src;		/* frames read */
	struct stream	*out, *rej;	/* rej: NULL without --reject */
	struct stream	*failed;	/* the stream a write failed on */
	const struct vstate *vs;
};

_Noreturn static void	usage(int);
static int		emit(void *, enum emit, const struct record *);
static double		margin_arg(const char *);
static void		reject_summary(const struct vstate *, const char *);

int
main(int argc, char *argv[])
{
	const char *in = "-", *out = "-", *rejuri = NULL, *spath = NULL;
	struct stream *src;
	struct record *r;
	struct schema *schema;
	struct vstate *vs;
	struct sink sink = { NULL, NULL, NULL, NULL, NULL };
	char errbuf[1024];
	const char *p;
	size_t plen;
	double margin = 0.1;
	int ch, n, quiet = 0, infer = 0, status = EX_OK;

	while ((ch = getopt_long(argc, argv, "hi:o:qs:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 'i':
			in = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			spath = optarg;
			break;
		case OPT_INFER:
			infer = 1;
			break;
		case OPT_MARGIN:
			margin = margin_arg(optarg);
			break;
		case OPT_REJECT:
			rejuri = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (infer && (spath != NULL || rejuri != NULL)) {
		warnx("--infer-schema writes a schema: -s and --reject do not "
		    "apply");
		usage(EX_USAGE);
	}
	if (!infer && spath == NULL) {
		warnx("a schema is needed: -s FILE (or --infer-schema)");
		usage(EX_USAGE);
	}

	if ((src = stream_open(in, "r")) == NULL)
		errx(EX_NOINPUT, "%s: %s", in, errno == EINVAL ?
		    stream_open_error() : strerror(errno));
	if (infer) {
		stream_catch_signals();
		status = guess_schema(src, out, margin, quiet ? NULL : stderr);
		stream_close(&src);
		return status;
	}
	if ((schema = schema_load(spath, errbuf, sizeof(errbuf))) == NULL)
		errx(errno == EINVAL ? EX_DATAERR : EX_NOINPUT, "%s", errbuf);
	if ((sink.out = stream_open(out, "w")) == NULL)
		errx(EX_CANTCREAT, "%s: %s", out, errno == EINVAL ?
		    stream_open_error() : strerror(errno));
	if (rejuri != NULL && strcmp(rejuri, out) == 0)
		sink.rej = sink.out;	/* inline, as asked */
	else if (rejuri != NULL && (sink.rej = stream_open(rejuri, "w")) ==
	    NULL)
		errx(EX_CANTCREAT, "%s: %s", rejuri, errno == EINVAL ?
		    stream_open_error() : strerror(errno));
	if ((vs = vstate_new(schema, emit, &sink)) == NULL)
		err(EX_OSERR, "vstate_new");
	sink.src = src;
	sink.vs = vs;
	stream_catch_signals();

	for (;;) {
		n = stream_read(src, &r);
		if (n == STREAM_OK)
			n = vstate_frame(vs, r);
		else if (n == STREAM_BAD) {
			if (stream_bad_frame(src, &p, &plen) == -1)
				p = NULL, plen = 0;
			warnx("%s (rejected)", stream_error(src));
			n = vstate_bad(vs, p, plen, stream_error(src));
		} else if (n == STREAM_EOF) {
			break;
		} else {
			warnx("%s", stream_error(src));
			status = EX_DATAERR;
			break;
		}
		if (n == -1)
			goto fail;
		if (stream_report_requested())
			vstate_report(vs, stderr, PROG);
	}
	if (vstate_finish(vs) == -1)
		goto fail;
	if (sink.rej != NULL && sink.rej != sink.out &&
	    stream_close(&sink.rej) == -1)
		err(EX_IOERR, "%s", rejuri);
	if (stream_close(&sink.out) == -1)
		err(EX_IOERR, "%s", out);
	stream_close(&src);
	if (!quiet)
		vstate_report(vs, stderr, PROG);
	if (rejuri == NULL)
		reject_summary(vs, PROG);
	vstate_free(&vs);
	schema_free(&schema);
	return status;
fail:
	if (sink.failed != NULL)
		errx(EX_IOERR, "%s", stream_error(sink.failed));
	err(EX_OSERR, "validate");
}

_Noreturn static void
usage(int status)
{
	fprintf(status == EX_OK ? stdout : stderr,
	    "usage: validate [-q] [-i URI] [-o URI] [--reject URI] "
	    "-s SCHEMA\n"
	    "       validate --infer-schema [-q] [-i URI] [-o FILE] "
	    "[--margin FRACTION]\n"
	    "Check sample frames against a schema (docs/schema.md).\n"
	    "  -h, --help          this text\n"
	    "  -i, --input URI     frames to check (default -)\n"
	    "  -o, --output URI    frames that pass (default -); with "
	    "--infer-schema,\n"
	    "                      the schema file (default -)\n"
	    "  -q, --quiet         no accounting on stderr at exit\n"
	    "  -s, --schema FILE   the rules\n"
	    "      --reject URI    dead-letter stream for reject frames "
	    "(default: counted\n"
	    "                      and summed up on stderr only)\n"
	    "      --infer-schema  read known-good frames, write a starting "
	    "schema\n"
	    "      --margin F      --infer-schema: widen observed ranges by "
	    "F times\n"
	    "                      their span on each side (default 0.1)\n"
	    "URIs: -, a path, [push|pull|pub|sub](@|>)(tcp|ipc)://...\n"
	    "SIGUSR1 prints the accounting so far.\n");
	exit(status);
}

static int
emit(void *arg, enum emit what, const struct record *r)
{
	struct sink *s = arg;
	struct stream *st = what == EMIT_REJECT ? s->rej : s->out;
	const char *p;
	size_t n;
	int ret;

	if (st == NULL)		/* no --reject: counted only */
		return 0;
	/* a frame left as it came: its bytes, not encoded again */
	if (what == EMIT_OUT && vstate_asis(s->vs) &&
	    stream_frame_bytes(s->src, &p, &n) == 0)
		ret = stream_write_frames(st, p, n, 1);
	else
		ret = stream_write(st, r);
	if (ret == -1) {
		s->failed = st;
		return -1;
	}
	return 0;
}

static double
margin_arg(const char *s)
{
	char *end;
	double m;

	errno = 0;
	m = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(m >= 0 && m <= 100))
		errx(EX_USAGE, "--margin: '%s' is not a number from 0 to 100",
		    s);
	return m;
}

/* Without --reject the rejects leave no trace but this: always say it. */
static void
reject_summary(const struct vstate *vs, const char *prog)
{
	const struct vcount *c = vstate_count(vs);

	if (c->rejected == 0)
		return;
	fprintf(stderr, "%s: %llu frames rejected and not kept (no --reject);"
	    " by rule:\n", prog, (unsigned long long)c->rejected);
	vstate_report_rejects(vs, stderr, prog);
}

/*
 * ingest -- CSV files (or a live frame feed) to sample frames.
 *
 * Each row of each file becomes one sample frame: the header (or
 * --columns) names the channels, the time comes from a column, a file name
 * or a sampling rate, the device from a column or --device.  A row that
 * cannot be read becomes a reject frame and ingest goes on.  With -i,
 * frames from a pipe or ZeroMQ endpoint are checked and passed on instead.
 * See ingest(1) and docs/ingest.md.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "codec.h"
#include "ingest.h"
#include "optx.h"

enum {
	O_CLOCK = FILTER_OPT_OWN, O_DEVICE, O_DEVCOL, O_EMPTY, O_MAXDEV,
	O_MAXLINE, O_META, O_RENAME, O_SKIP, O_SPEED, O_START, O_STRICT,
	O_FROMNAME,
	O_FORMAT, O_UNIT, O_TZ
};

static const struct option opts[] = {
	{ "clock",		no_argument,		NULL, O_CLOCK },
	{ "columns",		required_argument,	NULL, 'c' },
	{ "config",		required_argument,	NULL, 'C' },
	{ "delimiter",		required_argument,	NULL, 'd' },
	{ "device",		required_argument,	NULL, O_DEVICE },
	{ "device-column",	required_argument,	NULL, O_DEVCOL },
	{ "empty",		required_argument,	NULL, O_EMPTY },
	{ "help",		no_argument,		NULL, 'h' },
	{ "max-devices",	required_argument,	NULL, O_MAXDEV },
	{ "max-line",		required_argument,	NULL, O_MAXLINE },
	{ "meta",		required_argument,	NULL, O_META },
	{ "no-header",		no_argument,		NULL, 'n' },
	{ "rate",		required_argument,	NULL, 'r' },
	{ "rename",		required_argument,	NULL, O_RENAME },
	{ "skip",		required_argument,	NULL, O_SKIP },
	{ "speed",		required_argument,	NULL, O_SPEED },
	{ "start",		required_argument,	NULL, O_START },
	{ "strict",		no_argument,		NULL, O_STRICT },
	{ "time-column",	required_argument,	NULL, 't' },
	{ "time-format",	required_argument,	NULL, O_FORMAT },
	{ "time-from-name",	no_argument,		NULL, O_FROMNAME },
	{ "time-unit",		required_argument,	NULL, O_UNIT },
	{ "tz",			required_argument,	NULL, O_TZ },
	FILTER_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};
static const char optstr[] = "C:c:d:hi:no:qr:t:";

static _Noreturn void
usage(int status)
{
	optx_usage(status,
"usage: ingest [-nq] [-C file] [-c names] [-d delim] [-o uri] [-r hz]\n"
"              [-t column]\n"
"              [--clock] [--device id | --device-column column]\n"
"              [--empty reject|nan] [--max-devices n] [--max-line bytes]\n"
"              [--meta columns] [--reject uri] [--rename pattern=name]\n"
"              [--skip columns] [--speed x]\n"
"              [--start time] [--strict] [--time-format auto|iso|epoch]\n"
"              [--time-from-name] [--time-unit s|ms|us|ns] [--tz zone]\n"
"              [--metrics file] [file ...]\n"
"       ingest -i uri [-q] [-o uri] [--device id] [--reject uri] [--strict]\n"
"              [--metrics file]\n",
"\n"
"CSV rows to sample frames [[time, meta], {channel: number}] (see ingest(1)).\n"
"  -C, --config FILE       options from FILE, a \"long-option value\" a line\n"
"                          (the command line wins)\n"
"  -c, --columns a,b,c     names of the columns of a file without header\n"
"  -d, --delimiter D       , ; tab space (runs of blanks) or a character;\n"
"                          default: detected from the first line\n"
"  -i, --input URI         read frames (pipe, file or ZeroMQ), check and\n"
"                          pass them on instead of reading CSV\n"
"  -n, --no-header         the first line is data; columns c1, c2, ...\n"
"  -o, --output URI        where frames go (default -: stdout)\n"
"  -q, --quiet             no counters line, warnings or progress\n"
"  -r, --rate HZ           time = start + row / HZ (no time column)\n"
"  -t, --time-column NAME  the time column (default: time, timestamp,\n"
"                          datetime or date, if there is one)\n"
"      --clock             time = when the row was read\n"
"      --device ID         device id (default: the file name without\n"
"                          .csv/.tsv/.txt/.dat; \"stdin\" for stdin)\n"
"      --device-column C   the device id of each row is in column C\n"
"      --empty MODE        an empty value: reject the row (default) or nan\n"
"      --max-devices N     most device ids (default 10000)\n"
"      --max-line BYTES    longest line (default 1048576)\n"
"      --meta a,b          text columns copied into meta\n"
"      --reject URI        reject frames go there, not into the output\n"
"      --rename P=N,...    call the header column matching the fnmatch\n"
"                          pattern P N (the first pattern that matches)\n"
"      --metrics FILE      counters in Prometheus text format, rewritten\n"
"                          atomically every --metrics-every S (10) and at exit\n"
"      --max-frame N       largest frame read with -i (default 1 MiB)\n"
"      --timeout S         give up after S s without input (-i) or with\n"
"                          the output blocked (exit 75)\n"
"      --producers N       -i over ZeroMQ: end after N end-of-streams\n"
"Behaviours and exit statuses every program shares: docs/filters.md.\n"
"      --skip a,b          columns to leave out\n"
"      --speed X           replay at X times the recorded speed\n"
"      --start TIME        time of the first row with --rate (default 0)\n"
"      --strict            stop at the first bad row, exit 65\n"
"      --time-format F     times are iso (8601), epoch numbers, or auto\n"
"                          (default: iso if it looks like a date)\n"
"      --time-from-name    each file's start time is in its name (--rate)\n"
"      --time-unit U       epoch numbers are in s (default), ms, us or ns\n"
"      --tz ZONE           zone of times without one (default UTC)\n");
}

/* Split a comma list into names (copies). */
static void
names(struct names *nm, const char *arg, const char *opt)
{
	const char *p = arg, *e;

	for (;;) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p)
			errx(EX_USAGE, "%s: empty name in \"%s\"", opt, arg);
		nm->v = realloc(nm->v, (nm->n + 1) * sizeof(*nm->v));
		nm->len = realloc(nm->len, (nm->n + 1) * sizeof(*nm->len));
		if (nm->v == NULL || nm->len == NULL ||
		    (nm->v[nm->n] = strndup(p, (size_t)(e - p))) == NULL)
			err(EX_OSERR, NULL);
		nm->len[nm->n++] = (size_t)(e - p);
		if (*e == '\0')
			break;
		p = e + 1;
	}
}

static void
free_names(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	free(nm->len);
	memset(nm, 0, sizeof(*nm));
}

static int
delimiter(const char *s)
{
	if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
		return '\t';
	if (strcmp(s, "space") == 0 || strcmp(s, "ws") == 0 ||
	    strcmp(s, " ") == 0)
		return CSV_WS;
	if (strcmp(s, "comma") == 0)
		return ',';
	if (strcmp(s, "semicolon") == 0)
		return ';';
	if (strlen(s) != 1 || *s == '"' || *s == '\n' || *s == '\r')
		errx(EX_USAGE, "--delimiter: \"%s\": give one character, tab "
		    "or space", s);
	return (unsigned char)*s;
}

/* The default device: the file's name without directory and extension. */
static const char *
default_device(const char *path, size_t *len)
{
	static const char *const ext[] = { ".csv", ".tsv", ".txt", ".dat" };
	const char *b;
	size_t i, n, el;

	if (strcmp(path, "-") == 0) {
		*len = 5;
		return "stdin";
	}
	b = strrchr(path, '/');
	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		el = strlen(ext[i]);
		if (n > el && strcasecmp(b + n - el, ext[i]) == 0) {
			n -= el;
			break;
		}
	}
	*len = n;
	return b;
}

void
ingest_report(struct ingest *g)
{
	if (g->shown) {
		ingest_progress(g, 1);
		fputc('\n', stderr);
		g->shown = 0;
	}
	filter_report(g->flt);
}

int
main(int argc, char *argv[])
{
	struct ingest g;
	struct filter f;
	struct stat st;
	const char *dev, *start = NULL;
	char *e;
	size_t dlen, k;
	int ch, i, csvopt = 0, status;

	memset(&g, 0, sizeof(g));
	filter_init(&f, PROG);
	g.flt = &f;
	g.delim = -1;
	g.header = 1;
	g.tsrc = T_AUTO;
	g.max_line = CSV_BUFSIZE;
	g.max_devices = 10000;
	g.status = EX_OK;

	optx_config(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		csvopt += ch != 'h' && ch != O_DEVICE && ch != O_STRICT &&
		    ch < PROG_OPT_FIRST && ch != 'i' && ch != 'o' &&
		    ch != 'q';
		if (ch == 'i')
			g.in_uri = optarg;
		if (optx_filter(&f, ch, optarg))
			continue;
		switch (ch) {
		case 'c':
			names(&g.columns, optarg, "--columns");
			g.header = 0;
			break;
		case 'd':
			g.delim = delimiter(optarg);
			break;
		case 'h':
			usage(EX_OK);
		case 'n':
			g.header = 0;
			break;
		case 'r':
			optx_freq_exact("rate", optarg, RATE_MAX, &g.rate_num,
			    &g.rate_den);
			if (g.tsrc != T_AUTO && g.tsrc != T_RATE)
				usage(EX_USAGE);
			g.tsrc = T_RATE;
			break;
		case 't':
			if (g.tsrc != T_AUTO)
				usage(EX_USAGE);
			g.tsrc = T_COLUMN;
			g.time_col = optarg;
			break;
		case O_CLOCK:
			if (g.tsrc != T_AUTO)
				usage(EX_USAGE);
			g.tsrc = T_CLOCK;
			break;
		case O_DEVICE:
			g.device = optarg;
			break;
		case O_DEVCOL:
			g.dev_col = optarg;
			break;
		case O_EMPTY:
			if (strcmp(optarg, "reject") == 0)
				g.empty = E_REJECT;
			else if (strcmp(optarg, "nan") == 0)
				g.empty = E_NAN;
			else
				errx(EX_USAGE, "--empty: reject or nan");
			break;
		case O_MAXDEV:
			g.max_devices = optx_u64("max-devices", optarg, 1,
			    1000000);
			break;
		case O_MAXLINE:
			g.max_line = optx_size("max-line", optarg, 64,
			    64u << 20);
			break;
		case O_META:
			names(&g.meta, optarg, "--meta");
			if (g.meta.n > META_MAX)
				errx(EX_USAGE, "--meta: more than %d columns",
				    META_MAX);
			break;
		case O_RENAME:
			names(&g.rename, optarg, "--rename");
			for (k = 0; k < g.rename.n; k++)
				if ((e = strchr(g.rename.v[k], '=')) == NULL ||
				    e == g.rename.v[k] || e[1] == '\0')
					errx(EX_USAGE, "--rename: %s: not "
					    "PATTERN=NAME", g.rename.v[k]);
			break;
		case O_SKIP:
			names(&g.skip, optarg, "--skip");
			break;
		case O_SPEED:
			g.speed = optx_real("speed", optarg, 1e-9, 1e9);
			break;
		case O_START:
			start = optarg;
			break;
		case O_STRICT:
			g.strict = 1;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "auto") == 0)
				g.tformat = TF_AUTO;
			else if (strcmp(optarg, "iso") == 0)
				g.tformat = TF_ISO;
			else if (strcmp(optarg, "epoch") == 0)
				g.tformat = TF_EPOCH;
			else
				errx(EX_USAGE, "--time-format: auto, iso or "
				    "epoch");
			break;
		case O_FROMNAME:
			g.from_name = 1;
			break;
		case O_UNIT:
			if (strcmp(optarg, "s") == 0)
				g.unit = 0;
			else if (strcmp(optarg, "ms") == 0)
				g.unit = 3;
			else if (strcmp(optarg, "us") == 0)
				g.unit = 6;
			else if (strcmp(optarg, "ns") == 0)
				g.unit = 9;
			else
				errx(EX_USAGE, "--time-unit: s, ms, us or ns");
			break;
		case O_TZ:
			if ((g.tz = when_tz(optarg)) == NULL)
				errx(EX_USAGE, "--tz: unknown zone \"%s\"",
				    optarg);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	g.quiet = f.p.quiet;

	if (g.in_uri != NULL && (argc > 0 || csvopt))
		errx(EX_USAGE, "-i reads frames: file operands and CSV "
		    "options do not apply");
	if (g.device != NULL && g.dev_col != NULL)
		errx(EX_USAGE, "--device and --device-column exclude each "
		    "other");
	if (g.from_name && g.tsrc != T_RATE)
		errx(EX_USAGE, "--time-from-name needs --rate");
	if (start != NULL && g.tsrc != T_RATE)
		errx(EX_USAGE, "--start needs --rate");
	if (start != NULL && g.from_name)
		errx(EX_USAGE, "--start and --time-from-name exclude each "
		    "other");
	if (start != NULL) {
		g.base_nsec = 0;
		if (when_parse(&g, start, strlen(start), &g.base_sec,
		    &g.base_nsec) == -1)
			errx(EX_USAGE, "--start: \"%s\" is not a time", start);
	}

	for (i = 0; g.from_name && i < (argc > 0 ? argc : 1); i++)
		if (when_name(&g, argc > 0 ? argv[i] : "-", &g.base_sec,
		    &g.base_nsec) == -1)
			errx(EX_USAGE, "%s: no date and time in the file name "
			    "(--time-from-name)", argc > 0 ? argv[i] : "-");

	/* CSV comes from files, not a frame stream: no input to open */
	f.want_in = g.in_uri != NULL;
	if (g.in_uri == NULL)
		g.n_blank = &FILTER_COUNT(&f, filter_counter(&f, "blank"));
	else
		g.n_blank = &g.no_blank;	/* frames have no blank lines */
	g.n_in = &FILTER_COUNT(&f, f.ci_in);
	g.n_out = &FILTER_COUNT(&f, f.ci_out);
	g.n_rej = &FILTER_COUNT(&f, f.ci_rejected);
	if ((status = filter_open(&f)) != EX_OK)
		errx(status, "%s", filter_error(&f));
	g.out = f.out;
	g.rej = f.rej != f.out ? f.rej : NULL;
	if ((g.rr = record_new()) == NULL)
		err(EX_OSERR, NULL);
	g.progress = !g.quiet && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &g.t0);

	if (g.in_uri != NULL) {
		if (devtab_init(&g.devs, g.max_devices, 0) == -1)
			err(EX_OSERR, NULL);
		ingest_feed(&g);
		goto out;
	}

	g.ocap = OUT_CHUNK + FRAME_MAX_DEFAULT;
	if ((g.ob = malloc(g.ocap)) == NULL ||
	    (g.scratch = malloc(g.max_line)) == NULL ||
	    devtab_init(&g.devs, g.max_devices, (uint32_t)g.meta.n) == -1)
		err(EX_OSERR, NULL);
	if (g.dev_col == NULL) {
		if (g.device != NULL) {
			dev = g.device;
			dlen = strlen(dev);
		} else
			dev = default_device(argc > 0 ? argv[0] : "-", &dlen);
		if (dlen == 0 || !utf8_valid(dev, dlen))
			errx(EX_USAGE, "device id \"%.*s\" is empty or not "
			    "UTF-8: give --device", (int)dlen, dev);
		if ((g.dev = devtab_get(&g.devs, dev, dlen)) == NULL)
			err(EX_OSERR, NULL);
	}
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") != 0 && stat(argv[i], &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			g.total_bytes += (uint64_t)st.st_size;
			continue;
		}
		g.total_bytes = 0;
		break;
	}
	if (argc == 0)
		ingest_file(&g, "-");
	for (i = 0; i < argc && !g.stop && !stream_interrupted(); i++)
		ingest_file(&g, argv[i]);
	ingest_drain(&g);

out:
	if (g.shown) {
		ingest_progress(&g, 1);
		fputc('\n', stderr);
	}
	status = filter_close(&f);
	record_free(&g.rr);
	buf_free(&g.rbuf);
	sample_enc_free(&g.enc);
	devtab_free(&g.devs);
	free(g.ob);
	free(g.scratch);
	free_names(&g.columns);
	free_names(&g.skip);
	free_names(&g.rename);
	free_names(&g.meta);
	when_tz_free(g.tz);
	return status != EX_OK ? status : g.status;
}

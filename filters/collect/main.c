/*
 * collect -- the gateway end of sample-upload: receive batches (a ZeroMQ
 * ROUTER endpoint, or a directory the devices write into), check each
 * whole (libstream/batch.h: header, byte count, frame count, SHA-256, and
 * every frame's dev and time against the header), store its frames in the
 * data set (store.h) durably, and only then acknowledge.  A batch already
 * in the data set is acknowledged again and not stored twice, across
 * restarts too, since the data set itself is the record of what is held.
 * A batch that does not check is refused (and, from a directory, moved to
 * bad/); the device keeps it.  Runs until SIGINT or SIGTERM.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sodium.h>

#include "batch.h"
#include "counters.h"
#include "metrics.h"
#include "mono.h"
#include "optx.h"
#include "stream.h"
#include "uplink.h"
#include "store.h"

enum { OPT_METRICS = 0x1000, OPT_METRICS_EVERY };

static const struct option opts[] = {
	{ "config",	   required_argument, NULL, 'C' },
	{ "dataset",	   required_argument, NULL, 'd' },
	{ "help",	   no_argument,	      NULL, 'h' },
	{ "input",	   required_argument, NULL, 'i' },
	{ "metrics",	   required_argument, NULL, OPT_METRICS },
	{ "metrics-every", required_argument, NULL, OPT_METRICS_EVERY },
	UPLINK_LONGOPTS,
	{ "quiet",	   no_argument,	      NULL, 'q' },
	{ NULL, 0, NULL, 0 }
};
static const char optstr[] = "C:d:hi:q";

static _Noreturn void
usage(int status)
{
	FILE *fp = status == EX_OK ? stdout : stderr;

	fprintf(fp, "usage: collect [-q] [-C FILE] [--metrics FILE] "
	    "[--metrics-every SECONDS]\n"
	    "               [--mqtt-OPTION VALUE ...] -i URI -d DIR\n");
	if (status != EX_OK)
		exit(status);
	fprintf(fp, "\n"
	    "  -C, --config FILE     options from FILE, one a line: NAME VALUE "
	    "(the command\n"
	    "                        line wins)\n"
	    "  -d, --dataset DIR     the data set: DIR/DEV/YYYY-MM-DD/ID.mp "
	    "(created)\n"
	    "  -h, --help            this help\n"
	    "  -i, --input URI       [router](@|>)tcp://*:PORT (or ipc://; "
	    "binds by default),\n"
	    "                        or dir:PATH, a directory devices write "
	    "batches into,\n"
	    "                        or mqtt[s]://host[:port], a broker\n"
	    "  -q, --quiet           no accounting line at exit\n"
	    "      --metrics FILE    counters in Prometheus text format, "
	    "rewritten\n"
	    "                        atomically every --metrics-every seconds "
	    "(default 10)\n"
	    "                        and at exit\n"
	    "MQTT (docs/upload.md):\n"
	    "      --mqtt-topic T    subscribe to T (default "
	    "$share/collect/pdm/batch/+)\n"
	    "      --mqtt-reply-topic T  acks to T, {id}: the batch topic's "
	    "last level\n"
	    "                        (default pdm/ack/{id})\n"
	    "      --mqtt-id ID      {id} in the client id (default: the host "
	    "name)\n"
	    "      --mqtt-client-id C  (default pdm-collect-{id})\n"
	    "      --mqtt-ca FILE, --mqtt-cert FILE, --mqtt-key FILE  TLS "
	    "(mqtts://)\n"
	    "      --mqtt-user U, --mqtt-password P, --mqtt-keepalive S "
	    "(default 10)\n"
	    "Runs until SIGINT or SIGTERM; SIGUSR1 prints the accounting so "
	    "far.\n");
	exit(status);
}

struct args {
	const char		*in, *root, *metrics;
	double			 every;
	int			 quiet;
	struct uplink_conf	*uc;
};

/* One option, from the command line or the -C file. */
static void
take(struct args *a, int ch, const char *optarg)
{
	if (optx_uplink(a->uc, ch, optarg))
		return;
	switch (ch) {
	case 'd':
		a->root = optarg;
		break;
	case 'h':
		usage(EX_OK);
	case 'i':
		a->in = optarg;
		break;
	case 'q':
		a->quiet = 1;
		break;
	case OPT_METRICS:
		a->metrics = optarg;
		break;
	case OPT_METRICS_EVERY:
		a->every = optx_secs("metrics-every", optarg, 0.1, 86400);
		break;
	default:
		usage(EX_USAGE);
	}
}

enum { C_BATCHES, C_STORED, C_DUP, C_REFUSED, C_FRAMES, C_FILES, C_N };
static const char *const cnames[C_N] = {
	"batches", "stored", "duplicate", "refused", "frames", "files"
};

static void
report(const struct counters *c, int interrupted)
{
	char line[1024];

	counters_format(c, "collect", line, sizeof(line));
	fprintf(stderr, "%s%s\n", line, interrupted ? " (interrupted)" : "");
}

int
main(int argc, char *argv[])
{
	struct counters c;
	struct store st;
	struct uplink *ul;
	struct batch_info bi;
	struct uplink_conf uc;
	struct args a;
	const char *in, *root, *metrics, *p;
	uint8_t name_id[BATCH_ID_LEN], zero[BATCH_ID_LEN];
	char err[1024], why[512], hex[BATCH_HEX_LEN + 1];
	double every, next;
	uint64_t files;
	size_t n;
	int ch, ci[C_N], i, r, quiet, status = EX_OK;

	memset(&uc, 0, sizeof(uc));
	memset(&a, 0, sizeof(a));
	a.every = 10;
	a.uc = &uc;
	optx_config_secret(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1)
		take(&a, ch, optarg);
	in = a.in;
	root = a.root;
	metrics = a.metrics;
	every = a.every;
	quiet = a.quiet;
	if (optind != argc || in == NULL || root == NULL) {
		if (optind == argc)
			warnx("-i URI and -d DIR are required");
		usage(EX_USAGE);
	}
	if (sodium_init() < 0)
		errx(EX_SOFTWARE, "sodium_init failed");
	memset(&c, 0, sizeof(c));
	for (i = 0; i < C_N; i++)
		ci[i] = counters_add(&c, cnames[i]);
	memset(zero, 0, sizeof(zero));
	if (store_open(&st, root, err, sizeof(err)) == -1)
		errx(EX_CANTCREAT, "%s", err);
	if ((ul = uplink_listen(in, &uc, err, sizeof(err))) == NULL)
		errx(errno == EINVAL ? EX_USAGE : errno == ENOENT ||
		    errno == ENOTDIR ? EX_NOINPUT : EX_UNAVAILABLE, "%s", err);
	if (metrics != NULL && metrics_write(metrics, "collect", &c, 1, err,
	    sizeof(err)) == -1)
		errx(EX_CANTCREAT, "%s", err);
	stream_catch_signals();
	next = mono_now() + every;

	while (!stream_interrupted()) {
		if (stream_report_requested())
			report(&c, 0);
		if (metrics != NULL && mono_now() >= next) {
			next = mono_now() + every;
			if (metrics_write(metrics, "collect", &c, 1, err,
			    sizeof(err)) == -1)
				warnx("%s", err);
		}
		if ((r = uplink_next(ul, 100, &p, &n, name_id, err,
		    sizeof(err))) == 0)
			continue;
		if (r == -1) {
			warnx("%s", err);
			continue;
		}
		c.n[ci[C_BATCHES]]++;
		if (batch_check(p, n, &bi, why, sizeof(why)) == -1) {
			/* the header's id if it was read, else the file's */
			if (memcmp(bi.id, zero, BATCH_ID_LEN) == 0)
				memcpy(bi.id, name_id, BATCH_ID_LEN);
			goto refuse;
		}
		if (memcmp(name_id, zero, BATCH_ID_LEN) != 0 &&
		    memcmp(name_id, bi.id, BATCH_ID_LEN) != 0) {
			snprintf(why, sizeof(why), "the file name's id is not "
			    "the header's");
			memcpy(bi.id, name_id, BATCH_ID_LEN);
			goto refuse;
		}
		if (store_has(&st, bi.id)) {
			c.n[ci[C_DUP]]++;
			if (uplink_answer(ul, bi.id, ACK_DUPLICATE, NULL, err,
			    sizeof(err)) == -1)
				warnx("%s", err);
			continue;
		}
		if ((r = store_batch(&st, &bi, p, n, &files, why,
		    sizeof(why))) == -1) {
			/* the disk failed us: no ack, the device keeps it */
			warnx("%s", why);
			c.n[ci[C_BATCHES]]--;
			status = EX_IOERR;
			break;
		}
		if (r == -2)
			goto refuse;
		c.n[ci[C_STORED]]++;
		c.n[ci[C_FRAMES]] += bi.count;
		c.n[ci[C_FILES]] += files;
		if (uplink_answer(ul, bi.id, ACK_STORED, NULL, err,
		    sizeof(err)) == -1)
			warnx("%s", err);
		continue;
refuse:
		c.n[ci[C_REFUSED]]++;
		batch_hex(bi.id, hex);
		warnx("%s: batch %s refused: %s", in, hex, why);
		if (uplink_set_aside(ul, err, sizeof(err)) == -1)
			warnx("%s", err);
		if (memcmp(bi.id, zero, BATCH_ID_LEN) != 0 &&
		    uplink_answer(ul, bi.id, ACK_REFUSED, why, err,
		    sizeof(err)) == -1)
			warnx("%s", err);
	}
	if (!quiet || status != EX_OK)
		report(&c, stream_interrupted());
	if (metrics != NULL && metrics_write(metrics, "collect", &c, 0, err,
	    sizeof(err)) == -1) {
		warnx("%s", err);
		if (status == EX_OK)
			status = EX_IOERR;
	}
	if (c.n[ci[C_BATCHES]] != c.n[ci[C_STORED]] + c.n[ci[C_DUP]] +
	    c.n[ci[C_REFUSED]]) {
		warnx("the accounting does not balance: batches = stored + "
		    "duplicate + refused");
		status = EX_SOFTWARE;
	}
	uplink_close(&ul);
	store_close(&st);
	return status;
}

/*
 * collect -- the gateway end of sample-upload: receive batches (a ZeroMQ
 * ROUTER endpoint, or a directory the devices write into), check each
 * whole (libstream/batch.h: header, byte count, frame count, SHA-256, and
 * every frame's dev and time against the header), store its frames in the
 * data set (store.h) durably, and only then acknowledge.  A batch already
 * in the data set is acknowledged again and not stored twice, across
 * restarts too, since the data set itself is the record of what is held.
 * A batch that does not check is refused (and, from a directory, moved to
 * bad/); the device keeps it.  Runs until SIGINT or SIGTERM.  Not a frame
 * filter, but a program like the others (prog.h): its counters, frames
 * and batches, balance at exit, and SIGUSR1 and --metrics show them.
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
#include "optx.h"
#include "prog.h"
#include "uplink.h"
#include "store.h"

static const struct option opts[] = {
	{ "config",	   required_argument, NULL, 'C' },
	{ "dataset",	   required_argument, NULL, 'd' },
	{ "help",	   no_argument,	      NULL, 'h' },
	{ "input",	   required_argument, NULL, 'i' },
	UPLINK_LONGOPTS,
	PROG_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};
static const char optstr[] = "C:d:hi:q";

static _Noreturn void
usage(int status)
{
	optx_usage(status,
	    "usage: collect [-q] [-C FILE] [--metrics FILE] "
	    "[--metrics-every SECONDS]\n"
	    "               [--mqtt-OPTION VALUE ...] -i URI -d DIR\n", "\n"
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
	    PROG_USAGE_QUIET
	    PROG_USAGE_METRICS
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
}

/* One option of collect's own, from the command line or the -C file. */
static void
take(struct uplink_conf *uc, const char **in, const char **root, int ch,
    const char *optarg)
{
	if (optx_uplink(uc, ch, optarg))
		return;
	switch (ch) {
	case 'd':
		*root = optarg;
		break;
	case 'h':
		usage(EX_OK);
	case 'i':
		*in = optarg;
		break;
	default:
		usage(EX_USAGE);
	}
}

/*
 * The frame counters are those of every filter: a checked batch's frames
 * are in, then out (written to the data set), rejected (the batch was
 * refused), dropped (a duplicate: held already) or unwritten (the disk
 * failed).  A batch that does not check has no frame count to trust: it
 * is in refused= alone (collect.1).
 */
enum {
	C_IN, C_OUT, C_REJECTED, C_DROPPED, C_UNWRITTEN, C_BATCHES, C_STORED,
	C_DUP, C_REFUSED, C_FILES, C_N
};
static const char *const cnames[C_N] = {
	"in", "out", "rejected", "dropped", "unwritten", "batches", "stored",
	"duplicate", "refused", "files"
};

int
main(int argc, char *argv[])
{
	struct prog pr;
	struct store st;
	struct uplink *ul;
	struct batch_info bi;
	struct uplink_conf uc;
	const char *in = NULL, *root = NULL, *p;
	uint8_t name_id[BATCH_ID_LEN], zero[BATCH_ID_LEN];
	char err[1024], why[512], hex[BATCH_HEX_LEN + 1];
	uint64_t files, frames, nf;
	size_t n;
	int ch, ci[C_N], i, r;

	memset(&uc, 0, sizeof(uc));
	prog_init(&pr, "collect");
	for (i = 0; i < C_N; i++)
		ci[i] = prog_counter(&pr, cnames[i]);
	(void)prog_equation(&pr, "in = out + rejected + dropped + unwritten; "
	    "batches = stored + duplicate + refused");
	optx_config_secret(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1)
		if (!optx_prog(&pr, ch, optarg))
			take(&uc, &in, &root, ch, optarg);
	if (optind != argc || in == NULL || root == NULL) {
		if (optind == argc)
			warnx("-i URI and -d DIR are required");
		usage(EX_USAGE);
	}
	if (sodium_init() < 0)
		errx(EX_SOFTWARE, "sodium_init failed");
	memset(zero, 0, sizeof(zero));
	if (store_open(&st, root, err, sizeof(err)) == -1)
		errx(EX_CANTCREAT, "%s", err);
	if ((ul = uplink_listen(in, &uc, err, sizeof(err))) == NULL)
		errx(errno == EINVAL ? EX_USAGE : errno == ENOENT ||
		    errno == ENOTDIR ? EX_NOINPUT : EX_UNAVAILABLE, "%s", err);
	if ((r = prog_start(&pr)) != EX_OK)
		errx(r, "%s", prog_error(&pr));

	while (!prog_interrupted()) {
		prog_poll(&pr);
		if ((r = uplink_next(ul, 100, &p, &n, name_id, err,
		    sizeof(err))) == 0)
			continue;
		if (r == -1) {
			warnx("%s", err);
			continue;
		}
		PROG_COUNT(&pr, ci[C_BATCHES])++;
		nf = 0;
		if (batch_check(p, n, &bi, why, sizeof(why)) == -1) {
			/* the header's id if it was read, else the file's */
			if (memcmp(bi.id, zero, BATCH_ID_LEN) == 0)
				memcpy(bi.id, name_id, BATCH_ID_LEN);
			goto refuse;
		}
		nf = bi.count;		/* checked against its bytes */
		PROG_COUNT(&pr, ci[C_IN]) += nf;
		if (memcmp(name_id, zero, BATCH_ID_LEN) != 0 &&
		    memcmp(name_id, bi.id, BATCH_ID_LEN) != 0) {
			snprintf(why, sizeof(why), "the file name's id is not "
			    "the header's");
			memcpy(bi.id, name_id, BATCH_ID_LEN);
			goto refuse;
		}
		if (store_has(&st, bi.id)) {
			PROG_COUNT(&pr, ci[C_DUP])++;
			PROG_COUNT(&pr, ci[C_DROPPED]) += nf;
			if (uplink_answer(ul, bi.id, ACK_DUPLICATE, NULL, err,
			    sizeof(err)) == -1)
				warnx("%s", err);
			continue;
		}
		if ((r = store_batch(&st, &bi, p, n, &frames, &files, why,
		    sizeof(why))) == -1) {
			/* the disk failed us: no ack, the device keeps it */
			PROG_COUNT(&pr, ci[C_BATCHES])--;
			PROG_COUNT(&pr, ci[C_UNWRITTEN]) += nf;
			prog_fail(&pr, EX_IOERR, "%s", why);
			break;
		}
		if (r == -2)
			goto refuse;
		PROG_COUNT(&pr, ci[C_STORED])++;
		PROG_COUNT(&pr, ci[C_OUT]) += frames;
		PROG_COUNT(&pr, ci[C_FILES]) += files;
		if (uplink_answer(ul, bi.id, ACK_STORED, NULL, err,
		    sizeof(err)) == -1)
			warnx("%s", err);
		continue;
refuse:
		PROG_COUNT(&pr, ci[C_REFUSED])++;
		PROG_COUNT(&pr, ci[C_REJECTED]) += nf;
		batch_hex(bi.id, hex);
		warnx("%s: batch %s refused: %s", in, hex, why);
		if (uplink_set_aside(ul, err, sizeof(err)) == -1)
			warnx("%s", err);
		if (memcmp(bi.id, zero, BATCH_ID_LEN) != 0 &&
		    uplink_answer(ul, bi.id, ACK_REFUSED, why, err,
		    sizeof(err)) == -1)
			warnx("%s", err);
	}
	uplink_close(&ul);
	store_close(&st);
	return prog_end(&pr);
}

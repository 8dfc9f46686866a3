/*
 * sample-upload -- keep the frames worth learning from, store them safely
 * on the device, deliver them to collect when the link allows.  Frames pass
 * through unchanged; the sampling policies (sample.h) choose copies, which
 * are gathered into batches (libstream/batch.h) sealed by count, bytes or
 * age and stored in a spool directory (spool.h) that survives kill -9 and
 * power loss.  An uplink thread sends spooled batches (libstream/uplink.h:
 * a directory or ZeroMQ DEALER), a few at a time, and deletes each only
 * when collect acknowledges that it holds it on disk; a batch without an
 * ack is sent again after a backoff that doubles, with jitter, and when
 * acks stop coming the connection is made again on the same schedule.
 * The delivery guarantee is stated in docs/upload.md.
 *
 * Two threads share the open batch and the spool under one mutex: the
 * main thread reads, passes and samples; the uplink thread seals a batch
 * that has aged while the input is quiet, sends, and takes acks.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sodium.h>

#include "batch.h"
#include "filter.h"
#include "optx.h"
#include "uplink.h"
#include "sample.h"
#include "spool.h"

#define SYNC_EVERY	4096	/* frames between copies of the counts */

/* What the two threads share; every field under mu. */
struct up {
	pthread_mutex_t		 mu;
	pthread_cond_t		 room;		/* the spool lost a batch */
	struct spool		*sp;
	struct uplink		*ul;
	struct batch_builder	 bb;
	struct buf		 seal[2];	/* per thread: [0] main */
	struct buf		 load;		/* uplink thread: to send */

	uint64_t		 batch_count;
	size_t			 batch_bytes;
	double			 batch_age, retry_base, retry_max, drain;
	int			 full_wait;
	unsigned		 window;

	int			 done, fatal, down, warned;
	int			 verbose;
	double			 deadline, down_since, reconnect_at;
	double			 link_at;	/* no send before */
	unsigned		 fails, reconnects, link_tries;
	uint64_t		 rng;
	char			 err[1024];

	/* counts */
	uint64_t		 sampled, spooled, batches, acked;
	uint64_t		 acked_batches;
	uint64_t		 spool_lost, spool_lost_batches;
	uint64_t		 set_aside, resent, refused;
	uint64_t		 reconnected;
	uint64_t		 ev_batches, ev_frames, ev_bytes; /* to report */
};

enum {
	OPT_AROUND = FILTER_OPT_OWN, OPT_BAND, OPT_BATCH_AGE,
	OPT_BATCH_BYTES, OPT_BATCH_COUNT, OPT_DRAIN, OPT_EVERY, OPT_FULL,
	OPT_KIND, OPT_RESERVOIR, OPT_RETRY_BASE, OPT_RETRY_MAX, OPT_SEED,
	OPT_SPOOL_MAX, OPT_WINDOW
};

static const struct option opts[] = {
	FILTER_LONGOPTS,
	{ "around",	 required_argument, NULL, OPT_AROUND },
	{ "band",	 required_argument, NULL, OPT_BAND },
	{ "batch-age",	 required_argument, NULL, OPT_BATCH_AGE },
	{ "batch-bytes", required_argument, NULL, OPT_BATCH_BYTES },
	{ "batch-count", required_argument, NULL, OPT_BATCH_COUNT },
	{ "config",	 required_argument, NULL, 'C' },
	{ "drain",	 required_argument, NULL, OPT_DRAIN },
	{ "every",	 required_argument, NULL, OPT_EVERY },
	{ "full",	 required_argument, NULL, OPT_FULL },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "kind",	 required_argument, NULL, OPT_KIND },
	UPLINK_LONGOPTS,
	{ "reservoir",	 required_argument, NULL, OPT_RESERVOIR },
	{ "retry-base",	 required_argument, NULL, OPT_RETRY_BASE },
	{ "retry-max",	 required_argument, NULL, OPT_RETRY_MAX },
	{ "seed",	 required_argument, NULL, OPT_SEED },
	{ "spool",	 required_argument, NULL, 's' },
	{ "spool-max",	 required_argument, NULL, OPT_SPOOL_MAX },
	{ "uplink",	 required_argument, NULL, 'u' },
	{ "verbose",	 no_argument,	    NULL, 'v' },
	{ "window",	 required_argument, NULL, OPT_WINDOW },
	{ NULL, 0, NULL, 0 }
};
static const char optstr[] = FILTER_SHORTOPTS "C:hs:u:v";

static _Noreturn void
usage(int status)
{
	optx_usage(status,
	    "usage: sample-upload [-qv] [--every N] [--reservoir K/SECONDS] "
	    "[--around TYPE:N:M]\n"
	    "                     [--band LO:HI] [--kind LIST] [--seed N] "
	    "[--batch-count N]\n"
	    "                     [--batch-bytes SIZE] [--batch-age SECONDS] "
	    "[--spool-max SIZE]\n"
	    "                     [--full drop|wait] [--window N] "
	    "[--retry-base SECONDS]\n"
	    "                     [--retry-max SECONDS] [--drain SECONDS] "
	    "[-i URI] [-o URI]\n"
	    "                     [-C FILE] [--mqtt-OPTION VALUE ...] -s DIR "
	    "-u UPLINK\n", "\n"
	    "Sampling (at least one; per device; a frame chosen twice is "
	    "sent once):\n"
	    "      --every N         every Nth data frame (the 1st, N+1th, "
	    "...)\n"
	    "      --reservoir K/S   K data frames per S seconds of frame "
	    "time, uniform\n"
	    "      --around T:N:M    on an event of type T: the N data frames "
	    "before, M after\n"
	    "      --band LO:HI      predictions whose score is in [LO, HI]\n"
	    "      --kind LIST       every frame of these kinds (event,reject,"
	    "...)\n"
	    "      --seed N          the reservoir's random stream (default: "
	    "random)\n"
	    "Batches, spool, uplink:\n"
	    "  -s, --spool DIR       the spool directory (created)\n"
	    "  -u, --uplink URI      dir:PATH, [dealer](@|>)tcp://host:port "
	    "(or ipc://),\n"
	    "                        or mqtt[s]://host[:port] (a broker)\n"
	    "      --batch-count N   seal a batch at N frames (default 1000)\n"
	    "      --batch-bytes SIZE  ... or at SIZE bytes (default 1M)\n"
	    "      --batch-age S     ... or S seconds after its first frame "
	    "(default 10)\n"
	    "      --spool-max SIZE  bound of the spool (default 64M)\n"
	    "      --full drop|wait  spool full: drop the oldest batches "
	    "(default) or stop\n"
	    "                        reading until collect acknowledges some\n"
	    "      --window N        batches sent and not yet acknowledged "
	    "(default 4)\n"
	    "      --retry-base S    first wait for an ack before sending "
	    "again (default 1)\n"
	    "      --retry-max S     longest wait, doubling with jitter "
	    "(default 60)\n"
	    "      --drain S         at end of input, wait up to S seconds "
	    "for acks (default 10)\n"
	    "MQTT (docs/upload.md):\n"
	    "      --mqtt-id ID      {id} in topics and client id (default: "
	    "the host name)\n"
	    "      --mqtt-topic T    publish batches to T (default "
	    "pdm/batch/{id})\n"
	    "      --mqtt-reply-topic T  acks from T (default pdm/ack/{id})\n"
	    "      --mqtt-client-id C  (default pdm-sample-upload-{id})\n"
	    "      --mqtt-ca FILE, --mqtt-cert FILE, --mqtt-key FILE  TLS "
	    "(mqtts://)\n"
	    "      --mqtt-user U, --mqtt-password P, --mqtt-keepalive S "
	    "(default 10)\n"
	    "  -C, --config FILE     options from FILE, one a line: NAME VALUE "
	    "(the command\n"
	    "                        line wins); keep secrets there, not in "
	    "argv\n"
	    "  -h, --help            this help\n"
	    "  -v, --verbose         a line on stderr for each batch spooled, "
	    "acknowledged,\n"
	    "                        dropped\n"
	    FILTER_USAGE);
}

/* Backoff for the nth try: doubling from base to max, times [0.5, 1). */
static double
backoff(struct up *u, double base, unsigned n)
{
	double d = base * ldexp(1.0, n > 30 ? 30 : (int)n - 1);

	if (d > u->retry_max)
		d = u->retry_max;
	u->rng = u->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return d * (0.5 + 0.5 * (double)(u->rng >> 11) / 9007199254740992.0);
}

static void
spool_warn(void *arg, const char *msg)
{
	(void)arg;
	warnx("%s", msg);
}

static void
fatal(struct up *u, const char *msg)
{
	if (!u->fatal)
		snprintf(u->err, sizeof(u->err), "%s", msg);
	u->fatal = 1;
	pthread_cond_broadcast(&u->room);
}

/* -v: one line a batch event, written at once (stderr is unbuffered) */
static void
say(const struct up *u, const char *what, const uint8_t id[BATCH_ID_LEN],
    uint64_t frames)
{
	char hex[BATCH_HEX_LEN + 1];

	(void)u;
	batch_hex(id, hex);
	fprintf(stderr, "sample-upload: %s batch %s: %llu frames\n", what,
	    hex, (unsigned long long)frames);
}

/* Frames of a batch that will never be delivered. */
static void
lose(struct up *u, uint64_t frames, uint64_t bytes)
{
	u->spool_lost += frames;
	u->spool_lost_batches++;
	u->ev_batches++;
	u->ev_frames += frames;
	u->ev_bytes += bytes;
	pthread_cond_broadcast(&u->room);
}

/*
 * Seal the open batch into the spool (under mu).  A full spool loses its
 * oldest batches, or (--full wait, may_wait) the caller waits for room; a
 * batch larger than the whole spool is lost.  0, or -1 (fatal).
 */
static int
seal(struct up *u, int who, int may_wait)
{
	struct buf *b = &u->seal[who];
	uint8_t id[BATCH_ID_LEN];
	uint64_t frames = u->bb.count;
	char err[1024];
	struct timespec ts;

	if (frames == 0)
		return 0;
	buf_reset(b);
	if (batch_seal(&u->bb, b, id) == -1) {
		fatal(u, "out of memory");
		return -1;
	}
	while (spool_full(u->sp, b->len)) {
		if (b->len > u->sp->max_bytes) {
			warnx("a batch of %zu bytes is larger than the whole "
			    "spool (--spool-max): lost", b->len);
			lose(u, frames, b->len);
			return 0;
		}
		if (!u->full_wait) {
			if (u->verbose)
				say(u, "dropped (spool full)", u->sp->e[0].id,
				    u->sp->e[0].frames);
			lose(u, u->sp->e[0].frames, u->sp->e[0].bytes);
			if (spool_remove(u->sp, 0, err, sizeof(err)) == -1)
				warnx("%s", err);
			continue;
		}
		if (!may_wait || u->fatal || stream_interrupted()) {
			/* interrupted while waiting: the newest is lost */
			lose(u, frames, b->len);
			return 0;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&u->room, &u->mu, &ts);
	}
	if (spool_put(u->sp, id, b->p, b->len, frames, err,
	    sizeof(err)) == -1) {
		fatal(u, err);
		return -1;
	}
	u->spooled += frames;
	u->batches++;
	if (u->verbose)
		say(u, "spooled", id, frames);
	return 0;
}

/* The sampler's callback (main thread): into the open batch. */
static int
on_sample(void *arg, const char *p, size_t n, int64_t sec, uint32_t nsec,
    const char *dev, size_t dlen)
{
	struct up *u = arg;
	int r = 0;

	pthread_mutex_lock(&u->mu);
	if (u->fatal) {		/* the uplink thread failed: stop */
		pthread_mutex_unlock(&u->mu);
		return -1;
	}
	u->sampled++;
	if (batch_add(&u->bb, p, n, sec, nsec, dev, dlen) == -1) {
		if (errno != E2BIG || seal(u, 0, 1) == -1 ||
		    batch_add(&u->bb, p, n, sec, nsec, dev, dlen) == -1) {
			fatal(u, "out of memory");
			r = -1;
		}
	}
	if (r == 0 && (u->bb.count >= u->batch_count ||
	    u->bb.frames.len >= u->batch_bytes))
		r = seal(u, 0, 1);
	pthread_mutex_unlock(&u->mu);
	return r;
}

/* An acknowledgement (uplink thread, under mu). */
static void
take_ack(struct up *u, const uint8_t id[BATCH_ID_LEN], enum ack_status st,
    const char *reason)
{
	char hex[BATCH_HEX_LEN + 1], err[1024];
	long i;

	if ((i = spool_find(u->sp, id)) < 0)
		return;		/* acknowledged before, or dropped */
	u->fails = 0;
	u->reconnects = 0;
	if (u->warned)
		warnx("uplink: delivering again after %.0f s",
		    prog_now() - u->down_since);
	u->down = u->warned = 0;
	if (st != ACK_REFUSED) {
		if (u->verbose)
			say(u, st == ACK_STORED ? "acknowledged (stored)" :
			    "acknowledged (duplicate)", id, u->sp->e[i].frames);
		u->acked += u->sp->e[i].frames;
		u->acked_batches++;
		if (spool_remove(u->sp, (size_t)i, err, sizeof(err)) == -1)
			warnx("%s", err);
		pthread_cond_broadcast(&u->room);
		return;
	}
	u->refused++;
	batch_hex(id, hex);
	warnx("collect refused batch %s: %s", hex, reason);
	/* our copy damaged since it was checked?  then it can never go */
	if (spool_load(u->sp, (size_t)i, &u->load, err, sizeof(err)) == -1) {
		warnx("%s: set aside", err);
		lose(u, u->sp->e[i].frames, u->sp->e[i].bytes);
		u->set_aside++;
		if (spool_set_aside(u->sp, (size_t)i, err, sizeof(err)) == -1)
			warnx("%s", err);
	}
}

/* Send what is due, within the window (uplink thread, under mu). */
static void
send_due(struct up *u, double now)
{
	uint8_t id[BATCH_ID_LEN];
	char err[1024];
	unsigned inflight = 0;
	size_t i;
	long j;
	int r;

	if (now < u->link_at)
		return;
	for (i = 0; i < u->sp->n; i++)
		if (u->sp->e[i].sent && now < u->sp->e[i].next_try)
			inflight++;
	for (i = 0; i < u->sp->n && inflight < u->window; i++) {
		struct spool_ent *e = &u->sp->e[i];

		if (now < e->next_try)
			continue;
		if (spool_load(u->sp, i, &u->load, err, sizeof(err)) == -1) {
			warnx("%s: set aside", err);
			lose(u, e->frames, e->bytes);
			u->set_aside++;
			if (spool_set_aside(u->sp, i, err, sizeof(err)) == -1)
				warnx("%s", err);
			i--;
			continue;
		}
		memcpy(id, e->id, BATCH_ID_LEN);
		pthread_mutex_unlock(&u->mu);
		r = uplink_send(u->ul, id, u->load.p, u->load.len, err,
		    sizeof(err));
		pthread_mutex_lock(&u->mu);
		if ((j = spool_find(u->sp, id)) < 0)
			return;		/* dropped meanwhile: look again */
		e = &u->sp->e[j];
		if (r == -1) {
			/* not sent: the link is down.  Sending waits on the
			 * link's own schedule, from 0.1 s doubling with jitter;
			 * a connection takes a moment, so say so after 2 s */
			u->link_at = now + backoff(u, 0.1, ++u->link_tries);
			if (!u->down) {
				u->down = 1;
				u->down_since = now;
			} else if (!u->warned && now - u->down_since >= 2) {
				warnx("%s: retrying with backoff", err);
				u->warned = 1;
			}
			u->fails++;
			return;
		}
		u->link_tries = 0;
		e->tries++;
		e->next_try = now + backoff(u, u->retry_base, e->tries);
		if (e->sent) {
			u->resent++;
			u->fails++;
		}
		e->sent = 1;
		inflight++;
	}
}

static void *
uplink_thread(void *arg)
{
	struct up *u = arg;
	uint8_t id[BATCH_ID_LEN];
	enum ack_status st;
	char reason[256], err[1024];
	double now;
	int r;

	pthread_mutex_lock(&u->mu);
	for (;;) {
		now = prog_now();
		if (u->fatal)
			break;
		if (u->bb.count && now - u->bb.opened >= u->batch_age &&
		    (!u->full_wait || !spool_full(u->sp, u->bb.frames.len +
		    u->bb.devs.len + 6 * u->bb.ndevs + 256)) &&
		    seal(u, 1, 0) == -1)
			break;
		if (u->done && (u->sp->n == 0 || now >= u->deadline))
			break;
		send_due(u, now);
		if (u->fails >= 3 && now >= u->reconnect_at) {
			u->reconnects++;
			u->reconnected++;
			u->reconnect_at = now + backoff(u, u->retry_base,
			    u->reconnects);
			u->fails = 0;
			if (uplink_reconnect(u->ul, err, sizeof(err)) == -1) {
				fatal(u, err);
				break;
			}
		}
		pthread_mutex_unlock(&u->mu);
		r = uplink_recv(u->ul, 50, id, &st, reason, sizeof(reason),
		    err, sizeof(err));
		pthread_mutex_lock(&u->mu);
		while (r != 0) {
			if (r == 1)
				take_ack(u, id, st, reason);
			else
				warnx("%s", err);
			pthread_mutex_unlock(&u->mu);
			r = uplink_recv(u->ul, 0, id, &st, reason,
			    sizeof(reason), err, sizeof(err));
			pthread_mutex_lock(&u->mu);
		}
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

/* Counter indices of ours.  Frames a full spool let go are spool_lost:
 * lost= is a ZeroMQ input's, what never arrived (filter.h). */
enum {
	C_SAMPLED, C_SPOOLED, C_BATCHES, C_RESUMED, C_ACKED, C_ACKED_B,
	C_SPOOL_LOST, C_SPOOL_LOST_B, C_LEFT, C_SET_ASIDE, C_RESENT, C_REFUSED,
	C_RECONNECTS, C_EVENTS, C_N
};
static const char *const cnames[C_N] = {
	"sampled", "spooled", "batches", "resumed", "acked", "acked_batches",
	"spool_lost", "spool_lost_batches", "left", "set_aside", "resent",
	"refused", "reconnects", "events"
};

/* Copy the shared counts into the accounting (main thread, under mu). */
static void
sync_counts(struct filter *f, const int *ci, const struct up *u)
{
	FILTER_COUNT(f, ci[C_SAMPLED]) = u->sampled;
	FILTER_COUNT(f, ci[C_SPOOLED]) = u->spooled;
	FILTER_COUNT(f, ci[C_BATCHES]) = u->batches;
	FILTER_COUNT(f, ci[C_ACKED]) = u->acked;
	FILTER_COUNT(f, ci[C_ACKED_B]) = u->acked_batches;
	FILTER_COUNT(f, ci[C_SPOOL_LOST]) = u->spool_lost;
	FILTER_COUNT(f, ci[C_SPOOL_LOST_B]) = u->spool_lost_batches;
	FILTER_COUNT(f, ci[C_SET_ASIDE]) = u->set_aside;
	FILTER_COUNT(f, ci[C_RESENT]) = u->resent;
	FILTER_COUNT(f, ci[C_REFUSED]) = u->refused;
	FILTER_COUNT(f, ci[C_RECONNECTS]) = u->reconnected;
}

/* Batches lost since the last report: an event frame in the output. */
static int
report_loss(struct filter *f, const int *ci, struct up *u, struct record *ev)
{
	uint64_t b, fr, by;
	struct timespec now;
	const char *type = "spool-loss";

	pthread_mutex_lock(&u->mu);
	b = u->ev_batches;
	fr = u->ev_frames;
	by = u->ev_bytes;
	u->ev_batches = u->ev_frames = u->ev_bytes = 0;
	pthread_mutex_unlock(&u->mu);
	if (b == 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	record_clear(ev);
	record_set_time(ev, now.tv_sec, (uint32_t)now.tv_nsec);
	if (record_set_kind(ev, KIND_EVENT) == -1 ||
	    record_add_str(ev, "type", type, strlen(type)) == -1 ||
	    record_add_i64(ev, "batches", (int64_t)b) == -1 ||
	    record_add_i64(ev, "frames", (int64_t)fr) == -1 ||
	    record_add_i64(ev, "bytes", (int64_t)by) == -1 ||
	    record_add_str(ev, "full", u->full_wait ? "wait" : "drop",
	    4) == -1)
		return -1;
	warnx("spool: %llu batches (%llu frames) lost", (unsigned long long)b,
	    (unsigned long long)fr);
	FILTER_COUNT(f, ci[C_EVENTS])++;
	return filter_emit(f, ev);
}

/* Everything the options set. */
struct args {
	struct filter		*f;
	struct sample_conf	*sc;
	struct up		*u;
	struct uplink_conf	*uc;
	const char		*spool_dir, *uplink_uri;
	size_t			 spool_max;
	int			 have_seed, policies;
};

/* One option, from the command line or the -C file. */
static void
take(struct args *a, int ch, const char *optarg)
{
	struct sample_conf *sc = a->sc;
	struct up *u = a->u;

	if (optx_filter(a->f, ch, optarg) || optx_uplink(a->uc, ch, optarg))
		return;
	switch (ch) {
	case 'h':
		usage(EX_OK);
	case 's':
		a->spool_dir = optarg;
		break;
	case 'u':
		a->uplink_uri = optarg;
		break;
	case 'v':
		u->verbose = 1;
		break;
	case OPT_AROUND:
		if (sample_parse_around(optarg, sc) == -1)
			optx_badf("around", optarg, "'%s' is not TYPE:N:M "
			    "(at most %d of them)", optarg,
			    SAMPLE_AROUND_MAX);
		a->policies++;
		break;
	case OPT_BAND:
		if (sample_parse_band(optarg, sc) == -1)
			optx_badf("band", optarg, "'%s' is not LO:HI with "
			    "LO <= HI", optarg);
		a->policies++;
		break;
	case OPT_BATCH_AGE:
		u->batch_age = optx_secs("batch-age", optarg, 0.001,
		    86400);
		break;
	case OPT_BATCH_BYTES:
		u->batch_bytes = (size_t)optx_size("batch-bytes", optarg, 1,
		    (size_t)1 << 30);
		break;
	case OPT_BATCH_COUNT:
		u->batch_count = (size_t)optx_u64("batch-count", optarg, 1,
		    100000000);
		break;
	case OPT_DRAIN:
		u->drain = optx_secs("drain", optarg, 0, 1e9);
		break;
	case OPT_EVERY:
		sc->every = (size_t)optx_u64("every", optarg, 1, SIZE_MAX);
		a->policies++;
		break;
	case OPT_FULL:
		if (strcmp(optarg, "drop") == 0)
			u->full_wait = 0;
		else if (strcmp(optarg, "wait") == 0)
			u->full_wait = 1;
		else
			errx(EX_USAGE, "--full: '%s' is not drop or "
			    "wait", optarg);
		break;
	case OPT_KIND:
		if (sample_parse_kinds(optarg, sc) == -1)
			errx(EX_USAGE, "--kind: '%s' is not a list of "
			    "kinds (sample, features, prediction, "
			    "event, reject)", optarg);
		a->policies++;
		break;
	case OPT_RESERVOIR:
		if (sample_parse_reservoir(optarg, sc) == -1)
			optx_badf("reservoir", optarg, "'%s' is not "
			    "K/SECONDS (K from 1 to 1000000; SECONDS a "
			    "duration)", optarg);
		a->policies++;
		break;
	case OPT_RETRY_BASE:
		u->retry_base = optx_secs("retry-base", optarg, 0.001,
		    3600);
		break;
	case OPT_RETRY_MAX:
		u->retry_max = optx_secs("retry-max", optarg, 0.001,
		    86400);
		break;
	case OPT_SEED:
		sc->seed = (size_t)optx_u64("seed", optarg, 0, SIZE_MAX);
		a->have_seed = 1;
		break;
	case OPT_SPOOL_MAX:
		a->spool_max = (size_t)optx_size("spool-max", optarg, 4096,
		    SIZE_MAX);
		break;
	case OPT_WINDOW:
		u->window = (unsigned)optx_u64("window", optarg, 1,
		    1024);
		break;
	default:
		usage(EX_USAGE);
	}
}

int
main(int argc, char *argv[])
{
	struct sample_conf sc;
	struct uplink_conf uc;
	struct args a;
	struct filter f;
	struct up u;
	struct sampler *sm;
	struct record *r, *ev;
	pthread_t th;
	const char *spool_dir, *uplink_uri, *p;
	char err[1024];
	uint64_t set_aside = 0, resumed = 0, left = 0, n64;
	size_t n, spool_max, i;
	int ch, ci[C_N], status, have_seed, policies, bad = 0;

	memset(&sc, 0, sizeof(sc));
	memset(&uc, 0, sizeof(uc));
	memset(&u, 0, sizeof(u));
	u.batch_count = 1000;
	u.batch_bytes = 1u << 20;
	u.batch_age = 10;
	u.retry_base = 1;
	u.retry_max = 60;
	u.drain = 10;
	u.window = 4;
	filter_init(&f, "sample-upload");
	memset(&a, 0, sizeof(a));
	a.f = &f;
	a.sc = &sc;
	a.u = &u;
	a.uc = &uc;
	a.spool_max = 64u << 20;
	optx_config_secret(&argc, &argv, optstr, opts, NULL);
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1)
		take(&a, ch, optarg);
	spool_dir = a.spool_dir;
	uplink_uri = a.uplink_uri;
	spool_max = a.spool_max;
	have_seed = a.have_seed;
	policies = a.policies;
	if (optind != argc)
		usage(EX_USAGE);
	if (spool_dir == NULL || uplink_uri == NULL) {
		warnx("-s DIR and -u URI are required");
		usage(EX_USAGE);
	}
	if (policies == 0) {
		warnx("no sampling policy: nothing would be sent (--every, "
		    "--reservoir, --around, --band, --kind)");
		usage(EX_USAGE);
	}
	if (u.retry_max < u.retry_base)
		u.retry_max = u.retry_base;
	if (sodium_init() < 0)
		errx(EX_SOFTWARE, "sodium_init failed");
	if (!have_seed)
		randombytes_buf(&sc.seed, sizeof(sc.seed));
	randombytes_buf(&u.rng, sizeof(u.rng));

	for (i = 0; i < C_N; i++)
		ci[i] = filter_counter(&f, cnames[i]);
	if (filter_equation(&f, "in + events = out + rejected + dropped + "
	    "unwritten") == -1)
		errx(EX_SOFTWARE, "%s", filter_error(&f));
	if ((u.sp = spool_open(spool_dir, spool_max, spool_warn, NULL,
	    &set_aside, err, sizeof(err))) == NULL)
		errx(EX_CANTCREAT, "%s", err);
	for (i = 0; i < u.sp->n; i++)
		resumed += u.sp->e[i].frames;
	FILTER_COUNT(&f, ci[C_RESUMED]) = resumed;
	u.set_aside = set_aside;
	if ((u.ul = uplink_open(uplink_uri, &uc, err, sizeof(err))) == NULL)
		errx(errno == EINVAL ? EX_USAGE : errno == ENOENT ||
		    errno == ENOTDIR ? EX_CANTCREAT : EX_UNAVAILABLE, "%s", err);
	if ((sm = sampler_new(&sc)) == NULL || (ev = record_new()) == NULL)
		errx(EX_OSERR, "out of memory");
	if ((status = filter_open(&f)) != EX_OK)
		errx(status, "%s", filter_error(&f));
	pthread_mutex_init(&u.mu, NULL);
	pthread_cond_init(&u.room, NULL);
	if ((errno = pthread_create(&th, NULL, uplink_thread, &u)) != 0)
		errx(EX_OSERR, "pthread_create: %s", strerror(errno));

	n64 = 0;
	while (filter_read(&f, &r) == FILTER_FRAME) {
		if (filter_pass(&f, r) == -1)
			break;
		if (stream_frame_bytes(f.in, &p, &n) == 0 &&
		    sampler_frame(sm, r, p, n, on_sample, &u) == -1) {
			bad = 1;
			break;
		}
		if ((++n64 & (SYNC_EVERY - 1)) == 0) {
			if (report_loss(&f, ci, &u, ev) == -1)
				break;
			pthread_mutex_lock(&u.mu);
			sync_counts(&f, ci, &u);
			pthread_mutex_unlock(&u.mu);
		}
	}
	/* the end: what the reservoirs hold, then the open batch */
	if (!bad && sampler_flush(sm, on_sample, &u) == -1)
		bad = 1;
	pthread_mutex_lock(&u.mu);
	if (!u.fatal)
		seal(&u, 0, 1);
	u.done = 1;
	u.deadline = prog_now() + u.drain;
	pthread_mutex_unlock(&u.mu);
	pthread_join(th, NULL);
	for (i = 0; i < u.sp->n; i++)
		left += u.sp->e[i].frames;
	(void)report_loss(&f, ci, &u, ev);
	sync_counts(&f, ci, &u);
	FILTER_COUNT(&f, ci[C_LEFT]) = left;
	status = filter_close(&f);
	/* the frames sampled: each delivered, lost (counted, reported) or
	 * still in the spool */
	if (resumed + u.sampled != u.acked + u.spool_lost + left) {
		warnx("the accounting does not balance: resumed + sampled = "
		    "acked + spool_lost + left, but %llu != %llu",
		    (unsigned long long)(resumed + u.sampled),
		    (unsigned long long)(u.acked + u.spool_lost + left));
		status = EX_SOFTWARE;
	}
	if (u.fatal) {
		warnx("%s", u.err);
		if (status == EX_OK)
			status = EX_IOERR;
	}
	if (u.sp->n)
		warnx("%zu batches (%llu frames) left in %s for the next run",
		    u.sp->n, (unsigned long long)left, spool_dir);
	uplink_close(&u.ul);
	spool_close(&u.sp);
	sampler_free(&sm);
	record_free(&ev);
	batch_builder_free(&u.bb);
	buf_free(&u.seal[0]);
	buf_free(&u.seal[1]);
	buf_free(&u.load);
	return status;
}

/*
 * streamcat -- libstream bare: copy frames from one endpoint to another,
 * or make them, and say what the stream counted.  The peer the loss tests
 * (tests/e2e/loss_*.sh) and the ZeroMQ memory bench drive, so that they
 * exercise the library itself whatever each filter's main() does.
 *
 *   streamcat [-i URI] [-o URI]      copy frames (their bytes, unchanged)
 *   streamcat -g N [-o URI]          make N sample frames, device -d (d1),
 *                                    seq from -s (0), one every -r us (0),
 *                                    after waiting -w ms (0)
 *
 * Options: -t SECONDS (stream_set_timeout on both ends), -e N
 * (stream_set_eos_count), -m BYTES (max frame), -S (check seq on a byte
 * stream too), -p (a line per producer at the end), -q (no line).
 *
 * One line on stderr at the end:
 *   streamcat: in=N out=N unsent=N bad=N lost=N repeated=N gaps=N
 *     shortfall=N eos=N producers=N unended=N oversized=N
 * in = frames read (or made), out = frames handed on, unsent = frames
 * queued and never handed on (a write that failed included, see
 * stream.h "Counting"): in = out + unsent.
 * Exit: 0; 65 a frame was bad or input unreadable; 74 output failed (frames
 * unsent); 75 timed out; 69 an endpoint could not be opened.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "stream.h"

static void
usage(void)
{
	fprintf(stderr, "usage: streamcat [-Spq] [-i URI] [-o URI] [-g N] "
	    "[-d DEV] [-s SEQ] [-r US] [-w MS]\n"
	    "                 [-t SECONDS] [-e N] [-m BYTES]\n");
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	const char *in = "-", *out = "-", *dev = "d1", *p;
	struct stream *src = NULL, *dst;
	struct stream_producer pr;
	struct record *r, *gen = NULL;
	unsigned long long ngen = 0, seq0 = 0, i;
	unsigned long rate_us = 0, wait_ms = 0;
	double tmo = 0;
	uint64_t nin = 0, bad = 0;
	size_t n, k;
	int ch, st = EX_OK, eos = -1, seqchk = 0, perprod = 0, quiet = 0;
	long maxf = 0;
	int gmode = 0, ret;

	while ((ch = getopt(argc, argv, "i:o:g:d:s:r:w:t:e:m:Spq")) != -1)
		switch (ch) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'g': ngen = strtoull(optarg, NULL, 10); gmode = 1; break;
		case 'd': dev = optarg; break;
		case 's': seq0 = strtoull(optarg, NULL, 10); break;
		case 'r': rate_us = strtoul(optarg, NULL, 10); break;
		case 'w': wait_ms = strtoul(optarg, NULL, 10); break;
		case 't': tmo = strtod(optarg, NULL); break;
		case 'e': eos = atoi(optarg); break;
		case 'm': maxf = atol(optarg); break;
		case 'S': seqchk = 1; break;
		case 'p': perprod = 1; break;
		case 'q': quiet = 1; break;
		default: usage();
		}
	if (optind != argc)
		usage();
	if (!gmode && (src = stream_open(in, "r")) == NULL)
		errx(EX_UNAVAILABLE, "%s", stream_open_error());
	if ((dst = stream_open(out, "w")) == NULL)
		errx(EX_UNAVAILABLE, "%s", stream_open_error());
	stream_catch_signals();
	stream_set_timeout(dst, tmo);
	if (maxf > 0)
		stream_set_max_frame(dst, (size_t)maxf);
	if (src != NULL) {
		stream_set_timeout(src, tmo);
		if (eos >= 0)
			stream_set_eos_count(src, (unsigned)eos);
		if (maxf > 0)
			stream_set_max_frame(src, (size_t)maxf);
		if (seqchk)
			stream_set_seq_check(src, 1);
	}
	if (gmode) {
		if ((gen = record_new()) == NULL)
			err(EX_OSERR, "record_new");
		if (wait_ms > 0)	/* a ZeroMQ peer connects meanwhile */
			usleep((useconds_t)wait_ms * 1000);
		for (i = 0; i < ngen && !stream_interrupted(); i++) {
			record_clear(gen);
			record_set_time(gen, 1700000000 + (int64_t)i, 0);
			record_set_kind(gen, KIND_SAMPLE);
			record_set_dev(gen, dev, strlen(dev));
			record_set_seq(gen, seq0 + i);
			record_add_f64(gen, "x", (double)i);
			nin++;
			if (stream_write(dst, gen) == -1) {
				warnx("%s", stream_error(dst));
				st = stream_timed_out(dst) ? EX_TEMPFAIL :
				    EX_IOERR;
				break;
			}
			if (rate_us > 0) {
				stream_flush(dst);
				usleep(rate_us);
			}
		}
		record_free(&gen);
	} else {
		while ((ret = stream_read(src, &r)) != STREAM_EOF) {
			if (ret == STREAM_BAD) {
				warnx("%s", stream_error(src));
				bad++;
				if (st == EX_OK)
					st = EX_DATAERR;
				continue;
			}
			if (ret == STREAM_ERR) {
				warnx("%s", stream_error(src));
				st = stream_timed_out(src) ? EX_TEMPFAIL :
				    EX_DATAERR;
				break;
			}
			nin++;
			if (stream_frame_bytes(src, &p, &n) == -1 ||
			    stream_write_frames(dst, p, n, 1) == -1) {
				warnx("%s", stream_error(dst));
				st = EX_IOERR;
				break;
			}
		}
	}
	if (stream_finish(dst) == -1) {
		warnx("%s", stream_error(dst));
		if (st == EX_OK)
			st = stream_timed_out(dst) ? EX_TEMPFAIL : EX_IOERR;
	}
	if (!quiet) {
		fprintf(stderr, "streamcat: in=%llu out=%llu unsent=%llu "
		    "bad=%llu", (unsigned long long)nin,
		    (unsigned long long)stream_frames(dst),
		    (unsigned long long)stream_unsent(dst),
		    (unsigned long long)bad);
		if (src != NULL)
			fprintf(stderr, " lost=%llu repeated=%llu gaps=%llu "
			    "shortfall=%llu eos=%llu producers=%zu unended=%zu "
			    "oversized=%llu",
			    (unsigned long long)stream_lost(src),
			    (unsigned long long)stream_repeated(src),
			    (unsigned long long)stream_seq_gaps(src),
			    (unsigned long long)stream_shortfall(src),
			    (unsigned long long)stream_eos_seen(src),
			    stream_producers(src), stream_unended(src),
			    (unsigned long long)stream_oversized(src));
		fprintf(stderr, "%s\n", stream_interrupted() ?
		    " (interrupted)" : "");
	}
	if (src != NULL && perprod)
		for (k = 0; stream_producer(src, k, &pr) == 0; k++)
			fprintf(stderr, "producer %s: before=%llu got=%llu "
			    "lost=%llu sent=%llu ended=%d\n", pr.id,
			    (unsigned long long)pr.before,
			    (unsigned long long)pr.got,
			    (unsigned long long)pr.lost,
			    (unsigned long long)pr.sent, pr.ended);
	if (stream_unsent(dst) > 0 && st == EX_OK)
		st = EX_IOERR;
	stream_close(&dst);
	stream_close(&src);
	return st;
}

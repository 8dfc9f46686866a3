/*
 * numparse benchmark: numbers per second for num_parse() and for strtod() on
 * the same generated sensor-like values (the shapes found in the test data:
 * "0.0531969", "-0.195734", "73.96732207", "74.93588199999998",
 * "1700000000.123", "12.3456"), median of 5 runs each, and their ratio.
 * Both parsers must agree on every value (exit 70 otherwise).
 * usage: numparse [-n count]
 */
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "numparse.h"

#define RUNS	5

static uint64_t rng = 0x243F6A8885A308D3ULL;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double
uniform(double lo, double hi)
{
	return lo + (hi - lo) * ((double)(next() >> 11) / 9007199254740992.0);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

_Noreturn static void
usage(int code)
{
	fprintf(code ? stderr : stdout, "usage: numparse [-n count]\n");
	exit(code);
}

int
main(int argc, char *argv[])
{
	char *text, *p, *end;
	size_t *off, *len, i, n = 1000000;
	double t0, tp[RUNS], ts[RUNS], sum, sumref = 0, d;
	int ch, r;

	while ((ch = getopt(argc, argv, "hn:")) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 'n':
			n = strtoul(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 100000000)
				errx(EX_USAGE, "-n %s: want 1..100000000", optarg);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);

	if ((text = malloc(n * 24)) == NULL || (off = malloc(n *
	    sizeof(*off))) == NULL || (len = malloc(n * sizeof(*len))) == NULL)
		err(EX_OSERR, "malloc");
	for (p = text, i = 0; i < n; i++) {
		off[i] = (size_t)(p - text);
		switch (i % 6) {
		case 0: r = sprintf(p, "%.7f", uniform(0, 0.2)); break;
		case 1: r = sprintf(p, "%.6f", uniform(-1, 1)); break;
		case 2: r = sprintf(p, "%.8f", uniform(60, 90)); break;
		case 3: r = sprintf(p, "%.16g", uniform(60, 90)); break;
		case 4: r = sprintf(p, "%u.%03u", 1700000000u +
		    (unsigned)(next() % 10000000), (unsigned)(next() % 1000));
			break;
		default: r = sprintf(p, "%.4f", uniform(-50, 50)); break;
		}
		len[i] = (size_t)r;
		p += r + 1;			/* keep the NUL for strtod */
	}

	for (r = 0; r < RUNS; r++) {
		t0 = now();
		for (sumref = 0, i = 0; i < n; i++)
			sumref += strtod(text + off[i], NULL);
		ts[r] = now() - t0;
		t0 = now();
		for (sum = 0, i = 0; i < n; i++) {
			if (num_parse(text + off[i], len[i], &d) != 0)
				errx(EX_SOFTWARE, "rejected %s", text + off[i]);
			sum += d;
		}
		tp[r] = now() - t0;
		if (sum != sumref)
			errx(EX_SOFTWARE, "num_parse and strtod disagree");
	}
	qsort(tp, RUNS, sizeof(tp[0]), cmp);
	qsort(ts, RUNS, sizeof(ts[0]), cmp);
	printf("numparse: %zu values, median of %d runs\n", n, RUNS);
	printf("numparse: num_parse %.1f M numbers/s\n", n / tp[RUNS / 2] / 1e6);
	printf("numparse: strtod    %.1f M numbers/s\n", n / ts[RUNS / 2] / 1e6);
	printf("numparse: ratio     %.1fx\n", ts[RUNS / 2] / tp[RUNS / 2]);
	free(text);
	free(off);
	free(len);
	return 0;
}

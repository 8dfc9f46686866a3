/*
 * gencsv -- write the benchmark's sensor CSV, fast and always the same.
 *
 * Rows "timestamp,device,vibration,temperature,pressure": epoch seconds with
 * three decimals, strictly increasing (so every device's samples are in time
 * order); one of 17 device ids; three readings with 4 to 6 decimals each,
 * drawn from a seeded generator, so a given -n and -s always give the same
 * bytes.  Numbers are formatted from integers (no printf per field): the
 * generator must outrun the programs it feeds.  -c prints the byte count
 * that the same options would write, so bench/run.sh can tell whether a
 * cached file is complete.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define NDEV		17
#define T0_MS		1700000000000LL	/* 2023-11-14T22:13:20Z */
#define OUTBUF		(1 << 20)

static const struct option opts[] = {
	{ "count",  no_argument,       NULL, 'c' },
	{ "help",   no_argument,       NULL, 'h' },
	{ "rows",   required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "seed",   required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 }
};

struct dev {
	int64_t	 temp;		/* 1e-6 degrees C: a slow random walk */
	int64_t	 press;		/* 1e-6 kPa */
	int64_t	 amp;		/* vibration amplitude, 1e-6 g */
};

static uint64_t	 rng_state;

static const int64_t pow10i[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };

_Noreturn static void
usage(int code)
{
	fprintf(code == EX_OK ? stdout : stderr,
	    "usage: gencsv [-c] [-n rows] [-o file] [-s seed]\n");
	exit(code);
}

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t
rng(void)
{
	uint64_t z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [-r, r]. */
static int64_t
rng_pm(int64_t r)
{
	return (int64_t)(rng() % (uint64_t)(2 * r + 1)) - r;
}

/* Write the decimal digits of v (>= 0) at p; return the end. */
static char *
put_uint(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* Write u (in units of 1e-6) with d decimals (4..6), truncating. */
static char *
put_fixed(char *p, int64_t u, int d)
{
	uint64_t a, scale, frac;
	int i;

	a = (uint64_t)(u < 0 ? -u : u) / (uint64_t)pow10i[6 - d];
	if (u < 0 && a != 0)	/* no "-0.0000" */
		*p++ = '-';
	scale = (uint64_t)pow10i[d];
	p = put_uint(p, a / scale);
	*p++ = '.';
	frac = a % scale;
	for (i = d - 1; i >= 0; i--) {
		p[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	return p + d;
}

/* Format one row at p (room for 128 bytes); return its end. */
static char *
row(char *p, int64_t ms, struct dev *devs)
{
	struct dev *dv;
	int64_t vib;
	unsigned k;

	p = put_uint(p, (uint64_t)(ms / 1000));
	*p++ = '.';
	p[0] = (char)('0' + ms / 100 % 10);
	p[1] = (char)('0' + ms / 10 % 10);
	p[2] = (char)('0' + ms % 10);
	p += 3;

	k = (unsigned)(rng() % NDEV);
	dv = &devs[k];
	memcpy(p, ",pump-", 6);
	p += 6;
	*p++ = (char)('0' + (k + 1) / 10);
	*p++ = (char)('0' + (k + 1) % 10);
	*p++ = ',';

	/* vibration: triangular noise around 0; temperature and pressure:
	 * bounded random walks around the device's operating point */
	vib = rng_pm(dv->amp) + rng_pm(dv->amp);
	dv->temp += rng_pm(20000);
	if (dv->temp < 20000000 || dv->temp > 95000000)
		dv->temp = 55000000;
	dv->press += rng_pm(5000);
	if (dv->press < 90000000 || dv->press > 115000000)
		dv->press = 101325000;

	p = put_fixed(p, vib, 4 + (int)(rng() % 3));
	*p++ = ',';
	p = put_fixed(p, dv->temp + rng_pm(50000), 4 + (int)(rng() % 3));
	*p++ = ',';
	p = put_fixed(p, dv->press + rng_pm(20000), 4 + (int)(rng() % 3));
	*p++ = '\n';
	return p;
}

int
main(int argc, char *argv[])
{
	static char out[OUTBUF + 256];
	static const char header[] =
	    "timestamp,device,vibration,temperature,pressure\n";
	struct dev devs[NDEV];
	const char *path = NULL;
	char *end, *p;
	FILE *fp = stdout;
	uint64_t rows = 10000000, seed = 1, i, total;
	int64_t ms;
	int ch, count = 0;
	unsigned k;

	while ((ch = getopt_long(argc, argv, "chn:o:s:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			count = 1;
			break;
		case 'h':
			usage(EX_OK);
		case 'n':
			errno = 0;
			rows = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-' || rows > 1000000000000ULL)
				errx(EX_USAGE, "-n: not a row count: %s", optarg);
			break;
		case 'o':
			path = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-')
				errx(EX_USAGE, "-s: not a seed: %s", optarg);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (path != NULL && !count && (fp = fopen(path, "w")) == NULL)
		err(EX_CANTCREAT, "%s", path);

	rng_state = seed;
	for (k = 0; k < NDEV; k++) {
		devs[k].temp = 40000000 + (int64_t)(rng() % 30000000);
		devs[k].press = 98000000 + (int64_t)(rng() % 8000000);
		devs[k].amp = 50000 + (int64_t)(rng() % 900000);
	}

	memcpy(out, header, sizeof(header) - 1);
	p = out + sizeof(header) - 1;
	total = 0;
	ms = T0_MS;
	for (i = 0; i < rows; i++) {
		ms += 1 + (int64_t)(rng() % 3);
		p = row(p, ms, devs);
		if (p - out >= OUTBUF) {
			total += (uint64_t)(p - out);
			if (!count && fwrite(out, 1, (size_t)(p - out), fp) !=
			    (size_t)(p - out))
				err(EX_IOERR, "%s", path ? path : "stdout");
			p = out;
		}
	}
	total += (uint64_t)(p - out);
	if (count) {
		printf("%" PRIu64 "\n", total);
		return EX_OK;
	}
	if (fwrite(out, 1, (size_t)(p - out), fp) != (size_t)(p - out) ||
	    fflush(fp) == EOF || ferror(fp))
		err(EX_IOERR, "%s", path ? path : "stdout");
	if (fp != stdout && fclose(fp) == EOF)
		err(EX_IOERR, "%s", path);
	return EX_OK;
}

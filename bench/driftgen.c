/*
 * driftgen -- seeded synthetic frames for bench/drift.sh: per device, i.i.d.
 * N(0, 1) values of features x0..x(F-1) and a "score", frames interleaved
 * across devices (frame i of every device, then i + 1), time i seconds
 * after 2023-11-14T22:13:20Z, and a change from frame AT on:
 *   -c mean    every value shifted by S std
 *   -c var     every value times 2 (variance doubled)
 *   -c gradual a shift growing linearly from 0 to S std over R frames
 *   -c none    no change
 * The same arguments give the same bytes (splitmix64 and Box-Muller, each
 * device its own stream seeded by seed + device).
 *
 * usage: driftgen -n frames [-d devices] [-f features] [-c kind] [-s S]
 *        [-a at] [-r ramp] [-S seed]
 */
#include <err.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

struct rng {
	uint64_t	 s;
	int		 have;
	double		 spare;
};

static uint64_t
next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double
gauss(struct rng *r)
{
	double u, v;

	if (r->have) {
		r->have = 0;
		return r->spare;
	}
	u = ((next(r) >> 11) + 0.5) * 0x1p-53;
	v = ((next(r) >> 11) + 0.5) * 0x1p-53;
	r->spare = sqrt(-2 * log(u)) * sin(2 * M_PI * v);
	r->have = 1;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void
pstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int
main(int argc, char *argv[])
{
	long n = 0, ndev = 1, nf = 3, at = 0, ramp = 2000, i, d, k;
	double shift = 1, x;
	uint64_t seed = 1;
	const char *kind = "none";
	struct rng *rg;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char name[32], dev[32];
	unsigned char t[8];
	uint32_t sec;
	int ch;

	while ((ch = getopt(argc, argv, "S:a:c:d:f:n:r:s:")) != -1) {
		switch (ch) {
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'a': at = atol(optarg); break;
		case 'c': kind = optarg; break;
		case 'd': ndev = atol(optarg); break;
		case 'f': nf = atol(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'r': ramp = atol(optarg); break;
		case 's': shift = atof(optarg); break;
		default:
			errx(64, "usage: driftgen -n frames [-d devices] "
			    "[-f features] [-c mean|var|gradual|none] [-s S] "
			    "[-a at] [-r ramp] [-S seed]");
		}
	}
	if (n <= 0 || ndev <= 0 || nf < 0 || ramp <= 0)
		errx(64, "driftgen: -n, -d and -r must be positive");
	if ((rg = calloc(ndev, sizeof(*rg))) == NULL)
		err(71, NULL);
	for (d = 0; d < ndev; d++)
		rg[d].s = seed * 1000003 + d;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < n; i++) {
		sec = 1700000000u + (uint32_t)i;
		t[0] = sec >> 24; t[1] = sec >> 16; t[2] = sec >> 8; t[3] = sec;
		memset(t + 4, 0, 4);
		for (d = 0; d < ndev; d++) {
			msgpack_pack_array(&pk, 2);
			msgpack_pack_array(&pk, 2);
			msgpack_pack_ext(&pk, 8, 0);
			msgpack_pack_ext_body(&pk, t, 8);
			msgpack_pack_map(&pk, 3);
			pstr(&pk, "kind");
			pstr(&pk, "sample");
			pstr(&pk, "dev");
			snprintf(dev, sizeof(dev), "d%ld", d);
			pstr(&pk, dev);
			pstr(&pk, "seq");
			msgpack_pack_uint64(&pk, (uint64_t)i);
			msgpack_pack_map(&pk, nf + 1);
			for (k = 0; k <= nf; k++) {
				x = gauss(&rg[d]);
				if (i >= at && strcmp(kind, "mean") == 0)
					x += shift;
				else if (i >= at && strcmp(kind, "var") == 0)
					x *= 2;
				else if (i >= at && strcmp(kind, "gradual") == 0)
					x += shift * fmin((double)(i - at) / ramp,
					    1.0);
				if (k < nf) {
					snprintf(name, sizeof(name), "x%ld", k);
					pstr(&pk, name);
				} else
					pstr(&pk, "score");
				msgpack_pack_double(&pk, x);
			}
		}
		if (sb.size > (1 << 16) || i == n - 1) {
			if (fwrite(sb.data, 1, sb.size, stdout) != sb.size)
				err(74, "stdout");
			msgpack_sbuffer_clear(&sb);
		}
	}
	if (fflush(stdout) == EOF)
		err(74, "stdout");
	msgpack_sbuffer_destroy(&sb);
	free(rg);
	return 0;
}

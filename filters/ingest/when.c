/*
 * when -- the time of a row: parsed from a time column (ISO 8601 or an
 * epoch number), taken from a file name (IMS snapshots), or counted from a
 * start time at a sampling rate.  Rates are kept as exact fractions
 * (libstream's opt_freq_exact()) and times as integer nanoseconds, so
 * sample i of a 20480 Hz snapshot is at exactly floor(i * 10^9 / 20480) ns
 * after the start, however long the run.  The parsing itself is
 * libstream's timeparse.
 */
#include <errno.h>
#include <string.h>

#include "ingest.h"
#include "swar.h"
#include "timeparse.h"

/* Wall time without a zone: through --tz, else it is UTC already. */
static int
local(const struct ingest *g, int64_t *sec)
{
	if (g->tz == NULL)
		return 0;
	return tz_to_utc(g->tz, *sec, sec);
}

static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000,
    1000000, 10000000, 100000000, 1000000000 };

/*
 * Seconds as ten digits, a point and 0-5 more ("1700000000.003"), in two
 * words and no loop: the second word is read ending at s[n] (never past
 * it) and shifted down to start at s[8]; the point is squeezed out and the
 * digits after the last are '0', so that swar_digits8() reads the last two
 * integer digits and the fraction as one 8-digit number.  0 / -1.
 */
static inline int
epoch_s16(const char *s, size_t n, int64_t *sec, uint32_t *nsec)
{
	uint64_t hi, lo, w, fill;

	if (!swar_digits8(s, &hi))
		return -1;
	memcpy(&w, s + n - 8, 8);
	w >>= 8 * (16 - n);
	if ((w >> 16 & 0xff) != '.')
		return -1;
	w = (w & 0xffff) | (w >> 8 & 0x00ffffffffff0000ull);
	fill = ~0ull << 8 * (n - 9);
	w = (w & ~fill) | (fill & (SWAR_ONES * '0'));
	if (!swar_digits8w(w, &lo))
		return -1;
	*sec = (int64_t)(hi * 100 + lo / 1000000);
	*nsec = (uint32_t)(lo % 1000000 * 1000);
	return 0;
}

int
when_epoch_fast(const char *s, size_t n, int unit, int64_t *sec,
    uint32_t *nsec)
{
	uint64_t v = 0, f = 0, u = pow10[unit], w;
	size_t i = 0, fd = 0;
	unsigned d;

	if (SWAR && unit == 0 && n - 11 <= 5 && epoch_s16(s, n, sec, nsec) == 0)
		return 0;
	while (SWAR && i + 8 <= n && swar_digits8(s + i, &w)) {
		v = v * 100000000 + w;
		i += 8;
	}
	for (; i < n && (d = (unsigned)(s[i] - '0')) <= 9; i++)
		v = v * 10 + d;
	if (i == 0 || i > 18)
		return -1;
	if (i < n) {
		if (s[i] != '.')
			return -1;
		for (i++; i < n && (d = (unsigned)(s[i] - '0')) <= 9; i++)
			if (fd < (size_t)(9 - unit)) {
				f = f * 10 + d;
				fd++;
			}
		if (i != n)
			return -1;
		f *= pow10[9 - unit - (int)fd];
	}
	if (unit == 0) {
		*sec = (int64_t)v;
		*nsec = (uint32_t)f;
	} else {
		*sec = (int64_t)(v / u);
		*nsec = (uint32_t)(v % u * pow10[9 - unit] + f);
	}
	return 0;
}

/* when_parse() for all but epoch_s16()'s form: apart, so that the common
 * case saves and restores no registers. */
static __attribute__((noinline)) int
parse_other(const struct ingest *g, const char *s, size_t n, int64_t *sec,
    uint32_t *nsec)
{
	static const long units[] = { 1, 0, 0, 1000, 0, 0, 1000000, 0, 0,
	    1000000000 };
	int zoned;

	if (g->tformat != TF_EPOCH && n >= 10 &&
	    (s[4] == '-' || s[4] == '/')) {
		if (time_parse_iso(s, n, sec, nsec, &zoned) == -1)
			return -1;
		return zoned ? 0 : local(g, sec);
	}
	if (g->tformat == TF_ISO)
		return -1;
	if (when_epoch_fast(s, n, g->unit, sec, nsec) == 0)
		return 0;
	return time_parse_epoch(s, n, units[g->unit], sec, nsec);
}

int
when_parse(const struct ingest *g, const char *s, size_t n, int64_t *sec,
    uint32_t *nsec)
{
	if (SWAR && g->unit == 0 && n - 11 <= 5 && g->tformat == TF_EPOCH &&
	    epoch_s16(s, n, sec, nsec) == 0)
		return 0;
	return parse_other(g, s, n, sec, nsec);
}

int
when_name(const struct ingest *g, const char *path, int64_t *sec,
    uint32_t *nsec)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	*nsec = 0;
	if (time_parse_digits(base, strlen(base), sec) == -1)
		return -1;
	return local(g, sec);
}

int
when_step(int64_t bsec, uint32_t bnsec, uint64_t idx, uint64_t num,
    uint64_t den, int64_t *sec, uint32_t *nsec)
{
	__extension__ typedef unsigned __int128 u128;
	/* idx den / num seconds, exactly: whole seconds q and a remainder
	   r < num, whose nanoseconds fit (r 1e9 < 2^94); idx den itself
	   fits in 128 bits, idx den 1e9 may not.  In 64 bits when they fit
	   (a row's time at any usual rate: no 128-bit division) */
	uint64_t t64, ns;
	u128 q, r;

	if (!__builtin_mul_overflow(idx, den, &t64) &&
	    t64 % num < (1ull << 34)) {
		q = t64 / num;
		ns = t64 % num * 1000000000u / num + bnsec;
	} else {
		u128 t = (u128)idx * den;

		q = t / num;
		r = t % num;
		ns = (uint64_t)(r * 1000000000u / num) + bnsec;
	}

	q += ns / 1000000000u;
	if (q > (u128)(INT64_MAX - (bsec > 0 ? bsec : 0)))
		return -1;
	*sec = bsec + (int64_t)q;
	*nsec = (uint32_t)(ns % 1000000000u);
	return 0;
}

void *
when_tz(const char *zone)
{
	return tz_open(zone);
}

void
when_tz_free(void *tz)
{
	struct tz *z = tz;

	tz_close(&z);
}

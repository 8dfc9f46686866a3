/*
 * opt -- the numbers a program's options take, parsed once: integers
 * (int64, uint64) and reals in a range, durations with a unit (500ms,
 * 5min, 24h -> nanoseconds), frequencies (20480Hz, 25.6kHz -> Hz) and
 * sizes (64K, 1MiB -> bytes).  Every program, and validate's schema,
 * reads them the same way, so "1.5" is never a count and "5m" is never
 * silently minutes.
 *
 * Each parser takes the whole string (no blanks, nothing after the number
 * but its unit) and a closed range, and returns NULL with *out set, or a
 * reason ("'banana' is not a whole number from 1 to 100") and *out
 * untouched.  The reason lives in a per-thread buffer until the next call
 * of an opt_ function; nothing prints.  Programs report it with optx.h.
 */
#ifndef OPT_H
#define OPT_H

#include <stdint.h>

#define OPT_NS_S	INT64_C(1000000000)	/* a second in ns */

/* Decimal digits with an optional sign: no fraction, exponent or blank. */
const char	*opt_i64(const char *s, int64_t lo, int64_t hi, int64_t *out);
/* Decimal digits (a '+' at most): "-1" is refused, not wrapped around. */
const char	*opt_u64(const char *s, uint64_t lo, uint64_t hi,
		    uint64_t *out);
/* A finite decimal (strtod's form, no blank, not inf/nan) in [lo, hi]. */
const char	*opt_real(const char *s, double lo, double hi, double *out);
/*
 * A duration: a decimal (fraction allowed, no exponent) and a unit, ns,
 * us, ms, s, min, h or d, to nanoseconds (rounded to the nearest), checked
 * for overflow.  A bare number is counted in units of bare ns (OPT_NS_S:
 * seconds); bare 0 refuses it.  Range in ns.
 */
const char	*opt_duration(const char *s, int64_t bare, int64_t lo,
		    int64_t hi, int64_t *ns);
/* 1 if s is a number with no unit: for options that take a count or a
 * duration ("256" or "500ms"). */
int		 opt_bare(const char *s);
/* A frequency: a decimal and Hz, kHz or MHz; a bare number is Hz. */
const char	*opt_freq(const char *s, double lo, double hi, double *hz);
/*
 * The same frequency as an exact fraction, *num / *den Hz in lowest terms,
 * for times counted from it (0.1 Hz is 1/10, not the double nearest 0.1,
 * so sample 10 is at 100 s, not a nanosecond before).  Digits with at most
 * one point (no exponent), 18 digits at the most, and Hz, kHz, MHz or
 * nothing; above 0 and at most hi Hz.
 */
const char	*opt_freq_exact(const char *s, uint64_t hi, uint64_t *num,
		    uint64_t *den);
/* A size in bytes: whole number and K, M, G (powers of 1024), also
 * written KiB, MiB, GiB or KB, MB, GB; B or nothing for bytes. */
const char	*opt_size(const char *s, uint64_t lo, uint64_t hi,
		    uint64_t *out);

#endif

/*
 * timeparse -- exact text to time conversions: ISO 8601 date-times, epoch
 * numbers in s/ms/us/ns (exact to the nanosecond, no double rounding),
 * date-times embedded in file names, proleptic Gregorian day numbers, and
 * time zones (fixed offsets or the system tz database) for wall times.
 * All times are seconds since 1970-01-01T00:00:00Z without leap seconds,
 * plus nanoseconds 0..999999999.  The parsers are pure and never print.
 */
#ifndef TIMEPARSE_H
#define TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * ISO 8601 date-time in s[0..n): YYYY-MM-DD, then 'T' or ' ',
 * hh:mm[:ss[(.|,)fraction of 1 to 9 digits]], then optional 'Z' or
 * +hh:mm / +hhmm / +hh (also '-').  Also a bare date YYYY-MM-DD (midnight)
 * and YYYY/MM/DD (same time part allowed; the IMS third-party quirk).
 * Fields are range-checked (month 1-12, day valid for the month in the
 * Gregorian calendar, hh 0-23, mm 0-59, ss 0-60; a leap second 60 counts as
 * the first second of the next minute).  *has_zone = 1 if a zone was given
 * (the result is then UTC), else 0 (the result is the wall time taken as
 * UTC; apply tz_to_utc()).  Returns 0, or -1 (nothing is set).
 */
int	time_parse_iso(const char *s, size_t n, int64_t *sec, uint32_t *nsec,
	    int *has_zone);

/*
 * Epoch number in s[0..n): [+-]digits[.digits][(e|E)[+-]digits] counted in
 * unit parts of a second: 1 (s), 1000 (ms), 1000000 (us), 1000000000 (ns).
 * Exact decimal arithmetic, the exponent included: "1700000000.123" gives
 * sec 1700000000, nsec 123000000.  Digits finer than a nanosecond are
 * truncated toward minus infinity (the result is the floor to the ns);
 * negative times give nsec in 0..999999999 ("-1.5" -> -2 s + 500000000 ns).
 * Returns 0, or -1 on garbage, another unit or overflow of int64 seconds.
 */
int	time_parse_epoch(const char *s, size_t n, long unit, int64_t *sec,
	    uint32_t *nsec);

/*
 * A date-time as six digit groups Y M D h m s anywhere in s[0..n), e.g. the
 * IMS file name "2004.02.12.10.32.39" or "snap_20040212_103239": maximal
 * digit runs separated by single non-digit characters whose digits make
 * YYYYMMDDhhmmss with every run boundary on a field boundary (4+2+2+2+2+2,
 * 8+6, 14, ...), fields range-checked.  If several match, the last one (the
 * file name rather than a directory) wins.  The result is the time as UTC.
 * Returns 0, or -1 if none matches.
 */
int	time_parse_digits(const char *s, size_t n, int64_t *sec);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1-12, d 1-31). */
int64_t	time_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * Times as every program writes them, in frames' JSON and in messages: one
 * formatter, ISO 8601 in UTC.
 *
 * time_format() writes "2004-02-12T10:32:39Z" with prec fraction digits
 * after the seconds: prec 0..9 writes exactly prec digits (truncated, not
 * rounded: 9 for a frame's time, 3 for a log's milliseconds, 0 for whole
 * seconds); TIME_SHORT writes the fewest that say the time exactly, none
 * when it is a whole second ("...:39Z", "...:39.5Z"), for messages.  Years
 * beyond 0000-9999 are written with more digits or a '-'; 32 bytes suffice
 * for years -999 to 99999.  Returns the length written (without the NUL), or
 * 0, with buf "", if nsec > 999999999, prec is out of range or the text
 * does not fit in size bytes.
 *
 * time_format_ns() is the same for nanoseconds since the epoch (negative:
 * before 1970); time_format_iso() is time_format(..., 9).
 */
#define TIME_SHORT	(-1)
size_t	time_format(char *buf, size_t size, int64_t sec, uint32_t nsec,
	    int prec);
size_t	time_format_ns(char *buf, size_t size, int64_t ns, int prec);
size_t	time_format_iso(char *buf, size_t size, int64_t sec, uint32_t nsec);

/*
 * Time zones, to convert wall times without a zone to UTC.
 * name: "UTC" or "Z" (any case), a fixed offset "+02:00" / "-0530" / "+05",
 * or an IANA name such as "Europe/Berlin" found in $TZDIR or
 * /usr/share/zoneinfo.  An IANA zone is evaluated by the C library: the
 * first conversion sets the environment variable TZ to the name and calls
 * tzset(), and leaves it set (localtime() elsewhere in the process then
 * follows this zone; two IANA zones in one process work, switching TZ on
 * each cache miss).  Offsets are cached per local hour, so a stream of
 * local times costs a few localtime_r() calls per new hour and no system
 * calls.  Not thread-safe (setenv).
 * DST rule (as Python's fold=0): a wall time in a gap (spring forward, e.g.
 * 02:30 on the day clocks go 02:00 -> 03:00) is read with the offset in
 * force before the transition (02:30 CET = 01:30Z, i.e. 03:30 CEST); a wall
 * time in an overlap (fall back, 02:30 happens twice) is its first
 * occurrence, again the offset before the transition (02:30 CEST = 00:30Z).
 */
struct tz;
struct tz	*tz_open(const char *name);	/* caller owns; NULL + errno
						 * EINVAL if unknown, ENOMEM */
int		 tz_to_utc(struct tz *, int64_t local_sec, int64_t *utc_sec);
						/* 0, or -1 out of range */
void		 tz_close(struct tz **);	/* NULL-safe; nulls the pointer */

#endif

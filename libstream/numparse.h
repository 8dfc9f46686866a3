/*
 * numparse -- exact decimal text to double / int64, faster than strtod().
 * Ingest parses one number per CSV field; strtod() is the bottleneck there.
 * num_parse() gives bit for bit the double that strtod() gives in the C
 * locale (round to nearest, ties to even), using Clinger's fast path and the
 * Eisel-Lemire algorithm, and strtod() itself for the rare rest.
 * Both functions are pure (no state), thread-safe, and never print.
 */
#ifndef NUMPARSE_H
#define NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse the whole of s[0..n) (need not be NUL-terminated) as a decimal
 * number: [+-]digits[.digits][(e|E)[+-]digits], also ".5" and "5.", and
 * (any case, optional sign) "nan", "inf", "infinity".  Gives exactly the
 * double strtod() gives, including +-0, subnormals, and +-inf on overflow.
 * Rejected although strtod() accepts them: leading blanks, hexadecimal
 * ("0x1p3"), "nan(chars)".  Returns 0 and sets *out, or -1 if s[0..n) is not
 * entirely a number (n == 0 too); *out is then unchanged.
 */
int	num_parse(const char *s, size_t n, double *out);

/*
 * Parse the whole of s[0..n) as a decimal integer [+-]digits.  Returns 0 and
 * sets *out, or -1 on garbage, an empty string or overflow of int64_t.
 */
int	num_parse_i64(const char *s, size_t n, int64_t *out);

#endif

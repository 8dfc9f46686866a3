/*
 * utf8 -- is a byte string UTF-8?  One check for every program that must
 * tell text from bytes (CSV names and values, device ids, reject text),
 * strict as RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF.  Pure; never prints.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* Nonzero if s[0..n) (borrowed) is UTF-8. */
int	 utf8_valid(const char *s, size_t n);

/*
 * The length (1-4) of the UTF-8 sequence that starts s[0..n) (borrowed,
 * n > 0), or 0 if it does not start with one: for a reader that walks text
 * a character at a time (tap's JSON escaping).  utf8_valid() is this over
 * the whole string.
 */
size_t	 utf8_seq(const char *s, size_t n);

#endif

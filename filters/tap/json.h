/*
 * json -- the JSON form of msgpack frames that tap prints and reads
 * (docs/tap.md has the mapping).  One msgpack value maps to one JSON
 * value; msgpack types JSON lacks (bin, ext, EventTime, float32, strings
 * that are not UTF-8, maps with non-string keys) become one-key objects
 * whose key starts with '$'.  The mapping is exact: JSON -> msgpack gives
 * back the bytes of any value in canonical form (floats as float64 unless
 * tagged, integers and lengths in their smallest form).
 */
#ifndef TAP_JSON_H
#define TAP_JSON_H

#include <stddef.h>

#include "buf.h"

/* Nesting allowed in either direction (arrays and maps, counted from 1). */
#define JSON_MAX_DEPTH	32

/* Scratch memory and the last error; zero it (JSON_INIT) before first use. */
struct json {
	struct buf	 tmp;		/* unescaped strings, map keys */
	size_t		 col;		/* json_parse error: column, from 1 */
	size_t		 off;		/* json_print error: byte offset */
	char		 err[128];	/* why the last call failed */
};

#define JSON_INIT	{ BUF_INIT, 0, 0, { 0 } }

/* Release j's scratch memory (j itself is the caller's). */
void	 json_free(struct json *j);

/*
 * Append to out the JSON text of the msgpack value at p[0..n), without a
 * newline; *used (may be NULL) gets its size in bytes.  frame: the value
 * is a frame [[time, meta], body] (or [time, body]) whose time is printed
 * as an ISO 8601 string when it is an EventTime.  0, or -1 with j->err and
 * j->off (malformed msgpack, nesting deeper than JSON_MAX_DEPTH, ENOMEM;
 * out may then hold a partial text).
 */
int	 json_print(struct json *j, struct buf *out, const char *p, size_t n,
	     int frame, size_t *used);

/*
 * Parse s[0..n), which must hold exactly one JSON value (with white space
 * around it), and append its msgpack encoding to out.  frame: a string at
 * the time position of a frame is an ISO 8601 time (an EventTime).  0, or
 * -1 with j->err and j->col (a column in characters, from 1); out may
 * then hold a partial value.
 */
int	 json_parse(struct json *j, struct buf *out, const char *s, size_t n,
	     int frame);

/*
 * Shortest text that reads back as v, laid out as Python's repr() does
 * ("1.0", "1e-05", "1.5e+16", "NaN", "Infinity"); single: v is a float32
 * and the text is the shortest that reads back as that float.  dst needs
 * 32 bytes; returns the length (dst is NUL-terminated).
 */
size_t	 json_fmt_double(char *dst, double v, int single);

#endif

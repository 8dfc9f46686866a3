/*
 * csv -- read delimited text a line at a time, split lines into fields in
 * place.
 *
 * The reader owns one fixed buffer filled with large read() calls; a line is
 * returned as a pointer into it, valid until the next csv_line().  Nothing is
 * allocated per line, so memory stays the buffer's size whatever the input.
 * A line longer than the buffer is reported once (CSV_LONG, with its first
 * bytes) and skipped.  Splitting understands RFC 4180 quoting and four
 * dialects: one delimiter byte (comma, semicolon, tab, ...) or runs of
 * blanks (C-MAPSS).  Neither function prints or exits.
 */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

#define CSV_WS		0	/* delimiter: runs of spaces and tabs */
#define CSV_BUFSIZE	(1u << 20)	/* default buffer: the longest line */
#define CSV_PAD		32	/* readable zero bytes after the buffer (numfast.h) */

enum csv_status {
	CSV_LINE = 1,		/* a line */
	CSV_EOF = 0,		/* end of input */
	CSV_ERR = -1,		/* read error: errno */
	CSV_LONG = 2,	/* first bytes of a line longer than the buffer */
	CSV_WAIT = 3	/* no input ready yet (pipes only): csv_wait() */
};

struct csv {
	int		 fd;
	int		 regular;	/* regular file: reads never block */
	int		 eof;
	int		 skipping;	/* discarding the rest of a long line */
	char		 eol;		/* line end: '\n' (LF, CRLF) or '\r'
					   (CR alone), see csv_line() */
	int		 eol_known;
	char		*buf;		/* owned */
	size_t		 cap;
	size_t		 pos, end;	/* unread bytes: buf[pos..end) */
	uint64_t	 line;		/* number of the last line returned */
	uint64_t	 extra;		/* lines joined to the last one */
	uint64_t	 nread;		/* bytes read from fd */
	uint64_t	 size;		/* file size if regular, else 0 */
};

struct csv_field {
	const char	*p;		/* into the line, quotes removed */
	uint32_t	 n;
	uint8_t		 esc;		/* has "" pairs: csv_unquote() first */
	uint8_t		 quoted;
};

/*
 * Read fd (borrowed; the caller closes it) through a buffer of bufsize
 * bytes (0: CSV_BUFSIZE), followed by CSV_PAD more readable bytes, so that
 * a field of a line may be read in whole words past its end.  0, or -1
 * with errno (ENOMEM).
 */
int	 csv_open(struct csv *, int fd, size_t bufsize);
void	 csv_close(struct csv *);	/* frees the buffer, not the fd */

/*
 * Next line, without its "\n" or "\r\n", at *p (n bytes, not terminated;
 * a file whose first line ends with a CR alone has CR line ends throughout;
 * the bytes may be modified by the caller).  A UTF-8 byte order mark at the
 * start of the input is dropped.  CSV_LONG: *p, *n are the first bytes of an
 * overlong line, whose rest the next calls skip.  CSV_WAIT only when the
 * input is a pipe or terminal with nothing to read; the caller flushes its
 * output and calls csv_wait().
 */
int	 csv_line(struct csv *, char **p, size_t *n);
/* Wait up to ms milliseconds for input: 1 ready, 0 timeout, -1 errno. */
int	 csv_wait(struct csv *, int ms);
/*
 * The line at *p, *n ends inside a quoted field: join the next line to it
 * (keeping the "\n").  *p may move.  CSV_LINE, or as csv_line() when there
 * is no next line (CSV_EOF), it does not fit (CSV_LONG) or input is not
 * ready (CSV_WAIT: call again after csv_wait()).
 */
int	 csv_join(struct csv *, char **p, size_t *n);

/*
 * Split line[0..n) at delim (a byte, or CSV_WS for runs of blanks, where
 * leading and trailing blanks are ignored).  Unquoted fields lose leading and
 * trailing blanks.  Fields go to f[0..max); the return value is the number
 * of fields in the line, which may exceed max.  -1: a quote is not closed
 * at the end of the line (csv_join() may help); -2: a closing quote is
 * followed by something other than a delimiter; *bad is then the byte
 * offset of the fault.
 */
long	 csv_split(const char *line, size_t n, int delim, struct csv_field *f,
	     size_t max, size_t *bad);

/*
 * Guess the delimiter from a line: tab if it has one outside quotes, else
 * semicolon, else comma, else CSV_WS if it has blanks between fields, else
 * comma (one column).
 */
int	 csv_sniff(const char *line, size_t n);


/* Copy a field's text to out (room for f->n bytes) with "" made ". Length. */
size_t	 csv_unquote(const struct csv_field *, char *out);

#endif

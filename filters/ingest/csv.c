/*
 * csv -- line reader over one fixed buffer, and an in-place field splitter.
 *
 * csv_line() finds line ends with memchr() in a buffer filled by read() of
 * up to the whole free space, so a 10 million line file costs a few hundred
 * system calls and no allocation.  An unfinished line at the end of the
 * buffer is moved to the front before the next read; a line that fills the
 * whole buffer is too long and is skipped up to its newline.  Line ends are
 * LF or CRLF, or CR alone (old Mac files): the first line end decides, so
 * the scan stays one memchr() per line.  Pipes are
 * polled first so that the caller can flush its output before blocking.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "swar.h"

#define BLANK(ch, delim) ((ch) == ' ' || ((ch) == '\t' && (delim) != '\t'))

int
csv_open(struct csv *c, int fd, size_t bufsize)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->eol = '\n';
	c->cap = bufsize ? bufsize : CSV_BUFSIZE;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		c->regular = 1;
		c->size = (uint64_t)st.st_size;
	}
	if ((c->buf = calloc(1, c->cap + CSV_PAD)) == NULL)
		return -1;
	return 0;
}

void
csv_close(struct csv *c)
{
	free(c->buf);
	c->buf = NULL;
}

/* Read more after buf[end].  CSV_LINE if read (or at EOF), else status. */
static int
fill(struct csv *c)
{
	struct pollfd pfd;
	ssize_t r;

	if (!c->regular) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 0)
			return CSV_WAIT;
	}
	r = read(c->fd, c->buf + c->end, c->cap - c->end);
	if (r == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return CSV_WAIT;
		return CSV_ERR;
	}
	if (r == 0)
		c->eof = 1;
	c->end += (size_t)r;
	c->nread += (uint64_t)r;
	return CSV_LINE;
}

int
csv_wait(struct csv *c, int ms)
{
	struct pollfd pfd;
	int r;

	if (c->regular)
		return 1;
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	if ((r = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
		return 0;
	return r > 0 ? 1 : r;
}

/* Hand out buf[pos..e) as the next line; nl: it ended with '\n'. */
static int
give(struct csv *c, char **p, size_t *n, size_t e, int nl)
{
	char *s = c->buf + c->pos;
	size_t len = e - c->pos;

	c->pos = nl ? e + 1 : e;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	c->line += 1 + c->extra;
	c->extra = 0;
	if (c->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	*p = s;
	*n = len;
	return CSV_LINE;
}

/*
 * Decide the line end from the first one in buf[pos..end): a CR that is
 * not followed by LF makes it CR.  Undecided while neither has come (or a
 * CR is the last byte read).
 */
static void
find_eol(struct csv *c)
{
	const char *s = c->buf + c->pos, *lf, *cr;
	size_t n = c->end - c->pos;

	lf = memchr(s, '\n', n);
	cr = memchr(s, '\r', lf ? (size_t)(lf - s) : n);
	if (cr == NULL) {
		c->eol_known = lf != NULL;
		return;
	}
	if (cr + 1 == s + n && !c->eof)
		return;			/* CRLF or CR: the next byte says */
	c->eol_known = 1;
	if (cr + 1 == s + n || cr[1] != '\n')
		c->eol = '\r';
}

int
csv_line(struct csv *c, char **p, size_t *n)
{
	char *nl;
	int r;

	for (;;) {
		if (!c->eol_known)
			find_eol(c);
		nl = memchr(c->buf + c->pos, c->eol, c->end - c->pos);
		if (c->skipping) {
			if (nl != NULL) {
				c->pos = (size_t)(nl - c->buf) + 1;
				c->skipping = 0;
				continue;
			}
			c->pos = c->end = 0;
			if (c->eof) {
				c->skipping = 0;
				return CSV_EOF;
			}
		} else if (nl != NULL)
			return give(c, p, n, (size_t)(nl - c->buf), 1);
		else if (c->eof)
			return c->pos < c->end ? give(c, p, n, c->end, 0) :
			    CSV_EOF;
		else if (c->pos > 0) {
			memmove(c->buf, c->buf + c->pos, c->end - c->pos);
			c->end -= c->pos;
			c->pos = 0;
		} else if (c->end == c->cap) {
			*p = c->buf;
			*n = c->cap;
			c->line += 1 + c->extra;
			c->extra = 0;
			c->pos = c->end = 0;
			c->skipping = 1;
			return CSV_LONG;
		}
		if ((r = fill(c)) != CSV_LINE)
			return r;
	}
}

int
csv_join(struct csv *c, char **p, size_t *n)
{
	size_t off = (size_t)(*p - c->buf);
	char *nl;
	int r;

	for (;;) {
		nl = memchr(c->buf + c->pos, c->eol, c->end - c->pos);
		if (nl != NULL || (c->eof && c->pos < c->end)) {
			*n = (nl ? (size_t)(nl - c->buf) : c->end) - off;
			c->pos = nl ? (size_t)(nl - c->buf) + 1 : c->end;
			*p = c->buf + off;
			if (*n > 0 && (*p)[*n - 1] == '\r')
				(*n)--;
			c->extra++;
			return CSV_LINE;
		}
		if (c->eof) {
			*p = c->buf + off;
			return CSV_EOF;
		}
		if (off > 0) {
			memmove(c->buf, c->buf + off, c->end - off);
			c->pos -= off;
			c->end -= off;
			off = 0;
		} else if (c->end == c->cap) {
			*p = c->buf;
			*n = c->cap;
			c->pos = c->end = 0;
			c->skipping = 1;
			c->extra++;	/* the line being skipped */
			return CSV_LONG;
		}
		*p = c->buf + off;
		if ((r = fill(c)) != CSV_LINE)
			return r;
	}
}

/* Quoted field at line[i] == '"': its end; -1 if unclosed. */
static long
quoted(const char *line, size_t n, size_t i, int *esc)
{
	const char *q;

	*esc = 0;
	for (i++;;) {
		if ((q = memchr(line + i, '"', n - i)) == NULL)
			return -1;
		i = (size_t)(q - line) + 1;
		if (i < n && line[i] == '"') {
			*esc = 1;
			i++;
			continue;
		}
		return (long)i - 1;
	}
}

static long
split_ws(const char *line, size_t n, struct csv_field *f, size_t max,
    size_t *bad)
{
	size_t i = 0, nf = 0, start;
	long e;
	int esc;

	for (;;) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == n)
			return (long)nf;
		if (line[i] == '"') {
			if ((e = quoted(line, n, i, &esc)) == -1) {
				*bad = i;
				return -1;
			}
			start = i + 1;
			i = (size_t)e + 1;
			if (i < n && line[i] != ' ' && line[i] != '\t') {
				*bad = i;
				return -2;
			}
			if (nf < max) {
				f[nf].p = line + start;
				f[nf].n = (uint32_t)((size_t)e - start);
				f[nf].esc = (uint8_t)esc;
				f[nf].quoted = 1;
			}
		} else {
			start = i;
			while (i < n && line[i] != ' ' && line[i] != '\t')
				i++;
			if (nf < max) {
				f[nf].p = line + start;
				f[nf].n = (uint32_t)(i - start);
				f[nf].esc = f[nf].quoted = 0;
			}
		}
		nf++;
	}
}

/* One field line[s..e) without quotes: trim blanks, store. */
static inline void
put(const char *line, size_t s, size_t e, int delim, struct csv_field *f)
{
	if (s < e && (unsigned char)line[s] <= ' ')
		while (s < e && BLANK(line[s], delim))
			s++;
	if (e > s && (unsigned char)line[e - 1] <= ' ')
		while (e > s && BLANK(line[e - 1], delim))
			e--;
	f->p = line + s;
	f->n = (uint32_t)(e - s);
	f->esc = f->quoted = 0;
}

/*
 * The common case, a line without quotes, eight bytes at a time: -1 if the
 * line has a quote (the caller splits it the slow way), else the number of
 * fields.  One mask marks delimiters and quotes alike; a marked byte that
 * is a quote ends the fast path, so a word costs no separate quote test.
 */
static long
split_fast(const char *line, size_t n, int delim, struct csv_field *f,
    size_t max)
{
	uint64_t w, m, q = SWAR_ONES * '"';
	uint64_t d = SWAR_ONES * (unsigned char)delim;
	size_t i, start = 0, nf = 0, e;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, line + i, 8);
		for (m = swar_zeros2(w ^ d, w ^ q); m != 0; m &= m - 1) {
			e = i + ((size_t)__builtin_ctzll(m) >> 3);
			if (line[e] == '"')
				return -1;
			if (nf < max)
				put(line, start, e, delim, &f[nf]);
			nf++;
			start = e + 1;
		}
	}
	if (i < n && n >= 8) {
		/* the last word again, without the bytes already seen */
		memcpy(&w, line + n - 8, 8);
		w >>= 8 * (8 - (n - i));
		for (m = swar_zeros2(w ^ d, w ^ q) &
		    (~0ull >> 8 * (8 - (n - i))); m != 0; m &= m - 1) {
			e = i + ((size_t)__builtin_ctzll(m) >> 3);
			if (line[e] == '"')
				return -1;
			if (nf < max)
				put(line, start, e, delim, &f[nf]);
			nf++;
			start = e + 1;
		}
		i = n;
	}
	for (; i < n; i++) {
		if (line[i] == '"')
			return -1;
		if (line[i] == delim) {
			if (nf < max)
				put(line, start, i, delim, &f[nf]);
			nf++;
			start = i + 1;
		}
	}
	if (nf < max)
		put(line, start, n, delim, &f[nf]);
	return (long)nf + 1;
}

long
csv_split(const char *line, size_t n, int delim, struct csv_field *f,
    size_t max, size_t *bad)
{
	size_t i = 0, nf = 0, start, t;
	const char *q;
	long e;
	int esc;

	if (delim == CSV_WS)
		return split_ws(line, n, f, max, bad);
	if (SWAR && (e = split_fast(line, n, delim, f, max)) >= 0)
		return e;
	for (;;) {
		while (i < n && BLANK(line[i], delim))
			i++;
		if (i < n && line[i] == '"') {
			if ((e = quoted(line, n, i, &esc)) == -1) {
				*bad = i;
				return -1;
			}
			start = i + 1;
			t = (size_t)e;
			i = t + 1;
			while (i < n && BLANK(line[i], delim))
				i++;
			if (i < n && line[i] != delim) {
				*bad = i;
				return -2;
			}
			if (nf < max) {
				f[nf].p = line + start;
				f[nf].n = (uint32_t)(t - start);
				f[nf].esc = (uint8_t)esc;
				f[nf].quoted = 1;
			}
		} else {
			start = i;
			q = memchr(line + i, delim, n - i);
			i = q != NULL ? (size_t)(q - line) : n;
			for (t = i; t > start && BLANK(line[t - 1], delim); t--)
				;
			if (nf < max) {
				f[nf].p = line + start;
				f[nf].n = (uint32_t)(t - start);
				f[nf].esc = f[nf].quoted = 0;
			}
		}
		nf++;
		if (i >= n)
			return (long)nf;
		i++;		/* the delimiter */
	}
}

int
csv_sniff(const char *line, size_t n)
{
	size_t i, tab = 0, semi = 0, comma = 0;
	int inq = 0;

	for (i = 0; i < n; i++) {
		if (line[i] == '"')
			inq = !inq;
		else if (!inq && line[i] == '\t')
			tab++;
		else if (!inq && line[i] == ';')
			semi++;
		else if (!inq && line[i] == ',')
			comma++;
	}
	if (tab)
		return '\t';
	if (semi)
		return ';';
	if (comma)
		return ',';
	/* a field, blanks, then something more */
	for (i = 0; i < n && line[i] == ' '; i++)
		;
	for (; i < n && line[i] != ' '; i++)
		;
	for (; i < n && line[i] == ' '; i++)
		;
	return i < n ? CSV_WS : ',';
}

size_t
csv_unquote(const struct csv_field *f, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < f->n; i++) {
		out[o++] = f->p[i];
		if (f->esc && f->p[i] == '"' && i + 1 < f->n &&
		    f->p[i + 1] == '"')
			i++;
	}
	return o;
}

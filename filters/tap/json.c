/*
 * json -- msgpack values to JSON text and back, for tap (docs/tap.md).
 *
 * The printer walks msgpack bytes itself: every length is checked against
 * the bytes present before it is used, and nothing is allocated in
 * proportion to a length field.  The parser is a strict recursive-descent
 * JSON reader (RFC 8259 plus Python's NaN and Infinity tokens) that packs
 * as it goes with msgpack-c's packer; an array's or map's count is known
 * only at its end, so its header is written into a 5-byte gap that is then
 * closed to the smallest form.  Both place the frame's time alike.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "json.h"
#include "numparse.h"
#include "timeparse.h"
#include "utf8.h"

enum role {
	R_NONE,		/* any value */
	R_TOP,		/* the frame itself */
	R_FIRST,	/* its first element: [time, meta] or a legacy time */
	R_TIME		/* the time position */
};

/* The role of element i of an array that has role r. */
static enum role
child_role(enum role r, size_t i)
{
	if (i != 0)
		return R_NONE;
	if (r == R_TOP)
		return R_FIRST;
	if (r == R_FIRST)
		return R_TIME;
	return R_NONE;
}

static const char hexdig[] = "0123456789abcdef";

/* ---- numbers ---------------------------------------------------------- */

/* The decimal digits of v into dst (NUL-terminated); their count. */
static int
utoa(char *dst, uint64_t v)
{
	char tmp[24];
	int n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	dst[n] = '\0';
	return n;
}

/*
 * v > 0 finite, correctly rounded to prec significant digits: the digits
 * into dig, the exponent; *back: the text reads back as v.
 */
static int
digits_at(double v, int prec, int single, char *dig, int *e10, int *back)
{
	char tmp[48], *q;
	int nd = 0;

	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
	*back = single ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v;
	for (q = tmp; *q != 'e'; q++)
		if (*q != '.')
			dig[nd++] = *q;
	dig[nd] = '\0';
	*e10 = atoi(q + 1);
	return nd;
}

static int
reads_back(const char *dig, int nd, int e10, double v, int single)
{
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%c.%.*se%d", dig[0], nd - 1, dig + 1, e10);
	if (single)
		return strtof(tmp, NULL) == (float)v;
	return strtod(tmp, NULL) == v;
}

/* Add d (+1 or -1) to the last digit; 0 if the digit count would change. */
static int
bump(char *dig, int nd, int d)
{
	int i;

	for (i = nd - 1; i >= 0; i--) {
		if (d > 0 && dig[i] == '9')
			dig[i] = '0';
		else if (d < 0 && dig[i] == '0')
			dig[i] = '9';
		else {
			dig[i] += d;
			return !(i == 0 && dig[0] == '0');
		}
	}
	return 0;
}

/*
 * Shortest digits of v > 0 (finite) that read back as v.  The correctly
 * rounded p-digit form is the nearest p-digit decimal, so it reads back
 * whenever any p-digit decimal does, except at a power of two, where the
 * interval that rounds to v is narrower below v than above: there the
 * next decimal up is tried too.  A normal double needs at least 15 digits
 * before a shorter form is possible to miss (a float32: 6), so the search
 * starts there and trailing zeros are dropped.
 */
static int
shortest(double v, int single, char *dig, int *e10)
{
	int prec, first, last, nd, m, pow2, back;
	char alt[24];

	pow2 = frexp(v, &m) == 0.5;
	if (single) {
		first = (float)v >= FLT_MIN ? 6 : 1;
		last = 9;
	} else {
		first = v >= DBL_MIN ? 15 : 1;
		last = 17;
	}
	for (prec = first; prec <= last; prec++) {
		nd = digits_at(v, prec, single, dig, e10, &back);
		if (back)
			break;
		if (pow2) {
			memcpy(alt, dig, (size_t)nd + 1);
			if (bump(alt, nd, 1) &&
			    reads_back(alt, nd, *e10, v, single)) {
				memcpy(dig, alt, (size_t)nd + 1);
				break;
			}
		}
	}
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = '\0';
	return nd;
}

/*
 * The common case of a decimal with few digits, such as sensors write:
 * the fewest fraction digits p <= 8 for which v * 10^p rounds to an
 * integer m below 10^15 with m / 10^p == v (IEEE division is correctly
 * rounded, so that is the double strtod gives for "m e-p").  Fewest
 * fraction digits is fewest digits, and with at most 15 digits the
 * decimal that reads back is unique, so this is the shortest form; 0 if
 * there is none.
 */
static int
short_decimal(double v, char *dig, int *e10)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8 };
	double m;
	int p, nd;

	if (v >= 1e15 || v < 1e-8)
		return 0;
	for (p = 0; p <= 8; p++) {
		m = nearbyint(v * p10[p]);
		if (m >= 1e15)
			return 0;
		if (m / p10[p] == v)
			break;
	}
	if (p > 8)
		return 0;
	nd = utoa(dig, (uint64_t)m);
	*e10 = nd - 1 - p;
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = '\0';
	return nd;
}

size_t
json_fmt_double(char *dst, double v, int single)
{
	char dig[24], *q = dst;
	int nd, e10, decpt, i;

	if (isnan(v))
		return (size_t)(stpcpy(dst, "NaN") - dst);
	if (isinf(v))
		return (size_t)(stpcpy(dst, v < 0 ? "-Infinity" : "Infinity") -
		    dst);
	if (signbit(v)) {
		*q++ = '-';
		v = -v;
	}
	if (v == 0)
		return (size_t)(stpcpy(q, "0.0") - dst);
	if (single || (nd = short_decimal(v, dig, &e10)) == 0)
		nd = shortest(v, single, dig, &e10);
	decpt = e10 + 1;
	if (e10 < -4 || e10 >= 16) {
		*q++ = dig[0];
		if (nd > 1) {
			*q++ = '.';
			memcpy(q, dig + 1, (size_t)nd - 1);
			q += nd - 1;
		}
		q += sprintf(q, "e%c%02d", e10 < 0 ? '-' : '+', abs(e10));
	} else if (decpt <= 0) {
		*q++ = '0';
		*q++ = '.';
		for (i = decpt; i < 0; i++)
			*q++ = '0';
		memcpy(q, dig, (size_t)nd);
		q += nd;
	} else if (decpt >= nd) {
		memcpy(q, dig, (size_t)nd);
		q += nd;
		for (i = nd; i < decpt; i++)
			*q++ = '0';
		*q++ = '.';
		*q++ = '0';
	} else {
		memcpy(q, dig, (size_t)decpt);
		q += decpt;
		*q++ = '.';
		memcpy(q, dig + decpt, (size_t)(nd - decpt));
		q += nd - decpt;
	}
	*q = '\0';
	return (size_t)(q - dst);
}

/* ---- time ------------------------------------------------------------- */

static int
num(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/*
 * YYYY-MM-DDTHH:MM:SS[.fraction]Z, or with +HH:MM/-HH:MM instead of Z; up
 * to 9 fraction digits.  0, or -1 with *why.
 */
static int
iso_parse(const char *s, size_t n, int64_t *sec, uint32_t *nsec,
    const char **why)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31,
	    31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se, oh, om, leap, k;
	size_t i;
	int64_t t, off = 0;

	*why = "expected an ISO 8601 time such as "
	    "\"2004-02-12T10:32:39.5Z\"";
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || num(s, 4, &y) || num(s + 5, 2, &mo) ||
	    num(s + 8, 2, &d) || num(s + 11, 2, &h) || num(s + 14, 2, &mi) ||
	    num(s + 17, 2, &se))
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59) {
		*why = "no such date or time of day";
		return -1;
	}
	*nsec = 0;
	i = 19;
	if (s[i] == '.') {
		for (i++, k = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
			if (k == 9) {
				*why = "more than 9 fraction digits";
				return -1;
			}
			*nsec = *nsec * 10 + (uint32_t)(s[i] - '0');
		}
		if (k == 0)
			return -1;
		for (; k < 9; k++)
			*nsec *= 10;
	}
	if (i + 1 == n && s[i] == 'Z')
		;
	else if (i + 6 == n && (s[i] == '+' || s[i] == '-') &&
	    s[i + 3] == ':' && num(s + i + 1, 2, &oh) == 0 &&
	    num(s + i + 4, 2, &om) == 0 && oh <= 23 && om <= 59) {
		off = (int64_t)oh * 3600 + om * 60;
		if (s[i] == '-')
			off = -off;
	} else
		return -1;
	t = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se - off;
	if (t < 0 || t > UINT32_MAX) {
		*why = "outside the EventTime range "
		    "(1970-01-01 to 2106-02-07T06:28:15Z)";
		return -1;
	}
	*sec = t;
	return 0;
}

/* ---- msgpack -> JSON -------------------------------------------------- */

enum { T_NIL, T_BOOL, T_UINT, T_INT, T_F32, T_F64, T_STR, T_BIN, T_EXT,
	T_ARR, T_MAP };

struct hdr {
	int			 type;
	uint64_t		 u;	/* UINT; BOOL; STR/BIN/EXT/ARR/MAP count */
	int64_t			 i;	/* INT */
	double			 f;	/* F32 (widened), F64 */
	int			 ext;	/* EXT type */
	const unsigned char	*data;	/* STR/BIN/EXT bytes, F32/F64 bits */
};

struct pr {
	struct json		*j;
	struct buf		*out;
	const unsigned char	*base, *p, *end;
	int			 nomem;
};

static int
pbad(struct pr *P, const unsigned char *at, const char *why)
{
	P->j->off = (size_t)(at - P->base);
	snprintf(P->j->err, sizeof(P->j->err), "%s", why);
	return -1;
}

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * Read the header of the value at P->p, and the bytes of a str/bin/ext.
 * This typed reader is tap's fast path and stays beside libstream's
 * msgpack_header() (which only measures a value): built on it, tap's JSON
 * output took 16% more instructions (callgrind, 33,390 bench frames:
 * 474 M -> 550 M), so it was not.
 */
static int
hdr(struct pr *P, struct hdr *h)
{
	static const unsigned char fixext[] = { 1, 2, 4, 8, 16 };
	const unsigned char *at = P->p;
	unsigned c;
	int w = 0;
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double f; } f64;

	if (P->p >= P->end)
		return pbad(P, at, "truncated value");
	c = *P->p++;
	memset(h, 0, sizeof(*h));
	if (c <= 0x7f) {
		h->type = T_UINT;
		h->u = c;
		return 0;
	}
	if (c >= 0xe0) {
		h->type = T_INT;
		h->i = (int8_t)c;
		return 0;
	}
	if (c <= 0x8f) {
		h->type = T_MAP;
		h->u = c & 0x0f;
		return 0;
	}
	if (c <= 0x9f) {
		h->type = T_ARR;
		h->u = c & 0x0f;
		return 0;
	}
	if (c <= 0xbf) {
		h->type = T_STR;
		h->u = c & 0x1f;
		goto bytes;
	}
	switch (c) {
	case 0xc0:
		h->type = T_NIL;
		return 0;
	case 0xc1:
		return pbad(P, at, "reserved byte 0xc1");
	case 0xc2: case 0xc3:
		h->type = T_BOOL;
		h->u = c & 1;
		return 0;
	case 0xc4: case 0xc5: case 0xc6:
		h->type = T_BIN;
		w = 1 << (c - 0xc4);
		break;
	case 0xc7: case 0xc8: case 0xc9:
		h->type = T_EXT;
		w = 1 << (c - 0xc7);
		break;
	case 0xca:
		if (P->end - P->p < 4)
			return pbad(P, at, "truncated float32");
		f32.u = (uint32_t)be(P->p, 4);
		h->type = T_F32;
		h->f = f32.f;
		h->data = P->p;
		P->p += 4;
		return 0;
	case 0xcb:
		if (P->end - P->p < 8)
			return pbad(P, at, "truncated float64");
		f64.u = be(P->p, 8);
		h->type = T_F64;
		h->f = f64.f;
		h->data = P->p;
		P->p += 8;
		return 0;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		w = 1 << (c & 3);
		if (P->end - P->p < w)
			return pbad(P, at, "truncated integer");
		h->u = be(P->p, w);
		P->p += w;
		if (c <= 0xcf) {
			h->type = T_UINT;
			return 0;
		}
		h->type = T_INT;
		if (w < 8 && (h->u >> (8 * w - 1)) != 0)
			h->u |= ~(uint64_t)0 << (8 * w);	/* sign-extend */
		h->i = (int64_t)h->u;
		return 0;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
		h->type = T_EXT;
		h->u = fixext[c - 0xd4];
		goto ext;
	case 0xd9: case 0xda: case 0xdb:
		h->type = T_STR;
		w = 1 << (c - 0xd9);
		break;
	case 0xdc: case 0xdd:
		h->type = T_ARR;
		w = 2 << (c - 0xdc);
		break;
	case 0xde: case 0xdf:
		h->type = T_MAP;
		w = 2 << (c - 0xde);
		break;
	}
	if (P->end - P->p < w)
		return pbad(P, at, "truncated length");
	h->u = be(P->p, w);
	P->p += w;
	if (h->type == T_ARR || h->type == T_MAP)
		return 0;
	if (h->type != T_EXT)
		goto bytes;
ext:
	if (P->p >= P->end)
		return pbad(P, at, "truncated ext type");
	h->ext = (int8_t)*P->p++;
bytes:
	if ((uint64_t)(P->end - P->p) < h->u)
		return pbad(P, at, "length runs past the end of the value");
	h->data = P->p;
	P->p += h->u;
	return 0;
}

/* Step over one value (and what it contains). */
static int
skip(struct pr *P, int depth)
{
	struct hdr h;
	uint64_t k, n;

	if (hdr(P, &h) == -1)
		return -1;
	if (h.type != T_ARR && h.type != T_MAP)
		return 0;
	if (depth >= JSON_MAX_DEPTH)
		return pbad(P, P->p - 1, "nested deeper than 32");
	n = h.type == T_MAP ? 2 * h.u : h.u;
	for (k = 0; k < n; k++)
		if (skip(P, depth + 1) == -1)
			return -1;
	return 0;
}

static void
out(struct pr *P, const void *s, size_t n)
{
	if (P->out->cap - P->out->len >= n) {
		memcpy(P->out->p + P->out->len, s, n);
		P->out->len += n;
	} else if (buf_append(P->out, s, n) == -1)
		P->nomem = 1;
}

static void
outs(struct pr *P, const char *s)
{
	out(P, s, strlen(s));
}

static void
outhex(struct pr *P, const unsigned char *s, size_t n)
{
	char *q;
	size_t i;

	if (buf_reserve(P->out, 2 * n + 2) == -1) {
		P->nomem = 1;
		return;
	}
	q = P->out->p + P->out->len;
	*q++ = '"';
	for (i = 0; i < n; i++) {
		*q++ = hexdig[s[i] >> 4];
		*q++ = hexdig[s[i] & 15];
	}
	*q++ = '"';
	P->out->len += 2 * n + 2;
}

/* A JSON string of valid UTF-8 s, escaped as Python's json.dumps does
 * with ensure_ascii=False. */
static void
outstr(struct pr *P, const unsigned char *s, size_t n)
{
	char esc[8];
	size_t i, run;

	out(P, "\"", 1);
	for (i = 0; i < n; i = run + 1) {
		for (run = i; run < n && s[run] >= 0x20 && s[run] != '"' &&
		    s[run] != '\\'; run++)
			;
		out(P, s + i, run - i);
		if (run == n)
			break;
		switch (s[run]) {
		case '"':  outs(P, "\\\""); break;
		case '\\': outs(P, "\\\\"); break;
		case '\n': outs(P, "\\n"); break;
		case '\r': outs(P, "\\r"); break;
		case '\t': outs(P, "\\t"); break;
		case '\b': outs(P, "\\b"); break;
		case '\f': outs(P, "\\f"); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", s[run]);
			outs(P, esc);
		}
	}
	out(P, "\"", 1);
}

static void
outnum(struct pr *P, const struct hdr *h)
{
	char tmp[40];
	size_t n;

	switch (h->type) {
	case T_UINT:
		n = (size_t)utoa(tmp, h->u);
		break;
	case T_INT:
		tmp[0] = '-';
		n = h->i < 0 ? 1 + (size_t)utoa(tmp + 1, -(uint64_t)h->i) :
		    (size_t)utoa(tmp, (uint64_t)h->i);
		break;
	default:
		n = json_fmt_double(tmp, h->f, h->type == T_F32);
	}
	out(P, tmp, n);
}

static int
is_eventtime(const struct hdr *h)
{
	return h->type == T_EXT && h->ext == 0 && h->u == 8 &&
	    be(h->data + 4, 4) < 1000000000;
}

static int pvalue(struct pr *, enum role, int);

struct key {
	const unsigned char	*p;
	size_t			 n;
};

static int
keycmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return memcmp(x->p, y->p, x->n);
}

/*
 * Can the map of n pairs at P->p be a JSON object: string keys, all UTF-8,
 * none repeated, the first not starting with '$'?  Leaves P->p unchanged.
 */
static int
plain_keys(struct pr *P, uint64_t n, int depth, int *plain)
{
	const unsigned char *save = P->p, *kat;
	struct key *keys, k;
	struct hdr h;
	uint64_t i;
	size_t a, b, nk = 0;

	*plain = 1;
	buf_reset(&P->j->tmp);
	for (i = 0; i < n; i++) {
		kat = P->p;
		if (hdr(P, &h) == -1)
			return -1;
		if (h.type == T_ARR || h.type == T_MAP) {
			P->p = kat;	/* step over the whole key */
			if (skip(P, depth + 1) == -1)
				return -1;
			*plain = 0;
		} else if (h.type != T_STR ||
		    !utf8_valid((const char *)h.data, h.u) ||
		    (i == 0 && h.u > 0 && h.data[0] == '$'))
			*plain = 0;
		if (*plain) {
			k.p = h.data;
			k.n = h.u;
			if (buf_append(&P->j->tmp, &k, sizeof(k)) == -1) {
				P->nomem = 1;
				return pbad(P, kat, "out of memory");
			}
			nk++;
		}
		if (skip(P, depth + 1) == -1)
			return -1;
	}
	P->p = save;
	if (!*plain || nk < 2)
		return 0;
	keys = (struct key *)(void *)P->j->tmp.p;
	if (nk <= 8) {
		for (a = 0; a < nk; a++)
			for (b = a + 1; b < nk; b++)
				if (keycmp(&keys[a], &keys[b]) == 0)
					*plain = 0;
		return 0;
	}
	qsort(keys, nk, sizeof(*keys), keycmp);
	for (a = 1; a < nk; a++)
		if (keycmp(&keys[a - 1], &keys[a]) == 0)
			*plain = 0;
	return 0;
}

static int
pmap(struct pr *P, uint64_t n, int depth)
{
	struct hdr h;
	uint64_t i;
	int plain;

	if (plain_keys(P, n, depth, &plain) == -1)
		return -1;
	outs(P, plain ? "{" : "{\"$map\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			out(P, ",", 1);
		if (plain) {
			if (hdr(P, &h) == -1)
				return -1;
			outstr(P, h.data, h.u);
			out(P, ":", 1);
		} else {
			out(P, "[", 1);
			if (pvalue(P, R_NONE, depth + 1) == -1)
				return -1;
			out(P, ",", 1);
		}
		if (pvalue(P, R_NONE, depth + 1) == -1)
			return -1;
		if (!plain)
			out(P, "]", 1);
	}
	outs(P, plain ? "}" : "]}");
	return 0;
}

static int
pvalue(struct pr *P, enum role role, int depth)
{
	const unsigned char *at = P->p;
	struct hdr h;
	char tmp[64];
	uint64_t i;

	if (hdr(P, &h) == -1)
		return -1;
	if (role == R_FIRST && h.type != T_ARR)
		role = R_TIME;
	if ((h.type == T_ARR || h.type == T_MAP) && depth >= JSON_MAX_DEPTH)
		return pbad(P, at, "nested deeper than 32");
	switch (h.type) {
	case T_NIL:
		outs(P, "null");
		break;
	case T_BOOL:
		outs(P, h.u ? "true" : "false");
		break;
	case T_UINT: case T_INT: case T_F64:
		if (h.type == T_F64 && isnan(h.f) &&
		    be(h.data, 8) != 0x7ff8000000000000) {
			outs(P, "{\"$f64\":");
			outhex(P, h.data, 8);
			out(P, "}", 1);
		} else
			outnum(P, &h);
		break;
	case T_F32:
		outs(P, "{\"$f32\":");
		if (isnan(h.f) && be(h.data, 4) != 0x7fc00000)
			outhex(P, h.data, 4);
		else
			outnum(P, &h);
		out(P, "}", 1);
		break;
	case T_STR:
		if (!utf8_valid((const char *)h.data, h.u)) {
			outs(P, "{\"$strhex\":");
			outhex(P, h.data, h.u);
			out(P, "}", 1);
		} else if (role == R_TIME) {
			outs(P, "{\"$str\":");
			outstr(P, h.data, h.u);
			out(P, "}", 1);
		} else
			outstr(P, h.data, h.u);
		break;
	case T_BIN:
		outs(P, "{\"$bin\":");
		outhex(P, h.data, h.u);
		out(P, "}", 1);
		break;
	case T_EXT:
		if (is_eventtime(&h)) {
			tmp[0] = '"';
			time_format_iso(tmp + 1, sizeof(tmp) - 2,
			    (uint32_t)be(h.data, 4), (uint32_t)be(h.data + 4, 4));
			strcat(tmp, "\"");
			if (role != R_TIME)
				outs(P, "{\"$time\":");
			outs(P, tmp);
			if (role != R_TIME)
				out(P, "}", 1);
			break;
		}
		snprintf(tmp, sizeof(tmp), "{\"$ext\":[%d,", h.ext);
		outs(P, tmp);
		outhex(P, h.data, h.u);
		outs(P, "]}");
		break;
	case T_ARR:
		out(P, "[", 1);
		for (i = 0; i < h.u; i++) {
			if (i > 0)
				out(P, ",", 1);
			if (pvalue(P, child_role(role, i), depth + 1) == -1)
				return -1;
		}
		out(P, "]", 1);
		break;
	case T_MAP:
		return pmap(P, h.u, depth);
	}
	return 0;
}

int
json_print(struct json *j, struct buf *outb, const char *p, size_t n,
    int frame, size_t *used)
{
	struct pr P;

	P.j = j;
	P.out = outb;
	P.base = P.p = (const unsigned char *)p;
	P.end = P.base + n;
	P.nomem = 0;
	j->err[0] = '\0';
	j->off = 0;
	if (pvalue(&P, frame ? R_TOP : R_NONE, 0) == -1)
		return -1;
	if (P.nomem) {
		errno = ENOMEM;
		return pbad(&P, P.base, "out of memory");
	}
	if (used != NULL)
		*used = (size_t)(P.p - P.base);
	return 0;
}

void
json_free(struct json *j)
{
	if (j != NULL)
		buf_free(&j->tmp);
}

/* ---- JSON -> msgpack -------------------------------------------------- */

struct ps {
	struct json	*j;
	struct buf	*out;
	msgpack_packer	 pk;
	const char	*s, *p, *end;
	int		 depth;
	int		 oom;		/* the packer ran out of memory */
};

static int
put(void *data, const char *p, size_t n)
{
	struct ps *P = data;

	if (buf_append(P->out, p, n) == -1) {
		P->oom = 1;
		return -1;
	}
	return 0;
}

/* Error at s: j->col is its column in characters. */
static int
perr(struct ps *P, const char *at, const char *fmt, ...)
{
	const char *q;
	va_list ap;

	P->j->col = 1;
	for (q = P->s; q < at && q < P->end; q++)
		if (((unsigned char)*q & 0xc0) != 0x80)
			P->j->col++;
	va_start(ap, fmt);
	vsnprintf(P->j->err, sizeof(P->j->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct ps *P)
{
	return perr(P, P->p, "out of memory");
}

static void
ws(struct ps *P)
{
	while (P->p < P->end && (*P->p == ' ' || *P->p == '\t' ||
	    *P->p == '\n' || *P->p == '\r'))
		P->p++;
}

/* The byte at P->p is not what was expected. */
static int
unexpected(struct ps *P, const char *what)
{
	if (P->p == P->end)
		return perr(P, P->p, "unexpected end of line; expected %s",
		    what);
	if ((unsigned char)*P->p >= 0x20 && (unsigned char)*P->p < 0x7f)
		return perr(P, P->p, "unexpected '%c'; expected %s", *P->p,
		    what);
	return perr(P, P->p, "unexpected byte 0x%02x; expected %s",
	    (unsigned char)*P->p, what);
}

/* Skip white space, then expect c. */
static int
expect(struct ps *P, char c, const char *what)
{
	ws(P);
	if (P->p < P->end && *P->p == c) {
		P->p++;
		return 0;
	}
	return unexpected(P, what);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
put_utf8(struct ps *P, uint32_t cp, int *bad)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (buf_append(&P->j->tmp, u, n) == -1)
		*bad = 1;
}

/* \uXXXX at q (q points at the 'u'): the code unit, or -1. */
static long
u4(const char *q, const char *end)
{
	long v = 0;
	int i, d;

	if (end - q < 5)
		return -1;
	for (i = 1; i <= 4; i++) {
		if ((d = hexval(q[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The JSON string at P->p (a '"'), unescaped into j->tmp. */
static int
jstring(struct ps *P)
{
	const char *start = P->p, *q = P->p + 1, *r;
	struct buf *t = &P->j->tmp;
	long cp, lo;
	size_t k;
	int oom = 0;

	buf_reset(t);
	for (;;) {
		for (r = q; r < P->end && (unsigned char)*r >= 0x20 &&
		    (unsigned char)*r < 0x80 && *r != '"' && *r != '\\'; r++)
			;
		if (buf_append(t, q, (size_t)(r - q)) == -1)
			return nomem(P);
		q = r;
		if (q == P->end)
			return perr(P, start, "string not closed");
		if (*q == '"')
			break;
		if ((unsigned char)*q < 0x20)
			return perr(P, q, "control character 0x%02x in a string "
			    "(write it as \\u%04x)", *q, *q);
		if ((unsigned char)*q >= 0x80) {
			k = utf8_seq(q,
			    (size_t)(P->end - q));
			if (k == 0)
				return perr(P, q, "invalid UTF-8");
			if (buf_append(t, q, k) == -1)
				return nomem(P);
			q += k;
			continue;
		}
		/* a backslash */
		if (++q == P->end)
			return perr(P, start, "string not closed");
		switch (*q) {
		case '"': case '\\': case '/':
			oom |= buf_putc(t, *q);
			break;
		case 'b': oom |= buf_putc(t, '\b'); break;
		case 'f': oom |= buf_putc(t, '\f'); break;
		case 'n': oom |= buf_putc(t, '\n'); break;
		case 'r': oom |= buf_putc(t, '\r'); break;
		case 't': oom |= buf_putc(t, '\t'); break;
		case 'u':
			if ((cp = u4(q, P->end)) < 0)
				return perr(P, q - 1, "\\u needs 4 hex digits");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return perr(P, q - 1, "lone low surrogate "
				    "\\u%04lx", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (P->end - q < 7 || q[5] != '\\' ||
				    q[6] != 'u' || (lo = u4(q + 6, P->end)) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return perr(P, q - 1, "high surrogate "
					    "\\u%04lx not followed by a low "
					    "surrogate", cp);
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				q += 6;
			}
			put_utf8(P, (uint32_t)cp, &oom);
			q += 4;
			break;
		default:
			return perr(P, q - 1, "unknown escape \\%c", *q);
		}
		if (oom)
			return nomem(P);
		q++;
	}
	P->p = q + 1;
	return 0;
}

/* Write the current container header into the 5-byte gap at start. */
struct small {
	char	 b[8];
	size_t	 n;
};

static int
small_put(void *data, const char *p, size_t n)
{
	struct small *s = data;

	memcpy(s->b + s->n, p, n);
	s->n += n;
	return 0;
}

static int
open_gap(struct ps *P, size_t *start)
{
	if (++P->depth > JSON_MAX_DEPTH)
		return perr(P, P->p, "nested deeper than %d", JSON_MAX_DEPTH);
	if (buf_reserve(P->out, 5) == -1)
		return nomem(P);
	*start = P->out->len;
	P->out->len += 5;
	return 0;
}

static void
close_gap(struct ps *P, size_t start, size_t count, int map)
{
	msgpack_packer pk;
	struct small s;
	char *p = P->out->p + start;

	s.n = 0;
	msgpack_packer_init(&pk, &s, small_put);
	if (map)
		msgpack_pack_map(&pk, count);
	else
		msgpack_pack_array(&pk, count);
	memmove(p + s.n, p + 5, P->out->len - start - 5);
	memcpy(p, s.b, s.n);
	P->out->len -= 5 - s.n;
	P->depth--;
}

static int value(struct ps *, enum role);

/*
 * A number token at P->p (JSON grammar); *isint if it has neither
 * fraction nor exponent.  The token is copied, NUL-terminated, to j->tmp.
 */
static int
numtok(struct ps *P, int *isint)
{
	const char *q = P->p, *start = P->p;

	*isint = 1;
	if (q < P->end && *q == '-')
		q++;
	if (q == P->end || *q < '0' || *q > '9')
		return perr(P, start, "expected a value");
	if (*q == '0') {
		q++;
		if (q < P->end && *q >= '0' && *q <= '9')
			return perr(P, start, "a number cannot start with 0");
	} else
		while (q < P->end && *q >= '0' && *q <= '9')
			q++;
	if (q < P->end && *q == '.') {
		*isint = 0;
		if (++q == P->end || *q < '0' || *q > '9')
			return perr(P, q, "expected a digit after '.'");
		while (q < P->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < P->end && (*q == 'e' || *q == 'E')) {
		*isint = 0;
		if (++q < P->end && (*q == '+' || *q == '-'))
			q++;
		if (q == P->end || *q < '0' || *q > '9')
			return perr(P, q, "expected a digit in the exponent");
		while (q < P->end && *q >= '0' && *q <= '9')
			q++;
	}
	buf_reset(&P->j->tmp);
	if (buf_append(&P->j->tmp, start, (size_t)(q - start)) == -1 ||
	    buf_putc(&P->j->tmp, '\0') == -1)
		return nomem(P);
	P->p = q;
	return 0;
}

/* NaN, Infinity, -Infinity at P->p: 1 and *v, or 0 if none is there. */
static int
nonfinite(struct ps *P, double *v)
{
	static const struct { const char *s; int sign; } tok[] = {
		{ "NaN", 0 }, { "Infinity", 1 }, { "-Infinity", -1 } };
	union { uint64_t u; double f; } nan = { 0x7ff8000000000000 };
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(tok[i].s);
		if ((size_t)(P->end - P->p) >= n &&
		    memcmp(P->p, tok[i].s, n) == 0) {
			P->p += n;
			*v = tok[i].sign == 0 ? nan.f :
			    tok[i].sign * HUGE_VAL;
			return 1;
		}
	}
	return 0;
}

static int
number(struct ps *P)
{
	const char *start = P->p;
	uint64_t u = 0;
	double d;
	int isint, neg;
	const char *q;

	if (numtok(P, &isint) == -1)
		return -1;
	q = P->j->tmp.p;
	if (!isint) {
		if (num_parse(q, P->j->tmp.len - 1, &d) == -1)
			return perr(P, start, "not a number");
		if (isinf(d))
			return perr(P, start, "number out of the float64 range");
		msgpack_pack_double(&P->pk, d);
		return 0;
	}
	if ((neg = *q == '-'))
		q++;
	for (; *q; q++) {
		if (u > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			return perr(P, start, "integer out of the 64-bit range");
		u = u * 10 + (uint64_t)(*q - '0');
	}
	if (!neg)
		msgpack_pack_uint64(&P->pk, u);
	else if (u > (uint64_t)INT64_MAX + 1)
		return perr(P, start, "integer out of the 64-bit range");
	else if (u == (uint64_t)INT64_MAX + 1)
		msgpack_pack_int64(&P->pk, INT64_MIN);
	else
		msgpack_pack_int64(&P->pk, -(int64_t)u);
	return 0;
}

static int
array(struct ps *P, enum role role)
{
	size_t start, i;

	if (open_gap(P, &start) == -1)
		return -1;
	P->p++;
	ws(P);
	if (P->p < P->end && *P->p == ']') {
		P->p++;
		close_gap(P, start, 0, 0);
		return 0;
	}
	for (i = 0;; i++) {
		if (value(P, child_role(role, i)) == -1)
			return -1;
		ws(P);
		if (P->p < P->end && *P->p == ',') {
			P->p++;
			continue;
		}
		if (expect(P, ']', "',' or ']'") == -1)
			return -1;
		break;
	}
	close_gap(P, start, i + 1, 0);
	return 0;
}

static int
pack_str_tmp(struct ps *P)
{
	msgpack_pack_str(&P->pk, P->j->tmp.len);
	msgpack_pack_str_body(&P->pk, P->j->tmp.p, P->j->tmp.len);
	return 0;
}

/* A JSON string of hex digits; its bytes are packed after header(). */
static int
hexstr(struct ps *P, int kind, int ext, size_t want)
{
	const char *start;
	size_t n, i;
	char *q;
	int hi, lo;

	ws(P);
	start = P->p;
	if (P->p == P->end || *P->p != '"')
		return unexpected(P, "a string of hex digits");
	if (jstring(P) == -1)
		return -1;
	if (P->j->tmp.len % 2 != 0)
		return perr(P, start, "odd number of hex digits");
	n = P->j->tmp.len / 2;
	if (want != 0 && n != want)
		return perr(P, start, "expected %zu hex digits", 2 * want);
	if (n > UINT32_MAX)
		return perr(P, start, "too long");
	switch (kind) {
	case 's': msgpack_pack_str(&P->pk, n); break;
	case 'b': msgpack_pack_bin(&P->pk, n); break;
	case 'e': msgpack_pack_ext(&P->pk, n, (int8_t)ext); break;
	}
	if (buf_reserve(P->out, n) == -1)
		return nomem(P);
	q = P->out->p + P->out->len;
	for (i = 0; i < n; i++) {
		hi = hexval(P->j->tmp.p[2 * i]);
		lo = hexval(P->j->tmp.p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return perr(P, start, "not a hex digit in \"%.*s\"",
			    2, P->j->tmp.p + 2 * i);
		q[i] = (char)(hi << 4 | lo);
	}
	P->out->len += n;
	return 0;
}

/* The bits of a float in hex ("7fc00001"), into *bits. */
static int
hexbits(struct ps *P, size_t ndig, uint64_t *bits)
{
	const char *start = P->p;
	size_t i;
	int d;

	if (jstring(P) == -1)
		return -1;
	if (P->j->tmp.len != ndig)
		return perr(P, start, "expected %zu hex digits", ndig);
	*bits = 0;
	for (i = 0; i < ndig; i++) {
		if ((d = hexval(P->j->tmp.p[i])) < 0)
			return perr(P, start, "not a hex digit");
		*bits = *bits << 4 | (uint64_t)d;
	}
	return 0;
}

static int
pack_time(struct ps *P, const char *at)
{
	int64_t sec;
	uint32_t nsec;
	const char *why;
	unsigned char b[8];
	int i;

	if (iso_parse(P->j->tmp.p, P->j->tmp.len, &sec, &nsec, &why) == -1)
		return perr(P, at, "%s", why);
	for (i = 0; i < 4; i++) {
		b[i] = (unsigned char)((uint64_t)sec >> (24 - 8 * i));
		b[4 + i] = (unsigned char)(nsec >> (24 - 8 * i));
	}
	msgpack_pack_ext(&P->pk, 8, 0);
	msgpack_pack_ext_body(&P->pk, b, 8);
	return 0;
}

/* {"$f32": x} or {"$f64": x}: a number, NaN/Infinity, or hex bits. */
static int
tag_float(struct ps *P, int single)
{
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double f; } f64;
	const char *start;
	uint64_t bits = 0;
	double d;
	int isint;

	ws(P);
	start = P->p;
	if (P->p < P->end && *P->p == '"') {
		if (hexbits(P, single ? 8 : 16, &bits) == -1)
			return -1;
		if (single) {
			f32.u = (uint32_t)bits;
			msgpack_pack_float(&P->pk, f32.f);
		} else {
			f64.u = bits;
			msgpack_pack_double(&P->pk, f64.f);
		}
		return 0;
	}
	if (nonfinite(P, &d)) {
		if (single && isnan(d)) {
			f32.u = 0x7fc00000;
			msgpack_pack_float(&P->pk, f32.f);
		} else if (single)
			msgpack_pack_float(&P->pk, (float)d);
		else
			msgpack_pack_double(&P->pk, d);
		return 0;
	}
	if (numtok(P, &isint) == -1)
		return -1;
	if (single) {
		f32.f = strtof(P->j->tmp.p, NULL);
		if (isinf(f32.f))
			return perr(P, start, "number out of the float32 range");
		msgpack_pack_float(&P->pk, f32.f);
	} else {
		if (num_parse(P->j->tmp.p, P->j->tmp.len - 1, &d) == -1)
			return perr(P, start, "not a number");
		if (isinf(d))
			return perr(P, start, "number out of the float64 range");
		msgpack_pack_double(&P->pk, d);
	}
	return 0;
}

/* {"$ext": [type, "hex"]} */
static int
tag_ext(struct ps *P)
{
	const char *start;
	long type;
	int isint;

	if (expect(P, '[', "'[' (\"$ext\": [type, \"hex\"])") == -1)
		return -1;
	ws(P);
	start = P->p;
	if (numtok(P, &isint) == -1)
		return -1;
	type = strtol(P->j->tmp.p, NULL, 10);
	if (!isint || type < -128 || type > 127 ||
	    strlen(P->j->tmp.p) > 4)
		return perr(P, start, "ext type must be an integer from "
		    "-128 to 127");
	if (expect(P, ',', "','") == -1 || hexstr(P, 'e', (int)type, 0) == -1)
		return -1;
	return expect(P, ']', "']'");
}

/* {"$map": [[key, value], ...]} */
static int
tag_map(struct ps *P)
{
	size_t start, n = 0;

	if (expect(P, '[', "'[' (\"$map\": [[key, value], ...])") == -1)
		return -1;
	if (open_gap(P, &start) == -1)
		return -1;
	ws(P);
	if (P->p < P->end && *P->p == ']')
		P->p++;
	else
		for (;;) {
			if (expect(P, '[', "'[' starting a [key, value] pair")
			    == -1 || value(P, R_NONE) == -1 ||
			    expect(P, ',', "','") == -1 ||
			    value(P, R_NONE) == -1 ||
			    expect(P, ']', "']' ending a [key, value] pair")
			    == -1)
				return -1;
			n++;
			ws(P);
			if (P->p < P->end && *P->p == ',') {
				P->p++;
				continue;
			}
			if (expect(P, ']', "',' or ']'") == -1)
				return -1;
			break;
		}
	close_gap(P, start, n, 1);
	return 0;
}

/* The value of a one-key {"$name": ...} object; P->p is past the ':'. */
static int
tag(struct ps *P, const char *name, const char *at)
{
	const char *start;

	if (strcmp(name, "$time") == 0 || strcmp(name, "$str") == 0) {
		ws(P);
		start = P->p;
		if (P->p == P->end || *P->p != '"')
			return unexpected(P, "a string");
		if (jstring(P) == -1)
			return -1;
		return name[1] == 't' ? pack_time(P, start) : pack_str_tmp(P);
	}
	if (strcmp(name, "$bin") == 0)
		return hexstr(P, 'b', 0, 0);
	if (strcmp(name, "$strhex") == 0)
		return hexstr(P, 's', 0, 0);
	if (strcmp(name, "$ext") == 0)
		return tag_ext(P);
	if (strcmp(name, "$f32") == 0)
		return tag_float(P, 1);
	if (strcmp(name, "$f64") == 0)
		return tag_float(P, 0);
	if (strcmp(name, "$map") == 0)
		return tag_map(P);
	return perr(P, at, "unknown tag \"%s\" (write a map whose first key "
	    "starts with '$' as {\"$map\":[[key,value],...]})", name);
}

static int
object(struct ps *P)
{
	char name[16];
	const char *at;
	size_t start, n;

	P->p++;
	ws(P);
	if (P->p < P->end && *P->p == '}') {
		if (open_gap(P, &start) == -1)
			return -1;
		P->p++;
		close_gap(P, start, 0, 1);
		return 0;
	}
	at = P->p;
	if (P->p == P->end || *P->p != '"')
		return unexpected(P, "a key string or '}'");
	if (jstring(P) == -1)
		return -1;
	if (P->j->tmp.len > 0 && P->j->tmp.p[0] == '$') {
		/* no tag is that long or holds a NUL */
		if (P->j->tmp.len < sizeof(name) &&
		    memchr(P->j->tmp.p, '\0', P->j->tmp.len) == NULL)
			snprintf(name, sizeof(name), "%.*s",
			    (int)P->j->tmp.len, P->j->tmp.p);
		else
			snprintf(name, sizeof(name), "%.11s...",
			    P->j->tmp.p);
		if (expect(P, ':', "':'") == -1 || tag(P, name, at) == -1)
			return -1;
		ws(P);
		if (P->p < P->end && *P->p == ',')
			return perr(P, P->p, "a \"%s\" object has one key "
			    "(write a map whose first key starts with '$' as "
			    "{\"$map\":[[key,value],...]})", name);
		return expect(P, '}', "'}'");
	}
	if (open_gap(P, &start) == -1)
		return -1;
	for (n = 1;; n++) {
		pack_str_tmp(P);
		if (expect(P, ':', "':'") == -1 || value(P, R_NONE) == -1)
			return -1;
		ws(P);
		if (P->p < P->end && *P->p == ',') {
			P->p++;
			ws(P);
			if (P->p == P->end || *P->p != '"')
				return unexpected(P, "a key string");
			if (jstring(P) == -1)
				return -1;
			continue;
		}
		if (expect(P, '}', "',' or '}'") == -1)
			return -1;
		break;
	}
	close_gap(P, start, n, 1);
	return 0;
}

static int
literal(struct ps *P, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0)
		return 0;
	P->p += n;
	return 1;
}

static int
value(struct ps *P, enum role role)
{
	const char *start;
	double d;

	ws(P);
	if (P->p == P->end)
		return perr(P, P->p, "unexpected end of line; expected a value");
	if (role == R_FIRST && *P->p != '[')
		role = R_TIME;
	switch (*P->p) {
	case '[':
		return array(P, role);
	case '{':
		return object(P);
	case '"':
		start = P->p;
		if (jstring(P) == -1)
			return -1;
		return role == R_TIME ? pack_time(P, start) : pack_str_tmp(P);
	}
	if (literal(P, "true"))
		msgpack_pack_true(&P->pk);
	else if (literal(P, "false"))
		msgpack_pack_false(&P->pk);
	else if (literal(P, "null"))
		msgpack_pack_nil(&P->pk);
	else if (nonfinite(P, &d))
		msgpack_pack_double(&P->pk, d);
	else if (*P->p == '-' || (*P->p >= '0' && *P->p <= '9'))
		return number(P);
	else
		return unexpected(P, "a value");
	return 0;
}

int
json_parse(struct json *j, struct buf *outb, const char *s, size_t n,
    int frame)
{
	struct ps P;

	P.j = j;
	P.out = outb;
	P.s = P.p = s;
	P.end = s + n;
	P.depth = 0;
	P.oom = 0;
	msgpack_packer_init(&P.pk, &P, put);
	j->err[0] = '\0';
	j->col = 0;
	if (value(&P, frame ? R_TOP : R_NONE) == -1)
		return -1;
	if (P.oom)
		return nomem(&P);
	ws(&P);
	if (P.p != P.end)
		return perr(&P, P.p, "text after the value");
	return 0;
}

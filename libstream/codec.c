/*
 * codec -- msgpack frames <-> records.
 *
 * frame_scan() walks one msgpack value's structure with a small stack of
 * remaining-item counts and checks every length against both the bytes
 * present and the frame size limit before anything is allocated: a 6-byte
 * header claiming 4 GiB is an error here, not a malloc in msgpack-c.
 * frame_decode() then fills a record straight from the bytes (strings
 * point into them, nested values stay as raw bytes); it bounds-checks every
 * read as well, so it is safe on any input.  frame_decode_msgpackc() is the
 * reference path through msgpack_unpack(); tests decode every corpus frame
 * both ways and compare.  frame_encode() writes with tmpl.h's writers,
 * frame_encode_msgpackc() with msgpack-c's packer (the reference).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "record_int.h"
#include "tmpl.h"

/* ---- scanning ----------------------------------------------------------- */

/* Big-endian loads and stores: memcpy + byte swap compile to one
 * instruction pair; a byte loop costs a dozen. */
static inline uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	switch (n) {
	case 8:
		memcpy(&v64, p, 8);
		return __builtin_bswap64(v64);
	case 4:
		memcpy(&v32, p, 4);
		return __builtin_bswap32(v32);
	case 2:
		memcpy(&v16, p, 2);
		return __builtin_bswap16(v16);
	default:
		return p[0];
	}
}

/*
 * The bits to write for a float32 value: those it was read with (v->len)
 * when it is a NaN, so that a signalling NaN and its payload pass through
 * unchanged (converting it to double and back would quiet it), else the
 * double narrowed.  A value set through the API has len 0.
 */
static inline uint32_t
f32_bits(const struct value *v)
{
	union { float f; uint32_t u; } x = { .f = (float)v->f };

	if (isnan(v->f) && (v->len & 0x7f800000u) == 0x7f800000u &&
	    (v->len & 0x007fffffu) != 0)
		return v->len;
	return x.u;
}

/*
 * Classify the header at s[0..avail): *hdr = header bytes, *payload =
 * bytes that follow it (str/bin/ext), *items = child values (array, 2 per
 * map entry).  Returns 0, 1 if more bytes are needed for the header, -1 for
 * the invalid byte 0xc1.
 */
static int
header(const unsigned char *s, size_t avail, size_t *hdr, uint64_t *payload,
    uint64_t *items)
{
	unsigned char c = s[0];
	int lb;

	*payload = 0;
	*items = 0;
	*hdr = 1;
	if (c <= 0x7f || c >= 0xe0)
		return 0;
	if (c >= 0x80 && c <= 0x8f) {
		*items = 2u * (c & 0x0f);
		return 0;
	}
	if (c >= 0x90 && c <= 0x9f) {
		*items = c & 0x0f;
		return 0;
	}
	if (c >= 0xa0 && c <= 0xbf) {
		*payload = c & 0x1f;
		return 0;
	}
	switch (c) {
	case 0xc0: case 0xc2: case 0xc3:
		return 0;
	case 0xc1:
		return -1;
	case 0xc4: case 0xc5: case 0xc6:	/* bin 8/16/32 */
	case 0xd9: case 0xda: case 0xdb:	/* str 8/16/32 */
		lb = (c == 0xc4 || c == 0xd9) ? 1 :
		    (c == 0xc5 || c == 0xda) ? 2 : 4;
		*hdr = 1 + (size_t)lb;
		if (avail < *hdr)
			return 1;
		*payload = be(s + 1, lb);
		return 0;
	case 0xc7: case 0xc8: case 0xc9:	/* ext 8/16/32 */
		lb = c == 0xc7 ? 1 : c == 0xc8 ? 2 : 4;
		*hdr = 2 + (size_t)lb;
		if (avail < *hdr)
			return 1;
		*payload = be(s + 1, lb);
		return 0;
	case 0xca: *payload = 4; return 0;
	case 0xcb: *payload = 8; return 0;
	case 0xcc: case 0xd0: *payload = 1; return 0;
	case 0xcd: case 0xd1: *payload = 2; return 0;
	case 0xce: case 0xd2: *payload = 4; return 0;
	case 0xcf: case 0xd3: *payload = 8; return 0;
	case 0xd4: *hdr = 2; *payload = 1; return avail < 2;
	case 0xd5: *hdr = 2; *payload = 2; return avail < 2;
	case 0xd6: *hdr = 2; *payload = 4; return avail < 2;
	case 0xd7: *hdr = 2; *payload = 8; return avail < 2;
	case 0xd8: *hdr = 2; *payload = 16; return avail < 2;
	case 0xdc: case 0xdd:			/* array 16/32 */
		*hdr = c == 0xdc ? 3 : 5;
		if (avail < *hdr)
			return 1;
		*items = be(s + 1, (int)*hdr - 1);
		return 0;
	case 0xde: case 0xdf:			/* map 16/32 */
		*hdr = c == 0xde ? 3 : 5;
		if (avail < *hdr)
			return 1;
		*items = 2 * be(s + 1, (int)*hdr - 1);
		return 0;
	}
	return -1;
}

/* frame_scan() of a value that sits at nesting level depth0 of its frame
 * (0 for the frame itself), so that the depth limit counts from the frame. */
static int
scan(const char *p, size_t n, size_t max, int depth0, size_t *len,
    const char **why)
{
	const unsigned char *s = (const unsigned char *)p;
	uint64_t rem[FRAME_MAX_DEPTH + 1], payload, items;
	size_t off = 0, hdr, lim = n < max ? n : max;
	int d = depth0, h;

	rem[d] = 1;
	for (;;) {
		while (rem[d] == 0)
			if (--d < depth0) {
				*len = off;
				return SCAN_OK;
			}
		if (off >= lim)
			goto short_input;
		h = header(s + off, lim - off, &hdr, &payload, &items);
		if (h == -1) {
			*len = off;
			*why = "invalid msgpack byte 0xc1";
			return SCAN_BAD;
		}
		if (h == 1)
			goto short_input;
		rem[d]--;
		if (payload > max || hdr + payload > max - off) {
			*len = off;
			*why = "frame larger than the maximum frame size";
			return SCAN_BAD;
		}
		if (items > max - off) {	/* each item is at least a byte */
			*len = off;
			*why = "container length exceeds the maximum frame size";
			return SCAN_BAD;
		}
		if (hdr + payload > n - off)
			goto short_input;
		/* an empty array or map is a level too (msgpack-c counts it):
		 * fixmap, fixarray, array 16/32, map 16/32 */
		if (items > 0 || (s[off] & 0xe0) == 0x80 ||
		    (s[off] & 0xfc) == 0xdc) {
			if (d == FRAME_MAX_DEPTH) {
				*len = off;
				*why = "nesting deeper than 32 levels";
				return SCAN_BAD;
			}
			if (items > 0)
				rem[++d] = items;
		}
		off += hdr + payload;
	}
short_input:
	if (off >= max) {
		*len = off;
		*why = "frame larger than the maximum frame size";
		return SCAN_BAD;
	}
	*len = off;
	return SCAN_MORE;
}

int
msgpack_header(const char *p, size_t n, size_t *hdr, uint64_t *payload,
    uint64_t *items)
{
	if (n == 0)
		return 1;
	return header((const unsigned char *)p, n, hdr, payload, items);
}

int
frame_scan(const char *p, size_t n, size_t max, size_t *len, const char **why)
{
	return scan(p, n, max, 0, len, why);
}

/* ---- fast decoder -------------------------------------------------------- */

struct cur {
	const unsigned char	*p, *e;
	int			 depth;	/* nesting level of the next value */
};

#define BAD(msg)	do { *why = (msg); return -1; } while (0)

/* Skip one value (any type) with the scanner's checks (depth, size). */
static int
skip(struct cur *c)
{
	const char *why;
	size_t len;

	if (scan((const char *)c->p, (size_t)(c->e - c->p), FRAME_MAX_DEFAULT,
	    c->depth, &len, &why) != SCAN_OK)
		return -1;
	c->p += len;
	return 0;
}

/* Array or map header: *count entries; returns 'a', 'm' or 0. */
static int
container(struct cur *c, uint32_t *count)
{
	unsigned char b;

	if (c->p >= c->e)
		return 0;
	b = *c->p;
	if ((b & 0xf0) == 0x90) {
		*count = b & 0x0f;
		c->p++;
		return 'a';
	}
	if ((b & 0xf0) == 0x80) {
		*count = b & 0x0f;
		c->p++;
		return 'm';
	}
	if (b == 0xdc || b == 0xde) {
		if (c->e - c->p < 3)
			return 0;
		*count = (uint32_t)be(c->p + 1, 2);
		c->p += 3;
		return b == 0xdc ? 'a' : 'm';
	}
	if (b == 0xdd || b == 0xdf) {
		if (c->e - c->p < 5)
			return 0;
		*count = (uint32_t)be(c->p + 1, 4);
		c->p += 5;
		return b == 0xdd ? 'a' : 'm';
	}
	return 0;
}

static int
read_str(struct cur *c, const char **s, uint32_t *len)
{
	unsigned char b;
	size_t h;
	uint64_t n;

	if (c->p >= c->e)
		return -1;
	b = *c->p;
	if ((b & 0xe0) == 0xa0) {
		h = 1;
		n = b & 0x1f;
	} else if (b == 0xd9 || b == 0xda || b == 0xdb) {
		h = 1 + (size_t)(b == 0xd9 ? 1 : b == 0xda ? 2 : 4);
		if ((size_t)(c->e - c->p) < h)
			return -1;
		n = be(c->p + 1, (int)h - 1);
	} else
		return -1;
	if (n > (uint64_t)(c->e - c->p) - h)
		return -1;
	*s = (const char *)c->p + h;
	*len = (uint32_t)n;
	c->p += h + n;
	return 0;
}

static int
read_value(struct cur *c, struct value *v)
{
	const unsigned char *s = c->p;
	size_t avail = (size_t)(c->e - c->p), hdr;
	uint64_t payload, items, u;
	unsigned char b;
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double f; } f64;

	if (avail == 0)
		return -1;
	b = s[0];
	v->len = 0;
	if (b <= 0x7f) {
		v->type = VAL_INT;
		v->i = b;
		c->p++;
		return 0;
	}
	if (b >= 0xe0) {
		v->type = VAL_INT;
		v->i = (int8_t)b;
		c->p++;
		return 0;
	}
	if (b == 0xcb) {
		if (avail < 9)
			return -1;
		f64.u = be(s + 1, 8);
		v->type = VAL_F64;
		v->f = f64.f;
		c->p += 9;
		return 0;
	}
	if ((b & 0xe0) == 0xa0 || b == 0xd9 || b == 0xda || b == 0xdb) {
		v->type = VAL_STR;
		return read_str(c, &v->p, &v->len);
	}
	/* unsigned ints (seq, line) and EventTime, before the general path */
	if (b == 0xcd && avail >= 3) {
		v->type = VAL_INT;
		v->i = (int64_t)be(s + 1, 2);
		c->p += 3;
		return 0;
	}
	if (b == 0xce && avail >= 5) {
		v->type = VAL_INT;
		v->i = (int64_t)be(s + 1, 4);
		c->p += 5;
		return 0;
	}
	if (b == 0xcc && avail >= 2) {
		v->type = VAL_INT;
		v->i = s[1];
		c->p += 2;
		return 0;
	}
	if (b == 0xd7 && avail >= 10 && s[1] == 0 &&
	    be(s + 6, 4) < 1000000000u) {
		v->type = VAL_TIME;
		v->i = (int64_t)be(s + 2, 4);
		v->len = (uint32_t)be(s + 6, 4);
		c->p += 10;
		return 0;
	}
	if (header(s, avail, &hdr, &payload, &items) != 0 ||
	    hdr + payload > avail)
		return -1;
	switch (b) {
	case 0xc0:
		v->type = VAL_NIL;
		v->i = 0;
		break;
	case 0xc2: case 0xc3:
		v->type = VAL_BOOL;
		v->i = b == 0xc3;
		break;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		u = be(s + 1, (int)payload);
		if (u <= INT64_MAX) {
			v->type = VAL_INT;
			v->i = (int64_t)u;
		} else {
			v->type = VAL_UINT;
			v->u = u;
		}
		break;
	case 0xd0: v->type = VAL_INT; v->i = (int8_t)s[1]; break;
	case 0xd1: v->type = VAL_INT; v->i = (int16_t)be(s + 1, 2); break;
	case 0xd2: v->type = VAL_INT; v->i = (int32_t)be(s + 1, 4); break;
	case 0xd3: v->type = VAL_INT; v->i = (int64_t)be(s + 1, 8); break;
	case 0xca:
		f32.u = (uint32_t)be(s + 1, 4);
		v->type = VAL_F32;
		v->f = f32.f;
		v->len = f32.u;		/* widening quiets a signalling NaN */
		break;
	case 0xc4: case 0xc5: case 0xc6:
		v->type = VAL_BIN;
		v->p = (const char *)s + hdr;
		v->len = (uint32_t)payload;
		break;
	case 0xd7: case 0xc7: case 0xc8: case 0xc9:
		/* EventTime: ext type 0 with 8 bytes and nsec < 1e9, in any
		 * of the ext forms (fixext 8 is the usual one) */
		if (payload == 8 && (int8_t)s[hdr - 1] == 0 &&
		    be(s + hdr + 4, 4) < 1000000000u) {
			v->type = VAL_TIME;
			v->i = (int64_t)be(s + hdr, 4);
			v->len = (uint32_t)be(s + hdr + 4, 4);
			break;
		}
		/* FALLTHROUGH */
	default:
		/* other ext, arrays and maps: keep the bytes */
		if (skip(c) == -1)
			return -1;
		v->type = VAL_RAW;
		v->p = (const char *)s;
		v->len = (uint32_t)(c->p - s);
		return 0;
	}
	c->p += hdr + payload;
	return 0;
}

/* Set r's time from a decoded value; -1 with *why if it is not a time. */
static int
set_time(struct record *r, const struct value *v, int ext, const char **why)
{
	switch (v->type) {
	case VAL_TIME:
		r->sec = v->i;
		r->nsec = v->len;
		r->ttype = TIME_EVENT;
		return 0;
	case VAL_INT:
		r->sec = v->i;
		r->nsec = 0;
		r->ttype = TIME_INT;
		return 0;
	case VAL_F64:
	case VAL_F32:
		if (!isfinite(v->f) || fabs(v->f) > 9.2e15)
			BAD("time is not a finite number of seconds");
		r->tf = v->f;
		r->sec = (int64_t)floor(v->f);
		r->nsec = (uint32_t)((v->f - floor(v->f)) * 1e9);
		if (r->nsec >= 1000000000u)
			r->nsec = 999999999u;
		r->ttype = TIME_FLOAT;
		return 0;
	default:
		if (ext)
			BAD("time: EventTime nanoseconds out of range or ext type not 0");
		BAD("time is not an EventTime, integer or float");
	}
}

static int
read_time(struct record *r, struct cur *c, const char **why)
{
	const unsigned char *start = c->p;
	struct value v;

	if (read_value(c, &v) == -1)
		BAD("time: truncated or malformed");
	return set_time(r, &v, v.type == VAL_RAW && (start[0] == 0xd7 ||
	    start[0] == 0xc7 || start[0] == 0xc8 || start[0] == 0xc9 ||
	    (start[0] >= 0xd4 && start[0] <= 0xd8)), why);
}

/*
 * One key and its value.  The common field takes no bounds check a byte:
 * with at least FIELD_FAST bytes left, a fixstr key (at most 32 bytes with
 * its header) leaves at least 16 for the value's header, enough for every
 * scalar; a string value's length is still checked.  Anything else goes
 * through read_str() and read_value().  Returns 0, 1 if the key is not a
 * string, -1 if the value is truncated or malformed.
 */
#define FIELD_FAST	48

static inline int
read_field(struct cur *c, struct field *f)
{
	const unsigned char *p = c->p;
	unsigned char b;
	uint32_t n;

	if (c->e - p < FIELD_FAST || (p[0] & 0xe0) != 0xa0) {
		if (read_str(c, &f->key, &f->klen) == -1)
			return 1;
		return read_value(c, &f->v);
	}
	n = p[0] & 0x1f;
	f->key = (const char *)p + 1;
	f->klen = n;
	p += 1 + n;
	b = p[0];
	f->v.len = 0;
	if (b == 0xcb) {
		union { uint64_t u; double f; } x = { .u = be(p + 1, 8) };

		f->v.type = VAL_F64;
		f->v.f = x.f;
		c->p = p + 9;
		return 0;
	}
	if (b <= 0x7f) {
		f->v.type = VAL_INT;
		f->v.i = b;
		c->p = p + 1;
		return 0;
	}
	if ((b & 0xe0) == 0xa0) {
		n = b & 0x1f;
		if (n >= (size_t)(c->e - p))
			return -1;
		f->v.type = VAL_STR;
		f->v.p = (const char *)p + 1;
		f->v.len = n;
		c->p = p + 1 + n;
		return 0;
	}
	if (b >= 0xcc && b <= 0xce) {
		f->v.type = VAL_INT;
		f->v.i = b == 0xcc ? p[1] : b == 0xcd ? (int64_t)be(p + 1, 2) :
		    (int64_t)be(p + 1, 4);
		c->p = p + 1 + (1u << (b - 0xcc));
		return 0;
	}
	c->p = p;
	return read_value(c, &f->v);
}

/* A map's header, checked against the bytes left, and room for its fields. */
static int
map_start(struct cur *c, struct field **fp, uint32_t *cap, uint32_t *n,
    int meta, const char **why)
{
	if (c->p < c->e && (*c->p & 0xf0) == 0x80)	/* fixmap */
		*n = *c->p++ & 0x0f;
	else if (container(c, n) != 'm')
		BAD(meta ? "meta is not a map" : "body is not a map");
	if (*n > (uint32_t)(c->e - c->p) / 2)
		BAD("map length runs past the end of the frame");
	if (*n > *cap && fields_grow(fp, cap, *n) == -1)
		BAD("out of memory");
	return 0;
}

#define FIELD_BAD(rc, meta) \
	BAD((rc) == 1 ? ((meta) ? "meta key is not a string" : \
	    "body key is not a string") : "value truncated or malformed")

/* The meta or the body map; meta fields are noted in r's members as they
 * are read.  Inlined at each call, where meta is a constant. */
static inline __attribute__((always_inline)) int
read_fields(struct record *r, struct cur *c, int meta, const char **why)
{
	struct field **fp = meta ? &r->meta : &r->body;
	uint32_t n, i;
	int rc;

	if (map_start(c, fp, meta ? &r->meta_cap : &r->body_cap, &n, meta,
	    why) == -1)
		return -1;
	/* values sit in: the frame, its header (meta only), the map */
	c->depth = meta ? 3 : 2;
	for (i = 0; i < n; i++) {
		if ((rc = read_field(c, &(*fp)[i])) != 0)
			FIELD_BAD(rc, meta);
		if (meta)
			meta_note(r, &(*fp)[i]);
	}
	if (meta)
		r->nmeta = n;
	else
		r->nbody = n;
	return 0;
}

static int
finish(struct record *r, const char **why)
{
	if (r->version > PROTO_VERSION)
		BAD("frame version is newer than this reader's (1)");
	if (r->version < 1)
		BAD("frame version is not a positive integer");
	return 0;
}

/* Decode the frame at c->p; -1 with *why on any failure (the caller
 * classifies it with frame_scan). */
static int
decode(struct record *r, struct cur *c, const char **why)
{
	uint32_t cnt, hcnt;

	record_clear(r);
	/* the usual start, [[EventTime, : 92 92 d7 00 sec nsec */
	if (c->e - c->p >= 12 && memcmp(c->p, "\x92\x92\xd7\x00", 4) == 0 &&
	    be(c->p + 8, 4) < 1000000000u) {
		r->sec = (int64_t)be(c->p + 4, 4);
		r->nsec = (uint32_t)be(c->p + 8, 4);
		c->p += 12;
		if (read_fields(r, c, 1, why) == -1)
			return -1;
		goto body;
	}
	if (container(c, &cnt) != 'a' || cnt != 2)
		BAD("frame is not a 2-element array [[time, meta], body]");
	if (c->p < c->e && (*c->p & 0xf0) == 0x90) {
		if (container(c, &hcnt) != 'a' || hcnt != 2)
			BAD("frame header is not a 2-element array [time, meta]");
		c->depth = 2;
		if (read_time(r, c, why) == -1)
			return -1;
		if (read_fields(r, c, 1, why) == -1)
			return -1;
	} else {
		/* Fluent Bit's older [time, body] */
		c->depth = 1;
		if (read_time(r, c, why) == -1)
			return -1;
		r->legacy = 1;
	}
body:
	if (read_fields(r, c, 0, why) == -1)
		return -1;
	return finish(r, why);
}

int
frame_decode_next(struct record *r, const char *p, size_t n, size_t max,
    size_t *len, const char **why)
{
	struct cur c = { (const unsigned char *)p, (const unsigned char *)p +
	    (n < max ? n : max), 0 };
	const char *dwhy = NULL;
	int s;

	if (decode(r, &c, &dwhy) == 0) {
		*len = (size_t)(c.p - (const unsigned char *)p);
		return FRAME_OK;
	}
	/* slow path: truncated, malformed, too big, or not a frame? */
	s = frame_scan(p, n, max, len, why);
	if (s == SCAN_MORE)
		return FRAME_MORE;
	if (s == SCAN_BAD)
		return FRAME_BAD;
	*why = dwhy;
	return FRAME_SKIP;
}

int
frame_decode(struct record *r, const char *p, size_t n, const char **why)
{
	struct cur c = { (const unsigned char *)p, (const unsigned char *)p + n,
	    0 };

	if (decode(r, &c, why) == -1)
		return -1;
	if (c.p != c.e)
		BAD("bytes left over after the frame");
	return 0;
}

/* ---- reference decoder through msgpack-c -------------------------------- */

static int
obj_value(const msgpack_object *o, struct value *v, msgpack_zone *z,
    struct buf *scratch)
{
	msgpack_packer pk;
	char *mem;

	v->len = 0;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		v->type = VAL_NIL;
		v->i = 0;
		return 0;
	case MSGPACK_OBJECT_BOOLEAN:
		v->type = VAL_BOOL;
		v->i = o->via.boolean;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*v = val_u64(o->via.u64);
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*v = val_i64(o->via.i64);
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
		v->type = VAL_F32;
		v->f = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_FLOAT64:
		v->type = VAL_F64;
		v->f = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_STR:
		/* msgpack-c gives NULL for "", which means "absent" here */
		*v = val_str(o->via.str.size ? o->via.str.ptr : "",
		    o->via.str.size);
		return 0;
	case MSGPACK_OBJECT_BIN:
		v->type = VAL_BIN;
		v->p = o->via.bin.size ? o->via.bin.ptr : "";
		v->len = o->via.bin.size;
		return 0;
	case MSGPACK_OBJECT_EXT:
		if (o->via.ext.type == 0 && o->via.ext.size == 8 &&
		    be((const unsigned char *)o->via.ext.ptr + 4, 4) <
		    1000000000u) {
			*v = val_time((int64_t)be((const unsigned char *)
			    o->via.ext.ptr, 4), (uint32_t)be((const unsigned
			    char *)o->via.ext.ptr + 4, 4));
			return 0;
		}
		/* FALLTHROUGH */
	default:
		buf_reset(scratch);
		frame_packer_init(&pk, scratch);
		if (msgpack_pack_object(&pk, *o) != 0)
			return -1;
		if ((mem = msgpack_zone_malloc(z, scratch->len ? scratch->len :
		    1)) == NULL)
			return -1;
		memcpy(mem, scratch->p, scratch->len);
		v->type = VAL_RAW;
		v->p = mem;
		v->len = (uint32_t)scratch->len;
		return 0;
	}
}

static int
obj_time(struct record *r, const msgpack_object *o, msgpack_zone *z,
    struct buf *scratch, const char **why)
{
	struct value v;

	if (obj_value(o, &v, z, scratch) == -1)
		BAD("out of memory");
	return set_time(r, &v, o->type == MSGPACK_OBJECT_EXT, why);
}

static int
obj_map(const msgpack_object *o, struct field **fp, uint32_t *cap,
    uint32_t *np, const char *what, msgpack_zone *z, struct buf *scratch,
    const char **why)
{
	const msgpack_object_kv *kv;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_MAP)
		BAD(what[0] == 'm' ? "meta is not a map" : "body is not a map");
	if (fields_grow(fp, cap, o->via.map.size) == -1)
		BAD("out of memory");
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			BAD(what[0] == 'm' ? "meta key is not a string" :
			    "body key is not a string");
		(*fp)[i].key = kv->key.via.str.size ? kv->key.via.str.ptr : "";
		(*fp)[i].klen = kv->key.via.str.size;
		if (obj_value(&kv->val, &(*fp)[i].v, z, scratch) == -1)
			BAD("out of memory");
	}
	*np = o->via.map.size;
	return 0;
}

int
frame_decode_msgpackc(struct record *r, const char *p, size_t n,
    msgpack_zone *z, struct buf *scratch, const char **why)
{
	msgpack_object o;
	const msgpack_object *h;
	size_t off = 0;
	uint32_t i;
	int ret;

	record_clear(r);
	msgpack_zone_clear(z);
	ret = msgpack_unpack(p, n, &off, z, &o);
	if (ret == MSGPACK_UNPACK_EXTRA_BYTES)
		BAD("bytes left over after the frame");
	if (ret != MSGPACK_UNPACK_SUCCESS)
		BAD("malformed msgpack");
	if (o.type != MSGPACK_OBJECT_ARRAY || o.via.array.size != 2)
		BAD("frame is not a 2-element array [[time, meta], body]");
	h = &o.via.array.ptr[0];
	if (h->type == MSGPACK_OBJECT_ARRAY) {
		if (h->via.array.size != 2)
			BAD("frame header is not a 2-element array [time, meta]");
		if (obj_time(r, &h->via.array.ptr[0], z, scratch, why) == -1)
			return -1;
		if (obj_map(&h->via.array.ptr[1], &r->meta, &r->meta_cap,
		    &r->nmeta, "meta", z, scratch, why) == -1)
			return -1;
	} else {
		if (obj_time(r, h, z, scratch, why) == -1)
			return -1;
		r->legacy = 1;
	}
	if (obj_map(&o.via.array.ptr[1], &r->body, &r->body_cap, &r->nbody,
	    "body", z, scratch, why) == -1)
		return -1;
	for (i = 0; i < r->nmeta; i++)
		meta_note(r, &r->meta[i]);
	return finish(r, why);
}

/* ---- encoder ------------------------------------------------------------- */

static int
buf_write_cb(void *data, const char *p, size_t n)
{
	return buf_append(data, p, n);
}

void
frame_packer_init(msgpack_packer *pk, struct buf *b)
{
	msgpack_packer_init(pk, b, buf_write_cb);
}

static void
pack_time(msgpack_packer *pk, int64_t sec, uint32_t nsec)
{
	unsigned char t[8];
	uint32_t s = (uint32_t)sec;

	t[0] = s >> 24; t[1] = s >> 16; t[2] = s >> 8; t[3] = s;
	t[4] = nsec >> 24; t[5] = nsec >> 16; t[6] = nsec >> 8; t[7] = nsec;
	msgpack_pack_ext(pk, 8, 0);
	msgpack_pack_ext_body(pk, t, 8);
}

void
frame_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
frame_pack_time(msgpack_packer *pk, int64_t sec, uint32_t nsec)
{
	if (sec < 0 || sec > (int64_t)UINT32_MAX)
		msgpack_pack_double(pk, (double)sec + nsec * 1e-9);
	else
		pack_time(pk, sec, nsec);
}

static void
pack_value(msgpack_packer *pk, const struct value *v)
{
	union { uint32_t u; float f; } f32;

	switch (v->type) {
	case VAL_NIL:
		msgpack_pack_nil(pk);
		break;
	case VAL_BOOL:
		if (v->i)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case VAL_INT:
		msgpack_pack_int64(pk, v->i);
		break;
	case VAL_UINT:
		msgpack_pack_uint64(pk, v->u);
		break;
	case VAL_F64:
		msgpack_pack_double(pk, v->f);
		break;
	case VAL_F32:
		f32.u = f32_bits(v);
		msgpack_pack_float(pk, f32.f);
		break;
	case VAL_STR:
		msgpack_pack_str(pk, v->len);
		msgpack_pack_str_body(pk, v->p, v->len);
		break;
	case VAL_BIN:
		msgpack_pack_bin(pk, v->len);
		msgpack_pack_bin_body(pk, v->p, v->len);
		break;
	case VAL_RAW:
		pk->callback(pk->data, v->p, v->len);
		break;
	case VAL_TIME:
		pack_time(pk, v->i, v->len);
		break;
	}
}

static void
pack_map(msgpack_packer *pk, const struct field *f, uint32_t n)
{
	uint32_t i;

	msgpack_pack_map(pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_str(pk, f[i].klen);
		msgpack_pack_str_body(pk, f[i].key, f[i].klen);
		pack_value(pk, &f[i].v);
	}
}

struct enc {
	struct buf	*b;
	int		 failed;
};

static int
enc_write_cb(void *data, const char *p, size_t n)
{
	struct enc *e = data;

	if (buf_append(e->b, p, n) == -1) {
		e->failed = 1;
		return -1;
	}
	return 0;
}

int
frame_encode_msgpackc(struct buf *b, const struct record *r)
{
	msgpack_packer pk;
	struct enc e = { b, 0 };
	size_t start = b->len;
	int ttype = r->ttype;

	/* one reservation covers a typical frame: callbacks then only copy */
	if (buf_reserve(b, 64 + 24 * (size_t)(r->nmeta + r->nbody)) == -1)
		return -1;
	/* EventTime holds 1970..2106: outside that, send float seconds */
	if (ttype == TIME_EVENT && (r->sec < 0 || r->sec > UINT32_MAX))
		ttype = -1;
	msgpack_packer_init(&pk, &e, enc_write_cb);
	msgpack_pack_array(&pk, 2);
	if (!r->legacy)
		msgpack_pack_array(&pk, 2);
	switch (ttype) {
	case TIME_INT:
		msgpack_pack_int64(&pk, r->sec);
		break;
	case TIME_FLOAT:
		msgpack_pack_double(&pk, r->tf);
		break;
	case -1:
		msgpack_pack_double(&pk, (double)r->sec + r->nsec * 1e-9);
		break;
	default:
		pack_time(&pk, r->sec, r->nsec);
		break;
	}
	if (!r->legacy)
		pack_map(&pk, r->meta, r->nmeta);
	pack_map(&pk, r->body, r->nbody);
	if (e.failed) {
		b->len = start;
		return -1;
	}
	return 0;
}

/*
 * The fast encoder: the same bytes as frame_encode_msgpackc() (tests check
 * it), written with tmpl.h's writers straight into a buffer reserved once
 * for the frame's largest possible size, instead of a callback and a copy
 * per msgpack item.
 */
static char *
put_value(char *o, const struct value *v)
{
	switch (v->type) {
	case VAL_F64:
		return tmpl_put_f64(o, v->f);
	case VAL_INT:
		return tmpl_put_int(o, v->i);
	case VAL_STR:
		return tmpl_put_str(o, v->p, v->len);
	case VAL_NIL:
		return tmpl_put_nil(o);
	case VAL_BOOL:
		return tmpl_put_bool(o, v->i != 0);
	case VAL_UINT:
		return tmpl_put_uint(o, v->u);
	case VAL_F32:
		*o++ = (char)0xca;
		return tmpl_be32(o, f32_bits(v));
	case VAL_BIN:
		if (v->len <= 0xff) {
			*o++ = (char)0xc4;
			*o++ = (char)v->len;
		} else if (v->len <= 0xffff) {
			*o++ = (char)0xc5;
			o = tmpl_be16(o, (uint16_t)v->len);
		} else {
			*o++ = (char)0xc6;
			o = tmpl_be32(o, v->len);
		}
		memcpy(o, v->p, v->len);
		return o + v->len;
	case VAL_RAW:
		memcpy(o, v->p, v->len);
		return o + v->len;
	case VAL_TIME:
		return tmpl_put_time(o, v->i, v->len);
	}
	return o;
}

/* Bytes the fields can take at most: 15 a field for the key's and the
 * value's headers and a scalar value, plus the key and string bytes. */
static inline size_t
fields_bound(const struct field *f, uint32_t n)
{
	size_t sz = 5 + (size_t)n * 15;
	uint32_t i;

	for (i = 0; i < n; i++) {
		sz += f[i].klen;
		if ((unsigned)(f[i].v.type - VAL_STR) <= VAL_RAW - VAL_STR)
			sz += f[i].v.len;
	}
	return sz;
}

/* The common value types first, without the jump table. */
static inline char *
put_map(char *o, const struct field *f, uint32_t n)
{
	const struct field *end;

	o = tmpl_put_map(o, n);
	if (n == 0)		/* f may be NULL: no f + 0 */
		return o;
	for (end = f + n; f < end; f++) {
		o = tmpl_put_str(o, f->key, f->klen);
		if (f->v.type == VAL_F64)
			o = tmpl_put_f64(o, f->v.f);
		else if (f->v.type == VAL_STR)
			o = tmpl_put_str(o, f->v.p, f->v.len);
		else if (f->v.type == VAL_INT && (uint64_t)f->v.i < 128)
			*o++ = (char)f->v.i;
		else
			o = put_value(o, &f->v);
	}
	return o;
}

int
frame_encode(struct buf *b, const struct record *r)
{
	char *o;
	size_t bound;

	bound = 16 + fields_bound(r->meta, r->nmeta) +
	    fields_bound(r->body, r->nbody);
	if (buf_reserve(b, bound) == -1)
		return -1;
	o = b->p + b->len;
	*o++ = (char)0x92;
	if (!r->legacy)
		*o++ = (char)0x92;
	if (r->ttype == TIME_INT)
		o = tmpl_put_int(o, r->sec);
	else if (r->ttype == TIME_FLOAT)
		o = tmpl_put_f64(o, r->tf);
	else
		o = tmpl_put_ts(o, r->sec, r->nsec);
	if (!r->legacy)
		o = put_map(o, r->meta, r->nmeta);
	o = put_map(o, r->body, r->nbody);
	b->len = (size_t)(o - b->p);
	return 0;
}

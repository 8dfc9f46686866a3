/*
 * batch -- build, seal and check batches; encode and decode acks
 * (batch.h, docs/protocol.md "Batches").  The header is packed with
 * msgpack-c's packer in a fixed key order and read back with msgpack-c's
 * object tree: a batch is sealed or checked once per hundreds of frames, so
 * neither path is hot.  The frames' own bytes are never re-encoded: what
 * was read is what is stored, hashed and delivered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>
#include <sodium.h>

#include "batch.h"
#include "codec.h"
#include "prog.h"

static int
time_before(int64_t as, uint32_t ans, int64_t bs, uint32_t bns)
{
	return as < bs || (as == bs && ans < bns);
}

int
batch_add(struct batch_builder *b, const char *p, size_t n, int64_t sec,
    uint32_t nsec, const char *dev, size_t dlen)
{
	const char *d = dev ? dev : "";
	size_t off;
	uint32_t i;

	if (dev == NULL)
		dlen = 0;
	else if (memchr(d, '\0', dlen) != NULL)
		dlen = strlen(d);	/* a NUL in a dev: names end there */
	/* the device list: a few devices per uploader, so a linear scan */
	for (i = 0, off = 0; i < b->ndevs; i++) {
		size_t l = strlen(b->devs.p + off);
		if (l == dlen && memcmp(b->devs.p + off, d, dlen) == 0)
			break;
		off += l + 1;
	}
	if (i == b->ndevs) {
		if (b->ndevs == BATCH_DEVS_MAX) {
			errno = E2BIG;
			return -1;
		}
		if (buf_reserve(&b->devs, dlen + 1) == -1)
			return -1;
		memcpy(b->devs.p + b->devs.len, d, dlen);
		b->devs.p[b->devs.len + dlen] = '\0';
		b->devs.len += dlen + 1;
		b->ndevs++;
	}
	if (buf_append(&b->frames, p, n) == -1)
		return -1;
	if (b->count == 0) {
		b->from_s = b->to_s = sec;
		b->from_ns = b->to_ns = nsec;
		b->opened = prog_now();
	} else {
		if (time_before(sec, nsec, b->from_s, b->from_ns)) {
			b->from_s = sec;
			b->from_ns = nsec;
		}
		if (time_before(b->to_s, b->to_ns, sec, nsec)) {
			b->to_s = sec;
			b->to_ns = nsec;
		}
	}
	b->count++;
	return 0;
}

static void
pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void
pack_head(msgpack_packer *pk, const char *kind)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 2);
	frame_pack_time(pk, now.tv_sec, (uint32_t)now.tv_nsec);
	msgpack_pack_map(pk, 2);
	pack_str(pk, "v", 1);
	msgpack_pack_int(pk, PROTO_VERSION);
	pack_str(pk, "kind", 4);
	pack_str(pk, kind, strlen(kind));
}

int
batch_seal(struct batch_builder *b, struct buf *out, uint8_t id[BATCH_ID_LEN])
{
	msgpack_packer pk;
	uint8_t sha[BATCH_SHA_LEN];
	size_t off, l;
	uint32_t i;

	randombytes_buf(id, BATCH_ID_LEN);
	crypto_hash_sha256(sha, (const unsigned char *)b->frames.p,
	    b->frames.len);
	if (buf_reserve(out, 128 + b->devs.len + 5 * b->ndevs +
	    b->frames.len) == -1)
		return -1;
	frame_packer_init(&pk, out);
	pack_head(&pk, "batch");
	msgpack_pack_map(&pk, 7);
	pack_str(&pk, "id", 2);
	msgpack_pack_bin(&pk, BATCH_ID_LEN);
	msgpack_pack_bin_body(&pk, id, BATCH_ID_LEN);
	pack_str(&pk, "count", 5);
	msgpack_pack_uint64(&pk, b->count);
	pack_str(&pk, "bytes", 5);
	msgpack_pack_uint64(&pk, b->frames.len);
	pack_str(&pk, "from", 4);
	frame_pack_time(&pk, b->from_s, b->from_ns);
	pack_str(&pk, "to", 2);
	frame_pack_time(&pk, b->to_s, b->to_ns);
	pack_str(&pk, "devs", 4);
	msgpack_pack_array(&pk, b->ndevs);
	for (i = 0, off = 0; i < b->ndevs; i++) {
		l = strlen(b->devs.p + off);
		pack_str(&pk, b->devs.p + off, l);
		off += l + 1;
	}
	pack_str(&pk, "sha256", 6);
	msgpack_pack_bin(&pk, BATCH_SHA_LEN);
	msgpack_pack_bin_body(&pk, sha, BATCH_SHA_LEN);
	/* the packer's callback reports ENOMEM only through a short buffer */
	if (buf_append(out, b->frames.p, b->frames.len) == -1)
		return -1;
	buf_reset(&b->frames);
	buf_reset(&b->devs);
	b->count = 0;
	b->ndevs = 0;
	return 0;
}

void
batch_builder_free(struct batch_builder *b)
{
	buf_free(&b->frames);
	buf_free(&b->devs);
	b->count = 0;
	b->ndevs = 0;
}

static int
key_is(const msgpack_object *k, const char *s)
{
	size_t n = strlen(s);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	    memcmp(k->via.str.ptr, s, n) == 0;
}

static int
obj_time(const msgpack_object *o, int64_t *s, uint32_t *ns)
{
	const unsigned char *t;
	double f;

	if (o->type == MSGPACK_OBJECT_EXT && o->via.ext.type == 0 &&
	    o->via.ext.size == 8) {
		t = (const unsigned char *)o->via.ext.ptr;
		*s = (int64_t)((uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 |
		    (uint32_t)t[2] << 8 | t[3]);
		*ns = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 |
		    (uint32_t)t[6] << 8 | t[7];
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_FLOAT64 ||
	    o->type == MSGPACK_OBJECT_FLOAT32) {
		f = o->via.f64;
		*s = (int64_t)f;
		*ns = (uint32_t)((f - (double)*s) * 1e9);
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*s = (int64_t)o->via.u64;
		*ns = 0;
		return 0;
	}
	return -1;
}

/* The frame [[time, meta], body] at p whose meta kind is `kind`: its
 * body map, or NULL.  u holds the tree. */
static const msgpack_object *
head_body(msgpack_unpacked *u, const char *p, size_t n, size_t *len,
    const char *kind)
{
	const msgpack_object *o, *hdr, *meta;
	size_t off = 0;
	uint32_t i;
	int found = 0;

	if (msgpack_unpack_next(u, p, n, &off) != MSGPACK_UNPACK_SUCCESS)
		return NULL;
	*len = off;
	o = &u->data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2)
		return NULL;
	hdr = &o->via.array.ptr[0];
	if (hdr->type != MSGPACK_OBJECT_ARRAY || hdr->via.array.size != 2)
		return NULL;
	meta = &hdr->via.array.ptr[1];
	if (meta->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < meta->via.map.size; i++)
		if (key_is(&meta->via.map.ptr[i].key, "kind") &&
		    key_is(&meta->via.map.ptr[i].val, kind))
			found = 1;
	o = &o->via.array.ptr[1];
	if (!found || o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	return o;
}

/*
 * The encoded value of body key `key` in the frame p[0..n) (already
 * scanned whole): walks [[time, meta], body] with frame_scan().
 */
static int
find_value(const char *p, size_t n, const char *key, const char **vp,
    size_t *vlen)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t off = 2, len, klen = strlen(key);
	uint32_t i, pairs;
	const char *why;

	if (n < 3 || u[0] != 0x92 || u[1] != 0x92)
		return -1;
	/* time, meta */
	for (i = 0; i < 2; i++) {
		if (frame_scan(p + off, n - off, n, &len, &why) != SCAN_OK)
			return -1;
		off += len;
	}
	if (off >= n)
		return -1;
	if ((u[off] & 0xf0) == 0x80) {
		pairs = u[off] & 0x0f;
		off++;
	} else if (u[off] == 0xde && off + 3 <= n) {
		pairs = (uint32_t)u[off + 1] << 8 | u[off + 2];
		off += 3;
	} else
		return -1;
	for (i = 0; i < pairs; i++) {
		if (frame_scan(p + off, n - off, n, &len, &why) != SCAN_OK)
			return -1;
		int hit = len == klen + 1 && u[off] == (0xa0 | klen) &&
		    memcmp(p + off + 1, key, klen) == 0;
		off += len;
		if (frame_scan(p + off, n - off, n, &len, &why) != SCAN_OK)
			return -1;
		if (hit) {
			*vp = p + off;
			*vlen = len;
			return 0;
		}
		off += len;
	}
	return -1;
}

#define BAD(...)	do { snprintf(err, errlen, __VA_ARGS__); goto out; } \
			    while (0)

int
batch_check(const char *p, size_t n, struct batch_info *bi, char *err,
    size_t errlen)
{
	msgpack_unpacked u;
	const msgpack_object *body, *k, *v;
	uint8_t sha[BATCH_SHA_LEN];
	size_t hlen, off, len, first;
	uint64_t count;
	uint32_t i, have = 0;
	const char *why;
	int ret = -1, sc;

	memset(bi, 0, sizeof(*bi));
	msgpack_unpacked_init(&u);
	if (frame_scan(p, n, n, &hlen, &why) != SCAN_OK)
		BAD("header: not a whole msgpack value");
	if ((body = head_body(&u, p, hlen, &hlen, "batch")) == NULL)
		BAD("header: not a frame of kind batch");
	for (i = 0; i < body->via.map.size; i++) {
		k = &body->via.map.ptr[i].key;
		v = &body->via.map.ptr[i].val;
		if (key_is(k, "id") && v->type == MSGPACK_OBJECT_BIN &&
		    v->via.bin.size == BATCH_ID_LEN) {
			memcpy(bi->id, v->via.bin.ptr, BATCH_ID_LEN);
			have |= 1;
		} else if (key_is(k, "sha256") &&
		    v->type == MSGPACK_OBJECT_BIN &&
		    v->via.bin.size == BATCH_SHA_LEN) {
			memcpy(bi->sha, v->via.bin.ptr, BATCH_SHA_LEN);
			have |= 2;
		} else if (key_is(k, "count") &&
		    v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			bi->count = v->via.u64;
			have |= 4;
		} else if (key_is(k, "bytes") &&
		    v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			bi->bytes = v->via.u64;
			have |= 8;
		} else if (key_is(k, "from") &&
		    obj_time(v, &bi->from_s, &bi->from_ns) == 0)
			have |= 16;
		else if (key_is(k, "to") &&
		    obj_time(v, &bi->to_s, &bi->to_ns) == 0)
			have |= 32;
		else if (key_is(k, "devs") &&
		    v->type == MSGPACK_OBJECT_ARRAY)
			have |= 64;
	}
	if (have != 127)
		BAD("header: a field is missing or of the wrong type (id, "
		    "count, bytes, from, to, devs, sha256)");
	/* devs: find the array's bytes in p by scanning the header again */
	for (i = 0; i < body->via.map.size; i++) {
		v = &body->via.map.ptr[i].val;
		if (!key_is(&body->via.map.ptr[i].key, "devs"))
			continue;
		bi->ndevs = v->via.array.size;
		for (uint32_t j = 0; j < bi->ndevs; j++)
			if (v->via.array.ptr[j].type != MSGPACK_OBJECT_STR)
				BAD("header: devs: device %u is not a string",
				    j);
	}
	if (find_value(p, hlen, "devs", &bi->devs, &bi->devs_len) == -1)
		BAD("header: devs: not found where the map has it");
	bi->hdr_len = hlen;
	if (n - hlen != bi->bytes)
		BAD("frames: %zu bytes after the header, the header says "
		    "%llu", n - hlen, (unsigned long long)bi->bytes);
	crypto_hash_sha256(sha, (const unsigned char *)p + hlen, n - hlen);
	if (memcmp(sha, bi->sha, BATCH_SHA_LEN) != 0)
		BAD("frames: SHA-256 does not match the header's");
	for (off = hlen, count = 0; off < n; off += len, count++) {
		first = off;
		if ((sc = frame_scan(p + off, n - off, n - off, &len,
		    &why)) != SCAN_OK)
			BAD("frames: frame %llu at byte %zu: %s",
			    (unsigned long long)count + 1, first,
			    sc == SCAN_MORE ? "truncated" : why);
	}
	if (count != bi->count)
		BAD("frames: %llu frames, the header says %llu",
		    (unsigned long long)count, (unsigned long long)bi->count);
	ret = 0;
out:
	msgpack_unpacked_destroy(&u);
	return ret;
}

int
batch_dev(const struct batch_info *bi, uint32_t i, const char **s,
    size_t *len)
{
	msgpack_unpacked u;
	size_t off = 0;
	int ret = -1;

	if (i >= bi->ndevs)
		return -1;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, bi->devs, bi->devs_len, &off) ==
	    MSGPACK_UNPACK_SUCCESS && u.data.type == MSGPACK_OBJECT_ARRAY &&
	    i < u.data.via.array.size &&
	    u.data.via.array.ptr[i].type == MSGPACK_OBJECT_STR) {
		/* str objects point into the input bytes (no copy) */
		*s = u.data.via.array.ptr[i].via.str.ptr;
		*len = u.data.via.array.ptr[i].via.str.size;
		ret = 0;
	}
	msgpack_unpacked_destroy(&u);
	return ret;
}

void
batch_hex(const uint8_t id[BATCH_ID_LEN], char hex[BATCH_HEX_LEN + 1])
{
	static const char d[] = "0123456789abcdef";
	int i;

	for (i = 0; i < BATCH_ID_LEN; i++) {
		hex[2 * i] = d[id[i] >> 4];
		hex[2 * i + 1] = d[id[i] & 15];
	}
	hex[BATCH_HEX_LEN] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
batch_unhex(const char *s, uint8_t id[BATCH_ID_LEN])
{
	int i, h, l;

	for (i = 0; i < BATCH_ID_LEN; i++) {
		if ((h = hexval(s[2 * i])) < 0 || (l = hexval(s[2 * i + 1])) < 0)
			return -1;
		id[i] = (uint8_t)(h << 4 | l);
	}
	return 0;
}

static const char *const ack_names[] = { "stored", "duplicate", "refused" };

int
batch_ack_encode(struct buf *out, const uint8_t id[BATCH_ID_LEN],
    enum ack_status st, const char *reason)
{
	msgpack_packer pk;
	size_t before = out->len;

	if (buf_reserve(out, 96 + (reason ? strlen(reason) : 0)) == -1)
		return -1;
	frame_packer_init(&pk, out);
	pack_head(&pk, "ack");
	msgpack_pack_map(&pk, reason ? 3 : 2);
	pack_str(&pk, "id", 2);
	msgpack_pack_bin(&pk, BATCH_ID_LEN);
	msgpack_pack_bin_body(&pk, id, BATCH_ID_LEN);
	pack_str(&pk, "status", 6);
	pack_str(&pk, ack_names[st], strlen(ack_names[st]));
	if (reason) {
		pack_str(&pk, "reason", 6);
		pack_str(&pk, reason, strlen(reason));
	}
	return out->len > before ? 0 : -1;
}

int
batch_ack_decode(const char *p, size_t n, uint8_t id[BATCH_ID_LEN],
    enum ack_status *st, const char **reason, size_t *rlen)
{
	msgpack_unpacked u;
	const msgpack_object *body, *k, *v;
	size_t len;
	uint32_t i;
	int have = 0, s;
	const char *why;

	*reason = NULL;
	*rlen = 0;
	if (frame_scan(p, n, n, &len, &why) != SCAN_OK || len != n)
		return -1;
	msgpack_unpacked_init(&u);
	if ((body = head_body(&u, p, n, &len, "ack")) == NULL)
		goto bad;
	for (i = 0; i < body->via.map.size; i++) {
		k = &body->via.map.ptr[i].key;
		v = &body->via.map.ptr[i].val;
		if (key_is(k, "id") && v->type == MSGPACK_OBJECT_BIN &&
		    v->via.bin.size == BATCH_ID_LEN) {
			memcpy(id, v->via.bin.ptr, BATCH_ID_LEN);
			have |= 1;
		} else if (key_is(k, "status")) {
			for (s = 0; s < 3; s++)
				if (key_is(v, ack_names[s])) {
					*st = (enum ack_status)s;
					have |= 2;
				}
		} else if (key_is(k, "reason") &&
		    v->type == MSGPACK_OBJECT_STR) {
			*reason = v->via.str.ptr;
			*rlen = v->via.str.size;
		}
	}
	if (have != 3)
		goto bad;
	msgpack_unpacked_destroy(&u);
	return 0;
bad:
	msgpack_unpacked_destroy(&u);
	return -1;
}

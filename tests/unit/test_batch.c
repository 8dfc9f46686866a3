/*
 * test_batch -- batches (libstream/batch.h): a sealed batch checks, its
 * header says what it holds, every damage is caught (a flipped byte
 * anywhere, a cut anywhere, a frame too many); acks round-trip; the
 * durable writer replaces whole files.  The SHA-256 is compared with
 * OpenSSL's command line in tests/e2e/upload_batch.sh, not here.
 */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "batch.h"
#include "codec.h"
#include "durable.h"

static void
frame(struct record *r, struct buf *b, const char *dev, int64_t sec,
    uint64_t seq)
{
	record_clear(r);
	record_set_time(r, sec, 7);
	record_set_kind(r, KIND_SAMPLE);
	record_set_dev(r, dev, strlen(dev));
	record_set_seq(r, seq);
	record_add_f64(r, "x", (double)seq * 0.5);
	buf_reset(b);
	assert_int_equal(frame_encode(b, r), 0);
}

/* 10 frames of devices a, b, c; times 100..109 shuffled */
static void
build(struct buf *out, uint8_t id[BATCH_ID_LEN], struct buf *frames)
{
	static const int t[10] = { 105, 101, 109, 100, 103, 102, 108, 104,
	    106, 107 };
	static const char *const d[3] = { "a", "b", "c" };
	struct batch_builder b = BATCH_BUILDER_INIT;
	struct record *r = record_new();
	struct buf f = BUF_INIT;
	int i;

	for (i = 0; i < 10; i++) {
		frame(r, &f, d[i % 3], t[i], (uint64_t)i);
		assert_int_equal(batch_add(&b, f.p, f.len, r->sec, r->nsec, r->dev, r->dev_len), 0);
		if (frames)
			buf_append(frames, f.p, f.len);
	}
	assert_int_equal(b.count, 10);
	assert_int_equal(b.ndevs, 3);
	assert_int_equal(batch_seal(&b, out, id), 0);
	assert_int_equal(b.count, 0);
	batch_builder_free(&b);
	buf_free(&f);
	record_free(&r);
}

static void
test_seal_check(void **state)
{
	struct buf out = BUF_INIT, frames = BUF_INIT;
	struct batch_info bi;
	uint8_t id[BATCH_ID_LEN], id2[BATCH_ID_LEN];
	char err[256], hex[BATCH_HEX_LEN + 1];
	const char *s;
	size_t n;

	(void)state;
	build(&out, id, &frames);
	assert_int_equal(batch_check(out.p, out.len, &bi, err, sizeof(err)), 0);
	assert_memory_equal(bi.id, id, BATCH_ID_LEN);
	assert_int_equal(bi.count, 10);
	assert_int_equal(bi.bytes, frames.len);
	assert_int_equal(bi.from_s, 100);
	assert_int_equal(bi.to_s, 109);
	assert_int_equal(bi.from_ns, 7);
	assert_int_equal(bi.ndevs, 3);
	assert_int_equal(batch_dev(&bi, 1, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(s, "b", 1);
	assert_int_equal(batch_dev(&bi, 3, &s, &n), -1);
	/* the frames follow the header, byte for byte */
	assert_int_equal(out.len - bi.hdr_len, frames.len);
	assert_memory_equal(out.p + bi.hdr_len, frames.p, frames.len);
	/* the ids of two batches differ; hex round-trips */
	buf_reset(&out);
	build(&out, id2, NULL);
	assert_memory_not_equal(id, id2, BATCH_ID_LEN);
	batch_hex(id, hex);
	assert_int_equal(strlen(hex), 32);
	assert_int_equal(batch_unhex(hex, id2), 0);
	assert_memory_equal(id, id2, BATCH_ID_LEN);
	hex[5] = 'g';
	assert_int_equal(batch_unhex(hex, id2), -1);
	buf_free(&out);
	buf_free(&frames);
}

/* Every single flipped bit and every cut is refused (or, for a bit in
 * the header's own time, harmless: the header time is not checked). */
static void
test_damage(void **state)
{
	struct buf out = BUF_INIT;
	struct batch_info bi;
	uint8_t id[BATCH_ID_LEN];
	char err[256];
	size_t i, hdr, refused = 0;
	int bit;

	(void)state;
	build(&out, id, NULL);
	assert_int_equal(batch_check(out.p, out.len, &bi, err, sizeof(err)), 0);
	hdr = bi.hdr_len;
	for (i = hdr; i < out.len; i++)
		for (bit = 0; bit < 8; bit++) {
			out.p[i] ^= (char)(1 << bit);
			if (batch_check(out.p, out.len, &bi, err,
			    sizeof(err)) == -1)
				refused++;
			out.p[i] ^= (char)(1 << bit);
		}
	assert_int_equal(refused, 8 * (out.len - hdr));
	for (i = 0; i < out.len; i++)
		assert_int_equal(batch_check(out.p, i, &bi, err,
		    sizeof(err)), -1);
	/* a frame too many: bytes and count disagree */
	buf_append(&out, out.p + hdr, 20);
	assert_int_equal(batch_check(out.p, out.len, &bi, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "bytes after the header"));
	buf_free(&out);
}

static void
test_ack(void **state)
{
	struct buf b = BUF_INIT;
	uint8_t id[BATCH_ID_LEN], got[BATCH_ID_LEN];
	enum ack_status st;
	const char *why;
	size_t wl;

	(void)state;
	randombytes_buf(id, sizeof(id));
	assert_int_equal(batch_ack_encode(&b, id, ACK_DUPLICATE, NULL), 0);
	assert_int_equal(batch_ack_decode(b.p, b.len, got, &st, &why, &wl), 0);
	assert_memory_equal(id, got, BATCH_ID_LEN);
	assert_int_equal(st, ACK_DUPLICATE);
	assert_null(why);
	buf_reset(&b);
	assert_int_equal(batch_ack_encode(&b, id, ACK_REFUSED, "bad sum"), 0);
	assert_int_equal(batch_ack_decode(b.p, b.len, got, &st, &why, &wl), 0);
	assert_int_equal(st, ACK_REFUSED);
	assert_int_equal(wl, 7);
	assert_memory_equal(why, "bad sum", 7);
	/* a cut ack, or a batch, is not an ack */
	assert_int_equal(batch_ack_decode(b.p, b.len - 1, got, &st, &why,
	    &wl), -1);
	buf_reset(&b);
	build(&b, id, NULL);
	assert_int_equal(batch_ack_decode(b.p, b.len, got, &st, &why, &wl),
	    -1);
	buf_free(&b);
}

static void
test_durable(void **state)
{
	char dir[] = "/tmp/test_batch.XXXXXX", path[256], err[256], *p;
	size_t n;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(durable_write(dir, "f", "hello", 5, err,
	    sizeof(err)), 0);
	assert_int_equal(durable_write(dir, "f", "hi", 2, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(durable_read(path, 100, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(p, "hi", 2);
	free(p);
	assert_int_equal(durable_read(path, 1, &p, &n, err, sizeof(err)), -1);
	assert_int_equal(errno, EFBIG);
	/* only a regular file: a directory is refused, not read as empty */
	assert_int_equal(durable_read(dir, 100, &p, &n, err, sizeof(err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "Invalid argument"));
	/* no temporary left behind */
	snprintf(path, sizeof(path), "%s/.f.tmp", dir);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(durable_mkdirs(path, err, sizeof(err)), 0);
	assert_int_equal(durable_mkdirs(path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* a directory that cannot be written: an error naming it */
	assert_int_equal(durable_write("/nonexistent/x", "f", "a", 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x/.f.tmp"));
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_check),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_durable),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

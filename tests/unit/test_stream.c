/*
 * test_stream -- endpoints: files, pipes and ZeroMQ (ipc, tcp, inproc),
 * batching, end of stream, bad and truncated input, limits, uri errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "codec.h"
#include "stream.h"

static char dir[] = "/tmp/test_stream.XXXXXX";

static void
make_frame(struct record *r, uint64_t i)
{
	record_clear(r);
	record_set_time(r, 1000 + (int64_t)i, (uint32_t)i);
	record_set_kind(r, KIND_SAMPLE);
	record_set_dev(r, "d1", 2);
	record_set_seq(r, i);
	record_add_f64(r, "x", (double)i * 0.5);
}

static void
write_n(const char *uri, unsigned n)
{
	struct stream *w = stream_open(uri, "w");
	struct record *r = record_new();
	unsigned i;

	assert_non_null(w);
	for (i = 0; i < n; i++) {
		make_frame(r, i);
		assert_int_equal(stream_write(w, r), 0);
	}
	assert_int_equal(stream_finish(w), 0);
	assert_int_equal(stream_frames(w), n);	/* handed on, all */
	assert_int_equal(stream_unsent(w), 0);
	assert_int_equal(stream_close(&w), 0);
	assert_null(w);
	record_free(&r);
}

static void
read_n(const char *uri, unsigned n)
{
	struct stream *s = stream_open(uri, "r");
	struct record *r;
	unsigned i = 0;
	double x;
	int ret;

	assert_non_null(s);
	while ((ret = stream_read(s, &r)) == STREAM_OK) {
		assert_int_equal(r->seq, i);
		assert_int_equal(r->sec, 1000 + i);
		assert_int_equal(r->nsec, i);
		assert_int_equal(record_get_f64(r, "x", &x), 0);
		assert_true(x == i * 0.5);
		i++;
	}
	assert_int_equal(ret, STREAM_EOF);
	assert_int_equal(i, n);
	assert_int_equal(stream_frames(s), n);
	stream_close(&s);
}

static void
test_file(void **state)
{
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/f.mp", dir);
	write_n(path, 100000);		/* several output buffers */
	read_n(path, 100000);
	write_n(path, 0);
	read_n(path, 0);
}

static void
test_bad_and_truncated(void **state)
{
	char path[64];
	struct stream *s;
	struct record *r;
	struct buf b = BUF_INIT;
	const char *p;
	size_t n;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.mp", dir);
	/* good frame, wrong-shape frame (skippable), good frame, truncated */
	s = stream_open(path, "w");
	assert_non_null(s);
	r = record_new();
	make_frame(r, 0);
	assert_int_equal(frame_encode(&b, r), 0);
	assert_int_equal(buf_append(&b, "\x93\x01\x02\x03", 4), 0);
	assert_int_equal(frame_encode(&b, r), 0);
	assert_int_equal(buf_append(&b, "\x92\x92\xd7", 3), 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(write(fd, b.p, b.len) == (ssize_t)b.len);
	close(fd);
	stream_close(&s);
	record_free(&r);

	s = stream_open(path, "r");
	assert_int_equal(stream_frame_bytes(s, &p, &n), -1);
	assert_int_equal(stream_read(s, &r), STREAM_OK);
	assert_int_equal(stream_frame_bytes(s, &p, &n), 0);
	assert_int_equal(n, b.len - 4 - 3 - (b.len - 4 - 3) / 2);
	assert_memory_equal(p, b.p, n);
	assert_int_equal(stream_read(s, &r), STREAM_BAD);
	assert_int_equal(stream_frame_bytes(s, &p, &n), -1);
	assert_non_null(strstr(stream_error(s), "2-element array"));
	assert_int_equal(stream_bad_frame(s, &p, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(stream_read(s, &r), STREAM_OK);
	assert_int_equal(stream_read(s, &r), STREAM_ERR);
	assert_non_null(strstr(stream_error(s), "ends inside a frame"));
	/* the error names the byte offset of the truncated frame */
	snprintf(path, sizeof(path), "byte %zu:", b.len - 3);
	assert_non_null(strstr(stream_error(s), path));
	stream_close(&s);

	/* a huge length is an error, not an allocation */
	snprintf(path, sizeof(path), "%s/huge.mp", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(write(fd, "\x92\x92\xdb\xff\xff\xff\xff", 7) == 7);
	close(fd);
	s = stream_open(path, "r");	/* walked past to the end */
	assert_int_equal(stream_read(s, &r), STREAM_ERR);
	assert_non_null(strstr(stream_error(s), "byte 0: input ends inside "
	    "a frame larger"));
	stream_close(&s);
	buf_free(&b);
}

static void
test_max_frame(void **state)
{
	char path[64];
	struct stream *w, *s;
	struct record *r = record_new(), *own = r;

	(void)state;
	snprintf(path, sizeof(path), "%s/max.mp", dir);
	w = stream_open(path, "w");
	stream_set_max_frame(w, 20);
	make_frame(r, 1);
	assert_int_equal(stream_write(w, r), -1);
	assert_non_null(strstr(stream_error(w), "maximum frame size"));
	stream_set_max_frame(w, FRAME_MAX_DEFAULT);
	assert_int_equal(stream_write(w, r), 0);
	assert_int_equal(stream_close(&w), 0);
	record_free(&own);
	s = stream_open(path, "r");
	stream_set_max_frame(s, 20);
	assert_int_equal(stream_read(s, &r), STREAM_BAD);
	assert_non_null(strstr(stream_error(s), "maximum frame size (20): "
	    "skipped"));
	assert_int_equal(stream_read(s, &r), STREAM_EOF);
	assert_int_equal(stream_oversized(s), 1);
	stream_close(&s);
	s = stream_open(path, "r");
	assert_int_equal(stream_read(s, &r), STREAM_OK);
	assert_int_equal(r->seq, 1);
	stream_close(&s);
	r = NULL;
}

/* Pre-encoded frames: small chunks are queued, a large one goes straight
 * out; a chunk that is not whole frames is refused by stream_write_raw. */
static void
test_write_frames(void **state)
{
	char path[64];
	struct stream *w;
	struct record *r = record_new();
	struct buf b = BUF_INIT;
	size_t first;
	unsigned i;

	(void)state;
	snprintf(path, sizeof(path), "%s/frames.mp", dir);
	make_frame(r, 0);
	assert_int_equal(frame_encode(&b, r), 0);
	first = b.len;
	for (i = 1; i < 20000; i++) {
		make_frame(r, i);
		assert_int_equal(frame_encode(&b, r), 0);
	}
	w = stream_open(path, "w");
	assert_int_equal(stream_write_frames(w, b.p, first, 1), 0);
	assert_int_equal(stream_flush(w), 0);
	assert_int_equal(stream_write_frames(w, b.p + first, b.len - first,
	    19999), 0);			/* > 64 KiB, nothing queued: direct */
	assert_int_equal(stream_frames(w), 20000);	/* all written */
	assert_int_equal(stream_write_raw(w, b.p, first - 1), -1);
	assert_non_null(strstr(stream_error(w), "not whole frames"));
	assert_int_equal(stream_close(&w), 0);
	read_n(path, 20000);
	record_free(&r);
	buf_free(&b);
}

static void
test_uri_errors(void **state)
{
	(void)state;
	assert_null(stream_open("pub@tcp://127.0.0.1:1", "r"));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(stream_open_error(), "cannot be read"));
	assert_null(stream_open("pull>tcp://127.0.0.1:1", "w"));
	assert_null(stream_open("@nosuch://x", "r"));
	assert_null(stream_open("/nonexistent/dir/file", "r"));
	assert_int_equal(errno, ENOENT);
	assert_null(stream_open("-", "x"));
}

static void
test_zmq(void **state)
{
	const char *kinds[] = { "ipc", "tcp" };
	char in[128], out[128];
	struct stream *rd, *wr;
	struct record *r, *m = record_new();
	unsigned i, k;
	int ret;

	(void)state;
	for (k = 0; k < 2; k++) {
		if (k == 0) {
			snprintf(in, sizeof(in), "@ipc://%s/s.sock", dir);
			snprintf(out, sizeof(out), ">ipc://%s/s.sock", dir);
		} else {
			snprintf(in, sizeof(in), "@tcp://127.0.0.1:%d",
			    20000 + (int)(getpid() % 20000));
			snprintf(out, sizeof(out), ">tcp://127.0.0.1:%d",
			    20000 + (int)(getpid() % 20000));
		}
		rd = stream_open(in, "r");
		if (rd == NULL)
			fail_msg("%s: %s", kinds[k], stream_open_error());
		assert_int_equal(stream_is_zmq(rd), 1);
		wr = stream_open(out, "w");
		assert_non_null(wr);
		for (i = 0; i < 5000; i++) {
			make_frame(m, i);
			assert_int_equal(stream_write(wr, m), 0);
		}
		assert_int_equal(stream_close(&wr), 0);	/* flush + eos */
		i = 0;
		while ((ret = stream_read(rd, &r)) == STREAM_OK)
			assert_int_equal(r->seq, i++);
		assert_int_equal(ret, STREAM_EOF);
		assert_int_equal(i, 5000);
		assert_true(stream_msgno(rd) > 1);	/* batched, not 1 msg */
		assert_true(stream_msgno(rd) < 5000);
		stream_close(&rd);
	}
	record_free(&m);
}

/* Write the bytes b to path. */
static void
put_file(const char *path, const struct buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_true(write(fd, b->p, b->len) == (ssize_t)b->len);
	close(fd);
}

/* A 2 MiB frame between good ones is walked past; an eos inside a file is
 * counted and skipped unless the reader asks to stop at it; seq gaps and
 * repeats are counted. */
static void
test_oversized_eos_seq(void **state)
{
	char path[64];
	struct stream *s;
	struct record *r = record_new(), *g;
	struct buf b = BUF_INIT, big = BUF_INIT;
	static const uint64_t seqs[] = { 0, 1, 5, 6, 6, 2, 7 };
	unsigned i;

	(void)state;
	snprintf(path, sizeof(path), "%s/big.mp", dir);
	make_frame(r, 0);
	assert_int_equal(frame_encode(&b, r), 0);
	assert_int_equal(buf_reserve(&big, 2u << 20), 0);
	memset(big.p, 'a', 2u << 20);
	record_add_str(r, "blob", big.p, 2u << 20);
	assert_int_equal(frame_encode(&b, r), 0);
	make_frame(r, 1);
	assert_int_equal(frame_encode(&b, r), 0);
	record_clear(r);
	record_set_time(r, 0, 0);
	record_set_kind(r, KIND_EOS);
	assert_int_equal(frame_encode(&b, r), 0);	/* eos inside */
	make_frame(r, 2);
	assert_int_equal(frame_encode(&b, r), 0);
	put_file(path, &b);

	s = stream_open(path, "r");
	assert_int_equal(stream_read(s, &g), STREAM_OK);
	assert_int_equal(g->seq, 0);
	assert_int_equal(stream_read(s, &g), STREAM_BAD);
	assert_non_null(strstr(stream_error(s), "larger than the maximum "
	    "frame size (1048576): skipped"));
	assert_int_equal(stream_read(s, &g), STREAM_OK);
	assert_int_equal(g->seq, 1);
	assert_int_equal(stream_read(s, &g), STREAM_OK);	/* after eos */
	assert_int_equal(g->seq, 2);
	assert_int_equal(stream_read(s, &g), STREAM_EOF);
	assert_int_equal(stream_eos_seen(s), 1);
	assert_int_equal(stream_oversized(s), 1);
	assert_int_equal(stream_frames(s), 3);
	stream_close(&s);

	s = stream_open(path, "r");		/* asked to stop at the eos */
	stream_set_eos_count(s, 1);
	while (stream_read(s, &g) != STREAM_EOF)
		;
	assert_int_equal(stream_frames(s), 2);
	stream_close(&s);

	buf_reset(&b);
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		make_frame(r, seqs[i]);
		assert_int_equal(frame_encode(&b, r), 0);
	}
	record_set_dev(r, "d2", 2);	/* another device: its own seq */
	assert_int_equal(frame_encode(&b, r), 0);
	put_file(path, &b);
	s = stream_open(path, "r");
	stream_set_seq_check(s, 1);
	while (stream_read(s, &g) == STREAM_OK)
		;
	assert_int_equal(stream_seq_gaps(s), 3);	/* 2, 3, 4 */
	assert_int_equal(stream_repeated(s), 2);	/* 6, 2 */
	assert_int_equal(stream_lost(s), 3);
	stream_close(&s);
	record_free(&r);
	buf_free(&b);
	buf_free(&big);
}

/* Two producers into one reader: it ends after both eos, each producer's
 * count checked.  A writer with no peer times out, its frames unsent. */
static void
test_zmq_producers(void **state)
{
	char in[128], out[128];
	struct stream *rd, *w1, *w2;
	struct stream_producer p;
	struct record *r, *m = record_new();
	unsigned i, n = 0;
	int ret;

	(void)state;
	snprintf(in, sizeof(in), "@ipc://%s/p.sock", dir);
	snprintf(out, sizeof(out), ">ipc://%s/p.sock", dir);
	rd = stream_open(in, "r");
	assert_non_null(rd);
	w1 = stream_open(out, "w");
	w2 = stream_open(out, "w");
	assert_non_null(w1);
	assert_non_null(w2);
	for (i = 0; i < 3000; i++) {
		make_frame(m, i);
		assert_int_equal(stream_write(w1, m), 0);
		record_set_dev(m, "d2", 2);
		if (i < 1000)
			assert_int_equal(stream_write(w2, m), 0);
	}
	assert_int_equal(stream_flush(w2), 0);
	assert_int_equal(stream_close(&w1), 0);	/* w1 ends first */
	assert_int_equal(stream_close(&w2), 0);
	while ((ret = stream_read(rd, &r)) == STREAM_OK)
		n++;
	assert_int_equal(ret, STREAM_EOF);
	assert_int_equal(n, 4000);
	assert_int_equal(stream_producers(rd), 2);
	assert_int_equal(stream_unended(rd), 0);
	assert_int_equal(stream_lost(rd), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(stream_producer(rd, i, &p), 0);
		assert_true(p.ended);
		assert_int_equal(p.got, p.sent);
		assert_true(p.sent == 3000 || p.sent == 1000);
	}
	stream_close(&rd);

	snprintf(out, sizeof(out), ">ipc://%s/nobody.sock", dir);
	w1 = stream_open(out, "w");
	stream_set_timeout(w1, 0.2);
	make_frame(m, 0);
	assert_int_equal(stream_write(w1, m), 0);	/* queued */
	assert_int_equal(stream_finish(w1), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(stream_timed_out(w1));
	assert_non_null(strstr(stream_error(w1), "no peer took a message"));
	assert_int_equal(stream_frames(w1), 0);
	assert_int_equal(stream_unsent(w1), 1);
	assert_int_equal(stream_write(w1, m), -1);	/* failed for good */
	assert_int_equal(stream_close(&w1), -1);
	record_free(&m);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A file of n frames of device devs[i] with seqs[i], read through with
 * the seq check on: the stream, at its end. */
static struct stream *
read_seqs(const char *const *devs, const uint64_t *seqs, unsigned n)
{
	char path[64];
	struct stream *s;
	struct record *r = record_new(), *g;
	struct buf b = BUF_INIT;
	unsigned i;

	snprintf(path, sizeof(path), "%s/seqs.mp", dir);
	for (i = 0; i < n; i++) {
		make_frame(r, i);
		record_set_dev(r, devs[i], strlen(devs[i]));
		record_set_seq(r, seqs[i]);
		assert_int_equal(frame_encode(&b, r), 0);
	}
	put_file(path, &b);
	s = stream_open(path, "r");
	stream_set_seq_check(s, 1);
	while (stream_read(s, &g) == STREAM_OK)
		;
	assert_int_equal(stream_frames(s), n);
	record_free(&r);
	buf_free(&b);
	return s;
}

/* seqs at the top of uint64: a seq of UINT64_MAX seen again is a repeat,
 * not a gap of 2^64 - 1 (the next expected seq must not wrap to 0), and
 * the sum of gaps over devices stops at UINT64_MAX instead of wrapping. */
static void
test_seq_top(void **state)
{
	/* d1: 0 .. MAX skips MAX - 1; then MAX, 1, MAX - 1 repeat */
	static const char *const d1[] = { "d1", "d1", "d1", "d1", "d1" };
	static const uint64_t s1[] = { 0, UINT64_MAX, UINT64_MAX, 1,
	    UINT64_MAX - 1 };
	/* d2 and d3 each skip 2^64 - 2: more than fits */
	static const char *const d2[] = { "d2", "d2", "d3", "d3" };
	static const uint64_t s2[] = { 0, UINT64_MAX, 0, UINT64_MAX };
	struct stream *s;

	(void)state;
	s = read_seqs(d1, s1, 5);
	assert_true(stream_seq_gaps(s) == UINT64_MAX - 1);
	assert_int_equal(stream_repeated(s), 3);
	assert_true(stream_lost(s) == UINT64_MAX - 1);
	stream_close(&s);
	s = read_seqs(d2, s2, 4);
	assert_true(stream_seq_gaps(s) == UINT64_MAX);
	assert_int_equal(stream_repeated(s), 0);
	stream_close(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_bad_and_truncated),
		cmocka_unit_test(test_max_frame),
		cmocka_unit_test(test_write_frames),
		cmocka_unit_test(test_uri_errors),
		cmocka_unit_test(test_zmq),
		cmocka_unit_test(test_oversized_eos_seq),
		cmocka_unit_test(test_seq_top),
		cmocka_unit_test(test_zmq_producers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

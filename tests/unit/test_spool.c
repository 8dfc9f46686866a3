/*
 * test_spool -- sample-upload's spool (filters/sample-upload/spool.h):
 * batches stored, resumed in order after a reopen, a truncated file and a
 * flipped byte set aside with a message, a crash's temporary removed, the
 * bound, removal.
 */
// link: filters/sample-upload/spool.c
#include <sys/stat.h>

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
#include <sodium.h>

#include "codec.h"
#include "sample-upload/spool.h"

static char warned[8][1024];
static int nwarn;

static void
warn(void *arg, const char *msg)
{
	(void)arg;
	if (nwarn < 8)
		snprintf(warned[nwarn], sizeof(warned[0]), "%s", msg);
	nwarn++;
}

/* a sealed batch of k frames */
static void
make(struct buf *out, uint8_t id[BATCH_ID_LEN], int k)
{
	struct batch_builder b = BATCH_BUILDER_INIT;
	struct record *r = record_new();
	struct buf f = BUF_INIT;
	int i;

	for (i = 0; i < k; i++) {
		record_clear(r);
		record_set_time(r, 1000 + i, 0);
		record_set_dev(r, "d", 1);
		record_set_seq(r, (uint64_t)i);
		record_add_f64(r, "x", i);
		buf_reset(&f);
		frame_encode(&f, r);
		assert_int_equal(batch_add(&b, f.p, f.len, r->sec, r->nsec,
		    r->dev, r->dev_len), 0);
	}
	buf_reset(out);
	assert_int_equal(batch_seal(&b, out, id), 0);
	batch_builder_free(&b);
	buf_free(&f);
	record_free(&r);
}

static void
path_of(const struct spool *s, size_t i, char *path, size_t n)
{
	char hex[BATCH_HEX_LEN + 1];

	batch_hex(s->e[i].id, hex);
	snprintf(path, n, "%s/%016llx-%s.batch", s->dir,
	    (unsigned long long)s->e[i].seq, hex);
}

static void
test_spool(void **state)
{
	char dir[] = "/tmp/test_spool.XXXXXX", err[512], path[4200];
	uint8_t id[4][BATCH_ID_LEN];
	struct buf b = BUF_INIT, got = BUF_INIT;
	struct spool *s;
	uint64_t aside = 0;
	struct stat st;
	int i, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	s = spool_open(dir, 1 << 20, warn, NULL, &aside, err, sizeof(err));
	assert_non_null(s);
	for (i = 0; i < 4; i++) {
		make(&b, id[i], 10 + i);
		assert_int_equal(spool_put(s, id[i], b.p, b.len, 10 + i, err,
		    sizeof(err)), 0);
	}
	assert_int_equal(s->n, 4);
	assert_int_equal(spool_find(s, id[2]), 2);
	assert_int_equal(spool_load(s, 2, &got, err, sizeof(err)), 0);
	assert_int_equal(got.len, s->e[2].bytes);
	assert_false(spool_full(s, 1000));
	assert_true(spool_full(s, (1 << 20) - s->bytes + 1));
	/* damage: 1 truncated, 2 with a flipped byte at its end; a crash's
	 * temporary and a foreign file */
	path_of(s, 1, path, sizeof(path));
	stat(path, &st);
	assert_int_equal(truncate(path, st.st_size - 7), 0);
	path_of(s, 2, path, sizeof(path));
	fd = open(path, O_RDWR);
	stat(path, &st);
	assert_int_equal(pwrite(fd, "\x55", 1, st.st_size - 1), 1);
	close(fd);
	snprintf(path, sizeof(path), "%s/.x.batch.tmp", dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	spool_close(&s);
	assert_null(s);

	s = spool_open(dir, 1 << 20, warn, NULL, &aside, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(aside, 2);
	assert_int_equal(nwarn, 2);
	for (i = 0; i < 2; i++) {
		assert_non_null(strstr(warned[i], "set aside in"));
		assert_true(strstr(warned[i], "truncated") != NULL ||
		    strstr(warned[i], "bytes after the header") != NULL ||
		    strstr(warned[i], "SHA-256") != NULL);
	}
	assert_int_equal(s->n, 2);
	assert_memory_equal(s->e[0].id, id[0], BATCH_ID_LEN);
	assert_memory_equal(s->e[1].id, id[3], BATCH_ID_LEN);
	assert_int_equal(s->e[0].frames, 10);
	assert_int_equal(s->e[1].frames, 13);
	assert_int_equal(s->bytes, s->e[0].bytes + s->e[1].bytes);
	assert_int_equal(stat(path, &st), -1);		/* .tmp removed */
	snprintf(path, sizeof(path), "%s/bad", dir);
	/* the new batch goes after the resumed ones */
	make(&b, id[1], 3);
	assert_int_equal(spool_put(s, id[1], b.p, b.len, 3, err,
	    sizeof(err)), 0);
	assert_true(s->e[2].seq > s->e[1].seq);
	assert_int_equal(spool_remove(s, 0, err, sizeof(err)), 0);
	assert_int_equal(s->n, 2);
	assert_memory_equal(s->e[0].id, id[3], BATCH_ID_LEN);
	assert_int_equal(spool_set_aside(s, 0, err, sizeof(err)), 0);
	assert_int_equal(s->n, 1);
	spool_close(&s);
	s = spool_open(dir, 1 << 20, warn, NULL, &aside, err, sizeof(err));
	assert_int_equal(s->n, 1);
	assert_memory_equal(s->e[0].id, id[1], BATCH_ID_LEN);
	spool_close(&s);
	snprintf(path, sizeof(path), "ls %s/bad | wc -l | grep -qx 3", dir);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
	buf_free(&b);
	buf_free(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spool),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

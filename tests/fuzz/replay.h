/*
 * replay -- feed every file of a folder to a fuzzer's check function, as
 * the corpus tests (tests/unit/test_*_corpus.c) do in every make test.
 * Header-only; for cmocka tests.
 */
#ifndef REPLAY_H
#define REPLAY_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Every regular file in dir whose name starts with prefix through check();
 * the number of files. */
static int
replay(const char *dir, const char *prefix,
    void (*check)(const unsigned char *, size_t))
{
	char path[4096];
	struct dirent *de;
	struct buf in = BUF_INIT;
	DIR *d;
	FILE *f;
	size_t n;
	int count = 0;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) < sizeof(path));
		assert_non_null(f = fopen(path, "rb"));
		buf_reset(&in);
		for (;;) {
			assert_int_equal(buf_reserve(&in, 65536), 0);
			n = fread(in.p + in.len, 1, 65536, f);
			in.len += n;
			if (n == 0)
				break;
		}
		fclose(f);
		check((const unsigned char *)in.p, in.len);
		count++;
	}
	closedir(d);
	buf_free(&in);
	return count;
}

/* $TESTDATA/sub (TESTDATA defaults to testdata) into dir. */
static void
testdata_path(char *dir, size_t size, const char *sub)
{
	const char *td = getenv("TESTDATA");

	snprintf(dir, size, "%s/%s", td != NULL ? td : "testdata", sub);
}

#endif

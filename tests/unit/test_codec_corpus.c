/*
 * test_codec_corpus -- every file of testdata/fuzz/codec/ (the codec
 * fuzzer's corpus, minimised: `make fuzz`) and every testdata/bad/frame_*.mp
 * through codec_check(): the fast decoder, msgpack-c and both encoders
 * agree on each, under ASan+UBSan in the san build.  $TESTDATA names the
 * testdata folder (default testdata).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../fuzz/codec_check.h"

/* Every regular file in dir whose name starts with prefix; the count. */
static int
replay(const char *dir, const char *prefix)
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
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
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
		codec_check((const unsigned char *)in.p, in.len);
		count++;
	}
	closedir(d);
	buf_free(&in);
	return count;
}

static void
test_corpus(void **state)
{
	const char *td = getenv("TESTDATA");
	char dir[4096];

	(void)state;
	if (td == NULL)
		td = "testdata";
	snprintf(dir, sizeof(dir), "%s/fuzz/codec", td);
	assert_true(replay(dir, "") >= 50);
	snprintf(dir, sizeof(dir), "%s/bad", td);
	assert_true(replay(dir, "frame_") >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

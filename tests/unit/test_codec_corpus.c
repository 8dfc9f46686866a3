/*
 * test_codec_corpus -- every file of testdata/fuzz/codec/ (the codec
 * fuzzer's corpus, merged by hand after `make fuzz`) and every
 * testdata/bad/frame_*.mp through codec_check(): the fast decoder,
 * msgpack-c and both encoders agree on each, under ASan+UBSan in the san
 * build.  $TESTDATA names the testdata folder (default testdata).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../fuzz/codec_check.h"
#include "../fuzz/replay.h"

static void
test_corpus(void **state)
{
	char dir[4096];

	(void)state;
	testdata_path(dir, sizeof(dir), "fuzz/codec");
	assert_true(replay(dir, "", codec_check) >= 50);
	testdata_path(dir, sizeof(dir), "bad");
	assert_true(replay(dir, "frame_", codec_check) >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

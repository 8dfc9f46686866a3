/*
 * test_corpus -- the fuzzers' committed corpora (testdata/fuzz/NAME/,
 * merged by hand after `make fuzz`, docs/libstream.md "Fuzzing"), each file
 * through its fuzzer's check, under ASan+UBSan in the san build:
 *
 *   codec: fuzz/codec/ and bad/frame_*.mp through codec_check(), the fast
 *          decoder, msgpack-c and both encoders agree;
 *   json:  fuzz/json/ and bad/json_* through json_check(), tap's JSON
 *          mapping is exact both ways;
 *   num:   fuzz/num/ through num_check(), num_fast, num_parse and
 *          num_parse_i64 agree with each other and with strtod, strtoll.
 *
 * $TESTDATA names the testdata folder (default testdata).
 */
// link: filters/tap/json.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../fuzz/codec_check.h"
#include "../fuzz/json_check.h"
#include "../fuzz/num_check.h"
#include "../fuzz/replay.h"

/* Every file of $TESTDATA/sub whose name starts with prefix through check;
 * at least min of them. */
static void
corpus(const char *sub, const char *prefix,
    void (*check)(const unsigned char *, size_t), int min)
{
	char dir[4096];

	testdata_path(dir, sizeof(dir), sub);
	assert_true(replay(dir, prefix, check) >= min);
}

static void
test_codec(void **state)
{
	(void)state;
	corpus("fuzz/codec", "", codec_check, 50);
	corpus("bad", "frame_", codec_check, 10);
}

static void
test_json(void **state)
{
	(void)state;
	corpus("fuzz/json", "", json_check, 50);
	corpus("bad", "json_", json_check, 1);
}

static void
test_num(void **state)
{
	(void)state;
	corpus("fuzz/num", "", num_check, 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_num),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

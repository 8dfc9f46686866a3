/*
 * test_json_corpus -- every file of testdata/fuzz/json/ (the JSON fuzzer's
 * corpus, merged by hand after `make fuzz`) and testdata/bad/json_*
 * through json_check(): tap's JSON mapping is exact both ways on each,
 * under ASan+UBSan in the san build.  $TESTDATA names the testdata folder.
 */
// link: filters/tap/json.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../fuzz/json_check.h"
#include "../fuzz/replay.h"

static void
test_corpus(void **state)
{
	char dir[4096];

	(void)state;
	testdata_path(dir, sizeof(dir), "fuzz/json");
	assert_true(replay(dir, "", json_check) >= 50);
	testdata_path(dir, sizeof(dir), "bad");
	assert_true(replay(dir, "json_", json_check) >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_num_corpus -- every file of testdata/fuzz/num/ (the number fuzzer's
 * corpus, merged by hand after `make fuzz`) through num_check(): num_fast,
 * num_parse and num_parse_i64 agree with each other and with strtod and
 * strtoll on each, under ASan+UBSan in the san build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../fuzz/num_check.h"
#include "../fuzz/replay.h"

static void
test_corpus(void **state)
{
	char dir[4096];

	(void)state;
	testdata_path(dir, sizeof(dir), "fuzz/num");
	assert_true(replay(dir, "", num_check) >= 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_json -- libFuzzer target: every input through json_check(), tap's
 * JSON mapping both ways (json_check.h).  Built and run by `make fuzz`,
 * seeded with testdata/fuzz/json/, which tests/unit/test_corpus.c
 * replays in every `make test`.
 */
// link: filters/tap/json.c
#include <stddef.h>
#include <stdint.h>

#include "json_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_check(data, size);
	return 0;
}

/*
 * fuzz_num -- libFuzzer target: every input through num_check(), the
 * number parsers against each other and strtod()/strtoll() (num_check.h).
 * Built and run by `make fuzz`, seeded with testdata/fuzz/num/, which
 * tests/unit/test_corpus.c replays in every `make test`.
 */
#include <stddef.h>
#include <stdint.h>

#include "num_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	num_check(data, size);
	return 0;
}

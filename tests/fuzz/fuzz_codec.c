/*
 * fuzz_codec -- libFuzzer target: every input through codec_check(), the
 * fast decoder against msgpack-c (codec_check.h).  Built and run by
 * `make fuzz` (clang; FUZZ_SECONDS, default 60), seeded with
 * testdata/fuzz/codec/, which tests/unit/test_corpus.c replays in
 * every `make test`.
 */
#include <stddef.h>
#include <stdint.h>

#include "codec_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	codec_check(data, size);
	return 0;
}

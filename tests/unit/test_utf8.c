/*
 * test_utf8 -- libstream's UTF-8 check against RFC 3629: every code point
 * encoded by the RFC's table is valid but the surrogates; overlong forms,
 * truncated and stray bytes, and anything above U+10FFFF are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "utf8.h"

/* cp as the RFC's table encodes it (also for surrogates); its length. */
static size_t
encode(uint32_t cp, char *b)
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | cp >> 18);
	b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static void
test_every_code_point(void **state)
{
	char b[8];
	uint32_t cp;
	size_t n;

	(void)state;
	for (cp = 0; cp <= 0x10ffff; cp++) {
		n = encode(cp, b);
		if ((utf8_valid(b, n) != 0) != !(cp >= 0xd800 && cp <= 0xdfff))
			fail_msg("U+%04X", (unsigned)cp);
		if (n > 1 && utf8_valid(b, n - 1))	/* cut short */
			fail_msg("U+%04X without its last byte", (unsigned)cp);
		if (utf8_seq(b, n) != (cp >= 0xd800 && cp <= 0xdfff ? 0 : n))
			fail_msg("U+%04X: utf8_seq", (unsigned)cp);
		if (n > 1 && utf8_seq(b, n - 1) != 0)
			fail_msg("U+%04X cut short: utf8_seq", (unsigned)cp);
	}
	/* beyond U+10FFFF, in the 4-byte form */
	b[0] = '\xf4', b[1] = '\x90', b[2] = '\x80', b[3] = '\x80';
	assert_false(utf8_valid(b, 4));
}

static void
test_refused(void **state)
{
	unsigned c;
	char b[2];

	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_false(utf8_valid("\xe9", 1));		/* Latin-1 */
	assert_false(utf8_valid("\xc0\xaf", 2));	/* overlong '/' */
	assert_false(utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	assert_false(utf8_valid("\xf0\x80\x80\xaf", 4));	/* overlong */
	assert_false(utf8_valid("\x80", 1));		/* continuation alone */
	assert_false(utf8_valid("\xc3\x28", 2));	/* no continuation */
	for (c = 0xf5; c <= 0xff; c++) {		/* never lead bytes */
		b[0] = (char)c;
		b[1] = '\x80';
		assert_false(utf8_valid(b, 2));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_json -- tap's JSON printer and parser (filters/tap/json.c).
 *
 * Expected msgpack bytes are written from the msgpack spec by hand;
 * expected float texts are Python's repr() of the same doubles (computed
 * with /usr/bin/python3, pasted here with the bits they came from).  The
 * random part checks that every printed double and float reads back to
 * the same bits and that one digit fewer would not.
 */
// link: filters/tap/json.c
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap/json.h"

static struct json J = JSON_INIT;
static struct buf B = BUF_INIT;

static size_t
unhex(const char *hex, char *out)
{
	size_t n = 0;
	unsigned v;

	for (; *hex; hex++) {
		if (*hex == ' ')
			continue;
		sscanf(hex, "%2x", &v);
		out[n++] = (char)v;
		hex++;
	}
	return n;
}

static char *
tohex(const char *p, size_t n)
{
	static char s[4096];
	size_t i;

	for (i = 0; i < n && i < sizeof(s) / 2 - 1; i++)
		sprintf(s + 2 * i, "%02x", (unsigned char)p[i]);
	s[2 * i] = '\0';
	return s;
}

/* Print the msgpack value in hex; NUL-terminated text, or NULL. */
static const char *
print_hex(const char *hex, int frame)
{
	char bytes[2048];
	size_t n = unhex(hex, bytes), used;

	buf_reset(&B);
	if (json_print(&J, &B, bytes, n, frame, &used) == -1)
		return NULL;
	assert_int_equal(used, n);
	buf_putc(&B, '\0');
	return B.p;
}

static void
print_is(const char *hex, int frame, const char *want)
{
	const char *got = print_hex(hex, frame);

	if (got == NULL)
		fail_msg("%s: error %s", hex, J.err);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", hex, got, want);
}

static void
parse_is(const char *json, int frame, const char *wanthex)
{
	char want[2048];
	size_t n = unhex(wanthex, want);

	buf_reset(&B);
	if (json_parse(&J, &B, json, strlen(json), frame) == -1)
		fail_msg("%s: col %zu: %s", json, J.col, J.err);
	if (B.len != n || memcmp(B.p, want, n) != 0)
		fail_msg("%s: got %s, want %s", json, tohex(B.p, B.len),
		    wanthex);
}

static void
parse_fails(const char *json, size_t col, const char *why)
{
	buf_reset(&B);
	if (json_parse(&J, &B, json, strlen(json), 1) == 0)
		fail_msg("%s: parsed as %s", json, tohex(B.p, B.len));
	if (strstr(J.err, why) == NULL || J.col != col)
		fail_msg("%s: col %zu: %s; want col %zu: ...%s...", json,
		    J.col, J.err, col, why);
}

static void
test_print_scalars(void **state)
{
	(void)state;
	print_is("c0", 0, "null");
	print_is("c2", 0, "false");
	print_is("c3", 0, "true");
	print_is("00", 0, "0");
	print_is("7f", 0, "127");
	print_is("cc80", 0, "128");
	print_is("cd0001", 0, "1");		/* not canonical: same number */
	print_is("ff", 0, "-1");
	print_is("e0", 0, "-32");
	print_is("d0df", 0, "-33");
	print_is("d18000", 0, "-32768");
	print_is("d38000000000000000", 0, "-9223372036854775808");
	print_is("cfffffffffffffffff", 0, "18446744073709551615");
	print_is("cb3ff0000000000000", 0, "1.0");
	print_is("cb7ff8000000000000", 0, "NaN");
	print_is("cbfff8000000000000", 0, "{\"$f64\":\"fff8000000000000\"}");
	print_is("cb7ff0000000000001", 0, "{\"$f64\":\"7ff0000000000001\"}");
	print_is("cb7ff0000000000000", 0, "Infinity");
	print_is("cbfff0000000000000", 0, "-Infinity");
	print_is("cb8000000000000000", 0, "-0.0");
	print_is("ca3dcccccd", 0, "{\"$f32\":0.1}");
	print_is("ca7fc00000", 0, "{\"$f32\":NaN}");
	print_is("ca7f800001", 0, "{\"$f32\":\"7f800001\"}");
	print_is("ca4b800000", 0, "{\"$f32\":16777216.0}");
	print_is("ca00000001", 0, "{\"$f32\":1e-45}");
	print_is("ca7f7fffff", 0, "{\"$f32\":3.4028235e+38}");
	print_is("a3616263", 0, "\"abc\"");
	print_is("d903616263", 0, "\"abc\"");
	print_is("a0", 0, "\"\"");
	print_is("a6 0a0d09080c01", 0, "\"\\n\\r\\t\\b\\f\\u0001\"");
	print_is("a3 225c7f", 0, "\"\\\"\\\\\x7f\"");
	print_is("a2c3a9", 0, "\"\xc3\xa9\"");
	print_is("a4f09f9880", 0, "\"\xf0\x9f\x98\x80\"");
	print_is("a2ff00", 0, "{\"$strhex\":\"ff00\"}");
	print_is("a2c080", 0, "{\"$strhex\":\"c080\"}");	/* overlong */
	print_is("a3eda080", 0, "{\"$strhex\":\"eda080\"}");	/* surrogate */
	print_is("a4f4908080", 0, "{\"$strhex\":\"f4908080\"}");
	print_is("c40200ff", 0, "{\"$bin\":\"00ff\"}");
	print_is("c400", 0, "{\"$bin\":\"\"}");
	print_is("d4ff01", 0, "{\"$ext\":[-1,\"01\"]}");
	print_is("c70305616263", 0, "{\"$ext\":[5,\"616263\"]}");
	print_is("d700402b5647075bcd15", 0,
	    "{\"$time\":\"2004-02-12T10:32:39.123456789Z\"}");
	print_is("d700ffffffff3b9ac9ff", 0,
	    "{\"$time\":\"2106-02-07T06:28:15.999999999Z\"}");
	/* nanoseconds out of range: not a time */
	print_is("d700000000003b9aca00", 0,
	    "{\"$ext\":[0,\"000000003b9aca00\"]}");
}

static void
test_print_floats(void **state)
{
	/* Python's repr() of the double with these bits */
	static const struct { uint64_t bits; const char *repr; } t[] = {
		{ 0x3ff0000000000000, "1.0" },
		{ 0x3fb999999999999a, "0.1" },
		{ 0x3fd5555555555555, "0.3333333333333333" },
		{ 0x4059000000000000, "100.0" },
		{ 0x4341c37937e08000, "1e+16" },
		{ 0x430c6bf526340000, "1000000000000000.0" },
		{ 0x43118b54f22aeb00, "1234567890123456.0" },
		{ 0x437b69b4ba630f35, "1.2345678901234568e+17" },
		{ 0x3f1a36e2eb1c432d, "0.0001" },
		{ 0x3ee4f8b588e368f1, "1e-05" },
		{ 0x3e8421f5f40d8376, "1.5e-07" },
		{ 0x4480f0cf064dd592, "1e+22" },
		{ 0x44b52d02c7e14af6, "1e+23" },
		{ 0x0000000000000001, "5e-324" },
		{ 0x0010000000000000, "2.2250738585072014e-308" },
		{ 0x7fefffffffffffff, "1.7976931348623157e+308" },
		{ 0x8000000000000000, "-0.0" },
		{ 0x4340000000000000, "9007199254740992.0" },
		{ 0x3fd3333333333334, "0.30000000000000004" },
		{ 0x0000000000000003, "1.5e-323" },
		{ 0x43b0000000000000, "1.152921504606847e+18" },
		{ 0x3eb0000000000000, "9.5367431640625e-07" },
		{ 0x54b249ad2594c37d, "1e+100" },
		{ 0x405edd2f1a9fbe77, "123.456" },
	};
	union { uint64_t u; double f; } v;
	char s[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v.u = t[i].bits;
		json_fmt_double(s, v.f, 0);
		if (strcmp(s, t[i].repr) != 0)
			fail_msg("%016llx: got %s, want %s",
			    (unsigned long long)t[i].bits, s, t[i].repr);
	}
}

static uint64_t
rnd(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* Significant digits in a printed number. */
static int
ndigits(const char *s)
{
	int n = 0, seen = 0;

	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (*s != '0')
			seen = 1;
		if (seen)
			n++;
	}
	/* trailing zeros of an integral value ("100.0") are not digits */
	for (s--; n > 1 && (*s == '0' || *s == '.'); s--)
		if (*s == '0')
			n--;
	return n;
}

static void
test_floats_read_back(void **state)
{
	union { uint64_t u; double f; } v;
	union { uint32_t u; float f; } w;
	char s[32], fewer[40];
	int i, nd;

	(void)state;
	for (i = 0; i < 200000; i++) {
		v.u = rnd();
		if (i % 4 == 1)		/* a power of two */
			v.u &= 0xfff0000000000000;
		if (isnan(v.f))
			continue;
		json_fmt_double(s, v.f, 0);
		if (isinf(v.f))
			continue;
		if (strtod(s, NULL) != v.f)
			fail_msg("%016llx printed %s",
			    (unsigned long long)v.u, s);
		nd = ndigits(s);
		if (nd > 1) {
			snprintf(fewer, sizeof(fewer), "%.*e", nd - 2, v.f);
			if (strtod(fewer, NULL) == v.f)
				fail_msg("%016llx printed %s, %s is shorter",
				    (unsigned long long)v.u, s, fewer);
		}
		w.u = (uint32_t)rnd();
		if (i % 4 == 1)
			w.u &= 0xff800000;
		if (isnan(w.f) || isinf(w.f))
			continue;
		json_fmt_double(s, w.f, 1);
		if (strtof(s, NULL) != w.f)
			fail_msg("%08x printed %s", w.u, s);
		nd = ndigits(s);
		if (nd > 1) {
			snprintf(fewer, sizeof(fewer), "%.*e", nd - 2,
			    (double)w.f);
			if (strtof(fewer, NULL) == w.f)
				fail_msg("%08x printed %s, %s is shorter",
				    w.u, s, fewer);
		}
	}
}

static void
test_print_containers(void **state)
{
	(void)state;
	print_is("90", 0, "[]");
	print_is("80", 0, "{}");
	print_is("9301 9102 90", 0, "[1,[2],[]]");
	print_is("dc0002 0102", 0, "[1,2]");
	print_is("82 a16101 a16202", 0, "{\"a\":1,\"b\":2}");
	/* a repeated key, a non-string key, a first key with '$' */
	print_is("82 a16101 a16102", 0, "{\"$map\":[[\"a\",1],[\"a\",2]]}");
	print_is("81 0102", 0, "{\"$map\":[[1,2]]}");
	print_is("81 9101 02", 0, "{\"$map\":[[[1],2]]}");
	print_is("81 a2ff00 02", 0, "{\"$map\":[[{\"$strhex\":\"ff00\"},2]]}");
	print_is("81 a22478 01", 0, "{\"$map\":[[\"$x\",1]]}");
	print_is("82 a16101 a2247802", 0, "{\"a\":1,\"$x\":2}");
	/* 10 keys: the sorted check; the repeat is the first and last */
	print_is("8a a13000 a13101 a13202 a13303 a13404 a13505 a13606 a13707"
	    " a13808 a13009", 0, "{\"$map\":[[\"0\",0],[\"1\",1],[\"2\",2],"
	    "[\"3\",3],[\"4\",4],[\"5\",5],[\"6\",6],[\"7\",7],[\"8\",8],"
	    "[\"0\",9]]}");
	print_is("8a a13000 a13101 a13202 a13303 a13404 a13505 a13606 a13707"
	    " a13808 a13909", 0, "{\"0\":0,\"1\":1,\"2\":2,\"3\":3,\"4\":4,"
	    "\"5\":5,\"6\":6,\"7\":7,\"8\":8,\"9\":9}");
}

static void
test_print_frame_time(void **state)
{
	(void)state;
	/* [[EventTime, {}], {}] */
	print_is("92 92 d700402b564700000000 80 80", 1,
	    "[[\"2004-02-12T10:32:39.000000000Z\",{}],{}]");
	print_is("92 92 d700402b564700000000 80 80", 0,
	    "[[{\"$time\":\"2004-02-12T10:32:39.000000000Z\"},{}],{}]");
	/* legacy [time, body]; an int and a float time */
	print_is("92 d700402b564700000000 80", 1,
	    "[\"2004-02-12T10:32:39.000000000Z\",{}]");
	print_is("92 92 ce402b5647 80 80", 1, "[[1076581959,{}],{}]");
	print_is("92 92 cb3ff8000000000000 80 80", 1, "[[1.5,{}],{}]");
	/* a string where the time goes is tagged, so it reads back as one */
	print_is("92 92 a178 80 80", 1, "[[{\"$str\":\"x\"},{}],{}]");
	/* only that position */
	print_is("92 92 80 d700402b564700000000 80", 1,
	    "[[{},{\"$time\":\"2004-02-12T10:32:39.000000000Z\"}],{}]");
}

static void
test_print_bad(void **state)
{
	static const char *whole =
	    "92 92 d700402b5647075bcd15 82 a3646576 a162 a3736571 cd0100"
	    " 83 a178 cb3ff8000000000000 a179 93 01 c40200ff d4ff01 a17a"
	    " 81 a161 ca3dcccccd";
	char bytes[256], deep[64];
	size_t n, k;

	(void)state;
	n = unhex(whole, bytes);
	buf_reset(&B);
	assert_int_equal(json_print(&J, &B, bytes, n, 1, NULL), 0);
	for (k = 0; k < n; k++) {		/* every proper prefix fails */
		buf_reset(&B);
		assert_int_equal(json_print(&J, &B, bytes, k, 1, NULL), -1);
		assert_true(J.off <= k);
	}
	assert_null(print_hex("c1", 0));
	assert_non_null(strstr(J.err, "0xc1"));
	/* lengths of 4 GiB in 5 or 6 bytes: refused without allocating */
	assert_null(print_hex("91 dbffffffff", 0));
	assert_non_null(strstr(J.err, "past the end"));
	assert_int_equal(J.off, 1);
	assert_null(print_hex("c6ffffffff00", 0));
	assert_null(print_hex("c9ffffffff0000", 0));
	assert_null(print_hex("ddffffffff", 0));
	assert_non_null(strstr(J.err, "truncated"));
	assert_null(print_hex("dfffffffff 00", 0));
	assert_null(print_hex("cd00", 0));
	/* 32 levels print, 33 do not */
	memset(deep, (char)0x91, 33);
	deep[32] = 0x01;
	buf_reset(&B);
	assert_int_equal(json_print(&J, &B, deep, 33, 0, NULL), 0);
	deep[32] = (char)0x91;
	deep[33] = 0x01;
	buf_reset(&B);
	assert_int_equal(json_print(&J, &B, deep, 34, 0, NULL), -1);
	assert_non_null(strstr(J.err, "deeper"));
}

static void
test_parse_scalars(void **state)
{
	(void)state;
	parse_is("null", 0, "c0");
	parse_is(" true ", 0, "c3");
	parse_is("false", 0, "c2");
	parse_is("0", 0, "00");
	parse_is("-0", 0, "00");
	parse_is("127", 0, "7f");
	parse_is("128", 0, "cc80");
	parse_is("65536", 0, "ce00010000");
	parse_is("-32", 0, "e0");
	parse_is("-33", 0, "d0df");
	parse_is("-32769", 0, "d2ffff7fff");
	parse_is("18446744073709551615", 0, "cfffffffffffffffff");
	parse_is("-9223372036854775808", 0, "d38000000000000000");
	parse_is("1.0", 0, "cb3ff0000000000000");
	parse_is("1e2", 0, "cb4059000000000000");
	parse_is("-0.0", 0, "cb8000000000000000");
	parse_is("5e-324", 0, "cb0000000000000001");
	parse_is("NaN", 0, "cb7ff8000000000000");
	parse_is("Infinity", 0, "cb7ff0000000000000");
	parse_is("-Infinity", 0, "cbfff0000000000000");
	parse_is("\"\"", 0, "a0");
	parse_is("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0, "a9 61225c2f080c0a0d09");
	parse_is("\"\\u00e9\\u0000\"", 0, "a3 c3a900");
	parse_is("\"\\ud83d\\ude00\"", 0, "a4 f09f9880");
	parse_is("\"\xf0\x9f\x98\x80\"", 0, "a4 f09f9880");
	parse_is("\"0123456789012345678901234567890\"", 0,
	    "bf 30313233343536373839303132333435363738393031323334353637383930");
	parse_is("\"01234567890123456789012345678901\"", 0,
	    "d920 3031323334353637383930313233343536373839303132333435363738393031");
	parse_is("{\"$f32\": 0.1}", 0, "ca3dcccccd");
	parse_is("{\"$f32\":NaN}", 0, "ca7fc00000");
	parse_is("{\"$f32\":-Infinity}", 0, "caff800000");
	parse_is("{\"$f32\":\"7f800001\"}", 0, "ca7f800001");
	parse_is("{\"$f64\":\"fff8000000000000\"}", 0, "cbfff8000000000000");
	parse_is("{\"$f64\":2.5}", 0, "cb4004000000000000");
	parse_is("{\"$bin\":\"00fF\"}", 0, "c40200ff");
	parse_is("{\"$bin\":\"\"}", 0, "c400");
	parse_is("{\"$strhex\":\"ff\"}", 0, "a1ff");
	parse_is("{\"$str\":\"$x\"}", 0, "a22478");
	parse_is("{\"$ext\":[-1,\"01\"]}", 0, "d4ff01");
	parse_is("{\"$ext\":[ 5 , \"\" ]}", 0, "c70005");
	parse_is("{\"$ext\":[127,\"616263\"]}", 0, "c703 7f 616263");
	parse_is("{\"$time\":\"1970-01-01T00:00:01Z\"}", 0,
	    "d700 00000001 00000000");
	parse_is("{\"$time\":\"2004-02-12T10:32:39.123456789Z\"}", 0,
	    "d700 402b5647 075bcd15");
	parse_is("{\"$time\":\"2004-02-12T11:32:39.5+01:00\"}", 0,
	    "d700 402b5647 1dcd6500");
	parse_is("{\"$time\":\"2004-02-12T09:02:39-01:30\"}", 0,
	    "d700 402b5647 00000000");
	parse_is("{\"$time\":\"2000-02-29T00:00:00Z\"}", 0,
	    "d700 38bb0c00 00000000");
}

static void
test_parse_containers(void **state)
{
	char json[256], want[256];
	int i;

	(void)state;
	parse_is("[]", 0, "90");
	parse_is("{}", 0, "80");
	parse_is("[1, [2, []], {}]", 0, "93 01 9202 90 80");
	parse_is("{\"a\": 1, \"$b\": [2]}", 0, "82 a16101 a2246291 02");
	parse_is("{\"a\": 1, \"a\": 2}", 0, "82 a16101 a16102");
	parse_is("{\"$map\": []}", 0, "80");
	parse_is("{\"$map\": [[1, 2], [\"$x\", null], [[1], {}]]}", 0,
	    "83 0102 a22478c0 9101 80");
	/* counts past the fix forms */
	strcpy(json, "[0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5]");
	parse_is(json, 0, "dc0010 00010203040506070809000102030405");
	strcpy(want, "de0010");
	strcpy(json, "{");
	for (i = 0; i < 16; i++) {
		sprintf(json + strlen(json), "%s\"%x\":%d", i ? "," : "", i,
		    i);
		sprintf(want + strlen(want), "a1%02x%02x",
		    i < 10 ? '0' + i : 'a' + i - 10, i);
	}
	strcat(json, "}");
	parse_is(json, 0, want);
}

static void
test_parse_frame_time(void **state)
{
	(void)state;
	parse_is("[[\"2004-02-12T10:32:39Z\", {}], {}]", 1,
	    "92 92 d700402b564700000000 80 80");
	parse_is("[[\"2004-02-12T10:32:39Z\", {}], {}]", 0,
	    "92 92 b4 323030342d30322d31325431303a33323a33395a 80 80");
	parse_is("[\"2004-02-12T10:32:39Z\", {}]", 1,
	    "92 d700402b564700000000 80");
	parse_is("[[{\"$str\": \"x\"}, {}], {\"t\": \"x\"}]", 1,
	    "92 92 a178 80 81 a174 a178");
	parse_is("[[1076581959, {}], {}]", 1, "92 92 ce402b5647 80 80");
}

static void
test_parse_errors(void **state)
{
	char deep[80];

	(void)state;
	parse_fails("", 1, "expected a value");
	parse_fails("[", 2, "end of line");
	parse_fails("[1,2", 5, "expected ',' or ']'");
	parse_fails("[1,,2]", 4, "unexpected ','");
	parse_fails("{\"a\":1,}", 8, "unexpected '}'; expected a key");
	parse_fails("{\"a\" 1}", 6, "expected ':'");
	parse_fails("{1:2}", 2, "a key string");
	parse_fails("01", 1, "cannot start with 0");
	parse_fails("1.", 3, "digit after '.'");
	parse_fails("1e+", 4, "exponent");
	parse_fails("+1", 1, "unexpected '+'");
	parse_fails("\"abc", 1, "string not closed");
	parse_fails("\"a\x01\"", 3, "control character 0x01");
	parse_fails("\"\\ud800\"", 2, "not followed by a low surrogate");
	parse_fails("\"\\ud800\\u0041\"", 2, "low surrogate");
	parse_fails("\"\\udc00\"", 2, "lone low surrogate");
	parse_fails("\"\\u12\"", 2, "4 hex digits");
	parse_fails("\"\\q\"", 2, "unknown escape");
	parse_fails("\"\xff\"", 2, "invalid UTF-8");
	parse_fails("\"\xed\xa0\x80\"", 2, "invalid UTF-8");
	parse_fails("\"\xc3\"", 2, "invalid UTF-8");
	parse_fails("18446744073709551616", 1, "64-bit range");
	parse_fails("-9223372036854775809", 1, "64-bit range");
	parse_fails("[1e400]", 2, "float64 range");
	parse_fails("nan", 1, "unexpected 'n'");
	parse_fails("1 2", 3, "text after the value");
	parse_fails("truex", 5, "text after the value");
	parse_fails("\xc3\xa9", 1, "unexpected byte 0xc3");
	parse_fails("{\"\xc3\xa9\": x}", 7, "unexpected 'x'");
	parse_fails("{\"$foo\":1}", 2, "unknown tag \"$foo\"");
	parse_fails("{\"$\":1}", 2, "unknown tag");
	parse_fails("{\"$bin\":\"0\"}", 9, "odd number of hex digits");
	parse_fails("{\"$bin\":\"zz\"}", 9, "not a hex digit");
	parse_fails("{\"$bin\":1}", 9, "a string of hex digits");
	parse_fails("{\"$bin\":\"00\",\"a\":1}", 13, "has one key");
	parse_fails("{\"$ext\":[300,\"00\"]}", 10, "-128 to 127");
	parse_fails("{\"$ext\":[1.5,\"00\"]}", 10, "-128 to 127");
	parse_fails("{\"$ext\":[1]}", 11, "expected ','");
	parse_fails("{\"$f32\":1e39}", 9, "float32 range");
	parse_fails("{\"$f32\":\"7fc0\"}", 9, "8 hex digits");
	parse_fails("{\"$f64\":\"zz\"}", 9, "16 hex digits");
	parse_fails("{\"$map\":[[1]]}", 12, "expected ','");
	parse_fails("{\"$map\":[1]}", 10, "[key, value] pair");
	parse_fails("{\"$time\":\"2004-02-30T00:00:00Z\"}", 10, "no such date");
	parse_fails("{\"$time\":\"2003-02-29T00:00:00Z\"}", 10, "no such date");
	parse_fails("{\"$time\":\"2004-02-12T24:00:00Z\"}", 10, "no such date");
	parse_fails("{\"$time\":\"1969-12-31T23:59:59Z\"}", 10,
	    "EventTime range");
	parse_fails("{\"$time\":\"2106-02-07T06:28:16Z\"}", 10,
	    "EventTime range");
	parse_fails("{\"$time\":\"2004-02-12 10:32:39Z\"}", 10, "ISO 8601");
	parse_fails("{\"$time\":\"2004-02-12T10:32:39\"}", 10, "ISO 8601");
	parse_fails("{\"$time\":\"2004-02-12T10:32:39.Z\"}", 10, "ISO 8601");
	parse_fails("{\"$time\":\"2004-02-12T10:32:39.1234567890Z\"}", 10,
	    "more than 9");
	parse_fails("[[\"yesterday\", {}], {}]", 3, "ISO 8601");
	/* 32 levels parse, 33 do not */
	memset(deep, '[', 33);
	memset(deep + 33, ']', 33);
	deep[66] = '\0';
	parse_fails(deep, 33, "nested deeper than 32");
	buf_reset(&B);
	assert_int_equal(json_parse(&J, &B, deep + 1, 64, 0), 0);
}

/* print(parse(text)) == text for texts in the printed form */
static void
test_round_trip(void **state)
{
	static const char *texts[] = {
		"[[\"2004-02-12T10:32:39.000000001Z\",{\"kind\":\"sample\","
		    "\"dev\":\"b1\",\"seq\":18446744073709551615}],{\"x\":1.5,"
		    "\"y\":-2,\"z\":[null,true,false,0.1,1e-05,-0.0]}]",
		"[[1.5,{}],{\"$map\":[[\"$x\",{\"$f32\":0.1}],[1,{\"$bin\":"
		    "\"00\"}],[\"a\",1],[\"a\",{\"$ext\":[-128,\"\"]}]]}]",
		"[[{\"$str\":\"t\"},{\"s\":{\"$strhex\":\"ff\"}}],{\"t\":{"
		    "\"$time\":\"1970-01-01T00:00:00.000000000Z\"},\"n\":"
		    "[NaN,Infinity,-Infinity,{\"$f64\":\"7ff0000000000001\"},"
		    "{\"$f32\":\"ff800001\"},{\"$f32\":NaN}]}]",
		"[1,{\"\\u0000\\u001f\\\"\\\\\xe2\x80\xa8\":\"\\n\"}]",
	};
	struct buf mp = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		buf_reset(&mp);
		if (json_parse(&J, &mp, texts[i], strlen(texts[i]), 1) == -1)
			fail_msg("%s: col %zu: %s", texts[i], J.col, J.err);
		buf_reset(&B);
		assert_int_equal(json_print(&J, &B, mp.p, mp.len, 1, NULL), 0);
		buf_putc(&B, '\0');
		assert_string_equal(B.p, texts[i]);
	}
	buf_free(&mp);
}

/*
 * Mutated inputs (bytes flipped, cut, repeated) never crash either side,
 * and whatever prints reads back to a value that prints the same.
 */
static void
test_mutations(void **state)
{
	static const char *seeds[] = {
	    "92 92 d700402b5647075bcd15 82 a3646576 a162 a3736571 cd0100"
	    " 83 a178 cb3ff8000000000000 a179 93 01 c40200ff d4ff01 a17a"
	    " 81 a161 ca3dcccccd",
	    "93 dc0002 c0c3 de0001 01 a2ff00 c70305616263 d0df"
	    " 82 a22478 90 a16101",
	};
	static const char *jseeds[] = {
	    "[[\"2004-02-12T10:32:39.5Z\",{\"a\":[1,-2,3.5e-7]}],"
	    "{\"$map\":[[1,{\"$f32\":0.1}],[\"k\",\"\\u00e9\\n\"]]}]",
	    "{\"$ext\":[-5,\"00ff\"]}",
	    "[NaN,-Infinity,{\"$bin\":\"00\"},{\"$time\":\"1970-01-01T00:00:00Z\"}]",
	};
	char in[512];
	struct buf mp = BUF_INIT, txt = BUF_INIT;
	size_t n, k, len;
	int i, r;

	(void)state;
	for (i = 0; i < 200000; i++) {
		if (i % 2 == 0) {
			n = unhex(seeds[(i / 2) % 2], in);
		} else {
			len = strlen(jseeds[(i / 2) % 3]);
			memcpy(in, jseeds[(i / 2) % 3], len);
			n = len;
		}
		for (k = rnd() % 4; k > 0; k--) {
			switch (rnd() % 3) {
			case 0:
				in[rnd() % n] ^= (char)(1 << (rnd() % 8));
				break;
			case 1:
				n = 1 + rnd() % n;
				break;
			case 2:
				in[rnd() % n] = in[rnd() % n];
				break;
			}
		}
		buf_reset(&mp);
		buf_reset(&txt);
		if (i % 2 == 0) {
			assert_int_equal(buf_append(&mp, in, n), 0);
			r = json_print(&J, &txt, mp.p, mp.len, i % 4 == 0, &len);
			if (r == -1) {
				assert_true(J.off <= n);
				continue;
			}
		} else {
			r = json_parse(&J, &mp, in, n, i % 4 == 1);
			if (r == -1) {
				assert_true(J.col >= 1 && J.col <= n + 1);
				continue;
			}
			assert_int_equal(json_print(&J, &txt, mp.p, mp.len,
			    i % 4 == 1, &len), 0);
			assert_int_equal(len, mp.len);
		}
		/* text -> msgpack -> the same text */
		buf_reset(&mp);
		if (json_parse(&J, &mp, txt.p, txt.len, i % 4 < 2) == -1)
			fail_msg("%.*s: col %zu: %s", (int)txt.len, txt.p,
			    J.col, J.err);
		buf_reset(&B);
		assert_int_equal(json_print(&J, &B, mp.p, mp.len, i % 4 < 2,
		    NULL), 0);
		assert_int_equal(B.len, txt.len);
		assert_memory_equal(B.p, txt.p, txt.len);
	}
	buf_free(&mp);
	buf_free(&txt);
}

static int
teardown(void **state)
{
	(void)state;
	json_free(&J);
	buf_free(&B);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_scalars),
		cmocka_unit_test(test_print_floats),
		cmocka_unit_test(test_floats_read_back),
		cmocka_unit_test(test_print_containers),
		cmocka_unit_test(test_print_frame_time),
		cmocka_unit_test(test_print_bad),
		cmocka_unit_test(test_parse_scalars),
		cmocka_unit_test(test_parse_containers),
		cmocka_unit_test(test_parse_frame_time),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}

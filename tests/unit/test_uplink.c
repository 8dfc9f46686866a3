/*
 * test_uplink -- the --mqtt-* options that sample-upload and collect share
 * (uplink.h): UPLINK_LONGOPTS through getopt_long(), uplink_option() into
 * a uplink_conf, keepalive's range and message.  The transports themselves
 * are tested end to end (tests/e2e/upload_*.sh).
 */
// pkgs: libmosquitto
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "uplink.h"

static const struct option opts[] = {
	{ "other",	required_argument, NULL, 'x' },
	UPLINK_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* argv through getopt_long() and uplink_option() into *c: 0, or the first
 * uplink_option() result that is not 1 (the option 'x' gives 0). */
static int
parse(int argc, char **argv, struct uplink_conf *c, char *err, size_t n)
{
	int ch, st;

	optind = 0;		/* glibc: start again */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "x:", opts, NULL)) != -1)
		if ((st = uplink_option(c, ch, optarg, err, n)) != 1)
			return st;
	return 0;
}

static void
test_options(void **state)
{
	char *argv[] = { "prog", "--mqtt-ca", "ca.pem", "--mqtt-cert",
	    "c.pem", "--mqtt-client-id", "cid", "--mqtt-id", "dev7",
	    "--mqtt-keepalive", "3600", "--mqtt-key", "k.pem",
	    "--mqtt-password", "pw", "--mqtt-reply-topic", "ack/{id}",
	    "--mqtt-topic", "batch/{id}", "--mqtt-user", "u", NULL };
	struct uplink_conf c;
	char err[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse(21, argv, &c, err, sizeof(err)), 0);
	assert_string_equal(c.ca, "ca.pem");
	assert_string_equal(c.cert, "c.pem");
	assert_string_equal(c.client_id, "cid");
	assert_string_equal(c.id, "dev7");
	assert_int_equal(c.keepalive, 3600);
	assert_string_equal(c.key, "k.pem");
	assert_string_equal(c.password, "pw");
	assert_string_equal(c.reply_topic, "ack/{id}");
	assert_string_equal(c.topic, "batch/{id}");
	assert_string_equal(c.user, "u");
	assert_ptr_equal(c.ca, argv[2]);	/* borrowed, not copied */
}

static void
test_keepalive_and_others(void **state)
{
	char *lo[] = { "prog", "--mqtt-keepalive", "5", NULL };
	char *low[] = { "prog", "--mqtt-keepalive", "4", NULL };
	char *high[] = { "prog", "--mqtt-keepalive", "3601", NULL };
	char *word[] = { "prog", "--mqtt-keepalive", "10s", NULL };
	char *other[] = { "prog", "--other", "1", NULL };
	struct uplink_conf c;
	char err[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse(3, lo, &c, err, sizeof(err)), 0);
	assert_int_equal(c.keepalive, 5);
	assert_int_equal(parse(3, low, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "--mqtt-keepalive: '4' is not a whole number "
	    "from 5 to 3600");
	assert_int_equal(parse(3, high, &c, err, sizeof(err)), -1);
	assert_int_equal(parse(3, word, &c, err, sizeof(err)), -1);
	assert_int_equal(c.keepalive, 5);	/* kept when refused */
	assert_int_equal(parse(3, other, &c, err, sizeof(err)), 0);
	assert_int_equal(uplink_option(&c, 'x', "1", err, sizeof(err)), 0);
	assert_int_equal(uplink_option(&c, 'i', "1", err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_keepalive_and_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

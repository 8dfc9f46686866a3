/*
 * test_conf -- options from a file (libstream/conf.h): names looked up in
 * the getopt_long() table, values with blanks inside, flags, comments and
 * blank lines, errors naming the file and line, the permission check, the
 * -C operand found in argv.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

static const struct option opts[] = {
	{ "config",	required_argument, NULL, 'C' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "name",	required_argument, NULL, 'n' },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "mqtt-password", required_argument, NULL, 0x1000 },
	{ NULL, 0, NULL, 0 }
};

struct seen {
	int	 ch[8];
	char	*val[8];
	int	 n;
};

static void
apply(void *arg, int ch, const char *val)
{
	struct seen *s = arg;

	s->ch[s->n] = ch;
	s->val[s->n] = (char *)val;
	s->n++;
}

static char path[64];

static void
put(const char *text, mode_t mode)
{
	FILE *fp;

	strcpy(path, "/tmp/test_conf.XXXXXX");
	close(mkstemp(path));
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

static void
test_load(void **state)
{
	struct seen s = { { 0 }, { 0 }, 0 };
	char err[256];

	(void)state;
	put("# a comment\n\n  name   pump station 7  \nverbose\n"
	    "mqtt-password\ts3cret\n", 0600);
	assert_int_equal(conf_load(path, opts, apply, &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ch[0], 'n');
	assert_string_equal(s.val[0], "pump station 7");
	assert_int_equal(s.ch[1], 'v');
	assert_null(s.val[1]);
	assert_int_equal(s.ch[2], 0x1000);
	assert_string_equal(s.val[2], "s3cret");
	unlink(path);
	/* readable by others: 1, the options still applied */
	put("name x\n", 0644);
	s.n = 0;
	assert_int_equal(conf_load(path, opts, apply, &s, err, sizeof(err)),
	    1);
	assert_int_equal(s.n, 1);
	unlink(path);
}

static void
test_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "name a\nbogus 1\n", ":2: bogus: not an option" },
		{ "name\n", ":1: name needs a value" },
		{ "verbose yes\n", ":1: verbose takes no value" },
		{ "help\n", ":1: help: not an option" },
		{ "config x\n", ":1: config: not an option" },
	};
	struct seen s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i][0], 0600);
		s.n = 0;
		assert_int_equal(conf_load(path, opts, apply, &s, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, bad[i][1]));
		unlink(path);
	}
	assert_int_equal(conf_load("/nonexistent/x", opts, apply, &s, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x: No such file"));
}

static void
test_path(void **state)
{
	char *a1[] = { "p", "-q", "-C", "f1", NULL };
	char *a2[] = { "p", "--config=f2", "-v", NULL };
	char *a3[] = { "p", "-Cf3", NULL };
	char *a4[] = { "p", "--config", "f4", "--", "-C", "no", NULL };
	char *a5[] = { "p", "-v", NULL };

	(void)state;
	assert_string_equal(conf_path(4, a1), "f1");
	assert_string_equal(conf_path(3, a2), "f2");
	assert_string_equal(conf_path(2, a3), "f3");
	assert_string_equal(conf_path(6, a4), "f4");
	assert_null(conf_path(2, a5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

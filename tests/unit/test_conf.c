/*
 * test_conf -- options from files (libstream/conf.h): lines turned into
 * "--name=value" arguments before the command line's, values with blanks
 * inside, flags, comments and blank lines; errors naming the file and
 * line; conf_where() for values from a file and not for the command
 * line's; the -C operand found the way getopt_long() would (clusters,
 * "--", another option's value, '+' and operands); the permission check;
 * and 200,000 lines read whole, each where it belongs.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

static const struct option opts[] = {
	{ "config",	required_argument, NULL, 'C' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "name",	required_argument, NULL, 'n' },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "level",	optional_argument, NULL, 'l' },
	{ "mqtt-password", required_argument, NULL, 0x1000 },
	{ NULL, 0, NULL, 0 }
};
static const char shortopts[] = "C:hn:v";

static char path[64], path2[80];

static void
put(char *p, const char *text, mode_t mode)
{
	FILE *fp;

	strcpy(p, "/tmp/test_conf.XXXXXX");
	close(mkstemp(p));
	fp = fopen(p, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(p, mode);
}

/* conf_args() on a copy of v; the new argv in *out, its count returned. */
static int
expand(char **v, char ***out, int want)
{
	char err[512];
	int argc = 0;

	while (v[argc] != NULL)
		argc++;
	*out = v;
	assert_int_equal(conf_args(&argc, out, shortopts, opts, NULL, err,
	    sizeof(err)), want);
	return argc;
}

static void
test_args(void **state)
{
	char where[128];
	char *v[] = { "p", "-n", "cmd", "-C", path, "op", NULL };
	char **av;
	int n;

	(void)state;
	put(path, "# a comment\n\n  name   pump station 7  \nverbose # on\n"
	    "mqtt-password\ts3cr#et\nlevel\nlevel 3\n", 0600);
	n = expand(v, &av, EX_OK);
	assert_int_equal(n, 9);
	assert_string_equal(av[0], "p");
	assert_string_equal(av[1], "--name=pump station 7");
	assert_string_equal(av[2], "--verbose");
	assert_string_equal(av[3], "--mqtt-password=s3cr#et");
	assert_string_equal(av[4], "--level");
	assert_string_equal(av[5], "--level=3");
	assert_string_equal(av[6], "-n");	/* the command line after */
	assert_string_equal(av[7], "cmd");
	assert_string_equal(av[8], "op");
	assert_null(av[9]);
	/* where each value came from; the command line's own: nowhere */
	snprintf(where, sizeof(where), "%s:3", path);
	assert_string_equal(conf_where(av[1] + 7), where);
	assert_string_equal(conf_where(av[1] + 10), where);
	snprintf(where, sizeof(where), "%s:5", path);
	assert_string_equal(conf_where(av[3] + 16), where);
	snprintf(where, sizeof(where), "%s:7", path);
	assert_string_equal(conf_where(av[5] + 8), where);
	assert_null(conf_where(av[7]));
	assert_null(conf_where(NULL));
	assert_null(conf_exposed());
	unlink(path);
	/* readable by others: said, the options still taken */
	put(path, "name x\n", 0644);
	v[4] = path;
	n = expand(v, &av, EX_OK);
	assert_int_equal(n, 5);
	assert_string_equal(conf_exposed(), path);
	unlink(path);
}

static void
test_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "name a\nbogus 1\n", ":2: bogus: no such option" },
		{ "\n\nname\n", ":3: name: needs a value" },
		{ "verbose yes\n", ":1: verbose: takes no value" },
		{ "help\n", ":1: help: no such option" },
		{ "config x\n", ":1: config: not inside a config file" },
		{ "nam x\n", ":1: nam: no such option" },	/* no prefixes */
	};
	char *v[] = { "p", "--config", path, NULL }, **av;
	char err[512];
	int argc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(path, bad[i][0], 0600);
		argc = 3;
		av = v;
		assert_int_equal(conf_args(&argc, &av, shortopts, opts, NULL,
		    err, sizeof(err)), EX_USAGE);
		assert_true(strncmp(err, path, strlen(path)) == 0);
		assert_string_equal(err + strlen(path), bad[i][1]);
		unlink(path);
	}
	v[2] = "/nonexistent/x";
	argc = 3;
	av = v;
	assert_int_equal(conf_args(&argc, &av, shortopts, opts, NULL, err,
	    sizeof(err)), EX_NOINPUT);
	assert_string_equal(err, "/nonexistent/x: No such file or directory");
}

/* Where -C is, and is not, taken for a config file. */
static void
test_scan(void **state)
{
	char *a1[] = { "p", "-vC", path, "x", NULL };
	char *a2[] = { "p", "--config=", NULL };
	char *a3[] = { "p", NULL, "--", "-C", "no", NULL };
	char *a4[] = { "p", "-n", "-C", "--conf", path, NULL };
	char *a5[] = { "p", "-v", NULL };
	char **av;
	int n;

	(void)state;
	put(path, "name f\n", 0600);
	n = expand(a1, &av, EX_OK);		/* -vC FILE: -v kept */
	assert_int_equal(n, 4);
	assert_string_equal(av[1], "--name=f");
	assert_string_equal(av[2], "-v");
	assert_string_equal(av[3], "x");
	expand(a2, &av, EX_NOINPUT);		/* --config= : file "" */
	snprintf(path2, sizeof(path2), "-C%s", path);
	a3[1] = path2;
	n = expand(a3, &av, EX_OK);		/* -CFILE; after --: theirs */
	assert_int_equal(n, 5);
	assert_string_equal(av[1], "--name=f");
	assert_string_equal(av[2], "--");
	assert_string_equal(av[3], "-C");
	n = expand(a4, &av, EX_OK);	/* -n's value "-C"; a prefix --conf */
	assert_int_equal(n, 4);
	assert_string_equal(av[1], "--name=f");
	assert_string_equal(av[2], "-n");
	assert_string_equal(av[3], "-C");
	n = expand(a5, &av, EX_OK);		/* none: argv as it was */
	assert_true(av == a5 && n == 2);
	unlink(path);
}

/* Options end at the first operand ('+'): a command's own -C is its. */
static void
test_plus(void **state)
{
	char *v[] = { "p", "-C", path, "make", "-C", "dir", NULL }, **av;
	char err[512];
	int argc = 6;

	(void)state;
	put(path, "verbose\n", 0600);
	av = v;
	assert_int_equal(conf_args(&argc, &av, "+C:hn:v", opts, NULL, err,
	    sizeof(err)), EX_OK);
	assert_int_equal(argc, 5);
	assert_string_equal(av[1], "--verbose");
	assert_string_equal(av[2], "make");
	assert_string_equal(av[3], "-C");
	assert_string_equal(av[4], "dir");
	unlink(path);
}

/* --config only, when -C means something else to the program. */
static void
test_long_only(void **state)
{
	static const struct option o2[] = {
		{ "config",	required_argument, NULL, 0x2000 },
		{ "name",	required_argument, NULL, 'n' },
		{ "C",		required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	char *v[] = { "p", "-C", "0.5", "--config", path, NULL }, **av;
	char err[512];
	int argc = 5;

	(void)state;
	put(path, "name z\nC 2\n", 0600);
	av = v;
	assert_int_equal(conf_args(&argc, &av, "C:n:", o2, NULL, err,
	    sizeof(err)), EX_OK);
	assert_int_equal(argc, 5);
	assert_string_equal(av[1], "--name=z");
	assert_string_equal(av[2], "--C=2");
	assert_string_equal(av[3], "-C");
	assert_string_equal(av[4], "0.5");
	unlink(path);
}

/*
 * 200,000 lines: every one an argument, in order, each value where it
 * came from.  The CPU time is printed, not checked (bench/conf.sh has the
 * figures, 200,000 and 1,000,000 lines).
 */
static void
test_large(void **state)
{
	enum { N = 200000 };
	char *v[] = { "p", "-C", path, NULL }, **av, want[64], where[128];
	FILE *fp;
	clock_t t0;
	int n, i;

	(void)state;
	strcpy(path, "/tmp/test_conf.XXXXXX");
	close(mkstemp(path));
	fp = fopen(path, "w");
	for (i = 0; i < N; i++)
		fprintf(fp, "%s %d\n", i % 2 ? "name" : "mqtt-password", i);
	fclose(fp);
	t0 = clock();
	n = expand(v, &av, EX_OK);
	print_message("200,000 lines: %.3f s CPU\n",
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	assert_int_equal(n, N + 1);
	for (i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "--%s=%d", i % 2 ? "name" :
		    "mqtt-password", i);
		assert_string_equal(av[i + 1], want);
	}
	snprintf(where, sizeof(where), "%s:%d", path, N);
	assert_string_equal(conf_where(strchr(av[N], '=') + 1), where);
	snprintf(where, sizeof(where), "%s:1", path);
	assert_string_equal(conf_where(strchr(av[1], '=') + 1), where);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_plus),
		cmocka_unit_test(test_long_only),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

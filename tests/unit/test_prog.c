/*
 * test_prog -- the part every program shares: options -q, --metrics,
 * --metrics-every; counters; several equations and the first that breaks;
 * the first failure kept; what prog_end() prints and returns (quiet or
 * not, a failure, "(interrupted)"); the metrics file at start, when due
 * and at exit; SIGUSR1 answered by prog_poll().  stderr is caught in a
 * file to check what is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <cmocka.h>

#include "prog.h"

static char dir[] = "/tmp/test_prog.XXXXXX";
static char path_err[256], path_met[256];
static char said[4096];		/* what the last caught call printed */
static int saved_fd = -1;

static void
catch_stderr(void)
{
	int fd;

	fflush(stderr);
	assert_true((fd = open(path_err, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) >= 0);
	assert_true((saved_fd = dup(2)) >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
}

static void
release_stderr(void)
{
	FILE *fp;
	size_t n;

	fflush(stderr);
	assert_int_equal(dup2(saved_fd, 2), 2);
	close(saved_fd);
	saved_fd = -1;
	assert_non_null(fp = fopen(path_err, "r"));
	n = fread(said, 1, sizeof(said) - 1, fp);
	said[n] = '\0';
	fclose(fp);
}

/* Is line (with its newline) one of the lines of file path? */
static int
file_has_line(const char *path, const char *line)
{
	char buf[1024];
	FILE *fp;
	int found = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(buf, sizeof(buf), fp) != NULL)
		found = strcmp(buf, line) == 0;
	fclose(fp);
	return found;
}

/* A program with the counters a, b, c and d. */
static void
setup_abcd(struct prog *p)
{
	prog_init(p, "t");
	assert_int_equal(prog_counter(p, "a"), 0);
	assert_int_equal(prog_counter(p, "b"), 1);
	assert_int_equal(prog_counter(p, "c"), 2);
	assert_int_equal(prog_counter(p, "d"), 3);
}

static void
test_options(void **state)
{
	struct prog p;

	(void)state;
	prog_init(&p, "t");
	assert_int_equal(p.status, EX_OK);
	assert_int_equal(p.quiet, 0);
	assert_null(p.metrics_path);
	assert_true(p.metrics_every == 10);
	assert_int_equal(prog_option(&p, 'q', NULL), 1);
	assert_int_equal(p.quiet, 1);
	assert_int_equal(prog_option(&p, PROG_OPT_METRICS, "m.prom"), 1);
	assert_string_equal(p.metrics_path, "m.prom");
	assert_int_equal(prog_option(&p, PROG_OPT_METRICS_EVERY, "500ms"), 1);
	assert_true(p.metrics_every == 0.5);
	assert_int_equal(prog_option(&p, PROG_OPT_METRICS_EVERY, "0"), -1);
	assert_string_equal(prog_error(&p), "--metrics-every: '0' is not a "
	    "duration from 100ms to 1d");
	assert_true(p.metrics_every == 0.5);	/* a bad value changes nothing */
	assert_int_equal(prog_option(&p, PROG_OPT_METRICS_EVERY, "2d"), -1);
	assert_int_equal(prog_option(&p, 'x', "y"), 0);
	assert_int_equal(prog_option(&p, PROG_OPT_OWN, "y"), 0);
}

static void
test_counters(void **state)
{
	static char names[COUNTERS_MAX][8];
	struct prog p;
	int i;

	(void)state;
	prog_init(&p, "t");
	assert_int_equal(prog_counter(&p, "in"), 0);
	assert_int_equal(prog_counter(&p, "out"), 1);
	assert_int_equal(prog_counter(&p, "in"), 0);	/* the same one */
	PROG_COUNT(&p, 1) = 7;
	assert_int_equal(p.c.n[1], 7);
	for (i = 2; i < COUNTERS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		assert_int_equal(prog_counter(&p, names[i]), i);
	}
	assert_int_equal(prog_counter(&p, "one_more"), -1);
	/* all 64 on one line, in order */
	catch_stderr();
	prog_report(&p);
	release_stderr();
	assert_int_equal(strncmp(said, "t: in=0 out=7 c2=0 c3=0 ", 24), 0);
	assert_non_null(strstr(said, " c62=0 c63=0\n"));
}

static void
test_equations_parse(void **state)
{
	char big[PROG_EQUATION_MAX + 8];
	struct prog p;

	(void)state;
	setup_abcd(&p);
	assert_int_equal(prog_equation(&p, "a = b + c"), 0);
	assert_int_equal(prog_equation(&p, "a = b; c = d"), 0);
	assert_int_equal(prog_equation(&p, " a=b+c ;d = a ; "), 0);
	assert_int_equal(p.status, EX_OK);
	assert_int_equal(prog_equation(&p, "a = nosuch"), -1);
	assert_int_equal(p.status, EX_SOFTWARE);	/* a bug, kept */
	assert_non_null(strstr(prog_error(&p), "no counter 'nosuch'"));
	/* the second of two, named alone */
	assert_int_equal(prog_equation(&p, "a = b; c = = d"), -1);
	assert_non_null(strstr(prog_error(&p), "equation 'c = = d'"));
	assert_int_equal(prog_equation(&p, "a + b"), -1);
	assert_int_equal(prog_equation(&p, "a = b = c"), -1);
	assert_int_equal(prog_equation(&p, "a = b;; c = d"), -1);
	assert_int_equal(prog_equation(&p, "a = B"), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(prog_equation(&p, big), -1);
	assert_string_equal(prog_error(&p), "equation too long");
	/* a failed call kept the last good one */
	assert_string_equal(p.equation, " a=b+c ;d = a ; ");
}

static void
test_equations_end(void **state)
{
	struct prog p;

	(void)state;
	/* both hold: the line, EX_OK */
	setup_abcd(&p);
	assert_int_equal(prog_equation(&p, "a = b + c; d = a"), 0);
	PROG_COUNT(&p, 0) = 5;
	PROG_COUNT(&p, 1) = 2;
	PROG_COUNT(&p, 2) = 3;
	PROG_COUNT(&p, 3) = 5;
	catch_stderr();
	assert_int_equal(prog_end(&p), EX_OK);
	release_stderr();
	assert_string_equal(said, "t: a=5 b=2 c=3 d=5\n");

	/* the second breaks: named alone, with its sums, EX_SOFTWARE */
	setup_abcd(&p);
	assert_int_equal(prog_equation(&p, "a = b + c; d = a"), 0);
	PROG_COUNT(&p, 0) = 5;
	PROG_COUNT(&p, 1) = 2;
	PROG_COUNT(&p, 2) = 3;
	PROG_COUNT(&p, 3) = 4;
	p.quiet = 1;
	catch_stderr();
	assert_int_equal(prog_end(&p), EX_SOFTWARE);
	release_stderr();
	assert_string_equal(said, "t: the accounting does not balance: "
	    "d = a, but 4 != 5\n");

	/* no equation: nothing to break */
	setup_abcd(&p);
	PROG_COUNT(&p, 0) = 1;
	p.quiet = 1;
	catch_stderr();
	assert_int_equal(prog_end(&p), EX_OK);
	release_stderr();
	assert_string_equal(said, "");
}

static void
test_fail(void **state)
{
	struct prog p;

	(void)state;
	setup_abcd(&p);
	p.quiet = 1;
	assert_int_equal(prog_fail(&p, EX_IOERR, "%s: write: %s", "-",
	    "Broken pipe"), -1);
	assert_int_equal(prog_fail(&p, EX_DATAERR, "later"), -1);
	assert_int_equal(p.status, EX_IOERR);
	assert_string_equal(prog_error(&p), "-: write: Broken pipe");
	/* the failure, then the line even with -q */
	catch_stderr();
	assert_int_equal(prog_end(&p), EX_IOERR);
	release_stderr();
	assert_string_equal(said, "t: -: write: Broken pipe\n"
	    "t: a=0 b=0 c=0 d=0\n");
}

static void
test_metrics(void **state)
{
	struct prog p;

	(void)state;
	prog_init(&p, "t");
	(void)prog_counter(&p, "in");
	assert_int_equal(prog_option(&p, PROG_OPT_METRICS, path_met), 1);
	p.quiet = 1;
	assert_int_equal(prog_start(&p), EX_OK);
	assert_true(file_has_line(path_met,
	    "pdm_running{prog=\"t\",name=\"m\"} 1\n"));
	assert_true(file_has_line(path_met,
	    "pdm_frames_total{prog=\"t\",name=\"m\",counter=\"in\"} 0\n"));
	/* not due: the file stays as it was */
	PROG_COUNT(&p, 0) = 3;
	prog_tick(&p);
	assert_true(file_has_line(path_met,
	    "pdm_frames_total{prog=\"t\",name=\"m\",counter=\"in\"} 0\n"));
	/* due */
	p.metrics_next = 0;
	prog_tick(&p);
	assert_true(file_has_line(path_met,
	    "pdm_frames_total{prog=\"t\",name=\"m\",counter=\"in\"} 3\n"));
	PROG_COUNT(&p, 0) = 4;
	catch_stderr();
	assert_int_equal(prog_end(&p), EX_OK);
	release_stderr();
	assert_string_equal(said, "");
	assert_true(file_has_line(path_met,
	    "pdm_running{prog=\"t\",name=\"m\"} 0\n"));
	assert_true(file_has_line(path_met,
	    "pdm_frames_total{prog=\"t\",name=\"m\",counter=\"in\"} 4\n"));

	/* a file that cannot be written: at start, EX_CANTCREAT, named */
	prog_init(&p, "t");
	p.metrics_path = "/nonexistent/dir/m.prom";
	assert_int_equal(prog_start(&p), EX_CANTCREAT);
	assert_non_null(strstr(prog_error(&p), "/nonexistent/dir/m.prom"));
	/* at the end: said, and EX_IOERR */
	p.quiet = 1;
	catch_stderr();
	assert_int_equal(prog_end(&p), EX_IOERR);
	release_stderr();
	assert_non_null(strstr(said, "t: "));
	assert_non_null(strstr(said, "/nonexistent/dir/m.prom"));
}

/* Last: SIGTERM's flag stays set for the rest of the process. */
static void
test_signals(void **state)
{
	struct prog p;

	(void)state;
	setup_abcd(&p);
	p.quiet = 1;
	PROG_COUNT(&p, 1) = 2;
	assert_int_equal(prog_start(&p), EX_OK);
	/* nothing asked: prog_poll() prints nothing */
	catch_stderr();
	prog_poll(&p);
	release_stderr();
	assert_string_equal(said, "");
	/* SIGUSR1: the line, even with -q, once */
	assert_int_equal(raise(SIGUSR1), 0);
	catch_stderr();
	prog_poll(&p);
	prog_poll(&p);
	release_stderr();
	assert_string_equal(said, "t: a=0 b=2 c=0 d=0\n");
	/* SIGTERM: the loop's condition, and "(interrupted)" at the end */
	assert_false(prog_interrupted());
	assert_int_equal(raise(SIGTERM), 0);
	assert_true(prog_interrupted());
	p.quiet = 0;
	catch_stderr();
	assert_int_equal(prog_end(&p), EX_OK);
	release_stderr();
	assert_string_equal(said, "t: a=0 b=2 c=0 d=0 (interrupted)\n");
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path_err, sizeof(path_err), "%s/err", dir);
	snprintf(path_met, sizeof(path_met), "%s/m.prom", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_equations_parse),
		cmocka_unit_test(test_equations_end),
		cmocka_unit_test(test_fail),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_signals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

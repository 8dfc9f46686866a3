/*
 * rss -- run a command, then report its wall time, CPU time and peak
 * resident set.
 *
 * The benchmarks need these figures for one run, and /usr/bin/time is not
 * installed by default: so fork, exec, wait4() and read ru_maxrss (KiB on
 * Linux) and the user + system CPU times from the rusage that wait4
 * returns, which covers the child and the descendants it waited for.  Wall
 * time is CLOCK_MONOTONIC from just before fork to just after wait4.  The
 * report goes to the -o file (the command's stdout is usually redirected to
 * /dev/null) or stderr, as one line:
 *     wall_s=1.234567 cpu_s=1.200000 maxrss_kib=5120 status=0
 * The exit status is the command's (128 + signal number if a signal killed
 * it; 127 if it could not be run).
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

_Noreturn static void
usage(int code)
{
	fprintf(code == EX_OK ? stdout : stderr,
	    "usage: rss [-o file] command [argument ...]\n");
	exit(code);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct rusage ru;
	const char *path = NULL;
	FILE *fp = stderr;
	double t0, t1;
	pid_t pid;
	int ch, st, code;

	/* '+': options end at the command's name */
	while ((ch = getopt(argc, argv, "+ho:")) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 'o':
			path = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(EX_USAGE);
	if (path != NULL && (fp = fopen(path, "we")) == NULL)
		err(EX_CANTCREAT, "%s", path);

	t0 = now();
	if ((pid = fork()) == -1)
		err(EX_OSERR, "fork");
	if (pid == 0) {
		execvp(argv[0], argv);
		warn("%s", argv[0]);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR)
			err(EX_OSERR, "wait4");
	t1 = now();

	if (WIFEXITED(st))
		code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		code = 128 + WTERMSIG(st);
	else
		code = 70;
	fprintf(fp, "wall_s=%.6f cpu_s=%.6f maxrss_kib=%ld status=%d\n",
	    t1 - t0, ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6, ru.ru_maxrss,
	    code);
	if (fflush(fp) == EOF || ferror(fp) || (fp != stderr && fclose(fp)))
		err(EX_IOERR, "%s", path ? path : "stderr");
	return code;
}

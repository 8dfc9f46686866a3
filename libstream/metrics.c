/*
 * metrics -- counters to a Prometheus textfile, written atomically: the
 * text goes to PATH.tmp.PID, is flushed and fsynced, then renamed over
 * PATH (the collector reads *.prom files and ignores the temporary one).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

/* The file's base name without a ".prom" suffix, into out. */
static void
base_name(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".prom") == 0)
		n -= 5;
	if (n >= size)
		n = size - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

/* A label value as Prometheus wants it: \, " and newline escaped. */
static void
put_label(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', fp);
		if (*s == '\n') {
			fputs("\\n", fp);
			continue;
		}
		fputc(*s, fp);
	}
}

static void
put_labels(FILE *fp, const char *prog, const char *name)
{
	fputs("{prog=\"", fp);
	put_label(fp, prog);
	fputs("\",name=\"", fp);
	put_label(fp, name);
	fputc('"', fp);
}

int
metrics_write(const char *path, const char *prog, const struct counters *c,
    int running, char *err, size_t errlen)
{
	char tmp[4096], name[256];
	struct timespec now;
	FILE *fp;
	unsigned i;
	int saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	base_name(path, name, sizeof(name));
	if ((fp = fopen(tmp, "w")) == NULL) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		errno = saved;
		return -1;
	}
	fputs("# HELP pdm_frames_total Frames counted by a pdm-edge program, "
	    "by counter (docs/filters.md).\n"
	    "# TYPE pdm_frames_total counter\n", fp);
	for (i = 0; i < c->count; i++) {
		fputs("pdm_frames_total", fp);
		put_labels(fp, prog, name);
		fputs(",counter=\"", fp);
		put_label(fp, c->name[i]);
		fprintf(fp, "\"} %llu\n", (unsigned long long)c->n[i]);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	fputs("# HELP pdm_running 1 while the program runs, 0 after it "
	    "ended.\n# TYPE pdm_running gauge\npdm_running", fp);
	put_labels(fp, prog, name);
	fprintf(fp, "} %d\n", running ? 1 : 0);
	fputs("# HELP pdm_metrics_updated_seconds When this file was "
	    "written, Unix time.\n"
	    "# TYPE pdm_metrics_updated_seconds gauge\n"
	    "pdm_metrics_updated_seconds", fp);
	put_labels(fp, prog, name);
	fprintf(fp, "} %lld.%03ld\n", (long long)now.tv_sec,
	    now.tv_nsec / 1000000);
	if (fflush(fp) == EOF || ferror(fp) || fsync(fileno(fp)) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(fp);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (fclose(fp) == EOF || rename(tmp, path) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

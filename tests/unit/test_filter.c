/*
 * test_filter -- the filter skeleton: counts where frames are read and
 * written, undecodable frames as reject frames (inline and to --reject),
 * the equation, open failures and their statuses, output that fails
 * (/dev/full: unwritten), the metrics file, pending input.
 */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <cmocka.h>

#include "codec.h"
#include "filter.h"

static char dir[] = "/tmp/test_filter.XXXXXX";
static char path_in[256], path_out[256], path_rej[256], path_met[256];

/* n sample frames, with a well-formed non-frame value (the int 7) after
 * frame bad_at (n or more: none) */
static void
write_input(unsigned n, unsigned bad_at)
{
	struct record *r = record_new();
	struct buf b = BUF_INIT;
	FILE *fp;
	unsigned i;

	assert_non_null(r);
	for (i = 0; i < n; i++) {
		record_clear(r);
		record_set_time(r, 1000 + (int64_t)i, 0);
		record_set_kind(r, KIND_SAMPLE);
		record_set_dev(r, "d1", 2);
		record_set_seq(r, i);
		record_add_f64(r, "x", (double)i);
		assert_int_equal(frame_encode(&b, r), 0);
		if (i == bad_at)
			assert_int_equal(buf_putc(&b, 0x07), 0);
	}
	assert_non_null(fp = fopen(path_in, "w"));
	assert_int_equal(fwrite(b.p, 1, b.len, fp), b.len);
	assert_int_equal(fclose(fp), 0);
	buf_free(&b);
	record_free(&r);
}

/* The pass-through loop every filter has. */
static int
run_pass(struct filter *f)
{
	struct record *r;

	while (filter_read(f, &r) == FILTER_FRAME)
		if (filter_pass(f, r) == -1)
			break;
	return filter_close(f);
}

/* Count frames in a file by kind. */
static void
count_file(const char *path, unsigned *samples, unsigned *rejects)
{
	struct stream *s = stream_open(path, "r");
	struct record *r;
	const struct value *v;

	*samples = *rejects = 0;
	assert_non_null(s);
	while (stream_read(s, &r) == STREAM_OK) {
		if (r->kind == KIND_SAMPLE)
			(*samples)++;
		if (r->kind == KIND_REJECT) {
			(*rejects)++;
			v = record_meta_get(r, "stage");
			assert_non_null(v);
			assert_int_equal(v->len, 4);
			assert_memory_equal(v->p, "test", 4);
		}
	}
	stream_close(&s);
}

static void
test_pass_inline(void **state)
{
	struct filter f;
	unsigned s, rj;

	(void)state;
	write_input(100, 49);
	filter_init(&f, "test");
	f.in_uri = path_in;
	f.out_uri = path_out;
	f.p.quiet = 1;
	assert_int_equal(filter_open(&f), EX_OK);
	assert_int_equal(run_pass(&f), EX_OK);
	assert_int_equal(f.p.c.n[f.ci_in], 101);
	assert_int_equal(f.p.c.n[f.ci_out], 100);
	assert_int_equal(f.p.c.n[f.ci_rejected], 1);
	assert_int_equal(f.p.c.n[f.ci_unwritten], 0);
	count_file(path_out, &s, &rj);
	assert_int_equal(s, 100);
	assert_int_equal(rj, 1);
}

static void
test_reject_stream(void **state)
{
	struct filter f;
	unsigned s, rj;

	(void)state;
	write_input(10, 3);
	filter_init(&f, "test");
	f.in_uri = path_in;
	f.out_uri = path_out;
	f.p.quiet = 1;
	assert_int_equal(filter_option(&f, FILTER_OPT_REJECT, path_rej), 1);
	assert_int_equal(filter_open(&f), EX_OK);
	assert_int_equal(run_pass(&f), EX_OK);
	count_file(path_out, &s, &rj);
	assert_int_equal(s, 10);
	assert_int_equal(rj, 0);
	count_file(path_rej, &s, &rj);
	assert_int_equal(s, 0);
	assert_int_equal(rj, 1);
}

static void
test_equation(void **state)
{
	struct filter f;
	struct record *r;
	int ci;

	(void)state;
	write_input(10, 10);
	filter_init(&f, "test");
	assert_int_equal(filter_equation(&f, "in = nosuch"), -1);
	assert_non_null(strstr(filter_error(&f), "nosuch"));
	assert_int_equal(filter_equation(&f, "in = = out"), -1);
	ci = filter_counter(&f, "used");
	assert_int_equal(filter_equation(&f, "in = used + rejected"), 0);
	f.in_uri = path_in;
	f.out_uri = path_out;
	f.p.quiet = 1;
	assert_int_equal(filter_open(&f), EX_OK);
	while (filter_read(&f, &r) == FILTER_FRAME)
		if (r->seq != 5)	/* one frame not accounted: a bug */
			FILTER_COUNT(&f, ci)++;
	assert_int_equal(filter_close(&f), EX_SOFTWARE);
}

static void
test_open_errors(void **state)
{
	struct filter f;

	(void)state;
	filter_init(&f, "test");
	f.in_uri = dir;
	assert_int_equal(filter_open(&f), EX_NOINPUT);
	assert_non_null(strstr(filter_error(&f), "is a directory"));

	filter_init(&f, "test");
	f.in_uri = "/nonexistent/x";
	assert_int_equal(filter_open(&f), EX_NOINPUT);
	assert_string_equal(filter_error(&f), "/nonexistent/x: No such file "
	    "or directory");

	filter_init(&f, "test");
	f.in_uri = "@tcp://192.0.2.1:5555";
	assert_int_equal(filter_open(&f), EX_UNAVAILABLE);
	/* the endpoint named once */
	assert_null(strstr(strstr(filter_error(&f), "192.0.2.1") + 1,
	    "192.0.2.1"));

	write_input(1, 1);
	filter_init(&f, "test");
	f.in_uri = path_in;
	f.out_uri = "/nonexistent/out";
	assert_int_equal(filter_open(&f), EX_CANTCREAT);

	filter_init(&f, "test");
	f.in_uri = path_in;
	f.out_uri = "bogus@tcp://x";
	assert_int_not_equal(filter_open(&f), EX_OK);

	filter_init(&f, "test");
	assert_int_equal(filter_option(&f, FILTER_OPT_METRICS_EVERY, "0"), -1);
	assert_int_equal(filter_option(&f, FILTER_OPT_MAX_FRAME, "12"), -1);
	assert_int_equal(filter_option(&f, FILTER_OPT_MAX_FRAME, "2M"), 1);
	assert_int_equal(f.max_frame, 2 << 20);
	assert_int_equal(filter_option(&f, 'x', "y"), 0);
}

/*
 * A program's own counter named like a ZeroMQ input's (lost, repeated)
 * would share its slot: refused by filter_open(), a file input too, with
 * the counter named; a ZeroMQ input keeps its own lost= and repeated=
 * next to the program's counters.
 */
static void
test_counter_clash(void **state)
{
	const char *const names[] = { "lost", "repeated" };
	struct filter f;
	char uri[300];
	unsigned i, k, seen;
	int ci;

	(void)state;
	write_input(3, 3);
	for (i = 0; i < 2; i++) {
		filter_init(&f, "test");
		(void)filter_counter(&f, names[i]);
		f.in_uri = path_in;
		f.out_uri = path_out;
		f.p.quiet = 1;
		assert_int_equal(filter_open(&f), EX_SOFTWARE);
		assert_non_null(strstr(filter_error(&f), names[i]));
		assert_null(f.in);		/* nothing opened */
		assert_null(f.out);
	}

	filter_init(&f, "test");
	ci = filter_counter(&f, "spool_lost");
	snprintf(uri, sizeof(uri), "@ipc://%s/clash.sock", dir);
	f.in_uri = uri;
	f.out_uri = path_out;
	f.p.quiet = 1;
	assert_int_equal(filter_open(&f), EX_OK);
	assert_true(f.ci_lost >= 0 && f.ci_repeated >= 0);
	assert_int_not_equal(f.ci_lost, ci);
	assert_int_not_equal(f.ci_repeated, ci);
	for (seen = 0, k = 0; k < f.p.c.count; k++)
		seen += strcmp(f.p.c.name[k], "lost") == 0;
	assert_int_equal(seen, 1);
	assert_int_equal(filter_close(&f), EX_OK);
}

static void
test_dev_full(void **state)
{
	struct filter f;

	(void)state;
	write_input(20000, 20000);
	filter_init(&f, "test");
	f.in_uri = path_in;
	f.out_uri = "/dev/full";
	f.p.quiet = 1;
	assert_int_equal(filter_open(&f), EX_OK);
	assert_int_equal(run_pass(&f), EX_IOERR);
	/* nothing reached the device: every frame read is unwritten */
	assert_int_equal(f.p.c.n[f.ci_out], 0);
	assert_int_equal(f.p.c.n[f.ci_unwritten], f.p.c.n[f.ci_in]);
	assert_true(f.p.c.n[f.ci_in] > 0);
	assert_non_null(strstr(filter_error(&f), "/dev/full"));
}

static void
test_metrics(void **state)
{
	struct filter f;
	char line[512];
	FILE *fp;
	int seen = 0, running0 = 0;

	(void)state;
	write_input(5, 5);
	filter_init(&f, "test");
	f.in_uri = path_in;
	f.out_uri = path_out;
	f.p.quiet = 1;
	assert_int_equal(filter_option(&f, FILTER_OPT_METRICS, path_met), 1);
	assert_int_equal(filter_open(&f), EX_OK);
	assert_int_equal(access(path_met, R_OK), 0);	/* written at open */
	assert_int_equal(run_pass(&f), EX_OK);
	assert_non_null(fp = fopen(path_met, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strcmp(line, "pdm_frames_total{prog=\"test\",name=\"m\","
		    "counter=\"in\"} 5\n") == 0 ||
		    strcmp(line, "pdm_frames_total{prog=\"test\",name=\"m\","
		    "counter=\"out\"} 5\n") == 0)
			seen++;
		if (strcmp(line, "pdm_running{prog=\"test\",name=\"m\"} 0\n")
		    == 0)
			running0 = 1;
	}
	fclose(fp);
	assert_int_equal(seen, 2);
	assert_true(running0);
}

static void
test_pending(void **state)
{
	struct filter f;
	struct record *r;
	unsigned n = 0, pend = 0;

	(void)state;
	write_input(50, 50);
	filter_init(&f, "test");
	f.in_uri = path_in;
	f.out_uri = path_out;
	f.p.quiet = 1;
	assert_int_equal(filter_open(&f), EX_OK);
	while (filter_read(&f, &r) == FILTER_FRAME) {
		n++;
		/* a regular file never blocks: pending at its end too */
		pend += n < 50 && filter_pending(&f) != 0;
		assert_int_equal(filter_emit(&f, r), 0);
	}
	assert_int_equal(filter_close(&f), EX_OK);
	assert_int_equal(n, 50);
	assert_int_equal(pend, 49);	/* all but the last had a next one */
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path_in, sizeof(path_in), "%s/in", dir);
	snprintf(path_out, sizeof(path_out), "%s/out", dir);
	snprintf(path_rej, sizeof(path_rej), "%s/rej", dir);
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
		cmocka_unit_test(test_pass_inline),
		cmocka_unit_test(test_reject_stream),
		cmocka_unit_test(test_equation),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_counter_clash),
		cmocka_unit_test(test_dev_full),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_pending),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

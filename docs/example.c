/*
 * example -- the smallest complete filter (docs/libstream.md, "Writing a
 * filter"): adds "c.sum", the sum of a sample's numbers, to each sample
 * frame; rejects a sample that holds none; passes every other frame on
 * unchanged.  Copy it to filters/NAME/main.c to start a program.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "filter.h"

static const struct option opts[] = {
	{ "help", no_argument, NULL, 'h' },
	FILTER_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static _Noreturn void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr, "usage: example [-q] "
	    "[-i uri] [-o uri] [--reject uri] [--metrics file]\n"
	    FILTER_USAGE);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct filter f;
	struct record *r;
	struct reject why = { .rule = "fields",
	    .reason = "a sample without a number" };
	double x, sum;
	uint32_t i, n;
	int ch, st, ci_summed;

	filter_init(&f, "example");
	while ((ch = getopt_long(argc, argv, FILTER_SHORTOPTS "h", opts,
	    NULL)) != -1)
		switch (filter_option(&f, ch, optarg)) {
		case 1:
			continue;
		case -1:
			errx(EX_USAGE, "%s", filter_error(&f));
		default:
			usage(ch == 'h' ? EX_OK : EX_USAGE);
		}
	if (optind != argc)
		usage(EX_USAGE);
	ci_summed = filter_counter(&f, "summed");	/* one of its own */
	if ((st = filter_open(&f)) != EX_OK)
		errx(st, "%s", filter_error(&f));

	while (filter_read(&f, &r) == FILTER_FRAME) {
		if (r->kind != KIND_SAMPLE) {
			if (filter_pass(&f, r) == -1)	/* as it came */
				break;
			continue;
		}
		for (i = n = 0, sum = 0; i < r->nbody; i++)
			if (value_f64(&r->body[i].v, &x) == 0)
				sum += x, n++;
		if (n == 0) {
			if (filter_reject(&f, NULL, &why) == -1)
				break;
			continue;
		}
		if (record_add_f64(r, "c.sum", sum) == -1)
			err(EX_OSERR, NULL);
		FILTER_COUNT(&f, ci_summed)++;
		if (filter_emit(&f, r) == -1)
			break;
	}
	return filter_close(&f);	/* flush, account, the exit status */
}

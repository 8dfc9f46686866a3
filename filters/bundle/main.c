/*
 * bundle -- look at, sign, verify and compare model bundles
 * (docs/bundle.md).  Not a filter: one command per run, files in, text out.
 *
 *	bundle show [--json] [-k pubkey] file	what a bundle holds
 *	bundle keygen [-f] name			name.pub and name.sec
 *	bundle sign -k seckey file [out]		sign (in place by default)
 *	bundle verify [-k pubkey] file ...	load and check each
 *	bundle diff a b				what changed between two
 *	bundle section file schema|params|window	an upstream text
 *
 * Every command loads through bundle_load(), so it refuses exactly what
 * infer refuses, with the same message.
 */
#include <err.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "optx.h"
#include "timeparse.h"

static _Noreturn void	 usage(int);
static int		 cmd_show(int, char **);
static int		 cmd_keygen(int, char **);
static int		 cmd_sign(int, char **);
static int		 cmd_verify(int, char **);
static int		 cmd_diff(int, char **);
static int		 cmd_section(int, char **);
static struct bundle	*load(const char *, const char *);

static char errbuf[1024];

/* The options of every command (each takes those it can use). */
static const struct option lo[] = {
	{ "config",	required_argument,	NULL, 'C' },
	{ "force",	no_argument,		NULL, 'f' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "key",	required_argument,	NULL, 'k' },
	{ NULL, 0, NULL, 0 }
};
static const char optstr[] = "C:fhk:";

static _Noreturn void
usage(int status)
{
	optx_usage(status,
	    "usage: bundle show [--json] [-k pubkey] file\n"
	    "       bundle keygen [-f] name\n"
	    "       bundle sign -k seckey file [out]\n"
	    "       bundle verify [-k pubkey] file ...\n"
	    "       bundle diff a b\n"
	    "       bundle section file schema|params|window\n", "\n"
	    "  show     a summary of the bundle (--json: all of it, for tools)\n"
	    "  keygen   a new ed25519 pair: name.pub (public) and name.sec\n"
	    "           (secret, mode 0600); -f overwrites\n"
	    "  sign     sign with the secret key file, in place or into out\n"
	    "  verify   load and check each file (digest, signature, shapes,\n"
	    "           weights); with -k only bundles signed by that key pass\n"
	    "  diff     what changed from a to b; exit 0 same body, 1 differ\n"
	    "  section  print an embedded upstream text (what validate -s,\n"
	    "           normalize -p and window -C read from a bundle)\n"
	    "  -C, --config FILE  the command's options from FILE, a "
	    "\"long-option value\"\n"
	    "           a line (the command line wins)\n"
	    "  -h, --help  this help\n");
}

int
main(int argc, char *argv[])
{
	const char *cmd;

	if (argc < 2)
		usage(EX_USAGE);
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		usage(EX_OK);
	argc--;
	argv++;
	/* -C FILE: the command's options from a file, before its own */
	optx_config(&argc, &argv, optstr, lo, NULL);
	if (strcmp(cmd, "show") == 0)
		return cmd_show(argc, argv);
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(cmd, "sign") == 0)
		return cmd_sign(argc, argv);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc, argv);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(argc, argv);
	if (strcmp(cmd, "section") == 0)
		return cmd_section(argc, argv);
	warnx("%s: not a command (show, keygen, sign, verify, diff, section)",
	    cmd);
	usage(EX_USAGE);
}

/* Options shared by the commands: -k FILE, -f, --json, -h. */
static int
opts(int argc, char **argv, const char **key, int *force, int *json)
{
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, optstr, lo, NULL)) != -1)
		switch (ch) {
		case 'f':
			if (force == NULL)
				usage(EX_USAGE);
			*force = 1;
			break;
		case 'h':
			usage(EX_OK);
		case 'j':
			if (json == NULL)
				usage(EX_USAGE);
			*json = 1;
			break;
		case 'k':
			if (key == NULL)
				usage(EX_USAGE);
			*key = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	return optind;
}

/* The bundle at path, checked against the public key file (NULL: none). */
static struct bundle *
load(const char *path, const char *pubfile)
{
	uint8_t pk[32];
	struct bundle *b;

	if (pubfile != NULL && bundle_key_read(pubfile, pk, 32, errbuf,
	    sizeof(errbuf)) == -1)
		errx(EX_NOINPUT, "%s", errbuf);
	if ((b = bundle_load(path, pubfile ? pk : NULL, errbuf,
	    sizeof(errbuf))) == NULL)
		errx(access(path, R_OK) == 0 ? EX_DATAERR : EX_NOINPUT, "%s",
		    errbuf);
	return b;
}

/* ---- show ------------------------------------------------------------- */

static void
when(char *out, size_t n, int64_t t)
{
	time_format(out, n, t, 0, 0);
}

static int
lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
show_text(const struct bundle *b)
{
	char t[64], hx[65];
	uint32_t i, j;

	printf("%s@%s", b->name, b->version);
	if (b->parent)
		printf("  (retrained from %s)", b->parent);
	when(t, sizeof(t), b->created);
	printf("\ncreated    %s\n", t);
	printf("kind       %s", b->kind);
	for (i = 0; i < b->nhyper; i++) {
		printf("%s%s=", i ? ", " : "  (", b->hyper_key[i]);
		if (b->hyper_str[i])
			printf("%s", b->hyper_str[i]);
		else
			printf("%.10g", b->hyper_num[i]);
	}
	printf("%s\n", b->nhyper ? ")" : "");
	printf("features   %u:", b->nfeat);
	for (i = 0; i < b->nfeat; i++)
		printf(" %s", b->feat[i]);
	printf("\nscaler     %s\n", b->scale_mean ? "standard (x - mean) / "
	    "scale, in the bundle" : "none");
	printf("arrays    ");
	for (i = 0; i < b->narr; i++) {
		printf(" %s [", b->arr[i].name);
		for (j = 0; j < b->arr[i].ndim; j++)
			printf("%s%u", j ? ", " : "", b->arr[i].shape[j]);
		printf("]");
	}
	printf("\noutputs    score %s", b->score_name ? b->score_name : "-");
	if (b->nlabels) {
		printf("; labels");
		for (i = 0; i < b->nlabels; i++)
			printf(" %s", b->labels[i]);
	}
	if (b->has_threshold)
		printf("; threshold %.10g", b->threshold);
	printf("\nmetrics   ");
	for (i = 0; i < b->nmetrics; i++)
		printf(" %s %.6g", b->metric_key[i], b->metric_val[i]);
	printf("%s\n", b->nmetrics ? "" : " none");
	if (b->confusion) {
		printf("confusion  (rows: true class, columns: predicted)\n");
		for (i = 0; i < b->nconfusion; i++) {
			printf("          ");
			for (j = 0; j < b->nconfusion; j++)
				printf(" %8llu", (unsigned long long)
				    b->confusion[(size_t)i * b->nconfusion +
				    j]);
			if (i < b->nlabels)
				printf("  %s", b->labels[i]);
			printf("\n");
		}
	}
	printf("data       rows train %llu, validation %llu, test %llu; "
	    "digest %s\n", (unsigned long long)b->rows_train,
	    (unsigned long long)b->rows_val, (unsigned long long)b->rows_test,
	    b->data_digest ? b->data_digest : "-");
	printf("upstream   schema %s, params %s, window %s\n",
	    b->schema ? "yes" : "no", b->params ? "yes" : "no",
	    b->window ? "yes" : "no");
	if (b->schema)
		printf("           schema: %d lines\n", lines(b->schema));
	if (b->params)
		printf("           params: %d lines\n", lines(b->params));
	if (b->window)
		printf("           window: %s", b->window);
	if (b->window && b->window[0] && b->window[strlen(b->window) - 1] !=
	    '\n')
		printf("\n");
	printf("profile    ");
	if (b->prof) {
		uint32_t np = 0;

		for (i = 0; i < b->nfeat; i++)
			np += b->prof[i].nbins > 0;
		printf("%u of %u features", np, b->nfeat);
	} else
		printf("none");
	printf("%s\n", b->score_prof ? ", and the score" : "");
	for (i = 0; b->prof && i < b->nfeat; i++)
		if (b->prof[i].nbins)
			printf("           %-20s n %llu mean %.6g std %.6g "
			    "[%.6g, %.6g]\n", b->feat[i],
			    (unsigned long long)b->prof[i].count,
			    b->prof[i].mean, b->prof[i].std, b->prof[i].min,
			    b->prof[i].max);
	bundle_hex(hx, b->sha256, 32);
	printf("sha256     %s\n", hx);
	if (b->is_signed) {
		bundle_hex(hx, b->key, 32);
		printf("signed     by %s\n", hx);
	} else
		printf("signed     no\n");
}

static void
jstr(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
jnum(double x)
{
	if (isfinite(x))
		printf("%.17g", x);
	else
		fputs("null", stdout);
}

static void
jnums(const double *x, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		jnum(x[i]);
	}
	putchar(']');
}

static void
jprof(const struct bundle_prof *p)
{
	printf("{\"count\":%llu,\"mean\":", (unsigned long long)p->count);
	jnum(p->mean);
	printf(",\"std\":");
	jnum(p->std);
	printf(",\"min\":");
	jnum(p->min);
	printf(",\"max\":");
	jnum(p->max);
	printf(",\"edges\":");
	jnums(p->edges, p->nbins + 1);
	printf(",\"freq\":");
	jnums(p->freq, p->nbins);
	printf(",\"sample\":");
	jnums(p->sample, p->nsample);
	putchar('}');
}

static void
show_json(const struct bundle *b)
{
	char hx[65];
	uint32_t i, j;
	int first;

	printf("{\"name\":");
	jstr(b->name);
	printf(",\"version\":");
	jstr(b->version);
	printf(",\"parent\":");
	jstr(b->parent);
	printf(",\"created\":%lld,\"data\":{\"digest\":", (long long)b->created);
	jstr(b->data_digest);
	printf(",\"rows\":{\"train\":%llu,\"validation\":%llu,\"test\":%llu}}",
	    (unsigned long long)b->rows_train, (unsigned long long)b->rows_val,
	    (unsigned long long)b->rows_test);
	printf(",\"upstream\":{\"schema\":");
	jstr(b->schema);
	printf(",\"params\":");
	jstr(b->params);
	printf(",\"window\":");
	jstr(b->window);
	printf("},\"features\":[");
	for (i = 0; i < b->nfeat; i++) {
		if (i)
			putchar(',');
		jstr(b->feat[i]);
	}
	printf("],\"model\":{\"kind\":");
	jstr(b->kind);
	printf(",\"hyper\":{");
	for (i = 0; i < b->nhyper; i++) {
		if (i)
			putchar(',');
		jstr(b->hyper_key[i]);
		putchar(':');
		if (b->hyper_str[i])
			jstr(b->hyper_str[i]);
		else
			jnum(b->hyper_num[i]);
	}
	printf("},\"scaler\":");
	if (b->scale_mean) {
		printf("{\"mean\":");
		jnums(b->scale_mean, b->nfeat);
		printf(",\"scale\":");
		jnums(b->scale_scale, b->nfeat);
		putchar('}');
	} else
		printf("null");
	printf(",\"arrays\":{");
	for (i = 0; i < b->narr; i++) {
		if (i)
			putchar(',');
		jstr(b->arr[i].name);
		printf(":{\"shape\":[");
		for (j = 0; j < b->arr[i].ndim; j++)
			printf("%s%u", j ? "," : "", b->arr[i].shape[j]);
		printf("],\"data\":");
		jnums(b->arr[i].data, b->arr[i].n);
		putchar('}');
	}
	printf("}},\"outputs\":{\"labels\":");
	if (b->nlabels) {
		putchar('[');
		for (i = 0; i < b->nlabels; i++) {
			if (i)
				putchar(',');
			jstr(b->labels[i]);
		}
		putchar(']');
	} else
		printf("null");
	printf(",\"threshold\":");
	if (b->has_threshold)
		jnum(b->threshold);
	else
		printf("null");
	printf(",\"score\":");
	jstr(b->score_name);
	printf("},\"metrics\":{");
	for (i = 0; i < b->nmetrics; i++) {
		if (i)
			putchar(',');
		jstr(b->metric_key[i]);
		putchar(':');
		jnum(b->metric_val[i]);
	}
	if (b->confusion) {
		printf("%s\"confusion\":[", b->nmetrics ? "," : "");
		for (i = 0; i < b->nconfusion; i++) {
			printf("%s[", i ? "," : "");
			for (j = 0; j < b->nconfusion; j++)
				printf("%s%llu", j ? "," : "",
				    (unsigned long long)b->confusion[(size_t)i *
				    b->nconfusion + j]);
			putchar(']');
		}
		putchar(']');
	}
	printf("},\"profile\":{\"features\":{");
	for (i = 0, first = 1; b->prof && i < b->nfeat; i++)
		if (b->prof[i].nbins) {
			if (!first)
				putchar(',');
			first = 0;
			jstr(b->feat[i]);
			putchar(':');
			jprof(&b->prof[i]);
		}
	printf("},\"score\":");
	if (b->score_prof)
		jprof(b->score_prof);
	else
		printf("null");
	bundle_hex(hx, b->sha256, 32);
	printf("},\"sha256\":\"%s\",\"signed\":%s,\"key\":", hx,
	    b->is_signed ? "true" : "false");
	if (b->is_signed) {
		bundle_hex(hx, b->key, 32);
		printf("\"%s\"", hx);
	} else
		printf("null");
	printf("}\n");
}

static int
cmd_show(int argc, char **argv)
{
	const char *key = NULL;
	int json = 0, i;
	struct bundle *b;

	i = opts(argc, argv, &key, NULL, &json);
	if (argc - i != 1)
		usage(EX_USAGE);
	b = load(argv[i], key);
	if (json)
		show_json(b);
	else
		show_text(b);
	bundle_free(&b);
	optx_stdout();
	return EX_OK;
}

/* ---- keys and signing ---------------------------------------------------- */

static int
cmd_keygen(int argc, char **argv)
{
	int force = 0, i;
	uint8_t pk[32], sk[64];
	char *pub, *sec;
	size_t n;

	i = opts(argc, argv, NULL, &force, NULL);
	if (argc - i != 1)
		usage(EX_USAGE);
	n = strlen(argv[i]) + 5;
	if ((pub = malloc(n)) == NULL || (sec = malloc(n)) == NULL)
		err(EX_OSERR, NULL);
	snprintf(pub, n, "%s.pub", argv[i]);
	snprintf(sec, n, "%s.sec", argv[i]);
	if (!force && (access(pub, F_OK) == 0 || access(sec, F_OK) == 0))
		errx(EX_CANTCREAT, "%s or %s exists (-f overwrites)", pub, sec);
	if (bundle_keygen(pk, sk) == -1)
		errx(EX_SOFTWARE, "libsodium cannot start");
	if (bundle_key_write(sec, sk, 64, 1, errbuf, sizeof(errbuf)) == -1 ||
	    bundle_key_write(pub, pk, 32, 0, errbuf, sizeof(errbuf)) == -1)
		errx(EX_CANTCREAT, "%s", errbuf);
	printf("%s\n%s\n", pub, sec);
	free(pub);
	free(sec);
	optx_stdout();
	return EX_OK;
}

static int
cmd_sign(int argc, char **argv)
{
	const char *key = NULL, *out;
	uint8_t sk[64];
	int i;

	i = opts(argc, argv, &key, NULL, NULL);
	if (key == NULL || argc - i < 1 || argc - i > 2)
		usage(EX_USAGE);
	out = argc - i == 2 ? argv[i + 1] : argv[i];
	if (bundle_key_read(key, sk, 64, errbuf, sizeof(errbuf)) == -1)
		errx(EX_NOINPUT, "%s", errbuf);
	if (bundle_resign(argv[i], out, sk, errbuf, sizeof(errbuf)) == -1)
		errx(access(argv[i], R_OK) == 0 ? EX_DATAERR : EX_NOINPUT, "%s",
		    errbuf);
	return EX_OK;
}

static int
cmd_verify(int argc, char **argv)
{
	const char *key = NULL;
	uint8_t pk[32];
	struct bundle *b;
	char hx[65];
	int i, bad = 0;

	i = opts(argc, argv, &key, NULL, NULL);
	if (argc - i < 1)
		usage(EX_USAGE);
	if (key != NULL && bundle_key_read(key, pk, 32, errbuf,
	    sizeof(errbuf)) == -1)
		errx(EX_NOINPUT, "%s", errbuf);
	for (; i < argc; i++) {
		if ((b = bundle_load(argv[i], key ? pk : NULL, errbuf,
		    sizeof(errbuf))) == NULL) {
			warnx("%s", errbuf);
			bad = 1;
			continue;
		}
		if (b->is_signed)
			bundle_hex(hx, b->key, 32);
		printf("%s: ok, %s@%s, %s%.16s%s\n", argv[i], b->name,
		    b->version, b->is_signed ? "signed by " : "unsigned",
		    b->is_signed ? hx : "", b->is_signed ? "..." : "");
		bundle_free(&b);
	}
	optx_stdout();
	return bad ? EX_DATAERR : EX_OK;
}

static int
cmd_section(int argc, char **argv)
{
	char *text;
	size_t len;
	int i, rc;

	i = opts(argc, argv, NULL, NULL, NULL);
	if (argc - i != 2)
		usage(EX_USAGE);
	if (strcmp(argv[i + 1], "schema") && strcmp(argv[i + 1], "params") &&
	    strcmp(argv[i + 1], "window"))
		usage(EX_USAGE);
	rc = bundle_section(argv[i], argv[i + 1], &text, &len, errbuf,
	    sizeof(errbuf));
	if (rc == 0)
		errx(access(argv[i], R_OK) == 0 ? EX_DATAERR : EX_NOINPUT,
		    "%s: not a bundle", argv[i]);
	if (rc == -1)
		errx(EX_DATAERR, "%s", errbuf);
	fwrite(text, 1, len, stdout);
	free(text);
	optx_stdout();
	return EX_OK;
}

/* ---- diff ------------------------------------------------------------------ */

static int ndiff;

static void
dstr(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
		printf("%-10s %s -> %s\n", what, a ? a : "(none)",
		    b ? b : "(none)");
		ndiff++;
	}
}

static void
dtext(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
		printf("upstream   %s changed (%d -> %d lines)\n", what,
		    a ? lines(a) : 0, b ? lines(b) : 0);
		ndiff++;
	}
}

static int
same_shape(const struct bundle_array *x, const struct bundle_array *y)
{
	return x->ndim == y->ndim && memcmp(x->shape, y->shape,
	    sizeof(x->shape)) == 0;
}

static int
cmd_diff(int argc, char **argv)
{
	struct bundle *a, *b;
	uint32_t i, j;
	int k, i0;
	char t1[64], t2[64];

	i0 = opts(argc, argv, NULL, NULL, NULL);
	if (argc - i0 != 2)
		usage(EX_USAGE);
	a = load(argv[i0], NULL);
	b = load(argv[i0 + 1], NULL);
	dstr("name", a->name, b->name);
	dstr("version", a->version, b->version);
	dstr("parent", a->parent, b->parent);
	if (a->created != b->created) {
		when(t1, sizeof(t1), a->created);
		when(t2, sizeof(t2), b->created);
		dstr("created", t1, t2);
	}
	dstr("data", a->data_digest, b->data_digest);
	if (a->rows_train != b->rows_train || a->rows_val != b->rows_val ||
	    a->rows_test != b->rows_test) {
		printf("rows       train %llu -> %llu, validation %llu -> %llu, "
		    "test %llu -> %llu\n", (unsigned long long)a->rows_train,
		    (unsigned long long)b->rows_train,
		    (unsigned long long)a->rows_val,
		    (unsigned long long)b->rows_val,
		    (unsigned long long)a->rows_test,
		    (unsigned long long)b->rows_test);
		ndiff++;
	}
	dtext("schema", a->schema, b->schema);
	dtext("params", a->params, b->params);
	dtext("window", a->window, b->window);
	for (i = 0; i < a->nfeat; i++)
		if ((k = bundle_feature(b, a->feat[i])) < 0) {
			printf("feature    - %s\n", a->feat[i]);
			ndiff++;
		} else if ((uint32_t)k != i) {
			printf("feature    %s moved %u -> %d\n", a->feat[i], i,
			    k);
			ndiff++;
		}
	for (i = 0; i < b->nfeat; i++)
		if (bundle_feature(a, b->feat[i]) < 0) {
			printf("feature    + %s\n", b->feat[i]);
			ndiff++;
		}
	dstr("kind", a->kind, b->kind);
	for (i = 0; i < a->nhyper; i++) {
		const char *s = bundle_hyper_str(b, a->hyper_key[i]);
		double v = bundle_hyper(b, a->hyper_key[i], NAN);

		if (a->hyper_str[i] ? (s == NULL || strcmp(s,
		    a->hyper_str[i])) : !(v == a->hyper_num[i])) {
			snprintf(t1, sizeof(t1), "%.10g", a->hyper_num[i]);
			snprintf(t2, sizeof(t2), "%.10g", v);
			printf("hyper      %s %s -> %s\n", a->hyper_key[i],
			    a->hyper_str[i] ? a->hyper_str[i] : t1,
			    s ? s : isnan(v) ? "(none)" : t2);
			ndiff++;
		}
	}
	for (i = 0; i < b->nhyper; i++) {
		int found = 0;

		for (j = 0; j < a->nhyper; j++)
			found |= strcmp(a->hyper_key[j], b->hyper_key[i]) == 0;
		if (!found) {
			printf("hyper      + %s\n", b->hyper_key[i]);
			ndiff++;
		}
	}
	if ((a->scale_mean == NULL) != (b->scale_mean == NULL)) {
		printf("scaler     %s -> %s\n", a->scale_mean ? "yes" : "none",
		    b->scale_mean ? "yes" : "none");
		ndiff++;
	}
	for (i = 0; i < a->narr; i++) {
		const struct bundle_array *x = &a->arr[i],
		    *y = bundle_array(b, x->name);
		double m = 0;
		size_t q;

		if (y == NULL) {
			printf("array      - %s\n", x->name);
			ndiff++;
		} else if (!same_shape(x, y)) {
			printf("array      %s: shape changed\n", x->name);
			ndiff++;
		} else {
			for (q = 0; q < x->n; q++)
				if (fabs(x->data[q] - y->data[q]) > m)
					m = fabs(x->data[q] - y->data[q]);
			if (m > 0) {
				printf("array      %s: weights changed, largest "
				    "difference %.6g\n", x->name, m);
				ndiff++;
			}
		}
	}
	for (i = 0; i < b->narr; i++)
		if (bundle_array(a, b->arr[i].name) == NULL) {
			printf("array      + %s\n", b->arr[i].name);
			ndiff++;
		}
	if (a->nlabels != b->nlabels) {
		printf("labels     %u -> %u classes\n", a->nlabels, b->nlabels);
		ndiff++;
	} else
		for (i = 0; i < a->nlabels; i++)
			dstr("label", a->labels[i], b->labels[i]);
	if (a->has_threshold != b->has_threshold || a->threshold !=
	    b->threshold) {
		printf("threshold  %.10g -> %.10g\n", a->has_threshold ?
		    a->threshold : NAN, b->has_threshold ? b->threshold : NAN);
		ndiff++;
	}
	dstr("score", a->score_name, b->score_name);
	for (i = 0; i < a->nmetrics; i++) {
		double v = NAN;

		for (j = 0; j < b->nmetrics; j++)
			if (strcmp(b->metric_key[j], a->metric_key[i]) == 0)
				v = b->metric_val[j];
		if (!(v == a->metric_val[i])) {
			printf("metric     %s %.6g -> %.6g (%+.6g)\n",
			    a->metric_key[i], a->metric_val[i], v,
			    v - a->metric_val[i]);
			ndiff++;
		}
	}
	for (i = 0; a->prof && b->prof && i < a->nfeat; i++) {
		k = bundle_feature(b, a->feat[i]);
		if (k < 0 || !a->prof[i].nbins || !b->prof[k].nbins)
			continue;
		if (a->prof[i].mean != b->prof[k].mean || a->prof[i].std !=
		    b->prof[k].std) {
			double s = a->prof[i].std > 0 ? a->prof[i].std : 1;

			printf("profile    %s mean %.6g -> %.6g (%+.3g std), "
			    "std %.6g -> %.6g\n", a->feat[i], a->prof[i].mean,
			    b->prof[k].mean, (b->prof[k].mean -
			    a->prof[i].mean) / s, a->prof[i].std,
			    b->prof[k].std);
			ndiff++;
		}
	}
	if (memcmp(a->sha256, b->sha256, 32) != 0 && ndiff == 0) {
		printf("body       differs (in fields not compared here)\n");
		ndiff++;
	}
	if (a->is_signed != b->is_signed || (a->is_signed &&
	    memcmp(a->key, b->key, 32) != 0))
		printf("signature  %s -> %s\n", a->is_signed ? "signed" :
		    "unsigned", b->is_signed ? (a->is_signed ? "another key" :
		    "signed") : "unsigned");
	bundle_free(&a);
	bundle_free(&b);
	optx_stdout();
	return ndiff ? 1 : EX_OK;
}

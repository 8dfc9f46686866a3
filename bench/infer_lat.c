/*
 * infer_lat -- what infer adds to a lone frame, in process, and where the
 * BLAS batch path starts to win (bench/infer.sh drives it).
 *
 *	infer_lat BUNDLE...
 *
 * Per bundle: (1) the per-frame work infer does for a lone frame, on one
 * features frame already in memory: decode it (frame_decode_next), look up
 * the model's features by name with hints (record_find), score one row
 * (model_score(), one row: the path blas_min picks), build the prediction (meta copied, score, label,
 * anomaly, p.CLASS) and encode it (frame_encode) -- the median over 5
 * rounds of 200,000 frames, in ns per frame; (2) model_score_row alone;
 * (3) model_score_blas per row at batch sizes 1 to 256, against the row
 * path, beside the blas_min model_new() measured.  One figure a line.
 * Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared
 * machine, wall time measures the neighbours.
 */
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// link: filters/infer/model.c

#include "buf.h"
#include "bundle.h"
#include "codec.h"
#include "record.h"
#include "infer/model.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median5(double *v)
{
	qsort(v, 5, sizeof(double), dcmp);
	return v[2];
}

/* One features frame with the model's features (and 4 others). */
static void
make_frame(const struct bundle *b, struct buf *out)
{
	struct record *r = record_new();
	struct value v;
	uint32_t i;

	record_set_time(r, 1764687600, 0);
	record_set_kind(r, KIND_FEATURES);
	record_set_dev(r, "engine-7", 8);
	record_set_seq(r, 41);
	v = val_time(1764687600, 0);
	record_meta_set(r, "start", &v);
	v = val_time(1764687601, 0);
	record_meta_set(r, "end", &v);
	v = val_u64(1024);
	record_meta_set(r, "n", &v);
	for (i = 0; i < 2; i++)
		record_add_f64(r, i ? "x.other1" : "x.other0", 1.5);
	for (i = 0; i < b->nfeat; i++)
		record_add_f64(r, b->feat[i], b->scale_mean ?
		    b->scale_mean[i] + 0.1 * (i + 1) : 0.1 * i);
	for (i = 2; i < 4; i++)
		record_add_f64(r, i == 2 ? "x.other2" : "x.other3", 2.5);
	if (frame_encode(out, r) == -1)
		errx(1, "encode");
	record_free(&r);
}

static void
bench_one(const char *path)
{
	char err[1024], id[256], pk[64][64];
	struct bundle *b;
	struct model *m;
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct record *r, *pr;
	uint32_t *hint, i, j;
	double *x, y[256], t[5], lone, row, *X, *Y;
	const char *why;
	size_t len, B, k, K = 200000;
	struct value v;

	if ((b = bundle_load(path, NULL, err, sizeof(err))) == NULL)
		errx(1, "%s", err);
	if ((m = model_new(b, 256, err, sizeof(err))) == NULL)
		errx(1, "%s", err);
	snprintf(id, sizeof(id), "%s@%s", b->name, b->version);
	for (i = 0; i < m->nclass && i < 64; i++)
		snprintf(pk[i], sizeof(pk[i]), "p.%s", i < b->nlabels ?
		    b->labels[i] : "?");
	make_frame(b, &in);
	r = record_new();
	pr = record_new();
	hint = calloc(b->nfeat, sizeof(uint32_t));
	x = calloc(b->nfeat, sizeof(double));

	/* (1) the lone frame, end to end in process */
	for (j = 0; j < 5; j++) {
		double t0 = now();

		for (k = 0; k < K; k++) {
			if (frame_decode_next(r, in.p, in.len, 1 << 20, &len,
			    &why) != FRAME_OK)
				errx(1, "decode: %s", why);
			for (i = 0; i < b->nfeat; i++) {
				int f = record_find(r, b->feat[i],
				    strlen(b->feat[i]), &hint[i]);

				if (f < 0 || value_f64(&r->body[f].v, &x[i]))
					errx(1, "feature %s", b->feat[i]);
			}
			model_score(m, x, 1, y);
			record_clear(pr);
			pr->sec = r->sec;
			pr->nsec = r->nsec;
			record_set_kind(pr, KIND_PREDICTION);
			record_set_dev(pr, r->dev, r->dev_len);
			record_set_seq(pr, r->seq);
			record_meta_set(pr, "start", record_meta_get(r,
			    "start"));
			record_meta_set(pr, "end", record_meta_get(r, "end"));
			record_meta_set(pr, "n", record_meta_get(r, "n"));
			v = val_str(id, strlen(id));
			record_meta_set(pr, "model", &v);
			record_add_f64(pr, "score", model_score_of(m, y));
			if (m->nclass) {
				v = val_str(b->labels[1], strlen(b->labels[1]));
				record_add(pr, "label", 5, &v);
				for (i = 0; i < m->nclass; i++)
					record_add_f64(pr, pk[i], y[i]);
			}
			if (b->has_threshold) {
				v = val_bool(model_score_of(m, y) >
				    b->threshold);
				record_add(pr, "anomaly", 7, &v);
			}
			buf_reset(&out);
			if (frame_encode(&out, pr) == -1)
				errx(1, "encode");
		}
		t[j] = (now() - t0) / K;
	}
	lone = median5(t);
	printf("infer %s (%s, %u features): a lone frame in process "
	    "(decode, look up, score, build, encode): %.2f us (target < 5 us)"
	    "\n", id, b->kind, b->nfeat, lone * 1e6);

	/* (2) scoring one row alone */
	for (j = 0; j < 5; j++) {
		double t0 = now();

		for (k = 0; k < K; k++) {
			x[k % b->nfeat] += 1e-9;
			model_score_row(m, x, y);
		}
		t[j] = (now() - t0) / K;
	}
	row = median5(t);
	printf("infer %s: scoring one row, row path: %.3f us\n", id,
	    row * 1e6);

	/* (3) the batch path per row, by batch size */
	X = malloc(256 * b->nfeat * sizeof(double));
	Y = malloc(256 * m->nout * sizeof(double));
	for (k = 0; k < 256 * (size_t)b->nfeat; k++)
		X[k] = x[k % b->nfeat] + 1e-3 * (double)(k / b->nfeat);
	printf("infer %s: per row, row path vs BLAS (dgemm) path, by batch "
	    "size:", id);
	for (B = 1; B <= 256; B *= 2) {
		double tr[5], tb[5];
		size_t reps = 400000 / B + 1;

		for (j = 0; j < 5; j++) {
			double t0 = now();

			for (k = 0; k < reps; k++)
				for (i = 0; i < B; i++)
					model_score_row(m, X + i * b->nfeat, Y +
					    i * m->nout);
			tr[j] = (now() - t0) / (reps * B);
			t0 = now();
			for (k = 0; k < reps; k++)
				model_score_blas(m, X, B, Y);
			tb[j] = (now() - t0) / (reps * B);
		}
		printf(" %zu: %.3f/%.3f us", B, median5(tr) * 1e6,
		    median5(tb) * 1e6);
	}
	printf(" (blas_min measured: %zu)\n", m->blas_min);
	free(X);
	free(Y);
	free(hint);
	free(x);
	record_free(&r);
	record_free(&pr);
	buf_free(&in);
	buf_free(&out);
	model_free(&m);
	bundle_free(&b);
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: infer_lat bundle ...\n");
		return 64;
	}
	for (i = 1; i < argc; i++)
		bench_one(argv[i]);
	if (fflush(stdout) == EOF)
		err(74, "stdout");
	return 0;
}

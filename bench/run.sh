#!/bin/sh
# run.sh -- make bench: run every benchmark and print its figures.
#
# First the generated CSV (bench/gencsv.c, cached in bench/out/ while its
# size is right) and the same as frames (bench/out/frames.mp, from
# bin/ingest), then the scripts: ingest.sh, passthrough.sh, zmq.sh, then
# every other bench/*.sh in name order, then every stand-alone C bench
# (build/rel/bench/NAME from bench/NAME.c that is not a helper below and has
# no NAME.sh to drive it), run without arguments.  Figures are one per line
# on stdout and also in bench/out/figures.txt.  A program that is missing
# is a SKIP line; a program that fails is an ERROR line and makes the exit
# status 1, after the other benchmarks ran.  Times never fail anything.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
HELPERS="gencsv rss zmq_rtt infer_lat driftgen"	# bench/*.c that the scripts drive
FIRST="ingest passthrough zmq"

export BIN BBIN OUT PY ROWS RUNS PRUNS BENCH_CSV BENCH_FRAMES FIGS TMO INGEST_OPTS
: > "$FIGS"
fig "bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $ROWS rows, medians of $RUNS runs ($PRUNS for whole-file pipelines)"
bench_csv || exit 1
failed=""
# one frames file for every script of this run (if bin/ingest is built)
if [ -x "$BIN/ingest" ] && ! bench_frames; then
	failed=" frames"
fi
t0=$(date +%s)

# script NAME: run bench/NAME.sh
script() {
	sh "bench/$1.sh" || failed="$failed $1"
}
for s in $FIRST; do
	script "$s"
done
for f in bench/*.sh; do
	s=$(basename "$f" .sh)
	case " run lib pipeline_model $FIRST " in *" $s "*) continue ;; esac
	script "$s"
done
for f in bench/*.c; do
	s=$(basename "$f" .c)
	case " $HELPERS " in *" $s "*) continue ;; esac
	[ -f "bench/$s.sh" ] && continue
	if [ ! -x "$BBIN/$s" ]; then
		skip "$s" "$BBIN/$s missing"
		continue
	fi
	timeout "$TMO" "$BBIN/$s" > "$OUT/$s.out" 2> "$OUT/$s.err"
	st=$?
	if [ $st -ne 0 ]; then
		cat "$OUT/$s.out"
		cat "$OUT/$s.out" >> "$FIGS"
		fail "$s: $BBIN/$s: exit $st" "$OUT/$s.err"
		failed="$failed $s"
		continue
	fi
	cat "$OUT/$s.out"
	cat "$OUT/$s.out" >> "$FIGS"
done

fig "bench: done in $(($(date +%s) - t0)) s${failed:+; failed:$failed}"
[ -z "$failed" ]

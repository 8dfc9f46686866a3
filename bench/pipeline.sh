#!/bin/sh
# pipeline.sh -- the whole device pipeline (pipelines/device.sh's chain) on
# the bench CSV, against its Python equivalent (bench/pipeline_py.py):
#
#   ingest | validate -s M | normalize -p M | window -C M | infer -m M
#          | drift -m M | sample-upload --every 100 -u dir:...
#
# M: a logistic bundle made with scikit-learn (bench/pipeline_model.sh) on
# the first SLICE rows (100,000, or ROWS/2 when fewer), with a synthetic
# label; its schema inferred from the slice with --margin 1 and gaps up to
# 10 s allowed (the slice's 48 ms would make 2 M gap events of the 10 M
# rows, and its ranges reject the later temperature and pressure drift): 3 channels, hop-1 windows of 256 (-s 256 -H 1 -f
# mean,std,rms,kurtosis: 12 features; 16 when ROWS < 200,000, so that a
# tiny input still makes windows), drift on (its default tests and
# window).  Each stage runs under bench/rss: its CPU seconds and peak RSS;
# the pipeline's RSS is the sum of the stages' peaks (they run at once: an
# upper bound of the peak of all together).  rows/s: ingest's rows over
# the pipeline's wall time.  Python: pandas.read_csv, StandardScaler,
# per-device rolling, LogisticRegression.predict_proba on PYROWS rows
# (default: the same ROWS rows; on 10 M rows that takes minutes and about
# 8.5 GiB: PYROWS=2000000 for a quicker look, whose figures are in
# Python's favour, as its memory grows with the rows).  Targets: >= 8x Python's rows/s, < 1/50 of its memory.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=pipeline
need "$BIN/ingest" "$BIN/validate" "$BIN/normalize" "$BIN/window" \
    "$BIN/infer" "$BIN/drift" "$BIN/sample-upload" "$BBIN/rss" || exit 0
bench_csv || finish
P=$OUT/pipeline
rm -rf "$P"
mkdir -p "$P" || { fail "pipeline: mkdir $P"; finish; }
SLICE=100000
[ "$ROWS" -lt $((2 * SLICE)) ] && SLICE=$((ROWS / 2))
WS=256
[ "$ROWS" -lt 200000 ] && WS=16
WOPTS="-t hopping -s $WS -H 1 -f mean,std,rms,kurtosis"

# ---- the bundle -------------------------------------------------------------
# shellcheck disable=SC2086
head -n $((SLICE + 1)) "$BENCH_CSV" | "$BIN/ingest" -q $INGEST_OPTS > "$P/slice.mp" ||
    { fail "pipeline: ingest of the slice"; finish; }
# shellcheck disable=SC2086
SCHEMA_OPTS="--margin 1" SCHEMA_EDIT="s/^gap .*/gap        10s event/" \
    sh bench/pipeline_model.sh "$BIN" "$P/slice.mp" "$P/model" "$P/m.bundle" "$PY" -- $WOPTS \
    > "$P/model.log" 2>&1 || { fail "pipeline: the bundle" "$P/model.log"; finish; }

# ---- the pipeline -------------------------------------------------------------
S="$BBIN/rss -o"
M=$P/m.bundle
cat > "$P/run.sh" <<EOC
$S $P/ingest.rss $BIN/ingest $INGEST_OPTS --reject $P/dl-ingest.mp $BENCH_CSV 2> $P/ingest.err |
$S $P/validate.rss $BIN/validate -s $M --reject $P/dl-validate.mp 2> $P/validate.err |
$S $P/normalize.rss $BIN/normalize -p $M --reject $P/dl-normalize.mp 2> $P/normalize.err |
$S $P/window.rss $BIN/window -C $M --reject $P/dl-window.mp 2> $P/window.err |
$S $P/infer.rss $BIN/infer -m $M --reject $P/dl-infer.mp 2> $P/infer.err |
$S $P/drift.rss $BIN/drift -m $M --events $P/events.mp --reject $P/dl-drift.mp 2> $P/drift.err |
$S $P/sample-upload.rss $BIN/sample-upload --every 100 -s $P/spool -u dir:$P/uplink --drain 0 --reject $P/dl-upload.mp 2> $P/sample-upload.err
EOC
# cnt PROG KEY: KEY from PROG's own last accounting line (not validate's
# lines per device)
cnt() {
	grep "^$1: " "$P/$1.err" | grep -v 'device=' | grep -o " $2=[0-9]*" |
	    tail -n 1 | sed 's/.*=//'
}
STAGES="ingest validate normalize window infer drift sample-upload"
ws="" cs=""
i=0
while [ $i -lt "$PRUNS" ]; do
	i=$((i + 1))
	rm -rf "$P/spool" "$P/uplink"
	mkdir -p "$P/uplink"
	timed "$P/run.err" sh "$P/run.sh" > /dev/null || { fail "pipeline: exit $?" "$P/run.err"; finish; }
	for s in $STAGES; do
		st=$(field status "$(cat "$P/$s.rss")")
		[ "$st" = 0 ] || { fail "pipeline: $s exit $st" "$P/$s.err"; finish; }
	done
	ws="$ws $WALL" cs="$cs $CPU"
done
# shellcheck disable=SC2086
MED=$(median $ws) CMED=$(median $cs)
IN=$(cnt ingest in)
[ "$IN" = "$ROWS" ] || { fail "pipeline: ingest read ${IN:-no} rows, expected $ROWS" "$P/ingest.err"; finish; }
rss=0 breakdown=""
prev=""
for s in $STAGES; do
	r=$(cat "$P/$s.rss")
	k=$(field maxrss_kib "$r")
	rss=$((rss + k))
	c=$(field cpu_s "$r")
	breakdown="$breakdown $s $(fmt '%.2f' "$c") s ($(fmt '%.0f' "100 * $c / $CMED")%), $(fmt '%.1f' "$k / 1024") MiB;"
	if [ -n "$prev" ] && [ "$(cnt "$prev" out)" != "$(cnt "$s" in)" ]; then
		fail "pipeline: $prev out != $s in" "$P/$s.err"
	fi
	prev=$s
done
cr=$(calc "$IN / $MED")
fig "pipeline ingest|validate|normalize|window -s $WS -H 1|infer logistic|drift|sample-upload, $IN rows x 3 channels, $(cnt window out) frames out of window: $(fmt '%.3f' "$cr / 1e6") M rows/s ($(fmt '%.2f' "$MED") s wall, $(fmt '%.2f' "$CMED") s CPU, median of $PRUNS), peak RSS of all stages $(fmt '%.1f' "$rss / 1024") MiB"
fig "pipeline CPU by stage:$breakdown"

# ---- Python -------------------------------------------------------------------
PYROWS=${PYROWS:-$ROWS}
[ "$PYROWS" -lt $((2 * SLICE)) ] && PYROWS=$ROWS
if "$PY" -c 'import pandas, sklearn' 2>/dev/null; then
	head -n $((PYROWS + 1)) "$BENCH_CSV" > "$P/py.csv"
	r=$(timeout "$TMO" "$PY" bench/pipeline_py.py "$P/py.csv" "$SLICE" "$WS" 2> "$P/py.err")
	st=$?
	rm -f "$P/py.csv"
	if [ $st -ne 0 ]; then
		fail "pipeline_py.py: exit $st" "$P/py.err"
	else
		pr=$(calc "$(field rows "$r") / $(field total_s "$r")")
		prss=$(field maxrss_kib "$r")
		fig "pipeline in Python (read_csv, StandardScaler, rolling($WS), LogisticRegression.predict_proba), $(field rows "$r") rows: $(fmt '%.3f' "$pr / 1e6") M rows/s (read $(field read_s "$r") s, scale $(field scale_s "$r") s, rolling $(field rolling_s "$r") s, model $(field model_s "$r") s), peak RSS $(fmt '%.1f' "$prss / 1024") MiB"
		fig "pipeline / Python: $(fmt '%.1f' "$cr / $pr")x the rows/s (target >= 8x: $(verdict "$cr / $pr" '>=' 8)), $(fmt '%.1f' "$prss / $rss")x less memory (target >= 50x: $(verdict "$prss / $rss" '>=' 50))"
	fi
else
	skip "pipeline_py" "pandas or sklearn missing"
fi
finish

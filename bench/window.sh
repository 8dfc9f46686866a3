#!/bin/sh
# window.sh -- window's throughput and memory against issue 4's targets:
#
#   hop 1      window -s 256 -H 1 -f mean,std,rms,kurtosis on the bench
#              frames (the generated CSV through ingest: 17 devices, 3
#              channels; 12 features per output frame), per device: input
#              rows/s (target >= 1.5 M) and peak RSS (target < 16 MiB);
#              the same from the CSV through ingest | window (two cores)
#   pandas     the per-device rolling equivalent (bench/window_pandas.py)
#              on the first ROWS/5 rows of the same CSV, in the same run:
#              rows/s of the rolling computation alone (read_csv apart);
#              target: window >= 8x pandas
#   sensor     one 4-channel 20,480 Hz sensor, a frame per row: the twelve
#              IMS set-2 snapshots back to back, five times (60 s, 1,228,800
#              rows), 1-s windows with 50% hop, time, spectral (8 bands) and
#              envelope features (IMS bearing): x real time (target >= 50x)
#              and peak RSS
#
# Figures are medians of $PRUNS runs (hop 1) or $RUNS runs (sensor); rows/s
# counts window's own "in" counter.  CPU seconds are printed beside wall
# seconds: on a shared machine they are the steadier figure.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=window
need "$BIN/ingest" "$BIN/window" "$BBIN/rss" || exit 0
bench_frames || finish

W="$BIN/window"
HOP1="-s 256 -H 1 -f mean,std,rms,kurtosis"

# runs N NAME CMD: N timed runs of the shell command CMD; sets MED, CMED
# (median wall, CPU seconds), RSS (largest peak, KiB), IN (window's "in")
runs() {
	_n=$1 _name=$2 _cmd=$3 _w="" _c="" _r="" _i=0
	while [ "$_i" -lt "$_n" ]; do
		_i=$((_i + 1))
		timed "$OUT/$_name.err" sh -c "$_cmd" > /dev/null
		_st=$?
		if [ $_st -ne 0 ]; then
			fail "$_name: $_cmd: exit $_st" "$OUT/$_name.err"
			return 1
		fi
		_w="$_w $WALL" _c="$_c $CPU" _r="$_r $MAXRSS"
	done
	# shellcheck disable=SC2086
	MED=$(median $_w) CMED=$(median $_c) RSS=$(max $_r)
	IN=$(counter "$OUT/$_name.err" window in)
}
how() { echo "median of $1: $(fmt '%.2f' "$MED") s wall, $(fmt '%.2f' "$CMED") s CPU, peak RSS $(fmt '%.2f' "$RSS / 1024") MiB"; }

wr=""
if runs "$PRUNS" window-hop1 "\"$W\" $HOP1 < \"$BENCH_FRAMES\""; then
	if [ "$IN" != "$ROWS" ]; then
		fail "window-hop1: window counted ${IN:-no} rows, expected $ROWS" "$OUT/window-hop1.err"
	else
		wr=$(calc "$IN / $MED / 1e6")
		fig "window hop 1, 256 rows x 3 channels, 12 features: $(fmt '%.2f' "$wr") M rows/s, $(fmt '%.2f' "$IN / $CMED / 1e6") M rows per CPU second ($(how "$PRUNS"); target >= 1.5 M rows/s: $(verdict "$wr" '>=' 1.5))"
		fig "window hop 1 peak RSS: $(fmt '%.2f' "$RSS / 1024") MiB (target < 16 MiB: $(verdict "$RSS" '<' 16384))"
	fi
fi
# shellcheck disable=SC2086
if runs "$PRUNS" window-pipe "\"$BIN/ingest\" -q $INGEST_OPTS \"$BENCH_CSV\" | \"$W\" $HOP1"; then
	fig "ingest | window hop 1 from the CSV: $(fmt '%.2f' "$IN / $MED / 1e6") M rows/s ($(how "$PRUNS"), both programs)"
fi

PROWS=$((ROWS / 5))
if "$PY" -c 'import pandas' 2>/dev/null; then
	head -n $((PROWS + 1)) "$BENCH_CSV" > "$OUT/window-pandas.csv"
	r=$(timeout "$TMO" "$PY" bench/window_pandas.py "$OUT/window-pandas.csv" "$PROWS" 2> "$OUT/window-pandas.err")
	st=$?
	rm -f "$OUT/window-pandas.csv"
	if [ $st -ne 0 ]; then
		fail "window_pandas.py: exit $st" "$OUT/window-pandas.err"
	else
		ps=$(field rolling_s "$r")
		pr=$(calc "$PROWS / $ps / 1e6")
		fig "pandas per-device rolling(256) mean/std/rms/kurt, 3 channels: $(fmt '%.3f' "$pr") M rows/s ($(fmt '%.2f' "$ps") s for $PROWS rows, read_csv apart: $(field read_s "$r") s)"
		[ -n "$wr" ] && fig "window hop 1 / pandas rolling: $(fmt '%.1f' "$wr / $pr")x (target >= 8x: $(verdict "$wr / $pr" '>=' 8))"
	fi
else
	skip "pandas rolling" "$PY has no pandas"
fi

# the sensor: IMS snapshots back to back, as frames (made once)
IMS="$OUT/window-ims60.mp"
if [ ! -s "$IMS" ] || ! newer "$IMS" "$BIN/ingest"; then
	for i in 1 2 3 4 5; do
		for f in testdata/ims/2nd_test/*.gz; do gzip -dc "$f"; done
	done | tr -d '\r' > "$OUT/window-ims60.tsv"
	"$BIN/ingest" -q --rate 20480 --device ims -c b1,b2,b3,b4 -n \
	    "$OUT/window-ims60.tsv" > "$IMS.tmp" 2> "$OUT/window-ims.err" &&
	    mv "$IMS.tmp" "$IMS"
	rm -f "$OUT/window-ims60.tsv"
fi
SENS="-C testdata/window/ims.conf -s 1s -H 500ms"
if [ ! -s "$IMS" ]; then
	fail "window sensor: no $IMS" "$OUT/window-ims.err"
elif runs "$RUNS" window-sensor "\"$W\" $SENS < \"$IMS\""; then
	if [ "$IN" != 1228800 ]; then
		fail "window-sensor: window counted ${IN:-no} rows, expected 1228800" "$OUT/window-sensor.err"
	else
		x=$(calc "60 / $MED")
		fig "window 4 x 20,480 Hz, 1-s windows, 50% hop, time+spectral+envelope: $(fmt '%.0f' "$x")x real time, $(fmt '%.0f' "60 / $CMED")x per CPU second, $(fmt '%.2f' "$IN / $MED / 1e6") M rows/s ($(how "$RUNS"); target >= 50x: $(verdict "$x" '>=' 50))"
		fig "window sensor peak RSS: $(fmt '%.2f' "$RSS / 1024") MiB (target < 16 MiB: $(verdict "$RSS" '<' 16384))"
	fi
fi
finish

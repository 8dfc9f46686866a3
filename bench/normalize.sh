#!/bin/sh
# normalize.sh -- frames/s and peak RSS of normalize on the bench frames
# (the generated CSV through ingest: sample frames of three channels),
# against the bare pass-through filter, tap --count, in the same run:
#
#   tap --count < FILE                 the bare pass-through
#   normalize -p PASS < FILE           normalize as a pass-through: its
#                                      parameters scale features only, so
#                                      every sample frame is decoded,
#                                      looked at and re-encoded unchanged
#                                      (the target: >= 2.5 M frames/s and
#                                      no more than 20% under tap)
#   normalize -p FIT < FILE            scaling all three channels (z-score)
#   normalize -f < FILE                fitting them (Welford + sketch)
#
# Each is the median wall time of $RUNS runs with output to /dev/null; the
# frame counts are the programs' own accounting lines.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=normalize
need "$BIN/ingest" "$BIN/tap" "$BIN/normalize" "$BBIN/rss" || exit 0
bench_frames || finish

# run NAME PROG CMD: $RUNS timed runs of the shell command CMD; sets MED,
# CMED (median wall, CPU seconds), RSS (largest peak, KiB) and N (frames
# PROG counted in); 1 if a run failed or miscounted.
run() {
	_name=$1 _prog=$2 _cmd=$3 _w="" _c="" _r="" _i=0
	while [ "$_i" -lt "$RUNS" ]; do
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
	N=$(counter "$OUT/$_name.err" "$_prog" in)
	if [ "$N" != "$ROWS" ]; then
		fail "$_name: $_prog counted ${N:-no} frames, expected $ROWS" "$OUT/$_name.err"
		return 1
	fi
}
rate() { fmt '%.2f' "$N / $MED / 1e6"; }
how() { echo "median of $RUNS: $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU, peak RSS $(fmt '%.2f' "$RSS / 1024") MiB"; }

# parameters: one that scales nothing in sample frames, and a real fit
printf 'version 1\nnone.mean zscore 0 1 kind=features\n' > "$OUT/normalize-pass.params"

tap_r=""
if run normalize-tap tap "\"$BIN/tap\" --count < \"$BENCH_FRAMES\""; then
	tap_r=$(calc "$N / $MED / 1e6")
	fig "tap --count (same run as normalize): $(rate) M frames/s ($(how))"
fi
if run normalize-fit normalize "\"$BIN/normalize\" -f -p \"$OUT/normalize-fit.params\" < \"$BENCH_FRAMES\""; then
	fig "normalize --fit (3 channels): $(rate) M frames/s ($(how))"
fi
if run normalize-pass normalize "\"$BIN/normalize\" -p \"$OUT/normalize-pass.params\" < \"$BENCH_FRAMES\""; then
	r=$(calc "$N / $MED / 1e6")
	fig "normalize pass-through: $(rate) M frames/s ($(how); target >= 2.5 M: $(verdict "$r" '>=' 2.5))"
	if [ -n "$tap_r" ]; then
		fig "normalize pass-through / tap --count: $(fmt '%.2f' "$r / $tap_r")x (target >= 0.8x: $(verdict "$r / $tap_r" '>=' 0.8))"
	fi
	fig "normalize pass-through peak RSS: $(fmt '%.2f' "$RSS / 1024") MiB (target < 8 MiB: $(verdict "$RSS" '<' 8192))"
fi
if [ -s "$OUT/normalize-fit.params" ] &&
    run normalize-zscore normalize "\"$BIN/normalize\" -p \"$OUT/normalize-fit.params\" < \"$BENCH_FRAMES\""; then
	fig "normalize scaling 3 channels (zscore): $(rate) M frames/s ($(how))"
fi
finish

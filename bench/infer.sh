#!/bin/sh
# infer.sh -- infer's throughput, lone-frame latency and memory, beside tap
# --count on the same frames in the same run, and scikit-learn on the same
# rows (bench/infer_gen.py makes the models and $INFER_FRAMES features
# frames of the 12 C-MAPSS sensors):
#
#   tap --count < FILE              the bare pass-through, for scale
#   infer -m LOGISTIC < FILE        logistic regression on 12 features
#                                   (target >= 2 M frames/s)
#   infer -m MLP < FILE             MLP 12-64-32-1 (target >= 1 M frames/s)
#   infer ... --batch 1             the same row by row, to show what the
#                                   BLAS micro-batches are worth
#   infer_lat                       a lone frame in process (target < 5 us)
#                                   and the row/BLAS crossover
#   scikit-learn                    per record and per matrix
#   hot swap                        $INFER_SWAP_FRAMES frames with
#                                   $INFER_SWAPS symlink flips, checked
#                                   (tests/py/infer_swap.py)
#
# Output to /dev/null; medians of $RUNS runs; infer's peak RSS (target
# < 8 MiB).
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=infer
: "${INFER_FRAMES:=2000000}" "${INFER_SWAP_FRAMES:=10000000}" "${INFER_SWAPS:=100}"
need "$BIN/tap" "$BIN/infer" "$BBIN/rss" "$BBIN/infer_lat" || exit 0
F=$OUT/infer-features.mp
if ! $PY bench/infer_gen.py testdata "$OUT" "$INFER_FRAMES" > "$OUT/infer-sk.out" 2> "$OUT/infer-gen.err"; then
	fail "infer_gen.py" "$OUT/infer-gen.err"
	finish
fi
cat "$F" > /dev/null

# run NAME PROG CMD: as in normalize.sh: MED, CMED, RSS, N
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
	if [ "$N" != "$INFER_FRAMES" ]; then
		fail "$_name: $_prog counted ${N:-no} frames, expected $INFER_FRAMES" "$OUT/$_name.err"
		return 1
	fi
}
rate() { fmt '%.2f' "$N / $MED / 1e6"; }
# by CPU time too: on a shared machine wall time counts the neighbours
crate() { fmt '%.2f' "$N / $CMED / 1e6"; }
how() { echo "median of $RUNS: $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU, peak RSS $(fmt '%.2f' "$RSS / 1024") MiB"; }

if run infer-tap tap "\"$BIN/tap\" --count < \"$F\""; then
	fig "tap --count (same run as infer, $N features frames): $(rate) M frames/s, $(crate) M per CPU second ($(how))"
fi
for m in logistic mlp; do
	case $m in logistic) d="logistic, 12 features" t=2 ;; *) d="MLP 12-64-32-1" t=1 ;; esac
	if run "infer-$m" infer "\"$BIN/infer\" -m \"$OUT/infer-$m.bundle\" < \"$F\""; then
		r=$(calc "$N / $MED / 1e6")
		fig "infer $d: $(rate) M frames/s, $(crate) M per CPU second ($(how); target >= $t M: $(verdict "$r" '>=' $t))"
		fig "infer $d peak RSS: $(fmt '%.2f' "$RSS / 1024") MiB (target < 8 MiB: $(verdict "$RSS" '<' 8192))"
	fi
	if run "infer-$m-row" infer "\"$BIN/infer\" --batch 1 -m \"$OUT/infer-$m.bundle\" < \"$F\""; then
		fig "infer $d, --batch 1 (no batches): $(rate) M frames/s, $(crate) M per CPU second ($(how))"
	fi
done
if "$BBIN/infer_lat" "$OUT/infer-logistic.bundle" "$OUT/infer-mlp.bundle" > "$OUT/infer-lat.out" 2> "$OUT/infer-lat.err"; then
	while IFS= read -r l; do fig "$l"; done < "$OUT/infer-lat.out"
else
	fail "infer_lat" "$OUT/infer-lat.err"
fi
while IFS= read -r l; do fig "$l"; done < "$OUT/infer-sk.out"

if [ "$INFER_SWAP_FRAMES" -gt 0 ]; then
	rm -rf "$OUT/infer-swap"
	if $PY tests/py/infer_swap.py "$BIN" "$OUT/infer-swap" "$INFER_SWAP_FRAMES" "$INFER_SWAPS" symlink > "$OUT/infer-swap.out" 2>&1; then
		fig "infer hot swap: $(grep '^#' "$OUT/infer-swap.out" | sed 's/^# //'), every check passed ($(grep -c '^ok' "$OUT/infer-swap.out") checks)"
	else
		fail "infer hot swap ($INFER_SWAP_FRAMES frames, $INFER_SWAPS swaps)" "$OUT/infer-swap.out"
	fi
fi
finish

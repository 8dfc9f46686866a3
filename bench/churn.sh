#!/bin/sh
# churn.sh -- the per-device map under churn (issue 9): window and validate
# on the same number of frames from 1,000 devices (each sends
# CHURN_FRAMES/1,000, round robin: every device stays held) and from 100,000
# devices (each sends CHURN_FRAMES/100,000, round robin, through the default
# --max-devices 10000: every frame is a new device that evicts the one seen
# least recently).  The target: churn within 2x of the 1,000-device CPU
# time, peak RSS bounded by the cap.
#
#   window -s 2 -f mean         an evicted device's open window is flushed:
#                               under churn every frame ends in a window of
#                               its own (CHURN_FRAMES features frames out,
#                               against half as many): extra output work
#   window -s 1 -f mean         every frame a window in both runs: the same
#                               output, the map's churn alone
#   validate -s PASS            the pass-through schema (bench/lib.sh);
#                               the report names each device held
#
# CPU time (user + system) is the figure (the machine is shared); medians
# of $RUNS runs, the two inputs alternating.  Inputs: bench/validate_gen.py
# (three channels, one frame a second per device).
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=churn
need "$BIN/window" "$BIN/validate" "$BBIN/rss" || exit 0
: "${CHURN_FRAMES:=3000000}"

for d in 1000 100000; do
	f="$OUT/churn-$d-$CHURN_FRAMES.mp"
	if [ ! -s "$f" ] || ! newer "$f" bench/validate_gen.py; then
		"$PY" bench/validate_gen.py "$d" "$((CHURN_FRAMES / d))" > "$f.tmp" &&
		    mv "$f.tmp" "$f" || { fail "bench/validate_gen.py $d"; finish; }
	fi
done
pass_schema "$OUT/churn-pass.schema" || { fail "cannot write $OUT/churn-pass.schema"; finish; }

# pair NAME PROG ARGS...: $RUNS runs of PROG ARGS on each input,
# alternating; sets C1 C2 (median CPU s), R1 R2 (largest peak RSS, KiB), E2
# (evictions PROG counted under churn); 1 if a run failed or PROG's "in"
# was not CHURN_FRAMES.
pair() {
	_name=$1 _prog=$2; shift 2
	_c1="" _c2="" _r1="" _r2="" _i=0
	while [ "$_i" -lt "$RUNS" ]; do
		_i=$((_i + 1))
		for d in 1000 100000; do
			_log="$OUT/churn-$_name-$d.err"
			timed "$_log" "$BIN/$_prog" "$@" < "$OUT/churn-$d-$CHURN_FRAMES.mp" > /dev/null
			_st=$?
			# the totals line (validate then names each device)
			_in=$(grep "^$_prog: in=" "$_log" | tail -n 1 | grep -o ' in=[0-9]*' | sed 's/.*=//')
			if [ $_st -ne 0 ] || [ "$_in" != "$CHURN_FRAMES" ]; then
				fail "$_name, $d devices: exit $_st, in=${_in:-none}" "$_log"
				return 1
			fi
			if [ "$d" = 1000 ]; then
				_c1="$_c1 $CPU" _r1="$_r1 $MAXRSS"
			else
				_c2="$_c2 $CPU" _r2="$_r2 $MAXRSS"
			fi
		done
	done
	# shellcheck disable=SC2086
	C1=$(median $_c1) C2=$(median $_c2) R1=$(max $_r1) R2=$(max $_r2)
	E2=$(counter "$OUT/churn-$_name-100000.err" "$_prog" evicted)
}
show() {
	fig "churn $1: 1,000 devices $(fmt '%.2f' "$C1") s CPU, $(fmt '%.1f' "$R1 / 1024") MiB; 100,000 devices through the cap of 10,000 ($E2 evicted) $(fmt '%.2f' "$C2") s CPU, $(fmt '%.1f' "$R2 / 1024") MiB: $(fmt '%.2f' "$C2 / $C1")x (target <= 2x: $(verdict "$C2 / $C1" '<=' 2); $CHURN_FRAMES frames, medians of $RUNS)"
}

pair window-s2 window -s 2 -f mean && show "window -s 2 -f mean"
pair window-s1 window -s 1 -f mean && show "window -s 1 -f mean (same output)"
pair validate validate -s "$OUT/churn-pass.schema" && show "validate"
finish

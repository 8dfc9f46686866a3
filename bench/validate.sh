#!/bin/sh
# validate.sh -- frames/s and peak RSS of validate on the bench frames (the
# generated CSV through ingest: 17 devices, three channels), against the
# bare pass-through filter, tap --count, in the same run:
#
#   tap --count < FILE                 the bare pass-through
#   validate -s PASS < FILE            validate as a pass-through: a schema
#                                      whose every rule is checked on every
#                                      frame and none fires (pass_schema in
#                                      bench/lib.sh); the target: >= 2.5 M
#                                      frames/s, no more than 20% under tap
#   validate -s FULL < FILE            every channel rule too (step, stuck,
#                                      flat 64), none firing
#
# and peak RSS with one device (the first million rows as one device; the
# target: < 8 MiB) and with 10,000 devices (bench/validate_gen.py, round
# robin; the target: < 64 MiB), with validate's own count of its state per
# device.  Medians of $RUNS runs, output to /dev/null; frame counts are
# validate's and tap's accounting lines.  Rates are given by wall and by
# CPU time (user + system), and so is the ratio to tap.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=validate
need "$BIN/ingest" "$BIN/tap" "$BIN/validate" "$BBIN/rss" || exit 0
bench_frames || finish

# run NAME PROG WANT CMD: $RUNS timed runs of the shell command CMD; sets
# MED, CMED (median wall, CPU seconds), RSS (largest peak, KiB) and N
# (frames PROG counted in); 1 if a run failed or PROG did not count WANT
# frames in (and, for validate, out).
run() {
	_name=$1 _prog=$2 _want=$3 _cmd=$4 _w="" _c="" _r="" _i=0
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
	# the totals line: validate also prints a line per rule and device
	N=$(grep "^$_prog: in=" "$OUT/$_name.err" | tail -n 1 | grep -o ' in=[0-9]*' | sed 's/.*=//')
	_o=$(grep "^$_prog: in=" "$OUT/$_name.err" | tail -n 1 | grep -o ' out=[0-9]*' | sed 's/.*=//')
	if [ "$N" != "$_want" ] || [ "$_o" != "$_want" ]; then
		fail "$_name: $_prog counted ${N:-no} frames, expected $_want" "$OUT/$_name.err"
		return 1
	fi
}
rate() { fmt '%.2f' "$N / $MED / 1e6"; }
how() { echo "median of $RUNS: $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU, peak RSS $(fmt '%.2f' "$RSS / 1024") MiB"; }

pass_schema "$OUT/validate-pass.schema" || { fail "cannot write $OUT/validate-pass.schema"; finish; }
{
	sed -n '1,4p' "$OUT/validate-pass.schema"
	for c in vibration temperature pressure; do
		printf '[channel %s]\nrequired reject\nrange -1e6 1e6 reject\n' $c
		printf 'step 1e6 flag\nstuck 1000 flag\nflat 64 1e-12 flag\n'
	done
} > "$OUT/validate-full.schema"

# tap and validate runs alternate, so that both see the same machine
tap_r="" tap_c="" i=0 tw="" vw="" tc="" vc="" vr=""
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	if RUNS=1 run validate-tap tap "$ROWS" "\"$BIN/tap\" --count < \"$BENCH_FRAMES\""; then
		tw="$tw $MED" tc="$tc $CMED"
	fi
	if RUNS=1 run validate-pass validate "$ROWS" "\"$BIN/validate\" -s \"$OUT/validate-pass.schema\" < \"$BENCH_FRAMES\""; then
		vw="$vw $MED" vc="$vc $CMED" vr="$vr $RSS"
	fi
done
# rates by wall time and by CPU time (user + system): on a loaded machine
# the CPU figures are the steadier ones
if [ -n "$tw" ]; then
	# shellcheck disable=SC2086
	MED=$(median $tw) CMED=$(median $tc) N=$ROWS RSS=0
	tap_r=$(calc "$N / $MED / 1e6") tap_c=$(calc "$N / $CMED / 1e6")
	fig "tap --count (same run as validate): $(rate) M frames/s wall, $(fmt '%.2f' "$tap_c") M frames/s CPU (median of $RUNS: $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU)"
fi
if [ -n "$vw" ]; then
	# shellcheck disable=SC2086
	MED=$(median $vw) CMED=$(median $vc) RSS=$(max $vr) N=$ROWS
	r=$(calc "$N / $MED / 1e6") c=$(calc "$N / $CMED / 1e6")
	fig "validate pass-through: $(rate) M frames/s wall, $(fmt '%.2f' "$c") M frames/s CPU ($(how); target >= 2.5 M: wall $(verdict "$r" '>=' 2.5), CPU $(verdict "$c" '>=' 2.5))"
	if [ -n "$tap_r" ]; then
		fig "validate pass-through / tap --count: $(fmt '%.2f' "$r / $tap_r")x by wall, $(fmt '%.2f' "$c / $tap_c")x by CPU (target >= 0.8x: wall $(verdict "$r / $tap_r" '>=' 0.8), CPU $(verdict "$c / $tap_c" '>=' 0.8))"
	fi
fi
if run validate-full validate "$ROWS" "\"$BIN/validate\" -s \"$OUT/validate-full.schema\" < \"$BENCH_FRAMES\""; then
	fig "validate with step, stuck, flat 64 on 3 channels: $(rate) M frames/s ($(how))"
fi

# one device: the first million rows of the CSV (all of a smaller one) as
# device "one"
n1=$((ROWS < 1000000 ? ROWS : 1000000))
f1="$OUT/validate-1dev-$n1.mp"
opts=$(printf '%s\n' "$INGEST_OPTS" | sed 's/--device-column [^ ]*//')
if [ ! -s "$f1" ] || ! newer "$f1" "$BENCH_CSV"; then
	# shellcheck disable=SC2086
	head -n $((n1 + 1)) "$BENCH_CSV" | "$BIN/ingest" -q $opts --device one --skip device \
	    > "$f1" 2> "$OUT/validate-1dev.err" ||
		fail "ingest of one device" "$OUT/validate-1dev.err"
fi
if run validate-1dev validate "$n1" "\"$BIN/validate\" -s \"$OUT/validate-pass.schema\" < \"$f1\""; then
	fig "validate peak RSS, 1 device: $(fmt '%.2f' "$RSS / 1024") MiB ($n1 frames, $(rate) M frames/s; target < 8 MiB: $(verdict "$RSS" '<' 8192))"
fi

# 10,000 devices, 20 frames each, round robin
if [ ! -s "$OUT/validate-10k.mp" ] || ! newer "$OUT/validate-10k.mp" bench/validate_gen.py; then
	"$PY" bench/validate_gen.py 10000 20 > "$OUT/validate-10k.mp" ||
		fail "bench/validate_gen.py"
fi
if run validate-10k validate 200000 "\"$BIN/validate\" -s \"$OUT/validate-full.schema\" < \"$OUT/validate-10k.mp\""; then
	per=$(grep -o 'per-device=[0-9]*' "$OUT/validate-10k.err" | tail -n 1 | sed 's/.*=//')
	fig "validate peak RSS, 10,000 devices: $(fmt '%.2f' "$RSS / 1024") MiB (3 channels each with step, stuck, flat 64: ${per:-?} bytes of state per device by validate's count; target < 64 MiB: $(verdict "$RSS" '<' 65536))"
fi
if run validate-10k-pass validate 200000 "\"$BIN/validate\" -s \"$OUT/validate-pass.schema\" < \"$OUT/validate-10k.mp\""; then
	per=$(grep -o 'per-device=[0-9]*' "$OUT/validate-10k-pass.err" | tail -n 1 | sed 's/.*=//')
	fig "validate peak RSS, 10,000 devices, range rules only: $(fmt '%.2f' "$RSS / 1024") MiB (${per:-?} bytes of state per device)"
fi
# device churn (issue 9): 100,000 devices, 3 frames each round robin,
# through the default cap of 10,000 (every frame evicts one), against
# 1,000 devices x 300 frames; the same 300,000 frames' worth of work
for nd in 1000:300 100000:3; do
	d=${nd%%:*} n=${nd##*:}
	if [ ! -s "$OUT/validate-churn-$d.mp" ] || ! newer "$OUT/validate-churn-$d.mp" bench/validate_gen.py; then
		"$PY" bench/validate_gen.py "$d" "$n" > "$OUT/validate-churn-$d.mp" ||
			fail "bench/validate_gen.py"
	fi
done
if run validate-churn-1k validate 300000 "\"$BIN/validate\" -s \"$OUT/validate-pass.schema\" < \"$OUT/validate-churn-1000.mp\""; then
	r1=$(rate) rss1=$RSS
	if run validate-churn-100k validate 300000 "\"$BIN/validate\" -s \"$OUT/validate-pass.schema\" < \"$OUT/validate-churn-100000.mp\""; then
		fig "validate device churn: 1,000 devices $r1 M frames/s, $(fmt '%.1f' "$rss1 / 1024") MiB; 100,000 devices through --max-devices 10000 $(rate) M frames/s, $(fmt '%.1f' "$RSS / 1024") MiB (target: within 2x, memory bounded by the cap)"
	fi
fi
finish

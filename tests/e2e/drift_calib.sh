#!/bin/sh
# drift_calib: the calibrated sequential detectors (Page-Hinkley, CUSUM,
# ADWIN) keep the false-alarm rate asked.  Asked for 1 confirmed event per
# 10,000 frames (--false-alarms 259.2 a device per 30 days at 1 frame/s),
# each detector alone on 400,000 seeded frames of no change must confirm
# between 20 and 80 times (40 expected; within the factor of 2 the
# calibration promises).  --calib-frames 100,000 is below the 200,000 frames
# that 20 events take at that rate: the simulation must run as long as the
# rate needs, not as --calib-frames says, so the thresholds are the same
# with --calib-frames 10,000,000.
. "$(dirname "$0")/../lib.sh"

gen() { "$PY" tests/py/drift_gen.py "$@"; }
count() { grep -o " $1=[0-9]*" "$2" | tail -n 1 | cut -d= -f2; }
confirmed() {
	"$PY" -c "
import sys, msgpack
n = 0
with open(sys.argv[1], 'rb') as f:
    for (t, meta), body in msgpack.Unpacker(f, raw=False):
        n += body.get('type') == 'drift' and body['state'] == 'confirmed'
print(n)" "$1"
}

gen --frames 20000 --seed 7 > "$T/ref.mp"
"$BIN/drift" -q --fit-reference "$T/ref.prof" < "$T/ref.mp" > /dev/null
check "fit-reference exits 0" test $? -eq 0
gen --frames 100000 --devices 4 --seed 21 > "$T/calm.mp"

RATE="--false-alarms 259.2 --frame-rate 1"
for t in ph cusum adwin; do
	"$BIN/drift" -r "$T/ref.prof" -T $t $RATE --calib-frames 100000 \
	    --events "$T/ev_$t.mp" < "$T/calm.mp" > /dev/null 2> "$T/err_$t"
	check "$t: exits 0" test $? -eq 0
	check "$t: no frame lost" test "$(count in "$T/err_$t")" -eq 400000
	n=$(confirmed "$T/ev_$t.mp")
	echo "# $t: $n confirmed on 400,000 frames of no change (40 asked)"
	check "$t: false alarms within 2x of the rate asked ($n of 40)" \
	    test "$n" -ge 20 -a "$n" -le 80
	"$BIN/drift" -r "$T/ref.prof" -T $t $RATE --calib-frames 10000000 \
	    < /dev/null > /dev/null 2> "$T/errl_$t"
	check "$t: threshold independent of --calib-frames" \
	    test "$(grep threshold "$T/err_$t")" = "$(grep threshold "$T/errl_$t")"
	check "$t: threshold printed with its rate" \
	    grep -q "score $t: threshold .* 259 false alarms per device per 30 days" "$T/err_$t"
done
finish

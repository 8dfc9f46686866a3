#!/bin/sh
# drift: the profile it fits, frames through unchanged, every statistic in
# its events against scipy/numpy (tests/py/drift_check.py), the sequential
# detectors against the reference implementations of tests/py/drift_ref.py,
# calibrated thresholds quiet on no change and confirming a shift, retrain
# once per device, the device bound, the accounting, the exit statuses.
. "$(dirname "$0")/../lib.sh"

gen() { "$PY" tests/py/drift_gen.py "$@"; }
chk() { "$PY" tests/py/drift_check.py "$@"; }
count() { grep -o " $1=[0-9]*" "$2" | tail -n 1 | cut -d= -f2; }

gen --frames 20000 --seed 7 > "$T/ref.mp"
gen --frames 6000 --devices 2 --change mean --shift 1 --at 3000 --seed 8 > "$T/live.mp"
gen --frames 6000 --devices 2 --seed 11 > "$T/calm.mp"

# --fit-reference: frames pass, the profile is numpy's
check "fit-reference passes frames" sh -c "$BIN/drift -q --fit-reference $T/ref.prof < $T/ref.mp | cmp -s - $T/ref.mp"
check "profile = numpy" chk profile "$T/ref.mp" "$T/ref.prof"

# window tests: frames unchanged, every value in the events = scipy/numpy
"$BIN/drift" -r "$T/ref.prof" -T ks,psi,w1 --psi 0.05 --w1 0.1 -M 2 \
    --events "$T/ev.mp" < "$T/live.mp" > "$T/out.mp" 2> "$T/err"
check "drift exits 0" test $? -eq 0
check "frames pass unchanged (--events)" cmp -s "$T/live.mp" "$T/out.mp"
check "ks, psi, w1 evidence = scipy/numpy" chk evidence "$T/live.mp" "$T/ev.mp" "$T/ref.prof" 1000
check "thresholds printed" grep -q "x0 ks: threshold 0.07 clear 0.056 (fixed)" "$T/err"
check "events counted" test "$(count events "$T/err")" -gt 2

# inline: the output is the input with events added after their frame
"$BIN/drift" -r "$T/ref.prof" -T ks,psi,w1 --psi 0.05 --w1 0.1 -M 2 \
    < "$T/live.mp" > "$T/inline.mp" 2> "$T/err2"
"$BIN/tap" -q < "$T/inline.mp" | grep -v '"kind":"event"' | "$BIN/tap" -q -r > "$T/noev.mp"
check "inline: the input plus events" cmp -s "$T/live.mp" "$T/noev.mp"
check "inline: in + events = out" test "$(($(count in "$T/err2") + $(count events "$T/err2")))" -eq "$(count out "$T/err2")"

# sequential detectors: first alarm per device as the reference's
for t in ph cusum adwin; do
	"$BIN/drift" -q -r "$T/ref.prof" -T $t -w 100 -e 10 -M 1 \
	    --events "$T/ev_$t.mp" < "$T/live.mp" > /dev/null
	check "$t: exits 0" test $? -eq 0
	check "$t = reference implementation" chk seq "$T/live.mp" "$T/ev_$t.mp" "$T/ref.prof" $t 100 10
done

# js on predicted labels, reference from a bundle's confusion matrix
chk bundle "$T/ref.prof" "$T/b.bundle"
gen --frames 3000 --label --seed 9 --change mean --shift 1 --at 1500 > "$T/lab.mp"
"$BIN/drift" -q -m "$T/b.bundle" -T js --events "$T/evjs.mp" < "$T/lab.mp" > /dev/null
check "js: exits 0" test $? -eq 0
check "js evidence = scipy" chk evidence "$T/lab.mp" "$T/evjs.mp" "$T/ref.prof" 1000
check "model named in events" sh -c "$BIN/tap -q < $T/evjs.mp | grep -q '\"model\":\"synth@1\"'"

# calibrated: quiet on no change, confirms the shift, one retrain a device
CAL="--false-alarms 1 --calib-frames 200000 -T ks,psi,w1,cusum"
"$BIN/drift" -r "$T/ref.prof" $CAL --events "$T/evc.mp" < "$T/calm.mp" > /dev/null 2> "$T/errc"
check "calibrated thresholds printed with rates" grep -q "x1 psi: threshold .* 0.1 false alarms per device per 30 days" "$T/errc"
check "calibrated: no confirmed drift on no change" test "$(count retrain "$T/errc")" -eq 0
"$BIN/drift" -r "$T/ref.prof" $CAL --events "$T/evs.mp" < "$T/live.mp" > /dev/null 2> "$T/errs"
check "calibrated: exits 0" test $? -eq 0
check "calibrated: one retrain per device" test "$(count retrain "$T/errs")" -eq 2
"$BIN/tap" -q < "$T/evs.mp" > "$T/evs.json"
check "calibrated: confirmed after the change only" "$PY" -c "
import json, sys
for l in open('$T/evs.json'):
    (t, m), b = json.loads(l)
    if b['type'] == 'drift' and b['state'] == 'confirmed':
        assert b['frames'] > 3000, b['frames']
        assert b['frames'] <= 4000, b['frames']
        assert all(e['rate'] is not None for e in b['evidence'])
"

# the device bound
"$BIN/drift" -r "$T/ref.prof" --devices 1 < "$T/live.mp" > /dev/null 2> "$T/errd"
check "--devices 1 evicts" test "$(count evicted "$T/errd")" -gt 0
check "--devices 1 exits 0" test $? -eq 0

# exit statuses
"$BIN/drift" < /dev/null > /dev/null 2>&1
check "no reference: 64" test $? -eq 64
"$BIN/drift" -r "$T/ref.prof" -w 1000 -e 300 < /dev/null > /dev/null 2>&1
check "W not a multiple of H: 64" test $? -eq 64
"$BIN/drift" -r "$T/ref.prof" -f nosuch < /dev/null > /dev/null 2>&1
check "unknown feature: 64" test $? -eq 64
head -c 100 "$T/ref.prof" > "$T/bad.prof"
"$BIN/drift" -r "$T/bad.prof" < /dev/null > /dev/null 2> "$T/errb"
check "truncated profile: 65" test $? -eq 65
check "truncated profile named" grep -q "bad.prof" "$T/errb"
"$BIN/drift" --help > "$T/help"
check "--help exits 0" test $? -eq 0
check "--help lists --false-alarms" grep -q -- "--false-alarms" "$T/help"
finish

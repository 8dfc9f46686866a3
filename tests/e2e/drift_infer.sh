#!/bin/sh
# drift behind infer with a bundle from pipelines/python/pdm_bundle.py: the
# bundle's profiles of the features and the score, and its confusion matrix
# for js on the predicted labels; a 1-std shift of every feature at frame
# 3,000 of 2 devices is confirmed after it (never before) with the model
# named, and prediction frames pass through unchanged.
. "$(dirname "$0")/../lib.sh"

"$PY" tests/py/drift_infer.py bundle "$T/m.bundle"
"$PY" tests/py/drift_infer.py frames 6000 3000 "$T/in.mp"
"$BIN/infer" -q -m "$T/m.bundle" --kind sample --keep < "$T/in.mp" > "$T/pred.mp"
check "infer scored" test -s "$T/pred.mp"
"$BIN/drift" -m "$T/m.bundle" --false-alarms 1 --calib-frames 200000 \
    --events "$T/ev.mp" < "$T/pred.mp" > "$T/out.mp" 2> "$T/err"
check "drift exits 0" test $? -eq 0
check "predictions pass unchanged" cmp -s "$T/pred.mp" "$T/out.mp"
check "js keeps its fixed threshold, printed" grep -q "label js: threshold 0.1 (fixed)" "$T/err"
check "the score's detectors calibrated" grep -q "score cusum: threshold .* false alarms per device per 30 days" "$T/err"
"$BIN/tap" -q < "$T/ev.mp" > "$T/ev.json"
check "confirmed after the shift only, both devices, model named" "$PY" -c "
import json
seen = {}
tests = set()
for l in open('$T/ev.json'):
    (t, m), b = json.loads(l)
    assert m['model'] == 'synth@1', m
    if b['type'] == 'drift' and b['state'] == 'confirmed':
        assert 3000 < b['frames'] <= 4000, b['frames']
        seen[m['dev']] = b['frames']
        tests |= {(e['feature'], e['test']) for e in b['evidence']}
assert sorted(seen) == ['d0', 'd1'], seen
assert tests <= {(f, t) for f in ('x0', 'x1', 'x2', 'score', 'label')
                 for t in ('ks', 'psi', 'w1', 'js', 'ph', 'cusum', 'adwin')}, tests
print('confirmed at', seen, 'on', sorted(tests))
"
finish

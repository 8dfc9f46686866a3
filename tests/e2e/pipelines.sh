#!/bin/sh
# pipelines.sh -- the deployment scripts (pipelines/device.sh through
# replay.sh, sensor.sh, gateway.sh) under busybox sh on bundled data (the
# two NAB temperature recordings), from a small logistic bundle made here
# with scikit-learn (bench/pipeline_model.sh):
#  - replay end to end: every link balanced; ingest read every row (counted
#    by Python's csv module); each stage's rejects in its dead-letter file
#    (counted by Python's msgpack) as many as it says; the predictions file
#    holds infer's out; collect stored what sample-upload sampled; trigger
#    ran the given command on drift's retrain event.
#  - a stage killed mid-stream (SIGKILL to infer): the pipeline stops with
#    the message naming it and its status 137.
#  - SIGTERM to the script: ingest stops early, the rest drain, every link
#    still balances, status 0.
#  - a sensor pushing over tcp to a gateway: the gateway's ingest receives
#    every frame the sensor's validate sent.
. tests/lib.sh
SH=$(command -v busybox > /dev/null && echo "busybox sh" || echo sh)
export BIN
M=$TESTDATA/nab/machine_temperature_system_failure.csv
A=$TESTDATA/nab/ambient_temperature_system_failure.csv
head -n 3001 "$M" > "$T/m3k.csv"

# the bundle: the machine recording's first 6000 rows
head -n 6001 "$M" | "$BIN/ingest" -q --device m > "$T/slice.mp"
sh bench/pipeline_model.sh "$BIN" "$T/slice.mp" "$T/model" "$T/m.bundle" "$PY" -- \
    -t hopping -s 12 -H 6 -f mean,std,rms,kurtosis > "$T/model.out" 2>&1
check "bundle made with scikit-learn" test -s "$T/m.bundle"

# ---- replay end to end ------------------------------------------------------
$SH pipelines/replay.sh -m "$T/m.bundle" -w "$T/r" \
    -r "cat > $T/retrain.jsonl; echo \$PDM_EVENTS > $T/retrain.n" "$M" "$A" \
    > "$T/r.out" 2> "$T/r.err"
st=$?
check "replay: status 0" [ $st -eq 0 ]
check "replay: no link broken" sh -c "! grep -q 'wrote .* frames but' '$T/r.err'"
# the seven stages, then collect and trigger (each with in= out= ...)
check "replay: nine programs accounted" [ "$(grep -c '^  [a-z-]* *in=' "$T/r.err")" -eq 9 ]
for p in ingest validate normalize window infer drift sample-upload collect trigger; do
	check "replay: $p accounted" grep -q "^  $p  *in=[0-9]* out=" "$T/r.err"
done
cnt() { sed -n "s/^  $1 .* $2=\([0-9]*\).*/\1/p" "$T/$3.err" | head -n 1; }
"$PY" - "$M" "$A" "$T/r" > "$T/oracle" <<'PYEOF'
import csv, sys, glob, os, msgpack
rows = sum(sum(1 for _ in csv.reader(open(f))) - 1 for f in sys.argv[1:3])
print("rows", rows)
w = sys.argv[3]
def frames(p):
    with open(p, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False, strict_map_key=False))
for s in ("ingest", "validate", "normalize", "window", "infer", "drift"):
    print("dl_" + s, len(frames(os.path.join(w, "deadletter", s + ".mp"))))
pred = frames(os.path.join(w, "predictions.mp"))
print("pred", len(pred))
print("stored", sum(len(frames(p)) for p in glob.glob(w + "/dataset/*/*/*.mp")))
PYEOF
o() { sed -n "s/^$1 //p" "$T/oracle"; }
eq() { [ -n "$1" ] && [ "$1" = "$2" ]; }
check "replay: ingest read every row ($(o rows))" eq "$(cnt ingest in r)" "$(o rows)"
for s in ingest validate normalize window infer drift; do
	check "replay: $s's rejects all in its dead-letter file ($(o dl_$s))" \
	    eq "$(cnt $s rejected r)" "$(o dl_$s)"
done
check "replay: validate rejected the ambient recording's out-of-schema rows" \
    [ "$(o dl_validate)" -gt 0 ]
check "replay: the predictions file holds infer's out ($(o pred))" \
    eq "$(cnt infer out r)" "$(o pred)"
check "replay: collect stored every frame sample-upload sampled" \
    eq "$(cnt sample-upload sampled r)" "$(o stored)"
check "replay: trigger ran the command on drift's retrain event" \
    [ "$(cnt drift retrain r)" -ge 1 -a -s "$T/retrain.jsonl" ]
check "replay: metrics files per stage" test -s "$T/r/metrics/pdm-device-infer.prom"

# ---- a stage killed mid-stream ---------------------------------------------
$SH pipelines/replay.sh -m "$T/m.bundle" -w "$T/k" -r none -s 200000 "$T/m3k.csv" \
    > "$T/k.out" 2> "$T/k.err" &
P=$!
n=0
while [ ! -s "$T/k/pl/5.pid" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sleep 1
kill -KILL "$(cat "$T/k/pl/5.pid")"
wait $P
st=$?
check "killed: the pipeline fails with infer's status 137" [ $st -eq 137 ]
check "killed: the message names infer" \
    grep -q '^pipeline: stage infer failed with status 137' "$T/k.err"

# ---- SIGTERM drains ----------------------------------------------------------
# (the whole recording: ingest reads ahead, and what it has read when it
# is stopped is flushed)
$SH pipelines/replay.sh -m "$T/m.bundle" -w "$T/t" -r none -s 30000 "$M" \
    > "$T/t.out" 2> "$T/t.err" &
P=$!
n=0
while [ ! -s "$T/t/pl/1.pid" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sleep 2
kill -TERM $P
wait $P
st=$?
check "SIGTERM: status 0" [ $st -eq 0 ]
check "SIGTERM: every link balances" sh -c "! grep -q 'wrote .* frames but' '$T/t.err'"
n=$(cnt ingest out t)
check "SIGTERM: ingest stopped early ($n of 22695 rows)" [ "${n:-0}" -gt 0 -a "${n:-0}" -lt 22695 ]
check "SIGTERM: sample-upload accounted" [ -n "$(cnt sample-upload in t)" ]

# ---- a sensor and its gateway over tcp ---------------------------------------
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PDM_INSTANCE=gw MODEL=$T/m.bundle LISTEN="pull@tcp://127.0.0.1:$port" \
    DATASET=$T/g/ds RETRAIN=none UPLOAD_OPTS="--batch-age 1 --drain 10" \
    $SH pipelines/gateway.sh -w "$T/g" > "$T/g.out" 2> "$T/g.err" &
G=$!
MODEL=$T/m.bundle GATEWAY=tcp://127.0.0.1:$port $SH pipelines/sensor.sh -w "$T/s" "$T/m3k.csv" \
    > "$T/s.out" 2> "$T/s.err"
check "sensor: status 0" [ $? -eq 0 ]
n=0
# the sensor's end reaches the gateway's ingest, which ends, and the chain
# drains; SIGTERM only if it has not ended within 60 s (a loaded machine
# may take seconds)
while kill -0 $G 2>/dev/null && [ $n -lt 300 ]; do sleep 0.2; n=$((n + 1)); done
kill -TERM $G 2>/dev/null
wait $G
check "gateway: status 0" [ $? -eq 0 ]
check "gateway: received every frame the sensor sent ($(cnt validate out s))" \
    eq "$(cnt ingest in g)" "$(cnt validate out s)"
check "gateway: every link balances" sh -c "! grep -q 'wrote .* frames but' '$T/g.err'"
finish

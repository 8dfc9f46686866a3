#!/bin/sh
# The loop end to end (pipelines/scenario-cmapss.sh under busybox sh, as on
# a device; docs/loop.md): C-MAPSS engines 41-100 as a fleet, sensor 11
# recalibrated by +3 std at fleet time 400.  Checked here, independently of
# the programs (numpy, msgpack):
#   - drift confirmed after the change and not before, on s11.mean;
#   - exactly one retrain run (trigger's outcome events; one run directory);
#   - the gate's numbers printed and in the registry history: promote 1 -> 2;
#   - infer's predictions switch model exactly once, at a frame boundary
#     (stream order: every @1 before every @2);
#   - no frame lost or duplicated: per engine, prediction seq 0..n-1, one
#     per window, as many as window made;
#   - RMSE before the change, after it with the old model, after the switch,
#     recomputed from the predictions and the fleet's failure times, printed;
#     the old model's error rises after the change and falls back after the
#     switch.
. tests/lib.sh

for p in ingest window infer drift trigger sample-upload collect train registry tap; do
	[ -x "$BIN/$p" ] || skip "$BIN/$p is not built: the scenario needs ingest, window, infer (w/bundle), drift and trigger (w/drift), sample-upload and collect (w/upload), train (w/train), registry"
done

command -v busybox > /dev/null && SH="busybox sh" || SH=sh
W=$T/scenario
BIN=$BIN $SH pipelines/scenario-cmapss.sh -w "$W" > "$T/story" 2> "$T/err"
st=$?
cat "$T/story"
check "the scenario ran: exit 0" sh -c "test $st -eq 0 || { cat '$T/err'; exit 1; }"

check "one retrain run: one run directory" test "$(ls "$W/retrain/runs" | wc -l)" -eq 1
$BIN/registry -d "$W/registry" history cmapss-rul -a production > "$T/hist"
check "history: first model, then the retrain's promote 1 -> 2 with the gate's numbers" \
	$PY - "$T/hist" "$W" <<'EOF'
import glob, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
assert [(r[1], r[4], r[5]) for r in rows] == [("promote", "-", "1"), ("promote", "1", "2")], rows
run = glob.glob(sys.argv[2] + "/retrain/runs/*")[0]
gate = open(run + "/gate").read().strip()
assert rows[1][7] == gate, (rows[1][7], gate)
g = dict(kv.split("=", 1) for kv in gate.split())
assert g["verdict"] == "promote" and g["metric"] == "rmse"
assert float(g["candidate"]) < float(g["serving"]), g
print("gate:", gate)
EOF
check "the gate's line is in the story" grep -q "gate: verdict=promote metric=rmse" "$T/story"

check "drift, trigger, predictions, frame accounting, RMSE" \
	$PY - "$W" <<'EOF'
import math, struct, sys
import msgpack, numpy as np
W = sys.argv[1]
T0 = 400

def frames(path):
    with open(path, "rb") as f:
        for fr in msgpack.Unpacker(f, raw=False, strict_map_key=False):
            yield fr

def secs(t):
    if isinstance(t, msgpack.ExtType):
        s, ns = struct.unpack(">II", t.data)
        return s + ns / 1e9
    return float(t)

# drift: confirmed only after the change, on s11.mean; trigger: one run
conf = []
for (t, meta), body in frames(W + "/events.mp"):
    if body.get("type") == "drift" and body.get("state") == "confirmed":
        conf.append((secs(t), sorted({e["feature"] for e in body["evidence"]})))
print("drift confirmed:", conf)
assert conf, "no confirmed drift"
assert all(t >= T0 for t, _ in conf), "drift confirmed before the change"
assert any("s11.mean" in f for _, f in conf), "not on s11.mean"
runs = [b for (t, m), b in frames(W + "/trigger.mp") if b.get("type") == "trigger"]
print("trigger runs:", [(b["status"], b["events"]) for b in runs])
assert len(runs) == 1 and runs[0]["status"] == "ok", runs

# predictions: one per window, seq continuous, model switched once
last = {}
for l in open(W + "/fleet.log"):
    u, k, t0, t1, c0, life = l.split()
    last[u] = float(t1)
models, per = [], {}
sq, y, p, t_ = [], [], [], []
for (t, meta), body in frames(W + "/predictions.mp"):
    if meta.get("kind") != "prediction":
        continue
    models.append(meta["model"])
    per.setdefault(meta["dev"], []).append(meta["seq"])
    start = secs(meta["start"])
    y.append(min(last[meta["dev"]] - (start + 9), 125))
    p.append(body["score"])
    t_.append(start)
for d, s in per.items():
    assert s == list(range(len(s))), "engine %s: seq not 0..n-1" % d
switch = [i for i in range(1, len(models)) if models[i] != models[i - 1]]
assert models[0] == "cmapss-rul@1" and len(switch) == 1 and models[-1] == "cmapss-rul@2", \
    (models[0], models[-1], switch)
k = switch[0]
y, p, t_ = np.array(y), np.array(p), np.array(t_)
idx = np.arange(len(y))
def rmse(m):
    return math.sqrt(np.mean((p[m] - y[m]) ** 2))
before = rmse((t_ < T0) & (idx < k))
after_old = rmse((t_ >= T0) & (idx < k))
after_new = rmse(idx >= k)
print("RMSE before the change %.2f, after it with @1 %.2f, after the switch to @2 %.2f"
      % (before, after_old, after_new))
assert after_old > before + 5, "the change should hurt the old model"
assert after_new < after_old - 5, "the new model should recover"
# every features frame window made was scored: window's out = infer's in
import re
def count(stage, key):
    line = [l for l in open("%s/%s.err" % (W, stage)) if re.match(r"^[a-z-]+: .*\bin=\d+", l)][-1]
    return int(re.search(r"\b%s=(\d+)" % key, line).group(1))
assert count("window", "out") == count("infer", "in") == len(models), \
    (count("window", "out"), count("infer", "in"), len(models))
EOF

finish

#!/bin/sh
# pipelines/retrain.sh under busybox sh, on C-MAPSS FD001: a ridge RUL model
# trained on engines 1-40 serves; engines 41-70 arrive in a collect-shaped
# data set (DATASET/DEV/DAY/ID.mp) with sensor 11 recalibrated by +3 std
# (pipelines/cmapss-recalibrate.sh).  One retrain run trains a candidate on
# engines 1-40 plus two thirds of the new ones, scores it and the serving
# model on the other third, and promotes it: the gate's RMSEs are checked
# against numpy applying both bundles' weights (read with msgpack) to the
# held-out rows, the candidate beats the serving model, production moves to
# it, and the history holds the gate's numbers.  A second run whose
# candidate is a ridge with alpha 1e9 (next to a constant) is refused and the history says
# why; production stays.  With SHADOW=1 the candidate is gated against
# production and moves only the shadow alias.  A run without enough
# labelled devices exits 65 and decides nothing.
. tests/lib.sh

for p in ingest train registry; do
	[ -x "$BIN/$p" ] || skip "$BIN/$p is not built (bin/train comes from branch w/train): retrain.sh cannot run"
done
command -v busybox > /dev/null && SH="busybox sh" || SH=sh

MK="$PY tests/py/mkbundle.py"
txt=$(unpack cmapss/train_FD001.txt.gz)
cols=unit,cycle,setting1,setting2,setting3
i=1
while [ $i -le 21 ]; do cols="$cols,s$i"; i=$((i + 1)); done
sh pipelines/cmapss-recalibrate.sh -s 11 -k 3std -u "$(seq -s, 41 70)" "$txt" \
    > "$T/fd1.txt" 2> "$T/recal.err" || fail "recalibrate"
check "recalibrate: +3 std of s11 (numpy) on units 41-70 only, other columns untouched" \
	$PY - "$txt" "$T/fd1.txt" "$T/recal.err" <<'EOF'
import re, sys
import numpy as np
a, b = np.loadtxt(sys.argv[1]), np.loadtxt(sys.argv[2])
k = float(re.search(r"s11 \+ (\S+)", open(sys.argv[3]).read()).group(1))
new = (a[:, 0] >= 41) & (a[:, 0] <= 70)
assert abs(k - 3 * a[new, 15].std()) < 1e-6, (k, 3 * a[new, 15].std())
d = b - a
assert np.allclose(d[new, 15], k, atol=6e-5) and np.all(d[~new, 15] == 0)
d[:, 15] = 0
assert np.all(d == 0)
EOF

SKIP=setting1,setting2,setting3,s1,s5,s6,s10,s16,s18,s19
ing() {
	$BIN/ingest -q --columns $cols --device-column unit -t cycle --time-format epoch --skip $SKIP "$@" |
		$BIN/window -q -t hopping -s 10 -H 1 -f mean
}
awk '$1 <= 40' "$T/fd1.txt" > "$T/base.txt"
ing "$T/base.txt" > "$T/base.mp" || fail "ingest base"
mkdir -p "$T/dataset"
: > "$T/failures"
u=41
while [ $u -le 70 ]; do
	mkdir -p "$T/dataset/$u/1970-01-01"
	awk -v u=$u '$1 == u' "$T/fd1.txt" > "$T/u.txt"
	ing "$T/u.txt" > "$T/dataset/$u/1970-01-01/0.mp" || fail "ingest unit $u"
	echo "$u 0" >> "$T/failures"
	u=$((u + 1))
done

LABEL="--rul seconds --rul-cap 125"
$MK keygen "$T/sk" "$T/pk" || fail "keygen"
# shellcheck disable=SC2086
$BIN/train -q -k ridge $LABEL --split group --name cmapss-rul --version 1 \
    --sign "$T/sk" -o "$T/v1.bundle" -i "$T/base.mp" > "$T/train1.out" 2> "$T/train1.err" ||
	fail "train v1" "$(cat "$T/train1.err")"
R="$BIN/registry -d $T/reg"
$R init -k "$T/pk" > /dev/null && $R add "$T/v1.bundle" > /dev/null &&
	$R promote cmapss-rul@1 -y "first model" > /dev/null || fail "registry v1"

cat > "$T/retrain.conf" <<EOF
MODEL=cmapss-rul
KIND=ridge
DATASET=$T/dataset
FAILURES=$T/failures
BASE_DATA=$T/base.mp
REGISTRY=$T/reg
STATE=$T/state
LABEL="$LABEL"
TRAIN_OPTS="--split group"
SIGN_KEY=$T/sk
PUBKEY=$T/pk
BIN=$BIN
EOF

echo '{"type":"retrain","dev":"44"}' | $SH pipelines/retrain.sh -c "$T/retrain.conf" > "$T/run1.out" 2> "$T/run1.err"
st=$?
cat "$T/run1.out" "$T/run1.err"
check "run 1: exit 0" test $st -eq 0
check "run 1: production moved to 2" test "$(readlink "$T/reg/cmapss-rul/production")" = versions/2.bundle
run1=$(ls -d "$T"/state/runs/* | head -n 1)
check "run 1: the event kept" grep -q '"retrain"' "$run1/event.json"
check "run 1: 10 engines held out, 20 trained on" \
	sh -c "test \$(wc -l < '$run1/devices.holdout') -eq 10 && test \$(wc -l < '$run1/devices.train') -eq 20"
$R history cmapss-rul -a production > "$T/hist1"
check "run 1: history: promote 1 -> 2 with the gate's numbers" \
	sh -c "tail -n 1 '$T/hist1' | grep -q '	promote	cmapss-rul	production	1	2	retrain gate: promote	verdict=promote metric=rmse candidate='"

# the gate's RMSEs, recomputed: both bundles' ridge weights on the held-out rows
check "run 1: gate RMSEs = numpy on the held-out rows, candidate better" \
	$PY - "$run1" "$T/reg/cmapss-rul/versions" "$T/hist1" <<'EOF'
import glob, math, struct, sys
import msgpack, numpy as np
run, vers, hist = sys.argv[1:4]

def secs(t):
    s, ns = struct.unpack(">II", t.data)
    return s + ns / 1e9

def load(path):
    c = msgpack.unpackb(open(path, "rb").read(), raw=False)
    return msgpack.unpackb(c["body"], raw=False, strict_map_key=False)

def predict(b, rows):
    f = b["features"]
    X = np.array([[r[k] for k in f] for r in rows], dtype=float)
    m = b["model"]
    if m.get("scaler"):
        X = (X - np.array(m["scaler"]["mean"])) / np.array(m["scaler"]["scale"])
    coef = np.array(m["arrays"]["coef"]["data"])
    icp = np.array(m["arrays"]["intercept"]["data"])
    return X @ coef.reshape(-1)[:X.shape[1]] + icp.reshape(-1)[0]

rows, y = [], []
frames = list(msgpack.Unpacker(open(run + "/holdout.mp", "rb"), raw=False))
by = {}
for (t, meta), body in frames:
    if meta.get("kind") == "features":
        by.setdefault(meta["dev"], []).append((secs(t), body))
for dev, bs in by.items():
    end = max(t for t, b in bs)
    for t, b in bs:
        rows.append(b)
        y.append(min(end - t, 125))
y = np.array(y, dtype=float)
gate = dict(kv.split("=", 1) for kv in open(run + "/gate").read().split())
res = {}
for v in ("1", "2"):
    p = predict(load("%s/%s.bundle" % (vers, v)), rows)
    res[v] = math.sqrt(np.mean((p - y) ** 2))
print("numpy: serving %.4f candidate %.4f; gate: %s %s" % (res["1"], res["2"],
      gate["serving"], gate["candidate"]))
assert abs(float(gate["serving"]) - res["1"]) < 1e-3, "serving"
assert abs(float(gate["candidate"]) - res["2"]) < 1e-3, "candidate"
assert res["2"] < res["1"] - 3, "the candidate should win clearly"
assert int(gate["n"]) == len(y)
last = open(hist).read().splitlines()[-1]
assert "candidate=" + gate["candidate"] in last and "serving=" + gate["serving"] in last
EOF

# a candidate shrunk to its mean (ridge alpha 1e9) is refused
sed 's/^TRAIN_OPTS=.*/TRAIN_OPTS="--split group --alpha 1e9"/' "$T/retrain.conf" > "$T/worse.conf"
$SH pipelines/retrain.sh -c "$T/worse.conf" < /dev/null > "$T/run2.out" 2> "$T/run2.err"
st=$?
cat "$T/run2.out" "$T/run2.err"
check "run 2 (worse candidate): exit 0, production stays at 2" \
	sh -c "test $st -eq 0 && test \"\$(readlink '$T/reg/cmapss-rul/production')\" = versions/2.bundle"
$R history cmapss-rul -a production | tail -n 1 > "$T/hist2"
check "run 2: history: refuse 3, 2 stays, with why and the numbers" \
	grep -q '	refuse	cmapss-rul	production	2	3	retrain gate: refuse	verdict=refuse metric=rmse candidate=.* serving=.* rule=candidate<=serving-margin' "$T/hist2"
check "run 2: the refused candidate is stored, for a look" test -f "$T/reg/cmapss-rul/versions/3.bundle"
check "run 2: the base was version 2's training set" grep -q "base $T/state/trainsets/cmapss-rul/2.mp" "$T/run2.out"
check "run 2: engines version 2 was trained on are not new: 7 trained on, 3 held out" \
	grep -q "data: 7 new devices to train on, 3 held out" "$T/run2.out"

# shadow: the candidate is compared with production and, if it passes,
# moves the shadow alias only; production stays
printf 'SHADOW=1\n' | cat "$T/retrain.conf" - > "$T/shadow.conf"
$SH pipelines/retrain.sh -c "$T/shadow.conf" < /dev/null > "$T/run4.out" 2> "$T/run4.err"
st=$?
cat "$T/run4.out" "$T/run4.err"
check "shadow run: exit 0, production stays at 2" \
	sh -c "test $st -eq 0 && test \"\$(readlink '$T/reg/cmapss-rul/production')\" = versions/2.bundle"
check "shadow run: compared with production (2), decided on the shadow alias" \
	sh -c "$R history cmapss-rul -a shadow | tail -n 1 | grep -q '	cmapss-rul	shadow	-	4	retrain gate: '"
if grep -q 'verdict=promote' "$T/run4.out"; then
	check "shadow run: promoted: shadow -> versions/4.bundle" \
		test "$(readlink "$T/reg/cmapss-rul/shadow")" = versions/4.bundle
else
	check "shadow run: refused: no shadow link" test ! -e "$T/reg/cmapss-rul/shadow"
fi
grep -q "retrained from 2 (alias shadow)" "$T/run4.out" || fail "shadow run: serving = production's 2"

# not enough labelled devices
head -n 1 "$T/failures" > "$T/few"
sed "s|^FAILURES=.*|FAILURES=$T/few|" "$T/retrain.conf" > "$T/few.conf"
$R history cmapss-rul | wc -l > "$T/nhist"
$SH pipelines/retrain.sh -c "$T/few.conf" < /dev/null > "$T/run3.out" 2> "$T/run3.err"
st=$?
check "one labelled device: exit 65, named, nothing decided" \
	sh -c "test $st -eq 65 && grep -q 'labelled new device(s) in .*need 2 or more' '$T/run3.err' && test \$($R history cmapss-rul | wc -l) -eq \$(cat '$T/nhist')"
check "lock released after each run" test ! -e "$T/state/lock"
# a lock held by a live run refuses (75); one whose owner is gone is taken over
mkdir "$T/state/lock"
sleep 30 &
sl=$!
echo $sl > "$T/state/lock/pid"
$SH pipelines/retrain.sh -c "$T/few.conf" < /dev/null > /dev/null 2> "$T/run5.err"
check "lock held by a live run: exit 75, named" sh -c "test $? -eq 75 && grep -q 'retrain $sl is running' '$T/run5.err'"
kill $sl; wait $sl 2> /dev/null
$SH pipelines/retrain.sh -c "$T/few.conf" < /dev/null > /dev/null 2> "$T/run6.err"
check "lock of a dead run: taken over (then 65: too few devices), released" \
	sh -c "test $? -eq 65 && grep -q 'its owner $sl is gone' '$T/run6.err' && test ! -e '$T/state/lock'"

finish

#!/bin/sh
# registry and infer together: infer serves REGISTRY/m/production (a
# symlink) while frames arrive in three bursts on a FIFO; between bursts the
# registry promotes m@2, then rolls back to m@1, each followed by SIGHUP
# (infer --poll 0: only then does it look).  The first frame of each burst
# is scored by the model the alias then names (the switch lands within one
# frame); every prediction's score is the ridge of its version, computed
# here with numpy from the weights the test wrote; no frame is lost or
# scored twice.  Then the link is pointed by hand at a tampered copy of m@2:
# infer refuses it (a model_refused event) and m@1 goes on serving.
. tests/lib.sh

for p in infer registry; do
	[ -x "$BIN/$p" ] || skip "$BIN/$p is not built (infer comes from branch w/bundle)"
done
MK="$PY tests/py/mkbundle.py"
D=$T/reg
$MK keygen "$T/sk" "$T/pk" || fail "keygen"
$MK make "$T/m1.bundle" m 1 --sk "$T/sk" --coef 1,2,3 || fail "make 1"
$MK make "$T/m2.bundle" m 2 --sk "$T/sk" --coef=-4,0.5,7 || fail "make 2"
$MK tamper "$T/m2.bundle" "$T/m2-tampered.bundle" || fail "tamper"
R="$BIN/registry -d $D"
$R init -k "$T/pk" > /dev/null && $R add "$T/m1.bundle" "$T/m2.bundle" > /dev/null &&
	$R promote m@1 > /dev/null || fail "registry"

# four bursts of 5 features frames (f0, f1, f2), seq 0-19 of device d1
$PY - "$T" <<'EOF'
import struct, sys
import msgpack
for b in range(4):
    with open("%s/burst%d.mp" % (sys.argv[1], b), "wb") as f:
        for i in range(5):
            s = b * 5 + i
            t = msgpack.ExtType(0, struct.pack(">II", 1000 + s, 0))
            f.write(msgpack.packb([[t, {"kind": "features", "dev": "d1", "seq": s}],
                                   {"f0": 0.1 * s, "f1": 1.0 - 0.05 * s, "f2": (s % 3) - 1.0}]))
EOF

mkfifo "$T/in.fifo"
$BIN/infer -m "$D/m/production" -k "$T/pk" --poll 0 -i "$T/in.fifo" -o "$T/out.mp" 2> "$T/infer.err" &
ip=$!
exec 7<> "$T/in.fifo"	# read-write: never blocks, even if infer is gone
# settle: give infer the time to read a burst (a few frames: milliseconds)
# before the alias moves, so that the burst is read under the old model
settle() { sleep 0.5; }
cat "$T/burst0.mp" >&7
settle
$R promote m@2 -y "test" > /dev/null && kill -HUP $ip && sleep 0.5
cat "$T/burst1.mp" >&7
settle
$R rollback m -y "test" > /dev/null && kill -HUP $ip && sleep 0.5
cat "$T/burst2.mp" >&7
settle
cp "$T/m2-tampered.bundle" "$D/m/" && ln -sfn m2-tampered.bundle "$D/m/production" &&
	kill -HUP $ip && sleep 0.5
cat "$T/burst3.mp" >&7
exec 7>&-
wait $ip
st=$?
check "infer: exit 0" test $st -eq 0
check "infer: the tampered bundle refused, named" grep -q "refused" "$T/infer.err"

check "models per burst @1 @2 @1 @1, scores = numpy ridge, seq 0-19 once each" \
	$PY - "$T/out.mp" <<'EOF'
import sys
import msgpack, numpy as np
coef = {"m@1": [1, 2, 3], "m@2": [-4, 0.5, 7]}
preds, events = [], []
for (t, meta), body in msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False):
    if meta.get("kind") == "prediction":
        preds.append((meta["seq"], meta["model"], body["score"]))
    elif meta.get("kind") == "event":
        events.append(body["type"])
assert [p[0] for p in preds] == list(range(20)), [p[0] for p in preds]
want = ["m@1"] * 5 + ["m@2"] * 5 + ["m@1"] * 10
assert [p[1] for p in preds] == want, [p[1] for p in preds]
for s, m, score in preds:
    x = np.array([0.1 * s, 1.0 - 0.05 * s, (s % 3) - 1.0])
    assert abs(score - (x @ np.array(coef[m]) + 0.5)) < 1e-9, (s, m, score)
assert events.count("model_swap") == 2 and events.count("model_refused") == 1, events
print("models:", [p[1] for p in preds][::5], "events:", events)
EOF

finish

#!/bin/sh
# normalize on hand-made frames (testdata/normalize/mixed.jsonl, scaled by the
# hand-written mixed.params): the output, decoded by python3-msgpack, must be
# the golden file worked out by hand (mixed.out: (14 - 10) / 2 = 2 and so on):
# samples and features scaled by their own lines, NaN and Inf carried through
# the arithmetic, other kinds and other channels untouched, and a frame that
# lacks a channel to scale, or holds a non-number in it, rejected with its
# original frame, rule, field, value and source line.  --missing pass and
# drop have their own golden files; --reject splits the rejects off; --inverse
# gives the input back; the accounting balances; a broken input stream stops
# with status 65 after writing what came before.
. tests/lib.sh

D=$TESTDATA/normalize
P=$D/mixed.params
dump() { $PY tests/py/normalize_check.py dump "$1"; }
# counts LOG: "in out rejected dropped" from the accounting line
counts() { sed -n 's/^normalize: in=\([0-9]*\) out=\([0-9]*\) rejected=\([0-9]*\) dropped=\([0-9]*\).*/\1 \2 \3 \4/p' "$1" | tail -n 1; }

$PY tests/py/normalize_frames.py jsonl "$D/mixed.jsonl" > "$T/in.mp" || fail "frames"

$BIN/normalize -p "$P" < "$T/in.mp" > "$T/out.mp" 2> "$T/err"
check "default: exits 0" test $? -eq 0
dump "$T/out.mp" | sed "s|($P)|(PARAMS)|" > "$T/out.json"
check "default: output = mixed.out (rejects inline)" cmp "$T/out.json" "$D/mixed.out"
check "default: in=12 out=7 rejected=5 dropped=0" test "$(counts "$T/err")" = "12 7 5 0"

$BIN/normalize --missing pass -p "$P" < "$T/in.mp" > "$T/pass.mp" 2> "$T/err"
dump "$T/pass.mp" > "$T/pass.json"
check "--missing pass: output = mixed-pass.out (meta unscaled)" cmp "$T/pass.json" "$D/mixed-pass.out"
check "--missing pass: in=12 out=12, 5 flagged unscaled" \
	grep -q '^normalize: in=12 out=12 rejected=0 dropped=0 unwritten=0 unscaled=5$' "$T/err"

$BIN/normalize --missing drop -p "$P" < "$T/in.mp" > "$T/drop.mp" 2> "$T/err"
dump "$T/drop.mp" > "$T/drop.json"
check "--missing drop: output = mixed-drop.out" cmp "$T/drop.json" "$D/mixed-drop.out"
check "--missing drop: in=12 out=7 dropped=5" test "$(counts "$T/err")" = "12 7 0 5"

$BIN/normalize --reject "$T/rej.mp" -p "$P" < "$T/in.mp" > "$T/main.mp" 2> "$T/err"
check "--reject FILE: exits 0" test $? -eq 0
dump "$T/main.mp" > "$T/main.json"
dump "$T/rej.mp" | sed "s|($P)|(PARAMS)|" > "$T/rej.json"
grep -v '"stage": "normalize"' "$D/mixed.out" > "$T/main.want"
grep '"stage": "normalize"' "$D/mixed.out" > "$T/rej.want"
check "--reject FILE: the output holds all but normalize's rejects" cmp "$T/main.json" "$T/main.want"
check "--reject FILE: the file holds the five rejects, in order" cmp "$T/rej.json" "$T/rej.want"
check "--reject FILE: accounting as inline" test "$(counts "$T/err")" = "12 7 5 0"

# --inverse undoes it: every frame that was scaled comes back as it went in
$BIN/normalize -q -u -p "$P" < "$T/out.mp" > "$T/back.mp"
check "--inverse: exits 0" test $? -eq 0
check "--inverse: scaled frames come back as they were, the rest untouched" $PY -c '
import sys, math, msgpack
inp = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
out = list(msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False))
back = list(msgpack.Unpacker(open(sys.argv[3], "rb"), raw=False))
assert len(back) == len(out) == 12, (len(back), len(out))
same = lambda a, b: a == b or (isinstance(a, float) and isinstance(b, float)
                               and math.isnan(a) and math.isnan(b))
for i, (x, o, b) in enumerate(zip(inp, out, back)):
    if o[0][1].get("kind") == "reject" and o[0][1].get("stage") == "normalize":
        assert b == o, (i, b, o)       # a reject frame is passed on as is
        continue
    assert b[0] == x[0], (i, b[0], x[0])
    assert b[1].keys() == x[1].keys(), (i, b[1], x[1])
    for k in x[1]:
        assert same(b[1][k], x[1][k]), (i, k, b[1][k], x[1][k])
' "$T/in.mp" "$T/out.mp" "$T/back.mp"

# -c picks lines: only "x y" is scaled; the rest pass as they came
$BIN/normalize -q -c "x y" -p "$P" < "$T/in.mp" > "$T/xy.mp"
check "-c 'x y': only that channel changes; frames without it rejected" $PY -c '
import sys, msgpack
inp = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
out = list(msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False))
assert len(out) == 12
for x, o in zip(inp, out):
    kind = x[0][1].get("kind", "sample")
    if kind == "sample" and "x y" not in x[1]:
        assert o[0][1]["kind"] == "reject" and o[1]["field"] == "x y", o
        continue
    for k, v in x[1].items():
        want = (v - 1) / 0.5 if kind == "sample" and k == "x y" else v
        assert o[1][k] == want or want != want, (k, o[1][k], want)
' "$T/in.mp" "$T/xy.mp"

# a well-formed value that is not a frame: rejected with its bytes, and on
$PY -c 'import sys, msgpack; sys.stdout.buffer.write(msgpack.packb([1, 2, 3]))' > "$T/notframe.mp"
cat "$T/in.mp" "$T/notframe.mp" "$T/in.mp" > "$T/mid.mp"
$BIN/normalize -p "$P" < "$T/mid.mp" > "$T/mid.out" 2> "$T/err"
check "not a frame: exit 0, reading goes on" test $? -eq 0
dump "$T/mid.out" | sed "s|($P)|(PARAMS)|" > "$T/mid.json"
check "not a frame: a decode reject with the raw bytes, between the two copies" $PY -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
want = open(sys.argv[2]).read().splitlines()
assert lines[:12] == want and lines[13:] == want, "copies differ"
t, meta, body = json.loads(lines[12])
assert meta == {"kind": "reject", "stage": "normalize"}, meta
assert body["rule"] == "decode" and body["raw"] == {"bytes": [1, 2, 3]}, body
assert "byte 865" in body["reason"] and "not a 2-element array" in body["reason"], body
' "$T/mid.json" "$D/mixed.out"
check "not a frame: in=25 out=14 rejected=11" test "$(counts "$T/err")" = "25 14 11 0"

# a stream that breaks off: status 65, the frames before it written
cp "$T/in.mp" "$T/broken.mp"
printf '\223\001' >> "$T/broken.mp"	# an array of 3 that ends after one
$BIN/normalize -p "$P" < "$T/broken.mp" > "$T/broken.out" 2> "$T/err"
check "broken input: exit status 65" test $? -eq 65
check "broken input: the message says where" grep -q 'byte [0-9]' "$T/err"
dump "$T/broken.out" | sed "s|($P)|(PARAMS)|" > "$T/broken.json"
check "broken input: the 12 frames before it written, then the tail as a reject" $PY -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
want = open(sys.argv[2]).read().splitlines()
assert lines[:-1] == want, "the frames before differ"
t, meta, body = json.loads(lines[-1])
assert meta == {"kind": "reject", "stage": "normalize"}, meta
assert body["rule"] == "decode" and body["raw"] == {"bytes": "9301"}, body
' "$T/broken.json" "$D/mixed.out"
check "broken input: accounting still printed and balanced (the tail in and rejected)" \
	test "$(counts "$T/err")" = "13 7 6 0"

# the accounting line on SIGUSR1, while running
check "SIGUSR1: the accounting line while running, and again at exit" \
	$PY tests/py/normalize_usr1.py "$BIN/normalize" "$P"

# an output that cannot be written: status 74
if [ -w /dev/full ]; then
	$BIN/normalize -q -p "$P" < "$T/in.mp" > /dev/full 2> "$T/err"
	check "output /dev/full: exit status 74" test $? -eq 74
	$BIN/normalize -q --reject /dev/full -p "$P" < "$T/in.mp" > "$T/out2" 2> "$T/err"
	check "--reject /dev/full: exit status 74, the file named" \
		sh -c "test $? -eq 74 && grep -q '/dev/full' '$T/err'"
fi

finish

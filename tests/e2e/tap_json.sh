#!/bin/sh
# tap: frames -> JSON -> frames, bit for bit, against an independent oracle.
# Python (tests/py/tap_oracle.py) makes random frames of every msgpack type
# (EventTime, ints of every width, float64 incl. NaN/inf/-0.0/subnormals,
# float32, unicode, bin, ext, maps with odd keys) and writes the JSON line
# tap must print for each (json.dumps + repr); tap's output must match it
# byte for byte, tap -r must give back the frames' bytes, tap --count must
# copy canonical frames unchanged, and Python's json module must read every
# line tap prints.
. tests/lib.sh

for seed in 1 2 3; do
	$PY tests/py/tap_gen.py $seed 1500 "$T/f$seed.mp" "$T/e$seed.jsonl" ||
		fail "tap_gen $seed"
	if $BIN/tap -q < "$T/f$seed.mp" > "$T/o$seed.jsonl"; then
		ok "seed $seed: tap exits 0"
	else
		fail "seed $seed: tap exits 0"
	fi
	check "seed $seed: JSON lines = oracle's" cmp "$T/o$seed.jsonl" "$T/e$seed.jsonl"
	check "seed $seed: tap -r gives the frames back bit for bit" \
		sh -c "$BIN/tap -q -r < '$T/e$seed.jsonl' | cmp - '$T/f$seed.mp'"
	check "seed $seed: tap --count copies canonical frames unchanged" \
		sh -c "$BIN/tap -q --count < '$T/f$seed.mp' | cmp - '$T/f$seed.mp'"
	check "seed $seed: Python's json reads every line" $PY -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line)
    n += 1
assert n == 1500, n
' "$T/o$seed.jsonl"
done

# frames written by hand (testdata/tap/hand.jsonl): tap -r, decoded by
# python3-msgpack
cp "$TESTDATA/tap/hand.jsonl" "$T/hand.jsonl"
$BIN/tap -q -r -i "$T/hand.jsonl" -o "$T/hand.mp"
check "hand-written frames: tap -r exits 0" test $? -eq 0
check "hand-written frames decode to the values written" $PY -c '
import math, msgpack, struct, sys
ext = lambda c, d: ("ext", c, d)
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False, ext_hook=ext,
                           strict_map_key=False,
                           unicode_errors="surrogateescape"))
T = lambda s, ns: ("ext", 0, struct.pack(">II", s, ns))
assert len(fr) == 8, len(fr)
assert fr[0] == [[T(1076581959, 0), {"kind": "sample", "dev": "b1", "seq": 0}],
                 {"x": 1.5, "y": -2, "z": 0.1}], fr[0]
assert fr[1] == [[T(1076581959 - 3600, 500000000), {}],
                 {"s": "\u00e9\U0001F600\n\"", "n": None, "t": True}], fr[1]
assert fr[2] == [[1078914759, {"dev": "i"}],
                 {"big": 2**64 - 1, "neg": -2**63}], fr[2]
b = fr[3][1]
assert fr[3][0] == [1078914759.25, {}]
assert math.isnan(b["nan"]) and b["inf"] == math.inf and b["ninf"] == -math.inf
assert math.copysign(1, b["nz"]) == -1 and b["e"] == 1e308
assert fr[4] == [[T(0, 0), {}], {"f": struct.unpack(">f", struct.pack(">f", 0.1))[0],
                 "b": b"\x00\xff\x10", "x": ("ext", -2, b"\x01\x02")}], fr[4]
assert fr[5] == [[T(2**32 - 1, 999999999), {}],
                 {"t": T(1076581959, 123456789), "m": {1: "one", "$k": 2}}], fr[5]
assert fr[6] == [[T(1076581959, 0), {}], {"h": "\udcff\x00", "q": "$time",
                 "a": [[], {}, [1, [2.0]]]}], fr[6]
assert fr[7] == [1078914759, {"legacy": 1}], fr[7]
# the bytes: canonical forms, float32 kept, str not bin for $strhex
raw = open(sys.argv[1], "rb").read()
assert b"\xca" + struct.pack(">f", 0.1) in raw
assert b"\xa2\xff\x00" in raw and b"\xc4\x03\x00\xff\x10" in raw
assert b"\xd5\xfe\x01\x02" in raw                  # fixext2, type -2
assert b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00" in raw  # NaN as Python packs it
assert b"\xcf" + b"\xff" * 8 in raw and b"\xd3\x80" + b"\x00" * 7 in raw
' "$T/hand.mp"
check "hand-written frames: tap prints them back as tap -r reads them" \
	sh -c "$BIN/tap -q < '$T/hand.mp' | $BIN/tap -q -r | cmp - '$T/hand.mp'"

# the real data: every frame of a slice round-trips
if [ -x "$BIN/ingest" ]; then
	nab="$TESTDATA/nab/ambient_temperature_system_failure.csv"
	$BIN/ingest -q --device amb "$nab" > "$T/nab.mp" 2>/dev/null
	if [ -s "$T/nab.mp" ]; then
		$BIN/tap -q < "$T/nab.mp" > "$T/nab.jsonl"
		check "NAB frames: JSON and back, bit for bit" \
			sh -c "$BIN/tap -q < '$T/nab.mp' | $BIN/tap -q -r | cmp - '$T/nab.mp'"
		check "NAB frames: tap prints what python3-msgpack reads" $PY -c '
import json, math, msgpack, struct, sys
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False,
                           ext_hook=lambda c, d: (c, d)))
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
assert len(fr) == len(lines) > 7000, (len(fr), len(lines))
for f, l in zip(fr, lines):
    j = json.loads(l)
    assert j[0][1] == f[0][1], (j, f)
    for k, v in f[1].items():
        w = j[1][k]
        assert (math.isnan(v) and math.isnan(w)) or w == v, (k, v, w)
' "$T/nab.mp" "$T/nab.jsonl"
	else
		fail "NAB frames: ingest wrote none"
	fi
fi

# float32 NaNs keep their bits through tap, tap -r and tap --count:
# signalling ones with payloads and the quiet one, the frame's bytes written
# with Python's struct module, so that no float conversion is involved
"$PY" -c '
import struct, sys
body = b"".join(b"\xa1" + k + b"\xca" + struct.pack(">I", u) for k, u in
    ((b"a", 0xffbe4000), (b"b", 0x7f800001), (b"c", 0x7fc00000),
     (b"d", 0x3dcccccd)))
sys.stdout.buffer.write(b"\x92\x92\xd7\x00" + struct.pack(">II", 1, 0) +
    b"\x80\x84" + body)' > "$T/f32.mp"
"$BIN/tap" -q < "$T/f32.mp" > "$T/f32.jsonl"
check "float32 NaN bits printed" grep -q '"a":{"\$f32":"ffbe4000"},"b":{"\$f32":"7f800001"},"c":{"\$f32":NaN}' "$T/f32.jsonl"
"$BIN/tap" -r -q < "$T/f32.jsonl" > "$T/f32.back"
check "float32 NaN bits through tap and tap -r" cmp -s "$T/f32.mp" "$T/f32.back"
"$BIN/tap" -c -q < "$T/f32.mp" > "$T/f32.count"
check "float32 NaN bits through tap --count" cmp -s "$T/f32.mp" "$T/f32.count"
finish

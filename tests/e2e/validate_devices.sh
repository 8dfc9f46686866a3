#!/bin/sh
# validate --max-devices: 20,000 devices, each seen twice, the second time
# earlier than the first.  Through a cap of 1,000 each device has been
# evicted before it comes back, so the order rule knows no frame before and
# every frame goes out; with room for all, the order rule rejects the
# 20,000 late ones.  The counts of the accounting's device line (devices
# first seen, held, evicted) are those of an LRU python3 simulates.
. "$(dirname "$0")/../lib.sh"

V=$BIN/validate
$PY -c '
import struct, sys, msgpack
out = sys.stdout.buffer
for p, base in ((0, 1700100000), (1, 1700000000)):
    for d in range(20000):
        t = msgpack.ExtType(0, struct.pack(">II", base + d, 0))
        out.write(msgpack.packb([[t, {"kind": "sample", "dev": "d%d" % d}],
                                 {"x": float(d % 7)}]))
' > "$T/in.mp"

expect_line() {	# cap: the device line python3 expects
	$PY -c '
from collections import OrderedDict
import sys
cap = int(sys.argv[1]); lru = OrderedDict(); first = ev = 0
for p in range(2):
    for d in range(20000):
        if d in lru:
            lru.move_to_end(d); continue
        if len(lru) >= cap:
            lru.popitem(last=False); ev += 1
        lru[d] = 1; first += 1
print("devices=%d held=%d evicted=%d" % (first, len(lru), ev))' "$1"
}

for cap in 1000 100000; do
	"$V" -s testdata/conformance/x.schema --max-devices $cap < "$T/in.mp" \
	    > "$T/out.mp" 2> "$T/err"
	check "--max-devices $cap: exit 0" test $? -eq 0
	want=$(expect_line $cap)
	grep -q "^validate: $want " "$T/err" && ok "--max-devices $cap: $want" ||
		fail "--max-devices $cap: $want" "$(grep devices= "$T/err")"
	if [ $cap = 1000 ]; then rej=0; else rej=20000; fi
	grep -q "^validate: in=40000 out=$((40000 - rej)) rejected=$rej " "$T/err" &&
		ok "--max-devices $cap: $rej late frames rejected" ||
		fail "--max-devices $cap: $rej rejected" "$(grep in= "$T/err")"
	n=$(grep -c '^validate: device=' "$T/err")
	want_n=$((cap < 20000 ? cap : 20000))
	check "--max-devices $cap: a line for each of the $want_n devices held" \
	    test "$n" -eq $want_n
done
"$V" -s testdata/conformance/x.schema --max-devices 0 < /dev/null 2> "$T/err"
check "--max-devices 0: exit 64" test $? -eq 64
finish

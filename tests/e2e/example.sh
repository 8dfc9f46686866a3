#!/bin/sh
# docs/example.c, the smallest complete filter of docs/libstream.md
# ("Writing a filter"), builds against libstream with -Werror, computes
# what python3 computes, and passes the conformance cases every program
# passes (tests/py/conformance.py).
. tests/lib.sh

case "$BIN" in
*san*)	lib=build/san/libstream.a
	fl="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;;
*)	lib=build/rel/libstream.a fl= ;;
esac
X=$T/example
# shellcheck disable=SC2086
check "docs/example.c builds with -Wall -Wextra -Werror" \
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 $fl \
	-Wall -Wextra -Werror -Ilibstream -o "$X" docs/example.c "$lib" \
	$(pkg-config --libs msgpack libzmq) -lm
check "docs/example.c is under 80 lines" test "$(wc -l < docs/example.c)" -lt 80

$PY -c '
import struct, sys, msgpack
t = lambda s: msgpack.ExtType(0, struct.pack(">II", s, 0))
fr = [[[t(1), {"kind": "sample", "dev": "a"}], {"x": 1.5, "y": -4, "s": "no"}],
      [[t(2), {"kind": "event", "dev": "a"}], {"type": "gap"}],
      [[t(3), {"kind": "sample", "dev": "a"}], {"s": "nothing"}],
      [[t(4), {"kind": "sample", "dev": "b"}], {"z": 2.25}]]
sys.stdout.buffer.write(b"".join(msgpack.packb(f) for f in fr))
' > "$T/in.mp"
"$X" < "$T/in.mp" > "$T/out.mp" 2> "$T/err"
check "example: exit 0" test $? -eq 0
check "example: sums, the event as it came, the reject inline" $PY -c '
import sys, msgpack
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
inp = list(msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False))
assert len(fr) == 4, fr
assert fr[0][1]["c.sum"] == 1.5 - 4 and fr[3][1]["c.sum"] == 2.25, fr
assert fr[1] == inp[1], fr[1]
assert fr[2][0][1]["kind"] == "reject" and fr[2][1]["rule"] == "fields", fr[2]
assert fr[2][1]["frame"] == inp[2], fr[2]
' "$T/out.mp" "$T/in.mp"
check "example: the accounting line" \
	grep -qx "example: in=4 out=3 rejected=1 dropped=0 unwritten=0 summed=2" "$T/err"

printf 'args:\n' > "$T/example.args"
mkdir -p "$T/conf"
check "example: the conformance cases" $PY tests/py/conformance.py "$X" "$T/example.args" "$T/conf"
finish

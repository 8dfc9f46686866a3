#!/bin/sh
# tap over ZeroMQ with a foreign peer (python3-zmq, tests/py/tap_zmq.py):
# Python pushes frames into tap -i (print and --count), pulls the frames
# that tap -r and tap --count send, over tcp and ipc.  A ZeroMQ message
# with a bad frame is skipped and counted; reading goes on.
. tests/lib.sh

$PY tests/py/tap_gen.py 7 300 "$T/f.mp" "$T/e.jsonl" || fail "tap_gen"
# the seq gaps and repeats of the random frames (some seqs are 2^32 and
# 2^64 - 1), worked out in Python: "lost=N repeated=M"
seqs=$($PY tests/py/tap_zmq.py seqs "$T/f.mp") || fail "seqs"
seqs_bad=$($PY tests/py/tap_zmq.py seqs "$T/f.mp" bad) || fail "seqs bad"
set -- tcp ipc
for tr in "$@"; do
	if [ $tr = tcp ]; then
		a="tcp://127.0.0.1:$($PY tests/py/tap_zmq.py port)"
		b="tcp://127.0.0.1:$($PY tests/py/tap_zmq.py port)"
	else
		a="ipc://$T/a.sock"
		b="ipc://$T/b.sock"
	fi

	# Python pushes, tap prints
	$PY tests/py/tap_zmq.py push "$a" "$T/f.mp" &
	pid=$!
	timeout 60 $BIN/tap -i "@$a" > "$T/$tr.jsonl" 2> "$T/$tr.err"
	st=$?
	wait $pid
	check "$tr: Python pushes, tap prints the oracle's lines" \
		cmp "$T/$tr.jsonl" "$T/e.jsonl"
	check "$tr: tap -i exits 0" test $st -eq 0
	check "$tr: accounting in=300 out=300 rejected=0 $seqs" \
		grep -q "^tap: in=300 out=300 rejected=0 dropped=0 unwritten=0 $seqs$" "$T/$tr.err"

	# the same with two bad messages: rejected, counted, reading goes on
	$PY tests/py/tap_zmq.py push "$a" "$T/f.mp" bad &
	pid=$!
	timeout 60 $BIN/tap -i "@$a" > "$T/$tr.bad.jsonl" 2> "$T/$tr.bad.err"
	st=$?
	wait $pid
	# the bad messages hold 2 good frames: copies of frame 1
	$PY -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
out = lines[:6] + [lines[0], lines[0]] + lines[6:]
open(sys.argv[2], "w", encoding="utf-8").write("".join(l + "\n" for l in out))
' "$T/e.jsonl" "$T/e.bad.jsonl"
	check "$tr: bad messages: the good frames all printed" \
		cmp "$T/$tr.bad.jsonl" "$T/e.bad.jsonl"
	check "$tr: bad messages: exit 0 (rejects, not the end of input)" test $st -eq 0
	check "$tr: bad messages: accounting, $seqs_bad" \
		grep -q "^tap: in=304 out=302 rejected=2 dropped=0 unwritten=0 $seqs_bad$" "$T/$tr.bad.err"
	check "$tr: bad messages: errors name the message and byte" sh -c "
		grep -q 'message 4, byte 0: frame is not a 2-element array' '$T/$tr.bad.err' &&
		grep -q 'message 5, byte [0-9]*: frame truncated' '$T/$tr.bad.err'"

	# tap -r binds a PUSH socket, Python pulls
	$PY tests/py/tap_zmq.py pull "$a" "$T/$tr.pulled.mp" &
	pid=$!
	timeout 60 $BIN/tap -q -r -i "$T/e.jsonl" -o "@$a"
	st=$?
	wait $pid
	check "$tr: tap -r pushes, Python pulls the frames bit for bit" \
		cmp "$T/$tr.pulled.mp" "$T/f.mp"
	check "$tr: tap -r -o exits 0" test $st -eq 0

	# Python -> tap --count -> Python
	$PY tests/py/tap_zmq.py pull "$b" "$T/$tr.count.mp" &
	pull=$!
	$PY tests/py/tap_zmq.py push "$a" "$T/f.mp" &
	push=$!
	timeout 60 $BIN/tap -q --count -i "@$a" -o "@$b"
	st=$?
	wait $push
	wait $pull
	check "$tr: Python -> tap --count -> Python, bit for bit" \
		cmp "$T/$tr.count.mp" "$T/f.mp"
	check "$tr: tap --count exits 0" test $st -eq 0
done
finish

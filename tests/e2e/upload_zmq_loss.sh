#!/bin/sh
# sample-upload reading ZeroMQ (tcp and ipc) from a foreign producer
# (python3-zmq, tests/py/tap_zmq.py) whose frames have sequence gaps: the
# input's lost= counts the gaps, the spool's spool_lost= stays 0, both in
# the accounting line and the metrics file, and the kept-frame equation
# resumed + sampled = acked + spool_lost + left still balances, with
# collect acknowledging every frame.
. tests/lib.sh

$PY tests/py/upload.py gen "$T/f.mp" 400 2 || fail gen
# d0 without seq 50..59, d1 without seq 120..122: 13 frames never sent
$PY -c '
import sys, msgpack
u = msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False)
gone = {("d0", s) for s in range(50, 60)} | {("d1", s) for s in range(120, 123)}
out = [msgpack.packb(f) for f in u if (f[0][1]["dev"], f[0][1]["seq"]) not in gone]
open(sys.argv[2], "wb").write(b"".join(out))
print(len(out))' "$T/f.mp" "$T/g.mp" > "$T/n" || fail "drop frames"
nf=$(cat "$T/n")
check "the input: 387 frames with 13 missing from their seq" test "$nf" -eq 387

for tr in tcp ipc; do
	if [ $tr = tcp ]; then
		a="tcp://127.0.0.1:$($PY tests/py/tap_zmq.py port)"
	else
		a="ipc://$T/a.sock"
	fi
	mkdir -p "$T/$tr.in"
	$BIN/collect -q -i "dir:$T/$tr.in" -d "$T/$tr.ds" 2> "$T/$tr.c.err" &
	cpid=$!
	$PY tests/py/tap_zmq.py push "$a" "$T/g.mp" &
	ppid=$!
	timeout 120 $BIN/sample-upload --every 1 --batch-count 100 --drain 60 \
	    --retry-base 0.2 --retry-max 1 -s "$T/$tr.sp" -u "dir:$T/$tr.in" \
	    --metrics "$T/$tr.prom" -i "@$a" > "$T/$tr.mp" 2> "$T/$tr.err"
	st=$?
	wait $ppid
	kill -TERM $cpid; wait $cpid
	acct=$(grep 'sample-upload: in=' "$T/$tr.err")
	echo "# $acct"
	check "$tr: exit 0" test $st -eq 0
	check "$tr: every frame in passes out" cmp "$T/$tr.mp" "$T/g.mp"
	check "$tr: lost=13 (the gaps), repeated=0" \
		sh -c "echo '$acct' | grep -q ' lost=13 repeated=0\$'"
	check "$tr: the spool lost nothing: spool_lost=0 spool_lost_batches=0" \
		sh -c "echo '$acct' | grep -q ' spool_lost=0 spool_lost_batches=0 '"
	check "$tr: every frame sampled and acknowledged, none left" \
		sh -c "echo '$acct' | grep -q ' in=$nf out=$nf .* sampled=$nf .* resumed=0 acked=$nf .* left=0 '"
	check "$tr: resumed + sampled = acked + spool_lost + left" $PY -c '
import re, sys
c = dict((k, int(v)) for k, v in re.findall(r" (\w+)=(\d+)", sys.argv[1]))
sys.exit(c["resumed"] + c["sampled"] != c["acked"] + c["spool_lost"] + c["left"])' "$acct"
	check "$tr: the loss said in one line" \
		grep -q "^sample-upload: @$a: 13 frames never arrived" "$T/$tr.err"
	check "$tr: metrics: lost 13 and spool_lost 0, each its own counter" sh -c "
		grep -q '^pdm_frames_total{prog=\"sample-upload\",name=\"[^\"]*\",counter=\"lost\"} 13\$' '$T/$tr.prom' &&
		grep -q '^pdm_frames_total{prog=\"sample-upload\",name=\"[^\"]*\",counter=\"spool_lost\"} 0\$' '$T/$tr.prom'"
	check "$tr: the data set holds every frame sent, once" \
		sh -c "$PY tests/py/upload.py check '$T/$tr.ds' '$T/g.mp' 1 0 | grep -q 'stored=$nf .*errors=0'"
done
finish

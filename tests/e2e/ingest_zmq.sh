#!/bin/sh
# ingest over ZeroMQ with a foreign peer (python3-zmq, tests/py/ingest_zmq.py):
# Python pushes a feed of good and bad frames into ingest -i over tcp and
# ipc; ingest passes the good ones on (adding seq, and dev from --device,
# where a sample lacks them) and turns each bad one into a reject carrying
# the original.  Then ingest -o binds a PUSH socket and Python pulls the
# frames of a CSV from it: the oracle's values, ended by end-of-stream.
. tests/lib.sh

I=$BIN/ingest
Z=tests/py/ingest_zmq.py
for tr in tcp ipc; do
	if [ $tr = tcp ]; then
		a="tcp://127.0.0.1:$($PY $Z port)"
	else
		a="ipc://$T/x"
	fi
	for dev in "" "--device feed"; do
		$PY $Z push "$a" &
		pid=$!
		# shellcheck disable=SC2086
		timeout 60 "$I" -i "@$a" $dev > "$T/$tr.mp" 2> "$T/$tr.err"
		st=$?
		wait $pid
		check "$tr ${dev:-(no --device)}: ingest -i exits 0" test $st -eq 0
		check "$tr ${dev:-(no --device)}: frames passed, rejects in order" \
		    $PY $Z check "$T/$tr.mp" $dev
		if [ -z "$dev" ]; then
			want="ingest: in=18 out=11 rejected=7 dropped=0 unwritten=0"
		else
			want="ingest: in=18 out=12 rejected=6 dropped=0 unwritten=0"
		fi
		check "$tr ${dev:-(no --device)}: $want" grep -q "^$want lost=[0-9]* repeated=[0-9]*$" "$T/$tr.err"
	done

	# --strict: the first bad frame ends the feed, exit 65
	$PY $Z push "$a" &
	pid=$!
	timeout 60 "$I" -i "@$a" --strict > "$T/$tr.strict.mp" 2> "$T/$tr.strict.err"
	st=$?
	wait $pid
	check "$tr --strict: exit 65" test $st -eq 65
	check "$tr --strict: stopped at the first reject" \
		grep -q "^ingest: in=4 out=3 rejected=1 dropped=0 unwritten=0 lost=" "$T/$tr.strict.err"

	# rejects to another endpoint... here a file
	$PY $Z push "$a" &
	pid=$!
	timeout 60 "$I" -i "@$a" --reject "$T/$tr.rej.mp" > "$T/$tr.ok.mp" 2> "$T/$tr.rej.err"
	wait $pid
	check "$tr --reject: 11 frames out, 7 rejects apart" $PY -c '
import sys, msgpack
ok = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
rej = list(msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False))
assert len(ok) == 11 and len(rej) == 7, (len(ok), len(rej))
assert all(f[0][1].get("kind") != "reject" for f in ok)
assert all(f[0][1]["kind"] == "reject" for f in rej)
' "$T/$tr.ok.mp" "$T/$tr.rej.mp"

	# ingest binds and pushes CSV frames; Python pulls them
	if [ $tr = tcp ]; then
		o="tcp://127.0.0.1:$($PY $Z port)"
	else
		o="ipc://$T/o"
	fi
	nab=$TESTDATA/nab/ambient_temperature_system_failure.csv
	timeout 60 "$I" -o "@$o" "$nab" 2> "$T/$tr.o.err" &
	pid=$!
	timeout 60 $PY $Z pull "$o" "$T/$tr.pulled.mp"
	pst=$?
	wait $pid
	st=$?
	check "$tr: ingest -o @: exit 0, Python pulled to end-of-stream" \
		test $st -eq 0 -a $pst -eq 0
	check "$tr: pulled frames are the oracle's" $PY tests/py/ingest_oracle.py \
		--frames "$T/$tr.pulled.mp" --stderr "$T/$tr.o.err" "$nab"
done
finish

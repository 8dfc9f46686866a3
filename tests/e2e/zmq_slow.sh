#!/bin/sh
# A large stream through a filter over ZeroMQ, tcp and ipc, at full speed
# in and with a slow reader out: nothing lost, memory bounded.
#
#   streamcat -i FILE -o >IN  ->  tap --count -i @IN -o @OUT  ->  Python PULL
#
# streamcat (libstream bare) sends $N frames as fast as tap takes them;
# Python (tests/py/zmq_slow.py: its own libzmq socket, ZMQ_RCVHWM 16)
# reads slowly, so tap's output waits and its input queue stays full; both
# libstream readers' queues are full when their writers end.  libzmq 4.3
# drops a connection's tail when its writer closes then (libstream.md,
# zmq_finish() in stream.c): the writers must hang up last (without that,
# the ipc run with 1 KiB messages lost its tail here).  Python's count
# and SHA-256 of the frames must equal the file's, seq continuous, and tap's
# peak RSS stays under 12 MiB over tcp and ipc (it queued ~64 MiB when
# readers kept ZeroMQ's 1,000 messages of 64 KiB, 14-22 MiB when ipc
# readers kept 1,000 of 16 KiB; not checked under ASan).
. tests/lib.sh
BBIN=${BBIN:-build/rel/bench}
SC=$BBIN/streamcat RSS=$BBIN/rss
[ -x "$SC" ] && [ -x "$RSS" ] || { fail "$SC or $RSS missing (make bench-bins)"; finish; exit; }
N=${ZMQ_SLOW_N:-1500000}

"$SC" -q -g "$N" -d pump-7 -o "$T/f.mp" || fail "streamcat -g $N"
want=$($PY tests/py/zmq_slow.py sum "$T/f.mp")
check "$N frames made" [ "${want%% *}" = "$N" ]

# default messages (16 KiB), and small ones as a quiet writer sends (each
# frame flushed while its process waits for input): PDM_ZMQ_BATCH=1024
for run in tcp ipc tcp-1k ipc-1k; do
	tr=${run%-1k}
	if [ $tr = $run ]; then
		unset PDM_ZMQ_BATCH; every=4
	else
		export PDM_ZMQ_BATCH=1024; every=64
	fi
	if [ $tr = tcp ]; then
		a="tcp://127.0.0.1:$($PY tests/py/tap_zmq.py port)"
		b="tcp://127.0.0.1:$($PY tests/py/tap_zmq.py port)"
	else
		a="ipc://$T/in.sock" b="ipc://$T/out.sock"
	fi
	# slow: 2 ms after every 4 messages of 16 KiB, 64 of 1 KiB (~1 s per
	# 120,000 frames)
	$PY tests/py/zmq_slow.py pull "$b" $every 2 > "$T/$run.got" 2> "$T/$run.py.err" &
	py=$!
	"$RSS" -o "$T/$run.rss" timeout 300 $BIN/tap --count -i "@$a" -o "@$b" 2> "$T/$run.tap.err" &
	tp=$!
	timeout 300 "$SC" -q -i "$T/f.mp" -o ">$a" 2> "$T/$run.sc.err"
	sst=$?
	wait $tp
	tst=$?
	wait $py
	pst=$?
	check "$run: streamcat exit 0" [ $sst -eq 0 ]
	check "$run: tap exit 0" [ $tst -eq 0 ]
	check "$run: the Python reader exit 0" [ $pst -eq 0 ]
	check "$run: tap's accounting in=out=$N, nothing lost" \
	    grep -q "^tap: in=$N out=$N rejected=0 dropped=0 unwritten=0 lost=0 repeated=0$" "$T/$run.tap.err"
	got=$(cut -d' ' -f1,2 "$T/$run.got")
	check "$run: Python got every frame, bytes equal (count, SHA-256)" [ "$got" = "$want" ]
	check "$run: seq continuous" grep -q ' jumps=0 ' "$T/$run.got"
	rss=$(sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' "$T/$run.rss")
	echo "# $run: tap peak RSS ${rss:-?} KiB; $(cut -d' ' -f4 "$T/$run.got")"
	# not under ASan (its shadow memory is not tap's)
	case $BIN in
	*san*) ;;
	*)	check "$run: tap's peak RSS ${rss:-?} KiB < 12 MiB" test "${rss:-99999}" -lt 12288 ;;
	esac
done
unset PDM_ZMQ_BATCH
finish

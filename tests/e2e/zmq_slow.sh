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
# zmq_finish() in stream.c): the writers must hang up last.  Python's count
# and SHA-256 of the frames must equal the file's, seq continuous, and tap's
# peak RSS stays under 12 MiB (it queued ~64 MiB when readers kept
# ZeroMQ's 1,000 messages of 64 KiB; not checked under ASan).
. tests/lib.sh
BBIN=${BBIN:-build/rel/bench}
SC=$BBIN/streamcat RSS=$BBIN/rss
[ -x "$SC" ] && [ -x "$RSS" ] || { fail "$SC or $RSS missing (make bench-bins)"; finish; exit; }
N=${ZMQ_SLOW_N:-1500000}

"$SC" -q -g "$N" -d pump-7 -o "$T/f.mp" || fail "streamcat -g $N"
want=$($PY tests/py/zmq_slow.py sum "$T/f.mp")
check "$N frames made" [ "${want%% *}" = "$N" ]

for tr in tcp ipc; do
	if [ $tr = tcp ]; then
		a="tcp://127.0.0.1:$($PY tests/py/tap_zmq.py port)"
		b="tcp://127.0.0.1:$($PY tests/py/tap_zmq.py port)"
	else
		a="ipc://$T/in.sock" b="ipc://$T/out.sock"
	fi
	# slow: 2 ms after every 4 messages of 16 KiB (~1 s per 120,000 frames)
	$PY tests/py/zmq_slow.py pull "$b" 4 2 > "$T/$tr.got" 2> "$T/$tr.py.err" &
	py=$!
	"$RSS" -o "$T/$tr.rss" timeout 300 $BIN/tap --count -i "@$a" -o "@$b" 2> "$T/$tr.tap.err" &
	tp=$!
	timeout 300 "$SC" -q -i "$T/f.mp" -o ">$a" 2> "$T/$tr.sc.err"
	sst=$?
	wait $tp
	tst=$?
	wait $py
	pst=$?
	check "$tr: streamcat exit 0" [ $sst -eq 0 ]
	check "$tr: tap exit 0" [ $tst -eq 0 ]
	check "$tr: the Python reader exit 0" [ $pst -eq 0 ]
	check "$tr: tap's accounting in=out=$N, nothing lost" \
	    grep -q "^tap: in=$N out=$N rejected=0 dropped=0 unwritten=0 lost=0 repeated=0$" "$T/$tr.tap.err"
	got=$(cut -d' ' -f1,2 "$T/$tr.got")
	check "$tr: Python got every frame, bytes equal (count, SHA-256)" [ "$got" = "$want" ]
	check "$tr: seq continuous" grep -q ' jumps=0 ' "$T/$tr.got"
	rss=$(sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' "$T/$tr.rss")
	echo "# $tr: tap peak RSS ${rss:-?} KiB; $(cut -d' ' -f4 "$T/$tr.got")"
	case $BIN in
	*san*) ;;	# ASan's shadow memory is not tap's
	*)	check "$tr: tap's peak RSS ${rss:-?} KiB < 12 MiB" test "${rss:-99999}" -lt 12288 ;;
	esac
done
finish

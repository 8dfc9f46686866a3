#!/bin/sh
# Loss that only the reader can see (issue 10), over tcp and ipc:
# - a producer killed with SIGKILL mid-stream: the reader reports, once its
#   timeout passes, the producer that did not end (exit 75);
# - a receiver killed with SIGKILL and restarted: writer -> relay (killed,
#   restarted on the same address) -> final reader.  The frames the dead
#   relay held are lost; the final reader counts them from seq: its lost=
#   equals what Python finds missing in its output, and in + lost = N.
. tests/lib.sh
BBIN=${BBIN:-build/rel/bench}
SC=$BBIN/streamcat
[ -x "$SC" ] || { fail "$SC missing (make bench-bins)"; finish; exit; }
port() { $PY tests/py/tap_zmq.py port; }
val() { sed -n "s/^streamcat:.*[ :]$1=\([0-9]*\).*/\1/p" "$2" | tail -n 1; }

for tr in tcp ipc; do
	if [ $tr = tcp ]; then
		a="tcp://127.0.0.1:$(port)"; b="tcp://127.0.0.1:$(port)"
	else
		a="ipc://$T/a.sock"; b="ipc://$T/b.sock"
	fi

	# a producer killed mid-stream
	timeout 30 "$SC" -i "@$a" -o /dev/null -t 1.5 2> "$T/k.err" &
	rpid=$!
	"$SC" -q -g 1000000 -r 200 -o ">$a" &
	ppid=$!
	sleep 1
	kill -KILL $ppid
	wait $ppid
	wait $rpid
	st=$?
	check "$tr: killed producer: reader exits 75 after its timeout" [ $st -eq 75 ]
	check "$tr: killed producer: named as not ended" grep -q "no message for 1.5 s; 1 producer did not end ([0-9]* frames from it)" "$T/k.err"
	check "$tr: killed producer: unended=1" [ "$(val unended "$T/k.err")" = 1 ]

	# a receiver killed and restarted
	N=20000
	timeout 60 "$SC" -i "@$b" -o "$T/final.mp" -e 1 -t 10 2> "$T/f.err" &
	fpid=$!
	"$SC" -q -i "@$a" -o ">$b" &
	r1=$!
	timeout 60 "$SC" -g $N -r 50 -o ">$a" 2> "$T/w.err" &
	wpid=$!
	sleep 0.7
	kill -KILL $r1
	wait $r1
	sleep 0.5
	"$SC" -q -i "@$a" -o ">$b" &
	r2=$!
	wait $wpid
	check "$tr: restart: the writer finished, exit 0" [ $? -eq 0 ]
	wait $r2
	check "$tr: restart: the new relay ended at the writer's eos" [ $? -eq 0 ]
	wait $fpid
	check "$tr: restart: the final reader ended at the new relay's eos" [ $? -eq 0 ]
	$PY tests/py/loss_check.py seqs "$T/final.mp" > "$T/seqs"
	miss=$(sed -n 's/^d1 .*missing=\([0-9]*\).*max=\([0-9]*\)/\1 \2/p' "$T/seqs")
	lost=$(val lost "$T/f.err"); in=$(val in "$T/f.err")
	check "$tr: restart: the last frame came (seq $((N - 1)))" [ "${miss#* }" = $((N - 1)) ]
	check "$tr: restart: lost=$lost is what Python finds missing" [ "$lost" = "${miss% *}" ]
	check "$tr: restart: in + lost = $N" [ $((in + lost)) -eq $N ]
	check "$tr: restart: repeated=0" [ "$(val repeated "$T/f.err")" = 0 ]
	echo "# $tr: lost $lost of $N frames when the relay was killed (in=$in)"
done
finish

#!/bin/sh
# End of stream per producer (issue 10), over tcp and ipc:
# - two producers, the slow one seen first: the reader must end after the
#   last eos, not the first (it knows the slow one from its head frames);
# - five producers started at once, the reader told to expect five (-e 5):
#   a producer that has not connected when all the others have ended cannot
#   be known otherwise (docs/protocol.md "End of stream").
# Every frame must arrive (Python checks per device the seq 0..N-1, none
# missing, none twice) and each producer's count match (got = sent).
. tests/lib.sh
BBIN=${BBIN:-build/rel/bench}
SC=$BBIN/streamcat
[ -x "$SC" ] || { fail "$SC missing (make bench-bins)"; finish; exit; }
port() { $PY tests/py/tap_zmq.py port; }

for tr in tcp ipc; do
	for np in 2 5; do
		if [ $tr = tcp ]; then a="tcp://127.0.0.1:$(port)"; else a="ipc://$T/p$np.sock"; fi
		tag="$tr, $np producers"
		e=""; [ $np -gt 2 ] && e="-e $np"
		# shellcheck disable=SC2086
		timeout 60 "$SC" -i "@$a" -o "$T/out.mp" -p -t 15 $e 2> "$T/r.err" &
		rpid=$!
		pids="" total=0 k=1
		while [ $k -le $np ]; do
			n=$((k * 7000))
			if [ $k -eq 1 ]; then	# the slow one: ends last
				"$SC" -q -g 1500 -r 300 -d "d$k" -o ">$a" &
				n=1500
				[ $np -eq 2 ] && sleep 0.5	# seen before d2 ends
			else
				"$SC" -q -g $n -d "d$k" -o ">$a" &
			fi
			pids="$pids $!"
			total=$((total + n))
			k=$((k + 1))
		done
		pst=0
		for p in $pids; do wait $p || pst=1; done
		wait $rpid
		st=$?
		check "$tag: producers exit 0" [ $pst -eq 0 ]
		check "$tag: reader exits 0 after the last eos" [ $st -eq 0 ]
		check "$tag: in=$total lost=0 repeated=0, all ended" grep -q \
		    "^streamcat: in=$total out=$total unsent=0 bad=0 lost=0 repeated=0 gaps=0 shortfall=0 eos=$np producers=$np unended=0 " "$T/r.err"
		check "$tag: each producer's count checked" [ "$(grep -c '^producer .* lost=0 .*ended=1' "$T/r.err")" -eq $np ]
		check "$tag: got = sent for each" sh -c "! grep '^producer' '$T/r.err' | sed 's/.*got=\([0-9]*\) .*sent=\([0-9]*\) .*/\1 \2/' | awk '\$1 != \$2 { exit 1 }' | grep -q ."
		$PY tests/py/loss_check.py seqs "$T/out.mp" > "$T/seqs"
		check "$tag: Python finds $total frames, none missing or twice" \
		    grep -qx "total frames=$total missing=0 repeats=0" "$T/seqs"
		check "$tag: $np devices" [ "$(grep -c '^d' "$T/seqs")" -eq $np ]
	done
done
finish

#!/bin/sh
# End of stream per producer (issue 10): two and five producers into one
# reader, over tcp and ipc.  One producer is slow, so the others' eos come
# first: the reader must end only after the last eos, with every frame
# (checked by Python: per device the seq 0..N-1, none missing, none twice)
# and each producer's count matched (got = sent, lost=0).
. tests/lib.sh
BBIN=${BBIN:-build/rel/bench}
SC=$BBIN/streamcat
[ -x "$SC" ] || { fail "$SC missing (make bench-bins)"; finish; exit; }
port() { $PY tests/py/tap_zmq.py port; }

for tr in tcp ipc; do
	for np in 2 5; do
		if [ $tr = tcp ]; then a="tcp://127.0.0.1:$(port)"; else a="ipc://$T/p$np.sock"; fi
		tag="$tr, $np producers"
		timeout 60 "$SC" -i "@$a" -o "$T/out.mp" -p -t 15 2> "$T/r.err" &
		rpid=$!
		pids="" total=0 k=1
		while [ $k -le $np ]; do
			n=$((k * 7000))
			if [ $k -eq 1 ]; then	# the slow one: ends last
				"$SC" -q -g 3000 -r 300 -d "d$k" -o ">$a" &
				n=3000
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

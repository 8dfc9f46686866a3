#!/bin/sh
# Writers that tell the truth (issue 10), through libstream bare
# (build/rel/bench/streamcat): a ZeroMQ writer with no listener gives up
# after its --timeout with every frame counted unsent and a non-zero exit;
# a binding writer whose peer never comes ends within a second of SIGTERM,
# its frames unsent; a writer whose reader stops never counts out more
# than the reader got; a writer on /dev/full counts nothing as out.  Over tcp
# and ipc.  The equation everywhere: frames accepted = out + unsent.
. tests/lib.sh
BBIN=${BBIN:-build/rel/bench}
SC=$BBIN/streamcat
[ -x "$SC" ] || { fail "$SC missing (make bench-bins)"; finish; exit; }
port() { $PY tests/py/tap_zmq.py port; }
# val KEY FILE: the value of KEY= on the streamcat line of FILE
val() { sed -n "s/^streamcat:.*[ :]$1=\([0-9]*\).*/\1/p" "$2" | tail -n 1; }

for tr in tcp ipc; do
	if [ $tr = tcp ]; then a="tcp://127.0.0.1:$(port)"; else a="ipc://$T/w.sock"; fi

	# a connecting writer, nobody listening: gives up after 1 s
	timeout 20 "$SC" -g 22695 -t 1 -o ">$a" 2> "$T/nl.err"
	st=$?
	check "$tr: no listener: exit 75 (timed out)" [ $st -eq 75 ]
	check "$tr: no listener: says so" grep -q "no peer took a message for 1 s" "$T/nl.err"
	check "$tr: no listener: out=0" [ "$(val out "$T/nl.err")" = 0 ]
	u=$(val unsent "$T/nl.err"); n=$(val in "$T/nl.err")
	check "$tr: no listener: every accepted frame unsent ($u)" [ "$u" -gt 0 -a "$u" = "$n" ]

	# a binding writer whose peer never comes: SIGTERM ends it at once
	"$SC" -g 100000 -o "@$a" 2> "$T/term.err" &
	pid=$!
	sleep 0.5
	kill -TERM $pid
	i=0
	while kill -0 $pid 2> /dev/null && [ $i -lt 10 ]; do sleep 0.1; i=$((i + 1)); done
	check "$tr: SIGTERM: the blocked writer ended within 1 s" sh -c "! kill -0 $pid 2> /dev/null"
	kill -KILL $pid 2> /dev/null
	wait $pid
	st=$?
	check "$tr: SIGTERM: exit 74 (frames unsent)" [ $st -eq 74 ]
	check "$tr: SIGTERM: interrupted, out=0" sh -c "grep -q 'interrupted while waiting for a peer' '$T/term.err' && grep -q ' out=0 .*(interrupted)' '$T/term.err'"
	u=$(val unsent "$T/term.err"); n=$(val in "$T/term.err")
	check "$tr: SIGTERM: in = unsent ($u)" [ "$u" -gt 0 -a "$u" = "$n" ]

	# a reader stopped (SIGSTOP) once connected: the writer (-t 1) gives
	# up, and never counts out more frames than the reader got
	if [ $tr = tcp ]; then a="tcp://127.0.0.1:$(port)"; else a="ipc://$T/s.sock"; fi
	"$SC" -i "@$a" -o /dev/null -t 4 2> "$T/sr.err" &
	rp=$!
	sleep 0.3
	"$SC" -g 20000 -w 1500 -t 1 -o ">$a" 2> "$T/sw.err" &
	wp=$!
	sleep 1
	kill -STOP $rp
	wait $wp
	st=$?
	kill -CONT $rp
	wait $rp
	rst=$?
	wo=$(val out "$T/sw.err"); wu=$(val unsent "$T/sw.err"); ri=$(val in "$T/sr.err")
	wi=$(val in "$T/sw.err")
	check "$tr: stopped reader: out + unsent = in ($wi)" [ $((wo + wu)) -eq "$wi" ]
	check "$tr: stopped reader: out ($wo) <= frames the reader got ($ri)" [ "$wo" -le "$ri" ]
	if [ $st -eq 0 ]; then
		check "$tr: stopped reader: writer exit 0, so all came, eos too" sh -c "[ $rst -eq 0 ] && [ '$ri' = '$wi' ]"
	else
		# it waited for the reader to take its tail, in vain: the
		# reader times out, its producer unended; or, over tcp, the
		# kernel sent what it held after the close and all came
		check "$tr: stopped reader: writer gave up ($st): the reader times out, the producer unended, or all came" sh -c "{ [ $rst -eq 75 ] && grep -q ' unended=1 ' '$T/sr.err'; } || { [ $tr = tcp ] && [ $rst -eq 0 ] && [ '$ri' = '$wi' ]; }"
	fi
done

# /dev/full: nothing handed on, all of it unsent
"$SC" -g 5000 -o /dev/full 2> "$T/full.err"
st=$?
check "/dev/full: exit 74" [ $st -eq 74 ]
check "/dev/full: out=0 unsent=in" sh -c "grep -q 'No space left' '$T/full.err' && [ \"$(val out "$T/full.err")\" = 0 ]"
# the frames of batches before the failure are out; the rest unsent
"$SC" -g 5000 -o "$T/ok.mp" 2> "$T/ok.err"
check "file: in=out=5000 unsent=0, exit 0" grep -q "^streamcat: in=5000 out=5000 unsent=0" "$T/ok.err"
finish

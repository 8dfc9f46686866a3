#!/bin/sh
# sample-upload -> collect over ZeroMQ (DEALER/ROUTER) through everything a
# device's link does: 100,000 frames of 4 devices fed at 20,000 frames/s,
# sampled 1 in 10 into batches of 200; sample-upload killed with SIGKILL
# mid-batch (while collect is down, so that batches wait in its spool)
# and restarted on the rest of the input; collect killed with SIGKILL
# twice and restarted; the link cut (collect stopped with SIGSTOP
# for $CUT seconds).  In the end (tests/py/upload.py, python3-msgpack):
# collect holds every batch sample-upload's spool accepted (the -v log of
# both runs), each once, with the frame count logged; no frame twice;
# every frame sampled by the run that finished is there, byte for byte,
# under its device and day; the spool is empty; the counts reconcile.
# UPLOAD_LINK=dir runs the same through the directory uplink (the cut:
# collect not running).
. tests/lib.sh
CUT=${CUT:-10}
LINK=${UPLOAD_LINK:-zmq}

$PY tests/py/upload.py gen "$T/f.mp" 100000 4 || fail gen
if [ "$LINK" = zmq ]; then
	port=$($PY tests/py/tap_zmq.py port)
	up="tcp://127.0.0.1:$port"
	down="$up"
else
	mkdir -p "$T/inbox"
	up="dir:$T/inbox"
	down="$up"
fi
cn=0
start_collect() {
	cn=$((cn + 1))
	$BIN/collect -i "$down" -d "$T/ds" 2> "$T/c$cn.err" &
	cpid=$!
}
run_upload() {	# run_upload NAME FROM: sample-upload on frames FROM.. (bg)
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	$PY tests/py/upload.py feed "$T/f.mp" "$2" 40 20000 "$T/$1.k" > "$T/fifo" &
	fpid=$!
	$BIN/sample-upload -v --every 10 --batch-count 200 --batch-age 0.5 \
	    --retry-base 0.2 --retry-max 1 --drain 120 -s "$T/spool" -u "$up" \
	    < "$T/fifo" > /dev/null 2> "$T/$1.err" &
	spid=$!
}

# waitfor FILE PATTERN: until a line of FILE matches (60 s at most)
waitfor() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

start_collect
run_upload su1 0
waitfor "$T/su1.err" "acknowledged (stored) batch"
sleep 0.3
kill -9 $cpid; wait $cpid 2>/dev/null		# collect killed (1)
sleep 0.8					# batches wait in the spool (--batch-age 0.5)
kill -9 $spid; wait $spid 2>/dev/null		# sample-upload killed
wait $fpid
start_collect
k=$(cat "$T/su1.k")
check "sample-upload killed mid-input (frame $k of 100000)" \
	test "$k" -gt 0 -a "$k" -lt 100000
check "the first run spooled batches" grep -q "spooled batch" "$T/su1.err"
run_upload su2 "$k"
waitfor "$T/su2.err" "acknowledged (stored) batch"
sleep 0.3
kill -9 $cpid; wait $cpid 2>/dev/null		# collect killed (2)
sleep 0.3
start_collect
sleep 0.7
if [ "$LINK" = zmq ]; then			# the link cut
	kill -STOP $cpid
	sleep "$CUT"
	kill -CONT $cpid
else
	kill -9 $cpid; wait $cpid 2>/dev/null
	sleep "$CUT"
	start_collect
fi
wait $fpid
timeout 150 sh -c "while kill -0 $spid 2>/dev/null; do sleep 0.2; done"
wait $spid
st=$?
kill -TERM $cpid
wait $cpid
cst=$?
check "the second run exits 0" test $st -eq 0
check "collect exits 0 on SIGTERM" test $cst -eq 0
tail -n 1 "$T/su2.err" | sed 's/^/# /'
acct=$(grep 'sample-upload: in=' "$T/su2.err")
check "the second run: every frame in passes out, none lost, none left" \
	sh -c "echo '$acct' | grep -q ' in=$((100000 - k)) out=$((100000 - k)) .* spool_lost=0 spool_lost_batches=0 left=0 '"
check "the second run resumed what the first had spooled" \
	sh -c "echo '$acct' | grep -q ' resumed=[1-9]'"
check "the link was cut: batches were sent again" \
	sh -c "echo '$acct' | grep -q ' resent=[1-9]'"
check "the spool is empty" test -z "$(ls "$T/spool" | grep -v '^bad$')"
check "collect holds every batch the spool accepted, once, counts as logged" \
	$PY tests/py/upload.py audit "$T/ds" "$T/su1.err" "$T/su2.err"
check "no frame twice, bytes intact, every frame the second run sampled" \
	$PY tests/py/upload.py check "$T/ds" "$T/f.mp" 10 "$k"
cat "$T"/c*.err | grep 'collect: in=' | sed 's/^/# /'
check "a restarted collect acknowledged duplicates without storing them" \
	sh -c "cat '$T'/c*.err | grep -q 'duplicate=[1-9]' || [ '$LINK' = dir ]"
finish

#!/bin/sh
# tap's command line: --help, usage errors, exit codes of sysexits(3), the
# accounting line and -q, signals, flush-when-idle for -r, the man page.
. tests/lib.sh
G='[["2004-02-12T10:32:39.000000000Z",{"dev":"b1"}],{"x":1.5}]'
echo "$G" > "$T/g.jsonl"
$BIN/tap -q -r < "$T/g.jsonl" > "$T/g.mp"

$BIN/tap --help > "$T/help" 2> "$T/err"
check "--help: exit 0" test $? -eq 0
check "--help: usage on stdout, nothing on stderr" sh -c "
	grep -q '^usage: tap' '$T/help' && test ! -s '$T/err'"
for o in count help input max-frame output quiet reverse unbuffered; do
	check "--help and tap.1 name --$o" sh -c "
		grep -q -- '--$o' '$T/help' && grep -q 'Fl Fl $o' filters/tap/tap.1"
done
check "the usage lines are the man page's SYNOPSIS" sh -c "
	MANWIDTH=100 man -l filters/tap/tap.1 2>/dev/null | sed -n '/^SYNOPSIS/,/^DESC/p' |
		grep '^ *tap' | sed 's/^ *//' > '$T/syn' &&
	sed -n 's/^usage: //p; s/^       tap/tap/p' '$T/help' > '$T/use' &&
	cmp '$T/syn' '$T/use'"
check "tap.1 renders without warnings" sh -c "
	test -z \"\$(MANWIDTH=80 man --warnings -l filters/tap/tap.1 2>&1 >/dev/null)\""

usage() {	# usage NAME EXIT ARGS...: stderr, no stdout
	n=$1 want=$2; shift 2
	$BIN/tap "$@" < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	check "$n: exit $want" test $st -eq $want
	check "$n: nothing on stdout" test ! -s "$T/out"
	check "$n: a message on stderr" test -s "$T/err"
}
usage "unknown option" 64 -x
usage "an operand" 64 file
usage "-c with -r" 64 -c -r
usage "--max-frame 10" 64 -m 10
usage "--max-frame abc" 64 --max-frame abc
usage "--max-frame -1" 64 -m -1
usage "JSON to ZeroMQ" 64 -o "@ipc://$T/x.sock"
usage "JSON from ZeroMQ" 64 -r -i "@ipc://$T/x.sock"
usage "unknown transport" 64 -c -i "@foo://x"
usage "no input file" 66 -i "$T/none"
usage "no output directory" 73 -o "$T/none/out"
usage "endpoint cannot bind" 69 -c -i "@tcp://999.1.1.1:1"
$BIN/tap -m abc 2>&1 | grep -q -- "--max-frame: 'abc' is not a size"
check "--max-frame: the message names the option and value" test $? -eq 0

# writing fails: exit 74 in each mode
$BIN/tap < "$T/g.mp" > /dev/full 2> /dev/null
check "print to a full disk: exit 74" test $? -eq 74
$BIN/tap -c < "$T/g.mp" > /dev/full 2> /dev/null
check "--count to a full disk: exit 74" test $? -eq 74
$BIN/tap -r < "$T/g.jsonl" > /dev/full 2> /dev/null
check "-r to a full disk: exit 74" test $? -eq 74

# accounting: one line, suppressed by -q
cat "$T/g.mp" "$T/g.mp" "$T/g.mp" > "$T/g3.mp"
$BIN/tap < "$T/g3.mp" > /dev/null 2> "$T/err"
check "accounting line" sh -c "test \"\$(cat '$T/err')\" = 'tap: in=3 out=3 rejected=0 dropped=0 unwritten=0'"
$BIN/tap -q -c < "$T/g3.mp" > /dev/null 2> "$T/err"
check "-q: no accounting line" test ! -s "$T/err"
$BIN/tap -c -i "$T/g3.mp" -o "$T/c.mp" 2> "$T/err"
check "--count with -i and -o files" cmp "$T/c.mp" "$T/g3.mp"
check "--count: the count at exit" grep -qx "tap: in=3 out=3 rejected=0 dropped=0 unwritten=0" "$T/err"

# SIGTERM ends a waiting reader cleanly: exit 0, accounting printed
$BIN/tap -i "@ipc://$T/wait.sock" > "$T/out" 2> "$T/err" &
pid=$!
i=0; while [ ! -S "$T/wait.sock" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid
wait $pid
check "SIGTERM while waiting: exit 0" test $? -eq 0
check "SIGTERM while waiting: accounting" grep -qx "tap: in=0 out=0 rejected=0 dropped=0 unwritten=0 lost=0 repeated=0 (interrupted)" "$T/err"

# -r flushes a frame as soon as its input goes quiet (the input stays
# open until the frame has come out the other end)
mkfifo "$T/fifo"
$BIN/tap -q -r < "$T/fifo" | $BIN/tap -q -u > "$T/idle.out" &
pid=$!
exec 3> "$T/fifo"
echo "$G" >&3
i=0; while [ ! -s "$T/idle.out" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "-r: a frame is written while the input is open and quiet" \
	grep -qxF "$G" "$T/idle.out"
echo "$G" >&3
exec 3>&-
wait $pid
check "-r: and the next one at the end" test "$(grep -cxF "$G" "$T/idle.out")" -eq 2
finish

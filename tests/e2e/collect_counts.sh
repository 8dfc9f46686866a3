#!/bin/sh
# collect's accounting (collect.1): the frames of every batch that checks
# are in, then out (stored), rejected (refused), dropped (a duplicate) or
# unwritten; a batch that does not check is refused= alone.  Both
# equations hold at exit (status 0 after SIGTERM), SIGUSR1 prints the line
# so far, --metrics holds the same counts.  Batches are put by hand into
# the directory collect reads (dir:), as sample-upload would.
. tests/lib.sh

$PY tests/py/upload.py gen "$T/f.mp" 10000 4 || fail gen
mkdir -p "$T/src" "$T/in" "$T/out"
# ten batches of 100 frames: sample-upload's spool, no collect to ack them
$BIN/sample-upload --every 10 --batch-count 100 --drain 0 -s "$T/sp" \
    -u "dir:$T/out" < "$T/f.mp" > /dev/null 2> "$T/su.err" ||
	fail "sample-upload" "$(cat "$T/su.err")"
for f in "$T"/sp/*.batch; do	# SEQ-ID.batch in the spool, ID.batch sent
	b=$(basename "$f"); cp "$f" "$T/src/${b#*-}"
done
set -- $(cd "$T/src" && ls | grep '\.batch$')
check "ten batches to work with" test $# -eq 10
cp "$T"/src/*.batch "$T/in/"
# a flipped byte: the batch does not check, its frame count is unknown
$PY -c '
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-20] ^= 0x10
open(p, "wb").write(b)' "$T/in/$1"
# a good batch under another id: it checks, then is refused (100 frames)
mv "$T/in/$2" "$T/in/00000000000000000000000000000001.batch"

drained() {	# drained: wait up to 20 s for collect to take every batch
	i=0
	while ls "$T/in" | grep -q '\.batch$' && [ $i -lt 200 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
$BIN/collect -i "dir:$T/in" -d "$T/ds" --metrics "$T/c.prom" \
    --metrics-every 1 2> "$T/c.err" &
cpid=$!
drained
kill -USR1 $cpid
sleep 0.5
check "SIGUSR1: the line so far" grep -q \
    '^collect: in=900 out=800 rejected=100 dropped=0 unwritten=0 batches=10 stored=8 duplicate=0 refused=2 files=[0-9]*$' \
    "$T/c.err"
# two stored batches sent again: duplicates, their frames dropped
cp "$T/src/$3" "$T/src/$4" "$T/in/"
drained
kill -TERM $cpid; wait $cpid
st=$?
check "SIGTERM: exit 0, both equations hold" test $st -eq 0
check "the line at exit: frames and batches, (interrupted)" grep -q \
    '^collect: in=1100 out=800 rejected=100 dropped=200 unwritten=0 batches=12 stored=8 duplicate=2 refused=2 files=[0-9]* (interrupted)$' \
    "$T/c.err"
check "the refusals named" test "$(grep -c 'refused: ' "$T/c.err")" -eq 2
check "--metrics: the same counts, pdm_running 0" sh -c "
	grep -q '^pdm_frames_total{prog=\"collect\",name=\"c\",counter=\"in\"} 1100\$' '$T/c.prom' &&
	grep -q '^pdm_frames_total{prog=\"collect\",name=\"c\",counter=\"dropped\"} 200\$' '$T/c.prom' &&
	grep -q '^pdm_running{prog=\"collect\",name=\"c\"} 0\$' '$T/c.prom'"
check "the data set holds the 800 frames stored" sh -c \
    "$PY tests/py/upload.py check '$T/ds' '$T/f.mp' 10 10000 | grep -q 'stored=800 .*errors=0'"
finish

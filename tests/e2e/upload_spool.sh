#!/bin/sh
# sample-upload's spool: batches as sent check with hashlib's SHA-256; a
# truncated spool file and one with a flipped byte are set aside with a
# message and the rest delivered; a full spool drops its oldest batches
# (counted, logged, event frames) or, with --full wait, stops reading
# until collect acknowledges; usage errors.
. tests/lib.sh

$PY tests/py/upload.py gen "$T/f.mp" 10000 4 || fail gen
mkdir -p "$T/in1" "$T/in2" "$T/in3" "$T/in4"
su() { $BIN/sample-upload --every 10 --batch-count 100 --retry-base 0.2 \
    --retry-max 1 "$@"; }

# 1. no collect: 10 batches stay in the spool (--drain 1: a second for the
# uplink to take the first batches, none acknowledged)
su -v --drain 1 -s "$T/sp" -u "dir:$T/in1" < "$T/f.mp" > /dev/null \
	2> "$T/1.err"
check "no collect: exit 0" test $? -eq 0
check "no collect: 1000 sampled, 1000 left in the spool" \
	grep -q 'sampled=1000 spooled=1000 batches=10 .* acked=0 .* left=1000 ' "$T/1.err"
check "10 batch files in the spool" test "$(ls "$T/sp" | grep -c '\.batch$')" -eq 10
check "the batches as sent: SHA-256, bytes, count, devs (hashlib)" \
	sh -c "$PY tests/py/upload.py batches '$T/in1' | grep -qx '[1-9][0-9]*'"
check "the spooled batches too" \
	sh -c "$PY tests/py/upload.py batches '$T/sp' | grep -qx 10"

# 2. damage two: truncated (a power cut), a flipped byte
set -- $(ls "$T/sp"/*.batch)
sz=$(wc -c < "$3")
head -c $((sz - 9)) "$3" > "$T/x" && cat "$T/x" > "$3"
$PY -c '
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-20] ^= 0x10
open(p, "wb").write(b)' "$5"
$BIN/collect -i "dir:$T/in2" -d "$T/ds" 2> "$T/c.err" &
cpid=$!
su -v --drain 60 -s "$T/sp" -u "dir:$T/in2" < /dev/null > /dev/null \
	2> "$T/2.err"
st=$?
kill -TERM $cpid; wait $cpid
check "damaged: exit 0" test $st -eq 0
check "damaged: two set aside, each named with why" sh -c "
	test \$(grep -c 'set aside in' '$T/2.err') -eq 2 &&
	grep -q '$(basename "$3"): frames: [0-9]* bytes after the header, the header says [0-9]*: set aside' '$T/2.err' &&
	grep -q '$(basename "$5"): frames: SHA-256 does not match' '$T/2.err'"
check "damaged: the files are in bad/" test "$(ls "$T/sp/bad" | wc -l)" -eq 2
check "damaged: the other 8 resumed and delivered" \
	grep -q 'resumed=800 acked=800 acked_batches=8 spool_lost=0 spool_lost_batches=0 left=0 set_aside=2 ' "$T/2.err"
check "damaged: collect stored 8 batches, 800 frames (a duplicate if an ack was slow)" \
	grep -q 'out=800 rejected=0 .* stored=8 duplicate=[0-9]* refused=0 ' "$T/c.err"
check "damaged: the data set holds them, intact" \
	sh -c "$PY tests/py/upload.py check '$T/ds' '$T/f.mp' 10 10000 | grep -q 'stored=800 .*errors=0'"

# 3. a full spool drops its oldest: 10 batches of ~6.4 KB into 30 KB
su -v --drain 0 --spool-max 30K -s "$T/sp3" -u "dir:$T/in3" \
	< "$T/f.mp" > "$T/3.mp" 2> "$T/3.err"
check "full, drop: exit 0" test $? -eq 0
acct=$(grep 'sample-upload: in=' "$T/3.err")
echo "# $acct"
lost=$(echo "$acct" | sed 's/.* spool_lost=\([0-9]*\) .*/\1/')
lostb=$(echo "$acct" | sed 's/.* spool_lost_batches=\([0-9]*\) .*/\1/')
left=$(echo "$acct" | sed 's/.* left=\([0-9]*\) .*/\1/')
check "full, drop: batches lost, counted: spool_lost + left = sampled" \
	test "$lostb" -gt 0 -a $((lost + left)) -eq 1000
check "full, drop: the spool within its bound" \
	test "$(cat "$T"/sp3/*.batch | wc -c)" -le 30720
check "full, drop: the dropped are the oldest, in order" $PY -c '
import sys
sp = [l.split()[3] for l in open(sys.argv[1]) if " spooled batch " in l]
dr = [l.split()[5] for l in open(sys.argv[1]) if " dropped (spool full) " in l]
sys.exit(not (dr and dr == sp[:len(dr)]))' "$T/3.err"
check "full, drop: event frames in the output say so" $PY -c '
import sys, msgpack
u = msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False)
ev = [f[1] for f in u if f[0][1].get("kind") == "event"]
sys.exit(not (ev and all(e["type"] == "spool-loss" for e in ev) and
    sum(e["frames"] for e in ev) == int(sys.argv[2]) and
    sum(e["batches"] for e in ev) == int(sys.argv[3])))' "$T/3.mp" "$lost" "$lostb"
check "full, drop: in + events = out" sh -c "echo '$acct' |
	grep -q 'in=10000 out=1000[1-9] .* events=[1-9]'"

# 4. --full wait: reading stops while the spool is full, goes on when
# collect acknowledges; nothing lost
su --full wait --spool-max 30K --drain 60 -s "$T/sp4" -u "dir:$T/in4" \
	< "$T/f.mp" > "$T/4.mp" 2> "$T/4.err" &
spid=$!
sleep 1
check "full, wait: blocked, not all frames read yet" \
	test "$(wc -c < "$T/4.mp")" -lt "$(wc -c < "$T/f.mp")"
$BIN/collect -i "dir:$T/in4" -d "$T/ds4" 2> "$T/c4.err" &
cpid=$!
wait $spid
st=$?
kill -TERM $cpid; wait $cpid
check "full, wait: exit 0" test $st -eq 0
check "full, wait: all delivered, none lost" \
	grep -q 'in=10000 out=10000 .* sampled=1000 spooled=1000 batches=10 resumed=0 acked=1000 acked_batches=10 spool_lost=0 spool_lost_batches=0 left=0 ' "$T/4.err"
check "full, wait: the output is the input" cmp "$T/4.mp" "$T/f.mp"
check "full, wait: the data set" \
	sh -c "$PY tests/py/upload.py check '$T/ds4' '$T/f.mp' 10 0 | grep -q 'stored=1000 .*errors=0'"

# 5. usage
$BIN/sample-upload -s "$T/spx" -u "dir:$T" < /dev/null 2> "$T/u.err"
check "no policy: exit 64" test $? -eq 64
$BIN/sample-upload --every 0 -s "$T/spx" -u "dir:$T" < /dev/null 2> "$T/u.err"
check "--every 0: exit 64" test $? -eq 64
$BIN/sample-upload --every 2 -s "$T/spx" -u "udp://x" < /dev/null 2> "$T/u.err"
check "a malformed uplink: exit 64, named" sh -c "test $? -eq 64 && grep -q 'udp://x' '$T/u.err'"
$BIN/sample-upload --every 2 -s "$T/spx" -u "tcp://256.1.1.1:x" < /dev/null 2> "$T/u.err"
check "an uplink that cannot connect: exit 69" test $? -eq 69
$BIN/sample-upload --every 2 -s "$T/spx" -u "dir:$T/none" < /dev/null 2> "$T/u.err"
check "an uplink dir that is not there: exit 73" test $? -eq 73
$BIN/collect -d "$T/dsx" 2> "$T/u.err"
check "collect without -i: exit 64" test $? -eq 64
check "--help: exit 0, usage on stdout" sh -c "
	$BIN/sample-upload --help | grep -q '^usage: sample-upload' &&
	$BIN/collect --help | grep -q '^usage: collect'"
finish

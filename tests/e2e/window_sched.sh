#!/bin/sh
# window: which windows open and close, with the exact frames expected.
# Each case feeds a hand-made stream (tests/py/window_frames.py gen
# DEV:T:X ...: device, time in seconds, channel x) and compares every frame
# written -- device, seq, [start end), n, short, features, rejects -- with
# the expected lines below, worked out by hand from docs/features.md
# ("Windows").  Count windows end 1 ns after their last sample.
. tests/lib.sh

W=$BIN/window
FR="$PY tests/py/window_frames.py"

# expect NAME "OPTIONS" ITEM... ; the expected lines on stdin
expect() {
	name=$1 opts=$2
	shift 2
	cat > "$T/want"
	$FR gen "$@" > "$T/in.mp" || { fail "$name" "gen"; return; }
	# shellcheck disable=SC2086
	if ! $W $opts < "$T/in.mp" > "$T/out.mp" 2> "$T/err"; then
		fail "$name" "exit status $(cat "$T/err")"
		return
	fi
	$FR dump "$T/out.mp" > "$T/got"
	if diff -u "$T/want" "$T/got"; then ok "$name"; else fail "$name"; fi
}

# counters NAME KEY=VALUE...: the accounting line of the last run has them
counters() {
	name=$1
	shift
	for kv in "$@"; do
		grep -q "[: ]$kv\( \|\$\)" "$T/err" ||
		    { fail "$name" "want $kv in: $(cat "$T/err")"; return; }
	done
	ok "$name"
}

S8="a:0:0 a:1:1 a:2:2 a:3:3 a:4:4 a:5:5 a:6:6 a:7:7"

# shellcheck disable=SC2086
expect "tumbling count, the last window short" "-s 3 -f mean" $S8 <<'EOF'
F a 0 [0 2.000000001) n=3 x.mean=1
F a 1 [3 5.000000001) n=3 x.mean=4
F a 2 [6 7.000000001) n=2 short x.mean=6.5
EOF
counters "tumbling count: accounting" in=8 out=3 used=8 features=3 short=1

# shellcheck disable=SC2086
expect "short windows dropped" "-s 3 -f mean --short drop" $S8 <<'EOF'
F a 0 [0 2.000000001) n=3 x.mean=1
F a 1 [3 5.000000001) n=3 x.mean=4
EOF
counters "short dropped: accounting" in=8 out=2 used=8 short=0 \
    short_dropped=1

expect "hopping count: the oldest open window closes at the end" \
    "-s 4 -H 2 -f mean" $S8 a:8:8 <<'EOF'
F a 0 [0 3.000000001) n=4 x.mean=1.5
F a 1 [2 5.000000001) n=4 x.mean=3.5
F a 2 [4 7.000000001) n=4 x.mean=5.5
F a 3 [6 8.000000001) n=3 short x.mean=7
EOF

expect "hop 1: nothing new at the end, nothing more" "-s 3 -H 1 -f mean" \
    a:0:0 a:1:1 a:2:2 a:3:3 a:4:4 <<'EOF'
F a 0 [0 2.000000001) n=3 x.mean=1
F a 1 [1 3.000000001) n=3 x.mean=2
F a 2 [2 4.000000001) n=3 x.mean=3
EOF

# shellcheck disable=SC2086
expect "hop larger than the size skips samples" "-s 2 -H 3 -f mean" \
    $S8 <<'EOF'
F a 0 [0 1.000000001) n=2 x.mean=0.5
F a 1 [3 4.000000001) n=2 x.mean=3.5
F a 2 [6 7.000000001) n=2 x.mean=6.5
EOF
counters "skipped: accounting" in=8 used=6 skipped=2

expect "time tumbling from the first sample; -m 2 flags short" \
    "-s 2s -m 2 -f mean" a:0.5:1 a:1:2 a:2.4:3 a:2.5:4 a:6:5 <<'EOF'
F a 0 [0.5 2.5) n=3 x.mean=2
F a 1 [2.5 4.5) n=1 short x.mean=4
F a 2 [4.5 6.5) n=1 short x.mean=5
EOF

expect "time hopping on the clock" "-s 2s -H 1s -a clock -f mean" \
    a:1000.5:1 a:1001.5:2 a:1002.5:3 a:1003.5:4 <<'EOF'
F a 0 [999 1001) n=1 x.mean=1
F a 1 [1000 1002) n=2 x.mean=1.5
F a 2 [1001 1003) n=2 x.mean=2.5
F a 3 [1002 1004) n=2 x.mean=3.5
EOF

GAPPY="a:0:0 a:1:1 a:2:2 a:3:3 a:4:4 a:20:20 a:21:21 a:22:22"
# shellcheck disable=SC2086
expect "a gap closes a count window" "-s 3 -g 5s -f mean" $GAPPY <<'EOF'
F a 0 [0 2.000000001) n=3 x.mean=1
F a 1 [3 4.000000001) n=2 short x.mean=3.5
F a 2 [20 22.000000001) n=3 x.mean=21
EOF
counters "gap close: accounting" gaps=1 short=1

# shellcheck disable=SC2086
expect "a bridged gap" "-s 3 -g 5s --on-gap bridge -f mean" $GAPPY <<'EOF'
F a 0 [0 2.000000001) n=3 x.mean=1
F a 1 [3 20.000000001) n=3 x.mean=9
F a 2 [21 22.000000001) n=2 short x.mean=21.5
EOF
counters "gap bridge: accounting" gaps=1 short=1

expect "a gap closes a time window; the next starts after it" \
    "-s 10s -g 3s -f mean" a:100:1 a:101:2 a:102:3 a:107:4 a:108:5 \
    a:125:6 <<'EOF'
F a 0 [100 110) n=3 x.mean=2
F a 1 [107 117) n=2 x.mean=4.5
F a 2 [125 135) n=1 x.mean=6
EOF

expect "a gap in a clock window: its later samples are in none" \
    "-s 10s -a clock -g 3s -f mean" a:100:1 a:101:2 a:102:3 a:107:4 \
    a:108:5 a:125:6 <<'EOF'
F a 0 [100 110) n=3 x.mean=2
F a 1 [120 130) n=1 x.mean=6
EOF
counters "clock gap: accounting" in=6 used=4 skipped=2 gaps=2

LATE="a:0:0 a:2:20 a:1:10 a:3:30 a:0.5:5 a:5:50 a:4:40 a:6:60"
# shellcheck disable=SC2086
expect "lateness 2 s: reordered, one too late" "-s 3 -l 2s -f mean" \
    $LATE <<'EOF'
R a time-order -
F a 0 [0 2.000000001) n=3 x.mean=10
F a 1 [3 5.000000001) n=3 x.mean=40
F a 2 [6 6.000000001) n=1 short x.mean=60
EOF
counters "lateness: accounting" in=8 used=7 rejected=1 late=1

expect "lateness 0: out of order is late" "-s 2 -f mean" \
    a:0:0 a:2:20 a:1:10 a:3:30 <<'EOF'
F a 0 [0 2.000000001) n=2 x.mean=10
R a time-order -
F a 1 [3 3.000000001) n=1 short x.mean=30
EOF

expect "lateness with time windows" "-s 2s -l 1s -f mean" \
    a:0:1 a:1.5:2 a:0.5:3 a:2.2:4 a:1.9:5 a:4:6 a:2.5:7 <<'EOF'
F a 0 [0 2) n=4 x.mean=2.75
R a time-order -
F a 1 [2 4) n=1 x.mean=4
F a 2 [4 6) n=1 x.mean=6
EOF

SESS="a:0:1 a:1:2 a:2:3 a:5:4 a:6:5 a:10:6"
# shellcheck disable=SC2086
expect "sessions closed by a gap" "-t session -g 2s -f mean" $SESS <<'EOF'
F a 0 [0 2.000000001) n=3 x.mean=2
F a 1 [5 6.000000001) n=2 x.mean=4.5
F a 2 [10 10.000000001) n=1 x.mean=6
EOF
counters "sessions: accounting" gaps=2 features=3

# shellcheck disable=SC2086
expect "sessions of at most 2 samples" "-t session -g 2s -s 2 -f mean" \
    $SESS <<'EOF'
F a 0 [0 1.000000001) n=2 x.mean=1.5
F a 1 [2 2.000000001) n=1 x.mean=3
F a 2 [5 6.000000001) n=2 x.mean=4.5
F a 3 [10 10.000000001) n=1 x.mean=6
EOF

# shellcheck disable=SC2086
expect "sessions of at most 1.5 s" "-t session -g 2s -s 1.5s -f mean" \
    $SESS <<'EOF'
F a 0 [0 1.000000001) n=2 x.mean=1.5
F a 1 [2 2.000000001) n=1 x.mean=3
F a 2 [5 6.000000001) n=2 x.mean=4.5
F a 3 [10 10.000000001) n=1 x.mean=6
EOF

# shellcheck disable=SC2086
expect "short sessions dropped" "-t session -g 2s -m 2 --short drop -f mean" \
    $SESS <<'EOF'
F a 0 [0 2.000000001) n=3 x.mean=2
F a 1 [5 6.000000001) n=2 x.mean=4.5
EOF

expect "devices apart, other kinds pass, bad samples rejected" \
    "-s 2 -f mean" a:0:1 b:0:x=10 event:0.5 a:1:2 b:1:x=nan a:2:y=3 \
    "b:2:x='s'" b:3:20 a:3:x=4,z=1 "c:4:x='s'" <<'EOF'
P event
F a 0 [0 1.000000001) n=2 x.mean=1.5
R b number x
R a fields x
R b number x
F b 0 [0 3.000000001) n=2 x.mean=15
R c fields -
F a 1 [3 3.000000001) n=1 short x.mean=4
EOF
counters "devices: accounting" in=10 out=4 passed=1 used=5 rejected=4 \
    features=3 devices=2

expect "channels and features in the order asked" \
    "-s 2 -c y,x -f mean,max -f x=min" a:0:x=1,y=2 a:1:x=3,y=5 <<'EOF'
F a 0 [0 1.000000001) n=2 y.mean=3.5 y.max=5 x.min=1
EOF

expect "a quiet device is flushed and freed" "-s 3 --idle 5s -f mean" \
    a:0:1 a:1:2 b:0:0 b:2:2 b:4:4 b:6:6 b:8:8 a:20:5 <<'EOF'
F b 0 [0 4.000000001) n=3 x.mean=2
F a 0 [0 1.000000001) n=2 short x.mean=1.5
F b 1 [6 8.000000001) n=2 short x.mean=7
F a 0 [20 20.000000001) n=1 short x.mean=5
EOF
counters "idle: accounting" idle=2 devices=3

expect "--max-devices evicts the least recent" "-s 2 --max-devices 1 -f mean" \
    a:0:1 b:0:2 a:1:3 <<'EOF'
F a 0 [0 0.000000001) n=1 short x.mean=1
F b 0 [0 0.000000001) n=1 short x.mean=2
F a 0 [1 1.000000001) n=1 short x.mean=3
EOF
counters "evicted: accounting" evicted=2 devices=3

# devices of different channels through a cap of 2: an evicted device's
# memory goes to one with other channels (their shared set made again when
# no device held it), flushed in order of first sight at the end
expect "eviction across channel sets" "-s 2 --max-devices 2 -f mean" \
    a:0:x=1 b:0:y=2 c:1:x=3,y=4 a:2:x=5 c:2:x=6,y=7 d:3:y=8 <<'EOF'
F a 0 [0 0.000000001) n=1 short x.mean=1
F b 0 [0 0.000000001) n=1 short y.mean=2
F c 0 [1 2.000000001) n=2 x.mean=4.5 y.mean=5.5
F a 0 [2 2.000000001) n=1 short x.mean=5
F d 0 [3 3.000000001) n=1 short y.mean=8
EOF
counters "eviction across channel sets: accounting" evicted=3 devices=5

# churn: 20,000 devices twice through a cap of 1,000 (eviction is O(1): the
# least recently seen goes; it was a scan of every device per new one)
$PY -c '
import struct, sys, msgpack
w = sys.stdout.buffer.write
for n in range(40000):
    t = msgpack.ExtType(0, struct.pack(">II", 1700000000 + n, 0))
    w(msgpack.packb([[t, {"kind": "sample", "dev": "d%d" % (n % 20000)}], {"x": float(n)}]))
' > "$T/churn.mp"
"$W" -s 2 -f mean --max-devices 1000 < "$T/churn.mp" > "$T/churn.out" 2> "$T/churn.err"
check "churn: exit 0" test $? -eq 0
check "churn: every sample in a window of its own, the least recent evicted" \
	grep -q "in=40000 out=40000 .* used=40000 .* features=40000 .* devices=40000 idle=0 evicted=39000$" "$T/churn.err"
check "churn: each window holds its one sample" $PY -c '
import sys, msgpack
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
assert len(fr) == 40000
got = sorted((f[0][1]["dev"], f[1]["x.mean"]) for f in fr)
want = sorted(("d%d" % (n % 20000), float(n)) for n in range(40000))
assert got == want
' "$T/churn.out"

expect "one sample: std 0, skewness NaN" "-s 5 -f std,skew" a:0:7 <<'EOF'
F a 0 [0 0.000000001) n=1 short x.std=0 x.skew=nan
EOF

finish

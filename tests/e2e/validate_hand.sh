#!/bin/sh
# validate on the hand-made stream testdata/validate/hand.jsonl: NaN, Inf,
# spikes, duplicates, out-of-range values, a missing channel, an unknown
# channel, a gap and two devices give exactly the rejects, drops, fills,
# clamps and flags worked out by hand in testdata/validate/hand.expect.
. tests/lib.sh
D=$TESTDATA/validate

$PY tests/py/validate_frames.py jsonl $D/hand.jsonl > $T/in.mp
check "hand: runs" $BIN/validate -s $D/hand.schema -i $T/in.mp -o $T/out.mp \
	--reject $T/rej.mp 2> $T/err
check "hand: expected output, rejects and drops" \
	$PY tests/py/validate_check.py hand $D/hand.jsonl $D/hand.expect \
	$T/out.mp $T/rej.mp $T/err
check "hand: accounting" \
	$PY tests/py/validate_check.py accounting $T/err $T/out.mp $T/rej.mp $T/in.mp

# the same through a pipe, rejects inline (--reject -)
$BIN/validate -s $D/hand.schema --reject - < $T/in.mp > $T/inline.mp 2> $T/err2
check "hand: inline rejects accounted" \
	$PY tests/py/validate_check.py accounting $T/err2 $T/inline.mp - $T/in.mp
n=$($BIN/tap -q -i $T/inline.mp | grep -c '"kind":"reject"')
[ "$n" -eq 5 ] && ok "hand: 5 rejects inline" || fail "hand: 5 rejects inline" "$n"

# without --reject: inline, as in every program (docs/filters.md), and
# named by rule with their lines on stderr
$BIN/validate -s $D/hand.schema -i $T/in.mp -o $T/out3.mp 2> $T/err3
check "hand: no --reject: accounted" \
	$PY tests/py/validate_check.py accounting $T/err3 $T/out3.mp - $T/in.mp
grep -q '^validate: rule=range channel=pres rejected=1 line=16$' $T/err3 &&
	ok "hand: rejects named by rule on stderr" ||
	fail "hand: rejects named by rule on stderr" "$(cat $T/err3)"
$BIN/validate -q -s $D/hand.schema -i $T/in.mp -o /dev/null 2> $T/err4
[ ! -s $T/err4 ] && ok "hand: -q: nothing on stderr" || fail "hand: -q" "$(cat $T/err4)"
check "hand: the output without its inline rejects is the output with --reject" \
	$PY -c '
import sys, msgpack
a = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False, strict_map_key=False))
b = [f for f in msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False, strict_map_key=False)
     if f[0][1].get("kind") != "reject"]
assert a == b, (len(a), len(b))
' $T/out.mp $T/out3.mp
finish

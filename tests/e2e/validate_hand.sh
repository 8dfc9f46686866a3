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

# without --reject: counted and summed up on stderr, nothing in the output
$BIN/validate -s $D/hand.schema -i $T/in.mp -o $T/out3.mp 2> $T/err3
check "hand: no --reject: accounted" \
	$PY tests/py/validate_check.py accounting $T/err3 $T/out3.mp
grep -q '^validate: 5 frames rejected and not kept' $T/err3 &&
grep -q '^validate: rule=range channel=pres rejected=1 line=16$' $T/err3 &&
	ok "hand: rejects summed up on stderr" ||
	fail "hand: rejects summed up on stderr" "$(cat $T/err3)"
# -q keeps the summary of rejects that are not kept anywhere
$BIN/validate -q -s $D/hand.schema -i $T/in.mp -o /dev/null 2> $T/err4
grep -q 'rejected and not kept' $T/err4 && ! grep -q '^validate: in=' $T/err4 &&
	ok "hand: -q still sums up rejects" || fail "hand: -q" "$(cat $T/err4)"
cmp -s $T/out.mp $T/out3.mp && ok "hand: output does not depend on --reject" ||
	fail "hand: output does not depend on --reject"
finish

#!/bin/sh
# validate on the 12 IMS set-2 snapshots (tab separated, CRLF, 20,480 x 4):
# the near-zero ones (2004.02.19.06.12.39 and 06.22.39) trip the stuck and
# variance-floor rules, the ten live ones do not; every frame's flags are
# those numpy computes (tests/py/validate_ims.py), and gaps between
# snapshots are reported.
. tests/lib.sh
D=$TESTDATA/validate
files=""
for f in $TESTDATA/ims/2nd_test/*.gz; do files="$files $f"; done

$PY tests/py/validate_frames.py ims ims2 $files > $T/in.mp
$BIN/validate -s $D/ims.schema -i $T/in.mp -o $T/out.mp --reject $T/rej.mp \
	2> $T/err
check "ims: flags = numpy, frame by frame" \
	$PY tests/py/validate_ims.py $T/out.mp $files
check "ims: accounting" \
	$PY tests/py/validate_check.py accounting $T/err $T/out.mp $T/rej.mp $T/in.mp
grep -q '^validate: rule=gap events=11$' $T/err &&
	ok "ims: 11 gaps between 12 snapshots" || fail "ims: gaps" "$(cat $T/err)"

# the same through bin/ingest, one snapshot at a time as a device would
# send it: the live one passes clean, the dead one is flagged
ING=bin/ingest; [ -x $BIN/ingest ] && ING=$BIN/ingest
if [ -x $ING ]; then
	for s in 2004.02.19.06.02.39 2004.02.19.06.12.39; do
		f=$(unpack ims/2nd_test/$s.gz)
		$ING -q -n -c b1,b2,b3,b4 -r 20480 --time-from-name $f |
			$BIN/validate -s $D/ims.schema -o $T/$s.out 2> $T/$s.err
		check "ims via ingest $s: flags = numpy" \
			$PY tests/py/validate_ims.py $T/$s.out $f
		check "ims via ingest $s: accounting" \
			$PY tests/py/validate_check.py accounting $T/$s.err $T/$s.out
	done
fi
finish

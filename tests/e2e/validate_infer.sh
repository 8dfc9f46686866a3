#!/bin/sh
# validate --infer-schema on each kind of dataset: the schema it writes is
# what numpy finds in the same frames (tests/py/validate_infer.py), it
# parses, and the data it came from passes it: nothing rejected, dropped,
# changed or flagged except by the rate rule (2% of intervals may lie
# outside its tolerance).
. tests/lib.sh
V=$BIN/validate
ING=bin/ingest; [ -x $BIN/ingest ] && ING=$BIN/ingest

# infer NAME MARGIN: $T/NAME.in -> $T/NAME.schema, then check
infer() {
	$V --infer-schema --margin $2 -i $T/$1.in -o $T/$1.schema 2> $T/$1.ierr
	check "$1: infers" test -s $T/$1.schema
	check "$1: schema = numpy on the same frames" \
		$PY tests/py/validate_infer.py $T/$1.schema $T/$1.in $2
	$V -s $T/$1.schema -i $T/$1.in -o $T/$1.out --reject $T/$1.rej 2> $T/$1.err
	check "$1: accounting" $PY tests/py/validate_check.py accounting \
		$T/$1.err $T/$1.out $T/$1.rej $T/$1.in
	if grep '^validate: rule=' $T/$1.err | grep -qv '^validate: rule=\(rate\|gap\) '; then
		fail "$1: its data passes its inferred schema" "$(grep rule= $T/$1.err)"
	else
		ok "$1: its data passes its inferred schema"
	fi
}

$PY tests/py/validate_frames.py nab $TESTDATA/nab/ambient_temperature_system_failure.csv a1 > $T/ambient.in
infer ambient 0.1
if [ -x $ING ]; then
	txt=$(unpack cmapss/train_FD001.txt.gz)
	$ING -q -d space -n -t cycle --time-format epoch --device-column unit \
		-c unit,cycle,setting1,setting2,setting3,$(seq -s, -f 's%g' 1 21) \
		$txt > $T/cmapss.in
	infer cmapss 0.05
	csv=$(unpack ai4i/ai4i2020.csv.gz)
	$ING -q -t UDI --time-format epoch --meta "Product ID,Type" $csv > $T/ai4i.in
	infer ai4i 0.1
	csv=$(unpack cwru/cwru_12k_DE_0hp_IR021_209.csv.gz)
	$ING -q -r 12000 $csv > $T/cwru.in
	infer cwru 0
	f=$(unpack ims/2nd_test/2004.02.15.20.32.39.gz)
	$ING -q -n -c b1,b2,b3,b4 -r 20480 --time-from-name $f > $T/ims.in
	infer ims 0.2
fi
# nothing to infer from
: > $T/empty.in
$V --infer-schema -i $T/empty.in -o $T/empty.schema 2> $T/empty.err
[ $? -eq 65 ] && grep -q 'no sample frames' $T/empty.err &&
	ok "empty input: exit 65" || fail "empty input" "$(cat $T/empty.err)"
finish

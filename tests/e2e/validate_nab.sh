#!/bin/sh
# validate on the NAB temperature files.  Machine: time goes back at line
# 10151, and exactly lines 10151-10162 (12 rows at or before the last
# accepted time) are rejected, each reject naming its line.  Ambient: the
# gaps (longest 174 h) are reported as events with their lengths.  Expected
# values come from the csv module (tests/py/validate_nab.py).
. tests/lib.sh
D=$TESTDATA/validate
NAB=$TESTDATA/nab
M=$NAB/machine_temperature_system_failure.csv
A=$NAB/ambient_temperature_system_failure.csv

# frames made by our own test code, and by bin/ingest
$PY tests/py/validate_frames.py nab $M m1 > $T/m.mp
$BIN/validate -s $D/nab-machine.schema -i $T/m.mp -o $T/m.out \
	--reject $T/m.rej 2> $T/m.err
check "machine: rejects = csv oracle (12 lines, 10151-10162)" \
	$PY tests/py/validate_nab.py machine $M $T/m.out $T/m.rej
check "machine: accounting" \
	$PY tests/py/validate_check.py accounting $T/m.err $T/m.out $T/m.rej $T/m.mp
if [ -x $BIN/../ingest ] || [ -x bin/ingest ]; then
	ING=bin/ingest; [ -x $BIN/ingest ] && ING=$BIN/ingest
	$ING -q --device m1 $M | $BIN/validate -s $D/nab-machine.schema \
		-o $T/mi.out --reject $T/mi.rej 2> $T/mi.err
	check "machine via ingest: rejects = csv oracle" \
		$PY tests/py/validate_nab.py machine $M $T/mi.out $T/mi.rej
	check "machine via ingest: accounting" \
		$PY tests/py/validate_check.py accounting $T/mi.err $T/mi.out $T/mi.rej
fi

$PY tests/py/validate_frames.py nab $A a1 > $T/a.mp
$BIN/validate -s $D/nab-ambient.schema -i $T/a.mp -o $T/a.out \
	--reject $T/a.rej 2> $T/a.err
check "ambient: gap events = csv oracle (10 gaps, 2 h .. 174 h)" \
	$PY tests/py/validate_nab.py ambient $A $T/a.out $T/a.rej
check "ambient: accounting" \
	$PY tests/py/validate_check.py accounting $T/a.err $T/a.out $T/a.rej $T/a.mp
finish

#!/bin/sh
# validate on every dataset slice, read through bin/ingest as a device would
# send it, with the schemas of docs/schema.md (testdata/validate/*.schema):
# the accounting equation holds on every stream (tests/py/validate_check.py
# checks the report against the streams), known-good data passes its schema
# untouched, the 48 kHz CWRU baseline breaks the 12 kHz rate on every
# interval, and faults injected into C-MAPSS are rejected exactly
# (tests/py/validate_inject.py).  The schemas in docs/schema.md must be
# these files, word for word.
. tests/lib.sh
D=$TESTDATA/validate
ING=bin/ingest; [ -x $BIN/ingest ] && ING=$BIN/ingest
V="$BIN/validate"

# run NAME SCHEMA: validate $T/NAME.in with SCHEMA, check the accounting
run() {
	$V -s $D/$2 -i $T/$1.in -o $T/$1.out --reject $T/$1.rej 2> $T/$1.err
	check "$1: accounting" $PY tests/py/validate_check.py accounting \
		$T/$1.err $T/$1.out $T/$1.rej $T/$1.in
}
# clean NAME: nothing rejected, dropped, flagged or changed
clean() {
	if grep -q '^validate: rule=' $T/$1.err; then
		fail "$1: passes untouched" "$(grep rule= $T/$1.err)"
	else
		ok "$1: passes untouched"
	fi
}

if [ ! -x $ING ]; then
	fail "bin/ingest is needed"
	finish
	exit
fi

$ING -q --device m1 $TESTDATA/nab/machine_temperature_system_failure.csv > $T/machine.in
run machine nab-machine.schema
$ING -q --device a1 $TESTDATA/nab/ambient_temperature_system_failure.csv > $T/ambient.in
run ambient nab-ambient.schema

for f in $TESTDATA/cwru/*.gz; do
	b=$(basename $f .csv.gz)
	csv=$(unpack cwru/$b.csv.gz)
	case $b in *_48k_*) hz=48000 ;; *) hz=12000 ;; esac
	$ING -q -r $hz $csv > $T/$b.in
	run $b cwru.schema
	rows=$(($(wc -l < $csv) - 1))
	if [ $hz = 12000 ]; then
		clean $b
	elif grep -q "^validate: rule=rate flagged=$((rows - 1))\$" $T/$b.err; then
		ok "$b: 48 kHz flagged by the 12 kHz rate, $((rows - 1)) intervals"
	else
		fail "$b: rate flags" "$(cat $T/$b.err)"
	fi
done

txt=$(unpack cmapss/train_FD001.txt.gz)
cols=unit,cycle,setting1,setting2,setting3,$(seq -s, -f 's%g' 1 21)
$ING -q -d space -n -c $cols -t cycle --time-format epoch --device-column unit \
	$txt > $T/cmapss.in
run cmapss cmapss.schema
clean cmapss
# one device per engine, each with all its rows
awk '{ n[$1]++ } END { for (u in n) printf "validate: device=%s in=%d out=%d\n", u, n[u], n[u] }' \
	$txt | sort > $T/cmapss.want
sed -n 's/^\(validate: device=[^ ]* in=[0-9]* out=[0-9]*\) .*/\1/p' $T/cmapss.err |
	sort > $T/cmapss.got
cmp -s $T/cmapss.want $T/cmapss.got && ok "cmapss: 100 engines, every row" ||
	fail "cmapss: per device" "$(diff $T/cmapss.want $T/cmapss.got | head)"

$PY tests/py/validate_inject.py make $txt 7 $T/inject.in $T/inject.json
run inject cmapss.schema
check "cmapss with injected faults: exactly those rejected" \
	$PY tests/py/validate_inject.py check $T/inject.json $T/inject.out $T/inject.rej

csv=$(unpack ai4i/ai4i2020.csv.gz)
$ING -q -t UDI --time-format epoch --meta "Product ID,Type" $csv > $T/ai4i.in
run ai4i ai4i.schema
clean ai4i

# the examples in docs/schema.md are these files
for s in $D/*.schema; do
	case $s in */hand.schema) continue ;; esac
	n=$(basename $s)
	awk -v n="$n" '$0 == "```" && on { exit } on { print } $0 == "```schema " n { on = 1 }' \
		docs/schema.md > $T/doc.schema
	cmp -s $s $T/doc.schema && ok "docs/schema.md shows $n" ||
		fail "docs/schema.md shows $n" "missing or different"
done
finish

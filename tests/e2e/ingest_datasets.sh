#!/bin/sh
# ingest on every real dataset slice in testdata/: the frames, decoded by
# python3-msgpack, hold exactly (bit for bit) the numbers, times, devices,
# sequence numbers and source lines that tests/py/ingest_oracle.py computes
# with Python's csv module, float(), datetime and Fraction; rows = frames +
# rejects; ingest's counters line agrees.
. tests/lib.sh

I=$BIN/ingest

# run NAME ARGS...: ingest ARGS (options and files), then the oracle on the
# same arguments
run() {
	name=$1
	shift
	if "$I" "$@" > "$T/$name.mp" 2> "$T/$name.err"; then
		if $PY tests/py/ingest_oracle.py --frames "$T/$name.mp" \
		    --stderr "$T/$name.err" "$@" > "$T/$name.chk" 2>&1; then
			ok "$name: $(cat "$T/$name.chk")"
		else
			fail "$name" "$(head -5 "$T/$name.chk")"
		fi
	else
		fail "$name" "exit $?: $(head -3 "$T/$name.err")"
	fi
}

# NAB: timestamp column found by name, ISO times without zone (UTC)
run nab-machine "$TESTDATA/nab/machine_temperature_system_failure.csv"
run nab-ambient --device office \
    "$TESTDATA/nab/ambient_temperature_system_failure.csv"
# the same wall times read as Berlin time
run nab-ambient-tz --tz Europe/Berlin \
    "$TESTDATA/nab/ambient_temperature_system_failure.csv"

# IMS: 12 snapshots, tab and CRLF, no header, time from each file's name
for f in "$TESTDATA"/ims/2nd_test/*.gz; do
	mkdir -p "$T/ims"
	gzip -dc "$f" > "$T/ims/$(basename "$f" .gz)"
done
run ims --time-from-name --rate 20480 --device ims2 \
    --columns b1,b2,b3,b4 "$T"/ims/2004.*
run ims-noheader --time-from-name --rate 20480 --no-header \
    "$T/ims/2004.02.19.06.12.39"
# the derived per-snapshot table: time column "timestamp", text column
run ims-features --skip snapshot --device ims2 \
    "$TESTDATA/ims/ims2_snapshot_features_derived.csv"

# CWRU: one column with a header, no time: --rate
for f in "$TESTDATA"/cwru/*.gz; do
	g=$(unpack "cwru/$(basename "$f")")
	case $f in
	*48k*) rate=48000 ;;
	*) rate=12000 ;;
	esac
	run "cwru-$(basename "$f" .csv.gz)" --rate $rate \
	    --start 2020-01-01T00:00:00Z "$g"
done

# C-MAPSS: blank separated, two trailing blanks, no header; unit = device
cols=unit,cycle,set1,set2,set3
i=1
while [ $i -le 21 ]; do
	cols="$cols,s$i"
	i=$((i + 1))
done
run cmapss-train --columns $cols --device-column unit --rate 1 \
    "$(unpack cmapss/train_FD001.txt.gz)"
run cmapss-test --columns $cols --device-column unit --rate 1 \
    --delimiter space "$TESTDATA/cmapss/test_FD001_head.txt"

# AI4I: UTF-8 BOM, names with blanks and brackets, two text columns
run ai4i --rate 1 --meta Type --skip "Product ID" --device ai4i \
    "$(unpack ai4i/ai4i2020.csv.gz)"
run ai4i-devcol --rate 0.5 --device-column "Product ID" --meta Type \
    "$(unpack ai4i/ai4i2020.csv.gz)"

# several files in one run: NAB twice, one device, seq goes on
run nab-two --device nab "$TESTDATA/nab/ambient_temperature_system_failure.csv" \
    "$TESTDATA/nab/machine_temperature_system_failure.csv"

finish

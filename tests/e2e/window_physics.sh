#!/bin/sh
# window: the bearing physics on real records, through the real pipeline
# (ingest | window with the example configurations in testdata/window/).
# CWRU drive end, 1-s windows and one 3-s window per record: inner-race
# faults show BPFI, the 0.007 and 0.021 in outer-race faults BPFO, the
# normal record no line; IMS set 2, bearing 1: the BPFO envelope line grows
# at least five-fold from 02-12 to the failure (tests/py/window_physics.py).
. tests/lib.sh

W=$BIN/window
for f in "$TESTDATA"/cwru/*.csv.gz; do
	b=$(basename "$f" .csv.gz)
	csv=$(unpack "cwru/$b.csv.gz")
	case $b in *48k*) r=48000 ;; *) r=12000 ;; esac
	if ! "$BIN"/ingest -q --rate $r --device de "$csv" > "$T/$b.in"; then
		fail "ingest $b"
		continue
	fi
	check "window $b (1-s windows)" "$W" -q -C testdata/window/cwru.conf \
	    -r $r -s $r -f envelope -i "$T/$b.in" -o "$T/$b.mp"
	n=$(gzip -dc "$f" | wc -l)
	check "window $b (whole record)" "$W" -q -C testdata/window/cwru.conf \
	    -r $r -s $((n - 1)) -f envelope -i "$T/$b.in" -o "$T/$b.all.mp"
done
check "CWRU: BPFI on inner-race faults, BPFO on outer-race, flat normal" \
    "$PY" tests/py/window_physics.py cwru "$T"/*.mp

set --
for f in "$TESTDATA"/ims/2nd_test/*.gz; do
	set -- "$@" "$(unpack "ims/2nd_test/$(basename "$f")")"
done
if "$BIN"/ingest -q --rate 20480 --time-from-name --device ims \
    -c b1,b2,b3,b4 -n "$@" > "$T/ims.in"; then
	check "window IMS set 2" "$W" -q -C testdata/window/ims.conf \
	    -f b1=envelope -i "$T/ims.in" -o "$T/ims.mp"
	check "IMS bearing 1: BPFO share >= 5 x from 02-17 to the failure" \
	    "$PY" tests/py/window_physics.py ims "$T/ims.mp"
else
	fail "ingest IMS"
fi
finish

#!/bin/sh
# make demo: replay bundled recordings through the pipeline, from a clean clone.
#
# 1. IMS bearing run-to-failure (set 2): twelve 1-second vibration snapshots
#    (20,480 samples/s, 4 bearings) from healthy to the outer-race failure of
#    bearing 1, replayed as fast as possible through
#        ingest | validate | window | tap
#    One features frame per snapshot: watch bearing 1's RMS, kurtosis and the
#    share of envelope power at its outer-race fault frequency (BPFO 236 Hz)
#    rise, and validate flag the two dead snapshots recorded after the rig
#    stopped.
# 2. NAB machine temperature, whose clock goes back once: validate sends the
#    12 out-of-order rows to a dead-letter file, each naming its line.
# 3. The loop (pipelines/scenario-cmapss.sh, docs/loop.md): C-MAPSS engines
#    as a fleet, a sensor recalibrated, drift, trigger, retrain, the gate,
#    the registry's promotion, infer's swap, and the error falling back.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

echo "== IMS set 2, bearing 1 (Rexnord ZA-2115), 12 snapshots, healthy to failed"
for f in testdata/ims/2nd_test/*.gz; do
	gzip -dc "$f" > "$T/$(basename "$f" .gz)"
done
"$BIN/ingest" -n -c b1,b2,b3,b4 -r 20480 --time-from-name --device ims2 \
    "$T"/2004.* 2> "$T/ingest.err" |
    "$BIN/validate" -s testdata/validate/ims.schema 2> "$T/validate.err" |
    "$BIN/window" -C testdata/window/ims.conf 2> "$T/window.err" |
    "$BIN/tap" > "$T/ims.json" 2> "$T/tap.err"
# validate's flags per snapshot: count flagged sample frames by their second
"$BIN/ingest" -q -n -c b1,b2,b3,b4 -r 20480 --time-from-name --device ims2 \
    "$T"/2004.* | "$BIN/validate" -q -s testdata/validate/ims.schema |
    "$BIN/tap" -q | awk -F'"' '/"flags":"[^"]*flat:b1/ { n[substr($2, 1, 19)]++ }
	END { for (k in n) print k, n[k] }' > "$T/flags"
printf "%-20s %9s %9s %10s %12s\n" snapshot b1.rms b1.kurt env.BPFO "flat b1 (of 20480)"
awk -v flags="$T/flags" '
	BEGIN { while ((getline l < flags) > 0) { split(l, a, " "); f[a[1]] = a[2] } }
	/"kind":"features"/ {
		t = $0; sub(/^\[\["/, "", t); t = substr(t, 1, 19)
		printf "%-20s %9.4f %9.2f %10.3f %12d\n", t, v("b1.rms"), v("b1.kurtosis"),
		    v("b1.env_bpfo"), f[t]
	}
	function v(k,   s) { s = $0; sub(".*\"" k "\":", "", s); return s + 0 }' "$T/ims.json"
echo "(env.BPFO: share of the 5-500 Hz envelope power within 3 Hz of BPFO and 2 harmonics)"
cat "$T/ingest.err" "$T/window.err"
grep -E '^validate: (in|rule=gap)' "$T/validate.err"

echo
echo "== NAB machine temperature: the clock goes back at line 10151"
"$BIN/ingest" --device machine testdata/nab/machine_temperature_system_failure.csv \
    2> "$T/ingest.err" |
    "$BIN/validate" -s testdata/validate/nab-machine.schema --reject "$T/rejects.mp" \
    2> "$T/validate.err" > "$T/nab.mp"
cat "$T/ingest.err"; grep '^validate: in' "$T/validate.err"
echo "-- the dead-letter stream (first 3 of $("$BIN/tap" -q < "$T/rejects.mp" | wc -l)):"
"$BIN/tap" -q < "$T/rejects.mp" | head -n 3 | cut -c1-240

echo
BIN=$BIN sh pipelines/scenario-cmapss.sh -w "$T/loop"

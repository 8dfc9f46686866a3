#!/bin/sh
# make demo: replay bundled recordings through the pipeline, from a clean clone.
#
# 1. IMS bearing run-to-failure (set 2): vibration snapshots of 1 s at
#    20,480 samples/s, 4 bearings, replayed as fast as possible:
#    ingest | tap, the first frames shown as JSON, all counted.
# 2. NAB machine temperature: the real file, whose clock goes backwards once.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

echo "== IMS set 2: 1-second vibration snapshots, 20,480 samples/s, 4 bearings"
for f in 2004.02.12.10.32.39 2004.02.17.10.32.39 2004.02.19.06.02.39; do
	gzip -dc "testdata/ims/2nd_test/$f.gz" > "$T/$f"
done
echo "-- ingest | tap, first 3 frames:"
"$BIN/ingest" -q -n -c b1,b2,b3,b4 -r 20480 --time-from-name --device ims2 \
    "$T/2004.02.12.10.32.39" | "$BIN/tap" -q > "$T/ims.json"
head -n 3 "$T/ims.json"
echo "-- three snapshots, healthy to failing, through ingest | tap --count:"
"$BIN/ingest" -n -c b1,b2,b3,b4 -r 20480 --time-from-name --device ims2 \
    "$T"/2004.* | "$BIN/tap" --count > "$T/ims.mp"
echo "   $(wc -c < "$T/ims.mp") bytes of frames"

echo
echo "== NAB machine temperature (5-minute readings; the clock goes back at line 10151)"
"$BIN/ingest" --device machine \
    testdata/nab/machine_temperature_system_failure.csv > "$T/nab.mp"
"$BIN/tap" -q < "$T/nab.mp" | sed -n '10149,10151p'

#!/bin/sh
# make demo: replay bundled recordings through the pipeline, from a clean clone.
#
#   demo.sh            (BIN: the programs, default bin; DEMO_OUT: where the
#                       report and the work files go, default build/demo)
#
# 1. IMS bearing run-to-failure (set 2), bearing 1 to its alarm: the
#    per-snapshot features of all 984 snapshots (one every 10 minutes,
#    2004-02-12 10:32 to 02-19 06:22; testdata/ims) through ingest; a
#    Mahalanobis anomaly model trained (train) on the first 300 snapshots
#    (02-12 10:32 to 02-14 12:22, healthy), its threshold at a false-alarm
#    rate of 0.001; infer serves it over the whole run; drift watches
#    bearing 1's features from the end of training on.  An alarm is a
#    score above the threshold; a sustained alarm is 3 snapshots in a row
#    (the choices of tests/e2e/train_tasks.sh and docs/train.md).
# 2. The raw IMS snapshots: twelve 1-second vibration snapshots (20,480
#    samples/s, 4 bearings) from healthy to the outer-race failure of
#    bearing 1, replayed as fast as possible through
#        ingest | validate | window | tap
#    One features frame per snapshot: watch bearing 1's RMS, kurtosis and the
#    share of envelope power at its outer-race fault frequency (BPFO 236 Hz)
#    rise, and validate flag the two dead snapshots recorded after the rig
#    stopped.
# 3. NAB machine temperature, whose clock goes back once: validate sends the
#    12 out-of-order rows to a dead-letter file, each naming its line.
# 4. The loop (pipelines/scenario-cmapss.sh, docs/loop.md): C-MAPSS engines
#    as a fleet, a sensor recalibrated, drift, trigger, retrain, the gate,
#    the registry's promotion, infer's swap, and the error falling back.
# At the end pipelines/report.py writes DEMO_OUT/report.html: the IMS
# score, the C-MAPSS error and drift statistic over time, events marked.
# About 12 s on 2 cores (the loop's retrain included); tests/e2e/demo.sh.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
D=${DEMO_OUT:-build/demo}
rm -rf "$D/ims" "$D/loop" "$D/report.html"
mkdir -p "$D/ims" "$D/loop"

# ---- 1. IMS set 2, bearing 1 to its alarm ---------------------------------------------------
I=$D/ims
src=testdata/ims/ims2_snapshot_features_derived.csv
NTRAIN=300
head -n $((NTRAIN + 1)) "$src" > "$I/train.csv"
ING="--skip snapshot,n_rows -t timestamp --device ims2"
# shellcheck disable=SC2086
"$BIN/ingest" -q $ING "$I/train.csv" |
    "$BIN/train" -k mahalanobis --far 0.001 --frames sample -x '*_mean' \
    --val 0 --test 0 --name ims2-bearings --version 1 -o "$I/ims.bundle" > "$I/train.out" 2>&1 ||
	{ cat "$I/train.out" >&2; exit 70; }
thr=$("$BIN/bundle" show "$I/ims.bundle" | awk '$1 == "outputs" { print $NF }')
nfeat=$("$BIN/bundle" show "$I/ims.bundle" | awk '$1 == "features" { print $2 + 0 }')
tend=$(sed -n "$((NTRAIN + 1))p" "$src" | cut -d, -f2 | tr ' ' T)
# the device: every snapshot scored; drift on bearing 1's features from the
# end of training on (the first hours of the run differ from the two days'
# mean: watched from the start, drift would confirm on the training days)
# shellcheck disable=SC2086
"$BIN/ingest" $ING "$src" 2> "$I/ingest.err" |
    "$BIN/infer" --kind sample --keep -m "$I/ims.bundle" 2> "$I/infer.err" |
    tee "$I/predictions.mp" | "$BIN/tap" -q |
    awk -v t="$tend" 'substr($0, 4, 19) > t' | "$BIN/tap" -q -r |
    "$BIN/drift" -m "$I/ims.bundle" -f b1_rms,b1_kurtosis,b1_peak_abs,b1_mean_abs \
        -w 36 -e 6 -T ks,psi,w1 --false-alarms 1 --frame-rate 0.0016667 \
        --events "$I/events.mp" -o /dev/null 2> "$I/drift.err"
"$BIN/tap" -q < "$I/predictions.mp" > "$I/predictions.jsonl"
"$BIN/tap" -q < "$I/events.mp" > "$I/events.jsonl"
# time, score, alarm (1/0), one line per snapshot
sed 's/^\[\["\([^"]*\)".*"score":\([^,}]*\).*"anomaly":\([a-z]*\).*/\1 \2 \3/; s/ true$/ 1/; s/ false$/ 0/' \
    "$I/predictions.jsonl" | cut -c1-10,11-19,30- > "$I/scores.txt"
echo "== IMS set 2: bearing 1 runs to an outer-race failure; 984 snapshots, one every 10 min"
echo "   model: Mahalanobis distance over $nfeat features (mean |x|, RMS, peak, kurtosis of the 4 bearings),"
echo "   trained on the first $NTRAIN snapshots (healthy: 2004-02-12 10:32 to $(echo "$tend" | cut -c6-16 | tr T ' '));"
echo "   threshold $thr, at a false-alarm rate of 0.001; served by infer over the whole run"
echo "   day          snapshots  median score  max score  alarms"
awk -v n=$NTRAIN '{ d = substr($1, 1, 10); print d, $2, $3, (NR <= n) }' "$I/scores.txt" |
    sort -k1,1 -k2,2g | awk -v tend="$(echo "$tend" | cut -c12-16)" '
	$1 != d { out(); d = $1; n = 0; a = 0; tr = 0 }
	{ s[++n] = $2; a += $3; tr += $4 }
	END { out() }
	function out() {
		if (n == 0) return
		m = n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
		printf "   %s  %9d  %12.1f  %9.1f  %6d%s\n", d, n, m, s[n], a,
		    tr == n ? "  (training)" : tr ? "  (training to " tend ")" : ""
	}'
awk -v n=$NTRAIN '
	{ t[NR] = substr($1, 1, 10) " " substr($1, 12, 8); sc[NR] = $2; al[NR] = $3 }
	END {
		for (i = 1; i <= n; i++) ta += al[i]
		for (i = n + 1; i <= NR && !first; i++) if (al[i]) first = i
		for (i = n + 1; i + 2 <= NR && !sus; i++) if (al[i] && al[i + 1] && al[i + 2]) sus = i
		for (i = n + 1; i < sus; i++) before += al[i]
		printf "   training snapshots above the threshold: %d of %d\n", ta, n
		printf "   the score first above the threshold after training: %s (%.1f)\n", t[first], sc[first]
		printf "   first sustained alarm, 3 snapshots in a row: from %s, raised at %s\n", t[sus], t[sus + 2]
		printf "   alarms after training before it: %d\n", before
	}' "$I/scores.txt" > "$I/story.txt"
cat "$I/story.txt"
# the third party's result: the datasets README when it is beside the
# checkout, else as docs/train.md quotes it
ref=$(cat ../shared/datasets/README.md ../../shared/datasets/README.md 2> /dev/null |
    awk -F' *[|] *' '$2 == "Flovik_Autoencoder_mae.csv" && $3 ~ /^2004/ { print $4; exit }')
echo "   beside: an autoencoder on mean |x| (Flovik's method, a third party's reproduction, datasets"
echo "   README), first 3 flags in a row from ${ref:-2004-02-16 03:12:39}"
printf 'threshold %s\ntrain_end %s\nreference %s\n' "$thr" "$tend" "${ref:-2004-02-16 03:12:39}" > "$I/model.txt"
echo "   drift on bearing 1 (rms, kurtosis, peak, mean |x|; KS, PSI, W1 over 36 snapshots = 6 h, every"
echo "   hour; thresholds for 1 false alarm per 30 days), on the snapshots after training:"
grep '"type":"drift"' "$I/events.jsonl" | while read -r l; do
	t=$(echo "$l" | cut -c4-22 | tr T ' ')
	state=$(echo "$l" | sed 's/.*"state":"\([a-z]*\)".*/\1/')
	ev=$(echo "$l" | grep -o '"feature":"[^"]*","test":"[^"]*","stat":[0-9.e+-]*' |
		sed 's/"feature":"\([^"]*\)","test":"\([^"]*\)","stat":\([0-9.e+-]*\)/\1 \2 \3/' |
		awk 'NR <= 3 { printf "%s%s %s %.2f", (NR > 1 ? ", " : ""), $1, $2, $3 } END { if (NR > 3) printf ", %d more", NR - 3 }')
	printf "     %s  %-9s  %s\n" "$t" "$state" "$ev"
done
n=$(grep -c '"type":"retrain"' "$I/events.jsonl" || true)
echo "   drift's retrain events: $n (not acted on: retrained on a failing bearing, a model learns the"
echo "   fault as normal; docs/loop.md)"
echo "   frames (drift sees the $(($(grep -c . "$I/scores.txt") - NTRAIN)) after training):"
for s in ingest infer drift; do
	printf '     %-7s %s\n' "$s" "$(grep -E "^$s: in=" "$I/$s.err" | tail -n 1 | sed 's/^[a-z-]*: //; s/ unwritten=0//; s/ dropped=0//')"
done
echo

echo "== IMS set 2, the raw vibration: 12 of the 984 snapshots, bearing 1 (Rexnord ZA-2115) healthy to failed"
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
BIN=$BIN sh pipelines/scenario-cmapss.sh -w "$D/loop" || exit
python3 pipelines/report.py "$D" "$BIN"
echo
echo "== report: $D/report.html"

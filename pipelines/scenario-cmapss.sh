#!/bin/sh
# scenario-cmapss.sh -- the whole loop on C-MAPSS FD001 (docs/loop.md): a
# fleet of turbofan engines is served a remaining-useful-life model; one
# sensor of every engine is recalibrated; drift notices; trigger runs the
# retrain pipeline; the candidate beats the serving model on engines that
# have since run to failure and is promoted; infer switches to it between
# two frames, without stopping the stream; prediction error falls back.
#
#   scenario-cmapss.sh [-q] [-w WORKDIR]        (BIN: the programs, default bin)
#
# The fleet: engines 41-100 of train_FD001 in 10 positions, flown back to
# back and started at mixed ages (pipelines/cmapss-fleet.sh), one cycle a
# second of fleet time.  The first model: ridge regression on 10-cycle
# means of 14 sensors of engines 1-40, RUL capped at 125, signed, in the
# registry as cmapss-rul@1.  At fleet time 400, sensor 11 (HPC static
# pressure) of every engine reads 3 standard deviations higher
# (pipelines/cmapss-recalibrate.sh).
#
# The device pipeline, for the whole fleet on this one machine:
#
#   feeder | ingest | window | tee | infer -m REGISTRY/cmapss-rul/production > predictions
#                                |-> sample-upload -u dir:UPLINK        (every features frame)
#                                `-> pool | drift --events | trigger -> retrain.sh
#   gateway: collect -i dir:UPLINK -d DATASET
#
# drift watches the fleet as one population (pool: the engine ids replaced
# by "fleet"): one engine's window is one stage of its life and differs from
# a reference made of whole lives even with no change at all (measured on
# this data: per engine, W1 above 1 reference std near the end of life on 46
# of 60 engines), while the fleet, with engines of every age, matches the
# reference until an instrument moves.  The test is Wasserstein-1 over 500
# frames, every 100, above 1 reference std for 3 evaluations in a row.
#
# The feeder holds the fleet still at fleet time 600 until the retrain has
# decided (at most 300 s): retraining needs labels, and labels come from
# engines that have run to failure since the change; the demo waits for
# them rather than for the clock, so that it tells the same story on every
# run.  The retrain command trigger runs (WORKDIR/retrain-when-ready.sh)
# waits for the fleet to be held and the gateway to have stored every frame
# sent, writes the maintenance log of the engines that failed so far, and
# runs pipelines/retrain.sh.
#
# At the end: the story on stdout; in WORKDIR features.mp (window's
# output, what infer and drift read), predictions.mp, events.mp,
# trigger.mp, the registry, the data set, each stage's stderr and metrics.
# Exit 0 if every stage ended well, else the status of the first that did
# not (named).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BIN=${BIN:-$root/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
W= quiet=0
while getopts qw: opt; do
	case $opt in
	q) quiet=1 ;;
	w) W=$OPTARG ;;
	*) echo "usage: scenario-cmapss.sh [-q] [-w workdir]" >&2; exit 64 ;;
	esac
done
for p in ingest window infer drift trigger sample-upload collect train registry tap bundle; do
	[ -x "$BIN/$p" ] || { echo "scenario: $BIN/$p is not built" >&2; exit 69; }
done
[ -n "$W" ] || W=$(mktemp -d)
mkdir -p "$W" && W=$(cd "$W" && pwd) || exit 73
# a fresh start: what an earlier run left in the work directory goes
rm -rf "$W/registry" "$W/retrain" "$W/dataset" "$W/spool" "$W/uplink" "$W/metrics"
T0=400 T1=600 HOLD=300
MODEL=cmapss-rul
REG=$W/registry
say() { [ $quiet = 1 ] || echo "$@"; }

# ---- data ------------------------------------------------------------------------------------
gzip -dc "$root/testdata/cmapss/train_FD001.txt.gz" > "$W/fd1.txt" || exit 66
sh "$here/cmapss-fleet.sh" -l "$W/fleet.log" "$W/fd1.txt" > "$W/fleet-clean.txt" || exit 70
sh "$here/cmapss-recalibrate.sh" -s 11 -k 3std -c $T0 "$W/fleet-clean.txt" \
    > "$W/fleet.txt" 2> "$W/recalibrate.err" || exit 70
awk '$1 <= 40' "$W/fd1.txt" > "$W/base.txt"
cols=unit,cycle,setting1,setting2,setting3
i=1
while [ $i -le 21 ]; do cols="$cols,s$i"; i=$((i + 1)); done
SKIP=setting1,setting2,setting3,s1,s5,s6,s10,s16,s18,s19	# constant in FD001
INGEST="--columns $cols --device-column unit -t cycle --time-format epoch --skip $SKIP"
WINDOW="-t hopping -s 10 -H 1 -f mean"
LABEL="--rul seconds --rul-cap 125"

# ---- the first model: engines 1-40 ------------------------------------------------------------
# shellcheck disable=SC2086
"$BIN/ingest" -q $INGEST "$W/base.txt" | "$BIN/window" -q $WINDOW > "$W/base.mp" || exit 70
"$BIN/bundle" keygen -f "$W/release" > /dev/null || exit 70	# release.pub, release.sec
# shellcheck disable=SC2086
"$BIN/train" -q -k ridge $LABEL --split group --name $MODEL --version 1 \
    --sign "$W/release.sec" -o "$W/$MODEL-1.bundle" -i "$W/base.mp" > "$W/train-1.out" 2>&1 ||
	{ cat "$W/train-1.out" >&2; exit 70; }
R="$BIN/registry -d $REG"
$R init -k "$W/release.pub" > /dev/null && $R add "$W/$MODEL-1.bundle" > /dev/null &&
	$R promote $MODEL@1 -y "first model: engines 1-40" > /dev/null || exit 74

cat > "$W/retrain.conf" <<EOF
MODEL=$MODEL
KIND=ridge
DATASET=$W/dataset
FAILURES=$W/failures
BASE_DATA=$W/base.mp
REGISTRY=$REG
STATE=$W/retrain
LABEL="$LABEL"
TRAIN_OPTS="--split group"
SIGN_KEY=$W/release.sec
PUBKEY=$W/release.pub
BIN=$BIN
EOF
cat > "$W/retrain-when-ready.sh" <<EOF
#!/bin/sh
# what trigger runs in the demo: wait until the fleet is held at $T1 and the
# gateway holds every frame sent, then retrain on the engines failed by then
n=0
while [ ! -e "$W/held" ] && [ \$n -lt 3000 ]; do sleep 0.1; n=\$((n + 1)); done
prev=-1 n=0
while [ \$n -lt 600 ]; do
	cur=\$(find "$W/dataset" -name '*.mp' 2>/dev/null | wc -l)
	left=\$(find "$W/spool" -type f ! -path '*/bad/*' 2>/dev/null | wc -l)
	[ "\$cur" = "\$prev" ] && [ "\$left" -eq 0 ] && break
	prev=\$cur; sleep 0.5; n=\$((n + 1))
done
awk -v t=$T1 '\$4 < t { print \$1, 0 }' "$W/fleet.log" > "$W/failures"
sh "$here/retrain.sh" -c "$W/retrain.conf"
st=\$?
# infer looks at the link every 50 ms and loads a new bundle off the hot
# path, then swaps before the next frame: give it that time before the
# fleet flies on, so that the switch falls on the first frame after the hold
sleep 1
touch "$W/decided"
exit \$st
EOF

# ---- the gateway and the device pipeline --------------------------------------------------------
# Every program runs through st NAME CMD...: its pid in NAME.pid, its stderr
# in NAME.err, its exit status in NAME.rc.  A watchdog ends them all (by
# their pids) as soon as one fails, so that a dead stage takes the whole
# scenario down with its name instead of leaving the rest waiting.
st() {
	_n=$1; shift
	sh -c 'echo $$ > "$0"; exec "$@"' "$W/$_n.pid" "$@" 2> "$W/$_n.err"
	echo $? > "$W/$_n.rc"
}
stages="collect trigger sample-upload pool drift ingest window infer"
killall_ours() {
	for _n in $stages; do
		[ -s "$W/$_n.pid" ] && [ ! -e "$W/$_n.rc" ] && kill "$(cat "$W/$_n.pid")" 2> /dev/null
	done
	# a reader or writer blocked opening a FIFO whose other end is gone
	for _f in "$W"/*.fifo; do exec 9<> "$_f"; exec 9>&-; done
}
trap 'killall_ours' EXIT
trap 'exit 130' INT TERM
rm -f "$W"/*.fifo "$W"/*.rc "$W"/*.pid "$W/held" "$W/decided"
mkdir -p "$W/uplink" "$W/metrics"
mkfifo "$W/up.fifo" "$W/drift.fifo" "$W/events.fifo"

st collect "$BIN/collect" -i "dir:$W/uplink" -d "$W/dataset" --metrics "$W/metrics/collect.prom" &
# trigger reads drift's events (a copy kept in events.mp) and runs the retrain
tee "$W/events.mp" < "$W/events.fifo" |
	st trigger "$BIN/trigger" -t 600 -o "$W/trigger.mp" sh "$W/retrain-when-ready.sh" &
st sample-upload "$BIN/sample-upload" --every 1 --batch-age 0.2 -s "$W/spool" -u "dir:$W/uplink" \
    --metrics "$W/metrics/sample-upload.prom" -i "$W/up.fifo" -o /dev/null &
"$BIN/tap" -q -u < "$W/drift.fifo" | sed 's/"dev":"[^"]*"/"dev":"fleet"/' | st pool "$BIN/tap" -r |
	st drift "$BIN/drift" -m "$REG/$MODEL/production" --pubkey "$W/release.pub" \
	    -T w1 --w1 1 -w 500 -e 100 -M 3 --metrics "$W/metrics/drift.prom" \
	    --events "$W/events.fifo" -o /dev/null &
(	# the watchdog
	while :; do
		for _n in $stages; do
			if [ -s "$W/$_n.rc" ] && [ "$(cat "$W/$_n.rc")" -ne 0 ]; then
				echo "scenario: $_n failed (status $(cat "$W/$_n.rc")): stopping" >&2
				killall_ours
				exit 0
			fi
		done
		[ -e "$W/infer.rc" ] && [ -e "$W/drift.rc" ] && [ -e "$W/sample-upload.rc" ] && exit 0
		sleep 0.2
	done
) &
say "== C-MAPSS FD001: 60 engines (41-100) in 10 positions; model $MODEL@1 from engines 1-40"
say "   at fleet time $T0 sensor 11 of every engine is recalibrated: $(sed 's/^cmapss-recalibrate.sh: //; s/from cycle/from fleet time/' "$W/recalibrate.err")"
# the feeder: rows in fleet-time order, held at T1 until the retrain decided
awk -v t1=$T1 -v held="$W/held" -v decided="$W/decided" -v wait=$HOLD '
	!h && $2 >= t1 {
		fflush(); h = 1
		printf "" > held; close(held)
		for (i = 0; i < wait * 10; i++) {
			if ((getline x < decided) >= 0) break
			system("sleep 0.1")
		}
	}
	{ print }' "$W/fleet.txt" |
    st ingest "$BIN/ingest" $INGEST |
    st window "$BIN/window" $WINDOW |
    tee "$W/up.fifo" "$W/drift.fifo" "$W/features.mp" |
    st infer "$BIN/infer" -m "$REG/$MODEL/production" -k "$W/release.pub" \
        --metrics "$W/metrics/infer.prom" > "$W/predictions.mp"
# the device side is done; the gateway finishes what it holds
n=0
while { [ ! -e "$W/trigger.rc" ] || [ ! -e "$W/sample-upload.rc" ]; } && [ $n -lt 3000 ]; do
	sleep 0.1; n=$((n + 1))
done
[ -s "$W/collect.pid" ] && kill "$(cat "$W/collect.pid")" 2> /dev/null
wait
status=0
for s in ingest window infer sample-upload pool drift trigger collect; do
	rc=$(cat "$W/$s.rc" 2> /dev/null || echo 70)
	if [ "$rc" -ne 0 ] && [ $status -eq 0 ]; then
		echo "scenario: $s exited with status $rc; it said:" >&2
		{ grep -m 4 -E 'ERROR: |runtime error|^    #[0-3] ' "$W/$s.err" ||
			tail -n 5 "$W/$s.err"; } | sed 's/^/    /' >&2
		status=$rc
	fi
done

# ---- the story -------------------------------------------------------------------------------------
[ $quiet = 1 ] && exit $status
"$BIN/tap" -q < "$W/events.mp" > "$W/events.jsonl"
"$BIN/tap" -q < "$W/predictions.mp" | grep '"kind":"prediction"' > "$W/predictions.jsonl"
secs() { sed 's/.*T\([0-9][0-9]\):\([0-9][0-9]\):\([0-9][0-9]\).*/\1 \2 \3/' | awk '{ print $1 * 3600 + $2 * 60 + $3 }'; }
echo "== drift (the fleet pooled; W1 over 500 frames, threshold 1 reference std)"
grep '"type":"drift"' "$W/events.jsonl" | while read -r l; do
	t=$(echo "$l" | cut -c3-32 | secs)
	state=$(echo "$l" | sed 's/.*"state":"\([a-z]*\)".*/\1/')
	feats=$(echo "$l" | grep -o '"feature":"[^"]*","test":"[^"]*","stat":[0-9.e+-]*' |
		sed 's/"feature":"\([^"]*\)","test":"\([^"]*\)","stat":\([0-9.e+-]*\)/\1 \2 \3/' |
		awk '{ printf "%s%s %s %.2f", (NR > 1 ? "; " : ""), $1, $2, $3 }')
	echo "   fleet time $t: $state ($feats)"
done
tc=$(grep '"type":"drift","state":"confirmed"' "$W/events.jsonl" | head -n 1 | cut -c3-32 | secs)
[ -n "$tc" ] && echo "   => drift confirmed at fleet time $tc, $((tc - T0)) s after the recalibration at $T0"
echo "== retrain (trigger's runs: $("$BIN/tap" -q < "$W/trigger.mp" 2> /dev/null | grep -c '"type":"trigger"'))"
for r in "$W"/retrain/runs/*; do
	[ -d "$r" ] || continue
	echo "   run $(basename "$r"): $(wc -l < "$r/devices.train") engines trained on, $(wc -l < "$r/devices.holdout") held out"
	cand=$(cd "$r" && ls -- *.bundle 2> /dev/null | head -n 1)
	echo "   => trigger ran the retrain on drift's retrain event; candidate ${cand%.bundle}: the first model's data plus $(wc -l < "$r/devices.train") engines failed by fleet time $T1"
	echo "   gate: $(cat "$r/gate" 2> /dev/null)"
	tr ' ' '\n' < "$r/gate" 2> /dev/null | awk -F= '{ v[$1] = $2 }
	    END { if (v["verdict"] != "") printf "   => the gate said %s: RMSE of the candidate %.2f against %.2f for the serving model, on %d held-out frames of %d engines\n",
		v["verdict"], v["candidate"], v["serving"], v["n"], v["holdout_devices"] }'
done
echo "== registry history"
$R history $MODEL | cut -f1-7 | sed 's/^/   /'
echo "== infer: the model of each prediction, in stream order"
sed 's/.*"model":"\([^"]*\)".*/\1/' "$W/predictions.jsonl" | uniq -c |
	awk '{ printf "   %6d predictions by %s\n", $1, $2 }'
sed 's/.*"end":{"\$time":"\([^"]*\)".*"model":"\([^"]*\)".*/\2 \1/' "$W/predictions.jsonl" |
    awk '$1 != m { if (m != "") { print m, $1, $2; exit } m = $1 }' | while read -r from to t; do
	echo "   => infer switched from $from to $to on the first window ending at fleet time $(echo "$t" | secs) (the fleet held there until the retrain decided), between two frames"
done
echo "== RMSE of the predicted RUL (true RUL capped at 125, as trained)"
awk -v t0=$T0 -v logf="$W/fleet.log" '
	BEGIN { while ((getline l < logf) > 0) { split(l, a, " "); last[a[1]] = a[4] } }
	{
		dev = $0; sub(/.*"dev":"/, "", dev); sub(/".*/, "", dev)
		m = $0; sub(/.*"model":"/, "", m); sub(/".*/, "", m)
		s = $0; sub(/.*"start":\{"\$time":"/, "", s); sub(/".*/, "", s)
		split(substr(s, 12, 8), hms, ":"); t = hms[1] * 3600 + hms[2] * 60 + hms[3]
		sc = $0; sub(/.*"score":/, "", sc); sub(/[,}].*/, "", sc)
		y = last[dev] - (t + 9); if (y > 125) y = 125
		if (first == "") first = m
		k = t < t0 ? "before the change, " m : m == first ? "after the change, " m : "after the switch, " m
		if (!(k in n)) order[++no] = k
		n[k]++; e[k] += (sc - y) ^ 2
	}
	END { for (i = 1; i <= no; i++) printf "   %-40s %7.2f  (%d predictions)\n", order[i], sqrt(e[order[i]] / n[order[i]]), n[order[i]] }' \
	"$W/predictions.jsonl"
echo "== frames"
for s in ingest window infer sample-upload drift collect; do
	printf '   %-14s %s\n' "$s" "$(grep -E '^[a-z-]+: (.* )?(in|batches)=[0-9]+' "$W/$s.err" | tail -n 1 | sed 's/^[a-z-]*: //')"
done
awk '
	FILENAME ~ /ingest.err$/ && /^ingest: in=/ { split($0, a, /[ =]/); for (i = 2; i < length(a); i += 2) g[a[i]] = a[i + 1] }
	FILENAME ~ /window.err$/ && /^window: in=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); w[kv[1]] = kv[2] } }
	FILENAME ~ /infer.err$/ && /^infer: in=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
	FILENAME ~ /sample-upload.err$/ && /^sample-upload: in=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); u[kv[1]] = kv[2] } }
	FILENAME ~ /collect.err$/ && /^collect: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); c[kv[1]] = kv[2] } }
	END {
		printf "   => %d rows -> %d windows (the first 9 cycles of each of %d engines make none) -> %d predictions and %d swap event;\n",
		    g["out"], w["out"], w["devices"], f["in"] - f["rejected"], f["events"]
		printf "      %d windows uploaded, %d stored by the gateway\n", u["acked"], c["out"]
	}' "$W/ingest.err" "$W/window.err" "$W/infer.err" "$W/sample-upload.err" "$W/collect.err"
exit $status

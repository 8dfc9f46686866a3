#!/bin/sh
# drift.sh -- what drift's detectors cost and how often they are wrong.
#
# 1. The error-rate table (docs/drift.md): seeded i.i.d. N(0, 1) streams
#    from bench/driftgen.c, one feature x0 (the window tests) and a score
#    (Page-Hinkley, CUSUM, ADWIN), W = 1000, H = 100, M = 3, against a
#    reference fitted on 20,000 frames of another seed.  For each detector
#    alone (-T), with the baseline thresholds (River's defaults for ph,
#    cusum, adwin; the fixed ones for ks p < 0.05, psi 0.25, w1 0.25) and
#    with thresholds calibrated for $ASK false alarms per million frames
#    (--false-alarms at 1 frame/s):
#    - changes at frame $AT of $DEV devices of $LEN frames each: mean
#      shifts of 0.25, 0.5, 1 and 2 std, the variance doubled, a gradual
#      shift to 1 std over 2,000 frames; detection delay (median, p90, in
#      frames after the change, to the evaluation that confirmed), missed
#      changes (no confirmation by the end);
#    - no change: $QDEV devices x $QLEN frames, against $QREFS references
#      fitted on different seeds; confirmed events per million frames, and for the calibrated thresholds the ratio to the
#      rate asked (target: within a factor of 2).
# 2. Throughput: frames/s with 12 features, W = 1000, H = 100 and every
#    test that needs no labels on (ks, psi, w1, ph, cusum, adwin), 10
#    devices (target: >= 1 M frames/s).
# 3. Peak RSS with 1,000 and 10,000 devices at those settings, and the
#    bytes per device from their difference (target: <= 64 KiB).
# The table goes to $OUT/drift_table.md; figures as usual.  PART=throughput
# runs 2. and 3. only, PART=rates 1. only; DETS="ph cusum adwin" runs the
# error rates of those detectors only.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=drift
need "$BIN/drift" "$BBIN/driftgen" "$BBIN/rss" || exit 0
: "${DEV:=40}" "${LEN:=12000}" "${AT:=4000}" "${QDEV:=100}" "${QLEN:=20000}"
: "${ASK:=100}" "${TFRAMES:=50000}" "${QREFS:=4}"
: "${DETS:=ks psi w1 ph cusum adwin}"
G="$BBIN/driftgen"
D="$OUT/drift"
mkdir -p "$D"
# --false-alarms is per device per 30 days: at 1 frame/s, ASK per million
RATE=$(calc "$ASK * 2.592")

if [ "${PART:-all}" != throughput ]; then
# references: the calibrated rate is an average over the draw of the
# reference sample, so the no-change streams are run against $QREFS of them
q=1
while [ $q -le "$QREFS" ]; do
	"$G" -n 20000 -f 1 -S $((98 + q)) > "$D/ref.mp"
	"$BIN/drift" -q --fit-reference "$D/ref$q.prof" < "$D/ref.mp" > /dev/null ||
	    { fail "drift --fit-reference"; finish; }
	"$G" -n "$QLEN" -d $((QDEV / QREFS)) -f 1 -S $((7 + q)) > "$D/quiet$q.mp"
	q=$((q + 1))
done
cp "$D/ref1.prof" "$D/ref.prof"

scen="mean:0.25 mean:0.5 mean:1 mean:2 var:1 gradual:1"
i=0
for sc in $scen; do
	i=$((i + 1))
	"$G" -n "$LEN" -d "$DEV" -f 1 -c "${sc%%:*}" -s "${sc#*:}" -a "$AT" \
	    -S $((100 + i)) > "$D/s$i.mp"
done
qframes=$((QDEV / QREFS * QREFS * QLEN))

T="$OUT/drift_table.md"
{
	echo "| detector | thresholds | $(for sc in $scen; do printf '%s | ' "$sc"; done)false alarms / M frames |"
	echo "|---|---|$(for sc in $scen; do printf -- '---|'; done)---|"
} > "$T"
for t in $DETS; do
	for cfg in baseline calibrated; do
		if [ $cfg = calibrated ]; then
			opt="--false-alarms $RATE --frame-rate 1"
		else
			opt="--alpha 0.05"
		fi
		row="| $t | $cfg |"
		i=0
		for sc in $scen; do
			i=$((i + 1))
			# shellcheck disable=SC2086
			if ! "$BIN/drift" -q -r "$D/ref.prof" -T $t $opt \
			    --events "$D/ev.mp" < "$D/s$i.mp" > /dev/null 2> "$D/err"; then
				fail "drift -T $t $opt ($sc)" "$D/err"
				continue
			fi
			set -- $("$PY" bench/drift_table.py delay "$D/ev.mp" "$AT" "$DEV" "$LEN")
			row="$row $1 / $2 ($3 missed, $4 busy) |"
			fig "drift $t $cfg $sc: delay median $1 p90 $2 frames, missed $3 of $DEV, still confirmed by a false alarm at the change $4"
		done
		n=0 q=1
		while [ $q -le "$QREFS" ]; do
			# shellcheck disable=SC2086
			"$BIN/drift" -r "$D/ref$q.prof" -T $t $opt --events "$D/ev.mp" \
			    < "$D/quiet$q.mp" > /dev/null 2> "$D/err$q" ||
			    fail "drift -T $t (no change)" "$D/err$q"
			n=$((n + $("$PY" bench/drift_table.py alarms "$D/ev.mp")))
			q=$((q + 1))
		done
		cp "$D/err1" "$D/err"
		perm=$(calc "$n / $qframes * 1e6")
		if [ $cfg = calibrated ]; then
			ratio=$(calc "$perm / $ASK")
			fig "drift $t calibrated: $n false alarms in $qframes frames = $perm per M frames, asked $ASK: ratio $ratio (within 2x: $(verdict "$ratio >= 0.5 && $ratio" '<=' 2))"
			grep "threshold" "$D/err" | head -n 1 | sed 's/^/    /'
			row="$row $perm (asked $ASK) |"
		else
			fig "drift $t baseline: $n false alarms in $qframes frames = $perm per M frames"
			row="$row $perm |"
		fi
		echo "$row" >> "$T"
	done
done
fig "drift table: $T ($DEV devices x $LEN frames a scenario, change at $AT; no change: $qframes frames)"

# a smaller rate: ASK2 per million frames with --calib-frames CAL2, fewer
# than 5 events expected in the window tests' simulation (extrapolated);
# the sequential detectors simulate the 2 M frames that 20 events take
# whatever --calib-frames says.  Measured on 2 x QDEV x QLEN frames
: "${ASK2:=10}" "${CAL2:=200000}"
RATE2=$(calc "$ASK2 * 2.592")
q=1
while [ $q -le "$QREFS" ]; do
	"$G" -n $((2 * QLEN)) -d $((QDEV / QREFS)) -f 1 -S $((70 + q)) > "$D/quiet$q.mp"
	q=$((q + 1))
done
for t in $DETS; do
	n=0 q=1
	while [ $q -le "$QREFS" ]; do
		"$BIN/drift" -q -r "$D/ref$q.prof" -T $t --false-alarms "$RATE2" \
		    --calib-frames "$CAL2" --events "$D/ev.mp" < "$D/quiet$q.mp" \
		    > /dev/null 2> "$D/err$q" || fail "drift -T $t (extrapolated)" "$D/err$q"
		n=$((n + $("$PY" bench/drift_table.py alarms "$D/ev.mp")))
		q=$((q + 1))
	done
	perm=$(calc "$n / ($qframes * 2) * 1e6")
	ratio=$(calc "$perm / $ASK2")
	fig "drift $t calibrated for $ASK2 per M frames (--calib-frames $CAL2): $n false alarms in $((qframes * 2)) frames = $perm per M frames: ratio $ratio (within 2x: $(verdict "$ratio >= 0.5 && $ratio" '<=' 2))"
done

# the sequential detectors' extrapolated regime: ASK3 per million frames
# takes 20 M simulated frames for 20 events, more than the 4 M simulated,
# so the rate is extrapolated from there; measured on QREFS x Q3DEV x
# Q3LEN frames (ASK3 x that / 1e6 expected), the stream piped from driftgen
: "${ASK3:=1}" "${Q3DEV:=25}" "${Q3LEN:=400000}"
RATE3=$(calc "$ASK3 * 2.592")
q3frames=$((QREFS * Q3DEV * Q3LEN))
for t in $DETS; do
	case $t in ph|cusum|adwin) ;; *) continue ;; esac
	n=0 q=1
	while [ $q -le "$QREFS" ]; do
		"$G" -n "$Q3LEN" -d "$Q3DEV" -f 1 -S $((170 + q)) |
		    "$BIN/drift" -q -r "$D/ref$q.prof" -T $t --false-alarms "$RATE3" \
		    --events "$D/ev.mp" > /dev/null 2> "$D/err$q" || fail "drift -T $t (extrapolated)" "$D/err$q"
		n=$((n + $("$PY" bench/drift_table.py alarms "$D/ev.mp")))
		q=$((q + 1))
	done
	perm=$(calc "$n / $q3frames * 1e6")
	ratio=$(calc "$perm / $ASK3")
	fig "drift $t calibrated by extrapolation (asked $ASK3 per M frames, 4 M frames simulated): $n false alarms in $q3frames frames = $perm per M frames: ratio $ratio (within 2x: $(verdict "$ratio >= 0.5 && $ratio" '<=' 2))"
done
fi
[ "${PART:-all}" = rates ] && finish

# throughput, 12 features, all tests but js
"$G" -n "$TFRAMES" -d 10 -f 12 -S 3 > "$D/t12.mp"
"$G" -n 20000 -f 12 -S 4 > "$D/ref12.mp"
"$BIN/drift" -q --fit-reference "$D/ref12.prof" < "$D/ref12.mp" > /dev/null
w="" c=""
j=0
while [ $j -lt "$RUNS" ]; do
	j=$((j + 1))
	timed "$D/t.err" "$BIN/drift" -r "$D/ref12.prof" -T ks,psi,w1,ph,cusum,adwin < "$D/t12.mp" > /dev/null ||
	    { fail "drift throughput" "$D/t.err"; break; }
	w="$w $WALL" c="$c $CPU"
done
N=$(counter "$D/t.err" drift in)
# shellcheck disable=SC2086
MED=$(median $w) CMED=$(median $c)
R=$(calc "$N / $MED")
CR=$(calc "$N / $CMED")
fig "drift frames/s by CPU time: $(fmt '%.0f' "$CR") (target >= 1000000: $(verdict "$CR" '>=' 1000000))"
fig "drift frames/s, 12 features, W 1000, H 100, ks psi w1 ph cusum adwin, 10 devices: $(fmt '%.0f' "$R") (median of $RUNS, $N frames, $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU; target >= 1000000: $(verdict "$R" '>=' 1000000))"
timed "$D/tap.err" "$BIN/tap" --count < "$D/t12.mp" > /dev/null 2>&1 && \
    fig "    tap --count on the same frames (decode and pass-through): $(fmt '%.0f' "$(calc "$N / $CPU")") frames/s by CPU time ($(fmt '%.3f' "$CPU") s CPU, $(fmt '%.3f' "$WALL") s wall)"

# RSS with 1,000 and 10,000 devices (2 frames each: state is allocated
# whole when a device is first seen)
for nd in 1000 10000; do
	"$G" -n 2 -d $nd -f 12 -S 5 > "$D/dev$nd.mp"
	timed "$D/r.err" "$BIN/drift" -r "$D/ref12.prof" -T ks,psi,w1,ph,cusum,adwin < "$D/dev$nd.mp" > /dev/null ||
	    fail "drift $nd devices" "$D/r.err"
	eval "rss$nd=$MAXRSS"
done
# shellcheck disable=SC2154
per=$(calc "($rss10000 - $rss1000) * 1024 / 9000")
fig "drift peak RSS: 1,000 devices $(fmt '%.1f' "$rss1000 / 1024") MiB, 10,000 devices $(fmt '%.1f' "$rss10000 / 1024") MiB: $(fmt '%.0f' "$per") bytes a device (target <= 65536: $(verdict "$per" '<=' 65536))"
rm -f "$D"/*.mp
finish

#!/bin/sh
# gate.sh -- the promotion gate: compare a candidate model with the serving
# one on the same held-out labelled rows, by one metric per kind of model,
# and say promote or refuse with the numbers.
#
#   gate.sh [-m MARGIN] [-n NORMAL] KIND CANDIDATE.csv [SERVING.csv]
#
# The CSVs are what `train --eval BUNDLE --scores FILE` writes for the same
# frames: dev,time,set,label, then the model's outputs (p.CLASS per class
# for a classifier; the score for a regressor; t2,q or the score, then
# alarm, for an anomaly detector).  KIND is the bundle's model kind.
#
#   regressors (ridge, mlp_regressor): RMSE of the score against the label;
#     promote if candidate <= serving - MARGIN.
#   classifiers (logistic, softmax, mlp_classifier): macro F1 of the
#     arg-max class (the classes of the labels and the predictions, as
#     scikit-learn's f1_score(average="macro") counts them); promote if
#     candidate >= serving + MARGIN.
#   anomaly detectors (pca, mahalanobis): the false-alarm rate at equal
#     detection.  Rows whose label is NORMAL (default "normal"; -n) are
#     normal, every other row is anomalous.  The detection rate D is the
#     serving model's at its own threshold (the alarm column); each model's
#     threshold is then set so that it detects the same share of the
#     anomalous rows (its ceil(D * anomalous)-th highest score), and its
#     false-alarm rate is the share of normal rows at or above it.
#     Promote if candidate <= serving - MARGIN.  Without anomalous rows:
#     each model's false alarms at its own threshold.
#
# MARGIN (default 0: no worse) is in the metric's units.  Without a serving
# CSV (nothing serves yet) the candidate is promoted if it can be scored.
# Prints one line of key=value pairs (what the registry history keeps) and
# exits 0 to promote, 1 to refuse, 64 on misuse, 65 if a CSV cannot be read.
set -u

margin=0
normal=normal
usage() {
	echo "usage: gate.sh [-m margin] [-n normal-label] kind candidate.csv [serving.csv]" >&2
	exit 64
}
while getopts m:n: opt; do
	case $opt in
	m) margin=$OPTARG ;;
	n) normal=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
kind=$1 cand=$2 serv=${3:-}
case $margin in
''|*[!0-9.]*|*.*.*) echo "gate.sh: -m: '$margin' is not a number >= 0" >&2; exit 64 ;;
esac
case $kind in
ridge|mlp_regressor) metric=rmse better=lower ;;
logistic|softmax|mlp_classifier) metric=f1_macro better=higher ;;
pca|mahalanobis) metric=false_alarm_rate better=lower ;;
*) echo "gate.sh: unknown model kind '$kind'" >&2; exit 64 ;;
esac
for f in "$cand" ${serv:+"$serv"}; do
	[ -r "$f" ] || { echo "gate.sh: $f: cannot read" >&2; exit 65; }
done

# rmse FILE, f1 FILE: the metric and the row count, "VALUE N"
rmse() {
	awk -F, 'NR == 1 { next }
	{ d = $5 - $4; s += d * d; n++ }
	END { if (n == 0) exit 65; printf "%.6f %d\n", sqrt(s / n), n }' "$1"
}
f1() {
	awk -F, 'NR == 1 { for (i = 5; i <= NF; i++) { c = $i; sub(/^p\./, "", c); cls[i] = c }; k = NF; next }
	{
		best = 5
		for (i = 6; i <= k; i++) if ($i > $best) best = i
		p = cls[best]; t = $4; n++
		seen[p] = 1; seen[t] = 1
		if (p == t) tp[t]++; else { fp[p]++; fn[t]++ }
	}
	END {
		if (n == 0) exit 65
		for (c in seen) {
			d = 2 * tp[c] + fp[c] + fn[c]
			s += d > 0 ? 2 * tp[c] / d : 0; m++
		}
		printf "%.6f %d\n", s / m, n
	}' "$1"
}
# detection FILE: "DETECTED ANOMALOUS" rows of the model ("" if no anomalous row)
detection() {
	awk -F, -v normal="$normal" 'NR == 1 { next }
	$4 != normal { a++; if ($NF + 0 == 1) d++ }
	END { if (a > 0) printf "%d %d\n", d, a }' "$1"
}
# far FILE "DETECTED ANOMALOUS": the false-alarm rate at that detection rate
# (each model at its own threshold if empty)
far() {
	if [ -z "$2" ]; then
		awk -F, -v normal="$normal" 'NR == 1 { next }
		$4 == normal { n++; if ($NF + 0 == 1) f++ }
		END { if (n == 0) exit 65; printf "%.6f %d\n", f / n, n }' "$1"
		return
	fi
	na=$(awk -F, -v normal="$normal" 'NR > 1 && $4 != normal { a++ } END { print a + 0 }' "$1")
	# k = ceil(DETECTED * na / ANOMALOUS) in integers, at least 1
	k=$(echo "$2" | awk -v na="$na" '{ p = $1 * na; k = int(p / $2); if (k * $2 < p) k++; if (k < 1) k = 1; print k }')
	thr=$(awk -F, -v normal="$normal" 'NR > 1 && $4 != normal { print $5 }' "$1" |
		sort -g -r | sed -n "${k}p")
	awk -F, -v normal="$normal" -v thr="$thr" 'NR == 1 { next }
	$4 == normal { n++; if ($5 + 0 >= thr + 0) f++ }
	END { if (n == 0) exit 65; printf "%.6f %d\n", f / n, n }' "$1"
}

ratio() { awk -v d="$1" -v a="$2" 'BEGIN { printf "%.6f\n", d / a }'; }

score() {	# score FILE [D]: "VALUE N" of the gate's metric
	case $metric in
	rmse) rmse "$1" ;;
	f1_macro) f1 "$1" ;;
	false_alarm_rate) far "$1" "${2:-}" ;;
	esac
}

det=
if [ "$metric" = false_alarm_rate ]; then
	det=$(detection "${serv:-$cand}")
fi
c=$(score "$cand" "$det") || { echo "gate.sh: $cand: no rows to score" >&2; exit 65; }
set -- $c
cv=$1 n=$2
if [ -z "$serv" ]; then
	echo "verdict=promote metric=$metric candidate=$cv serving=none margin=$margin n=$n${det:+ detection=$(ratio $det)} rule=no_serving_model"
	exit 0
fi
s=$(score "$serv" "$det") || { echo "gate.sh: $serv: no rows to score" >&2; exit 65; }
set -- $s
sv=$1
[ "$2" -eq "$n" ] || { echo "gate.sh: $cand has $n rows but $serv has $2: not the same held-out data" >&2; exit 65; }
if [ $better = lower ]; then
	rule="candidate<=serving-margin"
	ok=$(awk -v c="$cv" -v s="$sv" -v m="$margin" 'BEGIN { print (c <= s - m) ? 1 : 0 }')
else
	rule="candidate>=serving+margin"
	ok=$(awk -v c="$cv" -v s="$sv" -v m="$margin" 'BEGIN { print (c >= s + m) ? 1 : 0 }')
fi
verdict=refuse
[ "$ok" = 1 ] && verdict=promote
echo "verdict=$verdict metric=$metric candidate=$cv serving=$sv margin=$margin n=$n${det:+ detection=$(ratio $det)} rule=$rule"
[ $verdict = promote ]

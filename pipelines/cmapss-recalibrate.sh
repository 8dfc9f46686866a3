#!/bin/sh
# cmapss-recalibrate.sh -- simulate a recalibrated sensor in C-MAPSS data:
# from cycle CYCLE on, sensor S of every engine (or of the listed units)
# reads OFFSET more than it did.  This is the change the loop must notice
# and recover from (docs/loop.md): the engines are the same, the physics is
# the same, only the instrument moved, so a model trained before the change
# misreads every engine after it.
#
#   cmapss-recalibrate.sh -s SENSOR -k OFFSET [-c CYCLE] [-u U1,U2,...] FILE
#
# FILE is C-MAPSS text (train_FD00x.txt: unit, cycle, three settings, s1 to
# s21, blank-separated).  OFFSET is a number in the sensor's units, or Nstd:
# N times the sensor's standard deviation (population) over the rows before
# the change.  CYCLE defaults to 1 (the whole run).  Lines are written as
# they came, but for the one column, printed with %.4f.  Only POSIX awk.
set -u
usage() {
	echo "usage: cmapss-recalibrate.sh -s sensor -k offset [-c cycle] [-u units] file" >&2
	exit 64
}
sensor= offset= cycle=1 units=
while getopts c:k:s:u: opt; do
	case $opt in
	c) cycle=$OPTARG ;;
	k) offset=$OPTARG ;;
	s) sensor=$OPTARG ;;
	u) units=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] && [ -n "$sensor" ] && [ -n "$offset" ] || usage
case $sensor in ''|*[!0-9]*) usage ;; esac
[ "$sensor" -ge 1 ] && [ "$sensor" -le 21 ] || { echo "cmapss-recalibrate.sh: -s: sensors are 1 to 21" >&2; exit 64; }
case $cycle in ''|*[!0-9]*) usage ;; esac
[ -r "$1" ] || { echo "cmapss-recalibrate.sh: $1: cannot read" >&2; exit 66; }
col=$((5 + sensor))

case $offset in
*std)
	n=${offset%std}
	k=$(awk -v c="$col" -v from="$cycle" -v n="$n" -v units=",$units," '
	units == ",," || index(units, "," $1 ",") { if ($2 < from || from == 1) { s += $c; q += $c * $c; m++ } }
	END { if (m == 0) exit 1; mu = s / m; v = q / m - mu * mu; if (v < 0) v = 0; printf "%.10g\n", n * sqrt(v) }' "$1") ||
		{ echo "cmapss-recalibrate.sh: no rows to take the std of" >&2; exit 65; }
	;;
*)	k=$offset ;;
esac
echo "cmapss-recalibrate.sh: s$sensor + $k from cycle $cycle${units:+ on units $units}" >&2
awk -v c="$col" -v from="$cycle" -v k="$k" -v units=",$units," '
	$2 >= from && (units == ",," || index(units, "," $1 ",")) { $c = sprintf("%.4f", $c + k) }
	{ print }' "$1"

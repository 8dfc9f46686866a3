#!/bin/sh
# cmapss-fleet.sh -- C-MAPSS engines as a fleet in service: N engine
# positions (slots), each flying engines back to back (when one runs to
# failure the next is installed), so that at any time the fleet holds
# engines of every age, as a real one does.  One cycle is one second of
# fleet time.
#
#   cmapss-fleet.sh [-n SLOTS] [-u FIRST-LAST] [-l LOG] FILE
#
# Units FIRST to LAST of FILE (C-MAPSS text: unit, cycle, 3 settings, 21
# sensors) go to slot (unit - FIRST) mod SLOTS, in unit order; slot k's first
# engine starts at time 1 + k * (its life / SLOTS), part way into its life,
# so that the fleet starts out already mixed in age; later engines start
# where the one before ended.  Output: the same columns with the cycle
# replaced by the fleet time, sorted by time, then unit.  LOG gets one line
# per engine: "UNIT SLOT FIRST_TIME LAST_TIME FIRST_CYCLE LIFE" (it failed at
# LAST_TIME: its remaining useful life at time t is LAST_TIME - t).
# Defaults: 10 slots, units 41-100.  Only POSIX awk and sort.
set -u
slots=10 range=41-100 log=/dev/null
usage() { echo "usage: cmapss-fleet.sh [-n slots] [-u first-last] [-l log] file" >&2; exit 64; }
while getopts l:n:u: opt; do
	case $opt in
	l) log=$OPTARG ;;
	n) slots=$OPTARG ;;
	u) range=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
case $slots in ''|*[!0-9]*|0) usage ;; esac
first=${range%-*} last=${range#*-}
case $first$last in ''|*[!0-9]*) usage ;; esac
[ -r "$1" ] || { echo "cmapss-fleet.sh: $1: cannot read" >&2; exit 66; }

awk -v first="$first" -v last="$last" -v slots="$slots" -v logf="$log" '
	$1 >= first && $1 <= last { n[$1] = $2; line[$1, $2] = $0 }
	END {
		for (u = first; u <= last; u++) {
			if (!(u in n)) continue
			k = (u - first) % slots
			if (!(k in t)) {	# the slot first engine: part way in
				c0 = 1 + int(k * n[u] / slots); t[k] = 1
			} else
				c0 = 1
			t0 = t[k]
			for (c = c0; c <= n[u]; c++) {
				split(line[u, c], f, " ")
				s = u " " (t0 + c - c0)
				for (i = 3; i <= 26; i++) s = s " " f[i]
				print s
			}
			print u, k, t0, t0 + n[u] - c0, c0, n[u] > logf
			t[k] = t0 + n[u] - c0 + 1
		}
	}' "$1" | sort -k2,2n -k1,1n

#!/bin/sh
# readers.sh -- CPU time and peak RSS of the readers that take a list of
# names from a file, on files of $NAMES names (default 200,000; issue 9:
# "200,000 lines or columns in about a second"):
#
#   validate -s SCHEMA < /dev/null      a schema of NAMES [channel] sections
#                                       (required, range), then the device
#                                       state that interns each required one
#   normalize -p PARAMS < /dev/null     a parameters file of NAMES lines
#   ingest WIDE.csv                     a header of NAMES columns and 3 rows:
#                                       read, split, names checked, roles
#                                       given; past about 28,000 columns
#                                       the rows make frames over the frame
#                                       limit, and ingest refuses them after
#                                       the header (exit 65, "columns make
#                                       frames too large")
#   ingest NARROW.csv                   20,000 columns and 3 rows, the widest
#                                       whose frames fit, read to the end
#
# Each figure is the median CPU time (user + system) of $RUNS runs and the
# largest peak RSS; the files are made by awk here.  The readers index names
# by hash (libstream/nameidx.c); before that each was quadratic (docs/bench.md).
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=readers
: "${NAMES:=200000}"
need "$BIN/validate" "$BIN/normalize" "$BIN/ingest" "$BBIN/rss" || exit 0

# gen KIND N: the file
gen() {
	case $1 in
	schema) awk -v n="$2" 'BEGIN { print "[device]\norder reject"
		for (i = 0; i < n; i++)
			printf "[channel c%06d]\nrequired reject\nrange -1e3 1e3 clamp\n", i }' ;;
	params) awk -v n="$2" 'BEGIN { print "version 1"
		for (i = 0; i < n; i++)
			printf "c%06d zscore - - n=100 mean=%d.5 std=2.25\n", i, i }' ;;
	csv) awk -v n="$2" 'BEGIN { printf "time"
		for (i = 0; i < n; i++) printf ",c%06d", i
		printf "\n"
		for (r = 0; r < 3; r++) {
			printf "%d", 1700000000 + r
			for (i = 0; i < n; i++) printf ",%d.5", i
			printf "\n" } }' ;;
	esac
}
gen schema "$NAMES" > "$OUT/readers.schema"
gen params "$NAMES" > "$OUT/readers.params"
gen csv "$NAMES" > "$OUT/readers-wide.csv"
gen csv 20000 > "$OUT/readers-narrow.csv"

# run NAME WANT CMD...: $RUNS runs of CMD (stdin /dev/null, stdout to
# /dev/null) that must exit with one of the statuses in WANT; sets _st (the
# last status), CMED (median CPU s) and RSS (largest, KiB); 1 if a run did
# not.
run() {
	_name=$1 _want=$2 _c="" _r="" _i=0
	shift 2
	while [ "$_i" -lt "$RUNS" ]; do
		_i=$((_i + 1))
		timed "$OUT/$_name.err" "$@" < /dev/null > /dev/null
		_st=$?
		case " $_want " in *" $_st "*) ;; *)
			fail "$_name: $*: exit $_st, expected $_want" "$OUT/$_name.err"
			return 1 ;;
		esac
		_c="$_c $CPU" _r="$_r $MAXRSS"
	done
	# shellcheck disable=SC2086
	CMED=$(median $_c) RSS=$(max $_r)
}
how() { echo "$(fmt '%.2f' "$CMED") s CPU, peak RSS $(fmt '%.1f' "$RSS / 1024") MiB (median of $RUNS; target about 1 s: $(verdict "$CMED" '<=' 1.5))"; }

if run readers-validate "0" "$BIN/validate" -q -s "$OUT/readers.schema"; then
	fig "validate reading a schema of $NAMES sections: $(how)"
fi
if run readers-normalize "0" "$BIN/normalize" -q -p "$OUT/readers.params"; then
	fig "normalize reading $NAMES parameter lines: $(how)"
fi
if run readers-ingest "0 65" "$BIN/ingest" -q --max-line 67108864 "$OUT/readers-wide.csv"; then
	if [ "$_st" -eq 0 ]; then
		fig "ingest reading a header of $NAMES columns (and 3 rows to frames): $(how)"
	elif grep -q "columns make frames too large" "$OUT/readers-ingest.err"; then
		fig "ingest reading a header of $NAMES columns (refused after it: frames too large): $(how)"
	else
		fail "readers-ingest: exit 65, but not for its frame size" "$OUT/readers-ingest.err"
	fi
fi
if run readers-ingest20k "0" "$BIN/ingest" -q --max-line 67108864 "$OUT/readers-narrow.csv"; then
	fig "ingest, 20,000 columns x 3 rows to frames: $(how)"
fi
finish

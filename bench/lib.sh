# Sourced by the bench scripts (bench/*.sh).  Environment (bench/run.sh
# exports it; defaults here so that a script also runs alone, from the top of
# the tree: sh bench/ingest.sh):
#   BIN           the programs measured (bin)
#   BBIN          the bench helpers built from bench/*.c (build/rel/bench)
#   OUT           scratch and logs (bench/out, git-ignored)
#   PY            Debian's python3, with pandas
#   ROWS          rows of the generated CSV (10000000)
#   RUNS          runs per figure; figures are medians (5)
#   PRUNS         runs of the long pipelines over all the frames (3)
#   BENCH_CSV     the generated CSV (made by bench_csv)
#   BENCH_FRAMES  that CSV as frames, from bin/ingest (made by bench_frames)
#   FIGS          every figure line is also appended here
# A benchmark prints figures; it fails only when a program fails, never
# because of a time.
set -u
: "${BIN:=bin}" "${BBIN:=build/rel/bench}" "${OUT:=bench/out}"
: "${PY:=/usr/bin/python3}" "${ROWS:=10000000}" "${RUNS:=5}"
: "${PRUNS:=3}"
: "${BENCH_CSV:=$OUT/sensors-$ROWS.csv}" "${BENCH_FRAMES:=$OUT/frames.mp}"
: "${FIGS:=$OUT/figures.txt}"
: "${TMO:=600}"			# a run longer than this is a hang: an error
mkdir -p "$OUT"
bench_status=0

# fig LINE: print one figure and keep it in $FIGS.
fig() { echo "$*"; echo "$*" >> "$FIGS"; }
# skip WHAT WHY: a figure that could not be measured.
skip() { fig "SKIP $1: $2"; }
# fail WHAT [LOG]: a program failed; show the end of its log; the script
# goes on and exits non-zero (see finish).
fail() {
	fig "ERROR $1"
	[ $# -gt 1 ] && [ -s "$2" ] && tail -n 5 "$2" | sed 's/^/    /'
	bench_status=1
}
finish() { exit "$bench_status"; }

# need PROG...: 0 if every PROG is executable, else print SKIP and return 1.
need() {
	for p in "$@"; do
		[ -x "$p" ] || { skip "${what:-$(basename "$0" .sh)}" "$p missing"; return 1; }
	done
}

# median N...: the median of the numbers (mean of the middle two if even).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
	    END { if (NR % 2) print a[(NR + 1) / 2];
		  else printf "%.9g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# max N...
max() { printf '%s\n' "$@" | sort -g | tail -n 1; }
# calc EXPR: floating-point arithmetic through awk, e.g. calc "1 / 3".
calc() { awk "BEGIN { printf \"%.6g\\n\", $1 }"; }
# fmt FORMAT EXPR: printf one number.
fmt() { awk "BEGIN { printf \"$1\", $2 }"; }
# field KEY LINE: the value of KEY=value in LINE.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# counter LOG PROG KEY: KEY=N from PROG's last accounting line in LOG
# ("tap: in=10 out=10").
counter() {
	grep "^$2: " "$1" | grep -o " $3=[0-9]*" | tail -n 1 | sed 's/.*=//'
}
# newer A B: file A was modified after file B.
newer() { [ -n "$(find "$1" -prune -newer "$2")" ]; }
# verdict VALUE OP TARGET: "met" or "NOT met".
verdict() { awk "BEGIN { print ($1 $2 $3) ? \"met\" : \"NOT met\" }"; }

# timed LOG CMD...: run CMD under the rss runner with stderr to LOG; sets
# WALL and CPU (user + system of CMD and its children, seconds) and MAXRSS
# (KiB); returns CMD's status.
timed() {
	_log=$1; shift
	# shellcheck disable=SC2034	# used by the caller
	WALL=0 CPU=0 MAXRSS=0
	"$BBIN/rss" -o "$OUT/rss.last" timeout "$TMO" "$@" 2> "$_log"
	_st=$?
	_r=$(cat "$OUT/rss.last" 2>/dev/null)
	# shellcheck disable=SC2034
	WALL=$(field wall_s "$_r") CPU=$(field cpu_s "$_r")
	# shellcheck disable=SC2034
	MAXRSS=$(field maxrss_kib "$_r")
	return $_st
}

# bench_csv: make $BENCH_CSV unless a complete copy is there (its size is
# what gencsv says it would write).  Returns non-zero if it cannot.
bench_csv() {
	[ "${BENCH_CSV_OK:-}" = "$BENCH_CSV" ] && return 0
	[ -x "$BBIN/gencsv" ] || { fail "gencsv: $BBIN/gencsv missing (make bench-bins)"; return 1; }
	_want=$("$BBIN/gencsv" -c -n "$ROWS") || { fail "gencsv -c"; return 1; }
	if [ ! -f "$BENCH_CSV" ] || [ "$(wc -c < "$BENCH_CSV")" -ne "$_want" ]; then
		echo "bench: generating $BENCH_CSV ($ROWS rows, $_want bytes)" >&2
		if ! "$BBIN/gencsv" -n "$ROWS" -o "$BENCH_CSV.tmp" ||
		    ! mv "$BENCH_CSV.tmp" "$BENCH_CSV"; then
			fail "gencsv: cannot write $BENCH_CSV"
			return 1
		fi
	fi
	cat "$BENCH_CSV" > /dev/null	# into the page cache
	BENCH_CSV_OK=$BENCH_CSV
	export BENCH_CSV_OK
}

# pass_schema FILE: write validate's pass-through schema for the bench
# frames (the generated CSV and bench/validate_gen.py: channels vibration,
# temperature, pressure): every rule is checked on every frame and none
# fires (time order, duplicates, unknown channels, three required channels
# with a range, NaN and Inf).  validate.sh and churn.sh measure with it.
pass_schema() {
	cat > "$1" <<'SCHEMA'
[device]
order      reject
duplicate  reject
unknown    reject
[channel vibration]
required   reject
range      -1e6 1e6 reject
[channel temperature]
required   reject
range      -1e6 1e6 reject
[channel pressure]
required   reject
range      -1e6 1e6 reject
SCHEMA
}

# The options that make bin/ingest read the generated CSV: epoch seconds in
# the timestamp column, the device id from the device column.
INGEST_OPTS=${INGEST_OPTS:---time-column timestamp --time-format epoch --time-unit s --device-column device}

# bench_frames: make $BENCH_FRAMES (the CSV through bin/ingest) unless it
# is newer than both and was made from this CSV with these options (the
# file $BENCH_FRAMES.from says).  Returns non-zero if it cannot.
bench_frames() {
	[ "${BENCH_FRAMES_OK:-}" = "$BENCH_FRAMES" ] && return 0
	bench_csv || return 1
	need "$BIN/ingest" || return 1
	_from="$BENCH_CSV $(wc -c < "$BENCH_CSV") $INGEST_OPTS"
	if [ ! -s "$BENCH_FRAMES" ] || ! newer "$BENCH_FRAMES" "$BENCH_CSV" ||
	    ! newer "$BENCH_FRAMES" "$BIN/ingest" ||
	    [ "$(cat "$BENCH_FRAMES.from" 2>/dev/null)" != "$_from" ]; then
		echo "bench: writing $BENCH_FRAMES" >&2
		# shellcheck disable=SC2086
		timeout "$TMO" "$BIN/ingest" $INGEST_OPTS "$BENCH_CSV" \
		    > "$BENCH_FRAMES.tmp" 2> "$OUT/frames.err"
		_st=$?
		if [ $_st -ne 0 ]; then
			fail "ingest $INGEST_OPTS $BENCH_CSV > $BENCH_FRAMES: exit $_st" "$OUT/frames.err"
			return 1
		fi
		mv "$BENCH_FRAMES.tmp" "$BENCH_FRAMES" || return 1
		echo "$_from" > "$BENCH_FRAMES.from"
	fi
	BENCH_FRAMES_OK=$BENCH_FRAMES
	export BENCH_FRAMES_OK
	cat "$BENCH_FRAMES" > /dev/null
}

#!/bin/sh
# conf.sh -- CPU time and peak RSS of reading a -C FILE of $LINES lines
# (default 200,000 and 1,000,000; issue 9: "200,000 lines in about a
# second"), through tap --count on no input: each line becomes a
# "--name=value" argument (libstream/conf.c) that getopt_long() and the
# program's option code then take like the command line's.  The lines
# cycle through a comment, a blank line, a flag and three options with
# values (one tap's own, two filter_option()'s), so every path is taken.
# Linear: the 1,000,000-line figure should be about 5 times the other.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=conf
: "${LINES:=200000 1000000}"
need "$BIN/tap" "$BBIN/rss" || exit 0

# gen N: a config file of N lines
gen() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
		k = i % 6
		if (k == 0) print "# a comment"
		else if (k == 1) print ""
		else if (k == 2) print "quiet"
		else if (k == 3) printf "max-frame %dK\n", 64 + i % 100
		else if (k == 4) print "metrics-every 10s   # period"
		else print "input -" } }'
}

for n in $LINES; do
	gen "$n" > "$OUT/conf-$n.conf"
	_c="" _r="" _i=0
	while [ "$_i" -lt "$RUNS" ]; do
		_i=$((_i + 1))
		timed "$OUT/conf-$n.err" "$BIN/tap" --count -C \
		    "$OUT/conf-$n.conf" < /dev/null > /dev/null
		_st=$?
		if [ "$_st" -ne 0 ] || [ -s "$OUT/conf-$n.err" ]; then
			fail "conf $n lines: tap exit $_st" "$OUT/conf-$n.err"
			continue 2
		fi
		_c="$_c $CPU" _r="$_r $MAXRSS"
	done
	# shellcheck disable=SC2086
	CMED=$(median $_c) RSS=$(max $_r)
	v=""
	[ "$n" -le 200000 ] && v="; target about 1 s: $(verdict "$CMED" '<=' 1.5)"
	fig "tap -C FILE of $n lines: $(fmt '%.3f' "$CMED") s CPU ($(fmt '%.0f' "$CMED * 1e9 / $n") ns a line), peak RSS $(fmt '%.1f' "$RSS / 1024") MiB (median of $RUNS$v)"
done
finish

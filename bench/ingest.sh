#!/bin/sh
# ingest.sh -- CSV to frames: bin/ingest against pandas.read_csv.
#
# Both read the generated CSV ($ROWS rows, from the page cache); runs
# alternate (ingest, pandas, ingest, ...) so that both see the same machine,
# and the ratio is of the two medians from this one run.  ingest writes its
# frames to /dev/null; its wall time includes its start, pandas' excludes the
# interpreter's start and the pandas import.  Peak RSS of ingest is
# ru_maxrss from wait4 (bench/rss.c), on the full file and on a tenth of it,
# to show that it does not grow with the input.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=ingest
need "$BIN/ingest" "$BBIN/rss" || exit 0
bench_csv || finish

bytes=$(wc -c < "$BENCH_CSV")
havepd=1
"$PY" -c 'import pandas' 2>/dev/null || { havepd=0; skip pandas "$PY has no pandas"; }

iw="" ic="" pw="" pc="" rss=""
i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	timed "$OUT/ingest.err" "$BIN/ingest" $INGEST_OPTS "$BENCH_CSV" > /dev/null
	st=$?
	if [ $st -ne 0 ]; then
		fail "ingest: $BIN/ingest $INGEST_OPTS $BENCH_CSV: exit $st" "$OUT/ingest.err"
		finish
	fi
	iw="$iw $WALL" ic="$ic $CPU" rss="$rss $MAXRSS"
	if [ $havepd = 1 ]; then
		r=$(timeout "$TMO" "$PY" bench/pandas_read.py "$BENCH_CSV" "$ROWS" 2> "$OUT/pandas.err")
		st=$?
		if [ $st -ne 0 ]; then
			fail "pandas: bench/pandas_read.py $BENCH_CSV: exit $st" "$OUT/pandas.err"
			havepd=0
		else
			pw="$pw $(field seconds "$r")" pc="$pc $(field cpu "$r")"
		fi
	fi
done

# the frames ingest wrote, from its own accounting line
out=$(counter "$OUT/ingest.err" ingest out)
rej=$(counter "$OUT/ingest.err" ingest rejected)
if [ -n "$out" ] && [ "$out" != "$ROWS" ]; then
	fail "ingest: wrote $out frames for $ROWS rows (rejected ${rej:-?})" "$OUT/ingest.err"
fi

# shellcheck disable=SC2086
im=$(median $iw) icm=$(median $ic)
fig "ingest: $(fmt '%.2f' "$ROWS / $im / 1e6") M rows/s, $(fmt '%.0f' "$bytes / $im / 1e6") MB/s (median of $RUNS: $(fmt '%.3f' "$im") s wall, $(fmt '%.3f' "$icm") s CPU, for $ROWS rows, $(fmt '%.0f' "$bytes / 1e6") MB)"
if [ $havepd = 1 ]; then
	# shellcheck disable=SC2086
	pm=$(median $pw) pcm=$(median $pc)
	ratio=$(calc "$pm / $im")
	fig "pandas.read_csv: $(fmt '%.2f' "$ROWS / $pm / 1e6") M rows/s, $(fmt '%.0f' "$bytes / $pm / 1e6") MB/s (median of $RUNS: $(fmt '%.3f' "$pm") s wall, $(fmt '%.3f' "$pcm") s CPU)"
	fig "ingest/pandas: $(fmt '%.2f' "$ratio")x wall time, $(fmt '%.2f' "$pcm / $icm")x CPU time (target >= 3x: $(verdict "$ratio" '>=' 3))"
fi

# peak RSS: the largest of the runs above, and one run on a tenth of the rows
# shellcheck disable=SC2086
peak=$(max $rss)
small=$OUT/sensors-tenth.csv
head -n $((ROWS / 10 + 1)) "$BENCH_CSV" > "$small"
# shellcheck disable=SC2086
timed "$OUT/ingest-small.err" "$BIN/ingest" $INGEST_OPTS "$small" > /dev/null
st=$?
if [ $st -eq 0 ]; then
	fig "ingest peak RSS: $(fmt '%.2f' "$peak / 1024") MiB on $ROWS rows, $(fmt '%.2f' "$MAXRSS / 1024") MiB on $((ROWS / 10)) (target < 8 MiB: $(verdict "$peak" '<' 8192))"
else
	fail "ingest: $BIN/ingest $small: exit $st" "$OUT/ingest-small.err"
fi
rm -f "$small"
finish

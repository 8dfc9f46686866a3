#!/bin/sh
# ingest on the bad-input corpus testdata/bad/csv_* (listed in
# testdata/bad/README.md): each file gives the exit status, the sample and
# reject frames (line, rule, field, whether the original is text or raw)
# written down below by hand, and, where Python's csv module reads the file
# the same way, the values the oracle computes.  Also: a 16 MiB line
# (generated here), --max-line, --strict, --empty nan, and ingest's memory
# on the long line.
. tests/lib.sh

I=$BIN/ingest
B=$TESTDATA/bad

# expect NAME STATUS 'FRAMES' [ARGS...]: ingest ARGS $B/NAME; FRAMES is
# tests/py/ingest_frames.py's summary, lines separated by '|'
expect() {
	name=$1 status=$2 want=$3
	shift 3
	"$I" "$@" "$B/$name" > "$T/$name.mp" 2> "$T/$name.err"
	st=$?
	$PY tests/py/ingest_frames.py "$T/$name.mp" | tr '\n' '|' |
	    sed 's/|$//' > "$T/$name.got"
	if [ $st -ne "$status" ]; then
		fail "$name: exit $st, expected $status" "$(head -2 "$T/$name.err")"
	elif [ "$(cat "$T/$name.got")" != "$want" ]; then
		fail "$name" "got '$(cat "$T/$name.got")'"
	else
		ok "$name: exit $st, frames as expected"
	fi
}

# oracle NAME [ARGS...]: the values too, computed by the oracle
oracle() {
	name=$1
	shift
	if $PY tests/py/ingest_oracle.py --frames "$T/$name.mp" \
	    --stderr "$T/$name.err" "$@" "$B/$name" > "$T/$name.chk" 2>&1; then
		ok "$name: oracle agrees: $(cat "$T/$name.chk")"
	else
		fail "$name: oracle" "$(head -5 "$T/$name.chk")"
	fi
}

expect csv_crlf.csv 0 '2 sample csv_crlf 0|3 sample csv_crlf 1|4 sample csv_crlf 2'
oracle csv_crlf.csv
expect csv_bom.csv 0 '2 sample csv_bom 0|3 sample csv_bom 1'
oracle csv_bom.csv
expect csv_ragged.csv 0 '2 sample csv_ragged 0|3 reject fields text|4 reject fields text|5 sample csv_ragged 1|6 reject fields text|7 reject fields text|8 sample csv_ragged 2'
oracle csv_ragged.csv
expect csv_nan_inf.csv 0 '2 sample csv_nan_inf 0|3 sample csv_nan_inf 1|4 sample csv_nan_inf 2|5 sample csv_nan_inf 3|6 sample csv_nan_inf 4|7 sample csv_nan_inf 5|8 sample csv_nan_inf 6|9 sample csv_nan_inf 7|10 sample csv_nan_inf 8|11 sample csv_nan_inf 9'
oracle csv_nan_inf.csv
expect csv_bad_numbers.csv 0 '2 sample csv_bad_numbers 0|3 reject fields text|4 reject number v text|5 reject number v text|6 reject number v text|7 reject number v text|8 reject number v text|9 reject number v text|10 reject number v text|11 reject number v text|12 reject number v text|13 sample csv_bad_numbers 1|14 sample csv_bad_numbers 2|15 sample csv_bad_numbers 3|16 sample csv_bad_numbers 4'
oracle csv_bad_numbers.csv
expect csv_bad_times.csv 0 '2 sample csv_bad_times 0|3 reject time timestamp text|4 reject time timestamp text|5 reject time timestamp text|6 reject time timestamp text|7 sample csv_bad_times 1|8 sample csv_bad_times 2|9 sample csv_bad_times 3|10 sample csv_bad_times 4|11 reject time timestamp text|12 reject time timestamp text|13 reject time timestamp text|14 sample csv_bad_times 5'
oracle csv_bad_times.csv
expect csv_time_range.csv 0 '2 reject time time text|3 reject time time text|4 sample csv_time_range 0|5 sample csv_time_range 1'
oracle csv_time_range.csv
expect csv_non_utf8.csv 0 '2 sample csv_non_utf8 0|3 reject number a raw|4 sample csv_non_utf8 1'
oracle csv_non_utf8.csv
expect csv_devices.csv 0 '2 sample p1 0|3 reject device dev text|4 sample p2 0|5 sample p1 1|6 reject device dev raw' --device-column dev
oracle csv_devices.csv --device-column dev
expect csv_quotes.csv 0 '2 sample csv_quotes 0|3 sample csv_quotes 1|4 sample csv_quotes 2|6 reject quote text|7 sample csv_quotes 3' --meta name
$PY - "$T/csv_quotes.csv.mp" > "$T/q.out" <<'EOF'
import sys, msgpack
fr = list(msgpack.Unpacker(open(sys.argv[1], 'rb'), raw=False))
for (t, m), b in fr:
    if m['kind'] == 'sample':
        print(repr(m['name']), sorted(b.items()))
EOF
cat > "$T/q.want" <<'EOF'
'a, b' [('quote "q"', 2.0), ('v, in kg', 1.0)]
'say "hi"' [('quote "q"', 4.0), ('v, in kg', 3.0)]
'two\nlines' [('quote "q"', 6.0), ('v, in kg', 5.0)]
'sp' [('quote "q"', 10.0), ('v, in kg', 9.0)]
EOF
check "csv_quotes.csv: quoted names, text with quotes, commas, newline" \
	cmp -s "$T/q.out" "$T/q.want"
expect csv_unclosed_quote.csv 0 '2 sample csv_unclosed_quote 0|3 reject quote text'
oracle csv_unclosed_quote.csv
expect csv_blank_lines.csv 0 '3 sample csv_blank_lines 0|6 sample csv_blank_lines 1'
oracle csv_blank_lines.csv
check "csv_blank_lines.csv: blank lines counted" \
	grep -q 'in=2 out=2 rejected=0 dropped=0 unwritten=0 blank=4' "$T/csv_blank_lines.csv.err"
expect csv_semicolon.csv 0 '2 sample csv_semicolon 0|3 sample csv_semicolon 1'
oracle csv_semicolon.csv
expect csv_no_newline.csv 0 '2 sample csv_no_newline 0|3 sample csv_no_newline 1'
oracle csv_no_newline.csv
expect csv_empty.csv 0 ''
check "csv_empty.csv: warned" grep -q 'csv_empty.csv: empty file' "$T/csv_empty.csv.err"
expect csv_header_only.csv 0 ''
check "csv_header_only.csv: counted nothing" \
	grep -q 'in=0 out=0 rejected=0' "$T/csv_header_only.csv.err"
expect csv_dup_header.csv 65 ''
check "csv_dup_header.csv: names the columns" \
	grep -q 'csv_dup_header.csv: columns 2 and 3 are both called "a"' "$T/csv_dup_header.csv.err"
expect csv_non_utf8_header.csv 65 ''
check "csv_non_utf8_header.csv: says where" \
	grep -q 'csv_non_utf8_header.csv:1: header is not valid UTF-8' "$T/csv_non_utf8_header.csv.err"
expect csv_header_quote.csv 65 ''
check "csv_header_quote.csv: says where" \
	grep -q 'csv_header_quote.csv:1: header: bad quoting at byte 1' "$T/csv_header_quote.csv.err"

# --strict: the first bad row is written as a reject, then exit 65
expect csv_ragged.csv 65 '2 sample csv_ragged 0|3 reject fields text' --strict
check "--strict: counters" grep -q 'in=2 out=1 rejected=1' "$T/csv_ragged.csv.err"
check "--strict: names file and line" \
	grep -q 'csv_ragged.csv:3: 2 fields, expected 3' "$T/csv_ragged.csv.err"

# --empty nan: an empty value is NaN instead of a reject
expect csv_bad_numbers.csv 0 '2 sample csv_bad_numbers 0|3 reject fields text|4 reject number v text|5 reject number v text|6 reject number v text|7 reject number v text|8 sample csv_bad_numbers 1|9 reject number v text|10 reject number v text|11 reject number v text|12 reject number v text|13 sample csv_bad_numbers 2|14 sample csv_bad_numbers 3|15 sample csv_bad_numbers 4|16 sample csv_bad_numbers 5' --empty nan
oracle csv_bad_numbers.csv --empty nan

# rejects elsewhere: --reject FILE; the output has the samples only
"$I" --reject "$T/rej.mp" "$B/csv_ragged.csv" > "$T/ok.mp" 2> "$T/rej.err"
check "--reject: samples and rejects apart" $PY tests/py/ingest_oracle.py \
	--frames "$T/ok.mp" --rejects "$T/rej.mp" --stderr "$T/rej.err" \
	"$B/csv_ragged.csv"

# a 16 MiB line between two good ones: one reject with the start of the
# line, the rows after it read on, and memory stays small
{
	printf 'time,v\n1700000000,1\n1700000001,'
	head -c 16777216 /dev/zero | tr '\0' '7'
	printf '\n1700000002,3\n'
} > "$T/long.csv"
"$I" "$T/long.csv" > "$T/long.mp" 2> "$T/long.err"
st=$?
$PY tests/py/ingest_frames.py "$T/long.mp" | tr '\n' '|' > "$T/long.got"
check "16 MiB line: rejected, the rest read" test $st -eq 0 -a \
	"$(cat "$T/long.got")" = '2 sample long 0|3 reject length text+truncated|4 sample long 1|'
check "16 MiB line: says so" grep -q 'long.csv:3: line longer than 1048576 bytes' "$T/long.err"
RSS=build/rel/bench/rss	# fork, exec, wait4: ru_maxrss of ingest alone
case $BIN in
*san*) ;;	# ASan's shadow memory is not ingest's
*)
	if [ -x $RSS ]; then
		$RSS -o "$T/rss" "$I" "$T/long.csv" > /dev/null 2>&1
		rss=$(sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' "$T/rss")
		check "16 MiB line: peak RSS ${rss} KiB < 8 MiB" test "${rss:-99999}" -lt 8192
	else
		fail "no $RSS (make bench-bins)"
	fi
	;;
esac
# --max-line: a smaller limit
"$I" --max-line 64 "$B/csv_quotes.csv" --meta name > "$T/ml.mp" 2> "$T/ml.err"
$PY tests/py/ingest_frames.py "$T/ml.mp" | tr '\n' '|' > "$T/ml.got"
check "--max-line 64: header of 43 bytes fits, rows fit" test \
	"$(cat "$T/ml.got")" = '2 sample csv_quotes 0|3 sample csv_quotes 1|4 sample csv_quotes 2|6 reject quote text|7 sample csv_quotes 3|'
printf 'time,v\n1700000000,1\n1700000001,%0100d\n1700000002,2\n' 5 > "$T/ml2.csv"
"$I" --max-line 64 "$T/ml2.csv" > "$T/ml2.mp" 2> "$T/ml2.err"
$PY tests/py/ingest_frames.py "$T/ml2.mp" | tr '\n' '|' > "$T/ml2.got"
check "--max-line 64: a 111-byte line is rejected" test \
	"$(cat "$T/ml2.got")" = '2 sample ml2 0|3 reject length text+truncated|4 sample ml2 1|'

finish

#!/bin/sh
# validate forwards the frames it leaves unchanged byte for byte (the
# stream_frame_bytes fast path), and re-encodes only what it changed.
. "$(dirname "$0")/../lib.sh"
csv=$(unpack cwru/cwru_12k_DE_0hp_IR007_105.csv.gz)
"$BIN/ingest" -q -r 12000 --device de "$csv" > "$T/in.mp"
"$BIN/validate" -q -s "$TESTDATA/validate/cwru.schema" < "$T/in.mp" > "$T/out.mp"
check "CWRU frames that pass are the input bytes, unchanged" cmp -s "$T/in.mp" "$T/out.mp"
# a schema that flags every frame must change each of them (meta flags)
printf '[channel X105_DE_time]\nrange 0 0.0001 flag\n' > "$T/flag.schema"
"$BIN/validate" -q -s "$T/flag.schema" < "$T/in.mp" > "$T/flag.mp"
check "flagged frames are re-encoded with their mark" sh -c "! cmp -s '$T/in.mp' '$T/flag.mp'"
n=$("$BIN/tap" -q < "$T/flag.mp" | grep -c '"flags":"range:X105_DE_time"')
m=$("$BIN/tap" -q < "$T/in.mp" | "$PY" -c 'import sys, json
print(sum(1 for l in sys.stdin if not (0 <= json.loads(l)[1]["X105_DE_time"] <= 0.0001)))')
check "every out-of-range frame flagged ($n of $m)" test "$n" -eq "$m"
finish

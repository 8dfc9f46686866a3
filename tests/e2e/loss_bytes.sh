#!/bin/sh
# Byte streams that used to lose frames silently (issue 10):
# - an eos frame in the middle of a file is counted and skipped: tap --count
#   passes every frame after it (Python checks the seq);
# - a 2 MiB frame (well formed, over the 1 MiB limit) between good ones is
#   walked past and becomes a reject frame; every good frame goes on; exit 0;
# - a CSV with CR-only line ends gives the same frames as with LF and CRLF.
. tests/lib.sh

N=3000
$PY tests/py/loss_check.py mk-eos "$T/eos.mp" $N 1000
$BIN/tap --count < "$T/eos.mp" > "$T/eos.out" 2> "$T/eos.err"
check "eos inside: exit 0" [ $? -eq 0 ]
check "eos inside: in=$N out=$N" grep -q "^tap: in=$N out=$N rejected=0" "$T/eos.err"
$PY tests/py/loss_check.py seqs "$T/eos.out" > "$T/eos.seqs"
check "eos inside: Python finds all $N frames in order" grep -qx "d1 frames=$N distinct=$N missing=0 repeats=0 max=$((N - 1))" "$T/eos.seqs"

$PY tests/py/loss_check.py mk-big "$T/big.mp" $N 1500
$BIN/tap --count < "$T/big.mp" > "$T/big.out" 2> "$T/big.err"
check "2 MiB frame: exit 0 (a reject, reading goes on: docs/filters.md)" [ $? -eq 0 ]
$BIN/tap -q < "$T/big.out" > "$T/big.json"
check "2 MiB frame: a reject frame with its place and size" grep -q '"kind":"reject".*byte [0-9]*: frame of 2097[0-9]* bytes is larger than the maximum frame size (1048576): skipped' "$T/big.json"
check "2 MiB frame: in=$((N + 1)) out=$N rejected=1" grep -q "^tap: in=$((N + 1)) out=$N rejected=1" "$T/big.err"
$PY tests/py/loss_check.py seqs "$T/big.out" > "$T/big.seqs"
check "2 MiB frame: every good frame came through" grep -qx "d1 frames=$N distinct=$N missing=0 repeats=0 max=$((N - 1))" "$T/big.seqs"

# line ends: LF, CRLF, CR alone; same file name, so the same frames
case $BIN in /*) bin=$BIN ;; *) bin=$PWD/$BIN ;; esac
csv=$TESTDATA/nab/ambient_temperature_system_failure.csv
rows=$(($(wc -l < "$csv") - 1))
mkdir -p "$T/lf" "$T/crlf" "$T/cr"
cp "$csv" "$T/lf/a.csv"
sed 's/$/\r/' "$csv" > "$T/crlf/a.csv"
tr '\n' '\r' < "$csv" > "$T/cr/a.csv"
for e in lf crlf cr; do
	(cd "$T/$e" && "$bin/ingest" a.csv > a.mp 2> a.err)
	check "$e: ingest exits 0" [ $? -eq 0 ]
	check "$e: in=$rows out=$rows" grep -q "^ingest: in=$rows out=$rows rejected=0" "$T/$e/a.err"
done
check "CRLF: the same frames as LF" cmp "$T/lf/a.mp" "$T/crlf/a.mp"
check "CR alone: the same frames as LF" cmp "$T/lf/a.mp" "$T/cr/a.mp"
finish

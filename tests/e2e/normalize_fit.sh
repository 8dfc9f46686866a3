#!/bin/sh
# normalize on the real slices, against numpy (tests/py/normalize_check.py,
# which reads the data files themselves, not the frames): --fit on C-MAPSS
# FD001 and on every CWRU slice gives numpy's mean and std to 1e-12
# relative, exact n/min/max, quartiles within the sketch's stated rank
# error; the seven constant C-MAPSS channels are left out with a warning
# naming each; scaling gives numpy's (x - center) / scale and leaves every
# other channel alone; --inverse gives the input back to 1e-12; and the
# accounting line balances.
. tests/lib.sh

# acct LOG: the "normalize: in=... out=..." line balances
acct() {
	line=$(grep '^normalize: in=' "$1" | tail -n 1)
	set -- $(echo "$line" | sed 's/.*in=\([0-9]*\) out=\([0-9]*\) rejected=\([0-9]*\) dropped=\([0-9]*\).*/\1 \2 \3 \4/')
	[ $# -eq 4 ] && [ "$1" -eq $(($2 + $3 + $4)) ] && [ "$1" -gt 0 ]
}

# ---- C-MAPSS FD001: 20,631 rows, 26 columns --------------------------------
txt=$(unpack cmapss/train_FD001.txt.gz)
$PY tests/py/normalize_frames.py cmapss "$txt" > "$T/fd.mp" || fail "frames"
$PY tests/py/normalize_check.py constants cmapss "$txt" | sort > "$T/const.want"
check "numpy finds the seven constant C-MAPSS channels" \
	test "$(wc -l < "$T/const.want")" -eq 7

for m in zscore robust minmax; do
	if $BIN/normalize -f -m $m -p "$T/fd.$m" < "$T/fd.mp" 2> "$T/fit.$m.err"; then
		ok "cmapss: --fit -m $m exits 0"
	else
		fail "cmapss: --fit -m $m exits 0" "$(cat "$T/fit.$m.err")"
	fi
	check "cmapss: -m $m fit matches numpy" \
		$PY tests/py/normalize_check.py fit "$T/fd.$m" cmapss "$txt" $m
	sed -n 's/^normalize: \([^:]*\): constant .*left out$/\1/p' "$T/fit.$m.err" |
		sort > "$T/const.$m"
	check "cmapss: -m $m warns of exactly the constant channels, by name" \
		cmp "$T/const.$m" "$T/const.want"
	check "cmapss: -m $m fit accounting: in=20631 fitted=20631" \
		grep -q '^normalize: in=20631 fitted=20631 other=0 bad=0$' "$T/fit.$m.err"

	$BIN/normalize -p "$T/fd.$m" < "$T/fd.mp" > "$T/fd.$m.out" 2> "$T/apply.err"
	check "cmapss: -m $m scaling exits 0" test $? -eq 0
	check "cmapss: -m $m scaled as numpy scales, the rest untouched" \
		$PY tests/py/normalize_check.py scaled "$T/fd.$m" cmapss "$txt" "$T/fd.$m.out"
	check "cmapss: -m $m accounting in = out + rejected + dropped" acct "$T/apply.err"
	$BIN/normalize -u -p "$T/fd.$m" < "$T/fd.$m.out" > "$T/fd.$m.back" 2> "$T/inv.err"
	check "cmapss: -m $m --inverse exits 0" test $? -eq 0
	check "cmapss: -m $m --inverse gives the input back to 1e-12" \
		$PY tests/py/normalize_check.py roundtrip cmapss "$txt" "$T/fd.$m.back"
	check "cmapss: -m $m --inverse accounting balances" acct "$T/inv.err"
done
# s6 is 21.61 in most rows: its interquartile range is 0
check "cmapss: robust leaves s6 out (IQR 0) with a warning naming it" \
	grep -q '^normalize: s6: interquartile range 0 (q25 = q75 = 21.61), robust cannot scale it: left out$' "$T/fit.robust.err"
check "cmapss: the fitted file marks s6 none under robust" \
	grep -q '^s6 none - - ' "$T/fd.robust"

# the same pipeline through pipes, as it runs on a device
$BIN/normalize -q -p "$T/fd.zscore" < "$T/fd.mp" |
	$BIN/normalize -q -u -p "$T/fd.zscore" > "$T/fd.pipe"
check "cmapss: normalize | normalize -u gives the same bytes as via files" \
	cmp "$T/fd.pipe" "$T/fd.zscore.back"

# -c: only the named channels are fitted, and only those scaled
$BIN/normalize -q -f -c s2,s3,s4 -p "$T/fd.c" < "$T/fd.mp"
check "cmapss: -c s2,s3,s4 fits three lines" \
	test "$(grep -c '^s[234] zscore ' "$T/fd.c")" -eq 3 -a "$(grep -vc '^#' "$T/fd.c")" -eq 4
$BIN/normalize -q -c s3 -p "$T/fd.zscore" < "$T/fd.mp" > "$T/fd.c3"
check "cmapss: -c s3 scales s3 alone" $PY -c '
import sys, msgpack
from normalize_check import read_params
p = read_params(sys.argv[1])["s3"]
a = msgpack.Unpacker(open(sys.argv[2], "rb"), raw=False)
b = msgpack.Unpacker(open(sys.argv[3], "rb"), raw=False)
n = 0
for x, y in zip(a, b):
    for k, v in x[1].items():
        want = (v - p["center"]) / p["scale"] if k == "s3" else v
        assert y[1][k] == want, (k, v, y[1][k], want)
    n += 1
assert n == 20631, n
' "$T/fd.zscore" "$T/fd.mp" "$T/fd.c3"

# the same through bin/ingest, as on a device: the numpy checks hold too
cols=unit,cycle,setting1,setting2,setting3,$(seq -s, -f s%g 1 21)
$BIN/ingest -q -c "$cols" -d space -r 1 "$txt" > "$T/fd.ing.mp"
check "cmapss via ingest: frames made" test -s "$T/fd.ing.mp"
$BIN/normalize -q -f -p "$T/fd.ing" < "$T/fd.ing.mp" 2> "$T/ing.err"
check "cmapss via ingest: --fit matches numpy" \
	$PY tests/py/normalize_check.py fit "$T/fd.ing" cmapss "$txt"
check "cmapss via ingest: the same file as from the Python-made frames" \
	cmp "$T/fd.ing" "$T/fd.zscore"

# ---- CWRU: ten slices, one column each ---------------------------------------
for f in "$TESTDATA"/cwru/*.csv.gz; do
	b=$(basename "$f" .csv.gz)
	csv=$(unpack "cwru/$b.csv.gz")
	$PY tests/py/normalize_frames.py cwru "$csv" > "$T/$b.mp"
	for m in zscore robust; do
		$BIN/normalize -q -f -m $m -p "$T/$b.$m" < "$T/$b.mp"
		check "$b: --fit -m $m matches numpy" \
			$PY tests/py/normalize_check.py fit "$T/$b.$m" cwru "$csv" $m
		$BIN/normalize -p "$T/$b.$m" < "$T/$b.mp" > "$T/$b.out" 2> "$T/$b.err"
		check "$b: -m $m scaled as numpy scales" \
			$PY tests/py/normalize_check.py scaled "$T/$b.$m" cwru "$csv" "$T/$b.out"
		check "$b: -m $m accounting balances" acct "$T/$b.err"
		$BIN/normalize -q -u -p "$T/$b.$m" < "$T/$b.out" > "$T/$b.back"
		check "$b: -m $m --inverse gives the input back to 1e-12" \
			$PY tests/py/normalize_check.py roundtrip cwru "$csv" "$T/$b.back"
	done
done

finish

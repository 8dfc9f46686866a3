#!/bin/sh
# pipelines/gate.sh, the promotion gate, under busybox sh and under sh:
# RMSE (regressors), macro F1 (classifiers) and the false-alarm rate at equal
# detection (anomaly detectors) of a candidate and a serving model's scores,
# each against scikit-learn/numpy (tests/py/gate_check.py) to 1e-6, on three
# seeds; the verdict both ways (candidate better: promote, exit 0; the two
# swapped: refuse, exit 1); a margin that the improvement does not cover
# refuses; no serving model promotes; files with different row counts, an
# unknown kind and a bad margin are refused.
. tests/lib.sh
case $BIN in */san/*) skip "gate.sh runs no compiled program: checked once, in the bin/ pass" ;; esac

G=pipelines/gate.sh
command -v busybox > /dev/null && SHELLS="busybox_sh sh" || SHELLS=sh
busybox_sh() { busybox sh "$@"; }

# same NAME EXPECTED GOT: the verdict, metric and both values agree (1e-6)
same() {
	if echo "$3" | awk -v e="$2" '{
		split(e, x, " ")
		for (i = 1; i <= NF; i++) { split($i, kv, "="); g[kv[1]] = kv[2] }
		d1 = g["candidate"] - x[3]; d2 = g["serving"] - x[4]
		if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2
		exit !(g["verdict"] == x[1] && g["metric"] == x[2] && d1 <= 1e-6 && d2 <= 1e-6)
	}'
	then ok "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

for seed in 1 2 3; do
	d=$T/s$seed
	mkdir -p "$d"
	$PY tests/py/gate_check.py make "$d" "$seed" --expect > "$d/expect" || fail "make $seed"
	for sh in $SHELLS; do
		for k in reg:ridge cls:softmax det:pca; do
			f=${k%%:*} kind=${k#*:}
			got=$($sh $G "$kind" "$d/${f}_cand.csv" "$d/${f}_serv.csv")
			st=$?
			exp=$(sed -n "s/^$f-cs //p" "$d/expect")
			same "$sh seed $seed $kind: better candidate" "$exp" "$got"
			check "$sh seed $seed $kind: promote exits 0" test $st -eq 0
			got=$($sh $G "$kind" "$d/${f}_serv.csv" "$d/${f}_cand.csv")
			st=$?
			exp=$(sed -n "s/^$f-sc //p" "$d/expect")
			same "$sh seed $seed $kind: worse candidate" "$exp" "$got"
			check "$sh seed $seed $kind: refuse exits 1" test $st -eq 1
		done
	done
done

d=$T/s1
# a margin larger than the improvement refuses
got=$(sh $G -m 1000 ridge "$d/reg_cand.csv" "$d/reg_serv.csv")
check "margin 1000 RMSE: refused (exit 1)" sh -c "test $? -eq 1 && echo '$got' | grep -q 'verdict=refuse.*margin=1000'"
got=$(sh $G -m 0.5 ridge "$d/reg_cand.csv" "$d/reg_serv.csv")
exp=$($PY tests/py/gate_check.py expect ridge "$d/reg_cand.csv" "$d/reg_serv.csv" 0.5)
same "margin 0.5 RMSE: as the oracle says" "$exp" "$got"
got=$(sh $G ridge "$d/reg_cand.csv")
check "no serving model: promote" sh -c "test $? -eq 0 && echo '$got' | grep -q 'verdict=promote .*serving=none'"
head -n 50 "$d/reg_serv.csv" > "$T/short.csv"
sh $G ridge "$d/reg_cand.csv" "$T/short.csv" > /dev/null 2> "$T/err"
check "different row counts: exit 65" sh -c "test $? -eq 65 && grep -q 'not the same held-out data' '$T/err'"
sh $G frob "$d/reg_cand.csv" > /dev/null 2>&1
check "unknown kind: exit 64" test $? -eq 64
sh $G -m -1 ridge "$d/reg_cand.csv" > /dev/null 2>&1
check "negative margin: exit 64" test $? -eq 64
sh $G ridge "$T/nonexistent.csv" > /dev/null 2>&1
check "missing file: exit 65" test $? -eq 65

finish

#!/bin/sh
# train.sh -- train on the full datasets (C-MAPSS FD001 on the official
# test set, median of 5 seeds; CWRU ten classes; IMS set 2 alarm) and the
# fit time of each model kind beside scikit-learn's on the same matrix in
# the same run (bench/train_bench.py).  Needs ../shared/datasets (or
# DATASETS=...); skipped without it.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
need "$BIN/train" "$BIN/ingest" "$BIN/window" || finish
DS=${DATASETS:-}
for d in ../shared/datasets ../../shared/datasets /work/shared/datasets; do
	[ -z "$DS" ] && [ -f "$d/cmapss/train_FD001.txt" ] && DS=$d
done
if [ -z "$DS" ]; then
	skip train "no ../shared/datasets (set DATASETS)"
	finish
fi
mkdir -p "$OUT/train"
if ! $PY bench/train_bench.py "$BIN" "$OUT/train" "$DS" \
    > "$OUT/train.log" 2>&1; then
	fail "train" "$OUT/train.log"
fi
while IFS= read -r l; do fig "$l"; done < "$OUT/train.log"
finish

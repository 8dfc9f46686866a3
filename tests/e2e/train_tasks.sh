#!/bin/sh
# train on real data through ingest and window (tests/py/train_tasks.py):
# CWRU ten classes (accuracy on the slices), C-MAPSS FD001 RUL on the
# complete test engines of the slice (RMSE and score against numpy), IMS
# set 2 bearing 1 Mahalanobis alarm (against numpy and scipy).  The full
# data and five seeds are in bench/train.sh.
. tests/lib.sh

for c in cwru cmapss ims; do
	mkdir -p "$T/$c"
	if $PY tests/py/train_tasks.py "$BIN" "$T/$c" "$TESTDATA" $c \
	    > "$T/$c.log" 2>&1; then
		ok "$c: $(grep -c '^ok' "$T/$c.log") checks; $(grep '^# ' \
		    "$T/$c.log" | tr '\n' ' ')"
	else
		fail "$c" "$(grep -v '^ok' "$T/$c.log" | tail -n 8)"
	fi
done
finish

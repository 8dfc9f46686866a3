#!/bin/sh
# infer's hot swap under load (tests/py/infer_swap.py): 1,000,000 frames
# with 20 swaps by flipping the bundle's symlink (250,000 under ASan), and
# 200,000 with 10 swaps by SIGHUP (--poll 0) under a required key; among
# them a flipped byte, a truncated file, NaN weights, a newer format, a
# bundle that does not fit the stream, an unsigned one and one signed by
# another key, each refused with its reason while the old model serves.  Every frame
# has exactly one prediction, in order, scored by the model its meta names;
# the model changes only at a model_swap event.  (bench/infer.sh runs the
# 10-million-frame, 100-swap version.)
. tests/lib.sh
case $BIN in *san*) n1=250000 n2=100000 ;; *) n1=1000000 n2=200000 ;; esac
check "hot swap: $n1 frames, 20 symlink flips" $PY tests/py/infer_swap.py \
    "$BIN" "$T/a" $n1 20 symlink
mkdir -p "$T/b"
"$BIN/bundle" keygen "$T/b/fleet" > /dev/null
check "hot swap: $n2 frames, 10 SIGHUPs, signed" $PY tests/py/infer_swap.py \
    "$BIN" "$T/b" $n2 10 hup "$T/b/fleet"
finish

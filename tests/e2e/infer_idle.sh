#!/bin/sh
# infer scores what it holds for a batch as soon as its input goes quiet
# (tests/py/infer_idle.py): bursts of 50 frames through a pipe that stays
# open each come out whole, with an MLP that batches through BLAS.
. tests/lib.sh
check "held frames scored when the input goes quiet" $PY tests/py/infer_idle.py "$BIN" "$T"
finish

#!/bin/sh
# infer's frame handling and bundle(1) (tests/py/infer_misc.py): missing and
# NaN features rejected naming them, --nan mean, pass-through of other kinds
# in place, meta copied, --keep, --shadow, --kind sample; every refusal at
# start (truncated, flipped byte, NaN weights, newer body and container
# versions, shapes, unsigned under --pubkey, another key, bad signature)
# exits 65 naming the file and the reason; bundle show, --json (equal to the
# Python reader), verify, sign, diff, section, keygen.
. tests/lib.sh
check "infer frames, refusals, bundle(1)" $PY tests/py/infer_misc.py \
    "$BIN" "$T"
finish

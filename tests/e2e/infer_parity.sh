#!/bin/sh
# Train/serve parity, end to end (tests/py/infer_parity.py): CWRU samples
# through validate -s M | normalize -p M | window -C M | infer -m M, where M
# is one bundle carrying the schema, the normalize parameters, window's
# --print-config and a scikit-learn model, give the same bytes as the chain
# with separate files, and the same predictions (1e-5 relative, labels
# equal) as the Python pipeline on the same rows: numpy z-score, the window
# oracle's time features, sklearn predict_proba.
. tests/lib.sh
check "validate | normalize | window | infer with one bundle = Python" \
    $PY tests/py/infer_parity.py "$BIN" "$TESTDATA" "$T"
finish

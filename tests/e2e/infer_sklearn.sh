#!/bin/sh
# infer and the exporter against scikit-learn (/usr/bin/python3) on real
# rows: 3,000 C-MAPSS FD001 rows (12 sensors; RUL) and 607 CWRU drive-end
# window features made by window; every model kind (logistic, softmax,
# ridge with 1 and 2 outputs, MLP regressor and classifier, PCA with T^2
# and Q, Mahalanobis): score, label, p.CLASS, q, anomaly within 1e-5
# relative, through the BLAS batch and the row path; the reader gives back
# sklearn's arrays; bundle show --json agrees with it.
# (tests/py/infer_sklearn.py does the work.)
. tests/lib.sh
check "infer vs scikit-learn, every kind" $PY tests/py/infer_sklearn.py \
    "$BIN" "$TESTDATA" "$T"
finish

#!/bin/sh
# train: the model core against scikit-learn, numpy and scipy on the same
# matrices (tests/py/train_core.py): logistic and softmax coefficients and
# probabilities within 1e-4 (C, tol=1e-10), ridge within 1e-8, PCA
# components and explained variance within 1e-8, T^2 and Q and their
# limits, Mahalanobis, the MLP's median validation metric of 5 seeds within
# 5%, and the metrics against sklearn.metrics.
. tests/lib.sh

for c in logistic softmax ridge pca mahalanobis mlp_regressor mlp_classifier
do
	if $PY tests/py/train_core.py "$BIN" "$T" $c > "$T/$c.log" 2>&1; then
		ok "$c: $(grep -c '^ok' "$T/$c.log") checks"
	else
		fail "$c" "$(grep -v '^ok' "$T/$c.log" | tail -n 5)"
	fi
done
finish

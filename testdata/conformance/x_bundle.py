#!/usr/bin/python3
"""Writes testdata/conformance/x.bundle, the model infer(1)'s conformance
run serves (filters/infer/conformance.args): a Ridge regression on the one
feature "x" of the frames tests/py/conformance.py makes (x in -8..8).

    PYTHONPATH=pipelines/python python3 testdata/conformance/x_bundle.py
"""
import os
import sys

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pdm_bundle import export

here = os.path.dirname(os.path.abspath(__file__))
X = (np.arange(170) % 17 - 8.0).reshape(-1, 1)
y = 2.0 * X[:, 0] + 1.0
pipe = make_pipeline(StandardScaler(), Ridge(alpha=1e-6)).fit(X, y)
export(os.path.join(here, "x.bundle"), pipe, ["x"], name="conformance-x",
       version="1", X_train=X, created=1700000000)
sys.exit(0)

#!/bin/sh
# make demo (pipelines/demo.sh) end to end with BIN's programs: its story's
# key lines (IMS: the first sustained alarm, as numpy finds it from the
# features table with the same detector; the C-MAPSS loop: drift confirmed,
# the gate promoted, infer switched, RMSE fell) and the HTML report: it
# exists and every inline SVG parses as XML with the plot's marks in it.
# About 10 s in rel, 25 s under ASan.
. "$(dirname "$0")/../lib.sh"
for p in ingest validate window tap train infer drift bundle registry trigger sample-upload collect; do
	[ -x "$BIN/$p" ] || skip "$BIN/$p is not built"
done
DEMO_OUT=$T/demo BIN=$BIN sh pipelines/demo.sh > "$T/out" 2> "$T/err"
check "demo exits 0" test $? -eq 0
# the IMS alarm, from the table itself: Mahalanobis on the first 300 rows'
# 16 features (not *_mean), the F-based limit at 0.001, 3 alarms in a row
$PY - "$TESTDATA/ims/ims2_snapshot_features_derived.csv" > "$T/ims.expect" <<'PY'
import csv, sys
import numpy as np
from scipy import stats
rows = list(csv.DictReader(open(sys.argv[1])))
names = [k for k in rows[0] if k not in ("snapshot", "timestamp", "n_rows") and not k.endswith("_mean")]
X = np.array([[float(r[k]) for k in names] for r in rows])
n, p = 300, len(names)
Z = (X - X[:n].mean(0)) / X[:n].std(0)
P = np.linalg.inv(np.cov(Z[:n].T))
Dv = Z - Z[:n].mean(0)
s = np.einsum("ij,jk,ik->i", Dv, P, Dv)
thr = p * (n - 1) * (n + 1) / (n * (n - p)) * stats.f.ppf(0.999, p, n - p)
a = s > thr
first = next(i for i in range(n, len(a) - 2) if a[i:i + 3].all())
print("first sustained alarm, 3 snapshots in a row: from %s, raised at %s" % (rows[first]["timestamp"], rows[first + 2]["timestamp"]))
print("alarms after training before it: %d" % a[n:first].sum())
print("training snapshots above the threshold: %d of %d" % (a[:n].sum(), n))
PY
while read -r l; do
	check "ims: \"$l\" as numpy has it" grep -qF "$l" "$T/out"
done < "$T/ims.expect"
check "ims: drift confirmed on bearing 1" grep -qE '^     2004-02-1[5-9] [0-9:]+  confirmed  .*b1_' "$T/out"
check "ims: every snapshot scored" grep -q '^     infer   in=984 out=984 rejected=0' "$T/out"
check "cmapss: drift confirmed after the recalibration" grep -qE '=> drift confirmed at fleet time [0-9]+, [0-9]+ s after the recalibration at 400' "$T/out"
check "cmapss: the gate promoted, with its numbers" grep -qE '=> the gate said promote: RMSE of the candidate [0-9.]+ against [0-9.]+ for the serving model, on [0-9]+ held-out frames' "$T/out"
check "cmapss: infer switched to @2" grep -q '=> infer switched from cmapss-rul@1 to cmapss-rul@2' "$T/out"
# the error after the switch below the error after the change
awk '/after the change, cmapss-rul@1/ { c = $(NF - 2) } /after the switch, cmapss-rul@2/ { s = $(NF - 2) }
    END { exit !(c > 0 && s > 0 && s < c) }' "$T/out"
check "cmapss: RMSE after the switch below that after the change" test $? -eq 0
check "the report's path is said" grep -qF "== report: $T/demo/report.html" "$T/out"
$PY - "$T/demo/report.html" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
page = open(sys.argv[1]).read()
svgs = re.findall(r"<svg .*?</svg>", page, re.S)
assert len(svgs) == 3, "%d svg" % len(svgs)
ns = "{http://www.w3.org/2000/svg}"
for s in svgs:
    root = ET.fromstring(s)
    assert root.tag == ns + "svg"
    assert len(root.findall(".//" + ns + "path")) >= 1
text = [" ".join(t.text or "" for t in ET.fromstring(s).iter(ns + "text")) for s in svgs]
assert "sustained alarm" in text[0] and "drift confirmed" in text[0], text[0]
assert "recalibrated" in text[1] and "drift confirmed" in text[1] and "swaps to" in text[1], text[1]
assert "drift: confirmed" in text[2], text[2]
m = re.search(r"drift carried \(largest difference ([0-9.e+-]+)\)", page)
assert m and float(m.group(1)) < 1e-4, "W1 recomputed in python differs from drift's: %s" % (m and m.group(1))
assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
PY
check "report: 3 SVG plots parse, marks present, W1 as drift has it, no script or link" test $? -eq 0
finish

#!/bin/sh
# drift on real recordings (docs/drift.md, "Real data"):
# - IMS set 2, per-snapshot features (testdata/ims): reference from the
#   first healthy days (02-12 and 02-13), bearing 1's rms, kurtosis, peak
#   and mean |x| watched in windows of 36 snapshots (6 h) every 6 (1 h),
#   thresholds calibrated for 1 false alarm per 30 days at one snapshot
#   every 10 min: no confirmed drift on 02-14 and 02-15, confirmed on
#   bearing 1 before it failed (end of the run, 02-19 06:22).
# - NAB machine temperature (testdata/nab, labelled windows from
#   combined_windows.json): reference the first 5 days, daily windows every
#   2 h, W1 above 1.5 std: the windows hit and the events outside them.
. "$(dirname "$0")/../lib.sh"
R="$PY tests/py/drift_real.py"

"$BIN/ingest" -q --device ims2 --meta snapshot --skip n_rows \
    "$TESTDATA/ims/ims2_snapshot_features_derived.csv" > "$T/ims.mp"
$R split "$T/ims.mp" 2004-02-14 "$T/ims_ref.mp" "$T/ims_live.mp"
"$BIN/drift" -q --fit-reference "$T/ims.prof" \
    -f b1_rms,b1_kurtosis,b1_peak_abs,b1_mean_abs < "$T/ims_ref.mp" > /dev/null
"$BIN/drift" -q -r "$T/ims.prof" -w 36 -e 6 -T ks,psi,w1 --false-alarms 1 \
    --frame-rate 0.0016667 --events "$T/ims_ev.mp" < "$T/ims_live.mp" > "$T/ims_out.mp"
check "ims: exits 0" test $? -eq 0
check "ims: frames pass" cmp -s "$T/ims_live.mp" "$T/ims_out.mp"
check "ims: quiet on 02-14/15, bearing 1 confirmed before the failure" $R ims "$T/ims_ev.mp"

"$BIN/ingest" -q --device m1 "$TESTDATA/nab/machine_temperature_system_failure.csv" |
    "$BIN/validate" -q -s "$TESTDATA/validate/nab-machine.schema" --reject /dev/null > "$T/nab.mp"
$R split "$T/nab.mp" 2013-12-08 "$T/nab_ref.mp" "$T/nab_rest.mp"
"$BIN/drift" -q --fit-reference "$T/nab.prof" -f value < "$T/nab_ref.mp" > /dev/null
"$BIN/drift" -q -r "$T/nab.prof" -w 288 -e 24 -T w1 --w1 1.5 \
    --events "$T/nab_ev.mp" < "$T/nab.mp" > /dev/null
check "nab: labelled windows hit, events outside counted" $R nab "$T/nab_ev.mp" "$TESTDATA/nab/combined_windows.json"
finish

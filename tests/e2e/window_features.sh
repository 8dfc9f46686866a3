#!/bin/sh
# window: every feature against numpy/scipy (tests/py/window_check.py) on
# real slices -- CWRU drive end (12 and 48 kHz), the twelve IMS snapshots
# (4 channels), NAB machine temperature (time windows on the clock, with the
# file's backwards step rejected as late), NAB office temperature (gaps) --
# and two hop-1 runs against a recompute from scratch: 108,000 CWRU samples
# and 100,000 samples of 70 C with 0.01 C noise, drift and a step (the same
# with hops of 200, where window sums by passes instead of sliding).
# Tolerances (issue 4) are in window_check.py.
. tests/lib.sh

W=$BIN/window
GEN="$PY tests/py/window_gen.py"
CHK="$PY tests/py/window_check.py"
CWRU_B=balls=9,ball=0.3126,pitch=1.537,angle=0,rpm=1797
IMS_B=balls=16,ball=0.331,pitch=2.815,angle=15.17,rpm=2000

# accounting NAME: the last run's counters satisfy window(1)'s equations
accounting() {
	if $PY - "$T/err" <<'PYEOF'; then ok "$1: accounting"; else fail "$1: accounting"; fi
import re, sys
c = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", open(sys.argv[1]).read())}
ok = (c["in"] == c["passed"] + c["used"] + c["skipped"] + c["rejected"] and
      c["out"] == c["passed"] + c["features"])
print(c)
sys.exit(0 if ok else 1)
PYEOF
}

for rec in 12k_DE_0hp_IR007_105 12k_DE_0hp_OR021at6_234 48k_DE_0hp_normal_097; do
	case $rec in 48k*) r=48000 ;; *) r=12000 ;; esac
	$GEN cwru "$TESTDATA/cwru/cwru_$rec.csv.gz" $r de > "$T/$rec.in"
	if "$W" -C testdata/window/cwru.conf -r $r -s $r \
	    -b 8,100-200,2500-3000 -f all < "$T/$rec.in" > "$T/$rec.out" \
	    2> "$T/err"; then
		accounting "CWRU $rec"
		check "CWRU $rec: every feature" $CHK windows "$T/$rec.in" \
		    "$T/$rec.out" --rate $r --bands 8,100-200,2500-3000 \
		    --bearing $CWRU_B
	else
		fail "window CWRU $rec"
	fi
done

# an odd window (zero-padded FFT), a Hamming taper, Pearson kurtosis, the
# rate taken from the times
$GEN cwru "$TESTDATA/cwru/cwru_12k_DE_0hp_IR021_209.csv.gz" 12000 de \
    > "$T/ir21.in"
if "$W" -q -s 7001 -f all -b 5 -w hamming -k pearson -B $CWRU_B \
    < "$T/ir21.in" > "$T/ir21.out"; then
	check "CWRU IR021: odd windows, Hamming, Pearson, rate from times" \
	    $CHK windows "$T/ir21.in" "$T/ir21.out" --bands 5 --wfn hamming \
	    --kurtosis pearson --bearing $CWRU_B --frames 6
else
	fail "window CWRU IR021"
fi

set --
for f in "$TESTDATA"/ims/2nd_test/*.gz; do
	set -- "$@" "$f"
done
$GEN ims 20480 ims "$@" > "$T/ims.in"
if "$W" -C testdata/window/ims.conf -f all < "$T/ims.in" > "$T/ims.out" \
    2> "$T/err"; then
	accounting "IMS"
	check "IMS: every feature of 4 channels, 12 snapshots" $CHK windows \
	    "$T/ims.in" "$T/ims.out" --rate 20480 --bands 8 --bearing $IMS_B \
	    --frames 12
else
	fail "window IMS"
fi
if "$W" -q -s 1s -H 500ms -r 20480 -f time,spectral,envelope -B $IMS_B \
    --env-band 10-1000 --env-tol 2 --harmonics 2 < "$T/ims.in" \
    > "$T/ims2.out"; then
	check "IMS: 1-s time windows, 50% hop, other envelope settings" \
	    $CHK windows "$T/ims.in" "$T/ims2.out" --rate 20480 \
	    --bearing $IMS_B --env-band 10-1000 --env-tol 2 --harmonics 2
else
	fail "window IMS 1-s"
fi

$GEN nab "$TESTDATA/nab/machine_temperature_system_failure.csv" m \
    > "$T/nab.in"
if "$W" -s 1h -a clock -f time,spectral -b 4 < "$T/nab.in" \
    > "$T/nab.out" 2> "$T/err"; then
	accounting "NAB machine temperature"
	grep -q "late=11 " "$T/err" && ok "NAB: 11 samples behind the step back are late" ||
	    fail "NAB late" "$(cat "$T/err")"
	check "NAB machine temperature: hourly clock windows" $CHK windows \
	    "$T/nab.in" "$T/nab.out" --bands 4
else
	fail "window NAB"
fi
$GEN nab "$TESTDATA/nab/ambient_temperature_system_failure.csv" o \
    > "$T/amb.in"
if "$W" -q -s 1d -g 3h -f mean,std,min,max,slope < "$T/amb.in" \
    > "$T/amb.out"; then
	check "NAB office temperature: daily windows closed by gaps" \
	    $CHK windows "$T/amb.in" "$T/amb.out"
else
	fail "window NAB office"
fi

$GEN concat "$TESTDATA/cwru/cwru_12k_DE_0hp_IR007_105.csv.gz" \
    "$TESTDATA/cwru/cwru_12k_DE_0hp_OR021at6_234.csv.gz" \
    "$TESTDATA/cwru/cwru_12k_DE_0hp_B007_118.csv.gz" > "$T/cat.in"
if "$W" -q -s 256 -H 1 < "$T/cat.in" > "$T/cat.out"; then
	check "hop 1, 108,000 CWRU samples: every window vs from scratch" \
	    $CHK rolling "$T/cat.in" "$T/cat.out" 256
else
	fail "window hop 1"
fi
$GEN temp 100000 7 > "$T/temp.in"
if "$W" -q -s 600 -H 1 -f mean,std,rms,kurtosis,slope < "$T/temp.in" \
    > "$T/temp.out"; then
	check "hop 1, 70 C +- 0.01 C: every window vs from scratch" \
	    $CHK rolling "$T/temp.in" "$T/temp.out" 600
else
	fail "window hop 1 temperature"
fi
# hops of a third of the window: features by passes over the ring (lazy)
if "$W" -q -s 600 -H 200 < "$T/temp.in" > "$T/temp3.out"; then
	check "hop 200 of 600, 70 C +- 0.01 C: every window" \
	    $CHK windows "$T/temp.in" "$T/temp3.out" --frames 498
else
	fail "window hop 200 temperature"
fi
finish

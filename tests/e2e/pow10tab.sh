#!/bin/sh
# libstream/pow10tab.h is generated: its generator, libstream/gen/pow10.py,
# must still write it byte for byte, and each entry must be the truncated
# 128-bit mantissa of its power of ten, computed here another way (exact
# fractions: floor(10^e * 2^s) for the s that puts it in [2^127, 2^128)).
. tests/lib.sh

$PY libstream/gen/pow10.py > "$T/pow10tab.h"
check "gen/pow10.py exits 0" test $? -eq 0
check "gen/pow10.py gives libstream/pow10tab.h byte for byte" \
	cmp "$T/pow10tab.h" libstream/pow10tab.h
check "every entry is floor(10^e * 2^s), 2^127 <= it < 2^128, e = -348..347" \
	$PY - libstream/pow10tab.h <<'PY'
import re, sys
from fractions import Fraction
from math import floor
rows = re.findall(r'\{ 0x([0-9A-F]{16}), 0x([0-9A-F]{16}) \},\t/\* 1e(-?\d+) \*/',
                  open(sys.argv[1]).read())
es = [int(e) for _, _, e in rows]
assert es == list(range(-348, 348)), 'exponents'
for hi, lo, e in rows:
    x = Fraction(10) ** int(e)
    s = 127 - (x.numerator.bit_length() - x.denominator.bit_length())
    while x * Fraction(2) ** s >= 2 ** 128:
        s -= 1
    while x * Fraction(2) ** s < 2 ** 127:
        s += 1
    want = floor(x * Fraction(2) ** s)
    assert int(hi + lo, 16) == want, e
PY
finish

#!/bin/sh
# normalize's mistakes and warnings: misuse exits 64 with the usage line;
# every kind of mistake in a parameters file exits 65 before the first frame
# with "file:line: why"; asking to scale a channel that is absent, constant
# or whose scale would be 0 is an error at start (65); --fit warns of NaN,
# non-numbers, constant and missing channels by name, quotes names with
# blanks, writes nothing when there is nothing to fit, and never leaves a
# half-written file.
. tests/lib.sh

D=$TESTDATA/normalize
N=$BIN/normalize
$PY tests/py/normalize_frames.py jsonl "$D/mixed.jsonl" > "$T/in.mp" || fail "frames"

# ---- usage -------------------------------------------------------------------
$N --help > "$T/help" 2> "$T/err"
check "--help: exit 0" test $? -eq 0
check "--help: usage on stdout, nothing on stderr" \
	sh -c "grep -q '^usage: normalize ' '$T/help' && grep -q -- '--inverse' '$T/help' && ! test -s '$T/err'"
for args in "-x" "-p $D/mixed.params extra" "" "-f -o x" "-f -u" \
    "-f --reject x" "-c a,,b -f" "-c a,a -f"; do
	# shellcheck disable=SC2086
	$N $args < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	check "misuse '$args': exit 64, usage on stderr, nothing out" \
		sh -c "test $st -eq 64 && grep -q '^usage: normalize' '$T/err' && ! test -s '$T/out'"
done
# a bad option value: one line naming the option, exit 64, no usage
for args in "-m none -p $D/mixed.params" "-m median -f" \
    "--missing ignore -p $D/mixed.params"; do
	# shellcheck disable=SC2086
	$N $args < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	check "bad value '$args': exit 64, one line naming the option" \
		sh -c "test $st -eq 64 && test \$(wc -l < '$T/err') -eq 1 && grep -q '^normalize: --m' '$T/err' && ! test -s '$T/out'"
done

# ---- the parameters file -----------------------------------------------------
# bad NAME 'LINE' 'MESSAGE' CONTENT: a file that must be refused with
# "FILE:LINE: MESSAGE..." and exit 65, before any frame is written
bad() {
	name=$1 line=$2 msg=$3
	printf '%b' "$4" > "$T/$name.params"
	$N -p "$T/$name.params" < "$T/in.mp" > "$T/out" 2> "$T/err"
	st=$?
	if [ $st -eq 65 ] && grep -qF "normalize: $T/$name.params:$line: $msg" "$T/err" &&
	    ! test -s "$T/out"; then
		ok "params $name: refused at line $line"
	else
		fail "params $name: refused at line $line" "exit $st: $(cat "$T/err")"
	fi
}
bad noversion 1 "expected 'version 1' before the first channel" 'a zscore 1 2\n'
bad version2 2 "version '2' is not supported" '# c\nversion 2\n'
bad method 2 "a: unknown method 'zcore'" 'version 1\na zcore 1 2\n'
bad zeroscale 3 "scale 0: must be finite and > 0" 'version 1\n\na zscore 1 0\n'
bad negscale 2 "scale -2: must be finite and > 0" 'version 1\na minmax 1 -2\n'
bad infcenter 2 "center inf: must be finite" 'version 1\na minmax inf 2\n'
bad disagree 2 "center 5 disagrees with the zscore center 4 from the statistics" \
	'version 1\na zscore 5 2 mean=4 std=2\n'
bad disagree2 2 "scale 3 disagrees with the robust scale 2 from the statistics" \
	'version 1\na robust 2 3 q25=1 q50=2 q75=3\n'
bad dash 2 "'-' takes the center from the statistics, but zscore needs mean= and std=" \
	'version 1\na zscore - 2\n'
bad key 2 "'avg': unknown key" 'version 1\na zscore 1 2 avg=3\n'
bad twice 2 "n given twice" 'version 1\na zscore 1 2 n=3 n=4\n'
bad count 2 "n: '-3' is not a count" 'version 1\na zscore 1 2 n=-3\n'
bad dup 4 "channel 'a' given twice (first at line 2)" \
	'version 1\na zscore 1 2\nb zscore 1 2\na minmax 0 1\n'
bad quote 2 "word 1: no closing quote" 'version 1\n"a b zscore 1 2\n'
bad escape 2 "word 1: unknown escape" 'version 1\n"a\\qb" zscore 1 2\n'
bad few 2 "expected NAME METHOD CENTER SCALE [STAT=VALUE ...], found 3 words" \
	'version 1\na zscore 1\n'
bad nan 2 "center: 'one' is not a number" 'version 1\na zscore one 2\n'
bad order 2 "q25=3 is above q50=2" 'version 1\na robust - - q25=3 q50=2 q75=4\n'
bad kind 2 "kind=window: not sample or features" 'version 1\na zscore 1 2 kind=window\n'
bad nul 3 "a NUL byte" 'version 1\n\na\0 zscore 1 2\n'
printf '' > "$T/empty.params"
$N -p "$T/empty.params" < "$T/in.mp" > "$T/out" 2> "$T/err"
check "params empty: refused (65) with a reason" \
	sh -c "test $? -eq 65 && grep -qF \"empty: no 'version 1' line\" '$T/err'"
$N -p "$T/nonesuch" < "$T/in.mp" > "$T/out" 2> "$T/err"
check "params missing: exit 66, file named" \
	sh -c "test $? -eq 66 && grep -qF '$T/nonesuch: No such file' '$T/err'"

# a name with blanks and quotes survives the file both ways
printf 'version 1\n"a \\"q\\" b" zscore 1 2 # comment\n' > "$T/quoted.params"
$PY -c '
import struct, sys, msgpack
t = msgpack.ExtType(0, struct.pack(">II", 1, 0))
sys.stdout.buffer.write(msgpack.packb([[t, {}], {"a \"q\" b": 5.0}]))
' > "$T/q.mp"
check "a quoted name with blanks and quotes is scaled" sh -c \
	"$N -q -p '$T/quoted.params' < '$T/q.mp' | $PY -c '
import sys, msgpack
fr = msgpack.unpackb(sys.stdin.buffer.read(), raw=False)
assert fr[1] == {\"a \\\"q\\\" b\": 2.0}, fr
'"

# ---- asking for a channel that cannot be scaled --------------------------------
cat > "$T/fitted.params" <<'EOF'
version 1
s1 none - - n=4 nonfinite=0 mean=5 std=0 min=5 max=5 q25=5 q50=5 q75=5 qerr=0
s6 zscore - - n=5 nonfinite=0 mean=2.8 std=0.4 min=2 max=3 q25=3 q50=3 q75=3 qerr=0
s7 zscore 1 2
EOF
refuse() {
	name=$1 msg=$2; shift 2
	$N "$@" < "$T/in.mp" > "$T/out" 2> "$T/err"
	st=$?
	if [ $st -eq 65 ] && grep -qF "$msg" "$T/err" && ! test -s "$T/out"; then
		ok "$name: refused at start"
	else
		fail "$name: refused at start" "exit $st: $(cat "$T/err")"
	fi
}
refuse "-c a constant channel" \
	"fitted.params:2: channel s1: method none (constant in the fitted data, scale 0): cannot scale it" \
	-c s1 -p "$T/fitted.params"
refuse "-c a channel robust would divide by 0" \
	"fitted.params:3: channel s6: fitted robust scale is 0: cannot scale it" \
	-m robust -c s6 -p "$T/fitted.params"
refuse "-c a channel not in the file" "fitted.params: channel zz: not in the parameters file" \
	-c s6,zz -p "$T/fitted.params"
refuse "-m on a line without statistics" \
	"fitted.params:4: channel s7: -m minmax needs the statistics" \
	-m minmax -p "$T/fitted.params"
# without -c, -m robust leaves s6 alone with a warning, and scales nothing else
printf 'version 1\ns6 zscore - - mean=2.8 std=0.4 q25=3 q50=3 q75=3 min=2 max=3\n' > "$T/s6.params"
$N -m robust -p "$T/s6.params" < "$T/in.mp" > "$T/out" 2> "$T/err"
check "-m robust without -c: exit 0, a warning names s6" \
	sh -c "test $? -eq 0 && grep -qF 'channel s6: robust scale is 0' '$T/err'"
check "-m robust without -c: nothing scaled, nothing rejected" \
	grep -q '^normalize: in=12 out=12 rejected=0 dropped=0' "$T/err"

# ---- --fit warnings ----------------------------------------------------------
$N -f -p "$T/mixed.fit" < "$T/in.mp" 2> "$T/err"
check "fit mixed: exit 0" test $? -eq 0
check "fit mixed: warns of the infinite a" grep -q '^normalize: a: 1 NaN or infinite value not fitted$' "$T/err"
check "fit mixed: warns of NaN and Inf in b" grep -q '^normalize: b: 2 NaN or infinite values not fitted$' "$T/err"
check "fit mixed: warns of the string and the bool in b" grep -q '^normalize: b: 2 values not a number, not fitted$' "$T/err"
check "fit mixed: counts the other kinds" grep -q '^normalize: in=12 fitted=10 other=2 bad=0$' "$T/err"
check "fit mixed: a name with a blank is quoted" grep -q '^"x y" zscore ' "$T/mixed.fit"
check "fit mixed: kind=features on a features channel" grep -q '^a.std zscore .* kind=features ' "$T/mixed.fit"
check "fit mixed: kind=sample on a sample channel" grep -q '^a zscore .* kind=sample ' "$T/mixed.fit"
check "fit mixed: matches numpy" $PY -c '
import sys, numpy as np
from normalize_check import read_params
p = read_params(sys.argv[1])
want = {"a": [14, 12, 8, 10, 16, 9], "b": [0, 4], "c": [7.5, 1],
        "x y": [2, 1, 0, 1.5, 1.25, -1, 3, 1], "a.mean": [110], "a.std": [3, 2]}
assert set(p) == set(want), sorted(p)
for k, v in want.items():
    x = np.array(v, dtype=float)
    e = p[k]
    assert e["n"] == len(x), (k, e)
    assert abs(e["mean"] - x.mean()) <= 1e-12 * abs(x.mean()), (k, e)
    assert abs(e["std"] - x.std()) <= 1e-12 * x.std() or e["std"] == x.std() == 0, (k, e)
    for q, phi in (("q25", .25), ("q50", .5), ("q75", .75)):
        assert e[q] == np.quantile(x, phi), (k, q, e[q], np.quantile(x, phi))
    assert e["qerr"] == 0
assert p["a.mean"]["method"] == "none"   # one value: constant
' "$T/mixed.fit"
check "fit mixed: the one-valued a.mean is named constant" \
	grep -q '^normalize: a.mean: constant (every one of 1 values is 110): left out$' "$T/err"

$N -q -f -c a,zz -p "$T/c.fit" < "$T/in.mp" 2> "$T/err"
check "fit -c with an absent channel: warns, fits the rest" \
	sh -c "grep -q '^normalize: zz: no finite number in 10 frames: left out$' '$T/err' && grep -q '^a zscore' '$T/c.fit' && ! grep -q '^zz' '$T/c.fit'"
check "fit -c: a channel missing from some frames is named" \
	grep -q '^normalize: a: missing from 1 of 8 sample frames$' "$T/err"

$N -f -p "$T/none.fit" < /dev/null 2> "$T/err"
check "fit on nothing: exit 65, no file" \
	sh -c "test $? -eq 65 && grep -q 'no channel with a finite number' '$T/err' && ! test -e '$T/none.fit'"
$N -f -p "$T/nodir/x.fit" < "$T/in.mp" 2> "$T/err"
check "fit into a missing directory: exit 73, no file" \
	sh -c "test $? -eq 73 && ! test -e '$T/nodir'"
printf 'keep me\n' > "$T/keep.fit"
$N -f -c zz -p "$T/keep.fit" < "$T/in.mp" 2> "$T/err"
check "fit that fails leaves an existing file alone" \
	sh -c "test $? -eq 65 && test \"\$(cat '$T/keep.fit')\" = 'keep me'"
# a fifo (or a device) is written in place, never renamed over
mkfifo "$T/fifo" && {
	cat "$T/fifo" > "$T/fifo.out" &
	$N -q -f -p "$T/fifo" < "$T/in.mp" 2> /dev/null
	st=$?
	wait
	check "fit into a fifo: exit 0, the text arrives, the fifo stays a fifo" \
		sh -c "test $st -eq 0 && grep -q '^version 1$' '$T/fifo.out' && test -p '$T/fifo'"
}
check "fit writes no temporary files behind" \
	sh -c "! ls '$T' | grep -q '\.tmp'"

finish

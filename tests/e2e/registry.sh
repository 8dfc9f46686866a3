#!/bin/sh
# registry: bundles written by an independent writer (tests/py/mkbundle.py:
# msgpack, hashlib, python3-cryptography's ed25519) are verified on add
# (tampered, unsigned, foreign-key bundles refused with 65, nothing stored);
# a version is stored once (same bytes again: 0, other bytes: 73, the stored
# file unchanged); promote flips the alias symlink; eight processes
# promoting at once leave a history whose every move starts where the one
# before it ended and ends where the link points, one line per move they
# printed; rollback walks back through the holders and then says there is
# none (69); refuse records without moving; why and gate texts with tabs and
# newlines survive in the history; a bundle changed at rest is not promoted;
# a held lock gives 75 after --wait; the history disagreeing with the link
# gives 70; verify finds the bundle changed at rest and the moved link.
. tests/lib.sh

R=$BIN/registry
MK="$PY tests/py/mkbundle.py"
D=$T/reg
reg() { $R -d "$D" "$@"; }

# ---- usage -------------------------------------------------------------------
$R --help > "$T/help" 2> "$T/err"
check "--help: exit 0" test $? -eq 0
check "--help: usage on stdout, nothing on stderr" \
	sh -c "grep -q '^usage: registry ' '$T/help' && grep -q 'rollback' '$T/help' && ! test -s '$T/err'"
for args in "" "frob" "list a b" "add" "promote m" "promote m@1 extra" \
    "list -y why" "add -a staging x" "promote ../m@1" "promote m@.." \
    "promote m@1 -a versions" "rollback m@1" "-w -1 list" "-w x list"; do
	# shellcheck disable=SC2086
	$R -d "$D" $args > "$T/out" 2> "$T/err"
	st=$?
	check "misuse '$args': exit 64, nothing out" \
		sh -c "test $st -eq 64 && test -s '$T/err' && ! test -s '$T/out'"
done
reg list > /dev/null 2>&1
check "list of a registry that does not exist: exit 66" test $? -eq 66

# ---- keys and bundles --------------------------------------------------------
$MK keygen "$T/sk" "$T/pk" && $MK keygen "$T/sk2" "$T/pk2" || fail "keygen"
for v in 1 2 3 4 5; do
	$MK make "$T/m$v.bundle" cmapss-rul "$v" --sk "$T/sk" --rmse "$((50 - v))" \
		--coef "$v,1,2" || fail "make $v"
done
$MK make "$T/m3-other.bundle" cmapss-rul 3 --sk "$T/sk" --coef 9,9,9 || fail "make other"
$MK make "$T/unsigned.bundle" cmapss-rul 6 || fail "make unsigned"
$MK make "$T/foreign.bundle" cmapss-rul 7 --sk "$T/sk2" || fail "make foreign"
$MK tamper "$T/m5.bundle" "$T/tampered.bundle" || fail "tamper"

reg init -k "$T/pk" > "$T/out" 2> "$T/err"
check "init -k: exit 0, key pinned" sh -c "test $? -eq 0 && cmp -s '$D/pubkey' '$T/pk'"

reg add "$T/m1.bundle" "$T/m2.bundle" "$T/m3.bundle" "$T/m4.bundle" "$T/m5.bundle" \
	> "$T/out" 2> "$T/err"
check "add 5 signed bundles: exit 0" test $? -eq 0
check "add: each reported added" test "$(grep -c '^cmapss-rul@[1-5] added$' "$T/out")" -eq 5
check "add: stored as the same bytes" \
	sh -c "for v in 1 2 3 4 5; do cmp -s '$T/m'\$v.bundle '$D/cmapss-rul/versions/'\$v.bundle || exit 1; done"
check "add: stored read-only" sh -c "! test -w '$D/cmapss-rul/versions/1.bundle' || test \$(id -u) -eq 0"
perm=$(stat -c %a "$D/cmapss-rul/versions/1.bundle")
check "add: mode 444" test "$perm" = 444

reg add "$T/m3.bundle" > "$T/out" 2> "$T/err"
check "add the same bytes again: exit 0, said so" \
	sh -c "test $? -eq 0 && grep -q 'cmapss-rul@3 already present' '$T/out'"
reg add "$T/m3-other.bundle" > "$T/out" 2> "$T/err"
st=$?
check "add version 3 with other bytes: exit 73, named" \
	sh -c "test $st -eq 73 && grep -q 'cmapss-rul@3 exists' '$T/err'"
check "the stored version 3 is untouched" cmp -s "$T/m3.bundle" "$D/cmapss-rul/versions/3.bundle"

for b in tampered unsigned foreign; do
	reg add "$T/$b.bundle" > "$T/out" 2> "$T/err"
	st=$?
	check "add $b bundle: exit 65, reason on stderr, nothing stored" \
		sh -c "test $st -eq 65 && grep -q '$b.bundle' '$T/err' && ! test -s '$T/out'"
done
check "refused bundles left no file" test "$(ls "$D/cmapss-rul/versions" | wc -l)" -eq 5
reg add "$T/nonexistent.bundle" > /dev/null 2> "$T/err"
check "add a missing file: exit 66, named" sh -c "test $? -eq 66 &&
    grep -q '$T/nonexistent.bundle: open: No such file' '$T/err'"
mkdir -p "$T/dir.bundle"
reg add "$T/dir.bundle" > /dev/null 2> "$T/err"
check "add a directory: exit 65, not a regular file" sh -c "test $? -eq 65 &&
    grep -q '$T/dir.bundle: read: Invalid argument' '$T/err'"
# without a pinned key, an unsigned bundle is accepted, a tampered one not
reg2() { $R -d "$T/reg2" "$@"; }
reg2 add "$T/unsigned.bundle" > /dev/null 2> "$T/err"
check "no pinned key: unsigned bundle accepted" test $? -eq 0
reg2 add "$T/tampered.bundle" > /dev/null 2> "$T/err"
check "no pinned key: tampered bundle still refused (65)" test $? -eq 65

reg list > "$T/list"
check "list: five versions, in order" \
	sh -c "test \"\$(cut -f1 '$T/list' | tr '\n' ' ')\" = 'cmapss-rul@1 cmapss-rul@2 cmapss-rul@3 cmapss-rul@4 cmapss-rul@5 '"

# ---- promote, show, path ---------------------------------------------------------
reg promote cmapss-rul@1 -y "first model" > "$T/out" 2> "$T/err"
check "promote @1: exit 0" test $? -eq 0
check "production -> versions/1.bundle" \
	test "$(readlink "$D/cmapss-rul/production")" = "versions/1.bundle"
check "the link resolves to the stored bytes" cmp -s "$D/cmapss-rul/production" "$T/m1.bundle"
reg show cmapss-rul > "$T/show"
check "show NAME: the production holder's metadata" \
	sh -c "grep -qx 'version: 1' '$T/show' && grep -qx 'aliases: production' '$T/show' && grep -qx 'metric.rmse: 49' '$T/show' && grep -qx 'kind: ridge' '$T/show'"
sha=$($PY -c "import hashlib,msgpack,sys; print(hashlib.sha256(msgpack.unpackb(open(sys.argv[1],'rb').read())['body']).hexdigest())" "$T/m1.bundle")
check "show: the body's sha256" grep -qx "sha256: $sha" "$T/show"
check "path NAME@VERSION" test "$(reg path cmapss-rul@2)" = "$D/cmapss-rul/versions/2.bundle"
check "path NAME: the holder's file" test "$(reg path cmapss-rul)" = "$D/cmapss-rul/versions/1.bundle"
reg promote cmapss-rul@9 > /dev/null 2>&1
check "promote a version that is not there: 66" test $? -eq 66
reg promote cmapss-rul@1 > "$T/out"
check "promote the holder again: exit 0, no history line" \
	sh -c "test $? -eq 0 && test \$(grep -c '	promote	' '$D/history') -eq 1"

# ---- concurrent promotes -------------------------------------------------------------
i=0
while [ $i -lt 8 ]; do
	(
		j=0
		while [ $j -lt 12 ]; do
			v=$(( (i * 7 + j * 3) % 5 + 1 ))
			$R -d "$D" -w 60 promote "cmapss-rul@$v" -a staging -y "proc $i step $j" ||
				echo "FAILED $?"
			j=$((j + 1))
		done
	) > "$T/conc.$i" 2>&1 &
	i=$((i + 1))
done
wait
check "concurrent promotes: none failed" sh -c "! grep -q FAILED '$T'/conc.*"
moved=$(cat "$T"/conc.* | grep -c -- '->')
check "concurrent promotes: history chain consistent, ends at the link" \
	$PY - "$D/history" "$(readlink "$D/cmapss-rul/staging")" "$moved" <<'EOF'
import sys
hist, link, moved = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [l.rstrip("\n").split("\t") for l in open(hist) if not l.startswith("#")]
assert all(len(r) == 8 for r in rows), "8 fields"
st = [r for r in rows if r[3] == "staging"]
assert len(st) == moved, (len(st), moved)
prev = "-"
for r in st:
    assert r[1] == "promote" and r[2] == "cmapss-rul"
    assert r[4] == prev, ("from", r[4], "previous to", prev)
    assert r[4] != r[5]
    prev = r[5]
assert link == "versions/%s.bundle" % prev, (link, prev)
assert all(l.endswith("\n") for l in open(hist))
EOF

# ---- rollback and refuse -------------------------------------------------------------
reg promote cmapss-rul@2 -y "gate passed" -g "metric=rmse candidate=48 serving=49 margin=0" > /dev/null
reg promote cmapss-rul@3 -y "gate passed" > /dev/null
check "production at 3" test "$(readlink "$D/cmapss-rul/production")" = "versions/3.bundle"
reg rollback cmapss-rul -y "operator: bad alarms" > "$T/out"
check "rollback: 3 -> 2" sh -c "test $? -eq 0 && test \"\$(readlink '$D/cmapss-rul/production')\" = versions/2.bundle"
reg rollback cmapss-rul > "$T/out"
check "rollback again: 2 -> 1" test "$(readlink "$D/cmapss-rul/production")" = "versions/1.bundle"
reg rollback cmapss-rul > "$T/out" 2> "$T/err"
st=$?
check "rollback past the first holder: exit 69, link unchanged" \
	sh -c "test $st -eq 69 && test \"\$(readlink '$D/cmapss-rul/production')\" = versions/1.bundle"
reg promote cmapss-rul@4 > /dev/null
reg rollback cmapss-rul > /dev/null
check "promote 4 then rollback: back to 1" test "$(readlink "$D/cmapss-rul/production")" = "versions/1.bundle"

why=$(printf 'candidate worse\tby 3.2\nsee run 7 \\ report')
reg refuse cmapss-rul@5 -y "$why" -g "metric=rmse candidate=45 serving=49 margin=-5" > "$T/out"
check "refuse: exit 0, the link unchanged" \
	sh -c "test $? -eq 0 && test \"\$(readlink '$D/cmapss-rul/production')\" = versions/1.bundle"

reg history cmapss-rul -a production > "$T/hist"
check "history: production's moves, in order, with from, to, why and gate" \
	$PY - "$T/hist" "$why" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
got = [(r[1], r[4], r[5]) for r in rows]
want = [("promote", "-", "1"), ("promote", "1", "2"), ("promote", "2", "3"),
        ("rollback", "3", "2"), ("rollback", "2", "1"), ("promote", "1", "4"),
        ("rollback", "4", "1"), ("refuse", "1", "5")]
assert got == want, got
assert rows[1][6] == "gate passed"
assert rows[1][7] == "metric=rmse candidate=48 serving=49 margin=0"
assert rows[3][6] == "operator: bad alarms"
unesc = rows[-1][6].replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")
assert unesc == sys.argv[2], (unesc, sys.argv[2])
assert rows[-1][7] == "metric=rmse candidate=45 serving=49 margin=-5"
import re
assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r[0]) for r in rows)
EOF
reg history > "$T/hall"
check "history: the adds are there, with sha256" \
	test "$(grep -c "	add	cmapss-rul	-	-	[1-5]	.*	sha256=[0-9a-f]\{64\} signed=yes$" "$T/hall")" -eq 5

reg verify > "$T/verify"
st=$?
check "verify: exit 0, five versions ok, both aliases as the history says" \
	sh -c "test $st -eq 0 && test \$(grep -c ': ok (signed by the trusted key)$' '$T/verify') -eq 5 && grep -qx 'cmapss-rul/production -> 1: ok, as the history says' '$T/verify' && grep -q '^cmapss-rul/staging -> [1-5]: ok, as the history says$' '$T/verify'"

# ---- a bundle changed at rest, a held lock, a link moved by hand ------------------------
f=$D/cmapss-rul/versions/5.bundle
chmod u+w "$f" && cp "$T/tampered.bundle" "$f" && chmod 444 "$f"
reg promote cmapss-rul@5 > "$T/out" 2> "$T/err"
st=$?
check "promote a bundle changed at rest: exit 65, link unchanged" \
	sh -c "test $st -eq 65 && test \"\$(readlink '$D/cmapss-rul/production')\" = versions/1.bundle"

flock "$D/lock" sleep 3 &
lk=$!
sleep 0.5
reg -w 0.3 promote cmapss-rul@2 > /dev/null 2> "$T/err"
st=$?
check "lock held elsewhere: exit 75 after --wait, link unchanged" \
	sh -c "test $st -eq 75 && grep -q 'still locked' '$T/err' && test \"\$(readlink '$D/cmapss-rul/production')\" = versions/1.bundle"
kill "$lk" 2> /dev/null
wait "$lk" 2> /dev/null

ln -sfn versions/3.bundle "$D/cmapss-rul/production"
reg rollback cmapss-rul > /dev/null 2> "$T/err"
check "rollback when the link was moved by hand: exit 70" test $? -eq 70
reg verify > "$T/verify"
st=$?
check "verify: exit 65, the bundle changed at rest and the link moved by hand named" \
	sh -c "test $st -eq 65 && grep -q '^cmapss-rul@5: .*digest' '$T/verify' && grep -qx 'cmapss-rul/production -> 3: the history says 1' '$T/verify' && grep -qx 'cmapss-rul@4: ok (signed by the trusted key)' '$T/verify'"

finish

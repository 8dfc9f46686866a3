#!/bin/sh
# sample-upload's policies end to end, against tests/py/upload.py: the
# reservoir is uniform (chi-square over 1,200 reservoirs of 5 out of 50,
# two seeds, scipy), holds exactly K per device and interval; the event
# window holds exactly the N data frames before each drift event of its
# device and the M after, overlapping windows merged, byte for byte and in
# order; --kind event takes the events and nothing else.  The batches stay
# in the spool (no collect, --drain 0), where the oracle reads them.
. tests/lib.sh
mkdir -p "$T/in"
su() { $BIN/sample-upload -q --drain 0 --batch-count 1000 -u "dir:$T/in" "$@"; }

$PY tests/py/upload.py genres "$T/r.mp" 400 50 3 100 || fail genres
for seed in 1 2; do
	su --reservoir 5/100 --seed $seed -s "$T/r$seed" < "$T/r.mp" > /dev/null
	check "reservoir, seed $seed: exit 0" test $? -eq 0
	$PY tests/py/upload.py chi2 "$T/r$seed" 5 50 > "$T/chi$seed"
	st=$?
	sed 's/^/# /' "$T/chi$seed"
	check "reservoir, seed $seed: 5 per device and interval, uniform (chi-square)" \
		test $st -eq 0
done
check "reservoir: two seeds, two different samples" sh -c "
	$PY tests/py/upload.py spoolframes '$T/r1' '$T/r1.mp' &&
	$PY tests/py/upload.py spoolframes '$T/r2' '$T/r2.mp' &&
	! cmp -s '$T/r1.mp' '$T/r2.mp'"
su --reservoir 5/100 --seed 1 -s "$T/r1b" < "$T/r.mp" > /dev/null
$PY tests/py/upload.py spoolframes "$T/r1b" "$T/r1b.mp"
check "reservoir: the same seed, the same sample" cmp "$T/r1.mp" "$T/r1b.mp"

$PY tests/py/upload.py gen "$T/e.mp" 20000 4 events || fail gen
for w in 5:3 300:300 0:7; do
	nb=${w%:*} ma=${w#*:}
	su --around drift:$nb:$ma -s "$T/w$nb" < "$T/e.mp" > "$T/w.out"
	check "around drift:$w: exit 0, frames pass unchanged" \
		sh -c "test $? -eq 0 && cmp -s '$T/w.out' '$T/e.mp'"
	$PY tests/py/upload.py window "$T/e.mp" "$T/want$nb.mp" $nb $ma > /dev/null
	$PY tests/py/upload.py spoolframes "$T/w$nb" "$T/got$nb.mp"
	check "around drift:$w: exactly the $nb before and $ma after, in order" \
		cmp "$T/got$nb.mp" "$T/want$nb.mp"
done

su --kind event -s "$T/k" < "$T/e.mp" > /dev/null
$PY tests/py/upload.py spoolframes "$T/k" "$T/k.mp"
check "--kind event: the 20 events, nothing else" $PY -c '
import sys, msgpack
fs = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
sys.exit(not (len(fs) == 20 and all(f[0][1]["kind"] == "event" for f in fs)))' "$T/k.mp"
finish

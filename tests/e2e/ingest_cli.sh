#!/bin/sh
# ingest's command line: --help and the man page, usage errors (64), missing
# input (66) and output (73), --rate's times, standard input, several
# files, epoch units,
# zones, --time-format, --clock, --speed (same frames as without), -q, the
# progress line on a terminal, flushing a live pipe before input ends,
# SIGUSR1 and SIGINT.
. tests/lib.sh

I=$BIN/ingest
NAB=$TESTDATA/nab/ambient_temperature_system_failure.csv
O=tests/py/ingest_oracle.py

# ---- help and usage ----------------------------------------------------------
$I --help > "$T/help" 2> "$T/err"
check "--help: exit 0" test $? -eq 0
check "--help: usage on stdout, nothing on stderr" \
	sh -c "grep -q '^usage: ingest ' '$T/help' && ! test -s '$T/err'"
check "--help names every long option of the man page" sh -c '
	for o in $(grep -o "^\.It Fl Fl [a-z-]*" filters/ingest/ingest.1 |
	    sed "s/.It Fl Fl //"); do
		grep -q -- "--$o" "$1" || { echo "missing --$o"; exit 1; }
	done' sh "$T/help"
check "man page: every option of --help is documented" sh -c '
	for o in $(grep -o -- "--[a-z][a-z-]*" "$1" | sort -u); do
		grep -q "Fl Fl ${o#--}" filters/ingest/ingest.1 ||
		    { echo "undocumented $o"; exit 1; }
	done' sh "$T/help"

for args in "-x" "--rate 0" "--rate abc" "-t time --rate 5" \
    "--device a --device-column b" "--time-from-name" "--start 0" \
    "-i - $NAB" "-i - --rate 5" "--speed -1" "--speed nan" "--time-unit h" \
    "--tz Nowhere/Zone" "--max-line 10" "--empty x" "--delimiter ab" \
    "--time-format x" "--columns a,,b" "--rate 5 --clock" \
    "--max-devices 0"; do
	# shellcheck disable=SC2086
	$I $args < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	check "misuse '$args': exit 64, message on stderr, nothing out" \
		sh -c "test $st -eq 64 && test -s '$T/err' && ! test -s '$T/out'"
done
# --rate goes through libstream's opt (opt_freq_exact): its messages
for a in 2.5x 1e3 5GHz 0.0000000000000000001; do
	$I --rate $a < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	check "--rate $a: exit 64, not a frequency" sh -c "test $st -eq 64 &&
	    grep -qx \"ingest: --rate: '$a' is not a frequency (a number of at most 18 digits and Hz, kHz or MHz)\" '$T/err'"
done
for a in 0 1000000000.5 1000001kHz; do
	$I --rate $a < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	check "--rate $a: exit 64, out of range" sh -c "test $st -eq 64 &&
	    grep -qx \"ingest: --rate: '$a' is not a frequency above 0 and at most 1000000000 Hz\" '$T/err'"
done
$I "$(unpack cwru/cwru_12k_DE_0hp_B007_118.csv.gz)" > "$T/out" 2> "$T/err"
st=$?
check "no time column: exit 64, says what to give" sh -c \
	"test $st -eq 64 && grep -q 'no time column.*--rate' '$T/err'"
$I --rate 10 --time-from-name "$NAB" < /dev/null > "$T/out" 2> "$T/err"
st=$?
check "--time-from-name on a name without a time: exit 64 before any frame" \
	sh -c "test $st -eq 64 && grep -q 'no date and time in the file name' '$T/err' && ! test -s '$T/out'"
$I "$T/nothing.csv" > "$T/out" 2> "$T/err"
check "missing file: exit 66" test $? -eq 66
$I -o "$T/no/such/dir/x.mp" "$NAB" > "$T/out" 2> "$T/err"
check "output cannot be created: exit 73" test $? -eq 73
$I --device-column dev "$NAB" > "$T/out" 2> "$T/err"
st=$?
check "a named column missing: exit 65, named" sh -c \
	"test $st -eq 65 && grep -q 'no column \"dev\"' '$T/err'"

# ---- --rate: exact times -----------------------------------------------------
# row i at start + i / rate to the nanosecond, rounded down, from the rate's
# decimal text as a fraction (0.1 Hz is 1/10: row 10 at exactly 100 s)
printf 'v\n' > "$T/rate.csv"
i=0; while [ $i -lt 40 ]; do echo $i >> "$T/rate.csv"; i=$((i + 1)); done
for r in 0.1 0.0001kHz 3 20.48kHz 0.3 1000000000 999999999.999999999 0.000001; do
	$I -q --rate $r --start 1000 "$T/rate.csv" > "$T/rate.mp" 2> "$T/rate.err"
	check "--rate $r: row i at 1000 s + floor(i / $r) ns" $PY -c '
import sys, struct, msgpack
from fractions import Fraction
r = sys.argv[2]
m = 1000 if r.endswith("kHz") else 1
hz = Fraction(r[:-3] if m > 1 else r) * m
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
assert len(fr) == 40, len(fr)
for i, f in enumerate(fr):
    sec, nsec = struct.unpack(">II", f[0][0].data)
    ns = int(Fraction(i * 10**9) / hz)         # floor, exactly
    assert (sec, nsec) == (1000 + ns // 10**9, ns % 10**9), (i, sec, nsec, ns)
' "$T/rate.mp" "$r"
done

# ---- standard input, several files, default device ---------------------------
$I < "$NAB" > "$T/stdin.mp" 2> "$T/stdin.err"
check "stdin: device 'stdin', src '-', every row" $PY -c '
import sys, msgpack
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
assert len(fr) == 7267, len(fr)
assert all(f[0][1]["dev"] == "stdin" and f[0][1]["src"] == "-" for f in fr)
assert [f[0][1]["seq"] for f in fr] == list(range(7267))
' "$T/stdin.mp"
head -100 "$NAB" > "$T/a.csv"
printf 'value,timestamp\n1.5,2020-01-01 00:00:00\n' > "$T/b.csv"
$I "$T/a.csv" "$T/b.csv" > "$T/ab.mp" 2> "$T/ab.err"
check "two files, columns in another order: oracle" $PY $O \
	--frames "$T/ab.mp" --stderr "$T/ab.err" "$T/a.csv" "$T/b.csv"

# ---- fleet: the device column by its usual names, a text column named once ---
printf 'timestamp,Machine,ID,site,temp\n' > "$T/fleet.csv"
for i in 0 1 2 3 4 5 6 7 8 9; do
	printf '2024-01-01T00:00:0%s,m%s,%s,north,7%s.5\n' $i $((i % 3)) $i $i
done >> "$T/fleet.csv"
$I "$T/fleet.csv" > "$T/fleet.mp" 2> "$T/fleet.err"
st=$?
check "fleet: Machine (before ID) is the device, site is named once and left out" $PY -c '
import sys, msgpack
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
err = open(sys.argv[2]).read()
assert int(sys.argv[3]) == 0, sys.argv[3]
assert len(fr) == 10, fr
assert [f[0][1]["dev"] for f in fr] == ["m%d" % (i % 3) for i in range(10)], fr
assert all(f[0][1]["kind"] == "sample" for f in fr)
assert [f[1] for f in fr] == [{"ID": float(i), "temp": 70 + i + 0.5} for i in range(10)], fr
assert [f[0][1]["seq"] for f in fr] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
w = [l for l in err.splitlines() if "site" in l]
assert len(w) == 1 and "--meta" in w[0] and "--skip" in w[0], err
assert "ingest: in=10 out=10 rejected=0" in err, err
' "$T/fleet.mp" "$T/fleet.err" $st
$I --meta site "$T/fleet.csv" 2> "$T/fleet2.err" | $BIN/tap > "$T/fleet2.json"
check "fleet: --meta site keeps it, no warning" sh -c \
	"grep -c '\"site\":\"north\"' '$T/fleet2.json' | grep -qx 10 && ! grep -q 'holds text' '$T/fleet2.err'"
printf '1,u1,1\n2,u1,2\n' > "$T/unit.csv"
$I -n -c time,unit,v "$T/unit.csv" 2> "$T/unit.err" | $BIN/tap > "$T/unit.json"
check "-c names are not searched for a device: unit is text, named" sh -c \
	"grep -q 'column \"unit\" holds text.*--device-column' '$T/unit.err' && grep -q '\"dev\":\"unit\"' '$T/unit.json'"
printf 'time,dev,v\n1,p1,1\n2,p1,abc\n' > "$T/late.csv"
$I "$T/late.csv" 2> "$T/late.err" | $BIN/tap > "$T/late.json"
check "a word on a later row rejects that row only" sh -c \
	"grep -q 'rule\":\"number' '$T/late.json' && grep -q 'in=2 out=1 rejected=1' '$T/late.err'"

# ---- times: epoch units, zones, formats --------------------------------------
printf 'ts,v\n1700000000123,1\n1700000000999,2\n-5,3\n1700000001000.5,4\n' > "$T/ms.csv"
$I -t ts --time-unit ms "$T/ms.csv" > "$T/ms.mp" 2> "$T/ms.err"
check "--time-unit ms: oracle" $PY $O --frames "$T/ms.mp" --stderr "$T/ms.err" \
	-t ts --time-unit ms "$T/ms.csv"
printf 'time,v\n1700000000123456789,1\n' > "$T/ns.csv"
$I --time-unit ns "$T/ns.csv" > "$T/ns.mp" 2> "$T/ns.err"
check "--time-unit ns: oracle" $PY $O --frames "$T/ns.mp" --stderr "$T/ns.err" \
	--time-unit ns "$T/ns.csv"
printf 'date,v\n2021-03-28 01:59:59,1\n2021-03-28 02:30:00,2\n2021-03-28 03:00:00,3\n2021-10-31 02:30:00,4\n2021-10-31 03:00:00,5\n2021-06-01T12:00:00Z,6\n' > "$T/dst.csv"
for z in Europe/Berlin America/New_York +05:30 UTC; do
	$I --tz $z "$T/dst.csv" > "$T/dst.mp" 2> "$T/dst.err"
	check "--tz $z, gaps and overlaps: oracle (zoneinfo, fold=0)" $PY $O \
		--frames "$T/dst.mp" --stderr "$T/dst.err" --tz $z "$T/dst.csv"
done
printf 'time,v\n2021-01-01T00:00:00Z,1\n1700000000,2\n' > "$T/mixed.csv"
for f in auto iso epoch; do
	$I --time-format $f "$T/mixed.csv" > "$T/mixed.mp" 2> "$T/mixed.err"
	check "--time-format $f: oracle" $PY $O --frames "$T/mixed.mp" \
		--stderr "$T/mixed.err" --time-format $f "$T/mixed.csv"
done
$I --clock --skip timestamp "$T/a.csv" > "$T/clock.mp" 2> "$T/clock.err"
check "--clock: wall times, never going back" $PY -c '
import sys, msgpack, struct
fr = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
ts = [struct.unpack(">II", f[0][0].data) for f in fr]
assert len(ts) == 99 and ts == sorted(ts) and ts[0][0] > 1600000000, ts[:3]
assert list(fr[0][1]) == ["value"]
' "$T/clock.mp"

# ---- --speed: paced, the same frames --------------------------------------------
$I "$NAB" > "$T/fast.mp" 2> /dev/null
$I --speed 1e9 "$NAB" > "$T/paced.mp" 2> /dev/null
check "--speed 1e9: the same bytes as unpaced" cmp "$T/fast.mp" "$T/paced.mp"

# ---- -q and the progress line --------------------------------------------------
$I -q "$TESTDATA/bad/csv_ragged.csv" > "$T/q.mp" 2> "$T/q.err"
check "-q: nothing on stderr, even with rejects" sh -c "test $? -eq 0 && ! test -s '$T/q.err'"
check "progress on a terminal: rows, rows/s, %; counters after it" $PY -c '
import os, subprocess, sys
m, s = os.openpty()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
out = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
text = out.decode()
assert p.returncode == 0, p.returncode
assert "\ringest: 22695 rows, " in text and " rows/s, 100%" in text, repr(text)
assert text.rstrip().endswith("ingest: in=22695 out=22695 rejected=0 dropped=0 unwritten=0 blank=0"), repr(text)
' "$I" "$TESTDATA/nab/machine_temperature_system_failure.csv"
$I "$NAB" > /dev/null 2> "$T/np.err"
check "no progress when stderr is not a terminal" sh -c \
	"! grep -q 'rows/s' '$T/np.err'"

# ---- a live pipe: each row goes out before the input ends; signals ----------------
check "live pipe: a row comes out before input ends; SIGUSR1 reports; SIGINT ends cleanly" $PY -c '
import os, select, signal, subprocess, sys, msgpack
p = subprocess.Popen([sys.argv[1], "--device", "live"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
u = msgpack.Unpacker(raw=False)
def frame():
    while True:
        for f in u:
            return f
        r, _, _ = select.select([p.stdout], [], [], 60)
        assert r, "no frame within 60 s"
        b = os.read(p.stdout.fileno(), 65536)
        assert b, "ingest ended"
        u.feed(b)
p.stdin.write(b"time,v\n1700000000,1.5\n")
p.stdin.flush()
f = frame()
assert f[1] == {"v": 1.5} and f[0][1]["line"] == 2, f
p.stdin.write(b"1700000001,2.5\n")
p.stdin.flush()
assert frame()[1] == {"v": 2.5}
p.send_signal(signal.SIGUSR1)
p.stdin.write(b"1700000002,x\n")
p.stdin.flush()
f = frame()
assert f[0][1]["kind"] == "reject" and f[0][1]["line"] == 4, f
p.send_signal(signal.SIGINT)
rc = p.wait(60)
err = p.stderr.read().decode()
assert rc == 0, (rc, err)
assert "ingest: in=2 out=2 rejected=0 dropped=0 unwritten=0 blank=0" in err, err
assert err.rstrip().endswith("ingest: in=3 out=2 rejected=1 dropped=0 unwritten=0 blank=0 (interrupted)"), err
' "$I"

finish

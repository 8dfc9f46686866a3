#!/bin/sh
# trigger: a drifting replay makes it run a script exactly once per retrain
# event after coalescing (events as JSON lines on stdin, PDM_* in the
# environment), frames pass through, a hanging script is killed at its
# timeout with nothing left behind, a failing one is retried with a
# doubling backoff and then given up, each run's outcome is an event frame.
. "$(dirname "$0")/../lib.sh"

count() { grep -o " $1=[0-9]*" "$2" | tail -n 1 | cut -d= -f2; }

"$PY" tests/py/drift_gen.py --frames 20000 --seed 7 > "$T/ref.mp"
"$BIN/drift" -q --fit-reference "$T/ref.prof" < "$T/ref.mp" > /dev/null
"$PY" tests/py/drift_gen.py --frames 4000 --devices 5 --change mean \
    --shift 1 --at 2000 --seed 3 > "$T/live.mp"
"$BIN/drift" -q -r "$T/ref.prof" -T ks --events "$T/ev.mp" < "$T/live.mp" > /dev/null
check "the replay has 5 retrain events" test "$("$BIN/tap" -q < "$T/ev.mp" | grep -c '"type":"retrain"')" -eq 5

cat > "$T/slow.sh" <<'S'
#!/bin/sh
echo "run $PDM_EVENTS $PDM_DEVS attempt $PDM_ATTEMPT" >> "$LOG"
cat >> "$LOG.stdin"
sleep 1
echo finished
S
chmod +x "$T/slow.sh"
LOG="$T/runs" "$BIN/trigger" "$T/slow.sh" < "$T/ev.mp" > "$T/out.mp" 2> "$T/err"
check "trigger exits 0" test $? -eq 0
check "coalesced: 2 runs for 5 events" test "$(wc -l < "$T/runs")" -eq 2
check "runs counted" test "$(count runs "$T/err")" -eq 2
check "every retrain event handled exactly once" "$PY" -c "
import json
lines = [json.loads(l) for l in open('$T/runs.stdin')]
devs = sorted(m['dev'] for (t, m), b in lines)
assert devs == ['d0', 'd1', 'd2', 'd3', 'd4'], devs
assert all(b['type'] == 'retrain' for (t, m), b in lines)
runs = [l.split() for l in open('$T/runs')]
assert sum(int(r[1]) for r in runs) == 5, runs
assert sorted(','.join(r[2] for r in runs).split(',')) == devs, runs
"
"$BIN/tap" -q < "$T/out.mp" > "$T/out.json"
check "frames pass through" test "$(grep -vc '"type":"trigger"' "$T/out.json")" -eq "$("$BIN/tap" -q < "$T/ev.mp" | wc -l)"
check "outcomes: ok, exit 0, 1 + 4 events, the output's tail" "$PY" -c "
import json
o = [b for (t, m), b in map(json.loads, open('$T/out.json')) if b['type'] == 'trigger']
assert [b['status'] for b in o] == ['ok', 'ok'], o
assert [b['events'] for b in o] == [1, 4], o
assert all(b['exit'] == 0 and b['tail'] == 'finished\n' and b['retry_in'] is None for b in o), o
"
check "accounting: in + outcomes = out" test "$(($(count in "$T/err") + $(count outcomes "$T/err")))" -eq "$(count out "$T/err")"

# a hanging command is killed at its timeout, its children with it
cat > "$T/hang.sh" <<'S'
#!/bin/sh
echo hanging
sleep 60 &
echo $! > "$PIDF"
wait
S
chmod +x "$T/hang.sh"
"$BIN/tap" -q < "$T/ev.mp" | grep -m 1 '"type":"retrain"' | "$BIN/tap" -q -r > "$T/one.mp"
PIDF="$T/pid" "$BIN/trigger" -t 0.5 --retries 1 "$T/hang.sh" < "$T/one.mp" > "$T/hout.mp" 2> "$T/herr"
check "hang: exits 0" test $? -eq 0
"$BIN/tap" -q < "$T/hout.mp" > "$T/hout.json"
check "hang: outcome timeout, SIGTERM, tail" "$PY" -c "
import json
o = [b for (t, m), b in map(json.loads, open('$T/hout.json')) if b['type'] == 'trigger']
assert len(o) == 1 and o[0]['status'] == 'timeout' and o[0]['signal'] == 15, o
assert o[0]['exit'] is None and o[0]['tail'] == 'hanging\n', o
"
# gone: no such process, or a zombie waiting for an init that may not reap
check "hang: its child is gone" sh -c "st=\$(ps -o stat= -p \$(cat $T/pid)); test -z \"\$st\" || case \$st in Z*) true;; *) false;; esac"

# a failing command: retried after 0.05 s, then 0.1 s, then given up
"$BIN/trigger" --backoff 0.05 --retries 3 sh -c 'echo broken >&2; exit 3' < "$T/one.mp" > "$T/fout.mp" 2> "$T/ferr"
"$BIN/tap" -q < "$T/fout.mp" > "$T/fout.json"
check "failing: 3 attempts, doubling backoff, then given up" "$PY" -c "
import json
o = [b for (t, m), b in map(json.loads, open('$T/fout.json')) if b['type'] == 'trigger']
assert [b['status'] for b in o] == ['failed'] * 3, o
assert [b['attempt'] for b in o] == [1, 2, 3], o
assert [b['retry_in'] for b in o] == [0.05, 0.1, None], o
assert all(b['exit'] == 3 and b['tail'] == 'broken\n' for b in o), o
"
check "failing: gave_up counted" test "$(count gave_up "$T/ferr")" -eq 1

"$BIN/trigger" < /dev/null > /dev/null 2>&1
check "no command: 64" test $? -eq 64
"$BIN/trigger" --help | grep -q -- "--timeout"
check "--help" test $? -eq 0
finish

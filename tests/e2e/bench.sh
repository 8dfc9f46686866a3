#!/bin/sh
# bench.sh -- the benchmark tools and scripts work and fail when they should.
#
# gencsv: its output checked by an independent reader (the csv module)
# against the format docs/bench.md promises; deterministic; -c is the size.
# rss: the peak RSS of a process that touches 64 MiB, exit statuses passed on.
# zmq_rtt: echo/ping, ping through tap --count, hop and flood on small counts.
# The bench scripts on a tiny input (pipeline.sh, validate.sh, churn.sh
# among them): every figure line present, no ERROR; a
# failing program makes a script fail.  No figure's value is checked: the
# benchmarks never fail on time, and neither does this test.
. tests/lib.sh
BBIN=${BBIN:-build/rel/bench}
for p in gencsv rss zmq_rtt; do
	[ -x "$BBIN/$p" ] || { fail "$BBIN/$p missing (make bench-bins)"; finish; exit; }
done

# ---- gencsv -------------------------------------------------------------
"$BBIN/gencsv" -n 5000 -s 7 > "$T/a.csv"; check "gencsv runs" [ $? -eq 0 ]
"$BBIN/gencsv" -n 5000 -s 7 -o "$T/b.csv"
check "gencsv: same options, same bytes" cmp -s "$T/a.csv" "$T/b.csv"
"$BBIN/gencsv" -n 5000 -s 8 > "$T/c.csv"
check "gencsv: another seed, other bytes" test -n "$(cmp "$T/a.csv" "$T/c.csv")"
check "gencsv -c is the size" [ "$("$BBIN/gencsv" -c -n 5000 -s 7)" -eq "$(wc -c < "$T/a.csv")" ]
check "gencsv -n 0: the header alone" [ "$("$BBIN/gencsv" -n 0)" = "timestamp,device,vibration,temperature,pressure" ]
"$BBIN/gencsv" -n x > /dev/null 2>&1; check "gencsv -n x: usage error" [ $? -eq 64 ]
"$BBIN/gencsv" --help | grep -q '^usage: gencsv'; check "gencsv --help" [ $? -eq 0 ]

"$PY" - "$T/a.csv" > "$T/oracle.out" 2>&1 <<'EOF'
import csv, re, sys
fails = []
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
if rows[0] != ["timestamp", "device", "vibration", "temperature", "pressure"]:
    fails.append("header %r" % rows[0])
rows = rows[1:]
if len(rows) != 5000:
    fails.append("%d rows" % len(rows))
devs, decs, last = set(), set(), None
for i, r in enumerate(rows, 2):
    if len(r) != 5:
        fails.append("line %d: %d fields" % (i, len(r)))
        continue
    if not re.fullmatch(r"[0-9]{10}\.[0-9]{3}", r[0]):
        fails.append("line %d: timestamp %r" % (i, r[0]))
    t = int(r[0].replace(".", ""))
    if last is not None and t <= last:
        fails.append("line %d: time not increasing" % i)
    last = t
    devs.add(r[1])
    for v in r[2:]:
        m = re.fullmatch(r"-?[0-9]+\.([0-9]+)", v)
        if not m or v in ("-0.0000", "-0.00000", "-0.000000"):
            fails.append("line %d: number %r" % (i, v))
            continue
        decs.add(len(m.group(1)))
    if not 20 <= float(r[3]) <= 96 or not 89 <= float(r[4]) <= 116:
        fails.append("line %d: temperature/pressure out of range" % i)
if devs != {"pump-%02d" % k for k in range(1, 18)}:
    fails.append("devices %r" % sorted(devs))
if decs != {4, 5, 6}:
    fails.append("decimals %r" % sorted(decs))
print("\n".join(fails[:10]) if fails else "ok")
sys.exit(1 if fails else 0)
EOF
check "gencsv: the format, by the csv module" [ $? -eq 0 ]
grep -v '^ok$' "$T/oracle.out" | head -n 5

# ---- rss --------------------------------------------------------------------
"$BBIN/rss" -o "$T/r" "$PY" -c 'b = bytearray(64 << 20); b[::4096] = b"x" * len(b[::4096])'
check "rss: command ok" [ $? -eq 0 ]
kib=$(sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' "$T/r")
check "rss: maxrss >= 64 MiB ($kib KiB)" [ "${kib:-0}" -ge 65536 ]
check "rss: reports wall and CPU time" grep -q '^wall_s=[0-9.]* cpu_s=[0-9.]* maxrss_kib=[0-9]* status=0$' "$T/r"
"$BBIN/rss" -o "$T/r" sh -c 'exit 3'; st=$?
check "rss: exit status passed on" [ $st -eq 3 ]
check "rss: status in the report" grep -q ' status=3$' "$T/r"
"$BBIN/rss" -o "$T/r" "$T/no-such-program" 2> /dev/null
check "rss: cannot run: 127" [ $? -eq 127 ]

# ---- zmq_rtt ------------------------------------------------------------------
Z=$BBIN/zmq_rtt
a=ipc://$T/a.sock b=ipc://$T/b.sock
timeout 60 "$Z" echo "@$a" ">$b" 2> "$T/echo.err" & peer=$!
timeout 60 "$Z" -n 300 -w 20 ping ">$a" "@$b" > "$T/ping.out" 2> "$T/ping.err"
check "zmq_rtt ping via echo" [ $? -eq 0 ]
wait $peer; check "zmq_rtt echo ends at eos" [ $? -eq 0 ]
check "zmq_rtt ping: 300 round trips reported" grep -q '^rtt_us n=300 p50=[0-9.]* p99=[0-9.]* ' "$T/ping.out"
p50=$(sed -n 's/.* p50=\([0-9.]*\).*/\1/p' "$T/ping.out")
p99=$(sed -n 's/.* p99=\([0-9.]*\).*/\1/p' "$T/ping.out")
check "zmq_rtt ping: p50 <= p99" awk "BEGIN { exit !($p50 <= $p99) }"

if [ -x "$BIN/tap" ]; then
	timeout 60 "$BIN/tap" --count -i "@$a" -o ">$b" 2> "$T/tap.err" & peer=$!
	timeout 60 "$Z" -n 300 -w 20 ping ">$a" "@$b" > "$T/ping.out" 2> "$T/ping.err"
	check "zmq_rtt ping via tap --count" [ $? -eq 0 ]
	wait $peer; check "tap --count ends at eos" [ $? -eq 0 ]
	check "tap counted every ping" grep -q '^tap: in=320 out=320' "$T/tap.err"
fi

timeout 60 "$Z" -n 300 -w 20 hop "$a" "$b" > "$T/hop.out" 2> "$T/hop.err"
check "zmq_rtt hop" [ $? -eq 0 ]
check "zmq_rtt hop: one-way and round trip" [ "$(grep -c '^hop_\(rtt_\)*us n=300 ' "$T/hop.out")" -eq 2 ]
timeout 60 "$Z" -n 20000 flood "$a" > "$T/flood.out" 2> "$T/flood.err"
check "zmq_rtt flood" [ $? -eq 0 ]
check "zmq_rtt flood: every frame read" grep -q '^flood frames=20000 ' "$T/flood.out"
"$Z" ping bogus "@$b" > /dev/null 2>&1; check "zmq_rtt: bad endpoint is a usage error" [ $? -eq 64 ]

# ---- the bench scripts on a tiny input ------------------------------------
export OUT="$T/out" ROWS=3000 RUNS=1 PRUNS=1 ZMQ_N=100 ZMQ_FLOOD_N=5000 ZMQ_MEM_N=100000 ZMQ_MEM_STOP=0.5 BIN BBIN PY
export FIGS="$T/out/figures.txt"
if [ -x "$BIN/ingest" ] && [ -x "$BIN/tap" ]; then
	sh bench/ingest.sh > "$T/ingest.out" 2>&1
	check "bench/ingest.sh" [ $? -eq 0 ]
	for f in "ingest: " "pandas.read_csv: " "ingest/pandas: " "ingest peak RSS: "; do
		check "bench/ingest.sh prints \"$f\"" grep -q "^$f" "$T/ingest.out"
	done
	sh bench/passthrough.sh > "$T/pass.out" 2>&1
	check "bench/passthrough.sh" [ $? -eq 0 ]
	for f in "ingest | tap --count: " "tap --count < frames.mp: " "cat | tap --count | cat: " "the same with 64 KiB pipes"; do
		check "bench/passthrough.sh prints \"$f\"" grep -q "^$f" "$T/pass.out"
	done
	sh bench/zmq.sh > "$T/zmq.out" 2>&1
	check "bench/zmq.sh" [ $? -eq 0 ]
	check "bench/zmq.sh: 10 figures" [ "$(grep -c '^zmq ' "$T/zmq.out")" -eq 10 ]
	sh bench/rss_zmq.sh > "$T/rss_zmq.out" 2>&1
	check "bench/rss_zmq.sh" [ $? -eq 0 ]
	check "bench/rss_zmq.sh: 11 figures and the table" sh -c "[ \$(grep -c '^rss_zmq ' '$T/rss_zmq.out') -eq 11 ] && grep -q '^| infer MLP --blas-min 0 | ' '$T/rss_zmq.out' && grep -q '^| sample-upload | ' '$T/rss_zmq.out'"
	check "no ERROR line" [ "$(grep -c '^ERROR' "$T/ingest.out" "$T/pass.out" "$T/zmq.out" "$T/rss_zmq.out" | awk -F: '{ s += $2 } END { print s }')" -eq 0 ]
	check "every figure in figures.txt" [ "$(wc -l < "$FIGS")" -eq 29 ]
	sed 's/^/# /' "$FIGS"
	if [ -x "$BIN/sample-upload" ] && [ -x "$BIN/collect" ]; then
		UPLOAD_CAP=500 sh bench/upload.sh > "$T/upload.out" 2>&1
		check "bench/upload.sh" [ $? -eq 0 ]
		check "bench/upload.sh: 6 figures" \
			[ "$(grep -c '^sample-upload' "$T/upload.out")" -eq 6 ]
		sed 's/^/# /' "$T/upload.out"
	fi
	if [ -x "$BIN/infer" ] && [ -x "$BIN/drift" ] && [ -x "$BIN/sample-upload" ]; then
		sh bench/pipeline.sh > "$T/pipeline.out" 2>&1
		check "bench/pipeline.sh" [ $? -eq 0 ]
		for f in "pipeline ingest|validate|normalize|window" "pipeline CPU by stage: ingest" \
		    "pipeline in Python" "pipeline / Python: "; do
			check "bench/pipeline.sh prints \"$f\"" grep -q "^$f" "$T/pipeline.out"
		done
		check "bench/pipeline.sh: no ERROR" sh -c "! grep -q '^ERROR' '$T/pipeline.out'"
		sed 's/^/# /' "$T/pipeline.out"
	fi

	if [ -x "$BIN/validate" ] && [ -x "$BIN/window" ]; then
		sh bench/validate.sh > "$T/validate.out" 2>&1
		check "bench/validate.sh" [ $? -eq 0 ]
		check "bench/validate.sh: 8 figures, no ERROR" sh -c "
			[ \$(grep -c '^validate\\|^tap --count' '$T/validate.out') -eq 8 ] &&
			! grep -q '^ERROR' '$T/validate.out'"
		CHURN_FRAMES=200000 sh bench/churn.sh > "$T/churn.out" 2>&1
		check "bench/churn.sh" [ $? -eq 0 ]
		check "bench/churn.sh: 3 figures, no ERROR" sh -c "
			[ \$(grep -c '^churn ' '$T/churn.out') -eq 3 ] &&
			! grep -q '^ERROR' '$T/churn.out'"
		check "validate.sh and churn.sh: one pass-through schema" \
			cmp "$OUT/validate-pass.schema" "$OUT/churn-pass.schema"
		sed 's/^/# /' "$T/validate.out" "$T/churn.out"
	fi

	INGEST_OPTS=--no-such-option sh bench/ingest.sh > "$T/bad.out" 2>&1
	check "bench/ingest.sh fails when ingest fails" [ $? -eq 1 ]
	check "... with an ERROR line" grep -q '^ERROR ingest: ' "$T/bad.out"
	BIN=$T/none sh bench/passthrough.sh > "$T/skip.out" 2>&1
	check "a missing program is a SKIP" [ $? -eq 0 ]
	check "... with a SKIP line" grep -q '^SKIP passthrough: ' "$T/skip.out"
fi
finish

#!/bin/sh
# pipelines/lib.sh under busybox sh (a device has no bash): a chain of
# stages joined by named pipes runs to the end with every link's counts
# equal; a stage killed mid-stream takes the pipeline down with a message
# naming it and its status; SIGTERM to the script stops the source and
# lets the later stages drain, each printing its accounting.
. tests/lib.sh

SH=$(command -v busybox > /dev/null && echo "busybox sh" || echo sh)
NAB=$TESTDATA/nab/machine_temperature_system_failure.csv
SCHEMA=$TESTDATA/validate/nab-machine.schema
cat > "$T/run.sh" <<EOF
. pipelines/lib.sh
pl_init "$T/pl"
pl_stage ingest $BIN/ingest --device machine \$SPEED "$NAB"
pl_stage validate $BIN/validate -s "$SCHEMA" --reject "$T/rej.mp"
pl_stage window $BIN/window -s 12
pl_stage count $BIN/tap --count
pl_run "$T/out" 2> "$T/run.err" & P=\$!
[ -n "\${KILL:-}" ] && { sleep 1; kill -\$KILL "\$(cat "$T/pl/\$STAGE.pid")"; }
[ -n "\${TERM_AFTER:-}" ] && { sleep \$TERM_AFTER; kill -TERM \$P; }
wait \$P; st=\$?
echo "status \$st"
pl_accounts || echo "links broken"
EOF

# the whole recording
SPEED="" $SH "$T/run.sh" > "$T/o1" 2>&1
check "runs to the end: status 0" grep -q '^status 0$' "$T/o1"
check "every link balances" sh -c "! grep -q 'links broken' '$T/o1'"
check "validate: 22695 in, 12 rejected to the dead-letter file" \
	grep -q 'validate .*in=22695 out=22683 rejected=12' "$T/o1"
check "window's 1891 windows reach the last stage" \
	grep -q 'count .*in=1891 out=1891' "$T/o1"

# a stage killed with SIGKILL: named, with its status
rm -rf "$T/pl"
SPEED="--speed 50" KILL=KILL STAGE=2 $SH "$T/run.sh" > "$T/o2" 2>&1
check "killed stage: pipeline fails with its status" grep -q '^status 137$' "$T/o2"
check "killed stage: the message names validate" \
	grep -q '^pipeline: stage validate failed with status 137' "$T/run.err"

# SIGTERM: source stops, the rest drain, links still balance
rm -rf "$T/pl"
SPEED="--speed 20" TERM_AFTER=1 $SH "$T/run.sh" > "$T/o3" 2>&1
check "SIGTERM: status 0" grep -q '^status 0$' "$T/o3"
check "SIGTERM: every stage printed its accounting and links balance" \
	sh -c "! grep -q 'links broken' '$T/o3' && test \$(grep -c 'in=' '$T/o3') -eq 4"
n=$(sed -n 's/.*ingest .*out=\([0-9]*\).*/\1/p' "$T/o3")
check "SIGTERM: stopped early ($n of 22695 rows)" test "${n:-0}" -gt 0 -a "${n:-0}" -lt 22695
finish

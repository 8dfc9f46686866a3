# Sourced by tests/e2e/*.sh.  Environment from tests/run.sh:
#   BIN       directory of the programs under test (bin or build/san/bin)
#   TESTDATA  testdata/
#   PY        Debian's python3 (with numpy, scipy, msgpack, zmq)
#   T         a fresh temporary directory, removed afterwards
set -u
: "${BIN:=bin}" "${TESTDATA:=testdata}" "${PY:=/usr/bin/python3}"
: "${T:=$(mktemp -d)}"
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$TESTS_DIR/py${PYTHONPATH:+:$PYTHONPATH}"
fails=0
passes=0

# ok NAME: a check passed; fail NAME [WHY]: it failed (the script goes on).
ok()   { passes=$((passes + 1)); echo "ok - $1"; }
fail() { fails=$((fails + 1)); echo "FAIL - $1${2:+: $2}"; }
# check NAME CMD...: run CMD, ok if it exits 0.
check() { n=$1; shift; if "$@"; then ok "$n"; else fail "$n" "exit $?"; fi; }
# unpack testdata/X.gz into $T/X (once); prints the path.
unpack() { out="$T/${1%.gz}"; [ -f "$out" ] || { mkdir -p "$(dirname "$out")"; gzip -dc "$TESTDATA/$1" > "$out"; }; echo "$out"; }
# skip WHY: the test cannot run here (a program it needs is not built):
# say why and exit 77, which tests/run.sh reports as SKIP, not as a pass.
skip() { echo "SKIP: $1"; echo "# skipped"; exit 77; }
# done: print the tally line tests/run.sh reads and exit.
finish() { echo "# $passes passed, $fails failed"; [ "$fails" -eq 0 ]; }

#!/bin/sh
# Run every test: cmocka unit tests (normal and ASan+UBSan builds) and the
# end-to-end scripts tests/e2e/*.sh (against bin/ and build/san/bin/).
# Ends with the line "N passed, N failed, N skipped".  A test that exits 77
# is skipped (tests/lib.sh skip): it prints "SKIP: why", and run.sh shows it.
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
export PY TESTDATA=testdata
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0 failn=0 failed="" skipn=0 skipped=""
only=${1:-}

run() {		# run NAME CMD...: one test program; tally by exit status
	name=$1; shift
	case "$name" in *"$only"*) ;; *) return ;; esac
	log=build/test-logs/$(echo "$name" | tr '/ ' '__').log
	mkdir -p build/test-logs
	"$@" > "$log" 2>&1
	st=$?
	if [ $st -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS $name"
	elif [ $st -eq 77 ]; then	# skipped: the test says why (tests/lib.sh skip)
		skipn=$((skipn + 1)); skipped="$skipped $name"
		echo "SKIP $name: $(sed -n 's/^SKIP: //p' "$log" | tail -n 1)"
	else
		failn=$((failn + 1)); failed="$failed $name"; echo "FAIL $name (log: $log)"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
}

for v in rel san; do
	for t in build/$v/tests/test_*; do
		[ -x "$t" ] || continue
		run "unit/$v/$(basename "$t")" "$t"
	done
done
for v in bin build/san/bin; do
	for t in tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		tmp=$(mktemp -d)
		run "e2e/$v/$(basename "$t" .sh)" env BIN="$v" T="$tmp" sh "$t"
		rm -rf "$tmp"
	done
done
echo
[ -n "$failed" ] && echo "failed:$failed"
[ -n "$skipped" ] && echo "skipped (each says why above):$skipped"
echo "tests: $pass passed, $failn failed, $skipn skipped"
[ "$failn" -eq 0 ]

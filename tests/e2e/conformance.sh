#!/bin/sh
# Every program in $BIN through the same cases (tests/py/conformance.py):
# endpoints that cannot be bound, a missing input, a directory as input, a
# non-frame value and an undecodable tail mid-stream, /dev/full, a reader
# that goes away, -q with SIGUSR1, SIGTERM, --metrics through promtool.
# Each program states how to run it in filters/NAME/conformance*.args (one
# run per file), so a new program is picked up without editing this test;
# one without such a file fails here.  A program that filters no frame
# stream (bundle, collect) says why in its file (not-a-filter: REASON),
# printed as an ok line naming the reason.  The behaviours: docs/filters.md.
. "$(dirname "$0")/../lib.sh"

progs=0
for p in "$BIN"/*; do
	[ -x "$p" ] && [ -f "$p" ] || continue
	progs=$((progs + 1))
	n=$(basename "$p")
	set -- filters/"$n"/conformance*.args
	if [ ! -f "$1" ]; then
		fail "$n" "no filters/$n/conformance.args: state its minimal arguments"
		continue
	fi
	for a in "$@"; do
		d="$T/$n-$(basename "$a" .args)"
		mkdir -p "$d"
		check "$n: $a" $PY tests/py/conformance.py "$p" "$a" "$d"
	done
done
[ "$progs" -gt 0 ] || fail "programs" "none in $BIN: build it first"
finish

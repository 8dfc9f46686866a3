#!/bin/sh
# -C FILE / --config FILE in every program (libstream/conf.h): the
# file's options are taken (a "quiet" line silences the accounting line),
# the command line wins over the file (--metrics in both: the command
# line's file is written, the file's is not), a bad value in the file
# names FILE:LINE, and a bad option value prints exactly one line and
# exits 64, no usage.  The filters are run as tests/e2e/conformance.sh
# runs them (filters/NAME/conformance.args); collect, registry and bundle,
# which filter no stream, have their own cases below.  train's -C is its
# regularization: it takes --config only.
. "$(dirname "$0")/../lib.sh"
umask 077	# sample-upload and collect warn of files others may read

$PY tests/py/window_frames.py gen a:0:1 a:1:2 a:2:4 a:3:8 a:4:16 \
    > "$T/in.mp" || fail "gen"

# one_line FILE PATTERN: FILE is exactly one line, matching PATTERN
one_line() {
	[ "$(wc -l < "$1")" -eq 1 ] && grep -q -- "$2" "$1"
}

for a in filters/*/conformance.args; do
	n=$(basename "$(dirname "$a")")
	grep -q '^not-a-filter:' "$a" && continue
	[ -x "$BIN/$n" ] || { fail "$n" "not built"; continue; }
	d="$T/$n"
	mkdir -p "$d"
	args=$(sed -n 's/^args: //p' "$a" | sed "s|{tmp}|$d|g")
	ops=$(sed -n 's/^operands: //p' "$a")
	C=-C
	[ "$n" = train ] && C=--config
	# shellcheck disable=SC2086
	run() { "$BIN/$n" "$@" $args $ops < "$T/in.mp" > "$d/out" \
	    2> "$d/err"; }

	run
	st=$?
	if [ $st -ne 0 ] || ! grep -q "^$n: in=" "$d/err"; then
		fail "$n: runs, says its accounting" "exit $st"
		continue
	fi
	printf '# the accounting line\nquiet   # none\n\n' > "$d/q.conf"
	run $C "$d/q.conf"
	st=$?
	[ $st -eq 0 ] && ! grep -q "^$n: in=" "$d/err" &&
	    ok "$n: $C FILE taken" ||
	    fail "$n: $C FILE taken" "exit $st: $(head -n 1 "$d/err")"
	run --config="$d/q.conf"
	[ $? -eq 0 ] && ! grep -q "^$n: in=" "$d/err" &&
	    ok "$n: --config=FILE taken" ||
	    fail "$n: --config=FILE taken"

	printf 'metrics %s\n' "$d/file.prom" > "$d/m.conf"
	run -q $C "$d/m.conf" --metrics "$d/cmd.prom"
	st=$?
	[ $st -eq 0 ] && [ -s "$d/cmd.prom" ] && [ ! -e "$d/file.prom" ] &&
	    ok "$n: the command line wins over the file" ||
	    fail "$n: the command line wins over the file" "exit $st"

	printf 'quiet\n\nmax-frame banana\n' > "$d/bad.conf"
	run $C "$d/bad.conf"
	st=$?
	[ $st -eq 64 ] && [ ! -s "$d/out" ] && one_line "$d/err" \
	    "^$n: $d/bad.conf:3: max-frame: 'banana' is not a size" &&
	    ok "$n: a bad value in the file: FILE:LINE, one line, 64" ||
	    fail "$n: a bad value in the file" "exit $st: $(cat "$d/err")"
	printf 'quiet\nno-such-thing 3\n' > "$d/bad2.conf"
	run $C "$d/bad2.conf"
	st=$?
	[ $st -eq 64 ] && one_line "$d/err" \
	    "^$n: $d/bad2.conf:2: no-such-thing: no such option" &&
	    ok "$n: an unknown option in the file: FILE:LINE, 64" ||
	    fail "$n: an unknown option in the file" "exit $st: $(cat "$d/err")"
	run $C "$d/none.conf"
	st=$?
	[ $st -eq 66 ] && one_line "$d/err" "^$n: $d/none.conf: No such" &&
	    ok "$n: a file that is not there: 66" ||
	    fail "$n: a file that is not there" "exit $st: $(cat "$d/err")"

	run --max-frame 12x
	st=$?
	[ $st -eq 64 ] && [ ! -s "$d/out" ] && one_line "$d/err" \
	    "^$n: --max-frame: '12x' is not a size from 64 to 1G" &&
	    ok "$n: a bad option value: one line, 64" ||
	    fail "$n: a bad option value" "exit $st: $(cat "$d/err")"
done

# ---- registry: subcommands; a file's options apply where they can -------
R=$BIN/registry
printf 'dir %s\nwait 2s\nalias staging\n' "$T/reg" > "$T/r.conf"
"$R" -C "$T/r.conf" init > /dev/null 2> "$T/err" && [ -d "$T/reg" ] &&
    ok "registry: -C FILE taken (dir), -a from a file is no misuse" ||
    fail "registry: -C FILE taken" "$(cat "$T/err")"
"$R" -C "$T/r.conf" -d "$T/reg2" init > /dev/null 2>&1 &&
    [ -d "$T/reg2" ] && ok "registry: the command line wins" ||
    fail "registry: the command line wins"
printf '\nwait forever\n' > "$T/rb.conf"
"$R" -C "$T/rb.conf" -d "$T/reg" list > /dev/null 2> "$T/err"
st=$?
[ $st -eq 64 ] && one_line "$T/err" \
    "^registry: $T/rb.conf:2: wait: 'forever' is not a duration" &&
    ok "registry: a bad value in the file: FILE:LINE, 64" ||
    fail "registry: a bad value in the file" "exit $st: $(cat "$T/err")"
"$R" -w -1 -d "$T/reg" list > /dev/null 2> "$T/err"
st=$?
[ $st -eq 64 ] && one_line "$T/err" "^registry: --wait: '-1' is not a" &&
    ok "registry: a bad option value: one line, 64" ||
    fail "registry: a bad option value" "exit $st: $(cat "$T/err")"

# ---- bundle: subcommands; a file's options are the command's ------------
B=$BIN/bundle
printf '# keygen\nforce\n' > "$T/b.conf"
"$B" keygen "$T/k" > /dev/null 2>&1 &&
    "$B" keygen -C "$T/b.conf" "$T/k" > /dev/null 2> "$T/err" &&
    ok "bundle: -C FILE taken (force)" ||
    fail "bundle: -C FILE taken" "$(cat "$T/err")"
printf '\nforse\n' > "$T/bb.conf"
"$B" keygen -C "$T/bb.conf" "$T/k" > /dev/null 2> "$T/err"
st=$?
[ $st -eq 64 ] && one_line "$T/err" "^bundle: $T/bb.conf:2: forse: no such" &&
    ok "bundle: an unknown option in the file: FILE:LINE, 64" ||
    fail "bundle: an unknown option in the file" "exit $st: $(cat "$T/err")"

# ---- collect: a server; it runs until SIGTERM ---------------------------
C=$BIN/collect
mkdir -p "$T/drop"
printf 'input dir:%s\ndataset %s\nmetrics %s\n' "$T/drop" "$T/ds1" \
    "$T/c.prom" > "$T/c.conf"
chmod 600 "$T/c.conf"
"$C" -q -C "$T/c.conf" -d "$T/ds2" 2> "$T/err" &
pid=$!
i=0
while [ ! -s "$T/c.prom" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid 2> /dev/null
wait $pid
st=$?
[ $st -eq 0 ] && [ -s "$T/c.prom" ] && [ -d "$T/ds2" ] && [ ! -e "$T/ds1" ] &&
    ok "collect: -C FILE taken (-i, --metrics), the command line wins (-d)" ||
    fail "collect: -C FILE, the command line wins" "exit $st: $(cat "$T/err")"
printf 'mqtt-keepalive 1\n' > "$T/cb.conf"
"$C" -C "$T/cb.conf" -i "dir:$T/drop" -d "$T/ds3" 2> "$T/err"
st=$?
[ $st -eq 64 ] && one_line "$T/err" \
    "^collect: $T/cb.conf:1: mqtt-keepalive: '1' is not a whole number" &&
    ok "collect: a bad value in the file: FILE:LINE, 64" ||
    fail "collect: a bad value in the file" "exit $st: $(cat "$T/err")"
"$C" --metrics-every 0 -i "dir:$T/drop" -d "$T/ds3" 2> "$T/err"
st=$?
[ $st -eq 64 ] && one_line "$T/err" "^collect: --metrics-every: '0' is not" &&
    ok "collect: a bad option value: one line, 64" ||
    fail "collect: a bad option value" "exit $st: $(cat "$T/err")"
finish

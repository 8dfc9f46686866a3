#!/bin/sh
# validate's command line: --help, usage errors, exit codes (sysexits),
# schema errors naming file and line, undecodable frames rejected with their
# bytes, frames of other kinds passed on unchanged, a write error, and the
# accounting on SIGUSR1 and after SIGTERM.
. tests/lib.sh
D=$TESTDATA/validate
V=$BIN/validate

# expect NAME CODE CMD...: CMD exits with CODE
expect() {
	n=$1 c=$2; shift 2
	"$@" > $T/stdout 2> $T/stderr
	rc=$?
	[ $rc -eq $c ] && ok "$n" || fail "$n" "exit $rc, expected $c: $(cat $T/stderr)"
}

expect "--help exits 0" 0 $V --help
grep -q '^usage: validate \[-q\] \[-C FILE\] \[-i URI\] \[-o URI\] \[--reject URI\] \[--metrics FILE\] \[--max-devices N\] -s SCHEMA$' $T/stdout &&
	[ ! -s $T/stderr ] && ok "--help on stdout" || fail "--help on stdout"
# the man page's SYNOPSIS is the usage
if man -l filters/validate/validate.1 > /dev/null 2>&1; then
	MANWIDTH=200 man -l filters/validate/validate.1 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/s/^ *validate /usage: validate /p' |
		tr 'A-Z' 'a-z' > $T/syn.man
	sed -n 's/^ *\(usage: \)*validate /usage: validate /p' $T/stdout |
		tr 'A-Z' 'a-z' > $T/syn.help
	cmp -s $T/syn.man $T/syn.help && ok "man SYNOPSIS = usage" ||
		fail "man SYNOPSIS = usage" "$(diff $T/syn.man $T/syn.help)"
else
	[ -s filters/validate/validate.1 ] && ok "man page exists" ||
		fail "man page exists"
fi
expect "no schema: usage" 64 $V -i /dev/null
grep -q 'a schema is needed' $T/stderr && grep -q '^usage:' $T/stderr &&
	ok "usage on stderr" || fail "usage on stderr"
expect "unknown option: usage" 64 $V -Z
expect "operand: usage" 64 $V -s $D/hand.schema extra
expect "--infer-schema with -s: usage" 64 $V --infer-schema -s $D/hand.schema
expect "--margin out of range" 64 $V --infer-schema --margin -1
expect "missing schema file" 66 $V -s $T/none.schema -i /dev/null
grep -q "$T/none.schema: No such file" $T/stderr && ok "names the missing file" ||
	fail "names the missing file" "$(cat $T/stderr)"
printf '[device]\norder reject\n[channel a]\nrange 0 x reject\n' > $T/bad.schema
expect "schema error" 65 $V -s $T/bad.schema -i /dev/null
[ "$(cat $T/stderr)" = "validate: $T/bad.schema:4: range: 'x' is not a number" ] &&
	ok "schema error names file, line, word" || fail "schema error message" "$(cat $T/stderr)"
expect "missing input" 66 $V -s $D/hand.schema -i $T/none.mp

# an undecodable frame between good ones: rejected with its bytes, the
# rest goes on
$PY tests/py/validate_frames.py jsonl $D/hand.jsonl > $T/hand.mp
{ cat $T/hand.mp; printf '\223\001\002\003'; cat $T/hand.mp; } > $T/mixed.mp
expect "bad frame: exit 0" 0 $V -s $D/hand.schema -i $T/mixed.mp -o $T/m.out --reject $T/m.rej
check "bad frame: rejected with its bytes" $PY tests/py/validate_misc.py raw $T/m.rej 93010203
check "bad frame: accounting" $PY tests/py/validate_check.py accounting $T/stderr $T/m.out $T/m.rej
grep -q '^validate: in=59 ' $T/stderr && ok "bad frame: both halves read" ||
	fail "bad frame: both halves read" "$(cat $T/stderr)"

# frames that are not samples pass unchanged and in place
$PY tests/py/validate_misc.py kinds $T/kinds.mp
printf '[device]\norder reject\n[channel x]\nrange 0 100 reject\n' > $T/x.schema
expect "other kinds: exit 0" 0 $V -s $T/x.schema -i $T/kinds.mp -o $T/k.out --reject $T/k.rej
check "other kinds: passed unchanged, in place" $PY tests/py/validate_misc.py passed $T/kinds.mp $T/k.out
check "other kinds: accounting" $PY tests/py/validate_check.py accounting $T/stderr $T/k.out $T/k.rej $T/kinds.mp

# a full disk is an I/O error
if [ -w /dev/full ]; then
	expect "write error: exit 74" 74 $V -s $T/x.schema -i $T/kinds.mp -o /dev/full
	grep -q '/dev/full' $T/stderr && ok "write error names the output" ||
		fail "write error names the output" "$(cat $T/stderr)"
fi

# SIGUSR1 mid-stream: the accounting so far, equation included; SIGTERM:
# ends the stream, flushes, accounts, exits 0
$PY tests/py/validate_misc.py ramp 0 800 $T/ramp1.mp
$PY tests/py/validate_misc.py ramp 800 2200 $T/ramp2.mp
for sig in USR1 TERM; do
	rm -f $T/fifo $T/s.out
	mkfifo $T/fifo
	$V -s $T/x.schema -i $T/fifo -o $T/s.out 2> $T/s.err &
	pid=$!
	exec 3> $T/fifo
	cat $T/ramp1.mp >&3
	i=0	# wait until the first frames came out (no timing assumed)
	while [ ! -s $T/s.out ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	kill -$sig $pid
	if [ $sig = USR1 ]; then cat $T/ramp2.mp >&3; fi
	exec 3>&-
	wait $pid
	rc=$?
	[ $rc -eq 0 ] && ok "SIG$sig: exit 0" || fail "SIG$sig: exit $rc" "$(cat $T/s.err)"
	n=$(grep -c '^validate: in=' $T/s.err)
	if [ $sig = USR1 ]; then
		[ "$n" -eq 2 ] && ok "SIGUSR1: a report mid-stream and one at exit" ||
			fail "SIGUSR1: reports" "$(cat $T/s.err)"
		grep '^validate: in=' $T/s.err | head -1 |
			awk '{ for (i = 2; i <= NF; i++) { split($i, a, "="); v[a[1]] = a[2] }
			    exit !(v["in"] == v["out"] + v["rejected"] + v["dropped"] + v["held"] &&
			    v["in"] > 0 && v["in"] < 3000) }' &&
			ok "SIGUSR1: the report mid-stream adds up" ||
			fail "SIGUSR1: mid-stream report" "$(cat $T/s.err)"
	else
		[ "$n" -eq 1 ] && ok "SIGTERM: accounted" || fail "SIGTERM: report" "$(cat $T/s.err)"
	fi
	check "SIG$sig: accounting matches the output" \
		$PY tests/py/validate_check.py accounting $T/s.err $T/s.out
done
finish

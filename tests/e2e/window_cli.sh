#!/bin/sh
# window: the command line -- --help, misuse (exit 64, the option named),
# --config (same frames as the options it holds; errors name file:line),
# --reject, write errors (74), truncated input (65), -q; and the man page
# documents every long option --help lists.
. tests/lib.sh

W=$BIN/window
FR="$PY tests/py/window_frames.py"

if "$W" --help > "$T/help" 2> "$T/err" && grep -q "^usage: window" \
    "$T/help" && [ ! -s "$T/err" ]; then ok "--help: stdout, exit 0"; else
	fail "--help"; fi

# misuse NAME PATTERN ARGS...: exit 64, PATTERN in the message
misuse() {
	name=$1 pat=$2
	shift 2
	"$W" "$@" < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	if [ $st -eq 64 ] && grep -q -- "$pat" "$T/err"; then ok "$name"; else
		fail "$name" "exit $st: $(head -n 1 "$T/err")"; fi
}
misuse "no size" "-s SIZE is needed"
misuse "size 0" "more than 0" -s 0s
misuse "size with a bad unit" "not a count or a duration" -s 3parsecs
misuse "hop of another unit" "must be a count" -s 256 -H 1s
misuse "a hop for tumbling windows" "only hopping" -t tumbling -s 4 -H 2
misuse "session without a gap" "needs -g" -t session
misuse "clock count windows" "only time windows" -s 256 -a clock
misuse "unknown feature" "nonsense is not a feature" -s 4 -f mean,nonsense
misuse "lines without a bearing" "need a bearing" -s 4 -f env_bpfo
misuse "bands feature without -b" "bands needs -b" -s 4 -f bands
misuse "bearing without speed" "no shaft speed" -s 4 -B balls=9,ball=1,pitch=5
misuse "bearing, bad key" "wheels is not" -s 4 -B wheels=3,rpm=1
misuse "bearing, ball too big" "not smaller" -s 4 -B balls=9,ball=5,pitch=1,rpm=1
misuse "size beyond --max-samples" "more than --max-samples" -s 100 \
    --max-samples 10
misuse "an operand" "usage" -s 4 extra

printf 'size 4\n# a comment\n\nrate 12000\nwheels 3\n' > "$T/bad.conf"
misuse "--config: an unknown option, with file and line" \
    "bad.conf:5: wheels: no such option" -C "$T/bad.conf"
printf 'quiet 1\n' > "$T/bad2.conf"
misuse "--config: a value for a flag" "bad2.conf:1: quiet: takes no value" \
    -C "$T/bad2.conf"
"$W" -C "$T/nonexistent.conf" < /dev/null > /dev/null 2> "$T/err"
[ $? -eq 66 ] && ok "--config: a missing file, exit 66" ||
    fail "--config: a missing file"

# --config holds the same options as a command line
$FR gen a:0:1 a:1:2 a:2:4 a:3:8 a:4:16 a:5:32 a:6:64 > "$T/in.mp"
printf 'size 3\nhop 2   # windows of 3 every 2\nfeatures mean,max\nshort drop\n' \
    > "$T/ok.conf"
"$W" -q -C "$T/ok.conf" < "$T/in.mp" > "$T/a.mp" &&
    "$W" -q -s 3 -H 2 -f mean,max --short drop < "$T/in.mp" > "$T/b.mp" &&
    cmp -s "$T/a.mp" "$T/b.mp" && [ -s "$T/a.mp" ] &&
    ok "--config: the same frames as its options" ||
    fail "--config: the same frames as its options"
"$W" -q -C "$T/ok.conf" -s 2 < "$T/in.mp" > "$T/c.mp" &&
    $FR dump "$T/c.mp" | head -n 1 | grep -q "n=2 x.mean=1.5" &&
    ok "--config: later options override it" ||
    fail "--config: later options override it"

# --reject: rejects apart, counted, not in the output
$FR gen a:0:1 a:1:nan a:2:3 "a:3:'x'" a:0.5:5 > "$T/in.mp"
if "$W" -s 2 -f mean --reject "$T/rej.mp" < "$T/in.mp" > "$T/out.mp" \
    2> "$T/err"; then
	$FR dump "$T/out.mp" > "$T/got"
	$FR dump "$T/rej.mp" > "$T/gotrej"
	printf 'F a 0 [0 2.000000001) n=2 x.mean=2\n' > "$T/want"
	printf 'R a number x\nR a number x\nR a time-order -\n' > "$T/wantrej"
	if cmp -s "$T/got" "$T/want" && cmp -s "$T/gotrej" "$T/wantrej" &&
	    grep -q "rejected=3 " "$T/err" && grep -q " late=1 " "$T/err"; then
		ok "--reject: three rejects there, the output clean"
	else
		fail "--reject" "$(cat "$T/got" "$T/gotrej" "$T/err")"
	fi
	$PY - "$T/rej.mp" <<'PYEOF' && ok "reject frames: stage, reason, the original frame" || fail "reject frame contents"
import sys, msgpack
from window_oracle import read_frames
fr = read_frames(sys.argv[1])
(t, m, b) = fr[0]
orig = msgpack.unpackb(b["frame"], raw=False) if isinstance(b["frame"], bytes) else b["frame"]
assert m["stage"] == "window" and m["kind"] == "reject", m
assert "NaN" in b["reason"] and b["field"] == "x", b
assert orig[1] == {"x": orig[1]["x"]} and orig[0][1]["seq"] == 1, orig
assert "late" in fr[2][2]["reason"] and fr[2][2]["limit"] == 0.0, fr[2]
# times in reasons are ISO 8601 as validate writes them: the fraction
# only as long as it needs to be
assert "at 1970-01-01T00:00:00.5Z is 1.5 s behind its newest at 1970-01-01T00:00:02Z;" in fr[2][2]["reason"], fr[2]
PYEOF
else
	fail "--reject" "exit $?"
fi

# a write error is exit 74; truncated input exit 65; -q is quiet
$FR gen a:0:1 a:1:2 a:2:3 > "$T/in.mp"
if [ -w /dev/full ]; then
	"$W" -q -s 1 -o /dev/full < "$T/in.mp" 2> "$T/err"
	st=$?
	[ $st -eq 74 ] && ok "write error: exit 74" ||
	    fail "write error" "exit $st: $(cat "$T/err")"
fi
head -c 30 "$T/in.mp" > "$T/trunc.mp"
"$W" -q -s 1 < "$T/trunc.mp" > /dev/null 2> "$T/err"
st=$?
[ $st -eq 65 ] && ok "truncated input: exit 65" ||
    fail "truncated input" "exit $st"
"$W" -q -s 1 < "$T/in.mp" > /dev/null 2> "$T/err"
[ ! -s "$T/err" ] && ok "-q: nothing on stderr" || fail "-q" "$(cat "$T/err")"

# the man page names every long option of --help
miss=""
for o in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
	grep -q -- "Fl -${o#--}" filters/window/window.1 || miss="$miss $o"
done
[ -z "$miss" ] && ok "window.1 documents every option of --help" ||
    fail "window.1 lacks" "$miss"
finish

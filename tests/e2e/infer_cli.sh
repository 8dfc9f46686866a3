#!/bin/sh
# infer and bundle on the command line: --help (stdout, exit 0) names every
# option the man page documents; misuse exits 64; a missing bundle or key
# exits 66; SIGINT stops infer cleanly with every frame accounted for.
. tests/lib.sh
I=$BIN/infer B=$BIN/bundle

"$I" --help > "$T/help" 2> "$T/err"
[ $? -eq 0 ] && grep -q "^usage: infer" "$T/help" && [ ! -s "$T/err" ] &&
    ok "infer --help: stdout, exit 0" || fail "infer --help"
miss=""
for o in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
	grep -q -- "Fl -${o#--}" filters/infer/infer.1 || miss="$miss $o"
done
[ -z "$miss" ] && ok "infer.1 documents every option of --help" ||
    fail "infer.1 lacks" "$miss"
"$B" --help > "$T/bhelp" && grep -q "^usage: bundle show" "$T/bhelp" &&
    ok "bundle --help" || fail "bundle --help"
miss=""
for c in show keygen sign verify diff section; do
	grep -q "Cm $c" filters/bundle/bundle.1 || miss="$miss $c"
done
[ -z "$miss" ] && ok "bundle.1 documents every command" ||
    fail "bundle.1 lacks" "$miss"

for args in "" "-m" "-m x --batch 0" "-m x --nan maybe" "-m x --kind event" \
    "-m x --poll -1" "-m x extra"; do
	# shellcheck disable=SC2086
	"$I" $args < /dev/null > /dev/null 2>&1
	st=$?
	[ $st -eq 64 ] && ok "infer $args: exit 64" || fail "infer $args" "exit $st"
done
"$B" frobnicate > /dev/null 2>&1; st=$?
[ $st -eq 64 ] && ok "bundle frobnicate: exit 64" || fail "bundle frobnicate" "exit $st"
"$I" -m "$T/absent.bundle" < /dev/null > /dev/null 2> "$T/err"; st=$?
[ $st -eq 66 ] && grep -q "absent.bundle" "$T/err" &&
    ok "missing bundle: exit 66, named" || fail "missing bundle" "exit $st"
"$B" verify "$T/absent.bundle" > /dev/null 2>&1; st=$?
[ $st -eq 65 ] && ok "bundle verify of a missing file: exit 65" ||
    fail "bundle verify missing" "exit $st"

# SIGINT in the middle of a stream: exit 0, the accounting balances
$PY - "$T" <<'PYEOF'
import sys, os
sys.path.insert(0, "pipelines/python")
from pdm_bundle import write_body
T = sys.argv[1]
write_body(T + "/m.bundle", {"format": 1, "name": "m", "version": "1",
    "features": ["x"], "model": {"kind": "ridge", "hyper": {},
    "scaler": None, "arrays": {"coef": {"shape": [1], "data": [2.0]},
    "intercept": {"shape": [1], "data": [1.0]}}}, "outputs": {}})
PYEOF
mkfifo "$T/fifo"
"$I" -m "$T/m.bundle" < "$T/fifo" > "$T/out" 2> "$T/err" &
pid=$!
$PY - "$T/fifo" "$pid" <<'PYEOF'
import msgpack, os, signal, sys, time
with open(sys.argv[1], "wb") as f:
    for i in range(1000):
        f.write(msgpack.packb([[i, {"kind": "features", "dev": "a", "seq": i}],
                               {"x": float(i)}]))
    f.flush()
    time.sleep(0.5)
    os.kill(int(sys.argv[2]), signal.SIGINT)
    time.sleep(0.5)
PYEOF
wait $pid
st=$?
if [ $st -eq 0 ] && grep -q "in=1000 out=1000 .*(interrupted)" "$T/err" ||
    { [ $st -eq 0 ] && grep -q "in=1000 out=1000" "$T/err"; }; then
	ok "SIGINT: exit 0, in=1000 out=1000"
else
	fail "SIGINT" "exit $st: $(cat "$T/err")"
fi
finish

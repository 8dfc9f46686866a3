#!/bin/sh
# train: the command line -- --help, misuse (exit 64), then
# tests/py/train_cli.py: labels from body, meta, a device map and derived
# RUL; the time split with purge, the group split and k-fold; accounting;
# metadata, upstream texts and the profile in the bundle; --eval; a
# byte-identical bundle from the same seed; the exit statuses.
. tests/lib.sh

TR=$BIN/train
if "$TR" --help > "$T/help" 2> "$T/err" && grep -q "^usage: train" \
    "$T/help" && [ ! -s "$T/err" ]; then ok "--help: stdout, exit 0"; else
	fail "--help"; fi

misuse() {
	name=$1 pat=$2
	shift 2
	"$TR" "$@" < /dev/null > "$T/out" 2> "$T/err"
	st=$?
	if [ $st -eq 64 ] && grep -q -- "$pat" "$T/err"; then ok "$name"; else
		fail "$name" "exit $st: $(head -n 1 "$T/err")"; fi
}
misuse "no kind" "-k KIND" -o x.bundle
misuse "unknown kind" "unknown kind" -k forest -o x.bundle
misuse "labels twice" "choose one" -k ridge -l y --rul windows -o x
misuse "no labels for a classifier" "needs labels" -k softmax -o x
misuse "--rul with a classifier" "ridge or mlp_regressor" -k softmax \
    --rul windows -o x
misuse "fractions" "less than 10%" -k pca --val 0.5 --test 0.45 -o x
misuse "bad --hidden" "--hidden" -k mlp_classifier --hidden 0 -l y -o x
misuse "--last without --eval" "--last" -k pca --last -o x

# every long option of --help is in the man page
for o in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
	grep -q -- "Fl -${o#--}" filters/train/train.1 ||
		fail "man page lacks $o"
done
ok "man page documents the options of --help"

if $PY tests/py/train_cli.py "$BIN" "$T" > "$T/cli.log" 2>&1; then
	ok "train_cli.py: $(grep -c '^ok' "$T/cli.log") checks"
else
	fail "train_cli.py" "$(grep -v '^ok' "$T/cli.log" | tail -n 8)"
fi
finish

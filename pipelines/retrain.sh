#!/bin/sh
# retrain.sh -- what trigger runs on a retrain event: train a candidate on
# the collected frames plus the serving model's own training data, score
# the candidate and the serving model with `train --eval` on the same
# held-out labelled frames, let the gate (pipelines/gate.sh) decide, and
# add the candidate to the registry and promote it or record the refusal.
# Every decision goes to the registry history with the gate's numbers.
#
#   retrain.sh [-c CONF] [-n]      (-n: decide, but promote nothing)
#
# CONF (default $PDM_RETRAIN_CONF, else /etc/pdm/retrain.conf) is a shell
# file of assignments; docs/loop.md describes each.  Required: MODEL, KIND,
# DATASET (collect's data set: DATASET/DEV/DAY/ID.mp).  The rest have
# defaults:
#   REGISTRY=/var/lib/pdm/registry  ALIAS=production  SHADOW=0
#   STATE=/var/lib/pdm/retrain      (run directories, training sets and
#                                   their device lists)
#   BASE_DATA=                      frames the first serving model was
#                                   trained on, when it has no training set
#                                   in STATE/trainsets/ (files or dirs)
#   FAILURES=                       "DEV RUL" lines: the devices that ran to
#                                   failure (RUL at their last frame, 0 for
#                                   a failure); only they give labels.
#                                   Unset: every device of DATASET
#   LABEL='--rul windows'           how train labels rows (and --eval too)
#   TRAIN_OPTS=                     more train options (features, seed...)
#   HOLDOUT_EVERY=3                 every Nth labelled new device is held
#                                   out for the gate (sorted by name)
#   MARGIN=0  NORMAL=normal         the gate's margin and normal label
#   SIGN_KEY=  PUBKEY=              sign the candidate; require signatures
#   BIN=<dir of this script>/../bin
# The triggering event (JSON, from trigger) is read from stdin when stdin is
# not a terminal and kept in the run directory.
#
# Exit: 0 the candidate was promoted or refused (the history says which),
# 64 usage or configuration, 65 not enough labelled data, 70 training or
# scoring failed, 73/74 the run directory or the registry could not be
# written, 75 another retrain holds the lock.
set -u
here=$(cd "$(dirname "$0")" && pwd)
conf=${PDM_RETRAIN_CONF:-/etc/pdm/retrain.conf}
dry=0
while getopts c:n opt; do
	case $opt in
	c) conf=$OPTARG ;;
	n) dry=1 ;;
	*) echo "usage: retrain.sh [-c conf] [-n]" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "usage: retrain.sh [-c conf] [-n]" >&2; exit 64; }
[ -r "$conf" ] || { echo "retrain: $conf: cannot read the configuration" >&2; exit 64; }

MODEL= KIND= DATASET= BASE_DATA= FAILURES= TRAIN_OPTS= SIGN_KEY= PUBKEY=
REGISTRY=/var/lib/pdm/registry ALIAS=production SHADOW=0
STATE=/var/lib/pdm/retrain LABEL='--rul windows' HOLDOUT_EVERY=3
MARGIN=0 NORMAL=normal BIN=$here/../bin
. "$conf"
for v in MODEL KIND DATASET; do
	eval "x=\${$v}"
	[ -n "$x" ] || { echo "retrain: $conf: $v is not set" >&2; exit 64; }
done
case $HOLDOUT_EVERY in ''|*[!0-9]*|0|1) echo "retrain: HOLDOUT_EVERY must be an integer >= 2" >&2; exit 64 ;; esac
[ -d "$DATASET" ] || { echo "retrain: DATASET $DATASET: no such directory" >&2; exit 65; }
[ -z "$FAILURES" ] || [ -r "$FAILURES" ] || { echo "retrain: FAILURES $FAILURES: cannot read" >&2; exit 64; }
[ "$SHADOW" = 1 ] && ALIAS=shadow

say() { echo "retrain: $*"; }
die() { st=$1; shift; echo "retrain: $*" >&2; exit "$st"; }
reg() { "$BIN/registry" -d "$REGISTRY" "$@"; }

# ---- one run at a time; a run directory ----------------------------------
mkdir -p "$STATE/runs" "$STATE/trainsets/$MODEL" || die 73 "$STATE: cannot create"
# the lock: a directory holding the owner's pid; a lock whose owner is gone
# (a run killed with SIGKILL, a power cut) is taken over, with a word
if ! mkdir "$STATE/lock" 2> /dev/null; then
	owner=$(cat "$STATE/lock/pid" 2> /dev/null)
	if [ -n "$owner" ] && kill -0 "$owner" 2> /dev/null; then
		die 75 "$STATE/lock: retrain $owner is running"
	fi
	echo "retrain: $STATE/lock: its owner ${owner:-?} is gone; taking it over" >&2
	rm -rf "$STATE/lock"
	mkdir "$STATE/lock" 2> /dev/null || die 75 "$STATE/lock: taken by another run meanwhile"
fi
echo $$ > "$STATE/lock/pid"
trap 'rm -rf "$STATE/lock"' EXIT
trap 'exit 75' INT TERM
run=$STATE/runs/$(date -u +%Y%m%dT%H%M%SZ).$$
mkdir -p "$run" || die 73 "$run: cannot create"
[ -t 0 ] || cat > "$run/event.json"

# ---- the serving model, the candidate's version ---------------------------
serving=
if sv=$(reg path "$MODEL" -a "$ALIAS" 2> /dev/null); then
	serving=$(basename "$sv" .bundle)
elif [ "$ALIAS" = shadow ] && sv=$(reg path "$MODEL" 2> /dev/null); then
	serving=$(basename "$sv" .bundle)	# shadow compares with production
fi
# numeric versions count up; otherwise a UTC time stamp
last=$(reg list "$MODEL" 2> /dev/null | cut -f1 | sed 's/.*@//' | grep -E '^[0-9]+$' | sort -n | tail -n 1)
if [ -n "$last" ] || [ -z "$serving" ]; then
	version=$(( ${last:-0} + 1 ))
else
	version=$(date -u +%Y%m%dT%H%M%SZ)
fi
say "$MODEL@$version, retrained from ${serving:-nothing} (alias $ALIAS), run $run"

# ---- data: new labelled devices, split by device; the base ----------------
# a device is labelled when FAILURES lists it (or always without FAILURES)
: > "$run/devices.new"
for d in "$DATASET"/*/; do
	[ -d "$d" ] || continue
	dev=$(basename "$d")
	if [ -n "$FAILURES" ]; then
		awk -v d="$dev" '$1 == d { f = 1 } END { exit !f }' "$FAILURES" || continue
	fi
	echo "$dev"
done | sort > "$run/devices.new"
# devices the serving model was trained on are not new: drop them
if [ -n "$serving" ] && [ -f "$STATE/trainsets/$MODEL/$serving.devices" ]; then
	grep -vxF -f "$STATE/trainsets/$MODEL/$serving.devices" "$run/devices.new" > "$run/devices.unseen"
	mv "$run/devices.unseen" "$run/devices.new"
fi
nnew=$(wc -l < "$run/devices.new")
[ "$nnew" -ge 2 ] || die 65 "$nnew labelled new device(s) in $DATASET: need 2 or more (one to train on, one to hold out)"
awk -v k="$HOLDOUT_EVERY" 'NR % k == 0' "$run/devices.new" > "$run/devices.holdout"
[ -s "$run/devices.holdout" ] || tail -n 1 "$run/devices.new" > "$run/devices.holdout"
grep -vxF -f "$run/devices.holdout" "$run/devices.new" > "$run/devices.train"

frames_of() {	# frames_of LIST: the data set's frames of those devices, in time order per device
	while read -r dev; do
		find "$DATASET/$dev" -type f -name '*.mp' | sort | while read -r f; do cat "$f"; done
	done < "$1"
}
frames_of "$run/devices.holdout" > "$run/holdout.mp" || die 74 "$run/holdout.mp: cannot write"
frames_of "$run/devices.train" > "$run/new.mp" || die 74 "$run/new.mp: cannot write"

# the base: the serving model's training set, else BASE_DATA
base=
[ -n "$serving" ] && [ -f "$STATE/trainsets/$MODEL/$serving.mp" ] &&
	base=$STATE/trainsets/$MODEL/$serving.mp
if [ -z "$base" ] && [ -n "$BASE_DATA" ]; then
	for b in $BASE_DATA; do
		if [ -d "$b" ]; then find "$b" -type f -name '*.mp' | sort | while read -r f; do cat "$f"; done
		else cat "$b"; fi
	done > "$run/base.mp" || die 65 "BASE_DATA: cannot read"
	base=$run/base.mp
fi
cat ${base:+"$base"} "$run/new.mp" > "$run/train.mp" || die 74 "$run/train.mp: cannot write"
say "data: $(wc -l < "$run/devices.train") new devices to train on, $(wc -l < "$run/devices.holdout") held out ($(tr '\n' ' ' < "$run/devices.holdout")), base ${base:-none}"

# ---- train the candidate ------------------------------------------------------
cand=$run/$MODEL@$version.bundle
# shellcheck disable=SC2086
"$BIN/train" -k "$KIND" $LABEL $TRAIN_OPTS --name "$MODEL" --version "$version" \
    ${serving:+--parent "$serving"} ${SIGN_KEY:+--sign "$SIGN_KEY"} \
    -o "$cand" -i "$run/train.mp" > "$run/train.out" 2> "$run/train.err" ||
	die 70 "train failed (exit $?): $(tail -n 3 "$run/train.err")"

# ---- the gate: both models on the held-out frames ----------------------------
# shellcheck disable=SC2086
"$BIN/train" --eval "$cand" $LABEL ${PUBKEY:+--pubkey "$PUBKEY"} --scores "$run/candidate.csv" \
    -i "$run/holdout.mp" > "$run/eval-candidate.out" 2> "$run/eval-candidate.err" ||
	die 70 "train --eval of the candidate failed: $(tail -n 3 "$run/eval-candidate.err")"
servcsv=
if [ -n "$serving" ]; then
	# shellcheck disable=SC2086
	if "$BIN/train" --eval "$sv" $LABEL ${PUBKEY:+--pubkey "$PUBKEY"} --scores "$run/serving.csv" \
	    -i "$run/holdout.mp" > "$run/eval-serving.out" 2> "$run/eval-serving.err"; then
		servcsv=$run/serving.csv
	else
		servfail="the serving model $MODEL@$serving could not be scored on the held-out frames: $(tail -n 1 "$run/eval-serving.err")"
	fi
fi
if [ -n "${servfail:-}" ]; then
	gate="verdict=refuse metric=none rule=serving_model_not_scored"
	verdict=refuse
	why=$servfail
else
	gate=$(sh "$here/gate.sh" -m "$MARGIN" -n "$NORMAL" "$KIND" "$run/candidate.csv" ${servcsv:+"$servcsv"})
	st=$?
	[ $st -le 1 ] || die 70 "the gate failed (exit $st)"
	verdict=$(echo "$gate" | sed 's/^verdict=\([a-z]*\).*/\1/')
	why="retrain gate: $verdict"
fi
gate="$gate holdout_devices=$(wc -l < "$run/devices.holdout") run=$(basename "$run")"
echo "$gate" > "$run/gate"
say "gate: $gate"

# ---- the registry --------------------------------------------------------------
reg add ${PUBKEY:+-k "$PUBKEY"} "$cand" > "$run/add.out" 2>&1 || die 74 "registry add: $(cat "$run/add.out")"
cp "$run/train.mp" "$STATE/trainsets/$MODEL/$version.mp" ||
	die 74 "$STATE/trainsets/$MODEL/$version.mp: cannot write"
{ [ -n "$serving" ] && cat "$STATE/trainsets/$MODEL/$serving.devices" 2> /dev/null
  cat "$run/devices.train"; } | sort -u > "$STATE/trainsets/$MODEL/$version.devices"
if [ $dry = 1 ]; then
	say "-n: $verdict not applied"
elif [ "$verdict" = promote ]; then
	reg promote ${PUBKEY:+-k "$PUBKEY"} "$MODEL@$version" -a "$ALIAS" -y "$why" -g "$gate" || die 74 "registry promote failed"
else
	reg refuse "$MODEL@$version" -a "$ALIAS" -y "$why" -g "$gate" || die 74 "registry refuse failed"
fi
exit 0

#!/bin/sh
# replay.sh -- recorded CSVs through the device pipeline (device.sh), as the
# device would have seen them: each file is a device named after it (or as
# INGEST_OPTS say), its sampled frames are uploaded to a collect of its own,
# drift's retrain events go to trigger.
#
#   replay.sh -m BUNDLE [-w WORKDIR] [-o PREDICTIONS] [-c CONF]
#             [-r RETRAIN_CMD|none] [-s SPEED] FILE...
#
# -m: the bundle, a file or a registry alias (REGISTRY/NAME/production);
# -w: where everything goes (default a new temporary directory): pl/ (each
# stage's stderr), deadletter/, metrics/, spool/, uplink/, dataset/ (what
# collect stored), trigger.mp (trigger's outcomes); -o: the predictions
# (default WORKDIR/predictions.mp); -c: more configuration (device.sh's
# variables: INGEST_OPTS, DRIFT_OPTS, SAMPLE_OPTS ...); -r: the command
# trigger runs (sh -c; default pipelines/retrain.sh; none: no trigger);
# -s: replay at SPEED times the recorded speed (ingest --speed; default as
# fast as it goes).  Prints each stage's counts; exit status as device.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
w="" model="" out="" conf="" retrain="" speed=""
usage() {
	echo "usage: replay.sh -m bundle [-w workdir] [-o predictions] [-c conf]" \
	    "[-r retrain-cmd|none] [-s speed] file ..." >&2
	exit 64
}
while getopts c:m:o:r:s:w: opt; do
	case $opt in
	c) conf=$OPTARG ;;
	m) model=$OPTARG ;;
	o) out=$OPTARG ;;
	r) retrain=$OPTARG ;;
	s) speed=$OPTARG ;;
	w) w=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$model" ] && [ $# -gt 0 ] || usage
[ -n "$w" ] || w=$(mktemp -d) || exit 73
mkdir -p "$w" || exit 73
w=$(cd "$w" && pwd)
cat > "$w/replay.conf" <<EOC
MODEL=$model
UPLINK=dir:$w/uplink
SPOOL=$w/spool
DATASET=$w/dataset
DEADLETTER=$w/deadletter
METRICS_DIR=$w/metrics
OUTPUT=${out:-$w/predictions.mp}
UPLOAD_OPTS="--batch-age 1 --drain 30"
EOC
[ -n "$retrain" ] && printf 'RETRAIN=%s\n' "'$(printf '%s' "$retrain" | sed "s/'/'\\\\''/g")'" >> "$w/replay.conf"
[ -n "$speed" ] && printf 'INGEST_OPTS="${INGEST_OPTS:-} --speed %s"\n' "$speed" >> "$w/replay.conf"
# the caller's configuration last: it wins
[ -n "$conf" ] && printf '. %s\n' "$conf" >> "$w/replay.conf"
exec sh "$here/device.sh" -c "$w/replay.conf" -w "$w" "$@"

#!/bin/sh
# shellcheck disable=SC1091,SC2034,SC2046,SC2086	# sourced files; options are word lists
# sensor.sh -- a sensor of the gateway deployment: it reads its CSV and
# checks it, and pushes the frames over ZeroMQ tcp to the gateway, which
# runs the rest of the chain (gateway.sh):
#
#   ingest | validate -s M -o push>tcp://GATEWAY
#
#   sensor.sh [-c CONF] [-w WORKDIR] [FILE...]
#
# CONF (default $PDM_CONF, else /etc/pdm/sensor-$PDM_INSTANCE.conf), shell
# assignments, the environment giving the defaults:
#   GATEWAY      the gateway's PULL endpoint, tcp://host:port (required;
#                PUSH queues while the gateway is away)
#   MODEL        the production bundle, or SCHEMA a schema file: validate -s
#   INPUT, INPUT_URI, INGEST_OPTS   as device.sh (FILE... wins)
#   WORK, DEADLETTER, METRICS_DIR, BIN   as device.sh
# SIGTERM stops ingest; validate sends what it holds and ends.  Prints
# each stage's counts; exit status as device.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/deploy.sh"
dp_start sensor "[file ...]" "$@" || exit $?
shift $DP_SHIFT
[ $# -gt 0 ] && INPUT="$*"
: "${INGEST_OPTS:=}" "${INPUT:=}" "${INPUT_URI:=}"
[ -n "${GATEWAY:-}" ] || { echo "sensor.sh: GATEWAY is not set" >&2; exit 78; }
S=${SCHEMA:-${MODEL:-}}
[ -r "$S" ] || { echo "sensor.sh: no SCHEMA or MODEL to read (${S:-unset})" >&2; exit 66; }
case $GATEWAY in *'>'*|*'@'*) OUT=$GATEWAY ;; *) OUT="push>$GATEWAY" ;; esac
pl_init "$WORK/pl" || exit 73
# shellcheck disable=SC2046,SC2086
if [ -n "$INPUT_URI" ]; then
	pl_stage ingest "$BIN/ingest" -i "$INPUT_URI" $INGEST_OPTS $(dp_side ingest)
else
	pl_stage ingest "$BIN/ingest" $INGEST_OPTS $(dp_side ingest) $INPUT
fi
# shellcheck disable=SC2046
pl_stage validate "$BIN/validate" -s "$S" -o "$OUT" $(dp_side validate)
DP_EVENTS=""
dp_run /dev/null

#!/bin/sh
# shellcheck disable=SC1091,SC2034,SC2046,SC2086	# sourced files; options are word lists
# device.sh -- the device deployment: one machine reads its sensors and runs
# the whole chain, configured from the production bundle M:
#
#   ingest | validate -s M | normalize -p M | window -C M | infer -m M
#          | drift -m M --events FIFO | sample-upload -> the gateway's collect
#                               FIFO -> trigger RETRAIN (pipelines/retrain.sh)
#
#   device.sh [-c CONF] [-w WORKDIR] [FILE...]
#
# CONF (default $PDM_CONF, else /etc/pdm/device-$PDM_INSTANCE.conf) is shell
# assignments; the environment gives the defaults of those it does not set:
#
#   MODEL        the bundle: a registry alias (REGISTRY/NAME/production,
#                infer and drift follow it when it is moved) or a file
#   NAME         the model's name when MODEL is unset (MODEL =
#                $PDM_REGISTRY/NAME/production)
#   INPUT        CSV files to read (FILE... on the command line wins);
#                none: the CSV on stdin
#   INPUT_URI    frames instead of CSV (ingest -i URI: a pipe, a file or
#                pull@tcp://*:PORT), checked and passed on
#   INGEST_OPTS  ingest's options (columns, times, --device ...)
#   DRIFT_OPTS   drift's options (window, tests, --false-alarms ...)
#   SAMPLE_OPTS  what sample-upload keeps (default --every 100)
#   UPLINK       sample-upload -u: dir:PATH, tcp://gateway:PORT, mqtt://...
#                (default dir:$WORK/uplink)
#   SPOOL        sample-upload's spool (default $WORK/spool)
#   UPLOAD_OPTS  more sample-upload options (--drain, --batch-age ...)
#   DATASET      when set, collect -i $COLLECT_INPUT -d DATASET runs beside
#                the chain: the device keeps its own data set (replay)
#   COLLECT_INPUT  (default $UPLINK); COLLECT_OPTS
#   RETRAIN      the command (sh -c) trigger runs on drift's retrain
#                events (default: sh pipelines/retrain.sh, configured by
#                $PDM_RETRAIN_CONF); "none": no trigger
#   TRIGGER_OPTS trigger's options
#   OUTPUT       where the predictions go (default /dev/null)
#   PUBKEY       bundles must be signed by this key (infer -k, drift --pubkey)
#   WORK         named pipes, each stage's stderr (default
#                /var/lib/pdm/run/device-$PDM_INSTANCE, or -w)
#   DEADLETTER   each stage's rejects, STAGE.mp (default $WORK/deadletter)
#   METRICS_DIR  each stage's --metrics FILE, pdm-$PDM_INSTANCE-STAGE.prom
#                (default $PDM_METRICS_DIR; empty: none)
#   BIN          the programs (default ../bin from this script, else PATH)
#
# Every stage's rejects go to its own dead-letter file, so each stage's `in`
# equals the previous stage's `out`; at the end each stage's accounting line
# is printed and the links are checked (pipelines/lib.sh).  window is the
# aggregating stage: its in = used + rejected + passed, its out the windows
# it closed.  drift's events go to trigger, not down the chain (counted as
# drift's `events`).  SIGTERM stops ingest; end of input drains the rest.
# Exit: 0; the status of the stage that failed (named on stderr); 64 usage,
# 66 no bundle, 78 configuration, 1 when a link does not balance.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/deploy.sh"

dp_start device "[file ...]" "$@" || exit $?
shift $DP_SHIFT
[ $# -gt 0 ] && INPUT="$*"
: "${UPLINK:=dir:$WORK/uplink}" "${SPOOL:=$WORK/spool}"
: "${SAMPLE_OPTS:=--every 100}" "${UPLOAD_OPTS:=}" "${DRIFT_OPTS:=}"
: "${INGEST_OPTS:=}" "${INPUT:=}" "${INPUT_URI:=}" "${OUTPUT:=/dev/null}"
: "${COLLECT_INPUT:=$UPLINK}"
case $UPLINK in dir:*) mkdir -p "${UPLINK#dir:}" || exit 73 ;; esac

pl_init "$WORK/pl" || exit 73
# shellcheck disable=SC2086	# the *_OPTS are word lists
if [ -n "$INPUT_URI" ]; then
	pl_stage ingest "$BIN/ingest" -i "$INPUT_URI" $INGEST_OPTS \
	    $(dp_side ingest)
else
	pl_stage ingest "$BIN/ingest" $INGEST_OPTS $(dp_side ingest) $INPUT
fi
dp_chain "$MODEL"
# shellcheck disable=SC2086
pl_stage sample-upload "$BIN/sample-upload" -s "$SPOOL" -u "$UPLINK" \
    $SAMPLE_OPTS $UPLOAD_OPTS $(dp_side sample-upload)
dp_collect_start || exit 73
dp_run "$OUTPUT"

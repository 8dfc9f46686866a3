#!/bin/sh
# shellcheck disable=SC1091,SC2034,SC2046,SC2086	# sourced files; options are word lists
# gateway.sh -- the gateway of sensors (sensor.sh): one bound PULL socket
# receives every sensor's checked frames, and the rest of the chain runs
# here for all of them, configured from the production bundle M; collect
# stores what the devices upload; trigger runs the retrain on drift's
# events:
#
#   ingest -i pull@tcp://*:PORT | normalize -p M | window -C M | infer -m M
#          | drift -m M --events FIFO | sample-upload -u UPLINK
#   collect -i COLLECT_INPUT -d DATASET        FIFO -> trigger RETRAIN
#
#   gateway.sh [-c CONF] [-w WORKDIR]
#
# CONF (default $PDM_CONF, else /etc/pdm/gateway-$PDM_INSTANCE.conf), shell
# assignments, the environment giving the defaults:
#   LISTEN       where sensors push: pull@tcp://*:PORT (default port 5555)
#   MODEL / NAME, DRIFT_OPTS, SAMPLE_OPTS, UPLOAD_OPTS, RETRAIN,
#   TRIGGER_OPTS, OUTPUT, PUBKEY, WORK, DEADLETTER, METRICS_DIR, BIN
#                as device.sh (RETRAIN's default is configured by
#                $PDM_RETRAIN_CONF)
#   UPLINK       (default dir:$WORK/uplink), SPOOL
#   DATASET      collect's data set (default /var/lib/pdm/dataset)
#   COLLECT_INPUT  what collect reads (default $UPLINK; router@tcp://*:PORT
#                for devices elsewhere), COLLECT_OPTS
# The sensors validated their frames: validate does not run again here.
# ingest -i counts what arrives (per device, with sequence numbers in the
# frames: a gap is what was lost).  SIGTERM stops ingest; the chain drains;
# collect is stopped after sample-upload's last acks.  Prints each stage's
# counts; exit status as device.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/deploy.sh"
dp_start gateway "" "$@" || exit $?
shift $DP_SHIFT
: "${LISTEN:=pull@tcp://*:5555}" "${UPLINK:=dir:$WORK/uplink}"
: "${SPOOL:=$WORK/spool}" "${DATASET:=/var/lib/pdm/dataset}"
: "${SAMPLE_OPTS:=--every 100}" "${UPLOAD_OPTS:=}" "${DRIFT_OPTS:=}"
: "${OUTPUT:=/dev/null}" "${COLLECT_INPUT:=$UPLINK}"
case $UPLINK in dir:*) mkdir -p "${UPLINK#dir:}" || exit 73 ;; esac
pl_init "$WORK/pl" || exit 73
# shellcheck disable=SC2046
pl_stage ingest "$BIN/ingest" -i "$LISTEN" $(dp_side ingest)
dp_chain "$MODEL" novalidate
# shellcheck disable=SC2046,SC2086
pl_stage sample-upload "$BIN/sample-upload" -s "$SPOOL" -u "$UPLINK" \
    $SAMPLE_OPTS $UPLOAD_OPTS $(dp_side sample-upload)
dp_collect_start || exit 73
dp_run "$OUTPUT"

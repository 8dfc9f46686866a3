#!/bin/sh
# upload.sh -- sample-upload -> collect over ZeroMQ on the loopback.
#
#   frames/s in      sample-upload --every 100 reading the frames file,
#                    passing every frame on (to /dev/null), batches of 1000
#                    sampled frames spooled (fsync) and sent to collect
#                    (tcp://127.0.0.1), which stores each durably (two
#                    syncfs a batch) and acknowledges; the wall time runs
#                    until the last ack (target: >= 1 M frames/s, and the
#                    uplink keeping up: nothing left in the spool, nothing
#                    lost)
#   batches/s        acknowledged batches / that wall time
#   RSS              sample-upload's peak
#   batches/s at capacity   --every 1 on the first $UPLOAD_CAP frames:
#                    the uplink, not the input, is the bottleneck (each
#                    batch fsynced into the spool, sent, stored with two
#                    syncfs and a marker, acknowledged, deleted)
#   MQTT with TLS    the same figures through a mosquitto broker on the
#                    loopback (TLS, client certificates, passwords,
#                    persistence: tests/mqtt.sh), QoS 1 both ways
# Each is the median of $PRUNS runs; counts are sample-upload's own
# accounting.  The spool and data set are under $OUT (the disk the
# benchmarks use), emptied before each run.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=upload
need "$BIN/sample-upload" "$BIN/collect" "$BBIN/rss" || exit 0
bench_frames || finish
port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# run TAG ERR EVERY FRAMES: collect ($CARGS) beside sample-upload ($UARGS,
# --every EVERY) on FRAMES, the spool and data set emptied first; its
# accounting in ERR.  Sets n (frames in) and ab (batches acknowledged); 1,
# said with fail, when it failed or left or lost a frame.
run() {
	rm -rf "$OUT/upload-spool" "$OUT/upload-ds"
	# shellcheck disable=SC2086
	"$BIN/collect" $CARGS -d "$OUT/upload-ds" 2> "$OUT/upload-collect.err" &
	cpid=$!
	# shellcheck disable=SC2086
	timed "$2" "$BIN/sample-upload" --every "$3" --drain 600 \
	    -s "$OUT/upload-spool" $UARGS < "$4" > /dev/null
	st=$?
	kill -TERM $cpid
	wait $cpid
	if [ $st -ne 0 ]; then
		fail "$1: sample-upload: exit $st" "$2"
		return 1
	fi
	n=$(counter "$2" sample-upload in)
	ab=$(counter "$2" sample-upload acked_batches)
	left=$(counter "$2" sample-upload left)
	lost=$(counter "$2" sample-upload spool_lost)
	if [ "$left" != 0 ] || [ "$lost" != 0 ]; then
		fail "$1: the uplink did not keep up: left=$left spool_lost=$lost" "$2"
		return 1
	fi
}

# runs TAG ERR: $PRUNS runs of --every 100 on the bench frames; w, b, r:
# their wall times, batches/s and peak RSS; 1 when one failed
runs() {
	w="" b="" r="" i=0
	while [ "$i" -lt "$PRUNS" ]; do
		i=$((i + 1))
		run "$1" "$2" 100 "$BENCH_FRAMES" || return 1
		w="$w $WALL" b="$b $(calc "$ab / $WALL")" r="$r $MAXRSS"
	done
}

u="tcp://127.0.0.1:$(port)"
CARGS="-i $u" UARGS="-u $u"
if runs upload "$OUT/upload.err"; then
	# shellcheck disable=SC2086
	med=$(median $w)
	rate=$(calc "$n / $med")
	fig "sample-upload --every 100 -> collect (ZeroMQ, tcp loopback): $(fmt '%.2f' "$rate / 1e6") M frames/s in, target 1 M: $(verdict "$rate" '>=' 1e6) (median of $PRUNS: $(fmt '%.3f' "$med") s wall for $n frames, until the last ack)"
	# shellcheck disable=SC2086
	fig "sample-upload -> collect: $(fmt '%.1f' "$(median $b)") batches/s acknowledged ($ab batches of up to 1000 frames, each fsynced on both sides), nothing left or lost"
	# shellcheck disable=SC2086
	fig "sample-upload RSS: $(fmt '%.1f' "$(median $r) / 1024") MiB peak"
fi

# capacity: everything sampled
: "${UPLOAD_CAP:=200000}"
"$PY" - "$BENCH_FRAMES" "$OUT/upload-cap.mp" "$UPLOAD_CAP" <<'PYEOF'
import sys, msgpack
u = msgpack.Unpacker(open(sys.argv[1], 'rb'), raw=False, strict_map_key=False,
                     ext_hook=lambda c, d: msgpack.ExtType(c, d))
with open(sys.argv[2], 'wb') as f:
    for i, o in enumerate(u):
        if i == int(sys.argv[3]):
            break
        f.write(msgpack.packb(o, use_bin_type=True))
PYEOF
u="tcp://127.0.0.1:$(port)"
CARGS="-i $u" UARGS="-u $u"
if run "upload capacity" "$OUT/upload-cap.err" 1 "$OUT/upload-cap.mp"; then
	fig "sample-upload -> collect at capacity (--every 1, $UPLOAD_CAP frames): $(fmt '%.1f' "$ab / $WALL") batches/s acknowledged, $(fmt '%.0f' "$UPLOAD_CAP / $WALL") frames/s delivered ($ab batches in $(fmt '%.2f' "$WALL") s)"
fi
rm -rf "$OUT/upload-spool" "$OUT/upload-ds" "$OUT/upload-cap.mp"

# ---- MQTT with TLS --------------------------------------------------------
. tests/mqtt.sh
if [ ! -x "$MOSQ" ] || ! command -v openssl > /dev/null; then
	skip "upload mqtt" "mosquitto or openssl missing"
	finish
fi
M=$(mktemp -d /tmp/pdm-bench-mqtt.XXXXXX) || finish
trap 'kill $bpid 2>/dev/null; rm -rf "$M"' EXIT
if ! mqtt_certs "$M"; then
	fail "upload mqtt: certificates (openssl)" "$M/openssl.log"
	finish
fi
mqtt_conf "$M" "$(port)"
mqtt_start "$M"
mport=$(sed -n 's/^listener \([0-9]*\) .*/\1/p' "$M/mq.conf")
mtls="--mqtt-ca $M/ca.crt"
CARGS="-i mqtts://localhost:$mport $mtls --mqtt-cert $M/collect.crt
    --mqtt-key $M/collect.key --mqtt-user collect --mqtt-password s3cret-gw"
UARGS="-u mqtts://localhost:$mport $mtls --mqtt-cert $M/dev.crt
    --mqtt-key $M/dev.key --mqtt-user dev --mqtt-password s3cret-dev
    --mqtt-id bench"
if runs "upload mqtt" "$OUT/upload-mqtt.err"; then
	# shellcheck disable=SC2086
	med=$(median $w)
	rate=$(calc "$n / $med")
	fig "sample-upload --every 100 -> collect (MQTT, mosquitto, TLS, loopback): $(fmt '%.2f' "$rate / 1e6") M frames/s in, target 1 M: $(verdict "$rate" '>=' 1e6) (median of $PRUNS: $(fmt '%.3f' "$med") s wall for $n frames, until the last ack)"
	# shellcheck disable=SC2086
	fig "sample-upload -> collect over MQTT: $(fmt '%.1f' "$(median $b)") batches/s acknowledged end to end, nothing left or lost; sample-upload RSS $(fmt '%.1f' "$(median $r) / 1024") MiB peak"
fi
rm -rf "$OUT/upload-spool" "$OUT/upload-ds"
finish

#!/bin/sh
# zmq.sh -- frames over ZeroMQ: latency on an idle stream, throughput under
# load (bench/zmq_rtt.c does the measuring; docs/bench.md says how).
#
#   one-hop latency   libstream writer -> libstream reader, one frame at a
#                     time, over ipc and tcp (zmq_rtt hop)
#   round trip        sender -> tap --count -> sender over ipc, against the
#                     same bytes through a bare libzmq PULL/PUSH echo; runs
#                     alternate, ratio of the medians (target within 1.5x)
#   throughput        libstream -> libstream (zmq_rtt flood, ipc and tcp), and
#                     tap --count -> tap --count over ipc on the frames file
#                     (target >= 1.5 M frames/s)
#   writer memory     peak RSS of a libstream writer (bench/streamcat) whose
#                     reader is stopped (SIGSTOP) for $ZMQ_MEM_STOP s mid-stream of
#                     $ZMQ_MEM_N frames: with
#                     the library's ZMQ_SNDHWM (16 messages) and with
#                     ZeroMQ's default (1,000; PDM_ZMQ_HWM=0)
# Latency figures are the median over $RUNS runs of each run's p50 and p99
# of $ZMQ_N frames.
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=zmq
: "${ZMQ_N:=10000}" "${ZMQ_FLOOD_N:=2000000}" "${ZMQ_MEM_N:=3000000}" "${ZMQ_MEM_STOP:=3}"
need "$BBIN/zmq_rtt" || exit 0
Z=$BBIN/zmq_rtt
dir=$(mktemp -d /tmp/pdm-bench.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

# a free tcp port on the loopback (the kernel's choice)
port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# addr ipc|tcp NAME: an address for this run
addr() {
	case $1 in
	ipc)	echo "ipc://$dir/$2.sock" ;;
	tcp)	echo "tcp://127.0.0.1:$(port)" ;;
	esac
}
# us LINE KEY: KEY from a zmq_rtt line
us() { field "$2" "$1"; }

# ---- one-hop latency --------------------------------------------------------
for tr in ipc tcp; do
	p50="" p99="" i=0 ok=1
	while [ "$i" -lt "$RUNS" ]; do
		i=$((i + 1))
		timeout "$TMO" "$Z" -n "$ZMQ_N" hop "$(addr $tr a)" "$(addr $tr b)" \
		    > "$OUT/zmq-hop.out" 2> "$OUT/zmq-hop.err"
		st=$?
		if [ $st -ne 0 ]; then
			fail "zmq one-hop $tr: $Z hop: exit $st" "$OUT/zmq-hop.err"
			ok=0; break
		fi
		l=$(grep '^hop_us ' "$OUT/zmq-hop.out")
		p50="$p50 $(us "$l" p50)" p99="$p99 $(us "$l" p99)"
	done
	[ $ok = 1 ] || continue
	# shellcheck disable=SC2086
	fig "zmq one-hop latency $tr: p50 $(median $p50) us, p99 $(median $p99) us (median of $RUNS runs of $ZMQ_N frames, libstream write+flush -> read)"
done

# ---- round trip: bare echo vs tap --count ----------------------------------
# rtt KIND: one ping run against a peer of KIND (bare | tap) started first;
# appends to the p50/p99 lists of that kind.
rtt() {
	a=$(addr ipc "in-$1") b=$(addr ipc "out-$1")
	case $1 in
	bare)	timeout "$TMO" "$Z" echo "@$a" ">$b" 2> "$OUT/zmq-peer.err" & ;;
	tap)	timeout "$TMO" "$BIN/tap" --count -i "@$a" -o ">$b" 2> "$OUT/zmq-peer.err" & ;;
	esac
	peer=$!
	timeout "$TMO" "$Z" -n "$ZMQ_N" ping ">$a" "@$b" > "$OUT/zmq-ping.out" 2> "$OUT/zmq-ping.err"
	st=$?
	if [ $st -ne 0 ]; then
		kill "$peer" 2>/dev/null
		wait "$peer"
		fail "zmq round trip via $1: $Z ping: exit $st" "$OUT/zmq-ping.err"
		[ -s "$OUT/zmq-peer.err" ] && tail -n 5 "$OUT/zmq-peer.err" | sed 's/^/    peer: /'
		return 1
	fi
	wait "$peer"
	st=$?
	if [ $st -ne 0 ]; then
		fail "zmq round trip via $1: the peer exited $st" "$OUT/zmq-peer.err"
		return 1
	fi
	l=$(grep '^rtt_us ' "$OUT/zmq-ping.out")
	eval "p50_$1=\"\$p50_$1 $(us "$l" p50)\" p99_$1=\"\$p99_$1 $(us "$l" p99)\""
	bytes=$(us "$l" bytes)
}
what="zmq round trip"
if need "$BIN/tap"; then
	p50_bare="" p99_bare="" p50_tap="" p99_tap="" i=0 ok=1
	while [ "$i" -lt "$RUNS" ] && [ $ok = 1 ]; do
		i=$((i + 1))
		rtt bare && rtt tap || ok=0
	done
	if [ $ok = 1 ]; then
		# shellcheck disable=SC2086
		{ b50=$(median $p50_bare) b99=$(median $p99_bare)
		  t50=$(median $p50_tap) t99=$(median $p99_tap); }
		r50=$(calc "$t50 / $b50") r99=$(calc "$t99 / $b99")
		fig "zmq round trip, bare libzmq echo (ipc): p50 $b50 us, p99 $b99 us (median of $RUNS runs of $ZMQ_N frames of $bytes B)"
		fig "zmq round trip through tap --count (ipc): p50 $t50 us, p99 $t99 us (same)"
		fig "zmq round trip tap/bare: p50 $(fmt '%.2f' "$r50")x, p99 $(fmt '%.2f' "$r99")x (target within 1.5x: p50 $(verdict "$r50" '<=' 1.5), p99 $(verdict "$r99" '<=' 1.5))"
	fi
fi

# ---- throughput under load -------------------------------------------------
for tr in ipc tcp; do
	rates="" i=0 ok=1
	while [ "$i" -lt "$RUNS" ]; do
		i=$((i + 1))
		timeout "$TMO" "$Z" -n "$ZMQ_FLOOD_N" flood "$(addr $tr f)" \
		    > "$OUT/zmq-flood.out" 2> "$OUT/zmq-flood.err"
		st=$?
		if [ $st -ne 0 ]; then
			fail "zmq throughput $tr: $Z flood: exit $st" "$OUT/zmq-flood.err"
			ok=0; break
		fi
		rates="$rates $(field rate "$(grep '^flood ' "$OUT/zmq-flood.out")")"
	done
	[ $ok = 1 ] || continue
	# shellcheck disable=SC2086
	r=$(calc "$(median $rates) / 1e6")
	fig "zmq throughput $tr, libstream -> libstream: $(fmt '%.2f' "$r") M frames/s (median of $RUNS runs of $ZMQ_FLOOD_N frames; target >= 1.5 M: $(verdict "$r" '>=' 1.5))"
done

# tap --count < frames.mp -o >ipc  ->  tap --count -i @ipc > /dev/null
what="zmq tap -> tap"
if need "$BIN/tap" "$BIN/ingest" "$BBIN/rss" && bench_frames; then
	w="" c="" i=0 ok=1
	while [ "$i" -lt "$PRUNS" ]; do
		i=$((i + 1))
		a=$(addr ipc hop)
		# shellcheck disable=SC2016
		timed "$OUT/zmq-send.err" bash -c '
		    "$0" --count -i "@$1" > /dev/null 2> "$3" & r=$!
		    s=0; "$0" --count -i "$2" -o ">$1" || s=$?
		    [ $s -eq 0 ] || kill $r
		    wait $r || exit; exit $s' \
		    "$BIN/tap" "$a" "$BENCH_FRAMES" "$OUT/zmq-recv.err"
		st=$?
		if [ $st -ne 0 ]; then
			fail "zmq tap -> tap: exit $st" "$OUT/zmq-send.err"
			[ -s "$OUT/zmq-recv.err" ] && tail -n 5 "$OUT/zmq-recv.err" | sed 's/^/    receiver: /'
			ok=0; break
		fi
		w="$w $WALL" c="$c $CPU"
		n=$(counter "$OUT/zmq-recv.err" tap in)
		if [ "$n" != "$ROWS" ]; then
			fail "zmq tap -> tap: the receiver counted ${n:-no} frames, expected $ROWS" "$OUT/zmq-recv.err"
			ok=0; break
		fi
	done
	if [ $ok = 1 ]; then
		# shellcheck disable=SC2086
		m=$(median $w) cm=$(median $c)
		r=$(calc "$ROWS / $m / 1e6")
		fig "zmq throughput ipc, tap --count -> tap --count: $(fmt '%.2f' "$r") M frames/s (median of $PRUNS: $(fmt '%.3f' "$m") s wall, $(fmt '%.3f' "$cm") s CPU, for $ROWS frames; target >= 1.5 M: $(verdict "$r" '>=' 1.5))"
	fi
fi
# ---- writer memory behind a stopped reader ------------------------------------
what="zmq writer memory"
if need "$BBIN/streamcat" "$BBIN/rss"; then
	S=$BBIN/streamcat
	for h in 16 0; do
		a=$(addr tcp mem)
		"$S" -q -i "@$a" -o /dev/null & rp=$!
		sleep 0.2
		PDM_ZMQ_HWM=$h "$BBIN/rss" -o "$OUT/zmq-mem.rss" \
		    timeout "$TMO" "$S" -q -g "$ZMQ_MEM_N" -o ">$a" 2> "$OUT/zmq-mem.err" & wp=$!
		sleep 0.15
		kill -STOP $rp; sleep "$ZMQ_MEM_STOP"; kill -CONT $rp
		wait $wp; st=$?
		wait $rp
		if [ $st -ne 0 ]; then
			fail "zmq writer memory, PDM_ZMQ_HWM=$h: exit $st" "$OUT/zmq-mem.err"
			continue
		fi
		kib=$(field maxrss_kib "$(cat "$OUT/zmq-mem.rss")")
		fig "zmq writer memory, reader stopped $ZMQ_MEM_STOP s, SNDHWM $([ $h = 0 ] && echo '1000 (ZeroMQ default)' || echo "$h (libstream)"): peak RSS $(fmt '%.1f' "$(calc "$kib / 1024")") MiB ($ZMQ_MEM_N frames over tcp)"
	done
fi
finish

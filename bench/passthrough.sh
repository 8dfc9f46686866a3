#!/bin/sh
# passthrough.sh -- frames/s through the bare pass-through filter, tap --count,
# which decodes every frame into a record and encodes it again.
#
#   ingest | tap --count     the CSV all the way to re-encoded frames
#   tap --count < FILE       the frames ingest wrote, read from a file
#   cat FILE | tap --count | cat    the same over pipes on both sides
#                                   (the target: >= 3 M frames/s); tap
#                                   grows its pipes to 256 KiB
#   the same with PDM_PIPE_SIZE=0   the kernel's 64 KiB pipes, to show
#                                   what growing them is worth
# Each is the median wall time of $PRUNS runs, output to /dev/null; the frame
# count is tap's own accounting ("in=").
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
what=passthrough
need "$BIN/ingest" "$BIN/tap" "$BBIN/rss" || exit 0
bench_frames || finish
fbytes=$(wc -c < "$BENCH_FRAMES")

# run NAME CMD: $PRUNS timed runs of the shell command CMD (bash, pipefail);
# sets MED (median wall seconds), CMED (median CPU seconds of all the
# processes) and N (frames tap counted); 1 if a run failed.
run() {
	_name=$1 _cmd=$2 _w="" _c="" _i=0
	while [ "$_i" -lt "$PRUNS" ]; do
		_i=$((_i + 1))
		timed "$OUT/$_name.err" bash -o pipefail -c "$_cmd" > /dev/null
		_st=$?
		if [ $_st -ne 0 ]; then
			fail "$_name: $_cmd: exit $_st" "$OUT/$_name.err"
			return 1
		fi
		_w="$_w $WALL" _c="$_c $CPU"
	done
	# shellcheck disable=SC2086
	MED=$(median $_w) CMED=$(median $_c)
	N=$(counter "$OUT/$_name.err" tap in)
	if [ -z "$N" ]; then
		fail "$_name: no \"in=\" count from tap" "$OUT/$_name.err"
		return 1
	fi
	[ "$N" = "$ROWS" ] || fail "$_name: tap counted $N frames, expected $ROWS" "$OUT/$_name.err"
}

if run ingest-tap "\"$BIN/ingest\" $INGEST_OPTS \"$BENCH_CSV\" | \"$BIN/tap\" --count"; then
	fig "ingest | tap --count: $(fmt '%.2f' "$N / $MED / 1e6") M frames/s (median of $PRUNS: $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU, for $N frames)"
fi
if run tap-file "\"$BIN/tap\" --count < \"$BENCH_FRAMES\""; then
	fig "tap --count < frames.mp: $(fmt '%.2f' "$N / $MED / 1e6") M frames/s, $(fmt '%.0f' "$fbytes / $MED / 1e6") MB/s (median of $PRUNS: $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU; $(fmt '%.1f' "$fbytes / $N") B/frame)"
fi
if run tap-pipe "cat \"$BENCH_FRAMES\" | \"$BIN/tap\" --count | cat"; then
	r=$(calc "$N / $MED / 1e6")
	fig "cat | tap --count | cat: $(fmt '%.2f' "$r") M frames/s (median of $PRUNS: $(fmt '%.3f' "$MED") s wall, $(fmt '%.3f' "$CMED") s CPU; target >= 3 M: $(verdict "$r" '>=' 3))"
fi
if run tap-pipe64k "cat \"$BENCH_FRAMES\" | PDM_PIPE_SIZE=0 \"$BIN/tap\" --count | cat"; then
	fig "the same with 64 KiB pipes (PDM_PIPE_SIZE=0): $(fmt '%.2f' "$N / $MED / 1e6") M frames/s (median of $PRUNS: $(fmt '%.3f' "$MED") s wall)"
fi
finish

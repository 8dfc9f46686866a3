#!/bin/sh
# libstream end to end: idle flush and signal handling over ZeroMQ, through
# bin/tap --count, with python3-zmq as the foreign peer; the capacity of the
# pipes a stream writes to (PDM_PIPE_SIZE, docs/libstream.md).
. "$(dirname "$0")/../lib.sh"
check "idle flush and SIGTERM (python3-zmq peer)" "$PY" "$TESTS_DIR/py/stream_idle.py" "$BIN" "$T"

# pipesize [ENV]: the capacity of tap's output pipe, as the reader at the
# other end sees it once the first frame is through
"$BIN/tap" -r -q -i "$TESTDATA/tap/hand.jsonl" -o "$T/hand.mp" || fail "tap -r hand.jsonl"
pipesize() {
	env "$@" "$BIN/tap" -c -q < "$T/hand.mp" | "$PY" -c '
import fcntl, sys
sys.stdin.buffer.read(1)
print(fcntl.fcntl(0, fcntl.F_GETPIPE_SZ))
sys.stdin.buffer.read()'
}
sz=$(pipesize)
[ "$sz" = 262144 ] && ok "pipe grown to 256 KiB by default" || fail "pipe grown to 256 KiB by default" "got $sz"
sz=$(pipesize PDM_PIPE_SIZE=0)
[ "$sz" = 65536 ] && ok "PDM_PIPE_SIZE=0 leaves the pipe at 64 KiB" || fail "PDM_PIPE_SIZE=0 leaves the pipe at 64 KiB" "got $sz"
sz=$(pipesize PDM_PIPE_SIZE=1048576)
[ "$sz" = 1048576 ] && ok "PDM_PIPE_SIZE=1048576" || fail "PDM_PIPE_SIZE=1048576" "got $sz"
sz=$(pipesize PDM_PIPE_SIZE=lots)
[ "$sz" = 65536 ] && ok "PDM_PIPE_SIZE not a number: pipe left alone" || fail "PDM_PIPE_SIZE not a number: pipe left alone" "got $sz"
finish

#!/bin/sh
# libstream end to end: idle flush and signal handling over ZeroMQ, through
# bin/tap --count, with python3-zmq as the foreign peer.
. "$(dirname "$0")/../lib.sh"
check "idle flush and SIGTERM (python3-zmq peer)" "$PY" "$TESTS_DIR/py/stream_idle.py" "$BIN" "$T"
finish

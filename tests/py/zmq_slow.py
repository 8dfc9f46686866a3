"""An independent, slow ZeroMQ reader for tests/e2e/zmq_slow.sh
(python3-zmq, python3-msgpack).

usage: zmq_slow.py sum FRAMES.mp
           print the frame count and the SHA-256 of FRAMES.mp's bytes
       zmq_slow.py pull URI EVERY MS
           connect a PULL socket (ZMQ_RCVHWM 16) to URI, sleep MS ms after
           every EVERY messages, read until an end-of-stream frame; skip
           each message's head frame (docs/protocol.md); print the count
           and the SHA-256 of the frames' bytes, and how many samples'
           seq did not follow the one before (per device)
"""
import hashlib
import sys
import time

import msgpack
import zmq


def kind(fr):
    meta = fr[0][1] if isinstance(fr[0], list) and len(fr[0]) > 1 else {}
    return meta.get(b'kind', b'sample'), meta


def main():
    if sys.argv[1] == 'sum':
        data = open(sys.argv[2], 'rb').read()
        u = msgpack.Unpacker(raw=True, strict_map_key=False)
        u.feed(data)
        n = sum(1 for _ in u)
        print(n, hashlib.sha256(data).hexdigest())
        return 0
    uri, every, ms = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.setsockopt(zmq.RCVHWM, 16)
    sock.setsockopt(zmq.RCVTIMEO, 60000)
    sock.connect(uri)
    h = hashlib.sha256()
    n = msgs = jumps = 0
    nextseq = {}
    done = False
    while not done:
        try:
            msg = sock.recv()
        except zmq.Again:
            print('zmq_slow: no message for 60 s', file=sys.stderr)
            return 1
        msgs += 1
        u = msgpack.Unpacker(raw=True, strict_map_key=False)
        u.feed(msg)
        pos = 0
        for fr in u:
            end = u.tell()
            k, meta = kind(fr)
            if k == b'eos':
                done = True
                break
            if k != b'head':
                n += 1
                h.update(msg[pos:end])
                dev, seq = meta.get(b'dev'), meta.get(b'seq')
                if seq is not None:
                    if dev in nextseq and seq != nextseq[dev]:
                        jumps += 1
                    nextseq[dev] = seq + 1
            pos = end
        if msgs % every == 0:
            time.sleep(ms / 1000)
    print(n, h.hexdigest(), 'jumps=%d' % jumps, 'messages=%d' % msgs)
    sock.close(0)
    ctx.term()
    return 0


if __name__ == '__main__':
    sys.exit(main())

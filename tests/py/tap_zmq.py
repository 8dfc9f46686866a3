"""A foreign ZeroMQ peer for tap's tests (python3-zmq, python3-msgpack).

usage: tap_zmq.py port
           print a free TCP port of 127.0.0.1
       tap_zmq.py push URI FRAMES.mp [bad]
           connect a PUSH socket to URI and send the frames of FRAMES.mp,
           1 to 3 frames per message; with "bad", also a message holding a
           non-frame and one ending in a truncated frame; then an
           end-of-stream frame, and hang up last (hangup.py)
       tap_zmq.py pull URI OUT.mp
           connect a PULL socket to URI, receive until an end-of-stream
           frame, write the frames before it to OUT.mp
"""
import socket
import struct
import sys

import msgpack
import zmq

import tap_oracle as o
from hangup import hang_up_last, watch

EOS = o.pack([[o.Time(0, 0), {'v': 1, 'kind': 'eos'}], {}])


frames_of = o.split


def kind_of(fr):
    try:
        v = msgpack.unpackb(fr, raw=False, strict_map_key=False,
                            ext_hook=lambda c, d: (c, d))
    except ValueError:
        return None
    if isinstance(v[0], list) and isinstance(v[0][1], dict):
        return v[0][1].get('kind')
    return None


def is_eos(fr):
    return kind_of(fr) == 'eos'


def main():
    cmd = sys.argv[1]
    if cmd == 'port':
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1])
        s.close()
        return 0
    ctx = zmq.Context()
    uri = sys.argv[2]
    if cmd == 'push':
        frs = frames_of(open(sys.argv[3], 'rb').read())
        sock = ctx.socket(zmq.PUSH)
        sock.setsockopt(zmq.IMMEDIATE, 1)
        sock.setsockopt(zmq.SNDTIMEO, 60000)  # no reader: fail, not hang
        sock.setsockopt(zmq.LINGER, 20000)
        mon = watch(sock)
        sock.connect(uri)
        i, k = 0, 0
        while i < len(frs):
            n = 1 + k % 3
            sock.send(b''.join(frs[i:i + n]))
            i += n
            k += 1
            if len(sys.argv) > 4 and k == 3:
                sock.send(b'\x93\x01\x02\x03' + frs[0])   # not a frame, then one
                sock.send(frs[0] + b'\x92\x92\xd7\x00')    # ends inside a frame
        sock.send(EOS)
        hang_up_last(sock, mon)
        sock.close()
        ctx.term()
        return 0
    if cmd == 'pull':
        sock = ctx.socket(zmq.PULL)
        sock.setsockopt(zmq.RCVTIMEO, 30000)
        sock.connect(uri)
        got = []
        done = False
        while not done:
            try:
                msg = sock.recv()
            except zmq.Again:
                print('tap_zmq: no end-of-stream frame within 30 s', file=sys.stderr)
                return 1
            for fr in frames_of(msg):
                k = kind_of(fr)
                if k == 'eos':
                    done = True
                    break
                if k != 'head':     # a message's producer (protocol.md)
                    got.append(fr)
        open(sys.argv[3], 'wb').write(b''.join(got))
        sock.close(0)
        ctx.term()
        return 0
    return 64


if __name__ == '__main__':
    sys.exit(main())

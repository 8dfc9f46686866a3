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
       tap_zmq.py seqs FRAMES.mp [bad]
           print "lost=N repeated=M": the seq gaps and repeats a reader
           must count in the good frames that push sends (protocol.md:
           per (kind, dev) of sample and features frames, a seq above the
           highest seen skips the seqs between, one at or below it repeats)
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


def messages(frs, bad):
    """The messages push sends, each with the good frames it holds."""
    i, k = 0, 0
    while i < len(frs):
        n = 1 + k % 3
        yield b''.join(frs[i:i + n]), frs[i:i + n]
        i += n
        k += 1
        if bad and k == 3:
            yield b'\x93\x01\x02\x03' + frs[0], [frs[0]]  # not a frame, then one
            yield frs[0] + b'\x92\x92\xd7\x00', [frs[0]]  # ends inside a frame


def seq_meta(fr):
    """(kind, dev, seq) of a frame as a reader checks its seq, or None: dev
    a str, seq an int >= 0, kind absent = sample; later keys win."""
    u = msgpack.Unpacker(raw=True, strict_map_key=False)
    u.feed(fr)
    if u.read_array_header() != 2:
        return None
    try:
        if u.read_array_header() != 2:
            return None
    except ValueError:
        return None                                 # [time, body]: no meta
    u.skip()                                        # time
    meta = {}
    for _ in range(u.read_map_header()):
        key = u.unpack()
        if key in (b'kind', b'dev', b'seq'):
            meta[key] = u.unpack()
        else:
            u.skip()
    kind, dev, seq = meta.get(b'kind', b'sample'), meta.get(b'dev'), meta.get(b'seq')
    if not isinstance(dev, bytes) or type(seq) is not int or seq < 0:
        return None
    return kind, dev, seq


def seq_counts(frs):
    """Gaps and repeats of seq, in Python's unbounded integers."""
    top, gaps, repeats = {}, 0, 0
    for fr in frs:
        m = seq_meta(fr)
        if m is None or m[0] not in (b'sample', b'features'):
            continue
        key, seq = m[:2], m[2]
        if key not in top:
            top[key] = seq
        elif seq > top[key]:
            gaps += seq - top[key] - 1
            top[key] = seq
        else:
            repeats += 1
    return gaps, repeats


def main():
    cmd = sys.argv[1]
    if cmd == 'port':
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1])
        s.close()
        return 0
    if cmd == 'seqs':
        frs = frames_of(open(sys.argv[2], 'rb').read())
        good = [fr for _, g in messages(frs, len(sys.argv) > 3) for fr in g]
        gaps, repeats = seq_counts(good)
        # the reader's counts stop at 2^64 - 1 (stream.h)
        print('lost=%d repeated=%d' % (min(gaps, 2**64 - 1), repeats))
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
        for msg, _ in messages(frs, len(sys.argv) > 4):
            sock.send(msg)
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

"""A foreign ZeroMQ peer for ingest's tests (python3-zmq, python3-msgpack).

usage: ingest_zmq.py port
           print a free TCP port of 127.0.0.1
       ingest_zmq.py push URI
           connect a PUSH socket to URI, send the feed below (good and bad
           frames, 1 to 3 frames per message, one message that is not
           msgpack at all), then an end-of-stream frame; hangs up last
           (hangup.py)
       ingest_zmq.py check OUT.mp [--device ID]
           the frames ingest -i wrote for that feed: every good frame passed
           on (a sample without seq got one per device, one without dev got
           ID), every bad one a reject (rule, the original), in order
       ingest_zmq.py pull URI OUT.mp
           connect a PULL socket, receive until an end-of-stream frame,
           write the frames before it to OUT.mp
"""
import socket
import struct
import sys

import msgpack
import zmq

from hangup import hang_up_last, watch

NS = 10 ** 9


def t(sec, nsec=0):
    return msgpack.ExtType(0, struct.pack('>II', sec, nsec))


def pack(v):
    return msgpack.packb(v, use_bin_type=True)


def sample(i, dev='pump-1', seq=True, body=None, **meta):
    m = {'v': 1, 'kind': 'sample'}
    if dev is not None:
        m['dev'] = dev
    if seq:
        m['seq'] = i
    m.update(meta)
    return [[t(1700000000 + i, i * 1000), m],
            body if body is not None else {'x': i * 0.1, 'y': -float(i)}]


def feed():
    """[(bytes of one message, [expectation per frame])]; an expectation is
    ('pass', frame) or ('reject', rule, frame or None)."""
    good = [sample(i) for i in range(5)]
    noseq = [sample(i, dev='fan', seq=False) for i in range(3)]
    nodev = sample(9, dev=None)
    text = sample(10, body={'x': 1.0, 'label': 'high'})
    nested = sample(11, body={'x': {'a': 1}})
    boolean = sample(12, body={'ok': True})
    empty = sample(13, body={})
    features = [[t(1700000100), {'v': 1, 'kind': 'features', 'dev': 'p',
                                 'seq': 0, 'n': 10}], {'x.mean': 1.5}]
    event = [[t(1700000200), {'v': 1, 'kind': 'event'}], {'type': 'gap'}]
    ints = sample(14, body={'a': 3, 'b': -7, 'c': 2 ** 64 - 1,
                            'd': float('nan')})
    # duplicate channel: a map with the key "x" twice, by hand
    dup = b''.join([b'\x92\x92', pack(t(1700000300)), pack(
        {'v': 1, 'kind': 'sample', 'dev': 'd', 'seq': 0}),
        b'\x82\xa1x\xcb' + struct.pack('>d', 1.0) + b'\xa1x\xcb' +
        struct.pack('>d', 2.0)])
    msgs = []
    frames = [(pack(f), ('pass', f)) for f in good[:3]]
    frames += [(pack(nodev), ('reject', 'meta', nodev))]
    frames += [(pack(f), ('pass', f)) for f in noseq]
    frames += [(pack(text), ('reject', 'number', text)),
               (pack(nested), ('reject', 'number', nested)),
               (pack(boolean), ('reject', 'number', boolean)),
               (pack(empty), ('reject', 'fields', empty)),
               (pack(features), ('pass', features)),
               (pack(event), ('pass', event)),
               (pack(ints), ('pass', ints)),
               (dup, ('reject', 'fields', None))]
    frames += [(pack(f), ('pass', f)) for f in good[3:]]
    # not a frame: a well-formed msgpack value of the wrong shape
    frames += [(pack([1, 2, 3]), ('reject', 'decode', None))]
    i = k = 0
    while i < len(frames):
        n = 1 + k % 3
        part = frames[i:i + n]
        msgs.append((b''.join(b for b, _ in part), [e for _, e in part]))
        i += n
        k += 1
    return msgs


def fbytes(x):
    return struct.pack('>d', x) if isinstance(x, float) else x


def same(a, b):
    """Frames equal, floats compared as IEEE bytes."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b) and fbytes(a) == fbytes(b)
    return a == b


def check(path, device):
    with open(path, 'rb') as f:
        got = list(msgpack.Unpacker(f, raw=False, strict_map_key=False))
    want = [e for _, es in feed() for e in es]
    errors = []
    seqs = {}
    if len(got) != len(want):
        errors.append('%d frames, expected %d' % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        meta = g[0][1]
        if w[0] == 'reject' and w[1] == 'meta' and device is not None:
            w = ('pass', w[2])
        if w[0] == 'pass':
            f = w[1]
            exp = [[f[0][0], dict(f[0][1])], f[1]]
            m = exp[0][1]
            if m.get('kind') == 'sample':
                if 'dev' not in m:
                    m['dev'] = device
                if 'seq' not in m:
                    m['seq'] = seqs.get(m['dev'], 0)
                    seqs[m['dev']] = m['seq'] + 1
            if not same(g, exp):
                errors.append('frame %d: %r, expected %r' % (i, g, exp))
        else:
            rule, orig = w[1], w[2]
            body = g[1]
            if meta.get('kind') != 'reject' or meta.get('stage') != 'ingest':
                errors.append('frame %d: not a reject: %r' % (i, g))
                continue
            if body.get('rule') != rule or not body.get('reason'):
                errors.append('frame %d: rule %r (%r), expected %r' % (
                    i, body.get('rule'), body.get('reason'), rule))
            if orig is not None:
                if not same(body.get('frame'), orig):
                    errors.append('frame %d: original %r, expected %r' % (
                        i, body.get('frame'), orig))
                if orig[0][1].get('dev') != meta.get('dev'):
                    errors.append('frame %d: dev %r' % (i, meta.get('dev')))
            elif 'frame' not in body and not isinstance(body.get('raw'),
                                                         bytes):
                errors.append('frame %d: no original: %r' % (i, body))
    for e in errors[:10]:
        print('ingest_zmq: ' + e)
    return 1 if errors else 0


def main():
    cmd = sys.argv[1]
    if cmd == 'port':
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1])
        s.close()
        return 0
    if cmd == 'check':
        dev = sys.argv[4] if len(sys.argv) > 4 else None
        return check(sys.argv[2], dev)
    ctx = zmq.Context()
    uri = sys.argv[2]
    eos = pack([[t(0), {'v': 1, 'kind': 'eos'}], {}])
    if cmd == 'push':
        sock = ctx.socket(zmq.PUSH)
        sock.setsockopt(zmq.IMMEDIATE, 1)
        sock.setsockopt(zmq.SNDTIMEO, 60000)  # no reader: fail, not hang
        sock.setsockopt(zmq.LINGER, 20000)
        mon = watch(sock)
        sock.connect(uri)
        for data, _ in feed():
            sock.send(data)
        sock.send(eos)
        hang_up_last(sock, mon)
        sock.close()
        ctx.term()
        return 0
    if cmd == 'pull':
        sock = ctx.socket(zmq.PULL)
        sock.setsockopt(zmq.RCVTIMEO, 30000)
        sock.connect(uri)
        out = []
        done = False
        while not done:
            data = sock.recv()
            u = msgpack.Unpacker(raw=False, strict_map_key=False)
            u.feed(data)
            for fr in u:
                if fr[0][1].get('kind') == 'eos':
                    done = True
                    break
                if fr[0][1].get('kind') != 'head':
                    out.append(pack(fr))
        with open(sys.argv[3], 'wb') as f:
            f.write(b''.join(out))
        sock.close()
        ctx.term()
        return 0
    sys.stderr.write(__doc__)
    return 64


if __name__ == '__main__':
    sys.exit(main())

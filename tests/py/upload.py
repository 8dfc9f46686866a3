"""An independent oracle for sample-upload and collect (python3-msgpack,
hashlib, scipy), and a foreign peer for their ZeroMQ link.

usage: upload.py gen OUT.mp N DEVS [events]
           N sample frames of devices d0..d(DEVS-1) in turn, 10 ms apart,
           starting 5 minutes before a UTC midnight (so a data set splits
           by day); with "events", a drift event of d1 after every 1000th
           frame
       upload.py check DATASET FRAMES.mp EVERY FROM [SPOOL...]
           the data set holds every EVERY-th sample frame of each device
           (its 1st, EVERY+1th, ...) from frame FROM of FRAMES.mp on
           exactly once, byte for byte, under DEV/YYYY-MM-DD of its own dev
           and day, and before FROM only such frames, each at most once;
           each batch marker's count is the frames stored under its id;
           frames still in the SPOOL directories (batch files) count as not
           yet delivered, and are the only ones that may be missing
       upload.py feed FRAMES.mp START CHUNK RATE OUTK
           write the frames of FRAMES.mp from index START to stdout, CHUNK
           frames a write() (atomic on a pipe while under 4 KiB), at RATE
           frames/s; when the reader goes away, or at the end, write to
           OUTK the index of the first frame not written
       upload.py audit DATASET LOG...
           the batches sample-upload -v logged as spooled are exactly the
           batches the data set holds, each with the frame count logged
       upload.py batches DIR
           every *.batch file in DIR checks: SHA-256 (hashlib) of the
           frames after the header, their count and bytes; prints the count
       upload.py window FRAMES.mp OUT.mp N M
           the oracle of --around drift:N:M over the frames of gen ... events
       upload.py genres OUT.mp DEVS PER INTERVALS PERIOD
           DEVS devices, PER frames each in each of INTERVALS intervals of
           PERIOD seconds, interleaved
       upload.py chi2 SPOOL K PER
           the reservoir's picks in the spool's batch files: K per device
           and interval, distinct, from that interval; their positions in
           the interval (seq % PER) uniform: chi-square (scipy), prints the
           p-value and exits 1 if p < 0.001
       upload.py spoolframes SPOOL OUT.mp
           the frames of the spool's batches, oldest batch first
"""
import glob
import hashlib
import os
import struct
import sys
import time

import msgpack

MIDNIGHT = 1700006400          # 2023-11-15T00:00:00Z


def ext_hook(code, data):
    return msgpack.ExtType(code, data)


def etime(sec, nsec=0):
    return msgpack.ExtType(0, struct.pack('>II', sec, nsec))


def frames_of(data):
    """[(obj, bytes)] of a frame stream."""
    u = msgpack.Unpacker(raw=False, ext_hook=ext_hook, strict_map_key=False)
    u.feed(data)
    out, pos = [], 0
    for obj in u:
        end = u.tell()
        out.append((obj, data[pos:end]))
        pos = end
    return out


def tsec(t):
    if isinstance(t, msgpack.ExtType):
        return struct.unpack('>II', t.data)
    return int(t), 0


def gen(out, n, devs, events):
    t0 = (MIDNIGHT - 300) * 1000
    seq = [0] * devs
    with open(out, 'wb') as f:
        for i in range(n):
            d = i % devs
            ms = t0 + 10 * i
            fr = [[etime(ms // 1000, (ms % 1000) * 1000000),
                   {'kind': 'sample', 'dev': 'd%d' % d, 'seq': seq[d]}],
                  {'x': i * 0.5, 'y': float(d)}]
            seq[d] += 1
            f.write(msgpack.packb(fr, use_bin_type=True))
            if events and i % 1000 == 999:
                ev = [[etime(ms // 1000, (ms % 1000) * 1000000),
                       {'kind': 'event', 'dev': 'd1'}],
                      {'type': 'drift', 'score': 0.9}]
                f.write(msgpack.packb(ev, use_bin_type=True))


def dev_dir(dev):
    if dev is None:
        return '%'
    if dev == '':
        return '%%'
    out = []
    for i, c in enumerate(dev.encode()):
        ch = chr(c)
        if ch.isascii() and (ch.isalnum() or ch in '_-' or
                             (ch == '.' and i > 0)):
            out.append(ch)
        else:
            out.append('%%%02X' % c)
    return ''.join(out)


def spooled(dirs):
    """(dev, seq) of the frames in the batch files of spool dirs."""
    held = set()
    for d in dirs:
        for p in glob.glob(os.path.join(d, '*.batch')):
            fs = frames_of(open(p, 'rb').read())
            for obj, _ in fs[1:]:
                held.add((obj[0][1].get('dev'), obj[0][1].get('seq')))
    return held


def check(dataset, frames, every, start, spools):
    want, may = {}, {}
    for i, (obj, raw) in enumerate(frames_of(open(frames, 'rb').read())):
        m = obj[0][1]
        if m.get('kind', 'sample') != 'sample':
            continue
        if m['seq'] % every == 0:
            (want if i >= start else may)[(m['dev'], m['seq'])] = raw
    got, per_batch, errors = {}, {}, []
    for p in glob.glob(os.path.join(dataset, '*', '*', '*.mp')):
        dd, day, name = p.split(os.sep)[-3:]
        bid = name[:-3]
        for obj, raw in frames_of(open(p, 'rb').read()):
            m = obj[0][1]
            key = (m.get('dev'), m.get('seq'))
            sec, _ = tsec(obj[0][0])
            if dev_dir(m.get('dev')) != dd:
                errors.append('%s: frame of dev %r' % (p, m.get('dev')))
            if time.strftime('%Y-%m-%d', time.gmtime(sec)) != day:
                errors.append('%s: frame of time %d' % (p, sec))
            if key in got:
                errors.append('%s: %r stored twice' % (p, key))
            got[key] = raw
            per_batch[bid] = per_batch.get(bid, 0) + 1
    markers = glob.glob(os.path.join(dataset, '.batches', '*'))
    for mk in markers:
        hdr = frames_of(open(mk, 'rb').read())
        body = hdr[0][0][1]
        bid = os.path.basename(mk)
        if body['id'].hex() != bid:
            errors.append('%s: id %s' % (mk, body['id'].hex()))
        if per_batch.get(bid, 0) != body['count']:
            errors.append('%s: count %d, stored %d' % (
                mk, body['count'], per_batch.get(bid, 0)))
    for bid in per_batch:
        if not os.path.exists(os.path.join(dataset, '.batches', bid)):
            errors.append('batch %s stored without its marker' % bid)
    held = spooled(spools)
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want and k not in may]
    unexplained = [k for k in missing if k not in held]
    for k in extra:
        errors.append('%r stored, not sampled' % (k,))
    for k in got:
        if got[k] != want.get(k, may.get(k)):
            errors.append('%r: bytes differ' % (k,))
    for k in unexplained[:10]:
        errors.append('%r sampled, neither stored nor in a spool' % (k,))
    for e in errors[:20]:
        print(e)
    print('sampled=%d stored=%d missing=%d (in spool %d) batches=%d '
          'errors=%d' % (len(want) + len(may), len(got), len(missing),
                         len(missing) - len(unexplained), len(markers),
                         len(errors)))
    return 1 if errors else 0


def batches(d):
    n, bad = 0, 0
    for p in sorted(glob.glob(os.path.join(d, '*.batch'))):
        data = open(p, 'rb').read()
        fs = frames_of(data)
        hdr, hraw = fs[0]
        body = hdr[1]
        payload = data[len(hraw):]
        ok = (hdr[0][1]['kind'] == 'batch' and
              hashlib.sha256(payload).digest() == body['sha256'] and
              len(payload) == body['bytes'] and
              len(fs) - 1 == body['count'] and
              sorted(set(o[0][1].get('dev') for o, _ in fs[1:])) ==
              sorted(body['devs']))
        if not ok:
            print('%s: does not check' % p)
            bad += 1
        n += 1
    print(n)
    return 1 if bad else 0


def window(frames, out, nb, ma):
    """--around drift:N:M alone: d1's frames N before each drift and M
    after (overlaps merged), and nothing else."""
    hist, after, chosen = [], 0, []
    taken = set()
    for obj, raw in frames_of(open(frames, 'rb').read()):
        m = obj[0][1]
        if m.get('kind') == 'event':
            if obj[1].get('type') == 'drift' and m.get('dev') == 'd1':
                for key, r in hist[-nb:] if nb else []:
                    if key not in taken:
                        taken.add(key)
                        chosen.append(r)
                after = max(after, ma)
            continue
        if m.get('dev') != 'd1':
            continue
        key = m['seq']
        if after:
            after -= 1
            taken.add(key)
            chosen.append(raw)
        hist.append((key, raw))
    open(out, 'wb').write(b''.join(chosen))
    print(len(chosen))


def genres(out, devs, per, intervals, period):
    with open(out, 'wb') as f:
        for iv in range(intervals):
            for k in range(per):
                for d in range(devs):
                    ns = int((iv * period + k * period / per) * 1e9)
                    fr = [[etime(MIDNIGHT + ns // 10**9, ns % 10**9),
                           {'kind': 'sample', 'dev': 'r%d' % d,
                            'seq': iv * per + k}], {'x': float(k)}]
                    f.write(msgpack.packb(fr, use_bin_type=True))


def spool_frames(spool):
    out = []
    for p in sorted(glob.glob(os.path.join(spool, '*.batch'))):
        out.extend(frames_of(open(p, 'rb').read())[1:])
    return out


def chi2(spool, k, per):
    from scipy import stats
    counts = [0] * per
    groups, errors = {}, 0
    for obj, _ in spool_frames(spool):
        m = obj[0][1]
        groups.setdefault((m['dev'], m['seq'] // per), set()).add(m['seq'])
        counts[m['seq'] % per] += 1
    for g, seqs in groups.items():
        if len(seqs) != k:
            print('%r: %d picks' % (g, len(seqs)))
            errors += 1
    total = sum(counts)
    c2, pv = stats.chisquare(counts)
    print('reservoirs=%d picks=%d expected/position=%.1f chi2=%.1f df=%d '
          'p=%.4f' % (len(groups), total, total / per, c2, per - 1, pv))
    return 0 if pv >= 0.001 and total == k * len(groups) and not errors \
        else 1


def feed(frames, start, chunk, rate, outk):
    fs = frames_of(open(frames, 'rb').read())
    i, t0 = start, time.monotonic()
    try:
        while i < len(fs):
            os.write(1, b''.join(raw for _, raw in fs[i:i + chunk]))
            i = min(i + chunk, len(fs))
            lag = t0 + (i - start) / rate - time.monotonic()
            if lag > 0:
                time.sleep(lag)
    except BrokenPipeError:
        pass
    open(outk, 'w').write('%d\n' % i)


def audit(dataset, logs):
    spooled, errors = {}, []
    for log in logs:
        for line in open(log, encoding='utf-8', errors='replace'):
            w = line.split()
            if len(w) >= 6 and w[1] == 'spooled' and w[2] == 'batch':
                spooled[w[3].rstrip(':')] = int(w[4])
    held = {}
    for mk in glob.glob(os.path.join(dataset, '.batches', '*')):
        held[os.path.basename(mk)] = frames_of(open(mk, 'rb').read())[0][0][1]['count']
    for b, n in spooled.items():
        if b not in held:
            errors.append('batch %s spooled, not in the data set' % b)
        elif held[b] != n:
            errors.append('batch %s: %d frames spooled, %d held' % (b, n, held[b]))
    for b in held:
        if b not in spooled:
            errors.append('batch %s held, never spooled' % b)
    for e in errors[:20]:
        print(e)
    print('spooled=%d held=%d frames=%d errors=%d' % (
        len(spooled), len(held), sum(held.values()), len(errors)))
    return 1 if errors else 0


def main():
    cmd = sys.argv[1]
    if cmd == 'gen':
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
            len(sys.argv) > 5)
        return 0
    if cmd == 'check':
        return check(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                     int(sys.argv[5]), sys.argv[6:])
    if cmd == 'feed':
        feed(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             float(sys.argv[5]), sys.argv[6])
        return 0
    if cmd == 'audit':
        return audit(sys.argv[2], sys.argv[3:])
    if cmd == 'batches':
        return batches(sys.argv[2])
    if cmd == 'window':
        window(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    if cmd == 'genres':
        genres(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
               int(sys.argv[5]), float(sys.argv[6]))
        return 0
    if cmd == 'chi2':
        return chi2(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    if cmd == 'spoolframes':
        open(sys.argv[3], 'wb').write(
            b''.join(raw for _, raw in spool_frames(sys.argv[2])))
        return 0
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == '__main__':
    sys.exit(main())

"""ingest_oracle -- what bin/ingest must write for a CSV, computed independently.

Reads the CSV files with Python's csv module (or str.split() for blank
separated files), parses numbers with float(), times with datetime/zoneinfo
and Decimal, rates with Fraction, and compares the result with the frames
ingest wrote, decoded by python3-msgpack:

    ingest_oracle.py --frames OUT.mp [--stderr ERR] [options as ingest] FILE...

Every sample frame must match the expected row bit for bit (doubles compared
as their IEEE bytes); every row the oracle finds bad must be a reject frame
with the same line and rule; rows = samples + rejects; and, with --stderr,
ingest's counters line must say the same.  Prints "ok ..." or the first
mismatches, exits 0 or 1.  Run it under Debian's /usr/bin/python3.
"""
import argparse
import calendar
import csv
import datetime
import decimal
import os
import re
import struct
import sys
from fractions import Fraction

import msgpack

NUM = re.compile(r'[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|'
                 r'nan|inf|infinity)\Z', re.IGNORECASE)
ISO = re.compile(r'([0-9]{4})([-/])([0-9]{2})\2([0-9]{2})(?:[T ]([0-9]{2}):'
                 r'([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?)?'
                 r'(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?\Z')
EPOCH = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z')
AUTO_TIME = ('time', 'timestamp', 'datetime', 'date')
UNITS = {'s': 0, 'ms': 3, 'us': 6, 'ns': 9}
NS = 10 ** 9


class Bad(Exception):
    """A row ingest must reject: rule, field."""

    def __init__(self, rule, field=None):
        super().__init__(rule)
        self.rule = rule
        self.field = field


def number(text):
    if not NUM.match(text):
        raise ValueError(text)
    return float(text)


def iso_time(text, tz):
    """ISO 8601 text -> ns since the epoch (UTC)."""
    m = ISO.match(text)
    if not m:
        return None
    y, _, mo, d, hh, mi, ss, frac, zone = m.groups()
    try:
        dt = datetime.datetime(int(y), int(mo), int(d), int(hh or 0),
                               int(mi or 0), min(int(ss or 0), 59))
    except ValueError:
        return None
    if int(hh or 0) > 23 or int(mi or 0) > 59 or int(ss or 0) > 60:
        return None
    extra = 1 if int(ss or 0) == 60 else 0
    ns = int((frac or '').ljust(9, '0')) if frac else 0
    if zone:
        if zone == 'Z':
            off = 0
        else:
            sign = -1 if zone[0] == '-' else 1
            digits = zone[1:].replace(':', '')
            off = sign * (int(digits[:2]) * 3600 +
                          (int(digits[2:4]) * 60 if len(digits) > 2 else 0))
        sec = calendar.timegm(dt.timetuple()) - off
    elif tz is not None:
        sec = int(dt.replace(tzinfo=tz, fold=0).timestamp())
    else:
        sec = calendar.timegm(dt.timetuple())
    return (sec + extra) * NS + ns


def epoch_time(text, unit):
    if not EPOCH.match(text):
        return None
    d = decimal.Decimal(text) * (decimal.Decimal(10) ** (9 - unit))
    return int(d.to_integral_value(rounding=decimal.ROUND_FLOOR))


def name_time(path, tz):
    """The last YYYY.MM.DD.hh.mm.ss in a file name -> ns."""
    base = os.path.basename(path)
    m = None
    for m in re.finditer(r'(\d{4})\D(\d\d)\D(\d\d)\D(\d\d)\D(\d\d)\D(\d\d)',
                         base):
        pass
    if m is None:
        raise SystemExit('oracle: no time in file name %s' % path)
    dt = datetime.datetime(*map(int, m.groups()))
    if tz is not None:
        return int(dt.replace(tzinfo=tz, fold=0).timestamp()) * NS
    return calendar.timegm(dt.timetuple()) * NS


def raw_lines(path):
    """(line number, text) of every line, BOM and CR/LF removed; bytes that
    are not UTF-8 become surrogates."""
    with open(path, 'rb') as f:
        data = f.read()
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    lines = data.decode('utf-8', errors='surrogateescape').split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    return [(no, x[:-1] if x.endswith('\r') else x)
            for no, x in enumerate(lines, 1)]


def blank(line):
    return line.strip(' \t') == ''


def split(line, delim):
    """Fields of one line; raises Bad('quote') or returns None when a
    quoted field is not closed (the caller joins the next line)."""
    if delim == 'ws':
        return line.split()
    try:
        fields = next(csv.reader([line], delimiter=delim, strict=True,
                                 skipinitialspace=True))
    except csv.Error as e:
        if 'unexpected end of data' in str(e) or 'newline inside' in str(e):
            return None
        raise Bad('quote')
    return [x.strip(' \t') if delim != '\t' else x.strip(' ')
            for x in fields]


def rows(lines, delim):
    """(line number, fields or Bad) for every non-blank line, joining
    lines inside quotes."""
    i = 0
    while i < len(lines):
        no, line = lines[i]
        i += 1
        if blank(line):
            continue
        try:
            fields = split(line, delim)
            while fields is None:
                if i == len(lines):
                    raise Bad('quote')
                line += '\n' + lines[i][1]
                i += 1
                fields = split(line, delim)
            yield no, fields
        except Bad as b:
            yield no, b


def surrogates(text):
    return any('\udc80' <= ch <= '\udcff' for ch in text)


def sniff(line):
    quoted = False
    counts = {'\t': 0, ';': 0, ',': 0}
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    for ch in '\t;,':
        if counts[ch]:
            return ch
    return 'ws' if len(line.split()) > 1 else ','


def default_device(path):
    if path == '-':
        return 'stdin'
    base = os.path.basename(path)
    for ext in ('.csv', '.tsv', '.txt', '.dat'):
        if len(base) > len(ext) and base.lower().endswith(ext):
            return base[:-len(ext)]
    return base


def expected(opts):
    """Yield ('sample', src, line, ns, dev, meta_cols, body) or
    ('reject', src, line, rule, field) for every row, in order."""
    tz = None
    if opts.tz:
        m = re.match(r'([+-])([0-9]{2}):?([0-9]{2})?\Z', opts.tz)
        if opts.tz.upper() in ('UTC', 'Z'):
            tz = datetime.timezone.utc
        elif m:
            off = datetime.timedelta(hours=int(m.group(2)),
                                     minutes=int(m.group(3) or 0))
            tz = datetime.timezone(-off if m.group(1) == '-' else off)
        else:
            import zoneinfo
            tz = zoneinfo.ZoneInfo(opts.tz)
    unit = UNITS[opts.time_unit]
    rate = Fraction(opts.rate) if opts.rate else None
    base = 0
    if opts.start:
        base = iso_time(opts.start, tz)
        if base is None:
            base = epoch_time(opts.start, unit)
    idx = 0
    device = opts.device or default_device(opts.files[0])
    for path in opts.files:
        if opts.time_from_name:
            base = name_time(path, tz)
            idx = 0
        delim = {'tab': '\t', 'comma': ',', 'space': 'ws', 'semicolon': ';'
                 }.get(opts.delimiter, opts.delimiter)
        lines = raw_lines(path)
        nonblank = [x for _, x in lines if not blank(x)]
        if not nonblank:
            continue
        if delim is None:
            delim = sniff(nonblank[0])
        rows_ = list(rows(lines, delim))
        if opts.columns:
            names = opts.columns.split(',')
        elif opts.no_header:
            names = ['c%d' % (i + 1) for i in range(len(rows_[0][1]))]
        else:
            names = ['c%d' % (i + 1) if n == '' else n
                     for i, n in enumerate(rows_[0][1])]
            rows_ = rows_[1:]
        tcol = None
        if opts.time_column:
            tcol = names.index(opts.time_column)
        elif not opts.rate and not opts.clock:
            for want in AUTO_TIME:
                for i, n in enumerate(names):
                    if n.lower() == want:
                        tcol = i
                        break
                if tcol is not None:
                    break
        dcol = names.index(opts.device_column) if opts.device_column else None
        skip = set(names.index(n) for n in (opts.skip.split(',')
                                            if opts.skip else []))
        meta = [names.index(n) for n in (opts.meta.split(',')
                                         if opts.meta else [])]
        vals = [i for i in range(len(names))
                if i not in skip and i not in meta and i != tcol
                and i != dcol]
        for no, fields in rows_:
            i = idx
            idx += 1
            try:
                if isinstance(fields, Bad):
                    raise fields
                if len(fields) != len(names):
                    raise Bad('fields')
                if rate is not None:
                    ns = base + (i * NS * rate.denominator) // rate.numerator
                elif tcol is not None:
                    t = fields[tcol]
                    fmt = opts.time_format
                    ns = None
                    if fmt != 'epoch' and len(t) >= 10 and t[4] in '-/':
                        ns = iso_time(t, tz)
                    elif fmt != 'iso':
                        ns = epoch_time(t, unit)
                    if ns is None:
                        raise Bad('time', names[tcol])
                if not 0 <= ns // NS <= 0xffffffff:
                    raise Bad('time')
                dev = fields[dcol] if dcol is not None else device
                if dev == '' or surrogates(dev):
                    raise Bad('device', names[dcol])
                for k in meta:
                    if surrogates(fields[k]):
                        raise Bad('utf8', names[k])
                body = []
                for k in vals:
                    x = fields[k]
                    if x == '' and opts.empty == 'nan':
                        v = float('nan')
                    else:
                        try:
                            v = number(x)
                        except ValueError:
                            raise Bad('number', names[k])
                    body.append((names[k], v))
                mcols = [(names[k], fields[k]) for k in meta]
                yield ('sample', path, no, ns, dev, mcols, body)
            except Bad as b:
                yield ('reject', path, no, b.rule, b.field)


def event_time(t):
    if isinstance(t, msgpack.ExtType) and t.code == 0 and len(t.data) == 8:
        s, n = struct.unpack('>II', t.data)
        return s * NS + n
    raise ValueError('time is not EventTime: %r' % (t,))


def fbytes(x):
    return struct.pack('>d', x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--frames', required=True)
    ap.add_argument('--rejects', help='rejects went to this file')
    ap.add_argument('--stderr')
    ap.add_argument('-c', '--columns')
    ap.add_argument('-d', '--delimiter')
    ap.add_argument('-n', '--no-header', action='store_true')
    ap.add_argument('-r', '--rate')
    ap.add_argument('-t', '--time-column')
    ap.add_argument('--clock', action='store_true')
    ap.add_argument('--device')
    ap.add_argument('--device-column')
    ap.add_argument('--empty', default='reject')
    ap.add_argument('--meta')
    ap.add_argument('--skip')
    ap.add_argument('--start')
    ap.add_argument('--time-format', default='auto')
    ap.add_argument('--time-from-name', action='store_true')
    ap.add_argument('--time-unit', default='s')
    ap.add_argument('--tz')
    ap.add_argument('files', nargs='+')
    opts = ap.parse_args()

    with open(opts.frames, 'rb') as f:
        frames = list(msgpack.Unpacker(f, raw=False, strict_map_key=False))
    if opts.rejects:
        with open(opts.rejects, 'rb') as f:
            rejects = list(msgpack.Unpacker(f, raw=False))
        samples = frames
    else:
        rejects = [x for x in frames if x[0][1].get('kind') == 'reject']
        samples = [x for x in frames if x[0][1].get('kind') != 'reject']
    errors = []
    seqs = {}
    si = ri = 0
    nrows = 0
    for e in expected(opts):
        nrows += 1
        if len(errors) > 10:
            break
        if e[0] == 'sample':
            _, src, no, ns, dev, mcols, body = e
            if si >= len(samples):
                errors.append('%s:%d: no frame' % (src, no))
                continue
            (t, meta), got = samples[si]
            si += 1
            want_meta = {'v': 1, 'kind': 'sample', 'dev': dev,
                         'seq': seqs.get(dev, 0), 'src': src, 'line': no}
            want_meta.update(mcols)
            seqs[dev] = seqs.get(dev, 0) + 1
            where = '%s:%d' % (src, no)
            if event_time(t) != ns:
                errors.append('%s: time %d, expected %d' %
                              (where, event_time(t), ns))
            if meta != want_meta or list(meta) != list(want_meta):
                errors.append('%s: meta %r, expected %r' %
                              (where, meta, want_meta))
            if list(got) != [k for k, _ in body]:
                errors.append('%s: channels %r, expected %r' %
                              (where, list(got), [k for k, _ in body]))
                continue
            for k, v in body:
                if not isinstance(got[k], float) or \
                        fbytes(got[k]) != fbytes(v):
                    errors.append('%s: %s = %r (%s), expected %r (%s)' % (
                        where, k, got[k], fbytes(got[k]).hex()
                        if isinstance(got[k], float) else '?', v,
                        fbytes(v).hex()))
        else:
            _, src, no, rule, field = e
            if ri >= len(rejects):
                errors.append('%s:%d: no reject (%s)' % (src, no, rule))
                continue
            (t, meta), got = rejects[ri]
            ri += 1
            where = '%s:%d' % (src, no)
            if meta.get('kind') != 'reject' or meta.get('stage') != \
                    'ingest' or meta.get('src') != src or \
                    meta.get('line') != no:
                errors.append('%s: reject meta %r' % (where, meta))
            if got.get('rule') != rule:
                errors.append('%s: rule %r, expected %r (%s)' % (
                    where, got.get('rule'), rule, got.get('reason')))
            if field is not None and got.get('field') != field:
                errors.append('%s: field %r, expected %r' %
                              (where, got.get('field'), field))
            if not got.get('reason'):
                errors.append('%s: reject without a reason' % where)
    if si != len(samples):
        errors.append('%d sample frames, expected %d' % (len(samples), si))
    if ri != len(rejects):
        errors.append('%d rejects, expected %d' % (len(rejects), ri))
    if nrows != len(samples) + len(rejects):
        errors.append('rows %d != frames %d + rejects %d' %
                      (nrows, len(samples), len(rejects)))
    if opts.stderr:
        with open(opts.stderr) as f:
            m = re.search(r'ingest: in=(\d+) out=(\d+) rejected=(\d+)',
                          f.read())
        if not m:
            errors.append('no counters line in %s' % opts.stderr)
        elif tuple(map(int, m.groups())) != (nrows, si, ri):
            errors.append('counters %s, expected in=%d out=%d rejected=%d'
                          % (m.group(0), nrows, si, ri))
    for e in errors[:10]:
        print('oracle: ' + e)
    if errors:
        return 1
    print('ok %d rows: %d samples, %d rejects' % (nrows, si, ri))
    return 0


if __name__ == '__main__':
    sys.exit(main())

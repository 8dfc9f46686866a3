"""Write the frame half of the bad-input corpus, testdata/bad/frame_*.mp and
testdata/bad/json_bad.jsonl (listed in testdata/bad/README.md).

usage: tap_mkbad.py DIR

Every file holds the good frame G where the reader must go on after the
bad part.  The bytes are spelled out here, so the corpus can be checked
against its description.
"""
import os
import struct
import sys

import tap_oracle as o

T = o.Time(1076581959, 0)                       # 2004-02-12T10:32:39Z
G = o.pack([[T, {'dev': 'b1'}], {'x': 1.5}])
TB = o.pack(T)

FILES = {
    'frame_empty.mp': b'',
    'frame_truncated.mp': G + G[:20],
    'frame_str32_4gib.mp': b'\x91\xdb\xff\xff\xff\xff',
    'frame_array32_4gib.mp': b'\xdd\xff\xff\xff\xff\x00',
    'frame_map32_4gib.mp': G + b'\xdf\xff\xff\xff\xff\x00\x00',
    'frame_bin32_4gib.mp': b'\x92\x92' + TB + b'\x80\x81\xa1b\xc6\xff\xff\xff\xff\x00',
    'frame_ext32_4gib.mp': b'\xc9\xff\xff\xff\xff\x01',
    'frame_deep.mp': b'\x91' * 40 + b'\x01',
    'frame_c1.mp': G + b'\xc1' + G,
    'frame_not_array.mp': o.pack({'a': 1}) + G,
    'frame_array3.mp': o.pack([[T, {}], {}, 1]) + G,
    'frame_header_shape.mp': o.pack([[T], {}]) + G,
    'frame_meta_not_map.mp': o.pack([[T, [1]], {}]) + G,
    'frame_body_not_map.mp': o.pack([[T, {}], 'x']) + G,
    'frame_time_str.mp': o.pack([['2004-02-12T10:32:39Z', {}], {}]) + G,
    'frame_time_nsec.mp': o.pack([[o.Ext(0, struct.pack('>II', 1, 10**9)), {}], {}]) + G,
    'frame_time_nan.mp': o.pack([[float('nan'), {}], {}]) + G,
    'frame_meta_int_key.mp': o.pack([[T, o.Pairs([(1, 2)])], {}]) + G,
    'frame_body_int_key.mp': o.pack([[T, {}], o.Pairs([(1, 2)])]) + G,
    'frame_version2.mp': o.pack([[T, {'v': 2}], {}]) + G,
    # not an error: strings that are not UTF-8 are shown as $strhex
    'frame_non_utf8.mp': o.pack([[T, {'dev': o.StrHex(b'b\xff')}],
                                 o.Pairs([('x', o.StrHex(b'\xc3')),
                                          ('y\u00e9', 1)])]) +
    o.pack([[T, {}], o.Pairs([(o.StrHex(b'\xed\xa0\x80'), 1)])]),
}

GOODJ = '[["2004-02-12T10:32:39Z", {"dev": "b1"}], {"x": 1.5}]'
JSON_LINES = [
    GOODJ,
    '[["2004-02-12T10:32:39Z", {}], {"x": 1.5,}]',
    '[["2004-02-30T00:00:00Z", {}], {}]',
    b'[[1, {}], {"s": "\xff"}]',
    '[[1, {}], {"n": 18446744073709551616}]',
    '{"x": 1}',
    '[[1, {"v": 2}], {}]',
    '[[1, {}], {"$foo": 1}]',
    '[[1, {}], {"x": ' + '[' * 40 + ']' * 40 + '}]',
    '[[1, {}], {"x": nan}]',
    '[[1, {}], {"x": "\\ud800"}]',
    '',
    '   # a comment',
    '[[1, {}], {}] [',
    GOODJ,
]


def main():
    d = sys.argv[1]
    for name, data in FILES.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
    with open(os.path.join(d, 'json_bad.jsonl'), 'wb') as f:
        for line in JSON_LINES:
            f.write((line if isinstance(line, bytes) else line.encode()) + b'\n')


if __name__ == '__main__':
    main()

"""ingest_frames -- one line per frame ingest wrote, for tests to compare.

    ingest_frames.py FILE.mp

sample frames:  "LINE sample DEV SEQ"; reject frames: "LINE reject RULE
[FIELD] text|raw[+truncated]" (which form carries the original line).
Decoded with python3-msgpack, independent of ingest's own code.
"""
import sys

import msgpack


def main():
    with open(sys.argv[1], 'rb') as f:
        for (t, meta), body in msgpack.Unpacker(f, raw=False):
            kind = meta.get('kind', 'sample')
            line = meta.get('line', '-')
            if kind == 'sample':
                print(line, 'sample', meta['dev'], meta['seq'])
                continue
            words = [str(line), kind, body.get('rule', '?')]
            if 'field' in body:
                words.append(body['field'])
            orig = 'text' if isinstance(body.get('text'), str) else \
                'raw' if isinstance(body.get('raw'), bytes) else 'none'
            if body.get('truncated') is True:
                orig += '+truncated'
            words.append(orig)
            if not body.get('reason') or meta.get('stage') != 'ingest':
                words.append('INCOMPLETE')
            print(' '.join(words))


if __name__ == '__main__':
    main()

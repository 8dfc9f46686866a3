"""Write random frames and the JSON lines tap must print for them.

usage: tap_gen.py SEED COUNT FRAMES.mp EXPECTED.jsonl
"""
import random
import sys

import tap_oracle as o


def main():
    seed, count, fpath, jpath = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(seed)
    with open(fpath, 'wb') as f, open(jpath, 'w', encoding='utf-8', newline='\n') as j:
        for _ in range(count):
            fr = o.gen_frame(rng)
            f.write(o.pack(fr))
            j.write(o.to_json(fr) + '\n')


if __name__ == '__main__':
    main()

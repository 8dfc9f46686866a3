"""infer scores frames held for a batch as soon as no more input is
queued, not when the next frame happens to arrive: frames written in one
burst to a pipe that stays open all come out as predictions while the
writer is still there (batching never adds latency: docs/infer.md).

    infer_idle.py BIN TMPDIR
"""
import io
import os
import select
import struct
import subprocess
import sys
import time

import msgpack
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "pipelines", "python"))
from pdm_bundle import write_body  # noqa: E402

BIN, T = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
n, h = 12, 64
W0 = rng.normal(size=(n, h)) / 4
W1 = rng.normal(size=(h, 1)) / 4
body = {"format": 1, "name": "mlp", "version": "1", "parent": None,
        "created": 0,
        "data": {"digest": None, "rows": {"train": 0, "validation": 0,
                                          "test": 0}},
        "upstream": {"schema": None, "params": None, "window": None},
        "features": ["f%d" % j for j in range(n)],
        "model": {"kind": "mlp_regressor",
                  "hyper": {"activation": "relu", "layers": 2},
                  "scaler": None,
                  "arrays": {"W0": {"shape": [n, h], "data": list(W0.ravel())},
                             "b0": {"shape": [h], "data": [0.0] * h},
                             "W1": {"shape": [h, 1], "data": list(W1.ravel())},
                             "b1": {"shape": [1], "data": [0.1]}}},
        "outputs": {"labels": None, "threshold": None, "score": "value"},
        "metrics": {}, "profile": {"features": {}, "score": None}}
M = os.path.join(T, "mlp.bundle")
write_body(M, body)


def frame(i):
    t = msgpack.ExtType(0, struct.pack(">II", 1764687600 + i, 0))
    return msgpack.packb([[t, {"v": 1, "kind": "features", "dev": "d",
                               "seq": i, "start": t, "end": t, "n": 1}],
                          {"f%d" % j: float(i + j) for j in range(n)}])


p = subprocess.Popen([BIN + "/infer", "-q", "-m", M], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
fails = 0
up = msgpack.Unpacker(raw=False)
for burst in range(3):
    p.stdin.write(b"".join(frame(burst * 50 + i) for i in range(50)))
    p.stdin.flush()
    got, deadline = 0, time.time() + 20	# a guard against a hang only
    while got < 50 and time.time() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 0.5)
        if r:
            up.feed(os.read(p.stdout.fileno(), 1 << 16))
            for fr in up:
                got += fr[0][1].get("kind") == "prediction"
    if got == 50:
        print("ok - burst %d: 50 predictions with the pipe still open" % burst)
    else:
        fails += 1
        print("FAIL - burst %d: %d of 50 predictions while infer waited "
              "for more input" % (burst, got))
p.stdin.close()
p.wait()
if p.returncode != 0:
    fails += 1
    print("FAIL - exit %d" % p.returncode)
sys.exit(1 if fails else 0)

"""Helpers for train's tests: write feature frames from a matrix, read a
bundle file (plain msgpack, as docs/bundle.md defines it), read --scores
CSV.  Independent of our C code: the frames are packed by msgpack-python and
the bundle is read the same way."""
import csv
import hashlib
import struct

import msgpack
import numpy as np


def evtime(t):
    sec = int(t)
    nsec = int(round((t - sec) * 1e9))
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def write_frames(path, X, names, devs, times, labels=None, label_key="label",
                 meta_label=False, kind="features"):
    """One frame per row; labels (optional) go in the body (or meta)."""
    seq = {}
    with open(path, "wb") as f:
        for i in range(len(X)):
            d = devs[i]
            s = seq.get(d, 0)
            seq[d] = s + 1
            meta = {"v": 1, "kind": kind, "dev": d, "seq": s}
            if kind == "features":
                meta.update({"start": evtime(times[i]),
                             "end": evtime(times[i] + 1), "n": 1})
            body = {n: float(v) for n, v in zip(names, X[i])}
            if labels is not None:
                lab = labels[i]
                if isinstance(lab, (np.integer, np.floating)):
                    lab = lab.item()
                if meta_label:
                    meta[label_key] = lab
                else:
                    body[label_key] = lab
            f.write(msgpack.packb([[evtime(times[i]), meta], body]))


def read_bundle(path):
    with open(path, "rb") as f:
        outer = msgpack.unpackb(f.read(), raw=False, strict_map_key=False)
    body = outer["body"]
    assert hashlib.sha256(body).digest() == outer["sha256"], "digest"
    b = msgpack.unpackb(body, raw=False, strict_map_key=False)
    b["_outer"] = outer
    return b


def arr(b, name):
    a = b["model"]["arrays"][name]
    return np.array(a["data"], float).reshape(a["shape"])


def read_scores(path):
    with open(path) as f:
        return list(csv.DictReader(f))

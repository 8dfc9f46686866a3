"""Write model bundles for the registry tests, independently of libstream.

Follows docs/bundle.md with msgpack, hashlib and the ed25519 of Debian's
python3-cryptography (the same signatures as libsodium's
crypto_sign_detached), so that registry's verification is tested against a
writer that is not our own C code.

    mkbundle.py keygen SK PK            a key pair in libsodium's hex form
                                        (SK: seed + public key, 128 hex)
    mkbundle.py make OUT NAME VERSION [--sk SK] [--parent P] [--rmse X]
                                        [--coef A,B,...] [--created T]
                                        a ridge model over features f0..fn-1
    mkbundle.py tamper IN OUT           flip one bit in the middle of the
                                        body bytes (digest no longer holds)
"""
import argparse
import hashlib
import os
import sys

import msgpack
from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def raw_public(priv):
    return priv.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def read_sk(path):
    h = open(path).read().strip()
    b = bytes.fromhex(h)
    assert len(b) == 64, path
    return Ed25519PrivateKey.from_private_bytes(b[:32])


def container(body, priv):
    sig = key = None
    if priv is not None:
        sig = priv.sign(body)
        key = raw_public(priv)
    return msgpack.packb({"pdm-bundle": 1, "body": body,
                          "sha256": hashlib.sha256(body).digest(),
                          "sig": sig, "key": key}, use_bin_type=True)


def make(a):
    coef = [float(x) for x in a.coef.split(",")]
    n = len(coef)
    feats = ["f%d" % i for i in range(n)]
    body = {
        "format": 1,
        "name": a.name,
        "version": a.version,
        "parent": a.parent,
        "created": a.created,
        "data": {"digest": hashlib.sha256(a.name.encode()).hexdigest(),
                 "rows": {"train": 100, "validation": 20, "test": 20}},
        "upstream": {"schema": None, "params": None, "window": None},
        "features": feats,
        "model": {"kind": "ridge", "hyper": {"alpha": 1.0},
                  "scaler": None,
                  "arrays": {"coef": {"shape": [n], "data": coef},
                             "intercept": {"shape": [1], "data": [0.5]}}},
        "outputs": {"labels": None, "threshold": None, "score": "rul"},
        "metrics": {"rmse": a.rmse},
    }
    raw = msgpack.packb(body, use_bin_type=True)
    priv = read_sk(a.sk) if a.sk else None
    with open(a.out, "wb") as f:
        f.write(container(raw, priv))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("sk")
    k.add_argument("pk")
    m = sub.add_parser("make")
    m.add_argument("out")
    m.add_argument("name")
    m.add_argument("version")
    m.add_argument("--sk")
    m.add_argument("--parent")
    m.add_argument("--rmse", type=float, default=20.0)
    m.add_argument("--coef", default="1,2,3")
    m.add_argument("--created", type=int, default=1764687600)
    t = sub.add_parser("tamper")
    t.add_argument("inp")
    t.add_argument("out")
    a = p.parse_args()

    if a.cmd == "keygen":
        priv = Ed25519PrivateKey.from_private_bytes(os.urandom(32))
        seed = priv.private_bytes(serialization.Encoding.Raw,
                                  serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption())
        pub = raw_public(priv)
        with open(a.sk, "w") as f:
            f.write((seed + pub).hex() + "\n")
        os.chmod(a.sk, 0o600)
        with open(a.pk, "w") as f:
            f.write(pub.hex() + "\n")
    elif a.cmd == "make":
        make(a)
    else:
        c = msgpack.unpackb(open(a.inp, "rb").read(), raw=False)
        body = bytearray(c["body"])
        i = len(body) // 2
        body[i] ^= 0x01
        c["body"] = bytes(body)
        out = msgpack.packb(c, use_bin_type=True)
        with open(a.out, "wb") as f:
            f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

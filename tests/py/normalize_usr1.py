"""normalize prints its accounting line on SIGUSR1, while it runs.

    normalize_usr1.py BIN/normalize PARAMS

Feeds three frames through a pipe, waits until they come out (normalize
flushes before it blocks for input), sends SIGUSR1 and one more frame, and
reads the report line from stderr before closing the input; then checks the
line at exit.  An alarm of 60 s turns a hang into a failure (it is a guard,
not a time being tested).
"""
import os
import signal
import struct
import subprocess
import sys

import msgpack

signal.alarm(60)
binp, params = sys.argv[1], sys.argv[2]
t = msgpack.ExtType(0, struct.pack(">II", 1, 0))
fr = msgpack.packb([[t, {}], {"a": 12.0, "b": 0.0, "x y": 1.0}])
p = subprocess.Popen([binp, "-p", params], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
for i in range(3):
    p.stdin.write(fr)
p.stdin.flush()
got = b""
while len(got) < 3 * len(fr):          # normalize flushes before it blocks
    got += os.read(p.stdout.fileno(), 65536)
p.send_signal(signal.SIGUSR1)
p.stdin.write(fr)
p.stdin.flush()
line = p.stderr.readline().decode()     # the report, before any exit
assert line.startswith("normalize: in="), line
n_in = int(line.split("in=")[1].split()[0])
assert n_in in (3, 4), line
p.stdin.close()
rest = p.stdout.read()
err = p.stderr.read().decode()
assert p.wait() == 0
assert err.startswith("normalize: in=4 out=4 rejected=0 dropped=0"), err
print("report on SIGUSR1: %r; at exit: %r" % (line.strip(), err.strip()))

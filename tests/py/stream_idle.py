"""Liveness checks of libstream through bin/tap --count over ZeroMQ.

1. idle flush: one frame sent into a quiet pass-through comes out without
   any further input (batching must not hold it back);
2. SIGTERM: frames already read are written and the output flushed, exit 0.
Usage: stream_idle.py BIN TMPDIR
"""
import os, signal, struct, subprocess, sys, time
import msgpack, zmq

BIN, T = sys.argv[1], sys.argv[2]
ctx = zmq.Context()
fails = 0


def frame(i):
    t = msgpack.ExtType(0, struct.pack(">II", 1700000000 + i, i))
    return msgpack.packb([[t, {"v": 1, "kind": "sample", "dev": "d", "seq": i}],
                          {"x": i * 0.25}])


def strip_head(msg):
    """The message without the head frame a libstream writer puts first
    (docs/protocol.md): the frames it carries."""
    u = msgpack.Unpacker(raw=False)
    u.feed(msg)
    first = u.unpack()
    if first[0][1].get("kind") == "head":
        return msg[u.tell():]
    return msg


def check(name, cond, why=""):
    global fails
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + why))
    if not cond:
        fails += 1


# 1. idle flush over ipc, both directions through the filter
into, outof = "ipc://%s/in.sock" % T, "ipc://%s/out.sock" % T
pull = ctx.socket(zmq.PULL)
pull.bind(outof)
p = subprocess.Popen([BIN + "/tap", "-c", "-q", "-i", "@" + into, "-o", ">" + outof])
push = ctx.socket(zmq.PUSH)
push.connect(into)
got = []
for i in range(3):
    push.send(frame(i))
    # generous: only a frame stuck in a buffer would miss this
    if pull.poll(20000):
        got.append(strip_head(pull.recv()))
check("idle frames each delivered without further input", len(got) == 3,
      "got %d of 3" % len(got))
check("delivered frames are byte-identical", got == [frame(i) for i in range(3)])
p.send_signal(signal.SIGTERM)
rc = p.wait(30)
check("SIGTERM ends tap with exit 0", rc == 0, "exit %s" % rc)

# 2. SIGTERM mid-stream: everything read before the signal is written
into2 = "ipc://%s/in2.sock" % T
outf = os.path.join(T, "out.mp")
p = subprocess.Popen([BIN + "/tap", "-c", "-q", "-i", "@" + into2, "-o", outf])
push2 = ctx.socket(zmq.PUSH)
push2.connect(into2)
N = 5000
for i in range(N):
    push2.send(frame(i))
# wait until the filter has read them all: the output file stops growing
# only after the flush, so poll the frame count after the signal instead
time.sleep(0.5)
p.send_signal(signal.SIGTERM)
rc = p.wait(30)
check("SIGTERM mid-stream exits 0", rc == 0, "exit %s" % rc)
data = open(outf, "rb").read()
frames = list(msgpack.Unpacker(__import__("io").BytesIO(data), raw=False))
check("frames read before SIGTERM were written, in order, none torn",
      len(frames) > 0 and all(f[0][1]["seq"] == i for i, f in enumerate(frames)),
      "%d frames" % len(frames))
check("output is whole frames", msgpack.packb(frames[-1]) == frame(len(frames) - 1))
ctx.destroy(linger=0)
print("# stream_idle: %d failed" % fails)
sys.exit(1 if fails else 0)

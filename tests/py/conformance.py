"""The behaviours every program shares (docs/filters.md), checked on one
program run one way.

    conformance.py BIN/PROG ARGSFILE TMPDIR

ARGSFILE is filters/PROG/conformance*.args: lines of "key: value",
'#' comments:

    args: -s testdata/conformance/x.schema   the program's minimal arguments;
                                             {tmp} stands for TMPDIR
    equation: in = out + rejected + dropped  its accounting equation (default
                                             in = out + rejected + dropped +
                                             unwritten)
    output: text                             it writes text, not frames: no
                                             reject frames to look at
    operands: true                           put after each case's options
                                             (a command, files)
    not-a-filter: REASON                     it does not read frames (bundle:
                                             subcommands on files): prints
                                             "ok - PROG: not a filter: REASON"
                                             and runs no case

Each case runs the program on frames made here (one device, channel "x",
one frame a second) and checks the exit status, the shape of every message
(each line starts with "PROG: ", an endpoint or path named once), the
accounting line and its equation, and reject frames field by field.  Prints
"ok - ..." or "FAIL - ..." a case; exits 1 if any failed.  An alarm turns a
hang into a failure (a guard, not a time being tested).
"""
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time

import msgpack

signal.alarm(240)
prog_path, argsfile, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
prog = os.path.basename(prog_path)
conf = {"args": "", "equation": "in = out + rejected + dropped + unwritten",
        "output": "frames", "operands": ""}
for raw in open(argsfile):
    raw = raw.split("#", 1)[0].strip()
    if raw:
        k, v = raw.split(":", 1)
        conf[k.strip()] = v.strip()
ARGS = conf["args"].replace("{tmp}", tmp).split()
OPERANDS = conf["operands"].replace("{tmp}", tmp).split()
if "not-a-filter" in conf:
    if not conf["not-a-filter"]:
        print("FAIL - %s: not-a-filter without a reason" % prog)
        sys.exit(1)
    print("ok - %s: not a filter: %s" % (prog, conf["not-a-filter"]))
    sys.exit(0)
FRAMES_OUT = conf["output"] == "frames"
EX_OK, EX_DATAERR, EX_NOINPUT, EX_UNAVAILABLE, EX_IOERR = 0, 65, 66, 69, 74
fails = 0
name = " ".join([prog] + ARGS + OPERANDS)


def cmd(extra):
    """The command line of a case: PROG ARGS EXTRA OPERANDS."""
    return [prog_path] + ARGS + extra + OPERANDS


def report(ok, what, why=""):
    global fails
    if ok:
        print("ok - %s: %s" % (name, what))
    else:
        fails += 1
        print("FAIL - %s: %s: %s" % (name, what, why))


def frame(i):
    t = msgpack.ExtType(0, struct.pack(">II", 1700000000 + i, 0))
    return msgpack.packb([[t, {"v": 1, "kind": "sample", "dev": "c1",
                               "seq": i}], {"x": float(i % 17) - 8.0}])


def frames(a, b):
    return b"".join(frame(i) for i in range(a, b))


N = 20000
GOOD = frames(0, N)
NOTFRAME = msgpack.packb({"not": "a frame"})	# well-formed, not a frame
HALF = N // 2
WITH_NOTFRAME = frames(0, HALF) + NOTFRAME + frames(HALF, N)
TAIL = b"\xc1\x00\x01"				# 0xc1: never used in msgpack
WITH_TAIL = frames(0, 100) + TAIL + frames(100, 200)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


good = write(os.path.join(tmp, "good.mp"), GOOD)
notframe = write(os.path.join(tmp, "notframe.mp"), WITH_NOTFRAME)
tail = write(os.path.join(tmp, "tail.mp"), WITH_TAIL)
os.makedirs(os.path.join(tmp, "adir"), exist_ok=True)


def run(extra, stdin=None, inp=None):
    """(status, stdout bytes, stderr text) of PROG ARGS EXTRA."""
    with open(stdin if stdin else os.devnull, "rb") as f:
        p = subprocess.run(cmd(extra), stdin=f,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def accounting(err):
    """The counters of the last accounting line, and whether it was
    marked interrupted; None if there is none."""
    lines = [l for l in err.splitlines() if l.startswith(prog + ": in=")]
    if not lines:
        return None, False
    last = lines[-1]
    c = {k: int(v) for k, v in re.findall(r"\b([a-z_]+)=(\d+)\b", last)}
    return c, "(interrupted)" in last


def balances(c):
    """'' if the program's equation holds on counters c, else why."""
    sides = [[n.strip() for n in side.split("+")]
             for side in conf["equation"].split("=")]
    if "in" not in c:
        return "no in= in the accounting line"
    missing = [n for side in sides for n in side
               if n not in c and n != "unwritten"]
    if missing:
        return "no %s in the accounting line" % ", ".join(missing)
    l, r = (sum(c.get(n, 0) for n in side) for side in sides)
    if l != r:
        return "%s: %d != %d" % (conf["equation"], l, r)
    return ""


def shape(err, named=None):
    """'' if every line of err is "PROG: ..." and named (if given) appears
    exactly once, else why."""
    for l in err.splitlines():
        if not l.startswith(prog + ": "):
            return "a line not starting with %r: %r" % (prog + ": ", l)
    if named is not None and err.count(named) != 1:
        return "%r named %d times in %r" % (named, err.count(named), err)
    return ""


def check(what, st, want, err, named=None, acct=True):
    why = []
    if st != want:
        why.append("exit %d, want %d" % (st, want))
    s = shape(err, named)
    if s:
        why.append(s)
    if acct:
        c, _ = accounting(err)
        if c is None:
            why.append("no accounting line")
        elif balances(c):
            why.append(balances(c))
    report(not why, what, "; ".join(why) + (" -- stderr: %r" % err[-600:]
                                            if why else ""))


def _unpack(out):
    u = msgpack.Unpacker(raw=False, strict_map_key=False)
    u.feed(out)
    return list(u)


# ---- endpoints that cannot be had -------------------------------------------
NOBIND = "@tcp://192.0.2.1:5555"		# TEST-NET-1: not this host's
st, _, err = run(["-i", NOBIND])
check("-i %s: exit 69, named once" % NOBIND, st, EX_UNAVAILABLE, err,
      "192.0.2.1:5555", acct=False)
st, _, err = run(["-o", NOBIND], stdin=good)
if FRAMES_OUT:
    check("-o %s: exit 69, named once" % NOBIND, st, EX_UNAVAILABLE, err,
          "192.0.2.1:5555", acct=False)
else:
    check("-o %s: text goes to a file: exit 64, named once" % NOBIND, st,
          64, err, "192.0.2.1:5555", acct=False)
st, _, err = run(["-i", "/nonexistent/x"])
check("-i /nonexistent/x: exit 66, named once", st, EX_NOINPUT, err,
      "/nonexistent/x", acct=False)
adir = os.path.join(tmp, "adir")
st, _, err = run(["-i", adir])
check("-i a directory: exit 66, named once", st, EX_NOINPUT, err, adir,
      acct=False)

# ---- a well-formed non-frame value and an undecodable tail ------------------
out_path = os.path.join(tmp, "out.mp")
st, out, err = run(["-o", out_path] if FRAMES_OUT else [], stdin=notframe)
check("a non-frame value mid-stream: exit 0, reading goes on", st, EX_OK,
      err)
c, _ = accounting(err)
if c is not None:
    report(c.get("in") == N + 1 and c.get("rejected") == 1,
           "a non-frame value: in=%d rejected=1" % (N + 1), repr(c))
if FRAMES_OUT and os.path.exists(out_path):
    fr = _unpack(open(out_path, "rb").read())
    rej = [f for f in fr if isinstance(f, list) and len(f) == 2 and
           isinstance(f[0], list) and len(f[0]) == 2 and
           isinstance(f[0][1], dict) and f[0][1].get("kind") == "reject"]
    why = []
    if len(rej) != 1:
        why.append("%d reject frames inline, want 1" % len(rej))
    else:
        (t, meta), body = rej[0]
        if not (isinstance(t, msgpack.ExtType) and t.code == 0 and
                len(t.data) == 8):
            why.append("time is not an EventTime: %r" % (t,))
        if meta.get("stage") != prog:
            why.append("meta stage %r, want %r" % (meta.get("stage"), prog))
        if set(meta) - {"v", "kind", "stage", "dev", "src", "line"}:
            why.append("meta keys %r" % sorted(meta))
        if body.get("rule") != "decode":
            why.append("rule %r, want 'decode'" % body.get("rule"))
        if not isinstance(body.get("reason"), str) or not body["reason"]:
            why.append("reason %r" % body.get("reason"))
        if body.get("raw") != NOTFRAME:
            why.append("raw %r, want the value's bytes %r" %
                       (body.get("raw"), NOTFRAME))
        if set(body) - {"reason", "rule", "field", "value", "limit", "raw"}:
            why.append("body keys %r" % sorted(body))
    if c is not None:
        nout = len(fr) - len(rej)
        if nout != c.get("out"):
            why.append("%d frames written, out=%s" % (nout, c.get("out")))
    report(not why, "the reject frame, field by field, and out counted "
           "honestly", "; ".join(why))

st, out, err = run(["-o", out_path] if FRAMES_OUT else [], stdin=tail)
check("an undecodable tail: exit 65, the accounting balances", st,
      EX_DATAERR, err)
at = len(frames(0, 100))
report(re.search(r"\bbyte %d\b" % at, err) is not None,
       "an undecodable tail: the message names its byte (%d)" % at,
       repr(err[-400:]))

# ---- outputs that fail --------------------------------------------------------
if FRAMES_OUT:
    st, _, err = run(["-o", "/dev/full"], stdin=good)
    check("-o /dev/full: exit 74, named once, the accounting balances", st,
          EX_IOERR, err, "/dev/full")
else:
    with open(good, "rb") as fi, open("/dev/full", "wb") as fo:
        p = subprocess.run(cmd([]), stdin=fi, stdout=fo,
                           stderr=subprocess.PIPE, timeout=60)
    check("output to /dev/full: exit 74, the accounting balances",
          p.returncode, EX_IOERR, p.stderr.decode(errors="replace"))

with open(good, "rb") as fi:
    env = dict(os.environ, PDM_PIPE_SIZE="0")
    p = subprocess.Popen(cmd([]), stdin=fi,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    p.stdout.read(1000)			# | head -c 1000
    p.stdout.close()
    err = p.stderr.read().decode(errors="replace")
    st = p.wait(60)
why = "" if re.search("broken pipe", err, re.I) else "no 'broken pipe'"
check("output into | head -c 1000: exit 74, 'broken pipe', the accounting "
      "balances", st, EX_IOERR, err)
report(not why and len(re.findall("broken pipe", err, re.I)) == 1,
       "| head -c 1000: 'broken pipe' said once", repr(err))

# ---- signals -----------------------------------------------------------------
def wait_caught(p, sig, limit=30):
    """Wait until p catches sig (SigCgt in /proc): a signal sent before
    the program installed its handler would kill it, which is the test's
    race and not the program's fault."""
    end = time.monotonic() + limit
    while time.monotonic() < end and p.poll() is None:
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for l in f:
                    if l.startswith("SigCgt:"):
                        if int(l.split()[1], 16) >> (sig - 1) & 1:
                            return
        except OSError:
            return
        time.sleep(0.02)


p = subprocess.Popen(cmd(["-q"]), stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
p.stdin.write(frames(0, 100))
p.stdin.flush()
time.sleep(0.3)
wait_caught(p, signal.SIGUSR1)
p.send_signal(signal.SIGUSR1)
p.stdin.write(frames(100, 101))		# wakes a reader that did not see it
p.stdin.flush()
line = ""
if select.select([p.stderr], [], [], 10)[0]:	# no line in 10 s: none
    line = p.stderr.readline().decode(errors="replace")
p.stdin.close()
err = line + p.stderr.read().decode(errors="replace")
st = p.wait(60)
why = []
if not line.startswith(prog + ": in="):
    why.append("first line %r" % line)
if st != 0:
    why.append("exit %d" % st)
if len([l for l in err.splitlines() if l.startswith(prog + ": in=")]) != 1:
    why.append("want one accounting line (SIGUSR1's), got %r" % err)
report(not why, "-q and SIGUSR1: one accounting line, on the signal",
       "; ".join(why))

p = subprocess.Popen(cmd([]), stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
p.stdin.write(frames(0, 1000))
p.stdin.flush()
time.sleep(0.3)
wait_caught(p, signal.SIGTERM)
p.send_signal(signal.SIGTERM)
try:
    st = p.wait(10)
except subprocess.TimeoutExpired:
    p.kill()
    st = "hung"
err = p.stderr.read().decode(errors="replace")
p.stdin.close()
check("SIGTERM mid-stream: exit 0, the accounting balances", st, EX_OK, err)
c, intr = accounting(err)
report(intr, "SIGTERM mid-stream: the accounting line says (interrupted)",
       repr(err))

# ---- --metrics ---------------------------------------------------------------
mpath = os.path.join(tmp, "m.prom")
st, _, err = run(["--metrics", mpath] + (["-o", out_path] if FRAMES_OUT
                                          else []), stdin=good)
check("--metrics FILE: exit 0", st, EX_OK, err)
if not os.path.exists(mpath):
    report(False, "--metrics FILE written", "no %s" % mpath)
else:
    text = open(mpath).read()
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    report(p.returncode == 0, "promtool check metrics accepts --metrics",
           p.stdout.decode() + text[:400])
    c, _ = accounting(err)
    vals = [l.split()[-1] for l in text.splitlines()
            if l and not l.startswith("#")]
    report(c is not None and str(c.get("in")) in vals,
           "--metrics holds the count of frames in", text[:400])
sys.exit(1 if fails else 0)

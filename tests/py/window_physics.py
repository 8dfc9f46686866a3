"""The physics the bearing lines must show (issue 4), asserted on window's
features frames.  Shares are env_<line>: the envelope energy within
--env-tol Hz of the line's first harmonics over the 5-500 Hz envelope power.

    window_physics.py cwru FILE...   one features stream per CWRU record,
        named after it (..._IR007_105.mp etc.); every window must show:
        inner race: BPFI share above the BPFO and ball (bsf) shares, and at
          least twice the BPFO share;
        outer race 0.007 and 0.021 in: BPFO share at least 3 x the BPFI share;
        normal: every share under 0.05.
        (OR014 and the ball faults are known hard cases: printed only.)
    window_physics.py ims FILE       features of IMS set 2 snapshots
        (count windows of 20480, b1..b4): bearing 1's BPFO share in each
        snapshot from 02-17 to 02-19 06:02 at least 5 x its 02-12 10:32 value.
"""
import datetime
import sys

from window_oracle import NS, ns_of, read_frames

failures = 0


def check(cond, msg):
    global failures
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures += 1


def shares(path, chan=None):
    out = []
    for t, meta, body in read_frames(path):
        if meta.get("kind") != "features":
            continue
        keys = [k for k in body if k.endswith(".env_bpfo")]
        if chan is not None:
            keys = [k for k in keys if k.startswith(chan + ".")]
        ch = keys[0][:-len(".env_bpfo")]
        out.append((ns_of(meta["start"]), {ln: body[ch + ".env_" + ln]
                    for ln in ("bpfo", "bpfi", "bsf", "ftf")}))
    return out


def cwru(paths):
    for p in paths:
        name = p.rsplit("/", 1)[-1]
        ws = shares(p)
        check(len(ws) > 0, "%s: %d windows" % (name, len(ws)))
        for i, (_, s) in enumerate(ws):
            what = "%s window %d: bpfi %.3f bpfo %.3f ball %.3f ftf %.3f" % (
                name, i, s["bpfi"], s["bpfo"], s["bsf"], s["ftf"])
            if "_IR" in name:
                check(s["bpfi"] > s["bpfo"] and s["bpfi"] > s["bsf"] and
                      s["bpfi"] >= 2 * s["bpfo"], what +
                      ": BPFI above BPFO and ball, >= 2 x BPFO")
            elif "_OR007" in name or "_OR021" in name:
                check(s["bpfo"] >= 3 * s["bpfi"], what +
                      ": BPFO >= 3 x BPFI")
            elif "normal" in name:
                check(max(s.values()) < 0.05, what + ": all under 0.05")
            else:
                print("info " + what + " (a known hard case)")


def ims(path):
    ws = shares(path, "b1")
    when = {datetime.datetime.fromtimestamp(t // NS, datetime.timezone.utc)
            .strftime("%m-%d %H:%M"): s["bpfo"] for t, s in ws}
    for k in sorted(when):
        print("info b1 BPFO share %s: %.3f" % (k, when[k]))
    base = when.get("02-12 10:32")
    check(base is not None, "the 02-12 10:32 snapshot is there")
    if base is None:
        return
    late = [k for k in when if "02-17 00:00" <= k <= "02-19 06:02"]
    check(len(late) == 5, "5 snapshots from 02-17 to 02-19 06:02")
    for k in sorted(late):
        check(when[k] >= 5 * base, "b1 BPFO share %s %.3f >= 5 x %.3f" %
              (k, when[k], base))


if __name__ == "__main__":
    if sys.argv[1] == "cwru":
        cwru(sys.argv[2:])
    elif sys.argv[1] == "ims":
        ims(sys.argv[2])
    else:
        raise SystemExit(__doc__)
    print("%d failures" % failures)
    sys.exit(1 if failures else 0)

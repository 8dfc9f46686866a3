"""bench/drift.sh's arithmetic: read drift's event files and print the rows
of the docs/drift.md table.

  drift_table.py delay EVENTS AT DEVICES FRAMES
      detection delay of the first confirmed drift event after frame AT of
      each device (frames from AT to the evaluation that confirmed):
      prints "median p90 missed pre" (missed: devices with none; pre:
      devices confirmed before AT, a false alarm in the no-change part)
  drift_table.py alarms EVENTS
      confirmed drift events (false alarms on a no-change stream): "n"
"""
import sys

import msgpack
import numpy as np


def confirmed(path):
    with open(path, "rb") as f:
        for (t, meta), body in msgpack.Unpacker(f, raw=False):
            if body.get("type") == "drift" and body["state"] == "confirmed":
                yield meta["dev"], body["frames"]


def states(path):
    with open(path, "rb") as f:
        for (t, meta), body in msgpack.Unpacker(f, raw=False):
            if body.get("type") == "drift":
                yield meta["dev"], body["frames"], body["state"]


def main():
    cmd = sys.argv[1]
    if cmd == "alarms":
        print(sum(1 for _ in confirmed(sys.argv[2])))
        return
    at, ndev = int(sys.argv[3]), int(sys.argv[4])
    first, conf_at = {}, {}
    for dev, frames, state in states(sys.argv[2]):
        if frames <= at:
            conf_at[dev] = state == "confirmed"
        elif state == "confirmed" and dev not in first:
            first[dev] = frames - at
    busy = {dev for dev, c in conf_at.items() if c}
    d = np.array(sorted(v for k, v in first.items() if k not in busy))
    pre = busy
    missed = ndev - len(busy) - len(d)
    if len(d) == 0:
        print("- - %d %d" % (missed, len(pre)))
    else:
        print("%d %d %d %d" % (np.median(d), np.percentile(d, 90), missed,
                               len(pre)))


if __name__ == "__main__":
    main()

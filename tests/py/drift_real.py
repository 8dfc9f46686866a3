"""Real-data checks for tests/e2e/drift_real.sh, from drift's event files:

  split IN.mp CUT REF.mp LIVE.mp   frames before CUT (ISO date, UTC) to REF,
                                   the rest to LIVE
  ims EVENTS.mp                    IMS set 2, bearing 1 watched: no confirmed
                                   drift on 2004-02-14 or 02-15; confirmed
                                   before the end of the run (2004-02-19
                                   06:22:39, bearing 1 failed); prints when
  nab EVENTS.mp WINDOWS.json       NAB machine temperature: the labelled
                                   anomaly windows hit by a confirmed event,
                                   the confirmed events outside them; at
                                   least one window hit
"""
import calendar
import json
import struct
import sys
import time

import msgpack


def secs(iso):
    iso = iso.replace("T", " ").split(".")[0]
    return calendar.timegm(time.strptime(iso, "%Y-%m-%d %H:%M:%S"))


def tsec(t):
    return struct.unpack(">II", t.data)[0]


def confirmed(path):
    with open(path, "rb") as f:
        for (t, meta), body in msgpack.Unpacker(f, raw=False):
            if body.get("type") == "drift" and body["state"] == "confirmed":
                yield tsec(t), body


def fmt(s):
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(s))


def main():
    cmd = sys.argv[1]
    if cmd == "split":
        cut = secs(sys.argv[3] + " 00:00:00")
        ref, live = open(sys.argv[4], "wb"), open(sys.argv[5], "wb")
        with open(sys.argv[2], "rb") as f:
            for fr in msgpack.Unpacker(f, raw=False):
                if fr[0][1].get("kind", "sample") != "sample":
                    continue
                (ref if tsec(fr[0][0]) < cut else live).write(
                    msgpack.packb(fr))
    elif cmd == "ims":
        ev = list(confirmed(sys.argv[2]))
        quiet = [s for s, b in ev
                 if secs("2004-02-14 00:00:00") <= s < secs("2004-02-16 00:00:00")]
        if quiet:
            sys.exit("confirmed drift on 02-14/15 at %s" % fmt(quiet[0]))
        late = [(s, b) for s, b in ev if s >= secs("2004-02-16 00:00:00")]
        if not late or late[0][0] > secs("2004-02-19 06:22:39"):
            sys.exit("no confirmed drift before the failure")
        s, b = late[0]
        feats = sorted(set(e["feature"] + " " + e["test"]
                           for e in b["evidence"] if e["runs"] >= 1))
        if not all(f.startswith("b1_") for f in feats):
            sys.exit("confirmed on %s, not bearing 1" % feats)
        print("ims: first confirmed drift %s (%.1f days before the end), %s"
              % (fmt(s), (secs("2004-02-19 06:22:39") - s) / 86400,
                 ", ".join(feats)))
    elif cmd == "nab":
        wins = json.load(open(sys.argv[3]))[
            "realKnownCause/machine_temperature_system_failure.csv"]
        wins = [(secs(a), secs(b)) for a, b in wins]
        ev = [s for s, b in confirmed(sys.argv[2])]
        hit = [w for w in wins if any(w[0] <= s <= w[1] for s in ev)]
        outside = [s for s in ev if not any(a <= s <= b for a, b in wins)]
        print("nab: %d of %d windows hit (%s); %d confirmed events, %d outside "
              "the windows" % (len(hit), len(wins),
                               ", ".join(fmt(a) for a, b in hit), len(ev),
                               len(outside)))
        if not hit:
            sys.exit("no window hit")


if __name__ == "__main__":
    main()

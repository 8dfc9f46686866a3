#!/usr/bin/python3
"""report.py -- the demo's HTML report, with inline SVG plots.

    report.py DIR [BIN]

Reads what pipelines/demo.sh left in DIR (ims/: scores.txt, model.txt,
events.jsonl; loop/: the C-MAPSS scenario's work directory) and writes
DIR/report.html: one self-contained page (no script, no network), three
plots:

1. IMS set 2: the anomaly score of every snapshot (log scale), the
   threshold, the training interval, the alarms, the first sustained alarm
   and drift's confirmation.
2. C-MAPSS: the error of each predicted RUL (predicted - true, true capped
   at 125) over fleet time and its RMSE per 25 s, by model, with the
   recalibration, drift's confirmation and infer's swap marked.
3. C-MAPSS: drift's statistic over time: W1 of the pooled fleet's last 500
   frames against the serving bundle's reference sample, in reference
   standard deviations, every 100 frames (recomputed here from window's
   output and the bundle's profile, as drift(1) defines it), for the
   recalibrated sensor and the largest of the others; drift's own events
   (suspected, confirmed) as points with the statistic they carried.

Python's standard library only; BIN/tap and BIN/bundle turn msgpack into
JSON.  Exit 0, or 1 with a message when an input is missing.
"""
import bisect
import datetime
import html
import json
import math
import os
import re
import subprocess
import sys

D = sys.argv[1] if len(sys.argv) > 1 else "build/demo"
BIN = sys.argv[2] if len(sys.argv) > 2 else "bin"

W, H = 860, 300                 # plot size
ML, MR, MT, MB = 70, 150, 20, 40  # margins: the legend goes on the right
COL = {"m1": "#1f77b4", "m2": "#2ca02c", "alarm": "#d62728",
       "thr": "#555", "ev": "#9467bd", "chg": "#ff7f0e", "other": "#8c8c8c"}


def die(msg):
    sys.stderr.write("report.py: %s\n" % msg)
    sys.exit(1)


def tap(path):
    with open(path, "rb") as f:
        out = subprocess.run([os.path.join(BIN, "tap"), "-q"], stdin=f,
                             stdout=subprocess.PIPE, check=True).stdout
    return [json.loads(l) for l in out.decode().splitlines() if l]


def jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def iso(s):
    """Seconds since the epoch of a tap time string."""
    s = s.rstrip("Z")
    frac = 0.0
    if "." in s:
        s, f = s.split(".")
        frac = float("0." + f)
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() + frac


def nice_ticks(lo, hi, n=6):
    span = hi - lo
    if span <= 0:
        return [lo]
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-9 * span:
        out.append(round(t, 10))
        t += step
    return out


class Plot:
    """An SVG plot: data coordinates to pixels, linear or log y."""

    def __init__(self, title, x0, x1, y0, y1, logy=False, xlabel="", ylabel=""):
        self.title, self.logy = title, logy
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1
        self.xlabel, self.ylabel = xlabel, ylabel
        self.body, self.legend = [], []

    def px(self, x):
        return ML + (x - self.x0) / (self.x1 - self.x0) * (W - ML - MR)

    def py(self, y):
        if self.logy:
            y = math.log10(max(y, 10 ** self.y0))
        y = min(max(y, self.y0), self.y1)
        return H - MB - (y - self.y0) / (self.y1 - self.y0) * (H - MT - MB)

    def add(self, s):
        self.body.append(s)

    def line(self, pts, color, width=1.5, dash=None, label=None):
        if not pts:
            return
        d = " ".join("%s%.1f,%.1f" % ("M" if i == 0 else "L", self.px(x), self.py(y))
                     for i, (x, y) in enumerate(pts))
        self.add('<path d="%s" fill="none" stroke="%s" stroke-width="%s"%s/>'
                 % (d, color, width, ' stroke-dasharray="%s"' % dash if dash else ""))
        if label:
            self.legend.append(("line", color, label, dash))

    def dots(self, pts, color, r=1.6, label=None, opacity=1.0):
        for x, y in pts:
            self.add('<circle cx="%.1f" cy="%.1f" r="%s" fill="%s" fill-opacity="%s"/>'
                     % (self.px(x), self.py(y), r, color, opacity))
        if label:
            self.legend.append(("dot", color, label, None))

    def hline(self, y, color, label=None, dash="5,3"):
        self.line([(self.x0, y), (self.x1, y)], color, 1, dash, label)

    def vline(self, x, color, text, row=0, dash="4,3"):
        X = self.px(x)
        self.add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" '
                 'stroke-width="1.2" stroke-dasharray="%s"/>'
                 % (X, MT, X, H - MB, color, dash))
        self.add('<text x="%.1f" y="%d" font-size="11" fill="%s">%s</text>'
                 % (X + 3, MT + 12 + 13 * row, color, html.escape(text)))

    def shade(self, xa, xb, color, text):
        a, b = self.px(xa), self.px(xb)
        self.add('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" '
                 'fill-opacity="0.12"/>' % (a, MT, b - a, H - MT - MB, color))
        self.add('<text x="%.1f" y="%d" font-size="11" fill="#444">%s</text>'
                 % (a + 3, H - MB - 5, html.escape(text)))

    def svg(self, xticks, yticks=None):
        o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'viewBox="0 0 %d %d" font-family="sans-serif">' % (W, H, W, H),
             '<title>%s</title>' % html.escape(self.title),
             '<rect x="%d" y="%d" width="%d" height="%d" fill="#fff" stroke="#999"/>'
             % (ML, MT, W - ML - MR, H - MT - MB)]
        if yticks is None:
            if self.logy:
                yticks = [(10 ** e, "1e%d" % e if e > 3 or e < 0 else "%d" % 10 ** e)
                          for e in range(math.ceil(self.y0), math.floor(self.y1) + 1)]
            else:
                yticks = [(t, "%g" % t) for t in nice_ticks(self.y0, self.y1)]
        for v, lab in yticks:
            Y = self.py(v)
            o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>'
                     % (ML, Y, W - MR, Y))
            o.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>'
                     % (ML - 4, Y + 4, html.escape(lab)))
        for v, lab in xticks:
            X = self.px(v)
            o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>'
                     % (X, MT, X, H - MB))
            o.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>'
                     % (X, H - MB + 14, html.escape(lab)))
        o.append('<text x="%.1f" y="%d" font-size="12" text-anchor="middle">%s</text>'
                 % ((ML + W - MR) / 2, H - 6, html.escape(self.xlabel)))
        o.append('<text x="14" y="%.1f" font-size="12" text-anchor="middle" '
                 'transform="rotate(-90 14 %.1f)">%s</text>'
                 % ((MT + H - MB) / 2, (MT + H - MB) / 2, html.escape(self.ylabel)))
        o.append('<clipPath id="c%d"><rect x="%d" y="%d" width="%d" height="%d"/></clipPath>'
                 % (id(self) % 100000, ML, MT, W - ML - MR, H - MT - MB))
        o.append('<g clip-path="url(#c%d)">' % (id(self) % 100000))
        o.extend(self.body)
        o.append('</g>')
        for i, (kind, color, label, dash) in enumerate(self.legend):
            y = MT + 10 + 16 * i
            x = W - MR + 10
            if kind == "line":
                o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                         % (x, y, x + 18, y, color,
                            ' stroke-dasharray="%s"' % dash if dash else ""))
            else:
                o.append('<circle cx="%d" cy="%d" r="3.5" fill="%s"/>' % (x + 9, y, color))
            o.append('<text x="%d" y="%d" font-size="11">%s</text>'
                     % (x + 24, y + 4, html.escape(label)))
        o.append('</svg>')
        return "\n".join(o)


# ---- 1. IMS ---------------------------------------------------------------------------
def ims():
    I = os.path.join(D, "ims")
    meta = dict(l.split(None, 1) for l in open(os.path.join(I, "model.txt")).read().splitlines())
    thr = float(meta["threshold"])
    tend = iso(meta["train_end"])
    rows = []
    for l in open(os.path.join(I, "scores.txt")):
        t, s, a = l.split()
        rows.append((iso(t), float(s), a == "1"))
    ev = [e for e in jsonl(os.path.join(I, "events.jsonl"))
          if e[1].get("type") == "drift" and e[1].get("state") == "confirmed"]
    t0 = rows[0][0]
    day = lambda t: (t - t0) / 86400.0
    live = [r for r in rows if r[0] > tend]
    sus = next(i for i in range(len(live) - 2)
               if live[i][2] and live[i + 1][2] and live[i + 2][2])
    before = sum(1 for r in live[:sus] if r[2])
    hi = max(s for _, s, _ in rows)
    p = Plot("IMS set 2: anomaly score", 0, day(rows[-1][0]), 0, math.ceil(math.log10(hi)),
             logy=True, xlabel="2004-02, day (UTC)", ylabel="Mahalanobis score (log)")
    p.shade(0, day(tend), "#1f77b4", "training: first 300 snapshots")
    p.hline(thr, COL["thr"], "threshold %.1f" % thr)
    p.line([(day(t), s) for t, s, _ in rows], COL["m1"], 1, label="score")
    p.dots([(day(t), s) for t, s, a in rows if a], COL["alarm"], 1.8, "alarm")
    ta = live[sus][0]
    p.vline(day(ta), COL["alarm"], "sustained alarm %s" % fmt(ta), 0)
    for e in ev[:1]:
        te = iso(e[0][0])
        p.vline(day(te), COL["ev"], "drift confirmed %s" % fmt(te), 1)
    first = datetime.datetime.fromtimestamp(t0, datetime.timezone.utc)
    ticks = []
    d0 = first.replace(hour=0, minute=0, second=0)
    for k in range(1, 9):
        x = (d0 + datetime.timedelta(days=k)).timestamp()
        if x <= rows[-1][0]:
            ticks.append((day(x), "%02d" % (d0.day + k)))
    svg = p.svg(ticks)
    txt = ("%d snapshots, one every 10 minutes; the model trained on the first 300 "
           "(to %s), threshold %.1f at a false-alarm rate of 0.001.  First sustained "
           "alarm (3 snapshots in a row) from <b>%s</b>, %d alarm%s after training "
           "before it%s." % (len(rows), fmt(tend), thr, fmt(ta), before,
                              "" if before == 1 else "s",
                              "; drift confirmed on bearing 1 at <b>%s</b>" % fmt(iso(ev[0][0][0]))
                              if ev else ""))
    if meta.get("reference"):
        txt += ("  Beside it, an autoencoder on the same run (Vegard Flovik's method, a "
                "third party's reproduction quoted in the datasets README) flags 3 in a "
                "row from %s." % html.escape(meta["reference"]))
    return svg, txt


def fmt(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%m-%d %H:%M")


# ---- 2, 3. C-MAPSS ------------------------------------------------------------------
def w1(win, ref):
    """Wasserstein-1 between two samples: the integral of |F_win - F_ref|."""
    a, b = sorted(win), sorted(ref)
    xs = sorted(set(a) | set(b))
    tot = 0.0
    for i in range(len(xs) - 1):
        fa = bisect.bisect_right(a, xs[i]) / len(a)
        fb = bisect.bisect_right(b, xs[i]) / len(b)
        tot += abs(fa - fb) * (xs[i + 1] - xs[i])
    return tot


def cmapss():
    L = os.path.join(D, "loop")
    m = re.search(r"from cycle (\d+)", open(os.path.join(L, "recalibrate.err")).read())
    t_chg = int(m.group(1)) if m else None
    sensor = re.match(r"\S+: (s\d+)", open(os.path.join(L, "recalibrate.err")).read())
    sensor = sensor.group(1) if sensor else "s11"
    last = {}
    for l in open(os.path.join(L, "fleet.log")):
        f = l.split()
        last[f[0]] = int(f[3])
    preds = [p for p in jsonl(os.path.join(L, "predictions.jsonl"))
             if p[0][1].get("kind") == "prediction"]
    ev = [e for e in jsonl(os.path.join(L, "events.jsonl")) if e[1].get("type") == "drift"]
    t_conf = next((iso(e[0][0]) for e in ev if e[1]["state"] == "confirmed"), None)
    models, pts = [], {}
    t_swap = None
    for p in preds:
        meta = p[0][1]
        t = iso(meta["start"]["$time"])
        y = min(last[meta["dev"]] - (t + 9), 125)
        mo = meta["model"]
        if mo not in pts:
            models.append(mo)
            pts[mo] = []
            if len(models) == 2:
                t_swap = iso(meta["end"]["$time"])
        pts[mo].append((t + 9, p[1]["score"] - y))
    tmax = max(t for mo in models for t, _ in pts[mo])
    p = Plot("C-MAPSS: prediction error", 0, tmax, -100, 100,
             xlabel="fleet time (s; one engine cycle a second)",
             ylabel="predicted - true RUL (cycles)")
    cols = [COL["m1"], COL["m2"], COL["other"]]
    for i, mo in enumerate(models):
        p.dots(pts[mo], cols[i % 3], 1.1, opacity=0.25)
    for i, mo in enumerate(models):
        bins = {}
        for t, e in pts[mo]:
            bins.setdefault(int(t // 25), []).append(e * e)
        p.line([(k * 25 + 12.5, math.sqrt(sum(v) / len(v))) for k, v in sorted(bins.items())],
               cols[i % 3], 2, label="RMSE per 25 s, @%s" % mo.rsplit("@", 1)[-1])
        p.legend.append(("dot", cols[i % 3], "error, @%s" % mo.rsplit("@", 1)[-1], None))
    p.hline(0, COL["thr"])
    if t_chg is not None:
        p.vline(t_chg, COL["chg"], "%s recalibrated" % sensor, 0)
    if t_conf is not None:
        p.vline(t_conf, COL["ev"], "drift confirmed", 1)
    if t_swap is not None:
        p.vline(t_swap, COL["m2"], "infer swaps to %s" % models[1], 2)
    svg2 = p.svg([(t, "%g" % t) for t in nice_ticks(0, tmax, 10)])

    # drift's statistic, recomputed: the pooled stream, W=500, every 100
    b1 = os.path.join(L, "registry", "cmapss-rul", "versions", "1.bundle")
    bj = json.loads(subprocess.run([os.path.join(BIN, "bundle"), "show", "--json", b1],
                                   stdout=subprocess.PIPE, check=True).stdout)
    prof = bj["profile"]["features"]
    feats = [f for f in prof if "sample" in prof[f]]
    frames = [f for f in tap(os.path.join(L, "features.mp")) if f[0][1].get("kind") == "features"]
    series = {f: [] for f in feats}
    for k in range(500, len(frames) + 1, 100):
        win = frames[k - 500:k]
        t = iso(win[-1][0][0])
        for f in feats:
            vals = [fr[1][f] for fr in win if isinstance(fr[1].get(f), (int, float))]
            series[f].append((t, w1(vals, prof[f]["sample"]) / prof[f]["std"]))
    # drift's own numbers beside the recomputation: an event names the
    # frame count of its evaluation (500 + 100 i) and carries each test's stat
    agree = []
    for e in ev:
        i = (e[1]["frames"] - 500) // 100
        for x in e[1]["evidence"]:
            if x["test"] == "w1" and x["feature"] in series and 0 <= i < len(series[x["feature"]]):
                agree.append(abs(series[x["feature"]][i][1] - x["stat"]))
    watched = sensor + ".mean"
    others = [f for f in feats if f != watched]
    top = [(t, max(series[f][i][1] for f in others)) for i, (t, _) in enumerate(series[watched])]
    ymax = max(4, math.ceil(max(v for _, v in series[watched])))
    q = Plot("C-MAPSS: drift statistic", 0, tmax, 0, ymax,
             xlabel="fleet time (s)", ylabel="W1 / reference std")
    q.hline(1, COL["thr"], "threshold 1")
    q.line(series[watched], COL["chg"], 2, label=watched)
    q.line(top, COL["other"], 1.5, label="max of other %d" % len(others))
    for state, col in (("suspected", "#bcbd22"), ("confirmed", COL["ev"])):
        pe = []
        for e in ev:
            if e[1]["state"] != state:
                continue
            st = max(x["stat"] for x in e[1]["evidence"] if x["test"] == "w1")
            pe.append((iso(e[0][0]), st))
        q.dots(pe, col, 4, "drift: %s" % state if pe else None)
    if t_chg is not None:
        q.vline(t_chg, COL["chg"], "%s recalibrated" % sensor, 0)
    if t_swap is not None:
        q.vline(t_swap, COL["m2"], "swap to %s" % models[1], 1)
    svg3 = q.svg([(t, "%g" % t) for t in nice_ticks(0, tmax, 10)])

    def rmse(sel):
        e = [x * x for x in sel]
        return math.sqrt(sum(e) / len(e)) if e else float("nan")
    r = [rmse([e for t, e in pts[models[0]] if t_chg is None or t - 9 < t_chg]),
         rmse([e for t, e in pts[models[0]] if t_chg is not None and t - 9 >= t_chg])]
    if len(models) > 1:
        r.append(rmse([e for _, e in pts[models[1]]]))
    txt = ("%d predictions over %d s of fleet time.  %s recalibrated at %s; drift confirmed at "
           "<b>%s</b>; infer switched to <b>%s</b> at <b>%s</b>.  RMSE of the predicted RUL: "
           "%.2f before the change, %.2f after it (%s), %s after the swap." % (
               len(preds), tmax, sensor, t_chg, "%g" % t_conf if t_conf else "never",
               models[1] if len(models) > 1 else "no other model",
               "%g" % t_swap if t_swap else "-", r[0], r[1], models[0],
               "%.2f (%s)" % (r[2], models[1]) if len(r) > 2 else "-"))
    if agree:
        txt += ("  The W1 plotted is recomputed here; at drift's %d event%s it equals "
                "the statistic drift carried (largest difference %.1e)."
                % (len(agree), "" if len(agree) == 1 else "s", max(agree)))
    return svg2, svg3, txt


def main():
    for need in ("ims/scores.txt", "ims/model.txt", "loop/predictions.jsonl",
                 "loop/features.mp", "loop/fleet.log"):
        if not os.path.exists(os.path.join(D, need)):
            die("%s: no such file (run pipelines/demo.sh first)" % os.path.join(D, need))
    s1, t1 = ims()
    s2, s3, t2 = cmapss()
    page = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pdm-edge demo</title>
<style>body{font-family:sans-serif;max-width:900px;margin:1em auto;color:#222}
p{line-height:1.4} figure{margin:0 0 1.5em 0} figcaption{font-size:90%%;color:#444}</style>
</head><body>
<h1>pdm-edge: the demo</h1>
<h2>IMS set 2: bearing 1 runs to an outer-race failure</h2>
<p>%s</p>
<figure>%s<figcaption>The anomaly score infer gave each snapshot (log scale), the
threshold, alarms in red; the shaded span is the training data.</figcaption></figure>
<h2>C-MAPSS FD001: a sensor recalibrated, the loop retrains</h2>
<p>%s</p>
<figure>%s<figcaption>Each prediction's error (dots) and its RMSE per 25 s of
fleet time (lines), by the model that made it.</figcaption></figure>
<figure>%s<figcaption>Drift's statistic over the pooled fleet: W1 of the last 500
frames against the serving model's reference sample, in reference standard
deviations, every 100 frames (recomputed by the report from the frames and the
bundle's profile); the points are drift's own events with the W1 they carried.
</figcaption></figure>
<p>Made by pipelines/report.py from the files pipelines/demo.sh left in %s.</p>
</body></html>
""" % (t1, s1, t2, s2, s3, html.escape(D))
    out = os.path.join(D, "report.html")
    with open(out + ".tmp", "w") as f:
        f.write(page)
    os.rename(out + ".tmp", out)


main()

#!/usr/bin/env python3
"""Gradient throughput against chain count as a log-log SVG (standard library only).

    scripts/plot_throughput.py RESULTS.jsonl [MORE.jsonl ...] [--model bnn] [--output docs/throughput.svg]
                               [--title TEXT] [--note TEXT]

Input: JSON lines, one object per measurement, as written by
- `Benchmarks/throughput.sh --json FILE` (Leapfrog's `bench throughput --json` plus a "series" label),
- `leapfrog bench throughput --json` directly (series from its "backend" field),
- `Benchmarks/peers/peers.py throughput` (series "JAX f32 …" from its "peer"/"precision" fields).
Lines that are not JSON objects with "chains" and "gradients_per_second" are skipped. When one
series has several measurements at the same chain count, the last one wins (re-runs replace).
One line per series; a legend; the title carries the date and the commit.
"""
import argparse
import datetime
import json
import math
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
MARKERS = ["circle", "square", "diamond", "triangle", "circle", "square", "diamond", "triangle", "circle"]


def series_name(r):
    if r.get("series"):
        return r["series"]
    if r.get("peer"):
        n = r.get("devices_used") or 1
        devices = ", %d XLA devices" % n if n > 1 else ", 1 XLA device"
        return "%s %s%s" % ({"jax": "JAX jit(vmap(grad))"}.get(r["peer"], r["peer"]), r.get("precision", ""), devices)
    return "Leapfrog %s" % r.get("backend", "?")


def load(paths, model):
    data = {}
    for p in paths:
        for line in Path(p).read_text().splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "chains" not in r or not r.get("gradients_per_second"):
                continue
            if model and r.get("model") not in (model, None):
                continue
            data.setdefault(series_name(r), {})[int(r["chains"])] = float(r["gradients_per_second"])
    return data


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent, timeout=10).stdout.strip()
    except Exception:
        return "?"


def decades(lo, hi):
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if a == b:
        b += 1
    return a, b


def marker(kind, x, y, colour):
    s = 4
    if kind == "circle":
        return '<circle cx="%.1f" cy="%.1f" r="%d" fill="%s"/>' % (x, y, s, colour)
    if kind == "square":
        return '<rect x="%.1f" y="%.1f" width="%d" height="%d" fill="%s"/>' % (x - s, y - s, 2 * s, 2 * s, colour)
    if kind == "diamond":
        pts = [(x, y - s - 1), (x + s + 1, y), (x, y + s + 1), (x - s - 1, y)]
    else:
        pts = [(x, y - s - 1), (x + s + 1, y + s), (x - s - 1, y + s)]
    return '<polygon points="%s" fill="%s"/>' % (" ".join("%.1f,%.1f" % p for p in pts), colour)


def fmt_pow(k):
    return "10<tspan dy=\"-6\" font-size=\"10\">%d</tspan>" % k


def render(data, title, note):
    W, H = 900, 500
    left, right, top, bottom = 80, 330, 60, 60
    pw, ph = W - left - right, H - top - bottom
    xs = [c for s in data.values() for c in s]
    ys = [v for s in data.values() for v in s.values()]
    x0, x1 = decades(min(xs), max(xs))
    y0, y1 = decades(min(ys), max(ys))

    def X(c):
        return left + (math.log10(c) - x0) / (x1 - x0) * pw

    def Y(v):
        return top + ph - (math.log10(v) - y0) / (y1 - y0) * ph

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>' % (left, escape(title))]
    if note:
        out.append('<text x="%d" y="42" font-size="11" fill="#555">%s</text>' % (left, escape(note)))
    # grid and ticks
    for k in range(x0, x1 + 1):
        x = X(10 ** k)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, top + ph))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, top + ph + 18, fmt_pow(k)))
        if k < x1:
            for m in range(2, 10):
                xm = X(m * 10 ** k)
                out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#f2f2f2"/>' % (xm, top, xm, top + ph))
    for k in range(y0, y1 + 1):
        y = Y(10 ** k)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, y, left + pw, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 8, y + 4, fmt_pow(k)))
        if k < y1:
            for m in range(2, 10):
                ym = Y(m * 10 ** k)
                out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#f2f2f2"/>' % (left, ym, left + pw, ym))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>' % (left, top, pw, ph))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">chains per call (log scale)</text>' % (left + pw / 2, H - 18))
    out.append('<text transform="translate(22,%.1f) rotate(-90)" text-anchor="middle">gradient evaluations per second '
               '(log scale)</text>' % (top + ph / 2))
    # series
    for i, (name, pts) in enumerate(sorted(data.items())):
        colour, mk = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
        dash = ' stroke-dasharray="6,3"' if i >= len(COLOURS) // 2 and "Leapfrog" not in name else ""
        cs = sorted(pts)
        path = " ".join("%s%.1f,%.1f" % ("M" if j == 0 else "L", X(c), Y(pts[c])) for j, c in enumerate(cs))
        out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>' % (path, colour, dash))
        out += [marker(mk, X(c), Y(pts[c]), colour) for c in cs]
        ly = top + 10 + i * 22
        lx = left + pw + 16
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>' % (lx, ly, lx + 26, ly, colour, dash))
        out.append(marker(mk, lx + 13, ly, colour))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 32, ly + 4, escape(name)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", help="JSON-lines files")
    p.add_argument("--model", default="bnn", help="keep only this model's records ('' for all)")
    p.add_argument("--output", default="docs/throughput.svg")
    p.add_argument("--title", default=None)
    p.add_argument("--note", default="", help="a second line under the title (machine, caveats)")
    a = p.parse_args()
    data = load(a.inputs, a.model)
    if not data:
        sys.exit("plot_throughput.py: no throughput records in %s" % ", ".join(a.inputs))
    title = a.title or "Gradient throughput, %s: %s, commit %s" % (
        a.model or "all models", datetime.date.today().isoformat(), commit())
    Path(a.output).parent.mkdir(parents=True, exist_ok=True)
    Path(a.output).write_text(render(data, title, a.note))
    print("wrote %s (%d series, %d points)" % (a.output, len(data), sum(len(s) for s in data.values())))


if __name__ == "__main__":
    main()

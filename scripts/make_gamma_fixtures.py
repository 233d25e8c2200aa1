#!/usr/bin/env python3
"""log P(a, x), log Q(a, x) and their derivatives in a and x, at 50 digits by mpmath, pinned in
Tests/LeapfrogCoreTests/GammaFunctionTests.swift.

Run: python3 scripts/make_gamma_fixtures.py  (mpmath 1.3.0 produced the committed values)
"""
import mpmath as mp

mp.mp.dps = 50


def log_p(a, x):
    # Near 1, through the complement (at 50 digits 1 − 10⁻⁴⁷ keeps 3 of them).
    q = mp.gammainc(a, x, mp.inf, regularized=True)
    return mp.log1p(-q) if q < 0.5 else mp.log(mp.gammainc(a, 0, x, regularized=True))


def log_q(a, x):
    p = mp.gammainc(a, 0, x, regularized=True)
    return mp.log1p(-p) if p < 0.5 else mp.log(mp.gammainc(a, x, mp.inf, regularized=True))


# Both sides of the split x = a + 1, small and large shapes, and far tails of each.
points = [(0.5, 0.1), (0.5, 3.0), (1.0, 1.0), (2.5, 0.7), (2.5, 3.5), (3.0, 40.0), (7.0, 1e-3),
          (0.05, 2.0), (30.0, 25.0), (30.0, 45.0), (200.0, 180.0), (200.0, 240.0), (1e4, 1.02e4),
          (4.0, 120.0), (60.0, 5.0)]
for a, x in points:
    a, x = mp.mpf(a), mp.mpf(x)
    row = []
    for f in (log_p, log_q):
        row += [f(a, x), mp.diff(lambda s: f(s, x), a), mp.diff(lambda t: f(a, t), x)]
    print("        (%r, %r, [%s])," % (float(a), float(x), ", ".join(mp.nstr(v, 17, min_fixed=-1, max_fixed=-1) for v in row)))

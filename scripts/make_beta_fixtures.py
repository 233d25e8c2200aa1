#!/usr/bin/env python3
"""log I_x(a, b), log(1 − I_x(a, b)) and their derivatives in a, b and x, at 50 digits by
mpmath, pinned in Tests/LeapfrogCoreTests/BetaFunctionTests.swift.

Run: python3 scripts/make_beta_fixtures.py  (mpmath 1.3.0 produced the committed values)
"""
import mpmath as mp

mp.mp.dps = 60


def log_i(a, b, x):
    # Near 1, through the complement (at 60 digits 1 − 10⁻⁵⁰ keeps 10 of them).
    c = mp.betainc(a, b, x, 1, regularized=True)
    return mp.log1p(-c) if c < 0.5 else mp.log(mp.betainc(a, b, 0, x, regularized=True))


def log_c(a, b, x):
    i = mp.betainc(a, b, 0, x, regularized=True)
    return mp.log1p(-i) if i < 0.5 else mp.log(mp.betainc(a, b, x, 1, regularized=True))


# Both sides of the split x = (a + 1)/(a + b + 2), small and large shapes, tails of each; the
# Student t's (ν/2, ½) and the binomial's integer shapes.
points = [(2.0, 3.0, 0.2), (2.0, 3.0, 0.7), (0.5, 0.5, 0.01), (0.5, 0.5, 0.999), (1.5, 0.5, 0.9), (30.0, 40.0, 0.3),
          (30.0, 40.0, 0.55), (200.0, 5.0, 0.8), (0.1, 8.0, 0.5), (5.0, 1.0, 0.3), (1.5, 0.5, 0.05),
          (3.0, 11.0, 0.95), (400.0, 600.0, 0.45), (2.5, 0.5, 0.999999)]
for a, b, x in points:
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    row = []
    for f in (log_i, log_c):
        row += [f(a, b, x), mp.diff(lambda s: f(s, b, x), a), mp.diff(lambda s: f(a, s, x), b), mp.diff(lambda s: f(a, b, s), x)]
    print("        (%r, %r, %r, [%s])," % (float(a), float(b), float(x), ", ".join(mp.nstr(v, 17, min_fixed=-1, max_fixed=-1) for v in row)))

#!/usr/bin/env python3
"""Writes data/edward_toy.csv: the toy data of Edward's Bayesian-neural-network tutorial
(http://edwardlib.org/tutorials/bayesian-neural-network, `build_toy_dataset`), made once with a
fixed seed so that `leapfrog variational bnn --data data/edward_toy.csv` reproduces the tutorial.

N = 40: x in two clusters, linspace(0, 2, 20) and linspace(6, 8, 20); y = cos(x) + N(0, 0.1²);
the input is rescaled, x ← (x − 4)/4, as the tutorial does. Edward draws the noise with NumPy
seeded by ed.set_seed(42); this script uses Python's own generator (random.Random(42)), so the
noise values differ from the tutorial's while following the same distribution.
"""
import math
import random

N, NOISE_SD, SEED = 40, 0.1, 42


def linspace(a, b, n):
    return [a + (b - a) * k / (n - 1) for k in range(n)]


def main():
    rng = random.Random(SEED)
    x = linspace(0, 2, N // 2) + linspace(6, 8, N // 2)
    y = [math.cos(v) + rng.gauss(0, NOISE_SD) for v in x]
    with open("data/edward_toy.csv", "w") as f:
        f.write("x,y\n")
        for xv, yv in zip(x, y):
            f.write(f"{(xv - 4) / 4!r},{yv!r}\n")


if __name__ == "__main__":
    main()

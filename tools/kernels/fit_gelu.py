#!/usr/bin/env python3
"""Fits the coefficients of helu4j's vector GELU (engine: kernel/Activation.gelu) and checks them in float32.

GELU(x) = x Phi(x), Phi(x) = T or 1 - T for x below or above 0, T = Phi(-|x|) = exp(-x^2/2) R(|x|), with
R(a) = erfcx(a / sqrt 2) / 2 approximated by t P(t), t = 1 / (1 + p a), P a polynomial of degree 8. R is smooth in t
on [0, 1] (t -> 0 as a -> inf, where R ~ p t / sqrt(2 pi)), so P is fitted over a in [0, 14] for relative error:
least squares on Chebyshev nodes in t, reweighted towards minimax. Prints P's coefficients (float32) and the
errors of the whole GELU evaluated in float32 against erfc in double.

Run: /usr/bin/python3 tools/kernels/fit_gelu.py   (numpy, scipy)
"""
import math

import numpy as np
from scipy.special import erfc, erfcx

P, DEGREE, A_MAX = 0.35, 8, 14.0


def fit(p, degree, a_max):
    t_min = 1 / (1 + p * a_max)
    k = np.arange(4000)
    t = t_min + (1 - t_min) * (0.5 - 0.5 * np.cos(np.pi * (k + 0.5) / 4000))
    a = (1 / t - 1) / p
    y = 0.5 * erfcx(a / math.sqrt(2)) / t
    v = np.vander(t, degree + 1, increasing=True)
    w = np.ones_like(t)
    for _ in range(60):
        coef, *_ = np.linalg.lstsq(v * (w / y)[:, None], w, rcond=None)
        err = (v @ coef - y) / y
        w = w * np.sqrt(np.abs(err)) + 1e-30
        w /= w.max()
    return coef, np.abs(err).max()


def gelu32(x, p, coef):
    f = np.float32
    a = np.abs(x)
    t = f(1) / (f(1) + f(p) * a)
    r = np.zeros_like(t)
    for c in coef[::-1]:
        r = r * t + f(c)
    tail = np.exp(a * a * f(-0.5)).astype(f) * (r * t)
    return x * np.where(x < 0, tail, f(1) - tail)


def main():
    coef, rel = fit(P, DEGREE, A_MAX)
    print(f"p = {P}, degree {DEGREE}: max relative error of t P(t) in double {rel:.2e}")
    for i, c in enumerate(coef):
        print(f"  R{i} = {float(np.float32(c))!r}f")
    x = np.linspace(-A_MAX, A_MAX, 2_000_001).astype(np.float32)
    want = 0.5 * x.astype(np.float64) * erfc(-x.astype(np.float64) / math.sqrt(2))
    err = np.abs(gelu32(x, P, coef).astype(np.float64) - want)
    tail = (x >= -5) & (x <= -1)
    print(f"float32 GELU: max abs error {err.max():.2e}, {(err / (3e-7 + 3e-7 * np.abs(want))).max():.3f} of the "
          f"test's tolerance, max relative error on [-5, -1] {(err[tail] / np.abs(want[tail])).max():.2e}")


if __name__ == "__main__":
    main()

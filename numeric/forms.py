"""Other written forms of the loss and gradient, integrated independently of the panel engine.

The claims ``eq1``, ``lemma2.2`` and ``bridge.em`` say that differently written integrands have the same
Gaussian expectation.  To confirm that numerically without trusting the reduction or the quadrature
the rest of :mod:`numeric` uses, these functions integrate the integrands *as the paper writes them*
(one dimension, ``d = 1``) with ``mpmath.quad`` (tanh-sinh), split at the softmax switches.  Each returns
``(value, error_estimate)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mpmath

__all__ = ["STEIN_COEFFICIENTS", "original_loss", "direct_gradient", "stein_gradient", "em_gradients"]

#: The Stein form's coefficients as reported (Lemma 2.2): w_i v, sum_j w_j mu_j mu_j^T mu_i,
#: v v^T mu_i, sum_j w_j <v, mu_j> mu_j, |v|^2 v.
STEIN_COEFFICIENTS = (1, 1, -2, -2, 3)


def _expect(integrand: Callable, points: Sequence[mpmath.mpf], center=0) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``E f(x)``, ``x ~ N(center, 1)``: ``mpmath.quad`` over the line split at ``points``."""
    norm = 1 / mpmath.sqrt(2 * mpmath.pi)
    cuts = [-mpmath.inf] + sorted(set(points)) + [mpmath.inf]
    value, error = mpmath.quad(lambda x: integrand(x) * mpmath.exp(-((x - center) ** 2) / 2) * norm, cuts, error=True)
    return value, error


def _weights(logits: list) -> list:
    top = max(logits)
    e = [mpmath.exp(a - top) for a in logits]
    total = mpmath.fsum(e)
    return [x / total for x in e]


def _switches(mu: Sequence[mpmath.mpf], shift=0) -> list:
    ordered = sorted(set(mu))
    return [shift + (a + b) / 2 for a, b in zip(ordered, ordered[1:])]


def original_loss(m: Sequence, t, truth, dps: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``L_t(m) = E_{x ~ N(e^{-t} m*, 1)} |s_t(x) - (e^{-t} m* - x)|^2`` from the paper's definition (d = 1)."""
    with mpmath.workdps(dps + 10):
        decay = mpmath.exp(-mpmath.mpf(t))
        means = [decay * mpmath.mpf(x) for x in m]
        target_mean = decay * mpmath.mpf(truth)

        def integrand(x):
            w = _weights([-((x - c) ** 2) / 2 for c in means])
            student = mpmath.fsum(wi * c for wi, c in zip(w, means)) - x
            return (student - (target_mean - x)) ** 2

        return _expect(integrand, _switches(means), center=target_mean)


def _reduced_parts(mu, x):
    w = _weights([x * m - m * m / 2 for m in mu])
    return w, mpmath.fsum(wi * m for wi, m in zip(w, mu))


def direct_gradient(mu: Sequence, i: int, dps: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``2 E[w_i v + w_i (x - mu_i)(mu_i v - v^2)]`` (d = 1)."""
    with mpmath.workdps(dps + 10):
        mu = [mpmath.mpf(m) for m in mu]

        def integrand(x):
            w, v = _reduced_parts(mu, x)
            return 2 * (w[i] * v + w[i] * (x - mu[i]) * (mu[i] * v - v * v))

        return _expect(integrand, _switches(mu))


def stein_gradient(
    mu: Sequence, i: int, dps: int, coefficients: Sequence = STEIN_COEFFICIENTS
) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The Stein form of Lemma 2.2 with the given coefficients (d = 1)."""
    c1, c2, c3, c4, c5 = (mpmath.mpf(c) for c in coefficients)
    with mpmath.workdps(dps + 10):
        mu = [mpmath.mpf(m) for m in mu]

        def integrand(x):
            w, v = _reduced_parts(mu, x)
            second = mpmath.fsum(wj * mj * mj for wj, mj in zip(w, mu)) * mu[i]
            fourth = mpmath.fsum(wj * v * mj * mj for wj, mj in zip(w, mu))
            return 2 * w[i] * (c1 * v + c2 * second + c3 * v * v * mu[i] + c4 * fourth + c5 * v**3)

        return _expect(integrand, _switches(mu))


def em_gradients(mu: Sequence, i: int, dps: int) -> tuple[tuple, tuple]:
    """``E[w_i v]`` (the linear term over 2) and the KL gradient ``-E[w_i (x - mu_i)]`` (d = 1)."""
    with mpmath.workdps(dps + 10):
        mu = [mpmath.mpf(m) for m in mu]
        linear = _expect(lambda x: (lambda w, v: w[i] * v)(*_reduced_parts(mu, x)), _switches(mu))
        kl = _expect(lambda x: -_reduced_parts(mu, x)[0][i] * (x - mu[i]), _switches(mu))
        return linear, kl

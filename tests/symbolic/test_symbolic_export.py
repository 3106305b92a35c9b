"""Exported integrands against an independent plain-mpmath implementation (50 digits)."""

from fractions import Fraction

import flint
import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from symbolic.export import model_arguments, to_flint, to_mpmath
from symbolic.model import (
    explicit,
    gradient_integrand_direct,
    gradient_integrand_stein,
    loss_integrand,
    reduced_model,
)

SHAPES = [(2, 1), (3, 1), (2, 2), (3, 2)]
DPS = 50
rationals = st.fractions(min_value=-3, max_value=3, max_denominator=50)


def reference(mu, x):
    """Plain mpmath: weights, v, loss integrand, direct and Stein gradient integrands of every mu_i."""
    n, d = len(mu), len(x)
    dot = lambda a, b: mpmath.fsum(p * q for p, q in zip(a, b))  # noqa: E731
    logits = [dot(x, m) - dot(m, m) / 2 for m in mu]
    top = max(logits)
    e = [mpmath.exp(a - top) for a in logits]
    w = [e_i / mpmath.fsum(e) for e_i in e]
    v = [mpmath.fsum(w[i] * mu[i][k] for i in range(n)) for k in range(d)]
    vv = dot(v, v)
    direct, stein = [], []
    for i in range(n):
        g = dot(mu[i], v) - vv
        direct.append([2 * (w[i] * v[k] + w[i] * (x[k] - mu[i][k]) * g) for k in range(d)])
        terms = [
            v[k]
            + mpmath.fsum(w[j] * mu[j][k] * dot(mu[j], mu[i]) for j in range(n))
            - 2 * v[k] * dot(v, mu[i])
            - 2 * mpmath.fsum(w[j] * dot(v, mu[j]) * mu[j][k] for j in range(n))
            + 3 * vv * v[k]
            for k in range(d)
        ]
        stein.append([2 * w[i] * t for t in terms])
    return vv, direct, stein


@pytest.fixture(scope="module")
def compiled():
    out = {}
    for n, d in SHAPES:
        m = reduced_model(n, d)
        args = model_arguments(m)
        out[n, d] = (
            to_mpmath(explicit(loss_integrand(m), m), args, DPS),
            [to_mpmath(explicit(gradient_integrand_direct(m, i), m), args, DPS) for i in range(n)],
            [to_mpmath(explicit(gradient_integrand_stein(m, i), m), args, DPS) for i in range(n)],
            to_flint(explicit(loss_integrand(m), m), args, 200),
        )
    return out


@st.composite
def configurations(draw):
    n, d = draw(st.sampled_from(SHAPES))
    mu = [[draw(rationals) for _ in range(d)] for _ in range(n)]
    x = [draw(rationals) * 2 for _ in range(d)]
    return n, d, mu, x


@settings(deadline=None, max_examples=40)
@given(configurations())
def test_exported_integrands_match_reference(compiled, config):
    n, d, mu, x = config
    loss, direct, stein, loss_ball = compiled[n, d]
    args = [c for row in mu for c in row] + x
    with mpmath.workdps(DPS):
        to_mp = lambda q: mpmath.mpf(q.numerator) / q.denominator  # noqa: E731
        ref_loss, ref_direct, ref_stein = reference([[to_mp(c) for c in row] for row in mu], [to_mp(c) for c in x])
        tolerance = mpmath.mpf(10) ** (-DPS + 5)
        assert abs(loss(*args) - ref_loss) <= tolerance
        for i in range(n):
            assert all(abs(a - b) <= tolerance for a, b in zip(direct[i](*args), ref_direct[i]))
            assert all(abs(a - b) <= tolerance for a, b in zip(stein[i](*args), ref_stein[i]))
        ball = loss_ball(*args)
        assert ball.rad() < mpmath.mpf(2) ** -150
        assert (
            ball.contains(flint.arb(mpmath.nstr(ref_loss, 45)).mid())
            or abs(mpmath.mpf(ball.mid().str(50, radius=False)) - ref_loss) <= ball.rad() + tolerance
        )


def test_inputs_and_precision_do_not_leak():
    m = reduced_model(2, 1)
    f = to_mpmath(explicit(loss_integrand(m), m), model_arguments(m), dps=60)
    before = mpmath.mp.dps
    value = f("1/3", Fraction(-1, 7), "0.25")
    finer = to_mpmath(explicit(loss_integrand(m), m), model_arguments(m), dps=80)("1/3", Fraction(-1, 7), "0.25")
    assert mpmath.mp.dps == before
    with mpmath.workdps(80):
        assert 0 < abs(value - finer) < mpmath.mpf(10) ** -58
    g = to_flint(explicit(loss_integrand(m), m), model_arguments(m), prec=300, complex=True)
    prec_before = flint.ctx.prec
    assert isinstance(g(Fraction(1, 3), Fraction(-1, 7), "0.25"), flint.acb)
    assert flint.ctx.prec == prec_before

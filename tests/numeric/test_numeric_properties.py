"""Properties of the loss and gradient that hold for every configuration (docs/claims.md, section 2)."""

from __future__ import annotations

import flint
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.model import evaluate
from tests.strategies import configurations, line_configurations


def _arrays(result):
    return float(result.loss), np.array([[float(g) for g in row] for row in result.grad])


def _tolerance(mu, relative: float, *results) -> float:
    """Rounding at the configuration's scale plus the results' own error figures (a statistical tier's bar, the
    quadrature estimate): two evaluations of the same quantity may differ by that much and no more."""
    return relative * _scale(mu) + sum(float(result.error) for result in results)


def _scale(mu) -> float:
    return 1.0 + max(abs(float(x)) for row in mu for x in row) ** 3


@settings(max_examples=40, deadline=None)
@given(configurations(), st.randoms(use_true_random=False))
def test_permuting_parameters_permutes_the_gradient(mu, rnd):
    order = list(range(len(mu)))
    rnd.shuffle(order)
    first, permuted = evaluate(mu), evaluate([mu[i] for i in order])
    (loss, grad), (loss_p, grad_p) = _arrays(first), _arrays(permuted)
    tolerance = _tolerance(mu, 1e-12, first, permuted)
    assert abs(loss - loss_p) <= tolerance
    assert np.allclose(grad[order], grad_p, rtol=0, atol=tolerance)


@settings(max_examples=20, deadline=None)
@given(configurations())
def test_duplicating_every_parameter_keeps_the_loss_and_halves_the_gradient(mu):
    """Two copies of each mean give the same mixture, so the same loss; each copy gets half the pull.

    Hence a stationary point for ``n`` duplicates to one for ``2n`` (e.g. Theorem 3.1's ``n = 3`` point
    reappears in the ``n = 6`` stationary scan with the same loss).
    """
    first, doubled = evaluate(mu), evaluate([row for row in mu for _ in range(2)])
    (loss, grad), (loss_2, grad_2) = _arrays(first), _arrays(doubled)
    tolerance = _tolerance(mu, 1e-12, first, doubled)
    assert abs(loss - loss_2) <= tolerance
    assert np.allclose(np.repeat(grad, 2, axis=0) / 2, grad_2, rtol=0, atol=tolerance)


@settings(max_examples=20, deadline=None)
@given(configurations(max_d=3), st.integers(0, 2**32 - 1))
def test_rotating_all_parameters_rotates_the_gradient(mu, seed):
    d = len(mu[0])
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    m = np.array([[float(x) for x in row] for row in mu])
    first, rotated = evaluate(m.tolist()), evaluate((m @ q.T).tolist())
    (loss, grad), (loss_r, grad_r) = _arrays(first), _arrays(rotated)
    tolerance = _tolerance(mu, 1e-11, first, rotated)
    assert abs(loss - loss_r) <= tolerance
    assert np.allclose(grad @ q.T, grad_r, rtol=0, atol=tolerance)


@settings(max_examples=40, deadline=None)
@given(configurations())
def test_loss_is_nonnegative_and_embedding_in_higher_dimension_changes_nothing(mu):
    result = evaluate(mu)
    loss, grad = _arrays(result)
    assert loss >= -result.error
    padded = evaluate([row + ["0"] for row in mu])
    loss_e, grad_e = _arrays(padded)
    tolerance = _tolerance(mu, 1e-12, result, padded)
    assert abs(loss - loss_e) <= tolerance
    assert np.allclose(grad, grad_e[:, :-1], rtol=0, atol=tolerance)
    assert np.all(grad_e[:, -1] == 0.0)


def test_loss_vanishes_at_the_truth():
    for tier in ("fast", "precise", "certified"):
        result = evaluate([["0", "0"], ["0", "0"], ["0", "0"]], tier=tier, dps=30)
        assert float(result.loss) == 0.0
        assert all(float(g) == 0.0 for row in result.grad for g in row)


@settings(max_examples=15, deadline=None)
@given(line_configurations(max_n=3), st.integers(0, 2))
def test_gradient_matches_central_differences_at_high_precision(mu, index):
    """Central differences of the precise loss with step h have error O(h^2) = 1e-24 here."""
    import mpmath

    index %= len(mu)
    dps, step = 40, mpmath.mpf("1e-12")
    result = evaluate(mu, tier="precise", dps=dps)
    with mpmath.workdps(dps + 10):
        up = [row[:] for row in mu]
        down = [row[:] for row in mu]
        up[index][0] = mpmath.nstr(mpmath.mpf(mu[index][0]) + step, dps + 5)
        down[index][0] = mpmath.nstr(mpmath.mpf(mu[index][0]) - step, dps + 5)
        plus = evaluate(up, tier="precise", dps=dps).loss
        minus = evaluate(down, tier="precise", dps=dps).loss
        difference = (plus - minus) / (2 * step)
        assert abs(difference - result.grad[index][0]) < mpmath.mpf("1e-20") * _scale(mu)


@pytest.mark.parametrize("a", [["1.5"], ["0.3", "-2"], ["4", "0", "-1.25"]])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_coincident_parameters_have_the_exact_gradient_two_over_n_times_a(a, n):
    from fractions import Fraction

    for tier in ("fast", "precise", "certified"):
        result = evaluate([a] * n, tier=tier, dps=30)
        for row in result.grad:
            for g, ak in zip(row, a):
                expected = 2 * Fraction(ak) / n
                if tier == "certified":
                    with flint.ctx.workprec(400):
                        exact = flint.arb(flint.fmpq(expected.numerator, expected.denominator))
                        assert float(abs(g - exact).upper()) <= 2 * float(g.rad()) + 1e-100
                else:
                    assert abs(float(g) - float(expected)) <= 1e-15 * (1 + abs(float(expected)))


@settings(max_examples=30, deadline=None)
@given(st.lists(coordinate_list := st.decimals(-5, 5, places=2).map(str), min_size=1, max_size=4))
def test_single_parameter_loss_is_its_squared_norm(vector):
    result = evaluate([vector], tier="precise", dps=30)
    import mpmath

    with mpmath.workdps(40):
        expected = sum(mpmath.mpf(x) ** 2 for x in vector)
        assert abs(result.loss - expected) <= mpmath.mpf("1e-28") * (1 + expected)


@settings(max_examples=30, deadline=None)
@given(configurations(max_n=3, max_d=3), st.integers(1, 3))
def test_equal_parameters_get_bitwise_equal_gradients(mu, copies):
    """Gradient descent keeps equal parameters together only if their gradients agree to the bit."""
    repeated = [mu[0]] * copies + mu
    for tier in ("fast", "precise") if len(mu[0]) == 1 else ("fast",):  # precise 2-D/3-D spans are slow
        grad = evaluate(repeated, tier=tier, dps=20).grad
        assert all(grad[i] == grad[0] for i in range(copies + 1))

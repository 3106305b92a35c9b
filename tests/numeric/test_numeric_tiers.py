"""The three tiers agree within their stated errors, and the stated errors are honest."""

from __future__ import annotations

import flint
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numeric.config import InputError, parse_mu
from numeric.model import evaluate
from tests.strategies import configurations, line_configurations


def _entries(result) -> list:
    return [result.loss] + [g for row in result.grad for g in row]


def _reference(mu, dps: int = 60, **kwargs) -> list[mpmath.mpf]:
    return _entries(evaluate(mu, tier="precise", dps=dps, **kwargs))


@settings(max_examples=15, deadline=None)
@given(configurations(max_n=3, max_d=2, element=st.decimals(-1.5, 1.5, places=2).map(str)))
def test_fast_error_estimate_covers_the_distance_to_a_precise_reference(mu):
    fast = evaluate(mu, tier="fast")
    reference = _reference(mu, dps=20)
    worst = max(abs(float(a) - float(b)) for a, b in zip(_entries(fast), reference))
    assert worst <= fast.error
    assert fast.error <= 1e-9 * (1 + max(abs(float(x)) for row in mu for x in row)) ** 3


@settings(max_examples=10, deadline=None)
@given(line_configurations(max_n=4))
def test_precise_error_estimate_is_honest_against_twice_the_digits(mu):
    precise = evaluate(mu, tier="precise", dps=40)
    reference = _reference(mu, dps=80)
    with mpmath.workdps(90):
        worst = max(abs(a - b) for a, b in zip(_entries(precise), reference))
    assert worst <= precise.error
    assert precise.error < 1e-38


@settings(max_examples=10, deadline=None)
@given(line_configurations(max_n=4), st.sampled_from([None, "0.5"]))
def test_certified_enclosures_contain_a_reference_at_twice_the_digits(mu, t):
    certified = evaluate(mu, tier="certified", dps=40, t=t)
    assert certified.rigorous
    reference = _reference(mu, dps=80, t=t)
    with flint.ctx.workprec(400):
        for ball, value in zip(_entries(certified), reference):
            assert ball.contains(flint.arb(value))
            assert float(ball.rad()) <= 1e-30


def test_certified_accepts_a_cluster_spread_along_one_direction_and_rejects_a_plane():
    cluster = [["2", "0.5"], ["2", "0.75"], ["2", "1"]]  # differences along e_2, mean off that line
    certified = evaluate(cluster, tier="certified", dps=30)
    reference = _reference(cluster, dps=50)
    with flint.ctx.workprec(300):
        assert all(b.contains(flint.arb(v)) for b, v in zip(_entries(certified), reference))
    with pytest.raises(InputError, match="one line"):
        evaluate([["1", "0"], ["0", "1"], ["0", "0"]], tier="certified")


@pytest.mark.parametrize(
    "mu",
    [
        [["50"], ["-50"]],
        [["-20"], ["-0.5"], ["0.7"], ["45"]],
        [["-50"], ["49.9"], ["50"]],
        [["49.5", "3"], ["-50", "1"]],
        [["40"], ["40.000001"], ["-10"]],
    ],
)
def test_far_apart_parameters_neither_overflow_nor_lose_accuracy(mu):
    fast = evaluate(mu, tier="fast")
    values = [float(x) for x in _entries(fast)]
    assert all(np.isfinite(values))
    reference = _reference(mu, dps=30)
    scale = max(abs(float(v)) for v in reference)
    worst = max(abs(a - float(b)) for a, b in zip(values, reference))
    assert worst <= fast.error
    assert worst <= 1e-13 * scale


def test_outputs_far_below_the_integrand_scale_keep_an_honest_absolute_error():
    """Here every x picks mu_2 = 0, so L ~ 1e-21 while the integrand can reach 45^2: the fast tier's
    absolute target (1e-16 of the integrand scale) does not resolve such values, and says so."""
    mu = [["-20"], ["0"], ["30"], ["45"]]
    fast = evaluate(mu, tier="fast")
    reference = _reference(mu, dps=30)
    assert max(abs(float(a) - float(b)) for a, b in zip(_entries(fast), reference)) <= fast.error
    precise = evaluate(mu, tier="precise", dps=30)
    with mpmath.workdps(40):
        assert abs(precise.loss - reference[0]) <= precise.error < 1e-30


def test_paper_configuration_in_three_dimensions_fast_matches_precise():
    rng = np.random.default_rng(0)
    mu = [[repr(float(x)) for x in row] for row in np.array([4.0, 0, 0]) + 1e-7 * rng.standard_normal((5, 3))]
    fast, reference = evaluate(mu, tier="fast"), _reference(mu, dps=40)
    scale = max(abs(float(v)) for v in reference)
    assert max(abs(float(a) - float(b)) for a, b in zip(_entries(fast), reference)) <= 1e-13 * scale


def test_original_coordinates_rescale_parameters_and_gradient():
    """L_t(m) = L(e^{-t}(m - m*)) and grad_m = e^{-t} grad_mu (docs/claims.md, Eq. 1)."""
    m, truth, t = [["1.5", "0"], ["-0.5", "2"]], ["0.25", "-1"], "0.7"
    original = evaluate(m, tier="precise", dps=30, t=t, truth=truth)
    with mpmath.workdps(50):
        scale = mpmath.exp(-mpmath.mpf(t))
        mu = [[mpmath.nstr(scale * (mpmath.mpf(x) - mpmath.mpf(s)), 45) for x, s in zip(row, truth)] for row in m]
        reduced = evaluate(mu, tier="precise", dps=30)
        assert abs(original.loss - reduced.loss) < mpmath.mpf("1e-28")
        for row_o, row_r in zip(original.grad, reduced.grad):
            for go, gr in zip(row_o, row_r):
                assert abs(go - scale * gr) < mpmath.mpf("1e-28")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[]", "non-empty"),
        ("[[1, 2], [3]]", "ragged"),
        ("[[1], ['x']]", "not valid JSON"),
        ('[[1], ["x"]]', "not a number"),
        ("[[NaN]]", "not a finite number"),
        ('[["inf"]]', "not finite"),
        ("[[1], []]", "non-empty list"),
        ("[[true]]", "expected a number"),
        ("{", "not valid JSON"),
    ],
)
def test_bad_configurations_are_named(text, message):
    with pytest.raises(InputError, match=message):
        parse_mu(text)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tier": "exact"}, "unknown tier"),
        ({"dps": 9}, "out of range"),
        ({"t": "abc"}, "not a number"),
        ({"truth": ["1"], "t": "0"}, "dimension"),
        ({"truth": ["0", "0"]}, "only meaningful with a noise time"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(InputError, match=message):
        evaluate([["1", "2"]], **kwargs)

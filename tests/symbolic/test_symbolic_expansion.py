"""Taylor polynomial of L at 0: structure, agreement with quadrature at the predicted order, stationary points."""

import mpmath
import pytest
import sympy as sp

from symbolic.expansion import gaussian_moment, taylor_expansion
from symbolic.model import reduced_model
from symbolic.stationary import truncated_stationary_points


def test_gaussian_moments():
    assert [gaussian_moment(k) for k in range(9)] == [1, 0, 1, 0, 3, 0, 15, 0, 105]


@pytest.mark.parametrize("n, d", [(2, 1), (3, 1), (2, 2), (3, 2), (4, 1), (4, 2), (3, 3), (4, 3)])
def test_even_and_quadratic_part_is_squared_mean(n, d):
    expansion = taylor_expansion(n, d)
    mu = reduced_model(n, d).mu
    mean = sp.Matrix([sum(mu[i, k] for i in range(n)) / n for k in range(d)])
    assert expansion.homogeneous_part(2) == sp.Poly(mean.dot(mean), *mu, domain=sp.QQ)
    assert all(expansion.homogeneous_part(k).is_zero for k in (0, 1, 3, 5))
    assert expansion.polynomial.total_degree() == 6


def test_gradient_is_derivative_of_loss():
    expansion = taylor_expansion(2, 2)
    mu = reduced_model(2, 2).mu
    assert all(
        sp.expand(expansion.gradient[i, k] - sp.diff(expansion.loss, mu[i, k])) == 0 for i in range(2) for k in range(2)
    )


def test_single_parameter_is_exact():
    mu = reduced_model(1, 2).mu
    assert sp.expand(taylor_expansion(1, 2).loss - mu[0, 0] ** 2 - mu[0, 1] ** 2) == 0


def quadrature_loss(mu, dps=40):
    """L(mu) for d = 1 by mpmath.quad over the real line with the Gaussian weight (independent of symbolic)."""
    with mpmath.workdps(dps):

        def integrand(x):
            logits = [x * m - m * m / 2 for m in mu]
            top = max(logits)
            e = [mpmath.exp(a - top) for a in logits]
            v = mpmath.fsum(e_i * m for e_i, m in zip(e, mu)) / mpmath.fsum(e)
            return v * v * mpmath.exp(-x * x / 2)

        return mpmath.quad(integrand, [-mpmath.inf, 0, mpmath.inf]) / mpmath.sqrt(2 * mpmath.pi)


@pytest.mark.parametrize("direction", [("1", "-0.5", "0.25"), ("0.7", "0.2", "-1.3"), ("1", "-1")])
def test_taylor_error_shrinks_at_degree_eight(direction):
    n = len(direction)
    expansion = taylor_expansion(n, 1)
    mu = list(reduced_model(n, 1).mu)
    with mpmath.workdps(40):
        errors = []
        for scale in (mpmath.mpf("0.2"), mpmath.mpf("0.1"), mpmath.mpf("0.05")):
            point = [scale * mpmath.mpf(c) for c in direction]
            polynomial = sp.lambdify(mu, expansion.loss, "mpmath")(*point)
            errors.append(abs(quadrature_loss(point) - polynomial))
        ratios = [errors[0] / errors[1], errors[1] / errors[2]]
    assert all(180 < r < 330 for r in ratios), ratios  # 2^8 = 256
    assert abs(ratios[1] - 256) < abs(ratios[0] - 256) + 1


def test_stationary_points_two_parameters():
    points = truncated_stationary_points(2)
    by_point = {p.point: p for p in points}
    assert by_point[(0, 0)].verdict == "stationary point of L"
    artifact = by_point[(1 / sp.sqrt(3), -1 / sp.sqrt(3))]
    assert artifact.verdict == "artifact of the truncation" and artifact.confirmed_by == "exact reduction"
    assert len(points) == 2


@pytest.mark.slow
def test_stationary_points_three_parameters():
    points = truncated_stationary_points(3)
    verdicts = sorted(p.verdict for p in points)
    assert verdicts.count("stationary point of L") == 1
    assert len(points) == 6
    assert any(p.point == (sp.sqrt(2) / 2, 0, -sp.sqrt(2) / 2) for p in points)  # on the thm3.1 family

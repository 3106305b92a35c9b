"""The escape-law extrapolation: exact on synthetic ratios, honest about what it cannot see."""

import numpy as np
import pytest

from numeric.config import InputError
from numeric.studies.escape_law import escape_limit


def synthetic(limit: float, a: float, b: float, k: int = 2, noise: float = 0.0):
    """Records of a run whose ratio is ``limit + a/M^2 + b/M^4`` with ``M^2 = 8 log s`` for ``k`` escapees."""
    s = np.logspace(2, 9, 71)
    M2 = 8 * np.log(s)
    ratio = limit + a / M2 + b / M2**2
    loss = ratio * 16 * k / M2 / s
    norms = np.column_stack([np.full_like(s, 1e-6)] + [np.sqrt(M2)] * k)
    errors = noise * loss
    return s, loss, norms, errors, np.array([False] + [True] * k)


def test_a_quadratic_approach_is_extrapolated_exactly():
    found = escape_limit(*synthetic(1.0, 15.0, 40.0))
    assert found.limit == pytest.approx(1.0, abs=1e-9)
    assert found.error < 1e-2 and found.escaping == 2
    assert found.ratio_at_end > 1.08  # the horizon alone is far from the limit


def test_the_error_covers_a_cubic_term_the_fit_does_not_have():
    s, loss, norms, errors, mask = synthetic(1.0, 15.0, 0.0)
    M2 = norms[:, 1] ** 2
    found = escape_limit(s, loss * (1 + 3000 / M2**3), norms, errors, mask)
    assert abs(found.limit - 1.0) <= found.error


def test_a_wrong_numerator_is_far_outside_the_error():
    found = escape_limit(*synthetic(1.0, 15.0, 40.0), numerator=8.0)
    assert abs(found.limit - 1.0) > 10 * found.error


def test_records_without_an_error_run_give_an_infinite_error():
    s, loss, norms, _, mask = synthetic(1.0, 15.0, 40.0)
    assert escape_limit(s, loss, norms, np.full_like(s, np.nan), mask).error == float("inf")


def test_bad_inputs_name_themselves():
    s, loss, norms, errors, mask = synthetic(1.0, 1.0, 0.0)
    with pytest.raises(InputError, match="escaping"):
        escape_limit(s, loss, norms, errors, np.zeros_like(mask))
    with pytest.raises(InputError, match="norms"):
        escape_limit(s, loss, norms[:, :2], errors, mask)
    with pytest.raises(InputError, match="times"):
        escape_limit(s[-3:], loss[-3:], norms[-3:], errors[-3:], mask)

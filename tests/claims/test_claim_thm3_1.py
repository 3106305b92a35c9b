"""Theorem 3.1: certified at the quick profile; an edited, false statement is refuted."""

from decimal import Decimal

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim


def test_quick_profile_certifies_a_positive_loss_stationary_point_for_n_3():
    verdict, checks = run_claim("thm3.1", n_values="[3]", hessian_up_to_n="3")
    assert verdict is Verdict.CERTIFIED
    root = next(c for c in checks if "s_star" in c.observed)
    s_star = root.observed["s_star"]
    assert s_star > 2.55 and s_star < 2.56 and float(s_star.rad()) < 1e-20
    lo, hi = (Decimal(x) for x in root.observed["search_interval"])
    assert lo < Decimal(s_star.mid().str(40, radius=False)) < hi
    assert root.observed["loss"] > 0.9
    assert "saddle" in root.observed["hessian_kind"]
    assert root.observed["hessian_inertia_parallel"] == (2, 0, 1)  # proven: two descent directions on the line
    assert root.observed["hessian_kind_proven"] == {"1": "saddle (index 2)", "2": "saddle (index 3)"}


def test_requiring_a_negative_loss_is_refuted():
    verdict, _ = run_claim("thm3.1", n_values="[3]", hessian_up_to_n="0", loss_sign="negative")
    assert verdict is Verdict.REFUTED


def test_a_threshold_above_the_certified_loss_is_refuted():
    verdict, _ = run_claim("thm3.1", n_values="[4]", hessian_up_to_n="0", loss_threshold="0.6")
    assert verdict is Verdict.REFUTED

"""Lemma 3.3: the contraction factor is proved, tracking supported; the reported coefficient under
this toolkit's loss normalization is refuted (and the report says why)."""

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim


def test_quick_profile_proves_the_factor_and_supports_the_tracking():
    verdict, checks = run_claim("lemma3.3")
    assert verdict is Verdict.SUPPORTED
    assert any(c.verdict is Verdict.PROVED for c in checks)
    tracking = [c for c in checks if "max_deviation_while_above" in c.observed]
    assert len(tracking) == 2 and all(c.ok for c in tracking)


def test_the_reported_coefficient_is_refuted_for_the_loss_without_one_half():
    verdict, checks = run_claim("lemma3.3", contraction_coefficient="1")
    assert verdict is Verdict.REFUTED
    factor = next(c for c in checks if c.name.startswith("contraction factor"))
    assert factor.observed["derived_coefficient"] == 2 and factor.verdict is Verdict.REFUTED

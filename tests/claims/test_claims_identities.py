"""eq1, lemma2.2, bridge.em: proved at the quick profile; edited, false statements are refuted."""

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim


@pytest.mark.parametrize("claim_id", ["eq1", "lemma2.2", "bridge.em"])
def test_quick_profile_proves_the_reported_statement(claim_id):
    verdict, checks = run_claim(claim_id)
    assert verdict is Verdict.PROVED
    numeric = [c for c in checks if c.corroborates]
    assert numeric and all(c.observed["agreeing_digits"] >= 30 for c in numeric)


@pytest.mark.parametrize(
    "claim_id, edit",
    [
        ("eq1", {"scale_exponent": "2"}),
        ("lemma2.2", {"coefficients": "[1, 1, -2, -2, 2]"}),
        ("bridge.em", {"factor": "1"}),
    ],
)
def test_an_edited_false_statement_is_refuted(claim_id, edit):
    verdict, checks = run_claim(claim_id, **edit)
    assert verdict is Verdict.REFUTED
    assert not any(c.verdict is Verdict.PROVED for c in checks)

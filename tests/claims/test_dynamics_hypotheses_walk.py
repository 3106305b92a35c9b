"""Every check of the six dynamics claims, at the quick profile: each run-based check records its hypotheses and
its step, and none says supported or refuted from a run outside its claim's hypotheses."""

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

#: Checks that rest on no dynamics run (exact arguments and a gradient at one point), by name prefix.
NOT_RUNS = ("noise condition", "contraction factor", "numeric gradient")
DYNAMICS = ("thm2.1", "thm3.2", "lemma3.3", "thm3.4", "thm3.5", "thm3.7")

pytestmark = [pytest.mark.usefixtures("shared_module_cache"), pytest.mark.slow]


@pytest.mark.parametrize("claim_id", DYNAMICS)
def test_no_verdict_rests_on_a_run_outside_the_hypotheses(claim_id):
    _, checks = run_claim(claim_id)
    runs = [check for check in checks if not check.name.startswith(NOT_RUNS)]
    assert runs
    for check in runs:
        hypotheses = check.instance["hypotheses"]
        assert hypotheses and all(isinstance(value, bool) for value in hypotheses.values()), check.name
        assert "step_rule" in hypotheses, check.name
        step = check.instance["step"]
        assert step == "flow" or isinstance(step, float), check.name
        if not all(hypotheses.values()):
            assert check.verdict is Verdict.INCONCLUSIVE, check.name
            assert check.observed["reading"].endswith("beyond the hypotheses"), check.name
        if check.verdict in (Verdict.SUPPORTED, Verdict.REFUTED):
            assert all(hypotheses.values()) and hypotheses["step_rule"], check.name

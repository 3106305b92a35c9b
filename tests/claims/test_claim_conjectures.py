"""The conjectures beyond the paper: each registered law is proved symbolically and matched by the flow, and each
false edit of it (a constant, an exponent) is refuted by the flow."""

import pytest

from proofs_check.core.claim import Verdict
from tests.claim_runner import run_claim

CONVERGING = {"instances": "[[2, 1]]", "flows": "[[2, 1]]", "regimes": '["large-noise"]', "flow_time": "1e7"}
ESCAPE = {"flows": "[[2, 1]]", "flow_time": "1e8"}

pytestmark = pytest.mark.usefixtures("shared_module_cache")


def test_the_converging_law_is_proved_and_matched_inside_its_hypotheses():
    verdict, (proof, flow) = run_claim("sharp.converging", **CONVERGING)
    assert verdict is Verdict.SUPPORTED
    assert proof.verdict is Verdict.PROVED
    assert flow.verdict is Verdict.SUPPORTED and flow.instance["step"] == "flow"
    assert all(flow.instance["hypotheses"].values())
    assert abs(flow.observed["ratio"] - 1) < 1e-4 and flow.observed["constant_error"] < 1e-4


@pytest.mark.parametrize("edit", [{"denominator": "32"}, {"denominator": "70"}, {"exponent": "3"}, {"exponent": "1"}])
def test_a_false_converging_law_is_refuted(edit):
    verdict, (proof, flow) = run_claim("sharp.converging", **CONVERGING, **edit)
    assert proof.verdict is Verdict.INCONCLUSIVE  # the derivation does not give the edited law ...
    assert flow.verdict is Verdict.REFUTED and verdict is Verdict.REFUTED  # ... and the flow refutes it


def test_the_escape_law_is_proved_and_matched_inside_its_hypotheses():
    verdict, (proof, flow) = run_claim("sharp.escape", **ESCAPE)
    assert verdict is Verdict.SUPPORTED and proof.verdict is Verdict.PROVED
    assert flow.instance["hypotheses"] == {"escape_regime": True}
    assert abs(flow.observed["limit"] - 1) <= flow.observed["limit_error"] < 0.1
    assert flow.observed["ratio_at_horizon"] > 1.05  # the horizon alone does not show the limit


@pytest.mark.parametrize("numerator", ["8", "20"])
def test_a_false_escape_constant_is_refuted(numerator):
    verdict, (_, flow) = run_claim("sharp.escape", **ESCAPE, numerator=numerator)
    assert flow.verdict is Verdict.REFUTED and verdict is Verdict.REFUTED

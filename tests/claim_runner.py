"""Run one claim as the command line would, and return its verdict and checks (for claim tests)."""

from __future__ import annotations

from importlib import import_module

from proofs_check.claims import claim_modules, module_name
from proofs_check.core.claim import Check, Verdict, combine


def run_claim(claim_id: str, profile: str = "quick", seed: int = 0, **overrides: str) -> tuple[Verdict, list[Check]]:
    """Resolve ``--param`` style overrides (strings), run, and combine the checks."""
    claim = import_module(claim_modules()[module_name(claim_id)]).CLAIM
    params = claim.resolve(profile, overrides)
    checks = claim.run(profile, params, seed=seed, progress=lambda note: None)
    return combine(checks), checks

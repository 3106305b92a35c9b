"""A theorem's hypotheses as data, checked per instance, and the verdict they allow.

Every dynamics check records in its ``instance`` a ``"hypotheses"`` object (one boolean per hypothesis of
its claim) and the ``"step"`` it ran with (``"flow"`` for the gradient flow, the small-step limit, or the
numeric ``eta``).  The rule is symmetric (issue 12):

* inside every hypothesis a check may say ``supported`` (it passed) or ``refuted`` (it failed) *of the
  theorem*;
* outside one of them the result is evidence, not a verdict: "consistent beyond the hypotheses" or
  "contradicts beyond the hypotheses", and the verdict is ``inconclusive`` both ways.

So no verdict rests on a run outside the step rule, and a pass outside an unreachable hypothesis is
worth exactly as much as a failure there.  :func:`judged` is that rule, :func:`dynamics_check` builds a
check with it, and :func:`reach_notes` says, for a claim's notes, which hypotheses were out of reach.

The step rule ``eta <= O(1/(n^4 d^2))`` has an unknown constant: it is read as
``eta <= step_constant / (n^step_n_power d^step_d_power)``, ``step_constant`` an editable statement
constant (default 1).  :func:`rule_step` is the step the claims run GD at: the paper's ``eta = 0.01`` where
it meets the rule (``n = 3, d = 1``: ``1/(n^4 d^2) = 0.0123``), else the rule's own bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from proofs_check.core.claim import Check, Verdict
from proofs_check.core.params import Domain, Integer, Real

__all__ = [
    "FLOW",
    "PAPER_ETA",
    "STEP_RULE",
    "STEP_RULE_DOMAINS",
    "Hypothesis",
    "step_bound",
    "rule_step",
    "step_rule",
    "merged",
    "judged",
    "reading_of",
    "dynamics_check",
    "reach_notes",
]

#: The ``"step"`` of a gradient-flow run (the limit ``eta -> 0``: inside every step rule).
FLOW = "flow"
#: The step of the paper's own experiment (docs/claims.md, section 4).
PAPER_ETA = 0.01
#: The step rule ``eta <= step_constant / (n^4 d^2)`` as statement constants (the constant is unknown: 1 is our
#: reading; the powers are as reported).
STEP_RULE = {"step_constant": 1.0, "step_n_power": 4, "step_d_power": 2}
STEP_RULE_DOMAINS: dict[str, Domain] = {
    "step_constant": Real(0, above=True),
    "step_n_power": Integer(0, 20),
    "step_d_power": Integer(0, 20),
}

_READINGS = {
    True: "consistent beyond the hypotheses",
    False: "contradicts beyond the hypotheses",
    None: "undecided beyond the hypotheses",
}


@dataclass(frozen=True)
class Hypothesis:
    """One hypothesis of a theorem at one instance: its name, whether it holds, and why (in words)."""

    name: str
    holds: bool
    words: str


def step_bound(n: int, d: int, params: Mapping[str, Any]) -> float:
    """The step rule's bound ``step_constant / (n^step_n_power d^step_d_power)``."""
    return float(params["step_constant"]) / (n ** params["step_n_power"] * d ** params["step_d_power"])


def rule_step(n: int, d: int, params: Mapping[str, Any]) -> float:
    """The GD step of the claims: the paper's 0.01 where the step rule allows it, else the rule's bound."""
    return min(PAPER_ETA, step_bound(n, d, params))


def step_rule(step: float | str, n: int, d: int, params: Mapping[str, Any]) -> Hypothesis:
    """``eta <= step_constant / (n^a d^b)`` for a numeric ``step``; always true of the flow (``step = "flow"``)."""
    bound = step_bound(n, d, params)
    rule = f"{params['step_constant']:g} / (n^{params['step_n_power']} d^{params['step_d_power']}) = {bound:.4g}"
    if step == FLOW:
        return Hypothesis("step_rule", True, f"gradient flow (the limit eta -> 0) meets eta <= {rule}")
    eta = float(step)
    relation = "<=" if eta <= bound else ">"
    return Hypothesis("step_rule", eta <= bound, f"eta = {eta:.4g} {relation} {rule}")


def merged(per_run: Sequence[Sequence[Hypothesis]]) -> list[Hypothesis]:
    """One hypothesis per name for a check over several runs: it holds when it holds at every run (the words of
    the first run where it fails, else of the first run)."""
    names: dict[str, list[Hypothesis]] = {}
    for hypotheses in per_run:
        for hypothesis in hypotheses:
            names.setdefault(hypothesis.name, []).append(hypothesis)
    result = []
    for name, seen in names.items():
        failing = [h for h in seen if not h.holds]
        words = failing[0].words + f" (fails at {len(failing)} of {len(seen)} runs)" if failing else seen[0].words
        result.append(Hypothesis(name, not failing, words))
    return result


def judged(ok: bool | None, hypotheses: Sequence[Hypothesis]) -> tuple[Verdict, str]:
    """The verdict a numerical check justifies, and the sentence that says why (module docstring).

    Inside every hypothesis: ``supported`` / ``refuted`` / ``inconclusive`` for ``ok`` True / False / None.
    Outside any: ``inconclusive``, with the evidence reported as consistent with or contradicting the claim.
    """
    outside = [h for h in hypotheses if not h.holds]
    if not outside:
        return Verdict.from_outcome(ok, Verdict.SUPPORTED), "Inside every hypothesis: " + "; ".join(
            h.words for h in hypotheses
        ) + "."
    reasons = "; ".join(f"{h.name}: {h.words}" for h in outside)
    return Verdict.INCONCLUSIVE, (
        f"{_READINGS[ok].capitalize()} (outside {reasons}), so inconclusive: a run outside the theorem's "
        "hypotheses neither supports nor refutes it."
    )


def reading_of(ok: bool | None, hypotheses: Sequence[Hypothesis]) -> str:
    """``"inside the hypotheses"`` or the reading of evidence beyond them (recorded in ``observed``)."""
    return "inside the hypotheses" if all(h.holds for h in hypotheses) else _READINGS[ok]


def dynamics_check(
    *,
    name: str,
    instance: dict[str, Any],
    step: float | str,
    hypotheses: Sequence[Hypothesis],
    method: str,
    claimed: Any,
    observed: dict[str, Any],
    ok: bool | None,
    detail: str,
    figures: dict[str, Any] | None = None,
    corroborates: bool = False,
    dps: int | None = None,
) -> Check:
    """A check on a dynamics run whose verdict is :func:`judged`; ``instance`` gains ``step`` and ``hypotheses``."""
    names = [h.name for h in hypotheses]
    if len(set(names)) != len(names):
        raise ValueError(f"check {name!r}: hypothesis names repeat: {names}")
    verdict, words = judged(ok, hypotheses)
    return Check(
        name=name,
        instance={**instance, "step": step, "hypotheses": {h.name: h.holds for h in hypotheses}},
        method=method,
        dps=dps,
        claimed=claimed,
        observed={**observed, "reading": reading_of(ok, hypotheses)},
        ok=ok,
        verdict=verdict,
        detail=f"{detail.rstrip()} {words}".strip(),
        figures=dict(figures or {}),
        corroborates=corroborates,
    )


def reach_notes(checks: Iterable[Check]) -> list[str]:
    """For the claim's notes: each hypothesis that failed at some check, with how many checks it left outside."""
    checks = list(checks)
    recorded = [c for c in checks if isinstance(c.instance.get("hypotheses"), dict)]
    missed: dict[str, list[str]] = {}
    for check in recorded:
        for hypothesis, holds in check.instance["hypotheses"].items():
            if not holds:
                missed.setdefault(hypothesis, []).append(check.name)
    if not recorded:
        return []
    if not missed:
        return [f"Every hypothesis holds at all {len(recorded)} dynamics checks."]
    return [
        f"Hypothesis {hypothesis} out of reach at {len(names)} of {len(recorded)} dynamics checks "
        f"(inconclusive there whatever they show): {'; '.join(names)}."
        for hypothesis, names in missed.items()
    ]

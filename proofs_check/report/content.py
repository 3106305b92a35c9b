"""What every report says, whatever its format: the verdict legend, the reconstruction notice, the
evidence in a few words, the instances each verdict covers, and where each constant comes from.

``report.md`` (:mod:`proofs_check.report.markdown`), ``report.html`` (:mod:`proofs_check.report.html`) and the
console table read these functions, so the formats say the same thing.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from proofs_check.core.mathtext import plural, value_text
from proofs_check.core.runner import ClaimRecord

__all__ = [
    "LegendRow",
    "LEGEND",
    "OUTCOME",
    "COORDINATES",
    "RECONSTRUCTION",
    "claims_document",
    "evidence",
    "coverage",
    "constants",
    "other_parameters",
]


class LegendRow(NamedTuple):
    """One verdict: what it rests on, and what it does not mean."""

    verdict: str
    rests_on: str
    does_not_mean: str


#: The verdicts, strongest first (a claim's verdict is the weakest of its checks').
LEGEND = (
    LegendRow(
        "proved",
        "an exact symbolic argument (SymPy reduces the identity to exactly 0) at each listed instance",
        "a proof for every n and d, or that the registered statement is the paper's",
    ),
    LegendRow(
        "certified",
        "rigorous enclosures in ball arithmetic (python-flint): proven bounds on every rounding and "
        "truncation error, at each listed instance",
        "anything beyond the listed instances",
    ),
    LegendRow(
        "supported",
        "numerics (double or high precision) agreeing within a stated error budget, at the listed "
        "instances and over finite horizons",
        "a proof: no finite run reaches a limit, and an error estimate is not a bound",
    ),
    LegendRow(
        "refuted",
        "a computed counterexample to the statement as registered (its instance is in the report)",
        "that the paper is wrong: the statement is a reconstruction, and the paper's own may differ",
    ),
    LegendRow(
        "inconclusive",
        "checks that could not decide: budget, hypotheses out of reach, numerics not trustworthy, or an internal error",
        "evidence against the claim",
    ),
)

#: A check's ``ok`` in words.
OUTCOME = {True: "ok", False: "failed", None: "undecided"}

#: Instance keys that say where a check was made, in the order the report lists them.
COORDINATES = ("n", "d", "M0", "orientation")

#: The notice at the top of every report (``{claims}`` is the link to the claims document).
RECONSTRUCTION = (
    "The statements checked here are reconstructions: the paper's full text was not available, so each claim "
    "was rebuilt from the abstract, public reviews and summaries, and our own derivations ({claims}). Each "
    "constant says where it comes from: *as reported* (from a secondary summary; it may be wrong), *our "
    "reading* (our interpretation of an ambiguous statement) or *derived* (our own derivation). Each claim "
    "says which reading its checks test and at which instances. Every constant is editable with "
    "`--param KEY=VALUE`."
)


def claims_document(folder: Path) -> str:
    """A link to ``docs/claims.md`` from a report in ``folder``: relative inside the source checkout, a
    ``file:`` URI outside it, and the project's GitHub-style path when the sources are not installed."""
    project = Path(__file__).resolve().parents[2]
    document = project / "docs" / "claims.md"
    if not document.is_file():
        return "docs/claims.md"
    if folder.resolve().is_relative_to(project):
        return Path(os.path.relpath(document, folder.resolve())).as_posix()
    return document.as_uri()


def evidence(record: ClaimRecord) -> str:
    """The evidence in a few words: the error, the refuting check, or the verdict counts."""
    if record.error:
        return f"error: {record.error}"
    refuting = [check["name"] for check in record.checks if check["verdict"] == "refuted"]
    if refuting:
        return f"refuted by {refuting[0]!r}" + (f" (+{len(refuting) - 1})" if len(refuting) > 1 else "")
    if not record.checks:
        return "no checks"
    counts = Counter((check["verdict"], bool(check.get("corroborates"))) for check in record.checks)
    words = [
        f"{plural(n, verdict + ' cross-check')}" if cross else f"{n} {verdict}"
        for (verdict, cross), n in counts.items()
    ]
    return f"{plural(len(record.checks), 'check')}: " + ", ".join(words)


def coverage(record: ClaimRecord) -> list[str]:
    """Per verdict among the checks, the instances it covers: ``proved for (n, d) in {(2, 1), (3, 1)}``.

    The instances are the :data:`COORDINATES` every check of the group names; checks naming none are counted.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for check in record.checks:
        word = check["verdict"] + (" (cross-checks)" if check.get("corroborates") else "")
        groups.setdefault(word, []).append(check["instance"])
    return [_covered(word, instances) for word, instances in groups.items()]


def _covered(word: str, instances: Sequence[dict[str, Any]]) -> str:
    keys = [key for key in COORDINATES if all(key in instance for instance in instances)]
    count = plural(len(instances), "check")
    if not keys:
        return f"{word}: {count}, not tied to an instance"
    points = list(dict.fromkeys(tuple(value_text(instance[key]) for key in keys) for instance in instances))
    if len(keys) == 1:
        where = f"{keys[0]} in {{{', '.join(point[0] for point in points)}}}"
    else:
        where = f"({', '.join(keys)}) in {{{', '.join('(' + ', '.join(point) + ')' for point in points)}}}"
    return f"{word} for {where}" + (f" ({count})" if len(points) < len(instances) else "")


def constants(record: ClaimRecord) -> list[tuple[str, str, str]]:
    """The statement's constants: ``(name, value, source)``, the source ``not declared`` when unknown."""
    return [
        (name, value_text(record.params.get(name)), source or "not declared") for name, source in record.sources.items()
    ]


def other_parameters(record: ClaimRecord) -> list[tuple[str, str]]:
    """The instance parameters (everything in ``params`` that is not a statement constant)."""
    return [(name, value_text(value)) for name, value in record.params.items() if name not in record.sources]

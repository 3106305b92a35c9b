"""Running claims: one at a time or in worker processes, with errors caught and figures rendered.

A finished claim is a :class:`ClaimRecord`: plain, picklable, JSON-ready data (numbers already
formatted by :mod:`proofs_check.core.jsonfmt`, figures already rendered to bytes), so it can travel back
from a worker process and be written by :mod:`proofs_check.report.markdown` without touching the claim again.

An exception raised by a claim's ``run`` (or a malformed result) does not stop the run: the claim
gets a single ``inconclusive`` check named ``internal error``, its record carries the error and
traceback, and the command line exits with status 2.
"""

from __future__ import annotations

import io
import re
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proofs_check.claims import discover
from proofs_check.core.claim import Check, Claim, Progress, Verdict, combine
from proofs_check.core.jsonfmt import to_json

__all__ = ["FIGURES_DIR", "ClaimRecord", "Task", "run_claim", "run_claims_by_id", "run_claims"]

FIGURES_DIR = "figures"


@dataclass(frozen=True)
class ClaimRecord:
    """The outcome of one claim: its CLAIM object for the report, plus figures and errors."""

    id: str
    label: str
    statement: str
    verdict: Verdict
    checks: list[dict[str, Any]]
    notes: list[str]
    seconds: float
    params: dict[str, Any]
    error: str | None = None
    traceback: str | None = None
    figures: dict[str, bytes] = field(default_factory=dict)  # file name -> image bytes
    reading: str | None = None  # the reading of the statement the checks test (Claim.provenance)
    sources: dict[str, str | None] = field(default_factory=dict)  # constant -> "as reported" | ... | None

    def to_json(self) -> dict[str, Any]:
        """The CLAIM object of the interface (plus ``params``, ``error`` and ``provenance``)."""
        return {
            "id": self.id,
            "label": self.label,
            "statement": self.statement,
            "verdict": self.verdict.value,
            "checks": self.checks,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
            "params": self.params,
            "error": self.error,
            "provenance": {"reading": self.reading, "constants": self.sources},
        }


@dataclass(frozen=True)
class Task:
    """A claim to run with its resolved ``params``."""

    claim: Claim
    params: dict[str, Any]


def run_claim(task: Task, profile: str, seed: int, progress: Progress | None = None) -> ClaimRecord:
    """Run one claim and package the outcome; never raises for a failure inside the claim."""
    claim = task.claim
    start = time.perf_counter()
    try:
        checks = claim.run(profile, dict(task.params), seed=seed, progress=progress or _silent)
        if not isinstance(checks, list) or not all(isinstance(c, Check) for c in checks):
            raise TypeError(f"run() must return a list of Check, got {type(checks).__name__}")
        figures: dict[str, bytes] = {}
        checks_json = [_check_json(claim.id, check, figures) for check in checks]
        verdict, error, trace = combine(checks), None, None
        notes = list(claim.summarize(checks)) if claim.summarize else []
    except Exception as exc:  # reported as an internal error of this claim, see module doc
        error, trace = f"{type(exc).__name__}: {exc}", traceback.format_exc()
        verdict, checks_json, figures, notes = Verdict.INCONCLUSIVE, [_error_check(error)], {}, []
    return _record(task, verdict, checks_json, time.perf_counter() - start, figures, error, trace, notes)


def run_claims_by_id(ids: Sequence[str], profile: str = "quick", seed: int = 0) -> list[ClaimRecord]:
    """Run the claims with these ids at ``profile``'s defaults, as ``check`` does, without writing reports
    (for notebooks and scripts; ``KeyError`` for an unknown id)."""
    registry = discover(only=ids)
    return [
        run_claim(Task(claim, claim.resolve(profile)), profile, seed)
        for claim in (registry.get(claim_id) for claim_id in ids)
    ]


def run_claims(
    tasks: Sequence[Task],
    profile: str,
    seed: int,
    *,
    jobs: int = 1,
    notify: Callable[[str, str], None] | None = None,
    started: Callable[[Task], None] | None = None,
    finished: Callable[[ClaimRecord], None] | None = None,
) -> list[ClaimRecord]:
    """Run ``tasks`` (in ``jobs`` processes when ``jobs > 1``); records come back in task order.

    ``notify(claim_id, note)`` receives the claims' progress notes (in-process runs only);
    ``started(task)`` is called as each claim starts and ``finished(record)`` as it completes.  With
    ``jobs > 1`` at most ``jobs`` claims are handed to the pool at a time, so a claim starts when it is
    handed over.
    """
    begin = started or (lambda task: None)
    done = finished or (lambda record: None)
    if jobs <= 1 or len(tasks) <= 1:
        records = []
        for task in tasks:
            note = (lambda text, cid=task.claim.id: notify(cid, text)) if notify else None
            begin(task)
            records.append(run_claim(task, profile, seed, note))
            done(records[-1])
        return records
    by_id: dict[str, ClaimRecord] = {}
    waiting = list(reversed(tasks))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        running: dict[Future, Task] = {}
        while waiting or running:
            while waiting and len(running) < jobs:
                task = waiting.pop()
                begin(task)
                running[pool.submit(run_claim, task, profile, seed)] = task
            completed, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in completed:
                task = running.pop(future)
                by_id[task.claim.id] = _collect(future, task)
                done(by_id[task.claim.id])
    return [by_id[task.claim.id] for task in tasks]


def _collect(future: Future, task: Task) -> ClaimRecord:
    """A worker's record, or an internal-error record if the worker itself failed."""
    exc = future.exception()
    if exc is None:
        return future.result()
    error = f"worker failed: {type(exc).__name__}: {exc}"
    trace = "".join(traceback.format_exception(exc))
    return _record(task, Verdict.INCONCLUSIVE, [_error_check(error)], 0.0, {}, error, trace)


def _record(
    task: Task,
    verdict: Verdict,
    checks: list[dict[str, Any]],
    seconds: float,
    figures: dict[str, bytes],
    error: str | None,
    trace: str | None,
    notes: Sequence[str] = (),
) -> ClaimRecord:
    claim = task.claim
    provenance = claim.provenance
    return ClaimRecord(
        id=claim.id,
        label=claim.label,
        statement=claim.render_statement(task.params),
        verdict=verdict,
        checks=checks,
        notes=[*claim.notes, *notes],
        seconds=seconds,
        params=to_json(task.params),
        error=error,
        traceback=trace,
        figures=figures,
        reading=None if provenance is None else provenance.reading,
        sources={name: None if provenance is None else provenance.constants.get(name) for name in claim.constants},
    )


def _check_json(claim_id: str, check: Check, figures: dict[str, bytes]) -> dict[str, Any]:
    """The check's JSON object; its figures are rendered into ``figures`` (by file name)."""
    paths = []
    for name, figure in check.figures.items():
        data, suffix = _render(figure)
        file_name = _unique(f"{claim_id}-{_slug(name)}", suffix, figures)
        figures[file_name] = data
        paths.append(f"{FIGURES_DIR}/{file_name}")
    return {
        "name": check.name,
        "instance": to_json(check.instance),
        "method": check.method,
        "dps": check.dps,
        "claimed": to_json(check.claimed),
        "observed": to_json(check.observed),
        "ok": check.ok,
        "verdict": check.verdict.value,
        "corroborates": check.corroborates,
        "detail": check.detail,
        "figures": paths,
    }


def _error_check(error: str) -> dict[str, Any]:
    return {
        "name": "internal error",
        "instance": {},
        "method": "none",
        "dps": None,
        "claimed": None,
        "observed": {},
        "ok": None,
        "verdict": Verdict.INCONCLUSIVE.value,
        "detail": error,
        "figures": [],
    }


def _render(figure: Any) -> tuple[bytes, str]:
    """Image bytes and file suffix of a matplotlib figure or an image file path."""
    if isinstance(figure, (str, Path)):
        path = Path(figure)
        return path.read_bytes(), path.suffix or ".png"
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(figure)
    return buffer.getvalue(), ".png"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "figure"


def _unique(stem: str, suffix: str, taken: dict[str, bytes]) -> str:
    candidate, counter = stem + suffix, 1
    while candidate in taken:
        counter += 1
        candidate = f"{stem}-{counter}{suffix}"
    return candidate


def _silent(note: str) -> None:
    """The default :class:`~proofs_check.core.claim.Progress`: ignore notes."""

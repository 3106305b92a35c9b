"""The run's provenance, the JSON document, ``report.md`` and the console table.

``report.md`` opens with what the report is (the statements are reconstructions; where each constant
comes from; :data:`proofs_check.report.content.RECONSTRUCTION`), the verdict legend and the verdict table;
then, per claim, its statement, the reading checked, its constants with their sources, the instances
each verdict covers, and every check.  :mod:`proofs_check.report.files` writes it into the run's folder.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from proofs_check import __version__
from proofs_check.core.runner import ClaimRecord
from proofs_check.report.content import (
    LEGEND,
    OUTCOME,
    RECONSTRUCTION,
    constants,
    coverage,
    evidence,
    other_parameters,
)

__all__ = ["RECORDED_PACKAGES", "run_info", "document", "table", "markdown", "legend_markdown", "anchor"]

#: Distributions whose versions every report records.
RECORDED_PACKAGES = ("sympy", "mpmath", "numpy", "python-flint")


def run_info(
    *, profile: str, seed: int, jobs: int, params: Sequence[str], started: datetime, command: str | None = None
) -> dict[str, Any]:
    """The ``run`` object: versions, git commit, seed, profile, start time, overrides, command and machine."""
    versions = {name: _version(name) for name in RECORDED_PACKAGES}
    versions["python"] = platform.python_version()
    commit, dirty = _git_state()
    return {
        "versions": versions,
        "proofs_check": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "seed": seed,
        "profile": profile,
        "started": started.astimezone(UTC).isoformat(),
        "jobs": jobs,
        "params": list(params),
        "command": command,
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count()},
    }


def document(records: Sequence[ClaimRecord], run: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of ``all``/``check``: ``{"claims": [CLAIM, ...], "run": {...}}``."""
    return {"claims": [record.to_json() for record in records], "run": run}


def table(records: Sequence[ClaimRecord], width: int = 60) -> str:
    """The console table: id, verdict, evidence (wrapped at ``width`` characters, never cut), seconds."""
    rows = [("id", "verdict", ["evidence"], "seconds")]
    rows += [
        (r.id, r.verdict.value, textwrap.wrap(evidence(r), width, break_on_hyphens=False) or [""], f"{r.seconds:.1f}")
        for r in records
    ]
    first = max(len(row[0]) for row in rows)
    second = max(len(row[1]) for row in rows)
    third = max(len(line) for row in rows for line in row[2])
    lines = []
    for name, verdict, text, seconds in rows:
        lines.append(f"{name:<{first}}  {verdict:<{second}}  {text[0]:<{third}}  {seconds:>7}")
        lines += [f"{'':<{first}}  {'':<{second}}  {more}".rstrip() for more in text[1:]]
    return "\n".join(lines)


def legend_markdown() -> list[str]:
    """The verdict legend as a Markdown table, verdict first."""
    rows = ["| verdict | rests on | does not mean |", "|---|---|---|"]
    return rows + [f"| `{row.verdict}` | {row.rests_on} | {row.does_not_mean} |" for row in LEGEND]


def markdown(doc: dict[str, Any], records: Sequence[ClaimRecord], claims_link: str = "docs/claims.md") -> str:
    """The human-readable report; ``claims_link`` is where ``docs/claims.md`` is, seen from the report."""
    run = doc["run"]
    lines = [
        "# proofs-check report",
        "",
        RECONSTRUCTION.format(claims=f"[docs/claims.md]({claims_link})"),
        "",
        f"Profile `{run['profile']}`, seed {run['seed']}, started {run['started']}, "
        f"git commit `{run['git_commit']}`{' (uncommitted changes)' if run['git_dirty'] else ''}, "
        f"proofs-check {run['proofs_check']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in run["versions"].items()) + ".",
        f"Machine: {run['machine']['platform']}, {run['machine']['cpus']} CPUs.",
        "",
    ]
    if run["params"]:
        lines += ["Overrides: " + ", ".join(f"`{p}`" for p in run["params"]), ""]
    lines += ["## Verdicts", "", *legend_markdown(), ""]
    lines += ["## Claims", "", "| id | label | verdict | evidence | seconds |", "|---|---|---|---|---|"]
    lines += [
        f"| [{r.id}](#{anchor(r.id)}) | {r.label} | **{r.verdict.value}** | {_cell(evidence(r))} | {r.seconds:.1f} |"
        for r in records
    ]
    for record in records:
        lines += ["", *_claim_section(record)]
    return "\n".join(lines) + "\n"


def _claim_section(record: ClaimRecord) -> list[str]:
    sources = ", ".join(f"`{name} = {value}` ({source})" for name, value, source in constants(record))
    parameters = ", ".join(f"`{name} = {value}`" for name, value in other_parameters(record))
    lines = [
        f'<a id="{anchor(record.id)}"></a>',
        f"## {record.id} — {record.label}: **{record.verdict.value}** ({record.seconds:.1f} s)",
        "",
        f"> {record.statement}",
        "",
        f"- **Reading checked:** {record.reading or 'not declared'}",
        f"- **Constants:** {sources or 'none'}",
        f"- **Instances covered:** {'; '.join(coverage(record)) or 'none'}",
        f"- **Parameters:** {parameters or 'none'}",
        "",
    ]
    if record.error:
        lines += [f"**Internal error:** {record.error}", "", "```", (record.traceback or "").rstrip(), "```", ""]
    for check in record.checks:
        lines += _check_section(check)
    if record.notes:
        lines += ["Notes:", "", *(f"- {note}" for note in record.notes), ""]
    return lines


def _check_section(check: dict[str, Any]) -> list[str]:
    ok = OUTCOME[check["ok"]]
    precision = f"{check['dps']} digits" if check["dps"] is not None else "exact / not applicable"
    lines = [
        f"### {check['name']}: {check['verdict']} ({ok})",
        "",
        f"- instance: `{_inline(check['instance'])}`",
        f"- method: {check['method']}; precision: {precision}",
        f"- claimed: `{_inline(check['claimed'])}`",
    ]
    lines += [f"- observed {key}: `{_inline(value)}`" for key, value in check["observed"].items()]
    if check["detail"]:
        lines.append(f"- detail: {check['detail']}")
    lines += [f"- figure: ![{Path(path).stem}]({path})" for path in check["figures"]]
    return lines + [""]


def anchor(claim_id: str) -> str:
    """The claim's anchor in the report (``thm3.1`` -> ``claim-thm3-1``)."""
    return "claim-" + claim_id.replace(".", "-")


def _inline(value: Any) -> str:
    return json.dumps(value).replace("`", "'")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _git_state() -> tuple[str | None, bool | None]:
    """The checkout's commit and whether it has uncommitted changes; ``None`` outside git."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(status.stdout.strip())

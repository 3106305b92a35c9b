"""Reports: the run's provenance, ``report.json``, ``report.md``, ``figures/`` and the console table.

:func:`write_report` never leaves a half-written report: every file is written to a temporary
name in the output folder and renamed into place (figures first, ``report.json`` last), and only
``report.json``, ``report.md`` and ``figures/`` are replaced -- nothing else in the folder is touched.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from proofs_check.core.runner import FIGURES_DIR, ClaimRecord

#: Distributions whose versions every report records.
RECORDED_PACKAGES = ("sympy", "mpmath", "numpy", "python-flint")


def run_info(*, profile: str, seed: int, jobs: int, params: Sequence[str], started: datetime) -> dict[str, Any]:
    """The ``run`` object: package versions, git commit, seed, profile, start time, overrides."""
    versions = {name: _version(name) for name in RECORDED_PACKAGES}
    versions["python"] = platform.python_version()
    commit, dirty = _git_state()
    return {
        "versions": versions,
        "git_commit": commit,
        "git_dirty": dirty,
        "seed": seed,
        "profile": profile,
        "started": started.astimezone(UTC).isoformat(),
        "jobs": jobs,
        "params": list(params),
    }


def document(records: Sequence[ClaimRecord], run: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of ``all``/``check``: ``{"claims": [CLAIM, ...], "run": {...}}``."""
    return {"claims": [record.to_json() for record in records], "run": run}


def write_report(out_dir: Path, doc: dict[str, Any], records: Sequence[ClaimRecord]) -> Path:
    """Write ``report.json``, ``report.md`` and ``figures/`` into ``out_dir``; return ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _replace_figures(out_dir, {name: data for r in records for name, data in r.figures.items()})
    _write_atomic(out_dir / "report.md", markdown(doc, records))
    _write_atomic(out_dir / "report.json", json.dumps(doc, indent=2) + "\n")
    return out_dir


def evidence(record: ClaimRecord) -> str:
    """The evidence in a few words: the error, the refuting check, or the verdict counts."""
    if record.error:
        return f"error: {record.error}"
    refuting = [check["name"] for check in record.checks if check["verdict"] == "refuted"]
    if refuting:
        return f"refuted by {refuting[0]!r}" + (f" (+{len(refuting) - 1})" if len(refuting) > 1 else "")
    if not record.checks:
        return "no checks"
    counts = Counter(
        check["verdict"] + (" cross-checks" if check.get("corroborates") else "") for check in record.checks
    )
    return f"{len(record.checks)} checks: " + ", ".join(f"{n} {word}" for word, n in counts.items())


def table(records: Sequence[ClaimRecord], width: int = 60) -> str:
    """The console table: id, verdict, evidence, seconds."""
    rows = [("id", "verdict", "evidence", "seconds")]
    rows += [(r.id, r.verdict.value, _shorten(evidence(r), width), f"{r.seconds:.1f}") for r in records]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d:>7}" for a, b, c, d in rows)


def markdown(doc: dict[str, Any], records: Sequence[ClaimRecord]) -> str:
    """The human-readable report."""
    run = doc["run"]
    lines = [
        "# proofs-check report",
        "",
        f"Profile `{run['profile']}`, seed {run['seed']}, started {run['started']}, "
        f"git commit `{run['git_commit']}`{' (uncommitted changes)' if run['git_dirty'] else ''}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in run["versions"].items()) + ".",
        "",
    ]
    if run["params"]:
        lines += ["Overrides: " + ", ".join(f"`{p}`" for p in run["params"]), ""]
    lines += ["| id | label | verdict | evidence | seconds |", "|---|---|---|---|---|"]
    lines += [
        f"| [{r.id}](#{_anchor(r.id)}) | {r.label} | **{r.verdict.value}** | {_cell(evidence(r))} | {r.seconds:.1f} |"
        for r in records
    ]
    for record in records:
        lines += ["", *_claim_section(record)]
    return "\n".join(lines) + "\n"


def _claim_section(record: ClaimRecord) -> list[str]:
    lines = [
        f'<a id="{_anchor(record.id)}"></a>',
        f"## {record.id} — {record.label}: **{record.verdict.value}** ({record.seconds:.1f} s)",
        "",
        f"> {record.statement}",
        "",
        "Parameters: " + (", ".join(f"`{k} = {_inline(v)}`" for k, v in record.params.items()) or "none"),
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
    ok = {True: "ok", False: "failed", None: "undecided"}[check["ok"]]
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


def _inline(value: Any) -> str:
    return json.dumps(value).replace("`", "'")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(claim_id: str) -> str:
    return "claim-" + claim_id.replace(".", "-")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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


def _write_atomic(path: Path, text: str) -> None:
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            handle.write(text)
        os.chmod(handle.name, 0o666 & ~_umask())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _replace_figures(out_dir: Path, figures: dict[str, bytes]) -> None:
    """Swap in a complete new ``figures/`` folder (an empty one if there are no figures)."""
    staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".{FIGURES_DIR}-new-"))
    try:
        os.chmod(staging, 0o777 & ~_umask())
        for name, data in figures.items():
            (staging / name).write_bytes(data)
        target = out_dir / FIGURES_DIR
        if target.exists():
            retired = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".{FIGURES_DIR}-old-"))
            os.replace(target, retired / FIGURES_DIR)
            shutil.rmtree(retired)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    """The process's file-creation mask (temporary files are created private; reports are not)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

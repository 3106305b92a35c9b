"""The report folder: each run of ``all`` or ``check`` writes its own, and ``latest`` points to it.

    reports/                         (--out DIR; default reports/)
      20261201-212515-all/           one folder per run: <UTC start>-<command>
        report.json  report.md  report.html  figures/
      20261201-213002-check/
      latest -> 20261201-213002-check

Runs never overwrite each other: the folder is new (a run started in the same second as another gets
``-2``, ``-3``, ...), its files are written figures first and ``report.json`` last, each to a temporary
name renamed into place, and ``latest`` (a relative symbolic link) is swapped atomically once the folder
is complete.  Nothing else in ``--out`` is touched.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proofs_check.core.runner import FIGURES_DIR, ClaimRecord
from proofs_check.report.content import claims_document
from proofs_check.report.html import html
from proofs_check.report.markdown import markdown

__all__ = ["LATEST", "run_folder", "write_report"]

#: The link in the report root that names the newest complete run.
LATEST = "latest"


def run_folder(root: Path, command: str, started: datetime) -> Path:
    """Create and return a new folder ``root/<UTC start>-<command>`` (``-2``, ``-3`` ... if taken)."""
    root.mkdir(parents=True, exist_ok=True)
    stem = f"{started.astimezone(UTC):%Y%m%d-%H%M%S}-{command}"
    for counter in range(1, 1000):
        folder = root / (stem if counter == 1 else f"{stem}-{counter}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        os.chmod(folder, 0o777 & ~_umask())
        return folder
    raise FileExistsError(f"{root}: too many runs named {stem}")


def write_report(
    root: Path, command: str, started: datetime, doc: dict[str, Any], records: Sequence[ClaimRecord]
) -> Path:
    """Write ``report.json``, ``report.md``, ``report.html`` and ``figures/`` into a new run folder under
    ``root``, point ``root/latest`` at it, and return the folder."""
    folder = run_folder(root, command, started)
    figures = folder / FIGURES_DIR
    figures.mkdir()
    for record in records:
        for name, data in record.figures.items():
            (figures / name).write_bytes(data)
    link = claims_document(folder)
    _write_atomic(folder / "report.md", markdown(doc, records, claims_link=link))
    _write_atomic(folder / "report.html", html(doc, records, claims_link=link))
    _write_atomic(folder / "report.json", json.dumps(doc, indent=2) + "\n")
    _point_latest(root, folder.name)
    return folder


def _point_latest(root: Path, name: str) -> None:
    """Make ``root/latest`` a relative link to ``name``, replacing the old link in one rename."""
    temporary = root / f".{LATEST}-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(name, target_is_directory=True)
    os.replace(temporary, root / LATEST)


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


def _umask() -> int:
    """The process's file-creation mask (temporary files are created private; reports are not)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

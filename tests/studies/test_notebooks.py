"""Execute every derivation-review notebook (``notebooks/NN_name.py``, jupytext percent format).

Each notebook is converted with jupytext and run top to bottom with nbclient in a fresh ``python3``
kernel (ipykernel's own kernel spec, which jupyter_client provides even when no kernel is installed in
a Jupyter data directory); a cell that raises fails the test. Marked ``notebook`` and deselected by
default; CI runs them with ``python -m pytest -m notebook``. ``NOTEBOOKS_DEEP=1`` runs the deep variants.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
QUICK_TIMEOUT = 600  # seconds per notebook; the quick runs take well under 2 minutes (README)
DEEP_TIMEOUT = 6 * 3600


def test_notebooks_exist():
    assert [p.stem[:2] for p in PATHS] == [f"{k:02d}" for k in range(1, 10)], PATHS


@pytest.mark.notebook
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path: Path):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    notebook = jupytext.read(path)
    deep = os.environ.get("NOTEBOOKS_DEEP", "0") == "1"
    client = nbclient.NotebookClient(
        notebook,
        timeout=DEEP_TIMEOUT if deep else QUICK_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError (with the cell and traceback) when a cell fails
    seconds = time.perf_counter() - started
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, errors
    print(f"{path.name}: {seconds:.1f} s")

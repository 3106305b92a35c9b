"""``explore ... --dask ADDRESS``: the sweep on a dask.distributed cluster gives the ``--jobs 1`` points."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import proofs_check.studies as explore
from proofs_check.cli.main import main

distributed = pytest.importorskip("distributed")

TINY = ["--n", "3", "--k", "1", "2", "--near", "0.5", "--far", "4", "--steps", "150"]


@pytest.fixture(scope="module")
def cluster():
    """Two workers in their own processes, as on a real cluster (the study's function travels by reference)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster


def _points(tmp_path: Path, capsys, dask: str | None = None) -> list[dict]:
    """The k-near points of the tiny grid without their timings; the saved run records the address."""
    backend = [] if dask is None else ["--dask", dask]
    assert main(["explore", "k-near", *TINY, *backend, "--out", str(tmp_path), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert json.loads(Path(record["files"]["record"]).read_text())["run"]["dask"] == dask
    return [{key: value for key, value in p.items() if key != "seconds"} for p in record["points"]]


def _fails_naming_dask(tmp_path: Path, capsys, *extra: str) -> str:
    """Exit status 2, one line on stderr naming --dask, and nothing written."""
    out = tmp_path / "never"
    assert main(["explore", "k-near", *TINY, *extra, "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "--dask" in error
    assert not out.exists()
    return error


def test_cluster_gives_the_local_points(cluster, tmp_path, capsys):
    local = _points(tmp_path / "local", capsys)
    assert [p["k"] for p in local] == [1, 2]
    assert _points(tmp_path / "dask", capsys, cluster.scheduler_address) == local


def test_sweep_keeps_the_order_of_the_points(cluster):
    points = list(range(-7, 8))
    assert explore.sweep(abs, points, quiet=True, dask=cluster.scheduler_address) == [abs(p) for p in points]


def test_an_error_on_a_worker_reaches_the_caller(cluster):
    with pytest.raises(ValueError, match="math domain error"):
        explore.sweep(math.sqrt, [4.0, -1.0], quiet=True, dask=cluster.scheduler_address)


def test_unreachable_scheduler(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(explore, "DASK_CONNECT_TIMEOUT", 0.5)
    error = _fails_naming_dask(tmp_path, capsys, "--dask", "tcp://127.0.0.1:1")
    assert "tcp://127.0.0.1:1" in error and "cannot connect to the scheduler" in error


def test_malformed_address(tmp_path, capsys):
    assert "not a scheduler address" in _fails_naming_dask(tmp_path, capsys, "--dask", "http://host:8786")


def test_dask_and_jobs_together(tmp_path, capsys):
    # refused before connecting: the unreachable address would take DASK_CONNECT_TIMEOUT otherwise
    error = _fails_naming_dask(tmp_path, capsys, "--dask", "tcp://127.0.0.1:1", "--jobs", "2")
    assert "--jobs" in error and "not both" in error


def test_dask_not_installed(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` raise ImportError
    assert "pip install 'proofs-check[dask]'" in _fails_naming_dask(tmp_path, capsys, "--dask", "tcp://127.0.0.1:1")

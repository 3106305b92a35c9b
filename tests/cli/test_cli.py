"""The command line: list / all / check, exit statuses, messages and the report files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_check.cli.main import main
from tests.conftest import BROKEN, PASSING, REFUTED

REPO = Path(__file__).resolve().parents[2]
CLAIM_KEYS = {"id", "label", "statement", "verdict", "checks", "notes", "seconds", "params", "error"}
CHECK_KEYS = {
    "name",
    "instance",
    "method",
    "dps",
    "claimed",
    "observed",
    "ok",
    "verdict",
    "corroborates",
    "detail",
    "figures",
}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def python_m(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proofs_check", *argv], cwd=REPO, capture_output=True, text=True, timeout=300
    )


# --- list ---------------------------------------------------------------------------------------


def test_list_prints_one_line_per_claim(fake_registry, capsys):
    status, out, err = run_cli(capsys, "list")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:3] == ["fake.pass", "Fake", "Lemma"]
    assert lines[0].endswith("L <= 1.0 for n = 4")


def test_list_json_names_parameters_and_constants(fake_registry, capsys):
    status, out, _ = run_cli(capsys, "list", "--json")
    assert status == 0
    first, second = json.loads(out)["claims"]
    assert first["id"] == "fake.pass" and first["label"] == "Fake Lemma 1"
    assert first["statement"] == "L <= 1.0 for n = 4"
    assert first["parameters"] == ["n", "eta", "fast", "mu"] and first["constants"] == ["bound"]
    assert first["defaults"]["quick"]["n"] == 2 and first["defaults"]["standard"]["eta"] == "0.01"
    assert second["id"] == "fake.refuted" and second["parameters"] == []


def test_list_works_with_the_shipped_registry():
    result = python_m("list", "--json")
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout)["claims"], list)


def test_list_reports_broken_claim_modules(use_claims, capsys):
    use_claims(PASSING, errors={"thm2_1": "ImportError: nope"})
    status, out, err = run_cli(capsys, "list")
    assert status == 2 and "fake.pass" in out
    assert err == "proofs-check: error: claim module thm2_1 failed to load: ImportError: nope\n"


# --- all / check: exit statuses ----------------------------------------------------------------------


def test_all_with_a_refuted_claim_exits_1(fake_registry, capsys, tmp_path):
    status, out, err = run_cli(capsys, "all", "--out", str(tmp_path))
    assert status == 1 and err == ""
    rows = out.splitlines()
    assert rows[0].split() == ["id", "verdict", "evidence", "seconds"]
    assert rows[1].split()[:2] == ["fake.pass", "supported"]
    assert rows[2].split()[:2] == ["fake.refuted", "refuted"]
    assert "refuted by 'counterexample'" in rows[2]
    assert f"report: {tmp_path / 'report.md'}" in out


def test_check_a_passing_claim_exits_0(fake_registry, capsys, tmp_path):
    status, out, _ = run_cli(capsys, "check", "fake.pass", "--out", str(tmp_path), "-q")
    assert status == 0 and out == ""
    assert [c["id"] for c in json.loads((tmp_path / "report.json").read_text())["claims"]] == ["fake.pass"]


def test_check_unknown_id_exits_2_naming_it(fake_registry, capsys, tmp_path):
    status, out, err = run_cli(capsys, "check", "thm9.9", "--out", str(tmp_path))
    assert status == 2 and out == ""
    assert err == ("proofs-check: error: unknown claim id 'thm9.9' (known: fake.pass, fake.refuted)\n")
    assert not (tmp_path / "report.json").exists()


def test_check_claim_whose_module_failed_to_load(use_claims, capsys, tmp_path):
    use_claims(PASSING, errors={"thm2_1": "SyntaxError: bad"})
    status, _, err = run_cli(capsys, "check", "thm2.1", "--out", str(tmp_path))
    assert status == 2
    assert err == "proofs-check: error: claim 'thm2.1' failed to load: SyntaxError: bad\n"


def test_internal_error_in_a_claim_is_inconclusive_and_exits_2(use_claims, capsys, tmp_path):
    use_claims(PASSING, BROKEN, REFUTED)
    status, out, err = run_cli(capsys, "all", "--out", str(tmp_path), "--json")
    assert status == 2
    assert err == "proofs-check: error: claim fake.broken: internal error: RuntimeError: boom\n"
    claims = json.loads(out)["claims"]
    assert [c["verdict"] for c in claims] == ["supported", "inconclusive", "refuted"]
    broken = claims[1]
    assert broken["error"] == "RuntimeError: boom"
    assert broken["checks"][0]["name"] == "internal error" and broken["checks"][0]["ok"] is None
    assert "Traceback" in (tmp_path / "report.md").read_text()


def test_load_errors_make_all_exit_2(use_claims, capsys, tmp_path):
    use_claims(PASSING, errors={"thm2_1": "ImportError: nope"})
    status, _, err = run_cli(capsys, "all", "--out", str(tmp_path), "-q")
    assert status == 2 and "claim module thm2_1 failed to load" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--param", "n=abc"], "--param n=abc: expected an integer (default 4)"),
        (["--param", "nn=3"], "--param nn=3: unknown key 'nn' (known: bound, eta, fast, mu, n)"),
        (["--param", "n"], "--param n: expected KEY=VALUE or ID:KEY=VALUE"),
        (
            ["--param", "fake.refuted:n=3"],
            "--param fake.refuted:n=3: claim 'fake.refuted' is not among those run (fake.pass)",
        ),
    ],
)
def test_bad_param_exits_2_with_one_line(fake_registry, capsys, tmp_path, argv, message):
    status, out, err = run_cli(capsys, "check", "fake.pass", "--out", str(tmp_path), *argv)
    assert status == 2 and out == ""
    assert err == f"proofs-check: error: {message}\n"


@pytest.mark.parametrize(
    "argv", [["all", "--profile", "huge"], ["all", "--jobs", "0"], ["check"], ["frobnicate"], ["all", "--seed", "x"]]
)
def test_argparse_usage_errors_exit_2(fake_registry, capsys, argv):
    status, _, err = run_cli(capsys, *argv)
    assert status == 2 and "error:" in err and "Traceback" not in err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "check" in capsys.readouterr().out


# --- parameters, profiles, seeds ------------------------------------------------------------------


def test_param_overrides_reach_the_claim_and_the_statement(fake_registry, capsys, tmp_path):
    status, out, _ = run_cli(
        capsys,
        "check",
        "fake.pass",
        "--out",
        str(tmp_path),
        "--json",
        "--profile",
        "quick",
        "--param",
        "fake.pass:bound=2",
        "--param",
        "eta=0.5",
        "--seed",
        "7",
    )
    assert status == 0
    doc = json.loads(out)
    claim = doc["claims"][0]
    assert claim["statement"] == "L <= 2.0 for n = 2"
    assert claim["params"] == {"bound": "2.0", "n": 2, "eta": "0.5", "fast": False, "mu": [["0.5"], ["-1.5"]]}
    assert claim["checks"][1]["instance"] == {"n": 2, "eta": "0.5"}
    assert claim["checks"][1]["detail"] == "profile quick"
    assert doc["run"]["seed"] == 7 and doc["run"]["profile"] == "quick"
    assert doc["run"]["params"] == ["fake.pass:bound=2", "eta=0.5"]


# --- reports ------------------------------------------------------------------------------------


def test_report_json_has_the_interface_shape(fake_registry, capsys, tmp_path):
    status, out, _ = run_cli(capsys, "all", "--out", str(tmp_path), "--json")
    assert status == 1
    doc = json.loads(out)
    assert doc == json.loads((tmp_path / "report.json").read_text())
    assert set(doc) == {"claims", "run"}
    for claim in doc["claims"]:
        assert set(claim) == CLAIM_KEYS and isinstance(claim["seconds"], float)
        assert all(set(check) == CHECK_KEYS for check in claim["checks"])
    run = doc["run"]
    assert set(run["versions"]) == {"sympy", "mpmath", "numpy", "python-flint", "python"}
    assert {"git_commit", "seed", "profile", "started"} <= set(run)
    supported = doc["claims"][0]["checks"][1]
    assert supported["claimed"] == "1.0" and supported["dps"] == 30 and supported["ok"] is True
    lo, hi = supported["observed"]["ball"]
    assert float(lo) < 1 / 3 < float(hi)
    assert supported["observed"]["third"].startswith("0.33333333333333333333333333333")
    assert doc["claims"][0]["checks"][0]["claimed"] == "0.5"


def test_report_md_and_figures(fake_registry, capsys, tmp_path):
    run_cli(capsys, "all", "--out", str(tmp_path))
    figure = tmp_path / "figures" / "fake.pass-draw.png"
    assert figure.read_bytes().startswith(b"\x89PNG")
    md = (tmp_path / "report.md").read_text()
    for text in (
        "# proofs-check report",
        "## fake.pass — Fake Lemma 1: **supported**",
        "> L <= 1.0 for n = 4",
        "### counterexample: refuted (failed)",
        "- method: ball arithmetic; precision: 30 digits",
        "![fake.pass-draw](figures/fake.pass-draw.png)",
        "- a fake claim",
    ):
        assert text in md


def test_report_replaces_only_its_own_files(fake_registry, capsys, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "stale.png").write_bytes(b"old")
    run_cli(capsys, "check", "fake.refuted", "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "keep.txt", "report.json", "report.md"]
    assert list((tmp_path / "figures").iterdir()) == []


def test_unwritable_out_exits_2(fake_registry, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    status, _, err = run_cli(capsys, "all", "--out", str(blocker / "sub"))
    assert status == 2 and err.startswith(f"proofs-check: error: --out {blocker / 'sub'}: cannot write")


def test_parallel_jobs_give_the_same_results(use_claims, capsys, tmp_path):
    use_claims(PASSING, REFUTED, BROKEN)

    def outcome(jobs: str) -> list[dict]:
        status, out, _ = run_cli(capsys, "all", "--jobs", jobs, "--seed", "3", "--json", "--out", str(tmp_path / jobs))
        assert status == 2
        claims = json.loads(out)["claims"]
        for claim in claims:
            claim.pop("seconds")
        return claims

    assert outcome("2") == outcome("1")
    assert (tmp_path / "2" / "figures" / "fake.pass-draw.png").exists()


def test_python_m_reports_user_mistakes_in_one_line(tmp_path):
    result = python_m("check", "no.such.claim", "--out", str(tmp_path))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("proofs-check: error: unknown claim id 'no.such.claim'")
    assert len(result.stderr.splitlines()) == 1

"""The command line: list / all / check, exit statuses, messages and the report files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_check.cli.main import main
from tests.conftest import BROKEN, PASSING, REFUTED

REPO = Path(__file__).resolve().parents[2]
CLAIM_KEYS = {"id", "label", "statement", "verdict", "checks", "notes", "seconds", "params", "error", "provenance"}
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


def latest(root: Path) -> Path:
    """The run folder ``root/latest`` points to."""
    return (root / "latest").resolve()


def progress_lines(err: str) -> list[str]:
    """The per-claim progress lines of ``all``/``check`` on stderr."""
    return [line for line in err.splitlines() if line.startswith("[")]


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
    assert lines[0].endswith("L <= 1 for n = 4")


def test_list_json_names_parameters_and_constants(fake_registry, capsys):
    status, out, _ = run_cli(capsys, "list", "--json")
    assert status == 0
    first, second = json.loads(out)["claims"]
    assert first["id"] == "fake.pass" and first["label"] == "Fake Lemma 1"
    assert first["statement"] == "L <= 1 for n = 4"
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
    assert status == 1
    assert progress_lines(err) == err.splitlines()  # stderr holds the progress lines only
    rows = out.splitlines()
    assert rows[0].split() == ["id", "verdict", "evidence", "seconds"]
    assert rows[1].split()[:2] == ["fake.pass", "supported"]
    assert rows[2].split()[:2] == ["fake.refuted", "refuted"]
    assert "refuted by 'counterexample'" in rows[2]
    assert f"report: {latest(tmp_path) / 'report.html'}" in out


def test_check_a_passing_claim_exits_0(fake_registry, capsys, tmp_path):
    status, out, err = run_cli(capsys, "check", "fake.pass", "--out", str(tmp_path), "-q")
    assert status == 0 and out == "" and err == ""
    assert [c["id"] for c in json.loads((latest(tmp_path) / "report.json").read_text())["claims"]] == ["fake.pass"]


def test_check_unknown_id_exits_2_naming_it(fake_registry, capsys, tmp_path):
    status, out, err = run_cli(capsys, "check", "thm9.9", "--out", str(tmp_path))
    assert status == 2 and out == ""
    assert err == ("proofs-check: error: unknown claim id 'thm9.9' (known: fake.pass, fake.refuted)\n")
    assert list(tmp_path.iterdir()) == []


def test_check_claim_whose_module_failed_to_load(use_claims, capsys, tmp_path):
    use_claims(PASSING, errors={"thm2_1": "SyntaxError: bad"})
    status, _, err = run_cli(capsys, "check", "thm2.1", "--out", str(tmp_path))
    assert status == 2
    assert err == "proofs-check: error: claim 'thm2.1' failed to load: SyntaxError: bad\n"


def test_internal_error_in_a_claim_is_inconclusive_and_exits_2(use_claims, capsys, tmp_path):
    use_claims(PASSING, BROKEN, REFUTED)
    status, out, err = run_cli(capsys, "all", "--out", str(tmp_path), "--json")
    assert status == 2
    errors = [line for line in err.splitlines() if line not in progress_lines(err)]
    assert errors == ["proofs-check: error: claim fake.broken: internal error: RuntimeError: boom"]
    claims = json.loads(out)["claims"]
    assert [c["verdict"] for c in claims] == ["supported", "inconclusive", "refuted"]
    broken = claims[1]
    assert broken["error"] == "RuntimeError: boom"
    assert broken["checks"][0]["name"] == "internal error" and broken["checks"][0]["ok"] is None
    assert "Traceback" in (latest(tmp_path) / "report.md").read_text()


def test_load_errors_make_all_exit_2(use_claims, capsys, tmp_path):
    use_claims(PASSING, errors={"thm2_1": "ImportError: nope"})
    status, _, err = run_cli(capsys, "all", "--out", str(tmp_path), "-q")
    assert status == 2 and "claim module thm2_1 failed to load" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--param", "n=abc"], "--param n=abc: expected an integer, got 'abc' (default 4)"),
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
    assert claim["statement"] == "L <= 2 for n = 2"
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
    assert doc == json.loads((latest(tmp_path) / "report.json").read_text())
    assert set(doc) == {"claims", "run"}
    for claim in doc["claims"]:
        assert set(claim) == CLAIM_KEYS and isinstance(claim["seconds"], float)
        assert all(set(check) == CHECK_KEYS for check in claim["checks"])
    run = doc["run"]
    assert set(run["versions"]) == {"sympy", "mpmath", "numpy", "python-flint", "python"}
    assert {"git_commit", "seed", "profile", "started", "command", "machine", "proofs_check"} <= set(run)
    assert run["command"] == "all" and run["machine"]["cpus"] >= 1
    supported = doc["claims"][0]["checks"][1]
    assert supported["claimed"] == "1.0" and supported["dps"] == 30 and supported["ok"] is True
    lo, hi = supported["observed"]["ball"]
    assert float(lo) < 1 / 3 < float(hi)
    assert supported["observed"]["third"].startswith("0.33333333333333333333333333333")
    assert doc["claims"][0]["checks"][0]["claimed"] == "0.5"
    assert doc["claims"][0]["provenance"] == {
        "reading": "L is bounded by the constant",
        "constants": {"bound": "as reported"},
    }
    assert doc["claims"][1]["provenance"] == {"reading": None, "constants": {}}


def test_report_md_says_what_it_is_and_holds_the_figures(fake_registry, capsys, tmp_path):
    run_cli(capsys, "all", "--out", str(tmp_path))
    figure = latest(tmp_path) / "figures" / "fake.pass-draw.png"
    assert figure.read_bytes().startswith(b"\x89PNG")
    md = (latest(tmp_path) / "report.md").read_text()
    for text in (
        "# proofs-check report",
        "The statements checked here are reconstructions",
        "*as reported*",
        "| `refuted` | a computed counterexample",
        "## fake.pass — Fake Lemma 1: **supported**",
        "> L <= 1 for n = 4",
        "- **Reading checked:** L is bounded by the constant",
        "- **Constants:** `bound = 1` (as reported)",
        "- **Instances covered:** proved for n in {4}; supported for n in {4}",
        "- **Parameters:** `n = 4`, `eta = 0.01`, `fast = False`, `mu = [[0.5], [-1.5]]`",
        "| 2 checks: 1 proved, 1 supported |",
        "### counterexample: refuted (failed)",
        "- method: ball arithmetic; precision: 30 digits",
        "![fake.pass-draw](figures/fake.pass-draw.png)",
        "- a fake claim",
    ):
        assert text in md, text
    assert "- **Reading checked:** not declared" in md  # fake.refuted declares no provenance
    link = re.search(r"\[docs/claims.md\]\(([^)]+)\)", md).group(1)
    assert link.startswith("file:") and link.endswith("/docs/claims.md")  # tmp_path is outside the checkout


def test_runs_never_destroy_each_other(fake_registry, capsys, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    run_cli(capsys, "all", "--out", str(tmp_path), "-q")
    first = latest(tmp_path)
    before = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    run_cli(capsys, "check", "fake.refuted", "--out", str(tmp_path), "-q")
    second = latest(tmp_path)
    assert first != second and first.name.endswith("-all") and second.name.endswith("-check")
    assert {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["keep.txt", "latest", first.name, second.name])
    assert sorted(p.name for p in second.iterdir()) == ["figures", "report.html", "report.json", "report.md"]
    assert (tmp_path / "latest").is_symlink() and not Path((tmp_path / "latest").readlink()).is_absolute()
    assert list((second / "figures").iterdir()) == []


def test_runs_in_the_same_second_get_their_own_folders(tmp_path):
    from datetime import UTC, datetime

    from proofs_check.report.files import run_folder

    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    names = [run_folder(tmp_path, "check", started).name for _ in range(3)]
    assert names == ["20260102-030405-check", "20260102-030405-check-2", "20260102-030405-check-3"]


def test_unwritable_out_exits_2_before_any_claim_runs(fake_registry, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    status, out, err = run_cli(capsys, "all", "--out", str(blocker / "sub"))
    assert status == 2 and out == ""
    assert err == f"proofs-check: error: --out: {blocker} is not a folder\n"  # no progress: nothing ran


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
    assert (latest(tmp_path / "2") / "figures" / "fake.pass-draw.png").exists()


# --- progress ------------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_is_one_line_per_claim_start_and_end(fake_registry, capsys, tmp_path, jobs):
    status, _, err = run_cli(capsys, "all", "--out", str(tmp_path), "--jobs", jobs)
    assert status == 1
    lines = progress_lines(err)
    assert sorted(lines) == sorted(
        [
            "[1/2] fake.pass started",
            "[2/2] fake.refuted started",
            *(line for line in lines if re.fullmatch(r"\[1/2\] fake\.pass supported \(\d+\.\d s\)", line)),
            *(line for line in lines if re.fullmatch(r"\[2/2\] fake\.refuted refuted \(\d+\.\d s\)", line)),
        ]
    )
    assert len(lines) == 4
    for claim in ("fake.pass", "fake.refuted"):  # each claim ends after it starts
        assert lines.index(next(x for x in lines if claim in x and "started" in x)) < lines.index(
            next(x for x in lines if claim in x and "started" not in x)
        )


def test_quiet_prints_no_progress(fake_registry, capsys, tmp_path):
    status, out, err = run_cli(capsys, "all", "--out", str(tmp_path), "-q")
    assert status == 1 and out == "" and err == ""


def test_verbose_adds_the_claims_notes(fake_registry, capsys, tmp_path):
    _, _, err = run_cli(capsys, "check", "fake.pass", "--out", str(tmp_path), "-v")
    assert "[fake.pass] computing" in err.splitlines()


def test_help_defines_the_verdicts_and_the_report_folder(capsys):
    assert main(["all", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for verdict in ("proved", "certified", "supported", "refuted", "inconclusive"):
        assert re.search(rf"\b{verdict} rests on ", text), verdict
    assert "DIR/<UTC start>-<command>/" in text and "DIR/latest" in text
    assert "exit status: 0 nothing refuted; 1 at least one claim refuted" in text


# --- the console table -----------------------------------------------------------------------------


def test_table_wraps_long_evidence_at_word_boundaries():
    from proofs_check.core.claim import Verdict
    from proofs_check.core.runner import ClaimRecord
    from proofs_check.report.markdown import table

    name = "u away, M0 = 10: exactly 1 converges, the others diverge and the rest of a long sentence"
    check = {"name": name, "verdict": "refuted", "corroborates": False}
    record = ClaimRecord("thm3.4", "Theorem 3.4", "S", Verdict.REFUTED, [check], [], 1.5, {})
    header, first, *more = table([record], width=40).splitlines()
    assert first.split()[:2] == ["thm3.4", "refuted"] and first.endswith("1.5") and more
    column = header.index("evidence")
    text = " ".join(line[column:] for line in [first.removesuffix("1.5"), *more])
    assert " ".join(text.split()) == f"refuted by {name!r}"
    assert all(len(line[column:].rstrip()) <= 40 for line in more)


def test_the_readme_defines_the_verdicts_as_the_report_does():
    from proofs_check.report.markdown import legend_markdown

    readme = (REPO / "README.md").read_text()
    assert "\n".join(legend_markdown()) in readme

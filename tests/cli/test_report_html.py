"""``report.html``: one self-contained file, checked in a real headless browser (Debian's chromium).

The browser test runs wherever chromium is installed; ``.ci/run`` installs it, and under CI (``CI`` set) a
missing browser fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from proofs_check.cli.main import main
from proofs_check.core.claim import Check, Claim, Verdict
from proofs_check.report.html import math_html
from tests.conftest import PASSING, REFUTED

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def run_drawing(profile, params, *, seed, progress):
    """Two checks with two and one figures (titles differ, so the images differ)."""

    def figure(title: str) -> Figure:
        drawing = Figure(figsize=(3, 2))
        axes = drawing.add_subplot()
        axes.plot([0, 1, 2], [0, 1, 4])
        axes.set_title(title)
        return drawing

    return [
        Check(
            name=f"draws ||mu_{k}|| <= e^{{-t}}",
            instance={"n": 2 + k, "d": 1},
            method="float",
            dps=16,
            claimed=1,
            observed={"value": 1},
            ok=True,
            verdict=Verdict.SUPPORTED,
            figures={f"panel-{j}": figure(f"check {k}, figure {j}") for j in range(2 - k)},
        )
        for k in range(2)
    ]


DRAWING = Claim(id="fake.drawing", label="Fake Figure 3", statement="n^{p} pictures", run=run_drawing)


def chromium() -> str:
    """The browser, or skip (outside CI) / fail (in CI) when it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed, and CI must run the browser test (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")


def browse(browser: str, page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000", *action, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


class _Outline(HTMLParser):
    """What a reader sees of the DOM: claim sections, figures, body attributes, text."""

    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str | None] = {}
        self.claims: list[str] = []
        self.figures: list[str] = []
        self.broken: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "body":
            self.body = attributes
        if tag == "section" and attributes.get("data-claim"):
            self.claims.append(str(attributes["data-claim"]))
        if tag == "figure":
            self.figures.append(str(attributes.get("data-figure")))
            if "broken" in (attributes.get("class") or ""):
                self.broken.append(str(attributes.get("data-figure")))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def report(use_claims, capsys, tmp_path) -> Path:
    """A run of three fake claims (three figures in all); the run folder."""
    use_claims(PASSING, REFUTED, DRAWING)
    assert main(["all", "--out", str(tmp_path / "reports"), "-q"]) == 1
    return (tmp_path / "reports" / "latest").resolve()


def test_every_claim_and_every_figure_renders_in_a_real_browser(report, tmp_path):
    browser = chromium()
    doc = json.loads((report / "report.json").read_text())
    figures = [Path(path).name for claim in doc["claims"] for check in claim["checks"] for path in check["figures"]]
    assert len(figures) == 4
    dom = browse(browser, report / "report.html", tmp_path / "chromium", "--dump-dom").stdout
    outline = _Outline()
    outline.feed(dom)
    assert outline.claims == [claim["id"] for claim in doc["claims"]] == ["fake.pass", "fake.refuted", "fake.drawing"]
    assert outline.figures == figures and outline.broken == []
    assert outline.body["data-figures-expected"] == outline.body["data-figures-rendered"] == "4"
    text = " ".join("".join(outline.text).split())
    for claim in doc["claims"]:
        assert f"{claim['id']} — {claim['label']}: {claim['verdict']}" in text


def test_the_browser_draws_the_page(report, tmp_path):
    browser = chromium()
    shot = tmp_path / "page.png"
    browse(browser, report / "report.html", tmp_path / "chromium", "--window-size=1200,3000", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a blank page of that size is a few kB


def test_report_html_is_self_contained(report):
    page = (report / "report.html").read_text()
    sources = re.findall(r'(?:src|href)="([^"#][^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") or s.endswith("docs/claims.md") for s in sources)
    assert len([s for s in sources if s.startswith("data:")]) == 4
    assert "<script src" not in page and "<link" not in page


def test_report_html_holds_what_report_md_holds(report):
    page = (report / "report.html").read_text()
    for text in (
        "The statements checked here are reconstructions",
        '<span class="verdict refuted">refuted</span>',
        '<span class="verdict supported">supported</span>',
        "<dt>Reading checked</dt><dd>L is bounded by the constant</dd>",
        "<code>bound = 1</code> (as reported)",
        "proved for n in {4}; supported for n in {4}",
        "n<sup>p</sup> pictures",  # an unfilled field stays, its exponent drawn
        "‖μ<sub>0</sub>‖ ≤ e<sup>-t</sup>",
        "does not mean",
        "<th>git commit</th>",
        "<th>machine</th>",
        "<th>seed</th><td>0</td>",
        "<th>profile</th><td>standard</td>",
    ):
        assert text in page, text


@pytest.mark.parametrize(
    "text, html",
    [
        ("mu_i(0) = c + delta_i", "μ<sub>i</sub>(0) = c + δ<sub>i</sub>"),
        ("L(tau) = O(tau^-0.5)", "L(τ) = O(τ<sup>-0.5</sup>)"),
        ("grad_(mu_i) KL", "grad<sub>μ<sub>i</sub></sub> KL"),
        ("|c| = M0 > 1e9 sqrt(d) n^10", "|c| = M<sub>0</sub> &gt; 1e9 √(d) n<sup>10</sup>"),
        ("loss_sign and n_values stay", "loss_sign and n_values stay"),
        ("theta, beta, taut", "theta, beta, taut"),
        ("x <- x - e^{-t} m*", "x ← x - e<sup>-t</sup> m*"),
        ("<script>", "&lt;script&gt;"),
    ],
)
def test_math_html(text, html):
    assert str(math_html(text)) == html

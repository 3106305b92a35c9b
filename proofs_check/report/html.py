"""``report.html``: the whole report in one self-contained file, readable in a browser without a server.

Rendered with Jinja2 (``templates/report.html.j2``) from the same data as ``report.md``
(:mod:`proofs_check.report.content`): the reconstruction notice, the verdict legend, a coloured verdict
table, and per claim its statement (as mathematics: :func:`math_html`), the reading checked, the constants
with their sources, the instances covered, every check, and its figures inline as ``data:`` URIs.  The
run's provenance (version, git commit, seed, profile, machine) closes it.  A small script marks a figure
that fails to decode, and counts the ones that did on ``<body data-figures-rendered="N">`` (what the
browser test reads).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from proofs_check.core.runner import ClaimRecord
from proofs_check.report.content import LEGEND, OUTCOME, RECONSTRUCTION, constants, coverage, evidence, other_parameters
from proofs_check.report.markdown import anchor

__all__ = ["html", "math_html"]

#: Image types by file suffix, for the ``data:`` URIs.
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

_GREEK = {"mu": "μ", "eta": "η", "tau": "τ", "eps": "ε", "delta": "δ", "sigma": "σ", "pi": "π", "sqrt": "√"}
_SYMBOLS = {"<=": "≤", ">=": "≥", "->": "→", "=>": "⇒", "<-": "←", "||": "‖"}
_WORD = re.compile(r"(?<![A-Za-z])(mu|eta|tau|eps|delta|sigma|pi|sqrt)(?![A-Za-z])|(?<![A-Za-z])M0(?![A-Za-z0-9])")
#: What a bare ``_`` or ``^`` applies to: a short index (``mu_i``, ``e_1``; not ``loss_sign``) or an exponent.
_SCRIPT_TOKEN = {"_": re.compile(r"[A-Za-z0-9*]{1,2}(?![A-Za-z0-9])"), "^": re.compile(r"-?[A-Za-z0-9]+(?:\.[0-9]+)?")}
_CLOSING = {"{": "}", "(": ")"}


def math_html(text: str) -> Markup:
    """Plain-text mathematics as HTML: ``mu_i`` -> μ<sub>i</sub>, ``n^3`` / ``e^{-t}`` / ``tau^(1 + eps)`` as
    superscripts, Greek names as letters, ``<=`` as ≤; everything else escaped.

    >>> str(math_html("||mu_i|| <= e^{-t} n^3 < tau^(1 + eps)"))
    '‖μ<sub>i</sub>‖ ≤ e<sup>-t</sup> n<sup>3</sup> &lt; τ<sup>1 + ε</sup>'
    """
    out: list[str] = []
    position = 0
    while position < len(text):
        position = _one(text, position, out)
    return Markup("".join(out))


def _one(text: str, position: int, out: list[str]) -> int:
    """Render the piece of ``text`` at ``position`` into ``out``; return where the next piece starts."""
    char = text[position]
    if char in "_^" and position > 0:
        tag = "sub" if char == "_" else "sup"
        following = text[position + 1 : position + 2]
        end = _matching(text, position + 1) if following in _CLOSING else None
        if end is not None:
            out.append(f"<{tag}>{math_html(text[position + 2 : end])}</{tag}>")
            return end + 1
        token = _SCRIPT_TOKEN[char].match(text, position + 1)
        if token:
            out.append(f"<{tag}>{math_html(token.group(0))}</{tag}>")
            return token.end()
    pair = text[position : position + 2]
    if pair in _SYMBOLS:
        out.append(_SYMBOLS[pair])
        return position + 2
    word = _WORD.match(text, position)
    if word:
        out.append(_GREEK[word.group(1)] if word.group(1) else "M<sub>0</sub>")
        return word.end()
    out.append(str(escape(char)))
    return position + 1


def _matching(text: str, opening: int) -> int | None:
    """The index of the bracket closing the one at ``opening`` (``None`` if it is never closed)."""
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == text[opening]:
            depth += 1
        elif text[index] == _CLOSING[text[opening]]:
            depth -= 1
            if depth == 0:
                return index
    return None


def html(doc: dict[str, Any], records: Sequence[ClaimRecord], claims_link: str = "docs/claims.md") -> str:
    """The self-contained HTML report of ``doc`` (the JSON document) and its ``records``."""
    from jinja2 import Environment, PackageLoader

    environment = Environment(loader=PackageLoader("proofs_check.report"), autoescape=True, keep_trailing_newline=True)
    environment.filters["math"] = math_html
    environment.filters["inline"] = lambda value: json.dumps(value)
    notice = RECONSTRUCTION.format(claims=f'<a href="{escape(claims_link)}">docs/claims.md</a>')
    claims = [_claim(record) for record in records]
    return environment.get_template("report.html.j2").render(
        run=doc["run"],
        notice=Markup(_emphasis(notice)),
        legend=LEGEND,
        claims=claims,
        figure_count=sum(len(check["images"]) for claim in claims for check in claim["checks"]),
    )


def _emphasis(text: str) -> str:
    """``*word*`` as ``<em>word</em>`` and ``code`` as ``<code>code</code>`` (the notice's Markdown)."""
    text = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _claim(record: ClaimRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "anchor": anchor(record.id),
        "label": record.label,
        "verdict": record.verdict.value,
        "seconds": record.seconds,
        "statement": record.statement,
        "reading": record.reading,
        "evidence": evidence(record),
        "constants": constants(record),
        "coverage": coverage(record),
        "parameters": other_parameters(record),
        "notes": record.notes,
        "error": record.error,
        "traceback": record.traceback,
        "checks": [
            {**check, "outcome": OUTCOME[check["ok"]], "images": [_image(record, path) for path in check["figures"]]}
            for check in record.checks
        ],
    }


def _image(record: ClaimRecord, path: str) -> dict[str, str]:
    """A check's figure as ``{"name", "uri"}``: the image bytes of the record as a ``data:`` URI."""
    name = Path(path).name
    mime = _MIME.get(Path(name).suffix.lower(), "application/octet-stream")
    return {"name": name, "uri": f"data:{mime};base64,{base64.b64encode(record.figures[name]).decode('ascii')}"}

"""One module per claim (see ``docs/claims.md``), in a room per concept, and their registry.

The rooms: ``identities/`` (exact identities of the model), ``landscape/`` (stationary points), ``dynamics/``
(where gradient descent goes) and ``conjectures/`` (laws this toolkit found beyond the paper).  Each module
``proofs_check/claims/<room>/<name>.py`` defines ``CLAIM = Claim(...)`` (see :mod:`proofs_check.core.claim`);
``<name>`` is the claim id with dots replaced by underscores (``lemma2.2`` -> ``lemma2_2.py``), unique across
rooms.  :func:`discover` imports whatever modules are present -- none, some or all, at the top of the package
or one room down -- and orders the claims as the paper does (:data:`PAPER_ORDER`); a claim id not in that list
comes after, alphabetically. A module that fails to import or does not define a valid ``CLAIM`` is recorded in
:attr:`Registry.errors` instead of stopping the others.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass, field

from proofs_check.core.claim import Claim

__all__ = ["PAPER_ORDER", "Registry", "module_name", "paper_position", "claim_modules", "discover"]

#: Claim ids in the paper's order.
PAPER_ORDER = ("eq1", "lemma2.2", "bridge.em", "thm2.1", "thm3.1", "thm3.2", "lemma3.3", "thm3.4", "thm3.5", "thm3.7")


@dataclass(frozen=True)
class Registry:
    """The claims found, in paper order, and the modules that could not be loaded."""

    claims: tuple[Claim, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)  # module name -> one-line reason

    @property
    def ids(self) -> list[str]:
        """Claim ids, in paper order."""
        return [claim.id for claim in self.claims]

    def get(self, claim_id: str) -> Claim:
        """The claim with id ``claim_id``; ``KeyError`` if there is none."""
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(claim_id)


def module_name(claim_id: str) -> str:
    """The module a claim lives in: ``"lemma2.2"`` -> ``"lemma2_2"``."""
    return claim_id.replace(".", "_")


def paper_position(claim_id: str) -> tuple[int, str]:
    """Sort key: the paper's order first, unknown ids after it alphabetically."""
    if claim_id in PAPER_ORDER:
        return PAPER_ORDER.index(claim_id), ""
    return len(PAPER_ORDER), claim_id


def claim_modules(package: str = __name__) -> dict[str, str]:
    """The public modules of ``package`` and of its rooms (subpackages, one level down): name -> qualified name."""
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name.startswith("_"):
            continue
        if not info.ispkg:
            found[info.name] = f"{package}.{info.name}"
            continue
        room = f"{package}.{info.name}"
        for inner in pkgutil.iter_modules(importlib.import_module(room).__path__):
            if not inner.name.startswith("_") and not inner.ispkg:
                found[inner.name] = f"{room}.{inner.name}"
    return found


def discover(package: str = __name__, only: Iterable[str] | None = None) -> Registry:
    """Import the public modules of ``package`` and collect their ``CLAIM`` objects.

    With ``only`` (claim ids), import just those claims' modules, so that ``check ID`` loads one claim; if one of
    them has no module, every module is loaded after all, so that the caller can name the ids that exist.
    """
    modules = claim_modules(package)
    wanted = None if only is None else {module_name(claim_id) for claim_id in only}
    if wanted is not None and wanted <= set(modules):
        modules = {name: path for name, path in modules.items() if name in wanted}
    claims: list[Claim] = []
    errors: dict[str, str] = {}
    for name, qualified in modules.items():
        try:
            claims.append(_load(qualified, name))
        except Exception as error:  # a broken module must not hide the others
            errors[name] = f"{type(error).__name__}: {error}"
    return Registry(tuple(sorted(claims, key=lambda claim: paper_position(claim.id))), errors)


def _load(qualified_name: str, name: str) -> Claim:
    claim = getattr(importlib.import_module(qualified_name), "CLAIM", None)
    if not isinstance(claim, Claim):
        raise TypeError(f"module {name} defines no CLAIM = Claim(...)")
    if module_name(claim.id) != name:
        raise ValueError(f"claim id {claim.id!r} belongs in module {module_name(claim.id)}.py")
    return claim

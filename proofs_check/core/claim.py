"""Claims, checks and verdicts: the vocabulary every claim module is written in.

A claim module in ``proofs_check/claims/<room>/`` reads like a PEPit example: a docstring stating the claim, its paper
location, hypotheses and what is checked; ``STATEMENT`` (the statement's constants, as data), ``PARAMETERS`` and
``PROFILES`` (the instances), ``run(profile, params, *, seed, progress)`` returning :class:`Check` objects, and
``CLAIM = Claim(...)``. The template for a new claim module and its test is in ``CONTRIBUTING.md``.

``params`` holds the statement constants and the instance parameters of the chosen profile, with
every ``--param KEY=VALUE`` applied. ``{name}`` in the statement text is replaced by the
current value of that constant or parameter, so an edited statement shows in the report; numbers are
written as mathematics (``1e9``, no ``1 n^3``) and ``{name:singular|plural}`` agrees with the value
(:mod:`proofs_check.core.mathtext`).

The statements are reconstructions (``docs/claims.md``), so a claim declares its :class:`Provenance`:
the reading its checks test and, per constant, whether it is *as reported*, *our reading* or *derived*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import total_ordering
from typing import Any, Protocol

from proofs_check.core import mathtext, params as _params

#: The run profiles, cheapest first. ``standard`` is the default and carries ``Claim.parameters``.
PROFILES = ("quick", "standard", "deep")


@total_ordering
class Verdict(Enum):
    """The words a check or claim can end with, ordered weakest to strongest for combining.

    ``REFUTED < INCONCLUSIVE < SUPPORTED < CERTIFIED < PROVED``: a claim's verdict is the
    minimum over its checks (:func:`combine`), so one refuted check refutes the claim and
    the claim is never stronger than its weakest piece of evidence.
    """

    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"
    SUPPORTED = "supported"
    CERTIFIED = "certified"
    PROVED = "proved"

    @property
    def strength(self) -> int:
        """Position in the order: 0 for ``refuted`` up to 4 for ``proved``."""
        return list(Verdict).index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self.strength < other.strength

    @classmethod
    def from_outcome(cls, ok: bool | None, strength: Verdict) -> Verdict:
        """``strength`` if the check passed, ``REFUTED`` if it failed, ``INCONCLUSIVE`` if undecided."""
        if ok is None:
            return cls.INCONCLUSIVE
        return strength if ok else cls.REFUTED


_POSITIVE = (Verdict.SUPPORTED, Verdict.CERTIFIED, Verdict.PROVED)


@dataclass(frozen=True, kw_only=True)
class Check:
    """One piece of evidence for or against a claim, at one instance.

    ``verdict`` is what this check alone justifies. It must agree with ``ok``: a positive
    verdict (supported, certified, proved) needs ``ok is True``, ``refuted`` needs
    ``ok is False``; ``inconclusive`` goes with any ``ok`` (for example a test that failed but
    whose numerics are not trustworthy). ``figures`` maps a short name to a matplotlib
    ``Figure`` or to the path of an image file; the report saves them under ``figures/``.
    Numbers in ``instance``, ``claimed`` and ``observed`` may be floats, ``mpf``, ``arb``,
    ``Fraction`` ... (see :mod:`proofs_check.core.jsonfmt`).

    ``corroborates`` marks an independent cross-check of a stronger argument made by other checks
    (numbers confirming a proof): it refutes the claim when it fails, but its passing does not
    lower the claim's verdict to its own, weaker word.
    """

    name: str
    instance: dict[str, Any]
    method: str
    dps: int | None
    claimed: Any
    observed: dict[str, Any]
    ok: bool | None
    verdict: Verdict
    detail: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    corroborates: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.verdict, Verdict):
            raise TypeError(f"check {self.name!r}: verdict must be a Verdict, got {self.verdict!r}")
        if self.verdict in _POSITIVE and self.ok is not True:
            raise ValueError(f"check {self.name!r}: verdict {self.verdict.value} needs ok=True")
        if self.verdict is Verdict.REFUTED and self.ok is not False:
            raise ValueError(f"check {self.name!r}: verdict refuted needs ok=False")


def combine(checks: Iterable[Check]) -> Verdict:
    """The claim's verdict: the weakest verdict among ``checks`` (``inconclusive`` if none).

    Corroborating checks count only when they refute, or when nothing else was checked.
    """
    checks = list(checks)
    evidence = [check for check in checks if not check.corroborates] or checks
    if any(check.verdict is Verdict.REFUTED for check in checks):
        return Verdict.REFUTED
    return min((check.verdict for check in evidence), default=Verdict.INCONCLUSIVE)


class Progress(Protocol):
    """Where a running claim reports what it is doing (a short note, e.g. ``"n=4: 3/10"``)."""

    def __call__(self, note: str) -> None: ...


RunFunction = Callable[..., list[Check]]
"""``run(profile: str, params: dict, *, seed: int, progress: Progress) -> list[Check]``."""

#: Where a statement constant comes from (``docs/claims.md``): a secondary summary of the paper (*as reported*,
#: possibly wrong), our reading of an ambiguous statement, or our own derivation.
SOURCES = ("as reported", "our reading", "derived")


@dataclass(frozen=True)
class Provenance:
    """What a reconstructed statement rests on, for the report's reader.

    ``reading`` says in a sentence which reading of the statement the checks test (the statements are
    reconstructions, some ambiguous); ``constants`` maps statement constants to one of :data:`SOURCES`.
    """

    reading: str
    constants: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A claim of the paper: its statement (text and constants), instances, and how to check it.

    ``constants`` is the statement as data (e.g. ``{"rate_exponent": 1.0}``), ``parameters`` the
    instance parameters of the ``standard`` profile, ``profiles`` the changes for ``quick`` and
    ``deep``. Constants and parameters share one namespace and are all overridable with
    ``--param``. ``domains`` declares, next to the defaults, what each name accepts (type and range or choices,
    :mod:`proofs_check.core.params`): a value outside is refused in one line before anything runs; a name without
    a declaration is read by the type of its default. ``summarize(checks)``, if given, adds notes drawn from the run
    (e.g. which hypotheses were out of reach) to the static ``notes``. The claim module must be named after the id
    with dots turned into underscores (``lemma2.2`` lives in ``lemma2_2.py``) and define ``CLAIM = Claim(...)``;
    ``run`` and ``summarize`` must be module-level functions so claims can run in worker processes.
    """

    id: str
    label: str
    statement: str
    run: RunFunction
    constants: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = None
    domains: dict[str, _params.Domain] = field(default_factory=dict)
    summarize: Callable[[list[Check]], list[str]] | None = None

    def __post_init__(self) -> None:
        if not self.id or not self.label or not self.statement:
            raise ValueError("a claim needs an id, a label and a statement")
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.provenance is not None:
            self._check_provenance(self.provenance)
        shared = set(self.constants) & set(self.parameters)
        if shared:
            raise ValueError(f"claim {self.id}: {sorted(shared)} both constant and parameter")
        undeclared = set(self.domains) - set(self.constants) - set(self.parameters)
        if undeclared:
            raise ValueError(f"claim {self.id}: domains of unknown names {sorted(undeclared)}")
        for name, default in {**self.constants, **self.parameters}.items():
            _params.check_default(name, default, self.domains.get(name))
        for profile, changes in self.profiles.items():
            if profile not in PROFILES:
                raise ValueError(f"claim {self.id}: unknown profile {profile!r}")
            unknown = set(changes) - set(self.parameters)
            if unknown:
                raise ValueError(f"claim {self.id}: profile {profile!r} sets unknown parameters {sorted(unknown)}")
            for name, value in changes.items():
                _params.check_default(name, value, self.domains.get(name))

    def _check_provenance(self, provenance: Provenance) -> None:
        unknown = set(provenance.constants) - set(self.constants)
        if unknown:
            raise ValueError(f"claim {self.id}: provenance of unknown constants {sorted(unknown)}")
        for name, source in provenance.constants.items():
            if source not in SOURCES:
                raise ValueError(f"claim {self.id}: provenance of {name!r} is {source!r}, not one of {SOURCES}")

    @property
    def names(self) -> list[str]:
        """Every name ``--param`` can set: constants first, then parameters."""
        return [*self.constants, *self.parameters]

    def defaults(self, profile: str = "standard") -> dict[str, Any]:
        """Constants and the instance parameters of ``profile``, before any override."""
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
        return {**self.constants, **self.parameters, **self.profiles.get(profile, {})}

    def resolve(self, profile: str, overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``params`` handed to ``run``: :meth:`defaults` with ``--param`` texts applied.

        Raises :class:`proofs_check.core.params.ParameterError` naming an unknown key or a bad value.
        """
        values = self.defaults(profile)
        for key, text in (overrides or {}).items():
            if key not in values:
                raise _params.ParameterError(
                    f"--param {key}={text}: unknown key {key!r} for {self.id} "
                    f"(known: {', '.join(self.names) or 'none'})"
                )
            values[key] = _params.coerce(key, text, values[key], self.domains.get(key))
        return values

    def render_statement(self, values: Mapping[str, Any] | None = None) -> str:
        """The statement text with each ``{name}`` of a constant or parameter filled in, as mathematics."""
        return mathtext.fill(self.statement, self.defaults() if values is None else values)

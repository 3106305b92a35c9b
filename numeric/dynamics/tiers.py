"""The arithmetic of the gradient-descent tiers: double precision (numpy) or ``dps`` digits (mpmath).

One GD algorithm (``numeric.dynamics.gd``) over several arithmetics, in the spirit of mpmath's contexts: each
arithmetic turns a configuration into its own numbers, evaluates loss and gradient (``numeric.model``), takes a
step, measures norms, and encodes numbers exactly for checkpoints. A run builds its arithmetic once
(:func:`arithmetic_for`, cached on the run's configuration).

``loss_grad(mu, anchor)`` also takes and returns the run's *anchor*: where the arithmetic last did work it can
reuse for nearby points (the fast tier's tensor rule, :func:`numeric.model.loss_and_gradient_reusing`; None
elsewhere).  The anchor lives in the run's state and its checkpoints, not in the arithmetic, which runs share.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import mpmath
import numpy as np

from numeric.model import loss_and_gradient_precise, loss_and_gradient_reusing

__all__ = ["Arithmetic", "FastArithmetic", "PreciseArithmetic", "ARITHMETICS", "arithmetic_for"]


class Arithmetic(Protocol):
    """What GD asks of an arithmetic; the numbers themselves are the tier's own (arrays, mpf rows)."""

    name: str
    step: Any

    def start(self, rows: Sequence[Sequence[str]]) -> Any: ...
    def loss_grad(self, mu: Any, anchor: Any) -> tuple[Any, Any, Any]: ...
    def update(self, mu: Any, grad: Any) -> Any: ...
    def norms(self, mu: Any) -> tuple[Any, ...]: ...
    def total_norm(self, grad: Any) -> Any: ...
    def original(self, mu: Any) -> Any: ...
    def number(self, text: str) -> Any: ...
    def finite(self, x: Any) -> bool: ...
    def encode(self, x: Any) -> str: ...
    def decode(self, text: str) -> Any: ...
    def to_rows(self, mu: Any) -> Any: ...
    def from_rows(self, rows: Any) -> Any: ...


class FastArithmetic:
    """Double precision, numpy arrays."""

    name = "fast"

    def __init__(self, eta: str, t: str | None, truth: Sequence[str] | None, dps: int) -> None:
        self.scale = math.exp(-float(t)) if t is not None else 1.0
        self.step = float(eta) * self.scale**2
        self.truth = np.array([float(x) for x in truth]) if truth else 0.0

    def start(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        return self.scale * (np.array([[float(x) for x in row] for row in rows]) - self.truth)

    def loss_grad(self, mu: np.ndarray, anchor: np.ndarray | None) -> tuple[float, np.ndarray, np.ndarray | None]:
        return loss_and_gradient_reusing(mu, anchor)

    def update(self, mu: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return mu - self.step * grad

    # Norms with the fewest numpy calls: gradient descent takes both at every step (5 us of ~60 before).
    def norms(self, mu: np.ndarray) -> tuple[float, ...]:
        return tuple(map(math.sqrt, np.einsum("ij,ij->i", mu, mu).tolist()))

    def total_norm(self, grad: np.ndarray) -> float:
        return math.sqrt(float(np.vdot(grad, grad)))

    def original(self, mu: np.ndarray) -> np.ndarray:
        return mu / self.scale + self.truth

    @staticmethod
    def number(text: str) -> float:
        return float(text)

    @staticmethod
    def finite(x: Any) -> bool:
        return math.isfinite(x) if isinstance(x, float) else bool(np.isfinite(x).all())

    @staticmethod
    def encode(x: float) -> str:
        return float(x).hex()

    @staticmethod
    def decode(text: str) -> float:
        return float.fromhex(text)

    @staticmethod
    def to_rows(mu: np.ndarray) -> list[list[float]]:
        return mu.tolist()

    @staticmethod
    def from_rows(rows: list[list[float]]) -> np.ndarray:
        return np.array(rows, dtype=float)


class PreciseArithmetic:
    """``dps`` digits (mpmath numbers; gradients from the precise tier carry ``dps + 10``)."""

    name = "precise"

    def __init__(self, eta: str, t: str | None, truth: Sequence[str] | None, dps: int) -> None:
        self.dps = dps
        self.work = dps + 10
        with mpmath.workdps(self.work):
            self.scale = mpmath.exp(-mpmath.mpf(t)) if t is not None else mpmath.mpf(1)
            self.step = mpmath.mpf(eta) * self.scale**2
            self.truth = [mpmath.mpf(x) for x in truth] if truth else None

    def start(self, rows: Sequence[Sequence[str]]) -> list[list[mpmath.mpf]]:
        with mpmath.workdps(self.work):
            truth = self.truth or [0] * len(rows[0])
            return [[self.scale * (mpmath.mpf(x) - s) for x, s in zip(row, truth)] for row in rows]

    def loss_grad(self, mu: list[list[mpmath.mpf]], anchor: None) -> tuple[mpmath.mpf, list[list[mpmath.mpf]], None]:
        loss, grad, _, _ = loss_and_gradient_precise(mu, self.dps)
        return loss, grad, None

    def update(self, mu, grad):
        with mpmath.workdps(self.work):
            return [[x - self.step * g for x, g in zip(row, grow)] for row, grow in zip(mu, grad)]

    def norms(self, mu) -> tuple[mpmath.mpf, ...]:
        with mpmath.workdps(self.work):
            return tuple(mpmath.sqrt(mpmath.fsum(x * x for x in row)) for row in mu)

    def total_norm(self, grad) -> mpmath.mpf:
        with mpmath.workdps(self.work):
            return mpmath.sqrt(mpmath.fsum(g * g for row in grad for g in row))

    def original(self, mu):
        with mpmath.workdps(self.work):
            truth = self.truth or [0] * len(mu[0])
            return [[x / self.scale + s for x, s in zip(row, truth)] for row in mu]

    def number(self, text: str) -> mpmath.mpf:
        with mpmath.workdps(self.work):
            return mpmath.mpf(text)

    @staticmethod
    def finite(x: Any) -> bool:
        values = x if isinstance(x, (list, tuple)) else [x]
        flat = [v for item in values for v in (item if isinstance(item, (list, tuple)) else [item])]
        return all(mpmath.isfinite(v) for v in flat)

    @staticmethod
    def encode(x: mpmath.mpf) -> str:
        if not mpmath.isfinite(x):
            return str(x)
        sign, man, exp, _ = x._mpf_
        return f"{'-' if sign else ''}{int(man)}p{int(exp)}"

    @staticmethod
    def decode(text: str) -> mpmath.mpf:
        if "p" not in text:
            return mpmath.mpf(text)
        man, exp = (int(part) for part in text.split("p"))
        with mpmath.workprec(max(53, abs(man).bit_length() + 1)):
            return mpmath.mpf((man, exp))  # exact: the precision holds every mantissa bit

    @staticmethod
    def to_rows(mu):
        return [list(row) for row in mu]

    @staticmethod
    def from_rows(rows):
        return [list(row) for row in rows]


#: The GD arithmetics by tier name.
ARITHMETICS: dict[str, Callable[[str, str | None, Sequence[str] | None, int], Arithmetic]] = {
    "fast": FastArithmetic,
    "precise": PreciseArithmetic,
}


def arithmetic_for(tier: str, eta: str, t: str | None, truth: Sequence[str] | None, dps: int) -> Arithmetic:
    """The arithmetic of ``tier`` for a run with step ``eta`` at noise time ``t`` (``None``: reduced parameters)."""
    return ARITHMETICS[tier](eta, t, truth, dps)

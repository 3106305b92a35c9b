"""Slab rules: a tensor rule whose transverse rules change along its finest axis (fast tier).

A switch needs ``digits - D^2 / (2 ln 10)`` digits, ``D`` the distance from the origin of the nearest place where it
can have poles (:func:`numeric.expectation.cubature.tensor.switches`): the density is ``e^(-D^2 / 2)`` smaller
there.  The rules across a slab ``a <= y_m <= b`` of the main axis ``m`` (at each of its nodes, a product over the
other axes) integrate where the density is at most ``e^(-t^2 / 2)``, ``t`` the slab's point nearest the origin, so
there every switch needs at most ``digits - t^2 / (2 ln 10)`` digits, and the slabs far out along the main axis take
coarser rules across.  Only the main axis's density counts, not how far across the slab a switch's hyperplane lies:
a switch whose hyperplane crosses the slab far out still shapes the weights across all of it through its exponential
tail, which has no pole but is no polynomial either (a first version counted that distance too, and two
Gauss-Hermite nodes across the last slab then missed such a tail by ``3e-10``; its error estimate said so).

The main axis keeps its rule; the slabs' transverse rules are chosen by the same criteria as a tensor rule's
(:func:`numeric.expectation.cubature.tensor.axis_choices`) at the digits the switches need there, or are the tensor
rule's where those have fewer nodes.  The companion (the error estimate) is the main axis's companion with each slab's
transverse companions, on the same slabs.  The fast tier takes slab rules for tensor rules above
:data:`SLAB_FROM_NODES` nodes (below, choosing them costs more than they save) when they keep at most
:data:`SLAB_GAIN` of the nodes; GD's reused rules (:class:`numeric.expectation.cubature.tensor.ReusableRule`) stay
tensor rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from numeric.expectation.cubature.tails import Tails
from numeric.expectation.cubature.tensor import (
    CACHED_NODES,
    FAST,
    AxisRule,
    Rules,
    Switches,
    axis_choices,
    choose_rules,
    hermite_cap,
    product_of,
    rule_count,
    rule_inputs,
)
from numeric.expectation.reduction import Reduction
from numeric.expectation.tiers import LN10

__all__ = ["SlabRule", "fast_rules", "slab_rules", "slab_needs", "SLAB_WIDTH"]

#: Width of the slabs along the main axis (0.25 and 0.5 saved 3-6% more nodes, for twice and four times the slabs).
SLAB_WIDTH = 1.0
#: A slab rule replaces the tensor rule when it has at most this fraction of its nodes,
SLAB_GAIN = 0.85
#: and only for tensor rules of more nodes than this: choosing the slabs' rules takes about 0.3 ms, what summing
#: some 10,000 nodes takes (measured at spread 0.3 of ``benchmarks/bench.py``'s general configuration, where
#: 15,603 nodes became 12,812 and the call took 0.6 ms longer).
SLAB_FROM_NODES = 1 << 16


@dataclass(frozen=True)
class SlabRule:
    """Rule ``main`` along ``axis``; its nodes in ``edges[j] <= y < edges[j + 1]`` take ``transverse[j]`` (one rule
    per other axis, in order) across.  A product rule for
    :func:`numeric.expectation.cubature.tensor.tensor_expectation`."""

    axis: int
    main: AxisRule
    edges: tuple[float, ...]
    transverse: tuple[tuple[AxisRule, ...], ...]
    sizes: tuple[int, ...]  # the main axis's nodes in each slab

    @property
    def radius(self) -> float:
        return max([self.main.radius] + [rule.radius for rules in self.transverse for rule in rules])

    @property
    def rank(self) -> int:
        return 1 + len(self.transverse[0])

    def count(self) -> int:
        return self._count

    @cached_property
    def _count(self) -> int:
        return sum(size * math.prod(rule.count() for rule in rules) for size, rules in zip(self.sizes, self.transverse))

    def truncated_axes(self) -> int:
        """Axes on which some slab's rule is a truncated trapezoid (each adds a tail)."""
        across = max(sum(rule.order is None for rule in rules) for rules in self.transverse)
        return across + (self.main.order is None)

    def describe(self) -> str:
        axes = [k for k in range(self.rank) if k != self.axis]
        across = ", ".join(
            f"axis {k + 1}: " + _summary([rules[j] for rules in self.transverse]) for j, k in enumerate(axes)
        )
        return f"axis {self.axis + 1}: {self.main.describe()}; across it in {len(self.transverse)} slabs, {across}"

    def chunks(self, log_threshold: float, chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Nodes ``(r, N)`` and weights, pruned below ``log_threshold``, in chunks of at most ``chunk``."""
        if self.count() <= CACHED_NODES:
            yield _cached_slab_floats(self, log_threshold)
            return
        for axes in _slab_axes(self):
            size = math.prod(len(a[1]) for a in axes)
            for start in range(0, size, chunk):
                part = product_of(axes, log_threshold, start, min(size, start + chunk))
                if len(part[1]):
                    yield part


def _summary(rules: list[AxisRule]) -> str:
    """The rules one axis takes across the slabs, in a few words (orders and steps as ranges)."""
    words = []
    for kind, values in (
        ("Gauss-Hermite ", sorted({rule.order for rule in rules if rule.order})),
        ("trapezoid h=", sorted({rule.step for rule in rules if not rule.order and not rule.scale})),
    ):
        if values:
            words.append(kind + "-".join(f"{x:.3g}" for x in sorted({values[0], values[-1]})))
    return " / ".join(words + sorted({rule.describe() for rule in rules if rule.scale}))


@lru_cache(maxsize=32)
def _slab_axes(rule: SlabRule) -> tuple[tuple[tuple[np.ndarray, np.ndarray], ...], ...]:
    """Per slab holding nodes of the main axis: the 1-D rules of every axis in order (the main one cut to the slab)."""
    nodes, weights = rule.main.floats()
    slab = _slab_of(nodes, rule.edges)
    out = []
    for j, rules in enumerate(rule.transverse):
        inside = slab == j
        if np.any(inside):
            axes = [r.floats() for r in rules]
            axes.insert(rule.axis, (nodes[inside], weights[inside]))
            out.append(tuple(axes))
    return tuple(out)


@lru_cache(maxsize=32)
def _cached_slab_floats(rule: SlabRule, log_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    parts = [product_of(axes, log_threshold, 0, math.prod(len(a[1]) for a in axes)) for axes in _slab_axes(rule)]
    nodes = np.concatenate([y for y, _ in parts], axis=1)
    weights = np.concatenate([w for _, w in parts])
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


def slab_needs(found: Switches, lows: np.ndarray, highs: np.ndarray, digits: float) -> np.ndarray:
    """The digits each switch needs within each slab ``lows[g] <= y_m <= highs[g]`` of the main axis, ``(G, S)``:
    at most what it needs anywhere, and at most what the slab's largest density ``e^(-t^2 / 2)`` allows (``t`` the
    slab's point nearest the origin).  Not less: a switch whose hyperplane crosses the slab only far out still
    shapes the weights across all of it through its exponential tail (no pole, but no polynomial either)."""
    nearest = np.clip(0.0, lows, highs) ** 2
    return np.minimum(found[1][None, :], digits - nearest[:, None] / (2.0 * LN10))


def slab_rules(
    fine: list[AxisRule],
    coarse: list[AxisRule],
    found: Switches,
    cut: float,
    digits: float,
    tails: Tails,
) -> tuple[SlabRule, SlabRule] | None:
    """Fine and coarse slab rules along the axis where ``fine`` has the most nodes, or None where they would keep
    more than :data:`SLAB_GAIN` of the tensor rule's nodes.  Each slab takes, along each other axis, the rule chosen
    for its own switches (:func:`numeric.expectation.cubature.tensor.axis_choices`) and ``tails`` (their least
    Gauss-Hermite orders in that slab, :meth:`numeric.expectation.cubature.tails.Tails.orders`) or the tensor rule's,
    whichever is smaller."""
    axis = max(range(len(fine)), key=lambda k: fine[k].count())
    others = [k for k in range(len(fine)) if k != axis]
    inner = np.arange(-cut + SLAB_WIDTH, cut, SLAB_WIDTH)
    lows, highs = np.concatenate([[-np.inf], inner]), np.concatenate([inner, [np.inf]])
    needs = slab_needs(found, lows, highs, digits)
    floors = tails.orders(digits, hermite_cap(digits), (axis, lows, highs))[:, others]
    choices = axis_choices(np.abs(found[0][:, others]), needs, cut, digits, floors)
    edges: list[float] = []
    across: list[tuple[tuple[AxisRule, ...], tuple[AxisRule, ...]]] = []  # per slab: fine and coarse rules
    whole = [(fine[k], coarse[k], fine[k].count()) for k in others]  # the tensor rule's, where smaller
    for g, low in enumerate(lows.tolist()):
        pairs = [choices[j][g] if choices[j][g][0].count() < size else (f, c) for j, (f, c, size) in enumerate(whole)]
        rules = tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
        if not across or across[-1] != rules:  # else the slab before extends over this one
            edges.append(low)
            across.append(rules)
    bounds = tuple(edges + [math.inf])
    slab_fine = SlabRule(axis, fine[axis], bounds, tuple(f for f, _ in across), _sizes(fine[axis], bounds))
    if slab_fine.count() > SLAB_GAIN * rule_count(fine):
        return None
    return slab_fine, SlabRule(axis, coarse[axis], bounds, tuple(c for _, c in across), _sizes(coarse[axis], bounds))


def _slab_of(nodes: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """The slab ``j`` with ``edges[j] <= y < edges[j + 1]`` of each node ``y``."""
    return np.searchsorted(np.asarray(edges), nodes, side="right") - 1


def _sizes(rule: AxisRule, edges: tuple[float, ...]) -> tuple[int, ...]:
    """How many of the rule's nodes fall in each slab."""
    return tuple(np.bincount(_slab_of(rule.floats()[0], edges), minlength=len(edges) - 1).tolist())


def fast_rules(red: Reduction) -> tuple[Rules, Rules]:
    """The fast tier's fine and coarse product rules for ``red``: slab rules where they save nodes, else the
    tensor rule's per-axis rules."""
    found, cut, digits, slack, tails = rule_inputs(red, FAST)
    fine, coarse = choose_rules(found, range(red.rank), cut, digits, slack, tails)
    if red.rank >= 2 and rule_count(fine) > SLAB_FROM_NODES:
        slab = slab_rules(fine, coarse, found, cut, digits, tails)
        if slab is not None:
            return slab
    return fine, coarse

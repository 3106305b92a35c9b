"""Randomized quasi-Monte-Carlo expectations: the statistical tier for four or more reduced dimensions.

Tensor rules grow like ``nodes_per_axis ** rank``; from rank 4 on (and wherever a tensor rule would exceed
the memory cap) the fast tier integrates with scrambled Sobol points (``scipy.stats.qmc.Sobol``) mapped to
``N(0, I_r)`` by the normal quantile.  ``scramblings`` independent scramblings (seeded from ``seed``) each give
a mean; the result is the mean of those means, and the error bar is the two-sided 99.9% Student-t interval
of it (the spread of the means over ``sqrt(scramblings)``, times the t quantile with ``scramblings - 1``
degrees of freedom): a statistical statement, not a bound, and labelled so.
Points are evaluated in chunks, so memory stays below the cap whatever ``points``.  They are seeded, so the same at
every call: up to :data:`QMC_CACHED_BYTES` (and a sixteenth of the cap) a rule's points, mapped to the normal, are
drawn once per process and kept (drawing and mapping them took 70% of a call at rank 3); a larger rule draws them
chunk by chunk at each call.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from numeric.expectation.budget import chunk_nodes, max_memory
from numeric.expectation.integrand import output_count, weighted_sums_float

__all__ = ["QMCRule", "qmc_sums", "DEFAULT_QMC", "QMC_CACHED_BYTES"]


@dataclass(frozen=True)
class QMCRule:
    """``2**log2_points`` scrambled Sobol points per scrambling, ``scramblings`` scramblings, ``seed``."""

    log2_points: int = 14
    scramblings: int = 8
    seed: int = 0
    confidence: float = 0.999

    def describe(self) -> str:
        return (
            f"randomized QMC (statistical): {self.scramblings} scramblings x 2^{self.log2_points} scrambled Sobol "
            f"points, seed {self.seed}; error: {100 * self.confidence:g}% Student-t interval of the mean over the "
            "scramblings"
        )


DEFAULT_QMC = QMCRule()


#: A rule's points (every scrambling) are kept for later calls up to this many bytes, and up to a sixteenth of the
#: memory cap (as a chunk): 3 MiB at the default rule and rank 3, 12 MiB at rank 11.
QMC_CACHED_BYTES = 1 << 26


def _scrambling_mean(rule: QMCRule, stream: int, center: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    n, r = offsets.shape
    total = 1 << rule.log2_points
    chunk = 1 << (chunk_nodes(output_count(n, r), r, None).bit_length() - 1)  # a power of 2, as Sobol wants
    sums = np.zeros(output_count(n, r))
    if rule.scramblings * total * r * 8 <= min(QMC_CACHED_BYTES, max_memory() // 16):
        points = _kept_points(rule, r)[stream]
        chunks: Iterator[np.ndarray] = (points[:, start : start + chunk] for start in range(0, total, chunk))
    else:
        chunks = _normal_points(rule, stream, r, chunk)
    for y in chunks:
        sums += weighted_sums_float(y, np.full(y.shape[1], 1.0 / total), center, offsets, with_sizes=False)[0]
    return sums


def _normal_points(rule: QMCRule, stream: int, r: int, chunk: int) -> Iterator[np.ndarray]:
    """The scrambling's points mapped to ``N(0, I_r)``, ``(r, size)`` chunks of ``chunk`` points (a power of 2: the
    Sobol sequence then continues from chunk to chunk as if drawn at once)."""
    from scipy.special import ndtri
    from scipy.stats import qmc

    sampler = qmc.Sobol(d=r, scramble=True, rng=np.random.default_rng([rule.seed, stream]))
    total, drawn = 1 << rule.log2_points, 0
    while drawn < total:
        size = min(chunk, total - drawn)
        u = sampler.random(size)
        np.clip(u, 1e-300, 1.0 - 2**-53, out=u)  # the quantile of exactly 0 would be -inf
        yield ndtri(u).T
        drawn += size


@lru_cache(maxsize=4)
def _kept_points(rule: QMCRule, r: int) -> np.ndarray:
    """Every scrambling's points mapped to ``N(0, I_r)``, ``(scramblings, r, points)``, read-only."""
    total = 1 << rule.log2_points
    points = np.empty((rule.scramblings, r, total))
    for stream in range(rule.scramblings):
        points[stream] = np.concatenate(list(_normal_points(rule, stream, r, total)), axis=1)
    points.setflags(write=False)
    return points


def qmc_sums(rule: QMCRule, center: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimates of ``E[F_k]`` for every output and their statistical error bars."""
    from scipy.stats import t as student

    means = np.array([_scrambling_mean(rule, k, center, offsets) for k in range(rule.scramblings)])
    if rule.scramblings < 2:
        return means[0], np.full(means.shape[1], math.inf)
    quantile = float(student.ppf(0.5 + 0.5 * rule.confidence, rule.scramblings - 1))
    return means.mean(axis=0), quantile * np.std(means, axis=0, ddof=1) / math.sqrt(rule.scramblings)

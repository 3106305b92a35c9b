"""Randomized quasi-Monte-Carlo expectations: the statistical tier for four or more reduced dimensions.

Tensor rules grow like ``nodes_per_axis ** rank``; from rank 4 on (and wherever a tensor rule would exceed
the memory cap) the fast tier integrates with scrambled Sobol points (``scipy.stats.qmc.Sobol``) mapped to
``N(0, I_r)`` by the normal quantile.  ``scramblings`` independent scramblings (seeded from ``seed``) each give
a mean; the result is the mean of those means, and the error bar is the two-sided 99.9% Student-t interval
of it (the spread of the means over ``sqrt(scramblings)``, times the t quantile with ``scramblings - 1``
degrees of freedom): a statistical statement, not a bound, and labelled so.
Points are drawn and evaluated in chunks, so memory stays below the cap whatever ``points``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from numeric.expectation.budget import chunk_nodes
from numeric.expectation.integrand import output_count, weighted_sums_float

__all__ = ["QMCRule", "qmc_sums", "DEFAULT_QMC"]


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


def _scrambling_mean(rule: QMCRule, stream: int, center: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri
    from scipy.stats import qmc

    n, r = offsets.shape
    sampler = qmc.Sobol(d=r, scramble=True, rng=np.random.default_rng([rule.seed, stream]))
    total = 1 << rule.log2_points
    chunk = 1 << (chunk_nodes(output_count(n, r), r, None).bit_length() - 1)  # a power of 2, as Sobol wants
    sums = np.zeros(output_count(n, r))
    drawn = 0
    while drawn < total:
        size = min(chunk, total - drawn)
        u = sampler.random(size)
        np.clip(u, 1e-300, 1.0 - 2**-53, out=u)  # the quantile of exactly 0 would be -inf
        sums += weighted_sums_float(ndtri(u).T, np.full(size, 1.0 / total), center, offsets)[0]
        drawn += size
    return sums


def qmc_sums(rule: QMCRule, center: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimates of ``E[F_k]`` for every output and their statistical error bars."""
    from scipy.stats import t as student

    means = np.array([_scrambling_mean(rule, k, center, offsets) for k in range(rule.scramblings)])
    if rule.scramblings < 2:
        return means[0], np.full(means.shape[1], math.inf)
    quantile = float(student.ppf(0.5 + 0.5 * rule.confidence, rule.scramblings - 1))
    return means.mean(axis=0), quantile * np.std(means, axis=0, ddof=1) / math.sqrt(rule.scramblings)

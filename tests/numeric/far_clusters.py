"""Configurations with a sharp switch, for the tests of the fast tier's rules in general position."""

from __future__ import annotations

import numpy as np


def far_cluster(
    rng: np.random.Generator, size: int, rank: int, distance: float, spread: float, near: float
) -> np.ndarray:
    """``size`` parameters spread by ``spread`` around ``(distance, 0, ...)`` in ``rank`` dimensions, and one drawn
    around the origin with scale ``near``: the switches between the cluster and that one are sharp."""
    far = np.zeros(rank)
    far[0] = distance
    return np.vstack([far + spread * rng.standard_normal((size, rank)), near * rng.standard_normal((1, rank))])

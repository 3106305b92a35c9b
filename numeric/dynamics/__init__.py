"""Gradient dynamics: the GD loop and its arithmetic tiers, checkpoints, rates of decay, clustered starts and
the linearized spread around a coincident cluster."""

"""Cubature: the rules in two and more reduced dimensions (tensor, slab and line rules, separable ball sums,
randomized quasi-Monte-Carlo), built on the one-dimensional rules of ``numeric.expectation.quadrature``."""

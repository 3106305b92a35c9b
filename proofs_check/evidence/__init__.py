"""Checks that several claims build alike: identity proofs with numeric cross-checks, dynamics runs and rates."""

"""Conjectures of this toolkit beyond the paper: laws found by the studies and derived, registered as data."""

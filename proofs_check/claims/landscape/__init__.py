"""Claims on the loss landscape: the stationary points off the truth (Theorem 3.1)."""

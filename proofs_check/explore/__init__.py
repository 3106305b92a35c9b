"""Studies beyond the paper (``python -m proofs_check explore NAME``)."""

"""Number route: Gaussian expectations of the model (fast / precise / certified tiers) and GD dynamics.

Never imports :mod:`symbolic`: the two routes must stay independent so that their agreement is evidence.
"""

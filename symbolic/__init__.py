"""Exact route: the model as SymPy expressions, identities with certificates, closed-form expansions.

Never imports :mod:`numeric`: the two routes must stay independent so that their agreement is evidence.
"""

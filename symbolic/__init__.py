"""Exact route: the model as SymPy expressions, identities with certificates, closed-form expansions.

Never imports :mod:`numeric`: the two routes must stay independent so that their agreement is evidence.

The public API is this package's namespace, listed in ``__init__.pyi`` and loaded lazily (``lazy_loader``):
``import symbolic`` does not import SymPy; a name's module is imported the first time the name is used.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

"""Number route: Gaussian expectations of the model (fast / precise / certified tiers), dynamics, landscape.

Never imports :mod:`symbolic`: the two routes must stay independent so that their agreement is evidence.

Rooms: :mod:`numeric.expectation` (quadrature, span reduction, the tiers), :mod:`numeric.dynamics` (GD, its
tiers, checkpoints, rates, clusters, the linearized spread), :mod:`numeric.landscape` (Hessians, stationary
points, scans), :mod:`numeric.studies` (the engines of the ``explore`` studies); :mod:`numeric.model` (loss and
gradient at a configuration), :mod:`numeric.forms` (the gradient's other forms), :mod:`numeric.config` (input
validation).

The public API is this package's namespace, listed in ``__init__.pyi`` and loaded lazily (``lazy_loader``):
``import numeric`` is cheap, and a name's module (with NumPy, mpmath or python-flint behind it) is imported
the first time the name is used.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

"""Engines of the ``explore`` studies whose numerics are their own (``critical-spread``, ``time-averaged``)."""

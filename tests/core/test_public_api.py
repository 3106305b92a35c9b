"""Every name the packages' stubs list (``numeric/__init__.pyi``, ``symbolic/__init__.pyi``) resolves: the lazy
loader reads the stubs, so a module moved without its stub line breaks ``from numeric import ...`` only when used."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["numeric", "symbolic"])
def test_every_public_name_resolves(package):
    module = importlib.import_module(package)
    missing = []
    for name in module.__all__:
        try:
            getattr(module, name)
        except (ImportError, AttributeError) as error:
            missing.append(f"{name}: {error}")
    assert not missing, missing

"""Schema readers, one module per stack; each module exports ``READERS``, a list of ``Reader``s.

A new stack is a new module here: ``all_readers()`` finds it, nothing else needs registering.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Any

from phasegate.app.analyzers.readers import Reader
from phasegate.app.analyzers.schema_model import SchemaPart


@functools.cache
@functools.cache  # one tuple for the process: the analyzers memoize per (id(readers), path)
def all_readers() -> tuple[Reader[Any, SchemaPart], ...]:
    """Every reader of every module in this package, in module-name order."""
    found: list[Reader[Any, SchemaPart]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "READERS", ()))
    return tuple(found)

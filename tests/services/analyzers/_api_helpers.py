"""Run one endpoint reader module on a fixture repository, the way the integration does."""

from __future__ import annotations

import importlib
from pathlib import Path

from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.api_model import ApiEndpoint
from phasegate.app.analyzers.readers import ParseCache, SourceWarning, run_reader


def read_endpoints(module: str, root: Path) -> tuple[dict[tuple[str, str], ApiEndpoint], list[SourceWarning]]:
    """Every endpoint of ``api_readers.<module>``'s readers on ``root``, by (method, path), and the warnings."""
    mod = importlib.import_module(f"phasegate.app.analyzers.api_readers.{module}")
    tree = open_tree(root)
    warnings: list[SourceWarning] = []
    found: dict[tuple[str, str], ApiEndpoint] = {}
    for reader in mod.READERS:
        part = run_reader(reader, tree, tree.paths(), warnings, cache=ParseCache())
        warnings.extend(part.warnings)
        for endpoint in part.endpoints:
            found[(endpoint.method, endpoint.path)] = endpoint
    return found, warnings

"""Holding off the cyclic garbage collector's full collections while a tree is read in bulk.

Standard library only, so that the modules that start a bulk read (the scan, the review) import it at no
cost to the workbench's first frame.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Reads:
    """The bulk reads in progress, and the collector's thresholds before the first of them began."""

    lock = threading.Lock()
    depth = 0
    saved: tuple[int, int, int] = (0, 0, 0)


_BULK_YOUNG = 20_000  # allocations between young collections while reading (CPython's default: 700)
_BULK_NO_FULL = 1 << 30  # young collections between full ones: none while reading


@contextmanager
def bulk_read() -> Iterator[None]:
    """While a tree's files are read and parsed: the cyclic garbage collector collects its young objects
    less often and makes no full collection. Almost all that a read allocates is freed at once by
    reference counting (the parsers' trees) or is kept (the parse cache, the facts), so those collections
    found little and re-traversed a growing heap: 15 full and 2,300 young collections per cold read of the
    50,000-file bench tree, a fifth of its time (docs/performance.md). Cycles that die young (sqlglot's
    trees) are still collected. The thresholds are the process's: the first read to begin sets them, the
    last to end puts them back."""
    with _Reads.lock:
        if _Reads.depth == 0:
            saved = _Reads.saved = gc.get_threshold()
            gc.set_threshold(saved[0] and max(saved[0], _BULK_YOUNG), saved[1], _BULK_NO_FULL)  # 0: kept off
        _Reads.depth += 1
    try:
        yield
    finally:
        with _Reads.lock:
            _Reads.depth -= 1
            if _Reads.depth == 0:
                gc.set_threshold(*_Reads.saved)

"""The tiny protocol every benchmark follows.

Each ``bench/bench_<name>.py`` defines ``run() -> list[Result]``. A result compares our time with a
baseline measured in the same run on the same machine (so the ratio, not the absolute time, is what
is judged) and passes when ``ratio <= budget``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    ours: float
    baseline: float
    unit: str
    budget: float  # the largest acceptable ours/baseline ratio

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline > 0 else float("inf")

    @property
    def passed(self) -> bool:
        return self.ratio <= self.budget

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (f"{self.name:<36} {self.ours:>9.3f}{self.unit:<2} {self.baseline:>9.3f}{self.unit:<2} "
                f"{self.ratio:>7.2f}x  <={self.budget:<5g} {verdict}")


def byte_compile() -> None:
    """Byte-compile our packages, as ``pip install`` does for a user: this machine sets
    ``PYTHONDONTWRITEBYTECODE``, so a fresh process would otherwise recompile ~1,400 code objects of an
    editable install (0.5 s) on every start, a cost no installed copy pays."""
    import compileall
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for package in ("app", "widgets", "phases", "prompts", "bench"):
        compileall.compile_dir(str(root / package), quiet=1)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` timed calls, in seconds: the least disturbed by a busy machine."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best

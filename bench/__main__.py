"""``python -m bench [NAME …]``: run the benchmarks, one line per result, exit 1 if any fails."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from bench._common import Result


def _modules(names: list[str]) -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if not names:
        return found
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names]
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(found)}")
    return wanted


def main(argv: list[str]) -> int:
    results: list[Result] = []
    print(f"{'name':<36} {'ours':>11} {'baseline':>11} {'ratio':>8}  budget")
    for name in _modules(argv):
        module = importlib.import_module(f"bench.{name}")
        for result in module.run():
            print(result.line(), flush=True)
            results.append(result)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The bench protocol: results judged by ratio against a same-run baseline, runner selection by name."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _bench_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))


def test_result_ratio_budget_and_line() -> None:
    from bench._common import Result

    ok = Result("x", ours=1.5, baseline=0.5, unit="s", budget=3)
    assert ok.ratio == pytest.approx(3.0) and ok.passed and ok.line().endswith("PASS")
    slow = Result("y", ours=2.0, baseline=0.5, unit="s", budget=3)
    assert not slow.passed and slow.line().endswith("FAIL")
    assert not Result("z", 1.0, 0.0, "s", 3).passed  # a zero baseline can never pass


def test_runner_rejects_unknown_names_and_finds_the_scan_bench() -> None:
    from bench.__main__ import _modules

    assert "bench_scan" in _modules([])
    assert _modules(["scan"]) == ["bench_scan"]
    with pytest.raises(SystemExit, match="unknown benchmark"):
        _modules(["no_such_bench"])


def test_generator_is_deterministic(tmp_path: Path) -> None:
    from bench.bench_scan import generate

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    generate(a, count=300)
    generate(b, count=300)
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file() and ".git" not in p.parts)
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file() and ".git" not in p.parts)
    assert len(files_a) == 300 and files_a == files_b
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    from phasegate.app.analyzers.scan import scan_repository

    result = scan_repository(a)
    assert result.files_scanned == 300 and result.api_route_files and result.orm_models

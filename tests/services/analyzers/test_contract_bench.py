"""The contract bench's generated API: deterministic, and its next version really changes the contract."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _bench_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))


def test_generated_api_is_deterministic_and_evolves_with_breaking_changes() -> None:
    from bench.bench_contract import evolve, generate
    from phasegate.app.analyzers.openapi import diff_contracts

    a = generate(50)
    assert a == generate(50)
    assert sum(len([m for m in item if m != "parameters"]) for item in a["paths"].values()) == 50
    assert diff_contracts(a, generate(50)) == []
    changes = diff_contracts(a, evolve(a))
    ids = {c.id for c in changes}
    assert {"request-property-max-length-decreased", "request-parameter-became-required"} <= ids
    assert any(c.breaking for c in changes)

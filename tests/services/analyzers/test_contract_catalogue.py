"""The catalogue is data and docs/contract-checks.md is generated from it: the two cannot drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from phasegate.app.analyzers.contract.catalogue import LEVELS, RULES, markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "contract-checks.md"


def test_doc_is_the_generated_text() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), (
        "docs/contract-checks.md is stale: run python -m phasegate.app.analyzers.contract.catalogue "
        "> docs/contract-checks.md")


def test_generator_prints_the_doc() -> None:
    out = subprocess.run([sys.executable, "-m", "phasegate.app.analyzers.contract.catalogue"], check=True,
                         capture_output=True, text=True).stdout
    assert out == markdown()


def test_every_rule_is_a_row_with_a_level_an_explanation_and_an_example() -> None:
    text = markdown()
    for r in RULES.values():
        assert r.level in LEVELS and r.explanation.endswith(".") and r.example
        assert f"| `{r.id}` | {r.level} |" in text
    assert len({r.id for r in RULES.values()}) == len(RULES)
    assert "`request-property-max-length-decreased` | error" in text
    assert "`response-property-max-length-decreased` | info" in text

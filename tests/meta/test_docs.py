"""The docs describe what is there: every test and function they cite exists, every subcommand, flag and
setting is documented, the README starts with the two commands, and every relative link resolves.

``python tests/meta/test_docs.py`` prints the node ids of the tests the seed rule table cites, one per line, so
CI can run exactly those even when it deselects others (``pytest $(python tests/meta/test_docs.py)``).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RULE_SECTION = "## The seed, rule by rule"
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
CODE_REF = re.compile(r"`((?:app|phases|widgets|prompts)/[\w/]+\.py): ([\w.]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


# -- the seed rule table -----------------------------------------------------------------------------


def rule_rows() -> list[list[str]]:
    """The rule table of docs/workflow.md as rows of cells (header and separator left out)."""
    text = (DOCS / "workflow.md").read_text(encoding="utf-8")
    section = text.split(RULE_SECTION, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or re.match(r"^\|[\s|:-]+\|$", line):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "#":
            continue
        rows.append(cells)
    return rows


def rule_table_node_ids() -> list[str]:
    """Every test the rule table cites, as pytest node ids, each once, in table order."""
    seen: dict[str, None] = {}
    for row in rule_rows():
        for path, name in TEST_REF.findall(row[-1]):
            seen[f"{path}::{name}"] = None
    return list(seen)


@cache
def _names(path: Path) -> frozenset[str]:
    """Top-level functions, classes and assigned names of a module, and ``Class.method`` for methods."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names |= {f"{node.name}.{m.name}" for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)}
            names |= {m.name for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)}
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return frozenset(names)


def test_the_rule_table_has_every_part_of_the_seed() -> None:
    rows = rule_rows()
    assert len(rows) >= 50, f"only {len(rows)} rows: the seed has 7 principles and some 45 MUST/NEVER rules"
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)], "rows are numbered 1..n"
    assert all(len(r) == 4 and all(r) for r in rows), "each row: #, rule, enforced by, proved by"


def test_every_row_names_a_test_that_exists() -> None:
    problems = []
    for row in rule_rows():
        refs = TEST_REF.findall(row[-1])
        if not refs:
            problems.append(f"row {row[0]} names no test")
        for path, name in refs:
            file = ROOT / path
            if not file.is_file():
                problems.append(f"row {row[0]}: {path} does not exist")
            elif name not in _names(file):
                problems.append(f"row {row[0]}: {path} defines no {name}")
    assert not problems, "\n".join(problems)


def test_cited_tests_are_not_skipped() -> None:
    """A rule proved by a skipped test is not proved: the cited tests carry no skip or xfail marks."""
    marked = []
    for node_id in rule_table_node_ids():
        path, name = node_id.split("::")
        source = (ROOT / path).read_text(encoding="utf-8")
        match = re.search(rf"((?:^@.*\n)*)^(?:async )?def {name}\b", source, flags=re.M)
        if match and re.search(r"@pytest\.mark\.(skip|skipif|xfail)\b", match.group(1)):
            marked.append(node_id)
    assert not marked, marked


def test_every_cited_function_exists() -> None:
    """``module.py: name`` in the docs names a function, class, method or constant defined there."""
    problems = []
    for doc in [*DOCS.glob("*.md"), ROOT / "AGENTS.md"]:
        for path, name in CODE_REF.findall(doc.read_text(encoding="utf-8")):
            file = ROOT / path
            if not file.is_file():
                problems.append(f"{doc.name}: {path} does not exist")
            elif name not in _names(file):
                problems.append(f"{doc.name}: {path} defines no {name}")
    assert not problems, "\n".join(problems)


# -- the CLI and the settings --------------------------------------------------------------------------


def _cli_sections() -> dict[str, str]:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    for chunk in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        match = re.match(r"`phasegate(?: ([\w-]+))?", heading)
        if match:
            sections[match.group(1) or ""] = body
    return sections


def _options(parser: argparse.ArgumentParser) -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        out.append(max(action.option_strings, key=len) if action.option_strings else action.dest.upper())
    return out


def test_every_subcommand_and_flag_is_in_cli_md() -> None:
    from phasegate.app.cli.main import build_subcommand_parser, build_workbench_parser, discover_commands

    sections = _cli_sections()
    problems = []
    parsers = {"": build_workbench_parser()}
    parsers |= {name: build_subcommand_parser(name, module) for name, module in discover_commands().items()}
    for name, parser in parsers.items():
        if name not in sections:
            problems.append(f"no '## `phasegate {name}`' section")
            continue
        for option in _options(parser):
            if f"`{option}" not in sections[name]:
                problems.append(f"phasegate {name}: {option} is not documented")
    assert not problems, "\n".join(problems)


def test_every_setting_is_in_configuration_md() -> None:
    from phasegate.app.config import Settings

    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [
        name for name in Settings.model_fields
        if f"`{name}`" not in text or f"PHASEGATE_{name.upper()}" not in text
    ]
    assert not missing, f"settings without their key and PHASEGATE_ variable in docs/configuration.md: {missing}"


# -- README and links ----------------------------------------------------------------------------------


def test_readme_starts_with_make_demo_and_make_test() -> None:
    lines = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if line.strip()]
    commands = [line for line in lines[:6] if not line.startswith(("#", "```"))]
    assert commands[0].startswith("make demo") and commands[1].startswith("make test"), lines[:6]


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "AGENTS.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("doc", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(doc: Path) -> None:
    assert doc.is_file(), f"{doc.relative_to(ROOT)} is missing"
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)  # no links in code blocks
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (doc.parent / path).exists():
            broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)}: broken links {broken}"


def test_the_link_checker_sees_links() -> None:
    """Guard against a regex that finds nothing (then every link test would pass)."""
    text = "see [the workflow](docs/workflow.md#rollback), ![shot](docs/images/x.svg) and [site](https://x.y)"
    assert LINK.findall(text) == ["docs/workflow.md#rollback", "docs/images/x.svg", "https://x.y"]


if __name__ == "__main__":
    sys.stdout.write("\n".join(rule_table_node_ids()) + "\n")

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate.phases.models import DEFAULT_PHASES, ArchitecturalPhase, Plan, Task
from phasegate.phases.plan_markdown import PlanParseError, diff_plans, infer_kind, parse_plan, render_plan

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "backend-specialist-prompt.md"


def seed_plan_text() -> str:
    if SEED.exists():
        return SEED.read_text().split("#### Required Format (STRICT):")[1].split("After generating")[0]
    # CI copies shared/ beside the clone; keep a faithful excerpt for other layouts.
    return "```markdown\n# Backend Architecture Plan\n\n## 🗄️ Database Phase\n- [ ] **Schema Design**: Define schema\n```\n"


def test_seed_example_parses_into_the_six_phases() -> None:
    plan = parse_plan(seed_plan_text())
    if SEED.exists():
        assert plan.slugs == list(DEFAULT_PHASES)
        assert [len(p.tasks) for p in plan.phases] == [4] * 6
        assert plan.phase("logic").title == "Business Logic"
        assert plan.phase("database").tasks[1].title == "Migration"
        assert plan.phase("database").tasks[1].kind == "migration"


def test_render_is_the_strict_format() -> None:
    plan = Plan(
        phases=[
            ArchitecturalPhase(slug="database", title="Database", tasks=[Task(title="Schema Design", detail="users table")]),
            ArchitecturalPhase(slug="api", title="API", tasks=[Task(title="Contract", done=True)]),
        ]
    )
    assert render_plan(plan) == (
        "# Backend Architecture Plan\n\n"
        "## 🗄️ Database Phase\n- [ ] **Schema Design**: users table\n\n"
        "## 📡 API Phase\n- [x] **Contract**\n"
    )


def test_tolerant_parsing() -> None:
    text = """Here is my plan, let me know!

```markdown
#   Backend Architecture Plan
##Database Phase
*   [X] Schema design - add users
- [x]  **Index Analysis**:   email index
## 3. Business Logic
1. [ ] **Service**: UserService
```
Shall I proceed?"""
    plan = parse_plan(text)
    assert plan.slugs == ["database", "logic"]
    db = plan.phase("database")
    assert db.emoji == "🗄️"  # filled in for a known phase
    assert [(t.title, t.detail, t.done) for t in db.tasks] == [
        ("Schema design", "add users", True),
        ("Index Analysis", "email index", True),
    ]
    assert plan.phase("logic").tasks[0].id == "logic.1"


@pytest.mark.parametrize(
    "text",
    ["no plan here", "## Database Phase\nno tasks\n", "- [ ] **Task**: without a phase heading"],
)
def test_unparseable_text_says_what_is_missing(text: str) -> None:
    with pytest.raises(PlanParseError, match="expected|no phase|no plan"):
        parse_plan(text)


def test_duplicate_phase_is_refused() -> None:
    with pytest.raises(PlanParseError, match="more than once"):
        parse_plan("## Database Phase\n- [ ] **A**: a\n## Database Phase\n- [ ] **B**: b\n")


_words = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" `_"), min_size=1, max_size=20).map(str.strip).filter(lambda s: s and not s.startswith(("`", "_")) and not s.endswith(("`", "_")) and "**" not in s)
_details = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" `.,()/"), max_size=40).map(str.strip)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    slugs = draw(st.lists(st.sampled_from(list(DEFAULT_PHASES)), min_size=1, max_size=6, unique=True))
    phases = []
    for slug in slugs:
        titles = draw(st.lists(_words, min_size=1, max_size=5, unique_by=str.lower))
        tasks = [
            Task(title=t, detail=draw(_details), done=draw(st.booleans()), kind=infer_kind(t)) for t in titles
        ]
        phases.append(ArchitecturalPhase(slug=slug, title=DEFAULT_PHASES[slug][1], tasks=tasks))
    return Plan(phases=phases)


@settings(max_examples=150, deadline=None)
@given(plans())
def test_round_trip_is_stable(plan: Plan) -> None:
    text = render_plan(plan)
    parsed = parse_plan(text)
    assert parsed == plan
    assert render_plan(parsed) == text


def test_plan_version_diff() -> None:
    old = parse_plan(
        "## Database Phase\n- [ ] **Schema**: users\n- [ ] **Index**: email\n"
        "## API Phase\n- [ ] **Contract**: POST /users\n"
        "## Testing Phase\n- [ ] **Unit**: service\n"
    )
    new = parse_plan(
        "## API Phase\n- [x] **Contract**: POST /users and GET /users\n"
        "## Database Phase\n- [ ] **Schema**: users\n- [ ] **Rollback**: down migration\n"
        "## Security Phase\n- [ ] **Auth**: JWT\n"
    )
    described = sorted(c.describe() for c in diff_plans(old, new))
    assert described == sorted(
        [
            "- phase testing",
            "+ phase security",
            "~ phase api moved from position 2 to 1",
            "~ phase database moved from position 1 to 2",
            "- database: Index",
            "+ database: Rollback",
            "~ api: Contract: 'POST /users' → 'POST /users and GET /users'",
        ]
    )
    assert diff_plans(old, old) == []

"""The prompt files and their loader: every stage renders, markers present, nothing left unrendered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phasegate import prompts
from phasegate.phases.models import Stage
from phasegate.phases.plan_markdown import extract_plan_markdown, parse_plan
from phasegate.phases.tool_policy import ALL_TOOLS, tools_for

FACTS = {
    "task": "Add user sign-up with email verification",
    "repo_summary": "Flask app, SQLAlchemy models in app/models.py, Alembic migrations",
    "plan_markdown": "# Backend Architecture Plan\n\n## 🗄️ Database Phase\n- [ ] **Schema**: users table",
    "phase_slug": "database",
    "phase_title": "Database Phase",
    "phase_tasks": "- database.1 Schema: users table",
    "feedback": "Please index the email column; hunk 2 rejected: keep the old column name",
    "stage": "executing",
    "research_markdown": "## Understanding\n- users live in app/models.py",
    "halted_reason": "migration 0003_users ran",
}
PLACEHOLDER = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*")
MARKERS = {
    "research": ["Stage: research"],
    "planning": ["Stage: planning"],
    "executing": ["Stage: executing", "Current phase: database"],
    "revision": ["Stage: executing", "Current phase: database", "Revision requested: yes"],
    "phase_review": ["Stage: phase_review", "Current phase: database"],
    "final_review": ["Stage: final_review"],
}
STAGE_OF = {"research": Stage.RESEARCH, "planning": Stage.PLANNING, "executing": Stage.EXECUTING,
            "revision": Stage.EXECUTING, "phase_review": Stage.PHASE_REVIEW, "final_review": Stage.FINAL_REVIEW}


@pytest.mark.parametrize("name", prompts.NAMES)
def test_every_prompt_renders_without_leftover_placeholders(name: str) -> None:
    for facts in (FACTS, {}):  # with every fact, and with none (defaults fill in)
        text = prompts.render(name, **facts)
        assert text.strip() and PLACEHOLDER.findall(text) == [], name


@pytest.mark.parametrize("name", sorted(MARKERS))
def test_stage_prompts_carry_their_marker_lines(name: str) -> None:
    lines = prompts.render(name, **FACTS).splitlines()
    for marker in MARKERS[name]:
        assert marker in lines, f"{name} lacks the line {marker!r}"


@pytest.mark.parametrize("name", sorted(MARKERS))
def test_stage_prompts_name_only_tools_their_stage_offers(name: str) -> None:
    text = prompts.load(name)
    named = {tool for tool in ALL_TOOLS if f"`{tool}`" in text}
    assert named <= set(tools_for(STAGE_OF[name])), f"{name} names tools its stage does not offer"


def test_facts_are_inserted_where_the_prompts_use_them() -> None:
    assert FACTS["task"] in prompts.render("system", **FACTS)
    assert FACTS["repo_summary"] in prompts.render("system", **FACTS)
    executing = prompts.render("executing", **FACTS)
    for key in ("phase_title", "phase_tasks", "plan_markdown", "feedback"):
        assert FACTS[key] in executing, key
    assert FACTS["feedback"] in prompts.render("revision", **FACTS)
    assert FACTS["plan_markdown"] in prompts.render("planning", **FACTS)
    assert FACTS["research_markdown"] in prompts.render("planning", **FACTS)
    assert FACTS["halted_reason"] in executing


def test_missing_or_empty_facts_get_readable_defaults() -> None:
    text = prompts.render("executing", feedback="", phase_tasks=None)
    assert prompts.FACTS["feedback"] in text and prompts.FACTS["phase_tasks"] in text


def test_dollar_signs_in_facts_are_not_expanded_again() -> None:
    text = prompts.render("system", task="charge $amount in $$ via $task")
    assert "charge $amount in $$ via $task" in text


def test_system_prompt_states_the_principles_and_the_gates() -> None:
    text = prompts.load("system").lower()
    for phrase in ("schema", "security by default", "transaction", "backward-compatible", "secrets",
                   "parameterised queries", "error handling", "tests with every change",
                   "approvals come only from the user"):
        assert phrase in text, phrase


def test_research_prompt_forbids_plans_and_code() -> None:
    text = prompts.load("research")
    for section in ("Understanding", "Assumptions", "Questions", "Risks"):
        assert f"**{section}**" in text and f"## {section}" in text
    assert "`submit_research`" in text and "Do **not** write a plan" in text


def test_planning_example_is_in_the_strict_format_the_parser_reads() -> None:
    text = prompts.load("planning")
    example = extract_plan_markdown(text[text.index("```markdown"):])
    assert example is not None
    plan = parse_plan(example)
    assert [p.slug for p in plan.phases] == ["database", "api"]
    for phase in plan.phases:
        titles = [t.title.lower() for t in phase.tasks]
        assert "verification" in titles and "rollback" in titles  # what the prompt demands of each phase
    for heading in ("## 🗄️ Database Phase", "## 📡 API Phase", "## ⚙️ Business Logic Phase",
                    "## 🛡️ Security Phase", "## 🧪 Testing Phase", "## 🚀 Deployment Phase"):
        assert heading in text


def test_executing_prompt_keeps_to_one_phase_and_halts_after_migrations() -> None:
    text = prompts.load("executing")
    assert "this phase only" in text and "`complete_phase`" in text and "`mark_task_done`" in text
    assert "type a confirmation" in text and "your turn ends" in text


@pytest.mark.parametrize("stage", [s.value for s in Stage])
def test_system_prompt_for_every_stage(stage: str) -> None:
    text = prompts.system_prompt(stage, **{k: v for k, v in FACTS.items() if k != "stage"})
    assert text.startswith("# Who you are") and PLACEHOLDER.findall(text) == []
    expected = {"plan_review": "planning", "done": "final_review"}.get(stage, stage)
    assert f"Stage: {expected}" in text.splitlines()


def test_system_prompt_revising_picks_the_revision_prompt() -> None:
    assert "Revision requested: yes" in prompts.system_prompt("executing", revising=True, **FACTS).splitlines()
    assert "Revision requested: yes" not in prompts.system_prompt("executing", **FACTS)


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown prompt"):
        prompts.load("../settings")
    with pytest.raises(ValueError, match="unknown stage"):
        prompts.system_prompt("deploying")


def test_every_markdown_file_is_a_known_prompt() -> None:
    folder = Path(prompts.__file__).parent
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted((*prompts.NAMES, prompts.NOTES_FILE))


NOTE_FACTS = {"slug": "database", "sha": "0123abcd", "next": "api", "heading": "🗄️ Database", "text": "add an index",
              "what": "skipped", "why": " Reason: not needed", "version": "3", "comments": "- on the api phase: x",
              "problem": "The reply is not a research report: it has no Risks section.", "user": "",
              "phases": "api, testing", "reverts": "0123abcd"}


@pytest.mark.parametrize("name", prompts.note_names())
def test_every_note_renders_without_leftover_placeholders(name: str) -> None:
    text = prompts.note(name, **NOTE_FACTS)
    assert text.startswith("[phasegate] ") and PLACEHOLDER.findall(text) == [], name


def test_a_note_keeps_its_facts_verbatim() -> None:
    assert prompts.note("phase_rejected", slug="api", what="skipped", why=" Reason: dup") == (
        "[phasegate] The user rejected the api phase; its changes were discarded and it is skipped. Reason: dup"
    )
    with pytest.raises(ValueError, match="unknown note"):
        prompts.note("nope")


def test_prompts_are_in_our_own_words_not_the_seed() -> None:
    seed_lines = ["You are not a chatbot", "Accuracy Target", "Architect first, implement second",
                  "MANDATORY EXECUTION FLOW", "CRITICAL OUTPUT GUARANTEE"]
    for name in prompts.NAMES:
        text = prompts.load(name)
        assert not [line for line in seed_lines if line in text], name

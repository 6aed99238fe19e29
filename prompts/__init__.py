"""The prompt texts (Markdown files beside this module) and their tiny renderer. Stdlib only.

Files: ``system.md`` (who the model is, the gates, the engineering principles) and one file per
stage: ``research.md``, ``planning.md`` (also used at plan review), ``executing.md``,
``revision.md`` (executing again after the user requested changes or rejected hunks),
``phase_review.md`` and ``final_review.md``.

Placeholders are ``string.Template`` fields (``$task``), filled by :func:`render` with
``safe_substitute``; every fact in :data:`FACTS` has a neutral default, so a prompt never reaches the
model with a ``$placeholder`` in it. A literal dollar sign in a prompt file must be written ``$$``.

``notes.md`` holds the short notes phasegate sends the model after a gate (``[phasegate] The user
approved…``), one ``## <name>`` section each, rendered by :func:`note`.

Each stage file starts with stable marker lines that tests and scripted demo turns match on:
``Stage: research``, ``Stage: planning``, ``Stage: executing`` + ``Current phase: <slug>``,
``Revision requested: yes`` (revision), ``Stage: phase_review``, ``Stage: final_review``.
"""

from __future__ import annotations

import string
from importlib import resources

#: The facts the agent passes, with what the model sees when one is missing.
FACTS: dict[str, str] = {
    "task": "(no task given yet; ask the user what to build)",
    "repo_summary": "(no repository summary available; explore with the read tools)",
    "research_markdown": "(no research report yet)",
    "plan_markdown": "(no plan yet)",
    "phase_slug": "(none)",
    "phase_title": "(none)",
    "phase_tasks": "(no tasks listed)",
    "feedback": "(none)",
    "halted_reason": "(none)",
    "stage": "(unknown)",
}

#: Which stage prompt goes with each workflow stage (``phasegate.phases.models.Stage`` values).
STAGE_PROMPTS: dict[str, str] = {
    "research": "research",
    "planning": "planning",
    "plan_review": "planning",
    "executing": "executing",
    "phase_review": "phase_review",
    "final_review": "final_review",
    "done": "final_review",
}

NAMES: tuple[str, ...] = (
    "system", "research", "planning", "executing", "revision", "phase_review", "final_review",
)


def load(name: str) -> str:
    """The raw text of prompt ``name`` (without ``.md``); ValueError for an unknown name."""
    if name not in NAMES:
        raise ValueError(f"unknown prompt {name!r}; known: {', '.join(NAMES)}")
    return resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def render(name: str, **facts: object) -> str:
    """Prompt ``name`` with ``facts`` filled in; missing known facts get their defaults.

    Empty or None facts count as missing. Values are inserted verbatim (a ``$`` inside a value is
    not expanded again).
    """
    values = dict(FACTS)
    for key, value in facts.items():
        text = "" if value is None else str(value).strip()
        if text:
            values[key] = text
    return string.Template(load(name)).safe_substitute(values)


def system_prompt(stage: str, /, *, revising: bool = False, **facts: object) -> str:
    """The whole system message for ``stage``: ``system.md`` then the stage's own prompt.

    ``revising=True`` in the executing stage picks ``revision.md`` (the user asked for changes).
    """
    if stage not in STAGE_PROMPTS:
        raise ValueError(f"unknown stage {stage!r}")
    stage_name = "revision" if revising and stage == "executing" else STAGE_PROMPTS[stage]
    facts.setdefault("stage", stage)
    return render("system", **facts).rstrip() + "\n\n---\n\n" + render(stage_name, **facts)


NOTES_FILE = "notes"
NOTE_PREFIX = "[phasegate] "


def _notes() -> dict[str, str]:
    text = resources.files(__name__).joinpath(f"{NOTES_FILE}.md").read_text(encoding="utf-8")
    notes: dict[str, str] = {}
    for section in text.split("\n## ")[1:]:
        name, _, body = section.partition("\n")
        notes[name.strip()] = body.strip()
    return notes


def note_names() -> tuple[str, ...]:
    return tuple(_notes())


def note(name: str, /, **facts: object) -> str:
    """The note ``name`` from ``notes.md`` with ``facts`` filled in verbatim, prefixed ``[phasegate] ``."""
    return NOTE_PREFIX + note_text(name, **facts)


def note_text(name: str, /, **facts: object) -> str:
    """The note ``name`` filled in, without the prefix: a part of another note (the user's plan
    comments inside the "plan changes" note)."""
    notes = _notes()
    if name not in notes:
        raise ValueError(f"unknown note {name!r}; known: {', '.join(notes)}")
    return string.Template(notes[name]).safe_substitute({k: str(v) for k, v in facts.items()})

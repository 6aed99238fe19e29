"""The model's structured submissions: their tool specs and their validation.

``submit_research``, ``submit_plan``, ``mark_task_done`` and ``complete_phase`` are how the model
hands phasegate something that changes the workflow. Their arguments are validated with the domain's
pydantic models; a validation error becomes a tool result that tells the model what to fix (aider's
lesson: send the parse error back, a few times, before bothering the user).

The JSON schemas are written by hand rather than generated, because small local models follow a
flat, well-described schema far better than pydantic's ``$defs``/``$ref`` output.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from phasegate.phases.models import PhaseReport, Plan, ResearchReport

_FINDINGS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "one statement"},
            "evidence": {"type": "string", "description": "repository path (optionally :line) backing it"},
        },
        "required": ["text"],
    },
}

SUBMISSION_SPECS: dict[str, dict[str, Any]] = {
    "submit_research": {
        "type": "function",
        "function": {
            "name": "submit_research",
            "description": (
                "Submit the research report: technical understanding, assumptions, architectural questions "
                "and risks, each item backed by a repository path where possible. No plan and no code. "
                "The user reviews it; your turn ends."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "understanding": {**_FINDINGS, "description": "existing architecture and patterns"},
                    "assumptions": {**_FINDINGS, "description": "assumptions about schema or contracts"},
                    "questions": {**_FINDINGS, "description": "questions for the user"},
                    "risks": {**_FINDINGS, "description": "data integrity, performance, security, breaking changes"},
                },
                "required": ["understanding", "assumptions", "questions", "risks"],
            },
        },
    },
    "submit_plan": {
        "type": "function",
        "function": {
            "name": "submit_plan",
            "description": (
                "Submit the architecture plan: ordered phases (database, api, logic, security, testing, "
                "deployment — drop those that do not apply), each with atomic tasks including verification "
                "and rollback steps. The user reviews it; your turn ends."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "phases": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "slug": {
                                    "type": "string",
                                    "description": "database | api | logic | security | testing | deployment",
                                },
                                "title": {"type": "string"},
                                "emoji": {"type": "string"},
                                "tasks": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "title": {"type": "string"},
                                            "detail": {"type": "string"},
                                            "kind": {
                                                "type": "string",
                                                "enum": [
                                                    "design",
                                                    "migration",
                                                    "implementation",
                                                    "verification",
                                                    "rollback",
                                                    "test",
                                                    "docs",
                                                    "other",
                                                ],
                                            },
                                        },
                                        "required": ["title", "detail"],
                                    },
                                },
                            },
                            "required": ["slug", "title", "tasks"],
                        },
                    },
                },
                "required": ["phases"],
            },
        },
    },
    "mark_task_done": {
        "type": "function",
        "function": {
            "name": "mark_task_done",
            "description": "Tick a task of the current phase once it is really done (ids look like 'database.2').",
            "parameters": {
                "type": "object",
                "properties": {"task_id": {"type": "string"}},
                "required": ["task_id"],
            },
        },
    },
    "complete_phase": {
        "type": "function",
        "function": {
            "name": "complete_phase",
            "description": (
                "Finish the current phase and hand it to the user for review: what changed, the verification "
                "you ran and its results, remaining risks, and the suggested next step. Your turn ends; you "
                "never start the next phase yourself."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "summary": {"type": "string"},
                    "changes": {"type": "array", "items": {"type": "string"}},
                    "verification": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "step": {"type": "string"},
                                "passed": {"type": "boolean"},
                                "output": {"type": "string"},
                            },
                            "required": ["step", "passed"],
                        },
                    },
                    "risks": {"type": "array", "items": {"type": "string"}},
                    "next_step": {"type": "string"},
                },
                "required": ["summary", "changes", "verification"],
            },
        },
    },
}

SUBMISSION_MODELS: dict[str, type[BaseModel]] = {
    "submit_research": ResearchReport,
    "submit_plan": Plan,
    "complete_phase": PhaseReport,
}


class SubmissionInvalid(ValueError):
    """The model's submission did not validate; ``str()`` is the feedback for the model."""


def validate_submission(name: str, arguments: dict[str, Any]) -> BaseModel:
    model = SUBMISSION_MODELS[name]
    payload = arguments
    # Some models wrap the object once more: {"plan": {...}} or {"report": {...}}.
    if len(arguments) == 1:
        (only,) = arguments.values()
        if isinstance(only, dict):
            payload = only
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise SubmissionInvalid(format_validation_error(name, exc)) from None


def format_validation_error(name: str, exc: ValidationError) -> str:
    """A compact list of what is wrong, with the field path, for the model to fix."""
    lines = [f"{name} was not accepted; fix these and call {name} again:"]
    for error in exc.errors()[:8]:
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        lines.append(f"- {where}: {error['msg']}")
    if exc.error_count() > 8:
        lines.append(f"- … and {exc.error_count() - 8} more")
    return "\n".join(lines)

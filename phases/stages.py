"""What the user calls each stage: the one table the header, the resume screen and the workflow's
refusals all read. Keyed by the ``Stage`` values (plain strings, so a widget on the first frame can
import this without pydantic)."""

from __future__ import annotations

STAGE_LABELS: dict[str, str] = {
    "research": "Research",
    "planning": "Planning",
    "plan_review": "Plan review",
    "executing": "Execution",
    "phase_review": "Phase review",
    "final_review": "Final review",
    "done": "Done",
}


def stage_label(stage: str) -> str:
    """The label for ``stage`` (a ``Stage`` or its value); an unknown stage is shown as given."""
    return STAGE_LABELS.get(str(stage), str(stage))

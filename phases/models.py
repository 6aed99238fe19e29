"""The domain: what a phasegate session is made of.

Pure pydantic v2 models, no I/O. The workflow (``phases.workflow``) is the only code that changes a
``Session``'s stage or phase statuses; everything else reads these models or builds new ones.

Structured submissions from the model (``submit_research``, ``submit_plan``, ``complete_phase``) are
validated against ``ResearchReport``, ``Plan`` and ``PhaseReport``: their validators are the contract,
and their error messages go back to the model as tool results, so they say what to fix.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 2


def utcnow() -> datetime:
    return datetime.now(UTC)


class Stage(StrEnum):
    RESEARCH = "research"
    PLANNING = "planning"
    PLAN_REVIEW = "plan_review"
    EXECUTING = "executing"
    PHASE_REVIEW = "phase_review"
    FINAL_REVIEW = "final_review"
    DONE = "done"


class PhaseStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    AWAITING_REVIEW = "awaiting_review"
    COMMITTED = "committed"
    SKIPPED = "skipped"
    ROLLED_BACK = "rolled_back"


class TaskKind(StrEnum):
    DESIGN = "design"
    MIGRATION = "migration"
    IMPLEMENTATION = "implementation"
    VERIFICATION = "verification"
    ROLLBACK = "rollback"
    TEST = "test"
    DOCS = "docs"
    OTHER = "other"


# The architectural phases of the seed, in their default dependency order.
# slug -> (emoji, title). Titles match the strict Markdown headings ("## 🗄️ Database Phase").
DEFAULT_PHASES: dict[str, tuple[str, str]] = {
    "database": ("🗄️", "Database"),
    "api": ("📡", "API"),
    "logic": ("⚙️", "Business Logic"),
    "security": ("🛡️", "Security"),
    "testing": ("🧪", "Testing"),
    "deployment": ("🚀", "Deployment"),
}

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class _Model(BaseModel):
    # Unknown keys from the model are ignored rather than fatal: a chatty model adding "notes" should
    # not fail a valid plan. Strings are stripped so " Schema " and "Schema" compare equal.
    # defer_build: validators are built on first use, not at import (the workbench's first frame is
    # painted before any session is loaded).
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, validate_assignment=False, defer_build=True)


NonEmptyStr = Annotated[str, Field(min_length=1)]


class Finding(_Model):
    """One statement of the research report, optionally pointing at the file that backs it."""

    text: NonEmptyStr
    evidence: str | None = Field(default=None, description="repository path (and line) backing this item")

    @model_validator(mode="before")
    @classmethod
    def _accept_plain_string(cls, value: Any) -> Any:
        # Models often send a bare string where an object is expected; accept it.
        return {"text": value} if isinstance(value, str) else value


class ResearchReport(_Model):
    """Phase 1 of the seed: understanding, assumptions, questions, risks — and nothing else."""

    understanding: list[Finding] = Field(min_length=1)
    assumptions: list[Finding] = Field(default_factory=list)
    questions: list[Finding] = Field(default_factory=list)
    risks: list[Finding] = Field(default_factory=list)
    raw_text: str | None = Field(default=None, description="the model's free text, when it had no tools")

    def to_markdown(self) -> str:
        def section(title: str, items: list[Finding]) -> list[str]:
            lines = [f"## {title}", ""]
            if not items:
                lines.append("_none_")
            for item in items:
                suffix = f" (`{item.evidence}`)" if item.evidence else ""
                lines.append(f"- {item.text}{suffix}")
            lines.append("")
            return lines

        out = ["# Research Report", ""]
        out += section("✅ Technical Understanding", self.understanding)
        out += section("⚠️ Technical Assumptions", self.assumptions)
        out += section("❓ Architectural Questions", self.questions)
        out += section("🔍 Risk Assessment", self.risks)
        return "\n".join(out).rstrip() + "\n"


class Task(_Model):
    id: str = ""
    title: NonEmptyStr
    detail: str = ""
    kind: TaskKind = TaskKind.OTHER
    done: bool = False

    @field_validator("kind", mode="before")
    @classmethod
    def _lenient_kind(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() not in {k.value for k in TaskKind}:
            return TaskKind.OTHER
        return value.strip().lower() if isinstance(value, str) else value


class ArchitecturalPhase(_Model):
    slug: NonEmptyStr
    title: NonEmptyStr
    emoji: str = ""
    tasks: list[Task] = Field(min_length=1)

    @field_validator("slug", mode="before")
    @classmethod
    def _normalise_slug(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = re.sub(r"[^a-z0-9-]+", "-", value.strip().lower()).strip("-")
            if value in {"business-logic", "logic-phase", "business"}:
                value = "logic"
        return value

    @field_validator("slug")
    @classmethod
    def _valid_slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(f"phase slug {value!r} must be lowercase letters, digits and '-' (e.g. 'database')")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> ArchitecturalPhase:
        if not self.emoji and self.slug in DEFAULT_PHASES:
            self.emoji = DEFAULT_PHASES[self.slug][0]
        for index, task in enumerate(self.tasks, start=1):
            if not task.id:
                task.id = f"{self.slug}.{index}"
        return self

    @property
    def heading(self) -> str:
        return f"{self.emoji} {self.title}".strip()


class Plan(_Model):
    title: str = "Backend Architecture Plan"
    phases: list[ArchitecturalPhase] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Plan:
        slugs = [p.slug for p in self.phases]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise ValueError(f"each phase must appear once; repeated: {', '.join(duplicates)}")
        ids = [t.id for p in self.phases for t in p.tasks]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"task ids must be unique; repeated: {', '.join(repeated)}")
        return self

    def phase(self, slug: str) -> ArchitecturalPhase:
        for phase in self.phases:
            if phase.slug == slug:
                return phase
        raise KeyError(slug)

    @property
    def slugs(self) -> list[str]:
        return [p.slug for p in self.phases]


class VerificationResult(_Model):
    step: NonEmptyStr
    passed: bool
    output: str = ""
    command: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_plain_string(cls, value: Any) -> Any:
        # "✓ Migration executed" → a passed step; the model's checkmarks are only a claim, and
        # phasegate's own verification runs are recorded separately with their real exit codes.
        if isinstance(value, str):
            text = value.strip()
            failed = text.startswith(("✗", "✘", "FAIL", "[FAIL]"))
            return {"step": text.lstrip("✓✔✗✘ ").strip() or text, "passed": not failed}
        return value


class PhaseReport(_Model):
    """What the model says it did in a phase (the seed's "✅ Database Phase Complete" block)."""

    summary: NonEmptyStr
    changes: list[NonEmptyStr] = Field(min_length=1)
    verification: list[VerificationResult] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    next_step: str = ""

    def to_markdown(self, heading: str = "") -> str:
        lines = [f"# ✅ {heading} Phase Complete" if heading else "# ✅ Phase Complete", "", self.summary, ""]
        lines += ["## Changes Made:"] + [f"- {c}" for c in self.changes] + [""]
        if self.verification:
            lines.append("## Verification Results:")
            lines += [f"{'✓' if v.passed else '✗'} {v.step}" for v in self.verification]
            lines.append("")
        if self.risks:
            lines += ["## Risks:"] + [f"- {r}" for r in self.risks] + [""]
        if self.next_step:
            lines += [f"## Next: {self.next_step}", ""]
        return "\n".join(lines).rstrip() + "\n"


class CommandRun(_Model):
    """A command phasegate ran for the model (after the user's approval), kept for the review."""

    command: str
    exit_code: int | None
    output: str = ""
    kind: str = "normal"
    approved_by: str = "user"  # "user", "allowlist", "typed-confirmation"
    purpose: str = "model"  # "model": the model asked for it; "verification"/"final": phasegate ran it
    after_write: int = 0  # how many file changes of the phase had happened when it ran
    at: datetime = Field(default_factory=utcnow)


class PhaseState(_Model):
    slug: str
    status: PhaseStatus = PhaseStatus.PENDING
    base_sha: str | None = None
    commit_sha: str | None = None
    rollback_sha: str | None = None
    attempts: int = 0
    report: PhaseReport | None = None
    feedback: list[str] = Field(default_factory=list)
    commands: list[CommandRun] = Field(default_factory=list)
    migrations_run: list[str] = Field(default_factory=list)
    overrides: list[str] = Field(default_factory=list)
    writes: int = 0  # file changes made in this phase so far (to know whether a test run is still current)
    started_at: datetime | None = None
    committed_at: datetime | None = None
    #: Where the phase last started in the conversation (the index of its first message): a rewind to
    #: before this phase hides the conversation from here on from the model (``RewindTo``).
    conversation_at: int | None = None


#: Who made a plan version: the model (``submit_plan``) or the user (an edit in the checklist or the
#: editor, a reorder). Shown in the version list as "model" / "you".
PlanAuthor = Literal["model", "user"]


class PlanVersion(_Model):
    version: int
    plan: Plan
    reason: str = ""
    author: PlanAuthor = "model"  # sessions written before user edits existed hold only the model's versions
    created_at: datetime = Field(default_factory=utcnow)


class PlanComment(_Model):
    """The user's comment on a phase (``task_id`` None) or on one of its tasks, for the model.

    Collected while the plan is under review and sent with the next "request changes" (or the plan's
    approval) as one message, then cleared.
    """

    phase: NonEmptyStr
    task_id: str | None = None
    text: NonEmptyStr
    created_at: datetime = Field(default_factory=utcnow)


class UnreadableReply(_Model):
    """A prose reply of the model that was not taken as the research report or the plan it was asked for.

    Kept until the model sends a report (or a plan), the user asks again, or approves it anyway: the gate
    offers exactly that while it is here (``phases.gates``).
    """

    kind: Literal["research", "plan"]
    problem: str  # one sentence: which sections are missing, or the plan's parse error (with its line)
    missing: list[str] = Field(default_factory=list)  # research: the sections the reply lacks
    line: int | None = None  # plan: the reply's line at fault, when there is one
    text: str = ""  # the reply itself (what "approve anyway" takes as the report)


class ConversationCut(_Model):
    """Messages ``start`` ≤ i < ``end`` of the conversation are hidden from the model (a rewind); the
    transcript keeps them for the user."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    reason: str = ""

    def hides(self, index: int) -> bool:
        return self.start <= index < self.end


class Usage(_Model):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    #: Of the totals, the tokens phasegate counted itself because the endpoint reported no usage
    #: (``RecordUsage(estimated=True)``); any makes the header show the figures as estimates ("≈").
    estimated_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class HistoryEntry(_Model):
    event: str
    from_stage: Stage
    to_stage: Stage
    detail: str = ""
    at: datetime = Field(default_factory=utcnow)


def new_session_id() -> str:
    return utcnow().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


class Session(_Model):
    """One task worked through the gates, from research to done. Persisted as JSON by the store."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, defer_build=True)

    schema_version: int = SCHEMA_VERSION
    id: str = Field(default_factory=new_session_id)
    task: str = ""
    stage: Stage = Stage.RESEARCH
    repo_path: str = ""
    base_sha: str | None = None
    branch: str | None = None
    model: str = ""
    research: ResearchReport | None = None
    research_feedback: list[str] = Field(default_factory=list)
    unreadable_reply: UnreadableReply | None = None
    plan_versions: list[PlanVersion] = Field(default_factory=list)
    plan_feedback: list[str] = Field(default_factory=list)
    plan_comments: list[PlanComment] = Field(default_factory=list)
    phases: list[PhaseState] = Field(default_factory=list)
    current_phase: str | None = None
    halted_reason: str | None = None
    conversation_cuts: list[ConversationCut] = Field(default_factory=list)
    final_report: dict[str, Any] | None = None
    usage: Usage = Field(default_factory=Usage)
    history: list[HistoryEntry] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    # -- read helpers (no mutation here: the workflow owns changes) --------------------------------

    @property
    def plan(self) -> Plan | None:
        return self.plan_versions[-1].plan if self.plan_versions else None

    @property
    def plan_version(self) -> int:
        return self.plan_versions[-1].version if self.plan_versions else 0

    def phase_state(self, slug: str) -> PhaseState:
        for state in self.phases:
            if state.slug == slug:
                return state
        raise KeyError(slug)

    @property
    def next_pending(self) -> str | None:
        for state in self.phases:
            if state.status == PhaseStatus.PENDING:
                return state.slug
        return None

    @property
    def active_phase(self) -> PhaseState | None:
        """The phase with uncommitted work (in progress or awaiting review), if any."""
        for state in self.phases:
            if state.status in (PhaseStatus.IN_PROGRESS, PhaseStatus.AWAITING_REVIEW):
                return state
        return None

    def hidden_from_model(self, index: int) -> bool:
        """Whether message ``index`` of the conversation was rewound away (the model no longer sees it)."""
        return any(cut.hides(index) for cut in self.conversation_cuts)

    @property
    def finished(self) -> bool:
        return self.stage == Stage.DONE


def migrate_session_data(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a session JSON written by an older phasegate up to ``SCHEMA_VERSION``.

    Version 1 (pre-release) stored ``plan`` as a single object and ``phase_status`` as a mapping;
    version 2 keeps plan versions and a list of phase states.
    """
    version = int(data.get("schema_version", 1))
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"this session was written by a newer phasegate (schema {version} > {SCHEMA_VERSION}); upgrade phasegate"
        )
    if version < 2:
        data = dict(data)
        plan = data.pop("plan", None)
        if plan is not None and "plan_versions" not in data:
            data["plan_versions"] = [{"version": 1, "plan": plan, "reason": "migrated from schema 1"}]
        statuses = data.pop("phase_status", None) or {}
        shas = data.pop("commit_shas", None) or {}
        if statuses and "phases" not in data:
            data["phases"] = [
                {"slug": slug, "status": status, "commit_sha": shas.get(slug)} for slug, status in statuses.items()
            ]
        data["schema_version"] = 2
    return data


def load_session(data: dict[str, Any]) -> Session:
    return Session.model_validate(migrate_session_data(data))

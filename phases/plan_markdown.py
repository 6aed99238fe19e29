"""The plan in the seed's strict checklist format, both ways, and the diff between plan versions.

Rendering is canonical (one way to write a plan), parsing is tolerant (models and people write
``* [X] Schema design - detail``, drop the emoji, add prose around it, wrap it in a code fence).
``parse_plan(render_plan(plan))`` gives back the same plan, so a plan can live as Markdown in a
chat, a file or a commit and come back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phasegate.phases.models import (
    DEFAULT_PHASES,
    ArchitecturalPhase,
    Plan,
    PlanComment,
    PlanVersion,
    Task,
    TaskKind,
)

PLAN_HEADING = "# Backend Architecture Plan"

# "## 🗄️ Database Phase", "##Database phase", "## 2. API Phase", "### ⚙️ Business Logic"
_PHASE_RE = re.compile(r"^#{2,3}\s*(?:\d+[.)]\s*)?(?P<emoji>[^\w\s#*`]+(?:\ufe0f)?)?\s*(?P<title>.+?)\s*$")
# "- [ ] **Title**: detail", "* [x] Title - detail", "1. [X] **Title** — detail"
_TASK_RE = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])\s*\[(?P<mark>[ xX✓✔])\]\s*(?P<body>.+?)\s*$"
)
_BOLD_RE = re.compile(r"^\*\*(?P<title>.+?)\*\*\s*(?:[:\-–—]\s*(?P<detail>.*))?$")
_PLAIN_RE = re.compile(r"^(?P<title>[^:–—]+?)\s*(?:[:–—]|\s-\s)\s*(?P<detail>.*)$")

_TITLE_TO_SLUG = {
    "database": "database",
    "database schema": "database",
    "data": "database",
    "api": "api",
    "api contract": "api",
    "api contracts": "api",
    "business logic": "logic",
    "logic": "logic",
    "service": "logic",
    "security": "security",
    "testing": "testing",
    "tests": "testing",
    "test": "testing",
    "deployment": "deployment",
    "deploy": "deployment",
}

_KIND_KEYWORDS: tuple[tuple[str, TaskKind], ...] = (
    ("rollback", TaskKind.ROLLBACK),
    ("roll back", TaskKind.ROLLBACK),
    ("migration", TaskKind.MIGRATION),
    ("verif", TaskKind.VERIFICATION),
    ("test", TaskKind.TEST),
    ("documentation", TaskKind.DOCS),
    ("docs", TaskKind.DOCS),
    ("design", TaskKind.DESIGN),
    ("contract", TaskKind.DESIGN),
    ("interface", TaskKind.DESIGN),
    ("schema", TaskKind.DESIGN),
)


class PlanParseError(ValueError):
    """The text does not contain a plan in the checklist format; the message says what is missing.

    ``line`` (1-based) is the line at fault when one is (``parse_plan_strict``)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def infer_kind(title: str) -> TaskKind:
    lowered = title.lower()
    for keyword, kind in _KIND_KEYWORDS:
        if keyword in lowered:
            return kind
    return TaskKind.IMPLEMENTATION


def phase_heading_title(phase: ArchitecturalPhase) -> str:
    return f"{phase.title} Phase"


def render_plan(plan: Plan) -> str:
    """The plan in the seed's strict format."""
    lines = [f"# {plan.title}".rstrip(), ""]
    for phase in plan.phases:
        heading = f"## {phase.emoji} {phase_heading_title(phase)}" if phase.emoji else f"## {phase_heading_title(phase)}"
        lines.append(heading)
        for task in phase.tasks:
            mark = "x" if task.done else " "
            detail = f": {task.detail}" if task.detail else ""
            lines.append(f"- [{mark}] **{task.title}**{detail}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _slug_for(title: str) -> str:
    key = re.sub(r"\s+phase$", "", title.strip().lower()).strip()
    key = re.sub(r"[*_`]", "", key).strip()
    if key in _TITLE_TO_SLUG:
        return _TITLE_TO_SLUG[key]
    slug = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:40]
    return slug or "phase"


def _clean_title(title: str) -> str:
    title = re.sub(r"[*_`]", "", title).strip()
    return re.sub(r"\s+[Pp]hase$", "", title).strip() or title


def extract_plan_markdown(text: str) -> str | None:
    """Find the checklist plan inside a reply (prose around it, code fences) or return None."""
    fenced = re.findall(r"```(?:markdown|md)?\s*\n(.*?)```", text, flags=re.S)
    for block in fenced:
        if _TASK_RE.search(block) or re.search(r"^\s*[-*+]\s*\[[ xX]\]", block, flags=re.M):
            return block
    if re.search(r"^\s*(?:[-*+]|\d+[.)])\s*\[[ xX✓✔]\]", text, flags=re.M) and re.search(r"^#{2,3}\s", text, flags=re.M):
        return text
    return None


def parse_plan(text: str) -> Plan:
    """Parse a plan written in the checklist format. Raises ``PlanParseError`` with a reason."""
    body = extract_plan_markdown(text)
    if body is None:
        raise PlanParseError(
            "no plan found: expected '## <emoji> <Name> Phase' headings followed by '- [ ] **Task**: detail' lines"
        )
    title = "Backend Architecture Plan"
    phases: list[dict] = []
    current: dict | None = None
    for raw in body.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if re.match(r"^#\s", line) and not line.startswith("##"):
            title = line.lstrip("#").strip() or title
            continue
        heading = _PHASE_RE.match(line)
        if heading and line.lstrip().startswith("##"):
            name = _clean_title(heading.group("title"))
            slug = _slug_for(name)
            emoji = (heading.group("emoji") or "").strip()
            if not emoji and slug in DEFAULT_PHASES:
                emoji = DEFAULT_PHASES[slug][0]
            current = {"slug": slug, "title": name, "emoji": emoji, "tasks": []}
            phases.append(current)
            continue
        task = _TASK_RE.match(line)
        if task and current is not None:
            done = task.group("mark") != " "
            task_title, detail = _split_task(task.group("body"))
            current["tasks"].append(
                {"title": task_title, "detail": detail, "done": done, "kind": infer_kind(task_title)}
            )
    phases = [p for p in phases if p["tasks"]]
    if not phases:
        raise PlanParseError("no phase with tasks found: each '## … Phase' heading needs '- [ ] **Task**: detail' lines")
    slugs = [p["slug"] for p in phases]
    for slug in set(slugs):
        if slugs.count(slug) > 1:
            raise PlanParseError(f"the {slug} phase appears more than once")
    try:
        return Plan(title=title, phases=[ArchitecturalPhase(**p) for p in phases])
    except ValueError as exc:
        raise PlanParseError(str(exc).splitlines()[0]) from exc


def parse_plan_strict(text: str) -> Plan:
    """Parse a plan the user wrote (``$EDITOR``): every line must be part of the format.

    Unlike ``parse_plan`` (tolerant of a model's prose around the plan), a line that is not the
    ``# Title``, a ``## … Phase`` heading, a ``- [ ] **Task**: detail`` line, a blank line or an HTML
    comment (``<!-- … -->``) is an error naming that line, so a typo never silently drops a task.
    """
    title = "Backend Architecture Plan"
    phases: list[dict] = []
    lines: dict[str, int] = {}  # phase slug -> its heading's line
    in_comment = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_comment or line.startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if not line:
            continue
        if line.startswith("# "):
            if phases:
                raise PlanParseError(f"line {number}: the '# Title' line must come before the first phase", number)
            title = line[2:].strip() or title
            continue
        if line.startswith("##"):
            heading = _PHASE_RE.match(line)
            if heading is None or line.startswith("####"):
                raise PlanParseError(f"line {number}: a phase heading is '## <emoji> <Name> Phase', got {line!r}", number)
            name = _clean_title(heading.group("title"))
            slug = _slug_for(name)
            if slug in lines:
                raise PlanParseError(f"line {number}: the {slug} phase already appears on line {lines[slug]}", number)
            emoji = (heading.group("emoji") or "").strip() or DEFAULT_PHASES.get(slug, ("",))[0]
            lines[slug] = number
            phases.append({"slug": slug, "title": name, "emoji": emoji, "tasks": [], "line": number})
            continue
        task = _TASK_RE.match(raw)
        if task is None:
            raise PlanParseError(
                f"line {number}: expected a task '- [ ] **Title**: detail' or a '## <Name> Phase' heading, got {line!r}",
                number,
            )
        if not phases:
            raise PlanParseError(f"line {number}: a task must come after a '## <Name> Phase' heading", number)
        task_title, detail = _split_task(task.group("body"))
        if not re.sub(r"[*_`]", "", task_title).strip():
            raise PlanParseError(f"line {number}: the task has no title", number)
        phases[-1]["tasks"].append(
            {"title": task_title, "detail": detail, "done": task.group("mark") != " ", "kind": infer_kind(task_title)}
        )
    if not phases:
        raise PlanParseError("no phase found: a plan needs '## <emoji> <Name> Phase' headings with tasks under them")
    for phase in phases:
        if not phase["tasks"]:
            raise PlanParseError(f"line {phase['line']}: the {phase['slug']} phase has no tasks", phase["line"])
    try:
        return Plan(title=title, phases=[ArchitecturalPhase(**{k: v for k, v in p.items() if k != "line"}) for p in phases])
    except ValueError as exc:
        raise PlanParseError(str(exc).splitlines()[0]) from exc


def _split_task(body: str) -> tuple[str, str]:
    bold = _BOLD_RE.match(body)
    if bold:
        return bold.group("title").strip(), (bold.group("detail") or "").strip()
    plain = _PLAIN_RE.match(body)
    if plain and plain.group("detail"):
        return plain.group("title").strip(), plain.group("detail").strip()
    return body.strip(), ""


# --------------------------------------------------------------------------------------------------
# Plan version diff


@dataclass(frozen=True)
class PlanChange:
    # phase_added, phase_removed, phase_moved, task_added, task_removed, task_changed (its detail),
    # task_renamed (same place and detail, new title), task_moved (same title, another phase: ``before`` is the old one)
    kind: str
    phase: str
    task: str | None = None
    before: str | None = None
    after: str | None = None

    def describe(self) -> str:
        what = {
            "phase_added": f"+ phase {self.phase}",
            "phase_removed": f"- phase {self.phase}",
            "phase_moved": f"~ phase {self.phase} moved from position {self.before} to {self.after}",
            "task_added": f"+ {self.phase}: {self.task}",
            "task_removed": f"- {self.phase}: {self.task}",
            "task_changed": f"~ {self.phase}: {self.task}: {self.before!r} → {self.after!r}",
            "task_renamed": f"~ {self.phase}: {self.before!r} → {self.after!r}",
            "task_moved": f"~ {self.task}: moved from {self.before} to {self.phase}",
        }
        return what[self.kind]


def diff_plans(old: Plan, new: Plan) -> list[PlanChange]:
    """What changed between two plan versions: phases added/removed/moved, tasks added/removed/changed.

    Tasks are matched by title within their phase; ``done`` flags are progress, not plan content,
    and are ignored.
    """
    changes: list[PlanChange] = []
    old_slugs, new_slugs = old.slugs, new.slugs
    for slug in old_slugs:
        if slug not in new_slugs:
            changes.append(PlanChange("phase_removed", slug))
    common_old = [s for s in old_slugs if s in new_slugs]
    common_new = [s for s in new_slugs if s in old_slugs]
    for slug in new_slugs:
        if slug not in old_slugs:
            changes.append(PlanChange("phase_added", slug))
        elif common_old.index(slug) != common_new.index(slug):
            changes.append(
                PlanChange("phase_moved", slug, before=str(old_slugs.index(slug) + 1), after=str(new_slugs.index(slug) + 1))
            )
    removed: list[tuple[str, Task]] = []
    added: list[tuple[str, Task]] = []
    for slug in common_new:
        before: dict[str, Task] = {t.title: t for t in old.phase(slug).tasks}
        after: dict[str, Task] = {t.title: t for t in new.phase(slug).tasks}
        removed += [(slug, task) for title, task in before.items() if title not in after]
        for title, task in after.items():
            if title not in before:
                added.append((slug, task))
            elif before[title].detail != task.detail:
                changes.append(PlanChange("task_changed", slug, title, before[title].detail, task.detail))
    # A title that left one phase and arrived in another moved; a task whose title changed in place
    # (same phase, same position, same detail) was renamed. What is left was removed or added.
    for gone in list(removed):
        match = next((a for a in added if a[1].title == gone[1].title and a[0] != gone[0]), None)
        if match is not None:
            removed.remove(gone)
            added.remove(match)
            changes.append(PlanChange("task_moved", match[0], match[1].title, before=gone[0], after=match[0]))
    for gone in list(removed):
        match = next((a for a in added if a[0] == gone[0] and a[1].id == gone[1].id and a[1].detail == gone[1].detail), None)
        if match is not None:
            removed.remove(gone)
            added.remove(match)
            changes.append(PlanChange("task_renamed", match[0], match[1].title, before=gone[1].title, after=match[1].title))
    changes += [PlanChange("task_removed", slug, task.title) for slug, task in removed]
    changes += [PlanChange("task_added", slug, task.title) for slug, task in added]
    return changes


AUTHOR_LABELS = {"model": "model", "user": "you"}


def version_markdown(chosen: PlanVersion, previous: PlanVersion | None = None) -> str:
    """A plan version as the Report tab shows it: who made it and why, the plan, what changed."""
    who = AUTHOR_LABELS.get(chosen.author, chosen.author)
    text = f"# Plan v{chosen.version} · by {who}\n\n_{chosen.reason}_\n\n" + render_plan(chosen.plan)
    if previous is not None:
        changes = diff_plans(previous.plan, chosen.plan)
        text += f"\n## Changes from v{previous.version} (by {who})\n\n" + (
            "\n".join(f"- `{ch.describe()}`" for ch in changes) or "_none_"
        )
    return text


def comment_lines(plan: Plan, comments: list[PlanComment]) -> list[str]:
    """The user's comments as lines the model reads: which phase or task each is about, then the text."""
    titles = {t.id: t.title for p in plan.phases for t in p.tasks}
    lines = []
    for comment in comments:
        if comment.task_id is None:
            lines.append(f"- on the {comment.phase} phase: {comment.text}")
        else:
            title = titles.get(comment.task_id, "")
            lines.append(f"- on task {comment.task_id} ({title}): {comment.text}")
    return lines

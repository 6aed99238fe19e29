"""The plan checklist: architectural phases with status and commit, tasks with checkboxes, plan versions.

A ``Tree`` (Line API, so long plans stay fast). ``update_plan`` relabels nodes in place when the plan's
shape is unchanged (the common case: a task ticked, a status changed), so the cursor never jumps; a new
shape rebuilds the tree and puts the cursor back on the same phase or task when it still exists.
The widget only reports what the user did (``PhaseSelected``, ``TaskToggled``, ``VersionSelected``);
the App applies it and calls ``update_plan`` again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Select, Tree
from textual.widgets.tree import TreeNode

from phasegate.widgets._support import clean, load_css, shorten

if TYPE_CHECKING:  # the domain models are only type hints here: pydantic stays out of the first frame
    from phasegate.phases.models import ArchitecturalPhase, PhaseState, Plan, Task

# status -> (badge text, style)
# Keyed by PhaseStatus values (a StrEnum member looks up its string key).
STATUS_BADGES: dict[str, tuple[str, str]] = {
    "pending": ("pending", "dim"),
    "in_progress": ("in progress", "bold yellow"),
    "awaiting_review": ("awaiting review", "bold magenta"),
    "committed": ("committed", "bold green"),
    "skipped": ("skipped", "dim strike"),
    "rolled_back": ("rolled back", "red"),
}

NodeData = tuple[str, str]  # ("phase", slug) or ("task", task id)


def phase_label(phase: ArchitecturalPhase, state: PhaseState | None, current: bool) -> Text:
    status = state.status if state else "pending"
    badge, style = STATUS_BADGES[status]
    label = Text()
    label.append("▶ " if current else "  ", style="bold")
    label.append(clean(phase.heading), style="bold" if current else "")
    label.append(f"  [{badge}]", style=style)
    if state and state.commit_sha:
        label.append(f" {state.commit_sha[:7]}", style="cyan")
    return label


def task_label(task: Task, done: bool) -> Text:
    label = Text("☑ " if done else "☐ ", style="green" if done else "")
    label.append(shorten(task.title, 200), style="dim" if done else "")
    return label


class _PlanTree(Tree[NodeData]):
    """A Tree whose space bar ticks a task (and still folds a phase)."""

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None and node.data[0] == "task":
            parent = self.parent
            if isinstance(parent, PlanChecklist):
                parent.toggle_task(node.data[1])
            return
        super().action_toggle_node()


class PlanChecklist(Widget):
    """Phases (emoji, title, status badge, short sha) and their tasks; a version picker above."""

    DEFAULT_CSS = load_css(__file__)

    class PhaseSelected(Message):
        """The user chose a phase in the tree (a committed one opens its commit in the viewer).

        Attributes:
            checklist: the plan checklist.
            slug: the phase's slug.
        """

        def __init__(self, checklist: PlanChecklist, slug: str) -> None:
            super().__init__()
            self.checklist = checklist
            self.slug = slug

        @property
        def control(self) -> PlanChecklist:
            return self.checklist

    class TaskToggled(Message):
        """The user ticked or unticked a task.

        Attributes:
            checklist: the plan checklist.
            task_id: the task's id (``<phase>.<n>``).
            done: its new state.
        """

        def __init__(self, checklist: PlanChecklist, task_id: str, done: bool) -> None:
            super().__init__()
            self.checklist = checklist
            self.task_id = task_id
            self.done = done

        @property
        def control(self) -> PlanChecklist:
            return self.checklist

    class VersionSelected(Message):
        """The user picked a plan version to look at.

        Attributes:
            checklist: the plan checklist.
            version: the plan version's number.
        """

        def __init__(self, checklist: PlanChecklist, version: int) -> None:
            super().__init__()
            self.checklist = checklist
            self.version = version

        @property
        def control(self) -> PlanChecklist:
            return self.checklist

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(name=name, id=id, classes=classes)
        self._plan: Plan | None = None
        self._states: dict[str, PhaseState] = {}
        self._current: str | None = None
        self._done: dict[str, bool] = {}
        self._tree_nodes: dict[NodeData, TreeNode[NodeData]] = {}
        self._shape: list[tuple[str, tuple[str, ...]]] = []
        self._shown_version: int | None = None

    def compose(self) -> ComposeResult:
        yield Select[int]([], prompt="Plan version", allow_blank=True, id="versions", compact=True)
        tree = _PlanTree("No plan yet", id="plan-tree")
        tree.auto_expand = False
        tree.show_root = False
        tree.guide_depth = 2
        yield tree

    def on_mount(self) -> None:
        self.query_one("#versions", Select).display = False

    @property
    def plan_tree(self) -> Tree[NodeData]:
        return self.query_one("#plan-tree", _PlanTree)

    # -- rendering -------------------------------------------------------------------------------------

    def update_plan(self, plan: Plan | None, phase_states: Iterable[PhaseState] = (), current_slug: str | None = None) -> None:
        """Show ``plan`` with the given phase states; keeps the cursor on the same phase or task."""
        self._plan = plan
        self._states = {state.slug: state for state in phase_states}
        self._current = current_slug
        self._done = {t.id: t.done for p in (plan.phases if plan else []) for t in p.tasks}
        shape = [(p.slug, tuple(t.id for t in p.tasks)) for p in plan.phases] if plan else []
        if shape == self._shape and plan is not None:
            self._relabel()
        else:
            self._rebuild(shape)

    def _relabel(self) -> None:
        assert self._plan is not None
        for phase in self._plan.phases:
            self._tree_nodes[("phase", phase.slug)].set_label(
                phase_label(phase, self._states.get(phase.slug), phase.slug == self._current)
            )
            for task in phase.tasks:
                self._tree_nodes[("task", task.id)].set_label(task_label(task, self._done[task.id]))

    def _rebuild(self, shape: list[tuple[str, tuple[str, ...]]]) -> None:
        tree = self.plan_tree
        keep = tree.cursor_node.data if tree.cursor_node is not None else None
        tree.clear()
        self._tree_nodes = {}
        self._shape = shape
        if self._plan is None:
            tree.show_root = True
            return
        tree.show_root = False
        for phase in self._plan.phases:
            node = tree.root.add(
                phase_label(phase, self._states.get(phase.slug), phase.slug == self._current),
                data=("phase", phase.slug),
                expand=True,
            )
            self._tree_nodes[("phase", phase.slug)] = node
            for task in phase.tasks:
                self._tree_nodes[("task", task.id)] = node.add_leaf(task_label(task, self._done[task.id]), data=("task", task.id))
        target = self._tree_nodes.get(keep) if keep else None
        if target is None and self._current:
            target = self._tree_nodes.get(("phase", self._current))
        if target is not None:
            # New nodes get their line numbers when the tree builds its lines (lazily, on the next
            # render); build them now so the cursor lands on the node and not on line -1.
            _ = tree._tree_lines
            tree.move_cursor(target)

    def task_done(self, task_id: str) -> bool:
        return self._done.get(task_id, False)

    def toggle_task(self, task_id: str) -> None:
        """The user ticks or unticks a task: shown at once, reported to the App as ``TaskToggled``."""
        if self._plan is None or task_id not in self._done:
            return
        done = not self._done[task_id]
        self._done[task_id] = done
        task = next(t for p in self._plan.phases for t in p.tasks if t.id == task_id)
        self._tree_nodes[("task", task_id)].set_label(task_label(task, done))
        self.post_message(self.TaskToggled(self, task_id, done))

    @on(Tree.NodeSelected, "#plan-tree")
    def _selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        event.stop()
        data = event.node.data
        if data is None:
            return
        kind, key = data
        if kind == "phase":
            self.post_message(self.PhaseSelected(self, key))
        else:
            self.toggle_task(key)

    # -- versions --------------------------------------------------------------------------------------

    def set_versions(self, versions: Sequence[tuple[int, str]], shown: int | None = None) -> None:
        """List the plan versions ``[(version, reason)]``; ``shown`` (default: the latest) is selected."""
        select = self.query_one("#versions", Select)
        select.set_options(
            (f"Plan v{version}" + (f" — {shorten(reason, 40)}" if reason else ""), version) for version, reason in versions
        )
        select.display = bool(versions)
        if versions:
            self._shown_version = shown if shown is not None else max(v for v, _ in versions)
            select.value = self._shown_version

    @on(Select.Changed, "#versions")
    def _version_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int) and event.value != self._shown_version:
            self._shown_version = event.value
            self.post_message(self.VersionSelected(self, event.value))

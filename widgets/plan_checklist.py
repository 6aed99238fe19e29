"""The plan checklist: architectural phases with status and commit, tasks with checkboxes, plan versions.

A ``Tree`` (Line API, so long plans stay fast). ``update_plan`` relabels nodes in place when the plan's
shape is unchanged (the common case: a task ticked, a status changed), so the cursor never jumps; a new
shape rebuilds the tree and puts the cursor back on the same phase or task when it still exists.
The widget only reports what the user did (``PhaseSelected``, ``TaskToggled``, ``VersionSelected``,
``EditRequested``); the App applies it and calls ``update_plan`` again.

While the plan may change (the App says so with ``set_editable``: the plan is under review), the keys
``t`` edit, ``a`` add, ``x`` delete, ``m`` move a task and ``c`` comment on a task or phase; each posts
``EditRequested`` (the App asks for the text in a modal: widgets push no screens). Comments are shown
under their phase or task (``💬``). Otherwise these keys are hidden and fall through to the App's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Select, Tree
from textual.widgets.tree import TreeNode

from phasegate.widgets._support import clean, load_css, shorten

if TYPE_CHECKING:  # the domain models are only type hints here: pydantic stays out of the first frame
    from phasegate.phases.models import ArchitecturalPhase, PhaseState, Plan, PlanComment, Task

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

NodeData = tuple[str, str]  # ("phase", slug), ("task", task id) or ("comment", the slug or task id it is on)

#: What the user asked to do to the plan (``PlanChecklist.EditRequested.action``).
EditAction = Literal["edit-task", "add-task", "delete-task", "move-task", "comment"]
#: The edit actions that need a task under the cursor (the others work on a phase too).
_TASK_ACTIONS: frozenset[str] = frozenset({"edit-task", "delete-task", "move-task"})
AUTHOR_LABELS = {"model": "model", "user": "you"}


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


def comment_label(text: str) -> Text:
    label = Text("💬 ", style="bold yellow")
    label.append(shorten(text, 300), style="italic yellow")
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

    BINDINGS = [
        Binding("t", "request_edit('edit-task')", "Edit task", id="plan.edit-task"),
        Binding("a", "request_edit('add-task')", "Add task", id="plan.add-task"),
        Binding("x,delete", "request_edit('delete-task')", "Delete task", id="plan.delete-task"),
        Binding("m", "request_edit('move-task')", "Move task", id="plan.move-task"),
        Binding("c", "request_edit('comment')", "Comment", id="plan.comment"),
    ]

    class EditRequested(Message):
        """The user wants to change the plan under review or comment on it (only while editable).

        Attributes:
            checklist: the plan checklist.
            action: ``edit-task``, ``add-task`` (to ``phase``), ``delete-task``, ``move-task`` or
                ``comment`` (on ``task_id``, or on ``phase`` when ``task_id`` is None).
            phase: the slug of the phase under the cursor (the task's phase).
            task_id: the task under the cursor, or None on a phase.
        """

        def __init__(self, checklist: PlanChecklist, action: EditAction, phase: str, task_id: str | None) -> None:
            super().__init__()
            self.checklist = checklist
            self.action = action
            self.phase = phase
            self.task_id = task_id

        @property
        def control(self) -> PlanChecklist:
            return self.checklist

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
        self._shape: list[object] = []
        self._shown_version: int | None = None
        self._comments: dict[str, str] = {}  # phase slug or task id -> the user's comment
        self._editable = False

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

    def update_plan(
        self,
        plan: Plan | None,
        phase_states: Iterable[PhaseState] = (),
        current_slug: str | None = None,
        comments: Iterable[PlanComment] = (),
    ) -> None:
        """Show ``plan`` with the given phase states and the user's comments; keeps the cursor on the same
        phase or task."""
        self._plan = plan
        self._states = {state.slug: state for state in phase_states}
        self._current = current_slug
        self._done = {t.id: t.done for p in (plan.phases if plan else []) for t in p.tasks}
        self._comments = {c.task_id or c.phase: c.text for c in comments}
        shape: list[object] = [
            (p.slug, p.slug in self._comments, tuple((t.id, t.id in self._comments) for t in p.tasks))
            for p in plan.phases
        ] if plan else []
        if shape == self._shape and plan is not None:
            self._relabel()
        else:
            self._rebuild(shape)
        self.refresh_bindings()

    def set_editable(self, editable: bool) -> None:
        """Whether the user may change the plan now (the App asks the workflow); shows or hides the keys."""
        if editable != self._editable:
            self._editable = editable
            self.refresh_bindings()
        tree = self.plan_tree
        if editable and tree.cursor_node is None and self._plan is not None and self._plan.phases:
            # The edit keys act on the node under the cursor: give them one (the first phase).
            _ = tree._tree_lines
            tree.move_cursor(self._tree_nodes[("phase", self._plan.phases[0].slug)])

    @property
    def editable(self) -> bool:
        return self._editable

    def _relabel(self) -> None:
        assert self._plan is not None
        for phase in self._plan.phases:
            self._tree_nodes[("phase", phase.slug)].set_label(
                phase_label(phase, self._states.get(phase.slug), phase.slug == self._current)
            )
            for task in phase.tasks:
                self._tree_nodes[("task", task.id)].set_label(task_label(task, self._done[task.id]))
        for key, text in self._comments.items():
            node = self._tree_nodes.get(("comment", key))
            if node is not None:
                node.set_label(comment_label(text))

    def _rebuild(self, shape: list[object]) -> None:
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
            if phase.slug in self._comments:
                self._tree_nodes[("comment", phase.slug)] = node.add_leaf(
                    comment_label(self._comments[phase.slug]), data=("comment", phase.slug)
                )
            for task in phase.tasks:
                label = task_label(task, self._done[task.id])
                if task.id in self._comments:  # the comment hangs under its task
                    task_node = node.add(label, data=("task", task.id), expand=True)
                    self._tree_nodes[("comment", task.id)] = task_node.add_leaf(
                        comment_label(self._comments[task.id]), data=("comment", task.id)
                    )
                else:
                    task_node = node.add_leaf(label, data=("task", task.id))
                self._tree_nodes[("task", task.id)] = task_node
        target = self._tree_nodes.get(keep) if keep else None
        if target is None and self._current:
            target = self._tree_nodes.get(("phase", self._current))
        if target is not None:
            # New nodes get their line numbers when the tree builds its lines (lazily, on the next
            # render); build them now so the cursor lands on the node and not on line -1.
            _ = tree._tree_lines
            tree.move_cursor(target)

    # -- the user's edits ------------------------------------------------------------------------------

    def _under_cursor(self) -> tuple[str, str | None] | None:
        """(phase slug, task id or None) of the node under the cursor."""
        node = self.plan_tree.cursor_node
        if node is None or node.data is None or self._plan is None:
            return None
        kind, key = node.data
        if kind == "comment":
            kind = "task" if "." in key else "phase"  # slugs have no dot; task ids are <phase>.<n>
        if kind == "phase":
            return key, None
        phase = next((p.slug for p in self._plan.phases if any(t.id == key for t in p.tasks)), None)
        return (phase, key) if phase is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "request_edit":
            return True
        if not self._editable or self._plan is None:
            return False  # hidden, and the key falls through to the App's binding (c: security checklist)
        where = self._under_cursor()
        if where is None:
            return None
        if parameters and parameters[0] in _TASK_ACTIONS and where[1] is None:
            return None  # shown greyed: these need a task under the cursor
        if parameters and parameters[0] == "move-task" and len(self._plan.phases) < 2:
            return None
        return True

    def action_request_edit(self, action: EditAction) -> None:
        where = self._under_cursor()
        if where is None or not self._editable:
            return
        phase, task_id = where
        self.post_message(self.EditRequested(self, action, phase, None if action == "add-task" else task_id))

    @on(Tree.NodeHighlighted, "#plan-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        event.stop()
        self.refresh_bindings()  # task keys grey out on a phase

    def comment_on(self, key: str) -> str | None:
        """The user's comment on a phase (slug) or a task (id), as shown."""
        return self._comments.get(key)

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
        elif self._editable:  # under review, enter on a task edits it and on a comment edits the comment
            self.action_request_edit("edit-task" if kind == "task" else "comment")
        elif kind == "task":
            self.toggle_task(key)

    # -- versions --------------------------------------------------------------------------------------

    def set_versions(self, versions: Sequence[tuple[int, str] | tuple[int, str, str]], shown: int | None = None) -> None:
        """List the plan versions ``[(version, reason)]`` or ``[(version, reason, author)]`` (``model`` or
        ``user``, shown as "model" / "you"); ``shown`` (default: the latest) is selected."""
        select = self.query_one("#versions", Select)
        options = []
        for version, reason, *author in versions:
            who = f" · {AUTHOR_LABELS.get(author[0], author[0])}" if author else ""
            options.append((f"Plan v{version}{who}" + (f" — {shorten(reason, 40)}" if reason else ""), version))
        select.set_options(options)
        select.display = bool(versions)
        if versions:
            self._shown_version = shown if shown is not None else max(v[0] for v in versions)
            select.value = self._shown_version

    @on(Select.Changed, "#versions")
    def _version_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int) and event.value != self._shown_version:
            self._shown_version = event.value
            self.post_message(self.VersionSelected(self, event.value))

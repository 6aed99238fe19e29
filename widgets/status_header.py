"""The one-line header: repository, branch, stage, current phase, model, tokens and cost.

When some of the tokens were counted by phasegate (the endpoint reported no usage), the figures are
estimates and say so: "tokens ≈1.2k · cost ≈$0.00".
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from phasegate.phases.stages import stage_label
from phasegate.widgets._support import clean, load_css


def format_tokens(tokens: int) -> str:
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}M"
    if tokens >= 1_000:
        return f"{tokens / 1_000:.1f}k"
    return str(tokens)


class StatusHeader(Widget):
    DEFAULT_CSS = load_css(__file__)

    repo: reactive[str] = reactive("")
    branch: reactive[str] = reactive("")
    stage: reactive[str] = reactive("")
    phase: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    tokens: reactive[int] = reactive(0)
    cost: reactive[float | None] = reactive(None)
    estimated: reactive[bool] = reactive(False)

    def update_status(
        self,
        *,
        repo: str | None = None,
        branch: str | None = None,
        stage: str | None = None,
        phase: str | None = None,
        model: str | None = None,
        tokens: int | None = None,
        cost: float | None = None,
        estimated: bool | None = None,
    ) -> None:
        """Set any of the fields; the others keep their values. ``phase`` is shown as given (e.g. '🗄️ Database')."""
        for field, value in (("repo", repo), ("branch", branch), ("stage", stage), ("phase", phase), ("model", model)):
            if value is not None:
                setattr(self, field, clean(str(value)))
        if tokens is not None:
            self.tokens = tokens
        if cost is not None:
            self.cost = cost
        if estimated is not None:
            self.estimated = estimated

    def render(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [("phasegate", "bold $accent")]

        def field(label: str, value: str, style: str = "bold") -> None:
            parts.extend(["  ", (label, "dim"), (value, style)])

        if self.repo:
            field("", self.repo)
        if self.branch:
            field("⎇ ", self.branch)
        if self.stage:
            field("stage ", stage_label(self.stage), "bold $warning")
        if self.phase:
            field("phase ", self.phase)
        if self.model:
            field("model ", self.model)
        about = "≈" if self.estimated else ""
        field("tokens ", about + format_tokens(self.tokens), "")
        if self.cost is not None:
            field("cost ", f"{about}${self.cost:.2f}", "")
        return Content.assemble(*parts)

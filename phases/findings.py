"""A review finding as the widgets take it: what the security scan and the API contract comparison
found in a phase's changes. Pure and dependency-free, so ``widgets/`` can type what they show
without importing the analyzers (``app/session/review.py`` converts the analyzers' findings)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


@dataclass(frozen=True)
class Finding:
    """One finding: ``kind`` names the check (``hardcoded_secret``, ``breaking_api_change…``)."""

    kind: str
    severity: Severity
    path: str
    line: int
    message: str
    evidence: str = ""

    @property
    def location(self) -> str:
        """``path:line``, or the path alone when there is no line."""
        return f"{self.path}:{self.line}" if self.path and self.line else self.path

    @property
    def blocking(self) -> bool:
        """High and critical findings block approval until the user overrides them with a reason."""
        return self.severity in ("high", "critical")

    def to_json(self) -> dict[str, object]:
        return asdict(self)

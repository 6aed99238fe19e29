"""The code-derived contract of a phase review (``analyzers.api_review``): endpoint changes between the
phase's base and the working tree, and when a breaking one counts as versioned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.app.analyzers.api_review import endpoint_review, major_bumped
from tests.support.repos import commit_all, git, write_files

MAIN = """from fastapi import FastAPI

from app.routers import users

app = FastAPI()
app.include_router(users.router, prefix="/api")
"""
USERS = """from fastapi import APIRouter

router = APIRouter(prefix="/users")


@router.get("/{user_id}")
def read_user(user_id: int):
    return {}


@router.delete("/{user_id}")
def delete_user(user_id: int):
    return None
"""
USERS_WITHOUT_DELETE = USERS.split("\n\n\n@router.delete")[0] + "\n"
USERS_V2_DELETE = USERS_WITHOUT_DELETE + """

@router.delete("/v2/{user_id}")
def delete_user_v2(user_id: int):
    return None
"""


def _base(make_repo: Callable[..., Path], extra: dict[str, str] | None = None) -> tuple[Path, str]:
    root = make_repo({"app/__init__.py": "", "app/main.py": MAIN, "app/routers/__init__.py": "",
                      "app/routers/users.py": USERS, **(extra or {})})
    return root, git(root, "rev-parse", "HEAD").strip()


def test_a_deleted_endpoint_is_a_high_finding_naming_it(make_repo: Callable[..., Path]) -> None:
    root, base = _base(make_repo)
    write_files(root, {"app/routers/users.py": USERS_WITHOUT_DELETE})
    review = endpoint_review(root, base)
    assert [(c.kind, c.method, c.path, c.breaking) for c in review.changes] == [
        ("endpoint-removed", "DELETE", "/api/users/{user_id}", True)]
    [finding] = review.findings
    assert (finding.kind, finding.severity, finding.path, finding.line) == (
        "breaking_api_change_without_version_bump", "high", "app/routers/users.py", 11)
    assert finding.evidence == "DELETE /api/users/{user_id}"
    assert "DELETE /api/users/{user_id} removed" in finding.message


def test_a_versioned_successor_path_counts_as_a_version_bump(make_repo: Callable[..., Path]) -> None:
    root, base = _base(make_repo)
    write_files(root, {"app/routers/users.py": USERS_V2_DELETE})
    review = endpoint_review(root, base)
    assert {(c.kind, c.path) for c in review.changes} == {
        ("endpoint-removed", "/api/users/{user_id}"), ("endpoint-added", "/api/users/v2/{user_id}")}
    [finding] = review.findings
    assert (finding.kind, finding.severity) == ("breaking_api_change", "medium")
    assert "versioned: DELETE /api/users/v2/{user_id}" in finding.message


@pytest.mark.parametrize("before, after, blocked", [("1.4.0", "2.0.0", False), ("1.4.0", "1.5.0", True),
                                                    ("0.3.1", "0.4.0", False), ("0.3.1", "0.3.2", True)])
def test_the_package_major_version_counts_as_a_version_bump(make_repo: Callable[..., Path], before: str,
                                                             after: str, blocked: bool) -> None:
    manifest = '[project]\nname = "svc"\nversion = "{}"\n'
    root, base = _base(make_repo, {"pyproject.toml": manifest.format(before)})
    write_files(root, {"app/routers/users.py": USERS_WITHOUT_DELETE, "pyproject.toml": manifest.format(after)})
    review = endpoint_review(root, base)
    assert (review.version_before, review.version_after) == (before, after)
    assert [f.severity for f in review.findings] == ["high" if blocked else "medium"]


def test_major_bumped_reads_package_json_style_versions() -> None:
    assert major_bumped("v1.2.3", "2.0.0-rc.1") and not major_bumped("1.2.3", "1.9.0")
    assert not major_bumped(None, "2.0.0") and not major_bumped("1.0.0", "latest")


def test_an_endpoint_the_spec_diff_reported_is_not_reported_twice(make_repo: Callable[..., Path]) -> None:
    root, base = _base(make_repo)
    write_files(root, {"app/routers/users.py": USERS_WITHOUT_DELETE})
    review = endpoint_review(root, base, already_reported={"DELETE /api/users/{user_id}"})
    assert [c.kind for c in review.changes] == ["endpoint-removed"] and review.findings == []


def test_a_committed_change_is_compared_from_the_phase_base(make_repo: Callable[..., Path]) -> None:
    root, base = _base(make_repo)
    write_files(root, {"app/routers/users.py": USERS_WITHOUT_DELETE})
    commit_all(root, "drop delete")
    write_files(root, {"app/routers/users.py": USERS})  # restored in the working tree: nothing changed
    assert endpoint_review(root, base).changes == []

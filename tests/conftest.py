"""Shared fixtures: real git repositories in temp dirs (``repo``, ``make_repo``), isolated config and state.

Tests live in rooms: ``unit/`` (the pure domain and parsers), ``services/`` (git, store, the model client, tools,
analyzers), ``flows/`` (the controller, headless driver, demo, reliability), ``tui/`` (widgets, screens, snapshots,
workbench flows), ``meta/`` (docs, import rules). Helpers are in ``support/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.repos import init_repo


@pytest.fixture(autouse=True)
def _isolate_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's config, key or git identity, or talks to a real endpoint."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    for var in list(os.environ):
        if var.startswith(("OPENAI_", "PHASEGATE_")) or var.startswith("GIT_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test User")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test User")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.invalid")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # Kingfisher compiles its rules once (~5 s) into a cache under HOME: share one cache across the
    # session's fresh HOMEs, or every review in a test pays the compile again.
    monkeypatch.setenv("KF_RULE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kingfisher-rule-cache"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real git repository with one commit on branch ``main``."""
    return init_repo(tmp_path / "repo")


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """``make_repo(files, commit=True)``: a git repository holding ``files`` (committed unless told not)."""
    counter = iter(range(1000))

    def make(files: dict[str, str], commit: bool = True) -> Path:
        return init_repo(tmp_path / f"r{next(counter)}", files, commit=commit)

    return make

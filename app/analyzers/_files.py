"""Path classification for the analyzers, and the trees they read (re-exported from ``phasegate.app.git.trees``).

Every analyzer sees a repository through a ``Tree`` (working tree or any git revision) opened with
:func:`open_tree`; those readers run git, so they live in ``phasegate.app.git.trees`` and are imported
here so that ``from phasegate.app.analyzers._files import open_tree`` keeps working. What stays here
decides what a path *is*: vendored, generated, a fixture, a test.
"""

from __future__ import annotations

import functools
import re

from phasegate.app.git.trees import (
    MAX_READ,
    VENDORED_DIRS,
    RevTree,
    Tree,
    WorkTree,
    is_git_worktree,
    open_tree,
    resolve_root,
)

__all__ = [
    "FIXTURE_DIRS", "GENERATED_SUFFIXES", "MAX_READ", "TEST_DIRS", "TEST_NAME_RE", "VENDORED_DIRS", "RevTree",
    "Tree", "WorkTree", "is_generated_or_fixture", "is_git_worktree", "is_own_code", "is_test_path", "is_vendored",
    "natural_key", "open_tree", "resolve_root", "suffix",
]

# Directories of fixtures and code templates: shaped like real code, but not the application.
FIXTURE_DIRS = frozenset({"fixtures", "__fixtures__", "fixture", "testdata", "_templates", "templates-src"})
# File names that are generated or templates (hygen ``*.ejs.t``, protobuf stubs, minified bundles…),
# as suffixes so that ``str.endswith`` (C speed) decides; ``.generated.`` anywhere in the name too.
GENERATED_SUFFIXES = (
    ".min.js", ".min.css", ".d.ts", ".ejs.t", ".hbs", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2", "_pb2.py",
    "_pb2.pyi", "_pb2_grpc.py", ".pb.go", ".pb.gw.go", ".g.cs", ".g.dart", ".designer.cs", ".snap", ".map",
    "-lock.json", ".lock",
)
TEST_NAME_RE = re.compile(
    r"(^test_.*\.py$|_test\.(py|go|rb|exs?)$|\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.(java|kt|cs)$|_spec\.rb$)"
)
TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs", "e2e", "testing"})


@functools.lru_cache(maxsize=1 << 16)
def _directory_kind(directory: str) -> tuple[bool, bool, bool]:
    """(vendored, fixture, test) of a directory path; files share directories, so each is looked at once."""
    parts = directory.split("/")
    return (not VENDORED_DIRS.isdisjoint(parts), not FIXTURE_DIRS.isdisjoint(parts),
            not TEST_DIRS.isdisjoint(parts))


# Asked once per reader of every path (some 25 readers, 50,000 paths): answered once per path.
@functools.lru_cache(maxsize=1 << 18)
def is_vendored(path: str) -> bool:
    """True for paths under vendored, build or cache directories."""
    slash = path.rfind("/")
    return slash >= 0 and _directory_kind(path[:slash])[0]


@functools.lru_cache(maxsize=1 << 18)
def is_generated_or_fixture(path: str) -> bool:
    """True for generated files, templates and fixtures: never reported as models or routes."""
    slash = path.rfind("/")
    if slash >= 0 and _directory_kind(path[:slash])[1]:
        return True
    name = path[slash + 1 :].lower()
    return name.endswith(GENERATED_SUFFIXES) or ".generated." in name


@functools.lru_cache(maxsize=1 << 18)
def is_test_path(path: str) -> bool:
    """True for test files: a test's routes and models are not the application's."""
    slash = path.rfind("/")
    return (slash >= 0 and _directory_kind(path[:slash])[2]) or bool(TEST_NAME_RE.search(path[slash + 1 :]))


@functools.lru_cache(maxsize=1 << 18)
def is_own_code(path: str) -> bool:
    """Neither vendored, generated, a fixture nor a test: the project's own code, whose models and routes
    are facts about the backend."""
    return not (is_vendored(path) or is_generated_or_fixture(path) or is_test_path(path))


def natural_key(path: str) -> list[object]:
    """Sort key that orders ``V2__x`` before ``V10__x`` and ``2_a`` before ``10_a``."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", path)]


def suffix(path: str) -> str:
    """Lower-case extension of a path's last component (``""`` for none or a dot-file), cheaply."""
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""

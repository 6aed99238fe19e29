"""The path gate, .env recognition and redaction, and atomic writes of ``phasegate.app.agent.workspace``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasegate.app.agent.workspace import (
    SandboxError,
    Workspace,
    env_values,
    is_env_file,
    redact_env,
)
from phasegate.app.errors import PhasegateError
from phasegate.app.fsutil import write_atomic


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Workspace, Path]:
    """A root with a .git dir, a sub dir, and an outside dir holding a sentinel, plus symlinks."""
    root = tmp_path / "root"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hi')\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "sentinel.txt").write_text("OUTSIDE-SENTINEL\n")
    (root / "out").symlink_to(outside)  # directory link leaving the root
    (root / "src" / "passwd").symlink_to(outside / "sentinel.txt")  # file link leaving the root
    (root / "gitlink").symlink_to(root / ".git")  # link into .git
    (root / "inner").symlink_to(root / "src")  # harmless link inside
    return Workspace(root), outside


def test_resolve_accepts_plain_relative_paths(tree: tuple[Workspace, Path]) -> None:
    ws, _ = tree
    assert ws.resolve("src/app.py") == ws.root / "src" / "app.py"
    assert ws.resolve("./src//app.py") == ws.root / "src" / "app.py"
    assert ws.resolve(".") == ws.root
    assert ws.resolve("new/dir/file.txt") == ws.root / "new" / "dir" / "file.txt"
    assert ws.resolve(".gitignore") == ws.root / ".gitignore"  # only .git itself is off limits
    assert ws.resolve("inner/app.py") == ws.root / "inner" / "app.py"  # a link that stays inside
    assert ws.relative(ws.root / "src" / "app.py") == "src/app.py"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/etc/passwd", "Absolute"),
        ("~/.ssh/id_rsa", "Home-directory"),
        ("~", "Home-directory"),
        ("../outside/sentinel.txt", "'..'"),
        ("src/../../outside", "'..'"),
        ("src/..", "'..'"),
        ("src/app.py\x00.txt", "NUL"),
        ("src/\napp.py", "control"),
        (".git/config", ".git"),
        (".git", ".git"),
        (".GIT/HEAD", ".git"),
        ("sub/.git/hooks/pre-commit", ".git"),
        (".Git./config", ".git"),
        (".ｇｉｔ/config", ".git"),  # fullwidth letters fold to ".git"
        (".g\u200bit/config", ".git"),  # zero-width space dropped by normalising filesystems
        ("\uff0e\uff0e/outside", "'..'"),  # fullwidth full stops fold to ".."
        ("\u2025/outside", "'..'"),  # TWO DOT LEADER folds to ".."
        ("\uff0fetc/passwd", "Absolute"),  # FULLWIDTH SOLIDUS folds to "/"
        ("..\\outside", "backslash"),
        ("C:/Windows", "Drive-letter"),
        ("a" * 2000, "longer than"),
        ("b" * 300 + "/x", "component"),
        ("d/" * 80 + "f", "nested"),
        ("out/sentinel.txt", "outside the repository"),
        ("out", "outside the repository"),
        ("src/passwd", "outside the repository"),
        ("gitlink/config", "into .git"),
        ("gitlink", "into .git"),
    ],
)
def test_resolve_refuses_with_a_reason(tree: tuple[Workspace, Path], path: str, words: str) -> None:
    ws, _ = tree
    with pytest.raises(SandboxError) as info:
        ws.resolve(path)
    assert words in str(info.value)
    assert isinstance(info.value, PhasegateError)
    assert "\n" not in str(info.value)


def test_resolve_refuses_non_strings(tree: tuple[Workspace, Path]) -> None:
    ws, _ = tree
    with pytest.raises(SandboxError, match="string"):
        ws.resolve(["src"])  # type: ignore[arg-type]


def test_symlink_in_a_middle_component_is_caught(tree: tuple[Workspace, Path], tmp_path: Path) -> None:
    ws, outside = tree
    (outside / "deep").mkdir()
    (ws.root / "src" / "hop").symlink_to(outside / "deep")
    with pytest.raises(SandboxError, match="outside"):
        ws.resolve("src/hop/new_file.py")


COMPONENTS = st.sampled_from(
    ["..", ".", ".git", ".GIT", ".Git.", "src", "out", "gitlink", "inner", "passwd", "~", "", "/", "\x00",
     "\uff0e\uff0e", "\u2025", ".ｇｉｔ", "new", "sentinel.txt", "app.py", "%2e%2e", "..\u200b", "\\", "C:"]
)
PATHS = st.one_of(
    st.lists(COMPONENTS, min_size=1, max_size=6).map("/".join),
    st.lists(st.one_of(COMPONENTS, st.text(max_size=8)), min_size=1, max_size=5).map("/".join),
    st.text(max_size=40),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rel=PATHS)
def test_resolve_never_leaves_the_root_nor_enters_git(tree: tuple[Workspace, Path], rel: str) -> None:
    ws, _ = tree
    try:
        path = ws.resolve(rel)
    except SandboxError:
        return
    real = Path(os.path.realpath(path))
    assert real == ws.root or ws.root in real.parents, (rel, real)
    inside = real.relative_to(ws.root).parts
    assert not any(part.casefold() == ".git" for part in inside), (rel, real)
    assert path == ws.root or ws.root in path.parents


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rel=PATHS, text=st.text(max_size=20))
def test_write_text_never_touches_anything_outside(tree: tuple[Workspace, Path], rel: str, text: str) -> None:
    ws, outside = tree
    before = sorted(p.name for p in outside.iterdir())
    git_before = sorted(str(p) for p in (ws.root / ".git").rglob("*"))
    try:
        ws.write_text(rel, text)
    except (SandboxError, OSError, UnicodeEncodeError):
        pass
    assert (outside / "sentinel.txt").read_text() == "OUTSIDE-SENTINEL\n"
    assert sorted(p.name for p in outside.iterdir()) == before
    assert sorted(str(p) for p in (ws.root / ".git").rglob("*")) == git_before
    assert (ws.root / ".git" / "config").read_text() == "[core]\n"


@pytest.mark.parametrize(
    "name",
    [".env", ".env.local", ".env.production", "app.env", "env-example", "env.example", ".envrc", "config/.env.test",
     "deploy/prod.env", ".ENV", "env", ".env_backup", ".flaskenv", "env.sh"],
)
def test_env_files_are_recognised(name: str) -> None:
    assert is_env_file(name)


@pytest.mark.parametrize(
    "name",
    ["env.py", "migrations/env.py", "environment.ts", "src/env.ts", "envelope.txt", "README.md", "settings.py",
     ".envoy.yaml", "venv", "development.md"],
)
def test_code_files_named_env_are_not_env_files(name: str) -> None:
    assert not is_env_file(name)


ENV_TEXT = """# database settings
DATABASE_URL=postgres://app:Sup3rS3cret@db.internal:5432/shop
export STRIPE_KEY="sk_live_abcdef123456"   # inline comment
  INDENTED = spaced-value-777

EMPTY=
MULTI="-----BEGIN KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASC
FAKE_LOOKING=line-inside-value-42
-----END KEY-----"
garbage line with value-in-it-99
AFTER=after-value-55
"""
SECRET_VALUES = ["Sup3rS3cret", "sk_live_abcdef123456", "spaced-value-777", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
                 "line-inside-value-42", "value-in-it-99", "after-value-55", "db.internal"]


def test_redact_env_keeps_names_and_comments_and_hides_values() -> None:
    redacted = redact_env(ENV_TEXT)
    for value in SECRET_VALUES:
        assert value not in redacted
    lines = redacted.splitlines()
    assert lines[0] == "# database settings"
    assert "DATABASE_URL=<redacted>" in lines
    assert "export STRIPE_KEY=<redacted>" in lines
    assert "  INDENTED=<redacted>" in lines
    assert "EMPTY=<redacted>" in lines
    assert "MULTI=<redacted>" in lines
    assert "AFTER=<redacted>" in lines
    assert "FAKE_LOOKING=<redacted>" not in lines  # it was inside MULTI's value, not a variable
    assert "<redacted line>" in lines


@given(key=st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True),
       value=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), min_size=6, max_size=30))
def test_redact_env_never_leaks_a_value(key: str, value: str) -> None:
    text = f"{key}={value}\n"
    redacted = redact_env(text)
    stripped = value.strip()
    if stripped and not stripped.startswith("#"):
        assert stripped not in redacted.replace(f"{key}=<redacted>", "")


def test_env_values_collects_assigned_values() -> None:
    values = env_values(ENV_TEXT)
    assert "postgres://app:Sup3rS3cret@db.internal:5432/shop" in values
    assert "sk_live_abcdef123456" in values
    assert "after-value-55" in values


def test_write_atomic_creates_parents_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.txt"
    write_atomic(target, b"one\n")
    assert target.read_text() == "one\n"
    target.chmod(0o640)
    write_atomic(target, b"two\n")
    assert target.read_text() == "two\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["c.txt"]  # no temp file left behind


def test_write_atomic_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "link.txt"
    link.symlink_to(victim)
    write_atomic(link, b"new\n")
    assert victim.read_text() == "keep me\n"
    assert not link.is_symlink() and link.read_text() == "new\n"


def test_write_text_refuses_the_root(tree: tuple[Workspace, Path]) -> None:
    ws, _ = tree
    with pytest.raises(SandboxError, match="not the repository root"):
        ws.write_text(".", "x")


def test_workspace_root_must_exist(tmp_path: Path) -> None:
    with pytest.raises(PhasegateError, match="not a directory"):
        Workspace(tmp_path / "missing")


def test_env_values_include_dsn_passwords() -> None:
    assert "Sup3rS3cret" in env_values(ENV_TEXT)


def test_env_values_skip_everyday_settings() -> None:
    values = env_values("NODE_ENV=development\nPORT=3000\nHOST=localhost\nSTRIPE=sk9live8abc\nAPI_KEY=abcd\n")
    assert values == {"sk9live8abc", "abcd"}

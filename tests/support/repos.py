"""Real git repositories for tests: the one ``git()`` helper, files written from a dict, commits."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """Run the git CLI in ``repo`` and return stdout (tests use it to set up and inspect repositories)."""
    return git_bytes(repo, *args).decode()


def git_bytes(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, input=stdin).stdout


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def init_repo(path: Path, files: dict[str, str] | None = None, *, commit: bool = True) -> Path:
    """A repository on branch ``main`` at ``path`` holding ``files`` (a README by default), committed."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    write_files(path, {"README.md": "# sample\n"} if files is None else files)
    if commit:
        commit_all(path, "initial")
    return path

"""The one way phasegate runs git: GitPython's command wrapper with one environment.

Every git command phasegate starts goes through :class:`Runner`, which hands it to GitPython's
``Git.execute`` (``repo.git`` of a :class:`git.Repo`, or a bare ``git.Git`` for a directory that is not a
repository yet). That wrapper starts the ``git`` executable much as ``subprocess`` would, so a command
costs what the CLI costs (``bench/bench_git.py``); GitPython's pure-Python index is never used.

The one environment (:data:`FIXED_ENV`): the C locale (stable messages to parse), no prompt and no editor
(nothing may ever block a worker), and no optional locks (a killed ``git status`` must not leave an
``index.lock`` that blocks the user). An index, git dir or work tree inherited from the caller's
environment (phasegate started from a hook, say) is never honoured: GitPython builds each command's
environment from ``os.environ`` and can only add to it, so an inherited ``GIT_INDEX_FILE``/``GIT_DIR``/
``GIT_WORK_TREE`` is overridden with the value git finds without it (the repository's own index, git dir
and work tree). The scratch index of a phase diff or commit is passed per command (``env=``).

Three entry points exist besides :class:`Runner`:

- :func:`probe` runs before the workbench's first frame, where importing GitPython (~50 ms) would be
  paid on every start (``tests/meta/test_import_hygiene.py``); it is the only call here that starts git
  through ``subprocess`` itself, with the same environment (and a real strip of the inherited variables).
- :func:`git_version` runs ``git --version`` for ``phasegate doctor`` without GitPython, which refuses to
  load without a git executable (:func:`gitpython` turns that into one line for the user).
- :func:`run_read_only` is the async variant for the model's read tools (``git_log``, file listing,
  search); see ``phasegate.app.git.tools``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from phasegate.app.errors import PhasegateError

if TYPE_CHECKING:
    import git

# C locale: stable messages to parse; no prompt or editor may ever block a worker.
# No optional locks: a killed `git status` must not leave an index.lock that blocks the user.
FIXED_ENV: dict[str, str] = {
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_EDITOR": "true",
    "GIT_OPTIONAL_LOCKS": "0",
}
# Never inherited from the caller's environment: phasegate picks the repository and the index itself.
INHERITED_OVERRIDES = ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE")
# The model's read tools must not hand the API key to whatever git runs (fsmonitor hooks, say).
_HIDDEN_PREFIXES = ("OPENAI_", "PHASEGATE_")
READ_ONLY_COMMANDS = frozenset({"log", "ls-files", "grep", "show", "rev-parse", "diff", "status", "ls-tree"})
READ_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class GitResult:
    """What one git command did: exit code and raw output (decoded on demand)."""

    args: tuple[str, ...]
    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def stdout(self) -> str:
        # surrogateescape: a path that is not UTF-8 survives the round trip back into git.
        return self.stdout_bytes.decode("utf-8", "surrogateescape")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace")


def gitpython() -> ModuleType:
    """GitPython, imported on first use (never before the first frame) with a one-line error if git is missing.

    GitPython looks for the git executable when it is imported and refuses to load without one.
    """
    try:
        import git as module
    except ImportError as exc:
        raise PhasegateError(
            f"git cannot be run ({str(exc).strip().splitlines()[0]}); install git 2.25 or newer "
            "(`phasegate doctor` checks it)."
        ) from None
    return module


def git_version(timeout: float = 10.0) -> tuple[str | None, str]:
    """(path of the git executable or None when there is none, its ``--version`` output).

    Plain ``subprocess``: this is what tells ``phasegate doctor`` whether GitPython can load at all.
    Raises ``OSError`` or ``subprocess.TimeoutExpired`` when the executable does not run.
    """
    import shutil

    exe = os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or shutil.which("git")
    if not exe:
        return None, ""
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=timeout, check=False)
    return exe, proc.stdout


def git_executable() -> str:
    # The variable GitPython honours, so a user who pointed GitPython at another git keeps that git.
    return os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"


def environment(
    *, git_dir: Path | None = None, work_tree: Path | None = None, index: Path | None = None
) -> dict[str, str]:
    """The variables phasegate sets on top of ``os.environ`` for every git command (see the docstring)."""
    env = dict(FIXED_ENV)
    known = {"GIT_DIR": git_dir, "GIT_WORK_TREE": work_tree, "GIT_INDEX_FILE": index}
    for name in INHERITED_OVERRIDES:
        value = known[name]
        if name in os.environ and value is not None:
            env[name] = str(value)
    return env


class Runner:
    """Runs git commands in one directory through GitPython's command wrapper, with the one environment."""

    def __init__(
        self,
        cwd: Path,
        *,
        command: git.Git | None = None,
        git_dir: Path | None = None,
        index: Path | None = None,
    ) -> None:
        self.cwd = Path(cwd)
        self.command: git.Git = command if command is not None else gitpython().Git(str(self.cwd))
        work_tree = self.cwd if git_dir is not None else None
        self.command.update_environment(**environment(git_dir=git_dir, work_tree=work_tree, index=index))

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
        timeout: float | None = None,
    ) -> GitResult:
        """Run ``git *args``; never raises for a non-zero exit (look at :attr:`GitResult.returncode`)."""
        started = self.start(*args, env=env, stdin=input is not None)  # kept alive: dropping it kills git
        proc = _popen(started)
        try:
            out, err = proc.communicate(input, timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            return GitResult(tuple(args), -9, out or b"", (err or b"") + b"\nerror: timed out")
        return GitResult(tuple(args), proc.returncode, out or b"", err or b"")

    def start(self, *args: str, env: Mapping[str, str] | None = None, stdin: bool = False) -> git.Git.AutoInterrupt:
        """The started process (GitPython's ``AutoInterrupt``, which kills it when dropped)."""
        return self.command.execute(  # type: ignore[call-overload,no-any-return]
            [self.command.GIT_PYTHON_GIT_EXECUTABLE or git_executable(), *args],
            as_process=True,
            istream=subprocess.PIPE if stdin else None,
            env=dict(env) if env else None,
        )


def run_in(cwd: Path, *args: str, input: bytes | None = None) -> GitResult:
    """One command in ``cwd`` (which need not be a repository yet, e.g. for ``git init``)."""
    return Runner(cwd).run(*args, input=input)


async def run_read_only(
    cwd: Path, *args: str, timeout: float = READ_TIMEOUT_S, hide: tuple[str, ...] = (), secret: str | None = None
) -> GitResult:
    """A read-only git command for async code (the model's tools): awaited, killed on timeout or cancel.

    Only the commands in :data:`READ_ONLY_COMMANDS` run. ``OPENAI_*``/``PHASEGATE_*`` variables and the
    names in ``hide`` reach git blank, and so does any variable holding ``secret`` (the API key). Output is never coloured and paths are never quoted.
    """
    command = next((a for a in args if not a.startswith("-")), "")
    if command not in READ_ONLY_COMMANDS:
        raise ValueError(f"git {command} is not a read-only command")
    blank = {k: "" for k, v in os.environ.items() if k.startswith(_HIDDEN_PREFIXES) or k in hide
             or (secret and (v == secret or (len(secret) >= 8 and secret in v)))}
    env = {**blank, "PAGER": "cat", "GIT_PAGER": "cat"}
    started = Runner(cwd).start("-c", "core.quotePath=false", "-c", "color.ui=never", *args, env=env)
    proc = _popen(started)
    try:
        out, err = await asyncio.wait_for(asyncio.to_thread(proc.communicate), timeout)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.to_thread(proc.wait)
        raise
    return GitResult(tuple(args), proc.returncode or 0, out or b"", err or b"")


def _popen(started: git.Git.AutoInterrupt) -> subprocess.Popen[bytes]:
    proc = started.proc
    assert proc is not None, "GitPython returned no process"
    return proc


@dataclass(frozen=True, slots=True)
class Probe:
    """Where a directory's repository is, as far as one ``git rev-parse`` can tell, without GitPython."""

    state: str  # "ok" | "not_a_repository" | "bare" | "no_work_tree" | "error"
    root: Path | None = None
    git_dir: Path | None = None
    message: str = ""


def probe(where: Path) -> Probe:
    """Locate the repository containing the directory ``where`` (used before the first frame)."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_OVERRIDES}
    env.update(FIXED_ENV)
    proc = subprocess.run(
        [git_executable(), "-C", str(where), "rev-parse", "--is-bare-repository", "--is-inside-git-dir",
         "--absolute-git-dir", "--show-toplevel"],
        capture_output=True, env=env, check=False,
    )
    out = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(out) < 3:  # git said nothing about a repository: there is none here
        stderr = proc.stderr.decode("utf-8", "replace")
        state = "not_a_repository" if "not a git repository" in stderr else "error"
        return Probe(state, message=stderr)
    bare, inside_git_dir, git_dir = out[0] == "true", out[1] == "true", Path(out[2])
    if bare:
        return Probe("bare", git_dir=git_dir)
    if len(out) < 4:
        if inside_git_dir and git_dir.name == ".git":  # pointed at <repo>/.git itself: open <repo>
            return probe(git_dir.parent)
        return Probe("no_work_tree", git_dir=git_dir)
    head = subprocess.run(
        [git_executable(), "-C", out[3], "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
        capture_output=True, env=env, check=False,
    )
    return Probe("ok" if head.returncode == 0 else "empty", root=Path(out[3]), git_dir=git_dir)

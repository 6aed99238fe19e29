"""The sandbox every model-facing tool goes through: paths inside the repository, secrets kept out.

The model names files by repository-relative paths. ``Workspace.resolve`` is the one gate that turns
such a name into a real path, and it refuses, with a sentence the model can act on, anything that
could reach outside the repository or into git's own data: absolute paths, ``~``, ``..``, NUL and
control characters, ``.git`` in any case or disguise, symlinks (in any component) leading out, and
absurdly long names. Checks run on the raw name *and* on its NFKC/case-folded form, so look-alike
characters (fullwidth dots, ``.ＧＩＴ``, zero-width joiners) cannot slip past on a filesystem that
would normalise them.

``.env``-style files hold the user's secrets: ``is_env_file`` recognises them by name and
``redact_env`` keeps only their variable names, so their values never reach the model.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from phasegate.app.errors import PhasegateError
from phasegate.app.fsutil import write_atomic

if TYPE_CHECKING:
    from dotenv.parser import Binding

MAX_PATH_CHARS = 1024
MAX_COMPONENT_BYTES = 255
MAX_DEPTH = 64

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SandboxError(PhasegateError):
    """A path (or request) the model may not use; the message says why in one sentence."""


def _fold(component: str) -> str:
    """What a component may mean on a normalising, case-insensitive filesystem (HFS+, NTFS)."""
    text = unicodedata.normalize("NFKC", component)
    # Default-ignorable characters (zero-width joiners, BOM...) are dropped by HFS+ when comparing.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    # NTFS ignores trailing dots and spaces: ".git. " names ".git".
    return text.casefold().rstrip(" .") or text.casefold()


def _is_git_component(component: str) -> bool:
    folded = _fold(component)
    # "git~1" is the 8.3 short name NTFS gives ".git".
    return folded in (".git", "git~1")


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class Workspace:
    """A repository root and the rules for touching files under it."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(os.path.realpath(root))
        if not self.root.is_dir():
            raise PhasegateError(f"The workspace root {self.root} is not a directory.")

    # -- paths ---------------------------------------------------------------------------------------

    def check_name(self, rel: str) -> PurePosixPath:
        """Validate a repository-relative name without touching the disk; return it normalised."""
        if not isinstance(rel, str):
            raise SandboxError(f"A path must be a string, not {type(rel).__name__}.")
        if "\x00" in rel:
            raise SandboxError("The path contains a NUL byte; use a plain repository-relative path.")
        if _CONTROL.search(rel):
            raise SandboxError("The path contains control characters; use a plain repository-relative path.")
        if len(rel) > MAX_PATH_CHARS:
            raise SandboxError(f"The path is longer than {MAX_PATH_CHARS} characters.")
        if "\\" in rel:
            raise SandboxError("The path contains a backslash; use forward slashes, relative to the repository.")
        folded_whole = unicodedata.normalize("NFKC", rel)
        for form in (rel, folded_whole):
            if form.startswith("/"):
                raise SandboxError(
                    f"Absolute paths are not allowed ({rel!r}); use a path relative to the repository root."
                )
            if form.startswith("~"):
                raise SandboxError(
                    f"Home-directory paths are not allowed ({rel!r}); use a path relative to the repository root."
                )
            if re.match(r"^[A-Za-z]:", form):
                raise SandboxError(f"Drive-letter paths are not allowed ({rel!r}); use a repository-relative path.")
        text = rel.strip() or "."
        parts = [p for p in text.split("/") if p not in ("", ".")]
        if len(parts) > MAX_DEPTH:
            raise SandboxError(f"The path is nested more than {MAX_DEPTH} directories deep.")
        for part in parts:
            if len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES:
                raise SandboxError(f"A path component is longer than {MAX_COMPONENT_BYTES} bytes.")
            if part == ".." or _fold(part) in ("..", "."):
                raise SandboxError(f"'..' is not allowed in paths ({rel!r}); name files from the repository root.")
            if _is_git_component(part):
                raise SandboxError(f"{rel!r} is inside .git: git's own data is off limits to tools.")
        return PurePosixPath(*parts) if parts else PurePosixPath(".")

    def resolve(self, rel: str) -> Path:
        """The absolute path for ``rel``, or ``SandboxError`` saying why it is refused.

        The returned path is lexical (a symlink inside the root stays a symlink, so deleting it
        removes the link, not its target); every symlink along it has been checked to stay inside
        the root and outside ``.git``.
        """
        name = self.check_name(rel)
        lexical = self.root if str(name) == "." else self.root / name
        real = os.path.realpath(lexical)
        root = str(self.root)
        if not _is_within(real, root):
            raise SandboxError(f"{rel!r} leads outside the repository through a symlink; it is refused.")
        inside = os.path.relpath(real, root)
        if inside != "." and any(_is_git_component(p) for p in inside.split(os.sep)):
            raise SandboxError(f"{rel!r} leads into .git through a symlink; git's own data is off limits.")
        return lexical

    def relative(self, path: Path) -> str:
        """The repository-relative, forward-slash name of an absolute path under the root."""
        rel = os.path.relpath(path, self.root)
        return "." if rel == "." else PurePosixPath(*Path(rel).parts).as_posix()

    # -- files ---------------------------------------------------------------------------------------

    def write_text(self, rel: str, text: str) -> Path:
        """Write ``text`` to ``rel`` atomically after the sandbox checks; returns the path written."""
        path = self.resolve(rel)
        if path == self.root:
            raise SandboxError("Give a file path, not the repository root.")
        # Re-check the parent chain after creating it: mkdir follows no symlinks it did not see,
        # but a parent that is a symlink was already vetted by resolve().
        write_atomic(path, text.encode("utf-8"))
        return path


# -- .env files --------------------------------------------------------------------------------------

# Code files whose names merely start with "env" (alembic's env.py, env.ts) are not secret stores.
_CODE_SUFFIXES = frozenset(
    {".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx", ".go", ".rb", ".rs", ".java",
     ".kt", ".php", ".cs", ".md", ".rst", ".d.ts", ".json", ".toml", ".yaml", ".yml", ".html", ".css"}
)
_ENV_NAMES = frozenset({".envrc", ".flaskenv", ".dev.vars", ".secrets", "secrets.env"})


def is_env_file(path: str | os.PathLike[str]) -> bool:
    """True for files that hold environment values by convention: ``.env``, ``.env.local``,
    ``.env.production``, ``app.env``, ``env-example``, ``.envrc``… (names only ever go to the model)."""
    name = _fold(PurePosixPath(os.fspath(path).replace("\\", "/")).name)
    if not name:
        return False
    if name in _ENV_NAMES or name.endswith(".env") or ".env." in name:
        return True
    if re.match(r"^\.env([._-]|$)", name):
        return True
    if re.match(r"^env([._-]|$)", name):
        suffix = PurePosixPath(name).suffix
        return suffix not in _CODE_SUFFIXES
    return False


def env_bindings(text: str) -> list[Binding]:
    """The bindings of a ``.env``-style text as python-dotenv parses it (comments and errors included)."""
    from dotenv.parser import parse_stream

    return list(parse_stream(io.StringIO(text)))


def redact_env(text: str) -> str:
    """Keep the variable names of a ``.env``-style text and hide every value.

    ``KEY=value`` becomes ``KEY=<redacted>`` (``export`` and indentation kept); comment and blank
    lines are kept; a quoted value that spans lines is swallowed whole; a line python-dotenv cannot
    parse is replaced, since it may be part of a value.
    """
    out: list[str] = []
    for binding in env_bindings(text):
        original = binding.original.string
        if binding.error:
            out.append("<redacted line>")
        elif binding.key is None:
            out.extend(original.splitlines() or [""])
        else:
            head = original[: len(original) - len(original.lstrip())]
            export = "export " if original.lstrip().startswith("export ") else ""
            out.append(f"{head}{export}{binding.key}=<redacted>")
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


_SECRET_KEY = re.compile(r"KEY|TOKEN|SECRET|PASS|PWD|AUTH|CRED|PRIVATE|DSN|URL|URI|CONN|SALT|SIGN|CERT|SESSION",
                         re.IGNORECASE)


def env_values(text: str, min_length: int = 4) -> set[str]:
    """The secret-looking values of a ``.env``-style text, unquoted, for scrubbing them from output.

    Values of secret-named variables (``*_KEY``, ``*_TOKEN``, ``*_URL``, ``*PASSWORD*``…) count from
    ``min_length`` characters; other values only when they look like credentials (letters and digits,
    8+ characters, or 20+ characters), so ``NODE_ENV=development`` or ``PORT=3000`` do not blank every
    "development" or "3000" in a test run. A connection string's password is collected on its own too.
    """
    values: set[str] = set()
    for binding in env_bindings(text):
        if binding.key is None or binding.value is None:
            continue
        key, value = binding.key, binding.value.strip()
        password = re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:([^@\s]+)@", value)
        if password and len(password.group(1)) >= min_length:
            values.add(password.group(1))
        secret_named = bool(_SECRET_KEY.search(key))
        looks_secret = len(value) >= 20 or (
            len(value) >= 8 and re.search(r"[A-Za-z]", value) is not None and re.search(r"\d", value) is not None
        )
        if len(value) >= min_length and (secret_named or looks_secret):
            values.add(value)
    return values

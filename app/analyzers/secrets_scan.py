"""Secret shapes in added lines, found by Kingfisher (``kingfisher-bin``, Apache-2.0), run once per review.

Why a maintained scanner: provider key formats change and multiply (hundreds of rules, each with its
prefix, alphabet, length and entropy floor); a table of our own regexes fell behind and flagged
hashes and documentation examples (``docs/security.md`` has the measurements behind the choice).

How: the added lines of one or more diffs are written into a private temporary directory (in RAM where
the system has ``/dev/shm``), every file
under ``<diff index>/<its path>`` with each added line at its real new line number (the lines in
between left empty), so a finding keeps its file and line. Kingfisher scans that directory once,
offline: ``--no-validate`` (it never sends a found key to its provider), ``--no-update-check``, no git
history, no archives. Its JSON report is mapped back to phasegate findings with redacted evidence.

The caller (``security.scan_many``) filters the lines first (allowlist pragmas, fixture files), so
the scanner never sees them, and runs phasegate's own rules whatever happens here: when the binary is
missing or fails, :class:`Scan` carries the one sentence that says why instead of findings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from phasegate.phases.findings import Finding

#: An explicit path to the Kingfisher binary; "off" switches the scanner off. From the environment
#: only: a repository's ``.phasegate.toml`` must not be able to name a program that a review runs.
BINARY_ENV = "PHASEGATE_KINGFISHER"
TIMEOUT_S = 300.0
# Offline and quiet, working-tree files only: what a review needs and nothing that reaches a network.
FLAGS = ("--format", "json", "--no-validate", "--no-update-check", "--git-history", "none", "--no-dedup",
         "--no-extract-archives", "--no-binary", "--quiet")

AddedLine = tuple[str, int, str]  # path, new line number, text


@dataclass
class Scan:
    """Per input diff, the scanner's findings; ``error`` is why it did not run (None: it ran)."""

    findings: list[list[Finding]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


def find_binary() -> str | None:
    """The Kingfisher binary to run: ``$PHASEGATE_KINGFISHER``, else the one the ``kingfisher-bin``
    wheel ships (called directly, skipping its Python launcher), else ``kingfisher`` on PATH."""
    chosen = os.environ.get(BINARY_ENV, "").strip()
    if chosen:
        return chosen
    try:
        from kingfisher import get_binary_path  # type: ignore[import-not-found,unused-ignore]

        return str(get_binary_path())
    except Exception:  # the wheel is absent or has no binary for this platform
        return shutil.which("kingfisher")


def redact(secret: str) -> str:
    """Keep just enough of a secret to recognise it: the first 4 and last 2 characters."""
    if len(secret) <= 8:
        return secret[:1] + "*" * 6
    return f"{secret[:4]}…{'*' * 6}…{secret[-2:]}"


def redacted_evidence(line: str, secret: str) -> str:
    """The line with the secret (or every line of a multi-line one) redacted, at most 160 characters."""
    text = line.strip()
    parts = [secret] if secret in text else [p.strip() for p in secret.splitlines() if len(p.strip()) >= 6]
    for part in parts:
        text = text.replace(part, redact(part))
    return text[:160]


def scratch_dir() -> str | None:
    """Where the added lines are written for the scan: a RAM-backed directory when the system has one
    (``/dev/shm``), else the default temporary directory (None). Writing 2,000 small files took 1.4 s on
    this machine's disk and 0.06 s in ``/dev/shm`` (``docs/performance.md``), and lines that may hold a
    secret never reach the disk."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _write_tree(root: Path, diffs: Sequence[Iterable[AddedLine]]) -> dict[str, dict[int, str]]:
    """Write each diff's added lines under ``root/<index>/``; returns the lines by relative file name."""
    files: dict[str, dict[int, str]] = {}
    for index, added in enumerate(diffs):
        for path, lineno, text in added:
            files.setdefault(f"{index}/{path}", {})[lineno] = text
    for rel, by_line in files.items():
        if ".." in rel.split("/"):  # never write outside the scan directory
            continue
        target = root / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            body = [""] * max(by_line)
            for lineno, text in by_line.items():
                body[lineno - 1] = text
            target.write_text("\n".join(body) + "\n", encoding="utf-8", errors="surrogateescape")
        except (OSError, ValueError):  # a path this file system cannot hold: its lines go unscanned
            continue
    return files


def _message(rule: dict[str, object]) -> str:
    label = str(rule.get("name") or "secret").replace("-", " ").replace("_", " ")
    label = label[:1].upper() + label[1:]
    return f"{label} in source (kingfisher {rule.get('id', '?')}); move it to the environment and rotate it."


def scan(diffs: Sequence[Iterable[AddedLine]], binary: str | None = None) -> Scan:
    """Run Kingfisher once over the added lines of every diff in ``diffs``."""
    result = Scan(findings=[[] for _ in diffs])
    diffs = [list(lines) for lines in diffs]
    if not any(diffs):  # nothing added: nothing to scan, and nothing to warn about
        return result
    if os.environ.get(BINARY_ENV, "").strip().lower() == "off":
        result.error = f"the secret scanner is switched off ({BINARY_ENV}=off)"
        return result
    binary = binary or find_binary()
    if not binary:
        result.error = "the secret scanner kingfisher is not installed (pip install kingfisher-bin)"
        return result
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="phasegate-secrets-", dir=scratch_dir()) as tmp:
        root = Path(tmp) / "added"
        root.mkdir()
        files = _write_tree(root, diffs)
        try:
            proc = subprocess.run([binary, "scan", str(root), *FLAGS], capture_output=True, text=True,
                                  timeout=TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            result.error = f"the secret scanner {binary} could not run: {exc}"
            return result
        try:
            report = json.loads(proc.stdout)
            raw = report["findings"]
        except (ValueError, KeyError, TypeError):
            last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            result.error = f"the secret scanner {binary} failed: {last[:200]}"
            return result
    result.seconds = time.perf_counter() - started
    seen: set[tuple[int, str, int]] = set()
    for item in raw:
        try:
            rule, found = item["rule"], item["finding"]
            rel = Path(found["path"]).resolve().relative_to(root.resolve()).as_posix()
            lineno = int(found["line"])
            secret = str(found.get("snippet", ""))
        except (KeyError, TypeError, ValueError):
            continue  # a finding outside the tree we wrote (none expected): nothing to map it to
        index_text, _, path = rel.partition("/")
        if not index_text.isdigit() or int(index_text) >= len(diffs) or (int(index_text), path, lineno) in seen:
            continue
        seen.add((int(index_text), path, lineno))
        line = files.get(rel, {}).get(lineno, "")
        result.findings[int(index_text)].append(
            Finding("secret", "high", path, lineno, _message(rule), redacted_evidence(line, secret)))
    return result

"""Cold start: ``phasegate`` to the workbench's first painted frame, against a bare Textual app.

Each run is a fresh interpreter (``bench/_startup_child.py``), so imports, CSS parsing and the first
layout are paid every time, as a user pays them. The baseline is a Textual app with no logic that
composes the same stock widgets as the workbench's first screen (header, tabs, tree, select, text area,
Markdown, tabbed content, option list, rich log, buttons, checkbox, footer). Runs alternate between the
two so a burst of load on this shared machine hits both alike; the median of each side is compared.
The time is from just before the process is spawned to the first frame the screen hands to the
(headless) driver, so interpreter start-up is on both sides and the shutdown on neither.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import Result, byte_compile

RUNS = 7
BUDGET = 1.3
ROOT = Path(__file__).resolve().parent.parent


def make_repo(root: Path) -> Path:
    """A tiny committed repository for the workbench to open."""
    repo = root / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "README.md").write_text("# tiny\n")
    (repo / "src" / "app.py").write_text("def handler(request):\n    return {'ok': True}\n")
    env = _env(root)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)
    return repo


def _env(root: Path) -> dict[str, str]:
    """No user config, state or key leaks into the run; the same environment for both contenders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PHASEGATE_", "GIT_"))}
    env.update({
        "HOME": str(root / "home"),
        "XDG_CONFIG_HOME": str(root / "home" / ".config"),
        "XDG_STATE_HOME": str(root / "home" / ".local" / "state"),
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PYTHONPATH": str(ROOT),
    })
    # Both contenders start from byte-compiled modules, as an installed package does (pip compiles at
    # install time; an editable install under PYTHONDONTWRITEBYTECODE would recompile ours every run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def start_once(which: str, repo: Path, env: dict[str, str]) -> dict[str, object]:
    """Spawn one cold start; return the child's report plus ``seconds`` to its first painted frame."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "bench._startup_child", which, str(repo)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{which} start failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    report: dict[str, object] = json.loads(lines[0])
    report["seconds"] = float(report["painted_at"]) - started  # type: ignore[arg-type]
    return report


def run() -> list[Result]:
    tmp = Path(tempfile.mkdtemp(prefix="phasegate-bench-startup-"))
    try:
        repo = make_repo(tmp)
        env = _env(tmp)
        byte_compile()
        start_once("bare", repo, env)  # warm the page cache for both alike (byte-compiled files, git)
        start_once("phasegate", repo, env)
        ours: list[float] = []
        bare: list[float] = []
        heavy: set[str] = set()
        for _ in range(RUNS):
            report = start_once("phasegate", repo, env)
            ours.append(float(report["seconds"]))  # type: ignore[arg-type]
            heavy.update(report["heavy"])  # type: ignore[arg-type]
            bare.append(float(start_once("bare", repo, env)["seconds"]))  # type: ignore[arg-type]
        if heavy:
            print(f"  (imported before the first frame: {', '.join(sorted(heavy))})", flush=True)
        return [Result("cold_start_vs_bare_textual", statistics.median(ours), statistics.median(bare), "s", BUDGET)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for result in run():
        print(result.line())

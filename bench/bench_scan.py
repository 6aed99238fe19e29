"""Repository audit on a generated 50,000-file repository versus ``git grep -l -E`` of one route pattern.

``git grep`` reads every tracked file once (in parallel threads) and is the floor for "look at the
repository's contents"; the audit classifies everything, so a ratio within 3x means it is as cheap as
any content search the user already runs. The repository is generated from a fixed seed: a
polyglot monorepo of services with routes, models, library code, tests, configs, docs and assets.

Two lines. ``scan_50k_files_vs_git_grep`` is the scan a user runs: a fresh ``phasegate scan --json``
process, so every parse cache is empty (the audit now runs the schema and endpoint readers, whose caches
live in the process: timing ``scan_repository`` again in the same process measured a cache hit, not a
scan). ``scan_50k_rescan_warm_vs_git_grep`` is that same-process re-scan, kept to show what the caches
save. Budget 3x for both.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import Result, best_of, byte_compile

FILES = 50_000
SEED = 20261127
ROUTE_PATTERN = r"(app|router)\.(get|post|put|delete)\("
BUDGET = 3.0

_TS_ROUTE = "router.{m}('/{r}/:id', async (req, res) => {{\n  const item = await service.find(req.params.id);\n  res.json(item);\n}});\n"
_TS_ENTITY = "@Entity('{r}')\nexport class {R} {{\n  @PrimaryGeneratedColumn() id: number;\n  @Column() name: string;\n}}\n"
_TS_PLAIN = "export function {r}Helper(input: string): string {{\n  return input.trim().toLowerCase() + '-{n}';\n}}\n"
_PY_ROUTE = "@router.{m}('/{r}/{{item_id}}')\nasync def {r}_{n}(item_id: int):\n    return await repo.get(item_id)\n"
_PY_MODEL = "class {R}(Base):\n    __tablename__ = '{r}'\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
_PY_PLAIN = "def compute_{r}_{n}(values: list[int]) -> int:\n    total = 0\n    for v in values:\n        total += v * {n}\n    return total\n"
_GO_ROUTE = 'func register{R}(r *gin.Engine) {{\n\tr.GET("/{r}", list{R})\n}}\n'
_GO_PLAIN = "func {r}{n}(x int) int {{\n\treturn x * {n}\n}}\n"
_MD = "## {R} notes\n\nThe {r} module handles request number {n}. See the design document for details.\n"
_WORDS = ["user", "order", "invoice", "product", "cart", "payment", "shipment", "review", "account", "team"]


def _body(rng: random.Random, templates: list[str], lines: int) -> str:
    parts = []
    while sum(p.count("\n") for p in parts) < lines:
        word = rng.choice(_WORDS)
        parts.append(rng.choice(templates).format(m=rng.choice(["get", "post", "put", "delete"]), r=word,
                                                  R=word.capitalize(), n=rng.randrange(1000)))
    return "\n".join(parts)


def generate(root: Path, count: int = FILES, seed: int = SEED) -> None:
    """Write ``count`` files under ``root`` (a monorepo of services) and commit them with the git CLI.

    Shaped like real code: routes in ``routes/``/``controllers/``/``handlers/``, models in ``models/``,
    most files plain library code, tests, docs and assets.
    """
    rng = random.Random(seed)
    services = max(1, count // 500)
    written = 0
    for s in range(services):
        base = root / "services" / f"svc{s:03d}"
        base.mkdir(parents=True, exist_ok=True)
        (base / "package.json").write_text(f'{{"name": "svc{s}", "dependencies": {{"express": "^4", "typeorm": "^0.3"}}}}\n')
        written += 1
    lang_ext = {"ts": ".ts", "py": ".py", "go": ".go"}
    plain = {"ts": _TS_PLAIN, "py": _PY_PLAIN, "go": _GO_PLAIN}
    routes = {"ts": _TS_ROUTE, "py": _PY_ROUTE, "go": _GO_ROUTE}
    models = {"ts": _TS_ENTITY, "py": _PY_MODEL, "go": _GO_PLAIN}
    while written < count:
        s = rng.randrange(services)
        lang = ("ts", "py", "go")[s % 3]
        base = root / "services" / f"svc{s:03d}"
        word = rng.choice(_WORDS)
        n = written
        kind = rng.random()
        if kind < 0.03:
            sub, text = rng.choice(["src/routes", "src/controllers", "internal/handlers"]), _body(
                rng, [plain[lang], routes[lang], routes[lang]], rng.randrange(30, 120))
        elif kind < 0.05:
            sub, text = "src/models", _body(rng, [models[lang]], rng.randrange(20, 60))
        elif kind < 0.65:
            sub = f"src/{rng.choice(['lib', 'utils', 'services', 'domain', 'components', 'jobs'])}/{word}"
            text = _body(rng, [plain[lang]], rng.randrange(20, 120))
        elif kind < 0.75:
            sub, text = f"tests/{word}", _body(rng, [plain[lang], routes[lang]], rng.randrange(20, 80))
        elif kind < 0.83:
            sub, text = "docs", _body(rng, [_MD], rng.randrange(10, 60))
            (base / sub).mkdir(parents=True, exist_ok=True)
            (base / sub / f"{word}-{n}.md").write_text(text)
            written += 1
            continue
        elif kind < 0.88:
            sub, text = "deploy", f"name: cfg{n}\nreplicas: {n % 5}\nimage: app:{n}\n"
            (base / sub).mkdir(parents=True, exist_ok=True)
            (base / sub / f"{word}-{n}.yaml").write_text(text)
            written += 1
            continue
        else:
            sub = "assets"
            (base / sub).mkdir(parents=True, exist_ok=True)
            css = f".c{n} {{ color: #{rng.randrange(1 << 24):06x}; margin: {n % 40}px; }}\n"
            (base / sub / f"{word}-{n}.css").write_text(css * 20)
            written += 1
            continue
        (base / sub).mkdir(parents=True, exist_ok=True)
        suffix = ("_test" if lang == "go" else ".test" if lang == "ts" else "") if sub.startswith("tests") else ""
        prefix = "test_" if sub.startswith("tests") and lang == "py" else ""
        (base / sub / f"{prefix}{word}{n}{suffix}{lang_ext[lang]}").write_text(text)
        written += 1
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
        subprocess.run(["git", "-C", str(root), "-c", "gc.auto=0", *args], check=True, env=env, capture_output=True)


def run() -> list[Result]:
    from phasegate.app.analyzers.scan import scan_repository

    tmp = Path(tempfile.mkdtemp(prefix="phasegate-bench-scan-"))
    try:
        started = time.perf_counter()
        generate(tmp)
        print(f"  (generated {FILES} files in {time.perf_counter() - started:.1f}s)", flush=True)

        def git_grep() -> None:
            subprocess.run(["git", "-C", str(tmp), "grep", "-l", "-E", ROUTE_PATTERN], capture_output=True)

        def fresh_scan() -> None:  # what ``phasegate scan`` costs: a new process, every cache empty
            done = subprocess.run([sys.executable, "-m", "phasegate.app", "scan", str(tmp), "--json"],
                                  capture_output=True, text=True)
            if done.returncode != 0 or '"api_route_files"' not in done.stdout:
                raise RuntimeError(f"scan failed ({done.returncode}): {done.stderr.strip()[-300:]}")

        byte_compile()  # as an installed copy is
        git_grep()  # warm the page cache for both contenders alike
        baseline = best_of(git_grep, repeat=5)
        cold = best_of(fresh_scan, repeat=3)
        result = scan_repository(tmp)
        assert result.files_scanned >= FILES and result.api_route_files, "the scan found nothing: broken bench"
        warm = best_of(lambda: scan_repository(tmp), repeat=3)
        return [Result("scan_50k_files_vs_git_grep", cold, baseline, "s", BUDGET),
                Result("scan_50k_rescan_warm_vs_git_grep", warm, baseline, "s", BUDGET)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

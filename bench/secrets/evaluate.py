"""``python -m bench.secrets.evaluate``: recall, false positives and time of the secret-scanner candidates.

Candidates: phasegate's built-in rules alone (the rules before Kingfisher, now the fallback),
Kingfisher (``kingfisher-bin``), detect-secrets (only if installed: ``pip install detect-secrets``;
not a project dependency), and what phasegate ships (Kingfisher plus the kept built-in rules, through
``security.scan_many``). Each sees the labelled set (``labelled.py``) as the added lines of one diff,
laid out as ``secrets_scan`` lays them out; then about 100,000 added lines of ordinary code, for the
time and for the false positives a real change would show. Also printed: which built-in rule catches
which secret Kingfisher misses, and which lookalike each built-in rule flags: the measure behind
``security.KEPT_SECRET_RULES``. Nothing leaves the machine: Kingfisher runs with ``--no-validate``
and ``--no-update-check``; detect-secrets' plugins are offline regexes.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.secrets.labelled import Sample, lookalikes, true_secrets
from phasegate.app.analyzers import secrets_scan, security

Hits = set[tuple[str, int]]  # (sample-relative path, line)
SECRET_KINDS = {"secret", "hardcoded_credentials", "high_entropy_string"}


def diff_of(files: dict[str, str]) -> str:
    """A unified diff that adds ``files`` (path -> text)."""
    parts = []
    for path, text in files.items():
        lines = text.splitlines()
        parts.append(f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
                     f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines))
    return "".join(parts)


def sample_files(samples: list[Sample]) -> dict[str, str]:
    return {f"{s.name}/{s.path}": s.text for s in samples}


def ordinary_files(lines: int = 100_000, seed: int = 7) -> dict[str, str]:
    """About ``lines`` lines of ordinary code, configs and docs, with the usual near-misses: ids,
    hashes, UUIDs, version pins, URLs, environment lookups. Files of 100 lines."""
    rng = random.Random(seed)
    words = ["order", "user", "invoice", "cart", "payment", "shipment", "token", "session", "account", "key"]
    templates = [
        "def {w}_{n}(request, {w}_id: int) -> dict:",
        "    {w} = repo.get({w}_id)",
        "    return {{'id': {w}.id, 'status': '{w}-{n}'}}",
        "const {w}Url = `${{BASE_URL}}/api/{w}s/${{id}}`;",
        "  {w}_password: os.environ.get('{W}_PASSWORD')",
        "    {w}_secret = settings.{W}_SECRET",
        "CACHE_KEY = \"{w}:{hex}\"",
        "REQUEST_ID = \"{uuid}\"",
        "image: registry.example.com/{w}@sha256:{hex64}",
        "    log.info(\"{w} %s processed in %d ms\", {w}_id, elapsed)",
        "## {W} service\n\nThe {w} module handles request number {n}.",
        "  - name: {w}-{n}\n    version: 1.{n}.0",
        "func {W}Handler(w http.ResponseWriter, r *http.Request) {{",
        "\tquery := \"SELECT id FROM {w}s WHERE id = $1\"",
        "    assert response.status_code == 200, response.json()",
        "export const {w}Schema = z.object({{ id: z.string().uuid() }});",
        "revision = \"{hex12}\"",
    ]
    out: dict[str, str] = {}
    total, index = 0, 0
    while total < lines:
        body = []
        while len(body) < 100:
            w = rng.choice(words)
            text = rng.choice(templates).format(
                w=w, W=w.upper(), n=rng.randrange(1000), hex=f"{rng.getrandbits(128):032x}",
                hex64=f"{rng.getrandbits(256):064x}", hex12=f"{rng.getrandbits(48):012x}",
                uuid=f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
                     f"a{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}")
            body.extend(text.splitlines())
        ext = rng.choice([".py", ".ts", ".go", ".yaml", ".md"])
        out[f"svc{index % 40}/mod{index}{ext}"] = "\n".join(body[:100]) + "\n"
        total += 100
        index += 1
    return out


# ------------------------------------------------------------------------------------------------ candidates

def _hits(findings: list) -> Hits:
    return {(f.path, f.line) for f in findings if f.kind in SECRET_KINDS}


def builtin(files: dict[str, str]) -> Hits:
    return _hits(security.scan_added_lines(diff_of(files), scanner=False))


def shipped(files: dict[str, str]) -> Hits:
    return _hits(security.scan_added_lines(diff_of(files)))


def kingfisher(files: dict[str, str]) -> Hits:
    diff = diff_of(files)
    from phasegate.phases.diffs import added_lines

    scan = secrets_scan.scan([list(added_lines(diff))])
    if scan.error:
        raise RuntimeError(scan.error)
    return _hits(scan.findings[0])


def detect_secrets(files: dict[str, str]) -> Hits:
    exe = shutil.which("detect-secrets") or str(Path(sys.executable).with_name("detect-secrets"))
    with tempfile.TemporaryDirectory() as tmp:
        for path, text in files.items():
            (Path(tmp) / path).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / path).write_text(text)
        proc = subprocess.run([exe, "scan", "--all-files", "."], cwd=tmp, capture_output=True, text=True, check=True)
    return {(path, item["line_number"]) for path, items in json.loads(proc.stdout)["results"].items()
            for item in items}


def one_rule(name: str) -> Callable[[dict[str, str]], Hits]:
    rule = security.SECRET_RULES[name]

    def run(files: dict[str, str]) -> Hits:
        from phasegate.phases.diffs import added_lines

        return {(p, n) for p, n, t in added_lines(diff_of(files)) if rule(p, n, t) is not None}
    return run


# ------------------------------------------------------------------------------------------------ scoring

def caught(sample: Sample, hits: Hits) -> bool:
    span = sample.text.count("\n") if sample.secret.strip() and "-----BEGIN" in sample.text else 1
    return any((f"{sample.name}/{sample.path}", line) in hits for line in range(sample.line, sample.line + span))


def flagged(sample: Sample, hits: Hits) -> bool:
    return any(path.startswith(f"{sample.name}/") for path, _ in hits)


def main() -> int:
    secrets, looks = true_secrets(), lookalikes()
    files = sample_files(secrets + looks)
    big = ordinary_files()
    big_lines = sum(t.count("\n") for t in big.values())
    candidates: dict[str, Callable[[dict[str, str]], Hits]] = {
        "phasegate built-in rules (fallback)": builtin, "kingfisher 2.14": kingfisher}
    have_ds = bool(shutil.which("detect-secrets") or Path(sys.executable).with_name("detect-secrets").exists())
    if have_ds:
        candidates["detect-secrets 1.5"] = detect_secrets
    candidates["phasegate shipped (kingfisher + kept rules)"] = shipped
    kingfisher(files)  # warm Kingfisher's compiled-rule cache so no candidate pays it in its timing
    print(f"labelled set: {len(secrets)} secrets, {len(looks)} lookalikes; ordinary corpus: {big_lines} added lines")
    print(f"{'candidate':<46} {'recall':>8} {'lookalikes flagged':>19} {'set s':>7} {'100k FPs':>9} {'100k s':>8}")
    results: dict[str, Hits] = {}
    for name, run in candidates.items():
        t0 = time.perf_counter()
        hits = run(files)
        t1 = time.perf_counter()
        big_hits = run(big)
        t2 = time.perf_counter()
        results[name] = hits
        recall = sum(caught(s, hits) for s in secrets)
        fps = sum(flagged(s, hits) for s in looks)
        print(f"{name:<46} {recall:>3}/{len(secrets):<4} {fps:>11}/{len(looks):<7} {t1 - t0:>7.2f} "
              f"{len(big_hits):>9} {t2 - t1:>8.2f}")
    print()
    for name, hits in results.items():
        missed = [s.name for s in secrets if not caught(s, hits)]
        noisy = [s.name for s in looks if flagged(s, hits)]
        print(f"{name}: missed {missed or '-'}; flags lookalikes {noisy or '-'}")
    print("\nbuilt-in rules on what kingfisher misses:")
    kf = results["kingfisher 2.14"]
    for rule in security.SECRET_RULES:
        hits = one_rule(rule)(files)
        adds = [s.name for s in secrets if caught(s, hits) and not caught(s, kf)]
        noisy = [s.name for s in looks if flagged(s, hits)]
        print(f"  {rule:<24} kept={rule in security.KEPT_SECRET_RULES!s:<5} catches-what-kingfisher-misses={adds or '-'}"
              f" flags-lookalikes={noisy or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

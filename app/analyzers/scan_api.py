"""The audit's API part: route files, the endpoint inventory grouped by path prefix, and spec drift.

``scan`` used to name route files by content patterns; they now come from the endpoint inventory
(``api.inventory_with_mounts``): every file that declares an endpoint, and every file that mounts
routers or sub-applications (the entry point wiring them together). Only frameworks the inventory has
no reader for (GraphQL, Koa, JAX-RS, Ktor, Sinatra, Symfony) keep their pattern-found files, and a
repository where the inventory finds no endpoint at all keeps them too, marked "by pattern".

The research prompt gets the inventory grouped by path prefix (``/api/users``, ``/v1/orders``…),
dead endpoints (never mounted or served) and dev-only ones (registered behind a debug or environment
check) marked, trimmed to ``INVENTORY_BUDGET`` characters; what does not fit is counted, and the
line says ``phasegate api`` lists everything (docs/cli.md, "scan").
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from phasegate.app.analyzers._files import Tree
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiInventory

__all__ = ["INVENTORY_BUDGET", "PATTERN_ONLY", "ApiAudit", "api_audit", "inventory_lines", "prefix_of"]

# About 1,500 tokens: enough for every endpoint of a typical service, small beside the research prompt.
INVENTORY_BUDGET = 6000
# Pattern labels of ``scan``'s route rules that no endpoint reader covers: their files stay listed.
PATTERN_ONLY = frozenset({"graphql", "koa", "jax-rs", "ktor", "sinatra", "symfony"})
_PREFIX_WORDS = frozenset({"api", "apis", "rest", "public", "internal", "admin"})


class ApiAudit:
    """What the audit keeps of the inventory."""

    def __init__(self, inventory: ApiInventory, mounts: dict[str, str]) -> None:
        self.inventory = inventory
        self.mounts = mounts

    def route_files(self) -> list[dict[str, Any]]:
        """Files that declare endpoints (with their count), the files of their handlers when those live
        elsewhere (a Django ``views.py``, a Rails controller), then the files that mount them."""
        by_file: dict[str, list[ApiEndpoint]] = {}
        for ep in self.inventory.code_endpoints():
            by_file.setdefault(ep.file, []).append(ep)
        out = []
        for path, eps in sorted(by_file.items()):
            first = min(eps, key=lambda e: e.line)
            counts = Counter(e.framework for e in eps)
            dead = sum(e.dead for e in eps)
            dev = sum(e.dev_only for e in eps)
            extra = "".join([f", {dead} dead" if dead else "", f", {dev} dev-only" if dev else ""])
            out.append({"path": path, "framework": counts.most_common(1)[0][0], "role": "routes",
                        "endpoints": len(eps),
                        "evidence": f"L{first.line}: {first.method} {first.path} ({len(eps)} endpoint"
                                    f"{'s' if len(eps) != 1 else ''}{extra})"})
        handlers: dict[str, list[ApiEndpoint]] = {}
        for ep in self.inventory.code_endpoints():
            if ep.handler_file and ep.handler_file not in by_file:
                handlers.setdefault(ep.handler_file, []).append(ep)
        for path, eps in sorted(handlers.items()):  # views a urls file routes to (Django, Rails…)
            first = min(eps, key=lambda e: e.handler_line or 0)
            out.append({"path": path, "framework": Counter(e.framework for e in eps).most_common(1)[0][0],
                        "role": "handlers", "endpoints": len(eps),
                        "evidence": f"L{first.handler_line or 0}: {first.handler} handles {first.method} {first.path}"
                                    f" ({len(eps)} endpoint{'s' if len(eps) != 1 else ''})"})
        for path, reader in sorted(self.mounts.items()):
            if path in handlers:
                continue
            if path not in by_file:
                out.append({"path": path, "framework": reader, "role": "mounts", "endpoints": 0,
                            "evidence": f"mounts routers or sub-applications ({reader})"})
        return out

    def endpoints(self) -> list[dict[str, Any]]:
        return [{"method": e.method, "path": e.path, "file": e.file, "line": e.line, "framework": e.framework,
                 "auth": e.auth, "dead": e.dead, "dev_only": e.dev_only, "evidence": f"{e.file}:{e.line}"}
                for e in self.inventory.code_endpoints()]

    def drift(self) -> list[dict[str, Any]]:
        return [{**d.to_json(), "evidence": f"{d.file}:{d.line}"} for d in self.inventory.drift]

    def drift_risk(self) -> dict[str, Any] | None:
        """The drift between committed specs and the code as one research finding, or None."""
        drift = self.inventory.drift
        if not drift:
            return None
        code = [d for d in drift if d.kind == "code_not_in_spec"]
        spec = [d for d in drift if d.kind == "spec_not_in_code"]
        shown = ", ".join(f"{d.method} {d.path}" for d in drift[:3]) + (" …" if len(drift) > 3 else "")
        return {"kind": "api_spec_drift", "severity": "medium", "path": self.inventory.specs[0],
                "evidence": f"{len(code)} in the code not in the spec, {len(spec)} in the spec not in the code: {shown}",
                "message": "The committed OpenAPI spec and the code disagree; decide which is the contract."}


def api_audit(tree: Tree) -> ApiAudit:
    from phasegate.app.analyzers.api import inventory_with_mounts

    return ApiAudit(*inventory_with_mounts(tree))


def prefix_of(path: str) -> str:
    """The group an endpoint is listed under: its first path segment, with a leading ``api``-like or
    version segment kept together with the next one (``/api/users``, ``/api/v1/users``, ``/v2/orders``)."""
    segments = [s for s in path.split("/") if s]
    kept: list[str] = []
    for seg in segments:
        if seg.startswith("{"):
            break
        kept.append(seg)
        low = seg.lower()
        if not (low in _PREFIX_WORDS or (low[:1] == "v" and low[1:].isdigit())) or len(kept) == 3:
            break
    return "/" + "/".join(kept)


def _label(ep: dict[str, Any]) -> str:
    marks = [m for m, on in (("dead", ep["dead"]), ("dev only", ep["dev_only"])) if on]
    return f"{ep['method']} {ep['path']}" + (f" [{', '.join(marks)}]" if marks else "")


def inventory_lines(endpoints: list[dict[str, Any]], budget: int = INVENTORY_BUDGET) -> list[str]:
    """Markdown lines of the inventory grouped by prefix, at most ``budget`` characters in all."""
    if not endpoints:
        return []
    live = sum(not e["dead"] for e in endpoints)
    dead = len(endpoints) - live
    dev = sum(e["dev_only"] for e in endpoints)
    groups: dict[str, list[dict[str, Any]]] = {}
    for ep in sorted(endpoints, key=lambda e: (e["path"], e["method"])):
        groups.setdefault(prefix_of(ep["path"]), []).append(ep)
    head = (f"- API endpoints (from the code): {live} live" + (f", {dead} dead (never mounted or served)" if dead else "")
            + (f", {dev} dev-only" if dev else "") + f", in {len(groups)} group{'s' if len(groups) != 1 else ''}:")
    lines, used, left = [head], len(head), 0
    for prefix, eps in groups.items():
        line = f"  - `{prefix}` ({len(eps)}): "
        shown = 0
        for ep in eps:
            piece = ("" if shown == 0 else ", ") + _label(ep)
            if used + len(line) + len(piece) > budget:
                break
            line += piece
            shown += 1
        if shown == 0:
            left += sum(len(g) for g in list(groups.values())[list(groups).index(prefix):])
            break
        if shown < len(eps):
            line += f" …and {len(eps) - shown} more"
            left_here = len(eps) - shown
            lines.append(line)
            used += len(line)
            rest = list(groups.values())[list(groups).index(prefix) + 1:]
            left += left_here + sum(len(g) for g in rest)
            break
        lines.append(line)
        used += len(line)
    if left:
        lines.append(f"  - …{left} more endpoint{'s' if left != 1 else ''} not shown (the audit keeps "
                     f"{budget:,} characters of the inventory); `phasegate api` lists them all")
    return lines

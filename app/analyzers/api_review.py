"""The code-derived API contract of a phase: endpoint changes between two revisions, and which of them
block approval.

Most repositories commit no OpenAPI file, so the phase review compares the endpoint inventories
(``api.inventory_at``) of the phase's base and of the working tree. Every breaking change
(``api.diff_inventories``: endpoint removed, method changed, auth dropped, request or response model
changed) is a finding; without a version bump it is high and blocks approval until the user overrides
it with a reason — the rule a committed spec's diff enforces with ``info.version``.

What a version bump means for a contract read from the code (docs/workflow.md, "The API blocker"):

* **a versioned path** — the broken endpoint has a successor with the same method whose path is the old
  one with a version segment (``v2``, ``v3``…) added or changed: ``DELETE /users/{id}`` removed while
  ``DELETE /v2/users/{id}`` exists, or ``/api/v1/items`` → ``/api/v2/items``. Old clients keep a
  documented way forward, which is what versioning an endpoint means.
* **a major version of the package** — the version in the repository's root manifest
  (``pyproject.toml``, ``package.json``, ``Cargo.toml``, ``composer.json``) changed its major number
  (its minor number below 1.0, where semantic versioning puts breaking changes). A patch or minor bump
  does not announce a breaking change, so it does not count.

When a spec is committed as well, its own diff still runs (``openapi.diff_revisions``); an endpoint the
spec diff already reports as broken is not reported a second time from the code.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers._files import Tree, open_tree
from phasegate.app.analyzers.api_model import ApiChange, ApiDrift, ApiEndpoint, ApiInventory
from phasegate.phases.findings import Finding

__all__ = ["EndpointReview", "endpoint_findings", "endpoint_review", "manifest_version", "versioned_successor"]

MANIFESTS = ("pyproject.toml", "package.json", "Cargo.toml", "composer.json")
# A path segment that names an API version: v1, v2, V3 (a route string, never code).
_VERSION_SEGMENT = re.compile(r"^[vV]\d+$")


@dataclass
class EndpointReview:
    """What the phase review shows of the code-derived contract."""

    changes: list[ApiChange] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    drift: list[ApiDrift] = field(default_factory=list)  # code vs the committed spec, in the working tree
    version_before: str | None = None
    version_after: str | None = None


def _strip_versions(path: str) -> tuple[str, tuple[str, ...]]:
    segments = [s for s in path.split("/") if s]
    versions = tuple(s.lower() for s in segments if _VERSION_SEGMENT.match(s))
    rest = "/".join(s for s in segments if not _VERSION_SEGMENT.match(s))
    return "/" + re.sub(r"\{[^{}]*\}", "{}", rest), versions


def versioned_successor(change: ApiChange, after: ApiInventory) -> ApiEndpoint | None:
    """The live endpoint of ``after`` that versions the broken one: same method, the same path but for
    a version segment added or changed; None when there is none."""
    shape, versions = _strip_versions(change.path)
    method = change.before if change.kind == "method-changed" and change.before else change.method
    for ep in after.endpoints:
        if ep.source != "code" or ep.dead or ep.method != method:
            continue
        ep_shape, ep_versions = _strip_versions(ep.path)
        if ep_shape == shape and ep_versions and ep_versions != versions:
            return ep
    return None


def _semver_major(version: str | None) -> tuple[int, ...] | None:
    if not version:
        return None
    parts: list[int] = []
    for piece in version.lstrip("vV").split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    if not parts:
        return None
    # Below 1.0 a minor bump is the breaking one (semantic versioning, item 4).
    return tuple(parts[:2]) if parts[0] == 0 else (parts[0],)


def manifest_version(tree: Tree) -> str | None:
    """The package version of the repository's root manifest, or None when it states none."""
    for name in MANIFESTS:
        text = tree.read_text(name, None)
        if text is None:
            continue
        try:
            if name.endswith(".toml"):
                data: Any = tomllib.loads(text)
                version = ((data.get("project") or {}).get("version")
                           or ((data.get("tool") or {}).get("poetry") or {}).get("version")
                           or (data.get("package") or {}).get("version"))
            else:
                data = json.loads(text)
                version = data.get("version") if isinstance(data, dict) else None
        except (ValueError, AttributeError):
            continue
        if isinstance(version, str) and version:
            return version
    return None


def major_bumped(before: str | None, after: str | None) -> bool:
    """True when the manifest's breaking-change number moved (major; minor below 1.0)."""
    a, b = _semver_major(before), _semver_major(after)
    return a is not None and b is not None and a != b


def endpoint_findings(changes: list[ApiChange], after: ApiInventory, *, package_bumped: bool = False,
                      already_reported: set[str] | None = None) -> list[Finding]:
    """A finding per breaking change: high (blocks approval) unless the change is versioned."""
    out = []
    for c in changes:
        if not c.breaking:
            continue
        evidence = f"{c.before if c.kind == 'method-changed' and c.before else c.method} {c.path}"
        if already_reported and evidence in already_reported:
            continue
        successor = versioned_successor(c, after)
        bumped = package_bumped or successor is not None
        why = (f" (versioned: {successor.method} {successor.path})" if successor is not None
               else " (package major version bumped)" if package_bumped
               else " (no versioned path such as /v2/…, package major version not bumped)")
        out.append(Finding(
            kind="breaking_api_change" if bumped else "breaking_api_change_without_version_bump",
            severity="medium" if bumped else "high",
            path=c.file or "", line=c.line or 0,
            message=f"Breaking API change in the code [{c.kind}]: {c.detail}{why}",
            evidence=evidence,
        ))
    return out


def endpoint_review(root_or_repo: object, base: str, *, already_reported: set[str] | None = None,
                    head: str | None = None) -> EndpointReview:
    """The endpoint changes from ``base`` to ``head`` (None: the working tree) and the findings they raise
    (slow: the inventory at two revisions; both cached by blob id, so a second review re-reads only
    changed files)."""
    from phasegate.app.analyzers.api import diff_inventories, inventory_at

    # The newer side first: the base is then read through the parse cache (unchanged blobs are hits).
    after = inventory_at(root_or_repo, head)
    before = inventory_at(root_or_repo, base)
    changes = diff_inventories(before, after)
    review = EndpointReview(changes=changes, drift=list(after.drift))
    if any(c.breaking for c in changes):
        tree_a, tree_b = open_tree(root_or_repo, base), open_tree(root_or_repo, head)
        try:
            review.version_before, review.version_after = manifest_version(tree_a), manifest_version(tree_b)
        finally:
            tree_a.close()
            tree_b.close()
    review.findings = endpoint_findings(changes, after,
                                        package_bumped=major_bumped(review.version_before, review.version_after),
                                        already_reported=already_reported)
    return review

"""API contract diff over OpenAPI 3.0/3.1 and Swagger 2.0 documents (YAML or JSON), at any git revision.

The comparison itself lives in ``app/analyzers/contract/``: specs are normalised to one shape
(``contract/model.py``), ``$ref``s followed with the ``referencing`` library, also into other files of
the same tree (``contract/refs.py``), schemas compared in the direction a client meets them
(``contract/schemas.py``), and every change carries a rule of the catalogue with its level
(``contract/catalogue.py``, documented in docs/contract-checks.md). Only **error** changes are
breaking: without an ``info.version`` bump each is a high finding that blocks the phase review;
warnings are shown and do not block.

``endpoints`` and ``flatten_schema`` keep the first, summary view of a spec (fields flattened to dotted
paths) for callers that show a spec's shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers._files import Tree, is_vendored, open_tree
from phasegate.app.analyzers.api_model import ApiEndpoint
from phasegate.app.analyzers.contract import model
from phasegate.app.analyzers.contract.diff import ContractChange, collector_paused, diff
from phasegate.phases.findings import Finding

__all__ = ["ContractChange", "contract_findings", "diff_contracts", "diff_revisions", "endpoints", "find_specs",
           "inventory_spec", "parse_spec_text", "specs_at", "version_bumped"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# A spec announces itself in its first lines: ``openapi: 3.x`` or ``swagger: "2.0"`` (YAML or JSON).
_OPENAPI_HEAD_RE = re.compile(r"""(?m)(?:^|[{,])\s*["']?(?:openapi["']?\s*:\s*["']?3|swagger["']?\s*:\s*["']?2)""")
_MAX_DEPTH = 8


@dataclass
class Endpoint:
    path: str
    method: str
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # "in:name" -> {required, type}
    request: dict[str, dict[str, Any]] = field(default_factory=dict)  # field path -> {required, type}
    request_required: bool = False
    responses: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # status -> fields


def parse_spec_text(text: str, path: str = "openapi.yaml") -> dict[str, Any]:
    """A spec document from YAML or JSON text (JSON is tried first for ``.json`` files)."""
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
    import yaml

    # libyaml's loader when PyYAML was built with it: a 5 MB spec parses in seconds, not half a minute
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, chosen above
    return data if isinstance(data, dict) else {}


def _resolve(doc: dict[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> tuple[Any, frozenset[str]]:
    """Follow local ``$ref``s (``#/components/…``); a cycle stops at the repeated reference."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            return {}, seen
        seen = seen | {ref}
        target: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node = target if target is not None else {}
    return node, seen


def _type_of(schema: dict[str, Any]) -> str:
    type_ = schema.get("type")
    if isinstance(type_, list):
        type_ = "|".join(sorted(str(t) for t in type_ if t != "null"))
    if type_ is None and "enum" in schema:
        type_ = "enum"
    fmt = schema.get("format")
    return f"{type_ or 'object'}{f'({fmt})' if fmt else ''}"


def flatten_schema(doc: dict[str, Any], schema: Any, prefix: str = "", required: bool = True,
                   seen: frozenset[str] = frozenset(), depth: int = 0) -> dict[str, dict[str, Any]]:
    """``{"user.email": {"type": "string(email)", "required": True}, …}`` for a JSON schema."""
    schema, seen = _resolve(doc, schema, seen)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return {}
    out: dict[str, dict[str, Any]] = {}
    if "allOf" in schema:
        for part in schema["allOf"]:
            out.update(flatten_schema(doc, part, prefix, required, seen, depth + 1))
        return out
    for key in ("oneOf", "anyOf"):
        if key in schema:  # a union: its fields exist only in some variants, so none is required
            for part in schema[key]:
                for name, info in flatten_schema(doc, part, prefix, False, seen, depth + 1).items():
                    out.setdefault(name, info)
            return out
    if prefix:
        out[prefix] = {"type": _type_of(schema), "required": required}
    if schema.get("type") == "array" or "items" in schema:
        out.update(flatten_schema(doc, schema.get("items", {}), f"{prefix}[]", True, seen, depth + 1))
    props = schema.get("properties")
    if isinstance(props, dict):
        req = set(schema.get("required") or [])
        for name, sub in props.items():
            child = f"{prefix}.{name}" if prefix else name
            out.update(flatten_schema(doc, sub, child, name in req, seen, depth + 1))
    return out


def _body_schema(doc: dict[str, Any], body: Any) -> tuple[Any, bool]:
    body, _ = _resolve(doc, body)
    if not isinstance(body, dict):
        return None, False
    content = body.get("content") or {}
    if not isinstance(content, dict) or not content:
        return None, bool(body.get("required"))
    media = content.get("application/json") or next(iter(content.values()))
    return (media or {}).get("schema"), bool(body.get("required"))


def endpoints(doc: dict[str, Any]) -> dict[tuple[str, str], Endpoint]:
    """Every ``(path, method)`` of a spec with its parameters and body shapes."""
    out: dict[tuple[str, str], Endpoint] = {}
    for path, item in (doc.get("paths") or {}).items():
        item, _ = _resolve(doc, item)
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            ep = Endpoint(path=path, method=method)
            for raw in list(shared) + list(op.get("parameters") or []):
                param, _ = _resolve(doc, raw)
                if not isinstance(param, dict) or "name" not in param:
                    continue
                schema, _ = _resolve(doc, param.get("schema") or {})
                ep.params[f"{param.get('in', 'query')}:{param['name']}"] = {
                    "required": bool(param.get("required")) or param.get("in") == "path",
                    "type": _type_of(schema) if isinstance(schema, dict) else "object",
                }
            schema, ep.request_required = _body_schema(doc, op.get("requestBody"))
            if schema is not None:
                ep.request = flatten_schema(doc, schema)
            for status, resp in (op.get("responses") or {}).items():
                rschema, _ = _body_schema(doc, resp)
                ep.responses[str(status)] = flatten_schema(doc, rschema) if rschema is not None else {}
            out[(path, method)] = ep
    return out


def diff_contracts(a: dict[str, Any], b: dict[str, Any], *, path_a: str = "openapi.yaml",
                   path_b: str | None = None, load_a: Callable[[str], Any] | None = None,
                   load_b: Callable[[str], Any] | None = None) -> list[ContractChange]:
    """Client-visible changes from spec ``a`` to spec ``b``, each with its rule id and level.

    ``path_a``/``path_b`` are the specs' paths in their trees and ``load_a``/``load_b`` read another file
    of the same tree (a path -> its parsed document or None), so that ``$ref``s into other files resolve.
    """
    with collector_paused():
        before, after = model.build(a, path_a, load_a), model.build(b, path_b or path_a, load_b)
    return diff(before, after)


def inventory_spec(endpoints: Iterable[ApiEndpoint], models: dict[str, Any] | None = None) -> dict[str, Any]:
    """An OpenAPI 3.1 document for a code-derived endpoint inventory, so the same rules judge it.

    Each endpoint becomes an operation with its path parameters; where the inventory names a request or
    response model and ``models`` holds its JSON schema (by model name), the body refers to it, so
    removed operations, changed path templates and the model's property changes are reported exactly as
    for a written spec. ``ANY`` stands for every method; gRPC (``RPC``) methods are left out.
    """
    models = models or {}
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        methods = list(METHODS[:7]) if ep.method.upper() == "ANY" else [ep.method.lower()]
        for method in methods:
            if method not in METHODS:
                continue
            op: dict[str, Any] = {
                "parameters": [{"name": n, "in": "path", "required": True, "schema": {}} for n in ep.params],
                "responses": {"default": {"description": "response"}},
            }
            if ep.request and ep.request in models:
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{ep.request}"}}}}
            if ep.response and ep.response in models:
                op["responses"]["default"]["content"] = {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{ep.response}"}}}
            paths.setdefault(ep.path, {})[method] = op
    return {"openapi": "3.1.0", "info": {"title": "code", "version": "0"}, "paths": paths,
            "components": {"schemas": dict(models)}}


def version_bumped(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when ``info.version`` differs between the two specs."""
    return str((a.get("info") or {}).get("version")) != str((b.get("info") or {}).get("version"))


def contract_findings(a: dict[str, Any], b: dict[str, Any], spec_path: str,
                      changes: list[ContractChange] | None = None) -> list[Finding]:
    """Review findings: each breaking (error-level) change, high when the spec's version was not bumped.

    Warnings and infos are not findings: they are shown with the contract changes and never block.
    ``changes`` may pass an already computed diff of the same two specs (with cross-file refs resolved).
    """
    changes = [c for c in (diff_contracts(a, b, path_a=spec_path) if changes is None else changes) if c.breaking]
    if not changes:
        return []
    bumped = version_bumped(a, b)
    return [
        Finding(
            kind="breaking_api_change" if bumped else "breaking_api_change_without_version_bump",
            severity="medium" if bumped else "high",
            path=spec_path, line=0,
            message=f"Breaking API change [{c.id}]: {c.detail}" + ("" if bumped else " (info.version not bumped)"),
            evidence=f"{(c.method or '').upper()} {c.path}".strip(),
        )
        for c in changes
    ]


# Whether a blob's first 4 KiB name it a spec, by blob id: a review looks at both revisions, whose YAML
# and JSON files are mostly the same blobs (the base's unchanged ones are not read again).
_SPEC_BLOBS: dict[str, bool] = {}


def find_specs(tree: Tree) -> list[str]:
    """Paths of the OpenAPI 3 and Swagger 2 documents in a tree (by their ``openapi: 3``/``swagger: 2`` key)."""
    found = []
    known = tree.blob_ids()
    for path in tree.paths():
        if not path.lower().endswith((".yaml", ".yml", ".json")) or is_vendored(path):
            continue
        blob = known.get(path)
        spec = _SPEC_BLOBS.get(blob) if blob is not None else None
        if spec is None:
            head = tree.read(path, 4096)
            spec = head is not None and bool(_OPENAPI_HEAD_RE.search(head.decode("utf-8", "replace")))
            if blob is not None and head is not None:
                if len(_SPEC_BLOBS) > 200_000:
                    _SPEC_BLOBS.clear()
                _SPEC_BLOBS[blob] = spec
        if spec:
            found.append(path)
    return found


def specs_at(root_or_repo: object, rev: str | None = None) -> dict[str, dict[str, Any]]:
    """Every OpenAPI 3 / Swagger 2 spec of the working tree or of ``rev``, by path."""
    tree = open_tree(root_or_repo, rev)
    try:
        return {p: parse_spec_text(tree.read_text(p, None) or "", p) for p in find_specs(tree)}
    finally:
        tree.close()


def _loader(tree: Tree) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def load(path: str) -> Any:
        if path not in cache:
            text = tree.read_text(path, None)
            cache[path] = None if text is None else parse_spec_text(text, path)
        return cache[path]

    return load


def diff_revisions(root_or_repo: object, rev_a: str, rev_b: str | None) -> dict[str, list[ContractChange]]:
    """Contract changes per spec path between two revisions (``rev_b=None``: the working tree).

    ``$ref``s into other files are read from the same revision as the spec that names them.
    """
    tree_a, tree_b = open_tree(root_or_repo, rev_a), open_tree(root_or_repo, rev_b)
    try:
        load_a, load_b = _loader(tree_a), _loader(tree_b)
        specs_a = {p: load_a(p) or {} for p in find_specs(tree_a)}
        specs_b = {p: load_b(p) or {} for p in find_specs(tree_b)}
        out: dict[str, list[ContractChange]] = {}
        for path in sorted(specs_a.keys() | specs_b.keys()):
            changes = diff_contracts(specs_a.get(path) or {}, specs_b.get(path) or {}, path_a=path, path_b=path,
                                     load_a=load_a, load_b=load_b)
            if changes:
                out[path] = changes
        return out
    finally:
        tree_a.close()
        tree_b.close()

"""API contract diff over OpenAPI 3 documents (YAML or JSON), at any git revision.

A spec is reduced to its endpoints: for each path and method, the parameters (name, location,
required, type) and the request and response bodies flattened to dotted field paths with their type
and whether they are required (``$ref``s resolved, ``allOf`` merged). Diffing two reductions tells
a client-visible story: removing a path or method, a new required parameter or request field, a
removed response field or a changed type breaks clients; additions do not. A breaking change without
an ``info.version`` bump is a high finding for the phase review.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from phasegate.app.analyzers._files import Tree, is_vendored, open_tree
from phasegate.app.analyzers.security import Finding

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_OPENAPI_HEAD_RE = re.compile(r"""(?m)(?:^|[{,])\s*["']?openapi["']?\s*:\s*["']?3""")
_MAX_DEPTH = 8


@dataclass(frozen=True)
class ContractChange:
    kind: str
    path: str
    method: str | None
    detail: str
    breaking: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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

    data = yaml.safe_load(text)
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


def diff_contracts(a: dict[str, Any], b: dict[str, Any]) -> list[ContractChange]:
    """Client-visible changes from spec ``a`` to spec ``b``, each marked breaking or not."""
    ea, eb = endpoints(a), endpoints(b)
    changes: list[ContractChange] = []
    paths_a = {p for p, _ in ea}
    paths_b = {p for p, _ in eb}
    for path in sorted(paths_a - paths_b):
        changes.append(ContractChange("path_removed", path, None, f"path {path} removed", True))
    for path in sorted(paths_b - paths_a):
        changes.append(ContractChange("path_added", path, None, f"path {path} added", False))
    for key in sorted(ea.keys() | eb.keys()):
        path, method = key
        if path not in paths_a or path not in paths_b:
            continue
        if key not in eb:
            changes.append(ContractChange("method_removed", path, method, f"{method.upper()} {path} removed", True))
        elif key not in ea:
            changes.append(ContractChange("method_added", path, method, f"{method.upper()} {path} added", False))
        else:
            changes.extend(_diff_endpoint(ea[key], eb[key]))
    return changes


def _diff_endpoint(a: Endpoint, b: Endpoint) -> list[ContractChange]:
    out: list[ContractChange] = []

    def add(kind: str, detail: str, breaking: bool) -> None:
        out.append(ContractChange(kind, a.path, a.method, detail, breaking))

    for name, info in b.params.items():
        old = a.params.get(name)
        if old is None:
            add("param_required" if info["required"] else "param_added",
                f"{'required' if info['required'] else 'optional'} parameter {name} added", info["required"])
        elif info["required"] and not old["required"]:
            add("param_required", f"parameter {name} became required", True)
        elif info["type"] != old["type"]:
            add("param_type_changed", f"parameter {name}: {old['type']} -> {info['type']}", True)
    for name in a.params.keys() - b.params.keys():
        add("param_removed", f"parameter {name} removed", False)
    if b.request_required and not a.request_required and a.request == {}:
        add("request_body_required", "request body became required", True)
    for name, info in b.request.items():
        old = a.request.get(name)
        if old is None:
            add("request_field_required" if info["required"] else "request_field_added",
                f"{'required' if info['required'] else 'optional'} request field {name} added", info["required"])
        elif info["required"] and not old["required"]:
            add("request_field_required", f"request field {name} became required", True)
        elif info["type"] != old["type"]:
            add("request_type_changed", f"request field {name}: {old['type']} -> {info['type']}", True)
    for name in a.request.keys() - b.request.keys():
        add("request_field_removed", f"request field {name} removed", False)
    for status in sorted(a.responses.keys() | b.responses.keys()):
        old_fields, new_fields = a.responses.get(status), b.responses.get(status)
        if new_fields is None:
            add("response_removed", f"response {status} removed", status.startswith("2"))
            continue
        if old_fields is None:
            add("response_added", f"response {status} added", False)
            continue
        for name in sorted(old_fields.keys() - new_fields.keys()):
            add("response_field_removed", f"response {status} field {name} removed", True)
        for name in sorted(new_fields.keys() - old_fields.keys()):
            add("response_field_added", f"response {status} field {name} added", False)
        for name in sorted(old_fields.keys() & new_fields.keys()):
            if old_fields[name]["type"] != new_fields[name]["type"]:
                add("response_type_changed",
                    f"response {status} field {name}: {old_fields[name]['type']} -> {new_fields[name]['type']}", True)
    return out


def version_bumped(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when ``info.version`` differs between the two specs."""
    return str((a.get("info") or {}).get("version")) != str((b.get("info") or {}).get("version"))


def contract_findings(a: dict[str, Any], b: dict[str, Any], spec_path: str) -> list[Finding]:
    """Review findings: each breaking change, high when the spec's version was not bumped."""
    changes = [c for c in diff_contracts(a, b) if c.breaking]
    if not changes:
        return []
    bumped = version_bumped(a, b)
    return [
        Finding(
            kind="breaking_api_change" if bumped else "breaking_api_change_without_version_bump",
            severity="medium" if bumped else "high",
            path=spec_path, line=0,
            message=f"Breaking API change: {c.detail}" + ("" if bumped else " (info.version not bumped)"),
            evidence=f"{(c.method or '').upper()} {c.path}".strip(),
        )
        for c in changes
    ]


def find_specs(tree: Tree) -> list[str]:
    """Paths of the OpenAPI 3 documents in a tree (recognised by their ``openapi: 3`` key)."""
    found = []
    for path in tree.paths():
        if not path.lower().endswith((".yaml", ".yml", ".json")) or is_vendored(path):
            continue
        head = tree.read(path, 4096) or b""
        if _OPENAPI_HEAD_RE.search(head.decode("utf-8", "replace")):
            found.append(path)
    return found


def specs_at(root_or_repo: object, rev: str | None = None) -> dict[str, dict[str, Any]]:
    """Every OpenAPI 3 spec of the working tree or of ``rev``, by path."""
    tree = open_tree(root_or_repo, rev)
    try:
        return {p: parse_spec_text(tree.read_text(p, None) or "", p) for p in find_specs(tree)}
    finally:
        tree.close()


def load_spec(root_or_repo: object, path: str, rev: str | None = None) -> dict[str, Any] | None:
    """One spec file at ``rev`` (working tree when None); None when the file does not exist there."""
    tree = open_tree(root_or_repo, rev)
    try:
        text = tree.read_text(path, None)
    finally:
        tree.close()
    return None if text is None else parse_spec_text(text, path)


def diff_revisions(root_or_repo: object, rev_a: str, rev_b: str | None) -> dict[str, list[ContractChange]]:
    """Contract changes per spec path between two revisions (``rev_b=None``: the working tree)."""
    a, b = specs_at(root_or_repo, rev_a), specs_at(root_or_repo, rev_b)
    out: dict[str, list[ContractChange]] = {}
    for path in sorted(a.keys() | b.keys()):
        changes = diff_contracts(a.get(path) or {}, b.get(path) or {})
        if changes:
            out[path] = changes
    return out

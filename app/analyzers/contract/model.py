"""One shape for OpenAPI 3.0, 3.1 and Swagger 2.0: operations with parameters, bodies, responses, security.

Schemas stay as they are written (with their ``$ref``s) together with the context to resolve them;
``schemas.py`` reads them lazily, so a 5 MB document is walked once and only where it matters. What
Swagger 2.0 says differently is translated here: a ``body`` or ``formData`` parameter becomes a request
body under ``consumes``' media types, a response ``schema`` becomes content under ``produces``, a
non-body parameter is its own schema, ``collectionFormat`` becomes ``style``/``explode``, and
``securityDefinitions`` become security schemes with OAuth2 flows named as in OpenAPI 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers.contract.refs import Ctx, Refs

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")

# Swagger 2.0's non-body parameter fields that are schema keywords.
_SWAGGER_SCHEMA_KEYS = (
    "type", "format", "items", "enum", "default", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "x-nullable",
)
# collectionFormat -> (style, explode) in OpenAPI 3 terms, for query/cookie (form) and path/header (simple).
_COLLECTION_FORMATS = {"csv": (None, False), "multi": ("form", True), "ssv": ("spaceDelimited", False),
                       "pipes": ("pipeDelimited", False), "tsv": ("tabDelimited", False)}
_SWAGGER_FLOWS = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
                  "accessCode": "authorizationCode"}


@dataclass
class SchemaRef:
    """A schema as written, and where to resolve its references from."""

    node: Any
    ctx: Ctx


@dataclass
class Param:
    name: str
    location: str  # path, query, header, cookie
    required: bool
    schema: SchemaRef | None
    style: str
    explode: bool
    allow_empty: bool
    deprecated: bool


@dataclass
class Media:
    schema: SchemaRef | None


@dataclass
class Body:
    required: bool
    content: dict[str, Media]


@dataclass
class Header:
    name: str
    required: bool
    schema: SchemaRef | None
    style: str
    explode: bool


@dataclass
class Response:
    status: str
    headers: dict[str, Header]  # lower-cased name -> header
    content: dict[str, Media]


@dataclass
class Operation:
    path: str  # as written
    method: str
    params: dict[str, Param]  # "in:name", path parameters as "path:#<position>"
    body: Body | None
    responses: dict[str, Response]
    security: list[dict[str, frozenset[str]]]  # alternatives; [] = anyone; {} inside = anonymous allowed
    operation_id: str | None
    deprecated: bool


@dataclass
class Contract:
    version: str  # "2.0", "3.0", "3.1"
    refs: Refs
    operations: dict[tuple[str, str], Operation] = field(default_factory=dict)  # (template key, method)
    schemes: dict[str, dict[str, Any]] = field(default_factory=dict)  # normalised security schemes


def template_key(path: str) -> str:
    """``/pets/{petId}`` and ``/pets/{id}`` both become ``/pets/{}``: they match the same requests."""
    out, depth = [], 0
    for ch in path:
        if ch == "{":
            depth += 1
            if depth == 1:
                out.append("{}")
            continue
        if ch == "}" and depth:
            depth -= 1
            continue
        if not depth:
            out.append(ch)
    return "".join(out)


def template_names(path: str) -> list[str]:
    names, current, depth = [], "", 0
    for ch in path:
        if ch == "{":
            depth += 1
            current = ""
        elif ch == "}" and depth:
            depth -= 1
            names.append(current)
        elif depth:
            current += ch
    return names


def spec_version(doc: dict[str, Any]) -> str:
    if str(doc.get("swagger", "")).startswith("2"):
        return "2.0"
    return "3.1" if str(doc.get("openapi", "")).startswith("3.1") else "3.0"


def _default_style(location: str) -> str:
    return "simple" if location in ("path", "header") else "form"


def build(doc: dict[str, Any], path: str = "openapi.yaml", load: Any = None) -> Contract:
    refs = Refs(doc, path, load)
    version = spec_version(doc)
    contract = Contract(version=version, refs=refs)
    root = refs.root
    global_security = doc.get("security")
    for raw_path, raw_item in (doc.get("paths") or {}).items():
        if not isinstance(raw_path, str):
            continue
        item, item_ctx, _ = refs.deref(raw_item, root)
        if not isinstance(item, dict):
            continue
        names = template_names(raw_path)
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            contract.operations[(template_key(raw_path), method)] = _operation(
                doc, refs, version, raw_path, method, item, item_ctx, op, names, global_security)
    contract.schemes = _schemes(doc, refs, version)
    return contract


def _operation(doc: dict[str, Any], refs: Refs, version: str, raw_path: str, method: str,
               item: dict[str, Any], ctx: Ctx, op: dict[str, Any], names: list[str],
               global_security: Any) -> Operation:
    params: dict[str, Param] = {}
    body: Body | None = None
    form: list[tuple[Param, SchemaRef | None]] = []
    consumes = op.get("consumes") or doc.get("consumes") or ["application/json"]
    for raw in list(item.get("parameters") or []) + list(op.get("parameters") or []):
        param, pctx, _ = refs.deref(raw, ctx)
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            continue
        location = str(param.get("in", "query"))
        if version == "2.0" and location == "body":
            schema = SchemaRef(param.get("schema"), pctx) if param.get("schema") is not None else None
            body = Body(bool(param.get("required")), {str(m): Media(schema) for m in consumes})
            continue
        if version == "2.0" and location == "formData":
            form.append((_param(param, pctx, version, "query"), _swagger_schema(param, pctx)))
            continue
        built = _param(param, pctx, version, location)
        if location == "path" and built.name in names:
            key = f"path:#{names.index(built.name)}"
        else:
            key = f"{location}:{built.name.lower() if location == 'header' else built.name}"
        params[key] = built  # an operation's parameter overrides the path item's of the same key
    if form:
        media = "multipart/form-data" if "multipart/form-data" in consumes else "application/x-www-form-urlencoded"
        form_props: dict[str, Any] = {}
        form_required: list[str] = []
        for p, s in form:
            form_props[p.name] = s.node if s else {}
            if p.required:
                form_required.append(p.name)
        form_schema = {"type": "object", "properties": form_props, "required": form_required}
        body = Body(any(p.required for p, _ in form), {media: Media(SchemaRef(form_schema, ctx))})
    if version != "2.0" and op.get("requestBody") is not None:
        raw_body, bctx, _ = refs.deref(op.get("requestBody"), ctx)
        if isinstance(raw_body, dict):
            body = Body(bool(raw_body.get("required")), _content(raw_body.get("content"), bctx))
    produces = op.get("produces") or doc.get("produces") or ["application/json"]
    responses: dict[str, Response] = {}
    for status, raw_resp in (op.get("responses") or {}).items():
        resp, rctx, _ = refs.deref(raw_resp, ctx)
        if not isinstance(resp, dict):
            continue
        if version == "2.0":
            content = ({str(m): Media(SchemaRef(resp["schema"], rctx)) for m in produces}
                       if resp.get("schema") is not None else {})
        else:
            content = _content(resp.get("content"), rctx)
        headers = {}
        for hname, raw_header in (resp.get("headers") or {}).items():
            header, hctx, _ = refs.deref(raw_header, rctx)
            if not isinstance(header, dict):
                continue
            if version == "2.0":
                hschema = _swagger_schema(header, hctx)
            else:
                hschema = SchemaRef(header["schema"], hctx) if header.get("schema") is not None else None
            headers[str(hname).lower()] = Header(str(hname), bool(header.get("required")), hschema,
                                                 str(header.get("style", "simple")), bool(header.get("explode", False)))
        responses[str(status).upper() if str(status).lower() != "default" else "default"] = Response(
            str(status), headers, content)
    security = op.get("security", global_security)
    return Operation(raw_path, method, params, body, responses, _security(security),
                     op.get("operationId") if isinstance(op.get("operationId"), str) else None,
                     bool(op.get("deprecated")))


def _content(raw: Any, ctx: Ctx) -> dict[str, Media]:
    if not isinstance(raw, dict):
        return {}
    out = {}
    for media, obj in raw.items():
        obj = obj if isinstance(obj, dict) else {}
        out[str(media).lower()] = Media(SchemaRef(obj["schema"], ctx) if obj.get("schema") is not None else None)
    return out


def _swagger_schema(param: dict[str, Any], ctx: Ctx) -> SchemaRef | None:
    schema = {k: param[k] for k in _SWAGGER_SCHEMA_KEYS if k in param}
    return SchemaRef(schema, ctx) if schema else None


def _param(param: dict[str, Any], ctx: Ctx, version: str, location: str) -> Param:
    name = str(param["name"])
    required = bool(param.get("required")) or location == "path"
    if version == "2.0":
        schema = _swagger_schema(param, ctx)
        style, explode = _COLLECTION_FORMATS.get(str(param.get("collectionFormat", "csv")), (None, False))
        style = style or _default_style(location)
    else:
        raw_schema = param.get("schema")
        if raw_schema is None and isinstance(param.get("content"), dict) and param["content"]:
            raw_schema = (next(iter(param["content"].values())) or {}).get("schema")
        schema = SchemaRef(raw_schema, ctx) if raw_schema is not None else None
        style = str(param.get("style") or _default_style(location))
        explode = bool(param.get("explode", style == "form"))
    return Param(name, location, required, schema, style, explode, bool(param.get("allowEmptyValue")),
                 bool(param.get("deprecated")))


def _security(raw: Any) -> list[dict[str, frozenset[str]]]:
    if not isinstance(raw, list):
        return []
    out = []
    for alt in raw:
        if isinstance(alt, dict):
            out.append({str(k): frozenset(str(s) for s in (v or [])) for k, v in alt.items()})
    return out


def _schemes(doc: dict[str, Any], refs: Refs, version: str) -> dict[str, dict[str, Any]]:
    raw = (doc.get("securityDefinitions") if version == "2.0"
           else (doc.get("components") or {}).get("securitySchemes")) or {}
    out: dict[str, dict[str, Any]] = {}
    for name, raw_scheme in raw.items() if isinstance(raw, dict) else ():
        scheme, _, _ = refs.deref(raw_scheme, refs.root)
        if not isinstance(scheme, dict):
            continue
        kind = str(scheme.get("type", ""))
        norm: dict[str, Any] = {"type": kind, "in": scheme.get("in"), "name": scheme.get("name"),
                                "scheme": str(scheme.get("scheme", "")).lower() or None,
                                "bearerFormat": scheme.get("bearerFormat"),
                                "openIdConnectUrl": scheme.get("openIdConnectUrl"), "flows": {}}
        if version == "2.0" and kind == "basic":
            norm.update(type="http", scheme="basic")
        if version == "2.0" and kind == "oauth2":
            flow = _SWAGGER_FLOWS.get(str(scheme.get("flow")), str(scheme.get("flow")))
            norm["flows"] = {flow: {"authorizationUrl": scheme.get("authorizationUrl"),
                                    "tokenUrl": scheme.get("tokenUrl"), "refreshUrl": None,
                                    "scopes": frozenset((scheme.get("scopes") or {}).keys())}}
        elif kind == "oauth2":
            for flow, spec in (scheme.get("flows") or {}).items():
                spec = spec if isinstance(spec, dict) else {}
                norm["flows"][str(flow)] = {"authorizationUrl": spec.get("authorizationUrl"),
                                            "tokenUrl": spec.get("tokenUrl"), "refreshUrl": spec.get("refreshUrl"),
                                            "scopes": frozenset((spec.get("scopes") or {}).keys())}
        out[str(name)] = norm
    return out

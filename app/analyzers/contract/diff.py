"""The contract diff: every client-visible change between two specs, each with its rule from the catalogue.

Operations are matched by path template (parameter names ignored, ``/pets/{petId}`` = ``/pets/{id}``)
and method; parameters by location and name (path parameters by position); responses by status;
media types by name; security alternatives by the set of schemes they name. Schemas are compared by
``schemas.SchemaComparer`` in the direction their place gives them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from phasegate.app.analyzers.contract.catalogue import Level, rule
from phasegate.app.analyzers.contract.model import Body, Contract, Header, Media, Operation, Param, Response
from phasegate.app.analyzers.contract.schemas import Raw, SchemaComparer

# The kinds the first contract diff reported, kept for callers that group by them.
LEGACY_KINDS = {
    "path-removed": "path_removed", "path-added": "path_added", "operation-removed": "method_removed",
    "operation-added": "method_added", "request-parameter-added-required": "param_required",
    "request-parameter-became-required": "param_required", "request-parameter-added": "param_added",
    "request-parameter-removed": "param_removed", "request-parameter-type-changed": "param_type_changed",
    "request-property-added-required": "request_field_required",
    "request-property-became-required": "request_field_required", "request-property-added": "request_field_added",
    "request-property-removed": "request_field_removed", "request-property-type-changed": "request_type_changed",
    "request-body-added-required": "request_body_required", "request-body-became-required": "request_body_required",
    "response-success-status-removed": "response_removed", "response-non-success-status-removed": "response_removed",
    "response-status-added": "response_added", "response-required-property-removed": "response_field_removed",
    "response-optional-property-removed": "response_field_removed", "response-property-added": "response_field_added",
    "response-property-type-changed": "response_type_changed",
}


@dataclass(frozen=True)
class ContractChange:
    kind: str  # a coarse kind (``path_removed``, ``param_required``…), kept from the first diff
    path: str  # the path as written in the new spec (the old one for a removal); "" for spec-wide changes
    method: str | None
    detail: str  # one line for people: where, what, before → after
    level: Level = "error"
    id: str = ""  # the rule id of the catalogue
    location: str = ""  # where in the operation: "query parameter limit", "response 200 application/json: .id"
    before: Any = None
    after: Any = None

    @property
    def breaking(self) -> bool:
        """Breaking changes block a phase approval without a version bump; warnings and infos do not."""
        return self.level == "error"

    @property
    def explanation(self) -> str:
        return rule(self.id).explanation if self.id else ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "breaking": self.breaking, "explanation": self.explanation}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


class _Differ:
    def __init__(self, a: Contract, b: Contract) -> None:
        self.a, self.b = a, b
        self.schemas = SchemaComparer(a.refs, b.refs)
        self.out: list[ContractChange] = []

    def emit(self, rule_id: str, path: str, method: str | None, location: str, before: Any = None,
             after: Any = None) -> None:
        level = rule(rule_id).level
        where = f"{method.upper()} {path}" if method else path
        what = rule_id.replace("-", " ")
        detail = f"{where}: {location + ': ' if location else ''}{what}"
        if before is not None or after is not None:
            detail += f" ({_fmt(before)} → {_fmt(after)})"
        self.out.append(ContractChange(LEGACY_KINDS.get(rule_id, rule_id.replace("-", "_")), path, method,
                                       detail.strip(": "), level, rule_id, location, before, after))

    def run(self) -> list[ContractChange]:
        ops_a, ops_b = self.a.operations, self.b.operations
        paths_a: dict[str, str] = {k: o.path for (k, _), o in ops_a.items()}
        paths_b: dict[str, str] = {k: o.path for (k, _), o in ops_b.items()}
        for key in sorted(paths_a.keys() - paths_b.keys()):
            self.emit("path-removed", paths_a[key], None, "")
        for key in sorted(paths_b.keys() - paths_a.keys()):
            self.emit("path-added", paths_b[key], None, "")
        for key in sorted(paths_a.keys() & paths_b.keys()):
            if paths_a[key] != paths_b[key]:
                self.emit("path-parameter-renamed", paths_b[key], None, "", paths_a[key], paths_b[key])
        for op_key in sorted(ops_a.keys() | ops_b.keys()):
            path_key, method = op_key
            if path_key not in paths_a or path_key not in paths_b:
                continue
            oa, ob = ops_a.get(op_key), ops_b.get(op_key)
            if ob is None:
                self.emit("operation-removed", oa.path, method, "")  # type: ignore[union-attr]
            elif oa is None:
                self.emit("operation-added", ob.path, method, "")
            else:
                self.operation(oa, ob)
        self.security_schemes()
        return self.out

    # -- one operation ------------------------------------------------------------------------------

    def schema_changes(self, raws: list[Raw], path: str, method: str, location: str) -> None:
        for rule_id, where, before, after in raws:
            loc = location + (": " + where.lstrip(".") if where else "")
            self.emit(rule_id, path, method, loc, before, after)

    def operation(self, a: Operation, b: Operation) -> None:
        path, method = b.path, b.method
        if a.operation_id and b.operation_id and a.operation_id != b.operation_id:
            self.emit("operation-id-changed", path, method, "", a.operation_id, b.operation_id)
        if b.deprecated and not a.deprecated:
            self.emit("operation-deprecated", path, method, "")
        for key in sorted(a.params.keys() | b.params.keys()):
            pa, pb = a.params.get(key), b.params.get(key)
            if pb is None:
                self.emit("request-parameter-removed", path, method, _param_where(pa))  # type: ignore[arg-type]
            elif pa is None:
                self.emit("request-parameter-added-required" if pb.required else "request-parameter-added",
                          path, method, _param_where(pb))
            else:
                self.param(pa, pb, path, method)
        self.body(a.body, b.body, path, method)
        self.responses(a.responses, b.responses, path, method)
        self.security(a.security, b.security, path, method)

    def param(self, a: Param, b: Param, path: str, method: str) -> None:
        where = _param_where(b)
        if a.required != b.required:
            self.emit(f"request-parameter-became-{'required' if b.required else 'optional'}", path, method, where)
        if a.allow_empty != b.allow_empty:
            self.emit(f"request-parameter-allow-empty-value-{'added' if b.allow_empty else 'removed'}",
                      path, method, where, a.allow_empty, b.allow_empty)
        if a.style != b.style:
            self.emit("request-parameter-style-changed", path, method, where, a.style, b.style)
        elif a.explode != b.explode:
            self.emit("request-parameter-explode-changed", path, method, where, a.explode, b.explode)
        if a.schema is not None and b.schema is not None:
            self.schema_changes(self.schemas.compare([a.schema], [b.schema], "request-parameter"), path, method, where)

    def body(self, a: Body | None, b: Body | None, path: str, method: str) -> None:
        if a is None and b is None:
            return
        if a is None:
            self.emit("request-body-added-required" if b.required else "request-body-added", path, method,  # type: ignore[union-attr]
                      "request body")
            return
        if b is None:
            self.emit("request-body-removed", path, method, "request body")
            return
        if a.required != b.required:
            self.emit(f"request-body-became-{'required' if b.required else 'optional'}", path, method, "request body")
        self.content(a.content, b.content, path, method, "request body", sends=True)

    def content(self, a: dict[str, Media], b: dict[str, Media], path: str, method: str, where: str,
                sends: bool) -> None:
        prefix = "request-body" if sends else "response"
        for media in sorted(a.keys() - b.keys()):
            if not _covered_by_wildcard(media, b):
                self.emit(f"{prefix}-media-type-removed", path, method, f"{where} {media}")
        for media in sorted(b.keys() - a.keys()):
            self.emit(f"{prefix}-media-type-added", path, method, f"{where} {media}")
        for media in sorted(a.keys() & b.keys()):
            sa, sb = a[media].schema, b[media].schema
            loc = f"{where} {media}"
            if sa is None and sb is not None:
                self.emit("request-body-schema-added" if sends else "response-body-schema-added", path, method, loc)
            elif sa is not None and sb is None:
                self.emit("request-body-schema-removed" if sends else "response-body-schema-removed", path, method, loc)
            elif sa is not None and sb is not None:
                place = "request-property" if sends else "response-property"
                self.schema_changes(self.schemas.compare([sa], [sb], place), path, method, loc)

    def responses(self, a: dict[str, Response], b: dict[str, Response], path: str, method: str) -> None:
        ranges_folded_into: set[str] = set()
        for status in sorted(a.keys() - b.keys()):
            folded = _range_of(status)
            if folded is not None and folded in b:
                self.emit("response-status-folded-into-range", path, method, f"response {status}", status, folded)
                ranges_folded_into.add(folded)
            elif status.startswith("2"):
                self.emit("response-success-status-removed", path, method, f"response {status}")
            else:
                self.emit("response-non-success-status-removed", path, method, f"response {status}")
        for status in sorted(b.keys() - a.keys() - ranges_folded_into):
            self.emit("response-status-added", path, method, f"response {status}")
        for status in sorted(a.keys() & b.keys()):
            ra, rb = a[status], b[status]
            where = f"response {status}"
            if ra.content and not rb.content:
                self.emit("response-body-removed", path, method, where)
            elif rb.content and not ra.content:
                self.emit("response-body-added", path, method, where)
            else:
                self.content(ra.content, rb.content, path, method, where, sends=False)
            self.headers(ra.headers, rb.headers, path, method, where)

    def headers(self, a: dict[str, Header], b: dict[str, Header], path: str, method: str, where: str) -> None:
        for name in sorted(a.keys() - b.keys()):
            ha = a[name]
            self.emit("response-required-header-removed" if ha.required else "response-optional-header-removed",
                      path, method, f"{where} header {ha.name}")
        for name in sorted(b.keys() - a.keys()):
            self.emit("response-header-added", path, method, f"{where} header {b[name].name}")
        for name in sorted(a.keys() & b.keys()):
            ha, hb = a[name], b[name]
            loc = f"{where} header {hb.name}"
            if ha.required != hb.required:
                self.emit(f"response-header-became-{'required' if hb.required else 'optional'}", path, method, loc)
            if ha.style != hb.style:
                self.emit("response-header-style-changed", path, method, loc, ha.style, hb.style)
            elif ha.explode != hb.explode:
                self.emit("response-header-explode-changed", path, method, loc, ha.explode, hb.explode)
            if ha.schema is not None and hb.schema is not None:
                self.schema_changes(self.schemas.compare([ha.schema], [hb.schema], "response-header"), path, method, loc)

    def security(self, a: list[dict[str, frozenset[str]]], b: list[dict[str, frozenset[str]]], path: str,
                 method: str) -> None:
        open_a = not a or any(not alt for alt in a)
        open_b = not b or any(not alt for alt in b)
        if open_a and not open_b:
            self.emit("security-requirement-added", path, method, "security", None, [_alt(x) for x in b])
            return
        if open_b and not open_a:
            self.emit("security-requirement-removed", path, method, "security", [_alt(x) for x in a], None)
            return
        # alternatives equal in schemes and scopes match first; of the rest, those naming the same
        # schemes are one alternative whose scopes changed (two may name the same schemes: key by both)
        def exact(alt: dict[str, frozenset[str]]) -> frozenset[tuple[str, frozenset[str]]]:
            return frozenset(alt.items())

        keys_a = {exact(alt): alt for alt in a if alt}
        keys_b = {exact(alt): alt for alt in b if alt}
        rest_a = sorted((keys_a[k] for k in keys_a.keys() - keys_b.keys()), key=_alt)
        rest_b = sorted((keys_b[k] for k in keys_b.keys() - keys_a.keys()), key=_alt)
        for alt_a in rest_a:
            same = next((alt_b for alt_b in rest_b if alt_b.keys() == alt_a.keys()), None)
            if same is None:
                self.emit("security-alternative-removed", path, method, "security", _alt(alt_a), None)
                continue
            rest_b.remove(same)
            for scheme in sorted(alt_a):
                sa, sb = alt_a[scheme], same[scheme]
                if sb - sa:
                    self.emit("security-scope-added", path, method, f"security {scheme}", sorted(sa), sorted(sb))
                if sa - sb:
                    self.emit("security-scope-removed", path, method, f"security {scheme}", sorted(sa), sorted(sb))
        for alt_b in rest_b:
            self.emit("security-alternative-added", path, method, "security", None, _alt(alt_b))

    def security_schemes(self) -> None:
        for name in sorted(self.a.schemes.keys() & self.b.schemes.keys()):
            sa, sb = self.a.schemes[name], self.b.schemes[name]
            where = f"security scheme {name}"
            if sa["type"] != sb["type"]:
                self.emit("security-scheme-type-changed", "", None, where, sa["type"], sb["type"])
                continue
            for key, rule_id in (("in", "security-scheme-in-changed"), ("name", "security-scheme-name-changed"),
                                 ("scheme", "security-scheme-scheme-changed"),
                                 ("bearerFormat", "security-scheme-bearer-format-changed"),
                                 ("openIdConnectUrl", "security-scheme-openid-url-changed")):
                if sa[key] != sb[key]:
                    self.emit(rule_id, "", None, where, sa[key], sb[key])
            fa, fb = sa["flows"], sb["flows"]
            for flow in sorted(fa.keys() - fb.keys()):
                self.emit("security-scheme-oauth-flow-removed", "", None, f"{where} flow {flow}")
            for flow in sorted(fb.keys() - fa.keys()):
                self.emit("security-scheme-oauth-flow-added", "", None, f"{where} flow {flow}")
            for flow in sorted(fa.keys() & fb.keys()):
                for url in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                    if fa[flow][url] != fb[flow][url]:
                        self.emit("security-scheme-oauth-url-changed", "", None, f"{where} flow {flow} {url}",
                                  fa[flow][url], fb[flow][url])
                gone, new = fa[flow]["scopes"] - fb[flow]["scopes"], fb[flow]["scopes"] - fa[flow]["scopes"]
                if gone:
                    self.emit("security-scheme-oauth-scope-removed", "", None, f"{where} flow {flow}", sorted(gone), None)
                if new:
                    self.emit("security-scheme-oauth-scope-added", "", None, f"{where} flow {flow}", None, sorted(new))


def _covered_by_wildcard(media: str, other: dict[str, Media]) -> bool:
    """``application/json`` is still served when the new spec says ``application/*`` or ``*/*``."""
    major = media.split("/", 1)[0]
    return f"{major}/*" in other or "*/*" in other


def _range_of(status: str) -> str | None:
    return f"{status[0]}XX" if len(status) == 3 and status.isdigit() else None


def _alt(alt: dict[str, frozenset[str]]) -> str:
    return " + ".join(f"{k}{'[' + ', '.join(sorted(v)) + ']' if v else ''}" for k, v in sorted(alt.items()))


def _param_where(p: Param) -> str:
    return f"{p.location} parameter {p.name}"


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while comparing.

    The diff allocates hundreds of thousands of small objects that are not cycles; each full collection
    walks the whole heap, the two documents included, so with the collector on the diff of a 2,000-
    operation spec took 1.8 times as long per operation as that of a 500-operation one (bench/
    bench_contract.py). Off, it is linear; what little is cyclic is collected once it is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def diff(a: Contract, b: Contract) -> list[ContractChange]:
    with collector_paused():
        return _Differ(a, b).run()

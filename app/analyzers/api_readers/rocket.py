"""Rocket endpoints: ``#[get("/x/<id>")]`` handlers mounted with ``.mount("/api", routes![a::b, c])``.

The mount base is prepended to each route's path; ``<id>`` and ``<path..>`` become ``{id}`` and
``{path}``, the query part (``?<params..>``) is not part of the path. Mounts are found by evaluating
the builder chains (``_rust.Evaluator``) from ``#[launch]``/``main``; a handler that no ``routes!`` of
a live mount lists is ``dead``, as are the mounts of a function nothing calls.
"""

from __future__ import annotations

from typing import Any

from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import is_auth_text, join, params_of
from phasegate.app.analyzers.api_readers._rust import (
    Crate,
    Evaluator,
    Expr,
    RustFn,
    Scope,
    rocket_or_actix_path,
)
from phasegate.app.analyzers.api_readers.axum import ATTRIBUTE_MARKERS, _wants, crate_of, parse_rust_or_cargo
from phasegate.app.analyzers.readers import Reader, SourceWarning

VERBS = {"get", "post", "put", "delete", "patch", "head", "options"}
# request guards named like an authenticated principal: ``user: auth::Auth``, ``_admin: AdminUser``
GUARD_HINTS = ("auth", "user", "token", "session", "claims", "admin", "jwt")


def _attr_routes(fn: RustFn) -> list[tuple[str, str, int]]:
    out = []
    for attr in fn.attributes:
        if attr.name in VERBS and attr.strings:
            out.append((attr.name.upper(), attr.strings[0], attr.line))
        elif attr.name == "route":
            uri = attr.strings[0] if attr.strings else next((v for k, v in attr.pairs if k == "uri"), None)
            method = next((i for i in attr.idents if i.upper() == i and i.isalpha()), "ANY")
            if uri is not None:
                out.append((method.upper(), uri, attr.line))
    return out


def _auth(fn: RustFn) -> str | None:
    for name, type_text in fn.params:
        base = type_text.split("<", 1)[0].rsplit("::", 1)[-1]
        if base in {"Option"}:
            continue  # an optional principal: the route also serves anonymous callers
        if is_auth_text(base) or base.lower().endswith(GUARD_HINTS):
            return f"{name}: {type_text}"
    return None


class RocketEvaluator(Evaluator):
    def __init__(self, crate: Crate) -> None:
        super().__init__(crate)
        self.mounts: list[tuple[str, RustFn, str, int, bool]] = []  # base, handler, file, line, live
        self.live = False
        self.warnings: list[SourceWarning] = []

    def method(self, base: Any, name: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        if name == "mount" and len(args) >= 2:
            mount_base = self.eval(args[0], scope)
            handlers = self.eval(args[1], scope)
            if not isinstance(mount_base, str):
                self.warnings.append(SourceWarning(path=scope.rfile.path, line=expr[3],
                                                   reason="rocket: mount base is not a string literal"))
                mount_base = "/"
            if isinstance(handlers, list):
                for fn in handlers:
                    self.mounts.append((mount_base, fn, scope.rfile.path, expr[3], self.live))
            return base if base is not None else "rocket"
        for a in args:
            self.eval(a, scope)
        return base

    def call_path(self, path: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        if path.rsplit("::", 1)[-1] in {"build", "custom", "ignite"} and path.startswith(("rocket", "Rocket")):
            for a in args:
                self.eval(a, scope)
            return "rocket"
        return super().call_path(path, args, scope, expr)

    def macro(self, expr: Expr, scope: Scope) -> Any:
        if expr[1].endswith("routes"):
            out = []
            for p in expr[2]:
                fn = self.crate.resolve(p, scope.rfile, scope.impl_type)
                if fn is not None:
                    out.append(fn)
                else:
                    self.warnings.append(SourceWarning(path=scope.rfile.path, line=expr[3],
                                                       reason=f"rocket: route {p} not found in the crate"))
            return out
        return None


def _parse(path: str, source: str) -> Any:
    return parse_rust_or_cargo(path, source, ("rocket", *ATTRIBUTE_MARKERS))


def _build(parsed: dict[str, Any]) -> ApiPart:
    crate = crate_of(parsed, "rocket")
    if crate is None:
        return ApiPart(reader="rocket")
    ev = RocketEvaluator(crate)
    ev.live = True
    for fn in ev.entry_fns():
        ev.call_fn(fn, [], entry=True)
    ev.live = False
    for rfile in sorted(crate.files.values(), key=lambda f: f.path):
        for fn in rfile.fns:
            if id(fn) not in ev.called and not _attr_routes(fn):
                ev.call_fn(fn, [])
    endpoints: list[ApiEndpoint] = []
    mounted: set[int] = set()
    for base, fn, _file, _line, live in ev.mounts:
        mounted.add(id(fn))
        for method, raw, at in _attr_routes(fn):
            path = join(base, rocket_or_actix_path(raw))
            endpoints.append(ApiEndpoint(method=method, path=path, params=params_of(path), file=fn.file, line=at,
                                         handler=fn.name, handler_file=fn.file, handler_line=fn.line,
                                         framework="rocket", auth=_auth(fn), dead=not live))
    for rfile in sorted(crate.files.values(), key=lambda f: f.path):
        for fn in rfile.fns:
            if id(fn) in mounted:
                continue
            for method, raw, at in _attr_routes(fn):
                path = join(rocket_or_actix_path(raw))
                endpoints.append(ApiEndpoint(method=method, path=path, params=params_of(path), file=fn.file,
                                             line=at, handler=fn.name, handler_file=fn.file, handler_line=fn.line,
                                             framework="rocket", auth=_auth(fn), dead=True))
    return ApiPart(reader="rocket", endpoints=endpoints, warnings=ev.warnings)


ROCKET_READER: Reader[Any, ApiPart] = Reader(name="rocket", wants=_wants, parse=_parse, build=_build, version=2,
                                       suffixes=frozenset({".rs", ".toml"}))
READERS = [ROCKET_READER]

"""Axum endpoints: ``Router::new().route("/x", get(h).post(h2))``, ``.nest("/api", sub)``, ``.merge(other)``,
followed through ``let`` bindings and calls into the crate's own functions and modules (``_rust``).

A ``.layer``/``.route_layer`` applies to the routes added before it (Axum's rule), so an auth-like
layer (``middleware::from_fn(require_auth)``) is the ``auth`` of exactly those. A router handed to
``axum::serve``, ``Server::bind(..).serve``, ``into_make_service`` or to code outside the crate is
live; one built and never served, nested or merged is ``dead``. Paths: ``:id``/``*rest`` (0.7) and
``{id}``/``{*rest}`` (0.8) both become ``{id}``/``{rest}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers._files import is_generated_or_fixture, is_test_path, is_vendored
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import (
    brace_params,
    colon_params,
    is_auth_text,
    join,
    params_of,
)
from phasegate.app.analyzers.api_readers._rust import (
    Crate,
    Evaluator,
    Expr,
    RustFile,
    Scope,
    parse_cargo,
    parse_rust_file,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning

VERBS = {"get", "post", "put", "delete", "patch", "head", "options", "trace", "connect"}
METHOD_ANY = {"any", "any_service"}
# a file that never names its framework may still hold attribute-macro handlers (``#[get("/x")]``)
ATTRIBUTE_MARKERS = ("#[get", "#[post", "#[put", "#[delete", "#[patch", "#[head", "#[options", "#[route")


@dataclass(eq=False)
class AxRoute:
    path: str
    method: str
    handler: tuple[str | None, str | None, int | None]
    file: str
    line: int
    layers: list[str] = field(default_factory=list)


@dataclass(eq=False)
class MethodRouter:
    entries: list[tuple[str, tuple[str | None, str | None, int | None]]] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)


@dataclass(eq=False)
class AxRouter:
    file: str
    line: int
    routes: list[AxRoute] = field(default_factory=list)
    nests: list[tuple[str, AxRouter]] = field(default_factory=list)
    merged: list[AxRouter] = field(default_factory=list)
    live: bool = False
    attached: bool = False

    def all_routes(self, depth: int = 0) -> list[AxRoute]:
        out = list(self.routes)
        if depth < 30:
            for _, sub in self.nests:
                out.extend(sub.all_routes(depth + 1))
            for sub in self.merged:
                out.extend(sub.all_routes(depth + 1))
        return out


def _path(raw: str) -> str:
    return brace_params(colon_params(raw))


class AxumEvaluator(Evaluator):
    def __init__(self, crate: Crate) -> None:
        super().__init__(crate)
        self.routers: list[AxRouter] = []
        self.warnings: list[SourceWarning] = []

    def method(self, base: Any, name: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        if isinstance(base, AxRouter):
            return self.router_method(base, name, args, scope, expr)
        if isinstance(base, MethodRouter):
            if name in VERBS | METHOD_ANY and args:
                base.entries.append(("ANY" if name in METHOD_ANY else name.upper(), self.handler(args[0], scope)))
                return base
            if name in {"layer", "route_layer"} and args:
                base.layers.append(str(args[0][4]) if args[0][0] == "call" else str(args[0][1]))
                return base
            return base
        values = [self.eval(a, scope) for a in args]
        if name in {"serve", "into_make_service", "into_make_service_with_connect_info", "into_service"}:
            for value in values + [base]:
                if isinstance(value, AxRouter):
                    value.live = True
            return base
        for value in values:
            if isinstance(value, AxRouter):
                value.live = True
        return base if name in {"clone", "into", "unwrap", "expect", "boxed"} else None

    def macro(self, expr: Expr, scope: Scope) -> Any:
        """utoipa-axum's ``routes!(a::b, c)``: the handler functions it lists (their ``#[utoipa::path]``
        attributes carry method and path)."""
        if str(expr[1]).rsplit("::", 1)[-1] == "routes":
            found = []
            for p in expr[2]:
                fn = self.crate.resolve(p, scope.rfile, scope.impl_type)
                if fn is None:
                    self.warnings.append(SourceWarning(path=scope.rfile.path, line=expr[3],
                                                       reason=f"axum: handler {p} not found in the crate"))
                else:
                    found.append(fn)
            return found
        return None

    def router_method(self, router: AxRouter, name: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        at = expr[3]
        if name == "routes" and args:  # utoipa-axum OpenApiRouter
            fns = self.eval(args[0], scope)
            for fn in fns if isinstance(fns, list) else []:
                for attr in fn.attributes:
                    path = next((v for k, v in attr.pairs if k == "path"), None)
                    methods = [i.upper() for i in attr.idents if i in VERBS]
                    if attr.name != "path" or path is None or not methods:
                        continue
                    for method in methods:
                        router.routes.append(AxRoute(_path(path), method, (fn.name, fn.file, fn.line),
                                                     scope.rfile.path, at))
            return router
        if name in {"route", "route_service"} and len(args) >= 2:
            path = self.eval(args[0], scope)
            target = self.eval(args[1], scope)
            if not isinstance(path, str):
                self.warnings.append(SourceWarning(path=scope.rfile.path, line=at,
                                                   reason="axum: route path is not a string literal"))
                return router
            if isinstance(target, MethodRouter):
                for method, handler in target.entries:
                    router.routes.append(AxRoute(_path(path), method, handler, scope.rfile.path, at,
                                                 list(target.layers)))
            else:
                router.routes.append(AxRoute(_path(path), "ANY", self.handler(args[1], scope), scope.rfile.path, at))
            return router
        if name in {"nest", "nest_service"} and len(args) >= 2:
            path = self.eval(args[0], scope)
            sub = self.eval(args[1], scope)
            if isinstance(path, str) and isinstance(sub, AxRouter):
                sub.attached = True
                router.nests.append((_path(path), sub))
            elif isinstance(path, str):
                router.routes.append(AxRoute(_path(path), "ANY", self.handler(args[1], scope), scope.rfile.path, at))
            return router
        if name == "merge" and args:
            sub = self.eval(args[0], scope)
            if isinstance(sub, AxRouter):
                sub.attached = True
                router.merged.append(sub)
            return router
        if name in {"layer", "route_layer"} and args:
            layer = str(args[0][4]) if args[0][0] == "call" else str(args[0][1])
            for route in router.all_routes():
                route.layers.append(layer)
            return router
        if name in {"into_make_service", "into_make_service_with_connect_info", "into_service"}:
            router.live = True
            return router
        for a in args:
            self.eval(a, scope)
        return router  # with_state, fallback, clone…: still this router

    def call_path(self, path: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        tail = path.rsplit("::", 1)[-1]
        if path.endswith(("Router::new", "OpenApiRouter::with_openapi")) or path == "Router::default":
            router = AxRouter(scope.rfile.path, expr[3])
            self.routers.append(router)
            return router
        found, value = self.call_crate_fn(path, args, scope)
        if found:
            return value
        if tail in VERBS | METHOD_ANY and args and (path == tail or "routing" in path):
            mr = MethodRouter()
            mr.entries.append(("ANY" if tail in METHOD_ANY else tail.upper(), self.handler(args[0], scope)))
            return mr
        if tail in {"on", "on_service"} and len(args) >= 2:
            filters = [p.rsplit("::", 1)[-1] for p in _filter_names(args[0])]
            mr = MethodRouter()
            for method in filters or ["ANY"]:
                mr.entries.append((method.upper(), self.handler(args[1], scope)))
            return mr
        values = [self.eval(a, scope) for a in args]
        for value in values:
            if isinstance(value, AxRouter):
                value.live = True  # axum::serve(listener, app), a hosting runtime, …
        return None


def _filter_names(expr: Expr) -> list[str]:
    if expr[0] == "path":
        return [expr[1]]
    if expr[0] == "other":  # MethodFilter::GET | MethodFilter::POST
        return [part.strip() for part in str(expr[1]).split("|")]
    return []


def _wants(path: str) -> bool:
    if path.endswith("Cargo.toml"):
        return not is_vendored(path)
    return path.endswith(".rs") and not is_vendored(path) and not is_generated_or_fixture(path) \
        and not is_test_path(path)


def parse_rust_or_cargo(path: str, source: str, markers: tuple[str, ...]) -> Any:
    if path.endswith("Cargo.toml"):
        return ("cargo", parse_cargo(source))
    if not any(marker in source for marker in markers) and "fn main" not in source:
        return None  # a file that never names the framework registers no route of it
    return ("rs", parse_rust_file(path, source))


def crate_of(parsed: dict[str, Any], dependency: str) -> Crate | None:
    files: dict[str, RustFile] = {}
    cargo: dict[str, set[str]] = {}
    for path, (kind, value) in parsed.items():
        if kind == "cargo":
            cargo[path.rsplit("/", 1)[0] if "/" in path else ""] = value
        else:
            files[path] = value
    if not files or (cargo and not any(dependency in deps for deps in cargo.values())):
        return None
    return Crate(files, cargo)


def _parse(path: str, source: str) -> Any:
    return parse_rust_or_cargo(path, source, ("axum", "async fn"))  # handlers are async fns


def _build(parsed: dict[str, Any]) -> ApiPart:
    crate = crate_of(parsed, "axum")
    if crate is None:
        return ApiPart(reader="axum")
    ev = AxumEvaluator(crate)
    for fn in ev.entry_fns():
        value = ev.call_fn(fn, [], entry=True)
        if isinstance(value, AxRouter):
            value.live = True  # returned by main itself (shuttle, lambda runtimes)
    for rfile in sorted(crate.files.values(), key=lambda f: f.path):
        for fn in rfile.fns:
            if id(fn) not in ev.called:
                value = ev.call_fn(fn, [])
                if isinstance(value, AxRouter) and fn.public and not fn.impl_type and \
                        crate.module_of(fn.file) == ():
                    # handed out by the library's public API (to its binaries, which live in src/bin/ and
                    # may not be read, or to other crates): served by whoever calls it
                    value.live = True
    endpoints: list[ApiEndpoint] = []

    def walk(router: AxRouter, prefix: str, live: bool, depth: int) -> None:
        if depth > 30:
            return
        for route in router.routes:
            path = join(prefix, route.path)
            auth = [layer for layer in route.layers if is_auth_text(layer)]
            name, hfile, hline = route.handler
            endpoints.append(ApiEndpoint(method=route.method, path=path, params=params_of(path), file=route.file,
                                         line=route.line, handler=name, handler_file=hfile, handler_line=hline,
                                         framework="axum", auth=", ".join(dict.fromkeys(auth)) or None,
                                         dead=not live))
        for sub_prefix, sub in router.nests:
            walk(sub, join(prefix, sub_prefix), live or sub.live, depth + 1)
        for sub in router.merged:
            walk(sub, prefix, live or sub.live, depth + 1)

    for router in ev.routers:
        if not router.attached:
            walk(router, "/", router.live, 0)
    warnings = [SourceWarning(path=p, reason="axum: syntax errors, some routes may be missing")
                for p in sorted({e.file for e in endpoints}) if crate.files[p].has_error]
    return ApiPart(reader="axum", endpoints=endpoints, warnings=warnings + ev.warnings)


AXUM_READER: Reader[Any, ApiPart] = Reader(name="axum", wants=_wants, parse=_parse, build=_build, version=3,
                                     suffixes=frozenset({".rs", ".toml"}))
READERS = [AXUM_READER]

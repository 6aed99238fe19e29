"""Actix Web endpoints: ``#[get("/x")]`` handlers registered with ``.service(h)``, ``web::scope("/api")``,
``web::resource("/x").route(web::get().to(h))``, ``.route("/x", web::post().to(h))``, ``.configure(f)``
(``f(cfg: &mut web::ServiceConfig)``), inside ``HttpServer::new(|| App::new()…)``.

The evaluation (``_rust.Evaluator``) follows ``let`` bindings and calls into the crate. ``.wrap(mw)``
on an app, scope or resource applies to everything in it; an auth-like one is the ``auth``. An
attribute handler never passed to ``.service`` and a scope never attached to an app are ``dead``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import brace_params, is_auth_text, join, params_of
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

VERBS = {"get", "post", "put", "delete", "patch", "head", "options", "trace", "connect"}
Handler = tuple[str | None, str | None, int | None]


@dataclass(eq=False)
class Node:
    kind: str  # app, scope, resource, config
    path: str
    file: str
    line: int
    children: list[Node] = field(default_factory=list)
    routes: list[tuple[str, Handler, int, str]] = field(default_factory=list)  # method, handler, line, file
    wraps: list[str] = field(default_factory=list)
    live: bool = False
    attached: bool = False


@dataclass(eq=False)
class RouteValue:
    method: str
    handler: Handler | None = None


def _attr_routes(fn: RustFn) -> list[tuple[str, str]]:
    """(method, path) of an attribute-macro handler: ``#[get("/x")]``, ``#[route("/x", method = "GET")]``."""
    out = []
    for attr in fn.attributes:
        if attr.name in VERBS and attr.strings:
            out.append((attr.name.upper(), attr.strings[0]))
        elif attr.name == "route" and attr.strings:
            methods = [v.upper() for k, v in attr.pairs if k == "method"] or ["ANY"]
            out.extend((m, attr.strings[0]) for m in methods)
    return out


def _path(raw: str) -> str:
    return brace_params(rocket_or_actix_path(raw))


class ActixEvaluator(Evaluator):
    def __init__(self, crate: Crate) -> None:
        super().__init__(crate)
        self.nodes: list[Node] = []
        self.registered: set[int] = set()
        self.warnings: list[SourceWarning] = []

    def new(self, kind: str, path: str, scope: Scope, at: int) -> Node:
        node = Node(kind, _path(path), scope.rfile.path, at)
        self.nodes.append(node)
        return node

    def service_value(self, expr: Expr, scope: Scope) -> list[Any]:
        if expr[0] == "path":
            local = scope.env.get(expr[1])
            if local is not None:
                return [local]
            fn = self.crate.resolve(expr[1], scope.rfile, scope.impl_type)
            if fn is not None and _attr_routes(fn):
                return [fn]
            return []
        if expr[0] == "macro" and expr[1].endswith("services"):
            out = []
            for p in expr[2]:
                out.extend(self.service_value(("path", p, expr[3]), scope))
            return out
        value = self.eval(expr, scope)
        return [value] if value is not None else []

    def attach(self, parent: Node, value: Any, scope: Scope, at: int) -> None:
        if isinstance(value, Node):
            value.attached = True
            parent.children.append(value)
        elif isinstance(value, RustFn):
            self.registered.add(id(value))
            for method, path in _attr_routes(value):
                res = Node("resource", _path(path), scope.rfile.path, at, attached=True)
                res.routes.append((method, (value.name, value.file, value.line), value.line, value.file))
                parent.children.append(res)

    def method(self, base: Any, name: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        at = expr[3]
        if isinstance(base, Node):
            if name == "service" and args:
                for value in self.service_value(args[0], scope):
                    self.attach(base, value, scope, at)
                return base
            if name == "route":
                if base.kind == "resource" and args:
                    value = self.eval(args[0], scope)
                    if isinstance(value, RouteValue):
                        base.routes.append((value.method, value.handler or (None, None, None), at, scope.rfile.path))
                    return base
                if len(args) >= 2:
                    path = self.eval(args[0], scope)
                    value = self.eval(args[1], scope)
                    if isinstance(path, str) and isinstance(value, RouteValue):
                        res = Node("resource", _path(path), scope.rfile.path, at, attached=True)
                        res.routes.append((value.method, value.handler or (None, None, None), at, scope.rfile.path))
                        base.children.append(res)
                    else:
                        self.warnings.append(SourceWarning(path=scope.rfile.path, line=at,
                                                           reason="actix: route path is not a string literal"))
                return base
            if name == "to" and base.kind == "resource" and args:
                base.routes.append(("ANY", self.handler(args[0], scope), at, scope.rfile.path))
                return base
            if name in VERBS and base.kind == "resource" and args:  # Resource::get(handler) shorthand
                base.routes.append((name.upper(), self.handler(args[0], scope), at, scope.rfile.path))
                return base
            if name == "configure" and args:
                target = args[0]
                if target[0] == "path" and target[1] not in scope.env:
                    fn = self.crate.resolve(target[1], scope.rfile, scope.impl_type)
                    if fn is not None:
                        self.call_fn(fn, [base])
                else:
                    value = self.eval(target, scope)
                    if isinstance(value, tuple) and value[:1] == ("closure",):
                        self.call_closure(value, [base])
                return base
            if name in {"wrap", "wrap_fn"} and args:
                base.wraps.append(str(args[0][4]) if args[0][0] == "call" else str(args[0][1]))
                return base
            for a in args:
                self.eval(a, scope)
            return base
        if isinstance(base, RouteValue):
            if name == "to" and args:
                base.handler = self.handler(args[0], scope)
            elif name == "method" and args and args[0][0] == "path":
                base.method = str(args[0][1]).rsplit("::", 1)[-1].upper()
            return base
        return super().method(base, name, args, scope, expr)

    def call_path(self, path: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        tail = path.rsplit("::", 1)[-1]
        at = expr[3]
        if path.endswith("App::new"):
            return self.new("app", "", scope, at)
        if path.endswith("HttpServer::new") and args:
            value = self.eval(args[0], scope)
            app = self.call_closure(value, []) if isinstance(value, tuple) and value[:1] == ("closure",) else value
            if isinstance(app, Node):
                app.live = True
            return None
        found, value = self.call_crate_fn(path, args, scope)
        if found:
            return value
        if tail in {"scope", "resource"} and args:
            raw = self.eval(args[0], scope)
            if not isinstance(raw, str):
                self.warnings.append(SourceWarning(path=scope.rfile.path, line=at,
                                                   reason=f"actix: {tail} path is not a string literal"))
                raw = ""
            return self.new(tail, raw, scope, at)
        if tail in VERBS and not args:
            return RouteValue(tail.upper())
        if tail == "route" and not args:
            return RouteValue("ANY")
        if tail == "to" and args:
            return RouteValue("ANY", self.handler(args[0], scope))
        for a in args:
            self.eval(a, scope)
        return None

    def handler(self, expr: Expr, scope: Scope) -> Handler:
        return super().handler(expr, scope)


def _parse(path: str, source: str) -> Any:
    return parse_rust_or_cargo(path, source, ("actix", "async fn", *ATTRIBUTE_MARKERS))


def _build(parsed: dict[str, Any]) -> ApiPart:
    crate = crate_of(parsed, "actix-web")
    if crate is None:
        return ApiPart(reader="actix")
    ev = ActixEvaluator(crate)
    for fn in ev.entry_fns():
        ev.call_fn(fn, [], entry=True)
    for rfile in sorted(crate.files.values(), key=lambda f: f.path):
        for fn in rfile.fns:
            if id(fn) not in ev.called and not _attr_routes(fn):
                ev.call_fn(fn, [])
    endpoints: list[ApiEndpoint] = []

    def walk(node: Node, prefix: str, wraps: list[str], live: bool, depth: int) -> None:
        if depth > 30:
            return
        here = join(prefix, node.path)
        in_effect = wraps + node.wraps
        auth = ", ".join(dict.fromkeys(w for w in in_effect if is_auth_text(w))) or None
        for method, (name, hfile, hline), at, file in node.routes:
            endpoints.append(ApiEndpoint(method=method, path=here, params=params_of(here), file=file, line=at,
                                         handler=name, handler_file=hfile, handler_line=hline, framework="actix",
                                         auth=auth, dead=not live))
        for child in node.children:
            walk(child, here, in_effect, live, depth + 1)

    for node in ev.nodes:
        if not node.attached:
            walk(node, "/", [], node.live or node.kind == "app", 0)
    for rfile in sorted(crate.files.values(), key=lambda f: f.path):
        for fn in rfile.fns:
            if id(fn) in ev.registered:
                continue
            for method, raw in _attr_routes(fn):
                path = join(_path(raw))
                endpoints.append(ApiEndpoint(method=method, path=path, params=params_of(path), file=fn.file,
                                             line=fn.attributes[0].line, handler=fn.name, handler_file=fn.file,
                                             handler_line=fn.line, framework="actix", dead=True))
    return ApiPart(reader="actix", endpoints=endpoints, warnings=ev.warnings)


ACTIX_READER: Reader[Any, ApiPart] = Reader(name="actix", wants=_wants, parse=_parse, build=_build, version=3,
                                      suffixes=frozenset({".rs", ".toml"}))
READERS = [ACTIX_READER]

"""Go HTTP routes: Gin, Echo, chi, Fiber, ``net/http`` (Go 1.22 patterns) and gorilla/mux, in one reader.

One reader for all of them because a Go router is a value that flows between packages: ``main``
builds a Gin engine, hands ``v1.Group("/users")`` to ``users.Register(r *gin.RouterGroup)`` in another
package, which registers ``r.POST("/login", …)``. The reader interprets the module's functions
(``_go.GoFile``) from the call-graph roots (``main``, ``init`` and every function nothing calls),
following calls into the module's own packages with the router values bound to their parameters,
so every route gets the prefixes of the groups, ``Route``/``Mount`` sub-routers and ``Subrouter``s it
was registered under, and the middleware (``Use``, group and route arguments, ``With``) in effect
when it was registered; an auth-like middleware is the endpoint's ``auth``.

What is live: a router that is served (``Run``/``Start``/``Listen``/``ListenAndServe``), handed to code
outside the module or stored (``http.Server{Handler: r}``, a struct field), or mounted on a live one.
A router built and dropped, and the routes of a function nobody calls, are ``dead``. Routes inside
an ``if`` on a debug or development switch are ``dev_only``.
"""

from __future__ import annotations

import itertools
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_generated_or_fixture, is_test_path, is_vendored
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._go import (
    Expr,
    GoFile,
    GoFunc,
    Stmt,
    TypeRef,
    parse_go_file,
    parse_go_mod,
)
from phasegate.app.analyzers.api_readers._paths import (
    brace_params,
    colon_params,
    is_auth_text,
    join,
    params_of,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning

# import path prefix -> framework name
FRAMEWORK_IMPORTS = (
    ("github.com/gin-gonic/gin", "gin"), ("github.com/labstack/echo", "echo"), ("github.com/gofiber/fiber", "fiber"),
    ("github.com/go-chi/chi", "chi"), ("github.com/gorilla/mux", "gorilla/mux"), ("net/http", "net/http"),
)
ROUTER_TYPES = {
    "gin": {"Engine", "RouterGroup", "IRouter", "IRoutes"}, "echo": {"Echo", "Group"},
    "fiber": {"App", "Router", "Group"}, "chi": {"Router", "Mux"}, "gorilla/mux": {"Router"},
    "net/http": {"ServeMux"},
}
CONSTRUCTORS = {
    "gin": {"Default", "New"}, "echo": {"New"}, "fiber": {"New"}, "chi": {"NewRouter", "NewMux"},
    "gorilla/mux": {"NewRouter"}, "net/http": {"NewServeMux"},
}
VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE")
COLON_STYLE = {"gin", "echo", "fiber"}
SERVE_PREFIXES = ("Run", "Start", "Listen", "Serve")
DEV_WORDS = ("debug", "dev", "development", "local")
WRAPPERS = {"HandlerFunc", "WrapF", "WrapH", "WrapHandler", "WrapHandlerFunc", "Adaptor", "HTTPHandler",
            "HTTPHandlerFunc"}
MAX_DEPTH = 40


def _framework(import_path: str) -> str | None:
    for prefix, name in FRAMEWORK_IMPORTS:
        if import_path == prefix or import_path.startswith(prefix + "/"):
            return name
    return None


@dataclass(eq=False)
class Router:
    framework: str
    file: str
    line: int
    # (parent, prefix, parent's middleware count at the mount, wrappers around the mounted router)
    mounts: list[tuple[Router, str, int, list[str]]] = field(default_factory=list)
    mw: list[str] = field(default_factory=list)
    live: bool = False
    external: bool = False


@dataclass(eq=False)
class Route:
    router: Router
    methods: list[str]
    path: str
    file: str
    line: int
    mw_count: int
    mw: list[str]
    handler: tuple[str | None, str | None, int | None]
    dev_only: bool


@dataclass(eq=False)
class RouteBuilder:
    """gorilla/mux's ``r.HandleFunc(...).Methods(...)`` and ``r.PathPrefix(...).Subrouter()`` chains."""

    router: Router
    path: str = ""
    methods: list[str] = field(default_factory=list)
    route: Route | None = None


@dataclass(eq=False)
class Instance:
    """A value of a known struct type of the module: (package dir, type name)."""

    dir: str
    type: str


@dataclass(eq=False)
class FuncValue:
    params: list[tuple[str, TypeRef | None]]
    body: list[Stmt]
    line: int
    env: dict[str, Any]
    file: GoFile


@dataclass
class Frame:
    file: GoFile
    dir: str
    env: dict[str, Any]
    live: bool
    dev: bool = False
    returned: Any = None


class RouterCalls:
    """What the routers' own calls mean: groups, routes, mounts and handlers, per framework.

    The part of :class:`Module` that knows router APIs (the rest evaluates Go); it uses the
    module's evaluation and indexes, declared here for the type checker.
    """

    funcs: dict[tuple[str, str], list[tuple[GoFunc, GoFile]]]
    routes: list[Route]

    if TYPE_CHECKING:
        def eval(self, expr: Expr, frame: Frame) -> Any: ...
        def warn(self, frame: Frame, at: int, reason: str) -> None: ...
        def call_literal(self, fn: FuncValue, args: list[Any], frame: Frame) -> Any: ...
        def new_router(self, framework: str, gofile: GoFile, at: int, *, live: bool = False,
                       external: bool = False) -> Router: ...
        def import_dir(self, import_path: str) -> str | None: ...
        def find_method(self, base: Any, method: str, frame: Frame) -> tuple[GoFunc, GoFile] | None: ...

    # -- router methods ----------------------------------------------------------------------------
    def conv(self, router: Router, path: str) -> str:
        return colon_params(path) if router.framework in COLON_STYLE else brace_params(path)

    def child(self, parent: Router, prefix: str, frame: Frame, at: int, mw: list[str] | None = None) -> Router:
        sub = self.new_router(parent.framework, frame.file, at)
        sub.mounts.append((parent, self.conv(parent, prefix), len(parent.mw), []))
        sub.mw.extend(mw or [])
        return sub

    def mw_texts(self, exprs: list[Expr]) -> list[str]:
        return [_expr_text(e) for e in exprs]

    def add_route(self, router: Router, methods: list[str], path: str, handler_expr: Expr | None,
                  mw_exprs: list[Expr], frame: Frame, at: int) -> Route:
        route = Route(router=router, methods=methods, path=self.conv(router, path), file=frame.file.path, line=at,
                      mw_count=len(router.mw), mw=self.mw_texts(mw_exprs),
                      handler=self.describe_handler(handler_expr, frame, at), dev_only=frame.dev)
        self.routes.append(route)
        return route

    def router_call(self, router: Router, method: str, arg_exprs: list[Expr], frame: Frame, at: int) -> Any:
        fw = router.framework
        args = arg_exprs
        first = self.eval(args[0], frame) if args else None
        upper = method.upper()
        if fw != "net/http" and fw != "gorilla/mux" and upper in VERBS and method in (upper, method.capitalize()):
            if isinstance(first, str) and len(args) >= 2:
                handler, mws = self.split_handler(fw, args[1:])
                self.add_route(router, [upper], first, handler, mws, frame, at)
            else:
                self.warn(frame, at, f"{fw} route path is not a string literal")
            return None
        if method in {"Any", "All"} and isinstance(first, str) and len(args) >= 2:
            handler, mws = self.split_handler(fw, args[1:])
            self.add_route(router, ["ANY"], first, handler, mws, frame, at)
            return None
        if method in {"Handle", "HandleFunc", "Method", "MethodFunc", "Add", "Match"}:
            return self.handle(router, method, args, first, frame, at)
        if method == "Group":
            if fw == "chi":
                sub = self.child(router, "", frame, at)
                if args:
                    fn = self.eval(args[0], frame)
                    if isinstance(fn, FuncValue):
                        self.call_literal(fn, [sub], frame)
                return sub
            if isinstance(first, str):
                return self.child(router, first, frame, at, self.mw_texts(args[1:]))
            self.warn(frame, at, f"{fw} group prefix is not a string literal")
            return self.child(router, "", frame, at)
        if method == "Route" and isinstance(first, str):
            sub = self.child(router, first, frame, at)
            if len(args) > 1:
                fn = self.eval(args[1], frame)
                if isinstance(fn, FuncValue):
                    self.call_literal(fn, [sub], frame)
            return sub
        if method == "With":
            return self.child(router, "", frame, at, self.mw_texts(args))
        if method == "Mount" and isinstance(first, str) and len(args) > 1:
            self.mount(router, first, args[1], frame, at)
            return None
        if method in {"Use", "Pre"}:
            if isinstance(first, str) and len(args) > 1:
                target = self.eval(args[1], frame)
                if isinstance(target, Router):
                    self.attach(target, router, first)
                    return None
                router.mw.extend(self.mw_texts(args[1:]))
                return None
            for a in args:
                value = self.eval(a, frame)
                if isinstance(value, Router):
                    self.attach(value, router, "")
                else:
                    router.mw.append(_expr_text(a))
            return None
        if fw == "gorilla/mux":
            if method in {"PathPrefix", "Path"} and isinstance(first, str):
                return RouteBuilder(router, path=first)
            if method in {"Methods", "Host", "Schemes", "Headers", "Queries", "Name", "MatcherFunc", "NewRoute"}:
                builder = RouteBuilder(router)
                if method == "Methods":
                    builder.methods = [m.upper() for m in (self.eval(a, frame) for a in args) if isinstance(m, str)]
                return builder
        if method.startswith(SERVE_PREFIXES) or method in {"ServeHTTP", "Handler"}:
            router.live = True
        return None

    def split_handler(self, fw: str, rest: list[Expr]) -> tuple[Expr | None, list[Expr]]:
        """The handler and the route-level middleware of a verb call's arguments after the path."""
        if not rest:
            return None, []
        if fw == "echo":  # e.GET(path, handler, middleware...)
            return rest[0], rest[1:]
        if fw in {"gin", "fiber"}:  # r.GET(path, middleware..., handler)
            return rest[-1], rest[:-1]
        return rest[0], []

    def handle(self, router: Router, method: str, args: list[Expr], first: Any, frame: Frame, at: int) -> Any:
        fw = router.framework
        if method in {"Method", "MethodFunc", "Add"} or (fw == "gin" and method == "Handle"):
            if len(args) >= 3 and isinstance(first, str):
                path = self.eval(args[1], frame)
                if isinstance(path, str):
                    handler, mws = self.split_handler(fw, args[2:])
                    self.add_route(router, [first.upper()], path, handler, mws, frame, at)
                    return None
            self.warn(frame, at, f"{fw} {method}: method or path is not a string literal")
            return None
        if method == "Match" and len(args) >= 3:
            path = self.eval(args[1], frame)
            methods = [self.eval(v, frame) for _, v in args[0][2]] if args[0][0] == "comp" else []
            if isinstance(path, str) and methods and all(isinstance(m, str) for m in methods):
                handler, mws = self.split_handler(fw, args[2:])
                self.add_route(router, [m.upper() for m in methods], path, handler, mws, frame, at)
                return None
            self.warn(frame, at, "echo Match: methods or path are not literals")
            return None
        if not isinstance(first, str) or len(args) < 2:
            self.warn(frame, at, f"{fw} {method}: pattern is not a string literal")
            return RouteBuilder(router) if fw == "gorilla/mux" else None
        methods = ["ANY"]
        pattern = first
        if fw == "net/http":
            methods, pattern = _go122_pattern(first)
        wrapped, wrappers = self.unwrap_router(args[1], frame)
        if wrapped is not None:
            self.attach(wrapped, router, pattern, wrappers)
            return None
        route = self.add_route(router, methods, pattern, args[1], [], frame, at)
        if fw == "gorilla/mux":
            return RouteBuilder(router, path=first, route=route)
        return None

    def mount(self, router: Router, prefix: str, handler_expr: Expr, frame: Frame, at: int) -> None:
        wrapped, wrappers = self.unwrap_router(handler_expr, frame)
        if wrapped is not None:
            self.attach(wrapped, router, prefix, wrappers)
        else:
            self.add_route(router, ["ANY"], prefix, handler_expr, [], frame, at)

    def attach(self, sub: Router, parent: Router, prefix: str, wrappers: list[str] | None = None) -> None:
        sub.mounts.append((parent, self.conv(parent, prefix), len(parent.mw), list(wrappers or [])))

    def unwrap_router(self, expr: Expr, frame: Frame) -> tuple[Router | None, list[str]]:
        """A router handed over directly or wrapped: ``http.StripPrefix("/api", sub)``, ``auth(sub)``."""
        wrappers: list[str] = []
        for _ in range(8):
            if expr[0] != "call":
                break
            routers = [(a, v) for a in expr[2] if isinstance(v := self.eval(a, frame), Router)]
            if len(routers) != 1:
                break
            callee = _expr_text(expr[1])
            if not callee.endswith(("StripPrefix", "TimeoutHandler", "MaxBytesHandler")):
                wrappers.append(callee)
            expr = routers[0][0]
        value = self.eval(expr, frame)
        return (value, wrappers) if isinstance(value, Router) else (None, [])

    def builder_call(self, builder: RouteBuilder, method: str, arg_exprs: list[Expr], frame: Frame, at: int) -> Any:
        values = [self.eval(a, frame) for a in arg_exprs]
        if method == "Methods":
            builder.methods = [v.upper() for v in values if isinstance(v, str)]
            if builder.route is not None:
                builder.route.methods = builder.methods or ["ANY"]
            return builder
        if method in {"Path", "PathPrefix"} and values and isinstance(values[0], str):
            builder.path = join(builder.path, values[0]) if builder.path else values[0]
            return builder
        if method == "Subrouter":
            return self.child(builder.router, builder.path, frame, at)
        if method in {"Handler", "HandlerFunc"} and arg_exprs:
            wrapped, wrappers = self.unwrap_router(arg_exprs[0], frame)
            if wrapped is not None:
                self.attach(wrapped, builder.router, builder.path, wrappers)
                return builder
            builder.route = self.add_route(builder.router, builder.methods or ["ANY"], builder.path or "/",
                                           arg_exprs[0], [], frame, at)
            return builder
        return builder

    # -- handlers ----------------------------------------------------------------------------------
    def describe_handler(self, expr: Expr | None, frame: Frame, at: int) -> tuple[str | None, str | None, int | None]:
        if expr is None:
            return (None, None, None)
        kind = expr[0]
        if kind == "func":
            return ("func literal", frame.file.path, expr[3])
        if kind == "id":
            local = frame.env.get(expr[1])
            if isinstance(local, FuncValue):
                return (expr[1], local.file.path, local.line)
            candidates = self.funcs.get((frame.dir, expr[1]))
            if candidates:
                return (expr[1], candidates[0][1].path, candidates[0][0].line)
            return (expr[1], None, None)
        if kind == "sel":
            base_expr, name = expr[1], expr[2]
            if base_expr[0] == "id" and base_expr[1] not in frame.env and base_expr[1] in frame.file.imports:
                target_dir = self.import_dir(frame.file.imports[base_expr[1]])
                candidates = self.funcs.get((target_dir, name)) if target_dir is not None else None
                if candidates:
                    return (f"{base_expr[1]}.{name}", candidates[0][1].path, candidates[0][0].line)
                return (_expr_text(expr), None, None)
            base = self.eval(base_expr, frame)
            found = self.find_method(base, name, frame)
            if found is not None:
                fn, gofile = found
                return (f"{fn.recv_type}.{fn.name}", gofile.path, fn.line)
            return (_expr_text(expr), None, None)
        if kind == "call":
            callee = expr[1]
            callee_name = callee[2] if callee[0] == "sel" else callee[1] if callee[0] == "id" else ""
            if callee_name in WRAPPERS and expr[2]:
                return self.describe_handler(expr[2][0], frame, at)
            name, file, where = self.describe_handler(callee, frame, at)
            return (f"{name}()" if name else _expr_text(expr), file, where)
        return (_expr_text(expr), None, None)



class Module(RouterCalls):
    """Every parsed Go file of a repository, indexed by package directory, and the interpretation."""

    def __init__(self, files: dict[str, GoFile], mods: dict[str, str]) -> None:
        self.files = files
        self.mods = sorted(mods.items(), key=lambda kv: -len(kv[0]))  # (dir of go.mod, module path)
        self.funcs: dict[tuple[str, str], list[tuple[GoFunc, GoFile]]] = {}
        self.methods: dict[tuple[str, str, str], tuple[GoFunc, GoFile]] = {}
        self.methods_by_name: dict[str, list[tuple[str, GoFunc, GoFile]]] = {}
        self.structs: dict[tuple[str, str], tuple[dict[str, TypeRef | None], GoFile]] = {}
        for path, gofile in files.items():
            d = posixpath.dirname(path)
            for fn in gofile.funcs:
                if fn.recv_type:
                    self.methods[(d, fn.recv_type, fn.name)] = (fn, gofile)
                    self.methods_by_name.setdefault(fn.name, []).append((d, fn, gofile))
                else:
                    self.funcs.setdefault((d, fn.name), []).append((fn, gofile))
            for name, fields in gofile.structs.items():
                self.structs[(d, name)] = (fields, gofile)
        self.routes: list[Route] = []
        self.routers: list[Router] = []
        self.field_routers: dict[tuple[str, str, str], Router] = {}
        self.default_mux: Router | None = None
        self.interpreted: set[int] = set()
        self.memo: dict[tuple[int, tuple[int, ...]], Any] = {}
        self.stack: list[int] = []
        self.warnings: list[SourceWarning] = []

    # -- names -------------------------------------------------------------------------------------
    def import_dir(self, import_path: str) -> str | None:
        for mod_dir, mod_path in self.mods:
            if import_path == mod_path or import_path.startswith(mod_path + "/"):
                rest = import_path[len(mod_path):].strip("/")
                return posixpath.join(mod_dir, rest) if mod_dir else rest
        return None

    def resolve_type(self, ref: TypeRef | None, gofile: GoFile, d: str) -> tuple[str, str, str] | None:
        """("fw", framework, type) for a router type, ("mod", dir, type) for a module type, else None."""
        if ref is None:
            return None
        alias, name = ref
        if not alias:
            return ("mod", d, name) if (d, name) in self.structs else None
        import_path = gofile.imports.get(alias)
        if import_path is None:
            return None
        fw = _framework(import_path)
        if fw is not None:
            if name in ROUTER_TYPES[fw] and (fw != "net/http" or import_path == "net/http"):
                return ("fw", fw, name)
            return None
        target = self.import_dir(import_path)
        if target is not None and (target, name) in self.structs:
            return ("mod", target, name)
        return None

    def new_router(self, framework: str, gofile: GoFile, at: int, *, live: bool = False,
                   external: bool = False) -> Router:
        router = Router(framework=framework, file=gofile.path, line=at, live=live, external=external)
        self.routers.append(router)
        return router

    # -- interpretation ----------------------------------------------------------------------------
    def call_func(self, fn: GoFunc, gofile: GoFile, args: list[Any], receiver: Any, live: bool, at: int) -> Any:
        key = (id(fn), tuple(id(a) if isinstance(a, (Router, RouteBuilder)) else 0 for a in args))
        if key in self.memo:
            return self.memo[key]
        if id(fn) in self.stack or len(self.stack) >= MAX_DEPTH:
            return None
        d = posixpath.dirname(gofile.path)
        env: dict[str, Any] = {}
        for i, (name, ref) in enumerate(fn.params):
            value = args[i] if i < len(args) else None
            typ = self.resolve_type(ref, gofile, d)
            if value is None and typ is not None:
                if typ[0] == "fw":
                    value = self.new_router(typ[1], gofile, fn.line, live=live, external=True)
                else:
                    value = Instance(typ[1], typ[2])
            env[name] = value
        if fn.recv_name:
            env[fn.recv_name] = receiver if receiver is not None else Instance(d, fn.recv_type or "")
        self.stack.append(id(fn))
        self.interpreted.add(id(fn))
        frame = Frame(file=gofile, dir=d, env=env, live=live)
        try:
            self.run(fn.body, frame)
        finally:
            self.stack.pop()
        result = frame.returned
        if result is None and fn.results:
            typ = self.resolve_type(fn.results[0], gofile, d)
            if typ is not None and typ[0] == "mod":
                result = Instance(typ[1], typ[2])
        self.memo[key] = result
        return result

    def run(self, body: list[Stmt], frame: Frame) -> None:
        for stmt in body:
            kind = stmt[0]
            if kind == "expr":
                self.eval(stmt[1], frame)
            elif kind == "assign":
                self.assign(stmt[1], stmt[2], frame)
            elif kind == "return":
                values = [self.eval(e, frame) for e in stmt[1]]
                if values and values[0] is not None and frame.returned is None:
                    frame.returned = values[0]
            elif kind == "block":
                cond = stmt[1]
                saved = frame.dev
                if cond and any(w in cond.lower() for w in DEV_WORDS) and not cond.startswith("!("):
                    frame.dev = True
                self.run(stmt[2], frame)
                frame.dev = saved

    def assign(self, lhs: list[Expr], rhs: list[Expr], frame: Frame) -> None:
        values = [self.eval(e, frame) for e in rhs]
        if len(rhs) == 1 and len(lhs) > 1:
            values = values + [None] * (len(lhs) - 1)
        for target, value in zip(lhs, values, strict=False):
            if target[0] == "id":
                if target[1] != "_":
                    frame.env[target[1]] = value
            elif target[0] == "sel":
                base = self.eval(target[1], frame)
                if isinstance(value, Router):
                    value.live = True  # stored in a struct: served from elsewhere
                    if isinstance(base, Instance):
                        key = (base.dir, base.type, target[2])
                        lazy = self.field_routers.get(key)
                        if lazy is not None and lazy is not value:
                            lazy.mounts.append((value, "", len(value.mw), []))
                        self.field_routers[key] = value

    def eval(self, expr: Expr, frame: Frame) -> Any:
        kind = expr[0]
        if kind == "id":
            name = expr[1]
            if name in frame.env:
                return frame.env[name]
            return None
        if kind == "str":
            return expr[1]
        if kind == "ref":
            return self.eval(expr[1], frame)
        if kind == "func":
            return FuncValue(expr[1], expr[2], expr[3], frame.env, frame.file)
        if kind == "comp":
            for _, value_expr in expr[2]:
                value = self.eval(value_expr, frame)
                if isinstance(value, Router):
                    value.live = True  # http.Server{Handler: r} and the like
            typ = self.resolve_type(expr[1], frame.file, frame.dir)
            return Instance(typ[1], typ[2]) if typ is not None and typ[0] == "mod" else None
        if kind == "sel":
            base = self.eval(expr[1], frame)
            if isinstance(base, Instance):
                return self.field_value(base, expr[2], frame)
            return None
        if kind == "call":
            return self.call(expr, frame)
        return None

    def field_value(self, base: Instance, name: str, frame: Frame) -> Any:
        entry = self.structs.get((base.dir, base.type))
        if entry is None:
            return None
        fields, gofile = entry
        typ = self.resolve_type(fields.get(name), gofile, base.dir)
        if typ is None:
            return None
        if typ[0] == "fw":
            key = (base.dir, base.type, name)
            if key not in self.field_routers:
                self.field_routers[key] = self.new_router(typ[1], gofile, 1, live=True, external=True)
            return self.field_routers[key]
        return Instance(typ[1], typ[2])

    def call(self, expr: Expr, frame: Frame) -> Any:
        _, fn_expr, arg_exprs, at, _ = expr
        if fn_expr[0] == "sel":
            base_expr, method = fn_expr[1], fn_expr[2]
            if base_expr[0] == "id" and base_expr[1] not in frame.env and base_expr[1] in frame.file.imports:
                return self.package_call(frame.file.imports[base_expr[1]], method, arg_exprs, frame, at)
            base = self.eval(base_expr, frame)
            if isinstance(base, Router):
                return self.router_call(base, method, arg_exprs, frame, at)
            if isinstance(base, RouteBuilder):
                return self.builder_call(base, method, arg_exprs, frame, at)
            target = self.find_method(base, method, frame)
            if target is not None:
                args = [self.eval(a, frame) for a in arg_exprs]
                return self.call_func(target[0], target[1], args, base, frame.live, at)
            self.escape(arg_exprs, frame)
            return None
        if fn_expr[0] == "id":
            name = fn_expr[1]
            local = frame.env.get(name)
            if isinstance(local, FuncValue):
                return self.call_literal(local, [self.eval(a, frame) for a in arg_exprs], frame)
            candidates = self.funcs.get((frame.dir, name))
            if candidates:
                fn, gofile = candidates[0]
                args = [self.eval(a, frame) for a in arg_exprs]
                return self.call_func(fn, gofile, args, None, frame.live, at)
            self.escape(arg_exprs, frame)
            return None
        if fn_expr[0] == "func":  # an immediately called literal
            value = self.eval(fn_expr, frame)
            return self.call_literal(value, [self.eval(a, frame) for a in arg_exprs], frame)
        self.escape(arg_exprs, frame)
        return None

    def call_literal(self, fn: FuncValue, args: list[Any], frame: Frame) -> Any:
        env = dict(fn.env)
        for i, (name, _) in enumerate(fn.params):
            env[name] = args[i] if i < len(args) else None
        inner = Frame(file=fn.file, dir=posixpath.dirname(fn.file.path), env=env, live=frame.live, dev=frame.dev)
        self.run(fn.body, inner)
        return inner.returned

    def escape(self, arg_exprs: list[Expr], frame: Frame) -> None:
        for a in arg_exprs:
            value = self.eval(a, frame)
            if isinstance(value, Router):
                value.live = True

    def find_method(self, base: Any, method: str, frame: Frame) -> tuple[GoFunc, GoFile] | None:
        if isinstance(base, Instance):
            found = self.methods.get((base.dir, base.type, method))
            if found is not None:
                return found
        candidates = self.methods_by_name.get(method, [])
        if isinstance(base, Instance) or base is None:
            same_dir = [c for c in candidates if c[0] == frame.dir]
            if len(same_dir) == 1:
                return same_dir[0][1], same_dir[0][2]
            if len(candidates) == 1:
                return candidates[0][1], candidates[0][2]
        return None

    def package_call(self, import_path: str, name: str, arg_exprs: list[Expr], frame: Frame, at: int) -> Any:
        fw = _framework(import_path)
        if fw is not None and (fw != "net/http" or import_path == "net/http"):
            if name in CONSTRUCTORS[fw]:
                return self.new_router(fw, frame.file, at)
            if fw == "net/http":
                if name in {"Handle", "HandleFunc"}:
                    if self.default_mux is None:
                        self.default_mux = self.new_router("net/http", frame.file, at, live=True)
                    return self.router_call(self.default_mux, name, arg_exprs, frame, at)
                if name in {"StripPrefix", "TimeoutHandler", "MaxBytesHandler"} and len(arg_exprs) > 1:
                    return self.eval(arg_exprs[1] if name == "StripPrefix" else arg_exprs[0], frame)
            self.escape(arg_exprs, frame)
            return None
        target_dir = self.import_dir(import_path)
        if target_dir is not None:
            candidates = self.funcs.get((target_dir, name))
            if candidates:
                fn, gofile = candidates[0]
                args = [self.eval(a, frame) for a in arg_exprs]
                return self.call_func(fn, gofile, args, None, frame.live, at)
        self.escape(arg_exprs, frame)
        return None

    def warn(self, frame: Frame, at: int, reason: str) -> None:
        self.warnings.append(SourceWarning(path=frame.file.path, line=at, reason=reason))

    # -- the whole module --------------------------------------------------------------------------
    def interpret(self) -> None:
        referenced: set[str] = set()
        for gofile in self.files.values():
            referenced |= gofile.refs
        ordered = sorted(self.files.values(), key=lambda f: f.path)
        entries = [(fn, f) for f in ordered for fn in f.funcs if fn.name in {"main", "init"} and not fn.recv_type]
        for fn, gofile in entries:
            self.call_func(fn, gofile, [], None, True, fn.line)
        # Functions nothing in the module calls: their routers are dead unless served themselves.
        for gofile in ordered:
            for fn in gofile.funcs:
                if fn.name not in referenced and id(fn) not in self.interpreted and fn.name not in {"main", "init"}:
                    self.call_func(fn, gofile, [], None, False, fn.line)
        # Called, but from somewhere the walk could not follow (an interface, a func value in a table).
        for gofile in ordered:
            for fn in gofile.funcs:
                if id(fn) in self.interpreted:
                    continue
                before = len(self.routes)
                self.call_func(fn, gofile, [], None, True, fn.line)
                if len(self.routes) > before:
                    self.warnings.append(SourceWarning(
                        path=gofile.path, line=fn.line,
                        reason=f"{fn.name} registers routes but its callers could not be followed: "
                               "the prefixes it is mounted under are not included"))

    def endpoints(self) -> list[ApiEndpoint]:
        out: list[ApiEndpoint] = []
        for route in self.routes:
            for prefix, mws, live in self.chains(route.router, route.mw_count, 0):
                path = join(prefix, route.path)
                auth = [m for m in mws + route.mw if is_auth_text(m)]
                for method in route.methods:
                    name, hfile, hline = route.handler
                    out.append(ApiEndpoint(
                        method=method, path=path, params=params_of(path), file=route.file, line=route.line,
                        handler=name, handler_file=hfile, handler_line=hline, framework=route.router.framework,
                        auth=", ".join(dict.fromkeys(auth)) or None, dead=not live, dev_only=route.dev_only))
        return out

    def chains(self, router: Router, mw_count: int, depth: int) -> list[tuple[str, list[str], bool]]:
        """Every (prefix, middleware in effect, live) under which ``router``'s routes are reached."""
        own = router.mw[:mw_count]
        if depth > MAX_DEPTH:
            return [("", own, router.live)]
        if not router.mounts:
            return [("", own, router.live)]
        out = []
        for parent, prefix, count, wrappers in router.mounts:
            for p_prefix, p_mws, p_live in self.chains(parent, count, depth + 1):
                out.append((join(p_prefix, prefix), p_mws + wrappers + own, p_live or router.live))
        return out


def _go122_pattern(pattern: str) -> tuple[list[str], str]:
    """``"GET example.com/items/{id}"`` -> (["GET"], "/items/{id}"); no method is ANY."""
    methods = ["ANY"]
    rest = pattern.strip()
    head, sep, tail = rest.partition(" ")
    if sep and "/" not in head:
        methods = [head.upper()]
        rest = tail.strip()
    slash = rest.find("/")
    return methods, rest[slash:] if slash >= 0 else "/"


def _expr_text(expr: Expr) -> str:
    kind = expr[0]
    if kind == "id":
        return str(expr[1])
    if kind == "sel":
        return f"{_expr_text(expr[1])}.{expr[2]}"
    if kind == "call":
        return str(expr[4])
    if kind == "str":
        return repr(expr[1])
    if kind == "func":
        return "func literal"
    if kind == "ref":
        return "&" + _expr_text(expr[1])
    return str(expr[1]) if len(expr) > 1 else kind


# -- the reader ------------------------------------------------------------------------------------

def _wants(path: str) -> bool:
    if path.endswith("go.mod"):
        return path == "go.mod" or path.endswith("/go.mod")
    return (path.endswith(".go") and not path.endswith("_test.go") and not is_vendored(path)
            and not is_generated_or_fixture(path) and not is_test_path(path))


# An import of a router package (its path opens a string) or a main package: what a parsed file holds
_KEYWORDS = (*(f'"{prefix}' for prefix, _ in FRAMEWORK_IMPORTS), "package main")


def _is_go_mod(path: str) -> bool:
    return path.endswith("go.mod")


def _parse(path: str, source: str) -> Any:
    if _is_go_mod(path):
        module = parse_go_mod(source)
        return ("mod", module) if module else None
    if "func " not in source:
        return None  # no function, no route registration: keep the cache small
    # Only files that import a router package (route registrations, handlers, functions typed with a
    # router) or are a main package (where servers start) are parsed: most Go files of a large
    # repository are neither, and the tree-sitter parse is the cost of this reader.
    if not any(word in source for word in _KEYWORDS):
        return None
    return ("go", parse_go_file(path, source))


def _build(parsed: dict[str, Any]) -> ApiPart:
    files: dict[str, GoFile] = {}
    mods: dict[str, str] = {}
    warnings: list[SourceWarning] = []
    for path, (kind, value) in parsed.items():
        if kind == "mod":
            mods[posixpath.dirname(path)] = value
        else:
            files[path] = value
    if not files:
        return ApiPart(reader="go")
    module = Module(files, mods)
    module.interpret()
    endpoints = module.endpoints()
    touched = {e.file for e in endpoints}
    for path in sorted(touched):
        for at in files[path].errors[:1]:
            warnings.append(SourceWarning(path=path, line=at, reason="go: syntax error, some routes may be missing"))
    endpoints.sort(key=lambda e: (e.file, e.line, e.method, e.path))
    unique = [next(group) for _, group in itertools.groupby(
        endpoints, key=lambda e: (e.file, e.line, e.method, e.path, e.dead))]
    return ApiPart(reader="go", endpoints=unique, warnings=warnings + module.warnings)


GO_READER: Reader[Any, ApiPart] = Reader(name="go", wants=_wants, parse=_parse, build=_build, version=2,
                                   suffixes=frozenset({".go", ".mod"}), keywords=_KEYWORDS,
                                   keywordless=_is_go_mod)
READERS = [GO_READER]

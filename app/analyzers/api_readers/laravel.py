"""Laravel endpoints from ``routes/*.php`` (tree-sitter), with the prefix the application loads them under.

A route file's own prefix, middleware and controller namespace come from where it is loaded: the
``RouteServiceProvider`` chain ``Route::prefix('api')->middleware('api')->namespace(...)->group(
base_path('routes/api.php'))`` (Laravel ≤ 10) or ``bootstrap/app.php``'s ``withRouting(api: …,
apiPrefix: 'api/v1')`` (Laravel 11); when neither names ``routes/api.php`` the framework default
applies (``/api`` for ``api.php``, none for ``web.php``). Other route files are live when a loaded one
``require``s them or a provider ``group``s them, and ``dead`` otherwise.

Inside a file: ``Route::get|post|put|patch|delete|options|any|match``, ``resource``/``apiResource``
(+ ``resources``/``apiResources``, ``only``/``except`` as options or chained, ``photos.comments``
nesting), groups by ``Route::prefix()->middleware()->namespace()->controller()->group(fn)`` chains and
``Route::group([...], fn)``, route-level ``->middleware()``. Handlers ``[UserController::class, 'show']``,
``'UserController@show'``, ``UserController::class`` (invokable) are resolved to the controller file
(PSR-4 from composer.json, ``App\\`` → ``app/`` by default). An auth-like middleware in effect
(``auth:api``, ``auth:sanctum``, ``jwt.auth``, ``can:…``) or the controller constructor's
``$this->middleware('auth')->except([...])`` is the ``auth``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_vendored
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import brace_params, is_auth_text, join, params_of, singular
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.treesitter import line, parse, text

if TYPE_CHECKING:
    from tree_sitter import Node

VERBS = {"get", "post", "put", "patch", "delete", "options"}
RESOURCE_ACTIONS = [("index", "GET", ""), ("create", "GET", "create"), ("store", "POST", ""),
                    ("show", "GET", "{p}"), ("edit", "GET", "{p}/edit"), ("update", "PUT", "{p}"),
                    ("update", "PATCH", "{p}"), ("destroy", "DELETE", "{p}")]
GROUP_ATTRS = {"prefix", "middleware", "namespace", "controller", "name", "as", "domain", "where", "scopeBindings",
               "withoutMiddleware", "whereNumber", "whereAlpha", "whereUuid"}
SKIP_FILES = {"routes/console.php", "routes/channels.php"}


@dataclass
class Ctx:
    prefix: str = ""
    middleware: list[str] = field(default_factory=list)
    namespace: str = ""
    controller: str | None = None
    file: str = ""
    uses: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    method: str
    path: str
    controller: str | None  # fully qualified class name
    action: str | None
    middleware: list[str]
    file: str
    line: int
    handler: str | None = None


def _value(node: Node | None, ctx: Ctx) -> Any:
    if node is None:
        return None
    kind = node.type
    if kind == "argument":
        return _value(node.named_children[-1] if node.named_children else None, ctx)
    if kind in {"string", "encapsed_string"}:
        if any(c.type not in {"string_content", "string_value", "escape_sequence"} for c in node.named_children):
            return None
        return "".join(text(c) for c in node.named_children)
    if kind == "array_creation_expression":
        items: list[Any] = []
        keyed: dict[Any, Any] = {}
        for element in node.named_children:
            parts = element.named_children
            if len(parts) == 2:
                keyed[_value(parts[0], ctx)] = _value(parts[1], ctx)
            elif parts:
                items.append(_value(parts[0], ctx))
        return keyed if keyed and not items else items if not keyed else {**dict(enumerate(items)), **keyed}
    if kind == "class_constant_access_expression":
        parts = node.named_children
        if len(parts) == 2 and text(parts[1]) == "class":
            return ("class", _qualify(text(parts[0]), ctx))
        return None
    if kind == "binary_expression" and len(node.named_children) == 2:
        left, right = (_value(c, ctx) for c in node.named_children)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return ("concat", left, right)
    if kind in {"anonymous_function", "arrow_function", "anonymous_function_creation_expression"}:
        return ("closure", node)
    if kind == "function_call_expression":
        fn = text(node.child_by_field_name("function"))
        args = node.child_by_field_name("arguments")
        values = [_value(a, ctx) for a in (args.named_children if args is not None else [])]
        if fn in {"base_path", "app_path"} and values and isinstance(values[0], str):
            return ("file", values[0].lstrip("/"))
        return None
    if kind == "name":
        return ("const", text(node))
    return None


def _qualify(name: str, ctx: Ctx) -> str:
    name = name.lstrip("\\")
    head = name.split("\\", 1)[0]
    if head in ctx.uses:
        return ctx.uses[head] + name[len(head):]
    if ctx.namespace and not name.startswith("App\\"):
        return f"{ctx.namespace.strip(chr(92))}\\{name}"
    return name


def _chain(node: Node) -> list[tuple[str, list[Node], int]] | None:
    """``Route::a(x)->b(y)->c(z)`` as [("a", args, line), ("b", …), ("c", …)], or None if not from Route."""
    out: list[tuple[str, list[Node], int]] = []
    current: Node | None = node
    while current is not None:
        args_node = current.child_by_field_name("arguments")
        args = [a for a in (args_node.named_children if args_node is not None else []) if a.type == "argument"]
        if current.type == "member_call_expression":
            out.append((text(current.child_by_field_name("name")), args, line(current)))
            current = current.child_by_field_name("object")
        elif current.type == "scoped_call_expression":
            if text(current.child_by_field_name("scope")).lstrip("\\").rsplit("\\", 1)[-1] != "Route":
                return None
            out.append((text(current.child_by_field_name("name")), args, line(current)))
            break
        else:
            return None
    out.reverse()
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    return []


class Walker:
    def __init__(self, files: dict[str, Any]) -> None:
        self.files = files
        self.routes: list[Route] = []
        self.includes: list[tuple[str, Ctx]] = []
        self.dynamic: list[tuple[str, int]] = []  # group(<a file name computed at run time>)
        self.warnings: list[SourceWarning] = []
        self.depth = 0

    def walk(self, node: Node | None, ctx: Ctx) -> None:
        if node is None or self.depth > 40:
            return
        self.depth += 1
        for child in node.named_children:
            if child.type == "expression_statement" and child.named_children:
                self.expr(child.named_children[0], ctx)
            elif child.type in {"compound_statement", "if_statement", "else_clause", "else_if_clause",
                                "foreach_statement", "for_statement", "while_statement"}:
                # a loop's routes are read once each: a URI built from the loop variable is a warning
                self.walk(child, ctx)
            elif child.type == "return_statement" and child.named_children:
                self.expr(child.named_children[0], ctx)
        self.depth -= 1

    def expr(self, node: Node, ctx: Ctx) -> None:
        if node.type in {"require_expression", "require_once_expression", "include_expression",
                         "include_once_expression"}:
            target = _value(node.named_children[0] if node.named_children else None, ctx)
            path = None
            if isinstance(target, tuple) and target[0] == "concat" and isinstance(target[2], str):
                path = target[2]
            elif isinstance(target, tuple) and target[0] == "file":
                path = target[1]
            elif isinstance(target, str):
                path = target
            if path:
                base = ctx.file.rsplit("/", 1)[0]
                resolved = _normpath(join(base, path).lstrip("/")) if not path.startswith("routes/") else path
                self.includes.append((resolved, ctx))
            return
        chain = _chain(node)
        if chain is None:
            return
        self.chain(chain, ctx)

    def chain(self, chain: list[tuple[str, list[Node], int]], ctx: Ctx) -> None:
        attrs = replace(ctx, middleware=list(ctx.middleware))
        for i, (name, args, at) in enumerate(chain):
            values = [_value(a, ctx) for a in args]
            if name in GROUP_ATTRS and i < len(chain) - 1 or (name in GROUP_ATTRS and name != "group"):
                self.attr(attrs, name, values)
                if i == len(chain) - 1:
                    return
                continue
            if name == "group":
                closure = next((v for v in values if isinstance(v, tuple) and v[0] in {"closure", "file"}), None)
                options = next((v for v in values if isinstance(v, dict)), None)
                if options:
                    for key in ("prefix", "middleware", "namespace", "controller", "as"):
                        if key in options:
                            self.attr(attrs, key, [options[key]])
                if closure is None:
                    target = next((v for v in values if isinstance(v, str) and v.endswith(".php")), None)
                    if target:
                        self.includes.append((target.lstrip("/"), attrs))
                    elif any(v is None or (isinstance(v, tuple) and v[0] == "concat") for v in values):
                        self.dynamic.append((ctx.file, at))
                    return
                if closure[0] == "file":
                    self.includes.append((closure[1], attrs))
                    return
                body = closure[1].child_by_field_name("body")
                if body is not None and body.type == "compound_statement":
                    self.walk(body, attrs)
                elif body is not None:
                    self.expr(body, attrs)
                return
            self.define(name, values, chain[i + 1 :], attrs, at)
            return

    def attr(self, attrs: Ctx, name: str, values: list[Any]) -> None:
        first = values[0] if values else None
        if name == "prefix" and isinstance(first, str):
            attrs.prefix = join(attrs.prefix, first)
        elif name == "middleware":
            for v in values:
                attrs.middleware.extend(_strings(v) or ([v[1].rsplit("\\", 1)[-1]] if isinstance(v, tuple) and
                                                        v[0] == "class" else []))
        elif name == "namespace" and isinstance(first, str):
            attrs.namespace = first if first.startswith("App\\") or not attrs.namespace else \
                f"{attrs.namespace}\\{first}"
        elif name == "controller" and isinstance(first, tuple) and first[0] == "class":
            attrs.controller = first[1]
        elif name == "controller" and isinstance(first, str):
            attrs.controller = _qualify(first, attrs)

    def handler(self, value: Any, ctx: Ctx) -> tuple[str | None, str | None]:
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], tuple) and value[0][0] == "class":
            return value[0][1], str(value[1])
        if isinstance(value, tuple) and value[0] == "class":
            return value[1], "__invoke"
        if isinstance(value, str) and "@" in value:
            cls, _, action = value.partition("@")
            return _qualify(cls, ctx), action
        if isinstance(value, str) and ctx.controller:
            return ctx.controller, value
        if isinstance(value, dict) and "uses" in value:
            return self.handler(value["uses"], ctx)
        return None, None

    def define(self, name: str, values: list[Any], rest: list[tuple[str, list[Node], int]], ctx: Ctx, at: int) -> None:
        route_mw: list[str] = []
        only: list[str] | None = None
        exc: list[str] | None = None
        for follow, args, _ in rest:
            vals = [_value(a, ctx) for a in args]
            if follow == "middleware":
                for v in vals:
                    route_mw.extend(_strings(v))
            elif follow == "only":
                only = [s for v in vals for s in _strings(v)]
            elif follow == "except":
                exc = [s for v in vals for s in _strings(v)]
        mw = ctx.middleware + route_mw
        if name in VERBS or name in {"any", "match"}:
            if name == "match":
                methods = [m.upper() for m in _strings(values[0])] if values else []
                values = values[1:]
            else:
                methods = ["ANY" if name == "any" else name.upper()]
            if not values or not isinstance(values[0], str):
                self.warnings.append(SourceWarning(path=ctx.file, line=at, reason="laravel: route uri is not a literal"))
                return
            controller, action = self.handler(values[1] if len(values) > 1 else None, ctx)
            handler = None if controller else ("closure" if len(values) > 1 and isinstance(values[1], tuple)
                                               and values[1][0] == "closure" else None)
            for method in methods:
                self.routes.append(Route(method, join(ctx.prefix, brace_params(values[0])), controller, action, mw,
                                         ctx.file, at, handler))
            return
        if name in {"view", "redirect", "permanentRedirect"} and values and isinstance(values[0], str):
            self.routes.append(Route("GET" if name == "view" else "ANY", join(ctx.prefix, brace_params(values[0])),
                                     None, None, mw, ctx.file, at, f"Route::{name}"))
            return
        if name in {"resource", "apiResource"}:
            if len(values) < 2 or not isinstance(values[0], str):
                self.warnings.append(SourceWarning(path=ctx.file, line=at, reason="laravel: resource name is not a literal"))
                return
            options = values[2] if len(values) > 2 and isinstance(values[2], dict) else {}
            only = only or (_strings(options.get("only")) if "only" in options else None)
            exc = exc or (_strings(options.get("except")) if "except" in options else None)
            self.resource(values[0], values[1], name == "apiResource", only, exc, options, mw, ctx, at)
            return
        if name in {"resources", "apiResources"} and values and isinstance(values[0], dict):
            for res, ctrl in values[0].items():
                if isinstance(res, str):
                    self.resource(res, ctrl, name == "apiResources", only, exc, {}, mw, ctx, at)
            return

    def resource(self, res: str, ctrl_value: Any, api: bool, only: list[str] | None, exc: list[str] | None,
                 options: dict[Any, Any], mw: list[str], ctx: Ctx, at: int) -> None:
        controller, _ = self.handler([ctrl_value, "x"] if isinstance(ctrl_value, tuple) else
                                     f"{ctrl_value}@x" if isinstance(ctrl_value, str) else None, ctx)
        parts = res.strip("/").split(".")
        base = ""
        for parent in parts[:-1]:
            base = join(base, parent, "{" + singular(parent.rsplit("/", 1)[-1]).replace("-", "_") + "}")
        base = join(base, parts[-1])
        last = parts[-1].rsplit("/", 1)[-1]
        params: dict[Any, Any] = options["parameters"] if isinstance(options.get("parameters"), dict) else {}
        param = str(params.get(last, singular(last).replace("-", "_")))
        for action, method, suffix in RESOURCE_ACTIONS:
            if api and action in {"create", "edit"}:
                continue
            if only is not None and action not in only:
                continue
            if exc is not None and action in exc:
                continue
            path = join(ctx.prefix, brace_params(base), suffix.replace("{p}", "{" + param + "}"))
            self.routes.append(Route(method, path, controller, action, mw, ctx.file, at))


def _normpath(path: str) -> str:
    out: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return "/".join(out)


def _uses(root: Node) -> dict[str, str]:
    uses: dict[str, str] = {}
    for node in root.named_children:
        if node.type != "namespace_use_declaration":
            continue
        for clause in node.named_children:
            if clause.type != "namespace_use_clause":
                continue
            parts = [c for c in clause.named_children]
            name = text(parts[0]) if parts else ""
            alias = text(parts[-1]) if len(parts) > 1 and parts[-1].type == "name" else name.rsplit("\\", 1)[-1]
            uses[alias] = name.lstrip("\\")
    return uses


def _controller_facts(root: Node) -> tuple[str | None, dict[str, int], list[tuple[str, str, list[str]]]]:
    namespace = None
    methods: dict[str, int] = {}
    middleware: list[tuple[str, str, list[str]]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "namespace_definition":
            namespace = text(node.child_by_field_name("name"))
        if node.type == "method_declaration":
            name = text(node.child_by_field_name("name"))
            methods[name] = line(node)
            if name == "__construct":
                for call in _descend(node, {"member_call_expression"}):
                    outer = call.parent
                    inner_object = outer.child_by_field_name("object") if outer is not None else None
                    if outer is not None and outer.type == "member_call_expression" and \
                            inner_object is not None and inner_object.id == call.id:
                        continue  # the inner link of a longer chain: read with the whole chain
                    chain_names = []
                    current: Node | None = call
                    links: list[tuple[str, list[Any]]] = []
                    while current is not None and current.type == "member_call_expression":
                        args = current.child_by_field_name("arguments")
                        links.append((text(current.child_by_field_name("name")),
                                      [_value(a, Ctx()) for a in (args.named_children if args else [])]))
                        current = current.child_by_field_name("object")
                    chain_names = [n for n, _ in reversed(links)]
                    if current is None or text(current) != "$this" or not chain_names or chain_names[0] != "middleware":
                        continue
                    first = list(reversed(links))
                    names = [s for v in first[0][1] for s in _strings(v)]
                    scope, listed = "all", []
                    for link, vals in first[1:]:
                        if link in {"only", "except"}:
                            scope, listed = link, [s for v in vals for s in _strings(v)]
                    for n in names:
                        middleware.append((n, scope, listed))
            continue
        stack.extend(node.named_children)
    return namespace, methods, middleware


def _descend(node: Node, kinds: set[str]) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in kinds:
            out.append(current)
        stack.extend(current.named_children)
    return out


def _wants(path: str) -> bool:
    if not path.endswith((".php", "composer.json")) or is_vendored(path):
        return False
    if path == "composer.json" or path in {"app/Providers/RouteServiceProvider.php", "bootstrap/app.php"}:
        return True
    if path.startswith("routes/") and path.endswith(".php"):
        return path not in SKIP_FILES
    return path.startswith("app/") and path.endswith("Controller.php")


def _parse(path: str, source: str) -> Any:
    if path == "composer.json":
        try:
            data = json.loads(source)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid composer.json: {exc}") from exc
        psr4 = ((data.get("autoload") or {}).get("psr-4") or {}) if isinstance(data, dict) else {}
        return ("composer", {str(k): str(v if isinstance(v, str) else v[0]) for k, v in psr4.items() if v})
    if "<?php" not in source:
        return None
    tree = parse("php", source)
    root = tree.root_node
    if path.startswith("app/") and path.endswith("Controller.php") and path != "app/Providers/RouteServiceProvider.php":
        namespace, methods, middleware = _controller_facts(root)
        name = path.rsplit("/", 1)[-1].removesuffix(".php")
        return ("controller", (f"{namespace}\\{name}" if namespace else name, methods, middleware))
    return ("php", tree, _uses(root), root.has_error)


def _provider_contexts(parsed: dict[str, Any]) -> tuple[dict[str, Ctx], list[tuple[str, int]], list[Route]]:
    """The context each route file is loaded in, as the provider or bootstrap file states it; where a file
    is loaded under a name computed at run time; the framework's own routes (``withRouting(health:)``)."""
    found: dict[str, Ctx] = {}
    dynamic: list[tuple[str, int]] = []
    framework_routes: list[Route] = []
    provider = parsed.get("app/Providers/RouteServiceProvider.php")
    boot = parsed.get("bootstrap/app.php")
    namespace_default = ""
    if provider is not None:
        for prop in _descend(provider[1].root_node, {"property_declaration"}):
            if "$namespace" in text(prop):
                strings = _descend(prop, {"string", "encapsed_string"})
                if strings:
                    namespace_default = str(_value(strings[0], Ctx()) or "")
    for path, entry in (("app/Providers/RouteServiceProvider.php", provider), ("bootstrap/app.php", boot)):
        if entry is None:
            continue
        walker = Walker({})
        base = Ctx(file=path, uses=entry[2])
        for call in _descend(entry[1].root_node, {"member_call_expression", "scoped_call_expression"}):
            chain = _chain(call)
            if chain is None or chain[-1][0] != "group" or call.parent is None or \
                    call.parent.type == "member_call_expression":
                continue
            walker.chain(chain, base)
            for target, ctx in walker.includes:
                # ``->namespace($this->namespace)``: the provider's default controller namespace
                if any(name == "namespace" for name, _, _ in chain) and not ctx.namespace:
                    ctx.namespace = namespace_default
                found[target] = ctx
            walker.includes.clear()
        dynamic.extend(walker.dynamic)
    if boot is not None:
        for call in _descend(boot[1].root_node, {"member_call_expression"}):
            if text(call.child_by_field_name("name")) != "withRouting":
                continue
            arg_list = call.child_by_field_name("arguments")
            named: dict[str, Any] = {}
            for arg in arg_list.named_children if arg_list is not None else []:
                label = next((c for c in arg.named_children if c.type == "name"), None)
                value = _value(arg.named_children[-1], Ctx()) if arg.named_children else None
                if label is not None:
                    named[text(label)] = value
            api_prefix = named.get("apiPrefix", "api")
            for key, prefix in (("api", api_prefix if isinstance(api_prefix, str) else "api"), ("web", "")):
                routed = named.get(key)
                if isinstance(routed, tuple) and routed[0] == "concat" and isinstance(routed[2], str):
                    found[_normpath("bootstrap/" + routed[2].lstrip("/"))] = Ctx(
                        prefix=join(prefix) if prefix else "", middleware=[key])
            if isinstance(named.get("health"), str):
                framework_routes.append(Route("GET", join(named["health"]), None, None, [], "bootstrap/app.php",
                                              line(call), "Laravel health route"))
    for default, prefix in (("routes/api.php", "api"), ("routes/web.php", "")):
        if default not in found and provider is None and boot is None:
            found[default] = Ctx(prefix=join(prefix) if prefix else "", middleware=[default[7:-4]],
                                 namespace=namespace_default)
    return found, dynamic, framework_routes


def _build(parsed: dict[str, Any]) -> ApiPart:
    route_files = {p: v for p, v in parsed.items() if p.startswith("routes/") and v[0] == "php"}
    if not route_files:
        return ApiPart(reader="laravel")
    psr4 = next((v[1] for p, v in parsed.items() if v[0] == "composer"), None) or {"App\\": "app/"}
    controllers = {v[1][0]: (p, v[1][1], v[1][2]) for p, v in parsed.items() if v[0] == "controller"}
    warnings: list[SourceWarning] = []
    contexts, dynamic, framework_routes = _provider_contexts(parsed)
    walker = Walker(route_files)
    walker.routes.extend(framework_routes)
    done: set[str] = set()
    queue = [(p, c, True) for p, c in sorted(contexts.items()) if p in route_files]
    # route files no literal load names: dead, unless some file is loaded under a computed name
    queue += [(p, Ctx(), bool(dynamic)) for p in sorted(route_files) if p not in contexts]
    for where, at in dynamic:
        warnings.append(SourceWarning(path=where, line=at, reason=(
            "laravel: a route file is loaded under a name computed at run time; route files nothing else "
            "loads are listed as live, with the prefixes their own groups give")))
    live_files: dict[str, bool] = {}
    while queue:
        path, ctx, live = queue.pop(0)
        if path in done or path not in route_files:
            continue
        if not live and any(path == target for target, _ in walker.includes):
            continue
        done.add(path)
        live_files[path] = live
        entry = route_files[path]
        if entry[3]:
            warnings.append(SourceWarning(path=path, reason="laravel: syntax errors, some routes may be missing"))
        before = len(walker.includes)
        walker.walk(entry[1].root_node, replace(ctx, file=path, uses=entry[2], middleware=list(ctx.middleware)))
        for target, inner in walker.includes[before:]:
            queue.insert(0, (target, inner, live))
    endpoints = []
    for route in walker.routes:
        hfile = hline = None
        auth = [m for m in route.middleware if is_auth_text(m) and m not in {"api", "web"}]
        if route.controller:
            found = controllers.get(route.controller)
            if found is None:
                hfile = _psr4_file(route.controller, psr4)
            else:
                hfile, methods, ctor_mw = found
                hline = methods.get(route.action or "")
                for name, scope, listed in ctor_mw:
                    if is_auth_text(name) and (scope == "all" or (scope == "only" and route.action in listed) or (
                            scope == "except" and route.action not in listed)):
                        auth.append(name)
        handler = route.handler or (f"{route.controller.rsplit(chr(92), 1)[-1]}@{route.action}" if route.controller
                                    else None)
        endpoints.append(ApiEndpoint(method=route.method, path=route.path, params=params_of(route.path),
                                     file=route.file, line=route.line, handler=handler, handler_file=hfile,
                                     handler_line=hline, framework="laravel",
                                     auth=", ".join(dict.fromkeys(auth)) or None,
                                     dead=not live_files.get(route.file, route.file == "bootstrap/app.php")))
    return ApiPart(reader="laravel", endpoints=endpoints, warnings=warnings + walker.warnings)


def _psr4_file(fqcn: str, psr4: dict[str, str]) -> str | None:
    for prefix, directory in sorted(psr4.items(), key=lambda kv: -len(kv[0])):
        if fqcn.startswith(prefix):
            rest = fqcn[len(prefix):].replace("\\", "/")
            return join(directory, rest + ".php").lstrip("/")
    return None


LARAVEL_READER: Reader[Any, ApiPart] = Reader(name="laravel", wants=_wants, parse=_parse, build=_build, version=2,
                                        suffixes=frozenset({".php", ".json"}))
READERS = [LARAVEL_READER]

"""Rails endpoints from ``config/routes.rb`` (and ``config/routes/*.rb`` pulled in with ``draw``), tree-sitter.

The routing DSL is walked the way Rails expands it: ``resources``/``resource`` (the seven or six
actions, ``only``/``except``, ``param``, ``path``, ``controller``, ``module``), nested resources under
``/:parent_param`` (``/articles/:article_slug/comments`` when the parent has ``param: :slug``),
``member``/``collection`` blocks and ``on:``, ``namespace`` (path and controller module), ``scope``
(``scope :api``, ``scope 'v1'``, ``path:``, ``module:``, ``controller:``), ``controller :x do``,
``constraints``/``defaults`` blocks, verb routes (``get 'x' => 'c#a'``, ``to:``, ``controller:`` +
``action:``, ``match … via:``), ``root``, ``mount Engine => '/x'`` and Devise's ``devise_for`` (the
routes of the modules the model's ``devise`` call enables, ``path``, ``path_names``, ``controllers``).

The handler is ``controller#action`` and its file ``app/controllers/<module>/<name>_controller.rb``;
the controller's ``before_action`` callbacks (inherited from its parent classes, ``only``/``except``,
``skip_before_action``) that name authentication are the ``auth``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_vendored
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import (
    colon_params,
    is_auth_text,
    join,
    params_of,
    plural,
    singular,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.treesitter import line, parse, text

if TYPE_CHECKING:
    from tree_sitter import Node

VERBS = {"get", "post", "put", "patch", "delete", "options", "head"}
PLURAL_ACTIONS = ["index", "create", "new", "edit", "show", "update", "destroy"]
SINGULAR_ACTIONS = ["create", "new", "edit", "show", "update", "destroy"]
TRANSPARENT = {"constraints", "defaults", "with_options", "concern"}


def value_of(node: Node | None) -> Any:
    """A Ruby literal as Python: symbols and strings as str, arrays as lists, hashes as dicts."""
    if node is None:
        return None
    kind = node.type
    if kind == "simple_symbol":
        return text(node)[1:]
    if kind == "hash_key_symbol":
        return text(node)
    if kind == "string":
        if any(c.type == "interpolation" for c in node.named_children):
            return None
        return "".join(text(c) for c in node.named_children if c.type == "string_content")
    if kind == "delimited_symbol":
        return "".join(text(c) for c in node.named_children if c.type == "string_content")
    if kind in {"array", "string_array", "symbol_array"}:
        items = []
        for c in node.named_children:
            if c.type in {"bare_string", "bare_symbol"}:
                items.append(text(c))
            else:
                items.append(value_of(c))
        return items
    if kind == "hash":
        return dict(_pair(c) for c in node.named_children if c.type == "pair")
    if kind in {"true", "false"}:
        return kind == "true"
    if kind in {"constant", "scope_resolution"}:
        return ("const", text(node))
    return None


def _pair(node: Node) -> tuple[Any, Any]:
    key = node.child_by_field_name("key")
    key_value = value_of(key)
    return (key_value if not isinstance(key_value, tuple) else text(key), value_of(node.child_by_field_name("value")))


@dataclass
class Call:
    method: str
    args: list[Any]
    options: dict[Any, Any]
    block: Node | None
    line: int


def _calls(body: Node | None) -> list[Call]:
    out: list[Call] = []
    if body is None:
        return out
    for node in body.named_children:
        if node.type == "call" and node.child_by_field_name("receiver") is None:
            out.append(_call(node))
        elif node.type == "call" and node.child_by_field_name("block") is not None:
            # ``%w[a b].each do |name| get name end``: the routes inside are read (a path built from the
            # block variable is a warning), not dropped
            out.extend(_calls(_call(node).block))
        elif node.type == "identifier":
            out.append(Call(text(node), [], {}, None, line(node)))
        elif node.type in {"if", "unless", "begin"}:
            out.extend(_calls(node.child_by_field_name("consequence") or node))
    return out


def _call(node: Node) -> Call:
    args: list[Any] = []
    options: dict[Any, Any] = {}
    arg_list = node.child_by_field_name("arguments")
    for arg in arg_list.named_children if arg_list is not None else []:
        if arg.type == "pair":
            key, value = _pair(arg)
            options[key] = value
        elif arg.type == "hash":
            options.update(value_of(arg) or {})
        else:
            args.append(value_of(arg))
    block = node.child_by_field_name("block")
    body = None
    if block is not None:
        body = block.child_by_field_name("body") or next(
            (c for c in block.named_children if c.type in {"body_statement", "block_body"}), None)
    return Call(text(node.child_by_field_name("method")), args, options, body, line(node))


@dataclass
class Ctx:
    path: str = ""
    module: str = ""
    controller: str | None = None
    resource: str | None = None  # controller of the enclosing resources block
    member: str | None = None  # path of that resource's member
    nested: str | None = None  # path under which nested routes go
    file: str = "config/routes.rb"


@dataclass
class Route:
    method: str
    path: str
    controller: str | None
    action: str | None
    file: str
    line: int
    handler: str | None = None


@dataclass
class Controller:
    name: str  # "admin/users"
    parent: str | None
    actions: dict[str, int]
    callbacks: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (kind, name, only/except…)
    path: str = ""


class Walker:
    def __init__(self, files: dict[str, Any], models: dict[str, list[str]]) -> None:
        self.files = files
        self.models = models
        self.routes: list[Route] = []
        self.warnings: list[SourceWarning] = []
        self.depth = 0

    def walk(self, body: Node | None, ctx: Ctx) -> None:
        self.depth += 1
        if self.depth > 40:
            return
        for call in _calls(body):
            self.one(call, ctx)
        self.depth -= 1

    def route(self, method: str, path: str, controller: str | None, action: str | None, ctx: Ctx, at: int) -> None:
        if controller and ctx.module and "/" not in controller:
            controller = f"{ctx.module}/{controller}"
        for variant in optional_variants(path.replace("(.:format)", "")):
            full = join(colon_params(variant))
            self.routes.append(Route(method, full, controller, action, ctx.file, at))

    def one(self, call: Call, ctx: Ctx) -> None:
        name, opts = call.method, call.options
        if name in {"resources", "resource"}:
            names = [a for a in call.args if isinstance(a, str)]
            for res in names:
                self.resources(res, opts, ctx, call, singular_resource=name == "resource")
            return
        if name == "namespace" and call.args:
            ns = str(call.args[0])
            inner = replace(ctx, path=join(ctx.path, str(opts.get("path", ns))),
                            module=join(ctx.module, str(opts.get("module", ns))).strip("/"))
            self.walk(call.block, inner)
            return
        if name == "scope":
            path = opts.get("path")
            if path is None and call.args and isinstance(call.args[0], str):
                path = call.args[0]
            inner = replace(ctx, path=join(ctx.path, str(path)) if path else ctx.path)
            if isinstance(opts.get("module"), str):
                inner.module = join(ctx.module, opts["module"]).strip("/")
            if isinstance(opts.get("controller"), str):
                inner.controller = opts["controller"]
            self.walk(call.block, inner)
            return
        if name == "controller" and call.args:
            self.walk(call.block, replace(ctx, controller=str(call.args[0])))
            return
        if name in {"member", "collection"} and ctx.resource:
            where = ctx.member if name == "member" else ctx.path
            self.walk(call.block, replace(ctx, path=where or ctx.path, nested=None, controller=ctx.resource,
                                          resource=None))
            return
        if name in TRANSPARENT and call.block is not None:
            self.walk(call.block, ctx)
            return
        if name == "draw" and call.args:
            target = f"config/routes/{call.args[0]}.rb"
            tree = self.files.get(target)
            if tree is None:
                self.warnings.append(SourceWarning(path=ctx.file, line=call.line, reason=f"rails: {target} not found"))
            else:
                self.walk(tree, replace(ctx, file=target))
            return
        if name == "root":
            to = opts.get("to") or (call.args[0] if call.args and isinstance(call.args[0], str) else None)
            controller, action = _split_to(to)
            self.route("GET", ctx.path or "/", controller or ctx.controller, action, ctx, call.line)
            return
        if name == "mount":
            mounted = next(((k, v) for k, v in opts.items() if isinstance(k, tuple) or k not in {"at", "as", "via"}),
                          None)
            at = opts.get("at") or (mounted[1] if mounted else None)
            if isinstance(at, str):
                engine = mounted[0][1] if mounted and isinstance(mounted[0], tuple) else str(call.args[0] if call.args
                                                                                          else "")
                self.routes.append(Route("ANY", join(ctx.path, at), None, None, ctx.file, call.line,
                                         handler=str(engine) or None))
            return
        if name == "devise_for":
            for res in call.args:
                if isinstance(res, str):
                    self.devise(res, opts, ctx, call.line)
            return
        if name in VERBS or name == "match":
            self.verb(call, ctx)
            return

    def verb(self, call: Call, ctx: Ctx) -> None:
        opts = dict(call.options)
        to = opts.pop("to", None)
        path: Any = None
        for key, value in list(opts.items()):
            if isinstance(key, str) and isinstance(value, str) and "#" in value and key not in {"to", "as"} and \
                    key not in {"controller", "action", "via", "on", "format", "constraints", "defaults"}:
                path, to = key, value  # get 'photos/:id' => 'photos#show'
        if path is None and call.args:
            path = call.args[0]
        if not isinstance(path, str):
            self.warnings.append(SourceWarning(path=ctx.file, line=call.line, reason="rails: route path is not a literal"))
            return
        controller, action = _split_to(to)
        controller = opts.get("controller", controller)
        action = opts.get("action", action)
        methods = [call.method.upper()]
        if call.method == "match":
            via = opts.get("via", "all")
            via = via if isinstance(via, list) else [via]
            methods = ["ANY" if v == "all" else str(v).upper() for v in via]
        on = opts.get("on")
        base: str | None = ctx.path
        if ctx.resource and on in {"member", "collection"}:
            base = ctx.member if on == "member" else ctx.path
            controller = controller or ctx.resource
        elif ctx.resource:
            base = ctx.nested or ctx.path
            controller = controller or ctx.resource
        controller = controller or ctx.controller
        segment = path.lstrip("/")
        if action is None:
            tail = segment.split("/")[-1] if segment else None
            action = tail.lstrip(":") if tail else None
            if controller is None and "/" in segment:
                controller = segment.split("/")[0]
        if "to" in call.options and call.options["to"] is None:  # to: redirect("/s/%{id}"), a Rack app
            before = len(self.routes)
            for method in methods:
                self.route(method, join(base or "", segment), None, None, ctx, call.line)
            for route in self.routes[before:]:
                route.handler = "redirect or Rack endpoint"
            return
        for method in methods:
            self.route(method, join(base or "", segment), controller, action, ctx, call.line)

    def resources(self, res: str, opts: dict[Any, Any], ctx: Ctx, call: Call, singular_resource: bool) -> None:
        segment = str(opts.get("path", res))
        controller = str(opts.get("controller", plural(res) if singular_resource else res))
        if isinstance(opts.get("module"), str):
            controller = f"{opts['module']}/{controller}"
        param = str(opts.get("param", "id"))
        actions = list(SINGULAR_ACTIONS if singular_resource else PLURAL_ACTIONS)
        only, exc = opts.get("only"), opts.get("except")
        if only is not None:
            keep = only if isinstance(only, list) else [only]
            actions = [a for a in actions if a in keep]
        if exc is not None:
            drop = exc if isinstance(exc, list) else [exc]
            actions = [a for a in actions if a not in drop]
        base = join(ctx.nested or ctx.path, segment)
        member = base if singular_resource else join(base, f":{param}")
        where = {"index": ("GET", base), "create": ("POST", base), "new": ("GET", join(base, "new")),
                 "edit": ("GET", join(member, "edit")), "show": ("GET", member),
                 "update": ("PATCH", member), "destroy": ("DELETE", member)}
        for action in actions:
            method, path = where[action]
            self.route(method, path, controller, action, ctx, call.line)
            if action == "update":
                self.route("PUT", path, controller, action, ctx, call.line)
        nested = base if singular_resource else join(base, f":{singular(res)}_{param}")
        if call.block is not None:
            inner = replace(ctx, path=base, resource=controller, member=member, nested=nested, controller=None)
            self.walk(call.block, inner)

    def devise(self, res: str, opts: dict[Any, Any], ctx: Ctx, at: int) -> None:
        modules = self.models.get(singular(res))
        if modules is None:
            self.warnings.append(SourceWarning(path=ctx.file, line=at,
                                               reason=f"rails: devise_for :{res} but no devise modules found in "
                                                      f"app/models/{singular(res)}.rb"))
            return
        base = join(ctx.path, str(opts.get("path", res)))
        names = opts.get("path_names") or {}
        controllers = opts.get("controllers") or {}
        skip = opts.get("skip") or []
        skip = skip if isinstance(skip, list) else [skip]
        only = opts.get("only")

        def pn(key: str) -> str:
            return str(names.get(key, key))

        table = {
            "sessions": ("database_authenticatable", [("GET", pn("sign_in"), "new"), ("POST", pn("sign_in"), "create"),
                                                      ("DELETE", pn("sign_out"), "destroy")]),
            "registrations": ("registerable", [
                ("GET", join(pn("registration"), pn("cancel")) if "registration" in names else pn("cancel"), "cancel"),
                ("GET", join(names.get("registration", ""), pn("sign_up")), "new"),
                ("GET", join(names.get("registration", ""), pn("edit")), "edit"),
                ("PATCH", names.get("registration", ""), "update"), ("PUT", names.get("registration", ""), "update"),
                ("DELETE", names.get("registration", ""), "destroy"), ("POST", names.get("registration", ""), "create")]),
            "passwords": ("recoverable", [("GET", join(pn("password"), pn("new")), "new"),
                                          ("GET", join(pn("password"), pn("edit")), "edit"),
                                          ("PATCH", pn("password"), "update"), ("PUT", pn("password"), "update"),
                                          ("POST", pn("password"), "create")]),
            "confirmations": ("confirmable", [("GET", join(pn("confirmation"), pn("new")), "new"),
                                              ("GET", pn("confirmation"), "show"), ("POST", pn("confirmation"), "create")]),
            "unlocks": ("lockable", [("GET", join(pn("unlock"), pn("new")), "new"), ("GET", pn("unlock"), "show"),
                                     ("POST", pn("unlock"), "create")]),
        }
        for group, (module, routes) in table.items():
            if module not in modules or group in skip or (only is not None and group not in only):
                continue
            controller = str(controllers.get(group, f"devise/{group}"))
            for method, path, action in routes:
                self.route(method, join(base, str(path)), controller, action, ctx, at)


def optional_variants(path: str) -> list[str]:
    """Rails' optional segments: ``/top(/:length(/page/:page))`` is ``/top``, ``/top/:length`` and
    ``/top/:length/page/:page``, shortest first."""
    start = path.find("(")
    if start < 0:
        return [path]
    depth, end = 0, -1
    for i in range(start, len(path)):
        if path[i] == "(":
            depth += 1
        elif path[i] == ")":
            depth -= 1
            if depth == 0:
                end = i
                break
    if end < 0:
        return [path.replace("(", "").replace(")", "")]
    head, inner, tail = path[:start], path[start + 1 : end], path[end + 1 :]
    out: list[str] = []
    for rest in optional_variants(tail):
        out.append(head + rest)
        for middle in optional_variants(inner):
            out.append(head + middle + rest)
    return list(dict.fromkeys(out))


def _split_to(to: Any) -> tuple[str | None, str | None]:
    if isinstance(to, str) and "#" in to:
        controller, _, action = to.partition("#")
        return controller, action
    return None, None


# -- controllers -----------------------------------------------------------------------------------

def _controller(path: str, root: Node) -> Controller | None:
    for node in _descend(root, {"class"}):
        name = text(node.child_by_field_name("name"))
        if not name.endswith("Controller"):
            continue
        superclass = node.child_by_field_name("superclass")
        parent = text(superclass).lstrip("<").strip() if superclass is not None else None
        rel = path.removeprefix("app/controllers/").removesuffix("_controller.rb")
        ctrl = Controller(name=rel, parent=parent, actions={}, path=path)
        body = node.child_by_field_name("body") or next((c for c in node.named_children
                                                         if c.type == "body_statement"), None)
        for member in body.named_children if body is not None else []:
            if member.type == "method":
                ctrl.actions[text(member.child_by_field_name("name"))] = line(member)
            elif member.type == "call" and member.child_by_field_name("receiver") is None:
                call = _call(member)
                if call.method in {"before_action", "skip_before_action", "before_filter", "prepend_before_action"}:
                    only = call.options.get("only")
                    exc = call.options.get("except")
                    scope = ("only", only if isinstance(only, list) else [only]) if only is not None else \
                        ("except", exc if isinstance(exc, list) else [exc]) if exc is not None else ("all", [])
                    for cb in call.args:
                        if isinstance(cb, str):
                            kind = "skip" if call.method.startswith("skip") else "add"
                            ctrl.callbacks.append((kind, cb, [scope[0]] + [str(s) for s in scope[1]]))
        return ctrl
    return None


def _descend(node: Node, kinds: set[str]) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in kinds:
            out.append(current)
        stack.extend(reversed(current.named_children))
    return out


def _auth(ctrl: Controller | None, action: str | None, by_class: dict[str, Controller]) -> str | None:
    chain: list[Controller] = []
    seen: set[str] = set()
    while ctrl is not None and ctrl.name not in seen and len(chain) < 10:
        seen.add(ctrl.name)
        chain.append(ctrl)
        ctrl = by_class.get((ctrl.parent or "").rsplit("::", 1)[-1])
    active: dict[str, bool] = {}
    for c in reversed(chain):
        for kind, name, scope in c.callbacks:
            listed = scope[1:]
            applies = scope[0] == "all" or (scope[0] == "only" and action in listed) or (
                scope[0] == "except" and action not in listed)
            if applies:
                active[name] = kind == "add"
    names = [n for n, on in active.items() if on and is_auth_text(n)]
    return ", ".join(f"before_action :{n}" for n in names) or None


def _wants(path: str) -> bool:
    if not path.endswith(".rb") or is_vendored(path):
        return False
    if path == "config/routes.rb" or (path.startswith("config/routes/") and path.endswith(".rb")):
        return True
    return (path.startswith("app/controllers/") and path.endswith("_controller.rb")) or (
        path.startswith("app/models/") and path.endswith(".rb"))


def _parse(path: str, source: str) -> Any:
    if path.startswith("app/models/"):
        if "devise" not in source:
            return None
        root = parse("ruby", source).root_node
        for node in _descend(root, {"call"}):
            if text(node.child_by_field_name("method")) == "devise" and node.child_by_field_name("receiver") is None:
                return ("model", [a for a in _call(node).args if isinstance(a, str)])
        return None
    tree = parse("ruby", source)
    if path.startswith("app/controllers/"):
        ctrl = _controller(path, tree.root_node)
        return ("controller", ctrl) if ctrl is not None else None
    return ("routes", tree, tree.root_node.has_error)


def _draw_body(root: Node) -> Node | None:
    for node in _descend(root, {"call"}):
        if text(node.child_by_field_name("method")) == "draw" and node.child_by_field_name("block") is not None:
            return _call(node).block
    return None


def _build(parsed: dict[str, Any]) -> ApiPart:
    if "config/routes.rb" not in parsed:
        return ApiPart(reader="rails")
    models = {p.removeprefix("app/models/").removesuffix(".rb"): v[1] for p, v in parsed.items() if v[0] == "model"}
    controllers = {v[1].name: v[1] for v in parsed.values() if v[0] == "controller"}
    by_class = {}
    for ctrl in controllers.values():
        class_name = "".join(part.capitalize() for part in ctrl.name.rsplit("/", 1)[-1].split("_")) + "Controller"
        by_class[class_name] = ctrl
    files = {p: v[1].root_node for p, v in parsed.items() if v[0] == "routes" and p != "config/routes.rb"}
    walker = Walker(files, models)
    warnings: list[SourceWarning] = []
    routes_tree = parsed["config/routes.rb"]
    if routes_tree[2]:
        warnings.append(SourceWarning(path="config/routes.rb", reason="rails: syntax errors, some routes may be missing"))
    body = _draw_body(routes_tree[1].root_node)
    if body is None:
        warnings.append(SourceWarning(path="config/routes.rb", reason="rails: no routes.draw block"))
    walker.walk(body, Ctx())
    endpoints = []
    for route in walker.routes:
        ctrl = controllers.get(route.controller or "")
        handler = route.handler or (f"{route.controller}#{route.action}" if route.controller else None)
        hline = ctrl.actions.get(route.action or "") if ctrl is not None else None
        endpoints.append(ApiEndpoint(method=route.method, path=route.path, params=params_of(route.path),
                                     file=route.file, line=route.line, handler=handler,
                                     handler_file=ctrl.path if ctrl is not None else None, handler_line=hline,
                                     framework="rails", auth=_auth(ctrl, route.action, by_class)))
    return ApiPart(reader="rails", endpoints=endpoints, warnings=warnings + walker.warnings)


RAILS_READER: Reader[Any, ApiPart] = Reader(name="rails", wants=_wants, parse=_parse, build=_build, version=2,
                                     suffixes=frozenset({".rb"}))
READERS = [RAILS_READER]

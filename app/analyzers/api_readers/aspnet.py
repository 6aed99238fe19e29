"""ASP.NET Core endpoints: attribute-routed controllers and minimal APIs, from C# (tree-sitter).

Controllers (a class deriving from ``Controller``/``ControllerBase`` or marked ``[ApiController]``, or
inheriting its ``[Route]`` from a base class that does): the class ``[Route]`` templates times each
action's ``[HttpGet("…")]``/``[Route("…")]`` templates; a template starting with ``/`` or ``~/`` is
absolute. ``[controller]``, ``[action]`` (without the ``Async`` suffix, as ASP.NET Core trims it) and
``[area]`` tokens are replaced; ``{id:int}``/``{id?}``/``{*slug}`` keep the name only. ``[Authorize]``
on the class or the action is the ``auth`` unless the action says ``[AllowAnonymous]``; the
``[FromBody]`` parameter's type is the request; the return type (``Task<ActionResult<T>>`` → ``T``;
``IActionResult`` none, then ``[ProducesResponseType(typeof(T), …)]``) is the response.

Minimal APIs: ``app.MapGet/MapPost/MapPut/MapDelete/MapPatch/MapMethods/Map``, ``MapGroup("/api")``
prefixes (nested), ``.RequireAuthorization()``/``.AllowAnonymous()`` on a route or a group, through
local variables and extension methods (``static RouteGroupBuilder MapTodos(this IEndpointRouteBuilder
g)`` called as ``app.MapGroup("/todos").MapTodos()``). The walk starts from the top-level statements
and ``Main``; an extension method nobody calls registers ``dead`` routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_generated_or_fixture, is_test_path, is_vendored
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import brace_params, join, params_of
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.treesitter import line, parse, string_value, text

if TYPE_CHECKING:
    from tree_sitter import Node

HTTP_ATTRS = {"HttpGet": "GET", "HttpPost": "POST", "HttpPut": "PUT", "HttpDelete": "DELETE", "HttpPatch": "PATCH",
              "HttpHead": "HEAD", "HttpOptions": "OPTIONS"}
MAP_VERBS = {"MapGet": "GET", "MapPost": "POST", "MapPut": "PUT", "MapDelete": "DELETE", "MapPatch": "PATCH"}
# ControllerBase and its kin; Ardalis.ApiEndpoints' EndpointBase* derive from ControllerBase
CONTROLLER_BASES = {"Controller", "ControllerBase", "ApiController", "ODataController", "EndpointBaseAsync",
                    "EndpointBaseSync", "EndpointBase"}
ROUTE_BUILDER_TYPES = {"IEndpointRouteBuilder", "RouteGroupBuilder", "WebApplication"}
# ASP.NET Core Identity's MapIdentityApi<TUser>() endpoint set (.NET 8): method, path, needs authorization
IDENTITY_API = [("POST", "/register", False), ("POST", "/login", False), ("POST", "/refresh", False),
                ("GET", "/confirmEmail", False), ("POST", "/resendConfirmationEmail", False),
                ("POST", "/forgotPassword", False), ("POST", "/resetPassword", False),
                ("POST", "/manage/2fa", True), ("GET", "/manage/info", True), ("POST", "/manage/info", True)]
ANY_MAPPERS = {"Map", "MapHealthChecks", "MapForwarder", "MapFallback", "MapHub"}
UNWRAP = {"Task", "ValueTask", "ActionResult", "Results", "IAsyncEnumerable"}


@dataclass
class Attr:
    name: str
    args: list[tuple[str | None, Node]]
    line: int

    def first_string(self) -> str | None:
        for key, value in self.args:
            if key in {None, "template", "Template"} and value.type in {"string_literal", "verbatim_string_literal"}:
                return string_value(value)
        return None


@dataclass
class Action:
    name: str
    line: int
    attrs: list[Attr]
    returns: str
    body_type: str | None


@dataclass
class ControllerClass:
    name: str
    line: int
    attrs: list[Attr]
    bases: list[str]
    actions: list[Action]
    is_abstract: bool
    is_public: bool = True


def _attrs(node: Node) -> list[Attr]:
    out: list[Attr] = []
    for child in node.named_children:
        if child.type != "attribute_list":
            continue
        for attr in child.named_children:
            if attr.type != "attribute":
                continue
            name = text(attr.child_by_field_name("name")).rsplit(".", 1)[-1].removesuffix("Attribute")
            args: list[tuple[str | None, Node]] = []
            for arg_list in attr.named_children:
                if arg_list.type != "attribute_argument_list":
                    continue
                for arg in arg_list.named_children:
                    parts = arg.named_children
                    if not parts:
                        continue
                    key = text(arg.child_by_field_name("name")) if arg.child_by_field_name("name") else None
                    if key is None and len(parts) == 2 and parts[0].type == "identifier":
                        key = text(parts[0])
                    args.append((key, parts[-1]))
            out.append(Attr(name, args, line(attr)))
    return out


def _classes(root: Node) -> list[ControllerClass]:
    out: list[ControllerClass] = []
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.type == "class_declaration":
                out.append(_class(child))
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append(body)
            elif child.type in {"namespace_declaration", "declaration_list", "file_scoped_namespace_declaration"}:
                stack.append(child)
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append(body)
    return out


def _class(node: Node) -> ControllerClass:
    bases = []
    for child in node.named_children:
        if child.type == "base_list":
            for base in child.named_children:
                head = text(base).split("<", 1)[0]
                bases.append(head.rsplit(".", 1)[-1])
                bases.append(head.split(".", 1)[0].strip())  # EndpointBaseAsync.WithRequest<…>
    modifiers = {text(c) for c in node.named_children if c.type == "modifier"}
    actions: list[Action] = []
    body = node.child_by_field_name("body")
    for member in body.named_children if body is not None else []:
        if member.type != "method_declaration":
            continue
        body_type = None
        params = member.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            if param.type == "parameter" and any(a.name == "FromBody" for a in _attrs(param)):
                body_type = text(param.child_by_field_name("type"))
        actions.append(Action(name=text(member.child_by_field_name("name")), line=line(member), attrs=_attrs(member),
                              returns=text(member.child_by_field_name("returns") or member.child_by_field_name("type")),
                              body_type=body_type))
    return ControllerClass(name=text(node.child_by_field_name("name")), line=line(node), attrs=_attrs(node),
                           bases=bases, actions=actions, is_abstract="abstract" in modifiers,
                           is_public="public" in modifiers)


def _unwrap(type_text: str) -> str | None:
    current = type_text.strip()
    for _ in range(4):
        head, sep, rest = current.partition("<")
        if sep and head.strip().rsplit(".", 1)[-1] in UNWRAP and rest.endswith(">"):
            current = rest[:-1].strip()
            continue
        break
    if current.rsplit(".", 1)[-1] in {"IActionResult", "ActionResult", "Task", "ValueTask", "void", "IResult",
                                      "Results"} or current.startswith("Results<"):
        return None
    return current


def kebab(value: str) -> str:
    """ASP.NET Core docs' slugify transformer: ``Regex.Replace(s, "([a-z])([A-Z])", "$1-$2").ToLower()``."""
    out = []
    for i, ch in enumerate(value):
        if i and ch.isupper() and value[i - 1].islower():
            out.append("-")
        out.append(ch)
    return "".join(out).lower()


def _token_conventions(root: Node) -> tuple[list[str], set[str]]:
    """Route token transformers the code installs (``new RouteTokenTransformerConvention(new X())``: the
    class names X) and the classes whose ``TransformOutbound`` is the docs' kebab-case slugify."""
    installed: list[str] = []
    kebab_classes: set[str] = set()
    for node in _descend(root, {"object_creation_expression"}):
        if text(node.child_by_field_name("type")).rsplit(".", 1)[-1] == "RouteTokenTransformerConvention":
            inner = _descend(node.child_by_field_name("arguments") or node, {"object_creation_expression"})
            if inner:
                installed.append(text(inner[0].child_by_field_name("type")).rsplit(".", 1)[-1])
    for method in _descend(root, {"method_declaration"}):
        if text(method.child_by_field_name("name")) != "TransformOutbound":
            continue
        strings = {string_value(n) for n in _descend(method, {"string_literal", "verbatim_string_literal"})}
        lowers = any(text(n.child_by_field_name("name")) in {"ToLower", "ToLowerInvariant"}
                     for n in _descend(method, {"member_access_expression"}))
        if {"([a-z])([A-Z])", "$1-$2"} <= strings and lowers:
            owner = method.parent
            while owner is not None and owner.type != "class_declaration":
                owner = owner.parent
            if owner is not None:
                kebab_classes.add(text(owner.child_by_field_name("name")))
    return installed, kebab_classes


def _template(raw: str, cls: ControllerClass, action: Action, area: str | None, slugify: bool = False) -> str:
    controller = cls.name.removesuffix("Controller")
    name = action.name.removesuffix("Async")
    if slugify:
        controller, name = kebab(controller), kebab(name)
    out = raw.replace("[controller]", controller).replace("[action]", name)
    if area:
        out = out.replace("[area]", area)
    return out


# -- minimal APIs ----------------------------------------------------------------------------------

@dataclass(eq=False)
class Group:
    prefix: str
    parent: Group | None
    auth: list[str] = field(default_factory=list)
    anonymous: bool = False
    live: bool = True


@dataclass(eq=False)
class MapRoute:
    method: str
    path: str
    group: Group
    file: str
    line: int
    handler: tuple[str | None, str | None, int | None]
    auth: list[str] = field(default_factory=list)
    anonymous: bool = False
    dev_only: bool = False


@dataclass
class Method:
    name: str
    file: str
    node: Node
    extension: bool
    params: list[str]
    param_types: list[str] = field(default_factory=list)
    owner_bases: list[str] = field(default_factory=list)


class Minimal:
    def __init__(self, trees: dict[str, Node]) -> None:
        self.trees = trees
        self.methods: dict[str, list[Method]] = {}
        self.routes: list[MapRoute] = []
        self.called: set[int] = set()
        self.stack: list[int] = []
        self.warnings: list[SourceWarning] = []
        self.dev = False  # inside ``if (app.Environment.IsDevelopment())``
        for path, root in trees.items():
            for node in _descend(root, {"method_declaration", "local_function_statement"}):
                params = node.child_by_field_name("parameters")
                plist = [p for p in (params.named_children if params is not None else []) if p.type == "parameter"]
                extension = bool(plist) and any(text(c) == "this" for c in plist[0].named_children
                                                if c.type == "modifier")
                name = text(node.child_by_field_name("name"))
                owner = node.parent
                while owner is not None and owner.type != "class_declaration":
                    owner = owner.parent
                owner_bases = [text(b).split("<", 1)[0].strip() for c in (owner.named_children if owner else [])
                               if c.type == "base_list" for b in c.named_children]
                self.methods.setdefault(name, []).append(Method(
                    name, path, node, extension, [text(p.child_by_field_name("name")) for p in plist],
                    [text(p.child_by_field_name("type")).rsplit(".", 1)[-1] for p in plist], owner_bases))

    def run_block(self, node: Node | None, env: dict[str, Any], path: str, live: bool) -> Any:
        if node is None:
            return None
        returned = None
        for stmt in node.named_children:
            kind = stmt.type
            if kind == "global_statement" and stmt.named_children:
                stmt = stmt.named_children[0]
                kind = stmt.type
            if kind == "local_declaration_statement":
                for decl in _descend(stmt, {"variable_declarator"}):
                    value_node = decl.named_children[-1] if len(decl.named_children) > 1 else None
                    env[text(decl.child_by_field_name("name"))] = self.eval(value_node, env, path, live) \
                        if value_node is not None else None
            elif kind == "expression_statement" and stmt.named_children:
                self.eval(stmt.named_children[0], env, path, live)
            elif kind == "return_statement" and stmt.named_children:
                value = self.eval(stmt.named_children[0], env, path, live)
                returned = returned or value
            elif kind in {"block", "if_statement", "using_statement", "try_statement", "foreach_statement"}:
                saved = self.dev
                if kind == "if_statement":
                    cond = text(stmt.child_by_field_name("condition"))
                    self.dev = saved or ("IsDevelopment" in cond and "!" not in cond)
                blocks = [stmt] if kind == "block" else [c for c in stmt.named_children if c.type == "block"]
                for i, block in enumerate(blocks):
                    if i > 0 and kind == "if_statement":
                        self.dev = saved  # the else branch
                    inner = self.run_block(block, env, path, live)
                    returned = returned or inner
                self.dev = saved
            elif kind == "arrow_expression_clause" and stmt.named_children:
                returned = self.eval(stmt.named_children[0], env, path, live)
        return returned

    def call_method(self, method: Method, args: list[Any], live: bool) -> Any:
        key = id(method.node)
        if key in self.stack or len(self.stack) > 30:
            return None
        self.called.add(key)
        env = {name: args[i] if i < len(args) else None for i, name in enumerate(method.params)}
        self.stack.append(key)
        try:
            body = method.node.child_by_field_name("body")
            if body is None:
                body = next((c for c in method.node.named_children if c.type == "arrow_expression_clause"), None)
            if body is not None and body.type == "arrow_expression_clause":
                return self.eval(body.named_children[0] if body.named_children else None, env, method.file, live)
            return self.run_block(body, env, method.file, live)
        finally:
            self.stack.pop()

    def eval(self, node: Node | None, env: dict[str, Any], path: str, live: bool) -> Any:
        if node is None:
            return None
        kind = node.type
        if kind in {"string_literal", "verbatim_string_literal"}:
            return string_value(node)
        if kind == "identifier":
            return env.get(text(node))
        if kind in {"parenthesized_expression", "await_expression"} and node.named_children:
            return self.eval(node.named_children[-1], env, path, live)
        if kind == "assignment_expression":
            value = self.eval(node.child_by_field_name("right"), env, path, live)
            env[text(node.child_by_field_name("left"))] = value
            return value
        if kind != "invocation_expression":
            return None
        fn = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        args = [a.named_children[-1] for a in (args_node.named_children if args_node is not None else [])
                if a.type == "argument" and a.named_children]
        if fn is None or fn.type != "member_access_expression":
            name = text(fn)
            for method in self.methods.get(name, []):
                if not method.extension:
                    return self.call_method(method, [self.eval(a, env, path, live) for a in args], live)
            return None
        name = text(fn.child_by_field_name("name")).split("<", 1)[0]
        receiver_node = fn.child_by_field_name("expression")
        receiver = self.eval(receiver_node, env, path, live)
        at = line(fn.child_by_field_name("name"))
        if receiver is None and name in {*MAP_VERBS, *ANY_MAPPERS, "MapGroup", "MapMethods"} and args \
                and args[0].type in {"string_literal", "verbatim_string_literal"}:
            receiver = Group("", None, live=live)  # the app or builder itself: its value came from outside
        if isinstance(receiver, (Group, MapRoute)):
            return self.member(receiver, name, args, env, path, live, at)
        if name == "Build":
            return Group("", None, live=live)
        for method in self.nearest(name, path):
            if method.extension:
                return self.call_method(method, [receiver] + [self.eval(a, env, path, live) for a in args], live)
        return None

    def member(self, receiver: Group | MapRoute, name: str, args: list[Node], env: dict[str, Any], path: str,
               live: bool, at: int) -> Any:
        if isinstance(receiver, MapRoute):
            if name == "RequireAuthorization":
                receiver.auth.append(_call_text("RequireAuthorization", args))
            elif name == "AllowAnonymous":
                receiver.anonymous = True
            return receiver
        group = receiver
        template = self.eval(args[0], env, path, live) if args else None
        if name == "MapGroup":
            if not isinstance(template, str):
                self.warnings.append(SourceWarning(path=path, line=at, reason="aspnet: MapGroup prefix is not a literal"))
                template = ""
            return Group(brace_params(template), group, live=group.live)
        if name in {"MapIdentityApi", "MapOpenApi"}:
            at_file = path
            if name == "MapIdentityApi":
                for method, sub_path, needs_auth in IDENTITY_API:
                    route = MapRoute(method, sub_path, group, at_file, at, (f"{name}()", None, None),
                                     auth=["MapIdentityApi: RequireAuthorization()"] if needs_auth else [],
                                     dev_only=self.dev)
                    self.routes.append(route)
            else:
                pattern = template if isinstance(template, str) else "/openapi/{documentName}.json"
                self.routes.append(MapRoute("GET", brace_params(pattern), group, at_file, at, (f"{name}()", None, None),
                                            dev_only=self.dev))
            return group
        if name in MAP_VERBS or name in ANY_MAPPERS or name == "MapMethods":
            if not isinstance(template, str):
                self.warnings.append(SourceWarning(path=path, line=at, reason=f"aspnet: {name} pattern is not a literal"))
                return None
            methods = [MAP_VERBS[name]] if name in MAP_VERBS else ["ANY"]
            handler_node = args[1] if len(args) > 1 else None
            if name == "MapMethods" and len(args) > 2:
                methods = [s.upper() for s in (string_value(n) for n in _descend(args[1], {"string_literal"})) if s]
                handler_node = args[2]
            last: MapRoute | None = None
            for method in methods:
                if name in {"MapHealthChecks", "MapForwarder"} or handler_node is None or \
                        handler_node.type in {"string_literal", "verbatim_string_literal"}:
                    # health checks, a forwarder to a URL: the framework serves it from this declaration
                    handler: tuple[str | None, str | None, int | None] = (f"{name}()", path, at)
                else:
                    handler = self.handler(handler_node, path)
                last = MapRoute(method, brace_params(template), group, path, at, handler, dev_only=self.dev)
                self.routes.append(last)
            return last
        if name == "RequireAuthorization":
            group.auth.append(_call_text("RequireAuthorization", args))
            return group
        if name == "AllowAnonymous":
            group.anonymous = True
            return group
        for candidate in self.nearest(name, path):
            if candidate.extension:
                return self.call_method(candidate, [group] + [self.eval(a, env, path, live) for a in args], live)
        return group if name.startswith(("With", "Add", "Produces", "Accepts", "Cache", "Disable", "Require")) else None

    def nearest(self, name: str, path: str) -> list[Method]:
        """The methods named ``name``, those of the caller's own project first (two services of one
        repository may each define ``MapTodos``): the longest shared folder prefix wins."""
        def shared(method: Method) -> int:
            a, b = method.file.split("/")[:-1], path.split("/")[:-1]
            n = 0
            while n < min(len(a), len(b)) and a[n] == b[n]:
                n += 1
            return n
        return sorted(self.methods.get(name, []), key=lambda m: -shared(m))

    def handler(self, node: Node | None, path: str) -> tuple[str | None, str | None, int | None]:
        if node is None:
            return (None, None, None)
        if node.type in {"lambda_expression", "anonymous_method_expression"}:
            return ("lambda", path, line(node))
        name = text(node)
        short = name.rsplit(".", 1)[-1]
        candidates = self.methods.get(short, [])
        if candidates:
            return (name, candidates[0].file, line(candidates[0].node))
        return (name, None, None)


def _call_text(name: str, args: list[Node]) -> str:
    return f"{name}({', '.join(text(a) for a in args)})"


def _descend(node: Node, kinds: set[str]) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in kinds:
            out.append(current)
        stack.extend(reversed(current.named_children))
    return out


# -- the reader ------------------------------------------------------------------------------------

def _wants(path: str) -> bool:
    return path.endswith(".cs") and not is_vendored(path) and not is_generated_or_fixture(path) \
        and not is_test_path(path)


def _parse(path: str, source: str) -> Any:
    if not any(mark in source for mark in ("Controller", "Map", "[Route", "[Http", "TransformOutbound")):
        return None
    tree = parse("csharp", source)
    conventions = _token_conventions(tree.root_node) if "TransformOutbound" in source or \
        "RouteTokenTransformerConvention" in source else ([], set())
    return (_classes(tree.root_node), tree, "Map" in source, conventions)


def _build(parsed: dict[str, Any]) -> ApiPart:
    warnings: list[SourceWarning] = []
    endpoints: list[ApiEndpoint] = []
    classes = {c.name: (path, c) for path, v in parsed.items() for c in v[0]}
    installed = [name for v in parsed.values() for name in v[3][0]]
    kebab_classes = {name for v in parsed.values() for name in v[3][1]}
    slugify = bool(installed) and all(name in kebab_classes for name in installed)
    for name in installed:
        if name not in kebab_classes:
            warnings.append(SourceWarning(path=next(p for p, v in parsed.items() if name in v[3][0]), reason=(
                f"aspnet: route token transformer {name} is not the kebab-case slugify phasegate knows; "
                "[controller]/[action] are shown untransformed")))

    def ancestry(cls: ControllerClass) -> list[ControllerClass]:
        chain = [cls]
        while len(chain) < 10:
            parent = next((classes[b][1] for b in chain[-1].bases if b in classes), None)
            if parent is None or parent in chain:
                break
            chain.append(parent)
        return chain

    for _path, cls in sorted(((p, c) for p, c in classes.values()), key=lambda pc: (pc[0], pc[1].line)):
        chain = ancestry(cls)
        all_attrs = [a for c in chain for a in c.attrs]
        is_controller = any(b in CONTROLLER_BASES for c in chain for b in c.bases) or any(
            a.name in {"ApiController", "Controller"} for a in all_attrs) or (
            cls.name.endswith("Controller") and cls.is_public)  # MVC also discovers POCO "…Controller" classes
        if not is_controller or cls.is_abstract or any(a.name == "NonController" for a in cls.attrs):
            continue
        route_attrs = next(([a for a in c.attrs if a.name == "Route"] for c in chain
                            if any(a.name == "Route" for a in c.attrs)), [])
        class_templates = [a.first_string() or "" for a in route_attrs] or [""]
        area = next((a.first_string() for a in all_attrs if a.name == "Area"), None)
        class_auth = next((a for a in all_attrs if a.name == "Authorize"), None)
        actions = [a for c in chain for a in c.actions]
        overridden: set[str] = set()
        for action in actions:
            key = f"{action.name}/{len(action.attrs)}/{action.returns}"
            if key in overridden and action not in cls.actions:
                continue  # a base-class action this class overrides
            overridden.add(key)
            verb_attrs = [a for a in action.attrs if a.name in HTTP_ATTRS]
            route_only = [a for a in action.attrs if a.name == "Route"]
            if not verb_attrs and not route_only:
                continue
            templates: list[tuple[str, str | None]] = []
            for a in verb_attrs:
                templates.append((HTTP_ATTRS[a.name], a.first_string()))
            for a in route_only:
                if verb_attrs:
                    templates = [(m, t if t is not None else a.first_string()) for m, t in templates]
                else:
                    templates.append(("ANY", a.first_string()))
            auth_attr = next((a for a in action.attrs if a.name == "Authorize"), None) or class_auth
            anonymous = any(a.name == "AllowAnonymous" for a in action.attrs)
            auth = None if anonymous or auth_attr is None else "[Authorize" + (
                "(" + ", ".join(text(v) if k is None else f"{k} = {text(v)}" for k, v in auth_attr.args) + ")"
                if auth_attr.args else "") + "]"
            response = _unwrap(action.returns)
            if response is None:
                for a in action.attrs:
                    if a.name == "ProducesResponseType" and a.args and a.args[0][1].type == "typeof_expression":
                        response = text(a.args[0][1].named_children[0]) if a.args[0][1].named_children else None
                        break
            for method, template in templates:
                for class_template in class_templates:
                    raw = template or ""
                    if raw.startswith(("/", "~/")):
                        full_raw = raw.lstrip("~")
                    else:
                        full_raw = join(class_template, raw)
                    full = join(brace_params(_template(full_raw, cls, action, area, slugify)))
                    owner = next(c for c in chain if action in c.actions)
                    endpoints.append(ApiEndpoint(
                        method=method, path=full, params=params_of(full), file=classes[owner.name][0],
                        line=(verb_attrs or route_only)[0].line, handler=f"{cls.name}.{action.name}",
                        handler_file=classes[owner.name][0], handler_line=action.line, framework="aspnet",
                        auth=auth, request=action.body_type, response=response))
    trees = {p: v[1].root_node for p, v in parsed.items() if v[2]}
    if trees:
        minimal = Minimal(trees)
        for path, root in sorted(trees.items()):
            if any(c.type == "global_statement" for c in root.named_children):
                minimal.run_block(root, {}, path, True)
        for main in minimal.methods.get("Main", []):
            minimal.call_method(main, [], True)
        referenced = set()
        for root in trees.values():
            for ident in _descend(root, {"identifier"}):
                parent = ident.parent
                if parent is not None and parent.type in {"method_declaration", "local_function_statement"}:
                    continue
                referenced.add(text(ident))
        for candidates in minimal.methods.values():
            for candidate in candidates:
                if id(candidate.node) not in minimal.called:
                    # a method taking the route builder in a class that implements an interface
                    # (``IEndpoint.AddRoute(app)``) is called through it, by a library's MapEndpoints()
                    by_interface = any(t in ROUTE_BUILDER_TYPES for t in candidate.param_types) and any(
                        b[:1] == "I" and b[1:2].isupper() for b in candidate.owner_bases)
                    minimal.call_method(candidate, [], candidate.name in referenced or by_interface)
        for route in minimal.routes:
            prefix_parts: list[str] = []
            route_auth = list(route.auth)
            anonymous = route.anonymous
            group: Group | None = route.group
            live = route.group.live
            while group is not None:
                prefix_parts.insert(0, group.prefix)
                route_auth = group.auth + route_auth
                anonymous = anonymous or group.anonymous
                live = live and group.live
                group = group.parent
            full = join(*prefix_parts, route.path)
            hname, hfile, hline = route.handler
            endpoints.append(ApiEndpoint(method=route.method, path=full, params=params_of(full), file=route.file,
                                         line=route.line, handler=hname, handler_file=hfile, handler_line=hline,
                                         framework="aspnet-minimal",
                                         auth=None if anonymous or not route_auth else ", ".join(
                                             dict.fromkeys(route_auth)),
                                         dead=not live, dev_only=route.dev_only))
        warnings.extend(minimal.warnings)
    for path, value in parsed.items():
        if value[1].root_node.has_error and any(e.file == path for e in endpoints):
            warnings.append(SourceWarning(path=path, reason="aspnet: syntax errors, some endpoints may be missing"))
    return ApiPart(reader="aspnet", endpoints=endpoints, warnings=warnings)


ASPNET_READER: Reader[Any, ApiPart] = Reader(name="aspnet", wants=_wants, parse=_parse, build=_build, version=3,
                                       suffixes=frozenset({".cs"}))
READERS = [ASPNET_READER]

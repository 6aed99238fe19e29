"""Spring MVC / WebFlux endpoints from Java and Kotlin controllers (tree-sitter), with the context path.

A handler method's paths are the class-level ``@RequestMapping`` paths times the method mapping's
paths (``@GetMapping``… or ``@RequestMapping(method = RequestMethod.X)``; none given is ``ANY``), from
``value``/``path`` or the positional argument, single strings or arrays, ``static final``/``const val``
String constants and ``+`` concatenations resolved. Path variables keep their name only
(``{id:\\d+}`` is ``{id}``). ``@PreAuthorize``/``@PostAuthorize``/``@Secured``/``@RolesAllowed`` on the
method or the class is the ``auth``; the ``@RequestBody`` parameter's type is the request; the return
type (``ResponseEntity<X>``, ``Mono<X>``… unwrapped once; ``void`` none) is the response of a
``@RestController`` or ``@ResponseBody`` method; a ``@Controller``'s ``String`` is a view name, not a body.

Mapping annotations on an interface are inherited by the controllers that implement it (the
OpenAPI-generator layout). A class with mappings but no ``@Controller``/``@RestController`` and no
controller implementing it is never registered: ``dead``.

The prefix: ``server.servlet.context-path`` (MVC) or ``spring.webflux.base-path`` (WebFlux) from the
main ``application.properties``/``application.yml`` (not profile files such as ``application-dev.yml``,
which apply only when that profile is active), and ``spring.mvc.servlet.path``, are prepended to
every path, because a client calls the application under them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from phasegate.app.analyzers._files import is_own_code
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import brace_params, join, params_of
from phasegate.app.analyzers.readers import Reader, SourceWarning
from phasegate.app.analyzers.treesitter import line, parse, string_value, text

if TYPE_CHECKING:
    from tree_sitter import Node

MAPPINGS = {"GetMapping": "GET", "PostMapping": "POST", "PutMapping": "PUT", "DeleteMapping": "DELETE",
            "PatchMapping": "PATCH", "RequestMapping": None}
AUTH_ANNOTATIONS = {"PreAuthorize", "PostAuthorize", "Secured", "RolesAllowed", "PermitAll", "DenyAll"}
CONTROLLERS = {"RestController", "Controller"}
WRAPPER_TYPES = {"ResponseEntity", "Mono", "Flux", "Optional", "CompletableFuture", "HttpEntity", "Callable",
                 "DeferredResult", "CompletionStage", "List", "Set", "Collection", "Iterable", "Page"}
PREFIX_KEYS = ("server.servlet.context-path", "spring.webflux.base-path", "spring.mvc.servlet.path")

Value = tuple[Any, ...]


@dataclass
class Annotation:
    name: str
    args: list[tuple[str | None, Value]]
    line: int

    def get(self, *keys: str | None) -> Value | None:
        for key, value in self.args:
            if key in keys:
                return value
        return None


@dataclass
class Method:
    name: str
    line: int
    annotations: list[Annotation]
    returns: str | None
    body_param: str | None


@dataclass
class ClassInfo:
    name: str
    line: int
    is_interface: bool
    annotations: list[Annotation]
    supertypes: list[str]
    methods: list[Method]
    constants: dict[str, Value] = field(default_factory=dict)


def _ann_name(raw: str) -> str:
    return raw.rsplit(".", 1)[-1]


# -- Java ------------------------------------------------------------------------------------------

def _java_value(node: Node) -> Value:
    kind = node.type
    if kind == "string_literal":
        value = string_value(node)
        return ("str", value) if value is not None else ("other", text(node))
    if kind == "element_value_array_initializer":
        return ("array", [_java_value(c) for c in node.named_children if c.type != "comment"])
    if kind == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None and text(node.child_by_field_name("operator")) in {"+", ""}:
            return ("concat", [_java_value(left), _java_value(right)])
    if kind in {"identifier", "field_access", "scoped_identifier"}:
        return ("ref", text(node))
    if kind == "parenthesized_expression" and node.named_children:
        return _java_value(node.named_children[0])
    return ("other", text(node))


def _java_annotations(modifiers: Node | None) -> list[Annotation]:
    out: list[Annotation] = []
    if modifiers is None:
        return out
    for child in modifiers.named_children:
        if child.type not in {"annotation", "marker_annotation"}:
            continue
        name = _ann_name(text(child.child_by_field_name("name")))
        args: list[tuple[str | None, Value]] = []
        arg_list = child.child_by_field_name("arguments")
        for arg in arg_list.named_children if arg_list is not None else []:
            if arg.type == "element_value_pair":
                value = arg.child_by_field_name("value")
                args.append((text(arg.child_by_field_name("key")), _java_value(value) if value else ("other", "")))
            elif arg.type != "comment":
                args.append((None, _java_value(arg)))
        out.append(Annotation(name, args, line(child)))
    return out


def _modifiers(node: Node) -> Node | None:
    for child in node.named_children:
        if child.type == "modifiers":
            return child
    return None


def _java_classes(root: Node) -> list[ClassInfo]:
    out: list[ClassInfo] = []
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.type in {"class_declaration", "interface_declaration"}:
                out.append(_java_class(child))
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append(body)
            elif child.type in {"program", "class_body", "interface_body"}:
                stack.append(child)
    return out


def _java_class(node: Node) -> ClassInfo:
    supertypes: list[str] = []
    for key in ("superclass", "interfaces"):
        part = node.child_by_field_name(key)
        if part is not None:
            for t in _descendants(part, {"type_identifier", "scoped_type_identifier"}):
                supertypes.append(text(t).rsplit(".", 1)[-1])
    if node.type == "interface_declaration":
        for child in node.named_children:
            if child.type == "extends_interfaces":
                supertypes.extend(text(t) for t in _descendants(child, {"type_identifier"}))
    info = ClassInfo(name=text(node.child_by_field_name("name")), line=line(node),
                     is_interface=node.type == "interface_declaration",
                     annotations=_java_annotations(_modifiers(node)), supertypes=supertypes, methods=[])
    body = node.child_by_field_name("body")
    for member in body.named_children if body is not None else []:
        if member.type == "method_declaration":
            body_param = None
            params = member.child_by_field_name("parameters")
            for param in params.named_children if params is not None else []:
                anns = _java_annotations(_modifiers(param))
                if any(a.name == "RequestBody" for a in anns):
                    body_param = text(param.child_by_field_name("type"))
            info.methods.append(Method(name=text(member.child_by_field_name("name")), line=line(member),
                                       annotations=_java_annotations(_modifiers(member)),
                                       returns=text(member.child_by_field_name("type")) or None,
                                       body_param=body_param))
        elif member.type in {"field_declaration", "constant_declaration"}:
            type_text = text(member.child_by_field_name("type"))
            if type_text != "String":
                continue
            for declarator in member.children_by_field_name("declarator"):
                value = declarator.child_by_field_name("value")
                if value is not None:
                    info.constants[text(declarator.child_by_field_name("name"))] = _java_value(value)
    return info


def _descendants(node: Node, kinds: set[str]) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in kinds:
            out.append(current)
            continue
        stack.extend(reversed(current.named_children))
    return out


# -- Kotlin ----------------------------------------------------------------------------------------

def _kt_value(node: Node) -> Value:
    kind = node.type
    if kind == "string_literal":
        parts = [c for c in node.named_children]
        if all(c.type == "string_content" for c in parts):
            return ("str", "".join(text(c) for c in parts))
        return ("other", text(node))
    if kind == "collection_literal":
        return ("array", [_kt_value(c) for c in node.named_children])
    if kind == "call_expression" and text(node).startswith(("arrayOf", "listOf")):
        args = [c for c in _descendants(node, {"value_argument"})]
        return ("array", [_kt_value(a.named_children[-1]) for a in args if a.named_children])
    if kind in {"additive_expression", "binary_expression"} and len(node.named_children) == 2:
        return ("concat", [_kt_value(node.named_children[0]), _kt_value(node.named_children[1])])
    if kind in {"identifier", "simple_identifier", "navigation_expression"}:
        return ("ref", text(node))
    if kind == "parenthesized_expression" and node.named_children:
        return _kt_value(node.named_children[0])
    return ("other", text(node))


def _kt_annotation(node: Node) -> Annotation | None:
    inner = node.named_children[-1] if node.named_children else None
    if inner is None:
        return None
    if inner.type == "user_type":
        return Annotation(_ann_name(text(inner)), [], line(node))
    if inner.type == "constructor_invocation":
        name = _ann_name(text(inner.named_children[0])) if inner.named_children else ""
        args: list[tuple[str | None, Value]] = []
        for value_args in inner.named_children[1:]:
            for arg in value_args.named_children:
                if arg.type != "value_argument" or not arg.named_children:
                    continue
                parts = arg.named_children
                # ``name = value``: the grammar gives the name as a leading identifier before ``=``
                key = None
                if len(parts) >= 2 and parts[0].type in {"identifier", "simple_identifier"} and "=" in text(arg):
                    key = text(parts[0])
                args.append((key, _kt_value(parts[-1])))
        return Annotation(name, args, line(node))
    return None


def _kt_annotations(node: Node | None) -> list[Annotation]:
    out: list[Annotation] = []
    if node is None:
        return out
    for child in node.named_children:
        if child.type == "annotation":
            ann = _kt_annotation(child)
            if ann is not None:
                out.append(ann)
    return out


def _kt_classes(root: Node) -> list[ClassInfo]:
    out: list[ClassInfo] = []
    top_constants: dict[str, Value] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.type in {"class_declaration", "object_declaration"}:
                out.append(_kt_class(child))
                for body in child.named_children:
                    if body.type == "class_body":
                        stack.append(body)
            elif child.type == "companion_object":
                for body in child.named_children:
                    if body.type == "class_body":
                        stack.append(body)
            elif child.type == "property_declaration" and node.type == "source_file":
                _kt_constant(child, top_constants)
    if out and top_constants:
        out[0].constants.update(top_constants)
    elif top_constants:
        out.append(ClassInfo("", 1, False, [], [], [], top_constants))
    return out


def _kt_constant(node: Node, into: dict[str, Value]) -> None:
    names = [c for c in node.named_children if c.type == "variable_declaration"]
    values = [c for c in node.named_children if c.type == "string_literal" or c.type.endswith("_expression")]
    if names and values:
        into[text(names[0].named_children[0]) if names[0].named_children else text(names[0])] = _kt_value(values[-1])


def _kt_class(node: Node) -> ClassInfo:
    is_interface = any(text(c) == "interface" for c in node.children if not c.is_named)
    supertypes = [text(t.named_children[0]).rsplit(".", 1)[-1]
                  for spec in node.named_children if spec.type == "delegation_specifiers"
                  for t in _descendants(spec, {"user_type"}) if t.named_children]
    info = ClassInfo(name=text(node.child_by_field_name("name")), line=line(node), is_interface=is_interface,
                     annotations=_kt_annotations(_modifiers(node)), supertypes=supertypes, methods=[])
    stack = [c for c in node.named_children if c.type == "class_body"]
    while stack:
        body = stack.pop()
        for member in body.named_children:
            if member.type == "function_declaration":
                info.methods.append(_kt_method(member))
            elif member.type == "property_declaration":
                _kt_constant(member, info.constants)
            elif member.type == "companion_object":
                stack.extend(c for c in member.named_children if c.type == "class_body")
    return info


def _kt_method(node: Node) -> Method:
    body_param = None
    returns = None
    seen_params = False
    for child in node.named_children:
        if child.type == "function_value_parameters":
            seen_params = True
            pending: list[Annotation] = []
            for part in child.named_children:
                if part.type == "parameter_modifiers":
                    pending = _kt_annotations(part)
                elif part.type == "parameter":
                    anns = pending + _kt_annotations(_modifiers(part))
                    types = [c for c in part.named_children if c.type in {"user_type", "nullable_type"}]
                    if any(a.name == "RequestBody" for a in anns) and types:
                        body_param = text(types[0])
                    pending = []
        elif seen_params and child.type in {"user_type", "nullable_type"} and returns is None:
            returns = text(child)
    return Method(name=text(node.child_by_field_name("name")), line=line(node),
                  annotations=_kt_annotations(_modifiers(node)), returns=returns, body_param=body_param)


# -- Spring Security ------------------------------------------------------------------------------

MATCHERS = {"requestMatchers", "antMatchers", "mvcMatchers", "regexMatchers", "pathMatchers"}
ANY_MATCHERS = {"anyRequest", "anyExchange"}
DECISIONS = {"permitAll", "authenticated", "fullyAuthenticated", "hasRole", "hasAnyRole", "hasAuthority",
             "hasAnyAuthority", "denyAll", "access", "anonymous", "rememberMe", "hasIpAddress"}
OPEN_DECISIONS = {"permitAll", "anonymous", "ignored"}
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}

SecurityRule = tuple[list[str], list[str], str, int]  # methods ([] = any), Ant patterns ([] = any), decision, line


def _java_security_rules(root: Node) -> list[SecurityRule]:
    """``http.authorizeHttpRequests(r -> r.requestMatchers(GET, "/a/**").permitAll().anyRequest()
    .authenticated())`` (and ``authorizeRequests``/``authorizeExchange``, ``antMatchers``…, and
    ``web.ignoring().requestMatchers(...)``) as ordered rules: the first rule that matches decides."""
    rules: list[SecurityRule] = []
    ignored: list[SecurityRule] = []
    every: list[Node] = []
    stack = [root]
    while stack:  # every invocation, also those inside another's arguments (the lambda of authorize…)
        current_node = stack.pop()
        if current_node.type == "method_invocation":
            every.append(current_node)
        stack.extend(reversed(current_node.named_children))
    for node in every:
        parent = node.parent
        receiver = parent.child_by_field_name("object") if parent is not None else None
        if parent is not None and parent.type == "method_invocation" and receiver is not None and \
                receiver.id == node.id:
            continue  # only whole chains
        links: list[tuple[str, Node | None, int]] = []
        current: Node | None = node
        while current is not None and current.type == "method_invocation":
            links.append((text(current.child_by_field_name("name")), current.child_by_field_name("arguments"),
                          line(current)))
            current = current.child_by_field_name("object")
        links.reverse()
        names = [n for n, _, _ in links]
        if not (set(names) & (MATCHERS | ANY_MATCHERS)):
            continue
        into = ignored if "ignoring" in names else rules
        pending: tuple[list[str], list[str]] | None = None
        for name, args, at in links:
            if name in MATCHERS and args is not None:
                methods: list[str] = []
                patterns: list[str] = []
                for arg in args.named_children:
                    raw = text(arg).rsplit(".", 1)[-1]
                    if arg.type == "string_literal":
                        patterns.append(string_value(arg) or "")
                    elif raw in HTTP_METHODS:
                        methods.append(raw)
                pending = (methods, patterns)
                if into is ignored:
                    into.append((methods, patterns, "ignored", at))
            elif name in ANY_MATCHERS:
                pending = ([], [])
            elif name in DECISIONS and pending is not None:
                arg_text = text(args)[1:-1] if args is not None else ""
                decision = f"{name}({arg_text})" if arg_text else name
                into.append((pending[0], pending[1], decision, at))
                pending = None
    return ignored + rules


def _ant_match(pattern: str, path: str) -> bool:
    """Spring's Ant path matching: ``**`` any number of segments, ``*`` and ``{x}`` one segment."""
    pat = [p for p in pattern.split("/") if p]
    segs = [p for p in path.split("/") if p]

    def match(i: int, j: int) -> bool:
        if i == len(pat):
            return j == len(segs)
        if pat[i] == "**":
            return any(match(i + 1, k) for k in range(j, len(segs) + 1))
        if j == len(segs):
            return False
        p, seg = pat[i], segs[j]
        ok = p == seg or p == "*" or (p.startswith("{") and p.endswith("}")) or (
            "*" in p and seg.startswith(p.split("*", 1)[0]) and seg.endswith(p.rsplit("*", 1)[-1]))
        return ok and match(i + 1, j + 1)

    return match(0, 0)


def _security_auth(rules: list[SecurityRule], method: str, path: str) -> tuple[bool, str | None]:
    """(a rule matched, the auth it states) for an endpoint's method and path inside the application."""
    for methods, patterns, decision, _ in rules:
        if methods and method not in methods and method != "ANY":
            continue
        if patterns and not any(_ant_match(p, path) for p in patterns):
            continue
        return True, None if decision in OPEN_DECISIONS else f"security: {decision}"
    return False, None


# -- settings --------------------------------------------------------------------------------------

def _settings_prefix(path: str, source: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if path.endswith(".properties"):
        for raw in source.splitlines():
            entry = raw.strip()
            if not entry or entry[0] in "#!":
                continue
            for sep in ("=", ":"):
                if sep in entry:
                    key, _, value = entry.partition(sep)
                    if key.strip() in PREFIX_KEYS:
                        found[key.strip()] = value.strip()
                    break
        return found
    try:
        docs = list(yaml.safe_load_all(source))
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {exc}") from exc
    for doc in docs[:1]:  # later documents are profile-activated overrides
        for key in PREFIX_KEYS:
            node: Any = doc
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None and isinstance(doc, dict) and key in doc:
                node = doc[key]
            if isinstance(node, str):
                found[key] = node
    return found


# -- the reader ------------------------------------------------------------------------------------

def _wants(path: str) -> bool:
    # the suffix first: this runs on every path of the repository
    if not path.endswith((".java", ".kt", ".properties", ".yml", ".yaml")):
        return False
    if not is_own_code(path):
        return False
    if path.endswith((".java", ".kt")):
        return True
    return path.rsplit("/", 1)[-1] in {"application.properties", "application.yml", "application.yaml"}


def _parse(path: str, source: str) -> Any:
    if not path.endswith((".java", ".kt")):
        prefix = _settings_prefix(path, source)
        return ("settings", prefix) if prefix else None
    if not any(mark in source for mark in ("Mapping", "Controller", "final String", "const val", "Matchers(")):
        return None  # neither a controller, a class of String constants a mapping may use, nor security rules
    rules: list[SecurityRule] = []
    if path.endswith(".java"):
        tree = parse("java", source)
        classes = _java_classes(tree.root_node)
        if "Matchers(" in source or "anyRequest" in source or "anyExchange" in source:
            rules = _java_security_rules(tree.root_node)
    else:
        tree = parse("kotlin", source)
        classes = _kt_classes(tree.root_node)
    if not classes and not rules:
        return None
    return ("code", classes, tree.root_node.has_error, rules)


def _unwrap(type_text: str | None) -> str | None:
    if not type_text or type_text in {"void", "Unit", "Void"}:
        return None
    current = type_text.strip().rstrip("?")
    for _ in range(2):
        head, sep, rest = current.partition("<")
        if sep and head.strip() in {"ResponseEntity", "Mono", "Optional", "CompletableFuture", "HttpEntity",
                                    "Callable", "DeferredResult", "CompletionStage"}:
            current = rest[: rest.rfind(">")].strip() if ">" in rest else rest
        else:
            break
    if current in {"?", "Void", "Unit", "void", "ResponseEntity", "Mono"}:
        return None
    return current


class _Resolver:
    def __init__(self, classes: list[tuple[str, ClassInfo]]) -> None:
        self.qualified: dict[str, Value] = {}
        self.simple: dict[str, list[Value]] = {}
        for _, info in classes:
            for name, value in info.constants.items():
                self.qualified[f"{info.name}.{name}"] = value
                self.simple.setdefault(name, []).append(value)

    def strings(self, value: Value | None, owner: ClassInfo, depth: int = 0) -> list[str] | None:
        """Every string ``value`` stands for; None when something in it cannot be resolved."""
        if value is None or depth > 8:
            return None
        kind = value[0]
        if kind == "str":
            return [value[1]]
        if kind == "array":
            out: list[str] = []
            for item in value[1]:
                got = self.strings(item, owner, depth + 1)
                if got is None:
                    return None
                out.extend(got)
            return out
        if kind == "concat":
            left = self.strings(value[1][0], owner, depth + 1)
            right = self.strings(value[1][1], owner, depth + 1)
            if left is None or right is None or len(left) != 1 or len(right) != 1:
                return None
            return [left[0] + right[0]]
        if kind == "ref":
            name = value[1]
            if name in owner.constants:
                return self.strings(owner.constants[name], owner, depth + 1)
            tail = ".".join(name.split(".")[-2:])
            if tail in self.qualified:
                return self.strings(self.qualified[tail], owner, depth + 1)
            candidates = self.simple.get(name.rsplit(".", 1)[-1], [])
            if len(candidates) == 1:
                return self.strings(candidates[0], owner, depth + 1)
        return None

    def methods(self, ann: Annotation) -> list[str]:
        fixed = MAPPINGS.get(ann.name)
        if fixed:
            return [fixed]
        value = ann.get("method")
        if value is None:
            return ["ANY"]
        items = value[1] if value[0] == "array" else [value]
        return [str(item[1]).rsplit(".", 1)[-1].upper() for item in items if item[0] in {"ref", "other"}] or ["ANY"]


def _paths(resolver: _Resolver, ann: Annotation | None, owner: ClassInfo) -> list[str] | None:
    if ann is None:
        return [""]
    value = ann.get("value", "path", None)
    if value is None:
        return [""]
    return resolver.strings(value, owner)


def _build(parsed: dict[str, Any]) -> ApiPart:
    prefix = ""
    warnings: list[SourceWarning] = []
    classes: list[tuple[str, ClassInfo]] = []
    security: list[SecurityRule] = []
    settings = sorted((p, v[1]) for p, v in parsed.items() if v[0] == "settings")
    for _path, found in sorted(settings, key=lambda pv: (pv[0].count("/"), pv[0])):
        for key in PREFIX_KEYS[:2]:
            if key in found and not prefix:
                prefix = found[key]
        if PREFIX_KEYS[2] in found:
            prefix = join(prefix, found[PREFIX_KEYS[2]])
    for path, value in sorted(parsed.items()):
        if value[0] != "code":
            continue
        if value[2]:
            warnings.append(SourceWarning(path=path, reason="spring: syntax errors, some mappings may be missing"))
        classes.extend((path, info) for info in value[1])
        security.extend(value[3])
    resolver = _Resolver(classes)
    implementers: dict[str, list[tuple[str, ClassInfo]]] = {}
    for path, info in classes:
        for sup in info.supertypes:
            implementers.setdefault(sup, []).append((path, info))
    endpoints: list[ApiEndpoint] = []

    def emit(path: str, info: ClassInfo, method: Method, owner: tuple[str, ClassInfo], dead: bool,
             inherited: list[Method]) -> None:
        own_path, owner_info = owner
        mapping = next((a for a in method.annotations if a.name in MAPPINGS), None)
        if mapping is None:
            return
        class_mapping = next((a for a in owner_info.annotations if a.name == "RequestMapping"), None)
        if class_mapping is None and owner_info is not info:
            class_mapping = next((a for a in info.annotations if a.name == "RequestMapping"), None)
        class_paths = _paths(resolver, class_mapping, owner_info)
        method_paths = _paths(resolver, mapping, info)
        if class_paths is None or method_paths is None:
            warnings.append(SourceWarning(path=path, line=mapping.line,
                                          reason=f"spring: path of {info.name}.{method.name} is not a constant"))
            return
        anns = method.annotations + [a for m in inherited for a in m.annotations] + owner_info.annotations
        auth = next((a for a in anns if a.name in AUTH_ANNOTATIONS), None)
        auth_text = None
        if auth is not None:
            strings = resolver.strings(auth.get("value", None), info) if auth.args else None
            auth_text = f"@{auth.name}" + (f"({', '.join(strings)})" if strings else "")
        rest = any(a.name == "RestController" for a in owner_info.annotations) or any(
            a.name == "ResponseBody" for a in method.annotations + owner_info.annotations)
        response = _unwrap(method.returns) if rest else None
        for http_method in resolver.methods(mapping):
            for cp in class_paths:
                for mp in method_paths:
                    inner = join(brace_params(cp), brace_params(mp))
                    full = join(prefix, inner)
                    endpoint_auth = auth_text
                    if endpoint_auth is None and security:
                        endpoint_auth = _security_auth(security, http_method, inner)[1]
                    endpoints.append(ApiEndpoint(
                        method=http_method, path=full, params=params_of(full), file=path, line=mapping.line,
                        handler=f"{owner_info.name}.{method.name}", handler_file=own_path,
                        handler_line=next((m.line for m in owner_info.methods if m.name == method.name),
                                          method.line),
                        framework="spring", auth=endpoint_auth, request=method.body_param, response=response,
                        dead=dead))

    for path, info in classes:
        if any(a.name in CONTROLLERS for a in info.annotations) and not info.is_interface:
            for method in info.methods:
                emit(path, info, method, (path, info), False, [])
            continue
        # An interface or a base class: its mappings serve through the controllers that extend it.
        users = [c for c in _all_implementers(info.name, implementers)
                 if not c[1].is_interface and any(a.name in CONTROLLERS for a in c[1].annotations)]
        for method in info.methods:
            if not any(a.name in MAPPINGS for a in method.annotations):
                continue
            for owner in users:
                override = [m for m in owner[1].methods if m.name == method.name]
                emit(path, info, method, owner, False, override)
            if not users:
                emit(path, info, method, (path, info), True, [])
    return ApiPart(reader="spring", endpoints=endpoints, warnings=warnings)


def _all_implementers(name: str, implementers: dict[str, list[tuple[str, ClassInfo]]]) -> list[tuple[str, ClassInfo]]:
    out: list[tuple[str, ClassInfo]] = []
    seen: set[str] = set()
    queue = [name]
    while queue:
        current = queue.pop()
        for entry in implementers.get(current, []):
            if entry[1].name not in seen:
                seen.add(entry[1].name)
                out.append(entry)
                queue.append(entry[1].name)
    return out


SPRING_READER: Reader[Any, ApiPart] = Reader(name="spring", wants=_wants, parse=_parse, build=_build, version=2,
                                      suffixes=frozenset({".java", ".kt", ".properties", ".yml", ".yaml"}))
READERS = [SPRING_READER]

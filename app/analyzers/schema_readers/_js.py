"""Tree-sitter helpers shared by the TypeScript/JavaScript schema readers (TypeORM, Sequelize, Mongoose,
Knex, Drizzle): literal values, object literals, call chains, decorators and migration ``up`` functions.

Everything here walks syntax trees; nothing evaluates the user's code. A value that is not a literal
(a function call, a variable from another file) comes back as ``UNKNOWN`` so that callers can say so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers._files import is_own_code
from phasegate.app.analyzers.treesitter import SUFFIX_LANGUAGE, language_for, line, parse, string_value, text

if TYPE_CHECKING:
    from tree_sitter import Node

JS_LANGUAGES = {"typescript", "tsx", "javascript"}
# the extensions ``is_js`` can accept (``Reader.suffixes``)
JS_EXT = frozenset(ext for ext, language in SUFFIX_LANGUAGE.items() if language in JS_LANGUAGES)
UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()


# Asked by every JS reader (seven of them) of every JS path: answered once per path.
@functools.lru_cache(maxsize=1 << 18)
def is_js(path: str) -> bool:
    """A TypeScript/JavaScript source of the application: not a dependency, build output, generated
    file, fixture or test."""
    if language_for(path) not in JS_LANGUAGES:
        return False
    return is_own_code(path)


def parse_js(path: str, source: str) -> Node:
    """The syntax tree of a JS/TS file; the last few are kept, since several readers parse the same file
    one after the other (TypeORM, Sequelize, Mongoose and Drizzle all look at a model file)."""
    return _parse_js(path, source)


_FLAT: dict[int, tuple[Node, list[Node]]] = {}  # root id -> (root, every node): readers walk a file often


@functools.lru_cache(maxsize=8)
def _parse_js(path: str, source: str) -> Node:
    language = language_for(path) or "typescript"
    if language == "javascript" and path.endswith((".js", ".jsx")):
        # plain JS files often carry decorators or type annotations (babel/ts projects): the TS grammar
        # reads both, and JSX files keep the JavaScript grammar
        language = "typescript" if path.endswith(".js") else "javascript"
    root = parse(language, source).root_node
    if len(_FLAT) > 32:
        _FLAT.clear()
    _FLAT[id(root)] = (root, list(_walk(root)))
    return root


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node`` in source order (pre-order), without recursion; a whole file's nodes
    are listed once per parse."""
    cached = _FLAT.get(id(node))
    if cached is not None and cached[0] is node:
        return iter(cached[1])
    return _walk(node)


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def named(node: Node | None) -> list[Node]:
    """Named children without comments."""
    if node is None:
        return []
    return [c for c in node.named_children if c.type != "comment"]


def call_args(call: Node) -> list[Node]:
    return named(call.child_by_field_name("arguments"))


def unwrap(node: Node | None) -> Node | None:
    """Strip parentheses, ``await``, ``as``/``satisfies`` casts and non-null assertions."""
    while node is not None and node.type in {"parenthesized_expression", "await_expression", "as_expression",
                                             "satisfies_expression", "non_null_expression", "type_assertion"}:
        inner = named(node)
        node = inner[0] if inner else None
    return node


def dotted(node: Node | None) -> str | None:
    """``a.b.c`` for an identifier or member chain (``this`` included), else None."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type in {"identifier", "property_identifier", "this", "type_identifier",
                     "shorthand_property_identifier"}:
        return text(node)
    if node.type == "member_expression":
        obj = dotted(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        return f"{obj}.{text(prop)}" if obj is not None and prop is not None else None
    return None


def callee(call: Node) -> str | None:
    """The dotted name of what a call calls (``queryInterface.createTable``), None for computed callees."""
    fn = call.child_by_field_name("function")
    if fn is not None and fn.type == "call_expression":  # factory(...)(...)
        return None
    return dotted(fn)


def method_name(call: Node) -> str | None:
    fn = unwrap(call.child_by_field_name("function"))
    if fn is None:
        return None
    if fn.type == "member_expression":
        prop = fn.child_by_field_name("property")
        return text(prop) if prop is not None else None
    if fn.type == "identifier":
        return text(fn)
    return None


def receiver(call: Node) -> Node | None:
    fn = unwrap(call.child_by_field_name("function"))
    if fn is not None and fn.type == "member_expression":
        return fn.child_by_field_name("object")
    return None


def str_lit(node: Node | None) -> str | None:
    """A string literal's value; a template literal only when it has no ``${}``."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.children):
            return None
    if node.type in {"string", "template_string"}:
        raw = string_value(node)
        return None if raw is None else unescape(raw)
    return None


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def unescape(raw: str) -> str:
    """A JS string body's value: ``\\"`` -> ``"``, ``\\n`` -> newline (enough for SQL held in strings)."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt == "\n":  # line continuation
                i += 2
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def key_name(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type in {"property_identifier", "identifier", "shorthand_property_identifier"}:
        return text(node)
    if node.type in {"string", "template_string"}:
        return str_lit(node)
    if node.type == "number":
        return text(node)
    return None


def obj(node: Node | None) -> dict[str, Node] | None:
    """An object literal's properties, key -> value node (shorthand ``{a}`` maps to its identifier)."""
    node = unwrap(node)
    if node is None or node.type != "object":
        return None
    out: dict[str, Node] = {}
    for child in named(node):
        if child.type == "pair":
            key = key_name(child.child_by_field_name("key"))
            value = child.child_by_field_name("value")
            if key is not None and value is not None:
                out[key] = value
        elif child.type == "shorthand_property_identifier":
            out[text(child)] = child
        elif child.type == "method_definition":
            name = child.child_by_field_name("name")
            if name is not None:
                out[text(name)] = child
    return out


def lit(node: Node | None) -> Any:
    """A literal's Python value (str, int/float, bool, None, list, dict), else ``UNKNOWN``."""
    node = unwrap(node)
    if node is None:
        return UNKNOWN
    kind = node.type
    if kind in {"string", "template_string"}:
        value = str_lit(node)
        return UNKNOWN if value is None else value
    if kind == "number":
        raw = text(node).replace("_", "")
        try:
            return int(raw, 0) if re.fullmatch(r"0[xob][0-9a-f]+|\d+", raw, re.I) else float(raw)
        except ValueError:
            return UNKNOWN
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind in {"null", "undefined"}:
        return None
    if kind == "unary_expression" and text(node).startswith("-"):
        inner = lit(named(node)[0]) if named(node) else UNKNOWN
        return -inner if isinstance(inner, (int, float)) else UNKNOWN
    if kind == "array":
        return [lit(c) for c in named(node)]
    if kind == "object":
        return {k: lit(v) for k, v in (obj(node) or {}).items()}
    return UNKNOWN


def truthy(node: Node | None) -> bool:
    return lit(node) is True


def bindings(root: Node) -> dict[str, Node]:
    """Every ``const``/``let``/``var`` name of the file bound to its initializer (first one wins), and
    class fields as ``this.<name>``: enough to follow ``createTable(table)`` to ``new Table({...})``."""
    out: dict[str, Node] = {}
    for node in walk(root):
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                out.setdefault(text(name), value)
        elif node.type in {"public_field_definition", "field_definition"}:
            name = node.child_by_field_name("name") or node.child_by_field_name("property")
            value = node.child_by_field_name("value")
            if name is not None and value is not None:
                out.setdefault("this." + text(name), value)
    return out


def resolve(node: Node | None, scope: dict[str, Node], hops: int = 6) -> Node | None:
    """Follow identifiers (and ``this.x``) through ``scope`` to the expression they name."""
    node = unwrap(node)
    while node is not None and hops > 0:
        name = dotted(node) if node.type in {"identifier", "member_expression"} else None
        if name is None or name not in scope:
            return node
        node = unwrap(scope[name])
        hops -= 1
    return node


def new_args(node: Node | None, class_name: str) -> list[Node] | None:
    """The arguments of ``new <class_name>(...)`` (any qualifier), else None."""
    node = unwrap(node)
    if node is None or node.type != "new_expression":
        return None
    ctor = dotted(node.child_by_field_name("constructor"))
    if ctor is None or ctor.rsplit(".", 1)[-1] != class_name:
        return None
    return named(node.child_by_field_name("arguments"))


@dataclass
class Decorator:
    name: str
    args: list[Node]
    line: int


def decorators(node: Node) -> list[Decorator]:
    """The decorators on a class (also those written before ``export``) or a class member."""
    found: list[Node] = [c for c in node.children if c.type == "decorator"]
    parent = node.parent
    if node.type in {"class_declaration", "class", "abstract_class_declaration"} and parent is not None \
            and parent.type == "export_statement":
        found = [c for c in parent.children if c.type == "decorator"] + found
    out: list[Decorator] = []
    for dec in found:
        expr = named(dec)[0] if named(dec) else None
        if expr is None:
            continue
        if expr.type == "call_expression":
            name = dotted(expr.child_by_field_name("function"))
            args = call_args(expr)
        else:
            name, args = dotted(expr), []
        if name:
            out.append(Decorator(name.rsplit(".", 1)[-1], args, line(dec)))
    return out


def classes(root: Node) -> Iterator[Node]:
    for node in walk(root):
        if node.type in {"class_declaration", "abstract_class_declaration", "class"}:
            yield node


def class_name(node: Node) -> str | None:
    name = node.child_by_field_name("name")
    return text(name) if name is not None else None


def class_base(node: Node) -> str | None:
    for child in node.children:
        if child.type == "class_heritage":
            for sub in walk(child):
                if sub.type == "extends_clause":
                    value = sub.child_by_field_name("value") or (named(sub)[0] if named(sub) else None)
                    name = dotted(value) if value is not None and value.type != "call_expression" else None
                    if value is not None and value.type == "call_expression":
                        name = dotted(value.child_by_field_name("function"))
                    return name.rsplit(".", 1)[-1] if name else None
            # JavaScript's grammar: class_heritage holds the expression directly
            inner = named(child)
            if inner and inner[0].type != "extends_clause":
                name = dotted(inner[0])
                return name.rsplit(".", 1)[-1] if name else None
    return None


def class_members(node: Node) -> list[Node]:
    body = node.child_by_field_name("body")
    return named(body)


def member_name(member: Node) -> str | None:
    name = member.child_by_field_name("name") or member.child_by_field_name("property")
    return text(name) if name is not None else None


def member_type(member: Node) -> str | None:
    """The written TypeScript type of a class field (``string``, ``Date``, ``User[]``), else None."""
    ann = member.child_by_field_name("type")
    if ann is None:
        return None
    inner = named(ann)
    return text(inner[0]) if inner else None


@dataclass
class UpFunction:
    body: Node
    param: str | None
    in_class: bool
    line: int


def _first_param(fn: Node) -> str | None:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return None
    if params.type == "identifier":
        return text(params)
    for p in named(params):
        target = p.child_by_field_name("pattern") if p.type in {"required_parameter", "optional_parameter"} else p
        if target is not None and target.type == "identifier":
            return text(target)
        return None
    return None


def up_functions(root: Node) -> list[UpFunction]:
    """The ``up`` functions of a migration file: a class method ``up(queryRunner)``, ``exports.up =``,
    ``module.exports = { up }``, ``export async function up(knex)`` or ``export const up = …``."""
    out: list[UpFunction] = []
    for node in walk(root):
        fn: Node | None = None
        in_class = False
        if node.type == "method_definition" and member_name(node) == "up":
            fn, in_class = node, bool(node.parent is not None and node.parent.type == "class_body")
        elif node.type in {"function_declaration", "generator_function_declaration"} and member_name(node) == "up":
            fn = node
        elif node.type == "pair" and key_name(node.child_by_field_name("key")) == "up":
            fn = node.child_by_field_name("value")
        elif node.type == "assignment_expression" and (dotted(node.child_by_field_name("left")) or "").endswith(
                ("exports.up",)):
            fn = node.child_by_field_name("right")
        elif node.type == "variable_declarator" and member_name(node) == "up":
            fn = node.child_by_field_name("value")
        fn = unwrap(fn)
        if fn is None or fn.type not in {"function_expression", "function", "arrow_function", "method_definition",
                                         "function_declaration"}:
            continue
        body = fn.child_by_field_name("body")
        if body is not None:
            out.append(UpFunction(body, _first_param(fn), in_class, line(fn)))
    return out


@dataclass
class Link:
    """One call of a method chain: ``t.string('x', 255)`` is Link('string', [x, 255])."""

    name: str
    args: list[Node] = field(default_factory=list)
    node: Node | None = None


def chain(node: Node | None) -> tuple[str | None, list[Link]]:
    """A call chain ``base.a(x).b().c(y)`` as (``base``, [a(x), b(), c(y)]); member accesses without a call
    (``knex.schema``) join the base: (``knex.schema``, [createTable(...)])."""
    links: list[Link] = []
    node = unwrap(node)
    pending: list[str] = []
    while node is not None:
        if node.type == "call_expression":
            fn = unwrap(node.child_by_field_name("function"))
            if fn is not None and fn.type == "member_expression":
                prop = fn.child_by_field_name("property")
                links.append(Link(text(prop), call_args(node), node))
                node = unwrap(fn.child_by_field_name("object"))
                continue
            links.append(Link(dotted(fn) or "", call_args(node), node))
            links.reverse()
            return None, links
        if node.type == "member_expression":
            if links:
                # a property access between calls (`.schema` after `knex`): part of the base only at the root
                base = dotted(node)
                if base is not None:
                    links.reverse()
                    return base, links
            prop = node.child_by_field_name("property")
            pending.append(text(prop))
            node = unwrap(node.child_by_field_name("object"))
            continue
        base = dotted(node)
        links.reverse()
        return base, links
    links.reverse()
    return None, links


def outermost_calls(body: Node) -> Iterator[Node]:
    """Calls in ``body`` in source order whose parent is not itself part of a longer call chain."""
    for node in walk(body):
        if node.type != "call_expression":
            continue
        parent = node.parent
        if parent is not None and parent.type == "member_expression" and parent.parent is not None \
                and parent.parent.type == "call_expression" and parent.parent.child_by_field_name("function") == parent:
            continue  # an inner link of a chain: its outermost call represents it
        yield node


def snake(name: str) -> str:
    """TypeORM's ``snakeCase``: ``ABc`` -> ``a_bc``, ``aB`` -> ``a_b``, lowercased."""
    out = re.sub(r"([A-Z])([A-Z])([a-z])", r"\1_\2\3", name)
    out = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", out)
    return out.lower()


def camel(name: str) -> str:
    """TypeORM's ``camelCase``: a leading capital lowered, ``_x``/``-x``/`` x`` -> ``X``."""
    return re.sub(r"^([A-Z])|[\s\-_](\w)", lambda m: m.group(2).upper() if m.group(2) else m.group(1).lower(), name)

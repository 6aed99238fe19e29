"""Go source as a small statement/expression form, parsed with tree-sitter, for the Go route readers.

``parse_go_file`` turns one ``.go`` file into ``GoFile``: its package, imports, struct field types and
functions, each function body reduced to the statements a router walk needs (assignments, calls,
returns, nested blocks with their condition text) and expressions (identifiers, selectors, calls,
string literals, function literals, composite literals). ``go_routers`` interprets that form across
the packages of a module. Nothing here depends on anything but the file's path and text, so the
result is cached by blob id like every reader's parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers.treesitter import line, parse, string_value, text

if TYPE_CHECKING:
    from tree_sitter import Node

TypeRef = tuple[str, str]  # (import alias or "" for the file's own package, type name)
Expr = tuple[Any, ...]
Stmt = tuple[Any, ...]


@dataclass
class GoFunc:
    name: str
    file: str
    line: int
    recv_type: str | None = None
    recv_name: str | None = None
    params: list[tuple[str, TypeRef | None]] = field(default_factory=list)
    results: list[TypeRef | None] = field(default_factory=list)
    body: list[Stmt] = field(default_factory=list)


@dataclass
class GoFile:
    path: str
    package: str
    imports: dict[str, str]  # alias -> import path
    funcs: list[GoFunc]
    structs: dict[str, dict[str, TypeRef | None]]  # struct name -> field -> type
    refs: set[str]  # identifiers used in function bodies (callees, function values)
    errors: list[int]  # lines of syntax errors tree-sitter recovered from


def type_ref(node: Node | None) -> TypeRef | None:
    """A declared type as (package alias, name), pointers and generics unwrapped."""
    while node is not None and node.type in {"pointer_type", "generic_type", "parenthesized_type"}:
        node = node.child_by_field_name("type") or (node.named_children[0] if node.named_children else None)
    if node is None:
        return None
    if node.type == "qualified_type":
        return (text(node.child_by_field_name("package")), text(node.child_by_field_name("name")))
    if node.type == "type_identifier":
        return ("", text(node))
    return None


def _params(node: Node | None) -> list[tuple[str, TypeRef | None]]:
    out: list[tuple[str, TypeRef | None]] = []
    if node is None:
        return out
    for decl in node.named_children:
        if decl.type not in {"parameter_declaration", "variadic_parameter_declaration"}:
            continue
        ref = type_ref(decl.child_by_field_name("type"))
        names = [text(n) for n in decl.children_by_field_name("name")]
        for name in names or ["_"]:
            out.append((name, ref))
    return out


def _results(node: Node | None) -> list[TypeRef | None]:
    if node is None:
        return []
    if node.type == "parameter_list":
        return [ref for _, ref in _params(node)]
    return [type_ref(node)]


class _Converter:
    def __init__(self) -> None:
        self.refs: set[str] = set()

    def expr(self, node: Node | None) -> Expr:
        if node is None:
            return ("other", "")
        kind = node.type
        if kind == "identifier":
            self.refs.add(text(node))
            return ("id", text(node))
        if kind == "selector_expression":
            fieldname = text(node.child_by_field_name("field"))
            self.refs.add(fieldname)
            return ("sel", self.expr(node.child_by_field_name("operand")), fieldname)
        if kind == "call_expression":
            args_node = node.child_by_field_name("arguments")
            args = [self.expr(a) for a in (args_node.named_children if args_node else []) if a.type != "comment"]
            return ("call", self.expr(node.child_by_field_name("function")), args, line(node), text(node)[:160])
        if kind in {"interpreted_string_literal", "raw_string_literal"}:
            value = string_value(node)
            return ("str", value) if value is not None else ("other", text(node))
        if kind == "func_literal":
            return ("func", _params(node.child_by_field_name("parameters")),
                    self.block(node.child_by_field_name("body")), line(node))
        if kind == "composite_literal":
            items: list[tuple[str | None, Expr]] = []
            body = node.child_by_field_name("body")
            for element in body.named_children if body else []:
                if element.type == "keyed_element":
                    parts = [c for c in element.named_children if c.type != "comment"]
                    key = text(parts[0]).strip() if parts else None
                    value = parts[-1] if len(parts) > 1 else None
                    if value is not None and value.type == "literal_element" and value.named_children:
                        value = value.named_children[0]
                    items.append((key, self.expr(value)))
                elif element.type == "literal_element" and element.named_children:
                    items.append((None, self.expr(element.named_children[0])))
                else:
                    items.append((None, self.expr(element)))
            return ("comp", type_ref(node.child_by_field_name("type")), items, line(node))
        if kind == "unary_expression":
            return ("ref", self.expr(node.child_by_field_name("operand")))
        if kind == "parenthesized_expression" and node.named_children:
            return self.expr(node.named_children[0])
        if kind == "type_conversion_expression":
            return self.expr(node.child_by_field_name("operand"))
        return ("other", text(node)[:160])

    def exprs(self, node: Node | None) -> list[Expr]:
        if node is None:
            return []
        if node.type == "expression_list":
            return [self.expr(c) for c in node.named_children if c.type != "comment"]
        return [self.expr(node)]

    def block(self, node: Node | None, cond: str | None = None) -> list[Stmt]:
        out: list[Stmt] = []
        if node is None:
            return out
        for child in node.named_children:
            out.extend(self.stmt(child))
        return out

    def stmt(self, node: Node) -> list[Stmt]:
        kind = node.type
        if kind in {"statement_list", "block"}:
            return [("block", None, self.block(node))]
        if kind == "expression_statement":
            return [("expr", self.expr(node.named_children[0]))] if node.named_children else []
        if kind in {"go_statement", "defer_statement"}:
            return [("expr", self.expr(node.named_children[0]))] if node.named_children else []
        if kind in {"short_var_declaration", "assignment_statement"}:
            return [("assign", self.exprs(node.child_by_field_name("left")),
                     self.exprs(node.child_by_field_name("right")), line(node))]
        if kind == "var_declaration":
            out: list[Stmt] = []
            for spec in node.named_children:
                specs = spec.named_children if spec.type == "var_spec_list" else [spec]
                for one in specs:
                    if one.type != "var_spec":
                        continue
                    names = [("id", text(n)) for n in one.children_by_field_name("name")]
                    values = self.exprs(one.child_by_field_name("value"))
                    out.append(("assign", names, values, line(one)))
            return out
        if kind == "return_statement":
            values = [self.expr(c) for c in node.named_children]
            if len(values) == 1 and node.named_children[0].type == "expression_list":
                values = self.exprs(node.named_children[0])
            return [("return", values)]
        if kind == "if_statement":
            cond = text(node.child_by_field_name("condition"))
            out = []
            init = node.child_by_field_name("initializer")
            if init is not None:
                out.extend(self.stmt(init))
            out.append(("block", cond, self.block(node.child_by_field_name("consequence"))))
            alternative = node.child_by_field_name("alternative")
            if alternative is not None:
                out.append(("block", f"!({cond})", self.stmt(alternative)))
            return out
        if kind == "labeled_statement":
            return [s for c in node.named_children for s in self.stmt(c)]
        # for, switch, select and their case clauses: walk what they contain, in order.
        if kind in {"for_statement", "expression_switch_statement", "type_switch_statement", "select_statement",
                    "expression_case", "default_case", "type_case", "communication_case"}:
            inner: list[Stmt] = []
            for child in node.named_children:
                if child.type in {"block", "statement_list", "expression_case", "default_case", "type_case",
                                  "communication_case"} or child.type.endswith("_statement"):
                    inner.extend(self.stmt(child))
            return [("block", None, inner)]
        return []


def _imports(root: Node) -> dict[str, str]:
    out: dict[str, str] = {}
    for decl in root.named_children:
        if decl.type != "import_declaration":
            continue
        specs: list[Node] = []
        for child in decl.named_children:
            specs.extend(child.named_children if child.type == "import_spec_list" else [child])
        for spec in specs:
            if spec.type != "import_spec":
                continue
            path = string_value(spec.child_by_field_name("path")) or ""
            name_node = spec.child_by_field_name("name")
            alias = text(name_node) if name_node is not None else _default_alias(path)
            out[alias] = path
    return out


def _default_alias(path: str) -> str:
    """The package name Go uses for an import without a name: the last element, major version skipped."""
    parts = [p for p in path.split("/") if p]
    if len(parts) > 1 and parts[-1].startswith("v") and parts[-1][1:].isdigit():
        parts = parts[:-1]
    name = parts[-1] if parts else path
    if name.startswith("go-") and len(name) > 3:
        name = name[3:]
    return name.replace("-", "_").removesuffix(".go")


def parse_go_file(path: str, source: str) -> GoFile:
    tree = parse("go", source)
    root = tree.root_node
    conv = _Converter()
    package = ""
    funcs: list[GoFunc] = []
    structs: dict[str, dict[str, TypeRef | None]] = {}
    errors: list[int] = []
    for node in root.named_children:
        if node.type == "ERROR":
            errors.append(line(node))
        if node.type == "package_clause" and node.named_children:
            package = text(node.named_children[0])
        elif node.type in {"function_declaration", "method_declaration"}:
            fn = GoFunc(name=text(node.child_by_field_name("name")), file=path, line=line(node),
                        params=_params(node.child_by_field_name("parameters")),
                        results=_results(node.child_by_field_name("result")))
            receiver = node.child_by_field_name("receiver")
            if receiver is not None:
                recv = _params(receiver)
                if recv:
                    fn.recv_name = recv[0][0]
                    fn.recv_type = recv[0][1][1] if recv[0][1] else None
            fn.body = conv.block(node.child_by_field_name("body"))
            funcs.append(fn)
        elif node.type == "type_declaration":
            for spec in node.named_children:
                struct = spec.child_by_field_name("type")
                if spec.type != "type_spec" or struct is None or struct.type != "struct_type":
                    continue
                fields: dict[str, TypeRef | None] = {}
                for flist in struct.named_children:
                    for decl in flist.named_children:
                        if decl.type != "field_declaration":
                            continue
                        ref = type_ref(decl.child_by_field_name("type"))
                        names = [text(n) for n in decl.children_by_field_name("name")]
                        if not names and ref:  # an embedded field is named after its type
                            names = [ref[1]]
                        for name in names:
                            fields[name] = ref
                structs[text(spec.child_by_field_name("name"))] = fields
    if root.has_error and not errors:
        errors.append(1)
    return GoFile(path=path, package=package, imports=_imports(root), funcs=funcs, structs=structs,
                  refs=conv.refs, errors=errors)


def parse_go_mod(source: str) -> str | None:
    """The module path declared by a go.mod file (its ``module`` directive), else None."""
    for raw in source.splitlines():
        entry = raw.split("//", 1)[0].strip()
        if entry.startswith("module"):
            rest = entry[len("module"):].strip()
            if rest and rest[0] == '"':
                rest = rest.strip('"')
            return rest.split()[0] if rest else None
    return None

"""Rust source as functions of expression trees (tree-sitter), and name resolution inside a crate.

Shared by the Axum, Actix and Rocket readers. ``parse_rust_file`` keeps, per function (free or in an
``impl``), its attributes (``#[get("/x")]``: name, string arguments, ``key = "value"`` pairs), its
parameters and its body as small tuples: ``call``, ``field``, ``path``, ``str``, ``closure``,
``block``, ``macro`` (with the paths listed inside, for ``routes![a::b, c]``). ``Crate`` resolves a
path such as ``routes::users::post_users`` or ``Self::router`` to a function through the file's
``use`` declarations and the module tree given by file names (``src/a/b.rs`` and ``src/a/b/mod.rs``
are module ``a::b``).
"""

from __future__ import annotations

import posixpath
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers.treesitter import line, parse, string_value, text

if TYPE_CHECKING:
    from tree_sitter import Node

Expr = tuple[Any, ...]


@dataclass
class Attribute:
    name: str
    strings: list[str]
    pairs: list[tuple[str, str]]
    idents: list[str]
    line: int


@dataclass
class RustFn:
    name: str
    file: str
    line: int
    impl_type: str | None
    attributes: list[Attribute]
    params: list[tuple[str, str]]
    returns: str | None
    body: Expr
    public: bool = False


@dataclass
class RustFile:
    path: str
    uses: dict[str, list[str]]  # alias -> absolute path segments (crate-relative, no "crate")
    globs: list[list[str]]
    fns: list[RustFn]
    has_error: bool
    module_decls: list[str] = field(default_factory=list)


def _string(node: Node) -> str | None:
    if node.type == "raw_string_literal":
        raw = text(node)
        start, end = raw.find('"'), raw.rfind('"')
        return raw[start + 1 : end] if 0 <= start < end else None
    if node.type == "string_literal":
        value = string_value(node)
        if value is None:
            parts = [c for c in node.named_children if c.type == "string_content"]
            return "".join(text(c) for c in parts)
        return value
    return None


def _tokens(node: Node) -> list[Node]:
    return [c for c in node.children]


def _attribute(node: Node) -> Attribute | None:
    attr = next((c for c in node.named_children if c.type == "attribute"), None)
    if attr is None or not attr.named_children:
        return None
    name = text(attr.named_children[0])
    strings: list[str] = []
    pairs: list[tuple[str, str]] = []
    idents: list[str] = []
    args = attr.child_by_field_name("arguments")
    if args is not None:
        tokens = _tokens(args)
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.type == "identifier" and i + 2 < len(tokens) and tokens[i + 1].type == "=":
                value = _string(tokens[i + 2])
                pairs.append((text(tok), value if value is not None else text(tokens[i + 2])))
                i += 3
                continue
            value = _string(tok)
            if value is not None:
                strings.append(value)
            elif tok.type == "identifier":
                idents.append(text(tok))
            i += 1
    return Attribute(name=name.rsplit("::", 1)[-1], strings=strings, pairs=pairs, idents=idents, line=line(node))


def macro_paths(token_tree: Node) -> list[str]:
    """``routes![a::b, c]``: the comma-separated paths of a macro's tokens, as ``a::b`` strings."""
    out: list[str] = []
    current: list[str] = []
    for tok in _tokens(token_tree)[1:-1]:
        if tok.type == ",":
            if current:
                out.append("".join(current))
            current = []
        elif tok.type in {"identifier", "::", "self", "super", "crate"}:
            current.append(text(tok))
    if current:
        out.append("".join(current))
    return [p for p in out if p and not p.endswith("::")]


class _Converter:
    def expr(self, node: Node | None) -> Expr:
        if node is None:
            return ("other", "")
        kind = node.type
        if kind == "call_expression":
            fn = node.child_by_field_name("function")
            args_node = node.child_by_field_name("arguments")
            args = [self.expr(a) for a in (args_node.named_children if args_node else [])
                    if a.type not in {"line_comment", "block_comment", "attribute_item"}]
            # the line of the argument list: in a builder chain that is the line of this ``.route(``
            at = line(args_node) if args_node is not None else line(node)
            return ("call", self.expr(fn), args, at, text(node)[:160])
        if kind == "field_expression":
            return ("field", self.expr(node.child_by_field_name("value")), text(node.child_by_field_name("field")))
        if kind in {"identifier", "scoped_identifier", "self", "crate", "super"}:
            return ("path", text(node).replace(" ", ""), line(node))
        if kind == "generic_function":
            return self.expr(node.child_by_field_name("function"))
        if kind in {"string_literal", "raw_string_literal"}:
            value = _string(node)
            return ("str", value) if value is not None else ("other", text(node))
        if kind == "closure_expression":
            params = node.child_by_field_name("parameters")
            names = [text(p.child_by_field_name("pattern") or p) for p in (params.named_children if params else [])]
            return ("closure", names, self.expr(node.child_by_field_name("body")), line(node))
        if kind in {"block", "unsafe_block", "async_block"}:
            block = node if kind == "block" else next((c for c in node.named_children if c.type == "block"), None)
            return self.block(block)
        if kind in {"try_expression", "await_expression", "reference_expression", "parenthesized_expression",
                    "type_cast_expression"}:
            return self.expr(node.named_children[0]) if node.named_children else ("other", "")
        if kind == "return_expression":
            return ("return", self.expr(node.named_children[0]) if node.named_children else ("other", ""))
        if kind == "macro_invocation":
            macro = text(node.child_by_field_name("macro"))
            tree = next((c for c in node.named_children if c.type == "token_tree"), None)
            return ("macro", macro, macro_paths(tree) if tree is not None else [], line(node))
        if kind in {"if_expression", "match_expression", "for_expression", "while_expression", "loop_expression"}:
            inner = [self.expr(c) for c in node.named_children if c.type in {"block", "else_clause", "match_block"}]
            return ("seq", inner)
        if kind in {"else_clause", "match_block", "match_arm"}:
            return ("seq", [self.expr(c) for c in node.named_children])
        if kind == "assignment_expression":
            return ("assign", text(node.child_by_field_name("left")), self.expr(node.child_by_field_name("right")))
        if kind == "struct_expression":
            body = node.child_by_field_name("body")
            values = []
            for f in body.named_children if body else []:
                field_value = f.child_by_field_name("value")
                values.append(self.expr(field_value if field_value is not None else f))
            return ("seq", values)
        return ("other", text(node)[:160])

    def block(self, node: Node | None) -> Expr:
        stmts: list[Expr] = []
        tail: Expr | None = None
        if node is None:
            return ("block", stmts, None)
        children = [c for c in node.named_children if c.type not in {"line_comment", "block_comment"}]
        for i, child in enumerate(children):
            last = i == len(children) - 1
            if child.type == "let_declaration":
                pattern = child.child_by_field_name("pattern")
                name = text(pattern).replace("mut ", "").strip() if pattern is not None else ""
                stmts.append(("let", name, self.expr(child.child_by_field_name("value"))))
            elif child.type == "expression_statement":
                inner = child.named_children[0] if child.named_children else None
                stmts.append(("do", self.expr(inner)))
            elif child.type in {"function_item", "use_declaration", "attribute_item", "empty_statement"}:
                continue
            elif last:
                tail = self.expr(child)
            else:
                stmts.append(("do", self.expr(child)))
        return ("block", stmts, tail)


def _use_tree(node: Node, base: list[str], uses: dict[str, list[str]], globs: list[list[str]]) -> None:
    kind = node.type
    if kind in {"identifier", "self", "crate", "super"}:
        segs = base + [text(node)]
        if text(node) == "self":
            segs = base
        if segs:
            uses[segs[-1]] = segs
    elif kind == "scoped_identifier":
        segs = base + text(node).replace(" ", "").split("::")
        uses[segs[-1]] = segs
    elif kind == "use_as_clause":
        path = node.child_by_field_name("path")
        alias = node.child_by_field_name("alias")
        if path is not None and alias is not None:
            uses[text(alias)] = base + text(path).replace(" ", "").split("::")
    elif kind == "scoped_use_list":
        path = node.child_by_field_name("path")
        prefix = base + (text(path).replace(" ", "").split("::") if path is not None else [])
        lst = node.child_by_field_name("list")
        for child in lst.named_children if lst is not None else []:
            _use_tree(child, prefix, uses, globs)
    elif kind == "use_list":
        for child in node.named_children:
            _use_tree(child, base, uses, globs)
    elif kind == "use_wildcard":
        inner = node.named_children[0] if node.named_children else None
        globs.append(base + (text(inner).replace(" ", "").split("::") if inner is not None else []))


def parse_rust_file(path: str, source: str) -> RustFile:
    tree = parse("rust", source)
    conv = _Converter()
    uses: dict[str, list[str]] = {}
    globs: list[list[str]] = []
    fns: list[RustFn] = []
    modules: list[str] = []

    def items(container: Node, impl_type: str | None) -> None:
        pending: list[Attribute] = []
        for node in container.named_children:
            if node.type == "attribute_item":
                attr = _attribute(node)
                if attr is not None:
                    pending.append(attr)
                continue
            if node.type == "function_item":
                params = []
                plist = node.child_by_field_name("parameters")
                for p in plist.named_children if plist is not None else []:
                    if p.type == "parameter":
                        params.append((text(p.child_by_field_name("pattern")), text(p.child_by_field_name("type"))))
                ret = node.child_by_field_name("return_type")
                fns.append(RustFn(name=text(node.child_by_field_name("name")), file=path, line=line(node),
                                  impl_type=impl_type, attributes=pending, params=params,
                                  returns=text(ret) if ret is not None else None,
                                  body=conv.block(node.child_by_field_name("body")),
                                  public=any(c.type == "visibility_modifier" for c in node.named_children)))
            elif node.type == "use_declaration":
                arg = node.child_by_field_name("argument")
                if arg is not None:
                    _use_tree(arg, [], uses, globs)
            elif node.type == "impl_item":
                body = node.child_by_field_name("body")
                type_node = node.child_by_field_name("type")
                if body is not None:
                    items(body, text(type_node).split("<", 1)[0] if type_node is not None else None)
            elif node.type == "mod_item":
                body = node.child_by_field_name("body")
                if body is None:
                    modules.append(text(node.child_by_field_name("name")))
            pending = [] if node.type != "line_comment" else pending

    items(tree.root_node, None)
    return RustFile(path=path, uses=uses, globs=globs, fns=fns, has_error=tree.root_node.has_error,
                    module_decls=modules)


def parse_cargo(source: str) -> set[str]:
    """The dependency names of a Cargo.toml (all dependency tables)."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid Cargo.toml: {exc}") from exc
    names: set[str] = set()
    for key in ("dependencies", "dev-dependencies"):
        names |= set((data.get(key) or {}).keys())
    workspace = data.get("workspace") or {}
    names |= set((workspace.get("dependencies") or {}).keys())
    package = data.get("package") or {}
    if isinstance(package.get("name"), str):
        names.add("package:" + package["name"])  # a binary calls its library as `<name>::f`
    lib = data.get("lib") or {}
    if isinstance(lib.get("name"), str):
        names.add("package:" + lib["name"])
    return names


class Crate:
    """The functions of every parsed Rust file, by module path, and path resolution between them."""

    def __init__(self, files: dict[str, RustFile], cargo_dirs: dict[str, set[str]]) -> None:
        self.files = files
        self.cargo_dirs = cargo_dirs
        self.modules: dict[str, tuple[str, ...]] = {p: self.module_of(p) for p in files}
        self.crate_names = {d[len("package:"):].replace("-", "_") for deps in cargo_dirs.values() for d in deps
                            if d.startswith("package:")}
        self.by_name: dict[str, list[tuple[tuple[str, ...], RustFn]]] = {}
        for path, rfile in files.items():
            module = self.modules[path]
            for fn in rfile.fns:
                key = module + ((fn.impl_type,) if fn.impl_type else ())
                self.by_name.setdefault(fn.name, []).append((key, fn))

    def crate_dir(self, path: str) -> str:
        d = posixpath.dirname(path)
        while True:
            if d in self.cargo_dirs:
                return d
            if not d:
                return ""
            d = posixpath.dirname(d)

    def deps(self, path: str) -> set[str]:
        return self.cargo_dirs.get(self.crate_dir(path), set())

    def module_of(self, path: str) -> tuple[str, ...]:
        rel = path
        root = ""
        d = posixpath.dirname(path)
        while True:
            if d in getattr(self, "cargo_dirs", {}):
                root = d
                break
            if not d:
                break
            d = posixpath.dirname(d)
        if root:
            rel = path[len(root) + 1 :]
        parts = rel.split("/")
        if parts and parts[0] == "src":
            parts = parts[1:]
        if parts and parts[0] == "bin":
            parts = parts[2:] if len(parts) > 2 else []
        if not parts:
            return ()
        last = parts[-1].removesuffix(".rs")
        parts = parts[:-1] + ([] if last in {"mod", "main", "lib"} else [last])
        return tuple(parts)

    def resolve(self, path: str, rfile: RustFile, impl_type: str | None) -> RustFn | None:
        segs = [s for s in path.split("::") if s]
        if not segs:
            return None
        current = self.modules.get(rfile.path, ())
        name = segs[-1]
        qual = segs[:-1]
        any_crate = False
        if qual and qual[0] in self.crate_names and qual[0] not in rfile.uses:
            qual = ["crate"] + qual[1:]  # `crates_io::build_handler` from the package's own binary
            any_crate = True
        if qual and qual[0] == "Self" and impl_type:
            qual = [impl_type] + qual[1:]
            absolute = current + tuple(qual)
        elif qual and qual[0] == "crate":
            absolute = tuple(qual[1:])
        elif qual and qual[0] in {"self", "super"}:
            base = list(current)
            while qual and qual[0] in {"self", "super"}:
                if qual[0] == "super" and base:
                    base.pop()
                qual = qual[1:]
            absolute = tuple(base + qual)
        elif qual and qual[0] in rfile.uses:
            used = rfile.uses[qual[0]]
            absolute = tuple(self._absolute(used, current) + qual[1:])
        elif not qual and name in rfile.uses:
            used = self._absolute(rfile.uses[name], current)
            absolute, name = tuple(used[:-1]), used[-1]
        else:
            absolute = current + tuple(qual)
        candidates = self.by_name.get(name, [])
        same_crate = [c for c in candidates
                      if any_crate or self.crate_dir(c[1].file) == self.crate_dir(rfile.path)]
        for wanted in (absolute, tuple(qual)):
            exact = [fn for key, fn in same_crate if key == wanted]
            if exact:
                return exact[0]
        for glob in rfile.globs:  # `use crate::controllers::*;` then `version::yank::yank_version`
            wanted = tuple(self._absolute(glob, current)) + tuple(qual)
            exact = [fn for key, fn in same_crate if key == wanted]
            if exact:
                return exact[0]
        suffix = [fn for key, fn in same_crate if qual and key[-len(qual):] == tuple(qual)]
        if len(suffix) == 1:
            return suffix[0]
        if len(same_crate) == 1:
            return same_crate[0][1]
        return None

    def _absolute(self, segs: list[str], current: tuple[str, ...]) -> list[str]:
        if not segs:
            return []
        if segs[0] == "crate":
            return segs[1:]
        if segs[0] in {"self", "super"}:
            base = list(current)
            rest = list(segs)
            while rest and rest[0] in {"self", "super"}:
                if rest[0] == "super" and base:
                    base.pop()
                rest = rest[1:]
            return base + rest
        return list(segs)

    def file_of(self, fn: RustFn) -> RustFile:
        return self.files[fn.file]


def rocket_or_actix_path(raw: str) -> str:
    """``/a/<id>/<path..>?<q>`` (Rocket) or ``/a/{id}`` (Actix) as ``/a/{id}/{path}``; the query dropped."""
    path = raw.split("?", 1)[0]
    out = []
    for segment in path.split("/"):
        if segment.startswith("<") and segment.endswith(">"):
            out.append("{" + segment[1:-1].rstrip(".") + "}")
        else:
            out.append(segment)
    return "/".join(out)


@dataclass
class Scope:
    rfile: RustFile
    impl_type: str | None
    env: dict[str, Any]
    entry: bool = False  # inside ``main`` / a ``#[launch]`` or ``#[*::main]`` function


class Evaluator:
    """Evaluates the builder chains of a router: values flow through ``let``, calls into the crate's own
    functions (their tail or ``return`` expression is the value), closures and blocks. Subclasses say
    what a method call or a path call means for their framework (``method``, ``call_path``)."""

    MAX_DEPTH = 30

    def __init__(self, crate: Crate) -> None:
        self.crate = crate
        self.memo: dict[int, Any] = {}
        self.stack: list[int] = []
        self.called: set[int] = set()

    def call_fn(self, fn: RustFn, args: list[Any], entry: bool = False) -> Any:
        key = id(fn)
        if not args and key in self.memo:
            return self.memo[key]
        if key in self.stack or len(self.stack) >= self.MAX_DEPTH:
            return None
        self.called.add(key)
        env = {}
        for i, (name, _) in enumerate(fn.params):
            env[name] = args[i] if i < len(args) else None
        self.stack.append(key)
        try:
            value = self.eval(fn.body, Scope(self.crate.file_of(fn), fn.impl_type, env, entry))
        finally:
            self.stack.pop()
        if not args:
            self.memo[key] = value
        return value

    def eval(self, expr: Expr, scope: Scope) -> Any:
        kind = expr[0]
        if kind == "block":
            returned = None
            for stmt in expr[1]:
                if stmt[0] == "let":
                    value = self.eval(stmt[2], scope)
                    name = stmt[1]
                    if name.startswith("(") and "," in name:  # let (router, api) = … .split_for_parts()
                        name = name.strip("()").split(",", 1)[0].strip().removeprefix("mut ").strip()
                    scope.env[name] = value
                else:
                    value = self.eval(stmt[1], scope)
                    if stmt[1][0] == "return" and returned is None:
                        returned = value
            tail = self.eval(expr[2], scope) if expr[2] is not None else None
            return tail if tail is not None else returned
        if kind == "return":
            return self.eval(expr[1], scope)
        if kind == "seq":
            values = [self.eval(e, scope) for e in expr[1]]
            return next((v for v in values if v is not None), None)
        if kind == "assign":
            value = self.eval(expr[2], scope)
            scope.env[expr[1]] = value
            return None
        if kind == "path":
            if expr[1] in scope.env:
                return scope.env[expr[1]]
            return None
        if kind == "str":
            return expr[1]
        if kind == "closure":
            return ("closure", expr, scope)
        if kind == "field":
            return None
        if kind == "macro":
            return self.macro(expr, scope)
        if kind == "call":
            fn_expr = expr[1]
            if fn_expr[0] == "field":
                base = self.eval(fn_expr[1], scope)
                return self.method(base, fn_expr[2], expr[2], scope, expr)
            if fn_expr[0] == "path":
                return self.call_path(fn_expr[1], expr[2], scope, expr)
            if fn_expr[0] == "closure":
                return self.call_closure(("closure", fn_expr, scope), [self.eval(a, scope) for a in expr[2]])
            return None
        return None

    def call_closure(self, value: Any, args: list[Any]) -> Any:
        _, expr, scope = value
        env = dict(scope.env)
        for i, name in enumerate(expr[1]):
            env[name.split(":", 1)[0].strip()] = args[i] if i < len(args) else None
        return self.eval(expr[2], Scope(scope.rfile, scope.impl_type, env, scope.entry))

    def call_crate_fn(self, path: str, args: list[Expr], scope: Scope) -> tuple[bool, Any]:
        """Calls ``path`` when it names a function of the crate: (found, value)."""
        if path in scope.env and isinstance(scope.env[path], tuple) and scope.env[path][:1] == ("closure",):
            return True, self.call_closure(scope.env[path], [self.eval(a, scope) for a in args])
        fn = self.crate.resolve(path, scope.rfile, scope.impl_type)
        if fn is None:
            return False, None
        return True, self.call_fn(fn, [self.eval(a, scope) for a in args])

    def method(self, base: Any, name: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        for a in args:
            self.eval(a, scope)
        return base if name in {"clone", "into", "unwrap", "expect", "boxed"} else None

    def call_path(self, path: str, args: list[Expr], scope: Scope, expr: Expr) -> Any:
        found, value = self.call_crate_fn(path, args, scope)
        return value

    def macro(self, expr: Expr, scope: Scope) -> Any:
        return None

    def handler(self, expr: Expr, scope: Scope) -> tuple[str | None, str | None, int | None]:
        """A handler expression as (name, file, line): a crate function, a closure, or as written."""
        if expr[0] == "path":
            fn = self.crate.resolve(expr[1], scope.rfile, scope.impl_type)
            if fn is not None:
                return (expr[1], fn.file, fn.line)
            return (expr[1], None, None)
        if expr[0] == "closure":
            return ("closure", scope.rfile.path, expr[3])
        if expr[0] == "call":
            return (str(expr[4]), None, None)
        return (str(expr[1]) if len(expr) > 1 else None, None, None)

    def entry_fns(self) -> list[RustFn]:
        out = []
        for rfile in sorted(self.crate.files.values(), key=lambda f: f.path):
            for fn in rfile.fns:
                names = {a.name for a in fn.attributes}
                if (fn.name == "main" and not fn.impl_type) or names & {"main", "launch"}:
                    out.append(fn)
        return out

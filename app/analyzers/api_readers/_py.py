"""What the Python endpoint readers (FastAPI, Flask, Django) share: modules, imports, string expressions.

Facts are plain data (dicts, lists, strings) so that they cache by blob id. A prefix or a path that is
not a literal is kept as a small expression (``["s", "/api"]``, ``["a", "settings.API_PREFIX"]``…)
and evaluated when the reader combines its files: a module constant, an imported constant, or the
default a settings class declares for that attribute.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

Expr = list[Any]

HTTP_METHODS = ("get", "post", "put", "delete", "patch", "options", "head", "trace")
# Names of dependencies, decorators and permissions that state an authentication requirement.
AUTH_WORDS = ("auth", "login", "token", "jwt", "current_user", "current_active", "permission", "admin",
              "security", "verify", "guard", "scope", "session_user", "api_key", "apikey", "oauth", "bearer",
              "superuser", "require_user", "authenticated", "protected")
# Tests in an ``if`` that mean "only while developing".
DEV_WORDS = ("debug", "development", "develop", "local", "dev", "testing", "environment", "env")


PY_EXT = frozenset({".py"})  # what ``wants_py`` can accept (``Reader.suffixes``)


def wants_py(path: str) -> bool:
    """The Python readers' file test (one function for all three, so it is asked once per path)."""
    return path.endswith(".py")


# ``.get(``, ``.route(``…: a decorator ``@x.get(…)`` holds one (``has_route_decorator``); readers' keywords too
ROUTE_DECORATOR_WORDS = tuple(f".{verb}(" for verb in ("get", "post", "put", "delete", "patch", "route", "api_route"))


def has_route_decorator(text: str) -> bool:
    """A cheap test on the text: a decorator that may be ``@x.get(…)``/``@x.route(…)`` is there."""
    return "@" in text and any(word in text for word in ROUTE_DECORATOR_WORDS)


def is_init(path: str) -> bool:
    """A package's ``__init__.py``, which ``package_stub`` keeps whatever it holds (a keyword-less path)."""
    return path.endswith("__init__.py")


def module_of(path: str) -> str:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod``; ``pkg/__init__.py`` -> ``pkg``."""
    mod = path[:-3] if path.endswith(".py") else path
    if mod.endswith("/__init__"):
        mod = mod[: -len("/__init__")]
    return mod.replace("/", ".")


def is_package(path: str) -> bool:
    return path.endswith("/__init__.py") or path == "__init__.py"


def absolute_module(path: str, module: str | None, level: int) -> str:
    """The absolute dotted name of an import written in ``path`` (relative imports resolved)."""
    if level == 0:
        return module or ""
    parts = module_of(path).split(".")
    if not is_package(path):
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    return ".".join([*parts, *([module] if module else [])])


_LAST: list[Any] = [None]  # the last file parsed: (path, text, module, nodes with their dev flag)


def parsed(path: str, text: str) -> tuple[ast.Module, list[tuple[ast.AST, bool]]]:
    """The module of ``text`` and all its nodes (with ``walk_with_dev``'s flag), walked once.

    The FastAPI, Flask and Django readers parse the same file one after the other (``api._read_all``
    hands each file to every reader that wants it in turn), so the last result is kept and shared.
    """
    last = _LAST[0]
    if last is not None and last[0] == path and last[1] == text:
        return last[2], last[3]
    tree = ast.parse(text, filename=path)
    nodes = list(walk_with_dev(tree))
    _LAST[0] = (path, text, tree, nodes)
    return tree, nodes


def assigned_from_other_calls(nodes: list[tuple[ast.AST, bool]], kinds: tuple[str, ...]) -> set[str]:
    """Names the file assigns from a call to something else than ``kinds`` (``router = APIRouter()``
    seen by the Flask reader): routes on them are another framework's."""
    out: set[str] = set()
    for node, _ in nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if last_name(callee(node.value)) not in kinds:
                out.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return out


def package_stub(path: str, text: str) -> dict[str, Any] | None:
    """A package's ``__init__.py`` that a reader has no other use for is still a module: dotted
    references (``user.views.blueprint``) go through it."""
    return {"imports": {}, "consts": {}, "settings": {}} if is_init(path) else None


def worth_parsing(text: str) -> bool:
    """A file that imports nothing can declare no route, router, view or settings class."""
    return "import" in text


def imports_of(nodes: list[tuple[ast.AST, bool]], path: str) -> dict[str, list[Any]]:
    """Local name -> [absolute module, attribute or None] for every import in the file (any scope)."""
    out: dict[str, list[Any]] = {}
    for node, _ in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = [alias.name, None]
                else:
                    out[alias.name.split(".")[0]] = [alias.name.split(".")[0], None]
        elif isinstance(node, ast.ImportFrom):
            base = absolute_module(path, node.module, node.level)
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = [base, alias.name]
    return out


def dotted(node: ast.AST | None) -> str:
    """``a.b.c`` for a name or attribute chain, else the source text."""
    if node is None:
        return ""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ast.unparse(node)


def callee(node: ast.AST) -> str:
    """The dotted name of a call's function (``''`` when not a call)."""
    return dotted(node.func) if isinstance(node, ast.Call) else ""


def last_name(text: str) -> str:
    return text.rsplit(".", 1)[-1]


def encode(node: ast.AST | None) -> Expr | None:
    """A string expression as data (see the module docstring); None for no expression."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ["s", node.value]
    if isinstance(node, ast.JoinedStr):
        parts: list[Any] = []
        for value in node.values:
            parts.append(encode(value.value) if isinstance(value, ast.FormattedValue) else encode(value))
        return ["j", parts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return ["+", encode(node.left), encode(node.right)]
    if isinstance(node, ast.Name):
        return ["n", node.id]
    if isinstance(node, ast.Attribute):
        return ["a", dotted(node)]
    return ["?", ast.unparse(node)]


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def arg(call: ast.Call, index: int, name: str | None = None) -> ast.expr | None:
    """Positional argument ``index`` or keyword ``name``."""
    if name is not None:
        found = keyword(call, name)
        if found is not None:
            return found
    return call.args[index] if len(call.args) > index else None


def string_list(node: ast.AST | None) -> list[str] | None:
    """The strings of a list/tuple/set literal, or None when it is not one."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return out if len(out) == len(node.elts) else None
    return None


def is_dev_test(test: ast.AST) -> bool:
    """True for an ``if`` test about debug mode or a development environment."""
    words = [n.id for n in ast.walk(test) if isinstance(n, ast.Name)]
    words += [n.attr for n in ast.walk(test) if isinstance(n, ast.Attribute)]
    words += [n.value for n in ast.walk(test) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    low = [w.lower() for w in words]
    return any(w in DEV_WORDS or w.endswith("debug") for w in low)


def walk_with_dev(tree: ast.AST) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it sits in the body of a development-only ``if``."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, dev = stack.pop()
        yield node, dev
        if isinstance(node, ast.If):
            body_dev = dev or is_dev_test(node.test)
            stack.append((node.test, dev))
            stack.extend((child, body_dev) for child in reversed(node.body))
            stack.extend((child, dev) for child in reversed(node.orelse))
        else:
            stack.extend((child, dev) for child in reversed(list(ast.iter_child_nodes(node))))


def module_constants(tree: ast.Module) -> dict[str, Expr]:
    """Module-level ``NAME = <string expression>`` assignments."""
    out: dict[str, Expr] = {}
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if value is None:
            continue
        enc = encode(value)
        if enc and enc[0] in ("s", "j", "+"):
            for t in targets:
                if isinstance(t, ast.Name):
                    out[t.id] = enc
    return out


def settings_defaults(nodes: list[tuple[ast.AST, bool]]) -> dict[str, str]:
    """``attr -> default`` for string attributes declared with a default in any class of the file."""
    out: dict[str, str] = {}
    for node, _ in nodes:
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                value = stmt.value
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                value = stmt.value
            else:
                continue
            if isinstance(value, ast.Call) and last_name(callee(value)) == "Field":
                value = arg(value, 0, "default")
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else stmt.targets[0]
                assert isinstance(target, ast.Name)
                out[target.id] = value.value
    return out


def looks_like_auth(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in AUTH_WORDS)


class Modules:
    """Dotted module name -> file, for the files a reader parsed, tolerant of a source root folder
    (``backend/app/main.py`` answers both ``backend.app.main`` and ``app.main``)."""

    def __init__(self, paths: list[str]) -> None:
        self.by_name: dict[str, str] = {}
        suffixes: dict[str, list[str]] = {}
        for path in paths:
            name = module_of(path)
            self.by_name[name] = path
            parts = name.split(".")
            for i in range(1, len(parts)):
                suffixes.setdefault(".".join(parts[i:]), []).append(path)
        self._suffixes = suffixes

    def find(self, module: str, near: str | None = None) -> str | None:
        """The file of ``module``; among several candidates the one sharing the longest folder with ``near``."""
        if module in self.by_name:
            return self.by_name[module]
        candidates = self._suffixes.get(module, [])
        if not candidates:
            return None
        if len(candidates) == 1 or near is None:
            return candidates[0]
        return max(candidates, key=lambda p: len(_common_prefix(p, near)))


def _common_prefix(a: str, b: str) -> str:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[:i]


class Evaluator:
    """Evaluates string expressions against module constants, imports and settings defaults."""

    def __init__(self, facts: dict[str, dict[str, Any]], modules: Modules) -> None:
        self.facts = facts
        self.modules = modules
        self.defaults: dict[str, set[str]] = {}
        for f in facts.values():
            for attr, value in (f.get("settings") or {}).items():
                self.defaults.setdefault(attr, set()).add(value)

    def resolve_name(self, path: str, name: str) -> tuple[str, str] | None:
        """Where ``name`` used in ``path`` is defined: (file, name in that file), following imports."""
        seen: set[tuple[str, str]] = set()
        while (path, name) not in seen:
            seen.add((path, name))
            imp = (self.facts.get(path, {}).get("imports") or {}).get(name)
            if imp is None:
                return path, name
            module, attr = imp
            if attr is None:
                target = self.modules.find(module, path)
                return (target, "") if target else None
            sub = self.modules.find(f"{module}.{attr}", path)
            if sub is not None:
                return sub, ""
            target = self.modules.find(module, path)
            if target is None:
                return None
            path, name = target, attr
        return path, name

    def resolve_dotted(self, path: str, text: str) -> tuple[str, str] | None:
        """Where ``a.b.c`` used in ``path`` is defined, through packages, submodules and imports."""
        parts = text.split(".")
        where = self.resolve_name(path, parts[0])
        for seg in parts[1:]:
            if where is None or where[1]:
                return None  # an attribute of something that is not a module
            sub = self.modules.find(f"{module_of(where[0])}.{seg}", where[0])
            where = (sub, "") if sub is not None else self.resolve_name(where[0], seg)
        return where

    def value(self, path: str, expr: Expr | None, depth: int = 0) -> str | None:
        if expr is None or depth > 10:
            return None
        kind = expr[0]
        if kind == "s":
            return str(expr[1])
        if kind in ("j", "+"):
            parts = [self.value(path, e, depth + 1) for e in (expr[1] if kind == "j" else expr[1:])]
            return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
        if kind == "n":
            where = self.resolve_name(path, expr[1])
            if where and where[1]:
                const = (self.facts.get(where[0], {}).get("consts") or {}).get(where[1])
                if const is not None:
                    return self.value(where[0], const, depth + 1)
            return None
        if kind == "a":
            head, _, attr = str(expr[1]).rpartition(".")
            where = self.resolve_name(path, head) if head and "(" not in head else None
            if where and not where[1]:  # a module: its constant
                const = (self.facts.get(where[0], {}).get("consts") or {}).get(attr)
                if const is not None:
                    return self.value(where[0], const, depth + 1)
            values = self.defaults.get(attr)
            if values and len(values) == 1:
                return next(iter(values))
            return None
        return None


def join(*parts: str) -> str:
    """URL parts joined with exactly one slash between them."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out.endswith("/") and part.startswith("/"):
            out += part[1:]
        elif out and not out.endswith("/") and not part.startswith("/"):
            out += "/" + part
        else:
            out += part
    return out or "/"

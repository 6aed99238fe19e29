"""The seed's rule "never skip CSRF protection for state-changing operations", on what a change wrote.

A browser sends a site's cookies with any request, whoever's page made it; where the application
authenticates with cookies or a session, only a CSRF check stops another site from posting as the user.
So, where the project uses sessions, a change that switches the check off or opens a state-changing
route without it is a ``csrf_protection_skipped`` finding (high: it blocks approval until overridden):

* **Django**: an added ``@csrf_exempt`` (or ``csrf_exempt(view)`` in a URLconf), or a ``MIDDLEWARE``
  the change touched that has ``SessionMiddleware`` but no ``CsrfViewMiddleware``. Sessions: a settings
  module of the tree lists ``SessionMiddleware``; a token-only API (DRF ``TokenAuthentication``, JWT,
  no session middleware) is not judged.
* **Rails** (controllers): an added ``skip_forgery_protection``, ``skip_before_action
  :verify_authenticity_token`` or ``protect_from_forgery except:/only:``. Sessions: Rails' cookie store,
  unless ``config.api_only = true``.
* **Laravel**: entries added to ``VerifyCsrfToken``'s ``$except`` or to ``validateCsrfTokens(except: …)``
  (the web middleware group always has a session).
* **Express**: a POST/PUT/PATCH/DELETE route added where the nearest ``package.json`` depends on
  ``express-session`` or ``cookie-session`` and on no CSRF middleware (``csurf``, ``csrf-csrf``, ``lusca``,
  ``csrf-sync``, ``tiny-csrf``), no session cookie is ``sameSite: 'strict'``, and the route's own chain has
  no middleware named for CSRF.
* **Spring Security** (Java): an added ``csrf().disable()``, ``csrf(c -> c.disable())`` or
  ``csrf(AbstractHttpConfigurer::disable)``, unless the same file makes the sessions ``STATELESS`` and
  configures no ``formLogin``/``oauth2Login``.

Python is read with ``ast``; Ruby, PHP, JavaScript/TypeScript and Java with tree-sitter. Only the lines a
change added (and, for a list the change edited, the lines next to a removal) are judged; the tree at the
change's newer side is read only to know whether the project uses sessions.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from phasegate.app.analyzers._files import is_own_code, is_vendored
from phasegate.app.analyzers.treesitter import language_for, parse, string_value, text
from phasegate.phases.diffs import parse_diff
from phasegate.phases.findings import Finding

if TYPE_CHECKING:
    from tree_sitter import Node

    from phasegate.app.analyzers._files import Tree

__all__ = ["KIND", "csrf_findings"]

KIND = "csrf_protection_skipped"
RULE = "never skip CSRF protection for state-changing operations"
_MAX = 512 * 1024
SESSION_PACKAGES = frozenset({"express-session", "cookie-session"})
CSRF_PACKAGES = frozenset({"csurf", "csrf-csrf", "lusca", "csrf-sync", "tiny-csrf", "@dr.pogodin/csurf"})
STATE_CHANGING = frozenset({"post", "put", "patch", "delete"})
_SAMESITE_STRICT = re.compile(r"""sameSite\s*:\s*['"]strict['"]|sameSite\s*:\s*true""", re.I)
_SESSION_MW = "django.contrib.sessions.middleware.SessionMiddleware"
_CSRF_MW = "django.middleware.csrf.CsrfViewMiddleware"


# Words one of the changed lines (added or removed) must hold for a file to be read at all, per language:
# a 2,000-file change reads only the few files that could hold a finding.
_CUES: dict[str, tuple[str, ...]] = {
    "python": ("csrf", "middleware"), "ruby": ("forgery", "authenticity"), "php": ("except", "csrf"),
    "java": ("csrf",), "javascript": (".post(", ".put(", ".patch(", ".delete("),
}
_CUES["typescript"] = _CUES["tsx"] = _CUES["javascript"]


def _touched(diff: str) -> dict[str, tuple[str, set[int], set[int]]]:
    """Per file of the diff worth reading: (language, added line numbers, lines touched: the added ones
    and where lines were removed)."""
    out: dict[str, tuple[str, set[int], set[int]]] = {}
    for fd in parse_diff(diff):
        language = language_for(fd.path)
        if fd.binary or fd.status == "deleted" or language not in _CUES:
            continue
        if not is_own_code(fd.path):
            continue
        added: set[int] = set()
        touched: set[int] = set()
        # Laravel's exception lists sit in VerifyCsrfToken.php or bootstrap/app.php: an added entry is a bare string.
        cue = language == "php" and (fd.path.endswith("VerifyCsrfToken.php") or fd.path.endswith("bootstrap/app.php"))
        for hunk in fd.hunks:
            next_new = hunk.new_start
            for line in hunk.parse_lines():
                if line.new_no is not None:
                    next_new = line.new_no + 1
                if line.kind not in ("+", "-"):
                    continue
                cue = cue or any(word in line.text.lower() for word in _CUES[language])
                if line.kind == "+" and line.new_no is not None:
                    added.add(line.new_no)
                elif line.kind == "-":
                    touched.update((max(next_new - 1, 1), next_new))
        if cue:
            out[fd.path] = (language, added, touched | added)
    return out


def _finding(path: str, line: int, message: str, evidence: str) -> Finding:
    return Finding(KIND, "high", path, line, message, evidence.strip()[:160])


class _Project:
    """What the tree says about sessions, each fact read once."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._paths: list[str] | None = None
        self._django: bool | None = None
        self._rails: bool | None = None
        self._strict: bool | None = None
        self._packages: dict[str, dict[str, object] | None] = {}

    def paths(self) -> list[str]:
        if self._paths is None:
            self._paths = self.tree.paths()
        return self._paths

    def django_sessions(self) -> bool:
        if self._django is None:
            self._django = False
            for path in self.paths():
                name = posixpath.basename(path)
                if not path.endswith(".py") or is_vendored(path):
                    continue
                if name.startswith("settings") or "/settings/" in f"/{path}":
                    source = self.tree.read_text(path, _MAX) or ""
                    if "SessionMiddleware" in source and _SESSION_MW in _middleware(source, path):
                        self._django = True
                        break
        return self._django

    def rails_sessions(self) -> bool:
        if self._rails is None:
            app = self.tree.read_text("config/application.rb", _MAX) or ""
            self._rails = not re.search(r"(?m)^\s*config\.api_only\s*=\s*true", app)
        return self._rails

    def strict_same_site(self) -> bool:
        """A session cookie configured ``sameSite: 'strict'`` in the project's JavaScript (read only when
        a route would otherwise be reported)."""
        if self._strict is None:
            self._strict = False
            for path in self.paths():
                if language_for(path) in ("javascript", "typescript", "tsx") and not is_vendored(path):
                    source = self.tree.read_text(path, _MAX) or ""
                    if "session" in source and _SAMESITE_STRICT.search(source):
                        self._strict = True
                        break
        return self._strict

    def package(self, path: str) -> dict[str, object] | None:
        """The nearest package.json above ``path``, parsed (None: none)."""
        folder = posixpath.dirname(path)
        while True:
            if folder not in self._packages:
                raw = self.tree.read_text(posixpath.join(folder, "package.json") if folder else "package.json", _MAX)
                try:
                    data = json.loads(raw) if raw else None
                except ValueError:
                    data = None
                self._packages[folder] = data if isinstance(data, dict) else None
            if self._packages[folder] is not None or not folder:
                return self._packages[folder]
            folder = posixpath.dirname(folder)


def _dependencies(package: dict[str, object]) -> set[str]:
    names: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        deps = package.get(key)
        if isinstance(deps, dict):
            names |= set(deps)
    return names


# --- Django -------------------------------------------------------------------------------------------
def _middleware(source: str, path: str) -> list[str]:
    """The strings of a settings module's ``MIDDLEWARE`` (and ``+=`` additions)."""
    try:
        module = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return []
    out: list[str] = []
    for node, _value in _middleware_nodes(module):
        out += _strings(node)
    return out


def _middleware_nodes(module: ast.Module) -> Iterator[tuple[ast.expr, ast.stmt]]:
    for stmt in module.body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
            targets = [stmt.target]
        if stmt_value := getattr(stmt, "value", None):
            if any(isinstance(t, ast.Name) and t.id in ("MIDDLEWARE", "MIDDLEWARE_CLASSES") for t in targets):
                yield stmt_value, stmt


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.BinOp):
        return _strings(node.left) + _strings(node.right)
    return []


def _django(path: str, source: str, added: set[int], touched: set[int], project: _Project) -> list[Finding]:
    if "csrf" not in source.lower() and "MIDDLEWARE" not in source:
        return []
    try:
        module = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines()
    found: list[Finding] = []
    for _value, stmt in _middleware_nodes(module):
        span = set(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
        names = _middleware(source, path)
        if span & touched and _SESSION_MW in names and _CSRF_MW not in names:
            found.append(_finding(path, stmt.lineno, "MIDDLEWARE has SessionMiddleware but no CsrfViewMiddleware: "
                                  "every session-authenticated form and POST is open to cross-site requests.",
                                  lines[stmt.lineno - 1]))
            break
    exempt: list[ast.AST] = []
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            exempt += [d for d in node.decorator_list if _name(d) == "csrf_exempt"]
        elif isinstance(node, ast.Call) and _name(node.func) == "csrf_exempt" and node.args:
            exempt.append(node)
    exempt = [n for n in exempt if getattr(n, "lineno", 0) in added]
    if exempt and project.django_sessions():
        for node in exempt:
            line = getattr(node, "lineno", 0)
            found.append(_finding(path, line, "csrf_exempt switches the CSRF check off for a view of a project "
                                  "that authenticates with sessions.", lines[line - 1] if line else ""))
    return found


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


# --- tree-sitter languages ----------------------------------------------------------------------------
def _walk(node: Node, types: frozenset[str]) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in types:
            yield current
        stack.extend(reversed(current.children))


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _rails(path: str, source: str, added: set[int], project: _Project) -> list[Finding]:
    if "forgery" not in source and "verify_authenticity_token" not in source:
        return []
    found: list[Finding] = []
    root = parse("ruby", source).root_node
    for node in _walk(root, frozenset({"call", "identifier"})):
        if _line(node) not in added:
            continue
        if node.type == "identifier":
            if text(node) == "skip_forgery_protection" and (node.parent is None or node.parent.type != "call"):
                found.append(_finding(path, _line(node), "skip_forgery_protection switches the CSRF check off.",
                                      text(node)))
            continue
        method = text(node.child_by_field_name("method"))
        args = node.child_by_field_name("arguments")
        arg_text = text(args)
        if method == "skip_forgery_protection" or (
                method in ("skip_before_action", "skip_action_callback") and ":verify_authenticity_token" in arg_text):
            found.append(_finding(path, _line(node), f"{method} switches the CSRF check off.", text(node)))
        elif method == "protect_from_forgery" and args is not None and any(
                text(p.child_by_field_name("key")) in ("except", "only") for p in _walk(args, frozenset({"pair"}))):
            found.append(_finding(path, _line(node), "protect_from_forgery leaves actions without the CSRF check.",
                                  text(node)))
    return found if found and project.rails_sessions() else []


def _laravel(path: str, source: str, added: set[int]) -> list[Finding]:
    if "except" not in source or ("VerifyCsrfToken" not in source and "validateCsrfTokens" not in source
                                  and "PreventRequestForgery" not in source):
        return []
    root = parse("php", source).root_node
    arrays: list[Node] = []
    for node in _walk(root, frozenset({"property_element", "member_call_expression"})):
        if node.type == "property_element" and text(node).startswith("$except"):
            arrays += list(_walk(node, frozenset({"array_creation_expression"})))[:1]
        elif node.type == "member_call_expression" and text(node.child_by_field_name("name")) in (
                "validateCsrfTokens", "preventRequestForgery"):
            for argument in _walk(node, frozenset({"argument"})):
                if text(argument).replace(" ", "").startswith("except:"):
                    arrays += list(_walk(argument, frozenset({"array_creation_expression"})))[:1]
    found: list[Finding] = []
    for array in arrays:
        for element in array.children:
            if element.type == "array_element_initializer" and _line(element) in added:
                found.append(_finding(path, _line(element), "A route added to the CSRF middleware's exceptions: "
                                      "its POST/PUT/PATCH/DELETE requests are not checked.", text(element)))
    return found


def _express(path: str, language: str, source: str, added: set[int], project: _Project) -> list[Finding]:
    if not any(f".{m}(" in source for m in STATE_CHANGING):
        return []
    package = project.package(path)
    if package is None:
        return []
    deps = _dependencies(package)
    if not deps & SESSION_PACKAGES or deps & CSRF_PACKAGES or "express" not in deps:
        return []
    root = parse(language, source).root_node
    found: list[Finding] = []
    for call in _walk(root, frozenset({"call_expression"})):
        if _line(call) not in added:
            continue
        function = call.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            continue
        method = text(function.child_by_field_name("property"))
        args = call.child_by_field_name("arguments")
        if method not in STATE_CHANGING or args is None:
            continue
        params = [c for c in args.children if c.type not in ("(", ")", ",", "comment")]
        if len(params) < 2 or string_value(params[0]) is None and params[0].type != "template_string":
            continue  # a route is a path and a handler: ``map.delete(key)`` is not one
        if any("csrf" in text(p).lower() for p in params[1:-1]):
            continue  # the route's own chain has a CSRF middleware
        route = string_value(params[0]) or text(params[0])
        found.append(_finding(path, _line(call), f"{method.upper()} {route} is added to an Express app with "
                              "cookie sessions and no CSRF protection (csrf-csrf, csrf-sync, lusca, or a "
                              "sameSite: 'strict' session cookie).", text(call).split("\n", 1)[0]))
    return [] if found and project.strict_same_site() else found


def _spring(path: str, source: str, added: set[int]) -> list[Finding]:
    if "csrf" not in source:
        return []
    root = parse("java", source).root_node
    found: list[Finding] = []
    for call in _walk(root, frozenset({"method_invocation"})):
        if text(call.child_by_field_name("name")) != "csrf" or _line(call) not in added:
            continue
        parent = call.parent
        chained = (parent is not None and parent.type == "method_invocation"
                   and parent.child_by_field_name("object") == call
                   and text(parent.child_by_field_name("name")) == "disable")
        args = call.child_by_field_name("arguments")
        inner = args is not None and any(
            text(n.child_by_field_name("name")) == "disable" if n.type == "method_invocation" else text(n).endswith("::disable")
            for n in _walk(args, frozenset({"method_invocation", "method_reference"})))
        if chained or inner:
            found.append(_finding(path, _line(call), "Spring Security's CSRF protection is disabled for an "
                                  "application that keeps sessions.", source.splitlines()[_line(call) - 1]))
    if found and "STATELESS" in source and not re.search(r"\b(?:formLogin|oauth2Login)\b", source):
        return []  # a stateless token API: no session cookie to ride on
    return found


def csrf_findings(tree: Tree, diff: str) -> list[Finding]:
    """CSRF findings on the lines ``diff`` adds, reading ``tree`` (the change's newer side) for context."""
    project = _Project(tree)
    findings: list[Finding] = []
    for path, (language, added, touched) in sorted(_touched(diff).items()):
        source = tree.read_text(path, _MAX)
        if source is None:
            continue
        if language == "python":
            findings += _django(path, source, added, touched, project)
        elif language == "ruby" and ("controllers/" in path or path.startswith("app/")):
            findings += _rails(path, source, added, project)
        elif language == "php":
            findings += _laravel(path, source, added)
        elif language == "java":
            findings += _spring(path, source, added)
        else:
            findings += _express(path, language, source, added, project)
    return findings

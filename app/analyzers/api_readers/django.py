"""Django and Django REST framework endpoints, from ``ROOT_URLCONF`` down through ``include()``.

``path()`` routes keep their ``<int:pk>`` parameters as ``{pk}``; ``re_path()``/``url()`` regexes are
rendered as paths: anchors (``^``, ``$``, ``\\Z``) dropped, a named group ``(?P<slug>…)`` written
``{slug}``, an unnamed group ``{arg1}``, ``{arg2}``…, an optional trailing slash (``/?``) dropped and
escapes (``\\.``) unescaped; any other regex syntax is kept as written.

Methods come from the view: a function with ``@api_view([...])``/``@require_http_methods`` or else
``ANY``; a class view from the handlers it and its bases define (``get``, ``post``…) and the DRF
generic views and mixins it inherits (``ListCreateAPIView`` answers GET and POST); a class of Django or
of a library routed as it is (``TemplateView.as_view(…)``, drf-spectacular's ``SpectacularAPIView``,
simplejwt's ``TokenObtainPairView``) answers what that class does. ViewSets
registered on a ``DefaultRouter``/``SimpleRouter`` give the list route (``list``, ``create``), the
detail route ``{prefix}/{lookup}`` (``retrieve``, ``update``, ``partial_update``, ``destroy``) and
their ``@action``s; a ``DefaultRouter`` also serves its API root. Auth: ``permission_classes`` (not only
``AllowAny``), ``@permission_classes``, ``@login_required``, ``LoginRequiredMixin``, or the
``DEFAULT_PERMISSION_CLASSES`` of the ``REST_FRAMEWORK`` setting. The admin site and includes of
modules outside the repository are not listed (the latter is a warning). A ``urls.py`` that no
URLconf reaches is dead.
"""

from __future__ import annotations

import ast
from typing import Any

from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._py import (
    PY_EXT,
    Evaluator,
    Modules,
    arg,
    callee,
    dotted,
    encode,
    imports_of,
    join,
    keyword,
    last_name,
    looks_like_auth,
    module_constants,
    parsed,
    string_list,
    wants_py,
    worth_parsing,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning

_HANDLERS = ("get", "post", "put", "patch", "delete", "head", "options")
# View classes of libraries, routed directly (``SpectacularAPIView.as_view()``): what they answer.
_LIBRARY_VIEWS = {
    "SpectacularAPIView": ["get"], "SpectacularJSONAPIView": ["get"], "SpectacularYAMLAPIView": ["get"],
    "SpectacularSwaggerView": ["get"], "SpectacularSwaggerSplitView": ["get"], "SpectacularRedocView": ["get"],
    "TokenObtainPairView": ["post"], "TokenRefreshView": ["post"], "TokenVerifyView": ["post"],
    "TokenBlacklistView": ["post"], "TokenObtainSlidingView": ["post"], "TokenRefreshSlidingView": ["post"],
    "ObtainAuthToken": ["post"], "PasswordResetView": ["get", "post"], "PasswordResetDoneView": ["get"],
    "PasswordResetConfirmView": ["get", "post"], "PasswordResetCompleteView": ["get"],
    "PasswordChangeDoneView": ["get"],
}
_ACTIONS = {"list": "GET", "create": "POST", "retrieve": "GET", "update": "PUT", "partial_update": "PATCH",
            "destroy": "DELETE"}
_LIST_ACTIONS = ("list", "create")
# What the DRF and Django generic bases answer: handlers for views, actions for viewsets.
_BASE_HANDLERS = {
    "ListAPIView": ["get"], "CreateAPIView": ["post"], "RetrieveAPIView": ["get"], "DestroyAPIView": ["delete"],
    "UpdateAPIView": ["put", "patch"], "ListCreateAPIView": ["get", "post"],
    "RetrieveUpdateAPIView": ["get", "put", "patch"], "RetrieveDestroyAPIView": ["get", "delete"],
    "RetrieveUpdateDestroyAPIView": ["get", "put", "patch", "delete"],
    "TemplateView": ["get"], "ListView": ["get"], "DetailView": ["get"], "RedirectView": ["get"],
    "ArchiveIndexView": ["get"], "FormView": ["get", "post"], "CreateView": ["get", "post"],
    "UpdateView": ["get", "post"], "DeleteView": ["get", "post"], "LoginView": ["get", "post"],
    "LogoutView": ["post"], "PasswordChangeView": ["get", "post"],
}
_BASE_ACTIONS = {
    "ListModelMixin": ["list"], "CreateModelMixin": ["create"], "RetrieveModelMixin": ["retrieve"],
    "UpdateModelMixin": ["update", "partial_update"], "DestroyModelMixin": ["destroy"],
    "ModelViewSet": list(_ACTIONS), "ReadOnlyModelViewSet": ["list", "retrieve"],
}
_DRF_BASES = {"APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet",
              "ViewSetMixin", *(k for k in _BASE_HANDLERS if k.endswith("APIView")), *_BASE_ACTIONS}


def regex_to_path(regex: str) -> str:
    """A Django URL regex rendered as a path template (see the module docstring)."""
    out: list[str] = []
    i, n, unnamed = 0, len(regex), 0
    if regex.startswith("^"):
        i = 1
    while i < n:
        ch = regex[i]
        if ch == "\\" and i + 1 < n:
            nxt = regex[i + 1]
            if nxt == "Z":
                i += 2
                continue
            out.append(nxt if not nxt.isalnum() else "\\" + nxt)
            i += 2
            continue
        if ch == "(":
            depth, j = 1, i + 1
            while j < n and depth:
                if regex[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            group = regex[i:j]
            if group.startswith("(?P<"):
                out.append("{" + group[4 : group.index(">")] + "}")
            elif group.startswith("(?:") or group.startswith("(?"):
                out.append(group)
            else:
                unnamed += 1
                out.append(f"{{arg{unnamed}}}")
            i = j
            continue
        if ch == "$" and i == n - 1:
            break
        out.append(ch)
        i += 1
    text = "".join(out)
    while text.endswith("/?") or text.endswith("?"):
        text = text[:-1]
    return text


def _view_ref(node: ast.AST) -> dict[str, Any]:
    """What a ``path()``'s second argument names: an include, a class view, a function (maybe wrapped)."""
    wraps: list[str] = []
    while isinstance(node, ast.Call) and last_name(callee(node)) not in ("as_view", "include") and node.args:
        wraps.append(callee(node))
        node = node.args[0]
    if isinstance(node, ast.Call) and last_name(callee(node)) == "include":
        target = node.args[0] if node.args else None
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            return {"kind": "include_module", "target": target.value}
        if isinstance(target, (ast.List, ast.BinOp)):  # ``include([path(…), …])``: patterns written inline
            return {"kind": "include_inline", "patterns": _patterns(target) or []}
        return {"kind": "include_expr", "target": dotted(target)}
    if isinstance(node, ast.Call) and last_name(callee(node)) == "as_view":
        assert isinstance(node.func, ast.Attribute)
        actions = None
        if node.args and isinstance(node.args[0], ast.Dict):
            actions = {k.value: v.value for k, v in zip(node.args[0].keys, node.args[0].values, strict=False)
                       if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
        return {"kind": "class", "ref": dotted(node.func.value), "actions": actions, "wraps": wraps}
    if isinstance(node, ast.Attribute) and node.attr == "urls" and dotted(node) == "admin.site.urls":
        return {"kind": "admin"}
    if isinstance(node, (ast.Name, ast.Attribute)):
        return {"kind": "function", "ref": dotted(node), "wraps": wraps}
    return {"kind": "unknown", "text": ast.unparse(node)}


def _patterns(node: ast.AST | None) -> list[dict[str, Any]] | None:
    """The entries of a urlpatterns expression: a list literal, ``+`` of lists and ``router.urls``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _patterns(node.left), _patterns(node.right)
        return (left or []) + (right or []) if left is not None or right is not None else None
    if isinstance(node, ast.Attribute) and node.attr == "urls":
        return [{"fn": "router", "router": dotted(node.value), "route": "", "line": node.lineno}]
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    out = []
    for e in node.elts:
        if not isinstance(e, ast.Call):
            continue
        fn = last_name(callee(e))
        if fn not in ("path", "re_path", "url"):
            continue
        route = arg(e, 0, "route") or arg(e, 0, "regex")
        view = arg(e, 1, "view")
        if view is None:
            continue
        out.append({"fn": fn, "route": encode(route), "view": _view_ref(view), "line": e.lineno})
    return out


def _class_facts(node: ast.ClassDef) -> dict[str, Any]:
    info: dict[str, Any] = {"bases": [dotted(b) for b in node.bases], "methods": [], "perm": None, "lookup": None,
                            "actions": [], "line": node.lineno}
    for s in node.body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            info["methods"].append(s.name)
            for dec in s.decorator_list:
                if isinstance(dec, ast.Call) and last_name(callee(dec)) in ("action", "detail_route", "list_route"):
                    detail = keyword(dec, "detail")
                    is_detail = (isinstance(detail, ast.Constant) and bool(detail.value)) or last_name(
                        callee(dec)) == "detail_route"
                    url_path = keyword(dec, "url_path")
                    info["actions"].append({
                        "name": s.name, "detail": is_detail, "line": s.lineno,
                        "methods": [m.upper() for m in (string_list(keyword(dec, "methods")) or ["get"])],
                        "url_path": url_path.value if isinstance(url_path, ast.Constant) else s.name})
        elif isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
            name = s.targets[0].id
            if name == "permission_classes":
                info["perm"] = _perm_text(s.value)
            elif name in ("lookup_url_kwarg", "lookup_field") and isinstance(s.value, ast.Constant):
                if name == "lookup_url_kwarg" or info["lookup"] is None:
                    info["lookup"] = s.value.value
    return info


def _perm_text(node: ast.AST) -> str:
    names = [dotted(e) for e in node.elts] if isinstance(node, (ast.List, ast.Tuple)) else [dotted(node)]
    names = [n for n in names if last_name(n) != "AllowAny"]
    return ", ".join(names)


# URL configurations, views and settings hold one of these
_WORDS = ("urlpatterns", "django", "rest_framework", "ROOT_URLCONF", "REST_FRAMEWORK")


def parse(path: str, text: str) -> dict[str, Any] | None:
    if (not (worth_parsing(text) or "ROOT_URLCONF" in text or "REST_FRAMEWORK" in text)
            or not any(w in text for w in _WORDS)):
        return None
    tree, nodes = parsed(path, text)
    facts: dict[str, Any] = {"imports": imports_of(nodes, path), "consts": module_constants(tree), "settings": {},
                             "root_urlconf": None, "default_perm": None, "patterns": {}, "routers": {},
                             "classes": {}, "functions": {}}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
            value = stmt.value
            if not isinstance(target, ast.Name) or value is None:
                continue
            if target.id == "ROOT_URLCONF" and isinstance(value, ast.Constant):
                facts["root_urlconf"] = value.value
            elif target.id == "REST_FRAMEWORK" and isinstance(value, ast.Dict):
                for k, v in zip(value.keys, value.values, strict=False):
                    if isinstance(k, ast.Constant) and k.value == "DEFAULT_PERMISSION_CLASSES":
                        names = [last_name(e.value) for e in getattr(v, "elts", [])
                                 if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                        names = [n for n in names if n != "AllowAny"]
                        facts["default_perm"] = ", ".join(names) or None
            elif isinstance(value, ast.Call) and last_name(callee(value)) in ("DefaultRouter", "SimpleRouter",
                                                                                "ExtendedDefaultRouter"):
                facts["routers"][target.id] = {"default": last_name(callee(value)) != "SimpleRouter",
                                               "registers": [], "line": stmt.lineno}
            else:
                entries = _patterns(value)
                if entries is not None:
                    if isinstance(stmt, ast.AugAssign):
                        facts["patterns"].setdefault(target.id, []).extend(entries)
                    else:
                        facts["patterns"][target.id] = entries
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            if last_name(callee(call)) == "register" and isinstance(call.func, ast.Attribute) and len(call.args) >= 2:
                router = dotted(call.func.value)
                if router in facts["routers"]:
                    facts["routers"][router]["registers"].append({
                        "prefix": encode(call.args[0]), "viewset": dotted(call.args[1]), "line": call.lineno})
            elif (last_name(callee(call)) in ("extend", "append") and isinstance(call.func, ast.Attribute)
                  and dotted(call.func.value) in facts["patterns"] and call.args):
                entries = _patterns(call.args[0] if last_name(callee(call)) == "extend" else ast.List(
                    elts=[call.args[0]], ctx=ast.Load()))
                facts["patterns"][dotted(call.func.value)].extend(entries or [])
    for node, _ in nodes:
        if isinstance(node, ast.ClassDef):
            facts["classes"][node.name] = _class_facts(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.col_offset == 0:
            methods, auth, drf = None, None, False
            for dec in node.decorator_list:
                name = last_name(dotted(dec.func if isinstance(dec, ast.Call) else dec))
                if name == "api_view":
                    drf = True
                    methods = [m.upper() for m in (string_list(arg(dec, 0)) if isinstance(dec, ast.Call) else None)
                               or ["GET"]]
                elif name == "require_http_methods" and isinstance(dec, ast.Call):
                    methods = [m.upper() for m in string_list(arg(dec, 0)) or []]
                elif name in ("require_GET", "require_safe"):
                    methods = ["GET"]
                elif name == "require_POST":
                    methods = ["POST"]
                elif name == "permission_classes" and isinstance(dec, ast.Call) and dec.args:
                    auth = _perm_text(dec.args[0])  # "" for AllowAny: stated, and open
                elif looks_like_auth(name):
                    auth = "@" + ast.unparse(dec)
            facts["functions"][node.name] = {"line": node.lineno, "methods": methods, "auth": auth, "drf": drf}
    if not (facts["patterns"] or facts["routers"] or facts["classes"] or facts["functions"] or facts["root_urlconf"]
            or facts["default_perm"]):
        return None
    return facts


class _Build:
    def __init__(self, facts: dict[str, dict[str, Any]]) -> None:
        self.facts = facts
        self.modules = Modules(list(facts))
        self.ev = Evaluator(facts, self.modules)
        self.part = ApiPart(reader="django")
        self.default_perm = next((f["default_perm"] for f in facts.values() if f["default_perm"]), None)
        self.reached: set[str] = set()

    def warn(self, path: str, line: int | None, reason: str) -> None:
        self.part.warnings.append(SourceWarning(path=path, line=line, reason=f"django: {reason}"))

    def find(self, path: str, ref: str, table: str) -> tuple[str, str] | None:
        """The (file, name) of a class or function ``ref`` used in ``path``, following imports."""
        head, _, attr = ref.rpartition(".")
        if head:
            where = self.ev.resolve_name(path, head)
            if not where or where[1]:
                return None
            where = self.ev.resolve_name(where[0], attr)
        else:
            where = self.ev.resolve_name(path, ref)
        if where and where[1] in self.facts.get(where[0], {}).get(table, {}):
            return where
        return None

    def class_info(self, path: str, ref: str, depth: int = 0) -> dict[str, Any] | None:
        """A class view's merged facts: handlers, actions, permission, lookup, whether DRF, where."""
        where = self.find(path, ref, "classes")
        if where is None or depth > 12:
            return None
        cls = self.facts[where[0]]["classes"][where[1]]
        merged = {"handlers": {m for m in cls["methods"] if m in _HANDLERS},
                  "actions": {m for m in cls["methods"] if m in _ACTIONS}, "extra": list(cls["actions"]),
                  "perm": cls["perm"], "lookup": cls["lookup"], "drf": False, "file": where[0], "line": cls["line"],
                  "login": False}
        for base in cls["bases"]:
            name = last_name(base)
            merged["handlers"] |= set(_BASE_HANDLERS.get(name, []))
            merged["actions"] |= set(_BASE_ACTIONS.get(name, []))
            merged["drf"] = merged["drf"] or name in _DRF_BASES
            merged["login"] = merged["login"] or name in ("LoginRequiredMixin", "PermissionRequiredMixin")
            inner = self.class_info(where[0], base, depth + 1)
            if inner:
                merged["handlers"] |= inner["handlers"]
                merged["actions"] |= inner["actions"]
                merged["extra"] += [a for a in inner["extra"] if a["name"] not in {x["name"] for x in merged["extra"]}]
                merged["perm"] = merged["perm"] if merged["perm"] is not None else inner["perm"]
                merged["lookup"] = merged["lookup"] or inner["lookup"]
                merged["drf"] = merged["drf"] or inner["drf"]
                merged["login"] = merged["login"] or inner["login"]
        return merged

    def auth_of(self, info: dict[str, Any]) -> str | None:
        if info.get("login"):
            return "LoginRequiredMixin"
        if info["perm"] is not None:
            return info["perm"] or None
        return self.default_perm if info["drf"] else None

    def add(self, method: str, path: str, file: str, line: int, handler: str | None, hfile: str | None,
            hline: int | None, framework: str, auth: str | None, dead: bool) -> None:
        self.part.endpoints.append(ApiEndpoint(method=method, path=path, file=file, line=line, handler=handler,
                                               handler_file=hfile, handler_line=hline, framework=framework,
                                               auth=auth, dead=dead))

    def walk(self, path: str, var: str, prefix: str, dead: bool, trail: frozenset[tuple[str, str]],
             entries: list[dict[str, Any]] | None = None) -> None:
        if (path, var) in trail or len(trail) > 20:
            return
        self.reached.add(path)
        for entry in entries if entries is not None else self.facts[path]["patterns"].get(var, []):
            if entry["fn"] == "router":
                self.router(path, entry["router"], prefix, dead, entry["line"])
                continue
            raw = self.ev.value(path, entry["route"])
            if raw is None:
                self.warn(path, entry["line"], "URL pattern is not a literal; left out")
                continue
            route = regex_to_path(raw) if entry["fn"] in ("re_path", "url") else raw
            full = join(prefix, route)
            view = entry["view"]
            kind = view["kind"]
            if kind == "include_module":
                target = self.modules.find(view["target"], path)
                if target is None or target not in self.facts:
                    self.warn(path, entry["line"], f"include({view['target']!r}) is not in the repository")
                    continue
                self.walk(target, "urlpatterns", full, dead, trail | {(path, var)})
            elif kind == "include_inline":
                self.walk(path, f"@inline{entry['line']}:{full}", full, dead, trail | {(path, var)}, view["patterns"])
            elif kind == "include_expr":
                ref = view["target"]
                if ref.endswith(".urls"):
                    self.router(path, ref[: -len(".urls")], full, dead, entry["line"])
                    continue
                where = self.ev.resolve_name(path, ref.split(".")[0])
                if where and not where[1] and "." in ref:  # ``include(api.urls_module.urlpatterns)``
                    where = (where[0], ref.rsplit(".", 1)[-1])
                if where and where[1] in self.facts.get(where[0], {}).get("patterns", {}):
                    self.walk(where[0], where[1], full, dead, trail | {(path, var)})
                elif where and not where[1]:
                    self.walk(where[0], "urlpatterns", full, dead, trail | {(path, var)})
                else:
                    self.warn(path, entry["line"], f"include({ref}) not found in the repository")
            elif kind == "class":
                self.class_view(path, entry, view, full, dead)
            elif kind == "function":
                where = self.find(path, view["ref"], "functions")
                fn = self.facts[where[0]]["functions"][where[1]] if where else None
                wrapped = next((w for w in view["wraps"] if looks_like_auth(w)), None)
                auth = (f"{wrapped}()" if wrapped else None) or (fn["auth"] if fn else None)
                if fn and fn["drf"] and auth is None:
                    auth = self.default_perm
                auth = auth or None
                for method in (fn["methods"] if fn and fn["methods"] else ["ANY"]):
                    self.add(method, full, path, entry["line"], view["ref"], where[0] if where else None,
                             fn["line"] if fn else None, "drf" if fn and fn["drf"] else "django", auth, dead)
            elif kind == "unknown":
                self.warn(path, entry["line"], f"view {view['text']!r} not understood; left out")

    def class_view(self, path: str, entry: dict[str, Any], view: dict[str, Any], full: str, dead: bool) -> None:
        info = self.class_info(path, view["ref"])
        library = _LIBRARY_VIEWS.get(last_name(view["ref"])) or _BASE_HANDLERS.get(last_name(view["ref"]))
        if info is None and library is not None:
            # a view class of Django or of a library (drf-spectacular's schema views, simplejwt's token
            # views) routed as it is: its methods are known, its handler is not in the repository
            wrapped = next((w for w in view["wraps"] if looks_like_auth(w)), None)
            for method in sorted(m.upper() for m in library):
                self.add(method, full, path, entry["line"], last_name(view["ref"]), None, None, "django",
                         f"{wrapped}()" if wrapped else None, dead)
            return
        if info is None:
            self.warn(path, entry["line"], f"view class {view['ref']} not found in the repository; methods unknown")
            self.add("ANY", full, path, entry["line"], view["ref"], None, None, "django", None, dead)
            return
        wrapped = next((w for w in view["wraps"] if looks_like_auth(w)), None)
        auth = f"{wrapped}()" if wrapped else self.auth_of(info)
        if view["actions"]:
            methods = sorted({m.upper() for m in view["actions"]})
        else:
            methods = sorted(h.upper() for h in info["handlers"]) or ["ANY"]
        for method in methods:
            self.add(method, full, path, entry["line"], last_name(view["ref"]), info["file"], info["line"],
                     "drf" if info["drf"] else "django", auth, dead)

    def router(self, path: str, ref: str, prefix: str, dead: bool, line: int) -> None:
        where = self.ev.resolve_name(path, ref)
        router = self.facts.get(where[0], {}).get("routers", {}).get(where[1]) if where else None
        if router is None:
            self.warn(path, line, f"router {ref} not found in the repository")
            return
        rpath = where[0] if where else path
        if router["default"]:
            self.add("GET", prefix, rpath, router["line"], "api-root", None, None, "drf", None, dead)
        for reg in router["registers"]:
            raw = self.ev.value(rpath, reg["prefix"])
            if raw is None:
                self.warn(rpath, reg["line"], "router prefix is not a literal; left out")
                continue
            info = self.class_info(rpath, reg["viewset"])
            if info is None:
                self.warn(rpath, reg["line"], f"viewset {reg['viewset']} not found in the repository")
                continue
            base = join(prefix, regex_to_path(raw))
            detail = join(base, "{" + (info["lookup"] or "pk") + "}")
            auth = self.auth_of(info)
            for action in sorted(info["actions"], key=list(_ACTIONS).index):
                self.add(_ACTIONS[action], base if action in _LIST_ACTIONS else detail, rpath, reg["line"],
                         f"{last_name(reg['viewset'])}.{action}", info["file"], info["line"], "drf", auth, dead)
            for extra in info["extra"]:
                for method in extra["methods"]:
                    self.add(method, join(detail if extra["detail"] else base, extra["url_path"]), rpath,
                             reg["line"], f"{last_name(reg['viewset'])}.{extra['name']}", info["file"], extra["line"], "drf",
                             auth, dead)


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    b = _Build(facts)
    roots = [f["root_urlconf"] for f in facts.values() if f["root_urlconf"]]
    urlconfs = [p for p, f in facts.items() if "urlpatterns" in f["patterns"]]
    found_root = False
    for root in dict.fromkeys(roots):
        target = b.modules.find(root)
        if target and target in facts:
            found_root = True
            b.walk(target, "urlpatterns", "", False, frozenset())
        else:
            b.warn(next(p for p, f in facts.items() if f["root_urlconf"] == root), None,
                   f"ROOT_URLCONF {root!r} not found in the repository")
    if not found_root:  # no settings: every URLconf that no other includes is a root
        included = set()
        for path, f in facts.items():
            for entries in f["patterns"].values():
                for e in entries:
                    if e.get("view", {}).get("kind") == "include_module":
                        target = b.modules.find(e["view"]["target"], path)
                        if target:
                            included.add(target)
        for path in urlconfs:
            if path not in included:
                b.walk(path, "urlpatterns", "", False, frozenset())
    for path in urlconfs:
        if path not in b.reached:
            b.walk(path, "urlpatterns", "", True, frozenset())
    return b.part


READERS = [Reader(name="django", wants=wants_py, parse=parse, build=build, suffixes=PY_EXT, keywords=_WORDS)]

"""Flask endpoints: ``@app.route(…, methods=[…])``, ``@bp.get``, ``add_url_rule`` (``MethodView``
classes give the methods they define), ``Blueprint(…, url_prefix=…)`` and ``register_blueprint(bp,
url_prefix=…)`` (blueprints nested in blueprints too), and Flask-RESTful ``Api.add_resource``.

``<int:id>`` is written ``{id}``. A route without ``methods`` answers GET (Flask's implicit HEAD and
OPTIONS are not listed). Auth is a decorator of the view whose name says so (``@login_required``,
``@jwt_required()``, ``@token_auth.login_required``…). A blueprint no application registers is dead;
one registered only inside a debug/environment ``if`` is development-only.
"""

from __future__ import annotations

import ast
from typing import Any

from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._py import (
    HTTP_METHODS,
    PY_EXT,
    ROUTE_DECORATOR_WORDS,
    Evaluator,
    Modules,
    arg,
    assigned_from_other_calls,
    callee,
    dotted,
    encode,
    has_route_decorator,
    imports_of,
    is_init,
    join,
    keyword,
    last_name,
    looks_like_auth,
    module_constants,
    package_stub,
    parsed,
    string_list,
    wants_py,
    worth_parsing,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning

_VIEW_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def _auth_decorator(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str | None:
    for dec in fn.decorator_list:
        name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
        if last_name(name) in ("route", *HTTP_METHODS):
            continue
        if looks_like_auth(name):
            return "@" + ast.unparse(dec)
    return None


def _stub(path: str, text: str) -> dict[str, Any] | None:
    stub = package_stub(path, text)
    if stub is not None:
        stub.update(objects={}, routes=[], registers=[], views={}, mentions=False)
    return stub


# a file of an app, blueprints, resources or their registrations holds one of these (or a route decorator)
_WORDS = ("flask", "Blueprint", "add_url_rule", "add_resource", "register_blueprint")


def parse(path: str, text: str) -> dict[str, Any] | None:
    if not worth_parsing(text) or not (any(w in text for w in _WORDS) or has_route_decorator(text)):
        return _stub(path, text)
    tree, nodes = parsed(path, text)
    facts: dict[str, Any] = {"imports": imports_of(nodes, path), "consts": module_constants(tree), "settings": {},
                             "objects": {}, "routes": [], "registers": [], "views": {}}
    for node, dev in nodes:
        if isinstance(node, ast.ClassDef):
            methods = [s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and s.name in _VIEW_METHODS]
            decorators = None
            for s in node.body:  # ``decorators = [login_required]`` on a MethodView/Resource
                if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("decorators", "method_decorators")
                                                     for t in s.targets):
                    decorators = next((ast.unparse(e) for e in getattr(s.value, "elts", [])
                                       if looks_like_auth(ast.unparse(e))), None)
            facts["views"][node.name] = {"methods": [m.upper() for m in methods], "line": node.lineno,
                                         "auth": _auth_decorator(node) or (f"@{decorators}" if decorators else None)}
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            name = last_name(callee(node.value))
            kind = {"Flask": "app", "Blueprint": "blueprint", "Api": "api"}.get(name)
            if kind:
                prefix = keyword(node.value, "url_prefix") if kind != "api" else keyword(node.value, "prefix")
                target = arg(node.value, 0, "app") if kind == "api" else None
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        facts["objects"][t.id] = {"kind": kind, "prefix": encode(prefix), "line": node.lineno,
                                                  "app": dotted(target) if target is not None else None}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            owner = dotted(node.func.value)
            if attr == "register_blueprint" and node.args:
                facts["registers"].append({"parent": owner, "child": dotted(node.args[0]),
                                           "prefix": encode(keyword(node, "url_prefix")), "line": node.lineno,
                                           "dev": dev})
            elif attr == "init_app" and node.args:  # ``api.init_app(app)`` mounts a Flask-RESTful Api
                facts["registers"].append({"parent": dotted(node.args[0]), "child": owner, "prefix": None,
                                           "line": node.lineno, "dev": dev, "init": True})
            elif attr == "add_url_rule":
                view = arg(node, 2, "view_func")
                view_name = None
                if isinstance(view, ast.Call) and last_name(callee(view)) == "as_view":
                    assert isinstance(view.func, ast.Attribute)
                    view_name = dotted(view.func.value)
                methods = string_list(keyword(node, "methods"))
                facts["routes"].append({"obj": owner, "paths": [encode(arg(node, 0, "rule"))],
                                        "methods": [m.upper() for m in methods] if methods else None,
                                        "handler": view_name or (dotted(view) if view is not None else None),
                                        "view": view_name, "line": node.lineno, "handler_line": None,
                                        "auth": None, "dev": dev})
            elif attr == "add_resource" and node.args:
                facts["routes"].append({"obj": owner, "paths": [encode(a) for a in node.args[1:]
                                                                if not isinstance(a, ast.Starred)],
                                        "methods": None, "handler": dotted(node.args[0]), "view": dotted(node.args[0]),
                                        "line": node.lineno, "handler_line": None, "auth": None, "dev": dev})
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
                    continue
                verb = dec.func.attr
                if verb == "route":
                    methods = string_list(keyword(dec, "methods")) or ["GET"]
                elif verb in HTTP_METHODS:
                    methods = [verb]
                else:
                    continue
                facts["routes"].append({"obj": dotted(dec.func.value), "paths": [encode(arg(dec, 0, "rule"))],
                                        "methods": [m.upper() for m in methods], "handler": node.name, "view": None,
                                        "line": dec.lineno, "handler_line": node.lineno,
                                        "auth": _auth_decorator(node), "dev": dev})
    foreign = assigned_from_other_calls(nodes, ("Flask", "Blueprint", "Api")) - set(facts["objects"])
    facts["routes"] = [r for r in facts["routes"] if r["obj"].split(".")[0] not in foreign]
    facts["mentions"] = "flask" in text  # a route on an unknown object is a warning only in a flask file
    if not (facts["objects"] or facts["routes"] or facts["registers"] or facts["consts"]):
        return None
    return facts


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    part = ApiPart(reader="flask")
    ev = Evaluator(facts, Modules(list(facts)))
    objects = {(p, v): o for p, f in facts.items() for v, o in f["objects"].items()}
    views = {(p, v): o for p, f in facts.items() for v, o in f["views"].items()}

    def resolve(path: str, text: str, table: dict[tuple[str, str], Any]) -> tuple[str, str] | None:
        where = ev.resolve_dotted(path, text)
        return where if where in table else None

    def value(path: str, expr: Any, line: int, what: str) -> str | None:
        if expr is None:
            return ""
        got = ev.value(path, expr)
        if got is None:
            part.warnings.append(SourceWarning(path=path, line=line, reason=f"flask: {what} {expr[-1]!r} is not a literal"))
        return got

    children: dict[tuple[str, str], list[tuple[tuple[str, str], str, bool]]] = {}
    for path, f in facts.items():
        for reg in f["registers"]:
            parent, child = resolve(path, reg["parent"], objects), resolve(path, reg["child"], objects)
            if (parent is None or child is None or objects[child]["kind"] != "api") and reg.get("init"):
                continue  # ``db.init_app(app)``: an extension, not a Flask-RESTful Api
            if parent is None or child is None:
                part.warnings.append(SourceWarning(path=path, line=reg["line"], reason=(
                    f"flask: register of {reg['child']} on {reg['parent']}: blueprint not found in the repository")))
                continue
            children.setdefault(parent, []).append((child, value(path, reg["prefix"], reg["line"], "url_prefix") or "",
                                                    reg["dev"]))
    for key, obj in objects.items():  # ``Api(app)`` / ``Api(bp)``: mounted where it is made
        if obj["kind"] == "api" and obj["app"]:
            parent = resolve(key[0], obj["app"], objects)
            if parent is not None:
                children.setdefault(parent, []).append((key, "", False))
    routes_of: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for path, f in facts.items():
        for route in f["routes"]:
            route_key = resolve(path, route["obj"], objects)
            if route_key is None:
                if not f.get("mentions"):
                    continue  # another framework's route (``@app.get`` of FastAPI in a Flask reader…)
                part.warnings.append(SourceWarning(path=path, line=route["line"], reason=(
                    f"flask: route on {route['obj']!r}, which is no Flask app or Blueprint found in the repository")))
                continue
            routes_of.setdefault(route_key, []).append((path, route))
    included = {c[0] for edges in children.values() for c in edges}

    def emit(key: tuple[str, str], prefix: str, dev: bool, dead: bool, trail: frozenset[Any]) -> None:
        if key in trail or len(trail) > 20:
            return
        obj = objects[key]
        prefix = join(prefix, value(key[0], obj["prefix"], obj["line"], "url_prefix") or "")
        for path, route in routes_of.get(key, []):
            view = resolve(path, route["view"], views) if route["view"] else None
            info = views.get(view) if view else None
            methods = route["methods"] or (info["methods"] if info and info["methods"] else ["GET"])
            for expr in route["paths"]:
                rule = value(path, expr, route["line"], "rule")
                if rule is None:
                    continue
                for method in methods:
                    part.endpoints.append(ApiEndpoint(
                        method=method, path=join(prefix, rule), file=path, line=route["line"],
                        handler=route["handler"], handler_file=view[0] if view else (
                            path if route["handler_line"] else None),
                        handler_line=info["line"] if info else route["handler_line"], framework="flask",
                        auth=route["auth"] or (info["auth"] if info else None), dead=dead,
                        dev_only=dev or route["dev"]))
        for child, child_prefix, child_dev in children.get(key, []):
            emit(child, join(prefix, child_prefix), dev or child_dev, dead, trail | {key})

    for key, obj in objects.items():
        if obj["kind"] == "app":
            emit(key, "", False, False, frozenset())
        elif key not in included:
            emit(key, "", False, True, frozenset())
    return part


READERS = [Reader(name="flask", wants=wants_py, parse=parse, build=build, suffixes=PY_EXT,
                  keywords=_WORDS + ROUTE_DECORATOR_WORDS, keywordless=is_init)]

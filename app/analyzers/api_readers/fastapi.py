"""FastAPI endpoints: ``@app.get``/``@router.post`` routes, ``APIRouter(prefix=…)`` and
``include_router(…, prefix=…)`` resolved across modules, from every ``FastAPI()`` application down.

A prefix may be a literal, a module constant, an f-string, or a settings attribute whose settings
class declares a default string (``api_prefix: str = "/api"``). The request model is a handler
parameter annotated with a pydantic model (or given ``Body(…)``); the response model is
``response_model=`` or the return annotation. Auth is a ``Depends``/``Security`` dependency of the
route, its router or the ``include_router`` call whose name says so (``get_current_user``…), or any
``Security(…)``. A router no application includes is reported dead; one included only inside a
debug/environment ``if`` is development-only.
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
    settings_defaults,
    string_list,
    wants_py,
    worth_parsing,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning

_PYDANTIC_ROOTS = {"BaseModel", "SQLModel", "GenericModel", "RootModel"}
_NOT_BODY = {"int", "str", "float", "bool", "bytes", "dict", "list", "Request", "Response", "WebSocket",
             "BackgroundTasks", "UploadFile", "HTTPConnection", "Any", "UUID", "datetime", "date"}


def _dep_text(node: ast.AST) -> str | None:
    """``Depends(x)``/``Security(x)`` as written, for a call to either; else None."""
    if isinstance(node, ast.Call) and last_name(callee(node)) in ("Depends", "Security"):
        return ast.unparse(node)
    return None


def _auth_of(deps: list[str]) -> list[str]:
    return [d for d in deps if d.startswith("Security") or looks_like_auth(d)]


def _deps_list(node: ast.AST | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [t for t in (_dep_text(e) for e in node.elts) if t]
    return []


def _annotation_dep(node: ast.AST | None) -> str | None:
    """The dependency inside ``Annotated[T, Depends(x)]``."""
    if isinstance(node, ast.Subscript) and last_name(dotted(node.value)) == "Annotated":
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for e in elts[1:]:
            text = _dep_text(e)
            if text:
                return text
    return None


def _model_name(node: ast.AST | None) -> str | None:
    """``X``/``mod.X``/``list[X]`` -> the model name written, for an annotation or response_model."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    if isinstance(node, ast.Subscript) and last_name(dotted(node.value)) == "Annotated":
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return _model_name(elts[0])
    return ast.unparse(node)


def _handler_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[str], list[list[Any]]]:
    """(auth dependencies, body candidates [param name, annotation, has Body() default, alias name])."""
    auth: list[str] = []
    body: list[list[Any]] = []
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    defaults: list[ast.expr | None] = [None] * (len(fn.args.posonlyargs) + len(fn.args.args) - len(fn.args.defaults))
    defaults += list(fn.args.defaults) + list(fn.args.kw_defaults)
    for a, default in zip(args, defaults, strict=False):
        dep = _dep_text(default) if default is not None else None
        dep = dep or _annotation_dep(a.annotation)
        if dep:
            auth.append(dep)
            continue
        if a.annotation is None:
            continue
        explicit = isinstance(default, ast.Call) and last_name(callee(default)) in ("Body",)
        if isinstance(default, ast.Call) and last_name(callee(default)) in ("Query", "Path", "Header", "Cookie",
                                                                            "Form", "File"):
            continue
        ann = a.annotation
        if isinstance(ann, ast.Subscript) and last_name(dotted(ann.value)) == "Annotated":
            elts = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
            explicit = explicit or any(isinstance(e, ast.Call) and last_name(callee(e)) == "Body" for e in elts[1:])
        alias = dotted(ann) if isinstance(ann, (ast.Name, ast.Attribute)) else ""
        body.append([a.arg, _model_name(ann), explicit, alias])
    return auth, body


def _stub(path: str, text: str) -> dict[str, Any] | None:
    stub = package_stub(path, text)
    if stub is not None:
        stub.update(classes={}, aliases={}, objects={}, routes=[], includes=[], warnings=[], mentions=False)
    return stub


# a file of routes, routers, request models or settings holds one of these (or a route decorator)
_WORDS = ("fastapi", "APIRouter", "BaseModel", "Settings", "SQLModel")


def parse(path: str, text: str) -> dict[str, Any] | None:
    if not worth_parsing(text) or not (any(word in text for word in _WORDS) or has_route_decorator(text)):
        return _stub(path, text)
    tree, nodes = parsed(path, text)
    facts: dict[str, Any] = {
        "imports": imports_of(nodes, path), "consts": module_constants(tree), "settings": settings_defaults(nodes),
        "classes": {}, "aliases": {}, "objects": {}, "routes": [], "includes": [], "warnings": [],
    }
    for stmt in tree.body:  # ``CurrentUser = Annotated[User, Depends(get_current_user)]``
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            dep = _annotation_dep(stmt.value)
            if dep:
                facts["aliases"][stmt.targets[0].id] = dep
    for node, dev in nodes:
        if isinstance(node, ast.ClassDef):
            facts["classes"][node.name] = [last_name(dotted(b)) for b in node.bases]
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            kind = {"FastAPI": "app", "APIRouter": "router"}.get(last_name(callee(node.value)))
            if kind:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        facts["objects"][t.id] = {
                            "kind": kind, "prefix": encode(keyword(node.value, "prefix")),
                            "deps": _deps_list(keyword(node.value, "dependencies")), "line": node.lineno}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method == "mount" and len(node.args) >= 2 and isinstance(node.args[1], (ast.Name, ast.Attribute)):
                # ``app.mount('/v2', v2_app)``: a sub-application (a StaticFiles mount resolves to no app)
                facts["includes"].append({
                    "parent": dotted(node.func.value), "child": dotted(node.args[1]), "prefix": encode(node.args[0]),
                    "deps": [], "line": node.lineno, "dev": dev, "mount": True})
            elif method == "include_router" and node.args:
                facts["includes"].append({
                    "parent": dotted(node.func.value), "child": dotted(node.args[0]),
                    "prefix": encode(keyword(node, "prefix")), "deps": _deps_list(keyword(node, "dependencies")),
                    "line": node.lineno, "dev": dev})
            elif method == "add_api_route":
                methods = string_list(keyword(node, "methods")) or ["GET"]
                endpoint = arg(node, 1, "endpoint")
                facts["routes"].append({
                    "obj": dotted(node.func.value), "methods": [m.upper() for m in methods],
                    "path": encode(arg(node, 0, "path")), "handler": dotted(endpoint) if endpoint else None,
                    "handler_line": None, "line": node.lineno, "response": _model_name(keyword(node, "response_model")),
                    "auth": _auth_of(_deps_list(keyword(node, "dependencies"))), "body": [], "dev": dev})
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
                    continue
                verb = dec.func.attr
                if verb in HTTP_METHODS:
                    methods = [verb.upper()]
                elif verb == "api_route":
                    methods = [m.upper() for m in (string_list(keyword(dec, "methods")) or ["GET"])]
                else:
                    continue
                auth, body = _handler_params(node)
                response = _model_name(keyword(dec, "response_model"))
                facts["routes"].append({
                    "obj": dotted(dec.func.value), "methods": methods, "path": encode(arg(dec, 0, "path")),
                    "handler": node.name, "handler_line": node.lineno, "line": dec.lineno,
                    "response": response, "returns": _model_name(node.returns),
                    "auth": _auth_of(_deps_list(keyword(dec, "dependencies")) + auth), "body": body, "dev": dev})
    foreign = assigned_from_other_calls(nodes, ("FastAPI", "APIRouter")) - set(facts["objects"])
    facts["routes"] = [r for r in facts["routes"] if r["obj"].split(".")[0] not in foreign]
    facts["mentions"] = "fastapi" in text  # a route on an unknown object is a warning only in a fastapi file
    if not (facts["objects"] or facts["routes"] or facts["includes"] or facts["settings"] or facts["classes"]
            or facts["consts"]):
        return None
    return facts


def _pydantic(facts: dict[str, dict[str, Any]]) -> set[str]:
    bases: dict[str, set[str]] = {}
    for f in facts.values():
        for name, bs in f["classes"].items():
            bases.setdefault(name, set()).update(bs)
    models = set(_PYDANTIC_ROOTS)
    changed = True
    while changed:
        changed = False
        for name, bs in bases.items():
            if name not in models and bs & models:
                models.add(name)
                changed = True
    return models - _PYDANTIC_ROOTS


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    part = ApiPart(reader="fastapi")
    modules = Modules(list(facts))
    ev = Evaluator(facts, modules)
    models = _pydantic(facts)
    aliases: dict[str, str] = {}
    for f in facts.values():
        aliases.update(f["aliases"])
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path, f in facts.items():
        for var, obj in f["objects"].items():
            objects[(path, var)] = obj

    def obj_key(path: str, text: str) -> tuple[str, str] | None:
        where = ev.resolve_dotted(path, text)  # ``router``, ``users.router``, ``api.routes.users.router``
        return where if where in objects else None

    def prefix_of(path: str, expr: Any, line: int) -> str:
        if expr is None:
            return ""
        value = ev.value(path, expr)
        if value is None:
            part.warnings.append(SourceWarning(path=path, line=line,
                                               reason=f"fastapi: prefix {expr[-1]!r} is not a literal; left out"))
            return ""
        return value

    # Mount edges: parent object -> (child object, include prefix, include auth, dev-only, line).
    children: dict[tuple[str, str], list[tuple[tuple[str, str], str, list[str], bool]]] = {}
    for path, f in facts.items():
        for inc in f["includes"]:
            parent, child = obj_key(path, inc["parent"]), obj_key(path, inc["child"])
            if (parent is None or child is None) and inc.get("mount"):
                continue  # ``app.mount('/static', StaticFiles(…))``: files, not endpoints
            if parent is None or child is None:
                part.warnings.append(SourceWarning(path=path, line=inc["line"], reason=(
                    f"fastapi: include_router({inc['child']}) on {inc['parent']}: router not found in the repository")))
                continue
            children.setdefault(parent, []).append(
                (child, prefix_of(path, inc["prefix"], inc["line"]), _auth_of(inc["deps"]), inc["dev"]))

    routes_of: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for path, f in facts.items():
        for route in f["routes"]:
            key = obj_key(path, route["obj"])
            if key is None:
                if not f.get("mentions"):
                    continue  # another framework's route (``@app.get`` of FastAPI in a Flask reader…)
                part.warnings.append(SourceWarning(path=path, line=route["line"], reason=(
                    f"fastapi: route on {route['obj']!r}, which is no FastAPI app or APIRouter found in the repository")))
                continue
            routes_of.setdefault(key, []).append((path, route))

    mounted: set[tuple[str, str]] = set()

    def emit(key: tuple[str, str], prefix: str, auth: list[str], dev: bool, dead: bool, depth: int,
             trail: frozenset[tuple[str, str]]) -> None:
        if depth > 20 or key in trail:
            return
        obj = objects[key]
        prefix = join(prefix, prefix_of(key[0], obj["prefix"], obj["line"]))
        auth = auth + _auth_of(obj["deps"])
        for path, route in routes_of.get(key, []):
            route_path = ev.value(path, route["path"])
            if route_path is None:
                part.warnings.append(SourceWarning(path=path, line=route["line"],
                                                   reason="fastapi: route path is not a literal; endpoint left out"))
                continue
            route_auth = route["auth"] + [aliases[b[3]] for b in route["body"] if b[3] in aliases]
            route_auth = _auth_of(route_auth) + auth
            request = next((b[1] for b in route["body"] if b[3] not in aliases and (
                b[2] or last_name(b[3] or "") in models) and b[1] not in _NOT_BODY), None)
            response = route["response"] or (route.get("returns") if last_name(
                (route.get("returns") or "").replace("list[", "").rstrip("]")) in models else None)
            for method in route["methods"]:
                part.endpoints.append(ApiEndpoint(
                    method=method, path=join(prefix, route_path), file=path, line=route["line"],
                    handler=route["handler"], handler_file=path if route["handler_line"] else None,
                    handler_line=route["handler_line"], framework="fastapi",
                    auth=route_auth[0] if route_auth else None, request=request, response=response,
                    dead=dead, dev_only=dev or route["dev"]))
        for child, inc_prefix, inc_auth, inc_dev in children.get(key, []):
            if not dead:
                mounted.add(child)
            emit(child, join(prefix, inc_prefix), auth + inc_auth, dev or inc_dev, dead, depth + 1, trail | {key})

    mounted_apps = {c[0] for edges in children.values() for c in edges}
    apps = [k for k, o in objects.items() if o["kind"] == "app" and k not in mounted_apps]
    for key in apps:
        emit(key, "", [], False, False, 0, frozenset())
    for key, obj in objects.items():
        if obj["kind"] == "router" and key not in mounted and not _included_by_live(key, children, mounted):
            emit(key, "", [], False, True, 0, frozenset())
    return part


def _included_by_live(key: tuple[str, str], children: dict[Any, Any], mounted: set[tuple[str, str]]) -> bool:
    """A router included by another router (dead or live) is emitted through its parent."""
    return any(key == c[0] for edges in children.values() for c in edges)


READERS = [Reader(name="fastapi", wants=wants_py, parse=parse, build=build, suffixes=PY_EXT,
                  keywords=_WORDS + ROUTE_DECORATOR_WORDS, keywordless=is_init)]

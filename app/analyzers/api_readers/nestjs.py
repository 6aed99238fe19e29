"""NestJS and routing-controllers endpoints, from the decorators of controller classes.

``@Controller('users')`` (or ``{path, version}``) + ``@Get(':id')``…, under the global prefix of
``app.setGlobalPrefix('api')`` and, with ``app.enableVersioning(…)`` (URI versioning, the default),
the ``/v{version}`` of ``@Version``, the controller's ``version`` or the ``defaultVersion``.
routing-controllers: ``@JsonController('/users')``/``@Controller`` imported from
``routing-controllers`` under the ``routePrefix`` of ``createExpressServer``/``useExpressServer``, also
when it comes from configuration (``routePrefix: env.app.routePrefix``, an object of an imported module
whose value reads an environment variable): the variable's default in the code, else its value in a
committed ``.env.example``; otherwise a warning says the paths are shown without it.

Auth: ``@UseGuards(…)`` on the class or the method, routing-controllers ``@Authorized()``, or a
middleware a module applies with ``consumer.apply(AuthMiddleware).forRoutes({path, method})`` whose
name says so. The request model is the type of the ``@Body()`` parameter, the response model the
method's return type (``Promise<…>`` unwrapped). A controller that no ``@Module`` (or, with
routing-controllers, no server's ``controllers`` list) names is dead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._js import (
    ENV_WORDS,
    JS_OR_ENV_EXT,
    Values,
    _args,
    _join,
    _str,
    _t,
    dotenv_values,
    encode,
    is_env_example,
    looks_like_auth,
    parse_env_example,
    parse_js,
    reads_env,
    wants_js_or_env,
    worth_parsing,
)
from phasegate.app.analyzers.readers import Reader, SourceWarning

if TYPE_CHECKING:
    from tree_sitter import Node

_VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE", "Options": "OPTIONS",
          "Head": "HEAD", "All": "ANY"}
_CONTROLLERS = ("Controller", "JsonController")


def _decorator_call(dec: Node) -> tuple[str, list[Node]]:
    call = next((c for c in dec.named_children if c.type in ("call_expression", "identifier")), None)
    if call is None:
        return "", []
    if call.type == "identifier":
        return _t(call), []
    return _t(call.child_by_field_name("function")), _args(call)


def _obj_pairs(node: Node) -> dict[str, Node]:
    out = {}
    for pair in node.named_children:
        if pair.type == "pair":
            k, v = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if k is not None and v is not None:
                out[_t(k).strip("'\"")] = v
    return out


def _strings(node: Node | None) -> list[str] | None:
    if node is None:
        return None
    if node.type == "array":
        vals = [_str(c) for c in node.named_children]
        return [v for v in vals if v is not None]
    v = _str(node)
    return [v] if v is not None else None


def _type_name(node: Node | None) -> str | None:
    if node is None:
        return None
    text = _t(node).lstrip(":").strip()
    while text.startswith("Promise<") and text.endswith(">"):
        text = text[len("Promise<"):-1].strip()
    return text or None


def _controller(cls: Node, decorators: list[Node], rc: bool) -> dict[str, Any] | None:
    ctrl: dict[str, Any] | None = None
    guards: list[str] = []
    for dec in decorators:
        name, args = _decorator_call(dec)
        if name in _CONTROLLERS:
            ctrl = {"paths": [""], "version": None, "line": dec.start_point[0] + 1,
                    "kind": "routing-controllers" if rc else "nestjs"}
            if args:
                if args[0].type == "object":
                    opts = _obj_pairs(args[0])
                    ctrl["paths"] = _strings(opts.get("path")) or [""]
                    ctrl["version"] = _strings(opts.get("version"))
                else:
                    ctrl["paths"] = _strings(args[0]) or [""]
        elif name == "UseGuards":
            guards.append(_t(dec)[1:])
        elif name == "Authorized":
            guards.append(_t(dec)[1:])
    if ctrl is None:
        return None
    name_node = cls.child_by_field_name("name")
    ctrl["name"] = _t(name_node)
    ctrl["guards"] = guards
    ctrl["methods"] = []
    body = cls.child_by_field_name("body")
    pending: list[Node] = []
    for member in body.named_children if body is not None else []:
        if member.type == "decorator":
            pending.append(member)
            continue
        if member.type != "method_definition":
            pending = []
            continue
        decs = pending + [c for c in member.named_children if c.type == "decorator"]
        pending = []
        verbs: list[tuple[str, list[str]]] = []
        m_guards: list[str] = []
        version = None
        for dec in decs:
            dname, dargs = _decorator_call(dec)
            if dname in _VERBS:
                verbs.append((_VERBS[dname], (_strings(dargs[0]) if dargs else None) or [""]))
            elif dname in ("UseGuards", "Authorized"):
                m_guards.append(_t(dec)[1:])
            elif dname == "Version" and dargs:
                version = _strings(dargs[0])
        if not verbs:
            continue
        body_type = None
        params = member.child_by_field_name("parameters")
        for p in params.named_children if params is not None else []:
            if any(_decorator_call(d)[0] == "Body" for d in p.named_children if d.type == "decorator"):
                body_type = _type_name(p.child_by_field_name("type"))
        name_node = member.child_by_field_name("name")
        for verb, paths in verbs:
            ctrl["methods"].append({"verb": verb, "paths": paths, "name": _t(name_node), "line": member.start_point[0] + 1,
                                    "decl_line": decs[0].start_point[0] + 1 if decs else member.start_point[0] + 1,
                                    "guards": m_guards, "version": version, "body": body_type,
                                    "returns": _type_name(member.child_by_field_name("return_type"))})
    return ctrl


_VALUE_KEYS = ("imports", "consts", "exports", "returns")


def _values_of(path: str, text: str) -> dict[str, Any] | None:
    """What ``Values`` needs of a file: its imports, constants, exports and functions' returned names."""
    facts = parse_js(path, text)
    return {k: facts[k] for k in _VALUE_KEYS} if facts else None


_WORDS = ("@nestjs", "routing-controllers", "setGlobalPrefix", "@Module", "Controller(")


def parse(path: str, text: str) -> dict[str, Any] | None:
    if is_env_example(path):
        return parse_env_example(text)
    if not worth_parsing(text):
        return None
    if not any(w in text for w in _WORDS):
        if reads_env(text):  # a configuration module (``env.app.routePrefix``) a prefix may come from
            values = _values_of(path, text)
            return {"values": values} if values else None
        return None
    from phasegate.app.analyzers.treesitter import parse as ts_parse

    tree = ts_parse("tsx" if path.endswith(".tsx") else "typescript" if path.endswith(".ts") else "javascript", text)
    rc = "routing-controllers" in text
    facts: dict[str, Any] = {"controllers": [], "prefix": None, "versioning": None, "modules": [],
                             "servers": [], "middleware": []}
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in ("class_declaration", "class"):
            decorators = [c for c in node.named_children if c.type == "decorator"]
            parent = node.parent
            if parent is not None and parent.type == "export_statement":
                decorators = [c for c in parent.named_children if c.type == "decorator"] + decorators
            ctrl = _controller(node, decorators, rc)
            if ctrl:
                facts["controllers"].append(ctrl)
            for dec in decorators:
                name, args = _decorator_call(dec)
                if name == "Module" and args and args[0].type == "object":
                    opts = _obj_pairs(args[0])
                    ctrls = opts.get("controllers")
                    facts["modules"].append([_t(c) for c in ctrls.named_children] if ctrls is not None
                                            and ctrls.type == "array" else [])
        elif node.type == "call_expression":
            fn = node.child_by_field_name("function")
            fn_text = _t(fn)
            args = _args(node)
            if fn_text.endswith(".setGlobalPrefix") and args:
                facts["prefix"] = _str(args[0])
                if facts["prefix"] is None:
                    facts["prefix_expr"] = _t(args[0])
            elif fn_text.endswith(".enableVersioning"):
                opts = _obj_pairs(args[0]) if args and args[0].type == "object" else {}
                vtype = _t(opts.get("type")) if opts.get("type") is not None else "URI"
                facts["versioning"] = {"uri": vtype.endswith("URI"), "default": _strings(opts.get("defaultVersion")),
                                       "prefix": _str(opts.get("prefix")) if opts.get("prefix") is not None else "v"}
            elif fn_text in ("createExpressServer", "useExpressServer", "createKoaServer", "useKoaServer") and args:
                opts_node = args[-1]
                if opts_node.type == "object":
                    opts = _obj_pairs(opts_node)
                    prefix = opts.get("routePrefix")
                    ctrls = opts.get("controllers")
                    facts["servers"].append({
                        "prefix": encode(prefix) if prefix is not None else None,
                        "prefix_text": _t(prefix) if prefix is not None else None,
                        "controllers": [_t(c) for c in ctrls.named_children if c.type == "identifier"]
                        if ctrls is not None and ctrls.type == "array" else None,
                        "line": node.start_point[0] + 1})
            elif fn_text.endswith(".forRoutes"):
                inner = fn.child_by_field_name("object") if fn is not None else None
                apply = inner if inner is not None and inner.type == "call_expression" else None
                mw = ", ".join(_t(a) for a in _args(apply)) if apply is not None else ""
                if looks_like_auth(mw):
                    for a in args:
                        if a.type == "object":
                            o = _obj_pairs(a)
                            method = _t(o.get("method")).rsplit(".", 1)[-1] if o.get("method") is not None else "ALL"
                            facts["middleware"].append({"path": _str(o.get("path")), "method": method, "mw": mw})
                        elif _str(a) is not None:
                            facts["middleware"].append({"path": _str(a), "method": "ALL", "mw": mw})
                        else:
                            facts["middleware"].append({"controller": _t(a), "mw": mw})
        stack.extend(reversed(node.children))
    if not (facts["controllers"] or facts["prefix"] or facts["versioning"] or facts["modules"] or facts["servers"]
            or facts["middleware"] or facts.get("prefix_expr")):
        return None
    if any(s["prefix"] is not None and s["prefix"][0] != "s" for s in facts["servers"]):
        facts["values"] = _values_of(path, text)  # to follow ``routePrefix: env.app.routePrefix``
    return facts


def build(all_facts: dict[str, dict[str, Any]]) -> ApiPart:
    part = ApiPart(reader="nestjs")
    values = Values({p: f["values"] for p, f in all_facts.items() if f.get("values")}, set(all_facts),
                    dotenv_values(all_facts))
    facts = {p: f for p, f in all_facts.items() if "controllers" in f}
    prefix = next((f["prefix"] for f in facts.values() if f["prefix"]), "")
    for path, f in facts.items():
        if f.get("prefix_expr"):
            part.warnings.append(SourceWarning(path=path, reason=(
                f"nestjs: global prefix {f['prefix_expr']} is not a literal; paths are shown without it")))
    versioning = next((f["versioning"] for f in facts.values() if f["versioning"]), None)
    listed = {c for f in facts.values() for m in f["modules"] for c in m}
    has_modules = any(f["modules"] for f in facts.values())
    servers = [s for f in facts.values() for s in f["servers"]]
    rc_listed = {c for s in servers if s["controllers"] is not None for c in s["controllers"]}
    rc_globs = any(s["controllers"] is None for s in servers)
    rc_prefix = ""
    for path, f in facts.items():
        for s in f["servers"]:
            if s["prefix"] is not None:
                value = s["prefix"][1] if s["prefix"][0] == "s" else values.value(path, s["prefix"])
                if value is None:
                    part.warnings.append(SourceWarning(path=path, line=s["line"], reason=(
                        f"nestjs: routePrefix {s['prefix_text']} is not a literal (set at run time); "
                        "paths are shown without it")))
                else:
                    rc_prefix = value
    middleware = [m for f in facts.values() for m in f["middleware"]]
    for path, f in facts.items():
        for ctrl in f["controllers"]:
            rc = ctrl["kind"] == "routing-controllers"
            if rc:
                dead = not servers or not (rc_globs or ctrl["name"] in rc_listed)
                base = rc_prefix
            else:
                dead = has_modules and ctrl["name"] not in listed
                base = prefix
            for m in ctrl["methods"]:
                versions: list[str | None] = [None]
                if versioning and versioning["uri"] and not rc:
                    versions = list(m["version"] or ctrl["version"] or versioning["default"] or [None])
                for cpath in ctrl["paths"]:
                    for mpath in m["paths"]:
                        rel = _join(cpath, mpath)
                        auth = (m["guards"] or ctrl["guards"] or [None])[0]
                        if auth is None:
                            auth = next((mw["mw"] for mw in middleware if mw.get("controller") == ctrl["name"] or (
                                mw.get("path") is not None and _join("/", mw["path"]).rstrip("/") == _join(
                                    "/", rel).rstrip("/") and mw["method"] in ("ALL", m["verb"]))), None)
                        for version in versions:
                            vseg = f"{versioning['prefix']}{version}" if version and versioning else ""
                            part.endpoints.append(ApiEndpoint(
                                method=m["verb"], path=_join("/", base, vseg, rel), file=path, line=m["decl_line"],
                                handler=f"{ctrl['name']}.{m['name']}", handler_file=path, handler_line=m["line"],
                                framework=ctrl["kind"], auth=auth, request=m["body"], response=m["returns"],
                                dead=dead))
    return part


READERS = [Reader(name="nestjs", wants=wants_js_or_env, parse=parse, build=build, version=2,
                  suffixes=JS_OR_ENV_EXT, keywords=_WORDS + ENV_WORDS, keywordless=is_env_example)]

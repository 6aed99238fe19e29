"""What the JavaScript/TypeScript endpoint readers share: a tree-sitter walk that records, per file,
the imports and exports, the app/router objects, route calls, mounts (``app.use('/v1', router)``,
``fastify.register(plugin, {prefix})``, ``app.route('/x', sub)``), tables of routes mounted in a loop,
and what is served (``listen``, exported, handed to ``serve``). ``build_js`` resolves the mounts
across files (``require``/``import`` by path) from the served objects down.

Facts are plain data so that they cache by blob id. tree-sitter is imported on first parse only.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.readers import SourceWarning

if TYPE_CHECKING:
    from tree_sitter import Node

JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
VERBS = ("get", "post", "put", "patch", "delete", "options", "head", "all")
AUTH_WORDS = ("auth", "passport", "jwt", "guard", "protect", "login", "token", "verify", "permission", "session",
              "role", "admin", "bearer", "apikey", "api_key", "requireuser", "ensure", "authorize")
_DEV_WORDS = ("node_env", "development", "debug", "dev", "env", "production", "local")
# Nodes with nothing inside that a route, mount or export could be: not walked into.
_LEAVES = frozenset({"identifier", "property_identifier", "shorthand_property_identifier", "string", "number",
                     "comment", "this", "true", "false", "null", "undefined", "regex", "type_identifier",
                     "predefined_type", "statement_identifier", "string_fragment", "escape_sequence",
                     "type_annotation", "jsx_text"})
_FUNCTIONS = ("function_declaration", "function_expression", "arrow_function", "function", "generator_function",
              "generator_function_declaration", "method_definition")


def wants_js(path: str) -> bool:
    return path.endswith(JS_SUFFIXES)


def _lang(path: str) -> str:
    if path.endswith(".tsx"):
        return "tsx"
    return "typescript" if path.endswith((".ts", ".mts", ".cts")) else "javascript"


def looks_like_auth(text: str) -> bool:
    """True when a middleware's name (not its arguments) says it checks who calls."""
    name = text.split("(", 1)[0].lower()
    if "initialize" in name or name.endswith((".serve", "session")):
        return False
    return any(w in name for w in AUTH_WORDS)


def _t(node: Node | None) -> str:
    from phasegate.app.analyzers.treesitter import text

    return text(node)


def _str(node: Node | None) -> str | None:
    """The value of a plain string or a template string without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return _t(node)[1:-1]
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.children):
        return _t(node)[1:-1]
    return None


def encode(node: Node | None) -> list[Any] | None:
    """A path expression as data: ``["s", "/x"]``, ``["+", a, b]``, ``["t", parts]``, ``["n", name]``…"""
    if node is None:
        return None
    value = _str(node)
    if value is not None:
        return ["s", value]
    if node.type == "template_string":
        parts: list[Any] = []
        for c in node.named_children:
            if c.type == "template_substitution":
                inner = c.named_children[0] if c.named_children else None
                parts.append(encode(inner))
            elif c.type == "string_fragment":
                parts.append(["s", _t(c)])
        return ["t", parts]
    if node.type == "binary_expression":
        op = _t(node.child_by_field_name("operator"))
        if op == "+":
            return ["+", encode(node.child_by_field_name("left")), encode(node.child_by_field_name("right"))]
        if op in ("||", "??"):  # ``process.env.PREFIX || '/api'``: the first that has a value
            return ["|", encode(node.child_by_field_name("left")), encode(node.child_by_field_name("right"))]
    if node.type == "identifier":
        return ["n", _t(node)]
    if node.type in ("parenthesized_expression", "await_expression", "as_expression",
                     "non_null_expression") and node.named_children:
        return encode(node.named_children[0])
    if node.type == "member_expression":
        text = _t(node)
        if text.startswith("process.env.") and text.count(".") == 2:
            return ["env", text.rsplit(".", 1)[-1], None]
        return [".", text]
    if node.type == "subscript_expression" and _t(node.child_by_field_name("object")) == "process.env":
        key = _str(node.child_by_field_name("index"))
        if key is not None:
            return ["env", key, None]
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        callee = _t(fn)
        args = _args(node)
        key = _str(args[0]) if args else None
        if key is not None and "env" in callee.rsplit(".", 1)[-1].lower():
            # ``getOsEnv('APP_ROUTE_PREFIX')``, ``env('PREFIX', '/api')``: an environment variable
            return ["env", key, _str(args[1]) if len(args) > 1 else None]
        if fn is not None and fn.type in ("identifier", "member_expression"):
            return ["call", callee]
    return ["?", _t(node)]


def encode_value(node: Node | None, depth: int = 0) -> list[Any] | None:
    """``encode``, and object literals as ``["o", {key: value}]`` (a configuration object)."""
    if node is not None and node.type == "object" and depth < 6:
        pairs: dict[str, Any] = {}
        for pair in node.named_children:
            if pair.type == "pair":
                k, v = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if k is not None and v is not None:
                    pairs[_t(k).strip("'\"")] = encode_value(v, depth + 1)
            elif pair.type == "shorthand_property_identifier":
                pairs[_t(pair)] = ["n", _t(pair)]
        return ["o", pairs]
    return encode(node)


# Committed example environment files: the values a project documents for its variables. Only a
# variable a route path or prefix names is ever looked up; ``.env`` itself (secrets) is never read.
ENV_EXAMPLES = frozenset({".env.example", ".env.sample", ".env.dist", ".env.template", ".env.defaults",
                          "example.env", "sample.env", ".env.local.example"})


def is_env_example(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in ENV_EXAMPLES


# ``reads_env`` holds for a text only when it holds one of these (readers' keywords)
ENV_WORDS = ("process.env", "Env(", "env(", "envSchema")


def reads_env(text: str) -> bool:
    """A module that reads environment variables (a configuration module whose values paths may use)."""
    return "process.env" in text or "env" in text and ("Env(" in text or "env(" in text or "envSchema" in text)


# the extensions ``wants_js``/``wants_js_or_env`` can accept (``Reader.suffixes``)
JS_EXT = frozenset(JS_SUFFIXES)
JS_OR_ENV_EXT = JS_EXT | {name[name.rfind("."):].lower() for name in ENV_EXAMPLES}


def wants_js_or_env(path: str) -> bool:
    return path.endswith(JS_SUFFIXES) or is_env_example(path)


def parse_env_example(text: str) -> dict[str, Any] | None:
    """``KEY=value`` lines (``export``, quotes and ``#`` comments allowed): a data file, not code."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key:
            values.setdefault(key, value)
    return {"dotenv": values} if values else None


def _member(node: Node) -> tuple[str, str] | None:
    """(object text, property) of a member expression."""
    if node.type != "member_expression":
        return None
    obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
    return (_t(obj), _t(prop)) if obj is not None and prop is not None else None


def _args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


def _is_dev_test(node: Node) -> bool:
    low = _t(node).lower()
    return any(w in low for w in _DEV_WORDS)


def _returned_identifier(fn: Node) -> str | None:
    """``() => { const app = Router(); …; return app }``: the name a parameterless factory returns."""
    params = fn.child_by_field_name("parameters")
    if params is not None and params.named_children:
        return None
    body = fn.child_by_field_name("body")
    for stmt in body.named_children if body is not None and body.type == "statement_block" else []:
        if stmt.type == "return_statement" and stmt.named_children and stmt.named_children[0].type == "identifier":
            return _t(stmt.named_children[0])
    return None


class _Walker:
    def __init__(self, path: str) -> None:
        self.path = path
        self.facts: dict[str, Any] = {"imports": {}, "exports": {}, "objects": {}, "routes": [], "mounts": [],
                                      "tables": {}, "loops": [], "served": [], "decls": {}, "consts": {},
                                      "middleware": [], "plugins": {}, "returns": {}, "encapsulation_off": []}
        self.plugin_stack: list[tuple[str, str]] = []  # (param name, plugin id)
        self.max_depth = 200

    # --- objects and imports -----------------------------------------------------------------
    def creation(self, value: Node) -> dict[str, Any] | None:
        """The app/router an expression creates, if any."""
        node = value
        if node.type == "await_expression" and node.named_children:
            node = node.named_children[0]
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            fn_text = _t(fn)
            member = _member(fn) if fn is not None else None
            if member and member[1] == "basePath":  # ``new Hono().basePath('/api')``
                obj_node = fn.child_by_field_name("object") if fn is not None else None
                inner = self.creation(obj_node) if obj_node is not None else None
                if inner:
                    args = _args(node)
                    inner["prefix"] = encode(args[0]) if args else None
                    return inner
            if fn_text in ("express", "require('express')", 'require("express")'):
                return {"kind": "express-app"}
            if fn_text.endswith("Router") and fn_text in ("express.Router", "Router", "require('express').Router",
                                                          'require("express").Router', "router.Router"):
                return {"kind": "express-router"}
            if fn_text.lower() in ("fastify", "require('fastify')", 'require("fastify")', "fastify.default"):
                return {"kind": "fastify"}
        if node.type == "new_expression":
            ctor = _t(node.child_by_field_name("constructor"))
            if ctor in ("Hono", "OpenAPIHono"):
                return {"kind": "hono"}
        return None

    def record_require(self, name_node: Node, value: Node) -> None:
        call = value
        if call.type == "call_expression" and _t(call.child_by_field_name("function")) == "require":
            args = _args(call)
            spec = _str(args[0]) if args else None
            if spec is None:
                return
            if name_node.type == "identifier":
                self.facts["imports"][_t(name_node)] = [spec, "*"]
            elif name_node.type == "object_pattern":
                for c in name_node.named_children:
                    if c.type == "shorthand_property_identifier_pattern":
                        self.facts["imports"][_t(c)] = [spec, _t(c)]
                    elif c.type == "pair_pattern":
                        key, val = c.child_by_field_name("key"), c.child_by_field_name("value")
                        self.facts["imports"][_t(val)] = [spec, _t(key)]

    def import_statement(self, node: Node) -> None:
        spec = _str(node.child_by_field_name("source"))
        if spec is None:
            return
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for c in clause.named_children:
                if c.type == "identifier":
                    self.facts["imports"][_t(c)] = [spec, "default"]
                elif c.type == "namespace_import":
                    ident = next((x for x in c.named_children if x.type == "identifier"), None)
                    if ident is not None:
                        self.facts["imports"][_t(ident)] = [spec, "*"]
                elif c.type == "named_imports":
                    for s in c.named_children:
                        if s.type == "import_specifier":
                            name, alias = s.child_by_field_name("name"), s.child_by_field_name("alias")
                            self.facts["imports"][_t(alias or name)] = [spec, _t(name)]

    def export_value(self, key: str, value: Node) -> None:
        """``module.exports = X`` / ``export default X`` / ``module.exports.k = X``."""
        exports = self.facts["exports"]
        if value.type == "identifier":
            exports[key] = ["n", _t(value)]
        elif value.type == "call_expression" and _t(value.child_by_field_name("function")) == "require":
            args = _args(value)
            spec = _str(args[0]) if args else None
            if spec:
                exports[key] = ["r", spec]
        elif value.type == "call_expression" and _args(value):  # ``fp(plugin)``, ``serverless(app)``
            first = _args(value)[0]
            wrapper = _t(value.child_by_field_name("function"))
            if first.type == "identifier":
                exports[key] = ["n", _t(first)]
                self.facts["served"].append(_t(first))
            elif first.type in _FUNCTIONS:
                exports[key] = ["n", f"@fn{first.start_point[0] + 1}"]
            if wrapper in _PLUGIN_WRAPPERS and exports.get(key):
                # fastify-plugin: the plugin runs in its parent's context, so ``{prefix}`` does not apply
                self.facts["encapsulation_off"].append(exports[key][1])
        elif value.type == "object" and key == "default":
            for pair in value.named_children:
                if pair.type == "shorthand_property_identifier":
                    exports[_t(pair)] = ["n", _t(pair)]
                elif pair.type == "pair":
                    k, v = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                    if k is not None and v is not None:
                        self.export_value(_t(k), v)
        elif value.type in _FUNCTIONS:
            returned = _returned_identifier(value)
            exports[key] = ["n", returned or f"@fn{value.start_point[0] + 1}"]
        if value.type == "identifier" and key == "default":
            self.facts["served"].append(_t(value))

    # --- the walk ------------------------------------------------------------------------------
    def walk(self, node: Node, dev: bool = False, depth: int = 0) -> None:
        if depth > self.max_depth:
            return
        kind = node.type
        pushed = False
        if kind in _FUNCTIONS:
            pushed = self.enter_function(node)
        if kind == "if_statement":
            cond = node.child_by_field_name("condition")
            body_dev = dev or (cond is not None and _is_dev_test(cond))
            for c in node.named_children:
                self.walk(c, body_dev if c.type != "else_clause" else dev, depth + 1)
            return
        if kind == "import_statement":
            self.import_statement(node)
        elif kind == "variable_declarator":
            self.declarator(node)
        elif kind == "assignment_expression":
            self.assignment(node)
        elif kind == "export_statement":
            self.export_statement(node)
        elif kind == "function_declaration" and depth > 2:
            name = node.child_by_field_name("name")
            if name is not None:  # ``async function onGetArticles`` inside a plugin: a handler it routes to
                self.facts.setdefault("nested_decls", {}).setdefault(_t(name), node.start_point[0] + 1)
        elif kind == "function_declaration" and depth <= 2:
            name = node.child_by_field_name("name")
            if name is not None:
                self.facts["decls"][_t(name)] = node.start_point[0] + 1
                returned = _returned_identifier(node)
                if returned:
                    self.facts["returns"][_t(name)] = returned
        elif kind == "call_expression":
            self.call(node, dev)
        for c in node.named_children:
            if c.type not in _LEAVES:
                self.walk(c, dev, depth + 1)
        if pushed:
            self.plugin_stack.pop()

    def enter_function(self, node: Node) -> bool:
        """A function whose first parameter is used as a router/instance: a plugin (Fastify) or a
        router factory; its routes belong to ``@fn<line>`` or to its name."""
        params = node.child_by_field_name("parameters")
        first = params.named_children[0] if params is not None and params.named_children else None
        if first is None:
            return False
        if first.type in ("required_parameter", "optional_parameter"):
            first = first.child_by_field_name("pattern") or first
        if first.type != "identifier":
            return False
        # without whitespace: ``server\n  .register(…)\n  .register(…)`` chains count too
        body = "".join(_t(node.child_by_field_name("body")).split())
        pname = _t(first)
        if not any(f"{pname}.{verb}(" in body for verb in (*VERBS, "route", "register", "use")):
            return False
        line = node.start_point[0] + 1
        name_node = node.child_by_field_name("name")
        pid = f"@fn{line}"
        second = params.named_children[1] if params is not None and len(params.named_children) > 1 else None
        if second is not None and second.type in ("required_parameter", "optional_parameter"):
            second = second.child_by_field_name("pattern") or second
        self.facts["plugins"][pid] = {"name": _t(name_node) if name_node is not None else None, "line": line,
                                      "registers": f"{pname}.register(" in body,
                                      # Fastify's ``(instance, opts)``: the options it was registered with
                                      "opts": _t(second) if second is not None and second.type == "identifier"
                                      else None}
        if name_node is not None:
            self.facts["plugins"][pid]["name"] = _t(name_node)
        self.plugin_stack.append((pname, pid))
        return True

    def obj_ref(self, text: str) -> str:
        for pname, pid in reversed(self.plugin_stack):
            if pname == text:
                return pid
        return text

    def declarator(self, node: Node) -> None:
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is None or value is None:
            return
        self.record_require(name, value)
        if name.type != "identifier":
            return
        var = _t(name)
        created = self.creation(value)
        if created:
            created["line"] = node.start_point[0] + 1
            self.facts["objects"][var] = created
        elif value.type in _FUNCTIONS:
            self.facts["decls"][var] = node.start_point[0] + 1
            self.facts["consts"].setdefault("@alias", {})[var] = f"@fn{value.start_point[0] + 1}"
            returned = _returned_identifier(value)
            if returned:
                self.facts["returns"][var] = returned
        elif value.type == "identifier":  # ``export const pingRoute = app``
            self.facts["consts"].setdefault("@alias", {})[var] = _t(value)
        elif value.type == "array":
            table = []
            for el in value.named_children:
                if el.type != "object":
                    continue
                entry = {}
                for pair in el.named_children:
                    if pair.type == "pair":
                        k, v = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                        entry[_t(k)] = encode(v) if v is not None and v.type != "identifier" else ["n", _t(v)]
                    elif pair.type == "shorthand_property_identifier":
                        entry[_t(pair)] = ["n", _t(pair)]
                table.append(entry)
            if table:
                self.facts["tables"][var] = table
        else:
            enc = encode_value(value)
            if enc and enc[0] in ("s", "t", "+", "o", "env", "|", ".", "call"):
                # kept for the values of route paths and prefixes (``env.app.routePrefix``)
                self.facts["consts"].setdefault(var, enc)
            if value.type == "call_expression" and _t(value.child_by_field_name("function")) != "require":
                # ``const createUser = catchAsync(async (req, res) => …)``: a handler
                self.facts["decls"].setdefault(var, node.start_point[0] + 1)

    def assignment(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        lt = _t(left)
        if lt in ("module.exports", "exports"):
            self.export_value("default", right)
        elif lt.startswith(("module.exports.", "exports.")):
            self.export_value(lt.rsplit(".", 1)[-1], right)

    def export_statement(self, node: Node) -> None:
        value = node.child_by_field_name("value")
        decl = node.child_by_field_name("declaration")
        if value is not None:
            self.export_value("default", value)
        elif decl is not None:
            is_default = any(c.type == "default" for c in node.children)
            if decl.type in ("lexical_declaration", "variable_declaration"):
                for d in decl.named_children:
                    name = d.child_by_field_name("name")
                    if d.type == "variable_declarator" and name is not None:
                        self.facts["exports"][_t(name)] = ["n", _t(name)]
            elif decl.type in ("function_declaration", "class_declaration"):
                name = decl.child_by_field_name("name")
                if name is not None:
                    self.facts["exports"][_t(name)] = ["n", _t(name)]
                    if is_default:
                        self.facts["exports"]["default"] = ["n", _t(name)]
            elif is_default and decl.type in _FUNCTIONS:
                self.facts["exports"]["default"] = ["n", f"@fn{decl.start_point[0] + 1}"]
        else:
            for c in node.named_children:
                if c.type == "export_clause":
                    for s in c.named_children:
                        name, alias = s.child_by_field_name("name"), s.child_by_field_name("alias")
                        self.facts["exports"][_t(alias or name)] = ["n", _t(name)]
                if c.type in _FUNCTIONS and any(x.type == "default" for x in node.children):
                    self.facts["exports"]["default"] = ["n", f"@fn{c.start_point[0] + 1}"]

    def handler_desc(self, node: Node) -> dict[str, Any]:
        if node.type in _FUNCTIONS:
            return {"name": None, "line": node.start_point[0] + 1, "inline": True}
        if node.type == "spread_element" and node.named_children:  # ``...factory.createHandlers(…)``
            return self.handler_desc(node.named_children[0])
        if node.type == "call_expression":  # ``catchAsync(fn)``/``asyncHandler(ctrl.x)``: the wrapped one
            callee_name = _t(node.child_by_field_name("function")).lower()
            args = _args(node)
            if args and any(w in callee_name for w in ("async", "catch", "wrap", "handler", "try")):
                return self.handler_desc(args[-1])
            return {"name": _t(node.child_by_field_name("function")), "line": None, "inline": False}
        return {"name": _t(node), "line": None, "inline": False}

    def call(self, node: Node, dev: bool) -> None:
        fn = node.child_by_field_name("function")
        if fn is None:
            return
        member = _member(fn)
        args = _args(node)
        line = node.start_point[0] + 1
        if member is None:
            if _t(fn) in ("serve", "createServer", "handle", "serverless", "createAdaptorServer") and args:
                target = args[0]
                self.facts["served"].append(_t(target.child_by_field_name("object") or target)
                                            if target.type == "member_expression" else _t(target))
            elif fn.type == "identifier" and len(args) == 1 and args[0].type == "identifier":
                # ``auth(app)``: a router factory handed the router it adds its routes to
                self.facts["mounts"].append({"parent": self.obj_ref(_t(args[0])), "prefix": None,
                                             "child": ["n", _t(fn)], "line": line, "dev": dev, "via": "call"})
            return
        obj_text, prop = member
        obj_node = fn.child_by_field_name("object")
        if prop == "listen":
            self.facts["served"].append(self.obj_ref(obj_text))
            return
        if prop == "forEach" and args and args[0].type in ("arrow_function", "function_expression", "function"):
            self.loop(obj_text, args[0], dev, line)
            return
        # ``router.route('/x').get(…)``: the verb's object is a ``.route(path)`` call.
        if obj_node is not None and obj_node.type == "call_expression" and prop in VERBS:
            chain = self.route_chain(obj_node)
            if chain is not None:
                base, path = chain
                prop_node = fn.child_by_field_name("property")  # the ``.get(`` line, not the chain's first
                verb_line = prop_node.start_point[0] + 1 if prop_node is not None else line
                self.add_route(self.obj_ref(base), prop, path, args, verb_line, dev, chain=True)
                return
        if prop in _CHAINABLE and obj_node is not None and obj_node.type == "call_expression":
            # ``server.register(a).register(b)``: Fastify's register/use return the instance itself
            head = obj_node
            while head.type == "call_expression":
                inner_fn = head.child_by_field_name("function")
                inner = _member(inner_fn) if inner_fn is not None else None
                if inner is None or inner[1] not in _CHAINABLE or inner_fn is None:
                    break
                head = inner_fn.child_by_field_name("object") or head
            if head.type != "call_expression":
                obj_text = _t(head)
        owner = self.obj_ref(obj_text)
        if prop in VERBS or prop == "on":
            if args and (prop != "get" or len(args) >= 2 or args[0].type in ("string", "template_string")):
                if prop == "on" and args:  # Hono ``app.on('PURGE', '/x', h)``
                    method = _str(args[0])
                    if method and len(args) >= 2:
                        self.add_route(owner, method.lower(), encode(args[1]), args[1:], line, dev)
                    return
                self.add_route(owner, prop, encode(args[0]), args, line, dev)
        elif prop == "route" and len(args) == 1 and args[0].type == "object":  # Fastify ``route({…})``
            opts = self.object_pairs(args[0])
            methods = opts.get("method")
            url = opts.get("url") or opts.get("path")
            handler = opts.get("handler")
            if methods is None or url is None:
                return
            method_list = [_str(m) for m in (methods.named_children if methods.type == "array" else [methods])]
            auth = [_t(v) for k in ("onRequest", "preHandler", "preValidation") if (v := opts.get(k)) is not None
                    and looks_like_auth(_t(v))]
            for m in method_list:
                if m:
                    self.facts["routes"].append({"obj": owner, "method": m.upper(), "path": encode(url), "line": line,
                                                 "handler": self.handler_desc(handler) if handler else None,
                                                 "auth": auth[0] if auth else None, "dev": dev})
        elif prop == "register" and args and self.autoload(owner, args, line, dev):
            return
        elif prop in ("use", "route", "register", "mount") and args:
            prefix: list[Any] | None = None
            children = args
            plugin_opts: list[Any] | None = None
            if prop == "register":
                children = args[:1]
                if len(args) > 1 and args[1].type == "object":
                    p = self.object_pairs(args[1]).get("prefix")
                    prefix = encode(p) if p is not None else None
                if len(args) > 1:
                    plugin_opts = encode_value(args[1])  # what the plugin's ``opts`` parameter receives
            elif args[0].type in ("string", "template_string", "binary_expression") or (
                    args[0].type == "identifier" and len(args) > 1):
                prefix, children = encode(args[0]), args[1:]
            elif prop == "route":
                return
            for child in children:
                desc = self.child_desc(child)
                if desc is None:
                    continue
                if desc[0] == "mw":
                    if looks_like_auth(desc[1]):
                        self.facts["middleware"].append({"obj": owner, "prefix": prefix, "text": desc[1],
                                                         "line": line})
                    continue
                self.facts["mounts"].append({"parent": owner, "prefix": prefix, "child": desc, "line": line,
                                             "dev": dev, "via": prop, "opts": plugin_opts})

    def autoload(self, owner: str, args: list[Node], line: int, dev: bool) -> bool:
        """``fastify.register(AutoLoad, {dir: path.join(__dirname, 'routes'), options: {prefix}})``:
        every plugin file under that folder, each under its subfolder's path (``dirNameRoutePrefix``)."""
        imp = self.facts["imports"].get(_t(args[0])) if args[0].type == "identifier" else None
        if imp is None or imp[0] not in ("@fastify/autoload", "fastify-autoload") or len(args) < 2 \
                or args[1].type != "object":
            return False
        opts = self.object_pairs(args[1])
        where = opts.get("dir")
        parts = [_str(a) for a in _args(where)] if where is not None and where.type == "call_expression" else []
        folder = "/".join(p.strip("/") for p in parts if p and p not in (".",)) if parts else _str(where)
        if not folder:
            return False
        dir_prefix = opts.get("dirNameRoutePrefix")
        inner = opts.get("options")
        prefix = self.object_pairs(inner).get("prefix") if inner is not None and inner.type == "object" else None
        self.facts["mounts"].append({"parent": owner, "prefix": encode(prefix) if prefix is not None else None,
                                     "child": ["auto", folder, dir_prefix is None or _t(dir_prefix) != "false"],
                                     "line": line, "dev": dev, "via": "autoload",
                                     "opts": encode_value(inner) if inner is not None else None})
        return True

    def child_desc(self, node: Node) -> list[Any] | None:
        if node.type == "identifier":
            return ["n", _t(node)]
        if node.type == "member_expression":
            return ["m", _t(node)]
        if node.type == "call_expression":
            fn_text = _t(node.child_by_field_name("function"))
            args = _args(node)
            if fn_text == "require" and args and _str(args[0]):
                return ["r", _str(args[0])]
            if fn_text == "import" and args and _str(args[0]):
                return ["r", _str(args[0])]
            callee_node = node.child_by_field_name("function")
            if not args and callee_node is not None and callee_node.type == "identifier":
                return ["n", fn_text]  # ``routes()``: a factory returning a router
            return ["mw", _t(node)]
        if node.type == "await_expression" and node.named_children:
            return self.child_desc(node.named_children[0])
        if node.type in _FUNCTIONS:
            return ["n", f"@fn{node.start_point[0] + 1}"]
        return None

    def object_pairs(self, node: Node) -> dict[str, Node]:
        out: dict[str, Node] = {}
        for pair in node.named_children:
            if pair.type == "pair":
                k, v = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if k is not None and v is not None:
                    out[_t(k).strip("'\"")] = v
            elif pair.type == "shorthand_property_identifier":
                out[_t(pair)] = pair
        return out

    def route_chain(self, node: Node) -> tuple[str, list[Any] | None] | None:
        """For ``X.route('/p').get(…).post`` the base object and the path, walking down the chain."""
        while node.type == "call_expression":
            fn = node.child_by_field_name("function")
            member = _member(fn) if fn is not None else None
            if member is None or fn is None:
                return None
            if member[1] == "route":
                args = _args(node)
                return member[0], encode(args[0]) if args else None
            if member[1] not in VERBS:
                return None
            below = fn.child_by_field_name("object")
            if below is None:
                return None
            node = below
        return None

    def add_route(self, owner: str, verb: str, path: list[Any] | None, args: list[Node], line: int, dev: bool,
                  chain: bool = False) -> None:
        rest = args if chain else args[1:]
        literal = path[1] if path and path[0] == "s" else None
        if literal is not None and not literal.startswith(("/", "*")) and literal != "":
            return  # ``config.get('app.key')``, ``axios.get('https://…')``: not a route
        rest = [a for a in rest if a.type != "object"]  # Fastify's options object is not the handler
        if not rest:
            return
        handler = self.handler_desc(rest[-1])
        auth = next((_t(a) for a in rest[:-1] if looks_like_auth(_t(a))), None)
        if auth is None and not chain and len(args) > 1 and args[1].type == "object":
            opts = self.object_pairs(args[1])
            auth = next((_t(v) for k in ("onRequest", "preHandler", "preValidation") if (v := opts.get(k))
                         is not None and looks_like_auth(_t(v))), None)
        self.facts["routes"].append({"obj": owner, "method": "ANY" if verb == "all" else verb.upper(), "path": path,
                                     "line": line, "handler": handler, "auth": auth, "dev": dev})

    def loop(self, table: str, fn: Node, dev: bool, line: int) -> None:
        """``routes.forEach((r) => router.use(r.path, r.route))``: a mount per table row."""
        params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
        if params is None:
            return
        pnode = params if params.type == "identifier" else (params.named_children[0] if params.named_children
                                                            else None)
        if pnode is None:
            return
        pname = _t(pnode.child_by_field_name("pattern") or pnode)
        body = fn.child_by_field_name("body")
        stack = [body] if body is not None else []
        while stack:
            n = stack.pop()
            if n.type == "call_expression":
                f = n.child_by_field_name("function")
                member = _member(f) if f is not None else None
                args = _args(n)
                if member and member[1] in ("use", "route", "register") and len(args) >= 2:
                    keys = [_t(a)[len(pname) + 1:] if _t(a).startswith(pname + ".") else None for a in args[:2]]
                    if keys[0] and keys[1]:
                        self.facts["loops"].append({"parent": self.obj_ref(member[0]), "table": table,
                                                    "prefix_key": keys[0], "child_key": keys[1], "line": line,
                                                    "dev": dev})
            stack.extend(n.children)


_CREATIONS = ("express(", "Router(", "fastify(", "Fastify(", "new Hono", "Controller(")
_PLUGIN_WRAPPERS = ("fp", "fastifyPlugin", "plugin", "fastifyPlugin.default")
_CHAINABLE = ("register", "use", "addHook", "decorate", "after")


_LAST_WORTH: list[Any] = [None, False]  # the last text tested (every JS reader tests the same file in turn)


def worth_parsing(text: str) -> bool:
    """A file that imports and exports nothing and creates no app or router declares no route or
    handler another file could use."""
    if _LAST_WORTH[0] is text:
        return bool(_LAST_WORTH[1])
    worth = ("require(" in text or "import" in text or "exports" in text or "export " in text
             or any(c in text for c in _CREATIONS))
    _LAST_WORTH[0], _LAST_WORTH[1] = text, worth
    return worth


def parse_js(path: str, text: str, shallow: bool = False) -> dict[str, Any] | None:
    """The facts of one file; ``shallow`` reads only its top-level declarations and exports (a file of
    handlers, where a route's handler is declared), which is all such a file is asked about."""
    from phasegate.app.analyzers.treesitter import parse

    if not worth_parsing(text):
        return None
    tree = parse(_lang(path), text)
    walker = _Walker(path)
    if shallow:
        walker.max_depth = 3
    walker.walk(tree.root_node)
    f = walker.facts
    f["fastify"] = "fastify" in text.lower()
    return f


# --- build ----------------------------------------------------------------------------------------
def resolve_spec(importer: str, spec: str, known: set[str]) -> str | None:
    """The file a relative ``require``/``import`` names, among ``known`` files (else a best guess)."""
    if not spec.startswith("."):
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    for cand in (base, *(base + s for s in JS_SUFFIXES), *(f"{base}/index{s}" for s in JS_SUFFIXES)):
        if cand in known:
            return cand
    return None


class JsGraph:
    """Objects, routes and mounts of every parsed file, resolved to (file, name) keys."""

    def __init__(self, facts: dict[str, dict[str, Any]], framework: str, kinds: tuple[str, ...],
                 all_paths: set[str] | None = None) -> None:
        self.dotenv = dotenv_values(facts)
        facts = {p: f for p, f in facts.items() if "dotenv" not in f}
        self.facts = facts
        self.framework = framework
        self.kinds = kinds
        self.roots = tuple(k for k in kinds if k in ("express-app", "fastify", "hono"))
        self.known = set(facts) | (all_paths or set())
        self.part = ApiPart(reader=framework)

    def warn(self, path: str, line: int | None, reason: str) -> None:
        self.part.warnings.append(SourceWarning(path=path, line=line, reason=f"{self.framework}: {reason}"))

    def export_of(self, path: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        """What ``name`` exported by ``path`` is (``*`` = the module value itself)."""
        f = self.facts.get(path)
        if f is None or depth > 8:
            return None
        key = "default" if name == "*" else name
        exp = f["exports"].get(key)
        if exp is None and name == "default":
            exp = f["exports"].get("default")
        if exp is None:
            if name != "*" and name in f["objects"]:
                return path, name
            return (path, "*") if name == "*" else None
        if exp[0] == "r":
            target = resolve_spec(path, exp[1], self.known)
            return self.export_of(target, "*", depth + 1) if target else None
        return self.local(path, exp[1], depth + 1)

    def local(self, path: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        """(file, name) an identifier used in ``path`` stands for, through aliases and imports."""
        f = self.facts.get(path)
        if f is None or depth > 8:
            return None
        alias = (f["consts"].get("@alias") or {}).get(name)
        if alias and alias in f["plugins"]:
            return path, alias
        if alias and alias != name and not alias.startswith("@fn"):
            return self.local(path, alias, depth + 1)
        if name in f["objects"] or name.startswith("@fn"):
            return path, name
        plugin = next((pid for pid, p in f["plugins"].items() if p["name"] == name), None)
        if plugin:
            return path, plugin
        imp = f["imports"].get(name)
        if imp is None:
            return path, name
        target = resolve_spec(path, imp[0], self.known)
        if target is None:
            return None
        return self.export_of(target, imp[1], depth + 1)

    def child(self, path: str, desc: list[Any]) -> tuple[str, str] | None:
        if desc[0] == "n":
            return self.local(path, desc[1])
        if desc[0] == "r":
            target = resolve_spec(path, desc[1], self.known)
            return self.export_of(target, "*") if target else None
        if desc[0] == "m":  # ``routes.v1`` / ``require('./x').router``
            head, _, attr = str(desc[1]).rpartition(".")
            where = self.local(path, head)
            if where and where[1] == "*":
                return self.export_of(where[0], attr)
        return None

    def value(self, path: str, expr: list[Any] | None, depth: int = 0, scope: Scope | None = None) -> str | None:
        return Values(self.facts, self.known, self.dotenv).value(path, expr, depth, scope)

    def handler(self, path: str, desc: dict[str, Any] | None) -> tuple[str | None, str | None, int | None]:
        if desc is None:
            return None, None, None
        if desc["inline"]:
            return None, path, desc["line"]
        name = desc["name"]
        head, _, attr = str(name).partition(".")
        f = self.facts.get(path, {})
        if head in f.get("decls", {}) and not attr:
            return name, path, f["decls"][head]
        imp = f.get("imports", {}).get(head)
        if imp is None:
            nested = f.get("nested_decls", {}).get(head) if not attr else None
            return (name, path, nested) if nested else (name, None, None)
        target = resolve_spec(path, imp[0], self.known)
        if target is None:
            return name, None, None
        # ``const { userController } = require('../controllers')`` re-exported from an index.
        exp = self.facts.get(target, {}).get("exports", {}).get(imp[1]) if imp[1] not in ("*", "default") else None
        if exp and exp[0] == "r":
            target = resolve_spec(target, exp[1], self.known) or target
        line = self.facts.get(target, {}).get("decls", {}).get(attr or imp[1])
        return name, target, line

    def autoloaded(self, path: str, parent: tuple[str, str], mount: dict[str, Any],
                   objects: dict[tuple[str, str], dict[str, Any]],
                   edges: dict[tuple[str, str], list[Edge]]) -> None:
        """The plugins ``@fastify/autoload`` registers from a folder, as mount edges."""
        _, folder, dir_prefix = mount["child"]
        base = posixpath.normpath(posixpath.join(posixpath.dirname(path), folder))
        prefix = "" if mount["prefix"] is None else (self.value(path, mount["prefix"]) or "")
        for file in sorted(self.facts):
            if not file.startswith(base + "/"):
                continue
            child = self.export_of(file, "*")
            if child is None or child not in objects:
                continue
            sub = posixpath.dirname(file[len(base) + 1 :])
            opts = (path, mount["opts"]) if mount.get("opts") else None
            edges.setdefault(parent, []).append((child, _join(prefix, "/" + sub if dir_prefix and sub else ""),
                                                 mount["dev"], opts, mount["prefix"] is None))

    def build(self) -> ApiPart:
        objects: dict[tuple[str, str], dict[str, Any]] = {}
        for path, f in self.facts.items():
            for var, obj in f["objects"].items():
                if obj["kind"] in self.kinds:
                    objects[(path, var)] = obj
            for pid, plugin in f["plugins"].items():
                if self.framework == "express" and (f.get("fastify") or plugin.get("registers")):
                    continue  # a Fastify plugin, not an Express router factory
                objects.setdefault((path, pid), {"kind": "plugin", "line": plugin["line"], "prefix": None})
        routes: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
        for path, f in self.facts.items():
            for r in f["routes"]:
                key = self.local(path, r["obj"]) if not r["obj"].startswith("@fn") else (path, r["obj"])
                if key in objects:
                    routes.setdefault(key, []).append((path, r))
        edges: dict[tuple[str, str], list[Edge]] = {}
        for path, f in self.facts.items():
            mounts = list(f["mounts"])
            for loop in f["loops"]:
                for row in f["tables"].get(loop["table"], []):
                    if loop["prefix_key"] in row and loop["child_key"] in row:
                        mounts.append({"parent": loop["parent"], "prefix": row[loop["prefix_key"]],
                                       "child": row[loop["child_key"]], "line": loop["line"], "dev": loop["dev"]})
            for m in mounts:
                parent = self.local(path, m["parent"]) if not m["parent"].startswith("@fn") else (path, m["parent"])
                if parent not in objects:
                    continue
                if m["child"][0] == "auto":
                    self.autoloaded(path, parent, m, objects, edges)
                    continue
                child = self.child(path, m["child"])
                if child is None or child not in objects:
                    continue
                prefix = "" if m["prefix"] is None else self.value(path, m["prefix"])
                if prefix is None:
                    self.warn(path, m["line"], f"mount prefix {m['prefix'][-1]!r} is not a literal; left out")
                    prefix = ""
                assert parent is not None
                opts = (path, m["opts"]) if m.get("opts") else None
                edges.setdefault(parent, []).append((child, prefix, m["dev"], opts, m["prefix"] is None))
        middleware: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for path, f in self.facts.items():
            for mw in f["middleware"]:
                key = self.local(path, mw["obj"]) if not mw["obj"].startswith("@fn") else (path, mw["obj"])
                if key in objects:
                    middleware.setdefault(key, []).append(
                        ((self.value(path, mw["prefix"]) or "") if mw["prefix"] else "", mw["text"]))
        served: set[tuple[str, str]] = set()
        for path, f in self.facts.items():
            for s in f["served"]:
                key = self.local(path, s) if not s.startswith("@fn") else (path, s)
                if key in objects:
                    served.add(key)
        included = {c for es in edges.values() for c, *_ in es}
        # fastify-plugin wrapped plugins: a registration's ``prefix`` option does not apply to them
        unencapsulated = {k for path, f in self.facts.items() for n in f.get("encapsulation_off", ())
                          if (k := self.local(path, n)) is not None}
        roots = [k for k, o in objects.items() if k not in included and o["kind"] in self.roots]
        reached: set[tuple[str, str]] = set()

        values = Values(self.facts, self.known, self.dotenv)

        def emit(key: tuple[str, str], prefix: str, auth: str | None, dev: bool, dead: bool,
                 trail: frozenset[tuple[str, str]], scope: Scope | None = None) -> None:
            if key in trail or len(trail) > 20:
                return
            reached.add(key)
            obj = objects[key]
            if obj.get("prefix"):
                prefix = _join(prefix, self.value(key[0], obj["prefix"]) or "")
            mws = middleware.get(key, [])
            for path, r in routes.get(key, []):
                rpath = values.value(path, r["path"], 0, scope)
                if rpath is None:
                    self.warn(path, r["line"], f"route path {_expr_text(r['path'])} is not a literal (set at run "
                                               "time); endpoint left out")
                    continue
                r_auth = r["auth"] or next((t for p, t in mws if rpath.startswith(p.rstrip("*").rstrip("/"))), None)
                name, hfile, hline = self.handler(path, r["handler"])
                self.part.endpoints.append(ApiEndpoint(
                    method=r["method"], path=_join(prefix, rpath), file=path, line=r["line"], handler=name,
                    handler_file=hfile, handler_line=hline, framework=self.framework, auth=r_auth or auth,
                    dead=dead, dev_only=dev or r["dev"]))
            for child, child_prefix, child_dev, opts, prefix_from_opts in edges.get(key, []):
                c_auth = auth or next((t for p, t in mws if not p or child_prefix.startswith(
                    p.rstrip("*").rstrip("/"))), None)
                child_scope: Scope | None = None
                if opts is not None:
                    # the child plugin's ``opts`` parameter is the options expression of its registration,
                    # evaluated where it was written (in this plugin's scope)
                    param = self.facts.get(child[0], {}).get("plugins", {}).get(child[1], {}).get("opts")
                    if param:
                        child_scope = {param: (opts[0], opts[1], scope)}
                    if prefix_from_opts and child not in unencapsulated:
                        opts_prefix = values.member(opts[0], opts[1], ["prefix"], scope)
                        if opts_prefix:
                            child_prefix = _join(child_prefix, opts_prefix)
                emit(child, _join(prefix, child_prefix), c_auth, dev or child_dev, dead, trail | {key}, child_scope)

        for key in roots:
            emit(key, "", None, False, key not in served, frozenset())
        for key in objects:
            if key not in reached and key not in included:
                emit(key, "", None, False, True, frozenset())
        return self.part


# child, prefix, dev, (file, its options expression), whether the options' ``prefix`` still applies
Edge = tuple[tuple[str, str], str, bool, "tuple[str, list[Any]] | None", bool]
# A plugin's parameter names -> (file, expression, the scope that expression is evaluated in).
Scope = dict[str, tuple[str, list[Any], Any]]


def dotenv_values(facts: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The variables of the committed example env files (``parse_env_example``), the shallowest first."""
    out: dict[str, str] = {}
    for path in sorted((p for p, f in facts.items() if "dotenv" in f), key=lambda p: (p.count("/"), p)):
        for key, value in facts[path]["dotenv"].items():
            out.setdefault(key, value)
    return out


class Values:
    """The string value of an encoded expression across files: literals, constants (also imported),
    configuration objects (``env.app.routePrefix``), a function's returned object (``await getConfig()``),
    a plugin's options parameter (``options.prefix``, through ``scope``) and environment variables (their
    default in the code, else their value in a committed example env file)."""

    def __init__(self, facts: dict[str, dict[str, Any]], known: set[str], dotenv: dict[str, str]) -> None:
        self.facts = facts
        self.known = known
        self.dotenv = dotenv

    def value(self, path: str, expr: list[Any] | None, depth: int = 0, scope: Scope | None = None) -> str | None:
        if expr is None or depth > 12:
            return None
        kind = expr[0]
        if kind == "s":
            return str(expr[1])
        if kind == "+" and expr[1] and expr[1][0] not in ("s", "t", "+") and expr[2] and expr[2][0] == "s":
            # ``options.prefix + 'articles'``: a configured prefix before a relative path is a path prefix
            # (an example env file's ``/api`` is written without the slash the running value must have)
            head = self.value(path, expr[1], depth + 1, scope)
            tail = str(expr[2][1])
            if head is None:
                return None
            if head.startswith("/") and not head.endswith("/") and tail and not tail.startswith("/"):
                return f"{head}/{tail}"
            return head + tail
        if kind in ("t", "+"):
            parts = [self.value(path, e, depth + 1, scope) for e in (expr[1] if kind == "t" else expr[1:])]
            return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
        if kind == "|":
            first = self.value(path, expr[1], depth + 1, scope)
            return first if first is not None else self.value(path, expr[2], depth + 1, scope)
        if kind == "env":
            found = self.dotenv.get(str(expr[1]))
            return found if found is not None else expr[2]
        if kind == ".":
            head, *keys = str(expr[1]).split(".")
            return self.member(path, ["n", head], keys, scope, depth + 1)
        if kind in ("n", "call"):
            resolved = self.resolve(path, expr, scope, depth + 1)
            if resolved is not None and resolved[1] != expr:
                return self.value(resolved[0], resolved[1], depth + 1, resolved[2])
        return None

    def member(self, path: str, expr: list[Any] | None, keys: list[str], scope: Scope | None = None,
               depth: int = 0) -> str | None:
        """The value of ``expr.key1.key2…``."""
        at: tuple[str, list[Any] | None, Scope | None] | None = (path, expr, scope)
        for i, key in enumerate(keys):
            at = self.resolve(at[0], at[1], at[2], depth + 1) if at is not None else None
            if at is None or at[1] is None:
                return None
            if at[1][0] == "envobj":  # ``env.API_PREFIX`` of an env-schema/envalid object
                return self.value(at[0], ["env", key, None], depth + 1) if i == len(keys) - 1 else None
            if at[1][0] != "o":
                return None
            at = (at[0], at[1][1].get(key), at[2])
        return self.value(at[0], at[1], depth + 1, at[2]) if at is not None else None

    def resolve(self, path: str, expr: list[Any] | None, scope: Scope | None,
                depth: int = 0) -> tuple[str, list[Any] | None, Scope | None] | None:
        """Follow names (the scope, constants, imports) and calls (what a function returns) to the
        expression they stand for."""
        if expr is None or depth > 12:
            return None
        f = self.facts.get(path, {})
        if expr[0] == "n":
            name = str(expr[1])
            if scope and name in scope:
                where, value, outer = scope[name]
                return self.resolve(where, value, outer, depth + 1)
            const = f.get("consts", {}).get(name)
            if const is not None and const != expr:
                return self.resolve(path, const, None, depth + 1)
            imp = f.get("imports", {}).get(name)
            if imp is not None:
                target = resolve_spec(path, imp[0], self.known)
                if target is None:
                    return None
                exported = imp[1]
                if exported in ("*", "default"):
                    exp = self.facts.get(target, {}).get("exports", {}).get("default")
                    if exp is None or exp[0] != "n":
                        return None
                    exported = exp[1]
                return self.resolve(target, ["n", exported], None, depth + 1)
            return path, expr, scope
        if expr[0] == "call":
            callee = str(expr[1])
            if "env" in callee.rsplit(".", 1)[-1].lower():
                return path, ["envobj"], None  # ``envSchema({...})``, ``cleanEnv(process.env, …)``
            if "." in callee:
                return None
            returned = f.get("returns", {}).get(callee)
            if returned:
                return self.resolve(path, ["n", returned], None, depth + 1)
            imp = f.get("imports", {}).get(callee)
            target = resolve_spec(path, imp[0], self.known) if imp is not None else None
            if target is not None:
                imported_name: str | None = imp[1]  # type: ignore[index]
                if imported_name in ("*", "default"):
                    exp = self.facts.get(target, {}).get("exports", {}).get("default")
                    imported_name = exp[1] if exp and exp[0] == "n" else None
                returned = self.facts.get(target, {}).get("returns", {}).get(imported_name) if imported_name else None
                if returned:
                    return self.resolve(target, ["n", returned], None, depth + 1)
            return None
        return path, expr, scope


def _expr_text(expr: list[Any] | None) -> str:
    """An encoded path expression written back roughly as in the source, for a warning."""
    if expr is None:
        return "(none)"
    if expr[0] == "s":
        return repr(expr[1])
    if expr[0] == "+":
        return " + ".join(_expr_text(e) for e in expr[1:])
    if expr[0] == "t":
        return "`" + "".join(e[1] if e and e[0] == "s" else "${" + _expr_text(e) + "}" for e in expr[1]) + "`"
    return str(expr[1])


def _join(*parts: str) -> str:
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

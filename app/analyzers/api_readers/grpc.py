"""gRPC services from ``.proto`` files, and the HTTP rules of gRPC-gateway (``google.api.http``) annotations.

Protocol Buffers is not a grammar we ship for tree-sitter, so this module has its own small tokenizer
(identifiers, numbers, strings with escapes, punctuation; ``//`` and ``/* */`` comments dropped) and a
recursive-descent parser of what endpoints need: ``package``, ``service`` blocks, their ``rpc``
declarations (``stream`` markers included) and the options inside an rpc's body, with aggregate
(message-literal) option values such as ``{ get: "/v1/items/{id}" additional_bindings { post: … } }``.
Messages, enums and everything else are skipped by balanced braces.

Every rpc is an endpoint with method ``RPC`` and path ``/<package>.<Service>/<Method>``, its request and
response message names as the request and response. Each HTTP rule (``get``/``post``/``put``/``patch``/
``delete``/``custom``, and each ``additional_bindings``) is one more endpoint of framework
``grpc-gateway``; path templates keep the variable name only (``{name=projects/*}`` is ``{name}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.app.analyzers._files import is_vendored
from phasegate.app.analyzers.api_model import ApiEndpoint, ApiPart
from phasegate.app.analyzers.api_readers._paths import brace_params, join, params_of
from phasegate.app.analyzers.readers import Reader, SourceWarning

HTTP_KEYS = {"get", "put", "post", "delete", "patch"}
PUNCT = set("{}()[];=,<>:.-+/")


@dataclass
class Token:
    kind: str  # ident, number, string, punct
    value: str
    line: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, n, at = 0, len(source), 1
    while i < n:
        ch = source[i]
        if ch == "\n":
            at += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            chunk = source[i : n if end < 0 else end + 2]
            at += chunk.count("\n")
            i = n if end < 0 else end + 2
        elif ch in "\"'":
            j = i + 1
            out = []
            while j < n and source[j] != ch:
                if source[j] == "\\" and j + 1 < n:
                    out.append(source[j + 1])
                    j += 2
                    continue
                if source[j] == "\n":
                    raise ValueError(f"line {at}: unterminated string")
                out.append(source[j])
                j += 1
            if j >= n:
                raise ValueError(f"line {at}: unterminated string")
            tokens.append(Token("string", "".join(out), at))
            i = j + 1
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (source[j].isalnum() or source[j] == "_"):
                j += 1
            tokens.append(Token("ident", source[i:j], at))
            i = j
        elif ch.isdigit():
            j = i
            while j < n and (source[j].isalnum() or source[j] in "._"):
                j += 1
            tokens.append(Token("number", source[i:j], at))
            i = j
        elif ch in PUNCT:
            tokens.append(Token("punct", ch, at))
            i += 1
        else:
            raise ValueError(f"line {at}: unexpected character {ch!r}")
    return tokens


@dataclass
class Rpc:
    service: str
    name: str
    request: str
    response: str
    line: int
    http: list[tuple[str, str, int]]  # (method, path template, line)


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.i = 0
        self.package = ""
        self.rpcs: list[Rpc] = []

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise ValueError("unexpected end of file")
        self.i += 1
        return tok

    def expect(self, value: str) -> Token:
        tok = self.next()
        if tok.value != value:
            raise ValueError(f"line {tok.line}: expected {value!r}, found {tok.value!r}")
        return tok

    def full_ident(self) -> str:
        parts = []
        if self.peek() is not None and self.peek().value == ".":  # type: ignore[union-attr]
            parts.append(self.next().value)
        parts.append(self.next().value)
        while self.peek() is not None and self.peek().value == ".":  # type: ignore[union-attr]
            parts.append(self.next().value)
            parts.append(self.next().value)
        return "".join(parts)

    def skip_statement(self) -> None:
        """Skip to the end of a statement: a ``;`` or a balanced ``{ … }`` block."""
        depth = 0
        while self.peek() is not None:
            tok = self.next()
            if tok.value == "{":
                depth += 1
            elif tok.value == "}":
                depth -= 1
                if depth <= 0:
                    return
            elif tok.value == ";" and depth == 0:
                return

    def parse(self) -> None:
        while self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            if tok.value == "package":
                self.next()
                self.package = self.full_ident()
                self.expect(";")
            elif tok.value == "service":
                self.next()
                self.service(self.next().value)
            elif tok.value == ";":
                self.next()
            else:
                self.skip_statement()

    def service(self, name: str) -> None:
        self.expect("{")
        while True:
            tok = self.peek()
            if tok is None:
                raise ValueError(f"service {name}: missing '}}'")
            if tok.value == "}":
                self.next()
                return
            if tok.value == "rpc":
                self.next()
                self.rpc(name, tok.line)
            elif tok.value == ";":
                self.next()
            else:
                self.skip_statement()

    def message_type(self) -> str:
        self.expect("(")
        if self.peek() is not None and self.peek().value == "stream":  # type: ignore[union-attr]
            nxt = self.peek(1)
            if nxt is not None and nxt.value != ")":
                self.next()
        name = self.full_ident()
        self.expect(")")
        return name.lstrip(".")

    def rpc(self, service: str, at: int) -> None:
        name = self.next().value
        request = self.message_type()
        self.expect("returns")
        response = self.message_type()
        rpc = Rpc(service, name, request, response, at, [])
        self.rpcs.append(rpc)
        tok = self.next()
        if tok.value == ";":
            return
        if tok.value != "{":
            raise ValueError(f"line {tok.line}: expected ';' or '{{' after rpc {name}")
        while True:
            inner = self.peek()
            if inner is None:
                raise ValueError(f"rpc {name}: missing '}}'")
            if inner.value == "}":
                self.next()
                return
            if inner.value == "option":
                self.next()
                self.rpc_option(rpc)
            else:
                self.skip_statement()

    def rpc_option(self, rpc: Rpc) -> None:
        option_name = []
        while self.peek() is not None and self.peek().value != "=":  # type: ignore[union-attr]
            option_name.append(self.next().value)
        self.expect("=")
        value = self.value()
        if self.peek() is not None and self.peek().value == ";":  # type: ignore[union-attr]
            self.next()
        if "".join(option_name) in {"(google.api.http)", "(.google.api.http)"} and isinstance(value, list):
            self.http_rules(rpc, value)

    def http_rules(self, rpc: Rpc, fields: list[tuple[str, Any, int]]) -> None:
        for key, value, at in fields:
            if key in HTTP_KEYS and isinstance(value, str):
                rpc.http.append((key.upper(), value, at))
            elif key == "custom" and isinstance(value, list):
                kind = next((v for k, v, _ in value if k == "kind"), None)
                path = next((v for k, v, _ in value if k == "path"), None)
                if isinstance(kind, str) and isinstance(path, str):
                    rpc.http.append((kind.upper(), path, at))
            elif key == "additional_bindings" and isinstance(value, list):
                self.http_rules(rpc, value)

    def value(self) -> Any:
        tok = self.next()
        if tok.value == "{":
            return self.aggregate()
        if tok.kind == "string":
            parts = [tok.value]
            while self.peek() is not None and self.peek().kind == "string":  # type: ignore[union-attr]
                parts.append(self.next().value)  # adjacent string literals concatenate
            return "".join(parts)
        if tok.value == "-" and self.peek() is not None:
            return "-" + self.next().value
        if tok.value == "[":
            items = []
            while self.peek() is not None and self.peek().value != "]":  # type: ignore[union-attr]
                items.append(self.value())
                if self.peek() is not None and self.peek().value == ",":  # type: ignore[union-attr]
                    self.next()
            self.expect("]")
            return items
        return tok.value

    def aggregate(self) -> list[tuple[str, Any, int]]:
        fields: list[tuple[str, Any, int]] = []
        while True:
            tok = self.next()
            if tok.value == "}":
                return fields
            if tok.value in {",", ";"}:
                continue
            key = tok.value
            if key == "[":  # extension field name: [foo.bar]
                key = "[" + self.full_ident() + "]"
                self.expect("]")
            if self.peek() is not None and self.peek().value == ":":  # type: ignore[union-attr]
                self.next()
            fields.append((key, self.value(), tok.line))


def _wants(path: str) -> bool:
    if not path.endswith(".proto") or is_vendored(path):
        return False
    # vendored copies of Google's own API definitions are not the project's services
    return "/google/api/" not in f"/{path}" and "/google/protobuf/" not in f"/{path}"


def _parse(path: str, source: str) -> Any:
    if "service" not in source:
        return None
    parser = Parser(tokenize(source))
    parser.parse()
    return (parser.package, parser.rpcs)


def _template(raw: str) -> str:
    return brace_params(raw)


def _build(parsed: dict[str, Any]) -> ApiPart:
    endpoints: list[ApiEndpoint] = []
    warnings: list[SourceWarning] = []
    for path, (package, rpcs) in sorted(parsed.items()):
        for rpc in rpcs:
            qualified = f"{package}.{rpc.service}" if package else rpc.service
            endpoints.append(ApiEndpoint(method="RPC", path=f"/{qualified}/{rpc.name}", file=path, line=rpc.line,
                                         handler=f"{rpc.service}.{rpc.name}", handler_file=path,
                                         handler_line=rpc.line, framework="grpc", request=rpc.request,
                                         response=rpc.response))
            for method, template, at in rpc.http:
                if not template.startswith("/"):
                    warnings.append(SourceWarning(path=path, line=at,
                                                  reason=f"grpc-gateway: HTTP path {template!r} does not start with /"))
                    continue
                full = join(_template(template))
                endpoints.append(ApiEndpoint(method=method, path=full, params=params_of(full), file=path, line=at,
                                             handler=f"{rpc.service}.{rpc.name}", handler_file=path,
                                             handler_line=rpc.line, framework="grpc-gateway", request=rpc.request,
                                             response=rpc.response))
    return ApiPart(reader="grpc", endpoints=endpoints, warnings=warnings)


GRPC_READER: Reader[Any, ApiPart] = Reader(name="grpc", wants=_wants, parse=_parse, build=_build,
                                     suffixes=frozenset({".proto"}))
READERS = [GRPC_READER]

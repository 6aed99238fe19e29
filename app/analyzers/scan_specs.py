"""The audit's OpenAPI part: specs by what their content says, their split files, and specs in code.

- A YAML or JSON file is a spec when it says so at its top level (``openapi: 3.x`` / ``swagger: "2.0"``
  as a top-level YAML key anywhere in the file — generators sort keys, so ``swagger:`` can come last —
  or as a JSON key), whatever the file is called.
- A **fragment** is a YAML/JSON file a spec (or another fragment) references with a relative ``$ref``
  (``$ref: './paths/users.yaml'``), or one a swagger-jsdoc definition loads through its ``apis:`` globs.
- A spec **defined in code** is a module that builds the document: a swagger-jsdoc definition object
  (``openapi: '3.0.0'`` in JS/TS), NestJS ``SwaggerModule.createDocument``, routing-controllers'
  ``routingControllersToSpec``, ASP.NET ``AddSwaggerGen``/``AddOpenApi``, springdoc/springfox
  definitions, FastAPI/DRF schema generators called explicitly, utoipa ``#[derive(OpenApi)]``,
  swagger-php ``@OA\\Info``. A framework that *could* serve a generated spec (every FastAPI app) is not
  listed: only code that defines one.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Any

__all__ = ["CODE_SPEC_RULES", "SpecFinder", "spec_version"]

_YAML_SPEC_RE = re.compile(r"""(?m)^["']?(openapi|swagger)["']?\s*:\s*["']?([23](?:\.\d+)*)""")
_JSON_SPEC_RE = re.compile(r""""(openapi|swagger)"\s*:\s*"([23](?:\.\d+)*)\"""")
_REF_RE = re.compile(r"""["']?\$ref["']?\s*:\s*["']?([^"'#\s}]+\.(?:ya?ml|json))""")
_APIS_RE = re.compile(r"\bapis\s*:\s*\[([^\]]*)\]")
_GLOB_RE = re.compile(r"""["'`]([^"'`]+)["'`]""")

# (label, regex) per rule set: a file matching one defines the spec in code.
CODE_SPEC_RULES: dict[str, list[tuple[str, str]]] = {
    "js": [
        ("swagger-definition", r"""(?m)^\s*["']?(?:openapi\s*:\s*["']3|swagger\s*:\s*["']2\.0)"""),
        ("nestjs-swagger", r"\bSwaggerModule\.createDocument\("),
        ("routing-controllers-openapi", r"\broutingControllersToSpec\("),
        ("fastify-swagger", r"""register\(\s*(?:require\(\s*["']@fastify/swagger["']\)|fastifySwagger\b|swagger\b)"""),
        ("hono-openapi", r"""\.doc(?:31)?\(\s*["']/"""),
    ],
    "dotnet": [("aspnet-swagger", r"\bAddSwaggerGen\(|\bAddOpenApiDocument\(|\.AddOpenApi\(")],
    "jvm": [("springdoc", r"@OpenAPIDefinition\b|\bnew\s+OpenAPI\(\)|\bnew\s+Docket\(")],
    "python": [("schema-generator", r"\bget_openapi\(|\bSpectacularAPIView\b|\bget_schema_view\(")],
    "rust": [("utoipa", r"#\[derive\([^)]*\bOpenApi\b")],
    "php": [("swagger-php", r"@OA\\Info\b|#\[OA\\Info\b")],
}
CODE_SPEC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "swagger-definition": ("openapi", "swagger"), "nestjs-swagger": ("SwaggerModule",),
    "routing-controllers-openapi": ("routingControllersToSpec",), "fastify-swagger": ("swagger", "Swagger"),
    "hono-openapi": (".doc",), "aspnet-swagger": ("AddSwaggerGen", "AddOpenApi"),
    "springdoc": ("OpenAPI", "Docket"), "schema-generator": ("get_openapi", "SpectacularAPIView", "get_schema_view"),
    "utoipa": ("OpenApi",), "swagger-php": ("OA\\Info",),
}
_COMPILED = {rs: [(label, re.compile(rx)) for label, rx in rules] for rs, rules in CODE_SPEC_RULES.items()}
_SPEC_EXTS = (".yaml", ".yml", ".json")


def spec_version(name: str, text: str) -> re.Match[str] | None:
    """The match saying ``text`` is an OpenAPI/Swagger document, or None."""
    if name.endswith(".json"):
        return _JSON_SPEC_RE.search(text)
    return _YAML_SPEC_RE.search(text)


class SpecFinder:
    """Collects specs as ``scan`` walks the tree; ``finish`` adds the fragments they reference."""

    def __init__(self, paths: list[str]) -> None:
        self.specs: list[dict[str, Any]] = []
        self._seen: set[str] = set()
        self._texts: dict[str, str] = {}  # spec/fragment path -> text, for $ref following
        self._globs: list[str] = []
        self._paths = paths

    def add(self, path: str, version: str, evidence: str, kind: str, text: str | None = None) -> None:
        if path in self._seen:
            return
        self._seen.add(path)
        self.specs.append({"path": path, "version": version, "kind": kind, "evidence": evidence})
        if text is not None:
            self._texts[path] = text

    def document(self, path: str, name: str, text: str) -> bool:
        """Note ``path`` if its content is a spec; True when it is one."""
        m = spec_version(name, text)
        if not m:
            return False
        lineno = text.count("\n", 0, m.start()) + 1
        self.add(path, m.group(2), f"L{lineno}: {m.group(0).strip()}", "document", text)
        return True

    def source(self, path: str, ruleset: str, words: set[bytes], text: str) -> None:
        """Note ``path`` if its code defines a spec; remember swagger-jsdoc ``apis`` globs it gives."""
        if "swagger" in text.lower() and (apis := _APIS_RE.search(text)):
            self._globs += _GLOB_RE.findall(apis.group(1))
        for label, rx in _COMPILED.get(ruleset, ()):
            if not any(k in text for k in CODE_SPEC_KEYWORDS[label]):
                continue
            m = rx.search(text)
            if m:
                lineno = text.count("\n", 0, m.start()) + 1
                line = text[text.rfind("\n", 0, m.start()) + 1 : m.end()].strip()
                self.add(path, "", f"L{lineno}: {line[:120]} (spec defined in code, {label})", "code")
                return

    def finish(self, read: Any) -> list[dict[str, Any]]:
        """Add fragments: files referenced by ``$ref`` from a spec or fragment, and swagger-jsdoc globs."""
        known = set(self._paths)
        queue = list(self._texts.items())
        while queue:
            path, text = queue.pop()
            base = posixpath.dirname(path)
            for ref in _REF_RE.findall(text):
                if "://" in ref:
                    continue
                target = posixpath.normpath(posixpath.join(base, ref))
                if target in known and target not in self._seen:
                    body = read(target) or ""
                    self.add(target, "", f"fragment: $ref from {path}", "fragment", body)
                    queue.append((target, body))
        for glob in self._globs:
            pattern = glob.lstrip("./")
            for p in self._paths:
                if p.endswith(_SPEC_EXTS) and p not in self._seen and fnmatch.fnmatch(p, pattern):
                    self.add(p, "", f"fragment: loaded by the swagger-jsdoc apis glob {glob}", "fragment")
        return self.specs

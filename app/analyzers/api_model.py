"""The endpoint inventory model: what ``phasegate api --json`` prints and the API diff compares.

Paths are written as a client calls them, prefixes resolved, with path parameters as ``{name}``
whatever the framework's own syntax (``:id``, ``<int:id>``, ``{id:int}``…).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from phasegate.app.analyzers.readers import SourceWarning


class ApiEndpoint(BaseModel):
    method: str  # GET, POST, … ; ANY for a handler that takes every method; RPC for gRPC methods
    path: str  # the full path, e.g. /api/v1/users/{id}; for gRPC /package.Service/Method
    params: list[str] = Field(default_factory=list)  # path parameter names, in order
    file: str  # where the route is declared
    line: int
    handler: str | None = None
    handler_file: str | None = None
    handler_line: int | None = None
    framework: str  # fastapi, flask, django, drf, express, nestjs, gin, spring, … ; "openapi" for a spec
    auth: str | None = None  # what the code states: "Depends(get_current_user)", "@UseGuards(JwtAuthGuard)"…
    request: str | None = None  # request model name where declared
    response: str | None = None  # response model name where declared
    source: Literal["code", "spec"] = "code"
    dead: bool = False  # declared on a router/server that is never mounted or started
    dev_only: bool = False  # registered only behind a debug or environment check

    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ApiDrift(BaseModel):
    """An endpoint the code declares that no committed spec lists, or the reverse."""

    kind: Literal["code_not_in_spec", "spec_not_in_code"]
    method: str
    path: str
    file: str  # the route declaration (code_not_in_spec) or the spec file (spec_not_in_code)
    line: int

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ApiInventory(BaseModel):
    endpoints: list[ApiEndpoint] = Field(default_factory=list)  # code first, then spec, each sorted
    warnings: list[SourceWarning] = Field(default_factory=list)
    specs: list[str] = Field(default_factory=list)  # committed OpenAPI files read
    drift: list[ApiDrift] = Field(default_factory=list)  # empty when no spec is committed

    def code_endpoints(self) -> list[ApiEndpoint]:
        return [e for e in self.endpoints if e.source == "code"]

    def to_json(self) -> dict[str, Any]:
        return {"endpoints": [e.to_json() for e in self.endpoints],
                "warnings": [w.to_json() for w in self.warnings],
                "specs": list(self.specs),
                "drift": [d.to_json() for d in self.drift]}


ChangeKind = Literal["endpoint-added", "endpoint-removed", "method-changed", "path-param-changed",
                     "auth-dropped", "request-model-changed", "response-model-changed"]


class ApiChange(BaseModel):
    """One client-visible change between two inventories (``diff_inventories``)."""

    kind: ChangeKind
    method: str
    path: str
    detail: str
    breaking: bool
    before: str | None = None
    after: str | None = None
    file: str | None = None  # where the endpoint is declared (after the change, else before)
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ApiPart(BaseModel):
    """What one reader found in the files of one framework."""

    reader: str  # "fastapi", "express", "spring", …
    endpoints: list[ApiEndpoint] = Field(default_factory=list)
    warnings: list[SourceWarning] = Field(default_factory=list)

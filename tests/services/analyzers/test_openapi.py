"""API contract diff: each breaking kind, non-breaking additions, version bump, specs at revisions."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from phasegate.app.analyzers.openapi import (
    contract_findings,
    diff_contracts,
    diff_revisions,
    endpoints,
    specs_at,
    version_bumped,
)
from tests.support.repos import commit_all, write_files

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Shop", "version": "1.0.0"},
    "paths": {
        "/users/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {
                "parameters": [{"name": "expand", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/User"}}}}},
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/users": {
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["email"],
                    "properties": {"email": {"type": "string", "format": "email"}, "name": {"type": "string"}}}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/User"}}}}},
            },
        },
    },
    "components": {"schemas": {"User": {
        "type": "object", "required": ["id", "email"],
        "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                       "address": {"type": "object", "properties": {"city": {"type": "string"}}},
                       "tags": {"type": "array", "items": {"type": "string"}}}}}},
}


def changed(mutate) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    mutate(spec)
    return spec


def kinds(a: dict[str, Any], b: dict[str, Any]) -> set[tuple[str, str | None, bool]]:
    return {(c.kind, c.method, c.breaking) for c in diff_contracts(a, b)}


def test_endpoints_resolve_refs_and_flatten_shapes() -> None:
    eps = endpoints(BASE)
    assert set(eps) == {("/users/{id}", "get"), ("/users/{id}", "delete"), ("/users", "post")}
    get = eps[("/users/{id}", "get")]
    assert get.params == {"path:id": {"required": True, "type": "integer"},
                          "query:expand": {"required": False, "type": "string"}}
    assert get.responses["200"]["address.city"] == {"type": "string", "required": False}
    assert get.responses["200"]["tags[]"]["type"] == "string"
    assert eps[("/users", "post")].request["email"] == {"type": "string(email)", "required": True}


def test_identical_specs_have_no_changes() -> None:
    assert diff_contracts(BASE, copy.deepcopy(BASE)) == []


def test_removed_path_and_method_are_breaking() -> None:
    assert kinds(BASE, changed(lambda s: s["paths"].pop("/users"))) == {("path_removed", None, True)}
    assert kinds(BASE, changed(lambda s: s["paths"]["/users/{id}"].pop("delete"))) == {
        ("method_removed", "delete", True)}


def test_new_required_parameter_is_breaking_optional_is_not() -> None:
    def add_param(required: bool):
        return lambda s: s["paths"]["/users/{id}"]["get"]["parameters"].append(
            {"name": "tenant", "in": "header", "required": required, "schema": {"type": "string"}})

    assert kinds(BASE, changed(add_param(True))) == {("param_required", "get", True)}
    assert kinds(BASE, changed(add_param(False))) == {("param_added", "get", False)}


def test_new_required_body_field_is_breaking_optional_is_not() -> None:
    def add_field(required: bool):
        def mutate(s: dict[str, Any]) -> None:
            body = s["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            body["properties"]["phone"] = {"type": "string"}
            if required:
                body["required"].append("phone")
        return mutate

    assert kinds(BASE, changed(add_field(True))) == {("request_field_required", "post", True)}
    assert kinds(BASE, changed(add_field(False))) == {("request_field_added", "post", False)}


def test_removed_response_field_is_breaking_when_required_a_warning_when_optional() -> None:
    # issue 18: removing an optional response property may break some clients (warning), not all (error)
    required_gone = changed(lambda s: s["components"]["schemas"]["User"]["properties"].pop("email"))
    got = {(c.kind, c.method, c.breaking, c.id) for c in diff_contracts(BASE, required_gone)}
    assert got == {("response_field_removed", m, True, "response-required-property-removed") for m in ("get", "post")}
    optional_gone = changed(lambda s: s["components"]["schemas"]["User"]["properties"].pop("address"))
    got_optional = {(c.kind, c.method, c.level, c.location) for c in diff_contracts(BASE, optional_gone)}
    assert got_optional == {("response_field_removed", "get", "warning", "response 200 application/json: address"),
                            ("response_field_removed", "post", "warning", "response 201 application/json: address")}
    assert contract_findings(BASE, optional_gone, "openapi.yaml") == []
    added = changed(lambda s: s["components"]["schemas"]["User"]["properties"].update(
        {"avatar": {"type": "string"}}))
    assert kinds(BASE, added) == {("response_field_added", "get", False), ("response_field_added", "post", False)}


def test_changed_types_are_breaking() -> None:
    resp = changed(lambda s: s["components"]["schemas"]["User"]["properties"].update({"id": {"type": "string"}}))
    assert ("response_type_changed", "get", True) in kinds(BASE, resp)
    param = changed(lambda s: s["paths"]["/users/{id}"]["get"]["parameters"][0].update(
        {"schema": {"type": "integer"}}))
    assert kinds(BASE, param) == {("param_type_changed", "get", True)}


def test_additions_are_not_breaking() -> None:
    def mutate(s: dict[str, Any]) -> None:
        s["paths"]["/orders"] = {"get": {"responses": {"200": {"description": "ok"}}}}
        s["paths"]["/users"]["get"] = {"responses": {"200": {"description": "ok"}}}

    assert kinds(BASE, changed(mutate)) == {("path_added", None, False), ("method_added", "get", False)}


def test_version_bump_and_findings() -> None:
    breaking = changed(lambda s: s["paths"].pop("/users"))
    assert not version_bumped(BASE, breaking)
    findings = contract_findings(BASE, breaking, "openapi.yaml")
    assert [(f.kind, f.severity) for f in findings] == [("breaking_api_change_without_version_bump", "high")]
    breaking["info"]["version"] = "2.0.0"
    assert version_bumped(BASE, breaking)
    assert [f.severity for f in contract_findings(BASE, breaking, "openapi.yaml")] == ["medium"]
    assert contract_findings(BASE, copy.deepcopy(BASE), "openapi.yaml") == []


def test_specs_at_revisions_yaml_and_json(make_repo) -> None:
    root = make_repo({"api/openapi.yaml": yaml.safe_dump(BASE), "docs/other.yaml": "name: not-a-spec\n"})
    base = commit_all(root, "same tree")
    v2 = changed(lambda s: s["paths"]["/users/{id}"].pop("delete"))
    write_files(root, {"api/openapi.yaml": yaml.safe_dump(v2), "api/public.json": json.dumps(BASE)})
    head = commit_all(root, "v2")
    assert set(specs_at(root, base)) == {"api/openapi.yaml"}
    assert set(specs_at(root, head)) == {"api/openapi.yaml", "api/public.json"}
    per_spec = diff_revisions(root, base, head)
    assert [(c.kind, c.breaking) for c in per_spec["api/openapi.yaml"]] == [("method_removed", True)]
    assert {c.kind for c in per_spec["api/public.json"]} == {"path_added"}

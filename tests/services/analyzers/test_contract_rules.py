"""Every non-schema rule of the catalogue: a pair of small specs per change id, both directions.

Each case edits a copy of ``BASE`` twice (before, after); before → after must report exactly the rule
at its level and after → before exactly the reverse rules.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from phasegate.app.analyzers.contract.catalogue import PLACES, RULES
from phasegate.app.analyzers.openapi import contract_findings, diff_contracts

S = {"type": "string"}
PET = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "nick": S}}

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "paths": {
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"operationId": "getPet", "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
                "404": {"description": "missing"}}},
            "put": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/PetIn"}}}},
                    "responses": {"204": {"description": "done"}}},
        },
        "/owners": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "schemas": {"Pet": PET, "PetIn": {"type": "object", "properties": {"name": S}}},
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "oauth": {"type": "oauth2", "flows": {
                "password": {"tokenUrl": "https://auth.example.com/token", "scopes": {"read": "", "write": ""}},
                "implicit": {"authorizationUrl": "https://auth.example.com/authorize", "scopes": {"read": ""}}}},
            "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://auth.example.com/.well-known/a"},
        },
    },
}

Edit = Callable[[dict[str, Any]], None]


def _get(s: dict[str, Any]) -> dict[str, Any]:
    return s["paths"]["/pets/{petId}"]["get"]


def _put(s: dict[str, Any]) -> dict[str, Any]:
    return s["paths"]["/pets/{petId}"]["put"]


def _ok(s: dict[str, Any]) -> dict[str, Any]:
    return _get(s)["responses"]["200"]


def _schemes(s: dict[str, Any]) -> dict[str, Any]:
    return s["components"]["securitySchemes"]


def nothing(s: dict[str, Any]) -> None:
    return None


def param(**fields: Any) -> Edit:
    return lambda s: _get(s).setdefault("parameters", []).append({"name": "limit", "in": "query",
                                                                  "schema": {"type": "integer"}, **fields})


def header(**fields: Any) -> Edit:
    return lambda s: _ok(s).setdefault("headers", {}).update({"X-Rate": {"schema": {"type": "integer"}, **fields}})


def body(**fields: Any) -> Edit:
    return lambda s: _get(s).update({"requestBody": {"content": {"application/json": {"schema": S}}, **fields}})


def pet_property(name: str, schema: dict[str, Any], required: bool = False) -> Edit:
    def edit(s: dict[str, Any]) -> None:
        pet = s["components"]["schemas"]["Pet"]
        pet["properties"][name] = schema
        if required:
            pet["required"].append(name)
    return edit


def pet_in_property(name: str, schema: dict[str, Any], required: bool = False) -> Edit:
    def edit(s: dict[str, Any]) -> None:
        pet = s["components"]["schemas"]["PetIn"]
        pet["properties"][name] = schema
        if required:
            pet.setdefault("required", []).append(name)
    return edit


def security(*alternatives: dict[str, list[str]]) -> Edit:
    return lambda s: _get(s).update({"security": list(alternatives)})


def scheme(scheme_name: str, **fields: Any) -> Edit:
    return lambda s: _schemes(s)[scheme_name].update(fields)


def flow(flow_name: str, **fields: Any) -> Edit:
    return lambda s: _schemes(s)["oauth"]["flows"][flow_name].update(fields)


def both(*edits: Edit) -> Edit:
    def edit(s: dict[str, Any]) -> None:
        for e in edits:
            e(s)
    return edit


def rename_path(s: dict[str, Any]) -> None:
    item = s["paths"].pop("/pets/{petId}")
    item["parameters"][0]["name"] = "id"
    s["paths"]["/pets/{id}"] = item


GET, PUT = "/pets/{petId}", "/pets/{petId}"
# id: (before edit, after edit, reverse ids)
CASES: dict[str, tuple[Edit, Edit, set[str]]] = {
    "path-removed": (nothing, lambda s: s["paths"].pop("/owners"), {"path-added"}),
    "operation-removed": (nothing, lambda s: s["paths"]["/pets/{petId}"].pop("put"), {"operation-added"}),
    "path-parameter-renamed": (nothing, rename_path, {"path-parameter-renamed"}),
    "operation-id-changed": (nothing, lambda s: _get(s).update(operationId="fetchPet"), {"operation-id-changed"}),
    "operation-deprecated": (nothing, lambda s: _get(s).update(deprecated=True), set()),
    "request-parameter-removed": (param(), nothing, {"request-parameter-added"}),
    "request-parameter-added-required": (nothing, param(required=True), {"request-parameter-removed"}),
    "request-parameter-became-required": (param(), param(required=True), {"request-parameter-became-optional"}),
    "request-parameter-allow-empty-value-removed": (param(allowEmptyValue=True), param(),
                                                    {"request-parameter-allow-empty-value-added"}),
    "request-parameter-style-changed": (param(style="form"), param(style="spaceDelimited"),
                                        {"request-parameter-style-changed"}),
    "request-parameter-explode-changed": (param(), param(explode=False), {"request-parameter-explode-changed"}),
    "request-body-added-required": (nothing, body(required=True), {"request-body-removed"}),
    "request-body-added": (nothing, body(), {"request-body-removed"}),
    "request-body-became-required": (body(), body(required=True), {"request-body-became-optional"}),
    "request-body-media-type-removed": (
        lambda s: _put(s)["requestBody"]["content"].update({"application/xml": {"schema": S}}), nothing,
        {"request-body-media-type-added"}),
    "request-body-schema-added": (lambda s: _put(s)["requestBody"]["content"].update({"application/json": {}}),
                                  nothing, {"request-body-schema-removed"}),
    "request-property-removed": (pet_in_property("nick", S), nothing, {"request-property-added"}),
    "request-property-added-required": (nothing, pet_in_property("phone", S, True), {"request-property-removed"}),
    "request-property-became-required": (pet_in_property("phone", S), pet_in_property("phone", S, True),
                                         {"request-property-became-optional"}),
    "request-property-became-read-only": (pet_in_property("tag", S), pet_in_property("tag", {**S, "readOnly": True}),
                                          {"request-property-read-only-removed"}),
    "response-required-property-removed": (pet_property("name", S, True), nothing, {"response-property-added"}),
    "response-optional-property-removed": (nothing, lambda s: s["components"]["schemas"]["Pet"]["properties"].pop(
        "nick"), {"response-property-added"}),
    "response-property-became-optional": (pet_property("name", S, True), pet_property("name", S),
                                          {"response-property-became-required"}),
    "response-required-property-became-write-only": (
        pet_property("name", S, True), pet_property("name", {**S, "writeOnly": True}, True),
        {"response-property-write-only-removed"}),
    "response-optional-property-became-write-only": (
        nothing, pet_property("nick", {**S, "writeOnly": True}), {"response-property-write-only-removed"}),
    "response-success-status-removed": (nothing, lambda s: _put(s)["responses"].update(
        {"200": {"description": "ok"}}) or _put(s)["responses"].pop("204"),
        {"response-success-status-removed", "response-status-added"}),
    "response-non-success-status-removed": (nothing, lambda s: _get(s)["responses"].pop("404"),
                                            {"response-status-added"}),
    "response-status-folded-into-range": (nothing, lambda s: _get(s)["responses"].update(
        {"4XX": _get(s)["responses"].pop("404")}), {"response-non-success-status-removed", "response-status-added"}),
    "response-media-type-removed": (lambda s: _ok(s)["content"].update({"application/xml": {"schema": PET}}),
                                    nothing, {"response-media-type-added"}),
    "response-body-added": (nothing, lambda s: _get(s)["responses"]["404"].update(
        {"content": {"application/json": {"schema": S}}}), {"response-body-removed"}),
    "response-body-schema-added": (lambda s: _ok(s).update({"content": {"application/json": {}}}), nothing,
                                   {"response-body-schema-removed"}),
    "response-required-header-removed": (header(required=True), nothing, {"response-header-added"}),
    "response-optional-header-removed": (header(), nothing, {"response-header-added"}),
    "response-header-became-optional": (header(required=True), header(), {"response-header-became-required"}),
    "response-header-style-changed": (header(), header(style="form"), {"response-header-style-changed"}),
    "response-header-explode-changed": (header(), header(explode=True), {"response-header-explode-changed"}),
    "security-requirement-added": (nothing, security({"bearer": []}), {"security-requirement-removed"}),
    "security-alternative-removed": (security({"key": []}, {"bearer": []}), security({"bearer": []}),
                                     {"security-alternative-added"}),
    "security-scope-added": (security({"oauth": ["read"]}), security({"oauth": ["read", "write"]}),
                             {"security-scope-removed"}),
    "security-scheme-type-changed": (nothing, lambda s: _schemes(s).update(
        {"key": {"type": "http", "scheme": "basic"}}), {"security-scheme-type-changed"}),
    "security-scheme-in-changed": (nothing, scheme("key", **{"in": "query"}), {"security-scheme-in-changed"}),
    "security-scheme-name-changed": (nothing, scheme("key", name="X-Token"), {"security-scheme-name-changed"}),
    "security-scheme-scheme-changed": (nothing, scheme("bearer", scheme="basic", bearerFormat=None),
                                       {"security-scheme-scheme-changed", "security-scheme-bearer-format-changed"}),
    "security-scheme-bearer-format-changed": (nothing, scheme("bearer", bearerFormat="opaque"),
                                              {"security-scheme-bearer-format-changed"}),
    "security-scheme-oauth-flow-removed": (nothing, lambda s: _schemes(s)["oauth"]["flows"].pop("implicit"),
                                           {"security-scheme-oauth-flow-added"}),
    "security-scheme-oauth-url-changed": (nothing, flow("password", tokenUrl="https://auth.example.com/v2/token"),
                                          {"security-scheme-oauth-url-changed"}),
    "security-scheme-oauth-scope-removed": (nothing, flow("password", scopes={"read": ""}),
                                            {"security-scheme-oauth-scope-added"}),
    "security-scheme-openid-url-changed": (nothing, scheme("oidc", openIdConnectUrl="https://auth.example.com/b"),
                                           {"security-scheme-openid-url-changed"}),
}
# the one extra change a case makes on purpose
EXTRA = {"response-success-status-removed": {"response-status-added"},
         "security-scheme-scheme-changed": {"security-scheme-bearer-format-changed"}}


def spec(edit: Edit) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    edit(out)
    return out


def ids(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    return {c.id for c in diff_contracts(a, b)}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_in_both_directions(rule_id: str) -> None:
    before_edit, after_edit, reverse = CASES[rule_id]
    before, after = spec(before_edit), spec(after_edit)
    changes = diff_contracts(before, after)
    assert {c.id for c in changes} == {rule_id} | EXTRA.get(rule_id, set())
    level = next(c.level for c in changes if c.id == rule_id)
    assert level == RULES[rule_id].level
    assert ids(after, before) == reverse


EXPECTED_LEVELS = {  # written out, not read from the catalogue: the levels issue 18 asks for
    "path-removed": "error", "operation-removed": "error", "path-parameter-renamed": "info",
    "request-parameter-removed": "warning", "request-parameter-added-required": "error",
    "request-parameter-allow-empty-value-removed": "error", "request-parameter-style-changed": "error",
    "request-parameter-explode-changed": "error", "request-body-media-type-removed": "error",
    "request-body-schema-added": "error", "response-optional-property-removed": "warning",
    "response-required-property-removed": "error", "response-non-success-status-removed": "error",
    "response-status-folded-into-range": "error", "response-media-type-removed": "error",
    "response-required-header-removed": "error", "response-header-became-optional": "error",
    "response-header-style-changed": "error", "security-requirement-added": "error",
    "security-alternative-removed": "error", "security-scope-added": "error",
    "security-scheme-type-changed": "error", "security-scheme-in-changed": "error",
    "security-scheme-scheme-changed": "error", "security-scheme-oauth-url-changed": "error",
    "security-scheme-openid-url-changed": "error", "request-property-became-read-only": "warning",
}


def test_levels_are_the_ones_issue_18_asks_for() -> None:
    assert {k: RULES[k].level for k in EXPECTED_LEVELS} == EXPECTED_LEVELS


def test_every_rule_is_exercised() -> None:
    schema_groups = {p for p, _, _ in PLACES}
    exercised = set(CASES) | set().union(*(r for _, _, r in CASES.values())) | set().union(*EXTRA.values())
    others = {r.id for r in RULES.values() if r.group not in schema_groups}
    assert others - exercised == set()


def test_renamed_path_parameter_is_not_a_removed_path() -> None:
    changes = diff_contracts(BASE, spec(rename_path))
    assert [(c.id, c.level, c.before, c.after) for c in changes] == [
        ("path-parameter-renamed", "info", "/pets/{petId}", "/pets/{id}")]
    assert contract_findings(BASE, spec(rename_path), "openapi.yaml") == []


def test_narrowing_a_response_union_is_safe_and_widening_it_breaks() -> None:
    union = {"oneOf": [{"$ref": "#/components/schemas/Pet"}, S]}
    before = spec(lambda s: _ok(s)["content"]["application/json"].update({"schema": union}))
    narrowed = spec(lambda s: _ok(s)["content"]["application/json"].update({"schema": {"oneOf": [union["oneOf"][0]]}}))
    assert [(c.id, c.level) for c in diff_contracts(before, narrowed)] == [("response-property-one-of-removed", "info")]
    assert [(c.id, c.level) for c in diff_contracts(narrowed, before)] == [("response-property-one-of-added", "error")]
    # a union reduced to its remaining alternative, written without oneOf, is the same narrowing
    plain = spec(nothing)
    assert [(c.id, c.level) for c in diff_contracts(before, plain)] == [("response-property-one-of-removed", "info")]


def test_global_security_applies_to_operations_without_their_own() -> None:
    secured = spec(lambda s: s.update(security=[{"key": []}]))
    got = {(c.id, c.method, c.path) for c in diff_contracts(BASE, secured)}
    assert got == {("security-requirement-added", m, p) for p, m in
                   ((GET, "get"), (PUT, "put"), ("/owners", "get"))}
    anonymous_allowed = spec(lambda s: s.update(security=[{"key": []}, {}]))
    # anonymous calls stay allowed: another way in is only news
    assert {(c.id, c.level) for c in diff_contracts(BASE, anonymous_allowed)} == {("security-alternative-added", "info")}
    assert {c.id for c in diff_contracts(anonymous_allowed, secured)} == {"security-requirement-added"}


def test_findings_block_only_errors() -> None:
    warned = spec(param())
    # removing an optional parameter is a warning: shown as a change, never a finding
    changes = diff_contracts(warned, BASE)
    assert [(c.id, c.level, c.breaking) for c in changes] == [("request-parameter-removed", "warning", False)]
    assert contract_findings(warned, BASE, "openapi.yaml") == []
    broken = spec(param(required=True))
    findings = contract_findings(BASE, broken, "openapi.yaml")
    assert [(f.kind, f.severity, f.evidence) for f in findings] == [
        ("breaking_api_change_without_version_bump", "high", "GET /pets/{petId}")]
    assert "[request-parameter-added-required]" in findings[0].message
    assert changes[0].to_json()["explanation"] == RULES["request-parameter-removed"].explanation


def test_two_alternatives_naming_the_same_schemes_are_told_apart_by_scopes() -> None:
    # found by the reordering property: [key + oauth] or [key + oauth[read]] reordered is no change
    two = security({"key": [], "oauth": []}, {"key": [], "oauth": ["read"]})
    assert diff_contracts(spec(two), spec(security({"key": [], "oauth": ["read"]}, {"key": [], "oauth": []}))) == []
    one = security({"key": [], "oauth": ["read"]})
    assert {(c.id, c.level) for c in diff_contracts(spec(two), spec(one))} == {("security-alternative-removed", "error")}

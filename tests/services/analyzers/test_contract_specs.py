"""Reading specs: refs across files, recursive schemas, allOf merged, Swagger 2.0, OpenAPI 3.1, at revisions."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from phasegate.app.analyzers._files import open_tree
from phasegate.app.analyzers.openapi import diff_contracts, diff_revisions, find_specs
from tests.support.repos import commit_all, write_files


def _ids(changes: list[Any]) -> set[tuple[str, str, str]]:
    return {(c.id, c.level, c.location) for c in changes}


SPLIT_MAIN = {
    "openapi": "3.0.3", "info": {"title": "Split", "version": "1"},
    "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": "schemas/pet.yaml#/Pet"}}}}}}}},
}
PET_FILE = {"Pet": {"type": "object", "required": ["id"], "properties": {
    "id": {"type": "integer"}, "owner": {"$ref": "owner.yaml"}}}}
OWNER_FILE = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 40}}}


def test_refs_across_files_resolve_at_each_revision(make_repo) -> None:
    root = make_repo({"api/openapi.yaml": yaml.safe_dump(SPLIT_MAIN), "api/schemas/pet.yaml": yaml.safe_dump(PET_FILE),
                      "api/schemas/owner.yaml": yaml.safe_dump(OWNER_FILE)})
    base = commit_all(root, "split spec")
    owner = copy.deepcopy(OWNER_FILE)
    owner["properties"]["name"]["maxLength"] = 80
    del owner["required"]
    write_files(root, {"api/schemas/owner.yaml": yaml.safe_dump(owner)})  # only the referenced file changes
    per_spec = diff_revisions(root, base, None)
    assert list(per_spec) == ["api/openapi.yaml"]  # the fragments are not specs of their own
    assert _ids(per_spec["api/openapi.yaml"]) == {
        ("response-property-became-optional", "error", "response 200 application/json: owner.name"),
        ("response-property-max-length-increased", "error", "response 200 application/json: owner.name"),
    }


def test_find_specs_knows_swagger_and_openapi_in_yaml_and_json(make_repo) -> None:
    root = make_repo({"a/openapi.yaml": "openapi: 3.1.0\ninfo: {title: a, version: '1'}\npaths: {}\n",
                      "b/swagger.json": json.dumps({"swagger": "2.0", "info": {"title": "b", "version": "1"}}),
                      "c/other.yaml": "kind: Deployment\n"})
    tree = open_tree(root)
    try:
        assert sorted(find_specs(tree)) == ["a/openapi.yaml", "b/swagger.json"]
    finally:
        tree.close()


NODE = {"type": "object", "properties": {"name": {"type": "string"}, "children": {
    "type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}


def _tree_spec(node: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/tree": {"get": {"responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}}},
            "components": {"schemas": {"Node": node}}}


def test_recursive_schema_is_compared_once_and_terminates() -> None:
    assert diff_contracts(_tree_spec(NODE), _tree_spec(copy.deepcopy(NODE))) == []
    changed = copy.deepcopy(NODE)
    changed["properties"]["name"]["maxLength"] = 10
    assert _ids(diff_contracts(_tree_spec(changed), _tree_spec(NODE))) == {
        ("response-property-max-length-removed", "error", "response 200 application/json: name")}


def test_all_of_is_merged_and_a_moved_property_is_no_change() -> None:
    flat = {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string", "maxLength": 20}}}
    composed = {"allOf": [{"$ref": "#/components/schemas/Base"}, {
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 20}}}]}

    def spec(schema: dict[str, Any]) -> dict[str, Any]:
        doc = _tree_spec(schema)
        doc["components"]["schemas"]["Base"] = {"type": "object", "required": ["id"],
                                                "properties": {"id": {"type": "integer"}}}
        return doc

    assert diff_contracts(spec(flat), spec(composed)) == []
    dropped = {"allOf": [{"$ref": "#/components/schemas/Base"}]}
    assert _ids(diff_contracts(spec(composed), spec(dropped))) == {
        ("response-required-property-removed", "error", "response 200 application/json: name")}
    # the strictest bound of the conjuncts counts
    stricter = copy.deepcopy(composed)
    stricter["allOf"].append({"properties": {"name": {"maxLength": 10}}})
    assert _ids(diff_contracts(spec(composed), spec(stricter))) == {
        ("response-property-max-length-decreased", "info", "response 200 application/json: name")}


SWAGGER = {
    "swagger": "2.0", "info": {"title": "Legacy", "version": "1"}, "consumes": ["application/json"],
    "produces": ["application/json"],
    "securityDefinitions": {"basic": {"type": "basic"}, "oauth": {
        "type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a.example.com/auth",
        "tokenUrl": "https://a.example.com/token", "scopes": {"read": "", "write": ""}}},
    "paths": {"/items/{itemId}": {"put": {
        "security": [{"oauth": ["read"]}],
        "parameters": [
            {"name": "itemId", "in": "path", "required": True, "type": "integer"},
            {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "csv"},
            {"name": "payload", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Item"}}],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Item"},
                              "headers": {"X-Rate": {"type": "integer"}}}}}}},
    "definitions": {"Item": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "maxLength": 50}, "size": {"type": "integer", "x-nullable": True}}}},
}


def test_swagger_2_is_read_like_openapi_3() -> None:
    assert diff_contracts(SWAGGER, copy.deepcopy(SWAGGER)) == []
    after = copy.deepcopy(SWAGGER)
    op = after["paths"]["/items/{itemId}"]["put"]
    op["parameters"][1]["collectionFormat"] = "multi"
    op["security"] = [{"oauth": ["read", "write"]}]
    op["responses"]["200"]["headers"]["X-Rate"]["type"] = "string"
    after["definitions"]["Item"]["properties"]["name"]["maxLength"] = 30
    after["definitions"]["Item"]["properties"]["size"].pop("x-nullable")
    after["securityDefinitions"]["oauth"]["tokenUrl"] = "https://a.example.com/v2/token"
    after["produces"] = ["application/xml"]
    got = _ids(diff_contracts(SWAGGER, after))
    assert got == {
        ("request-parameter-explode-changed", "error", "query parameter tags"),
        ("security-scope-added", "error", "security oauth"),
        ("response-header-type-changed", "error", "response 200 header X-Rate"),
        ("request-property-max-length-decreased", "error", "request body application/json: name"),
        ("request-property-became-not-nullable", "error", "request body application/json: size"),
        ("response-media-type-removed", "error", "response 200 application/json"),
        ("response-media-type-added", "info", "response 200 application/xml"),
        ("security-scheme-oauth-url-changed", "error", "security scheme oauth flow authorizationCode tokenUrl"),
    }


def test_swagger_form_data_is_a_request_body() -> None:
    def spec(required: bool) -> dict[str, Any]:
        return {"swagger": "2.0", "info": {"title": "f", "version": "1"}, "paths": {"/upload": {"post": {
            "consumes": ["multipart/form-data"],
            "parameters": [{"name": "file", "in": "formData", "type": "file", "required": required}],
            "responses": {"204": {"description": "ok"}}}}}}

    assert _ids(diff_contracts(spec(False), spec(True))) == {
        ("request-body-became-required", "error", "request body"),
        ("request-property-became-required", "error", "request body multipart/form-data: file")}


def test_openapi_31_and_30_of_the_same_api_do_not_differ() -> None:
    v30 = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/n": {"get": {
        "parameters": [{"name": "x", "in": "query", "schema": {"type": "number", "maximum": 5,
                                                                "exclusiveMaximum": True, "nullable": True}}],
        "responses": {"204": {"description": "ok"}}}}}}
    v31 = copy.deepcopy(v30)
    v31["openapi"] = "3.1.0"
    v31["paths"]["/n"]["get"]["parameters"][0]["schema"] = {"type": ["number", "null"], "exclusiveMaximum": 5}
    assert diff_contracts(v30, v31) == []


def test_unresolvable_reference_is_not_a_crash() -> None:
    broken = _tree_spec({"$ref": "missing.yaml#/Nope"})
    assert diff_contracts(broken, copy.deepcopy(broken)) == []


def test_code_derived_inventory_is_judged_by_the_same_rules() -> None:
    from phasegate.app.analyzers.api_model import ApiEndpoint
    from phasegate.app.analyzers.openapi import inventory_spec

    def ep(method: str, path: str, params: list[str], response: str | None = None) -> ApiEndpoint:
        return ApiEndpoint(method=method, path=path, params=params, file="app/routes.py", line=3,
                           framework="fastapi", response=response)

    user = {"type": "object", "required": ["id", "email"], "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}}}
    before = inventory_spec([ep("GET", "/users/{user_id}", ["user_id"], "User"), ep("DELETE", "/users/{user_id}",
                                                                                    ["user_id"])], {"User": user})
    slim = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    after = inventory_spec([ep("GET", "/users/{id}", ["id"], "User")], {"User": slim})
    assert _ids(diff_contracts(before, after)) == {
        ("path-parameter-renamed", "info", ""),
        ("operation-removed", "error", ""),
        ("response-required-property-removed", "error", "response default application/json: email"),
    }

"""API contract diff of two ~5 MB specs of a generated 2,000-operation API, and its growth with size.

Two results. The diff of the two 2,000-operation specs against ``json.loads`` of their texts (reading
the specs at all is the floor of comparing them); the target is also absolute, ≤ 2 s, printed beside.
Linearity: the time per operation at 2,000 operations against the time per operation at 500, measured
in the same run; a ratio near 1 means the diff grows linearly (shared components are compared once,
not once per operation that uses them).

The API is generated from a fixed seed: resources with list/get/create/update/delete operations, each
with its own request and response schemas (nested objects, arrays, enums, bounds, formats, refs to
shared components), path, query and header parameters, several responses with headers, security. The
second spec changes about one operation in fifty (a bound tightened, a property removed, an enum value
added, a parameter made required, a response removed) so the diff has work to report.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from bench._common import Result, best_of

OPERATIONS = 2_000
SMALL = 500
SEED = 20261201
BUDGET_VS_PARSE = 8.0
BUDGET_LINEAR = 1.35
TARGET_SECONDS = 2.0

_WORDS = ["user", "order", "invoice", "product", "cart", "payment", "shipment", "review", "account", "team",
          "project", "ticket", "asset", "report", "device", "policy", "region", "tenant", "webhook", "coupon"]


def _prose(rng: random.Random, name: str) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randrange(40, 70))]
    return f"Works on {name}: " + " ".join(words) + "."


def _props(rng: random.Random, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(n):
        kind = rng.random()
        name = f"{rng.choice(_WORDS)}_{i}"
        if kind < 0.35:
            out[name] = {"type": "string", "maxLength": rng.choice([32, 64, 255]),
                         "description": f"The {name} of the resource, as the client gave it.", "example": name}
        elif kind < 0.5:
            out[name] = {"type": "integer", "format": "int64", "minimum": 0, "maximum": 10 ** rng.randrange(2, 9)}
        elif kind < 0.6:
            out[name] = {"type": "string", "enum": ["active", "pending", "closed", "archived"]}
        elif kind < 0.7:
            out[name] = {"type": "string", "format": rng.choice(["date-time", "uuid", "email"])}
        elif kind < 0.8:
            out[name] = {"type": "array", "maxItems": 100, "items": {"$ref": "#/components/schemas/Tag"}}
        elif kind < 0.9:
            out[name] = {"$ref": "#/components/schemas/Address"}
        else:
            out[name] = {"type": "object", "properties": {"amount": {"type": "number", "minimum": 0},
                                                          "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}}
    return out


def generate(operations: int, seed: int = SEED) -> dict[str, Any]:
    """A spec of ``operations`` operations (five per resource), about 2.5 KB of JSON per operation."""
    rng = random.Random(seed)
    schemas: dict[str, Any] = {
        "Tag": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 40}}},
        "Address": {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"},
                                                     "country": {"type": "string", "minLength": 2, "maxLength": 2}}},
        "Error": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"},
                                                                        "message": {"type": "string"}}},
    }
    paths: dict[str, Any] = {}
    error = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for r in range((operations + 4) // 5):
        name = f"{rng.choice(_WORDS)}{r}"
        model, model_in = f"{name.capitalize()}", f"{name.capitalize()}Input"
        props = _props(rng, rng.randrange(26, 38))
        schemas[model] = {"type": "object", "required": ["id"] + sorted(props)[:2],
                          "properties": {"id": {"type": "string", "format": "uuid", "readOnly": True}, **props}}
        schemas[model_in] = {"type": "object", "required": sorted(props)[:2], "properties": copy.deepcopy(props)}
        one = {"$ref": f"#/components/schemas/{model}"}
        page = {"type": "object", "properties": {"items": {"type": "array", "items": one},
                                                 "next": {"type": "string", "nullable": True}}}
        rate = {"X-Rate-Limit": {"required": True, "schema": {"type": "integer"}}}
        ok = {"description": "ok", "headers": rate, "content": {"application/json": {"schema": one}}}
        body = {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model_in}"}}}}
        id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        list_params = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                       {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                       {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}}]
        ops: dict[str, dict[str, Any]] = {
            f"/{name}s": {
                "get": {"operationId": f"list{model}", "parameters": list_params, "responses": {
                    "200": {"description": "ok", "headers": rate, "content": {"application/json": {"schema": page}}},
                    "400": error}},
                "post": {"operationId": f"create{model}", "requestBody": body, "security": [{"bearer": ["write"]}],
                         "responses": {"201": ok, "400": error, "409": error}},
            },
            f"/{name}s/{{id}}": {
                "parameters": [id_param],
                "get": {"operationId": f"get{model}", "responses": {"200": ok, "404": error}},
                "put": {"operationId": f"update{model}", "requestBody": copy.deepcopy(body),
                        "responses": {"200": ok, "400": error, "404": error}},
                "delete": {"operationId": f"delete{model}", "responses": {"204": {"description": "gone"}, "404": error}},
            },
        }
        for item in ops.values():
            for method, op in item.items():
                if method != "parameters":
                    op["summary"] = f"{method.upper()} {name}"
                    op["description"] = _prose(rng, name)
                    op["tags"] = [name]
        paths.update(ops)
    return {"openapi": "3.0.3", "info": {"title": "Generated", "version": "1.0.0"}, "paths": paths,
            "security": [{"bearer": ["read"]}],
            "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "oauth2", "flows": {
                "clientCredentials": {"tokenUrl": "https://auth.example.com/token",
                                      "scopes": {"read": "", "write": ""}}}}}}}


def evolve(spec: dict[str, Any], seed: int = SEED) -> dict[str, Any]:
    """The next version: about one operation in fifty changed, in the ways APIs change."""
    rng = random.Random(seed + 1)
    out = copy.deepcopy(spec)
    models = [k for k in out["components"]["schemas"] if k.endswith("Input")]
    for name in rng.sample(models, max(1, len(models) // 10)):
        props = out["components"]["schemas"][name]["properties"]
        prop = props[rng.choice(sorted(props))]
        if prop.get("maxLength"):
            prop["maxLength"] //= 2
        out_props = out["components"]["schemas"][name[: -len("Input")]]["properties"]
        victim = rng.choice(sorted(out_props))
        if victim != "id":
            out_props.pop(victim)
    for path in rng.sample(sorted(out["paths"]), max(1, len(out["paths"]) // 25)):
        item = out["paths"][path]
        if "delete" in item:
            item["delete"]["responses"].pop("404", None)
        if "get" in item and item["get"].get("parameters"):
            item["get"]["parameters"][0] = {**item["get"]["parameters"][0], "required": True}
    return out


def run() -> list[Result]:
    from phasegate.app.analyzers.openapi import diff_contracts

    timings: dict[int, float] = {}
    sizes: dict[int, int] = {}
    parse = 0.0
    changes = 0
    for n in (SMALL, OPERATIONS):
        a, b = generate(n), evolve(generate(n))
        text_a, text_b = json.dumps(a), json.dumps(b)
        sizes[n] = len(text_a)
        doc_a, doc_b = json.loads(text_a), json.loads(text_b)
        def once(a: dict[str, Any] = doc_a, b: dict[str, Any] = doc_b) -> object:
            return diff_contracts(a, b)

        timings[n] = best_of(once, repeat=5)
        if n == OPERATIONS:
            def read(ta: str = text_a, tb: str = text_b) -> object:
                return json.loads(ta), json.loads(tb)

            parse = best_of(read, repeat=3)
            changes = len(diff_contracts(doc_a, doc_b))
    print(f"  (two {sizes[OPERATIONS] / 1e6:.1f} MB specs of {OPERATIONS} operations: diff {timings[OPERATIONS]:.2f}s, "
          f"{changes} changes; target <= {TARGET_SECONDS:g}s: "
          f"{'met' if timings[OPERATIONS] <= TARGET_SECONDS else 'MISSED'})", flush=True)
    per_op_big, per_op_small = timings[OPERATIONS] / OPERATIONS, timings[SMALL] / SMALL
    return [
        Result(f"contract diff {OPERATIONS} ops vs json.loads", timings[OPERATIONS], parse, "s", BUDGET_VS_PARSE),
        Result(f"contract per-op {OPERATIONS} vs {SMALL} ops", per_op_big * 1e3, per_op_small * 1e3, "ms",
               BUDGET_LINEAR),
    ]

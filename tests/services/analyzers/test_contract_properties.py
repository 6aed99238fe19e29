"""Hypothesis: a spec compared with itself, or with a reordering of itself, reports nothing."""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasegate.app.analyzers.openapi import diff_contracts

NAMES = st.sampled_from(["id", "name", "kind", "tags", "size", "owner", "note"])
SCHEMA_NAMES = ["Pet", "Owner", "Tag"]

scalar = st.one_of(
    st.fixed_dictionaries({"type": st.just("string")}, optional={
        "maxLength": st.integers(1, 50), "minLength": st.integers(0, 3), "pattern": st.just("^[a-z]+$"),
        "format": st.sampled_from(["uuid", "date"]), "enum": st.lists(st.sampled_from("abcdef"), min_size=1,
                                                                       max_size=4, unique=True),
        "nullable": st.booleans(), "readOnly": st.booleans()}),
    st.fixed_dictionaries({"type": st.sampled_from(["integer", "number"])}, optional={
        "maximum": st.integers(0, 100), "minimum": st.integers(-5, 0), "multipleOf": st.sampled_from([1, 2, 5]),
        "exclusiveMaximum": st.booleans(), "default": st.integers(0, 5)}),
    st.builds(lambda name: {"$ref": f"#/components/schemas/{name}"}, st.sampled_from(SCHEMA_NAMES)),
)


def _object(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    req = [r for r in required if r in props]
    if req:
        out["required"] = req
    return out


schema = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.builds(_object, st.dictionaries(NAMES, inner, max_size=4), st.lists(NAMES, max_size=3, unique=True)),
        st.builds(lambda items, n: {"type": "array", "items": items, "maxItems": n, "uniqueItems": n > 5},
                  inner, st.integers(1, 9)),
        st.builds(lambda alts: {"oneOf": alts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda alts: {"anyOf": alts}, st.lists(inner, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)

parameter = st.builds(
    lambda name, where, required, sch, style: {"name": name, "in": where, "required": required, "schema": sch,
                                               **({"style": style} if style and where == "query" else {})},
    st.sampled_from(["limit", "offset", "q", "X-Trace"]), st.sampled_from(["query", "header"]), st.booleans(),
    scalar, st.sampled_from([None, "form", "spaceDelimited"]))

operation = st.builds(
    lambda params, body, responses, sec: {
        "parameters": list({(p["in"], p["name"]): p for p in params}.values()),
        **({"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}} if body else {}),
        "responses": responses, **({"security": sec} if sec is not None else {})},
    st.lists(parameter, max_size=3), st.one_of(st.none(), schema),
    st.dictionaries(st.sampled_from(["200", "201", "400", "404", "4XX", "default"]), st.builds(
        lambda sch, hdr: {"description": "r", **({"content": {"application/json": {"schema": sch},
                                                             "application/xml": {"schema": sch}}} if sch else {}),
                          **({"headers": {"X-Rate": {"required": hdr, "schema": {"type": "integer"}}}}
                             if hdr is not None else {})},
        st.one_of(st.none(), schema), st.one_of(st.none(), st.booleans())), min_size=1, max_size=3),
    st.one_of(st.none(), st.lists(st.dictionaries(st.sampled_from(["key", "oauth"]), st.lists(
        st.sampled_from(["read", "write", "admin"]), unique=True, max_size=2), max_size=2), max_size=2)))

spec = st.builds(
    lambda paths, comps: {
        "openapi": "3.0.3", "info": {"title": "gen", "version": "1"}, "paths": paths,
        "components": {"schemas": comps, "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
            "oauth": {"type": "oauth2", "flows": {"password": {"tokenUrl": "https://t.example.com",
                                                                 "scopes": {"read": "", "write": "", "admin": ""}}}}}}},
    st.dictionaries(st.sampled_from(["/pets", "/pets/{id}", "/owners", "/owners/{id}/pets"]),
                    st.dictionaries(st.sampled_from(["get", "post", "put", "delete"]), operation, min_size=1, max_size=2),
                    min_size=1, max_size=3),
    st.fixed_dictionaries({n: schema for n in SCHEMA_NAMES}),
)

SET_LIKE = {"required", "enum", "type", "oneOf", "anyOf", "parameters", "security"}


def reorder(node: Any, rng: random.Random, key: str = "") -> Any:
    """The same spec with every mapping's keys and every set-like list shuffled."""
    if isinstance(node, dict):
        items = [(k, reorder(v, rng, k)) for k, v in node.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(node, list):
        out = [reorder(x, rng) for x in node]
        if key in SET_LIKE or key == "":
            rng.shuffle(out)
        return out
    return node


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(spec)
def test_a_spec_compared_with_itself_reports_nothing(doc: dict[str, Any]) -> None:
    assert diff_contracts(doc, copy.deepcopy(doc)) == []


@FAST
@given(spec, st.integers(0, 2**32))
def test_a_reordered_spec_reports_nothing(doc: dict[str, Any], seed: int) -> None:
    assert diff_contracts(doc, reorder(copy.deepcopy(doc), random.Random(seed))) == []
    assert diff_contracts(reorder(copy.deepcopy(doc), random.Random(seed + 1)), doc) == []

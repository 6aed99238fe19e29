"""Every schema rule of the catalogue, in each of the four places a schema sits, in both directions.

For each change a pair of small schemas: before → after must report exactly that rule at its level,
and after → before exactly the reverse rule (the safe direction where there is one).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from phasegate.app.analyzers.contract.catalogue import PLACES, RULES
from phasegate.app.analyzers.openapi import diff_contracts

CAT = {"$ref": "#/components/schemas/Cat"}
DOG = {"$ref": "#/components/schemas/Dog"}
HOUND = {"$ref": "#/components/schemas/Hound"}
S = {"type": "string"}
INT = {"type": "integer"}

# suffix: (before, after, reverse suffix, level when clients send it, level when clients read it)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str, str]] = {
    "type-changed": (INT, S, "type-changed", "error", "error"),
    "type-widened": (INT, {"type": "number"}, "type-narrowed", "info", "error"),
    "type-narrowed": ({"type": ["string", "integer"]}, S, "type-widened", "error", "info"),
    "format-changed": ({**S, "format": "date"}, {**S, "format": "date-time"}, "format-changed", "error", "error"),
    "format-added": (S, {**S, "format": "uuid"}, "format-removed", "error", "info"),
    "became-nullable": (S, {**S, "nullable": True}, "became-not-nullable", "info", "error"),
    "became-not-nullable": ({"type": ["string", "null"]}, S, "became-nullable", "error", "info"),
    "enum-value-removed": ({**S, "enum": ["a", "b", "c"]}, {**S, "enum": ["b", "a"]}, "enum-value-added",
                           "error", "info"),
    "became-enum": (S, {**S, "enum": ["a", "b"]}, "enum-removed", "error", "info"),
    "max-length-decreased": ({**S, "maxLength": 50}, {**S, "maxLength": 20}, "max-length-increased", "error", "info"),
    "max-length-added": (S, {**S, "maxLength": 20}, "max-length-removed", "error", "info"),
    "min-length-increased": ({**S, "minLength": 1}, {**S, "minLength": 3}, "min-length-decreased", "error", "info"),
    "min-length-added": (S, {**S, "minLength": 3}, "min-length-removed", "error", "info"),
    "max-decreased": ({**INT, "maximum": 100}, {**INT, "maximum": 10}, "max-increased", "error", "info"),
    "max-added": (INT, {**INT, "maximum": 100}, "max-removed", "error", "info"),
    "max-became-exclusive": ({**INT, "maximum": 10}, {**INT, "maximum": 10, "exclusiveMaximum": True},
                             "max-became-inclusive", "error", "info"),
    "min-increased": ({**INT, "minimum": 0}, {**INT, "minimum": 1}, "min-decreased", "error", "info"),
    "min-added": (INT, {**INT, "minimum": 0}, "min-removed", "error", "info"),
    "min-became-exclusive": ({**INT, "minimum": 0}, {**INT, "exclusiveMinimum": 0}, "min-became-inclusive",
                             "error", "info"),
    "multiple-of-added": (INT, {**INT, "multipleOf": 5}, "multiple-of-removed", "error", "info"),
    "multiple-of-narrowed": ({**INT, "multipleOf": 5}, {**INT, "multipleOf": 10}, "multiple-of-widened", "error", "info"),
    "multiple-of-changed": ({**INT, "multipleOf": 3}, {**INT, "multipleOf": 5}, "multiple-of-changed", "error", "error"),
    "max-items-decreased": ({"type": "array", "items": S, "maxItems": 100},
                            {"type": "array", "items": S, "maxItems": 10}, "max-items-increased", "error", "info"),
    "max-items-added": ({"type": "array", "items": S}, {"type": "array", "items": S, "maxItems": 10},
                        "max-items-removed", "error", "info"),
    "min-items-increased": ({"type": "array", "items": S, "minItems": 0},
                            {"type": "array", "items": S, "minItems": 1}, "min-items-decreased", "error", "info"),
    "min-items-added": ({"type": "array", "items": S}, {"type": "array", "items": S, "minItems": 1},
                        "min-items-removed", "error", "info"),
    "unique-items-added": ({"type": "array", "items": S}, {"type": "array", "items": S, "uniqueItems": True},
                           "unique-items-removed", "error", "info"),
    "max-properties-decreased": ({"type": "object", "maxProperties": 10}, {"type": "object", "maxProperties": 5},
                                 "max-properties-increased", "error", "info"),
    "max-properties-added": ({"type": "object"}, {"type": "object", "maxProperties": 5}, "max-properties-removed",
                             "error", "info"),
    "min-properties-increased": ({"type": "object", "minProperties": 0}, {"type": "object", "minProperties": 1},
                                 "min-properties-decreased", "error", "info"),
    "min-properties-added": ({"type": "object"}, {"type": "object", "minProperties": 1}, "min-properties-removed",
                             "error", "info"),
    "pattern-added": (S, {**S, "pattern": "^[a-z]+$"}, "pattern-removed", "error", "info"),
    "pattern-changed": ({**S, "pattern": "^[a-z]+$"}, {**S, "pattern": "^[a-z0-9]+$"}, "pattern-changed",
                        "warning", "warning"),
    "one-of-removed": ({"oneOf": [CAT, DOG]}, {"oneOf": [DOG]}, "one-of-added", "error", "info"),
    "any-of-removed": ({"anyOf": [CAT, DOG]}, {"anyOf": [CAT]}, "any-of-added", "error", "info"),
    "discriminator-property-changed": ({"oneOf": [CAT, DOG], "discriminator": {"propertyName": "kind"}},
                                       {"oneOf": [CAT, DOG], "discriminator": {"propertyName": "type"}},
                                       "discriminator-property-changed", "error", "error"),
    "discriminator-added": ({"oneOf": [CAT, DOG]}, {"oneOf": [CAT, DOG], "discriminator": {"propertyName": "kind"}},
                            "discriminator-removed", "warning", "warning"),
    "discriminator-mapping-removed": (
        {"oneOf": [CAT, DOG], "discriminator": {"propertyName": "kind", "mapping": {
            "cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}},
        {"oneOf": [CAT, DOG], "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}},
        "discriminator-mapping-added", "error", "info"),
    "discriminator-mapping-changed": (
        {"oneOf": [CAT, HOUND], "discriminator": {"propertyName": "kind", "mapping": {"dog": "#/components/schemas/Dog"}}},
        {"oneOf": [CAT, HOUND], "discriminator": {"propertyName": "kind",
                                                  "mapping": {"dog": "#/components/schemas/Hound"}}},
        "discriminator-mapping-changed", "error", "error"),
    "default-changed": ({**INT, "default": 10}, {**INT, "default": 20}, "default-changed", "warning", "info"),
}


def _doc(place: str, schema: dict[str, Any]) -> dict[str, Any]:
    animal = {"type": "object", "properties": {"kind": S, "name": S}}
    op: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
    if place == "request-property":
        op["requestBody"] = {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"field": schema}}}}}
    elif place == "request-parameter":
        op["parameters"] = [{"name": "q", "in": "query", "schema": schema}]
    elif place == "response-property":
        op["responses"]["200"]["content"] = {"application/json": {"schema": {
            "type": "object", "properties": {"field": schema}}}}
    else:
        op["responses"]["200"]["headers"] = {"X-Value": {"schema": schema}}
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/things": {"post": op}},
            "components": {"schemas": {"Cat": animal, "Dog": copy.deepcopy(animal), "Hound": {
                "type": "object", "properties": {"kind": S, "bark": S}}}}}


WHERE = {"request-property": "request body application/json: field", "request-parameter": "query parameter q",
         "response-property": "response 200 application/json: field", "response-header": "response 200 header X-Value"}


def _found(before: dict[str, Any], after: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(c.id, c.level, c.location) for c in diff_contracts(before, after)}


@pytest.mark.parametrize("place", [p for p, _, _ in PLACES])
@pytest.mark.parametrize("suffix", sorted(CASES))
def test_schema_change_in_both_directions(place: str, suffix: str) -> None:
    before, after, reverse, send_level, read_level = CASES[suffix]
    sends = place.startswith("request")
    level = send_level if sends else read_level
    a, b = _doc(place, before), _doc(place, after)
    assert _found(a, b) == {(f"{place}-{suffix}", level, WHERE[place])}
    reverse_level = RULES[f"{place}-{reverse}"].level
    assert _found(b, a) == {(f"{place}-{reverse}", reverse_level, WHERE[place])}
    # the breaking direction and the safe one are never both errors unless the change breaks both ways
    if send_level != "error" or read_level != "error":
        assert {level, reverse_level} != {"error"} or suffix.endswith("changed")


def test_every_schema_rule_is_exercised() -> None:
    exercised = set()
    for suffix, (_, _, reverse, _, _) in CASES.items():
        for place, _, _ in PLACES:
            exercised |= {f"{place}-{suffix}", f"{place}-{reverse}"}
    schema_rule_ids = {r.id for r in RULES.values() if r.group in {p for p, _, _ in PLACES}}
    assert schema_rule_ids - exercised == set()


def test_openapi_31_exclusive_bounds_and_null_type() -> None:
    def doc31(schema: dict[str, Any], place: str = "request-parameter") -> dict[str, Any]:
        spec = _doc(place, schema)
        spec["openapi"] = "3.1.0"
        return spec

    assert _found(doc31({**INT, "maximum": 10}), doc31({**INT, "exclusiveMaximum": 10})) == {
        ("request-parameter-max-became-exclusive", "error", "query parameter q")}
    assert _found(doc31({**INT, "exclusiveMaximum": 10}), doc31({**INT, "exclusiveMaximum": 5})) == {
        ("request-parameter-max-decreased", "error", "query parameter q")}
    # 3.0's nullable and 3.1's null type say the same: no change
    assert _found(_doc("response-property", {**S, "nullable": True}), doc31({"type": ["string", "null"]}, "response-property")) == set()


def test_nested_items_and_properties_report_their_location() -> None:
    before = {"type": "array", "items": {"type": "object", "properties": {"code": {**S, "maxLength": 8}}}}
    after = {"type": "array", "items": {"type": "object", "properties": {"code": {**S, "maxLength": 4}}}}
    assert _found(_doc("request-property", before), _doc("request-property", after)) == {
        ("request-property-max-length-decreased", "error", "request body application/json: field[].code")}
    # inside a parameter's schema, properties are request properties
    assert _found(_doc("request-parameter", before), _doc("request-parameter", after)) == {
        ("request-property-max-length-decreased", "error", "query parameter q: [].code")}

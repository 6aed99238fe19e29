"""Comparing two schemas in one direction: what a client sends, or what it reads.

A schema is first read into a ``View`` — references followed, ``allOf`` conjuncts merged (properties
united, ``required`` united, the strictest bound kept), OpenAPI 3.0's ``nullable`` and Swagger's
``x-nullable`` read as 3.1's ``null`` type, 3.0's boolean ``exclusiveMaximum`` as 3.1's number — then two
views are compared keyword by keyword. Which change breaks depends on the direction: a request schema
that accepts less breaks senders, a response schema that allows more breaks readers (see
``catalogue.py``). Properties are compared by name, ``oneOf``/``anyOf`` alternatives by the schema
they reference (or their title or content), enum values as sets: reordering anything reports nothing.

Each comparison of two referenced schemas is remembered (by the URIs of both and the place), so a
component used by 2,000 operations is compared once, and a recursive schema stops where it repeats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import urljoin

from phasegate.app.analyzers.contract.model import SchemaRef
from phasegate.app.analyzers.contract.refs import Refs

_MISSING = object()
_MAX_DEPTH = 48
# (keyword, rule stem, True for an upper bound)
_COUNT_BOUNDS = (("maxLength", "max-length", True), ("minLength", "min-length", False),
                 ("maxItems", "max-items", True), ("minItems", "min-items", False),
                 ("maxProperties", "max-properties", True), ("minProperties", "min-properties", False))

Raw = tuple[str, str, Any, Any]  # (rule id, location relative to the compared schema, before, after)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class View:
    key: str | None = None  # the URI of the referenced schema, when the schema is one reference
    empty: bool = True  # no keyword at all: anything goes
    never: bool = False  # the boolean schema ``false``
    types: frozenset[str] | None = None  # without "null"
    nullable: bool = False
    format: str | None = None
    enum: dict[str, Any] | None = None  # canonical JSON -> value
    counts: dict[str, float] = field(default_factory=dict)
    maximum: tuple[float, bool] | None = None  # (value, exclusive)
    minimum: tuple[float, bool] | None = None
    multiple_of: float | None = None
    unique: bool = False
    pattern: str | None = None
    properties: dict[str, list[SchemaRef]] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: list[SchemaRef] = field(default_factory=list)
    one_of: list[SchemaRef] | None = None
    any_of: list[SchemaRef] | None = None
    discriminator: tuple[str, dict[str, str]] | None = None
    read_only: bool = False
    write_only: bool = False
    default: Any = _MISSING


def _meet_types(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None or b is None:
        return a if b is None else b
    out = set(a & b)
    if "integer" in a and "number" in b or "integer" in b and "number" in a:
        out.add("integer")
    return frozenset(out)


class SchemaComparer:
    """Compares schemas of spec A (before) with schemas of spec B (after)."""

    def __init__(self, refs_a: Refs, refs_b: Refs) -> None:
        self._refs = {"a": refs_a, "b": refs_b}
        self._views: dict[tuple[str, tuple[int | str, ...]], View] = {}
        self._memo: dict[tuple[str, str, str], list[Raw]] = {}
        self._open: set[tuple[str, str, str]] = set()
        self._ref_free: dict[int, bool] = {}

    # -- reading ------------------------------------------------------------------------------------

    def view(self, side: str, schemas: list[SchemaRef]) -> View:
        # a reference is known by the URI it points to, anything else by the node itself (the documents
        # stay alive while they are compared, so ids are stable)
        cache_key = (side, tuple(
            urljoin(s.ctx[1], s.node["$ref"]) if isinstance(s.node, dict) and isinstance(s.node.get("$ref"), str)
            else id(s.node) for s in schemas))
        found = self._views.get(cache_key)
        if found is None:
            found = self._views[cache_key] = self._build(side, schemas)
        return found

    def _conjuncts(self, side: str, schemas: list[SchemaRef]) -> tuple[list[tuple[dict[str, Any], Any]], str | None]:
        refs = self._refs[side]
        out: list[tuple[dict[str, Any], Any]] = []
        key: str | None = None
        seen: set[str] = set()
        todo = list(reversed(schemas))
        while todo:
            sr = todo.pop()
            node, ctx, uri = refs.deref(sr.node, sr.ctx)
            if len(schemas) == 1 and not out and key is None:
                key = uri
            if uri is not None:
                if uri in seen:
                    continue
                seen.add(uri)
            if node is True or node is None:
                node = {}
            if node is False:
                out.append(({"not": {}}, ctx))
                continue
            if not isinstance(node, dict):
                continue
            all_of = node.get("allOf")
            if isinstance(all_of, list) and len(seen) < _MAX_DEPTH:
                todo.extend(SchemaRef(part, ctx) for part in reversed(all_of))
                node = {k: v for k, v in node.items() if k != "allOf"}
            out.append((node, ctx))
        return out, key

    def _build(self, side: str, schemas: list[SchemaRef]) -> View:
        conjuncts, key = self._conjuncts(side, schemas)
        v = View(key=key)
        typed_nullable: list[bool] = []
        for node, ctx in conjuncts:
            if node.get("not") == {} and len(node) == 1:
                v.never = True
            if node:
                v.empty = False
            raw_type = node.get("type")
            if raw_type is not None:
                listed = raw_type if isinstance(raw_type, list) else [raw_type]
                names = frozenset(str(t) for t in listed)
                typed_nullable.append("null" in names or bool(node.get("nullable")) or bool(node.get("x-nullable")))
                v.types = _meet_types(v.types, names - {"null"})
            elif node.get("nullable") or node.get("x-nullable"):
                typed_nullable.append(True)
            if v.format is None and isinstance(node.get("format"), str):
                v.format = node["format"]
            if isinstance(node.get("enum"), list):
                values = {_canon(x): x for x in node["enum"]}
                v.enum = values if v.enum is None else {k: x for k, x in v.enum.items() if k in values}
            for keyword, _, upper in _COUNT_BOUNDS:
                n = _number(node.get(keyword))
                if n is not None:
                    old = v.counts.get(keyword)
                    v.counts[keyword] = n if old is None else (min(old, n) if upper else max(old, n))
            v.maximum = _tighter(v.maximum, _bound(node, "maximum", "exclusiveMaximum"), upper=True)
            v.minimum = _tighter(v.minimum, _bound(node, "minimum", "exclusiveMinimum"), upper=False)
            if v.multiple_of is None:
                v.multiple_of = _number(node.get("multipleOf"))
            v.unique = v.unique or node.get("uniqueItems") is True
            if v.pattern is None and isinstance(node.get("pattern"), str):
                v.pattern = node["pattern"]
            props = node.get("properties")
            if isinstance(props, dict):
                for name, sub in props.items():
                    v.properties.setdefault(str(name), []).append(SchemaRef(sub, ctx))
            if isinstance(node.get("required"), list):
                v.required = v.required | frozenset(str(r) for r in node["required"])
            if node.get("items") is not None and not isinstance(node.get("items"), list):
                v.items.append(SchemaRef(node["items"], ctx))
            for keyword in ("oneOf", "anyOf"):
                alts = node.get(keyword)
                attr = "one_of" if keyword == "oneOf" else "any_of"
                if isinstance(alts, list) and getattr(v, attr) is None:
                    setattr(v, attr, [SchemaRef(a, ctx) for a in alts])
            disc = node.get("discriminator")
            if v.discriminator is None and isinstance(disc, dict | str):
                name = disc if isinstance(disc, str) else str(disc.get("propertyName", ""))
                mapping = disc.get("mapping") if isinstance(disc, dict) else None
                v.discriminator = (name, {str(k): str(x) for k, x in (mapping or {}).items()})
            v.read_only = v.read_only or node.get("readOnly") is True
            v.write_only = v.write_only or node.get("writeOnly") is True
            if v.default is _MISSING and "default" in node:
                v.default = node["default"]
        v.nullable = bool(typed_nullable) and all(typed_nullable)
        if v.types is None and v.properties:
            v.types = frozenset({"object"})
        elif v.types is None and v.items:
            v.types = frozenset({"array"})
        return v

    # -- comparing ----------------------------------------------------------------------------------

    def _same(self, a: list[SchemaRef], b: list[SchemaRef]) -> bool:
        """Both sides are one identical schema without references: nothing can differ below (C-speed ``==``)."""
        if len(a) != 1 or len(b) != 1:
            return False
        na, _, _ = self._refs["a"].deref(a[0].node, a[0].ctx)
        nb, _, _ = self._refs["b"].deref(b[0].node, b[0].ctx)
        if na is not nb and na != nb:
            return False
        free = self._ref_free.get(id(na))
        if free is None:
            free = self._ref_free[id(na)] = '"$ref"' not in json.dumps(na, default=str)
        return free

    def compare(self, a: list[SchemaRef], b: list[SchemaRef], place: str, depth: int = 0) -> list[Raw]:
        if self._same(a, b):
            return []
        va, vb = self.view("a", a), self.view("b", b)
        memo_key = (va.key, vb.key, place) if va.key and vb.key else None
        if memo_key is not None:
            done = self._memo.get(memo_key)  # type: ignore[arg-type]
            if done is not None:
                return done
            if memo_key in self._open or depth > _MAX_DEPTH:
                return []  # a recursive schema: the repeated part is being compared further up
            self._open.add(memo_key)  # type: ignore[arg-type]
        elif depth > _MAX_DEPTH:
            return []
        try:
            out = self._compare_views(va, vb, a, b, place, depth)
        finally:
            if memo_key is not None:
                self._open.discard(memo_key)  # type: ignore[arg-type]
        if memo_key is not None:
            self._memo[memo_key] = out  # type: ignore[index]
        return out

    def _compare_views(self, va: View, vb: View, a: list[SchemaRef], b: list[SchemaRef], place: str,
                       depth: int) -> list[Raw]:
        out: list[Raw] = []
        sends = place.startswith("request")

        def add(suffix: str, where: str, before: Any, after: Any, at: str = place) -> None:
            out.append((f"{at}-{suffix}", where, before, after))

        # alternatives first: a schema that became a union (or stopped being one) is compared through them
        for attr, stem in (("one_of", "one-of"), ("any_of", "any-of")):
            alts_a, alts_b = getattr(va, attr), getattr(vb, attr)
            if alts_a is None and alts_b is None:
                continue
            if alts_a is None:
                alts_a = a if len(a) == 1 and va.one_of is None and va.any_of is None else []
            if alts_b is None:
                alts_b = b if len(b) == 1 and vb.one_of is None and vb.any_of is None else []
            out.extend(self._compare_alternatives(alts_a, alts_b, place, stem, depth))
            if getattr(va, attr) is None or getattr(vb, attr) is None:
                return out  # one side is the union, the other one of its alternatives: compared above
        if va.never or vb.never or va.empty and vb.empty:
            return out
        ta, tb = va.types, vb.types
        if ta != tb and ta is not None and tb is not None:
            if _covers(tb, ta):
                add("type-widened", "", sorted(ta), sorted(tb))
            elif _covers(ta, tb):
                add("type-narrowed", "", sorted(ta), sorted(tb))
            else:
                add("type-changed", "", sorted(ta), sorted(tb))
                return out  # the rest would compare keywords of unrelated types
        elif ta is None and tb is not None and not va.empty:
            add("type-narrowed", "", None, sorted(tb))
        elif tb is None and ta is not None and not vb.empty:
            add("type-widened", "", sorted(ta), None)
        if va.format != vb.format:
            if va.format is None:
                add("format-added", "", None, vb.format)
            elif vb.format is None:
                add("format-removed", "", va.format, None)
            else:
                add("format-changed", "", va.format, vb.format)
        if va.nullable != vb.nullable:
            add("became-nullable" if vb.nullable else "became-not-nullable", "", va.nullable, vb.nullable)
        if va.enum is not None or vb.enum is not None:
            if va.enum is None:
                add("became-enum", "", None, sorted(vb.enum.values(), key=_canon))  # type: ignore[union-attr]
            elif vb.enum is None:
                add("enum-removed", "", sorted(va.enum.values(), key=_canon), None)
            else:
                gone = [va.enum[k] for k in sorted(va.enum.keys() - vb.enum.keys())]
                new = [vb.enum[k] for k in sorted(vb.enum.keys() - va.enum.keys())]
                if gone:
                    add("enum-value-removed", "", gone, None)
                if new:
                    add("enum-value-added", "", None, new)
        for keyword, stem, upper in _COUNT_BOUNDS:
            x, y = va.counts.get(keyword), vb.counts.get(keyword)
            if x == y:
                continue
            if x is None:
                add(f"{stem}-added", "", None, _show(y))
            elif y is None:
                add(f"{stem}-removed", "", _show(x), None)
            elif (y < x) == upper:
                add(f"{stem}-{'decreased' if upper else 'increased'}", "", _show(x), _show(y))
            else:
                add(f"{stem}-{'increased' if upper else 'decreased'}", "", _show(x), _show(y))
        for stem, ba, bb, upper in (("max", va.maximum, vb.maximum, True), ("min", va.minimum, vb.minimum, False)):
            if ba == bb:
                continue
            if ba is None:
                add(f"{stem}-added", "", None, _show_bound(bb, upper))
            elif bb is None:
                add(f"{stem}-removed", "", _show_bound(ba, upper), None)
            elif ba[0] == bb[0]:
                add(f"{stem}-became-{'exclusive' if bb[1] else 'inclusive'}", "", _show_bound(ba, upper), _show_bound(bb, upper))
            elif (bb[0] < ba[0]) == upper:
                add(f"{stem}-{'decreased' if upper else 'increased'}", "", _show_bound(ba, upper), _show_bound(bb, upper))
            else:
                add(f"{stem}-{'increased' if upper else 'decreased'}", "", _show_bound(ba, upper), _show_bound(bb, upper))
        if va.multiple_of != vb.multiple_of:
            ma, mb = va.multiple_of, vb.multiple_of
            if ma is None:
                add("multiple-of-added", "", None, _show(mb))
            elif mb is None:
                add("multiple-of-removed", "", _show(ma), None)
            else:
                fa, fb = Fraction(str(ma)), Fraction(str(mb))
                if fa and (fb / fa).denominator == 1:
                    add("multiple-of-narrowed", "", _show(ma), _show(mb))
                elif fb and (fa / fb).denominator == 1:
                    add("multiple-of-widened", "", _show(ma), _show(mb))
                else:
                    add("multiple-of-changed", "", _show(ma), _show(mb))
        if va.unique != vb.unique:
            add("unique-items-added" if vb.unique else "unique-items-removed", "", va.unique, vb.unique)
        if va.pattern != vb.pattern:
            suffix = ("pattern-added" if va.pattern is None else "pattern-removed" if vb.pattern is None
                      else "pattern-changed")
            add(suffix, "", va.pattern, vb.pattern)
        if va.discriminator != vb.discriminator:
            self._compare_discriminator(va.discriminator, vb.discriminator, add)
        if va.default is not _MISSING or vb.default is not _MISSING:
            before = None if va.default is _MISSING else va.default
            after = None if vb.default is _MISSING else vb.default
            if va.default is _MISSING or vb.default is _MISSING or _canon(before) != _canon(after):
                add("default-changed", "", before, after)
        if va.items and vb.items:
            for rule_id, where, before, after in self.compare(va.items, vb.items, place, depth + 1):
                out.append((rule_id, "[]" + where, before, after))
        if va.properties or vb.properties:
            out.extend(self._compare_properties(va, vb, sends, depth))
        return out

    def _compare_properties(self, va: View, vb: View, sends: bool, depth: int) -> list[Raw]:
        out: list[Raw] = []
        at = "request-property" if sends else "response-property"

        def add(rule_id: str, name: str, before: Any, after: Any) -> None:
            out.append((rule_id, "." + name, before, after))

        for name in sorted(va.properties.keys() | vb.properties.keys()):
            pa, pb = va.properties.get(name), vb.properties.get(name)
            a_req, b_req = name in va.required, name in vb.required
            if pa and pb and a_req == b_req and self._same(pa, pb):
                continue
            a_view = self.view("a", pa) if pa else None
            b_view = self.view("b", pb) if pb else None
            # a readOnly property is never sent, a writeOnly one never read: invisible in that direction
            a_hidden = a_view is not None and (a_view.read_only if sends else a_view.write_only)
            b_hidden = b_view is not None and (b_view.read_only if sends else b_view.write_only)
            if pb is None:
                if not a_hidden:
                    add(f"{at}-removed" if sends else
                        ("response-required-property-removed" if a_req else "response-optional-property-removed"),
                        name, "required" if a_req else "optional", None)
                continue
            if pa is None:
                if not b_hidden:
                    add(f"{at}-added-required" if sends and b_req else f"{at}-added", name, None,
                        "required" if b_req else "optional")
                continue
            if a_hidden and b_hidden:
                continue
            if b_hidden:
                if sends:
                    add("request-property-became-read-only", name, False, True)
                else:
                    add("response-required-property-became-write-only" if a_req
                        else "response-optional-property-became-write-only", name, False, True)
                continue
            if a_hidden:
                if sends and b_req:
                    add("request-property-became-required", name, "readOnly", "required")
                else:
                    add("request-property-read-only-removed" if sends else "response-property-write-only-removed",
                        name, True, False)
                continue
            if a_req != b_req:
                add(f"{at}-became-{'required' if b_req else 'optional'}", name, a_req, b_req)
            for rule_id, where, before, after in self.compare(pa, pb, at, depth + 1):
                out.append((rule_id, "." + name + where, before, after))
        return out

    def _alt_key(self, side: str, sr: SchemaRef) -> str:
        node = sr.node
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            return "ref:" + node["$ref"].rsplit("/", 1)[-1]
        if isinstance(node, dict) and isinstance(node.get("title"), str):
            return "title:" + node["title"]
        return "schema:" + _canon(_sorted_sets(node))

    def _compare_alternatives(self, alts_a: list[SchemaRef], alts_b: list[SchemaRef], place: str, stem: str,
                              depth: int) -> list[Raw]:
        out: list[Raw] = []
        by_a = {self._alt_key("a", s): s for s in alts_a}
        by_b = {self._alt_key("b", s): s for s in alts_b}
        gone = sorted(by_a.keys() - by_b.keys())
        new = sorted(by_b.keys() - by_a.keys())
        pairs = [(k, by_a[k], by_b[k]) for k in sorted(by_a.keys() & by_b.keys())]
        if len(gone) == 1 and len(new) == 1:  # one alternative edited in place
            pairs.append((gone[0], by_a[gone[0]], by_b[new[0]]))
            gone, new = [], []
        for key in gone:
            out.append((f"{place}-{stem}-removed", "", _alt_name(key), None))
        for key in new:
            out.append((f"{place}-{stem}-added", "", None, _alt_name(key)))
        for key, sa, sb in pairs:
            for rule_id, where, before, after in self.compare([sa], [sb], place, depth + 1):
                out.append((rule_id, f"<{stem} {_alt_name(key)}>" + where, before, after))
        return out

    @staticmethod
    def _compare_discriminator(da: tuple[str, dict[str, str]] | None, db: tuple[str, dict[str, str]] | None,
                               add: Any) -> None:
        if da is None:
            add("discriminator-added", "", None, db[0] if db else None)
            return
        if db is None:
            add("discriminator-removed", "", da[0], None)
            return
        if da[0] != db[0]:
            add("discriminator-property-changed", "", da[0], db[0])
            return
        for value in sorted(da[1].keys() - db[1].keys()):
            add("discriminator-mapping-removed", "", value, None)
        for value in sorted(db[1].keys() - da[1].keys()):
            add("discriminator-mapping-added", "", None, value)
        for value in sorted(da[1].keys() & db[1].keys()):
            if da[1][value].rsplit("/", 1)[-1] != db[1][value].rsplit("/", 1)[-1]:
                add("discriminator-mapping-changed", "", f"{value}: {da[1][value]}", f"{value}: {db[1][value]}")


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _bound(node: dict[str, Any], inclusive_key: str, exclusive_key: str) -> tuple[float, bool] | None:
    value = _number(node.get(inclusive_key))
    flag = node.get(exclusive_key)
    if isinstance(flag, bool):  # OpenAPI 3.0 / Swagger: a flag on the inclusive bound
        return (value, flag) if value is not None else None
    excl = _number(flag)  # OpenAPI 3.1: the exclusive bound is a number of its own
    if excl is not None and (value is None or (excl <= value if inclusive_key == "maximum" else excl >= value)):
        return (excl, True)
    return (value, False) if value is not None else None


def _tighter(a: tuple[float, bool] | None, b: tuple[float, bool] | None, upper: bool) -> tuple[float, bool] | None:
    if a is None or b is None:
        return a if b is None else b
    if a[0] == b[0]:
        return (a[0], a[1] or b[1])
    return (min(a, b) if upper else max(a, b))


def _show(value: float | None) -> Any:
    return int(value) if value is not None and float(value).is_integer() else value


def _show_bound(bound: tuple[float, bool] | None, upper: bool) -> Any:
    if bound is None:
        return None
    return f"{'<' if upper else '>'}{'' if bound[1] else '='} {_show(bound[0])}"


def _sorted_sets(node: Any) -> Any:
    """A schema with its set-like lists sorted, so that reordering them does not change its identity."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in ("required", "enum", "type") and isinstance(v, list):
                out[k] = sorted(map(_canon, v))
            elif k in ("oneOf", "anyOf", "allOf") and isinstance(v, list):
                out[k] = sorted(_canon(_sorted_sets(x)) for x in v)
            else:
                out[k] = _sorted_sets(v)
        return out
    if isinstance(node, list):
        return [_sorted_sets(x) for x in node]
    return node


def _alt_name(key: str) -> str:
    kind, _, rest = key.partition(":")
    return rest if kind in ("ref", "title") else rest[:60]

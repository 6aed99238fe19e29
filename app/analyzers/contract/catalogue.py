"""The catalogue of contract changes: every rule's stable id, level, meaning and an example, as data.

``python -m phasegate.app.analyzers.contract.catalogue`` prints the table of docs/contract-checks.md;
``tests/services/analyzers/test_contract_catalogue.py`` fails when the doc differs from it, so the doc cannot
drift from the rules.

Levels: **error** breaks clients (blocks a phase approval without a version bump), **warning** may break
some clients (shown, never blocks), **info** is safe but worth knowing.

Schema rules exist once per *place* of a schema: what a client sends (``request-property``,
``request-parameter``) and what it reads (``response-property``, ``response-header``). A change that makes
a schema accept fewer values (*tightens*) breaks a client that sends; one that makes it accept more
(*loosens*) breaks a client that reads, which may meet values it never had to handle.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]
LEVELS: tuple[Level, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    group: str  # the section of the docs table
    explanation: str  # one line: what happened and why it matters to a client
    example: str  # before → after


# -- schema rules, generated per place ---------------------------------------------------------------

# Where a schema sits: (place prefix, what it is called in prose, True when clients send it).
PLACES: tuple[tuple[str, str, bool], ...] = (
    ("request-property", "a request body schema or one of its properties", True),
    ("request-parameter", "a parameter's schema", True),
    ("response-property", "a response body schema or one of its properties", False),
    ("response-header", "a response header's schema", False),
)

# (suffix, effect, explanation, example). effect: "tightens" (fewer values valid), "loosens" (more
# values valid), "changes" (neither contains the other: breaks both ways), "unclear" (cannot be told
# from the spec: a warning both ways), "request-warning" (matters only to senders, and only maybe).
SCHEMA_CHANGES: tuple[tuple[str, str, str, str], ...] = (
    ("type-changed", "changes", "the type changed to one that does not contain the old one", "integer → string"),
    ("type-widened", "loosens", "the type now allows more (a type added, integer → number)", "integer → number"),
    ("type-narrowed", "tightens", "the type now allows less (a type dropped, number → integer)",
     "[string, integer] → string"),
    ("format-changed", "changes", "the format changed", "date → date-time"),
    ("format-added", "tightens", "a format was set where there was none", "string → string(uuid)"),
    ("format-removed", "loosens", "the format was dropped", "string(uuid) → string"),
    ("became-nullable", "loosens", "null is now allowed", "nullable: false → true"),
    ("became-not-nullable", "tightens", "null is no longer allowed", "type: [string, 'null'] → string"),
    ("enum-value-removed", "tightens", "an enum value was removed", "[a, b, c] → [a, b]"),
    ("enum-value-added", "loosens", "an enum value was added", "[a, b] → [a, b, c]"),
    ("became-enum", "tightens", "an enum now restricts the values", "string → enum [a, b]"),
    ("enum-removed", "loosens", "the enum was dropped: any value of the type is allowed", "enum [a, b] → string"),
    ("max-length-decreased", "tightens", "maxLength is smaller", "maxLength 50 → 20"),
    ("max-length-increased", "loosens", "maxLength is larger", "maxLength 20 → 50"),
    ("max-length-added", "tightens", "maxLength was set where there was none", "— → maxLength 20"),
    ("max-length-removed", "loosens", "maxLength was dropped", "maxLength 20 → —"),
    ("min-length-increased", "tightens", "minLength is larger", "minLength 1 → 3"),
    ("min-length-decreased", "loosens", "minLength is smaller", "minLength 3 → 1"),
    ("min-length-added", "tightens", "minLength was set where there was none", "— → minLength 3"),
    ("min-length-removed", "loosens", "minLength was dropped", "minLength 3 → —"),
    ("max-decreased", "tightens", "the maximum is smaller", "maximum 100 → 10"),
    ("max-increased", "loosens", "the maximum is larger", "maximum 10 → 100"),
    ("max-added", "tightens", "a maximum was set where there was none", "— → maximum 100"),
    ("max-removed", "loosens", "the maximum was dropped", "maximum 100 → —"),
    ("max-became-exclusive", "tightens", "the maximum itself is no longer allowed", "maximum 10 → exclusiveMaximum 10"),
    ("max-became-inclusive", "loosens", "the maximum itself is now allowed", "exclusiveMaximum 10 → maximum 10"),
    ("min-increased", "tightens", "the minimum is larger", "minimum 0 → 1"),
    ("min-decreased", "loosens", "the minimum is smaller", "minimum 1 → 0"),
    ("min-added", "tightens", "a minimum was set where there was none", "— → minimum 0"),
    ("min-removed", "loosens", "the minimum was dropped", "minimum 0 → —"),
    ("min-became-exclusive", "tightens", "the minimum itself is no longer allowed", "minimum 0 → exclusiveMinimum 0"),
    ("min-became-inclusive", "loosens", "the minimum itself is now allowed", "exclusiveMinimum 0 → minimum 0"),
    ("multiple-of-added", "tightens", "multipleOf was set where there was none", "— → multipleOf 5"),
    ("multiple-of-removed", "loosens", "multipleOf was dropped", "multipleOf 5 → —"),
    ("multiple-of-narrowed", "tightens", "multipleOf is a multiple of the old one", "multipleOf 5 → 10"),
    ("multiple-of-widened", "loosens", "multipleOf divides the old one", "multipleOf 10 → 5"),
    ("multiple-of-changed", "changes", "multipleOf changed to an unrelated step", "multipleOf 3 → 5"),
    ("max-items-decreased", "tightens", "maxItems is smaller", "maxItems 100 → 10"),
    ("max-items-increased", "loosens", "maxItems is larger", "maxItems 10 → 100"),
    ("max-items-added", "tightens", "maxItems was set where there was none", "— → maxItems 10"),
    ("max-items-removed", "loosens", "maxItems was dropped", "maxItems 10 → —"),
    ("min-items-increased", "tightens", "minItems is larger", "minItems 0 → 1"),
    ("min-items-decreased", "loosens", "minItems is smaller", "minItems 1 → 0"),
    ("min-items-added", "tightens", "minItems was set where there was none", "— → minItems 1"),
    ("min-items-removed", "loosens", "minItems was dropped", "minItems 1 → —"),
    ("unique-items-added", "tightens", "array items must now be unique", "uniqueItems false → true"),
    ("unique-items-removed", "loosens", "array items may now repeat", "uniqueItems true → false"),
    ("max-properties-decreased", "tightens", "maxProperties is smaller", "maxProperties 10 → 5"),
    ("max-properties-increased", "loosens", "maxProperties is larger", "maxProperties 5 → 10"),
    ("max-properties-added", "tightens", "maxProperties was set where there was none", "— → maxProperties 5"),
    ("max-properties-removed", "loosens", "maxProperties was dropped", "maxProperties 5 → —"),
    ("min-properties-increased", "tightens", "minProperties is larger", "minProperties 0 → 1"),
    ("min-properties-decreased", "loosens", "minProperties is smaller", "minProperties 1 → 0"),
    ("min-properties-added", "tightens", "minProperties was set where there was none", "— → minProperties 1"),
    ("min-properties-removed", "loosens", "minProperties was dropped", "minProperties 1 → —"),
    ("pattern-added", "tightens", "a pattern was set where there was none", "— → pattern ^[a-z]+$"),
    ("pattern-removed", "loosens", "the pattern was dropped", "pattern ^[a-z]+$ → —"),
    ("pattern-changed", "unclear", "the pattern changed; whether it accepts less cannot be told",
     "^[a-z]+$ → ^[a-z0-9]+$"),
    ("one-of-removed", "tightens", "a oneOf alternative was removed", "oneOf [Cat, Dog] → [Cat]"),
    ("one-of-added", "loosens", "a oneOf alternative was added", "oneOf [Cat] → [Cat, Dog]"),
    ("any-of-removed", "tightens", "an anyOf alternative was removed", "anyOf [Cat, Dog] → [Cat]"),
    ("any-of-added", "loosens", "an anyOf alternative was added", "anyOf [Cat] → [Cat, Dog]"),
    ("discriminator-property-changed", "changes", "the discriminator names another property",
     "propertyName kind → type"),
    ("discriminator-added", "unclear", "a discriminator was set where there was none", "— → propertyName kind"),
    ("discriminator-removed", "unclear", "the discriminator was dropped", "propertyName kind → —"),
    ("discriminator-mapping-removed", "tightens", "a discriminator mapping value was removed",
     "mapping {cat, dog} → {cat}"),
    ("discriminator-mapping-added", "loosens", "a discriminator mapping value was added", "mapping {cat} → {cat, dog}"),
    ("discriminator-mapping-changed", "changes", "a discriminator value now maps to another schema",
     "dog: Dog → Hound"),
    ("default-changed", "request-warning", "the default changed: a client that omits the value gets other behaviour",
     "default 10 → 20"),
)


def _schema_level(effect: str, sends: bool) -> Level:
    if effect == "changes":
        return "error"
    if effect == "unclear":
        return "warning"
    if effect == "request-warning":
        return "warning" if sends else "info"
    breaks = (effect == "tightens") if sends else (effect == "loosens")
    return "error" if breaks else "info"


def _schema_rules() -> list[Rule]:
    out = []
    for place, prose, sends in PLACES:
        for suffix, effect, explanation, example in SCHEMA_CHANGES:
            level = _schema_level(effect, sends)
            why = {"error": "breaks clients that " + ("send it" if sends else "read it"),
                   "warning": "may break some clients", "info": "safe for clients that "
                   + ("send it" if sends else "read it")}[level]
            out.append(Rule(f"{place}-{suffix}", level, place, f"In {prose}, {explanation}: {why}.", example))
    return out


# -- the other rules ---------------------------------------------------------------------------------

_OTHER: tuple[tuple[str, Level, str, str, str], ...] = (
    # endpoints
    ("path-removed", "error", "endpoints", "A path and every operation on it were removed: its clients get 404.",
     "/pets/{id} → —"),
    ("path-added", "info", "endpoints", "A path was added.", "— → /owners"),
    ("operation-removed", "error", "endpoints", "An operation was removed from a path that stays.",
     "DELETE /pets/{id} → —"),
    ("operation-added", "info", "endpoints", "An operation was added.", "— → PATCH /pets/{id}"),
    ("path-parameter-renamed", "info", "endpoints",
     "A path template parameter was renamed: the template matches the same requests.",
     "/pets/{petId} → /pets/{id}"),
    ("operation-id-changed", "warning", "endpoints",
     "The operationId changed: clients generated from the spec get another method name.",
     "getPet → fetchPet"),
    ("operation-deprecated", "info", "endpoints", "The operation is now deprecated.", "deprecated: false → true"),
    # parameters
    ("request-parameter-removed", "warning", "parameters",
     "A parameter was removed: servers that reject unknown parameters answer clients that still send it "
     "with 400; most ignore it (the policy: a warning, see below).", "?limit → —"),
    ("request-parameter-added-required", "error", "parameters",
     "A required parameter was added: requests without it are rejected.", "— → ?tenant (required)"),
    ("request-parameter-added", "info", "parameters", "An optional parameter was added.", "— → ?sort"),
    ("request-parameter-became-required", "error", "parameters",
     "An optional parameter became required: requests without it are rejected.", "?sort → ?sort (required)"),
    ("request-parameter-became-optional", "info", "parameters", "A required parameter became optional.",
     "?sort (required) → ?sort"),
    ("request-parameter-allow-empty-value-removed", "error", "parameters",
     "allowEmptyValue was turned off: clients that send the parameter empty are rejected.",
     "allowEmptyValue: true → false"),
    ("request-parameter-allow-empty-value-added", "info", "parameters",
     "allowEmptyValue was turned on: an empty value is now accepted.", "allowEmptyValue: false → true"),
    ("request-parameter-style-changed", "error", "parameters",
     "The parameter's serialization style changed: values serialized the old way are misread.",
     "style form → spaceDelimited"),
    ("request-parameter-explode-changed", "error", "parameters",
     "The parameter's explode changed: arrays and objects serialized the old way are misread.",
     "explode: true → false"),
    # request body
    ("request-body-added-required", "error", "request body",
     "A required request body was added: requests without one are rejected.", "— → requestBody (required)"),
    ("request-body-added", "info", "request body", "An optional request body was added.", "— → requestBody"),
    ("request-body-removed", "warning", "request body",
     "The request body was removed: clients that still send one may be rejected.", "requestBody → —"),
    ("request-body-became-required", "error", "request body",
     "The request body became required: requests without one are rejected.", "required: false → true"),
    ("request-body-became-optional", "info", "request body", "The request body became optional.",
     "required: true → false"),
    ("request-body-media-type-removed", "error", "request body",
     "A request media type was removed: clients that send it get 415.", "application/xml → —"),
    ("request-body-media-type-added", "info", "request body", "A request media type was added.",
     "— → application/xml"),
    ("request-body-schema-added", "error", "request body",
     "A request body schema was set where any body was accepted: bodies that do not match are rejected.",
     "application/json: {} → {schema: Pet}"),
    ("request-body-schema-removed", "info", "request body",
     "The request body schema was dropped: any body is accepted.", "{schema: Pet} → {}"),
    # request and response properties
    ("request-property-removed", "warning", "request properties",
     "A request property was removed: servers that reject unknown properties refuse clients that still send it.",
     "{name, nick} → {name}"),
    ("request-property-added-required", "error", "request properties",
     "A required request property was added: requests without it are rejected.", "— → phone (required)"),
    ("request-property-added", "info", "request properties", "An optional request property was added.",
     "— → phone"),
    ("request-property-became-required", "error", "request properties",
     "An optional request property became required: requests without it are rejected.",
     "phone → phone (required)"),
    ("request-property-became-optional", "info", "request properties",
     "A required request property became optional.", "phone (required) → phone"),
    ("request-property-became-read-only", "warning", "request properties",
     "A request property became readOnly: what clients send in it is ignored or refused.",
     "readOnly: false → true"),
    ("request-property-read-only-removed", "info", "request properties",
     "A readOnly property may now be sent in requests.", "readOnly: true → false"),
    ("response-required-property-removed", "error", "response properties",
     "A required response property was removed: clients that read it break.", "{id, name} → {id}"),
    ("response-optional-property-removed", "warning", "response properties",
     "An optional response property was removed: clients had to cope with its absence, but some read it.",
     "{id, nick?} → {id}"),
    ("response-property-added", "info", "response properties", "A response property was added.",
     "— → avatar"),
    ("response-property-became-optional", "error", "response properties",
     "A required response property became optional: clients that rely on it meet its absence.",
     "id (required) → id"),
    ("response-property-became-required", "info", "response properties",
     "An optional response property became required.", "nick → nick (required)"),
    ("response-required-property-became-write-only", "error", "response properties",
     "A required response property became writeOnly: responses no longer carry it.",
     "writeOnly: false → true"),
    ("response-optional-property-became-write-only", "warning", "response properties",
     "An optional response property became writeOnly: responses no longer carry it.",
     "writeOnly: false → true"),
    ("response-property-write-only-removed", "info", "response properties",
     "A writeOnly property now appears in responses.", "writeOnly: true → false"),
    # responses
    ("response-success-status-removed", "error", "responses",
     "A success status was removed: clients that expect it break.", "200 → —"),
    ("response-non-success-status-removed", "error", "responses",
     "An error status was removed: clients that handle it meet another status for the same case.", "409 → —"),
    ("response-status-folded-into-range", "error", "responses",
     "A specific status was folded into a range: clients generated from the spec lose its own type.",
     "405 → 4XX"),
    ("response-status-added", "info", "responses", "A response status was added.", "— → 202"),
    ("response-media-type-removed", "error", "responses",
     "A response media type was removed: clients that ask for it get 406.", "application/xml → —"),
    ("response-media-type-added", "info", "responses", "A response media type was added.", "— → text/csv"),
    ("response-body-added", "warning", "responses",
     "A response that had no body now has one: clients that expect it empty may choke.", "204-style → {schema}"),
    ("response-body-removed", "error", "responses",
     "A response no longer has a body: clients that parse it break.", "{schema: Pet} → no content"),
    ("response-body-schema-added", "info", "responses",
     "A response schema was set where any body was documented.", "application/json: {} → {schema: Pet}"),
    ("response-body-schema-removed", "warning", "responses",
     "The response schema was dropped: clients can no longer rely on its shape.", "{schema: Pet} → {}"),
    # response headers
    ("response-required-header-removed", "error", "response headers",
     "A required response header was removed: clients that read it break.", "X-Rate-Limit (required) → —"),
    ("response-optional-header-removed", "warning", "response headers",
     "An optional response header was removed: clients had to cope with its absence, but some read it.",
     "X-Trace → —"),
    ("response-header-added", "info", "response headers", "A response header was added.", "— → X-Trace"),
    ("response-header-became-optional", "error", "response headers",
     "A required response header became optional: clients that rely on it meet its absence.",
     "required: true → false"),
    ("response-header-became-required", "info", "response headers",
     "An optional response header became required.", "required: false → true"),
    ("response-header-style-changed", "error", "response headers",
     "The header's serialization style changed: clients parse it the old way.", "style simple → form"),
    ("response-header-explode-changed", "error", "response headers",
     "The header's explode changed: clients parse it the old way.", "explode: false → true"),
    # security
    ("security-requirement-added", "error", "security",
     "An operation that anyone could call now requires credentials.", "security: [] → [bearer]"),
    ("security-requirement-removed", "info", "security",
     "An operation no longer requires credentials.", "security: [bearer] → []"),
    ("security-alternative-removed", "error", "security",
     "One of the accepted ways to authenticate was removed: clients using it are refused.",
     "[apiKey] or [bearer] → [bearer]"),
    ("security-alternative-added", "info", "security", "Another way to authenticate is accepted.",
     "[bearer] → [bearer] or [apiKey]"),
    ("security-scope-added", "error", "security",
     "A requirement now needs more OAuth2 scopes: tokens granted the old scopes are refused.",
     "oauth [read] → [read, write]"),
    ("security-scope-removed", "info", "security", "A requirement needs fewer OAuth2 scopes.",
     "oauth [read, write] → [read]"),
    ("security-scheme-type-changed", "error", "security",
     "A security scheme's type changed: clients send the wrong kind of credentials.", "apiKey → http"),
    ("security-scheme-in-changed", "error", "security",
     "An API key moved: clients send it where it is no longer read.", "in: header → query"),
    ("security-scheme-name-changed", "error", "security",
     "An API key's name changed: clients send it under the old name.", "X-API-Key → X-Token"),
    ("security-scheme-scheme-changed", "error", "security",
     "An HTTP security scheme changed: clients send the wrong Authorization header.", "basic → bearer"),
    ("security-scheme-bearer-format-changed", "warning", "security",
     "The bearer format changed; it is documentation only, but tokens of the old format may be refused.",
     "JWT → opaque"),
    ("security-scheme-oauth-flow-removed", "error", "security",
     "An OAuth2 flow was removed: clients that obtain tokens through it fail.", "{implicit, password} → {password}"),
    ("security-scheme-oauth-flow-added", "info", "security", "An OAuth2 flow was added.",
     "{password} → {password, clientCredentials}"),
    ("security-scheme-oauth-url-changed", "error", "security",
     "An OAuth2 authorization, token or refresh URL changed: clients go to the old one.",
     "tokenUrl /oauth/token → /token"),
    ("security-scheme-oauth-scope-removed", "warning", "security",
     "An OAuth2 scope was removed from a flow: clients that ask for it may be refused.", "{read, admin} → {read}"),
    ("security-scheme-oauth-scope-added", "info", "security", "An OAuth2 scope was added to a flow.",
     "{read} → {read, admin}"),
    ("security-scheme-openid-url-changed", "error", "security",
     "The OpenID Connect discovery URL changed: clients look up the old one.",
     "openIdConnectUrl …/a → …/b"),
)

GROUP_ORDER = ("endpoints", "parameters", "request body", "request properties", "response properties",
               "responses", "response headers", "security") + tuple(p for p, _, _ in PLACES)

RULES: dict[str, Rule] = {r.id: r for r in [Rule(*row) for row in _OTHER] + _schema_rules()}


def rule(rule_id: str) -> Rule:
    """The rule of ``rule_id``; a KeyError names an id missing from the catalogue (a bug, not user input)."""
    return RULES[rule_id]


INTRO = """# API contract checks

What the API contract diff reports when an OpenAPI 3.0 / 3.1 or Swagger 2.0 spec changes between the
base of a phase and its work (`app/analyzers/openapi.py: diff_revisions`), and how each change is judged.
The tables below are generated from the rules (`app/analyzers/contract/catalogue.py`):
`python -m phasegate.app.analyzers.contract.catalogue > docs/contract-checks.md` rewrites this page, and
`tests/services/analyzers/test_contract_catalogue.py` fails when it differs.

## Levels

- **error**: breaks clients. Without an `info.version` bump each one is a high finding that blocks the
  phase approval (`app/analyzers/openapi.py: contract_findings`); with a bump it is still listed.
- **warning**: may break some clients. Shown with the contract changes; never blocks.
- **info**: safe for clients; shown so the reviewer knows.

Every change carries its rule `id`, its `level`, the `location` (the operation, then where in it: a
parameter, the request body and media type, a response status and media type, then the property path
such as `owner.name` or `tags[]`, or `<oneOf Cat>` inside an alternative), the values `before` and
`after`, and the rule's one-line explanation.

## How specs are compared

- Operations are matched by path template and method. Path parameter *names* do not count:
  `/pets/{petId}` and `/pets/{id}` match the same requests, so renaming one is `path-parameter-renamed`
  (info), not a removed path. Path parameters are matched by position, other parameters by location
  and name (header names ignoring case).
- `$ref`s are followed with the `referencing` library, also into other files of the same revision
  (`schemas/pet.yaml#/Pet`); a recursive schema is compared until it repeats. `allOf` conjuncts are
  merged (properties and `required` united, the strictest bound kept). OpenAPI 3.0's `nullable`,
  Swagger's `x-nullable` and 3.1's `null` type mean the same; so do 3.0's boolean and 3.1's numeric
  `exclusiveMaximum`/`exclusiveMinimum`. Swagger 2.0 `body`/`formData` parameters are a request body,
  `produces`/`consumes` its media types, `collectionFormat` its style and explode.
- **Direction.** A schema a client *sends* (request bodies, parameters) breaks it when it accepts
  fewer values: a smaller `maxLength`, an enum value removed, a `oneOf` alternative removed, a bound set
  where there was none. A schema a client *reads* (response bodies, response headers) breaks it when it
  allows more: an enum value or `oneOf` alternative added, a bound removed or loosened, null allowed.
  The other direction is info. A `readOnly` property is not part of a request and a `writeOnly` one not
  part of a response: changes inside them are not reported in that direction.
- Reordering anything (keys, parameters, `required`, enum values, `oneOf` alternatives, security
  alternatives) reports nothing: alternatives are matched by the schema they reference, their title or
  their content.
- A contract derived from code (the endpoint inventory, `app/analyzers/api_model.py: ApiEndpoint`) is
  judged by the same rules through `app/analyzers/openapi.py: inventory_spec`: its operations and path
  templates always, its request and response bodies where the inventory knows the models' schemas.
- Security is the effective requirement of each operation (its own `security`, else the spec's).
  Alternatives are matched by the set of schemes they name; `{}` among them means anonymous calls are
  allowed.

## Policies

- **Removing a parameter** (optional or required) is a **warning**, `request-parameter-removed`. A
  client that still sends it gets a 400 only from a server that rejects unknown parameters; most
  frameworks ignore unknown query parameters and headers, and the spec does not say which kind the
  server is. Blocking would stop common cleanups for a failure most clients never see; staying silent
  would hide it from the reviewer who knows the server is strict. So it is shown and does not block.
  Removing a request property is a warning for the same reason.
- **Removing an optional response property** is a warning: clients had to cope with its absence
  already. Removing a required one is an error.
- **Removing any response status**, success or not, is an error: a client that handles a `409` meets
  another status for the same case. Folding a specific status into a range (`405` → `4XX`) is an error
  too: clients generated from the spec lose the status's own type.
- A changed `pattern` is a warning both ways: whether the new expression accepts less cannot be decided
  from the spec. A changed `bearerFormat` is a warning: OpenAPI calls it documentation.
- A change of a security scheme (`components.securitySchemes`) is reported once, for the scheme.
"""


def markdown() -> str:
    """The whole of docs/contract-checks.md: the introduction, then one table per group of rules."""
    lines = [
        INTRO.rstrip("\n"),
        "",
        "## The rules",
        "",
        f"{len(RULES)} rules: "
        + ", ".join(f"{sum(r.level == lv for r in RULES.values())} {lv}" for lv in LEVELS) + ". "
        "Schema rules exist once per place: `request-property` (a request body and its properties), "
        "`request-parameter`, `response-property` (a response body and its properties) and `response-header`.",
    ]
    for group in GROUP_ORDER:
        rows = [r for r in RULES.values() if r.group == group]
        if not rows:
            continue
        lines += ["", f"### {group}", "", "| id | level | what it means | example |", "|---|---|---|---|"]
        lines += [f"| `{r.id}` | {r.level} | {r.explanation} | {r.example.replace('|', '¦')} |" for r in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - exercised through the docs test
    sys.stdout.write(markdown())

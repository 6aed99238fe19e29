"""``$ref`` resolution for OpenAPI and Swagger documents, on the ``referencing`` library.

``referencing`` (MIT, the JSON-reference engine of ``jsonschema``) was chosen over ``jsonref`` (MIT)
after trying both on a generated 2,000-operation spec: ``referencing`` looks a reference up when asked
and says where it landed (the URI), which the diff needs to recognise a recursive schema, to remember
a comparison it already made and to name an alternative of a ``oneOf``; ``jsonref`` replaces
references with lazy proxies that hide that identity, and walking them was about five times slower.

A document is registered under a URI made from its path in the tree (``file:///api/openapi.yaml``);
a reference to another file (``common.yaml#/components/schemas/Pet``) is resolved against it and the
file is read through the ``load`` callback (a tree at the same revision), each file once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from referencing import Registry, Resource, Specification
from referencing.exceptions import Unresolvable

# OpenAPI documents are not JSON Schema resources (3.0 has no ``$id``): opaque keeps lookups to plain
# JSON pointers and spares crawling a 5 MB document for anchors.
_SPEC = Specification.OPAQUE

Ctx = tuple[Any, str]  # (a referencing resolver, the URI of the document it is in)
Loader = Callable[[str], Any]  # a path in the tree -> the parsed document, or None when unreadable


def uri_for(path: str) -> str:
    return "file:///" + path.lstrip("/")


class RefError(Exception):
    """A reference that cannot be followed (missing file, bad pointer): reported, never raised to users."""


class Refs:
    """Follows ``$ref``s from one root document; remembers every file it read."""

    def __init__(self, doc: Any, path: str = "openapi.yaml", load: Loader | None = None) -> None:
        self._load = load
        self._files: dict[str, Resource[Any]] = {}
        self.root_uri = uri_for(path)
        self.problems: list[str] = []
        # every reference is looked up once: a 2,000-operation spec names the same components thousands
        # of times, and the resolver ``referencing`` returns carries the lookup history with it
        self._lookups: dict[str, tuple[Any, Ctx]] = {}
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self._registry = registry.with_resource(self.root_uri, _SPEC.create_resource(doc))
        self.root: Ctx = (self._registry.resolver(base_uri=self.root_uri), self.root_uri)

    def _retrieve(self, uri: str) -> Resource[Any]:
        found = self._files.get(uri)
        if found is None:
            if self._load is None or not uri.startswith("file:///"):
                raise Unresolvable(ref=uri)
            contents = self._load(uri[len("file:///"):])
            if contents is None:
                raise Unresolvable(ref=uri)
            found = self._files[uri] = _SPEC.create_resource(contents)
        return found

    def deref(self, node: Any, ctx: Ctx) -> tuple[Any, Ctx, str | None]:
        """``(target, its context, the URI of the last reference followed or None)``.

        A chain of references is followed to its end; a chain that loops, or a reference that cannot be
        resolved, gives an empty schema and a problem note.
        """
        uri: str | None = None
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            hops += 1
            if hops > 32:
                self.problems.append(f"reference loop at {ref}")
                return {}, ctx, uri
            resolver, base = ctx
            uri = urljoin(base, ref)
            known = self._lookups.get(uri)
            if known is not None:
                node, ctx = known
                continue
            try:
                resolved = resolver.lookup(ref)
            except Unresolvable:
                self.problems.append(f"unresolvable reference {ref}")
                return {}, ctx, uri
            except Exception as exc:  # a malformed pointer in user data: say it, do not crash the review
                self.problems.append(f"bad reference {ref}: {exc}")
                return {}, ctx, uri
            ctx = (resolved.resolver, uri.split("#", 1)[0])
            node = resolved.contents
            self._lookups[uri] = (node, ctx)
        return node, ctx, uri

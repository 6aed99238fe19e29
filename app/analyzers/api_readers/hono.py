"""Hono endpoints: ``app.get(…)``, ``app.on(method, path, …)``, sub-apps mounted with
``app.route('/x', sub)``, ``new Hono().basePath('/api')``. Auth is a middleware in the handler chain
or ``app.use('/x/*', jwt(…))`` on a matching path, whose name says so. An app that is not exported,
``serve``d or mounted is dead.
"""

from __future__ import annotations

from typing import Any

from phasegate.app.analyzers.api_model import ApiPart
from phasegate.app.analyzers.api_readers._js import JS_EXT, JsGraph, parse_js, wants_js, worth_parsing
from phasegate.app.analyzers.readers import Reader


def parse(path: str, text: str) -> dict[str, Any] | None:
    if not worth_parsing(text):
        return None
    if "hono" not in text and "Hono" not in text:
        return None
    return parse_js(path, text)


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    return JsGraph(facts, "hono", ("hono",)).build()


READERS = [Reader(name="hono", wants=wants_js, parse=parse, build=build, suffixes=JS_EXT, keywords=("hono", "Hono"))]

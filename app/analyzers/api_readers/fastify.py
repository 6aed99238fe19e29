"""Fastify endpoints: ``fastify.get(…)``, ``fastify.route({method, url, handler})`` and plugins
``register``ed with ``{prefix}`` (a plugin is a function whose first parameter receives the instance;
``fastify-plugin`` wrappers are seen through). Auth is an ``onRequest``/``preHandler``/``preValidation``
hook whose name says so (``fastify.authenticate``). A plugin nothing registers is dead.
"""

from __future__ import annotations

from typing import Any

from phasegate.app.analyzers.api_model import ApiPart
from phasegate.app.analyzers.api_readers._js import JsGraph, parse_js, wants_js, worth_parsing
from phasegate.app.analyzers.readers import Reader


def parse(path: str, text: str) -> dict[str, Any] | None:
    if not worth_parsing(text):
        return None
    if "fastify" not in text and "Fastify" not in text and ".register(" not in text:
        return None
    return parse_js(path, text)


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    return JsGraph(facts, "fastify", ("fastify",)).build()


READERS = [Reader(name="fastify", wants=wants_js, parse=parse, build=build)]

"""Fastify endpoints: ``fastify.get(…)``, ``fastify.route({method, url, handler})`` and plugins
``register``ed with ``{prefix}`` (a plugin is a function whose first parameter receives the instance;
``fastify-plugin`` wrappers are seen through). Auth is an ``onRequest``/``preHandler``/``preValidation``
hook whose name says so (``fastify.authenticate``). A plugin nothing registers is dead.

A plugin's options reach its routes: ``path: opts.prefix + 'articles'`` takes the value of the options
its registration passed (``register(plugin, config)``, ``@fastify/autoload``'s ``options``), followed
through constants, imported configuration objects, a config function's returned object and
environment variables (their default in the code, else their value in a committed ``.env.example``/
``.env.sample``). A registration's ``prefix`` option prefixes the plugin's routes unless the plugin is
wrapped in ``fastify-plugin`` (which shares its parent's context, so Fastify ignores the prefix).
"""

from __future__ import annotations

from typing import Any

from phasegate.app.analyzers.api_model import ApiPart
from phasegate.app.analyzers.api_readers._js import (
    ENV_WORDS,
    JS_OR_ENV_EXT,
    JsGraph,
    is_env_example,
    parse_env_example,
    parse_js,
    reads_env,
    wants_js_or_env,
    worth_parsing,
)
from phasegate.app.analyzers.readers import Reader

_WORDS = ("fastify", "Fastify", ".register(")


def parse(path: str, text: str) -> dict[str, Any] | None:
    if is_env_example(path):
        return parse_env_example(text)
    if not worth_parsing(text):
        return None
    if not any(w in text for w in _WORDS) and not reads_env(text):
        return None  # a configuration module (``env.API_PREFIX``) may hold a plugin option's value
    return parse_js(path, text)


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    return JsGraph(facts, "fastify", ("fastify",)).build()


READERS = [Reader(name="fastify", wants=wants_js_or_env, parse=parse, build=build, version=2,
                  suffixes=JS_OR_ENV_EXT, keywords=_WORDS + ENV_WORDS, keywordless=is_env_example)]

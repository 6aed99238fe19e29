"""Express endpoints: ``app.get/post/…``, ``router.route('/x').get(…)``, ``express.Router()`` mounted
with ``app.use('/prefix', router)`` across files (``require``/``import`` resolved by path), routers
mounted from a table in a loop (``routes.forEach(r => router.use(r.path, r.route))``), and router
factories (``module.exports = (app) => { app.get(…) }``).

Auth is the middleware in the handler chain whose name says so (``auth('manageUsers')``,
``passport.authenticate('jwt')``), or an auth middleware ``use``d on the router. An app that never
``listen``s and is not exported or handed to a server is dead, and so is a router no served app
mounts; a mount inside a ``NODE_ENV``/debug ``if`` is development-only.
"""

from __future__ import annotations

from typing import Any

from phasegate.app.analyzers.api_model import ApiPart
from phasegate.app.analyzers.api_readers._js import JS_EXT, JsGraph, parse_js, wants_js, worth_parsing
from phasegate.app.analyzers.readers import Reader

_HANDLER_WORDS = ("req", "res)", "ctx", "reply", "(c)", "Request", "Response")  # a handler's parameters
_CALLS = (".get(", ".post(", ".put(", ".patch(", ".delete(", ".use(", ".route(", ".all(")


def parse(path: str, text: str) -> dict[str, Any] | None:
    if not worth_parsing(text):
        return None
    if "express" in text or "Router(" in text:
        return parse_js(path, text)
    imports = "require(" in text or "import" in text
    if imports and any(c in text for c in _CALLS):
        return parse_js(path, text)  # routes on a router or app imported from elsewhere
    low = path.lower()
    if (("controller" in low or "handler" in low or "Controller" in text) and "export" in text
            and any(w in text for w in _HANDLER_WORDS)):
        return parse_js(path, text, shallow=True)  # handlers: where a route's handler is declared
    return None


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    return JsGraph(facts, "express", ("express-app", "express-router")).build()


# what each branch of ``parse`` needs: the package or a router, a route call, or a handler's parameters
READERS = [Reader(name="express", wants=wants_js, parse=parse, build=build, suffixes=JS_EXT,
                  keywords=("express", "Router(", *_CALLS, *_HANDLER_WORDS))]

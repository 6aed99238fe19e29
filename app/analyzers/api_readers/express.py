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
from phasegate.app.analyzers.api_readers._js import JsGraph, parse_js, wants_js
from phasegate.app.analyzers.readers import Reader


def parse(path: str, text: str) -> dict[str, Any] | None:
    if not any(w in text for w in ("express", "Router(", ".use(", ".route(", "module.exports", "export ")):
        return None
    if "express" not in text and ".get(" not in text and ".post(" not in text and ".use(" not in text \
            and "Controller" not in text and "controller" not in path.lower():
        return None
    return parse_js(path, text)


def build(facts: dict[str, dict[str, Any]]) -> ApiPart:
    return JsGraph(facts, "express", ("express-app", "express-router")).build()


READERS = [Reader(name="express", wants=wants_js, parse=parse, build=build)]

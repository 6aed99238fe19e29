"""Path helpers shared by the endpoint readers of this package: joining prefixes, parameter syntax.

Every reader emits paths already normalised the way ``api_model`` describes: the full path as a client
calls it, a leading slash, no trailing slash (except the root), no doubled slashes, and path
parameters written ``{name}`` whatever the framework's own syntax.
"""

from __future__ import annotations

AUTH_WORDS = ("auth", "jwt", "token", "login", "session", "permission", "role", "guard", "acl", "protect",
              "secur", "bearer", "rbac", "casbin", "oauth", "oidc", "signedin", "verif", "admin")


def join(*parts: str) -> str:
    """Join path pieces with single slashes: ``join("/api/", "/users")`` is ``/api/users``."""
    pieces = [p.strip("/") for p in parts if p and p.strip("/")]
    return normalise("/" + "/".join(pieces))


def normalise(path: str) -> str:
    """Leading slash, no doubled slash, no trailing slash except for the root."""
    segments = [s for s in path.split("/") if s]
    return "/" + "/".join(segments)


def params_of(path: str) -> list[str]:
    """The ``{name}`` parameters of a normalised path, in order."""
    names = []
    for segment in path.split("/"):
        start = segment.find("{")
        while start >= 0:
            end = segment.find("}", start)
            if end < 0:
                break
            names.append(segment[start + 1 : end])
            start = segment.find("{", end)
    return names


def colon_params(path: str) -> str:
    """``/users/:id/*file`` (Gin, Echo, Fiber, Express style) as ``/users/{id}/{file}``.

    Fiber's optional ``:id?`` and constraints ``:id<int>`` keep the name only; an unnamed ``*`` or ``+``
    wildcard becomes ``{*}`` / ``{+}`` (the name Fiber gives it: ``c.Params("*")``).
    """
    out = []
    for segment in path.split("/"):
        if segment.startswith(":") and len(segment) > 1:
            name = segment[1:]
            for stop in ("<", "?"):
                cut = name.find(stop)
                if cut >= 0:
                    name = name[:cut]
            out.append("{" + name + "}")
        elif segment.startswith("*") and len(segment) > 1:
            out.append("{" + segment[1:] + "}")
        elif segment in ("*", "+"):
            out.append("{" + segment + "}")
        else:
            out.append(segment)
    return "/".join(out)


def brace_params(path: str) -> str:
    """``/a/{id:[0-9]+}/{rest...}/{$}/*`` (chi, gorilla, Go 1.22, Spring, ASP.NET) as ``/a/{id}/{rest}``.

    Regular-expression and type constraints after ``:`` are dropped, Go 1.22's ``{$}`` (end anchor) is
    removed, ``...`` and ASP.NET's catch-all ``*``/``?`` markers are dropped; a bare ``*`` is ``{*}``.
    """
    out = []
    i = 0
    while i < len(path):
        ch = path[i]
        if ch == "{":
            depth, j = 1, i + 1
            while j < len(path) and depth:
                if path[j] == "{":
                    depth += 1
                elif path[j] == "}":
                    depth -= 1
                j += 1
            inner = path[i + 1 : j - 1]
            i = j
            if inner == "$":
                continue
            name = inner.split(":", 1)[0].split("=", 1)[0].strip().lstrip("*").rstrip("?")
            if name.endswith("..."):
                name = name[:-3]
            out.append("{" + name + "}")
            continue
        out.append(ch)
        i += 1
    segments = ["{*}" if s in ("*", "**") else s for s in "".join(out).split("/")]
    return "/".join(segments)


def is_auth_text(text: str) -> bool:
    """Whether a middleware, decorator or attribute text names an authentication or authorisation step."""
    low = text.lower().replace("_", "")
    low = low.replace("author.", "").replace("authors", "")
    return any(word in low for word in AUTH_WORDS)


IRREGULAR_PLURALS = {"person": "people", "child": "children", "man": "men", "woman": "women", "mouse": "mice"}


def singular(word: str) -> str:
    """English singular of a resource name, the way Rails and Laravel derive parameter names."""
    for one, many in IRREGULAR_PLURALS.items():
        if word.endswith(many):
            return word[: -len(many)] + one
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """English plural of a resource name (``resource :user`` is served by ``UsersController``)."""
    for one, many in IRREGULAR_PLURALS.items():
        if word.endswith(one):
            return word[: -len(one)] + many
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    return word + "s"

"""The one secret masker: known secret values replaced before text reaches disk, a log, the model or a screen.

What counts as a secret: the values the caller names (the API key, the values of the repository's
``.env`` files) and, unless told otherwise, the environment's API keys and tokens. Every writer of
text that could carry one — the session store, the log file, model error messages, command output
shown to the model — masks through a ``Masker``, with one marker.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping

MASK = "***"
# A value shorter than this is not masked when found by its variable's name: "dev" or "3000" would
# blank every occurrence of a common word. Values the caller names explicitly count from 4 characters.
MIN_ENVIRONMENT_LENGTH = 8
MIN_EXPLICIT_LENGTH = 4


def is_secret_name(name: str) -> bool:
    """Environment variable names that hold an API key or a token by convention."""
    upper = name.upper()
    return upper.endswith(("_API_KEY", "_TOKEN")) or upper == "OPENAI_API_KEY"


def environment_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of the environment's API keys and tokens (see :func:`is_secret_name`)."""
    env = os.environ if environ is None else environ
    return [v for k, v in env.items() if is_secret_name(k) and len(v) >= MIN_ENVIRONMENT_LENGTH]


class Masker:
    """Replaces every known secret in a text with :data:`MASK`, also in its JSON-escaped form."""

    def __init__(self, values: Iterable[str] = (), *, include_environment: bool = True) -> None:
        self.include_environment = include_environment
        self._values: set[str] = set()
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and len(value) >= MIN_EXPLICIT_LENGTH:
            self._values.add(value)

    def values(self) -> list[str]:
        """Longest first, so a secret that contains another is masked whole."""
        found = set(self._values)
        if self.include_environment:
            found.update(environment_secrets())
        return sorted(found, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for value in self.values():
            if value in text:
                text = text.replace(value, MASK)
            encoded = json.dumps(value)[1:-1]  # as it appears inside a JSON string
            if encoded != value and encoded in text:
                text = text.replace(encoded, MASK)
        return text

    def contains_secret(self, text: str) -> bool:
        return any(value in text for value in self.values())

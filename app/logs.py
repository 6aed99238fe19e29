"""The log file: structured lines in the user's state directory, never on the TUI's stdout.

``$XDG_STATE_HOME/phasegate/phasegate.log`` (default ``~/.local/state``). The API key is masked by a
filter on the handler, so even a careless log call cannot write it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from phasegate.app.secrets import Masker

LOGGER_NAME = "phasegate"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "phasegate"


class _MaskSecrets(logging.Filter):
    def __init__(self, masker: Masker) -> None:
        super().__init__()
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.masker.mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def configure_logging(settings: Any, *, level: str | None = None) -> Path:
    """Send the ``phasegate`` logger to the log file; returns its path."""
    path = state_dir() / "phasegate.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    key = getattr(settings, "api_key", None)
    secret = key.get_secret_value() if key is not None and hasattr(key, "get_secret_value") else ""
    handler.addFilter(_MaskSecrets(Masker([secret])))
    logger.addHandler(handler)
    logger.setLevel((level or getattr(settings, "log_level", None) or "INFO").upper())
    logger.propagate = False
    return path

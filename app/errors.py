"""Errors that reach the user as one clear line.

Anything raised as a ``PhasegateError`` is printed by the CLI (or shown by the workbench) as its
message alone, without a traceback. ``UsageError`` means the user asked for something malformed
(exit code 2); every other ``PhasegateError`` is a failure of the work (exit code 1).
"""

from __future__ import annotations


class PhasegateError(Exception):
    """A failure the user can understand and act on; ``str(exc)`` is one sentence."""

    exit_code = 1


class UsageError(PhasegateError):
    """The command line or a request was malformed."""

    exit_code = 2

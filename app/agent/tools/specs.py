"""The OpenAI function specs of the repository tools, and the check of the arguments a model sends."""

from __future__ import annotations

from typing import Any


def _spec(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    # Plain single types (no ["string", "null"] unions): small local servers turn schemas into grammars
    # and not all of them handle unions. Optional arguments are simply not required; null is accepted.
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required,
                           "additionalProperties": False},
        },
    }


_PATH = {"type": "string", "description": "path relative to the repository root, forward slashes"}
TOOL_SPECS: dict[str, dict[str, Any]] = {
    "list_files": _spec(
        "list_files",
        "List files under a directory of the repository (tracked and untracked, without git-ignored files).",
        {"path": {**_PATH, "default": "."},
         "pattern": {"type": "string", "description": "optional glob such as '*.py' or 'src/**/*.ts'"}},
        [],
    ),
    "read_file": _spec(
        "read_file",
        "Read a text file with line numbers, optionally only lines start_line..end_line (1-based, inclusive).",
        {"path": _PATH, "start_line": {"type": "integer", "minimum": 1},
         "end_line": {"type": "integer", "minimum": 1}},
        ["path"],
    ),
    "search_code": _spec(
        "search_code",
        "Search the repository's text files with an extended regular expression (git grep -E); "
        "returns path:line: text.",
        {"pattern": {"type": "string"}, "path": {**_PATH, "description": "optional directory or file to search"}},
        ["pattern"],
    ),
    "git_log": _spec(
        "git_log",
        "Show recent commits (hash, date, author, subject), optionally only those touching a path.",
        {"max_count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
         "path": {**_PATH, "description": "optional path whose history to show"}},
        [],
    ),
    "write_file": _spec(
        "write_file",
        "Create or overwrite a file with the full content given (parent directories are created).",
        {"path": _PATH, "content": {"type": "string"}},
        ["path", "content"],
    ),
    "edit_file": _spec(
        "edit_file",
        "Replace one exact occurrence of `search` with `replace` in a file. `search` must match the file "
        "exactly (whitespace included) and occur exactly once; include surrounding lines to make it unique.",
        {"path": _PATH, "search": {"type": "string"}, "replace": {"type": "string"}},
        ["path", "search", "replace"],
    ),
    "delete_file": _spec("delete_file", "Delete one file.", {"path": _PATH}, ["path"]),
    "run_command": _spec(
        "run_command",
        "Run a shell command in the repository root after the user approves it. Database migrations need "
        "the user's typed confirmation and end your turn. Destructive commands are refused.",
        {"command": {"type": "string"},
         "reason": {"type": "string", "description": "why you need to run it, shown to the user"}},
        ["command", "reason"],
    ),
}


class ArgumentError(Exception):
    pass


def check_arguments(name: str, arguments: Any) -> dict[str, Any]:
    """Validate and coerce the model's arguments against TOOL_SPECS; unknown keys are ignored."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ArgumentError(f"{name}: arguments must be a JSON object, got {type(arguments).__name__}.")
    params = TOOL_SPECS[name]["function"]["parameters"]
    out: dict[str, Any] = {}
    for key in params["required"]:
        if arguments.get(key) is None:
            raise ArgumentError(f"{name}: missing required argument {key!r}.")
    for key, schema in params["properties"].items():
        if key not in arguments or arguments[key] is None:
            continue
        value = arguments[key]
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "integer" in types and not isinstance(value, bool):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
        if "integer" in types and isinstance(value, int) and not isinstance(value, bool):
            out[key] = value
        elif "string" in types and isinstance(value, str):
            out[key] = value
        else:
            raise ArgumentError(f"{name}: argument {key!r} must be {' or '.join(t for t in types if t != 'null')}.")
    return out

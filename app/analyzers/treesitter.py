"""Tree-sitter parsers for the languages the schema and API readers understand, loaded on first use.

The grammars are separate wheels (``tree-sitter-<language>``); each is imported only when a file of
its language is read, so the first frame of the workbench never pays for them
(``tests/meta/test_import_hygiene.py``). A reader never runs the user's code: it walks the syntax tree.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

# language -> (module, function returning the grammar's pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "javascript": ("tree_sitter_javascript", "language"),
    "java": ("tree_sitter_java", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "go": ("tree_sitter_go", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "rust": ("tree_sitter_rust", "language"),
}

SUFFIX_LANGUAGE: dict[str, str] = {
    ".py": "python", ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".java": "java", ".kt": "kotlin", ".kts": "kotlin", ".go": "go", ".rb": "ruby", ".php": "php",
    ".cs": "csharp", ".rs": "rust",
}


def language_for(path: str) -> str | None:
    """The grammar name for a path by its suffix, or None."""
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    return SUFFIX_LANGUAGE.get(name[dot:].lower()) if dot > 0 else None


@functools.cache
def parser(language: str) -> Parser:
    """A parser for ``language`` (a key of ``GRAMMARS``); the grammar wheel is imported here."""
    from tree_sitter import Language, Parser

    module_name, function = GRAMMARS[language]
    module = importlib.import_module(module_name)
    return Parser(Language(getattr(module, function)()))


def parse(language: str, source: str | bytes) -> Tree:
    """The syntax tree of ``source``. Tree-sitter always returns a tree; broken code has ERROR nodes."""
    data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source
    return parser(language).parse(data)


def text(node: Node | None) -> str:
    """A node's source text ('' for None)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def line(node: Node) -> int:
    """A node's 1-based line number."""
    return node.start_point[0] + 1


def string_value(node: Node | None) -> str | None:
    """The value of a string literal node (quotes removed, simple escapes kept as written), else None."""
    if node is None:
        return None
    raw = text(node)
    if node.type in {"string", "string_literal", "interpreted_string_literal", "raw_string_literal",
                     "template_string", "encapsed_string", "verbatim_string_literal"} and len(raw) >= 2:
        for quote in ('"""', "'''", '"', "'", "`"):
            if raw.startswith(quote) and raw.endswith(quote) and len(raw) >= 2 * len(quote):
                return raw[len(quote) : -len(quote)]
        if raw.startswith("@\"") and raw.endswith('"'):
            return raw[2:-1]
    return None

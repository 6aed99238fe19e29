"""English pluralisation as the ORMs do it, so that default table and collection names come out right.

Two rule sets: the Rails-derived one that Sequelize (the ``inflection`` package) and GORM
(``jinzhu/inflection``) both use, and Mongoose's own (``mongoose-legacy-pluralize``), which also
lowercases. These rules act on identifiers (model names), never on source code.
"""

from __future__ import annotations

import re

# Rails / jinzhu-inflection plural rules, in the order they are declared: the LAST matching one wins.
_RAILS_PLURALS: list[tuple[str, str]] = [
    (r"([a-z])$", r"\1s"), (r"s$", "s"), (r"^(ax|test)is$", r"\1es"), (r"(octop|vir)us$", r"\1i"),
    (r"(octop|vir)i$", r"\1i"), (r"(alias|status|campus)$", r"\1es"), (r"(bu)s$", r"\1ses"),
    (r"(buffal|tomat)o$", r"\1oes"), (r"([ti])um$", r"\1a"), (r"([ti])a$", r"\1a"), (r"sis$", "ses"),
    (r"(?:([^f])fe|([lr])f)$", r"\1\2ves"), (r"(hive)$", r"\1s"), (r"([^aeiouy]|qu)y$", r"\1ies"),
    (r"(x|ch|ss|sh)$", r"\1es"), (r"(matr|vert|ind)(?:ix|ex)$", r"\1ices"), (r"^(m|l)ouse$", r"\1ice"),
    (r"^(m|l)ice$", r"\1ice"), (r"^(ox)$", r"\1en"), (r"^(oxen)$", r"\1"), (r"(quiz)$", r"\1zes"),
    (r"(drive)$", r"\1s"),
]
_RAILS_IRREGULAR = {"person": "people", "man": "men", "child": "children", "sex": "sexes", "move": "moves",
                    "mombie": "mombies"}
_RAILS_UNCOUNTABLE = {"equipment", "information", "rice", "money", "species", "series", "fish", "sheep",
                      "jeans", "police"}


def _keep_case(original: str, replacement: str) -> str:
    return replacement if not original[:1].isupper() else replacement[:1].upper() + replacement[1:]


def rails_plural(word: str) -> str:
    """``user_model`` -> ``user_models``, ``Category`` -> ``Categories``, ``Person`` -> ``People``."""
    if not word:
        return word
    low = word.lower()
    for unc in _RAILS_UNCOUNTABLE:
        if low == unc:
            return word
    for singular, plural in _RAILS_IRREGULAR.items():
        if low.endswith(singular):
            head = word[: len(word) - len(singular)]
            return head + _keep_case(word[len(head):], plural)
    for pattern, repl in reversed(_RAILS_PLURALS):
        if re.search(pattern, word, re.I):
            return re.sub(pattern, repl, word, count=1, flags=re.I)
    return word


_MONGOOSE_RULES: list[tuple[str, str]] = [
    (r"human$", "humans"), (r"(m)an$", r"\1en"), (r"(pe)rson$", r"\1ople"), (r"(child)$", r"\1ren"),
    (r"^(ox)$", r"\1en"), (r"(ax|test)is$", r"\1es"), (r"(octop|vir)us$", r"\1i"), (r"(alias|status)$", r"\1es"),
    (r"(bu)s$", r"\1ses"), (r"(buffal|tomat|potat)o$", r"\1oes"), (r"([ti])um$", r"\1a"), (r"sis$", "ses"),
    (r"(?:([^f])fe|([lr])f)$", r"\1\2ves"), (r"(hive)$", r"\1s"), (r"([^aeiouy]|qu)y$", r"\1ies"),
    (r"(x|ch|ss|sh)$", r"\1es"), (r"(matr|vert|ind)ix|ex$", r"\1ices"), (r"([m|l])ouse$", r"\1ice"),
    (r"(kn|w|l)ife$", r"\1ives"), (r"(quiz)$", r"\1zes"), (r"^goose$", "geese"), (r"s$", "s"),
    (r"([^a-z])$", r"\1"), (r"$", "s"),
]
_MONGOOSE_UNCOUNTABLE = {
    "advice", "energy", "excretion", "digestion", "cooperation", "health", "justice", "labour", "machinery",
    "equipment", "information", "pollution", "sewage", "paper", "money", "species", "series", "rain", "rice",
    "fish", "sheep", "moose", "deer", "news", "expertise", "status", "media",
}


def mongoose_collection(model: str) -> str:
    """Mongoose's collection name for a model name: lowercased, then the FIRST matching rule applied."""
    word = model.lower()
    if word in _MONGOOSE_UNCOUNTABLE:
        return word
    for pattern, repl in _MONGOOSE_RULES:
        if re.search(pattern, word):
            return re.sub(pattern, repl, word, count=1)
    return word

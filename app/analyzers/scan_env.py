"""The audit's env and config part: where a backend's environment and configuration come from.

Listed (names only; no value ever leaves this module, and ``.env`` files are handled in ``scan``):

- **templates** of config files (``config.ts.example``, ``ormconfig.json.example``, ``database.yml.sample``);
- **compose files** (``docker-compose*.yml``, ``compose*.yaml``, anywhere) that set ``environment:`` or
  ``env_file:`` for a service;
- **process manifests**: a ``Procfile``; pm2 ``ecosystem*`` files and .NET ``launchSettings.json`` that
  set environment variables;
- **framework config files**: Spring ``application*.properties|yml`` / ``bootstrap*``, .NET
  ``appsettings*.json``, Rails ``config/*.yml`` (not locales), Laravel ``config/*.php`` that call
  ``env()``, a Django settings module (``settings.py`` or a ``settings/`` package);
- **config modules that read the environment**: a file named like config/settings/env (or in such a
  directory) that reads it (``process.env``, ``os.environ``, ``env::var``…); in any file, a
  pydantic ``BaseSettings`` class (and classes deriving from one, found with ``ast``), Spring
  ``@ConfigurationProperties``, NestJS ``registerAs``, Go env/viper/envconfig loaders.

Test, fixture and generated files are never config sources (``scan`` skips them before asking).
"""

from __future__ import annotations

import ast
import re
from typing import Any

__all__ = ["EnvConfig", "config_template_kind", "is_compose_name"]

_TEMPLATE_RE = re.compile(
    r"^(?:[\w-]+\.)*(?:config|settings|ormconfig|appsettings|application|database|secrets|env|environment|"
    r"configuration|app)(?:[\w.-]*)\.(?:example|sample|dist|template|tmpl-example)$",
    re.IGNORECASE,
)
_COMPOSE_RE = re.compile(r"^(?:docker-)?compose(?:[\w.-]*)?\.ya?ml$|^[\w.-]+\.compose\.ya?ml$", re.IGNORECASE)
_COMPOSE_ENV_RE = re.compile(r"(?m)^\s+(?:environment|env_file)\s*:")
_ECOSYSTEM_RE = re.compile(r"^ecosystem(?:[\w.-]*)\.(?:config\.)?(?:js|cjs|mjs|json|ya?ml)$", re.IGNORECASE)
_PROCESS_ENV_RE = re.compile(r"""["']?\benv(?:_\w+)?["']?\s*:""")
_SPRING_RE = re.compile(r"^(?:application|bootstrap)(?:-[\w.-]+)?\.(?:properties|ya?ml)$")
_APPSETTINGS_RE = re.compile(r"^appsettings(?:\.[\w-]+)?\.json$", re.IGNORECASE)
_LARAVEL_ENV_RE = re.compile(r"\benv\(\s*['\"][A-Z_][A-Z0-9_]*['\"]")
_DJANGO_SETTINGS_RE = re.compile(r"(?m)^(?:INSTALLED_APPS|DATABASES|MIDDLEWARE(?:_CLASSES)?|ROOT_URLCONF)\s*[+:]?=")
_CONFIG_STEM_RE = re.compile(
    r"^(?:[\w-]+[._-])?(?:config|configs|settings|conf|env|environment|environments|configuration|app_config|"
    r"app-config|appconfig)$", re.IGNORECASE)
_CONFIG_DIRS = frozenset({"config", "configs", "configuration", "settings", "env", "conf"})
# Reads of the environment, per rule set; each is specific enough to run on any config-named file.
_ENV_READS: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"os\.environ|os\.getenv\(|\bgetenv\(|\benviron\.get\(|\bconfig\(\s*['\"][A-Z_]|"
                         r"\bload_dotenv\(|\benv\.(?:str|int|bool|list)\(|\bBaseSettings\b|\bEnv\(\)"),
    "js": re.compile(r"process\.env\b|import\.meta\.env\b|\bDeno\.env\b|\bdotenv\b|\bregisterAs\(|\bBun\.env\b"),
    "go": re.compile(r"os\.Getenv\(|os\.LookupEnv\(|viper\.|envconfig\.|caarlos0/env|cleanenv\.|godotenv\.|`env:\""),
    "jvm": re.compile(r"System\.getenv\(|@ConfigurationProperties|@Value\(\s*\"\$\{"),
    "ruby": re.compile(r"\bENV\[|\bENV\.fetch\b|Rails\.application\.credentials"),
    "rust": re.compile(r"\benv::var(?:_os)?\(|\bdotenvy?\b|\bconfig::(?:Config|Environment)\b|\benvy::"),
    "dotnet": re.compile(r"Environment\.GetEnvironmentVariable\(|\bIConfiguration\b|\.GetSection\(|\.Configure<"),
    "php": re.compile(r"\bgetenv\(|\$_ENV\[|\benv\(\s*['\"]"),
}
# Config read in any file, whatever its name.
_ANYWHERE: dict[str, re.Pattern[str]] = {
    "jvm": re.compile(r"(?m)^\s*@ConfigurationProperties\b"),
    "js": re.compile(r"\bregisterAs\(\s*['\"]"),
    "go": re.compile(r"\"github\.com/(?:caarlos0/env|kelseyhightower/envconfig|spf13/viper|ilyakaznacheev/cleanenv)"),
    "rust": re.compile(r"#\[derive\([^)]*\bEnvy\b|\benvy::from_env\b"),
}
_NAME_PREFIXES = ("procfile", "ecosystem", "application", "bootstrap", "appsettings", "launchsettings")
_TEMPLATE_SUFFIXES = (".example", ".sample", ".dist", ".template", ".tmpl-example", ".yml.enc")
# Literal words one of which a file must contain for the _ANYWHERE rule of its rule set to run.
_ANYWHERE_WORDS: dict[str, tuple[str, ...]] = {
    "jvm": ("@ConfigurationProperties",), "js": ("registerAs(",),
    "go": ("caarlos0/env", "kelseyhightower/envconfig", "spf13/viper", "cleanenv"), "rust": ("Envy", "envy::"),
}
_SETTINGS_CLASS_RE = re.compile(r"(?m)^class\s+\w+\s*\([^)]*Settings\b")
_COMMENT_PREFIXES = ("#", "//", "/*", "*", "--", "<!--", ";")


def config_template_kind(name: str) -> str | None:
    """``"template"`` for a committed template of a config file (``config.ts.example``)."""
    return "template" if _TEMPLATE_RE.match(name) else None


def is_compose_name(name: str) -> bool:
    return bool(_COMPOSE_RE.match(name))


def _code_match(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``rx`` not on a comment line."""
    for m in rx.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if not text[start : m.start()].lstrip().startswith(_COMMENT_PREFIXES):
            return m
    return None


class EnvConfig:
    """Collects env and config sources as ``scan`` walks the tree; ``entries`` is what it found."""

    def __init__(self, paths: list[str]) -> None:
        self.entries: list[dict[str, Any]] = []
        self._seen: set[str] = set()
        names = {p.rsplit("/", 1)[-1] for p in paths}
        self.rails = "Gemfile" in names and any(p.endswith("config/application.rb") for p in paths)
        self.laravel = "artisan" in names and "composer.json" in names
        # Python settings classes: path -> [(class, bases)], resolved at the end (a class deriving from
        # a BaseSettings subclass declared in another file is settings too).
        self._classes: dict[str, list[tuple[str, list[str]]]] = {}

    def add(self, path: str, kind: str, evidence: str) -> None:
        if path not in self._seen:
            self._seen.add(path)
            self.entries.append({"path": path, "kind": kind, "evidence": evidence})

    # by name, with a look at the content where the name alone does not decide ---------------------
    def by_name(self, path: str, name: str, directory: str, read: Any) -> bool:
        """Classify ``path`` by its name; ``read(limit)`` gives its text. True when it was a config file."""
        low = name.lower()
        # one cheap test first: nearly every file of a big tree is none of these
        if not (low.startswith(_NAME_PREFIXES) or "compose" in low or low.endswith(_TEMPLATE_SUFFIXES)
                or (self.rails and directory.endswith("config"))):
            return False
        if name == "Procfile" or name.startswith("Procfile."):
            self.add(path, "process", "process manifest (Procfile)")
            return True
        if _TEMPLATE_RE.match(name):
            self.add(path, "template", f"config template {name}")
            return True
        if _COMPOSE_RE.match(name):
            text = read(64 * 1024) or ""
            m = _COMPOSE_ENV_RE.search(text)
            if m:
                self.add(path, "compose", f"L{text.count(chr(10), 0, m.start()) + 1}: {m.group(0).strip()} (compose)")
            return False  # the audit also reads compose files for the databases they run
        if _ECOSYSTEM_RE.match(name):
            text = read(64 * 1024) or ""
            if _PROCESS_ENV_RE.search(text):
                self.add(path, "process", f"process manifest {name} sets env")
            return True
        if name == "launchSettings.json":
            text = read(64 * 1024) or ""
            if "environmentVariables" in text:
                self.add(path, "process", "launchSettings.json sets environmentVariables")
            return True
        if _SPRING_RE.match(name) and "/resources" in f"/{directory}":
            self.add(path, "framework_config", f"Spring config {name}")
            return True
        if _APPSETTINGS_RE.match(name):
            self.add(path, "framework_config", f".NET config {name}")
            return True
        parent = directory.rsplit("/", 1)[-1]
        if self.rails and parent == "config" and name.endswith((".yml", ".yaml", ".yml.enc")):
            self.add(path, "framework_config", f"Rails config {name}")
            return True
        if self.rails and name.endswith(".yml.enc") and "credentials" in name:
            self.add(path, "framework_config", f"Rails credentials {name}")
            return True
        return False

    # by content, for source files --------------------------------------------------------------------
    def source(self, path: str, name: str, directory: str, ruleset: str, text: str) -> None:
        parent = directory.rsplit("/", 1)[-1]
        stem = name.rsplit(".", 1)[0]
        if ruleset == "php":
            if self.laravel and parent == "config":
                m = _LARAVEL_ENV_RE.search(text)
                if m:
                    self._found(path, "framework_config", text, m)
            elif _CONFIG_STEM_RE.match(stem):
                self._env_read(path, ruleset, text)
            return
        if ruleset == "python":
            if (stem == "settings" or parent == "settings") and _DJANGO_SETTINGS_RE.search(text):
                m = _DJANGO_SETTINGS_RE.search(text)
                assert m is not None
                self._found(path, "framework_config", text, m)
                return
            if "Settings" in text and _SETTINGS_CLASS_RE.search(text):
                self._python_classes(path, text)
        if ruleset == "ruby" and self.rails and path.endswith("config/boot.rb"):
            return  # Bundler's boot file sets BUNDLE_GEMFILE: no configuration of the app
        anywhere = _ANYWHERE.get(ruleset)
        if anywhere is not None and any(w in text for w in _ANYWHERE_WORDS[ruleset]):
            m = _code_match(anywhere, text)
            if m:
                self._found(path, "config_module", text, m)
                return
        if _CONFIG_STEM_RE.match(stem) or parent.lower() in _CONFIG_DIRS:
            self._env_read(path, ruleset, text)

    def _env_read(self, path: str, ruleset: str, text: str) -> None:
        rx = _ENV_READS.get(ruleset)
        m = _code_match(rx, text) if rx is not None else None
        if m:
            self._found(path, "config_module", text, m)

    def _found(self, path: str, kind: str, text: str, m: re.Match[str]) -> None:
        lineno = text.count("\n", 0, m.start()) + 1
        self.add(path, kind, f"L{lineno}: {m.group(0).strip()[:80]}")

    def _python_classes(self, path: str, text: str) -> None:
        try:
            module = ast.parse(text)
        except (SyntaxError, ValueError):
            return
        classes = []
        for node in module.body:
            if isinstance(node, ast.ClassDef):
                bases = [b.attr if isinstance(b, ast.Attribute) else b.id if isinstance(b, ast.Name) else ""
                         for b in node.bases]
                classes.append((node.name, [b for b in bases if b]))
        if classes:
            self._classes[path] = classes

    def finish(self) -> list[dict[str, Any]]:
        """Resolve settings classes (``BaseSettings`` and what derives from it) and return the entries."""
        settings = {"BaseSettings"}
        changed = True
        while changed:
            changed = False
            for classes in self._classes.values():
                for cls, bases in classes:
                    if cls not in settings and settings.intersection(bases):
                        settings.add(cls)
                        changed = True
        for path, classes in sorted(self._classes.items()):
            hit = next(((c, b) for c, b in classes if settings.intersection(b)), None)
            if hit:
                self.add(path, "config_module", f"class {hit[0]}({', '.join(hit[1])}) reads the environment")
        return self.entries

"""Classify a shell command the model wants to run: normal, migration, destructive or network.

The classification is the gate, so it errs on the careful side: a command that might change a
database is a ``migration`` (typed confirmation, turn ends after it), one that could wreck the machine
or the repository's history is ``destructive`` (never run), one that talks to another host or reads
credentials is ``network`` (always asks, with a warning). It sees through ``cd x && …``, ``;``,
``|``, subshells, backticks, ``sh -c``, ``sudo``/``env`` prefixes, ``VAR=1`` assignments and the usual
runners (``npx``, ``bunx``, ``poetry run``, ``uv run``, ``bundle exec``, ``docker compose exec`` …).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["normal", "migration", "destructive", "network"]
_SEVERITY: dict[str, int] = {"normal": 0, "network": 1, "migration": 2, "destructive": 3}

WIPES = "wipes the database"


@dataclass(frozen=True)
class CommandClass:
    """What a command is, why, and what the user should know before approving it."""

    kind: Kind
    reason: str
    warnings: tuple[str, ...] = ()


@dataclass
class _Verdict:
    kind: Kind = "normal"
    reason: str = "an ordinary command"
    warnings: list[str] = field(default_factory=list)

    def raise_to(self, kind: Kind, reason: str) -> None:
        if _SEVERITY[kind] > _SEVERITY[self.kind]:
            self.kind, self.reason = kind, reason

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


# -- splitting ---------------------------------------------------------------------------------------

_OPERATORS = {";", "&&", "||", "|", "&", "|&", "(", ")", ";;", "\n"}
_REDIRECTS = {">", ">>", "<", "<<", "<<<", ">|", "&>", "&>>", ">&", "<&", "<>"}
_FORK_BOMB = re.compile(r"(\S+)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&?[^}]*\}")
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SHELL_KEYWORDS = {"if", "then", "else", "elif", "while", "until", "do", "!", "{", "}", "fi", "done"}
# A program whose name is computed at run time ("$CMD args", "$(echo rm) -rf /") cannot be judged.
_DYNAMIC_HEAD = re.compile(r"(?:^|[;&|(\n]|\b(?:then|do|else)\s)\s*[\"']?(?:\$|`)")


def _tokens(command: str) -> tuple[list[str], bool]:
    """Shell words and operators; (tokens, parsed_ok). Backticks and ``$(`` open a new command."""
    text = command.replace("`", " ; ").replace("$(", " ( ")
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer), True
    except ValueError:
        return text.split(), False


def _segments(tokens: list[str]) -> list[tuple[list[str], list[tuple[str, str]], bool]]:
    """Simple commands: (words, redirections, reads_pipe). Redirections are (operator, target)."""
    result: list[tuple[list[str], list[tuple[str, str]], bool]] = []
    words: list[str] = []
    redirs: list[tuple[str, str]] = []
    piped = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _OPERATORS or (set(tok) <= set(";&|()") and tok not in _REDIRECTS and not _is_redirect(tok)):
            if words or redirs:
                result.append((words, redirs, piped))
            piped = tok in ("|", "|&")
            words, redirs = [], []
        elif _is_redirect(tok):
            target = tokens[i + 1] if i + 1 < len(tokens) else ""
            # "2>&1": the lexer yields ">", "&", "1"; skip the fd duplication.
            if target == "&" and i + 2 < len(tokens):
                target = "&" + tokens[i + 2]
                i += 1
            if words and re.fullmatch(r"\d+", words[-1]):
                words.pop()  # the fd number before ">"
            redirs.append((tok, target))
            i += 1
        else:
            words.append(tok)
        i += 1
    if words or redirs:
        result.append((words, redirs, piped))
    return result


def _is_redirect(tok: str) -> bool:
    return tok in _REDIRECTS or bool(re.fullmatch(r"[<>&|]*[<>][<>&|]*", tok) and ("<" in tok or ">" in tok))


# -- unwrapping runners ------------------------------------------------------------------------------

_SIMPLE_WRAPPERS = {"nohup", "time", "exec", "command", "builtin", "nice", "ionice", "stdbuf", "chronic",
                    "unbuffer", "caffeinate", "doas", "setsid"}
_RUNNER_PAIRS = {("poetry", "run"), ("uv", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"),
                 ("bundle", "exec"), ("pnpm", "exec"), ("pnpm", "dlx"), ("yarn", "dlx"), ("yarn", "exec"),
                 ("npm", "exec"), ("rye", "run"), ("conda", "run"), ("mamba", "run"), ("uvx", ""),
                 ("pixi", "run"), ("dotenv", "--"), ("go", "run")}
_DOCKER_VALUE_FLAGS = {"-e", "--env", "-w", "--workdir", "-u", "--user", "--env-file", "-v", "--volume",
                       "--name", "--network", "-p", "--publish", "--entrypoint", "-f", "--file", "--project-name",
                       "--profile", "-l", "--label", "--index"}


def _base(word: str) -> str:
    return posixpath.basename(word).lower()


@dataclass(frozen=True)
class _Wrapper:
    """A program that runs another one: its flags are skipped (with their values) to reach the real command."""

    name: str
    flags_with_values: frozenset[str]
    then_skip: int = 0  # words after the flags that are not the command (timeout's duration)
    warning: str = ""
    assignments: bool = False  # env: NAME=value words among the flags, and -S "…" split into words


_WRAPPERS = (
    _Wrapper("sudo", frozenset({"-u", "-g", "-h", "-p", "-C", "-U", "--user", "--group"}),
             warning="runs with sudo (administrator rights)"),
    _Wrapper("doas", frozenset({"-u", "-g", "-h", "-p", "-C", "-U", "--user", "--group"}),
             warning="runs with sudo (administrator rights)"),
    _Wrapper("env", frozenset({"-u", "--unset", "-C", "--chdir"}), assignments=True),
    _Wrapper("timeout", frozenset({"-s", "--signal", "-k", "--kill-after"}), then_skip=1),
    _Wrapper("xargs", frozenset({"-n", "-P", "-I", "-L", "-d", "-a", "-s", "-E"})),
    *(_Wrapper(name, frozenset({"-n", "-c", "-o", "-e", "-i"})) for name in sorted(_SIMPLE_WRAPPERS)),
    *(_Wrapper(name, frozenset({"-p", "--package", "--from", "--with"})) for name in ("npx", "bunx", "pnpx", "uvx")),
)
_WRAPPER_OF = {w.name: w for w in _WRAPPERS}


def _skip_flags(rest: list[str], wrapper: _Wrapper, env: dict[str, str]) -> list[str]:
    """``rest`` after the wrapper's leading flags (and ``env``'s assignments, recorded in ``env``)."""
    while rest and (rest[0].startswith("-") or (wrapper.assignments and _ASSIGN.match(rest[0]))):
        word = rest[0]
        if wrapper.assignments and _ASSIGN.match(word):
            name, _, value = word.partition("=")
            env[name] = value
            rest = rest[1:]
        elif wrapper.assignments and word in ("-S", "--split-string") and len(rest) > 1:
            rest = shlex.split(rest[1]) + rest[2:]  # env -S "A=1 cmd args"
        else:
            rest = rest[2:] if word in wrapper.flags_with_values else rest[1:]
    return rest


def _unwrap(words: list[str], verdict: _Verdict, env: dict[str, str]) -> list[str]:
    """Strip assignments, sudo/env/timeout wrappers and runners until the real program is first."""
    for _ in range(12):
        while words and _ASSIGN.match(words[0]):
            name, _, value = words[0].partition("=")
            env[name] = value
            words = words[1:]
        if not words:
            return words
        head = _base(words[0])
        if words[0] in _SHELL_KEYWORDS:
            words = words[1:]
            continue
        wrapper = _WRAPPER_OF.get(head)
        if wrapper is not None:
            if wrapper.warning:
                verdict.warn(wrapper.warning)
            rest = _skip_flags(words[1:], wrapper, env)
            if wrapper.name == "env" and not rest:
                return words  # bare "env": an environment dump, judged by the caller
            words = rest[wrapper.then_skip:]
            continue
        if len(words) > 1 and (head, words[1]) in _RUNNER_PAIRS:
            rest = words[2:]
            while rest and rest[0].startswith("-") and rest[0] != "--":
                rest = rest[1:]
            if rest and rest[0] == "--":
                rest = rest[1:]
            words = rest
            continue
        if head in ("python", "python3", "py") or re.fullmatch(r"python3\.\d+", head):
            if len(words) > 2 and words[1] == "-m":
                words = words[2:]
                continue
            return words
        if head in ("docker", "podman") or (head == "docker-compose"):
            words = _unwrap_container(words)
            continue
        if head in ("kubectl", "oc") and "--" in words:
            words = words[words.index("--") + 1 :]
            continue
        return words
    return words


def _unwrap_container(words: list[str]) -> list[str]:
    """``docker [compose] exec|run [flags] SERVICE CMD…`` → ``CMD…`` (other docker commands unchanged)."""
    rest = words[1:]
    if _base(words[0]) != "docker-compose" and rest and rest[0] == "compose":
        rest = rest[1:]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in _DOCKER_VALUE_FLAGS else rest[1:]
    if not rest or rest[0] not in ("exec", "run"):
        return ["docker", *rest]  # stops the unwrapping: head "docker" is not a wrapper any more
    rest = rest[1:]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in _DOCKER_VALUE_FLAGS and "=" not in rest[0] else rest[1:]
    return rest[1:]  # drop the service / container / image


# -- migrations ----------------------------------------------------------------------------------------

_SQL_CLIENTS = {"psql", "mysql", "mariadb", "sqlite3", "sqlite", "sqlcmd", "clickhouse-client", "cockroach",
                "mongosh", "mongo", "pgcli", "mycli", "litecli", "duckdb", "usql", "bq", "snowsql"}
_SQL_WRITE = re.compile(
    r"\b(drop|truncate|alter|delete\s+from|update\s+[\w.\"`]+\s+set|insert\s+into|create|grant|revoke|"
    r"rename\s+table|replace\s+into|merge\s+into|vacuum|reindex)\b",
    re.IGNORECASE,
)
_SQL_WIPE = re.compile(r"\b(drop\s+(database|schema|table)|truncate)\b", re.IGNORECASE)
_GENERIC_RUNNERS = {"python", "python3", "node", "ts-node", "tsx", "bash", "sh", "zsh", "deno", "bun", "make",
                    "just", "task", "npm", "pnpm", "yarn", "invoke", "nox", "tox", "php", "mix", "go", "ruby",
                    "perl", "cargo", "gradle", "./gradlew", "mvn", "rake", "sbt", "lein", "bb", "poe", "hatch"}
_DB_TASK = re.compile(r"(^|[:_\-./])(db|database|schema)[:_\-.](push|reset|drop|seed|wipe|migrate|rollback|setup|"
                      r"load|sync|execute|purge|fresh|refresh)", re.IGNORECASE)


def _migration(words: list[str], verdict: _Verdict, full_text: str, piped: bool,
               redirs: list[tuple[str, str]]) -> bool:
    """Mark ``verdict`` if ``words`` (already unwrapped) is a database migration; True if it knew the tool."""
    head = _base(words[0])
    args = [w for w in words[1:]]
    low = [a.lower() for a in args]
    positional = [a for a in low if not a.startswith("-")]

    def mig(tool: str, wipes: bool = False) -> bool:
        verdict.raise_to("migration", f"{tool} changes the database schema or data")
        if wipes:
            verdict.warn(f"{tool}: {WIPES}")
        return True

    if head == "prisma":
        if positional[:1] == ["migrate"]:
            sub = positional[1] if len(positional) > 1 else ""
            if sub in ("status", "diff"):
                return True
            return mig(f"prisma migrate {sub}".strip(), wipes=sub == "reset")
        if positional[:1] == ["db"]:
            sub = positional[1] if len(positional) > 1 else ""
            if sub == "pull":
                return True
            wipes = "--force-reset" in low or "--accept-data-loss" in low
            return mig(f"prisma db {sub}".strip(), wipes=wipes)
        return True
    if head == "alembic":
        if any(p in ("upgrade", "downgrade", "stamp") for p in positional):
            return mig("alembic " + next(p for p in positional if p in ("upgrade", "downgrade", "stamp")))
        return True
    if head in ("knex",):
        for p in positional:
            if (p.startswith("migrate:") and p not in ("migrate:make", "migrate:list", "migrate:status",
                                                        "migrate:currentversion")) or p.startswith("seed:run"):
                return mig(f"knex {p}")
        return True
    if head in ("sequelize", "sequelize-cli"):
        for p in positional:
            if p.startswith(("db:migrate", "db:seed", "db:drop", "db:create")):
                return mig(f"sequelize {p}", wipes=p.startswith("db:drop") or p.endswith(":undo:all"))
        return True
    if head.startswith("typeorm"):
        for p in positional:
            if p in ("migration:run", "migration:revert", "schema:sync", "schema:drop", "query", "schema:log"):
                return mig(f"typeorm {p}", wipes=p == "schema:drop")
        return True
    if head in ("manage.py", "django-admin") or (head in ("python", "python3") and args and _base(args[0]) == "manage.py"):
        sub_args = positional[1:] if head in ("python", "python3") else positional
        sub = sub_args[0] if sub_args else ""
        if sub in ("migrate", "flush", "loaddata", "sqlflush", "reset_db", "dbshell"):
            return mig(f"django {sub}", wipes=sub in ("flush", "reset_db"))
        return True
    if head in ("rails", "rake", "bin/rails"):
        for p in positional:
            if p.startswith("db:") and p not in ("db:version", "db:migrate:status"):
                return mig(f"{head} {p}", wipes=any(w in p for w in ("reset", "drop", "purge", "truncate")))
        return True
    if head == "artisan" or (head == "php" and args and _base(args[0]) == "artisan"):
        for p in positional:
            if p.startswith(("migrate", "db:wipe", "db:seed")):
                return mig(f"artisan {p}", wipes=p in ("migrate:fresh", "migrate:reset", "db:wipe"))
        return True
    if head == "mix":
        for p in positional:
            if p.startswith(("ecto.migrate", "ecto.rollback", "ecto.reset", "ecto.drop", "ecto.setup")):
                return mig(f"mix {p}", wipes=p in ("ecto.reset", "ecto.drop"))
        return True
    if head == "flyway":
        for p in positional:
            if p in ("migrate", "clean", "undo", "repair", "baseline"):
                return mig(f"flyway {p}", wipes=p == "clean")
        return True
    if head == "liquibase":
        for p in positional:
            key = p.replace("-", "")
            if key.startswith(("update", "rollback", "dropall", "executesql", "changelogsync", "markNextChangesetRan".lower())):
                return mig(f"liquibase {p}", wipes=key == "dropall")
        return True
    if head in ("migrate", "golang-migrate") and "/" not in words[0]:
        for p in positional:
            if p in ("up", "down", "goto", "force", "drop"):
                return mig(f"migrate {p}", wipes=p == "drop" or (p == "down" and "-all" in low))
        return True
    if head == "goose":
        for p in positional:
            if p in ("up", "up-by-one", "up-to", "down", "down-to", "redo", "reset"):
                return mig(f"goose {p}", wipes=p == "reset")
        return True
    if head in ("sqlx", "cargo-sqlx") or (head == "cargo" and positional[:1] == ["sqlx"]):
        pos = positional[1:] if head == "cargo" else positional
        if pos[:1] == ["migrate"] and len(pos) > 1 and pos[1] in ("run", "revert"):
            return mig(f"sqlx migrate {pos[1]}")
        if pos[:1] in (["database"], ["db"]) and len(pos) > 1 and pos[1] in ("drop", "reset", "setup", "create"):
            return mig(f"sqlx database {pos[1]}", wipes=pos[1] in ("drop", "reset"))
        return True
    if head == "diesel":
        if positional[:1] == ["migration"] and len(positional) > 1 and positional[1] in ("run", "revert", "redo"):
            return mig(f"diesel migration {positional[1]}")
        if positional[:1] == ["database"] and len(positional) > 1 and positional[1] in ("reset", "setup", "drop"):
            return mig(f"diesel database {positional[1]}", wipes=positional[1] in ("reset", "drop"))
        return True
    if head == "dotnet" and positional[:1] == ["ef"]:
        if positional[1:3] in (["database", "update"], ["database", "drop"]):
            return mig(f"dotnet ef database {positional[2]}", wipes=positional[2] == "drop")
        return True
    if head in ("atlas", "dbmate", "sqitch", "tern", "dbmigrate", "supabase", "hasura", "drizzle-kit",
                "mikro-orm", "node-pg-migrate", "db-migrate", "migra", "skeema", "bytebase"):
        writes = {"apply", "up", "down", "push", "deploy", "rollback", "revert", "migrate", "reset", "drop",
                  "migration:up", "migration:down", "migration:fresh", "schema:update", "schema:drop",
                  "schema:fresh", "redo", "rebase", "load"}
        for p in positional:
            if p in writes or "migrat" in p and p not in ("migration:create", "migrate:create", "new"):
                if p in ("new", "create", "generate", "status", "diff", "inspect", "lint"):
                    continue
                return mig(f"{head} {p}", wipes=p in ("reset", "drop", "schema:drop", "migration:fresh"))
        return True
    if head in _SQL_CLIENTS:
        inline = " ".join(args)
        feeds_stdin = piped or any(op in ("<", "<<", "<<<") for op, _ in redirs)
        runs_file = any(a in ("-f", "--file", "-e", "--execute", "-c", "--command", "-i") for a in low) or any(
            a.endswith(".sql") for a in low
        )
        if _SQL_WRITE.search(inline) or (feeds_stdin and _SQL_WRITE.search(full_text)):
            return mig(f"{head} with SQL that writes", wipes=bool(_SQL_WIPE.search(full_text)))
        if feeds_stdin or any(a.endswith(".sql") for a in low) or ("-f" in low or "--file" in low):
            return mig(f"{head} running SQL it cannot inspect")
        if head in ("psql", "mysql", "mariadb", "sqlcmd") and not runs_file and not any(
            a in ("-l", "--list", "--version", "-v", "-V") for a in low
        ):
            verdict.warn(f"{head} without a query opens an interactive session; it will wait for the timeout")
        return True
    return False


def _generic_migration(words: list[str], verdict: _Verdict) -> None:
    """Project scripts that look like migrations: ``python migrate.py``, ``make migrate``, ``npm run migrate``."""
    head = words[0].lower()
    base = _base(head)
    is_script = "/" in head or base.endswith((".sh", ".py", ".js", ".ts", ".rb", ".php"))
    if "migrat" in base or (is_script and _DB_TASK.search(base)):
        verdict.raise_to("migration", f"{base} looks like a project migration script")
        return
    if base not in _GENERIC_RUNNERS and not is_script:
        return
    for arg in words[1:]:
        low = arg.lower()
        if low.startswith("-") and "=" not in low:
            continue
        if ("migrat" in low and not re.search(r"(make|show|squash|create|new|generate)[_-]?migrat", low)) or (
            _DB_TASK.search(low)
        ):
            if low.endswith(("/", ".md", ".txt")) and "migrat" in low:
                continue
            verdict.raise_to("migration", f"{base} {arg} looks like a database migration")
            verdict.warn("this project script was recognised by name only; check what it does")
            return


# -- destructive -----------------------------------------------------------------------------------------

_SAFE_DEVICES = re.compile(r"^/dev/(null|zero|stdout|stderr|stdin|tty|fd/\d+|random|urandom)$")
_HOME_VARS = re.compile(r"^\$(\{)?(HOME|USER|PWD|OLDPWD)\b")


class _Place:
    """Where the command has ``cd``-ed to, relative to the repository root (None = unknown/outside)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.rel: str | None = "."

    def cd(self, target: str | None) -> None:
        if target is None or target in ("-", "~") or target.startswith(("~", "$")):
            self.rel = None
            return
        self.rel = self.join(target)

    def join(self, target: str) -> str | None:
        """The target's path relative to the root, or None when it is outside or unknowable."""
        if "$" in target or target.startswith("~") or target == "-":
            return None
        if target.startswith("/"):
            if self.root is None:
                return None
            norm = posixpath.normpath(target)
            root = posixpath.normpath(str(self.root))
            if norm == root:
                return "."
            if norm.startswith(root + "/"):
                return norm[len(root) + 1 :]
            return None
        if self.rel is None:
            return None
        joined = posixpath.normpath(posixpath.join(self.rel, target))
        if joined == ".." or joined.startswith("../"):
            return None
        return joined


def _destructive(words: list[str], redirs: list[tuple[str, str]], place: _Place, verdict: _Verdict) -> None:
    head = _base(words[0]) if words else ""
    args = words[1:]
    low = [a.lower() for a in args]

    def refuse(reason: str) -> None:
        verdict.raise_to("destructive", reason)

    for op, target in redirs:
        if op in (">", ">>", ">|", "&>", "&>>", "<>") and target and not target.startswith("&"):
            if target.startswith("/dev/"):
                if not _SAFE_DEVICES.match(target):
                    refuse(f"writes straight to the device {target}")
            elif not target.startswith("/tmp/") and place.join(target) is None:
                refuse(f"writes to {target}, outside the repository")
            elif (place.join(target) or "").split("/")[0].lower() == ".git":
                refuse("writes into .git")
    if not head:
        return
    if head == "rm" or head == "rmdir" or head == "shred" or head == "unlink":
        recursive = any(a in ("-r", "-R", "--recursive") or (re.fullmatch(r"-[a-zA-Z]+", a) and "r" in a.lower())
                        for a in args)
        targets = _operands(args)
        for t in targets:
            rel = place.join(t)
            if "$" in t and not _HOME_VARS.match(t):
                if recursive:
                    refuse(f"rm -r on {t}: a variable that may be empty or point anywhere")
                continue
            if rel is None:
                refuse(f"{head} on {t}, outside the repository")
            elif rel == "." or rel.split("/")[0] in ("*", ".*") or rel in ("*", ".*"):
                if recursive or rel != ".":
                    refuse(f"{head} {t} deletes the whole repository")
            elif rel.split("/")[0].lower() == ".git":
                refuse(f"{head} {t} deletes git's history")
        if "--no-preserve-root" in low:
            refuse("rm --no-preserve-root")
        return
    if head in ("chmod", "chown", "chgrp", "chattr") and any(a in ("-r", "--recursive") or a == "-R" for a in args):
        for t in _operands(args)[1:] if head != "chattr" else _operands(args):
            if place.join(t) is None:
                refuse(f"{head} -R on {t}, outside the repository")
        return
    if head == "find":
        if "-delete" in low or ("-exec" in low and any(_base(a) in ("rm", "shred") for a in args)):
            starts = [a for a in args if not a.startswith(("-", "(", "!"))][:1] or ["."]
            for t in starts:
                if place.join(t) is None:
                    refuse(f"find {t} -delete removes files outside the repository")
        return
    if head.startswith("mkfs") or head in ("fdisk", "sfdisk", "parted", "wipefs", "mkswap", "format", "diskpart"):
        refuse(f"{head} formats or repartitions a disk")
        return
    if head == "dd":
        for a in args:
            if a.startswith("of=/dev/") and not _SAFE_DEVICES.match(a[3:]):
                refuse("dd writes straight to a device")
            elif a.startswith("of=") and place.join(a[3:]) is None and not a[3:].startswith("/tmp/"):
                refuse(f"dd writes to {a[3:]}, outside the repository")
        return
    if head in ("shutdown", "reboot", "halt", "poweroff") or (head in ("init", "telinit") and low[:1] in (["0"], ["6"])):
        refuse(f"{head} stops the machine")
        return
    if head == "kill" and any(a in ("-1", "--", "1") for a in args) and "-1" in args[-1:]:
        refuse("kill -1 kills every process you own")
        return
    if head in _FILE_WRITERS:
        for t in _operands(args) + [a[3:] for a in args if a.startswith("of=")]:
            rel = place.join(t)
            if rel is not None and any(part.casefold() == ".git" for part in rel.split("/")):
                refuse(f"{head} writes into {t}: files in .git (hooks, config) run code and are off limits")
    if head in ("mv",) and args:
        ops = _operands(args)
        if ops and place.join(ops[-1]) is None and not ops[-1].startswith("/tmp/"):
            refuse(f"mv into {ops[-1]}, outside the repository")
        for t in ops[:-1]:
            rel = place.join(t)
            if rel is None or rel == "." or rel.split("/")[0].lower() == ".git":
                refuse(f"mv of {t}, which is the repository, .git or outside it")
        return
    if head == "git":
        _git(args, verdict)


_FILE_WRITERS = {"cp", "mv", "tee", "ln", "install", "touch", "chmod", "chown", "sed", "perl", "truncate",
                 "rsync", "dd", "patch", "unzip", "tar", "rm", "mkdir"}


def _operands(args: list[str]) -> list[str]:
    out: list[str] = []
    after_dashdash = False
    for a in args:
        if after_dashdash or not a.startswith("-") or a == "-":
            out.append(a)
        elif a == "--":
            after_dashdash = True
    return out


def _git(args: list[str], verdict: _Verdict) -> None:
    # Skip global options such as -C dir, -c key=value, --no-pager.
    rest = list(args)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-C", "-c", "--git-dir", "--work-tree", "--namespace") else rest[1:]
    if not rest:
        return
    sub, opts = rest[0], rest[1:]
    short = "".join(o[1:] for o in opts if re.fullmatch(r"-[a-zA-Z]+", o))

    def refuse(reason: str) -> None:
        verdict.raise_to("destructive", reason)

    if sub == "push":
        forced = (
            any(o in ("--force", "--force-with-lease", "--mirror", "--delete", "--prune", "--force-if-includes")
                or o.startswith("--force-with-lease=") for o in opts)
            or "f" in short or "d" in short
            or any(o.startswith("+") or (o.startswith(":") and len(o) > 1) for o in opts)
        )
        if forced:
            refuse("git push --force / --delete rewrites or deletes history on the remote")
        else:
            verdict.raise_to("network", "git push sends the repository's commits to a remote")
            verdict.warn("git push publishes code to a remote")
    elif sub == "reset" and any(o in ("--hard", "--merge", "--keep") for o in opts):
        refuse("git reset --hard throws away uncommitted work")
    elif sub == "clean" and ("f" in short or "--force" in opts):
        refuse("git clean -f deletes untracked files, including new work")
    elif sub in ("commit", "rebase", "filter-branch", "filter-repo", "update-ref", "replace", "am"):
        refuse(f"git {sub} changes history; phasegate makes one commit per approved phase itself")
    elif sub == "config" and not any(
        o in ("--get", "--get-all", "--get-regexp", "--list", "-l", "--show-origin", "--show-scope", "get", "list")
        for o in opts
    ) and len([o for o in opts if not o.startswith("-")]) > 1:
        refuse("git config changes git's settings (hooksPath, aliases, fsmonitor can run code); ask the user")
    elif sub == "reflog" and opts[:1] in (["expire"], ["delete"]):
        refuse("git reflog expire/delete destroys the safety net")
    elif sub == "gc" and any(o.startswith("--prune") for o in opts):
        refuse("git gc --prune destroys unreachable commits")
    elif sub == "branch" and ("D" in short or ("d" in short and ("f" in short or "--force" in opts))):
        refuse("git branch -D deletes a branch with unmerged work")
    elif sub == "stash" and opts[:1] in (["drop"], ["clear"]):
        refuse("git stash drop/clear deletes stashed work")
    elif sub in ("checkout", "switch", "restore") and ("f" in short or "--force" in opts or "--discard-changes" in opts
                                                        or (sub != "switch" and "." in opts)):
        refuse(f"git {sub} that discards the working tree's changes")
    elif sub in ("checkout", "switch", "stash", "merge", "cherry-pick", "revert", "tag", "reset", "rm", "mv",
                 "worktree", "submodule", "pull", "restore", "apply"):
        verdict.warn(f"git {sub} changes the repository state that phasegate tracks for this phase")
    if sub in ("clone", "fetch", "pull", "ls-remote", "remote") and sub != "remote":
        verdict.raise_to("network", f"git {sub} contacts a remote")


# -- network and secrets ---------------------------------------------------------------------------------

_NET_TOOLS = {"curl", "wget", "nc", "ncat", "netcat", "ssh", "scp", "sftp", "telnet", "ftp", "socat", "http",
              "https", "xh", "aria2c", "lftp", "mosh", "sshpass", "tftp", "smbclient", "curlie", "httpie",
              "rclone", "s3cmd", "gsutil"}
_LOCAL_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/\s]*@)?(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)"
                         r"(?::\d+)?(?:[/?#].*)?$", re.IGNORECASE)
_SECRET_PATHS = re.compile(
    r"(^|[\s/=:'\"])(~|\$\{?HOME\}?)?/?\.(ssh|aws|gnupg|kube|docker|netrc|pgpass|npmrc|pypirc|git-credentials|"
    r"config/gcloud|config/gh|config/phasegate|azure)\b"
    r"|/etc/(passwd|shadow|sudoers|gshadow)\b|/proc/[^\s/]+/environ|\bid_(rsa|ed25519|ecdsa|dsa)\b"
    r"|(^|[\s/])\.bash_history\b",
    re.IGNORECASE,
)
_ENV_DUMPERS = {"env", "printenv", "export", "declare", "set", "compgen", "typeset"}


def _network(words: list[str], verdict: _Verdict, is_env: Callable[[str], bool]) -> None:
    head = _base(words[0])
    args = words[1:]
    if head in _NET_TOOLS or head.startswith("python") and args[:2] == ["-m", "http.server"]:
        operands = [a for a in args if not a.startswith("-")]
        urls = [a for a in operands if re.match(r"^[a-z][a-z0-9+.-]*://", a, re.I) or "." in a or ":" in a]
        if head in ("curl", "wget", "http", "https", "xh", "curlie", "httpie") and urls and all(
            _LOCAL_HOST.match(u) for u in urls
        ):
            verdict.warn(f"{head} talks to a server on this machine")
            return
        verdict.raise_to("network", f"{head} talks to another host: data could leave this machine")
        verdict.warn(f"{head} can send data off this machine (exfiltration risk)")
        return
    if head == "rsync" and any(re.match(r"^[^/\s]*:", a) or a.startswith("rsync://") for a in args):
        verdict.raise_to("network", "rsync to or from another host")
        verdict.warn("rsync can send data off this machine (exfiltration risk)")
        return
    if head in _ENV_DUMPERS and (not args or (head == "export" and args == ["-p"]) or (
            head in ("declare", "typeset") and args[:1] in (["-x"], ["-p"])) or (head == "compgen" and "-v" in args)):
        verdict.raise_to("network", f"{head} dumps the environment, which may hold secrets")
        verdict.warn("dumps environment variables into the output the model reads")
        return
    for arg in args:
        if is_env(arg):
            verdict.raise_to("network", f"reads {arg}, a .env-style file: its values would reach the model")
            verdict.warn(f"reads secrets from {arg}")


def _secret_paths(text: str, verdict: _Verdict) -> None:
    match = _SECRET_PATHS.search(text)
    if match:
        verdict.raise_to("network", f"touches credentials ({match.group(0).strip()})")
        verdict.warn(f"reads credential files ({match.group(0).strip()}); their contents would reach the model")


# -- the entry point ---------------------------------------------------------------------------------------


def classify(command: str, root: Path | None = None, *, _depth: int = 0) -> CommandClass:
    """Classify ``command`` (a shell string). ``root`` lets absolute paths inside the repository count as inside."""
    from phasegate.app.agent.workspace import is_env_file  # local: keeps this module importable on its own

    verdict = _Verdict()
    text = command or ""
    if not text.strip():
        return CommandClass("normal", "an empty command")
    if _FORK_BOMB.search(text.replace("\n", " ")):
        return CommandClass("destructive", "a fork bomb", ("would exhaust the machine's processes",))
    tokens, parsed = _tokens(text)
    if not parsed:
        verdict.warn("the command's quoting could not be parsed; it was judged word by word")
    place = _Place(root)
    _secret_paths(text, verdict)
    if _DYNAMIC_HEAD.search(text):
        verdict.raise_to("migration", "it runs a program whose name is only known at run time")
        verdict.warn("the program to run is computed at run time; phasegate cannot tell what it does")
    for words, redirs, piped in _segments(tokens):
        env: dict[str, str] = {}
        words = _unwrap(words, verdict, env)
        for name in env:
            if name in ("LD_PRELOAD", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES"):
                verdict.warn(f"sets {name}, which changes what code runs")
        for redirected_op, target in redirs:
            if redirected_op in ("<", "<<<") and is_env_file(target):
                verdict.raise_to("network", f"reads {target}, a .env-style file: its values would reach the model")
                verdict.warn(f"reads secrets from {target}")
        if not words:
            _destructive([], redirs, place, verdict)
            continue
        head = _base(words[0])
        if head == "cd" or head == "pushd":
            place.cd(words[1] if len(words) > 1 else None)
            continue
        # Shells and eval: classify the script they are given.
        inner = _inner_script(words)
        if inner is not None:
            if _depth < 4:
                sub = classify(inner, root, _depth=_depth + 1)
                verdict.raise_to(sub.kind, sub.reason)
                for w in sub.warnings:
                    verdict.warn(w)
            else:
                verdict.raise_to("migration", "deeply nested shell scripts cannot be inspected")
            continue
        _destructive(words, redirs, place, verdict)
        known = _migration(words, verdict, text, piped, redirs)
        if not known:
            _generic_migration(words, verdict)
        _network(words, verdict, is_env_file)
    return CommandClass(verdict.kind, verdict.reason, tuple(verdict.warnings))


#: Characters that make a command more than one plain program call (chained, piped, redirected, computed).
#: The session's allow-list only ever matches commands without them (``ShellTools.allowlisted``).
_NOT_PLAIN = set(";&|<>`$\n(){}")


def always_allow_refusal(command: str, kind: Kind) -> str | None:
    """Why "always allow for this session" must not be offered for ``command`` (``None``: it may be).

    Only a plain, ordinary command without warnings can be allowed for the rest of a session: a
    migration needs the typed confirmation every time, a network or credential command asks every time
    (the tool asks again whatever the allow-list says), a destructive one never runs, and a chained or
    redirected command could never match an allow-list entry anyway. ``kind`` is the classification the
    tool made with the repository's root; the command is classified again here (without the root, so
    stricter), and the stricter verdict counts.
    """
    verdict = classify(command)
    if _SEVERITY[verdict.kind] > _SEVERITY[kind]:
        kind = verdict.kind
    if kind == "migration":
        return "a migration needs your typed confirmation every time"
    if kind == "network":
        return "it reaches the network or reads secrets, so it asks every time"
    if kind == "destructive":
        return "phasegate never runs destructive commands"
    if any(ch in _NOT_PLAIN for ch in command):
        return "it chains, pipes or redirects commands; only a plain command can be allowed for the session"
    if verdict.warnings:
        return f"it comes with a warning ({verdict.warnings[0]})"
    return None


def _inner_script(words: list[str]) -> str | None:
    head = _base(words[0])
    if head == "eval":
        return " ".join(words[1:])
    if head in ("sh", "bash", "zsh", "dash", "ksh", "fish", "ash"):
        for i, w in enumerate(words[1:], start=1):
            if w == "-c" or (re.fullmatch(r"-[a-z]*c[a-z]*", w) and not w.startswith("--")):
                return words[i + 1] if i + 1 < len(words) else ""
    return None


# -- DSNs ----------------------------------------------------------------------------------------------------

_URL_CRED = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/?#@\s'\"]*):(?P<pw>[^\s'\"]*)@(?=[^@\s'\"]*)")
_KV_PASSWORD = re.compile(r"(?P<key>\b(?:password|passwd|pwd|pass|PGPASSWORD|MYSQL_PWD)\s*[=:]\s*)(?P<val>'[^']*'|\"[^\"]*\"|[^\s;&'\"]+)",
                          re.IGNORECASE)
_MYSQL_P = re.compile(r"(?P<flag>(?<=\s)-p)(?P<val>[^\s]+)")


def redact_dsn(text: str) -> str:
    """Hide passwords in connection strings: ``postgres://user:****@host/db``, ``password=****``."""

    def url(match: re.Match[str]) -> str:
        return f"{match['scheme']}{match['user']}:****@"

    text = _URL_CRED.sub(url, text)
    text = _KV_PASSWORD.sub(lambda m: f"{m['key']}****", text)
    return text


_DB_URL_VARS = ("DATABASE_URL", "DB_URL", "DIRECT_URL", "POSTGRES_URL", "POSTGRESQL_URL", "MYSQL_URL",
                "SQLALCHEMY_DATABASE_URI", "DATABASE_URI", "DB_DSN", "DSN", "GOOSE_DBSTRING", "FLYWAY_URL",
                "LIQUIBASE_COMMAND_URL", "MONGODB_URI", "MONGO_URL", "SQLITE_PATH")
_DSN_IN_TEXT = re.compile(r"\b(?:postgres(?:ql)?|mysql|mariadb|sqlite3?|sqlserver|mssql|mongodb(?:\+srv)?|"
                          r"cockroachdb|clickhouse|redshift|oracle|jdbc:[a-z]+|file)[a-z0-9+]*:[^\s'\"]+", re.IGNORECASE)


def target_database(command: str, env_text: str = "") -> str | None:
    """Which database a migration would hit, password redacted, or None when it cannot be told.

    Looks in the command first (a DSN argument, ``DATABASE_URL=…`` prefix, ``psql -h/-d``), then in
    ``env_text`` (the repository's ``.env`` contents) for ``DATABASE_URL`` and friends.
    """
    tokens, _ = _tokens(command or "")
    env: dict[str, str] = {}
    for tok in tokens:
        if _ASSIGN.match(tok):
            name, _, value = tok.partition("=")
            env[name] = value
    for name in _DB_URL_VARS:
        if env.get(name):
            return redact_dsn(env[name])
    for tok in tokens:
        if tok.startswith("-") and "=" in tok:
            tok = tok.split("=", 1)[1]
        match = _DSN_IN_TEXT.search(tok)
        if match:
            return redact_dsn(match.group(0))
    described = _client_flags(tokens)
    if described:
        return described
    values = _parse_env(env_text)
    for name in _DB_URL_VARS:
        if values.get(name):
            return redact_dsn(values[name])
    host, db = values.get("PGHOST") or values.get("DB_HOST"), values.get("PGDATABASE") or values.get("DB_NAME")
    if host or db:
        return f"{host or 'localhost'}/{db or '?'}"
    return None


def _client_flags(tokens: list[str]) -> str | None:
    host = db = None
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok in ("-h", "--host") and nxt:
            host = nxt
        elif tok.startswith("--host="):
            host = tok.split("=", 1)[1]
        elif tok in ("-d", "--dbname", "-D", "--database") and nxt:
            db = nxt
        elif tok.startswith(("--dbname=", "--database=")):
            db = tok.split("=", 1)[1]
    if db and _DSN_IN_TEXT.search(db):
        return redact_dsn(db)
    if host or db:
        return f"{host or 'localhost'}/{db or '?'}"
    return None


def _parse_env(env_text: str) -> dict[str, str]:
    from phasegate.app.agent.workspace import env_bindings

    return {b.key: b.value for b in env_bindings(env_text or "") if b.key is not None and b.value is not None}

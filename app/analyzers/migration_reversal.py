"""The migrations a change adds, and whether each can be reverted.

A migration that cannot be rolled back turns a bad deploy into a restore from backup, so the review
says, per added migration file, how it would be undone — or that it cannot be:

* **SQL migrations with a down file**: golang-migrate and sqlx ``N_name.up.sql`` with ``N_name.down.sql``,
  Diesel ``up.sql`` with a non-empty ``down.sql`` beside it, Flyway ``V<version>__x.sql`` with an undo
  file ``U<version>__*.sql`` anywhere in the tree, goose SQL with statements after ``-- +goose Down``.
  A plain sqlx ``N_name.sql`` and a Prisma ``migration.sql`` have no down migration by design.
* **Alembic** (``versions/*.py`` with ``down_revision``): a ``downgrade()`` whose body does something
  (not just ``pass``, ``...`` or a docstring).
* **Django** (``migrations/NNNN_*.py``): reversible unless an operation is ``RunPython`` without
  ``reverse_code`` or ``RunSQL`` without ``reverse_sql`` (Django's own rule; ``RunPython.noop`` counts).
* **Rails** (``db/migrate/*.rb``): ``change`` (reversible by Active Record) unless it raises
  ``ActiveRecord::IrreversibleMigration`` or calls ``execute`` outside a ``reversible`` block; ``up``
  needs a ``down`` that does not raise.
* **Knex, Sequelize, TypeORM** (JavaScript/TypeScript): a ``down`` function or method with a body.
* **EF Core** (``Migrations/*.cs``): a ``Down(MigrationBuilder …)`` override with a body.
* **Liquibase** changelogs: every change set has a ``rollback`` or holds only changes Liquibase rolls
  back itself (``createTable``, ``addColumn``, ``createIndex``, ``renameColumn``…); formatted SQL
  needs a ``--rollback`` line per change set.

Python is read with ``ast``, Ruby, JavaScript/TypeScript and C# with tree-sitter, Liquibase XML with
expat and YAML/JSON with their parsers. A file that cannot be parsed becomes a warning and its verdict
is unknown (``reversible is None``), never a guess.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.app.analyzers.readers import SourceWarning

if TYPE_CHECKING:
    from phasegate.app.analyzers._files import Tree

__all__ = ["Migration", "MigrationReview", "classify", "review_migrations"]

# Liquibase rolls these back without a <rollback> (its "auto rollback" changes).
LIQUIBASE_AUTO_ROLLBACK = frozenset({
    "createTable", "addColumn", "createIndex", "renameColumn", "renameTable", "renameView", "createView",
    "addForeignKeyConstraint", "addPrimaryKey", "addUniqueConstraint", "addNotNullConstraint",
    "dropNotNullConstraint", "addDefaultValue", "createSequence", "addLookupTable", "tagDatabase",
    "addAutoIncrement", "createProcedure", "createFunction", "createTrigger", "createSynonym",
    "enableTrigger", "disableTrigger", "setTableRemarks", "setColumnRemarks", "renameSequence",
})

# Migration layouts, by path (a migration tool's own naming conventions, not code).
_UP_SQL = re.compile(r"^(?P<stem>.+)\.up\.sql$")
_DOWN_SQL = re.compile(r"\.down\.sql$")
_FLYWAY = re.compile(r"^[VR](?P<version>\d+(?:[._]\d+)*)__.+\.sql$")
_FLYWAY_UNDO = re.compile(r"^U(?P<version>\d+(?:[._]\d+)*)__.+\.sql$")
_SQLX_PLAIN = re.compile(r"^\d{8,}_[^/]+\.sql$")
_GOOSE_DOWN = re.compile(r"(?im)^\s*--\s*\+goose\s+Down\b")
_GOOSE_UP = re.compile(r"(?im)^\s*--\s*\+goose\s+Up\b")
_SQL_COMMENT_LINE = re.compile(r"(?m)^\s*--.*$")


@dataclass(frozen=True)
class Migration:
    """One added migration file. ``reversible`` None: not known (the file could not be read)."""

    path: str
    tool: str
    reversible: bool | None
    how: str  # how it is reverted, or why it cannot be
    line: int = 0  # where the verdict comes from (the down function, the offending operation)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MigrationReview:
    migrations: list[Migration] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)


def classify(path: str) -> str | None:
    """The migration tool whose layout ``path`` follows, or None (a down/undo file is not a migration)."""
    name = posixpath.basename(path)
    low = path.lower()
    parts = low.split("/")
    if name.endswith(".sql"):
        if _DOWN_SQL.search(name) or _FLYWAY_UNDO.match(name) or (name == "down.sql" and "migrations" in parts[:-1]):
            return None
        if _UP_SQL.match(name):
            return "sql-up-down"
        if name == "up.sql" and any("migration" in p for p in parts[:-1]):
            return "diesel"
        if name == "migration.sql" and "migrations" in parts[:-2]:
            return "prisma"
        if _FLYWAY.match(name):
            return "flyway"
        if "changelog" in low or "liquibase" in low:
            return "liquibase"
        if any("migration" in p for p in parts[:-1]):
            return "sql"
        return None
    if name.endswith(".py") and not name.startswith("__"):
        if "versions" in parts[:-1]:
            return "alembic"
        if "migrations" in parts[:-1] and re.match(r"^\d{4}_", name):
            return "django"
        return None
    if name.endswith(".rb") and "db/migrate/" in low:
        return "rails"
    if re.search(r"\.(?:c|m)?[jt]s$", name) and any(p in ("migrations", "migration") for p in parts[:-1]):
        return "js"
    if name.endswith(".cs") and "migrations" in parts[:-1] and not name.endswith(("ModelSnapshot.cs", ".Designer.cs")):
        return "ef"
    if re.search(r"\.(?:xml|ya?ml|json)$", name) and ("changelog" in low or "liquibase" in low):
        return "liquibase"
    return None


def review_migrations(tree: Tree, added: list[str]) -> MigrationReview:
    """The added migration files among ``added`` (paths of ``tree``), each with its revert verdict."""
    review = MigrationReview()
    paths: list[str] | None = None

    def all_paths() -> list[str]:
        nonlocal paths
        if paths is None:
            paths = tree.paths()
        return paths

    for path in sorted(added):
        tool = classify(path)
        if tool is None:
            continue
        text = tree.read_text(path, 512 * 1024)
        if text is None:
            review.warnings.append(SourceWarning(path=path, reason="migration file could not be read"))
            review.migrations.append(Migration(path, tool, None, "could not be read"))
            continue
        try:
            migration = _judge(tree, path, tool, text, all_paths)
        except (SyntaxError, ValueError) as exc:
            review.warnings.append(SourceWarning(path=path, line=getattr(exc, "lineno", None),
                                                 reason=f"migration not parsed: {exc}"))
            migration = Migration(path, tool, None, "could not be parsed")
        if migration is not None:
            review.migrations.append(migration)
    return review


def _judge(tree: Tree, path: str, tool: str, text: str, all_paths: Any) -> Migration | None:
    name, folder = posixpath.basename(path), posixpath.dirname(path)
    if tool == "sql-up-down":
        m = _UP_SQL.match(name)
        assert m is not None
        down = posixpath.join(folder, f"{m['stem']}.down.sql")
        return _down_file(tree, path, "sql-up-down", down)
    if tool == "diesel":
        return _down_file(tree, path, "diesel", posixpath.join(folder, "down.sql"))
    if tool == "prisma":
        return Migration(path, "prisma", False, "Prisma Migrate has no down migrations; write a new migration to undo it")
    if tool == "flyway":
        m = _FLYWAY.match(name)
        assert m is not None
        if name.startswith("R"):
            return Migration(path, "flyway", True, "repeatable migration: re-applied from its current text")
        version = m["version"]
        for other in all_paths():
            um = _FLYWAY_UNDO.match(posixpath.basename(other))
            if um and um["version"] == version:
                return Migration(path, "flyway", True, f"undo migration {other}")
        return Migration(path, "flyway", False, f"no Flyway undo migration U{version}__*.sql")
    if tool == "liquibase":
        return _liquibase(path, text)
    if tool == "sql":
        if _GOOSE_UP.search(text):
            return _goose(path, text)
        if text.lstrip().lower().startswith("--liquibase formatted sql"):
            return _liquibase(path, text)
        if _SQLX_PLAIN.match(name):
            return Migration(path, "sqlx", False, "a plain sqlx migration has no down migration (use -r for up/down pairs)")
        return Migration(path, "sql", False, "no down migration beside it")
    if tool == "alembic":
        return _alembic(path, text)
    if tool == "django":
        return _django(path, text)
    if tool == "rails":
        return _rails(path, text)
    if tool == "js":
        return _js(path, text)
    if tool == "ef":
        return _ef(path, text)
    return None


def _down_file(tree: Tree, path: str, tool: str, down: str) -> Migration:
    text = tree.read_text(down, 512 * 1024)
    if text is None:
        return Migration(path, tool, False, f"no down migration {down}")
    if not _SQL_COMMENT_LINE.sub("", text).strip():
        return Migration(path, tool, False, f"down migration {down} is empty")
    return Migration(path, tool, True, f"down migration {down}")


def _goose(path: str, text: str) -> Migration:
    m = _GOOSE_DOWN.search(text)
    if not m:
        return Migration(path, "goose", False, "no -- +goose Down section")
    body = _SQL_COMMENT_LINE.sub("", text[m.end():]).strip()
    line = text.count("\n", 0, m.start()) + 1
    if not body:
        return Migration(path, "goose", False, "the -- +goose Down section is empty", line)
    return Migration(path, "goose", True, "-- +goose Down section", line)


# --- Python: Alembic and Django ---------------------------------------------------------------------
def _does_something(body: list[ast.stmt]) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):  # docstring or ...
            continue
        return True
    return False


def _raises_only(body: list[ast.stmt]) -> bool:
    meaningful = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return bool(meaningful) and all(isinstance(s, ast.Raise) for s in meaningful)


def _alembic(path: str, text: str) -> Migration | None:
    module = ast.parse(text, filename=path)
    targets = {t.id for node in module.body if isinstance(node, (ast.Assign, ast.AnnAssign))
               for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
    if "down_revision" not in targets:
        return None  # a versions/ folder that is not Alembic's
    for node in module.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "downgrade":
            if _raises_only(node.body):
                return Migration(path, "alembic", False, "downgrade() only raises", node.lineno)
            if _does_something(node.body):
                return Migration(path, "alembic", True, "downgrade()", node.lineno)
            return Migration(path, "alembic", False, "downgrade() is empty", node.lineno)
    return Migration(path, "alembic", False, "no downgrade()")


def _call_name(node: ast.expr) -> str:
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _django(path: str, text: str) -> Migration:
    module = ast.parse(text, filename=path)
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        keywords = {k.arg for k in node.keywords}
        if name == "RunPython" and len(node.args) < 2 and "reverse_code" not in keywords:
            return Migration(path, "django", False, "RunPython without reverse_code", node.lineno)
        if name == "RunSQL" and len(node.args) < 2 and "reverse_sql" not in keywords:
            return Migration(path, "django", False, "RunSQL without reverse_sql", node.lineno)
    return Migration(path, "django", True, "python manage.py migrate <app> <previous migration>")


# --- tree-sitter languages: Ruby, JavaScript/TypeScript, C# -----------------------------------------
def _walk(node: Any) -> Any:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _rails(path: str, text: str) -> Migration:
    from phasegate.app.analyzers import treesitter as ts

    root = ts.parse("ruby", text).root_node
    methods: dict[str, Any] = {}
    for node in _walk(root):
        if node.type == "method":
            name = ts.text(node.child_by_field_name("name"))
            methods.setdefault(name, node)

    def irreversible(method: Any) -> Any:
        for node in _walk(method):
            if node.type in ("scope_resolution", "constant") and ts.text(node).endswith("IrreversibleMigration"):
                return node
        return None

    def bare_execute(method: Any) -> Any:
        for node in _walk(method):
            if node.type in ("call", "identifier") and ts.text(node.child_by_field_name("method") or node) == "execute":
                parent, inside_reversible = node.parent, False
                while parent is not None and parent is not method:
                    if parent.type == "call" and ts.text(parent.child_by_field_name("method")) == "reversible":
                        inside_reversible = True
                        break
                    parent = parent.parent
                if not inside_reversible:
                    return node
        return None

    if "change" in methods:
        method = methods["change"]
        bad = irreversible(method)
        if bad is not None:
            return Migration(path, "rails", False, "change raises ActiveRecord::IrreversibleMigration", ts.line(bad))
        bad = bare_execute(method)
        if bad is not None:
            return Migration(path, "rails", False, "change runs execute outside a reversible block", ts.line(bad))
        return Migration(path, "rails", True, "change (reversed by Active Record)", ts.line(method))
    down = methods.get("down")
    if down is None:
        return Migration(path, "rails", False, "up without down")
    bad = irreversible(down)
    if bad is not None:
        return Migration(path, "rails", False, "down raises ActiveRecord::IrreversibleMigration", ts.line(bad))
    return Migration(path, "rails", True, "down", ts.line(down))


def _body_nonempty(body: Any) -> bool:
    return body is not None and any(child.is_named and child.type != "comment" for child in body.children)


def _js(path: str, text: str) -> Migration | None:
    from phasegate.app.analyzers import treesitter as ts

    language = "typescript" if path.endswith(("ts", ".mts", ".cts")) else "javascript"
    root = ts.parse(language, text).root_node
    saw_up = False
    for node in _walk(root):
        name_node = None
        body = None
        if node.type in ("function_declaration", "method_definition", "generator_function_declaration"):
            name_node, body = node.child_by_field_name("name"), node.child_by_field_name("body")
        elif node.type in ("pair", "assignment_expression", "variable_declarator"):
            key = node.child_by_field_name("key") or node.child_by_field_name("left") or node.child_by_field_name("name")
            value = node.child_by_field_name("value") or node.child_by_field_name("right")
            if value is not None and value.type in ("arrow_function", "function_expression", "function"):
                name_node, body = key, value.child_by_field_name("body")
        if name_node is None:
            continue
        name = ts.text(name_node).rsplit(".", 1)[-1]
        if name == "up":
            saw_up = True
        if name == "down":
            if body is not None and (body.type != "statement_block" or _body_nonempty(body)):
                return Migration(path, "js", True, "down()", ts.line(node))
            return Migration(path, "js", False, "down() is empty", ts.line(node))
    if not saw_up:
        return None  # a helper module in a migrations folder, not a migration
    return Migration(path, "js", False, "up() without down()")


def _ef(path: str, text: str) -> Migration | None:
    from phasegate.app.analyzers import treesitter as ts

    root = ts.parse("csharp", text).root_node
    saw_up = False
    for node in _walk(root):
        if node.type != "method_declaration":
            continue
        name = ts.text(node.child_by_field_name("name"))
        if name == "Up":
            saw_up = True
        if name == "Down":
            body = node.child_by_field_name("body")
            if _body_nonempty(body):
                return Migration(path, "ef", True, "Down()", ts.line(node))
            return Migration(path, "ef", False, "Down() is empty", ts.line(node))
    return Migration(path, "ef", False, "no Down()") if saw_up else None


# --- Liquibase ------------------------------------------------------------------------------------
def _liquibase(path: str, text: str) -> Migration | None:
    ext = posixpath.splitext(path)[1].lower()
    sets: list[tuple[str, int, bool, list[str]]] = []  # (id, line, has rollback, change kinds)
    if ext == ".xml":
        if "databaseChangeLog" not in text:
            return None
        from phasegate.app.analyzers.schema_readers.liquibase import _xml_tree

        root = _xml_tree(text)
        if root is None:
            return None
        for child in root.children:
            if child.tag == "changeSet":
                kinds = [c.tag for c in child.children if c.tag not in ("comment", "preConditions", "validCheckSum", "rollback")]
                has_rollback = any(c.tag == "rollback" for c in child.children)
                sets.append((child.attrs.get("id", "?"), child.line, has_rollback, kinds))
    elif ext in (".yaml", ".yml", ".json"):
        if "databaseChangeLog" not in text:
            return None
        if ext == ".json":
            data = json.loads(text)
        else:
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ValueError(f"YAML: {exc}") from exc
        for item in (data or {}).get("databaseChangeLog") or [] if isinstance(data, dict) else []:
            body = item.get("changeSet") if isinstance(item, dict) else None
            if isinstance(body, dict):
                kinds = [k for change in body.get("changes") or [] if isinstance(change, dict) for k in change]
                sets.append((str(body.get("id", "?")), 0, "rollback" in body, kinds))
    else:  # formatted SQL: "--changeset author:id" then statements, "--rollback ..." lines
        current: list[Any] | None = None
        for number, raw in enumerate(text.splitlines(), 1):
            stripped = raw.strip().lower().replace(" ", "")
            if stripped.startswith("--changeset"):
                current = [raw.split(":", 1)[-1].split()[0] if ":" in raw else "?", number, False, ["sql"]]
                sets.append(current)  # type: ignore[arg-type]
            elif stripped.startswith("--rollback") and current is not None:
                current[2] = True
        sets = [tuple(s) for s in sets]  # type: ignore[misc]
    if not sets:
        return None
    for set_id, line, has_rollback, kinds in sets:
        if has_rollback:
            continue
        manual = [k for k in kinds if k not in LIQUIBASE_AUTO_ROLLBACK]
        if manual:
            return Migration(path, "liquibase", False,
                             f"change set {set_id}: {manual[0]} without a rollback", line)
    return Migration(path, "liquibase", True,
                     "liquibase rollback (every change set has a rollback or rolls back on its own)", sets[0][1])

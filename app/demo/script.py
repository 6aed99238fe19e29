"""The scripted model session that ``phasegate demo`` plays against the bundled sample repository.

The sample (``data/sample``) is *taskboard*, a small stdlib WSGI + SQLite API without accounts.
The task is :data:`DEMO_TASK`. :func:`build_demo_script` returns the turns for
``phasegate.app.demo.scripted_server.ScriptedServer``: research (read tools, then ``submit_research``
with real findings), the plan (all six phases, each with verification and rollback tasks), then per
phase real tool calls that edit the sample, one migration that needs the typed confirmation, test
runs, phase reports, and a final review. Repeatable fallbacks answer feedback, research answers,
plan changes, questions during a review, and anything unexpected.

Turns are matched on the marker lines at the top of each stage prompt (see ``phasegate.prompts``):
``Stage: research``, ``Stage: planning``, ``Stage: executing`` + ``Current phase: <slug>``
(+ ``Revision requested: yes`` when the user asked for changes), ``Stage: phase_review``,
``Stage: final_review``. The whole files the model writes live in ``data/script/<phase>/``
(real, lint-checked code); the small edits are inline below. ``tests/flows/test_demo_script.py`` replays
every call against a copy of the sample with the real ``ToolRunner`` and runs the sample's tests.

Commands are written as a developer types them (``python …``): whoever runs the demo must put the
interpreter that has pytest first on ``PATH``.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from phasegate.app.demo.scripted_server import ToolCall, Turn

DEMO_TASK = (
    "Add user accounts with email/password sign-up, login with JWT, and role-based access to the admin routes"
)
PHASE_SLUGS = ("database", "api", "logic", "security", "testing", "deployment")

RESEARCH = r"^Stage: research$"
PLANNING = r"^Stage: planning$"
REVISION = r"^Revision requested: yes$"
EXECUTING = r"^Stage: executing$"
PHASE_REVIEW = r"^Stage: phase_review$"
FINAL_REVIEW = r"^Stage: final_review$"

PYTEST = "python -m pytest -q"
MIGRATE_UP = "python migrate.py up"

# Streaming: text in small pieces reads like typing; a turn carrying whole files would take minutes
# at that size, so its pieces grow until the turn streams in about this many chunks.
MAX_CHUNKS_PER_TURN = 160


def executing(slug: str) -> str:
    """The marker of the executing prompt for ``slug`` — but not of its revision prompt."""
    return rf"^Stage: executing\nCurrent phase: {re.escape(slug)}\n(?!Revision requested: yes)"


def sample_root() -> Traversable:
    """The bundled sample repository; copy it out with ``importlib.resources.as_file``."""
    return resources.files("phasegate.app.demo") / "data" / "sample"


def _file(phase: str, path: str) -> str:
    """A whole file the scripted model writes in ``phase`` (kept under ``data/script/``)."""
    node = resources.files("phasegate.app.demo") / "data" / "script" / phase
    for part in path.split("/"):
        node = node / part
    return node.read_text(encoding="utf-8")


def _turn(match: str | None, text: str = "", *calls: ToolCall, repeat: bool = False) -> Turn:
    size = len(text) + sum(len(c.arguments_text()) for c in calls)
    return Turn(text=text, tool_calls=list(calls), match=match, repeat=repeat,
                chunk_chars=max(12, size // MAX_CHUNKS_PER_TURN))


def _read(path: str) -> ToolCall:
    return ToolCall("read_file", {"path": path})


def _write(path: str, content: str) -> ToolCall:
    return ToolCall("write_file", {"path": path, "content": content})


def _edit(path: str, search: str, replace: str) -> ToolCall:
    return ToolCall("edit_file", {"path": path, "search": search, "replace": replace})


def _run(command: str, reason: str) -> ToolCall:
    return ToolCall("run_command", {"command": command, "reason": reason})


def _done(*task_ids: str) -> list[ToolCall]:
    return [ToolCall("mark_task_done", {"task_id": task_id}) for task_id in task_ids]


def _complete(summary: str, changes: list[str], verification: list[tuple[str, str]], risks: list[str],
              next_step: str) -> ToolCall:
    return ToolCall("complete_phase", {
        "summary": summary,
        "changes": changes,
        "verification": [{"step": step, "passed": True, "output": output} for step, output in verification],
        "risks": risks,
        "next_step": next_step,
    })


# -- research --------------------------------------------------------------------------------------------

RESEARCH_REPORT: dict[str, list[dict[str, str]]] = {
    "understanding": [
        {"text": "taskboard is a stdlib-only WSGI service: create_app() opens one SQLite connection per "
                 "request and turns every error into JSON, never a traceback.", "evidence": "taskboard/app.py"},
        {"text": "Routes sit on a tiny custom Router ({name} path parameters are positive integers); each "
                 "handler validates its body through taskboard/validation.py, which answers 422 naming the "
                 "field.", "evidence": "taskboard/routes.py"},
        {"text": "All SQL is in taskboard/db.py and parameterised; db.transaction() (BEGIN IMMEDIATE) exists "
                 "but only the migration runner uses it so far.", "evidence": "taskboard/db.py"},
        {"text": "Schema: projects and tasks (FK with ON DELETE CASCADE, index on tasks.project_id), plus "
                 "tasks.due_date with its own index from 0002.", "evidence": "migrations/0001_init.sql"},
        {"text": "Migrations are plain SQL applied in order by migrate.py, each in one transaction with its "
                 "row in schema_migrations; NNNN_name.down.sql reverts one step.", "evidence": "migrate.py"},
        {"text": "The contract is openapi.yaml (OpenAPI 3.0.3, version 1.0.0) with no security schemes.",
         "evidence": "openapi.yaml"},
        {"text": "Tests call the WSGI app in-process against a freshly migrated temporary SQLite file per "
                 "test.", "evidence": "tests/conftest.py"},
        {"text": "There is no authentication at all: no users table, no password or token code. SECRET_KEY is "
                 "declared in .env.example but nothing reads it.", "evidence": ".env.example"},
    ],
    "assumptions": [
        {"text": "No new dependencies (requirements.txt lists pytest only), so passwords are hashed with "
                 "hashlib.scrypt and tokens are HS256 JWTs built on hmac.", "evidence": "requirements.txt"},
        {"text": "Two roles are enough: member (the default at sign-up) and admin; nobody can sign up as an "
                 "admin."},
        {"text": "Project and task routes stay public in this change; only /admin/* gets protected.",
         "evidence": "taskboard/routes.py"},
        {"text": "SQLite stays; the new migration follows the 0001/0002 pattern with a matching .down.sql.",
         "evidence": "migrations/0002_task_due_date.sql"},
        {"text": "Access tokens live one hour; no refresh tokens or server-side sessions in this change."},
    ],
    "questions": [
        {"text": "Who calls /admin/* today? Protecting it is a breaking change for them: is announcing it in "
                 "contract 1.1.0 enough, or do you want a grace period?", "evidence": "openapi.yaml"},
        {"text": "Should projects and tasks become owned by users? That is a bigger, separate change; I would "
                 "leave it out of this one."},
        {"text": "Is a one-hour token without refresh acceptable for your clients?"},
        {"text": "How should the first admin be created: promoted from the command line after signing up (my "
                 "proposal), or seeded from an environment variable?"},
    ],
    "risks": [
        {"text": "Today anyone who can reach the service can delete a project with all its tasks through "
                 "DELETE /admin/projects/{id}.", "evidence": "taskboard/routes.py"},
        {"text": "Requiring a token on /admin/* breaks existing admin clients: bump the contract to 1.1.0 "
                 "and tell them.", "evidence": "openapi.yaml"},
        {"text": "A weak or missing SECRET_KEY would let anyone mint admin tokens: the app must refuse to "
                 "start without a strong one and never fall back to a default.", "evidence": ".env.example"},
        {"text": "Two sign-ups with the same email can race: needs a unique index on email and the "
                 "check-and-insert in one transaction.", "evidence": "taskboard/db.py"},
        {"text": "Login must not reveal which emails exist (same error, similar timing); there is no rate "
                 "limiting anywhere yet.", "evidence": "taskboard/app.py"},
        {"text": "If the role is trusted from the token, a demoted admin keeps access until it expires; "
                 "check the current role in the database instead."},
    ],
}


def _research() -> list[Turn]:
    return [
        _turn(RESEARCH, "I'll start with the layout, then the schema, the routes, and how configuration and "
                        "tests work.\n\n", ToolCall("list_files", {"path": "."})),
        _turn(RESEARCH, "A plain-SQL migration folder and its own runner. Reading the schema first.\n\n",
              _read("migrations/0001_init.sql"), _read("migrations/0002_task_due_date.sql"), _read("migrate.py")),
        _turn(RESEARCH, "Now the request path: app, routes, queries.\n\n",
              _read("taskboard/app.py"), _read("taskboard/routes.py"), _read("taskboard/db.py")),
        _turn(RESEARCH, "The contract, the dependencies, and whether any auth exists already.\n\n",
              _read("openapi.yaml"), _read("requirements.txt"), _read("tests/conftest.py"),
              ToolCall("search_code", {"pattern": "SECRET_KEY|password|token|[Aa]uth"})),
        _turn(RESEARCH,
              "## Research done\n\n"
              "- **Stack**: stdlib WSGI + SQLite, no third-party runtime dependencies.\n"
              "- **Auth today**: none. `/admin/*` is open, including `DELETE /admin/projects/{id}`.\n"
              "- **Good news**: queries are parameterised and there's a transaction helper to build on.\n\n"
              "Four questions in the report need your call, the admin-client one most of all.\n\n",
              ToolCall("submit_research", RESEARCH_REPORT)),
    ]


# -- plan ----------------------------------------------------------------------------------------------------


def _task(title: str, detail: str, kind: str) -> dict[str, str]:
    return {"title": title, "detail": detail, "kind": kind}


PLAN: dict[str, Any] = {
    "title": "Backend Architecture Plan",
    "phases": [
        {"slug": "database", "title": "Database", "emoji": "🗄️", "tasks": [
            _task("Schema Design", "`users`: id, email, password_hash, role (member|admin, CHECK), created_at",
                  "design"),
            _task("Migration", "`migrations/0003_users.sql`, additive only: no existing table changes", "migration"),
            _task("Index Analysis", "unique index on `email` (login lookups and uniqueness); none on `role` "
                                    "(two values, admins are looked up by id)", "design"),
            _task("Rollback", "`migrations/0003_users.down.sql` drops the index and the table", "rollback"),
            _task("Verification", "`python migrate.py up` on dev.db (typed confirmation), then the suite "
                                  "migrates a fresh database through 0003 and reverts/re-applies it",
                  "verification"),
        ]},
        {"slug": "api", "title": "API", "emoji": "📡", "tasks": [
            _task("Contract Definition", "`openapi.yaml`: POST /auth/signup, POST /auth/login, bearerAuth "
                                         "scheme, 401/403 on /admin/*", "design"),
            _task("Request Validation", "`taskboard/validation.py`: email (lower-cased, ≤254), new password "
                                        "12–128 chars, login password present", "implementation"),
            _task("Response Design", "201 user without hash; 200 {access_token, token_type, expires_in}; "
                                     "409 email_taken; 401 invalid_credentials; same Error schema", "design"),
            _task("Versioning", "contract 1.0.0 → 1.1.0: additive for public routes; the /admin/* change is "
                                "called out", "docs"),
            _task("Verification", "`python -m pytest -q`: existing behaviour unchanged", "verification"),
            _task("Rollback", "revert the phase commit; no data involved", "rollback"),
        ]},
        {"slug": "logic", "title": "Business Logic", "emoji": "⚙️", "tasks": [
            _task("Service Interface", "`taskboard/users.py`: create_user, get_user, find_by_email, set_role; "
                                       "public() never carries the hash", "design"),
            _task("Transaction Management", "check-and-insert in one `db.transaction()` (BEGIN IMMEDIATE); "
                                            "IntegrityError mapped to EmailTaken", "implementation"),
            _task("Error Handling", "EmailTaken, UnknownUser, ValueError for unknown roles", "implementation"),
            _task("Verification", "`python -m pytest -q`", "verification"),
            _task("Rollback", "revert the phase commit (a new module only)", "rollback"),
        ]},
        {"slug": "security", "title": "Security", "emoji": "🛡️", "tasks": [
            _task("Password Hashing", "scrypt (n=2^14, r=8, p=1), 16-byte random salt, parameters stored "
                                      "with the hash", "implementation"),
            _task("Authentication", "HS256 JWT via hmac, 1 h expiry, alg pinned, constant-time compare; "
                                    "wire /auth/signup and /auth/login", "implementation"),
            _task("Authorization", "auth middleware in app.py; `require_role('admin')` on /admin/*, reading "
                                   "the current role from the database", "implementation"),
            _task("Secret Management", "SECRET_KEY from the environment, ≥32 chars, the app refuses to start "
                                       "without it; nothing hardcoded", "implementation"),
            _task("Input Sanitization", "parameterised queries only; identical 401 and timing for unknown "
                                        "email and wrong password", "design"),
            _task("Verification", "`python -m pytest -q` with the admin tests sending an admin token",
                  "verification"),
            _task("Rollback", "revert the phase commit; issued tokens simply stop being accepted", "rollback"),
        ]},
        {"slug": "testing", "title": "Testing", "emoji": "🧪", "tasks": [
            _task("Unit Tests", "hashing; token issue/decode: tampered, expired, alg none, wrong key", "test"),
            _task("Integration Tests", "sign-up, login and RBAC through the WSGI app on a migrated temp DB",
                  "test"),
            _task("Edge Cases", "duplicate email in any case, invalid input, demoted admin, missing or weak "
                                "SECRET_KEY", "test"),
            _task("Verification", "`python -m pytest -q` all green", "verification"),
            _task("Rollback", "tests only: revert the phase commit", "rollback"),
        ]},
        {"slug": "deployment", "title": "Deployment", "emoji": "🚀", "tasks": [
            _task("Migration Execution", "`docs/DEPLOY.md`: backup, status, up, deploy, first admin, smoke test",
                  "docs"),
            _task("API Documentation", "README: SECRET_KEY, accounts, new modules; contract 1.1.0", "docs"),
            _task("Monitoring", "401/403 rates, failed logins, unhandled errors; rate limiting at the proxy",
                  "docs"),
            _task("Rollback Plan", "code first (table stays, unused); `migrate.py down` only with a backup",
                  "rollback"),
            _task("Verification", "every command DEPLOY.md names exists in the repository", "verification"),
        ]},
    ],
}


def _plan() -> list[Turn]:
    return [
        _turn(PLANNING,
              "Here's the plan. Schema first, then the contract, then the code that implements it:\n\n"
              "1. 🗄️ **Database**: an additive `0003_users` migration with a down file.\n"
              "2. 📡 **API**: contract 1.1.0 and request validation.\n"
              "3. ⚙️ **Logic**: a `users` service with transactional sign-up.\n"
              "4. 🛡️ **Security**: scrypt, HS256 tokens, RBAC on `/admin/*`, SECRET_KEY from the environment.\n"
              "5. 🧪 **Testing**: sign-up, login, RBAC and token edge cases.\n"
              "6. 🚀 **Deployment**: migration order, first admin, rollback.\n\n"
              "Should I start with the database phase, or do you want changes first?\n\n",
              ToolCall("submit_plan", PLAN)),
    ]


# -- phases ---------------------------------------------------------------------------------------------------


def _database() -> list[Turn]:
    m = executing("database")
    return [
        _turn(m, "Re-reading the existing migration pair so `0003` follows the same conventions.\n\n",
              _read("migrations/0001_init.sql"), _read("migrations/0001_init.down.sql")),
        _turn(m,
              "Schema for `users`:\n\n"
              "| column | type | constraints |\n|---|---|---|\n"
              "| id | INTEGER | PK, autoincrement |\n| email | TEXT | NOT NULL, **unique index** |\n"
              "| password_hash | TEXT | NOT NULL |\n| role | TEXT | NOT NULL, default `member`, CHECK |\n"
              "| created_at | TEXT | NOT NULL, default now (UTC) |\n\n"
              "Additive only: no existing table changes, so old code runs fine on the new schema.\n\n",
              _write("migrations/0003_users.sql", _file("database", "migrations/0003_users.sql")),
              _write("migrations/0003_users.down.sql", _file("database", "migrations/0003_users.down.sql")),
              *_done("database.1", "database.2", "database.3", "database.4")),
        _turn(m, "Now applying it to `dev.db`. It's a migration: it needs your typed confirmation, and my turn "
                 "ends once it has run.\n\n",
              _run(MIGRATE_UP, "apply 0003_users to the local dev database (DATABASE_URL, default "
                               "sqlite:///dev.db)")),
        _turn(m, "Verifying from scratch as well: the suite migrates a fresh database through `0003`, and "
                 "`tests/test_migrate.py` reverts and re-applies the newest migration, which exercises the "
                 "down file.\n\n",
              _run(PYTEST, "check 0003 applies and reverts on a fresh database and nothing existing broke")),
        _turn(m, "All green.\n\n", *_done("database.5"), _complete(
            "Added the users table as an additive, reversible migration and applied it to the dev database.",
            ["migrations/0003_users.sql: users (email, password_hash, role with CHECK, created_at)",
             "Unique index idx_users_email: one account per email, and the login lookup",
             "migrations/0003_users.down.sql: drops the index and the table"],
            [("python migrate.py up", "applied 0003_users"),
             ("Fresh database through 0003, down and up again (tests/test_migrate.py)", "all tests passed")],
            ["The down migration deletes every account: back up before running it in production."],
            "📡 API phase: contract 1.1.0 and request validation.")),
    ]


_OPENAPI_AUTH_PATHS = """  /auth/signup:
    post:
      summary: Create an account (role member)
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/SignupInput"}
      responses:
        "201":
          description: Created; the password hash is never returned
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "409": {$ref: "#/components/responses/Conflict"}
        "422": {$ref: "#/components/responses/ValidationError"}
  /auth/login:
    post:
      summary: Exchange email and password for an access token
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Credentials"}
      responses:
        "200":
          description: A bearer token, valid for expires_in seconds
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Token"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "422": {$ref: "#/components/responses/ValidationError"}
"""

_ADMIN_STATS = """  /admin/stats:
    get:
      summary: Totals of projects and of tasks by status
      responses:
        "200":
          description: The totals
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Stats"}
"""

_ADMIN_DELETE = """      summary: Delete a project and all its tasks
      responses:
        "204": {description: Deleted}
        "404": {$ref: "#/components/responses/NotFound"}
"""

_AUTH_ERRORS = """        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
"""

_AUTH_SCHEMAS = """    SignupInput:
      type: object
      required: [email, password]
      properties:
        email: {type: string, format: email, maxLength: 254}
        password: {type: string, minLength: 12, maxLength: 128}
    Credentials:
      type: object
      required: [email, password]
      properties:
        email: {type: string, format: email, maxLength: 254}
        password: {type: string, maxLength: 128}
    User:
      type: object
      required: [id, email, role, created_at]
      properties:
        id: {type: integer}
        email: {type: string, format: email}
        role: {type: string, enum: [member, admin]}
        created_at: {type: string, format: date-time}
    Token:
      type: object
      required: [access_token, token_type, expires_in]
      properties:
        access_token: {type: string}
        token_type: {type: string, enum: [Bearer]}
        expires_in: {type: integer, example: 3600}
"""

_VALIDATION_ERROR_RESPONSE = """    ValidationError:
      description: A field is missing or invalid
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
"""


def _error_response(name: str, description: str) -> str:
    return (f"    {name}:\n      description: {description}\n      content:\n        application/json:\n"
            '          schema: {$ref: "#/components/schemas/Error"}\n')


_ISO_DATE_TAIL = """    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise invalid(name, f"'{name}' must be a date like 2026-03-31.") from None
"""

_CREDENTIAL_VALIDATORS = '''

def email(body: dict[str, Any], name: str = "email") -> str:
    """An email address, lower-cased so that sign-up and login agree on one spelling."""
    value = text(body, name, max_length=254) or ""
    if not EMAIL_PATTERN.match(value):
        raise invalid(name, f"'{name}' must be an email address.")
    return value.lower()


def password(body: dict[str, Any], name: str = "password") -> str:
    """A password exactly as typed (never stripped); the upper bound keeps hashing cost bounded."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise invalid(name, f"'{name}' must be a non-empty string.")
    if len(value) > PASSWORD_MAX_LENGTH:
        raise invalid(name, f"'{name}' must be at most {PASSWORD_MAX_LENGTH} characters.")
    return value


def new_password(body: dict[str, Any], name: str = "password") -> str:
    """A password for a new account: at least PASSWORD_MIN_LENGTH characters."""
    value = password(body, name)
    if len(value) < PASSWORD_MIN_LENGTH:
        raise invalid(name, f"'{name}' must be at least {PASSWORD_MIN_LENGTH} characters.")
    return value
'''


def _api() -> list[Turn]:
    m = executing("api")
    return [
        _turn(m, "Contract first. Reading the current spec and the validators it maps to.\n\n",
              _read("openapi.yaml"), _read("taskboard/validation.py")),
        _turn(m,
              "Contract **1.1.0**:\n\n"
              "```\nPOST /auth/signup  {email, password}  → 201 User | 409 email_taken | 422\n"
              "POST /auth/login   {email, password}  → 200 {access_token, token_type, expires_in} | 401\n"
              "/admin/*           bearerAuth         → 401 without a token, 403 without the admin role\n```\n\n"
              "Public routes are untouched; the `/admin/*` change is the one intentional break, and the version "
              "bump says so.\n\n",
              _edit("openapi.yaml", "  version: 1.0.0\n  description: Projects and their tasks. Every error has the "
                                    "shape of the Error schema.\n",
                    "  version: 1.1.0\n  description: >-\n    Projects and their tasks. Every error has the shape of "
                    "the Error schema.\n    1.1.0 adds accounts (/auth/signup, /auth/login); /admin/* now needs "
                    "the bearer token of an admin.\n"),
              _edit("openapi.yaml", _ADMIN_STATS,
                    _OPENAPI_AUTH_PATHS + _ADMIN_STATS.replace("      responses:\n",
                                                               "      security:\n        - bearerAuth: []\n"
                                                               "      responses:\n") + _AUTH_ERRORS),
              _edit("openapi.yaml", _ADMIN_DELETE,
                    _ADMIN_DELETE.replace("      responses:\n", "      security:\n        - bearerAuth: []\n"
                                                                 "      responses:\n") + _AUTH_ERRORS),
              _edit("openapi.yaml", "components:\n  parameters:\n",
                    "components:\n  securitySchemes:\n    bearerAuth:\n      type: http\n      scheme: bearer\n"
                    "      bearerFormat: JWT\n  parameters:\n"),
              _edit("openapi.yaml", "    Error:\n      type: object\n      required: [error]\n",
                    _AUTH_SCHEMAS + "    Error:\n      type: object\n      required: [error]\n"),
              _edit("openapi.yaml", _VALIDATION_ERROR_RESPONSE,
                    _VALIDATION_ERROR_RESPONSE
                    + _error_response("Unauthorized", "Missing, invalid or expired token, or a wrong email or password")
                    + _error_response("Forbidden", "The account does not have the required role")
                    + _error_response("Conflict", "An account with this email already exists")),
              *_done("api.1", "api.3", "api.4")),
        _turn(m, "Validators next, in the style of the existing ones: a clean value or a 422 naming the field. "
                 "Passwords are never stripped, and capped at 128 characters so hashing cost stays bounded.\n\n",
              _edit("taskboard/validation.py", "from datetime import date\n", "import re\nfrom datetime import date\n"),
              _edit("taskboard/validation.py", 'TASK_STATUSES = ("todo", "doing", "done")\n',
                    'TASK_STATUSES = ("todo", "doing", "done")\n'
                    'EMAIL_PATTERN = re.compile(r"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")\n'
                    "PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH = 12, 128\n"),
              _edit("taskboard/validation.py", _ISO_DATE_TAIL, _ISO_DATE_TAIL + _CREDENTIAL_VALIDATORS),
              *_done("api.2")),
        _turn(m, "Checking nothing existing moved.\n\n",
              _run(PYTEST, "the existing suite must still pass with the new validators in place")),
        _turn(m, "Green.\n\n", *_done("api.5", "api.6"), _complete(
            "Defined the accounts contract (OpenAPI 1.1.0) and the request validation behind it.",
            ["openapi.yaml 1.1.0: POST /auth/signup, POST /auth/login, bearerAuth scheme",
             "openapi.yaml: /admin/* declare bearerAuth and 401/403",
             "openapi.yaml: SignupInput, Credentials, User, Token schemas; Unauthorized, Forbidden, Conflict",
             "taskboard/validation.py: email(), password(), new_password()"],
            [("python -m pytest -q", "all tests passed")],
            ["/admin/* requiring a token is a breaking change for existing admin clients (called out in 1.1.0).",
             "The routes themselves land in the security phase, where tokens exist."],
            "⚙️ Business logic phase: the users service.")),
    ]


def _logic() -> list[Turn]:
    m = executing("logic")
    return [
        _turn(m, "The service builds on the existing transaction helper; checking its semantics first.\n\n",
              _read("taskboard/db.py")),
        _turn(m,
              "`taskboard/users.py` owns the rules about accounts and nothing else: no HTTP, no hashing. "
              "Sign-up is a read-then-write, so it runs in one `BEGIN IMMEDIATE` transaction; the unique "
              "index stays the last line of defence and its `IntegrityError` maps to `EmailTaken`.\n\n",
              _write("taskboard/users.py", _file("logic", "taskboard/users.py")),
              *_done("logic.1", "logic.2", "logic.3")),
        _turn(m, "", _run(PYTEST, "the new module must import cleanly and nothing existing may break")),
        _turn(m, "Green.\n\n", *_done("logic.4", "logic.5"), _complete(
            "Added the users service: transactional account creation, lookups and role changes.",
            ["taskboard/users.py: create_user (check and insert in one IMMEDIATE transaction), get_user, "
             "find_by_email, set_role, public()",
             "Errors: EmailTaken (also from the unique index), UnknownUser, ValueError for unknown roles"],
            [("python -m pytest -q", "all tests passed")],
            ["Not reachable over HTTP until the security phase wires the routes; its tests come in the testing "
             "phase."],
            "🛡️ Security phase: hashing, tokens, RBAC.")),
    ]


_APP_TRY = """            request = Request.from_environ(environ)
            response = router.dispatch(request, conn)
"""

_AUTH_ROUTES = '''# Accounts. Login answers the same 401, in about the same time, for an unknown email and for a
# wrong password, so it does not reveal which emails have accounts.


@router.post("/auth/signup")
def signup(request: Request, conn: sqlite3.Connection) -> Response:
    body = request.json()
    email = validation.email(body)
    password = validation.new_password(body)
    try:
        user = users.create_user(conn, email, security.hash_password(password))
    except users.EmailTaken:
        raise HTTPError(409, "email_taken", "An account with this email already exists.") from None
    return Response(201, user)


@router.post("/auth/login")
def login(request: Request, conn: sqlite3.Connection) -> Response:
    body = request.json()
    email = validation.email(body)
    password = validation.password(body)
    user = users.find_by_email(conn, email)
    stored = user["password_hash"] if user is not None else security.dummy_hash()
    if not security.verify_password(password, stored) or user is None:
        raise HTTPError(401, "invalid_credentials", "The email or password is wrong.")
    token = security.issue_token(user, security.secret_key())
    return Response(200, {"access_token": token, "token_type": "Bearer", "expires_in": security.TOKEN_TTL_SECONDS})


# Admin routes: the bearer token of an account whose current role is "admin".


@router.get("/admin/stats")
@security.require_role("admin")
'''

_OPEN_ADMIN = '''# Admin routes. There are no accounts yet, so nothing protects them: anyone who can reach the
# service can read the totals and delete a project with all its tasks.


@router.get("/admin/stats")
'''

_CLIENT_FIXTURE = """@pytest.fixture
def client(database_url: str) -> Client:
    return Client(create_app(database_url))
"""

_AUTH_FIXTURES = '''@pytest.fixture
def client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Client:
    # A fresh random key per test: no secret in the code, and no token valid across tests.
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    return Client(create_app(database_url))


@pytest.fixture
def sign_up(client: Client):
    """Create an account through the API; returns the Authorization header of a fresh token."""

    def sign_up(email: str, password: str = "correct horse battery") -> dict[str, str]:
        assert client.post("/auth/signup", {"email": email, "password": password}).status == 201
        token = client.post("/auth/login", {"email": email, "password": password}).json["access_token"]
        return {"Authorization": f"Bearer {token}"}

    return sign_up


@pytest.fixture
def admin_headers(sign_up, database_url: str) -> dict[str, str]:
    headers = sign_up("admin@example.com")
    conn = db.connect(db.database_path(database_url))
    try:
        users.set_role(conn, "admin@example.com", "admin")
    finally:
        conn.close()
    return headers
'''

_ADMIN_TESTS = '''def test_admin_stats_counts_tasks_by_status(client):
    project = make_project(client)
    client.post(f"/projects/{project['id']}/tasks", {"title": "a"})
    client.post(f"/projects/{project['id']}/tasks", {"title": "b", "status": "done"})
    stats = client.get("/admin/stats")
    assert stats.status == 200
    assert stats.json == {"projects": 1, "tasks": {"todo": 1, "doing": 0, "done": 1}}


def test_admin_delete_project_removes_its_tasks(client):
    project = make_project(client)
    client.post(f"/projects/{project['id']}/tasks", {"title": "a"})
    assert client.delete(f"/admin/projects/{project['id']}").status == 204
    assert client.get(f"/projects/{project['id']}").status == 404
    assert client.get("/admin/stats").json["tasks"]["todo"] == 0
'''


def _admin_tests_with_token() -> str:
    return (_ADMIN_TESTS.replace("(client):", "(client, admin_headers):")
            .replace('client.get("/admin/stats")', 'client.get("/admin/stats", headers=admin_headers)')
            .replace("client.delete(f\"/admin/projects/{project['id']}\")",
                     "client.delete(f\"/admin/projects/{project['id']}\", headers=admin_headers)"))


def _security() -> list[Turn]:
    m = executing("security")
    return [
        _turn(m, "Reading the request path once more: the middleware goes where the request is built.\n\n",
              _read("taskboard/app.py"), _read("taskboard/web.py")),
        _turn(m,
              "The primitives, standard library only:\n\n"
              "- **Passwords**: `hashlib.scrypt` (memory-hard), random 16-byte salt, parameters stored with "
              "the hash. argon2/bcrypt would need a dependency; scrypt is in the same class.\n"
              "- **Tokens**: HS256 over `hmac`, `alg` pinned (no `none` downgrade), constant-time compare, "
              "1 h expiry.\n"
              "- **Secret**: `SECRET_KEY` from the environment, ≥32 chars; the app refuses to start without it.\n\n",
              _write("taskboard/security.py", _file("security", "taskboard/security.py")),
              _edit("taskboard/web.py",
                    "    params: dict[str, int] = field(default_factory=dict)  # path parameters, filled in by the "
                    "router\n",
                    "    params: dict[str, int] = field(default_factory=dict)  # path parameters, filled in by the "
                    "router\n    user: dict[str, Any] | None = None  # verified token claims, set by the auth "
                    "middleware\n"),
              _edit("taskboard/app.py", "from taskboard import db\n", "from taskboard import db, security\n"),
              _edit("taskboard/app.py", "    path = db.database_path(database_url)\n",
                    "    path = db.database_path(database_url)\n"
                    "    security.secret_key()  # fail at startup, not at the first login, if SECRET_KEY is missing\n"),
              _edit("taskboard/app.py", _APP_TRY, _APP_TRY.replace(
                  "            response =", "            request.user = security.authenticate(request)\n"
                                          "            response =")),
              *_done("security.1", "security.4")),
        _turn(m,
              "Now the routes. `require_role` re-reads the account's role from the database on every admin "
              "call, so demoting an admin takes effect at once rather than when their token expires.\n\n",
              _edit("taskboard/routes.py", "from taskboard import db, validation\n",
                    "from taskboard import db, security, users, validation\n"),
              _edit("taskboard/routes.py", _OPEN_ADMIN, _AUTH_ROUTES),
              _edit("taskboard/routes.py", '@router.delete("/admin/projects/{project_id}")\n',
                    '@router.delete("/admin/projects/{project_id}")\n@security.require_role("admin")\n'),
              *_done("security.2", "security.3", "security.5")),
        _turn(m,
              "The existing admin tests call `/admin/*` without a token, which is now a 401 by design. "
              "Updating them to authenticate as an admin; the test key is random per test, never written "
              "down.\n\n",
              _edit("tests/conftest.py", "import json\n", "import json\nimport secrets\n"),
              _edit("tests/conftest.py", "from taskboard import db\n", "from taskboard import db, users\n"),
              _edit("tests/conftest.py", _CLIENT_FIXTURE, _AUTH_FIXTURES),
              _edit("tests/test_api.py", _ADMIN_TESTS, _admin_tests_with_token())),
        _turn(m, "", _run(PYTEST, "the whole suite, with the admin tests now sending an admin token")),
        _turn(m, "Green.\n\n", *_done("security.6", "security.7"), _complete(
            "Passwords hashed with scrypt, HS256 access tokens, and role-based access on /admin/*, with the "
            "signing key taken from the environment.",
            ["taskboard/security.py: hash_password/verify_password (scrypt), issue_token/decode_token (HS256), "
             "authenticate, require_role",
             "taskboard/app.py: auth middleware; refuses to start without a strong SECRET_KEY",
             "taskboard/routes.py: POST /auth/signup, POST /auth/login; /admin/* require the admin role",
             "taskboard/web.py: Request.user",
             "tests: admin tests authenticate; SECRET_KEY is random per test"],
            [("python -m pytest -q", "all tests passed")],
            ["No rate limiting on /auth/login yet: put it behind the proxy's limit (deployment phase).",
             "Sign-up answers 409 for a taken email, which reveals that it is registered; acceptable here, "
             "email verification would be the fix.",
             "Rotating SECRET_KEY logs everyone out (documented in the deployment phase)."],
            "🧪 Testing phase: sign-up, login, RBAC and token edge cases.")),
    ]


def _testing() -> list[Turn]:
    m = executing("testing")
    return [
        _turn(m,
              "Tests for the new surface: through the API where possible, units for the token edge cases "
              "(tampered claims, `alg: none`, expiry, wrong key), plus the demoted-admin case and the "
              "missing-secret startup check.\n\n",
              _read("tests/conftest.py"),
              _write("tests/test_auth.py", _file("testing", "tests/test_auth.py")),
              *_done("testing.1", "testing.2", "testing.3")),
        _turn(m, "", _run(PYTEST, "run the whole suite including the new auth tests")),
        _turn(m, "All green, old and new.\n\n", *_done("testing.4", "testing.5"), _complete(
            "Covered sign-up, login, tokens and role-based access, including the edge cases.",
            ["tests/test_auth.py: sign-up (validation, duplicate in any case, no hash in responses)",
             "tests/test_auth.py: login (token claims, identical 401 for unknown email and wrong password)",
             "tests/test_auth.py: tokens (tampered, alg none, expired, wrong key), scrypt hashes",
             "tests/test_auth.py: RBAC (401, 403, admin, demoted admin), SECRET_KEY required at startup"],
            [("python -m pytest -q", "all tests passed")],
            ["No load test: scrypt costs ~50 ms per login by design; size login capacity accordingly."],
            "🚀 Deployment phase: migration plan, first admin, rollback.")),
    ]


_README_LAYOUT_ROW = "| `taskboard/db.py` | connection helper, `transaction()`, parameterised queries |\n"
_README_NOT_YET = """## Not there yet

There are no user accounts: the `/admin/*` routes are open to anyone who can reach the service.
"""
_README_ACCOUNTS = """## Accounts

`POST /auth/signup` creates an account (role `member`); `POST /auth/login` returns a bearer token
valid for one hour. `/admin/*` needs the token of an account with the `admin` role. Set
`SECRET_KEY` (32+ random characters) before starting the app. Deploying and rolling back:
[docs/DEPLOY.md](docs/DEPLOY.md).
"""


def _deployment() -> list[Turn]:
    m = executing("deployment")
    return [
        _turn(m,
              "Deployment notes. The migration is additive, so the safe order is: back up, migrate, deploy "
              "the code, promote the first admin, smoke test. Rollback is code-first; the down migration is a "
              "last resort because it deletes accounts.\n\n",
              _write("docs/DEPLOY.md", _file("deployment", "docs/DEPLOY.md")),
              _edit("README.md", "python -m taskboard           # serves http://127.0.0.1:8000\n",
                    "export SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\"\n"
                    "python -m taskboard           # serves http://127.0.0.1:8000\n"),
              _edit("README.md", _README_LAYOUT_ROW, _README_LAYOUT_ROW
                    + "| `taskboard/users.py` | accounts: created in a transaction, looked up, given a role |\n"
                    + "| `taskboard/security.py` | scrypt password hashes, HS256 tokens, the `require_role` guard |\n"),
              _edit("README.md", _README_NOT_YET, _README_ACCOUNTS),
              *_done("deployment.1", "deployment.2", "deployment.3", "deployment.4")),
        _turn(m, "Checking that every command and function the runbook names exists.\n\n",
              ToolCall("search_code", {"pattern": "def (up|down|status|set_role|secret_key)\\b"})),
        _turn(m, "They all do.\n\n", *_done("deployment.5"), _complete(
            "Wrote the production runbook: migration order, configuration, first admin, monitoring, rollback.",
            ["docs/DEPLOY.md: backup → status → up → deploy with SECRET_KEY → promote first admin → smoke test",
             "docs/DEPLOY.md: monitoring (401/403 rates, failed logins) and a code-first rollback",
             "README.md: SECRET_KEY, the accounts section, the new modules"],
            [("migrate.py up/down/status, users.set_role and security.secret_key exist (search_code)",
              "all found")],
            ["Rate limiting for /auth/login is left to the proxy; there is none in the app."],
            "Final review of the whole change.")),
    ]


def _final_review() -> list[Turn]:
    return [
        _turn(FINAL_REVIEW,
              "# Backend Implementation Review\n\n"
              "## ✅ All architectural phases\n"
              "- 🗄️ **Database**: `0003_users`, additive, unique index on email, reversible.\n"
              "- 📡 **API**: contract 1.1.0; public routes unchanged; `/admin/*` break called out.\n"
              "- ⚙️ **Logic**: `users` service, sign-up in one `BEGIN IMMEDIATE` transaction.\n"
              "- 🛡️ **Security**: scrypt, HS256 with pinned alg, RBAC against the current role, "
              "`SECRET_KEY` required at startup, no secrets in code or tests.\n"
              "- 🧪 **Testing**: sign-up, login, token and RBAC edge cases; the whole suite green.\n"
              "- 🚀 **Deployment**: `docs/DEPLOY.md` with migration order and rollback.\n\n"
              "## Findings\n"
              "- Every query stays parameterised; inputs are validated at the boundary.\n"
              "- Open: no rate limiting on `/auth/login` (documented: do it at the proxy).\n"
              "- Open: no refresh tokens; clients log in again after an hour.\n\n"
              "## Deployment checklist\n"
              "- [ ] Back up the database, then `python migrate.py up` in staging and production\n"
              "- [ ] Set `SECRET_KEY` in the secret store\n"
              "- [ ] Promote the first admin and run the smoke test\n"
              "- [ ] Tell `/admin/*` clients about the bearer token\n"
              "- [ ] Rate-limit `/auth/login` at the proxy\n\n"
              "Nothing is deployed; that's your call."),
    ]


# -- fallbacks -------------------------------------------------------------------------------------------------

_SCRIPTED_NOTE = ("_(This is phasegate's scripted demo model: it replays a prepared session, so it cannot "
                  "rewrite anything to your exact words. A real model would apply your feedback here.)_\n\n")


def _fallbacks() -> list[Turn]:
    answered = dict(RESEARCH_REPORT)
    answered["assumptions"] = [*RESEARCH_REPORT["assumptions"],
                               {"text": "Your answers take precedence over my assumptions above; the plan will "
                                        "follow them."}]
    answered["questions"] = []
    return [
        _turn(REVISION,
              "Understood — taking your feedback for this phase.\n\n" + _SCRIPTED_NOTE,
              _complete("Re-submitted after your review.",
                        ["The changes of this phase, unchanged since the last review (scripted demo model)"],
                        [("No file changed since the last review, so its verification results stand", "")],
                        ["Your feedback has not been applied: the demo model is scripted."],
                        "Your review of this phase."),
              repeat=True),
        _turn(RESEARCH, "Thanks, that settles the open questions. Updated report:\n\n",
              ToolCall("submit_research", answered), repeat=True),
        _turn(PLANNING, "Noted.\n\n" + _SCRIPTED_NOTE + "Re-submitting the plan for your review.\n\n",
              ToolCall("submit_plan", PLAN), repeat=True),
        _turn(PHASE_REVIEW,
              "Happy to walk through it. The diff tab shows every hunk of this phase; each change is listed in "
              "the phase report with how it was verified. I can't change files while you review: request "
              "changes and I'll get the phase back.\n\n" + _SCRIPTED_NOTE, repeat=True),
        _turn(FINAL_REVIEW, "The review above stands; nothing has changed since. Approve to finish the "
                            "session.", repeat=True),
        _turn(EXECUTING, "I have no further scripted steps for this phase. " + _SCRIPTED_NOTE, repeat=True),
        _turn(None, "I'm the scripted demo model and have no prepared answer for that. Carry on with the "
                   "keys in the footer.", repeat=True),
    ]


def build_demo_script() -> list[Turn]:
    """The whole scripted session, in order, followed by the repeatable fallbacks."""
    return [*_research(), *_plan(), *_database(), *_api(), *_logic(), *_security(), *_testing(),
            *_deployment(), *_final_review(), *_fallbacks()]

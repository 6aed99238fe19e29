"""Repository audit: what stack, schema, migrations, models, routes, specs, env and auth a repo has.

Deterministic facts for the model and the user, each with the path and the evidence (a line or a
name pattern) that classified it. Speed comes from reading little: paths are classified by name
first, only candidate files are opened (in a big repository, only those whose path names a role:
routes, models, auth, config, data access), at most ``MAX_READ`` bytes each, and every content rule
is a precompiled regex that runs only when one of its gate words occurs among the file's word tokens
(one ``bytes.translate`` and ``split`` per file, far cheaper than any regex pass). ``.env`` values are never read into the output: an env file is only checked
for *whether* it assigns values, to flag a committed one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from phasegate.app.analyzers._files import (
    FIXTURE_DIRS,
    GENERATED_SUFFIXES,
    MAX_READ,
    TEST_DIRS,
    TEST_NAME_RE,
    VENDORED_DIRS,
    Tree,
    WorkTree,
    resolve_root,
)
from phasegate.app.analyzers.bulk import bulk_read
from phasegate.app.analyzers.patterns import SQL_CONCAT_RE, WEAK_PASSWORD_HASH_RE
from phasegate.app.analyzers.security import redact_line

SCAN_KEYS = (
    "stack", "schema_files", "migration_dirs", "orm_models", "api_route_files",
    "openapi_specs", "manifests", "lockfiles", "env_files", "auth", "risks", "endpoints", "api_drift",
    "schema_readers", "schema_tables", "schema_drift", "schema_warnings",
)

LANGUAGES = {
    ".py": "Python", ".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript", ".jsx": "JavaScript",
    ".ts": "TypeScript", ".mts": "TypeScript", ".cts": "TypeScript", ".tsx": "TypeScript", ".go": "Go",
    ".java": "Java", ".kt": "Kotlin", ".rb": "Ruby", ".rs": "Rust", ".cs": "C#", ".php": "PHP",
    ".ex": "Elixir", ".exs": "Elixir", ".scala": "Scala", ".sql": "SQL",
}
# Which rule set reads a file with this extension.
RULESET_BY_EXT = {
    ".py": "python", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js", ".ts": "js", ".mts": "js",
    ".cts": "js", ".tsx": "js", ".go": "go", ".java": "jvm", ".kt": "jvm", ".rb": "ruby", ".rs": "rust",
    ".cs": "dotnet", ".php": "php",
}

MANIFEST_NAMES = {
    "package.json": "npm", "go.mod": "go", "pyproject.toml": "python", "Pipfile": "python",
    "setup.py": "python", "setup.cfg": "python", "Cargo.toml": "rust", "pom.xml": "maven",
    "build.gradle": "gradle", "build.gradle.kts": "gradle", "Gemfile": "ruby", "composer.json": "php",
    "mix.exs": "elixir", "deno.json": "deno", "environment.yml": "conda", "go.work": "go",
    "Directory.Packages.props": "dotnet",
}
MANIFEST_RE = re.compile(r"^(requirements[\w.-]*\.txt|[\w.-]+\.csproj|[\w.-]+\.fsproj|[\w.-]+\.vbproj)$")
# Lockfiles: what the manifests resolved to, listed apart from them.
LOCKFILE_NAMES = {
    "package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "yarn.lock": "npm", "pnpm-lock.yaml": "npm",
    "bun.lockb": "npm", "bun.lock": "npm", "deno.lock": "npm", "poetry.lock": "python", "Pipfile.lock": "python",
    "uv.lock": "python", "pdm.lock": "python", "go.sum": "go", "go.work.sum": "go", "Cargo.lock": "rust",
    "Gemfile.lock": "ruby", "composer.lock": "php", "packages.lock.json": "dotnet", "gradle.lockfile": "gradle",
    "mix.lock": "elixir", "conda-lock.yml": "python",
}
# Python manifests that may hold only tool settings: they are manifests when they declare the package.
_PY_PACKAGE_RE = re.compile(r"(?m)^\[(?:project|tool\.poetry|tool\.pdm|tool\.uv|tool\.hatch\.metadata|build-system|"
                            r"dependency-groups|metadata|options)\]")

ENV_NAME_RE = re.compile(
    r"^(\.env(\..+)?|.+\.env|\.envrc|env[-_.](example|sample|template|dist|local|dev|prod\w*|test)"
    r"|\.flaskenv|dotenv)$",
    re.IGNORECASE,
)
ENV_TEMPLATE_RE = re.compile(r"(example|sample|template|dist|defaults?)", re.IGNORECASE)
ENV_ASSIGN_RE = re.compile(rb"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*[\"']?[^\s\"'#]", re.MULTILINE)
# --- content rules --------------------------------------------------------------------------------
# (category, label, regex). category is one of: route, model, auth, risk_sql, env_read.
Rule = tuple[str, str, str]

_HTTP = r"(?:get|post|put|patch|delete|head|options|all)"
_COMMON_AUTH: list[Rule] = [
    ("auth", "jwt", r"\bjwt\b|jsonwebtoken|JwtModule|JwtStrategy|\bjose\b|golang-jwt|jjwt|JwtBearer|\bJWT\.(?:encode|decode)\b"),
    ("auth", "paseto", r"\bpaseto\b"),
    # OAuth2 in the research report's vocabulary: the password flow, a resource server validating
    # tokens another server issued, social login through a provider; "oauth" for any other OAuth client.
    ("auth", "oauth2_password", r"OAuth2PasswordBearer|OAuth2PasswordRequestForm|grant_type[\"'=:\s]+password\b"),
    ("auth", "oauth2_resource_server", r"oauth2ResourceServer|oauth2-resource-server|\bResourceServerConfigurerAdapter\b"),
    ("auth", "social_login", r"passport-(?:google|github|facebook|twitter)|omniauth-|social_django|\ballauth\b|"
     r"GoogleProvider\(|GithubProvider\(|AddGoogle\(|AddGitHub\(|oauth2Login\("),
    ("auth", "oauth", r"(?i:\bauthlib\b|\bopenid\b|\boidc\b|golang\.org/x/oauth2\b|\boauth2client\b)"),
    ("auth", "session", r"express-session|cookie-session|(?<!sessions\.middleware\.)SessionMiddleware|gorilla/sessions|"
     r"req\.session\b|HttpSession|tower_sessions|actix_session|\bflask_login\b|\bLoginManager\(|\blogin_user\("),
    ("auth", "passport", r"\bpassport\.(?:use|authenticate|initialize)\(|\bPassportModule\b|\bPassportStrategy\("),
    # Devise's database_authenticatable stores bcrypt digests
    ("auth", "bcrypt", r"(?i:bcrypt)|has_secure_password|:database_authenticatable\b"),
    ("auth", "argon2", r"(?i:argon2)"),
    # Django's user models hash with PBKDF2 unless PASSWORD_HASHERS says otherwise.
    ("auth", "pbkdf2", r"(?i:pbkdf2)|\bAbstract(?:Base)?User\b"),
    ("auth", "scrypt", r"(?i:\bscrypt)"),
    ("auth", "rbac", r"@Roles\(|\bRolesGuard\b|@PreAuthorize|@Secured\(|@RolesAllowed|\bhas_role\b|\bhasRole\(|"
     r"\bhasAuthority\(|\bhasAnyRole\(|roles_required|\bIsAdminUser\b|\bDjangoModelPermissions|\bBasePermission\b|"
     r"\bhas_perm\(|\bpermission_required\b|\bcasbin\b|\[Authorize\([^\]]*\b(?:Roles|Policy)\s*=|\bRequireRole\(|"
     r"\bAddPolicy\(|\bcancancan\b|\bpundit\b|\brequireRole\b|\broleRights\b|\brequiredRights\b|Gate::define\(|"
     r"\bauthorize_resource\b|\bload_and_authorize_resource\b|"
     # a DRF permission class beyond "is logged in"
     r"permission_classes\s*=\s*[\[(][^\])\n]*\b(?!(?:IsAuthenticated|AllowAny|IsAuthenticatedOrReadOnly|permissions)\b)[A-Z]\w*"),
    ("auth", "totp", r"(?i:\btotp\b|pyotp|otplib|speakeasy|pquerna/otp|two_factor)"),
    ("auth", "devise", r"\bdevise\b"),
    ("auth", "basic", r"\bHTTPBasicAuth\b|\bBasicAuthentication\b|\bhttpBasic\(|[\"']Basic[\"']|\bBasicAuth(?:Middleware)?\b|"
     r"\bbasicAuth\("),
    ("auth", "bearer", r"\bHTTPTokenAuth\b|\bTokenAuthentication\b|\bhas_secure_token\b|\bHasApiTokens\b|\bsanctum\b|"
     r"\bHTTPBearer\b"),
    ("auth", "user_details", r"\bUserDetailsService\b|\bloadUserByUsername\b"),
    ("risk_hash", "weak_password_hashing", WEAK_PASSWORD_HASH_RE.pattern),
    ("risk_sql", "raw_sql_concatenation", SQL_CONCAT_RE.pattern),
]

RULES: dict[str, list[Rule]] = {
    "js": [
        ("route", "express", rf"\b(?:app|router|server|api|routes)\.{_HTTP}\(\s*['\"`]/"),
        ("route", "fastify", rf"\bfastify\.(?:{_HTTP}|route)\(|\.register\(\s*\w+Routes"),
        ("route", "koa", r"new\s+(?:Koa)?Router\(|koa-router|@koa/router"),
        ("route", "nestjs", r"@Controller\("),
        ("route", "graphql", r"@Resolver\(|\btypeDefs\b|ApolloServer|graphqlHTTP|createYoga"),
        ("route", "grpc", r"@grpc/grpc-js|addService\("),
        ("mount", "mount-js", r"\bNestFactory\.create\(|\bcreateExpressServer\(|\buseExpressServer\("),
        ("model", "typeorm", r"@Entity\("),
        ("model", "sequelize", r"sequelize\.define\(|\bextends\s+Model\b[\s\S]{0,400}?\.init\(|DataTypes\.\w+"),
        ("model", "mongoose", r"new\s+(?:mongoose\.)?Schema\(|mongoose\.model\("),
        ("model", "objection", r"extends\s+Model\s*\{[\s\S]{0,200}?static\s+(?:get\s+)?tableName"),
        *_COMMON_AUTH,
    ],
    "python": [
        ("route", "fastapi", rf"@\w+\.{_HTTP}\(\s*['\"]/|\bAPIRouter\(|\bFastAPI\("),
        ("route", "flask", r"@\w+\.route\(\s*['\"]/|\bBlueprint\("),
        ("route", "django", r"^urlpatterns\s*[:=]"),
        ("route", "drf", r"\b(?:ModelViewSet|ViewSet|GenericViewSet|APIView)\b|@api_view\("),
        ("route", "graphql", r"\bgraphene\b|\bstrawberry\b|\bariadne\b"),
        ("mount", "mount-python", r"\.include_router\(|\.register_blueprint\(|^urlpatterns\s*[:=+][\s\S]{0,4000}?\binclude\(|"
         r"\.mount\(\s*['\"]/"),
        ("model", "sqlalchemy", r"\bmapped_column\(|^\s*__tablename__\s*=|\bColumn\(\s*(?:Integer|String|\w+\()"),
        ("model", "sqlmodel", r"\(\s*SQLModel\s*,\s*table\s*=\s*True"),
        ("model", "django", r"class\s+\w+\(\s*models\.Model\s*\)"),
        ("model", "peewee", r"class\s+\w+\(\s*(?:peewee\.)?Model\s*\):[\s\S]{0,300}?Field\("),
        ("model", "tortoise", r"from tortoise(?:\.models)? import|tortoise\.models"),
        ("model", "mongoengine", r"\bDocument\b[\s\S]{0,200}?StringField\("),
        *_COMMON_AUTH,
    ],
    "go": [
        ("route", "gin", r"\.(?:GET|POST|PUT|PATCH|DELETE|Any|Group)\(\s*\"/|gin\.Default\(\)|gin\.New\(\)"),
        ("route", "echo", r"echo\.New\(\)"),
        ("route", "chi", r"chi\.NewRouter\(\)|\br\.(?:Get|Post|Put|Patch|Delete|Route)\(\s*\"/"),
        ("route", "net/http", r"http\.HandleFunc\(|\bmux\.Handle(?:Func)?\(|http\.NewServeMux\(\)"),
        ("route", "fiber", r"fiber\.New\("),
        ("route", "grpc", r"grpc\.NewServer\(|Register\w+Server\("),
        ("mount", "mount-go", r"\b\w+\.NewRouter\([^)\n]+\)|\b\w+\.Register\w+Server\("),
        ("model", "gorm", r"gorm\.Model|`gorm:\""),
        ("model", "sqlx-go", r"`db:\"\w+\""),
        *_COMMON_AUTH,
    ],
    "jvm": [
        ("route", "spring", r"@RestController|@Controller\b|@(?:Get|Post|Put|Delete|Patch|Request)Mapping"),
        ("route", "jax-rs", r"@Path\(\s*\"/"),
        ("route", "ktor", r"\brouting\s*\{"),
        ("model", "jpa", r"@Entity\b|@Table\(\s*name"),
        ("model", "exposed", r"object\s+\w+\s*:\s*(?:Int|Long|UUID)?Table\("),
        *_COMMON_AUTH,
    ],
    "ruby": [
        ("route", "rails", r"\.routes\.draw\b"),
        ("route", "sinatra", rf"^\s*{_HTTP}\s+['\"]/"),
        ("route", "rails-controller", r"<\s*(?:ApplicationController|ActionController::(?:API|Base))"),
        ("model", "activerecord", r"<\s*(?:ApplicationRecord|ActiveRecord::Base)\b"),
        *_COMMON_AUTH,
    ],
    "rust": [
        ("route", "axum", r"Router::new\(\)|\.route\(\s*\"/"),
        ("route", "actix", r"#\[(?:get|post|put|patch|delete)\(\s*\"/|web::resource\(|HttpServer::new"),
        ("route", "rocket", r"#\[launch\]|rocket::build\(\)"),
        ("route", "grpc", r"tonic::transport::Server"),
        ("mount", "mount-rust", r"\.mount\(\s*\"/|\.nest\(\s*\"/|\bHttpServer::new\("),
        ("model", "diesel", r"#\[derive\([^)]*\b(?:Queryable|Insertable|Selectable)\b|#\[diesel\(table_name"),
        ("model", "sqlx", r"#\[derive\([^)]*\bFromRow\b|sqlx::FromRow"),
        ("model", "sea-orm", r"DeriveEntityModel"),
        *_COMMON_AUTH,
    ],
    "dotnet": [
        ("route", "aspnet", r"\[ApiController\]|\bapp\.Map(?:Get|Post|Put|Delete|Patch)\(|:\s*ControllerBase\b"),
        # the context declares the tables (its DbSet<> properties); the entities themselves come from the
        # EF Core schema reader
        ("model", "ef", r"(?m)^\s*(?:public\s+|internal\s+)?(?:sealed\s+|partial\s+)*class\s+\w+\s*(?:\([^)]*\))?\s*:\s*\w*DbContext\b"),
        ("mount", "mount-dotnet", r"\.MapControllers\(\)|\.UseMvc\(|\.MapControllerRoute\(|\.UseEndpoints\("),
        *_COMMON_AUTH,
    ],
    "php": [
        ("route", "laravel", r"Route::(?:get|post|put|patch|delete|resource|apiResource)\("),
        ("route", "symfony", r"#\[Route\(|@Route\("),
        ("model", "eloquent", r"extends\s+(?:Model|Authenticatable|Pivot)\b"),
        ("mount", "mount-php", r"->group\(\s*base_path\(\s*['\"]routes/|\bloadRoutesFrom\(|->withRouting\("),
        ("model", "doctrine", r"#\[ORM\\Entity|@ORM\\Entity"),
        *_COMMON_AUTH,
    ],
}


# Literal keywords that must occur for a rule's regex to be worth running. ``kw in text`` is a C-speed
# substring search, dozens of times faster than a regex alternation in ``re``; the regex then runs
# only on the few files that can match. Every rule label needs an entry (a test checks it).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "express": ("app.", "router.", "server.", "api.", "routes."), "fastify": ("fastify.", ".register("),
    "koa": ("Router(", "koa-router", "@koa/router"), "nestjs": ("@Controller(",),
    "graphql": ("@Resolver(", "typeDefs", "ApolloServer", "graphqlHTTP", "createYoga", "graphene", "strawberry",
                "ariadne"),
    "grpc": ("@grpc/grpc-js", "addService(", "grpc.NewServer", "Server(", "tonic::transport"),
    "typeorm": ("@Entity(",), "sequelize": ("sequelize.define", "extends Model", "DataTypes."),
    "mongoose": ("Schema(", "mongoose.model"), "objection": ("tableName",),
    "fastapi": (".get(", ".post(", ".put(", ".patch(", ".delete(", ".head(", ".options(", "APIRouter(", "FastAPI("),
    "flask": (".route(", "Blueprint("), "django": ("urlpatterns", "models.Model"),
    "drf": ("ViewSet", "APIView", "@api_view"), "sqlalchemy": ("mapped_column(", "__tablename__", "Column("),
    "sqlmodel": ("SQLModel",), "peewee": ("Model)",), "tortoise": ("tortoise",), "mongoengine": ("Document",),
    "gin": ('("/', "gin.Default", "gin.New"), "echo": ("echo.New",), "chi": ("chi.NewRouter", '("/'),
    "net/http": ("http.HandleFunc", "mux.Handle", "http.NewServeMux"), "fiber": ("fiber.New",),
    "gorm": ("gorm.Model", 'gorm:"'), "sqlx-go": ('`db:"',),
    "spring": ("@RestController", "@Controller", "Mapping"), "jax-rs": ("@Path(",), "ktor": ("routing",),
    "jpa": ("@Entity", "@Table("), "exposed": ("Table(",), "rails": (".routes.draw",),
    "sinatra": ("get '", 'get "', "post '", 'post "', "put '", 'put "', "delete '", 'delete "', "patch '"),
    "rails-controller": ("ApplicationController", "ActionController::"),
    "activerecord": ("ApplicationRecord", "ActiveRecord::Base"), "axum": ("Router::new", '.route("'),
    "actix": ('#[get("', '#[post("', '#[put("', '#[patch("', '#[delete("', "web::resource", "HttpServer::new"),
    "rocket": ("#[launch]", "rocket::build"), "diesel": ("Queryable", "Insertable", "Selectable", "#[diesel("),
    "sqlx": ("FromRow",), "sea-orm": ("DeriveEntityModel",), "aspnet": ("[ApiController]", "app.Map", "ControllerBase"),
    "ef": ("DbContext",), "mount-dotnet": ("MapControllers", "UseMvc", "MapControllerRoute", "UseEndpoints"),
    "mount-php": ("base_path", "loadRoutesFrom", "withRouting"),
    "mount-python": ("include_router", "register_blueprint", "include(", ".mount("),
    "mount-js": ("NestFactory", "createExpressServer", "useExpressServer"),
    "mount-go": ("NewRouter", "Server("), "mount-rust": (".mount(", ".nest(", "HttpServer::new"), "laravel": ("Route::",), "symfony": ("#[Route(", "@Route("),
    "eloquent": ("extends Model", "Authenticatable", "Pivot"), "doctrine": ("ORM\\Entity",),
    "jwt": ("jwt", "JWT", "Jwt", "jsonwebtoken", "jose", "JWT."), "paseto": ("paseto",),
    "oauth2_password": ("OAuth2PasswordBearer", "OAuth2PasswordRequestForm", "grant_type"),
    "oauth2_resource_server": ("oauth2ResourceServer", "oauth2-resource-server", "ResourceServerConfigurerAdapter"),
    "social_login": ("passport-google", "passport-github", "passport-facebook", "passport-twitter", "omniauth-",
                     "social_django", "allauth", "GoogleProvider", "GithubProvider", "AddGoogle", "AddGitHub",
                     "oauth2Login"),
    "oauth": ("authlib", "openid", "oidc", "x/oauth2", "oauth2client"),
    "session": ("session", "Session", "flask_login", "LoginManager", "login_user"),
    "passport": ("passport.", "PassportModule", "PassportStrategy"),
    "bcrypt": ("bcrypt", "BCrypt", "Bcrypt", "BCRYPT", "has_secure_password", "database_authenticatable"), "argon2": ("argon2", "Argon2", "ARGON2"),
    "pbkdf2": ("pbkdf2", "PBKDF2", "Pbkdf2", "AbstractBaseUser", "AbstractUser"), "scrypt": ("scrypt", "Scrypt", "SCRYPT"),
    "rbac": ("@Roles(", "RolesGuard", "@PreAuthorize", "@Secured", "@RolesAllowed", "has_role", "hasRole", "hasAuthority",
             "hasAnyRole", "roles_required", "IsAdminUser", "DjangoModelPermissions", "BasePermission", "has_perm",
             "permission_required", "casbin", "Authorize", "RequireRole", "AddPolicy", "cancancan", "pundit",
             "requireRole", "roleRights", "requiredRights", "Gate", "authorize_resource", "permission_classes"),
    "totp": ("totp", "TOTP", "Totp", "pyotp", "otplib", "speakeasy", "pquerna/otp", "two_factor"),
    "devise": ("devise",),
    "basic": ("HTTPBasicAuth", "BasicAuthentication", "httpBasic", "Basic", "BasicAuth", "BasicAuthMiddleware",
              "basicAuth"),
    "bearer": ("HTTPTokenAuth", "TokenAuthentication", "has_secure_token", "HasApiTokens", "sanctum", "HTTPBearer"),
    "user_details": ("UserDetailsService", "loadUserByUsername"),
    "weak_password_hashing": ("md5", "MD5", "Md5", "sha1", "SHA1", "Sha1", "sha256", "sha512", "createHash"),
    "raw_sql_concatenation": ("SELECT", "select", "Select", "INSERT", "insert", "Insert", "UPDATE", "update",
                              "Update", "DELETE", "delete", "Delete"),
}


# In a big repository only files whose path names a role are read for content (routes, models, auth,
# config, data access); a small one is read whole. Reading every source file of a 50,000-file
# monorepo in Python would cost tens of seconds, and its routes and models live in files named so.
FULL_READ_LIMIT = 4000
CANDIDATE_WORDS = frozenset(
    """route routes router routers routing controller controllers handler handlers api apis endpoint endpoints
    view views viewsets urls resource resources server app main index startup program web http rest graphql
    resolver resolvers grpc rpc proto model models entity entities schema schemas db database orm repository
    repositories repo repos dao store stores query queries sql auth authn authz authentication authorization
    security jwt session sessions passport password passwords crypto hash hashing guard guards middleware
    middlewares permission permissions policy policies role roles rbac acl login account accounts user users
    token tokens oauth otp totp mfa config configs configuration settings conf env environment
    """.split()
)
_PATH_WORD_RE = re.compile(r"[/._-]")
_SOURCE_SUFFIXES = tuple(RULESET_BY_EXT)


# Extra gate words for rules whose keywords are punctuation or whose identifiers glue words together.
EXTRA_GATE_WORDS: dict[str, tuple[str, ...]] = {
    "gin": ("get", "post", "put", "patch", "delete", "any", "group", "gin"),
    "chi": ("get", "post", "put", "patch", "delete", "route"),
    "session": ("sessionmiddleware", "httpsession", "sessions", "tower_sessions", "actix_session", "flask_login",
                "loginmanager", "login_user"),
    "bcrypt": ("bcryptjs", "bcryptpasswordencoder"), "argon2": ("argon2id", "argon2passwordhasher"),
    "scrypt": ("scryptsync",),
    "weak_password_hashing": ("md5hex", "sha1hex", "md5_hex", "sha1_hex", "hexdigest"),
    "jwt": ("jwtmodule", "jwtstrategy", "jwtbearer", "jjwt", "addjwtbearer", "jwtbearerdefaults", "jsonwebtokenerror"),
    "pbkdf2": ("pbkdf2_hmac", "pbkdf2sync", "pbkdf2withhmacsha256", "abstractbaseuser", "abstractuser"),
    "rbac": ("djangomodelpermissions", "djangomodelpermissionsoranonreadonly", "define"),
}
# bytes.translate table: word characters kept (upper-cased letters folded), everything else a space.
_WORD_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c == 95) else 32 for c in range(256)
)


def _gate_words(label: str) -> frozenset[bytes]:
    words = set(EXTRA_GATE_WORDS.get(label, ()))
    for keyword in KEYWORDS[label]:
        tokens = re.findall(r"[a-z0-9_]+", keyword.lower())
        if tokens:
            words.add(max(tokens, key=len))
    return frozenset(w.encode() for w in words)


_SCHEMA_PATH_RE = re.compile(r"model|entit|schema|migrat|versions/|db/|database")  # on the lower-cased path
# Whole source files the pass keeps for the schema and endpoint readers after it (bytes, at most)
_KEPT_BYTES = 64 * 1024 * 1024
_SQL_COMPANIONS = frozenset({b"from", b"into", b"set"})


def file_words(data: bytes) -> set[bytes]:
    """The lower-cased word tokens of a file: one C-speed translate and split, no regex."""
    return set(data.translate(_WORD_TABLE).split())


@dataclass(frozen=True)
class _Compiled:
    rules: list[tuple[str, str, frozenset[bytes], re.Pattern[str]]]


def _compile(rules: list[Rule]) -> _Compiled:
    return _Compiled([(cat, label, _gate_words(label), re.compile(rx, re.MULTILINE)) for cat, label, rx in rules])


_COMPILED = {name: _compile(rules) for name, rules in RULES.items()}

# --- manifests: dependency name -> (stack entry name, category) -------------------------------------
_DEPS: dict[str, list[tuple[str, str, str]]] = {
    # ecosystem: (regex on the manifest text, name, category)
    "npm": [
        (r'"express"', "Express", "framework"), (r'"fastify"', "Fastify", "framework"),
        (r'"koa"', "Koa", "framework"), (r'"@nestjs/core"', "NestJS", "framework"),
        (r'"(?:@prisma/client|prisma)"', "Prisma", "orm"), (r'"typeorm"', "TypeORM", "orm"),
        (r'"sequelize"', "Sequelize", "orm"), (r'"mongoose"', "Mongoose", "orm"),
        (r'"knex"', "Knex", "orm"), (r'"drizzle-orm"', "Drizzle", "orm"), (r'"objection"', "Objection", "orm"),
        (r'"(?:pg|postgres|pg-promise)"', "PostgreSQL", "database"), (r'"(?:mysql2?|mariadb)"', "MySQL", "database"),
        (r'"(?:sqlite3|better-sqlite3)"', "SQLite", "database"), (r'"mongodb"', "MongoDB", "database"),
        (r'"(?:redis|ioredis)"', "Redis", "database"), (r'"graphql"', "GraphQL", "framework"),
        (r'"next"', "Next.js", "framework"), (r'"@grpc/grpc-js"', "gRPC", "framework"),
    ],
    "python": [
        (r"\bfastapi\b", "FastAPI", "framework"), (r"\b[Ff]lask\b", "Flask", "framework"),
        (r"\b[Dd]jango\b", "Django", "framework"), (r"\bdjangorestframework\b", "Django REST framework", "framework"),
        (r"\b(?:SQLAlchemy|sqlalchemy)\b", "SQLAlchemy", "orm"), (r"\bsqlmodel\b", "SQLModel", "orm"),
        (r"\balembic\b", "Alembic", "orm"), (r"\bpeewee\b", "Peewee", "orm"),
        (r"\btortoise-orm\b", "Tortoise ORM", "orm"),
        (r"\b(?:psycopg2?(?:-binary)?|psycopg|asyncpg)\b", "PostgreSQL", "database"),
        (r"\b(?:pymysql|mysqlclient|aiomysql)\b", "MySQL", "database"), (r"\baiosqlite\b", "SQLite", "database"),
        (r"\b(?:pymongo|motor)\b", "MongoDB", "database"), (r"\bredis\b", "Redis", "database"),
    ],
    "go": [
        (r"gin-gonic/gin", "Gin", "framework"), (r"labstack/echo", "Echo", "framework"),
        (r"go-chi/chi", "chi", "framework"), (r"gofiber/fiber", "Fiber", "framework"),
        (r"gorm\.io/gorm", "GORM", "orm"), (r"jmoiron/sqlx", "sqlx", "orm"), (r"entgo\.io/ent", "ent", "orm"),
        (r"golang-migrate/migrate", "golang-migrate", "orm"), (r"pressly/goose", "goose", "orm"),
        (r"(?:lib/pq|jackc/pgx|gorm\.io/driver/postgres)", "PostgreSQL", "database"),
        (r"(?:go-sql-driver/mysql|gorm\.io/driver/mysql)", "MySQL", "database"),
        (r"(?:mattn/go-sqlite3|gorm\.io/driver/sqlite|modernc\.org/sqlite)", "SQLite", "database"),
        (r"mongo-driver", "MongoDB", "database"), (r"go-redis", "Redis", "database"),
        (r"google\.golang\.org/grpc", "gRPC", "framework"),
    ],
    "rust": [
        (r"(?m)^axum\b", "Axum", "framework"), (r"(?m)^actix-web\b", "Actix Web", "framework"),
        (r"(?m)^rocket\b", "Rocket", "framework"), (r"(?m)^sqlx\b", "SQLx", "orm"),
        (r"(?m)^diesel\b", "Diesel", "orm"), (r"(?m)^sea-orm\b", "SeaORM", "orm"),
        (r"\bpostgres\b|tokio-postgres", "PostgreSQL", "database"), (r"\bmysql\b", "MySQL", "database"),
        (r"\bsqlite\b|rusqlite", "SQLite", "database"), (r"(?m)^tonic\b", "gRPC", "framework"),
    ],
    "jvm": [
        (r"spring-boot-starter-web", "Spring Boot", "framework"), (r"spring-boot", "Spring Boot", "framework"),
        (r"spring-boot-starter-data-jpa|hibernate|jakarta\.persistence", "JPA/Hibernate", "orm"),
        (r"flyway", "Flyway", "orm"), (r"liquibase", "Liquibase", "orm"),
        (r"postgresql", "PostgreSQL", "database"), (r"mysql-connector|mariadb", "MySQL", "database"),
        (r"sqlite-jdbc", "SQLite", "database"), (r"\bktor\b", "Ktor", "framework"),
    ],
    "ruby": [
        (r"gem ['\"]rails['\"]", "Rails", "framework"), (r"gem ['\"]sinatra['\"]", "Sinatra", "framework"),
        (r"gem ['\"]pg['\"]", "PostgreSQL", "database"), (r"gem ['\"]mysql2['\"]", "MySQL", "database"),
        (r"gem ['\"]sqlite3['\"]", "SQLite", "database"), (r"gem ['\"]activerecord['\"]", "ActiveRecord", "orm"),
    ],
    "dotnet": [
        (r"Microsoft\.AspNetCore", "ASP.NET Core", "framework"),
        (r"Microsoft\.EntityFrameworkCore", "Entity Framework Core", "orm"),
        (r"Npgsql", "PostgreSQL", "database"), (r"EntityFrameworkCore\.SqlServer", "SQL Server", "database"),
        (r"(?:Pomelo\.EntityFrameworkCore\.MySql|MySql\.Data)", "MySQL", "database"),
        (r"EntityFrameworkCore\.Sqlite", "SQLite", "database"),
    ],
    "php": [(r'"laravel/framework"', "Laravel", "framework"), (r'"symfony/', "Symfony", "framework"),
            (r'"doctrine/orm"', "Doctrine", "orm")],
    "auth": [
        (r"jsonwebtoken|\bpyjwt\b|python-jose|golang-jwt|jjwt|\bjsonwebtoken\b|@nestjs/jwt|JwtBearer|\bjwt\b",
         "jwt", "auth"),
        (r"paseto", "paseto", "auth"), (r"(?i)\bauthlib\b|\bopenid\b|\boidc\b", "oauth", "auth"),
        (r"omniauth-\w+|passport-(?:google|github|facebook|twitter)|social-auth-app|django-allauth|next-auth",
         "social_login", "auth"),
        (r"oauth2-resource-server", "oauth2_resource_server", "auth"),
        (r"express-session|cookie-session|gorilla/sessions|tower-sessions|actix-session|[Ff]lask-[Ll]ogin", "session", "auth"),
        (r"\"passport\"", "passport", "auth"), (r"(?i)bcrypt", "bcrypt", "auth"), (r"(?i)argon2", "argon2", "auth"),
        (r"\bdevise\b", "devise", "auth"), (r"(?i)pyotp|otplib|speakeasy|pquerna/otp", "totp", "auth"),
        (r"laravel/sanctum", "bearer", "auth"),
        (r"casbin|cancancan|pundit", "rbac", "auth"),
    ],
}
_MANIFEST_ECOSYSTEM = {
    "npm": "npm", "deno": "npm", "python": "python", "conda": "python", "go": "go", "rust": "rust",
    "maven": "jvm", "gradle": "jvm", "ruby": "ruby", "php": "php", "dotnet": "dotnet",
}
_DEPS_COMPILED = {eco: [(re.compile(rx), name, cat) for rx, name, cat in deps] for eco, deps in _DEPS.items()}

_COMPOSE_DB_RE = re.compile(r"image:\s*['\"]?(postgres|postgis/postgis|mysql|mariadb|mongo|redis)\b")
_COMPOSE_DB = {"postgres": "PostgreSQL", "postgis/postgis": "PostgreSQL", "mysql": "MySQL",
               "mariadb": "MySQL", "mongo": "MongoDB", "redis": "Redis"}

# --- schema files and migrations ---------------------------------------------------------------------
_SQL_DDL_RE = re.compile(r"(?i)\b(?:create|alter)\s+table\b")
_PRISMA_RE = re.compile(r"(?m)^\s*(?:model|enum|datasource)\s+\w+\s*\{")
_DIESEL_SCHEMA_RE = re.compile(r"(?:diesel::)?table!\s*\{")
_LIQUIBASE_RE = re.compile(r"databaseChangeLog")

_MIGRATION_RULES: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = [
    # (tool, path regex, optional content regex on the file's head)
    ("prisma", re.compile(r"(^|/)migrations/migration_lock\.toml$"), None),
    ("prisma", re.compile(r"(^|/)migrations/\d{14}_[^/]+/migration\.sql$"), None),
    ("diesel", re.compile(r"(^|/)migrations/\d{4}-\d{2}-\d{2}-\d{6}_[^/]+/up\.sql$"), None),
    ("flyway", re.compile(r"(^|/)V\d+(?:[._]\d+)*__[^/]+\.sql$"), None),
    ("goose", re.compile(r"\.go$"), re.compile(r"goose\.AddMigration")),
    ("golang-migrate", re.compile(r"(^|/)\d+_[^/]+\.(?:up|down)\.sql$"), None),
    ("sqlx", re.compile(r"(^|/)migrations/\d{14}_[^/]+\.sql$"), None),
    ("alembic", re.compile(r"(^|/)versions/[^/]+\.py$"), re.compile(r"^down_revision\b", re.M)),
    ("django", re.compile(r"(^|/)migrations/\d{4}_[^/]+\.py$"), re.compile(r"migrations\.Migration")),
    ("rails", re.compile(r"(^|/)db/migrate/\d+_[^/]+\.rb$"), None),
    ("typeorm", re.compile(r"(^|/)migrations?/[^/]+\.[jt]s$"), re.compile(r"MigrationInterface")),
    ("sequelize", re.compile(r"(^|/)migrations?/[^/]+\.c?js$"), re.compile(r"queryInterface")),
    ("knex", re.compile(r"(^|/)migrations?/[^/]+\.[cm]?[jt]s$"), re.compile(r"knex\.schema|exports\.up|export\s+(?:async\s+)?function\s+up")),
    ("ef", re.compile(r"(^|/)Migrations/[^/]+\.cs$"), re.compile(r"migrationBuilder|:\s*Migration\b")),
    ("laravel", re.compile(r"(^|/)database/migrations/[^/]+\.php$"), re.compile(r"Schema::|extends\s+Migration\b")),
    ("liquibase", re.compile(r"(^|/)[^/]*changelog[^/]*\.(?:xml|ya?ml|json|sql)$", re.I), None),
]


_MIGRATION_EXTS = frozenset({".sql", ".py", ".rb", ".js", ".ts", ".cjs", ".mjs", ".go", ".cs", ".php", ".toml", ".xml",
                             ".yaml", ".yml", ".json"})
_MIGRATION_NAME_RE = re.compile(r"V\d+(?:[._]\d+)*__|\d+_[^/]+\.(?:up|down)\.sql$")
_GOOSE_RE = re.compile(r"--\s*\+goose\s+Up", re.I)


@dataclass
class ScanResult:
    """The audit's findings; ``to_json`` gives exactly the ``SCAN_KEYS``."""

    root: str
    stack: list[dict[str, Any]] = field(default_factory=list)
    schema_files: list[dict[str, Any]] = field(default_factory=list)
    migration_dirs: list[dict[str, Any]] = field(default_factory=list)
    orm_models: list[dict[str, Any]] = field(default_factory=list)
    api_route_files: list[dict[str, Any]] = field(default_factory=list)
    openapi_specs: list[dict[str, Any]] = field(default_factory=list)
    manifests: list[dict[str, Any]] = field(default_factory=list)
    env_files: list[dict[str, Any]] = field(default_factory=list)
    auth: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    endpoints: list[dict[str, Any]] = field(default_factory=list)  # the endpoint inventory (scan_api.py)
    api_drift: list[dict[str, Any]] = field(default_factory=list)  # committed spec vs code
    lockfiles: list[dict[str, Any]] = field(default_factory=list)
    schema_readers: list[dict[str, Any]] = field(default_factory=list)  # which schema readers fired (scan_schema.py)
    schema_tables: int = 0  # tables of the combined schema
    schema_drift: list[dict[str, Any]] = field(default_factory=list)  # models vs migrations
    schema_warnings: list[dict[str, Any]] = field(default_factory=list)  # what a schema reader could not read
    files_scanned: int = 0

    def to_json(self) -> dict[str, Any]:
        return {key: (lambda v: v if isinstance(v, int) else list(v))(getattr(self, key)) for key in SCAN_KEYS}


_COMMENT_PREFIXES = ("#", "//", "/*", "*", "--", "<!--")
_SPEC_RULESETS = frozenset({"js", "dotnet", "jvm", "python", "rust", "php"})
# word tokens one of which a file defining a spec in code has (scan_specs.CODE_SPEC_RULES)
_SPEC_GATE = frozenset(w.encode() for w in (
    "openapi", "swagger", "swaggermodule", "routingcontrollerstospec", "addswaggergen", "addopenapi",
    "addopenapidocument", "docket", "openapidefinition", "get_openapi", "spectacularapiview", "get_schema_view",
    "doc", "doc31", "fastifyswagger", "oa", "swaggerjsdoc", "swaggerdefinition"))


def code_match(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``rx`` in ``text`` that is not on a comment line (``#``, ``//``, ``*``…)."""
    for m in rx.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if not text[start : m.start()].lstrip().startswith(_COMMENT_PREFIXES):
            return m
    return None


def _line_at(text: str, pos: int) -> tuple[int, str]:
    """1-based line number and the stripped line (decoded properly, at most 160 chars) at ``pos``."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end != -1 else len(text)]
    line = line.encode("latin-1", "replace").decode("utf-8", "replace").strip()
    return text.count("\n", 0, pos) + 1, line[:160]


def _evidence(text: str, match: re.Match[str]) -> str:
    """``L12: <the line>``, with anything secret-looking on it redacted (this goes into prompts)."""
    lineno, line = _line_at(text, match.start())
    return f"L{lineno}: {redact_line(line)}"


class _Scanner:
    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.result = ScanResult(root=str(tree.root))
        self._stack_seen: set[str] = set()
        self._auth_seen: set[tuple[str, str]] = set()
        self._migrations: dict[tuple[str, str], dict[str, Any]] = {}
        self._lang_counts: Counter[str] = Counter()
        self._lang_first: dict[str, str] = {}
        self._dir_cache: dict[str, tuple[bool, bool, bool, bool]] = {}
        self._manifest_auth: set[tuple[str, str]] = set()  # (mechanism, manifest) found in manifests only
        self._mounts: list[dict[str, Any]] = []  # files that mount routers (pattern-found, kept beside the inventory)
        self._kept: dict[str, bytes] = {}  # whole source files read by the pass, for the readers after it
        self._kept_bytes = 0
        self._candidates: list[str] = []  # paths whose directory or name names a role

    # helpers -------------------------------------------------------------------------------------
    def _read(self, path: str, limit: int = MAX_READ) -> str | None:
        data = self.tree.read(path, limit)
        # latin-1 never fails and is the fastest decode; evidence lines are re-decoded as UTF-8.
        return None if data is None else data.decode("latin-1")

    def add_stack(self, name: str, category: str, path: str, evidence: str) -> None:
        if name in self._stack_seen:
            return
        self._stack_seen.add(name)
        self.result.stack.append({"name": name, "category": category, "path": path, "evidence": evidence})

    def add_auth(self, mechanism: str, path: str, evidence: str) -> None:
        if (mechanism, path) in self._auth_seen:
            return
        self._auth_seen.add((mechanism, path))
        self.result.auth.append({"mechanism": mechanism, "path": path, "evidence": evidence})

    def add_risk(self, kind: str, severity: str, path: str, evidence: str, message: str) -> None:
        self.result.risks.append(
            {"kind": kind, "severity": severity, "path": path, "evidence": evidence, "message": message}
        )

    # the pass ------------------------------------------------------------------------------------
    def _dir_flags(self, directory: str) -> tuple[bool, bool, bool, bool]:
        """(vendored, fixture, test, role-named) for a directory; cached, since files share directories."""
        flags = self._dir_cache.get(directory)
        if flags is None:
            parts = directory.split("/") if directory else []
            flags = (
                not VENDORED_DIRS.isdisjoint(parts),
                not FIXTURE_DIRS.isdisjoint(parts),
                not TEST_DIRS.isdisjoint(parts),
                "/" not in directory or not CANDIDATE_WORDS.isdisjoint(_PATH_WORD_RE.split(directory.lower())),
            )
            self._dir_cache[directory] = flags
        return flags

    @bulk_read()
    def run(self) -> ScanResult:
        from phasegate.app.analyzers.scan_env import EnvConfig
        from phasegate.app.analyzers.scan_specs import SpecFinder

        paths = self.tree.paths()
        self._paths = paths
        self.result.files_scanned = len(paths)
        tracked: set[str] = getattr(self.tree, "tracked", set())
        read_all = sum(1 for p in paths if p.endswith(_SOURCE_SUFFIXES)) <= FULL_READ_LIMIT
        self._read_all = read_all
        self._env = EnvConfig(paths)
        self._specs = SpecFinder(paths)
        for path in paths:
            slash = path.rfind("/")
            directory, name = (path[:slash], path[slash + 1 :]) if slash >= 0 else ("", path)
            vendored, fixture_dir, test_dir, candidate_dir = self._dir_flags(directory)
            low_name = name.lower()
            named = candidate_dir or not CANDIDATE_WORDS.isdisjoint(_PATH_WORD_RE.split(low_name))
            if named:
                self._candidates.append(path)
            if vendored:
                continue
            skipped = fixture_dir or low_name.endswith(GENERATED_SUFFIXES) or ".generated." in low_name
            if ENV_NAME_RE.match(name) and not skipped:
                self._env_file(path, name, path in tracked)
                continue
            lock = LOCKFILE_NAMES.get(name)
            if lock and not fixture_dir:
                self.result.lockfiles.append({"path": path, "ecosystem": lock, "evidence": f"lockfile {name}"})
                continue
            if skipped:
                continue
            if not test_dir and self._env.by_name(path, name, directory, lambda limit, p=path: self._read(p, limit)):
                continue
            dot = name.rfind(".")
            ext = low_name[dot:] if dot > 0 else ""
            lang = LANGUAGES.get(ext)
            if lang:
                self._lang_counts[lang] += 1
                self._lang_first.setdefault(lang, path)
                ruleset = RULESET_BY_EXT.get(ext)
                if ruleset and not test_dir and not TEST_NAME_RE.search(name) and (read_all or named):
                    self._source(path, name, ruleset, directory)
                low_path = path.lower()
                if ext != ".sql" and not ("migrat" in low_path or "versions/" in low_path):
                    continue  # plain source file: nothing below applies
            eco = MANIFEST_NAMES.get(name) or ("python" if low_name.startswith("requirements") else None)
            if not eco and ext == ".txt" and directory.rsplit("/", 1)[-1] == "requirements" and not test_dir:
                eco = "python"  # requirements/base.txt, requirements/prod.txt
            if eco or MANIFEST_RE.match(name):
                self._manifest(path, name, eco or "dotnet")
                continue
            self._migration_by_path(path, ext, name)
            if ext == ".prisma":
                self._prisma(path)
            elif ext == ".sql":
                self._sql(path)
            elif ext == ".dbml":
                self.result.schema_files.append({"path": path, "kind": "dbml", "evidence": "DBML file"})
            elif ext in (".yaml", ".yml", ".json"):
                self._yaml_json(path, name, test_dir)
            elif ext in (".graphql", ".gql") and not test_dir:
                self.result.api_route_files.append({"path": path, "framework": "graphql",
                                                    "evidence": f"GraphQL schema file {name}"})
            elif ext == ".proto":
                self._proto(path)
        self._finish()
        return self.result

    def _env_file(self, path: str, name: str, tracked: bool) -> None:
        template = bool(ENV_TEMPLATE_RE.search(name))
        entry: dict[str, Any] = {"path": path, "kind": "template" if template else "env",
                                 "evidence": f"file name {name} matches an env-file pattern",
                                 "tracked": tracked}
        if not template:
            # Only *whether* values are assigned is looked at; no byte of a value leaves this function.
            data = self.tree.read(path, 64 * 1024) or b""
            has_values = bool(ENV_ASSIGN_RE.search(data))
            entry["has_values"] = has_values
            if tracked and has_values:
                self.add_risk("committed_env_file", "high", path, f"{name} is committed and assigns values",
                              "An env file with values is committed to git; rotate them and untrack it.")
        self.result.env_files.append(entry)

    def _manifest(self, path: str, name: str, eco: str) -> None:
        text = self._read(path)
        if name in ("setup.cfg", "pyproject.toml") and not _PY_PACKAGE_RE.search(text or ""):
            return  # tool settings only (coverage, mypy, ruff…): no package, no dependencies
        self.result.manifests.append({"path": path, "ecosystem": eco, "evidence": f"manifest file {name}"})
        if not text:
            return
        if name == "go.mod":  # indirect requirements are not the module's choice of stack or auth
            text = "\n".join("" if "// indirect" in line else line for line in text.split("\n"))
        deps_eco = _MANIFEST_ECOSYSTEM.get(eco, eco)
        for rx, dep_name, category in _DEPS_COMPILED.get(deps_eco, []) + _DEPS_COMPILED["auth"]:
            m = rx.search(text)
            if not m:
                continue
            # The dependency itself is the evidence (a manifest line can list many).
            evidence = f"L{text.count(chr(10), 0, m.start()) + 1}: {m.group(0).strip()}"
            if category == "auth":
                self.add_auth(dep_name, path, evidence)
                self._manifest_auth.add((dep_name, path))
            else:
                self.add_stack(dep_name, category, path, evidence)

    def _migration_by_path(self, path: str, ext: str, name: str) -> None:
        if ext not in _MIGRATION_EXTS:
            return
        low = path.lower()
        if not ("migrat" in low or "versions/" in low or "changelog" in low or _MIGRATION_NAME_RE.match(name)):
            return  # cheap gate: the rules below only ever match paths like these
        for tool, path_rx, content_rx in _MIGRATION_RULES:
            if not path_rx.search(path):
                continue
            evidence = f"path matches {tool} layout"
            if content_rx is not None:
                text = self._read(path, 16 * 1024)
                m = content_rx.search(text or "")
                if not m:
                    continue
                evidence = _evidence(text or "", m)
            if tool == "diesel" or (tool == "prisma" and path.endswith("migration.sql")):
                directory = str(PurePosixPath(path).parent.parent)
            else:
                directory = str(PurePosixPath(path).parent)
            key = (directory, tool)
            entry = self._migrations.get(key)
            if entry is None:
                self._migrations[key] = {"path": directory, "tool": tool, "evidence": evidence, "files": 1}
            else:
                entry["files"] += 1
            return

    def _prisma(self, path: str) -> None:
        text = self._read(path)
        m = _PRISMA_RE.search(text or "")
        if m and text is not None:
            self.result.schema_files.append({"path": path, "kind": "prisma", "evidence": _evidence(text, m)})
            models = re.findall(r"(?m)^\s*model\s+(\w+)\s*\{", text)
            if models:
                self.result.orm_models.append({"path": path, "orm": "prisma", "models": models,
                                               "evidence": f"{len(models)} Prisma models"})
            provider = re.search(r'provider\s*=\s*"(postgresql|mysql|sqlite|sqlserver|mongodb|cockroachdb)"', text)
            if provider:
                db = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite", "sqlserver": "SQL Server",
                      "mongodb": "MongoDB", "cockroachdb": "CockroachDB"}[provider.group(1)]
                self.add_stack(db, "database", path, _evidence(text, provider))

    def _sql(self, path: str) -> None:
        text = self._read(path, 32 * 1024)
        m = _SQL_DDL_RE.search(text or "")
        if m and text is not None:
            self.result.schema_files.append({"path": path, "kind": "sql", "evidence": _evidence(text, m)})
        goose = _GOOSE_RE.search(text or "")
        if goose and text is not None and (directory := str(PurePosixPath(path).parent)):
            entry = self._migrations.setdefault((directory, "goose"), {
                "path": directory, "tool": "goose", "evidence": _evidence(text, goose), "files": 0})
            entry["files"] += 1

    def _yaml_json(self, path: str, name: str, test_dir: bool = False) -> None:
        if name in ("sqlc.yaml", "sqlc.yml", "sqlc.json"):
            self.result.schema_files.append({"path": path, "kind": "sqlc", "evidence": f"sqlc config {name}"})
            return
        if name in ("tsconfig.json", "jsconfig.json") or name.startswith(("tsconfig.", ".eslintrc", ".prettierrc")):
            return
        # A spec is what its content says (generators sort keys: ``swagger:`` may be the last line).
        text = self._read(path, 256 * 1024)
        if not text:
            return
        if not test_dir and self._specs.document(path, name, text):
            return
        if name.startswith(("docker-compose", "compose")):
            for cm in _COMPOSE_DB_RE.finditer(text):
                self.add_stack(_COMPOSE_DB[cm.group(1)], "database", path, _evidence(text, cm))

    def _proto(self, path: str) -> None:
        text = self._read(path)
        m = re.search(r"(?m)^\s*service\s+\w+\s*\{", text or "")
        if m and text is not None:
            self.result.api_route_files.append({"path": path, "framework": "grpc", "evidence": _evidence(text, m)})

    def _source(self, path: str, name: str, ruleset: str, directory: str = "") -> None:
        data = self.tree.read(path, MAX_READ)
        if not data:
            return
        if len(data) < MAX_READ and self._kept_bytes < _KEPT_BYTES:
            # the whole file: the schema and endpoint readers that read it next take it from here
            self._kept[path] = data
            self._kept_bytes += len(data)
        # latin-1 never fails and is the fastest decode; evidence lines are re-decoded as UTF-8.
        text = data.decode("latin-1")
        words = file_words(data)
        compiled = _COMPILED[ruleset]
        if ruleset == "rust" and _DIESEL_SCHEMA_RE.search(text) and name == "schema.rs":
            self.result.schema_files.append({"path": path, "kind": "diesel", "evidence": "diesel table! macro"})
        self._env.source(path, name, directory, ruleset, text)
        if ruleset in _SPEC_RULESETS and not _SPEC_GATE.isdisjoint(words):
            self._specs.source(path, ruleset, words, text)
        route_done = model_done = False
        for category, label, keywords, rx in compiled.rules:
            if category == "route" and route_done or category == "model" and model_done:
                continue
            if category == "auth" and (label, path) in self._auth_seen:
                continue
            if keywords.isdisjoint(words):
                continue
            if label == "raw_sql_concatenation" and _SQL_COMPANIONS.isdisjoint(words):
                continue  # "delete"/"update" alone are everyday words; real SQL also has FROM/INTO/SET
            # auth and mounts named in a comment (a commented-out OmniAuth block) are not facts
            m = code_match(rx, text) if category in ("auth", "mount") else rx.search(text)
            if not m:
                continue
            evidence = _evidence(text, m)
            if category == "route":
                self.result.api_route_files.append({"path": path, "framework": label, "evidence": evidence})
                route_done = True
            elif category == "mount":
                self._mounts.append({"path": path, "framework": label.removeprefix("mount-"), "role": "mounts",
                                     "endpoints": 0, "evidence": f"{evidence} (mounts routes)"})
            elif category == "model":
                self.result.orm_models.append({"path": path, "orm": label, "evidence": evidence})
                model_done = True
            elif category == "auth":
                self.add_auth(label, path, evidence)
            elif category == "risk_sql":
                self.add_risk("raw_sql_concatenation", "high", path, evidence,
                              "SQL built by string formatting or concatenation; use bound parameters.")
            elif category == "risk_hash":
                self.add_risk("weak_password_hashing", "high", path, evidence,
                              "Passwords hashed with a fast unsalted digest; use argon2, bcrypt or scrypt.")

    def _finish(self) -> None:
        languages = [
            {"name": lang, "category": "language", "path": self._lang_first[lang],
             "evidence": f"{count} {lang} file{'s' if count != 1 else ''}"}
            for lang, count in self._lang_counts.most_common()
        ]
        self.result.stack[:0] = languages
        sqlx = "SQLx" in self._stack_seen
        for entry in self._migrations.values():
            if sqlx and entry["tool"] == "golang-migrate":
                entry["tool"] = "sqlx"
            self.result.migration_dirs.append(entry)
        self._schema()
        listed = {e["path"] for e in self.result.env_files}
        self.result.env_files += [e for e in self._env.finish() if e["path"] not in listed]
        self.result.openapi_specs = self._specs.finish(lambda p: self._read(p, 256 * 1024))
        self._auth_in_code_only()
        self._api()
        routed = {r["path"] for r in self.result.api_route_files}
        for mount in self._mounts:  # entry points wiring routers together, beside the inventory's files
            if mount["path"] not in routed:
                routed.add(mount["path"])
                self.result.api_route_files.append(mount)
        for route in self.result.api_route_files:
            self.add_stack(_FRAMEWORK_NAMES.get(route["framework"], route["framework"]), "framework",
                           route["path"], route["evidence"])
        for model in self.result.orm_models:
            self.add_stack(_ORM_NAMES.get(model["orm"], model["orm"]), "orm", model["path"], model["evidence"])
        self._schema_risks()

    def _auth_in_code_only(self) -> None:
        """Drop mechanisms only a manifest names when all the code was read and none of it uses them
        (a dependency declared and never imported is not how the service authenticates)."""
        if not self._read_all:
            return
        in_code = {a["mechanism"] for a in self.result.auth if (a["mechanism"], a["path"]) not in self._manifest_auth}
        self.result.auth = [a for a in self.result.auth if a["mechanism"] in in_code]

    def _schema(self) -> None:
        """Schema sources from the schema readers (``scan_schema.py``): models, DDL, migration folders."""
        from phasegate.app.analyzers.scan_schema import READER_ORMS, ROW_MAPPERS, schema_audit

        self._schema_audit = None
        if sum(f["kind"] == "sql" for f in self.result.schema_files) > 300:
            return  # so many DDL files that replaying them would dominate the audit
        tree: Tree = self.tree
        if not self._read_all:
            tree = _CandidateTree(self.tree, self._schema_paths(), self._kept)
        try:
            audit = schema_audit(tree)
        except Exception:  # a schema we cannot parse must not sink the whole audit
            return
        self._schema_audit = audit
        if not audit.parts:
            return
        result = self.result
        result.schema_readers = audit.readers
        result.schema_tables = audit.table_count
        result.schema_drift = audit.drift()
        result.schema_warnings = audit.warnings()
        risk = audit.drift_risk()
        if risk is not None:
            result.risks.append(risk)
        fired = {p.reader for p in audit.parts if p.tables}
        models = audit.models()
        judged = {label for label, reader in READER_ORMS.items() if reader in fired}
        if audit.table_count:
            judged |= ROW_MAPPERS  # row structs map tables the readers found, they define none
        pattern = [m for m in result.orm_models if m["orm"] not in judged]
        seen = {m["path"] for m in models}
        result.orm_models = models + [m for m in pattern if m["path"] not in seen]
        migration_sources = {s for p in audit.parts if p.origin == "migrations" for s in p.sources}
        dirs = [d["path"] for d in result.migration_dirs]
        for entry in audit.migration_dirs():
            if not any(entry["path"] == d or entry["path"].startswith(d + "/") for d in dirs):
                dirs.append(entry["path"])
                result.migration_dirs.append(entry)
        kept = [f for f in result.schema_files if not (f["kind"] == "sql" and (
            f["path"] in migration_sources or any(f["path"].startswith(d + "/") for d in dirs)))]
        listed = {f["path"] for f in kept}
        result.schema_files = kept + [f for f in audit.ddl_files() if f["path"] not in listed]

    def _candidate_paths(self) -> list[str]:
        """The paths a big repository's endpoint inventory reads (those whose path names a role, as the
        pass found them)."""
        return self._candidates

    def _schema_paths(self) -> list[str]:
        """The paths a big repository's schema readers read: the files the model patterns flagged, and
        those whose path says model, entity, schema, migration or database (not every source file:
        the readers of Go, TypeScript or Python would otherwise parse the whole tree)."""
        flagged = {m["path"] for m in self.result.orm_models} | {f["path"] for f in self.result.schema_files}
        return [p for p in self._paths
                if p in flagged or _SCHEMA_PATH_RE.search(p.lower()) or p.endswith((".sql", ".prisma"))]

    def _api(self) -> None:
        """Route files from the endpoint inventory instead of the content patterns (``scan_api.py``)."""
        from phasegate.app.analyzers.scan_api import PATTERN_ONLY, api_audit

        tree: Tree = self.tree
        if not getattr(self, "_read_all", True):
            # A big repository: the inventory reads the files the audit reads for content (paths that
            # name a role, top-level files), as the rest of the audit does (bench/bench_scan.py).
            tree = _CandidateTree(self.tree, self._candidate_paths(), self._kept)
        try:
            audit = api_audit(tree)
        except Exception:  # an inventory we cannot build must not sink the whole audit
            return
        files = audit.route_files()
        if not files:  # no endpoint read from the code: the pattern-found files are all there is
            for route in self.result.api_route_files:
                route["evidence"] += " (by pattern)"
            return
        kept = [r for r in self.result.api_route_files if r["framework"] in PATTERN_ONLY]
        self.result.api_route_files = files + kept
        self.result.endpoints = audit.endpoints()
        self.result.api_drift = audit.drift()
        risk = audit.drift_risk()
        if risk is not None:
            self.result.risks.append(risk)

    def _schema_risks(self) -> None:
        """Risks that need the schema model: foreign keys without an index, plaintext password columns."""
        audit = getattr(self, "_schema_audit", None)
        if audit is None or not audit.parts:
            return
        schema = audit.schema
        first = schema.sources[0] if schema.sources else ""
        for table in schema.tables:
            if table.kind == "collection":
                continue  # a document store's collection has no foreign keys or columns to index
            source = table.source or first
            covered = [tuple(ix.columns) for ix in table.indexes]
            pk = tuple(c.name for c in table.columns if c.primary_key)
            covered.append(pk)
            covered += [(c.name,) for c in table.columns if c.unique]
            for fk in table.foreign_keys:
                cols = tuple(fk.columns)
                if not any(ix[: len(cols)] == cols for ix in covered if ix):
                    self.add_risk("missing_fk_index", "medium", source,
                                  f"{table.name}({', '.join(cols)}) -> {fk.ref_table}",
                                  f"Foreign key {table.name}.{', '.join(cols)} has no index; joins and "
                                  "cascading deletes will scan the table.")
            for col in table.columns:
                if re.fullmatch(r"(?i)(user_?)?pass(word|wd)?", col.name):
                    self.add_risk("plaintext_password_column", "high", source, f"{table.name}.{col.name}",
                                  "A column named like a plaintext password; store a salted hash instead.")


class _CandidateTree(Tree):
    """Some paths of another tree (read through it, or from the whole files the audit's pass kept)."""

    def __init__(self, tree: Tree, paths: list[str], kept: dict[str, bytes] | None = None) -> None:
        self.root = tree.root
        self._tree, self._paths, self._kept = tree, paths, kept or {}

    def paths(self) -> list[str]:
        return self._paths

    def read(self, path: str, limit: int | None = MAX_READ) -> bytes | None:
        data = self._kept.get(path)
        if data is not None:
            return data if limit is None else data[:limit]
        return self._tree.read(path, limit)


_FRAMEWORK_NAMES = {
    "express": "Express", "fastify": "Fastify", "koa": "Koa", "nestjs": "NestJS", "graphql": "GraphQL",
    "grpc": "gRPC", "fastapi": "FastAPI", "flask": "Flask", "django": "Django", "drf": "Django REST framework",
    "gin": "Gin", "echo": "Echo", "chi": "chi", "net/http": "net/http", "fiber": "Fiber", "spring": "Spring Boot",
    "jax-rs": "JAX-RS", "ktor": "Ktor", "rails": "Rails", "rails-controller": "Rails", "sinatra": "Sinatra",
    "axum": "Axum", "actix": "Actix Web", "rocket": "Rocket", "aspnet": "ASP.NET Core", "laravel": "Laravel",
    "symfony": "Symfony", "hono": "Hono", "routing-controllers": "routing-controllers",
    "aspnet-minimal": "ASP.NET Core", "grpc-gateway": "gRPC-Gateway", "gorilla/mux": "gorilla/mux",
}
_ORM_NAMES = {
    "typeorm": "TypeORM", "sequelize": "Sequelize", "mongoose": "Mongoose", "objection": "Objection",
    "sqlalchemy": "SQLAlchemy", "sqlmodel": "SQLModel", "django": "Django ORM", "peewee": "Peewee",
    "tortoise": "Tortoise ORM", "mongoengine": "MongoEngine", "gorm": "GORM", "sqlx-go": "sqlx",
    "jpa": "JPA/Hibernate", "exposed": "Exposed", "activerecord": "ActiveRecord", "diesel": "Diesel",
    "sqlx": "SQLx", "sea-orm": "SeaORM", "ef": "Entity Framework Core", "eloquent": "Eloquent",
    "doctrine": "Doctrine", "prisma": "Prisma", "efcore": "Entity Framework Core", "drizzle": "Drizzle", "knex": "Knex",
}


def scan_repository(root: Path | str) -> ScanResult:
    """Audit the working tree at ``root`` (a git repository or a plain directory)."""
    tree = WorkTree(resolve_root(root))
    try:
        return _Scanner(tree).run()
    finally:
        tree.close()


def summary_markdown(result: ScanResult, limit: int = 12) -> str:
    """A compact Markdown digest of the audit for the research prompt (paths and labels, no values)."""
    from phasegate.app.analyzers.scan_api import inventory_lines

    lines = ["## Repository audit"]
    by_cat: dict[str, list[str]] = {}
    for item in result.stack:
        by_cat.setdefault(item["category"], []).append(item["name"])
    for cat, title in (("language", "Languages"), ("framework", "Frameworks"), ("orm", "ORMs / migration tools"),
                       ("database", "Databases")):
        if by_cat.get(cat):
            lines.append(f"- {title}: {', '.join(by_cat[cat])}")

    def section(title: str, items: list[dict[str, Any]], label: str | None = None) -> None:
        if not items:
            return
        shown = [f"`{i['path']}`" + (f" ({i[label]})" if label and i.get(label) else "") for i in items[:limit]]
        more = f" …and {len(items) - limit} more" if len(items) > limit else ""
        lines.append(f"- {title}: {', '.join(shown)}{more}")

    section("Schema files", result.schema_files, "kind")
    section("Migrations", result.migration_dirs, "tool")
    section("ORM models (files that define tables)", result.orm_models, "orm")
    if result.schema_readers:
        fired = ", ".join(f"{r['reader']} ({r['tables']} from {r['files']} file{'s' if r['files'] != 1 else ''})"
                          for r in result.schema_readers)
        lines.append(f"- Schema: {result.schema_tables} table{'s' if result.schema_tables != 1 else ''}; readers: {fired}")
    if result.schema_drift:
        drift = [d["evidence"] for d in result.schema_drift]
        more = f" …and {len(drift) - limit} more" if len(drift) > limit else ""
        lines.append(f"- Schema drift (models vs migrations): {'; '.join(drift[:limit])}{more}")
    if result.schema_warnings:
        shown = [f"`{w['path']}`: {w['reason']}" for w in result.schema_warnings[:3]]
        more = f" …and {len(result.schema_warnings) - 3} more" if len(result.schema_warnings) > 3 else ""
        lines.append(f"- Schema warnings (not read): {'; '.join(shown)}{more}")
    section("API route files", result.api_route_files, "framework")
    lines.extend(inventory_lines(result.endpoints))
    section("OpenAPI specs", [{**s, "label": s.get("version") or s.get("kind")} for s in result.openapi_specs], "label")
    if result.api_drift:
        drift = [f"{d['method']} {d['path']} " + ("in the code, not in the spec" if d["kind"] == "code_not_in_spec"
                                                  else "in the spec, not in the code") for d in result.api_drift]
        more = f" …and {len(drift) - limit} more" if len(drift) > limit else ""
        lines.append(f"- Spec drift: {'; '.join(drift[:limit])}{more}")
    section("Manifests", result.manifests)
    section("Lockfiles", result.lockfiles)
    section("Env and config sources (names only, values never read)", result.env_files, "kind")
    mechanisms: dict[str, list[str]] = {}
    for a in result.auth:
        mechanisms.setdefault(a["mechanism"], []).append(a["path"])
    if mechanisms:
        lines.append("- Auth: " + ", ".join(f"{m} (`{p[0]}`{' +' + str(len(p) - 1) if len(p) > 1 else ''})"
                                           for m, p in mechanisms.items()))
    if result.risks:
        lines.append("- Risks:")
        for r in result.risks[:limit]:
            lines.append(f"  - [{r['severity']}] {r['kind']}: `{r['path']}` — {r['evidence']}")
        if len(result.risks) > limit:
            lines.append(f"  - …and {len(result.risks) - limit} more")
    if len(lines) == 1:
        lines.append("- Nothing recognised (no manifests, schemas, routes or models found).")
    return "\n".join(lines) + "\n"

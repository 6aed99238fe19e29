"""A labelled set for secret scanners: true secrets of many providers and lookalikes that are not secrets.

Every true secret is built here from random characters in the shape its provider issues (prefix,
alphabet, length, checksum-free), from a fixed seed, so the set is the same on every run and no real
secret is ever written: none of these was issued by anyone. Each sample is a small file of ordinary
code with the secret on one known line, as a phase would add it. The lookalikes are what a scanner
must stay quiet about: placeholders, environment references, hashes, UUIDs, git SHAs, base64 of
ordinary text, public keys and certificates, publishable keys, and the example keys the providers
print in their own documentation.

The values are assembled at run time (never stored whole in this file), so this file itself is not a
leak for any scanner that reads the repository.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

SEED = 20261202
ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
BASE32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Sample:
    """One labelled file: ``secret`` is the value that must never be printed whole ("" for a lookalike);
    ``line`` is the 1-based line it is on (0 for a lookalike)."""

    name: str
    provider: str
    path: str
    text: str
    line: int
    secret: str

    @property
    def is_secret(self) -> bool:
        return bool(self.secret)


class _Rand:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def chars(self, n: int, alphabet: str = ALNUM) -> str:
        # Redraw until every character class of the alphabet shows up: a real key of 20+ random
        # characters has them, and some scanners (rightly) skip a "key" that is all letters.
        while True:
            out = "".join(self.rng.choice(alphabet) for _ in range(n))
            classes = [c for c in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
                       if any(ch in c for ch in alphabet)]
            if n < 12 or all(any(ch in c for ch in out) for c in classes):
                return out

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def password(self, n: int = 18) -> str:
        return self.chars(n, ALNUM + "!#%^*-_") + self.rng.choice("!#%") + self.rng.choice(string.digits)

    def pem(self, label: str, body_bytes: int) -> str:
        body = base64.b64encode(self.rng.randbytes(body_bytes)).decode()
        lines = textwrap.wrap(body, 64)
        return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(r: _Rand) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": r.digits(9), "name": "svc-" + r.chars(6, string.ascii_lowercase), "iat": 1764000000,
              "scope": "orders:write"}
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{payload}.{_b64url(r.rng.randbytes(32))}"


def _code(path: str, before: list[str], secret_line: str, after: list[str], secret: str, name: str,
          provider: str) -> Sample:
    lines = [*before, secret_line, *after]
    return Sample(name, provider, path, "\n".join(lines) + "\n", len(before) + 1, secret)


def true_secrets(seed: int = SEED) -> list[Sample]:
    """At least 30 secrets, each the shape its provider issues, in the kind of file it leaks from."""
    r = _Rand(seed)
    py = ["import os", "", "", "class Settings:"]
    js = ["import { Client } from './client.js';", ""]
    out: list[Sample] = []

    def add(name: str, provider: str, path: str, line_fmt: str, secret: str,
            before: list[str] | None = None, after: list[str] | None = None) -> None:
        out.append(_code(path, before if before is not None else py, line_fmt.format(s=secret),
                         after if after is not None else ["    timeout = 30"], secret, name, provider))

    aws_id = "AKIA" + r.chars(16, BASE32)
    add("aws-access-key-id", "AWS", "app/aws_config.py", '    aws_access_key_id = "{s}"', aws_id)
    add("aws-secret-access-key", "AWS", "deploy/aws.py", '    AWS_SECRET_ACCESS_KEY = "{s}"', r.chars(40, B64),
        before=[*py, f'    AWS_ACCESS_KEY_ID = "AKIA{r.chars(16, BASE32)}"'])
    add("aws-session-key-id", "AWS", "scripts/sts.py", '    key_id = "{s}"', "ASIA" + r.chars(16, BASE32))
    add("github-classic-pat", "GitHub", "tools/release.py", '    GITHUB_TOKEN = "{s}"', "ghp_" + r.chars(36))
    add("github-fine-grained-pat", "GitHub", "ci/publish.ts", 'const token = "{s}";',
        "github_pat_" + r.chars(22) + "_" + r.chars(59), before=js, after=["export default token;"])
    add("github-oauth-token", "GitHub", "app/oauth.py", '    oauth_token = "{s}"', "gho_" + r.chars(36))
    add("github-app-token", "GitHub", "bots/app.go", '\tinstallToken := "{s}"', "ghs_" + r.chars(36),
        before=["package bots", "", "func token() string {"], after=["\treturn installToken", "}"])
    add("gitlab-pat", "GitLab", "scripts/mirror.sh", 'export GITLAB_TOKEN="{s}"', "glpat-" + r.chars(20, B64URL),
        before=["#!/bin/sh", "set -eu"], after=['git push "$REMOTE"'])
    add("slack-bot-token", "Slack", "app/notify.py", '    SLACK_BOT_TOKEN = "{s}"',
        f"xoxb-{r.digits(12)}-{r.digits(13)}-{r.chars(24)}")
    add("slack-user-token", "Slack", "app/slack_admin.py", '    token = "{s}"',
        f"xoxp-{r.digits(12)}-{r.digits(12)}-{r.digits(13)}-{r.chars(32, HEX)}")
    add("slack-webhook", "Slack", "app/alerts.js", 'const hook = "{s}";',
        f"https://hooks.slack.com/services/T{r.chars(8, UPPER_DIGITS)}/B{r.chars(10, UPPER_DIGITS)}/{r.chars(24)}",
        before=js, after=["module.exports = hook;"])
    add("stripe-secret-key", "Stripe", "billing/stripe.py", '    stripe.api_key = "{s}"', "sk_live_" + r.chars(24))
    add("stripe-restricted-key", "Stripe", "billing/reports.rb", 'Stripe.api_key = "{s}"', "rk_live_" + r.chars(24),
        before=["require 'stripe'", ""], after=["Stripe::Charge.list"])
    add("openai-project-key", "OpenAI", "ai/client.py", '    OPENAI_API_KEY = "{s}"',
        "sk-proj-" + r.chars(74, B64URL) + "T3BlbkFJ" + r.chars(74, B64URL))
    add("openai-legacy-key", "OpenAI", "ai/legacy.js", 'const openaiKey = "{s}";',
        "sk-" + r.chars(20) + "T3BlbkFJ" + r.chars(20), before=js, after=["export { openaiKey };"])
    add("anthropic-api-key", "Anthropic", "ai/claude.py", '    ANTHROPIC_API_KEY = "{s}"',
        "sk-ant-api03-" + r.chars(93, B64URL) + "AA")
    add("google-api-key", "Google", "web/maps.ts", 'export const MAPS_KEY = "{s}";', "AIza" + r.chars(35, B64URL),
        before=js, after=[])
    add("sendgrid-api-key", "SendGrid", "app/mailer.py", '    SENDGRID_API_KEY = "{s}"',
        f"SG.{r.chars(22, B64URL)}.{r.chars(43, B64URL)}")
    add("twilio-api-key", "Twilio", "app/sms.py", '    TWILIO_API_KEY = "{s}"', "SK" + r.chars(32, HEX))
    add("npm-token", "npm", ".npmrc", "//registry.npmjs.org/:_authToken={s}", "npm_" + r.chars(36),
        before=["registry=https://registry.npmjs.org/"], after=["always-auth=true"])
    add("pypi-token", "PyPI", ".pypirc", "password = {s}", "pypi-AgEIcHlwaS5vcmc" + r.chars(70, B64URL),
        before=["[pypi]", "username = __token__"], after=[])
    add("shopify-access-token", "Shopify", "shop/sync.py", '    SHOPIFY_TOKEN = "{s}"', "shpat_" + r.chars(32, HEX))
    add("digitalocean-token", "DigitalOcean", "infra/do.py", '    DO_TOKEN = "{s}"', "dop_v1_" + r.chars(64, HEX))
    add("vault-token", "HashiCorp Vault", "infra/vault.sh", 'export VAULT_TOKEN="{s}"', "hvs." + r.chars(90, B64URL),
        before=["#!/bin/sh"], after=["vault kv get secret/app"])
    rsa = r.pem("RSA PRIVATE KEY", 1190)
    out.append(Sample("rsa-private-key", "private key", "deploy/id_rsa.pem", rsa + "\n", 1, rsa.splitlines()[1]))
    openssh = r.pem("OPENSSH PRIVATE KEY", 400)
    out.append(Sample("openssh-private-key", "private key", "ops/deploy_key", openssh + "\n", 1,
                      openssh.splitlines()[1]))
    ec = r.pem("EC PRIVATE KEY", 121)
    ec_py = f'SIGNING_KEY = """{ec}"""\n'
    out.append(Sample("ec-private-key-in-code", "private key", "app/signing.py", ec_py, 1, ec.splitlines()[1]))
    add("jwt", "JWT", "tests_e2e/client.py", '    AUTH = "Bearer {s}"', _jwt(r))
    add("postgres-url", "connection string", "app/db.py", '    DATABASE_URL = "{s}"',
        f"postgresql://orders:{r.password()}@orders-db.prod.internal:5432/orders")
    add("mysql-url", "connection string", "config/database.js", 'const url = "{s}";',
        f"mysql://app:{r.password()}@mysql.prod.internal:3306/app", before=js, after=["export default url;"])
    add("mongodb-srv-url", "connection string", "app/mongo.ts", 'const uri = "{s}";',
        f"mongodb+srv://svc:{r.password()}@cluster0.{r.chars(5, string.ascii_lowercase)}.mongodb.net/shop",
        before=js, after=["export { uri };"])
    add("redis-url", "connection string", "app/cache.py", '    REDIS_URL = "{s}"',
        f"redis://default:{r.password()}@cache.prod.internal:6379/0")
    add("amqp-url", "connection string", "worker/settings.py", '    BROKER_URL = "{s}"',
        f"amqps://worker:{r.password()}@mq.prod.internal:5671/jobs")
    add("password-assignment-python", "generic", "app/settings.py", '    DB_PASSWORD = "{s}"', r.password(16))
    add("password-yaml", "generic", "config/app.yaml", "  password: {s}", r.password(20),
        before=["database:", "  host: db.prod.internal", "  user: app"], after=["  pool: 10"])
    add("spring-datasource-password", "generic", "src/main/resources/application.properties",
        "spring.datasource.password={s}", r.password(16),
        before=["spring.datasource.url=jdbc:postgresql://db.prod.internal/app", "spring.datasource.username=app"],
        after=[])
    add("api-key-assignment-js", "generic", "app/partner.js", "const partnerApiKey = '{s}';", r.chars(32),
        before=js, after=["export { partnerApiKey };"])
    add("django-secret-key", "generic", "app/django_settings.py", 'SECRET_KEY = "{s}"',
        r.chars(50, ALNUM + "!@#%^&*(-_=+)"), before=["import os", ""], after=["DEBUG = False"])
    add("env-client-secret", "generic", "deploy/prod.env", "OAUTH_CLIENT_SECRET={s}", r.chars(40, B64URL),
        before=["OAUTH_CLIENT_ID=orders-service"], after=["LOG_LEVEL=info"])
    add("azure-storage-connection-string", "Azure", "app/blob.py", '    CONN = "{s}"',
        f"DefaultEndpointsProtocol=https;AccountName=ordersprod;AccountKey={r.chars(86, B64)}==;"
        "EndpointSuffix=core.windows.net")
    return out


def lookalikes(seed: int = SEED + 1) -> list[Sample]:
    """At least 25 things that look like secrets and are not: a scanner that reports them is noise."""
    r = _Rand(seed)
    out: list[Sample] = []

    def add(name: str, kind: str, path: str, text: str) -> None:
        out.append(Sample(name, kind, path, text if text.endswith("\n") else text + "\n", 0, ""))

    # The providers' own documentation examples, assembled so this file holds none of them whole.
    add("aws-doc-example-key", "documentation example", "docs_src/aws_example.py",
        f'AWS_ACCESS_KEY_ID = "{"AKIA" + "IOSFODNN7" + "EXAMPLE"}"\n'
        f'AWS_SECRET_ACCESS_KEY = "{"wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"}"')
    add("placeholder-changeme", "placeholder", "app/local.py", 'DB_PASSWORD = "changeme"')
    add("placeholder-angle", "placeholder", "app/client.py", 'API_KEY = "<your-api-key>"')
    add("placeholder-env-ref", "placeholder", "app/config.js", 'const token = "${API_TOKEN}";')
    add("placeholder-xxx", "placeholder", "deploy/sample.env", "AWS_SECRET_ACCESS_KEY=" + "x" * 40)
    add("placeholder-redacted-github", "placeholder", "docs_src/setup.md",
        "Set `GITHUB_TOKEN=ghp_" + "X" * 36 + "` in your shell.")
    add("env-lookup", "environment reference", "app/db.py", 'password = os.environ["DB_PASSWORD"]')
    add("conn-string-env-password", "environment reference", "app/db.ts",
        "const url = `postgres://app:${process.env.DB_PASSWORD}@db:5432/app`;")
    add("conn-string-no-password", "connection string without password", "app/dev.py",
        'DATABASE_URL = "postgresql://localhost:5432/app"')
    add("sha256-digest", "hash", "app/assets.py",
        f'EXPECTED_SHA256 = "{hashlib.sha256(b"orders-export-v3").hexdigest()}"')
    add("md5-etag", "hash", "app/cache_keys.py", f'ETAG = "{hashlib.md5(b"catalog").hexdigest()}"')
    add("sha1-git-commit", "git SHA", "app/version.py", f'GIT_COMMIT = "{hashlib.sha1(b"release").hexdigest()}"')
    add("uuid", "UUID", "app/tenants.py", f'DEFAULT_TENANT_ID = "{uuid.UUID(int=r.rng.getrandbits(128), version=4)}"')
    add("uuid-api-key-name", "UUID", "app/ids.ts",
        f'export const requestId = "{uuid.UUID(int=r.rng.getrandbits(128), version=4)}";')
    add("base64-ordinary-text", "base64 of text", "app/banner.py",
        f'BANNER = "{base64.b64encode(b"Welcome to the orders service, have a nice day").decode()}"')
    add("base64-placeholder-k8s", "base64 of a placeholder", "k8s/secret-template.yaml",
        "apiVersion: v1\nkind: Secret\ndata:\n  password: " + base64.b64encode(b"changeme").decode())
    add("ssh-public-key", "public key", "ops/authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r.chars(43, B64) + " deploy@build")
    add("public-key-pem", "public key", "app/verify_key.pem", r.pem("PUBLIC KEY", 294))
    add("certificate-pem", "certificate", "ops/ca.crt", r.pem("CERTIFICATE", 700))
    add("npm-integrity", "hash", "web/lockfile.json",
        '{"integrity": "sha512-' + base64.b64encode(r.rng.randbytes(64)).decode() + '"}')
    add("docker-digest", "hash", "deploy/compose.yaml",
        f"services:\n  web:\n    image: nginx@sha256:{hashlib.sha256(b'nginx').hexdigest()}")
    add("bcrypt-hash-fixture", "hash", "app/seed_users.py",
        'ADMIN_HASH = "$2b$12$' + r.chars(53, ALNUM + "./") + '"')
    add("stripe-publishable-key", "publishable key", "web/checkout.js", 'const pk = "pk_live_' + r.chars(24) + '";')
    add("google-oauth-client-id", "public identifier", "web/login.ts",
        f'const clientId = "{r.digits(12)}-{r.chars(32, string.ascii_lowercase + string.digits)}.apps.googleusercontent.com";')
    add("password-label", "identifier", "app/forms.py", 'password_field = "password"\nlabel = "Password"')
    add("password-policy-regex", "identifier", "app/policy.py",
        'PASSWORD_PATTERN = "^(?=.*[A-Z])(?=.*\\\\d).{12,}$"')
    add("camel-case-identifier", "identifier", "app/handlers.ts",
        'export const handlerName = "updateUserAccountNotificationSettingsHandler";')
    add("asset-url-with-hash", "hash", "web/index.html",
        '<script src="/assets/app.' + r.chars(8, HEX) + '.js"></script>')
    add("test-password-in-test", "test value", "tests_unit/test_login.py",
        'def test_login(client):\n    client.login(username="alice", password="test-password")')
    add("fake-api-key-for-tests", "test value", "tests_unit/test_partner.py",
        'FAKE_KEY = "fake-api-key-for-tests"')
    add("secret-manager-lookup", "environment reference", "app/keys.py", 'api_key = get_secret("stripe/api-key")')
    add("aws-account-id", "public identifier", "infra/accounts.py", 'PROD_ACCOUNT = "123456789012"')
    add("hex-color-palette", "identifier", "web/theme.ts", 'export const palette = ["#1f2937", "#f59e0b", "#10b981"];')
    return out


def write(root: Path, samples: list[Sample]) -> None:
    """Each sample as its own file under ``root/<sample name>/<its path>``."""
    for s in samples:
        target = root / s.name / s.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(s.text, encoding="utf-8")


if __name__ == "__main__":
    for s in true_secrets() + lookalikes():
        print(f"{'secret' if s.is_secret else 'lookalike':9} {s.provider:22} {s.name:34} {s.path}:{s.line}")

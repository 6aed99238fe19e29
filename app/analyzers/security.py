"""Security checkpoint: findings in the lines a phase *added*, read from its unified git diff.

Only ``+`` lines are judged (a phase is answerable for what it wrote), each with its file and new
line number. Secrets are found by Kingfisher (``secrets_scan.py``), run once for all the diffs of a
review, plus the few built-in secret rules that catch what it misses (``KEPT_SECRET_RULES``, measured in
``bench/secrets/evaluate.py`` and ``docs/security.md``); when it cannot run, a warning finding says so
and every built-in secret rule (``SECRET_RULES``: provider key shapes, high-entropy strings…) runs
instead. The rest are phasegate's own single-line patterns (weak password hashing, SQL built by
formatting, TLS verification switched off, ``eval`` of input) plus one two-line rule (wildcard CORS
together with credentials in the same file). Evidence never contains a whole secret: the middle is
redacted. Lines marked ``pragma: allowlist secret`` / ``nosec`` / ``phasegate: ignore``, and secrets in
fixture files, are not reported (nor handed to the scanner).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from phasegate.app.analyzers import secrets_scan
from phasegate.app.analyzers._files import is_generated_or_fixture
from phasegate.app.analyzers.patterns import SQL_CONCAT_RE, WEAK_PASSWORD_HASH_RE
from phasegate.app.analyzers.secrets_scan import redact
from phasegate.phases.diffs import added_lines
from phasegate.phases.findings import Finding

PROVIDER_KEYS: list[tuple[str, re.Pattern[str]]] = [
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Stripe secret key", re.compile(r"\b[rs]k_live_[0-9a-zA-Z]{20,}")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("SendGrid API key", re.compile(r"\bSG\.[\w-]{22}\.[\w-]{43}")),
    ("Twilio API key", re.compile(r"\bSK[0-9a-f]{32}\b")),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY")),
    ("JSON Web Token", re.compile(r"\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}")),
]

_CRED_RE = re.compile(
    r"""(?i)\b([\w.-]*(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|"""
    r"""private[_-]?key|client[_-]?secret|secret[_-]?key|token))["']?\s*(?::=|=>|[:=])\s*["']([^"'\s]{4,})["']"""
)
_CRED_NAME_SKIP = re.compile(
    r"(?i)(hash|hashed|digest|field|name|label|param|header|env|var|path|file|url|uri|length|len|min|max"
    r"|pattern|regex|type|prompt|placeholder|policy|input|form|column|key_id|endpoint|expir\w*|ttl|count)$"
)
_PLACEHOLDER_RE = re.compile(
    r"(?i)^(?:x+|\*+|\.+|<.*>|\$\{.*\}|\{\{.*\}\}|%\(.*\)s|\$\w+|changeme|change[_-]?me|your[_-].*|.*example.*"
    r"|dummy.*|fake.*|test[_-].*|placeholder|redacted|none|null|undefined|true|false|password|secret|token|test|todo)$"
)
# The same names in configuration files, where values go unquoted: ``password: …``, ``KEY=…``.
_CRED_BARE_RE = re.compile(
    r"""(?i)^\s*(?:export\s+)?([\w.-]*(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key"""
    r"""|auth[_-]?token|private[_-]?key|client[_-]?secret|secret[_-]?key|token))\s*[:=]\s*([^\s"'#]{8,})\s*$"""
)
_CONFIG_SUFFIXES = (".yaml", ".yml", ".properties", ".env", ".ini", ".cfg", ".conf", ".toml")
# A value that names another value (``settings.SECRET``, ``env("X")``, ``ENV_VAR``): not a secret itself.
_REFERENCE_RE = re.compile(r"^(?:[A-Za-z_]\w*(?:\.\w+)+|[A-Za-z_][\w.]*\(.*|[A-Z][A-Z0-9_]+)$")
_AWS_KEY_ID_RE = re.compile(r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b")
_CONN_RE = re.compile(
    r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|jdbc:\w+)"
    r"://[^:\s/'\"@]+:([^@\s'\"]+)@([^/\s'\":]+)"
)
_QUOTED_RE = re.compile(r"""["'`]([A-Za-z0-9+/=_\-]{20,})["'`]""")
_TLS_RE = re.compile(
    r"(?i:\bverify\s*=\s*False\b|rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED[\"']?\s*[=:,]\s*"
    r"[\"']?0|InsecureSkipVerify\s*:\s*true|_create_unverified_context|\bCERT_NONE\b|check_hostname\s*=\s*False"
    r"|danger_accept_invalid_certs\(\s*true|ServerCertificateCustomValidationCallback\s*=[^\n]*=>\s*true"
    r"|TrustAllCerts|NoopHostnameVerifier|strictSSL\s*:\s*false|ssl_verify\w*\s*[:=]\s*(?:false|0|none))"
)
_CORS_WILDCARD_RE = re.compile(
    r"(?i:origins?\s*[:=]\s*(?:\[\s*)?[\"']\*[\"']|allow_origins\s*=\s*\[\s*[\"']\*[\"']|AllowOrigins\s*:\s*"
    r"\[\]string\{\s*\"\*\"|Access-Control-Allow-Origin[\"']?\s*[,:]\s*[\"']\*[\"']|AllowAnyOrigin\(\)"
    r"|cors\(\s*\)|origin\s*:\s*true)"
)
_CORS_CREDENTIALS_RE = re.compile(
    r"(?i:credentials\s*[:=]\s*(?:true|[\"']true[\"'])|allow_credentials\s*=\s*True|AllowCredentials\s*[:=(]\s*"
    r"(?:true|\))|Access-Control-Allow-Credentials[\"']?\s*[,:]\s*[\"']true|supports_credentials\s*=\s*True)"
)
_EVAL_RE = re.compile(
    r"(?:(?<![\w.])eval|(?<![\w.])exec|new\s+Function|vm\.runIn\w+Context|instance_eval|class_eval)\s*\(\s*"
    r"[^)\n]*\b(?:req(?:uest)?\.|params|query|body|input\(|argv|user_?input|payload|form\[|args\.get|"
    r"data\[|ctx\.request|r\.FormValue)"
)
_IGNORE_MARK_RE = re.compile(r"(?i)pragma:\s*allowlist\s+secret|\bnosec\b|phasegate:\s*ignore|gitleaks:allow"
                             r"|test[ -]fixture")
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")


def _evidence(line: str, secret: str | None = None) -> str:
    """The line as evidence, its secret redacted (the scanner's own redaction, one for both)."""
    return secrets_scan.redacted_evidence(line, secret) if secret else line.strip()[:160]


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_random(token: str) -> bool:
    """High-entropy token that is not an identifier, a path or a word: what a leaked key looks like."""
    if len(token) < 20 or token.isalpha() or token.isdigit():
        return False
    if re.fullmatch(r"[a-z_]+|[A-Z_]+|[a-z]+(?:[A-Z][a-z]+)+", token):  # identifiers, CONSTANTS, camelCase
        return False
    if _HEX_RE.match(token):
        return len(token) >= 32 and shannon_entropy(token) > 3.0
    classes = sum(bool(re.search(rx, token)) for rx in (r"[a-z]", r"[A-Z]", r"\d"))
    return classes >= 3 and shannon_entropy(token) > 4.0


def redact_line(text: str) -> str:
    """``text`` with anything that looks like a secret redacted: for evidence shown to people or models."""
    for _label, rx in PROVIDER_KEYS:
        text = rx.sub(lambda m: redact(m.group(0)), text)
    m = _CONN_RE.search(text)
    if m:
        text = text.replace(m.group(1), redact(m.group(1)))
    m = _CRED_RE.search(text)
    if m and not _PLACEHOLDER_RE.match(m.group(2)):
        text = text.replace(m.group(2), redact(m.group(2)))
    for qm in _QUOTED_RE.finditer(text):
        if _looks_random(qm.group(1)):
            text = text.replace(qm.group(1), redact(qm.group(1)))
    return text


# ------------------------------------------------------------------------------------- secret rules
# phasegate's own secret rules. Beside Kingfisher only KEPT_SECRET_RULES run: the ones that catch
# what it misses on the labelled set (bench/secrets/evaluate.py, docs/security.md). All of them run
# when the scanner cannot, so a missing binary costs precision, never the check itself.

def _provider_key(path: str, lineno: int, text: str) -> Finding | None:
    for label, rx in PROVIDER_KEYS:
        m = rx.search(text)
        if m:
            return Finding("secret", "high", path, lineno,
                           f"{label} in source; move it to the environment and rotate it.", _evidence(text, m.group(0)))
    return None


def _connection_string(path: str, lineno: int, text: str) -> Finding | None:
    m = _CONN_RE.search(text)
    if not m or _PLACEHOLDER_RE.match(m.group(1)):
        return None
    local = m.group(2) in ("localhost", "127.0.0.1", "db", "postgres", "mysql")
    return Finding("hardcoded_credentials", "medium" if local else "high", path, lineno,
                   "Connection string with a password in source; read it from the environment.",
                   _evidence(text, m.group(1)))


def _credential_assignment(path: str, lineno: int, text: str) -> Finding | None:
    m = _CRED_RE.search(text)
    if not m or _CRED_NAME_SKIP.search(m.group(1)) or _PLACEHOLDER_RE.match(m.group(2)):
        return None
    return Finding("hardcoded_credentials", "high", path, lineno,
                   f"Hardcoded credential {m.group(1)!r}; read it from the environment.", _evidence(text, m.group(2)))


def _config_credential(path: str, lineno: int, text: str) -> Finding | None:
    name = path.rsplit("/", 1)[-1].lower()
    m = _CRED_BARE_RE.match(text)
    value = m.group(2) if m else ""
    if not m or _CRED_NAME_SKIP.search(m.group(1)) or _PLACEHOLDER_RE.match(value) or value[0] in "${%<" \
            or _REFERENCE_RE.match(value):
        return None
    if not (name.endswith(_CONFIG_SUFFIXES) or name.startswith(".env")):
        # In code only the shell/.env form ``NAME=value`` (no spaces) whose value cannot be a variable.
        if f"{m.group(1)}={value}" not in text or re.fullmatch(r"[A-Za-z_]\w*", value):
            return None
    return Finding("hardcoded_credentials", "high", path, lineno,
                   f"Hardcoded credential {m.group(1)!r} in configuration; read it from the environment.",
                   _evidence(text, m.group(2)))


def _aws_key_id(path: str, lineno: int, text: str) -> Finding | None:
    # Kingfisher reports an AWS key id only beside its secret key (a helper rule); alone it is still a leak.
    m = _AWS_KEY_ID_RE.search(text)
    if not m or "EXAMPLE" in m.group(0):
        return None
    return Finding("secret", "high", path, lineno, "AWS access key id in source; move it to the environment and "
                   "rotate it.", _evidence(text, m.group(0)))


def _high_entropy(path: str, lineno: int, text: str) -> Finding | None:
    for qm in _QUOTED_RE.finditer(text):
        if _looks_random(qm.group(1)):
            return Finding("high_entropy_string", "medium", path, lineno,
                           "High-entropy string that looks like a secret; keep secrets out of source.",
                           _evidence(text, qm.group(1)))
    return None


SecretRule = Callable[[str, int, str], Finding | None]
#: Every built-in secret rule, in the order they are tried on a line (the first that fires reports it).
SECRET_RULES: dict[str, SecretRule] = {
    "provider key shapes": _provider_key,
    "AWS access key ids": _aws_key_id,
    "connection strings": _connection_string,
    "credential assignments": _credential_assignment,
    "unquoted credentials": _config_credential,
    "high-entropy strings": _high_entropy,
}
#: The ones that still run beside Kingfisher: each catches secrets it misses (docs/security.md).
KEPT_SECRET_RULES: tuple[str, ...] = ("AWS access key ids", "connection strings", "credential assignments",
                                       "unquoted credentials")


def _line_findings(path: str, lineno: int, text: str) -> list[Finding]:
    """The findings of the rules no secret scanner covers: hashing, SQL, TLS, eval."""
    found: list[Finding] = []

    def add(kind: str, message: str) -> None:
        found.append(Finding(kind, "high", path, lineno, message, _evidence(text)))

    if WEAK_PASSWORD_HASH_RE.search(text):
        add("weak_password_hashing", "Password hashed with a fast digest; use argon2, bcrypt or scrypt.")
    if SQL_CONCAT_RE.search(text):
        add("sql_string_building", "SQL built by string formatting; use bound parameters.")
    if _TLS_RE.search(text):
        add("tls_verification_disabled", "TLS certificate verification is switched off.")
    if _EVAL_RE.search(text):
        add("eval_of_input", "eval/exec of request or user input runs attacker-controlled code.")
    return found


def _is_fixture(path: str) -> bool:
    return is_generated_or_fixture(path) or "fixture" in path.rsplit("/", 1)[-1].lower()


def _judged_lines(diff_text: str) -> list[tuple[str, int, str]]:
    """The added lines a phase answers for: those without an allowlist pragma."""
    return [(p, n, t) for p, n, t in added_lines(diff_text) if not _IGNORE_MARK_RE.search(t)]


def scan_added_lines(diff_text: str, *, scanner: bool = True) -> list[Finding]:
    """Security findings over the added lines of a unified git diff, in diff order."""
    return scan_many([diff_text], scanner=scanner)[0]


def scan_many(diffs: Sequence[str], *, scanner: bool = True) -> list[list[Finding]]:
    """:func:`scan_added_lines` of each diff, with the secret scanner run once for all of them.

    ``scanner=False`` runs phasegate's own rules alone (every built-in secret rule), as when the
    scanner is missing, minus the warning.
    """
    judged = [_judged_lines(d) for d in diffs]
    scan = secrets_scan.scan([[line for line in lines if not _is_fixture(line[0])] for lines in judged]) \
        if scanner else secrets_scan.Scan(findings=[[] for _ in diffs], error="off")
    rules = [SECRET_RULES[n] for n in (KEPT_SECRET_RULES if scan.error is None else SECRET_RULES)]
    out: list[list[Finding]] = []
    for lines, found in zip(judged, scan.findings, strict=True):
        findings: list[Finding] = []
        if scan.error is not None and scanner and lines:
            findings.append(Finding("secret_scanner_unavailable", "low", "", 0,
                                    f"Secrets not scanned by kingfisher: {scan.error}; phasegate's built-in key "
                                    "shapes ran instead."))
        by_line = {(f.path, f.line): f for f in found}
        cors: dict[str, list[tuple[int, str]]] = {}
        creds: dict[str, list[int]] = {}
        for path, lineno, text in lines:
            if not _is_fixture(path):
                hit = by_line.get((path, lineno))
                for rule in rules if hit is None else ():
                    hit = rule(path, lineno, text)
                    if hit is not None:
                        break
                if hit is not None:
                    findings.append(hit)
            findings.extend(_line_findings(path, lineno, text))
            if _CORS_WILDCARD_RE.search(text):
                cors.setdefault(path, []).append((lineno, text))
            if _CORS_CREDENTIALS_RE.search(text):
                creds.setdefault(path, []).append(lineno)
        for path, hits in cors.items():
            for lineno, text in hits:
                # Same statement or configuration block: within a few lines of each other.
                if any(abs(lineno - other) <= 10 for other in creds.get(path, [])) or _CORS_CREDENTIALS_RE.search(text):
                    findings.append(Finding("cors_wildcard_with_credentials", "high", path, lineno,
                                            "CORS allows any origin together with credentials.", _evidence(text)))
                    break
        out.append(findings)
    return out

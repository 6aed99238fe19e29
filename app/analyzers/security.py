"""Security checkpoint: findings in the lines a phase *added*, read from its unified git diff.

Only ``+`` lines are judged (a phase is answerable for what it wrote), each with its file and new
line number. Secrets are recognised by provider key shapes and by high-entropy quoted strings; the
rest are single-line patterns (credentials, weak password hashing, SQL built by formatting, TLS
verification switched off, ``eval`` of input) plus one two-line rule (wildcard CORS together with
credentials in the same file). Evidence never contains a whole secret: the middle is redacted.
Lines marked ``pragma: allowlist secret`` / ``nosec`` / ``phasegate: ignore``, and secrets in fixture
files, are not reported.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from phasegate.app.analyzers._files import is_generated_or_fixture
from phasegate.app.analyzers.patterns import SQL_CONCAT_RE, WEAK_PASSWORD_HASH_RE
from phasegate.phases.diffs import added_lines
from phasegate.phases.findings import Finding, Severity

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
    r"""private[_-]?key|client[_-]?secret|token))["']?\s*(?::=|=>|[:=])\s*["']([^"'\s]{4,})["']"""
)
_CRED_NAME_SKIP = re.compile(
    r"(?i)(hash|hashed|digest|field|name|label|param|header|env|var|path|file|url|uri|length|len|min|max"
    r"|pattern|regex|type|prompt|placeholder|policy|input|form|column|key_id|endpoint|expir\w*|ttl|count)$"
)
_PLACEHOLDER_RE = re.compile(
    r"(?i)^(?:x+|\*+|\.+|<.*>|\$\{.*\}|\{\{.*\}\}|%\(.*\)s|\$\w+|changeme|change[_-]?me|your[_-].*|example.*"
    r"|dummy.*|fake.*|placeholder|redacted|none|null|undefined|true|false|password|secret|token|test|todo)$"
)
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


def redact(secret: str) -> str:
    """Keep just enough of a secret to recognise it: the first 4 and last 2 characters."""
    if len(secret) <= 8:
        return secret[:1] + "*" * 6
    return f"{secret[:4]}…{'*' * 6}…{secret[-2:]}"


def _evidence(line: str, secret: str | None = None) -> str:
    text = line.strip()
    if secret:
        text = text.replace(secret, redact(secret))
    return text[:160]


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


def _line_findings(path: str, lineno: int, text: str, fixture: bool) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, severity: Severity, message: str, secret: str | None = None) -> None:
        found.append(Finding(kind, severity, path, lineno, message, _evidence(text, secret)))

    secret_spans: list[str] = []
    if not fixture:
        for label, rx in PROVIDER_KEYS:
            m = rx.search(text)
            if m:
                secret_spans.append(m.group(0))
                add("secret", "high", f"{label} in source; move it to the environment and rotate it.", m.group(0))
                break
        m = _CONN_RE.search(text)
        if m and not _PLACEHOLDER_RE.match(m.group(1)):
            local = m.group(2) in ("localhost", "127.0.0.1", "db", "postgres", "mysql")
            secret_spans.append(m.group(1))
            add("hardcoded_credentials", "medium" if local else "high",
                "Connection string with a password in source; read it from the environment.", m.group(1))
        m = _CRED_RE.search(text)
        if m and not secret_spans and not _CRED_NAME_SKIP.search(m.group(1)) and not _PLACEHOLDER_RE.match(m.group(2)):
            secret_spans.append(m.group(2))
            add("hardcoded_credentials", "high", f"Hardcoded credential {m.group(1)!r}; read it from the environment.",
                m.group(2))
        if not secret_spans:
            for qm in _QUOTED_RE.finditer(text):
                if _looks_random(qm.group(1)):
                    add("high_entropy_string", "medium",
                        "High-entropy string that looks like a secret; keep secrets out of source.", qm.group(1))
                    break
    if WEAK_PASSWORD_HASH_RE.search(text):
        add("weak_password_hashing", "high", "Password hashed with a fast digest; use argon2, bcrypt or scrypt.")
    if SQL_CONCAT_RE.search(text):
        add("sql_string_building", "high", "SQL built by string formatting; use bound parameters.")
    if _TLS_RE.search(text):
        add("tls_verification_disabled", "high", "TLS certificate verification is switched off.")
    if _EVAL_RE.search(text):
        add("eval_of_input", "high", "eval/exec of request or user input runs attacker-controlled code.")
    return found


def scan_added_lines(diff_text: str) -> list[Finding]:
    """Security findings over the added lines of a unified git diff, in diff order."""
    findings: list[Finding] = []
    cors: dict[str, list[tuple[int, str]]] = {}
    creds: dict[str, list[int]] = {}
    for path, lineno, text in added_lines(diff_text):
        if _IGNORE_MARK_RE.search(text):
            continue
        fixture = is_generated_or_fixture(path) or "fixture" in path.rsplit("/", 1)[-1].lower()
        findings.extend(_line_findings(path, lineno, text, fixture))
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
    return findings

"""Line-level risk patterns shared by the repository audit and the security checkpoint scan.

Every pattern is self-contained (only scoped ``(?i:…)`` flags), so the audit can splice it into its
combined per-language pre-filter.
"""

from __future__ import annotations

import re

_SQL_VERB = r"(?:select\b[^\n]{0,120}?\bfrom|insert\s+into|update\s+[\w.\"`]+\s+set|delete\s+from)\b"

# SQL text built from program values by formatting or concatenation, on one line.
SQL_CONCAT_RE = re.compile(
    r"(?i:"
    rf"\bf\"[^\"\n]*{_SQL_VERB}[^\"\n]*\{{|\bf'[^'\n]*{_SQL_VERB}[^'\n]*\{{"  # python f-string with {value}
    rf"|\"[^\"\n]*{_SQL_VERB}[^\"\n]*\"\s*(?:\+\s*[\w(]|%\s*[\w(]|\.format\()"  # "…" + x, % x, .format
    rf"|'[^'\n]*{_SQL_VERB}[^'\n]*'\s*(?:\+\s*[\w(]|%\s*[\w(]|\.format\()"
    rf"|`[^`\n]*{_SQL_VERB}[^`\n]*\$\{{"  # JS template literal with ${value}
    rf"|Sprintf\(\s*\"[^\"\n]*{_SQL_VERB}[^\"\n]*%[sv]"  # Go fmt.Sprintf
    rf"|format!\(\s*\"[^\"\n]*{_SQL_VERB}[^\"\n]*\{{"  # Rust format!
    r")"
)

# Passwords hashed with a fast digest (md5/sha1 anywhere near a password, or a bare sha256 of one).
WEAK_PASSWORD_HASH_RE = re.compile(
    r"(?i:"
    r"(?<![a-z])(?:md5|sha1)\w*\s*\(\s*[^\n)]{0,60}pass(?:word|wd)"
    r"|createHash\(\s*['\"](?:md5|sha1|sha256)['\"]\s*\)[^\n]{0,60}pass(?:word|wd)"
    r"|pass(?:word|wd)\w*\s*[:=]\s*[^\n]{0,60}(?<![a-z])(?:md5|sha1)\w*\("
    r"|(?<![a-z])sha(?:256|512)\(\s*(?:\w+\.)?\w*pass(?:word|wd)"
    r")"
)

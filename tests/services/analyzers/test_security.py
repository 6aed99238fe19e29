"""Security checkpoint scan over a real ``git diff``'s added lines: each kind found, clean diffs quiet."""

from __future__ import annotations

import pytest

from phasegate.app.analyzers.security import redact, scan_added_lines
from phasegate.phases.diffs import added_lines
from tests.support.repos import commit_all, git, write_files

# Assembled at run time so no complete provider key sits in this file for other scanners to flag.
AWS_KEY = "AKIA" + "Q7XJ3M2KDZPLW4RT"
GH_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
RANDOM = "q9Zr" + "T4vW8xK2mN7pL3sB6yH1cF5gJ0dE"


def diff_of(make_repo, files: dict[str, str]) -> str:
    """The real unified diff that adds ``files`` to a repository."""
    root = make_repo({"README.md": "x\n"})
    write_files(root, files)
    git(root, "add", "-A")
    return git(root, "diff", "--cached", "--unified=3")


CASES = {
    "secret": ("config/keys.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'),
    "hardcoded_credentials": ("src/db.js", 'const pool = new Pool("postgres://app:S3cr3tPw@db.prod.example.com/app");\n'),
    "weak_password_hashing": ("app/users.py", "stored = hashlib.md5(password.encode()).hexdigest()\n"),
    "sql_string_building": ("app/repo.py", 'cur.execute(f"SELECT * FROM users WHERE name = \'{name}\'")\n'),
    "tls_verification_disabled": ("app/http.py", "requests.get(url, verify=False)\n"),
    "eval_of_input": ("src/calc.js", "const result = eval(req.body.expression);\n"),
    "cors_wildcard_with_credentials": ("src/server.js", "app.use(cors({\n  origin: '*',\n  credentials: true,\n}));\n"),
}


SECRET_KINDS = {"secret", "hardcoded_credentials"}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_kind_is_found_with_file_line_and_severity(make_repo, kind: str) -> None:
    path, text = CASES[kind]
    # The secret scanner (a subprocess) runs only where it can find something: the secret kinds.
    findings = scan_added_lines(diff_of(make_repo, {path: "// header\n" + text}), scanner=kind in SECRET_KINDS)
    assert [f.kind for f in findings] == [kind]
    finding = findings[0]
    expected_line = 3 if kind == "cors_wildcard_with_credentials" else 2  # reported on the origin line
    assert finding.path == path and finding.line == expected_line and finding.severity in ("high", "medium")
    assert set(finding.to_json()) == {"kind", "severity", "path", "line", "message", "evidence"}


@pytest.mark.parametrize("line", [
    f'token = "{GH_TOKEN}"',
    'DB_PASSWORD = "hunter2hunter2"',
    "String q = \"SELECT * FROM t WHERE id = \" + id;",
    'query := fmt.Sprintf("DELETE FROM users WHERE id = %s", id)',
    "const rows = await db.query(`SELECT * FROM orders WHERE user = ${userId}`);",
    "tls: { rejectUnauthorized: false },",
    "InsecureSkipVerify: true,",
    "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)",
    "digest = DigestUtils.sha1Hex(password);",
])
def test_more_shapes_of_each_kind(line: str) -> None:
    diff = f"diff --git a/x.src b/x.src\n--- a/x.src\n+++ b/x.src\n@@ -1,0 +1,1 @@\n+{line}\n"
    assert scan_added_lines(diff, scanner="TOKEN" in line.upper() or "PASSWORD" in line), line


def test_without_the_scanner_every_builtin_secret_rule_runs(make_repo) -> None:
    """The fallback (scanner missing or off): the provider key shapes and high-entropy strings too."""
    diff = diff_of(make_repo, {"src/client.ts": f'const signingSalt = "{RANDOM}";\n',
                               "src/gh.ts": f'const gh = "{GH_TOKEN}";\n'})
    assert [(f.kind, f.path) for f in scan_added_lines(diff, scanner=False)] == [
        ("high_entropy_string", "src/client.ts"), ("secret", "src/gh.ts")]


def test_secrets_are_redacted_in_evidence(make_repo) -> None:
    findings = scan_added_lines(diff_of(make_repo, {"k.py": f'KEY = "{AWS_KEY}"\nTOKEN = "{GH_TOKEN}"\n'}))
    assert len(findings) == 2
    for f in findings:
        assert AWS_KEY not in f.evidence and GH_TOKEN not in f.evidence
    assert redact(AWS_KEY).startswith("AKIA") and redact(AWS_KEY).endswith(AWS_KEY[-2:])


CLEAN = {
    "app/auth.py": """from passlib.hash import bcrypt, argon2
password_hash = bcrypt.hash(password)
digest = argon2.hash(password)
key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))
password = os.environ["DB_PASSWORD"]
password_field = "password"
etag = hashlib.md5(body).hexdigest()
""",
    "src/server.ts": """const token = process.env.API_TOKEN;
app.use(cors({ origin: 'https://shop.example.com', credentials: true }));
const hash = await bcrypt.hash(req.body.password, 12);
const url = `postgres://${user}:${password}@${host}/db`;
router.get('/users/:id', handler);
""",
    "tests/fixtures/keys.py": f'FAKE_AWS_KEY = "{AWS_KEY}"\n',
    "tests/test_login.py": f'TOKEN = "{GH_TOKEN}"  # pragma: allowlist secret\n',
}


def test_clean_diff_yields_nothing(make_repo) -> None:
    assert scan_added_lines(diff_of(make_repo, CLEAN)) == []


def test_only_added_lines_count(make_repo) -> None:
    root = make_repo({"app/http.py": "requests.get(url, verify=False)\nx = 1\n"})
    (root / "app/http.py").write_text("requests.get(url, verify=True)\nx = 2\n")
    diff = git(root, "diff")
    assert scan_added_lines(diff, scanner=False) == []
    assert [(p, n) for p, n, _ in added_lines(diff)] == [("app/http.py", 1), ("app/http.py", 2)]


def test_line_numbers_follow_hunks(make_repo) -> None:
    root = make_repo({"a.py": "".join(f"line{i}\n" for i in range(1, 41))})
    lines = (root / "a.py").read_text().splitlines()
    lines.insert(29, "requests.get(u, verify=False)")
    (root / "a.py").write_text("\n".join(lines) + "\n")
    commit_all(root, "edit")
    diff = git(root, "show", "--format=", "HEAD")
    assert [(f.path, f.line) for f in scan_added_lines(diff, scanner=False)] == [("a.py", 30)]

"""``phasegate review [A..B]`` end to end on real git repositories with commit ranges.

Every section (files, schema with destructive flagged, migrations and their revert, API contract from a
committed spec and from the code with the version-bump check, security findings with file and line),
every format (text, md, json, sarif — validated against the SARIF 2.1.0 schema), every ``--fail-on``
level and its exit code, an empty range, an invalid range (exit 2, one line), the default base, and a
working tree with uncommitted changes.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from phasegate.app.cli.main import main
from tests.support.repos import commit_all, git, init_repo, write_files

SCHEMA_PATH = Path(__file__).parents[1] / "support" / "schemas" / "sarif-2.1.0.json"  # origin: its README.md

MODELS = """from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(200))
    name = Column(String(100))
"""
MAIN = """from fastapi import FastAPI

app = FastAPI()


@app.get("/users/{user_id}")
def get_user(user_id: int):
    return {}


@app.delete("/users/{user_id}")
def delete_user(user_id: int):
    return {}
"""
SPEC = """openapi: 3.0.3
info: {title: users, version: "1.0.0"}
paths:
  /users/{user_id}:
    parameters:
      - {name: user_id, in: path, required: true, schema: {type: integer}}
    get:
      responses:
        '200': {description: ok}
    delete:
      responses:
        '204': {description: gone}
"""
PYPROJECT = '[project]\nname = "users"\nversion = "1.4.0"\n'
AWS_KEY = "AKIAQWERTYUIOPASDFGH"
STRIPE_KEY = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
ENV_SECRET = "s3cr3t-from-dotenv-9f8e7d6c"
DJANGO_IRREVERSIBLE = """from django.db import migrations


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.RunPython(forwards),
    ]
"""
ALEMBIC_REVERSIBLE = '''"""add name"""
from alembic import op

revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("users", op.Column("nick"))


def downgrade():
    op.drop_column("users", "nick")
'''


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["review", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def service(tmp_path: Path) -> tuple[Path, str, str]:
    """A users service on main, and a feature branch commit that breaks everything a review reads:
    drops a column, adds an irreversible and a reversible migration, deletes an endpoint from the code
    and the spec without a version bump, and plants secrets. Returns (repo, base sha, feature sha)."""
    repo = init_repo(tmp_path / "svc", {"app/__init__.py": "", "app/models.py": MODELS, "app/main.py": MAIN,
                                       "openapi.yaml": SPEC, "pyproject.toml": PYPROJECT,
                                       ".gitignore": ".env\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-qb", "feature")
    write_files(repo, {
        "app/models.py": MODELS.replace("    email = Column(String(200))\n", ""),
        "app/main.py": MAIN.split("\n\n\n@app.delete")[0] + "\n",
        "openapi.yaml": SPEC.split("    delete:")[0],
        "app/migrations/0002_backfill.py": DJANGO_IRREVERSIBLE,
        "alembic/versions/b2_nick.py": ALEMBIC_REVERSIBLE,
        "app/settings.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\nSTRIPE = "{STRIPE_KEY}"\n'
                           f'DEFAULT_TOKEN = "{ENV_SECRET}"\n',
        ".env": f"APP_SECRET={ENV_SECRET}\n",
    })
    head = commit_all(repo, "feature")
    return repo, base, head


def test_every_section_in_text(capsys: pytest.CaptureFixture[str], service: tuple[Path, str, str]) -> None:
    repo, base, head = service
    code, out, err = run(capsys, f"{base}..{head}", "--repo", str(repo))
    assert code == 1 and "fails --fail-on approval" in err and err.count("\n") == 1
    assert out.startswith(f"phasegate review {base[:12]}..{head[:12]}\n")
    assert "Files changed (6, " in out and "modified  app/models.py +0 -1" in out
    assert "added     app/migrations/0002_backfill.py" in out
    assert "column_removed users.email  [DESTRUCTIVE] (app/models.py)" in out
    assert ("app/migrations/0002_backfill.py [django] cannot be reverted: RunPython without reverse_code (line 11)"
            in out)
    assert "alembic/versions/b2_nick.py [alembic] can be reverted: downgrade() (line 12)" in out
    assert "Migrations added (2, 1 cannot be reverted)" in out
    assert "openapi.yaml: DELETE /users/{user_id}: operation removed  [BREAKING]" in out
    assert "code: endpoint-removed — DELETE /users/{user_id} removed  [BREAKING] (app/main.py:11)" in out
    assert "openapi.yaml: info.version 1.0.0 → 1.0.0 (not bumped)" in out
    assert "high app/settings.py:1 secret: AWS access key id in source" in out
    assert "high app/settings.py:2 secret: Stripe access token in source (kingfisher betterleaks.stripe-access-token)" in out
    assert "Blocks a phase approval" in out
    for secret in (AWS_KEY, STRIPE_KEY, ENV_SECRET):
        assert secret not in out


def test_the_code_contract_and_the_package_version_bump(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Without a spec the endpoint inventory is the contract: a removed endpoint is breaking and blocks;
    a major bump of the package version makes it a versioned (medium) change that does not block."""
    repo = init_repo(tmp_path / "api", {"app/__init__.py": "", "app/main.py": MAIN, "pyproject.toml": PYPROJECT})
    base = git(repo, "rev-parse", "HEAD").strip()
    write_files(repo, {"app/main.py": MAIN.split("\n\n\n@app.delete")[0] + "\n"})
    unbumped = commit_all(repo, "drop delete")
    code, out, _ = run(capsys, f"{base}..{unbumped}", "--repo", str(repo))
    assert code == 1
    assert "code: endpoint-removed — DELETE /users/{user_id} removed  [BREAKING] (app/main.py:11)" in out
    assert "package version: 1.4.0 → 1.4.0 (major not bumped)" in out
    write_files(repo, {"pyproject.toml": PYPROJECT.replace("1.4.0", "2.0.0")})
    bumped = commit_all(repo, "major bump")
    code, out, _ = run(capsys, f"{base}..{bumped}", "--repo", str(repo))
    assert code == 0, out
    assert "package version: 1.4.0 → 2.0.0 (major bumped)" in out
    assert "medium app/main.py:11 breaking_api_change:" in out
    code, _, _ = run(capsys, f"{base}..{bumped}", "--repo", str(repo), "--fail-on", "breaking")
    assert code == 1


def test_markdown_is_a_pr_comment_with_collapsible_sections_and_no_whole_secret(
        capsys: pytest.CaptureFixture[str], service: tuple[Path, str, str]) -> None:
    repo, base, head = service
    code, out, _ = run(capsys, f"{base}..{head}", "--repo", str(repo), "--format", "md")
    assert code == 1
    assert out.startswith(f"## phasegate review `{base[:12]}..{head[:12]}`")
    assert out.count("<details") == out.count("</details>") >= 5
    assert "### ⛔ Schema changes (2, 1 destructive)\n\n<details open><summary>2 items</summary>" in out
    assert "- column_removed `users.email` **destructive** (`app/models.py`)" in out
    assert "**irreversible**" in out and "**breaking**" in out
    assert "AKIA" in out  # the finding is there, recognisable…
    for secret in (AWS_KEY, STRIPE_KEY, ENV_SECRET):  # …but never whole
        assert secret not in out


def test_json_is_documented_and_versioned(capsys: pytest.CaptureFixture[str], service: tuple[Path, str, str]) -> None:
    repo, base, head = service
    code, out, _ = run(capsys, f"{base}..{head}", "--repo", str(repo), "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["schema_version"] == 1 and data["base"] == base and data["head"] == head
    assert set(data) == {"schema_version", "base", "head", "files", "schema_changes", "migrations", "api",
                         "findings", "blockers", "warnings", "summary"}
    assert {f["path"] for f in data["files"]} >= {"app/models.py", "app/settings.py", "openapi.yaml"}
    assert [c["kind"] for c in data["schema_changes"] if c["destructive"]] == ["column_removed"]
    assert {(m["path"], m["reversible"]) for m in data["migrations"]} == {
        ("app/migrations/0002_backfill.py", False), ("alembic/versions/b2_nick.py", True)}
    assert data["api"]["spec_versions"]["openapi.yaml"] == {"before": "1.0.0", "after": "1.0.0", "bumped": False}
    assert data["summary"]["destructive"] == 1 and data["summary"]["irreversible_migrations"] == 1
    assert data["summary"]["breaking"] >= 1
    secrets = [(f["path"], f["line"]) for f in data["findings"] if f["kind"] == "secret"]
    assert secrets == [("app/settings.py", 1), ("app/settings.py", 2)]
    for secret in (AWS_KEY, STRIPE_KEY, ENV_SECRET):
        assert secret not in out


def test_sarif_validates_against_the_sarif_2_1_0_schema(capsys: pytest.CaptureFixture[str],
                                                        service: tuple[Path, str, str]) -> None:
    repo, base, head = service
    code, out, _ = run(capsys, f"{base}..{head}", "--repo", str(repo), "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    [run_] = sarif["runs"]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert {"secret", "breaking_api_change_without_version_bump", "destructive_schema_change",
            "irreversible_migration"} <= set(rules)
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules.values())
    by_rule = {}
    for result in run_["results"]:
        assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        by_rule.setdefault(result["ruleId"], []).append(result)
    secret = by_rule["secret"][0]
    region = secret["locations"][0]["physicalLocation"]["region"]
    assert secret["level"] == "error" and region == {"startLine": 1, "endLine": 1}
    assert secret["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/settings.py"
    migration = by_rule["irreversible_migration"][0]
    assert migration["level"] == "warning"
    assert migration["locations"][0]["physicalLocation"]["region"]["startLine"] == 11
    for secret_value in (AWS_KEY, STRIPE_KEY, ENV_SECRET):
        assert secret_value not in out


def test_an_invalid_sarif_is_refused_by_the_schema() -> None:
    """The validation above can fail: a result without a message is not SARIF."""
    schema = json.loads(SCHEMA_PATH.read_text())
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(schema)(schema).validate(broken)


@pytest.mark.parametrize(("level", "expected"), [
    ("approval", 1), ("high", 1), ("breaking", 1), ("destructive", 1), ("any", 1), ("never", 0)])
def test_every_fail_on_level_on_a_change_that_trips_them_all(capsys: pytest.CaptureFixture[str],
                                                             service: tuple[Path, str, str], level: str,
                                                             expected: int) -> None:
    repo, base, head = service
    code, _, err = run(capsys, f"{base}..{head}", "--repo", str(repo), "--fail-on", level)
    assert code == expected
    assert (f"fails --fail-on {level}" in err) == (expected == 1)


def test_each_fail_on_level_fails_only_on_its_own_kind(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Three ranges, each with one kind of problem: a destructive schema change only, a medium finding
    only, a clean change. Each level fails exactly on what it names."""
    repo = init_repo(tmp_path / "levels", {"app/__init__.py": "", "app/models.py": MODELS})
    base = git(repo, "rev-parse", "HEAD").strip()
    write_files(repo, {"app/models.py": MODELS.replace("    email = Column(String(200))\n", "")})
    destructive = commit_all(repo, "drop email")
    # A password in a connection string to localhost: a medium finding.
    write_files(repo, {"app/util.py": 'DATABASE_URL = "postgres://app:Pw4localOnly9@localhost:5432/app"\n'})
    medium = commit_all(repo, "a token-like string")
    write_files(repo, {"README.md": "# docs\n"})
    clean = commit_all(repo, "docs")
    expect = {
        (base, destructive): {"approval": 0, "high": 0, "breaking": 0, "destructive": 1, "any": 1, "never": 0},
        (destructive, medium): {"approval": 0, "high": 0, "breaking": 0, "destructive": 0, "any": 1, "never": 0},
        (medium, clean): {"approval": 0, "high": 0, "breaking": 0, "destructive": 0, "any": 0, "never": 0},
    }
    for (a, b), levels in expect.items():
        for level, expected in levels.items():
            code, _, _ = run(capsys, f"{a}..{b}", "--repo", str(repo), "--fail-on", level)
            assert code == expected, (a[:7], b[:7], level)


def test_an_empty_range_reports_nothing_and_passes(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    for fmt in ("text", "md", "json", "sarif"):
        code, out, err = run(capsys, "HEAD..HEAD", "--repo", str(repo), "--format", fmt, "--fail-on", "any")
        assert code == 0 and err == "", (fmt, err)
    code, out, _ = run(capsys, "HEAD..HEAD", "--repo", str(repo))
    assert "Files changed (0, +0 -0): none" in out and "Findings: security and API contract (0, 0 high): none" in out
    _, out, _ = run(capsys, "HEAD..HEAD", "--repo", str(repo), "--format", "sarif")
    assert json.loads(out)["runs"][0]["results"] == []


@pytest.mark.parametrize("spec", ["nope..HEAD", "HEAD..nope", "HEAD...HEAD~1", "..HEAD", "deadbeef"])
def test_an_invalid_range_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], repo: Path, spec: str) -> None:
    code, out, err = run(capsys, spec, "--repo", str(repo))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("phasegate: error: ") and "Traceback" not in err


def test_uncommitted_changes_are_reviewed_by_default_and_left_out_with_committed(
        capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    git(repo, "checkout", "-qb", "work")
    write_files(repo, {"committed.py": "x = 1\n"})
    commit_all(repo, "committed")
    write_files(repo, {"untracked.py": f'TOKEN = "{AWS_KEY}"\n', "README.md": "# changed\n"})
    code, out, _ = run(capsys, "--repo", str(repo))  # default base: the merge base with main
    main_sha = git(repo, "rev-parse", "main").strip()
    assert out.startswith(f"phasegate review {main_sha[:12]}..working tree")
    assert code == 1 and "added     untracked.py" in out and "modified  README.md" in out
    assert "high untracked.py:1 secret" in out
    code, out, _ = run(capsys, "--repo", str(repo), "--committed")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert code == 0 and out.startswith(f"phasegate review {main_sha[:12]}..{head[:12]}")
    assert "committed.py" in out and "untracked.py" not in out
    assert git(repo, "status", "--porcelain") == " M README.md\n?? untracked.py\n"  # the review touched nothing


def test_the_default_base_follows_origin_head_else_the_parent(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    upstream = init_repo(tmp_path / "upstream", {"README.md": "# up\n"})
    write_files(upstream, {"a.py": "a = 1\n"})
    commit_all(upstream, "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "checkout", "-qb", "topic")
    write_files(clone, {"b.py": "b = 1\n"})
    commit_all(clone, "topic work")
    git(clone, "branch", "-qm", "main", "old-main")  # no local main: only origin/HEAD names the default
    code, out, _ = run(capsys, "--repo", str(clone), "--committed")
    origin = git(clone, "rev-parse", "origin/HEAD").strip()
    assert code == 0 and out.startswith(f"phasegate review {origin[:12]}..")
    assert "b.py" in out and "a.py" not in out
    lone = init_repo(tmp_path / "lone", {"one.py": "x = 1\n"})
    git(lone, "checkout", "-qb", "trunk")
    git(lone, "branch", "-qD", "main")
    write_files(lone, {"two.py": "y = 2\n"})
    commit_all(lone, "two")
    code, out, _ = run(capsys, "--repo", str(lone), "--committed")
    parent = git(lone, "rev-parse", "HEAD~1").strip()
    assert code == 0 and out.startswith(f"phasegate review {parent[:12]}..") and "two.py" in out


def test_the_ci_jobs_in_docs_are_valid_yaml_and_run_valid_review_commands() -> None:
    """docs/ci.md's GitHub Actions and GitLab CI jobs parse, fetch the whole history, and every
    ``phasegate review`` line in them is accepted by the real argument parser."""
    import re
    import shlex

    import yaml

    from phasegate.app.cli.commands import review
    from phasegate.app.cli.main import build_subcommand_parser

    text = (Path(__file__).parents[2] / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    github, gitlab = (yaml.safe_load(b) for b in blocks)
    steps = github["jobs"]["review"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    assert gitlab["phasegate-review"]["variables"]["GIT_DEPTH"] == 0
    parser = build_subcommand_parser("review", review)
    commands = [line[line.index("phasegate review"):] for block in blocks for line in block.splitlines()
                if "phasegate review " in line and not line.lstrip().startswith("#")]
    assert {"sarif", "md"} <= {shlex.split(c.split(">")[0])[shlex.split(c).index("--format") + 1] for c in commands}
    for command in commands:
        argv = shlex.split(command.split(">")[0].split(";")[0])[2:]
        parser.parse_args([a.replace("$RANGE", "main..HEAD") for a in argv])


def test_a_repository_without_commits_has_no_range(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = init_repo(tmp_path / "empty", commit=False)
    code, out, err = run(capsys, "--repo", str(empty))
    assert code == 2 and out == "" and err.startswith("phasegate: error: no range to review: ")
    assert err.count("\n") == 1

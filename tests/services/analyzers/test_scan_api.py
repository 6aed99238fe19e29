"""The audit's API part: route files from the endpoint inventory, the inventory grouped by prefix and
trimmed to a budget, dead and dev-only endpoints marked, and the drift between a spec and the code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phasegate.app.analyzers.scan import scan_repository, summary_markdown
from phasegate.app.analyzers.scan_api import inventory_lines, prefix_of

MAIN = """from fastapi import FastAPI

from app.config import settings
from app.routers import debug, users

app = FastAPI()
app.include_router(users.router, prefix="/api/v1")
if settings.DEBUG:
    app.include_router(debug.router)
"""
USERS = """from fastapi import APIRouter

router = APIRouter(prefix="/users")
admin = APIRouter(prefix="/admin")


@router.get("/{user_id}")
def read_user(user_id: int):
    return {}


@router.post("")
def create_user():
    return {}


@admin.delete("/purge")
def purge():
    return None
"""
DEBUG = """from fastapi import APIRouter

router = APIRouter(prefix="/debug")


@router.get("/env")
def env():
    return {}
"""
# A frontend helper: ``api.get('/users')`` matched the old Express name pattern, but it is an HTTP
# client call, not a route.
CLIENT = "import axios from 'axios';\nconst api = axios.create();\nexport const list = () => api.get('/users');\n"
SERVICE = {"requirements.txt": "fastapi\n", "app/__init__.py": "", "app/config.py": "DEBUG = False\nsettings = None\n",
           "app/main.py": MAIN, "app/routers/__init__.py": "", "app/routers/users.py": USERS,
           "app/routers/debug.py": DEBUG, "web/src/api/client.js": CLIENT}


def test_route_files_come_from_the_inventory(make_repo: Callable[..., Path]) -> None:
    result = scan_repository(make_repo(SERVICE))
    files = {(f["path"], f["role"], f["endpoints"]) for f in result.api_route_files}
    assert files == {("app/routers/users.py", "routes", 3), ("app/routers/debug.py", "routes", 1),
                     ("app/main.py", "mounts", 0)}
    users = next(f for f in result.api_route_files if f["path"] == "app/routers/users.py")
    assert (users["framework"], users["evidence"]) == ("fastapi", "L7: GET /api/v1/users/{user_id} (3 endpoints, 1 dead)")
    assert "FastAPI" in {s["name"] for s in result.stack if s["category"] == "framework"}


def test_the_audit_lists_the_inventory_by_prefix_with_dead_and_dev_only_marked(make_repo: Callable[..., Path]) -> None:
    result = scan_repository(make_repo(SERVICE))
    assert {(e["method"], e["path"], e["dead"], e["dev_only"]) for e in result.endpoints} == {
        ("GET", "/api/v1/users/{user_id}", False, False), ("POST", "/api/v1/users", False, False),
        ("DELETE", "/admin/purge", True, False), ("GET", "/debug/env", False, True)}
    text = summary_markdown(result)
    assert "- API endpoints (from the code): 3 live, 1 dead (never mounted or served), 1 dev-only, in 3 groups:\n" in text
    assert "  - `/admin/purge` (1): DELETE /admin/purge [dead]\n" in text
    assert "  - `/api/v1/users` (2): POST /api/v1/users, GET /api/v1/users/{user_id}\n" in text
    assert "  - `/debug` (1): GET /debug/env [dev only]\n" in text


def test_prefixes_keep_api_and_version_segments_together() -> None:
    assert [prefix_of(p) for p in ("/api/v2/orders/{id}", "/v1/items", "/users/{id}", "/", "/{tenant}/x")] == [
        "/api/v2/orders", "/v1/items", "/users", "/", "/"]


def test_the_inventory_is_trimmed_to_its_budget_and_says_so() -> None:
    endpoints = [{"method": "GET", "path": f"/r{i // 10}/item{i}", "file": "a.py", "line": i, "framework": "fastapi",
                  "auth": None, "dead": False, "dev_only": False} for i in range(100)]
    lines = inventory_lines(endpoints, budget=400)
    assert sum(len(line) for line in lines[:-1]) <= 400
    assert lines[0] == "- API endpoints (from the code): 100 live, in 10 groups:"
    assert lines[-1].startswith("  - …") and lines[-1].endswith(
        "more endpoints not shown (the audit keeps 400 characters of the inventory); `phasegate api` lists them all")
    shown = sum(line.count("GET ") for line in lines)
    assert lines[-1] == (f"  - …{100 - shown} more endpoints not shown (the audit keeps 400 characters of the "
                         "inventory); `phasegate api` lists them all")
    assert inventory_lines(endpoints)[-1].startswith("  - `/r9` (10): ")  # the default budget holds all 100


SPEC = """openapi: 3.0.3
info: {title: users, version: "1"}
paths:
  /api/v1/users/{user_id}:
    get:
      responses:
        '200': {description: ok}
  /api/v1/users/{user_id}/avatar:
    get:
      responses:
        '200': {description: ok}
"""


def test_drift_between_the_spec_and_the_code_is_a_research_finding(make_repo: Callable[..., Path]) -> None:
    result = scan_repository(make_repo({**SERVICE, "openapi.yaml": SPEC}))
    assert {(d["kind"], d["method"], d["path"]) for d in result.api_drift} == {
        ("code_not_in_spec", "POST", "/api/v1/users"), ("code_not_in_spec", "GET", "/debug/env"),
        ("spec_not_in_code", "GET", "/api/v1/users/{user_id}/avatar")}
    [risk] = [r for r in result.risks if r["kind"] == "api_spec_drift"]
    assert (risk["severity"], risk["path"]) == ("medium", "openapi.yaml")
    assert risk["evidence"].startswith("2 in the code not in the spec, 1 in the spec not in the code: ")
    text = summary_markdown(result)
    assert "GET /api/v1/users/{user_id}/avatar in the spec, not in the code" in text
    assert "POST /api/v1/users in the code, not in the spec" in text

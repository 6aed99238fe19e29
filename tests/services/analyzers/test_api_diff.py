"""``diff_inventories`` and ``phasegate api --diff``: one test per change kind, on real git revisions."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from phasegate.app.analyzers.api import diff_inventories, inventory_at, normalize_path
from tests.support.repos import commit_all, write_files

HEAD = (
    "from fastapi import APIRouter, Depends, FastAPI\nfrom pydantic import BaseModel\n\n"
    "class ItemIn(BaseModel):\n    name: str\n\nclass ItemV2(BaseModel):\n    name: str\n\n"
    "class ItemOut(BaseModel):\n    id: int\n\nclass ItemFull(BaseModel):\n    id: int\n\n"
    "def get_current_user():\n    return 1\n\napp = FastAPI()\n"
)
BASE_ROUTES = (
    "@app.get('/items/{item_id}', response_model=ItemOut)\n"
    "def read(item_id: int, user=Depends(get_current_user)):\n    pass\n\n"
    "@app.post('/items')\ndef create(item: ItemIn):\n    pass\n\n"
    "@app.delete('/items/{item_id}')\ndef delete(item_id: int):\n    pass\n\n"
    "@app.put('/tags/{tag}')\ndef tag(tag: str):\n    pass\n"
)


def _changes(make_repo: Callable[..., Path], after: str) -> list:
    root = make_repo({"main.py": HEAD + BASE_ROUTES})
    write_files(root, {"main.py": HEAD + after})
    commit_all(root, "change")
    return diff_inventories(inventory_at(root, "HEAD~1"), inventory_at(root, "HEAD"))


def _kinds(changes: list) -> list[tuple[str, str, str, bool]]:
    return [(c.kind, c.method, c.path, c.breaking) for c in changes]


def test_endpoint_removed_is_breaking(make_repo: Callable[..., Path]) -> None:
    after = BASE_ROUTES.replace("@app.delete('/items/{item_id}')\ndef delete(item_id: int):\n    pass\n\n", "")
    assert _kinds(_changes(make_repo, after)) == [("endpoint-removed", "DELETE", "/items/{item_id}", True)]


def test_endpoint_added_is_not_breaking(make_repo: Callable[..., Path]) -> None:
    after = BASE_ROUTES + "\n@app.get('/health')\ndef health():\n    pass\n"
    assert _kinds(_changes(make_repo, after)) == [("endpoint-added", "GET", "/health", False)]


def test_method_changed(make_repo: Callable[..., Path]) -> None:
    after = BASE_ROUTES.replace("@app.put('/tags/{tag}')", "@app.patch('/tags/{tag}')")
    changes = _changes(make_repo, after)
    assert _kinds(changes) == [("method-changed", "PATCH", "/tags/{tag}", True)]
    assert (changes[0].before, changes[0].after) == ("PUT", "PATCH")


def test_path_param_renamed(make_repo: Callable[..., Path]) -> None:
    after = BASE_ROUTES.replace("@app.put('/tags/{tag}')\ndef tag(tag: str)", "@app.put('/tags/{name}')\ndef tag(name: str)")
    changes = _changes(make_repo, after)
    assert _kinds(changes) == [("path-param-changed", "PUT", "/tags/{name}", False)]
    assert changes[0].before == "/tags/{tag}"


def test_auth_dropped_is_breaking(make_repo: Callable[..., Path]) -> None:
    after = BASE_ROUTES.replace(", user=Depends(get_current_user)", "")
    changes = _changes(make_repo, after)
    assert _kinds(changes) == [("auth-dropped", "GET", "/items/{item_id}", True)]
    assert changes[0].before == "Depends(get_current_user)"


def test_request_model_changed(make_repo: Callable[..., Path]) -> None:
    after = BASE_ROUTES.replace("item: ItemIn", "item: ItemV2")
    changes = _changes(make_repo, after)
    assert _kinds(changes) == [("request-model-changed", "POST", "/items", True)]
    assert (changes[0].before, changes[0].after) == ("ItemIn", "ItemV2")


def test_response_model_changed(make_repo: Callable[..., Path]) -> None:
    after = BASE_ROUTES.replace("response_model=ItemOut", "response_model=ItemFull")
    assert _kinds(_changes(make_repo, after)) == [("response-model-changed", "GET", "/items/{item_id}", True)]


def test_no_change_no_diff(make_repo: Callable[..., Path]) -> None:
    assert _changes(make_repo, BASE_ROUTES) == []


def test_paths_are_normalised() -> None:
    assert normalize_path("users/:id/") == "/users/{id}"
    assert normalize_path("/files/<path:name>") == "/files/{name}"
    assert normalize_path("//a/{id:int}/b//") == "/a/{id}/b"
    assert normalize_path("/") == "/"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "phasegate.app.cli.main", *args], capture_output=True, text=True,
                          timeout=60)


def test_cli_api_json_text_and_diff(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"main.py": HEAD + BASE_ROUTES})
    proc = _cli("api", str(root), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    read = next(e for e in data["endpoints"] if e["method"] == "GET")
    assert {k: read[k] for k in ("path", "params", "file", "line", "handler", "handler_file", "handler_line",
                                 "framework", "auth", "request", "response", "source", "dead")} == {
        "path": "/items/{item_id}", "params": ["item_id"], "file": "main.py", "line": 20, "handler": "read",
        "handler_file": "main.py", "handler_line": 21, "framework": "fastapi",
        "auth": "Depends(get_current_user)", "request": None, "response": "ItemOut", "source": "code", "dead": False}
    assert data["warnings"] == [] and data["drift"] == []
    text = _cli("api", "--repo", str(root)).stdout
    assert "/items\n" in text and "GET     /items/{item_id}" in text and "auth: Depends(get_current_user)" in text
    write_files(root, {"main.py": HEAD})
    diff = _cli("api", "--repo", str(root), "--diff", "HEAD..", "--json")
    kinds = sorted((c["kind"], c["method"], c["path"]) for c in json.loads(diff.stdout)["changes"])
    assert kinds == [("endpoint-removed", "DELETE", "/items/{item_id}"), ("endpoint-removed", "GET", "/items/{item_id}"),
                     ("endpoint-removed", "POST", "/items"), ("endpoint-removed", "PUT", "/tags/{tag}")]
    bad = _cli("api", "--repo", str(root), "--diff", "HEAD")
    assert bad.returncode == 2 and "A..B" in bad.stderr


def test_spec_drift(make_repo: Callable[..., Path]) -> None:
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /items/{id}:\n    get:\n      responses: {}\n"
            "  /gone:\n    get:\n      responses: {}\n")
    root = make_repo({"main.py": HEAD + BASE_ROUTES, "openapi.yaml": spec})
    inv = inventory_at(root)
    assert inv.specs == ["openapi.yaml"]
    assert [(e.method, e.path) for e in inv.endpoints if e.source == "spec"] == [("GET", "/gone"), ("GET", "/items/{id}")]
    drift = {(d.kind, d.method, d.path) for d in inv.drift}
    assert drift == {("spec_not_in_code", "GET", "/gone"), ("code_not_in_spec", "POST", "/items"),
                     ("code_not_in_spec", "DELETE", "/items/{item_id}"), ("code_not_in_spec", "PUT", "/tags/{tag}")}


def test_revision_changed_paths_and_incremental_inventory(make_repo: Callable[..., Path]) -> None:
    from phasegate.app.analyzers._files import RevTree

    root = make_repo({"main.py": HEAD + BASE_ROUTES, "pkg/a/b.txt": "x", "pkg/c.txt": "y", "gone/d.txt": "z"})
    before = inventory_at(root, "HEAD")  # kept as the snapshot the next revision starts from
    write_files(root, {"main.py": HEAD + BASE_ROUTES + "\n@app.get('/new')\ndef new():\n    pass\n",
                       "pkg/a/b.txt": "x2", "pkg/e/f.txt": "new"})
    (root / "gone" / "d.txt").unlink()
    commit_all(root, "change")
    tree = RevTree(root, "HEAD")
    try:
        changed = tree.changed_paths("HEAD~1")
        assert changed is not None and set(changed) == {"main.py", "pkg/a/b.txt", "pkg/e/f.txt", "gone/d.txt"}
        assert changed["gone/d.txt"] is None and changed["pkg/e/f.txt"] == tree.blob_ids()["pkg/e/f.txt"]
        assert tree.changed_paths("0" * 40) is None
    finally:
        tree.close()
    after = inventory_at(root, "HEAD")  # updated from the snapshot of HEAD~1
    assert [(e.method, e.path) for e in after.endpoints if (e.method, e.path) not in
            {(b.method, b.path) for b in before.endpoints}] == [("GET", "/new")]
    assert after.to_json() == inventory_at(root, "HEAD").to_json()
    fresh = RevTree(root, "HEAD")
    try:
        from phasegate.app.analyzers.api import inventory_from_tree
        from phasegate.app.analyzers.readers import ParseCache

        assert inventory_from_tree(fresh, cache=ParseCache()).to_json() == after.to_json()
    finally:
        fresh.close()


def test_a_large_change_is_read_incrementally_from_the_listings(make_repo: Callable[..., Path],
                                                               monkeypatch) -> None:
    """A review's two revisions: 300 changed files of 2,300 are read alone, as a fresh read would give."""
    from phasegate.app.analyzers import api
    from phasegate.app.analyzers._files import RevTree
    from phasegate.app.analyzers.readers import ParseCache

    route = "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n@router.get('/r{n}/{ver}')\ndef r{n}():\n    pass\n"
    files = {f"routes/r{n}.py": route.format(n=n, ver="v1") for n in range(300)}
    files |= {f"lib/m{n}.py": f"import os\nVALUE = {n}\n" for n in range(2000)}
    root = make_repo(files)
    base = inventory_at(root, "HEAD")
    write_files(root, {f"routes/r{n}.py": route.format(n=n, ver="v2") for n in range(300)})
    commit_all(root, "every route changes")
    full_reads: list[int] = []
    real = api._read_all
    monkeypatch.setattr(api, "_read_all", lambda *a: full_reads.append(1) or real(*a))
    head = inventory_at(root, "HEAD")
    again = inventory_at(root, "HEAD~1")
    assert full_reads == [], "the revisions were read as a whole"
    assert again.to_json() == base.to_json()
    assert {e.path for e in head.endpoints if e.path.startswith("/r7/")} == {"/r7/v2"}
    fresh = RevTree(root, "HEAD")
    try:
        assert api.inventory_from_tree(fresh, cache=ParseCache()).to_json() == head.to_json()
    finally:
        fresh.close()

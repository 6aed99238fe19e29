"""The HTTP routes: validate the input, call the query, shape the response.

The contract for every route here is in ``openapi.yaml``; change both together.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from taskboard import db, validation
from taskboard.web import HTTPError, Request, Response, Router

router = Router()


def _project_or_404(conn: sqlite3.Connection, project_id: int) -> dict[str, Any]:
    project = db.get_project(conn, project_id)
    if project is None:
        raise HTTPError(404, "not_found", f"Project {project_id} does not exist.")
    return project


@router.get("/health")
def health(request: Request, conn: sqlite3.Connection) -> Response:
    return Response(200, {"status": "ok"})


@router.get("/projects")
def list_projects(request: Request, conn: sqlite3.Connection) -> Response:
    return Response(200, {"items": db.list_projects(conn)})


@router.post("/projects")
def create_project(request: Request, conn: sqlite3.Connection) -> Response:
    body = request.json()
    name = validation.text(body, "name", max_length=100)
    description = validation.text(body, "description", max_length=1000, required=False) or ""
    return Response(201, db.create_project(conn, name or "", description))


@router.get("/projects/{project_id}")
def get_project(request: Request, conn: sqlite3.Connection) -> Response:
    return Response(200, _project_or_404(conn, request.params["project_id"]))


@router.get("/projects/{project_id}/tasks")
def list_tasks(request: Request, conn: sqlite3.Connection) -> Response:
    project = _project_or_404(conn, request.params["project_id"])
    status = validation.choice(request.query, "status", validation.TASK_STATUSES)
    return Response(200, {"items": db.list_tasks(conn, project["id"], status)})


@router.post("/projects/{project_id}/tasks")
def create_task(request: Request, conn: sqlite3.Connection) -> Response:
    project = _project_or_404(conn, request.params["project_id"])
    body = request.json()
    title = validation.text(body, "title", max_length=200) or ""
    status = validation.choice(body, "status", validation.TASK_STATUSES) or "todo"
    due_date = validation.iso_date(body, "due_date")
    return Response(201, db.create_task(conn, project["id"], title, status, due_date))


@router.patch("/tasks/{task_id}")
def update_task(request: Request, conn: sqlite3.Connection) -> Response:
    body = request.json()
    title = validation.text(body, "title", max_length=200, required=False)
    status = validation.choice(body, "status", validation.TASK_STATUSES)
    due_date = validation.iso_date(body, "due_date")
    task = db.update_task(conn, request.params["task_id"], title, status, due_date)
    if task is None:
        raise HTTPError(404, "not_found", f"Task {request.params['task_id']} does not exist.")
    return Response(200, task)


# Admin routes. There are no accounts yet, so nothing protects them: anyone who can reach the
# service can read the totals and delete a project with all its tasks.


@router.get("/admin/stats")
def admin_stats(request: Request, conn: sqlite3.Connection) -> Response:
    return Response(200, db.stats(conn))


@router.delete("/admin/projects/{project_id}")
def admin_delete_project(request: Request, conn: sqlite3.Connection) -> Response:
    if not db.delete_project(conn, request.params["project_id"]):
        raise HTTPError(404, "not_found", f"Project {request.params['project_id']} does not exist.")
    return Response(204)

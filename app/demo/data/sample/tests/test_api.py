"""The API's behaviour, through the WSGI app, against a real (temporary) SQLite database."""

from __future__ import annotations


def make_project(client, name="Launch"):
    response = client.post("/projects", {"name": name, "description": "Q3 launch"})
    assert response.status == 201
    return response.json


def test_health(client):
    assert client.get("/health").json == {"status": "ok"}


def test_create_and_list_projects(client):
    project = make_project(client)
    assert project["name"] == "Launch"
    assert client.get("/projects").json["items"] == [project]
    assert client.get(f"/projects/{project['id']}").json == project


def test_project_name_is_validated(client):
    for body in ({}, {"name": ""}, {"name": "   "}, {"name": 42}, {"name": "x" * 101}):
        response = client.post("/projects", body)
        assert response.status == 422, body
        assert response.json["error"]["field"] == "name"


def test_malformed_json_is_a_400(client):
    response = client.request("POST", "/projects", json_body=None)
    assert response.status == 400
    assert response.json["error"]["code"] == "invalid_json"


def test_tasks_belong_to_a_project(client):
    project = make_project(client)
    created = client.post(f"/projects/{project['id']}/tasks", {"title": "Write docs", "due_date": "2026-03-31"})
    assert created.status == 201
    assert created.json["status"] == "todo" and created.json["due_date"] == "2026-03-31"
    client.post(f"/projects/{project['id']}/tasks", {"title": "Ship", "status": "doing"})
    titles = [t["title"] for t in client.get(f"/projects/{project['id']}/tasks?status=doing").json["items"]]
    assert titles == ["Ship"]


def test_task_fields_are_validated(client):
    project = make_project(client)
    url = f"/projects/{project['id']}/tasks"
    assert client.post(url, {"title": "x", "status": "later"}).json["error"]["field"] == "status"
    assert client.post(url, {"title": "x", "due_date": "tomorrow"}).json["error"]["field"] == "due_date"
    assert client.post("/projects/999/tasks", {"title": "x"}).status == 404


def test_update_task(client):
    project = make_project(client)
    task = client.post(f"/projects/{project['id']}/tasks", {"title": "Draft"}).json
    updated = client.patch(f"/tasks/{task['id']}", {"status": "done"})
    assert updated.status == 200
    assert updated.json["status"] == "done" and updated.json["title"] == "Draft"
    assert client.patch("/tasks/999", {"status": "done"}).status == 404


def test_unknown_route_and_method(client):
    assert client.get("/nope").status == 404
    assert client.request("PUT", "/projects").status == 405


def test_admin_stats_counts_tasks_by_status(client):
    project = make_project(client)
    client.post(f"/projects/{project['id']}/tasks", {"title": "a"})
    client.post(f"/projects/{project['id']}/tasks", {"title": "b", "status": "done"})
    stats = client.get("/admin/stats")
    assert stats.status == 200
    assert stats.json == {"projects": 1, "tasks": {"todo": 1, "doing": 0, "done": 1}}


def test_admin_delete_project_removes_its_tasks(client):
    project = make_project(client)
    client.post(f"/projects/{project['id']}/tasks", {"title": "a"})
    assert client.delete(f"/admin/projects/{project['id']}").status == 204
    assert client.get(f"/projects/{project['id']}").status == 404
    assert client.get("/admin/stats").json["tasks"]["todo"] == 0

"""The final review's report (issue 9 §3): what was asked, what was approved, what each phase did.

Built from the session and the repository — never from the model's say-so: commits come from git,
schema and API changes from the analyzers comparing the session's base with HEAD, verification from
the commands phasegate itself ran. The same dict is printed by ``phasegate report --format json``,
rendered as Markdown in the Report tab, and kept in the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phasegate.phases.models import PhaseStatus, Session
from phasegate.phases.plan_markdown import render_plan

if TYPE_CHECKING:
    from phasegate.app.git.service import GitService

SECTIONS = ("task", "plan", "phases", "schema_diff", "api_diff", "endpoint_diff", "final_tests",
            "deployment_checklist")


def _phase_findings(session: Session, git: GitService) -> dict[str, list[dict[str, Any]]]:
    """The security findings of each committed phase, the secret scanner run once for all of them."""
    committed = [s for s in session.phases if s.commit_sha]
    try:
        from phasegate.app.analyzers.security import scan_many

        per_phase = scan_many([git.show_commit(s.commit_sha or "") for s in committed])
    except Exception:
        return {}
    return {s.slug: [f.to_json() for f in found] for s, found in zip(committed, per_phase, strict=True)}


def build_report(session: Session, git: GitService, *, final_tests: dict[str, Any] | None = None) -> dict[str, Any]:
    root = git.root
    head = git.head_sha()
    base = session.base_sha or head
    phase_findings = _phase_findings(session, git)
    phases = []
    for state in session.phases:
        heading = state.slug
        if session.plan is not None:
            try:
                heading = session.plan.phase(state.slug).heading
            except KeyError:
                pass
        findings = phase_findings.get(state.slug, [])
        phases.append(
            {
                "slug": state.slug,
                "title": heading,
                "status": state.status.value,
                "commit": state.commit_sha,
                "rollback_commit": state.rollback_sha,
                "report": state.report.model_dump() if state.report else None,
                "verification": [
                    {"command": c.command, "exit_code": c.exit_code, "passed": c.exit_code == 0} for c in state.commands
                ],
                "migrations_run": list(state.migrations_run),
                "security_findings": findings,
                "overrides": list(state.overrides),
            }
        )
    schema_changes: list[dict[str, Any]] = []
    api_changes: dict[str, list[dict[str, Any]]] = {}
    try:
        from phasegate.app.analyzers.schema import diff_schemas, schema_at

        schema_changes = [c.to_json() for c in diff_schemas(schema_at(root, base), schema_at(root, head))]
    except Exception as exc:
        schema_changes = [{"error": f"schema not compared: {exc}"}]
    try:
        from phasegate.app.analyzers.openapi import diff_revisions

        api_changes = {p: [c.to_json() for c in cs] for p, cs in diff_revisions(root, base, head).items()}
    except Exception as exc:
        api_changes = {"error": [{"detail": f"API contract not compared: {exc}"}]}
    endpoint_changes: list[dict[str, Any]] = []
    try:  # the endpoints the code declares, base -> HEAD: the contract of a repository without a spec
        from phasegate.app.analyzers.api import diff_inventories, inventory_at

        endpoint_changes = [c.to_json() for c in diff_inventories(inventory_at(root, base), inventory_at(root, head))]
    except Exception as exc:
        endpoint_changes = [{"error": f"endpoints not compared: {exc}"}]
    committed = [p for p in session.phases if p.status == PhaseStatus.COMMITTED]
    report: dict[str, Any] = {
        "session": session.id,
        "task": session.task,
        "base_sha": base,
        "head_sha": head,
        "plan": {
            "version": session.plan_version,
            "markdown": render_plan(session.plan) if session.plan else "",
            "tasks_done": sum(t.done for p in (session.plan.phases if session.plan else []) for t in p.tasks),
            "tasks_total": sum(len(p.tasks) for p in (session.plan.phases if session.plan else [])),
        },
        "phases": phases,
        "schema_diff": schema_changes,
        "api_diff": api_changes,
        "endpoint_diff": endpoint_changes,
        "final_tests": final_tests,
        "deployment_checklist": deployment_checklist(session, schema_changes, api_changes, committed,
                                                     endpoint_changes),
    }
    report["markdown"] = to_markdown(report)
    return report


def deployment_checklist(session: Session, schema_changes: list[dict[str, Any]], api_changes: dict[str, Any],
                         committed: list[Any], endpoint_changes: list[dict[str, Any]] | None = None
                         ) -> list[dict[str, Any]]:
    endpoints = [c for c in endpoint_changes or [] if "error" not in c]
    api_detail = ", ".join(sorted(api_changes)) + " changed" if api_changes else "no OpenAPI contract changed"
    if endpoints:
        api_detail += f"; {len(endpoints)} endpoint change(s) in the code, document them"
    destructive = [c for c in schema_changes if c.get("destructive")]
    migrations = [m for p in session.phases for m in p.migrations_run]
    rollback_lines = [f"phasegate rollback {p.slug}   # = git revert {str(p.commit_sha)[:12]}" for p in reversed(committed)]
    return [
        {
            "item": "Migration execution plan for production",
            "detail": (
                f"{len(schema_changes)} schema change(s), {len(destructive)} destructive; run in staging first: "
                + ("; ".join(f"`{m}`" for m in migrations) or "no migration command was run in this session")
            ),
            "done": False,
        },
        {
            "item": "API documentation updated",
            "detail": api_detail,
            "done": bool(api_changes),
        },
        {"item": "Monitoring and logging configured", "detail": "check new endpoints and jobs emit structured logs", "done": False},
        {
            "item": "Rollback procedure documented",
            "detail": ("revert the phases newest first:\n" + "\n".join(rollback_lines)) if rollback_lines else "nothing committed",
            "done": bool(rollback_lines),
        },
    ]


def to_markdown(report: dict[str, Any]) -> str:
    lines = ["# 🚀 Final review", "", f"**Task:** {report['task']}", ""]
    lines += [f"Base `{report['base_sha'][:10]}` → HEAD `{report['head_sha'][:10]}`", ""]
    plan = report["plan"]
    lines += [f"## Plan v{plan['version']} ({plan['tasks_done']}/{plan['tasks_total']} tasks ticked)", "", plan["markdown"], ""]
    lines += ["## Phases", ""]
    for phase in report["phases"]:
        commit = f"`{phase['commit'][:10]}`" if phase["commit"] else "—"
        lines.append(f"### {phase['title']} — {phase['status'].replace('_', ' ')} {commit}")
        if phase["rollback_commit"]:
            lines.append(f"Rolled back by `{phase['rollback_commit'][:10]}`.")
        if phase["report"]:
            lines.append(phase["report"]["summary"])
            lines += [f"- {c}" for c in phase["report"]["changes"]]
        for v in phase["verification"]:
            lines.append(f"{'✓' if v['passed'] else '✗'} `{v['command']}` (exit {v['exit_code']})")
        for f in phase["security_findings"]:
            lines.append(f"⚠ {f['severity']}: {f['message']} ({f['path']}:{f['line']})")
        for o in phase["overrides"]:
            lines.append(f"Override: {o}")
        lines.append("")
    lines += ["## Schema changes (base → HEAD)", ""]
    for c in report["schema_diff"]:
        if "error" in c:
            lines.append(f"- {c['error']}")
            continue
        mark = " ⚠ destructive" if c.get("destructive") else ""
        target = ".".join(x for x in (c.get("table"), c.get("column")) if x)
        lines.append(f"- {c['kind']} {target}{mark}")
    if not report["schema_diff"]:
        lines.append("_no schema changes_")
    lines += ["", "## API contract changes", ""]
    for path, changes in report["api_diff"].items():
        for c in changes:
            breaking = " **breaking**" if c.get("breaking") else ""
            lines.append(f"- {path}: {c.get('kind', '')} {c.get('method') or ''} {c.get('path') or ''} {c.get('detail', '')}{breaking}".rstrip())
    if not report["api_diff"]:
        lines.append("_no API contract changes_")
    lines += ["", "## Endpoint changes in the code (base → HEAD)", ""]
    for c in report.get("endpoint_diff") or []:
        if "error" in c:
            lines.append(f"- {c['error']}")
            continue
        breaking = " **breaking**" if c.get("breaking") else ""
        where = f" ({c['file']}:{c['line']})" if c.get("file") else ""
        lines.append(f"- {c['kind']}: {c['detail']}{breaking}{where}")
    if not report.get("endpoint_diff"):
        lines.append("_no endpoint changes_")
    tests = report.get("final_tests")
    if tests:
        lines += ["", "## Full test run", "", f"{'✓' if tests.get('passed') else '✗'} `{tests.get('command')}` (exit {tests.get('exit_code')})"]
    lines += ["", "## Deployment checklist", ""]
    for item in report["deployment_checklist"]:
        lines.append(f"- [{'x' if item['done'] else ' '}] **{item['item']}**: {item['detail'].splitlines()[0] if item['detail'] else ''}")
        for extra in item["detail"].splitlines()[1:]:
            lines.append(f"    - `{extra}`")
    return "\n".join(lines).rstrip() + "\n"

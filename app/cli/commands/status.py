"""``phasegate status``: where the current session stands (from the session store)."""

from __future__ import annotations

import argparse

from phasegate.app.cli.commands._shared import add_json_argument, add_repo_argument, add_session_argument

NAME = "status"
HELP = "Show the current session: task, stage, plan version, and each phase's status and commit."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_repo_argument(parser)
    add_json_argument(parser)
    add_session_argument(parser)


def run(args: argparse.Namespace) -> int:
    from phasegate.app.cli.commands._shared import open_repo, open_store, pick_session, print_json

    service = open_repo(args.repo, read_only=True)
    session = pick_session(open_store(service), args.session)
    if session is None:
        if args.json:
            print_json({"session": None})
        else:
            print(f"No phasegate session in {service.root} yet; start one with: phasegate \"TASK\"")
        return 0
    plan = session.plan
    titles = {p.slug: (p.emoji, p.title) for p in plan.phases} if plan else {}
    phases = [
        {
            "phase": state.slug,
            "title": titles.get(state.slug, ("", state.slug))[1],
            "status": state.status.value,
            "commit_sha": state.commit_sha,
            "rollback_sha": state.rollback_sha,
        }
        for state in session.phases
    ]
    if not phases and plan:  # plan not approved yet: show the planned phases as pending
        phases = [
            {"phase": p.slug, "title": p.title, "status": "pending", "commit_sha": None, "rollback_sha": None}
            for p in plan.phases
        ]
    if args.json:
        print_json({
            "session": session.id,
            "task": session.task,
            "stage": session.stage.value,
            "plan_version": session.plan_version,
            "current_phase": session.current_phase,
            "branch": session.branch,
            "base_sha": session.base_sha,
            "halted_reason": session.halted_reason,
            "created_at": session.created_at.isoformat(),
            "updated_at": session.updated_at.isoformat(),
            "phases": phases,
        })
        return 0
    lines = [
        f"Session  {session.id}  (updated {session.updated_at:%Y-%m-%d %H:%M} UTC)",
        f"Task     {session.task or '—'}",
        f"Stage    {session.stage.value}"
        + (f" · plan v{session.plan_version}" if session.plan_version else ""),
    ]
    if session.branch:
        lines.append(f"Branch   {session.branch}")
    if session.halted_reason:
        lines.append(f"Halted   {session.halted_reason}")
    if phases:
        lines.append("Phases")
        width = max(len(p["phase"]) for p in phases)
        for p in phases:
            emoji = titles.get(p["phase"], ("", ""))[0]
            if p["rollback_sha"]:
                sha = f"reverted by {p['rollback_sha'][:7]}"
            else:
                sha = (p["commit_sha"] or "")[:7]
            lines.append(f"  {emoji or '·'} {p['phase']:<{width}}  {p['status']:<15}  {sha}".rstrip())
    print("\n".join(lines))
    return 0

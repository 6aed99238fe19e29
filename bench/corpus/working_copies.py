"""Make the corpus working copies the scorers read, from fetched mirrors (not run in CI).

Every truth file names a repository and a commit. For each one whose mirror is present under
``--mirrors`` (``<owner>+<name>/repo``, what the search tool's ``fetch`` leaves), this writes the tree
at that commit to ``<corpus>/<kind>/<owner>/<name>`` (schema truth files: ``<corpus>/schema/<stem>``,
the folder name ``score_schema.py`` looks for) and makes it a one-commit git repository, as a new
user's checkout would be. The mirror is only read (``git archive``). Existing copies are kept.

    python bench/corpus/working_copies.py [--mirrors DIR] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

TRUTH = Path(__file__).parent / "truth"


def _target(corpus: Path, kind: str, truth_file: Path, repo: str) -> Path:
    owner, name = repo.split("/", 1)
    if kind == "schema":
        return corpus / "schema" / truth_file.stem
    return corpus / kind / owner / name


def _export_present_blobs(mirror: Path, commit: str, target: Path) -> list[str]:
    """Write the tree file by file, leaving out blobs the snapshot does not hold (its largest files)."""
    listing = subprocess.run(["git", "--git-dir", str(mirror), "ls-tree", "-r", "-z", commit],
                             capture_output=True, check=True).stdout.decode()
    absent: list[str] = []
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind != "blob":
            continue
        data = subprocess.run(["git", "--git-dir", str(mirror), "cat-file", "blob", blob], capture_output=True)
        if data.returncode != 0:
            absent.append(path)
            continue
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            out.symlink_to(data.stdout.decode())
        else:
            out.write_bytes(data.stdout)
    return absent


def make_copy(mirror: Path, commit: str, target: Path) -> list[str]:
    """The tree at ``commit`` as a one-commit repository; returns the paths the snapshot lacks."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "--git-dir", str(mirror), "archive", commit], capture_output=True)
    absent: list[str] = []
    if archive.returncode == 0:
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    elif b"invalid object" in archive.stderr:
        absent = _export_present_blobs(mirror, commit, target)
    else:
        target.rmdir()
        raise subprocess.CalledProcessError(archive.returncode, "git archive", stderr=archive.stderr)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=corpus", "-c", "user.email=corpus@localhost",
                                                  "commit", "-qm", f"snapshot of {commit}"]):
        subprocess.run(["git", *args], cwd=target, check=True, capture_output=True)
    return absent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    args = parser.parse_args(argv)
    missing: list[str] = []
    made = kept = 0
    for truth_file in sorted(TRUTH.glob("*/*.json")):
        truth = json.loads(truth_file.read_text())
        repo, commit = truth.get("repo"), truth.get("commit")
        if not repo or not commit:
            continue
        target = _target(args.corpus, truth_file.parent.name, truth_file, repo)
        if target.exists():
            kept += 1
            continue
        mirror = args.mirrors / repo.replace("/", "+") / "repo"
        if not mirror.exists():
            missing.append(f"{truth_file.parent.name}/{truth_file.name}: no mirror for {repo}")
            continue
        try:
            absent = make_copy(mirror, commit, target)
            if absent:
                print(f"{target}: {len(absent)} files absent from the snapshot (e.g. {absent[0]})")
        except subprocess.CalledProcessError as exc:
            missing.append(f"{truth_file.parent.name}/{truth_file.name}: {repo}@{commit}: "
                           f"{(exc.stderr or b'').decode(errors='replace').strip().splitlines()[:1]}")
            continue
        made += 1
    print(f"{made} working copies made, {kept} already there, {len(missing)} not made")
    for line in missing:
        print(f"  {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

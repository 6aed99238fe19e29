"""A tiny host App for the diff view: used by the Pilot tests and loaded by snap_compare by path."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Footer

from phasegate.app.tui.screens.hunk_reason import HunkReasonScreen
from phasegate.widgets.diff_view import DiffView

# A fixed diff (snapshots must not depend on the git version): a modified Python file with two
# hunks, a new file, a pure rename, a binary file and a file without a final newline. Empty context
# lines are written "." here (a blank line in git's output is a single space) and converted below.
_SAMPLE = """\
diff --git a/app/service.py b/app/service.py
index 3b18e51..a9c2f4d 100644
--- a/app/service.py
+++ b/app/service.py
@@ -1,7 +1,8 @@
 import json
+import logging
.
.
 def load(path):
-    with open(path) as fh:
+    with open(path, encoding="utf-8") as fh:
         return json.load(fh)
.
@@ -20,6 +21,6 @@ def save(path, data):
     # keep the file small
     text = json.dumps(data)
-    print("saving", path)
-    open(path, "w").write(text)
+    logging.info("saving %s", path)
+    Path(path).write_text(text)
     return len(text)
.
diff --git a/app/schema.sql b/app/schema.sql
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/app/schema.sql
@@ -0,0 +1,4 @@
+CREATE TABLE users (
+    id INTEGER PRIMARY KEY,
+    email TEXT NOT NULL UNIQUE
+);
diff --git a/docs/old name.md b/docs/new name.md
similarity index 100%
rename from docs/old name.md
rename to docs/new name.md
diff --git a/static/logo.png b/static/logo.png
index 1111111..2222222 100644
Binary files a/static/logo.png and b/static/logo.png differ
diff --git a/VERSION b/VERSION
index 8a9ecc2..6d7e3a4 100644
--- a/VERSION
+++ b/VERSION
@@ -1 +1 @@
-0.1.0
\\ No newline at end of file
+0.2.0
\\ No newline at end of file
"""
SAMPLE_DIFF = "\n".join(" " if line == "." else line for line in _SAMPLE.split("\n"))


class DiffHost(App[None]):
    """Mounts one DiffView as ``#diff`` and records the messages it posts."""

    def __init__(self, diff_text: str | None = SAMPLE_DIFF, split: bool = False) -> None:
        super().__init__()
        self.diff_text = diff_text
        self.start_split = split
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield DiffView(id="diff")
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(DiffView)
        view.split = self.start_split
        if self.diff_text is not None:
            view.set_diff(self.diff_text)
        view.body.focus()

    def on_diff_view_hunk_reject_requested(self, message: DiffView.HunkRejectRequested) -> None:
        # What the workbench does: ask why (no grace period in tests), then hand the answer back.
        view = message.control
        self.push_screen(HunkReasonScreen(message.path, message.hunk_index, message.header, grace=0),
                         lambda reason: view.reject_hunk(message.path, message.hunk_index, reason))

    def on_diff_view_hunk_rejected(self, message: DiffView.HunkRejected) -> None:
        self.messages.append(message)

    def on_diff_view_hunk_restored(self, message: DiffView.HunkRestored) -> None:
        self.messages.append(message)

    def on_diff_view_loaded(self, message: DiffView.Loaded) -> None:
        self.messages.append(message)


app = DiffHost()

if __name__ == "__main__":
    app.run()

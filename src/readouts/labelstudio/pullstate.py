"""What the last pull of a project saw, so that the next pull exports only the tasks that may give another
outcome: tasks updated in Label Studio since then (a new or changed annotation updates the task), tasks the
last pull skipped (a conflict, a disagreement, a refusal, an invalid result), and tasks whose local files or
document text changed since. Every other task would be pulled exactly as last time, so leaving it out of
the export changes nothing. Label Studio's export is most of a pull's time; a pull that exports only what
changed takes a time proportional to the change.

The record lives in .readouts/labelstudio/ at the repository root (not committed: it describes this
checkout). A missing, unreadable or foreign record means a full pull, which writes a new one."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..jsonio import atomic_write_text, sha256_file
from ..paths import repo_root

VERSION = 1
# Tasks updated this long before the last pull started are exported again: an annotation being saved while
# that export was read carries a time just before it.
SLACK = timedelta(seconds=2)


def record_path(url: str, project: str, set_name: str | None) -> Path:
    key = hashlib.sha256(json.dumps([url.rstrip("/"), project, set_name]).encode("utf-8")).hexdigest()[:16]
    return repo_root() / ".readouts" / "labelstudio" / f"pull-{key}.json"


def file_sha256(path: Path) -> str | None:
    return sha256_file(path) if path.exists() else None


@dataclass
class PullRecord:
    """``done``: task id -> {"document_id", "text": its text_sha256, "files": {path relative to the set
    folder: its sha256 or None}}, for tasks the pull wrote or found unchanged; ``pending``: ids of skipped tasks;
    ``mark``: when the last pull started, by Label Studio's clock."""

    project_id: int
    mark: str
    done: dict[str, dict] = field(default_factory=dict)
    pending: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, project_id: int) -> "PullRecord | None":
        """The record at ``path`` for this project, or None (then the pull is a full one)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION or data.get("project_id") != project_id:
                return None
            _moment(data["mark"])  # a readable time, or a full pull
            return cls(project_id, data["mark"], dict(data["done"]), [int(task) for task in data["pending"]])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps({"version": VERSION, "project_id": self.project_id, "mark": self.mark,
                                            "done": self.done, "pending": sorted(set(self.pending))}, sort_keys=True) + "\n")

    def since(self) -> str:
        """The update time after which tasks are exported again (the mark less SLACK), in UTC as Label
        Studio's date filter reads it."""
        return (_moment(self.mark) - SLACK).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def locally_changed(self, folder: Path, corpus: dict) -> set[int]:
        """Done tasks whose files under ``folder`` or whose document text changed since the pull."""
        changed = set()
        for task, seen in self.done.items():
            document = corpus.get(seen.get("document_id"))
            if document is None or document["text_sha256"] != seen["text"] or any(
                    file_sha256(folder / name) != sha for name, sha in seen["files"].items()):
                changed.add(int(task))
        return changed


def _moment(timestamp: str | datetime) -> datetime:
    moment = timestamp if isinstance(timestamp, datetime) else datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

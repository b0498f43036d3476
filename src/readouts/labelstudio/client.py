"""The few Label Studio API calls push and pull need, through label-studio-sdk 2.x, with network and API
failures turned into InputError messages that name the server."""

import getpass
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..errors import InputError

API_KEY_ENV = "LABEL_STUDIO_API_KEY"
IMPORT_BATCH = 250
QUICK_EXPORT_LIMIT = 100  # task ids one quick export takes (they travel in the URL); more go through a snapshot
SNAPSHOT_TIMEOUT = 600  # seconds an export snapshot may take
WRITERS = 4  # parallel requests for per-task updates (Label Studio has no bulk update of task data)


def api_key() -> str:
    """The API key from $LABEL_STUDIO_API_KEY, else asked for without echo (never a CLI argument, which
    would end up in shell history and process lists)."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        return key
    if not sys.stdin.isatty():
        raise InputError(f"set {API_KEY_ENV} (Label Studio: Account & Settings > Personal Access Token)")
    key = getpass.getpass("Label Studio API key: ").strip()
    if not key:
        raise InputError("no API key given")
    return key


@contextmanager
def _calls(url: str):
    try:
        yield
    except ApiError as exc:
        body = exc.body if isinstance(exc.body, str) else json.dumps(exc.body)[:300]
        hint = " (check the API key)" if exc.status_code in (401, 403) else ""
        raise InputError(f"Label Studio at {url} answered {exc.status_code}{hint}: {body}") from None
    except httpx.HTTPError as exc:
        raise InputError(f"cannot reach Label Studio at {url}: {exc}") from None


class Project:
    """One Label Studio project, found by its title."""

    def __init__(self, url: str, key: str, title: str, label_config: str | None = None):
        """Open the project titled ``title``; with ``label_config``, create it when missing and bring its
        config up to date, else refuse when it does not exist."""
        self.url, self.title = url, title
        self.client = LabelStudio(base_url=url, api_key=key, timeout=300)
        with _calls(url):
            found = [p for p in self.client.projects.list(title=title) if p.title == title]
            if len(found) > 1:
                raise InputError(f"{url}: {len(found)} projects are titled {title!r}; rename all but one")
            if found:
                self.id = found[0].id
                if label_config is not None and self.client.projects.get(self.id).label_config != label_config:
                    self.client.projects.update(self.id, label_config=label_config)
            elif label_config is not None:
                self.id = self.client.projects.create(title=title, label_config=label_config).id
            else:
                raise InputError(f"{url}: no project titled {title!r}; push first")

    def tasks(self) -> dict[str, dict]:
        """Tasks by the document id they hold: {"id", "data", "annotations"} (submitted and skipped ones). The
        task's own counters suffice, so its annotations and predictions are not fetched, and only the fields
        read here are asked for (the Data Manager's other columns made listing 1,000 tasks five times slower)."""
        out = {}
        with _calls(self.url):
            for task in self.client.tasks.list(project=self.id, page_size=500,
                                               include="id,data,total_annotations,cancelled_annotations"):
                document_id = (task.data or {}).get("document_id")
                if document_id:
                    out[document_id] = {"id": task.id, "data": task.data,
                                        "annotations": (task.total_annotations or 0) + (getattr(task, "cancelled_annotations", 0) or 0)}
        return out

    def import_tasks(self, tasks: list[dict], progress=None) -> None:
        """Create tasks in batches; ``progress(n)`` is called after each batch."""
        with _calls(self.url):
            for start in range(0, len(tasks), IMPORT_BATCH):
                batch = tasks[start:start + IMPORT_BATCH]
                self.client.projects.import_tasks(self.id, request=batch, return_task_ids=True)
                if progress:
                    progress(len(batch))

    def update_data(self, updates: list[tuple[int, dict]], progress=None) -> None:
        """Replace the data of many tasks, ``updates`` = [(task id, data)], a few requests at a time."""
        def one(update):
            with _calls(self.url):
                self.client.tasks.update(str(update[0]), data=update[1])

        with ThreadPoolExecutor(WRITERS) as pool:
            for _ in pool.map(one, updates):
                if progress:
                    progress(1)

    def delete_tasks(self, task_ids: list[int]) -> None:
        """Delete tasks in one Data Manager action."""
        if task_ids:
            with _calls(self.url):
                self.client.actions.create(id="delete_tasks", project=self.id, selected_items={"all": False, "included": task_ids})

    def replace_predictions(self, predictions: dict[int, dict | None], model_version: str | None) -> None:
        """Give each task exactly its new prediction (none for None): the old predictions of every version
        are deleted in one Data Manager action and the new ones imported in batches, so re-pushing never
        piles them up. The project's model version becomes ``model_version``: Label Studio's "Label All
        Tasks" queue only shows predictions of the project's model version."""
        with _calls(self.url):
            if predictions:
                self.client.actions.create(id="delete_tasks_predictions", project=self.id,
                                           selected_items={"all": False, "included": sorted(predictions)})
            self.set_model_version(model_version)
            new = [{"task": task, **prediction} for task, prediction in predictions.items() if prediction]
            for start in range(0, len(new), IMPORT_BATCH):
                self.client.projects.import_predictions(self.id, request=new[start:start + IMPORT_BATCH])

    def set_overlap(self, annotators: int) -> None:
        """How many annotators' submissions a task collects before "Label All Tasks" stops serving it
        (Label Studio's maximum_annotations; 1 by default)."""
        with _calls(self.url):
            self.client.projects.update(self.id, maximum_annotations=annotators)

    def set_model_version(self, model_version: str | None) -> None:
        if model_version:
            with _calls(self.url):
                self.client.projects.update(self.id, model_version=model_version)

    def export(self, task_ids: list[int] | None = None) -> list[dict]:
        """Every annotated task (or those of ``task_ids``) with its annotations, as Label Studio's full JSON
        export (not JSON_MIN, which drops the link between a per-span choice and its span). A few tasks come
        from the quick export by id; more, from one snapshot export of every annotated task: with our large
        labelling config the quick export costs several times more per task (measured in
        benchmarks/bench_labelstudio.py)."""
        if task_ids is not None and len(task_ids) <= QUICK_EXPORT_LIMIT:
            return self._quick_export(task_ids) if task_ids else []
        tasks = self._snapshot_export()
        if task_ids is None:
            return tasks
        wanted = set(task_ids)
        return [task for task in tasks if task["id"] in wanted]

    def _quick_export(self, task_ids: list[int]) -> list[dict]:
        with _calls(self.url):
            # the server reads "ids[]"; the SDK's ``ids`` argument is sent as "ids" and ignored (a full export)
            raw = b"".join(self.client.projects.exports.download_sync(
                self.id, export_type="JSON", download_all_tasks=False,
                request_options={"additional_query_parameters": {"ids[]": [str(task) for task in task_ids]}}))
        return json.loads(raw)

    def _snapshot_export(self) -> list[dict]:
        """Every task with an annotation, in one export snapshot that is deleted once downloaded. Every kind of
        annotation is kept (the snapshot's default leaves out ground-truth and skipped ones, the quick export
        does not) and predictions and drafts come as ids only: pull reads neither."""
        exports = self.client.projects.exports
        with _calls(self.url):
            snapshot = exports.create(
                self.id, title="readouts ls pull", task_filter_options={"only_with_annotations": True},
                annotation_filter_options={"usual": True, "ground_truth": True, "skipped": True},
                serialization_options={"predictions": {"only_id": True}, "drafts": {"only_id": True},
                                       "annotations__completed_by": {"only_id": True}})
            try:
                deadline = time.monotonic() + SNAPSHOT_TIMEOUT
                while (status := exports.get(self.id, snapshot.id).status) not in ("completed", "failed"):
                    if time.monotonic() > deadline:
                        raise InputError(f"{self.url}: export snapshot {snapshot.id} of project {self.title!r} is still "
                                         f"{status} after {SNAPSHOT_TIMEOUT} s")
                    time.sleep(0.2)
                if status == "failed":
                    raise InputError(f"{self.url}: Label Studio failed to export project {self.title!r} (snapshot {snapshot.id}); "
                                     "see the server log")
                raw = b"".join(exports.download(self.id, snapshot.id, export_type="JSON"))
            finally:
                exports.delete(self.id, snapshot.id)
        return json.loads(raw)

    def server_time(self) -> datetime | None:
        """Label Studio's clock now (the Date header of a small request; whole seconds, rounded down), or
        None when the answer has no usable Date header."""
        with _calls(self.url):
            date = self.client.projects.with_raw_response.get(self.id).headers.get("date")
        try:
            return parsedate_to_datetime(date) if date else None
        except (TypeError, ValueError):
            return None

    def updated_since(self, moment: str) -> list[int]:
        """Ids of the tasks updated after ``moment`` (UTC, Label Studio's clock)."""
        query = json.dumps({"filters": {"conjunction": "and", "items": [
            {"filter": "filter:tasks:updated_at", "operator": "greater", "type": "Datetime", "value": moment}]}})
        with _calls(self.url):
            return [task.id for task in self.client.tasks.list(project=self.id, query=query, page_size=500, include="id")]

    def user_names(self) -> dict[int, str]:
        """User ids to e-mail addresses, for provenance."""
        with _calls(self.url):
            return {user.id: user.email or user.username or f"label-studio-user-{user.id}" for user in self.client.users.list()}

"""Push 1,000 invented tasks to a local Label Studio (pre-annotated with their gold plus one topic) and re-push
them unchanged, turn every pre-annotation into a submitted annotation (one Data Manager action), put the
original gold files back and pull with --force, so that every document is exported, converted, validated
and written; pull again (nothing changed, but every task was updated moments before the last pull started,
so all are exported again); change one annotation and pull (only that task is exported); re-push (every task
annotated and holding what the pull wrote, so nothing is sent); then change every gold file and re-push with
--force (every task annotated, so updated one request at a time). Prints the times and the machine's load.
Target: push and pull of 1,000 tasks under 15 s each.
Usage: python benchmarks/bench_labelstudio.py [--tasks N]"""

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from label_studio_sdk import LabelStudio

from readouts.labelstudio import local as lslocal
from readouts.cli import main
from readouts.labelstudio.client import API_KEY_ENV, QUICK_EXPORT_LIMIT, Project
from readouts.labelstudio.convert import STANCE
from readouts.store import save_annotation

REPO = Path(__file__).resolve().parents[1]


def scratch_repository(root: Path, count: int) -> None:
    """A repository copy with the real schemas and registry and ``count`` invented documents with gold."""
    shutil.copytree(REPO / "schema", root / "schema")
    (root / "annotations" / "gold").mkdir(parents=True)
    shutil.copy(REPO / "annotations" / "actors.json", root / "annotations" / "actors.json")
    os.environ["READOUTS_ROOT"] = str(root)
    os.environ["READOUTS_CORPUS"] = str(root / "documents.jsonl")
    pairs = lslocal.invented_documents(count)
    (root / "documents.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d, _ in pairs), encoding="utf-8")
    for _, annotation in pairs:
        save_annotation(annotation)


def timed(label: str, argv: list[str]) -> float:
    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    if code:
        raise SystemExit(f"{label} failed with exit code {code}")
    return elapsed


def add_topic(root: Path) -> dict[Path, bytes]:
    """Add the topic nato to every gold file; the original bytes by path."""
    originals = {}
    for file in sorted((root / "annotations" / "gold").glob("*.json")):
        originals[file] = file.read_bytes()
        gold = json.loads(originals[file])
        save_annotation({**gold, "topics": gold["topics"] + ["nato"]})
    return originals


def change_one_annotation(client: LabelStudio, project_id: int) -> None:
    """An annotator changes the stance label of the first task's annotation."""
    task = next(iter(client.tasks.list(project=project_id, page_size=1)))
    [annotation] = client.annotations.list(id=task.id)
    result = [dict(item, value={**item["value"], "choices": ["neutral"]}) if item["from_name"] == STANCE else item
              for item in annotation.result]
    client.annotations.update(id=annotation.id, result=result)


def wait_until_annotated(client: LabelStudio, project_id: int, count: int, timeout: float = 600) -> None:
    """The Data Manager action returns before every annotation exists: wait, so the full pull sees them all."""
    deadline = time.monotonic() + timeout
    while (done := client.projects.get(project_id).total_annotations_number or 0) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done} of {count} tasks were annotated after {timeout:.0f} s")
        time.sleep(0.5)


def export_times(project: Project) -> dict[str, float]:
    """The two ways pull exports: Label Studio's quick export by task id, and one snapshot of every
    annotated task (pull takes the quick one for up to QUICK_EXPORT_LIMIT tasks)."""
    start = time.perf_counter()
    everything = project.export()  # every annotated task: a snapshot
    snapshot = time.perf_counter() - start
    ids = [task["id"] for task in everything][:QUICK_EXPORT_LIMIT]
    start = time.perf_counter()
    project.export(ids)
    quick = time.perf_counter() - start
    return {f"export snapshot ({len(everything)} tasks)": snapshot, f"quick export by id ({len(ids)} tasks)": quick}


def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scratch_repository(tmp / "repo", count)
        server = lslocal.start(lslocal.ensure_venv(lslocal.venv_path(REPO)), tmp / "label-studio")
        try:
            os.environ[API_KEY_ENV] = server.token
            common = ["--url", server.url, "--project", "bench"]
            originals = add_topic(tmp / "repo")
            times = {"push (new tasks)": timed("push", ["ls", "push", *common, "--prelabel", "current"]),
                     "re-push (unchanged)": timed("re-push", ["ls", "push", *common, "--prelabel", "current"])}
            client = LabelStudio(base_url=server.url, api_key=server.token)
            project = next(p for p in client.projects.list(title="bench") if p.title == "bench")
            client.actions.create(id="predictions_to_annotations", project=project.id, selected_items={"all": True, "excluded": []})
            wait_until_annotated(client, project.id, count)
            for file, content in originals.items():
                file.write_bytes(content)
            times["pull --force (every document written)"] = timed("pull", ["ls", "pull", *common, "--force"])
            times.update(export_times(Project(server.url, server.token, "bench")))
            times["second pull (unchanged)"] = timed("second pull", ["ls", "pull", *common])
            change_one_annotation(client, project.id)
            times["pull after one annotation changed"] = timed("pull", ["ls", "pull", *common])
            times["re-push (every task annotated and pulled)"] = timed("re-push", ["ls", "push", *common, "--prelabel", "current"])
            add_topic(tmp / "repo")
            times["re-push (every task annotated and changed)"] = timed("re-push", ["ls", "push", *common, "--prelabel", "current",
                                                                                   "--force"])
        finally:
            server.stop()
    print(f"\n{count} tasks, load average {' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    for label, seconds in times.items():
        print(f"{label:<40} {seconds:6.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    run(parser.parse_args().tasks)

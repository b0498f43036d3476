"""Push 1,000 invented tasks to a local Label Studio, submit an annotation for each, pull them back, and
print the push and pull times. Usage: python benchmarks/bench_labelstudio.py [--tasks N]"""

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
from readouts.labelstudio.client import API_KEY_ENV
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


def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scratch_repository(tmp / "repo", count)
        server = lslocal.start(lslocal.ensure_venv(lslocal.venv_path(REPO)), tmp / "label-studio")
        try:
            os.environ[API_KEY_ENV] = server.token
            common = ["--url", server.url, "--project", "bench"]
            push = timed("push", ["ls", "push", *common, "--prelabel", "current"])
            repush = timed("re-push", ["ls", "push", *common, "--prelabel", "current"])
            client = LabelStudio(base_url=server.url, api_key=server.token)
            project = next(p for p in client.projects.list(title="bench") if p.title == "bench")
            start = time.perf_counter()
            for task in client.tasks.list(project=project.id, fields="all", page_size=500):
                result = client.predictions.list(task=task.id)[0].result
                next(item for item in result if item["from_name"] == "topics")["value"]["choices"].append("nato")
                client.annotations.create(id=task.id, result=result, lead_time=1.0)
            annotate = time.perf_counter() - start
            pull = timed("pull", ["ls", "pull", *common])
            again = timed("second pull", ["ls", "pull", *common])
        finally:
            server.stop()
    print(f"\n{count} tasks: push {push:.1f} s, re-push (unchanged) {repush:.1f} s, "
          f"annotating through the API {annotate:.1f} s, pull (all changed) {pull:.1f} s, second pull (unchanged) {again:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    run(parser.parse_args().tasks)
